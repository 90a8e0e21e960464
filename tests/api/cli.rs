//! The `wikiupload` binary: admin commands on the database `serve` uses,
//! startup errors, and the first administrator.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::helpers::*;
use crate::on_both_backends;

fn wikiupload(app: &TestApp, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wikiupload"))
        .args(args)
        .env("WIKIUPLOAD_DATA_DIR", app.data_dir.path())
        .env("WIKIUPLOAD_DATABASE_URL", &app.database_url)
        .env_remove("WIKIUPLOAD_CONFIG")
        .output()
        .expect("wikiupload runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn admin_commands_manage_accounts_while_the_server_runs(backend: Backend) {
    let app = spawn_app(backend).await;
    let created = stdout(&wikiupload(
        &app,
        &[
            "user",
            "create",
            "carol",
            "--password",
            "carolpass123",
            "--group",
            "bot",
        ],
    ));
    assert!(created.contains("created user Carol"), "{created}");
    let groups = stdout(&wikiupload(
        &app,
        &[
            "user", "groups", "Carol", "--add", "sysop", "--remove", "bot",
        ],
    ));
    assert_eq!(groups.trim(), "sysop");

    let bot = stdout(&wikiupload(
        &app,
        &[
            "botpassword",
            "create",
            "Carol",
            "ci",
            "--grants",
            "basic,uploadfile,editpage,createeditmovepage",
        ],
    ));
    assert!(bot.contains("login name: Carol@ci"), "{bot}");
    let password = bot
        .lines()
        .find_map(|l| l.strip_prefix("password:"))
        .map(str::trim)
        .expect("the password is printed");
    assert_eq!(password.len(), 32);
    let login = app.login("Carol@ci", password).await;
    assert_eq!(login["login"]["result"], "Success", "{login}");

    stdout(&wikiupload(
        &app,
        &["user", "passwd", "Carol", "--password", "newpass4567"],
    ));
    let fresh = new_client();
    let token = app.login_token_with(&fresh).await;
    let main = app
        .post_with(
            &fresh,
            &[
                ("action", "login"),
                ("lgname", "Carol"),
                ("lgpassword", "newpass4567"),
                ("lgtoken", &token),
            ],
        )
        .await;
    assert_eq!(main["login"]["result"], "Success", "{main}");
}

async fn admin_commands_refuse_bad_input_clearly(backend: Backend) {
    let app = spawn_app(backend).await;
    let cases: [(&[&str], &str); 6] = [
        (
            &["user", "create", "Uploader", "--password", "x1234567"],
            "exists already",
        ),
        (
            &["user", "create", "bad|name", "--password", "x1234567"],
            "not a valid user name",
        ),
        (
            &[
                "user",
                "create",
                "dave",
                "--password",
                "x1234567",
                "--group",
                "wizards",
            ],
            "unknown group \"wizards\"",
        ),
        (
            &["user", "passwd", "Nobody", "--password", "x1234567"],
            "there is no user",
        ),
        (
            &[
                "botpassword",
                "create",
                "Uploader",
                "x",
                "--grants",
                "basic,flying",
            ],
            "unknown grant \"flying\"",
        ),
        (
            &[
                "botpassword",
                "create",
                "Uploader",
                "x",
                "--grants",
                "basic",
                "--password",
                "short",
            ],
            "at least 32 characters",
        ),
    ];
    for (args, message) in cases {
        let output = wikiupload(&app, args);
        assert!(!output.status.success(), "{args:?} must fail");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// `wikiupload import ...` with the test server's configuration.
fn import(app: &TestApp, args: &[&str]) -> Output {
    let config = app.config_file();
    Command::new(env!("CARGO_BIN_EXE_wikiupload"))
        .args(args)
        .env("WIKIUPLOAD_CONFIG", config.path())
        .output()
        .expect("wikiupload runs")
}

/// The lines of an import's output that start with `kind: `.
fn import_lines<'a>(output: &'a str, kind: &str) -> Vec<&'a str> {
    let prefix = format!("{kind}: ");
    let mut lines: Vec<&str> = output
        .lines()
        .filter_map(|line| line.strip_prefix(prefix.as_str()))
        .collect();
    lines.sort_unstable();
    lines
}

/// `wikiupload import`: a folder with good files (one described by a
/// sidecar, one in a subfolder, one without an extension), a duplicate of
/// a file the wiki has, a banned type, a name too long and a file whose
/// bytes do not match its extension; imported through the upload rules,
/// then imported again to show that a second run resumes.
async fn import_publishes_a_folder_through_the_upload_rules_and_resumes(backend: Backend) {
    let mut app = spawn_app(backend).await;
    app.login_as_bot().await;
    let existing = png(30, 20, 5);
    let answer = app
        .upload(&[("filename", "Existing.png")], Some(&existing))
        .await;
    assert_eq!(answer["upload"]["result"], "Success", "{answer}");

    let folder = tempfile::tempdir().expect("tempdir");
    let dir = folder.path();
    std::fs::create_dir_all(dir.join("trip/day two")).expect("dirs");
    let (one, two, three) = (png(40, 30, 1), png(50, 40, 2), png(20, 20, 3));
    let long_name = format!("{}.png", "n".repeat(245));
    let files: Vec<(&str, &[u8])> = vec![
        ("good-one.png", &one),
        (
            "good-one.png.txt",
            b"A described picture. [[Category:Imported]]",
        ),
        ("trip/day two/Good two.png", &two),
        ("trip/day two/Good two.txt", b"The second one."),
        ("no extension", &three),
        ("copy.png", &existing),
        ("virus.exe", b"MZ\x90\x00 not really a program"),
        (&long_name, &one),
        ("notes.png", b"plain text, not a picture"),
        (".DS_Store", b"hidden"),
    ];
    for (name, bytes) in &files {
        std::fs::write(dir.join(name), bytes).expect("written");
    }
    let dir_arg = dir.to_str().expect("utf-8");
    let args = [
        "import",
        dir_arg,
        "--user",
        "Uploader",
        "--comment",
        "Imported by the test",
        "--skip-duplicates",
    ];

    // The server holds the data directory: the import refuses to start.
    let busy = import(&app, &args);
    assert!(!busy.status.success());
    let stderr = String::from_utf8_lossy(&busy.stderr);
    assert!(
        stderr.contains("in use by another wikiupload process"),
        "{stderr}"
    );
    app.stop_server().await;

    // First run: PNGs only.
    let mut only_png = args.to_vec();
    only_png.extend(["--extensions", "png"]);
    let first = import(&app, &only_png);
    assert!(!first.status.success(), "refusals make the exit code 1");
    let out = String::from_utf8_lossy(&first.stdout).into_owned();
    assert_eq!(
        import_lines(&out, "imported"),
        [
            "good-one.png as File:Good-one.png",
            "trip/day two/Good two.png as File:Good_two.png",
        ],
        "{out}"
    );
    assert_eq!(
        import_lines(&out, "skipped"),
        ["copy.png (File:Copy.png): duplicate of File:Existing.png"],
        "{out}"
    );
    let refused = import_lines(&out, "refused");
    assert_eq!(refused.len(), 2, "{out}");
    assert!(
        refused[0].starts_with(&format!("{long_name}: "))
            && refused[0].contains("longer than 240 bytes"),
        "{out}"
    );
    assert!(
        refused[1].starts_with("notes.png: ") && refused[1].contains("MIME type"),
        "{out}"
    );
    assert!(
        out.contains("done: 2 imported, 1 skipped, 2 refused, 2 ignored"),
        "{out}"
    );
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(stderr.contains("2 files were refused"), "{stderr}");

    // Second run, every file: what is there is skipped, the rest imported.
    let second = import(&app, &args);
    let out = String::from_utf8_lossy(&second.stdout).into_owned();
    assert_eq!(
        import_lines(&out, "imported"),
        [
            "no extension as File:No_extension.png (warning: the name was changed to No_extension.png)"
        ],
        "{out}"
    );
    assert_eq!(
        import_lines(&out, "skipped"),
        [
            "copy.png (File:Copy.png): duplicate of File:Existing.png",
            "good-one.png (File:Good-one.png): already imported (same SHA-1)",
            "trip/day two/Good two.png (File:Good_two.png): already imported (same SHA-1)",
        ],
        "{out}"
    );
    let refused = import_lines(&out, "refused");
    assert_eq!(refused.len(), 3, "{out}");
    assert!(
        refused[2].starts_with("virus.exe: ")
            && refused[2].contains("a disallowed and potentially dangerous file type"),
        "{out}"
    );
    assert!(
        out.contains("done: 1 imported, 3 skipped, 3 refused, 0 ignored"),
        "{out}"
    );

    // What the wiki has: uploads like any other, each once.
    app.start_server().await;
    let info = app
        .get(&[
            ("action", "query"),
            (
                "titles",
                "File:Good-one.png|File:Good two.png|File:No extension.png|File:Copy.png|File:Notes.png",
            ),
            ("prop", "imageinfo|revisions|categories"),
            ("iiprop", "sha1|user|comment"),
            ("iilimit", "5"),
            ("rvprop", "content"),
            ("rvslots", "main"),
            ("formatversion", "2"),
        ])
        .await;
    let pages = info["query"]["pages"].as_array().expect("pages");
    let page = |title: &str| {
        pages
            .iter()
            .find(|p| p["title"] == title)
            .unwrap_or_else(|| panic!("{title}: {info}"))
    };
    let good = page("File:Good-one.png");
    let versions = good["imageinfo"].as_array().expect("versions");
    assert_eq!(versions.len(), 1, "imported once: {info}");
    assert_eq!(versions[0]["sha1"], sha1_hex(&one));
    assert_eq!(versions[0]["user"], "Uploader");
    assert_eq!(versions[0]["comment"], "Imported by the test");
    assert_eq!(
        good["revisions"][0]["slots"]["main"]["content"],
        "A described picture. [[Category:Imported]]"
    );
    assert_eq!(
        good["categories"][0]["title"], "Category:Imported",
        "{info}"
    );
    assert_eq!(
        page("File:Good two.png")["revisions"][0]["slots"]["main"]["content"],
        "The second one."
    );
    assert_eq!(
        page("File:No extension.png")["revisions"][0]["slots"]["main"]["content"],
        "Imported by the test"
    );
    assert_eq!(
        page("File:No extension.png")["imageinfo"][0]["sha1"],
        sha1_hex(&three)
    );
    assert_eq!(page("File:Copy.png")["missing"], true);
    assert_eq!(page("File:Notes.png")["missing"], true);
    let log = app
        .get(&[
            ("action", "query"),
            ("list", "logevents"),
            ("letype", "upload"),
            ("leuser", "Uploader"),
            ("formatversion", "2"),
        ])
        .await;
    assert_eq!(
        log["query"]["logevents"].as_array().expect("log").len(),
        4,
        "Existing.png and the three imported: {log}"
    );
    // Nothing refused or skipped was left in the stash.
    let (clean, report) = app.fsck(false);
    assert!(clean, "{report}");
    let stash = std::fs::read_dir(app.data_dir.path().join("stash"))
        .map(|entries| entries.count())
        .unwrap_or(0);
    assert_eq!(stash, 0, "stash left over");
}

on_both_backends!(
    admin_commands_manage_accounts_while_the_server_runs,
    admin_commands_refuse_bad_input_clearly,
    import_publishes_a_folder_through_the_upload_rules_and_resumes,
);

/// A PostgreSQL server that is not there: at once (not after the pool's
/// timeout), `serve` and the admin commands say the connection was
/// refused, name the URL without its password, and exit non-zero.
#[test]
fn an_unreachable_database_is_a_clear_startup_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A loopback port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port();
    let url = format!("postgres://nobody:s3cret@127.0.0.1:{port}/none");
    let commands: [&[&str]; 2] = [&["user", "create", "x", "--password", "y"], &["serve"]];
    for args in commands {
        let output = Command::new(env!("CARGO_BIN_EXE_wikiupload"))
            .args(args)
            .env("WIKIUPLOAD_DATA_DIR", dir.path())
            .env("WIKIUPLOAD_LISTEN", "127.0.0.1:0")
            .env("WIKIUPLOAD_DATABASE_URL", &url)
            .env_remove("WIKIUPLOAD_CONFIG")
            .env_remove("WIKIUPLOAD_DATABASE_SCHEMA")
            .output()
            .expect("runs");
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!(
                "database unavailable: cannot connect to postgres://nobody:***@127.0.0.1:{port}/none: \
                 connection refused"
            )),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("s3cret"), "{stderr}");
        assert!(!stderr.contains("timed out"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// Run from the wrong directory, an admin command says where it looks and
/// refuses to start an empty database there unless asked with `--create`.
#[test]
fn admin_commands_create_a_new_database_only_when_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_wikiupload"))
            .args(["user", "create", "erin", "--password", "erinpass1234"])
            .args(extra)
            .env("WIKIUPLOAD_DATA_DIR", dir.path())
            .env_remove("WIKIUPLOAD_DATABASE_URL")
            .env_remove("WIKIUPLOAD_CONFIG")
            .output()
            .expect("runs")
    };
    let database = dir.path().join("wikiupload.sqlite");

    let refused = run(&[]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("data directory: {}", dir.path().display())),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("there is no database at {}", database.display())),
        "{stderr}"
    );
    assert!(stderr.contains("--create"), "{stderr}");
    assert!(!database.exists(), "nothing is created when refused");

    let created = run(&["--create"]);
    assert!(stdout(&created).contains("created user Erin"));
    let stderr = String::from_utf8_lossy(&created.stderr);
    assert!(stderr.contains("creating a new database"), "{stderr}");
    assert!(database.exists());
}

#[test]
fn a_config_typo_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("wiki.toml");
    std::fs::write(&file, "max_upload_sise = 5\n").expect("written");
    let output = Command::new(env!("CARGO_BIN_EXE_wikiupload"))
        .args(["--config", file.to_str().expect("utf-8"), "serve"])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("max_upload_sise"), "{stderr}");
}

/// `serve` on an empty data directory prints a generated administrator
/// password once, and that password logs in.
#[tokio::test]
async fn the_first_start_creates_and_prints_an_administrator() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
        listener.local_addr().expect("address").port()
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_wikiupload"))
        .arg("serve")
        .env("WIKIUPLOAD_DATA_DIR", dir.path())
        .env("WIKIUPLOAD_LISTEN", format!("127.0.0.1:{port}"))
        .env_remove("WIKIUPLOAD_ADMIN_PASSWORD")
        .env_remove("WIKIUPLOAD_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut out = child.stdout.take().expect("stdout");
    let printed = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        let mut lines = Vec::new();
        for line in std::io::BufReader::new(&mut out).lines() {
            let line = line.expect("line");
            let done = line.contains("listening");
            lines.push(line);
            if done {
                break;
            }
        }
        lines.join("\n")
    });
    let printed = tokio::time::timeout(Duration::from_secs(30), printed)
        .await
        .expect("serve starts in time")
        .expect("read");
    let password = printed
        .split("with password: ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .expect("a generated password is printed")
        .trim()
        .to_owned();
    let api = format!("http://127.0.0.1:{port}/api.php");
    let client = new_client();
    let token: serde_json::Value = client
        .get(&api)
        .query(&[
            ("action", "query"),
            ("meta", "tokens"),
            ("type", "login"),
            ("format", "json"),
        ])
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    let token = token["query"]["tokens"]["logintoken"]
        .as_str()
        .expect("token");
    let login: serde_json::Value = client
        .post(&api)
        .form(&[
            ("action", "login"),
            ("lgname", "Admin"),
            ("lgpassword", &password),
            ("lgtoken", token),
            ("format", "json"),
        ])
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(login["login"]["result"], "Success", "{login}");
}
