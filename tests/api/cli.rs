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

on_both_backends!(
    admin_commands_manage_accounts_while_the_server_runs,
    admin_commands_refuse_bad_input_clearly,
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
