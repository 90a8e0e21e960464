//! action=upload with a file or a filekey: publishing, warnings, the stash,
//! errors, and the files served afterwards.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

async fn a_png_is_published_and_served_byte_for_byte(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let bytes = png(32, 20, 1);
    let body = app
        .upload(
            &[
                ("filename", "First test.png"),
                ("comment", "A comment"),
                ("text", "Page text"),
            ],
            Some(&bytes),
        )
        .await;
    let upload = &body["upload"];
    assert_eq!(upload["result"], "Success", "{body}");
    assert_eq!(upload["filename"], "First_test.png");
    let info = &upload["imageinfo"];
    let keys: Vec<&String> = info.as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        [
            "timestamp",
            "user",
            "userid",
            "size",
            "width",
            "height",
            "parsedcomment",
            "comment",
            "html",
            "canonicaltitle",
            "url",
            "descriptionurl",
            "sha1",
            "metadata",
            "commonmetadata",
            "extmetadata",
            "mime",
            "mediatype",
            "bitdepth"
        ]
    );
    assert_eq!(info["user"], "Uploader");
    assert_eq!(info["size"], bytes.len());
    assert_eq!(
        (info["width"].clone(), info["height"].clone()),
        (json!(32), json!(20))
    );
    assert_eq!(info["sha1"], sha1_hex(&bytes));
    assert_eq!(info["mime"], "image/png");
    assert_eq!(info["mediatype"], "BITMAP");
    assert_eq!(info["comment"], "A comment");
    assert_eq!(info["canonicaltitle"], "File:First test.png");
    let server = app.api.trim_end_matches("/api.php");
    assert_eq!(info["url"], format!("{server}/images/5/53/First_test.png"));
    assert_eq!(
        info["descriptionurl"],
        format!("{server}/index.php/File:First_test.png")
    );

    let served = app.download(info["url"].as_str().expect("url")).await;
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.headers()["x-content-type-options"], "nosniff");
    assert!(served.headers().contains_key("content-security-policy"));
    let etag = served.headers()["etag"].to_str().expect("etag").to_owned();
    assert_eq!(
        served.bytes().await.expect("bytes").as_ref(),
        bytes.as_slice()
    );

    let partial = app
        .client
        .get(info["url"].as_str().expect("url"))
        .header("Range", "bytes=0-7")
        .send()
        .await
        .expect("answered");
    assert_eq!(partial.status(), 206);
    assert_eq!(partial.bytes().await.expect("bytes").as_ref(), &bytes[..8]);
    let cached = app
        .client
        .get(info["url"].as_str().expect("url"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("answered");
    assert_eq!(cached.status(), 304);

    let page = app
        .download(info["descriptionurl"].as_str().expect("url"))
        .await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("text");
    assert!(
        html.contains("Page text") && html.contains("File history"),
        "{html}"
    );
}

async fn a_new_version_needs_ignorewarnings_and_keeps_history(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let (v1, v2) = (png(10, 10, 2), png(12, 8, 3));
    let first = app
        .upload(
            &[("filename", "Versioned.png"), ("comment", "v1")],
            Some(&v1),
        )
        .await;
    assert_eq!(first["upload"]["result"], "Success");

    let warned = app
        .upload(
            &[("filename", "Versioned.png"), ("comment", "v2")],
            Some(&v2),
        )
        .await;
    assert_eq!(warned["upload"]["result"], "Warning", "{warned}");
    assert_eq!(
        warned["upload"]["warnings"],
        json!({"exists": "Versioned.png"})
    );
    let key = warned["upload"]["filekey"].as_str().expect("filekey");
    assert_eq!(warned["upload"]["sessionkey"], key);

    // Publishing the stashed bytes needs no re-upload.
    let done = app
        .post(&[
            ("action", "upload"),
            ("filename", "Versioned.png"),
            ("filekey", key),
            ("comment", "v2"),
            ("ignorewarnings", "1"),
            ("token", &app.csrf_token().await),
        ])
        .await;
    assert_eq!(done["upload"]["result"], "Success", "{done}");
    assert_eq!(
        done["upload"]["warnings"],
        json!({"exists": "Versioned.png"})
    );
    assert!(
        done["upload"]["imageinfo"]["descriptionshorturl"]
            .as_str()
            .is_some()
    );
    let reused = app
        .post(&[
            ("action", "upload"),
            ("filename", "Other.png"),
            ("filekey", key),
            ("token", &app.csrf_token().await),
        ])
        .await;
    assert_eq!(reused["error"]["code"], "uploadstash-file-not-found");

    let history = app
        .get(&[
            ("action", "query"),
            ("prop", "imageinfo"),
            ("titles", "File:Versioned.png"),
            ("iilimit", "5"),
            ("iiprop", "timestamp|comment|sha1|url|archivename|size"),
            ("formatversion", "2"),
        ])
        .await;
    let page = &history["query"]["pages"][0];
    assert_eq!(page["imagerepository"], "local");
    let versions = page["imageinfo"].as_array().expect("versions");
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["comment"], "v2");
    assert_eq!(versions[0]["sha1"], sha1_hex(&v2));
    assert_eq!(versions[1]["comment"], "v1");
    assert!(
        versions[0]["timestamp"].as_str() > versions[1]["timestamp"].as_str(),
        "newest first, strictly later"
    );
    let archive_name = versions[1]["archivename"].as_str().expect("archive name");
    assert!(archive_name.ends_with("!Versioned.png"), "{archive_name}");
    let old = app
        .download(versions[1]["url"].as_str().expect("url"))
        .await;
    assert_eq!(old.bytes().await.expect("bytes").as_ref(), v1.as_slice());
    let current = app
        .download(versions[0]["url"].as_str().expect("url"))
        .await;
    assert_eq!(
        current.bytes().await.expect("bytes").as_ref(),
        v2.as_slice()
    );

    let one = app
        .get(&[
            ("action", "query"),
            ("prop", "imageinfo"),
            ("titles", "File:Versioned.png"),
            ("iiprop", "timestamp"),
        ])
        .await;
    assert_eq!(one["continue"]["continue"], "||");
    assert!(one.get("batchcomplete").is_none());
}

async fn same_bytes_warn_as_duplicate_and_as_no_change(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let bytes = png(8, 8, 4);
    app.upload(&[("filename", "Original.png")], Some(&bytes))
        .await;
    let copy = app.upload(&[("filename", "Copy.png")], Some(&bytes)).await;
    assert_eq!(copy["upload"]["result"], "Warning");
    assert_eq!(
        copy["upload"]["warnings"],
        json!({"duplicate": ["Original.png"]})
    );

    let same = app
        .upload(&[("filename", "Original.png")], Some(&bytes))
        .await;
    let warnings = &same["upload"]["warnings"];
    assert_eq!(warnings["exists"], "Original.png");
    assert!(
        warnings["nochange"]["timestamp"].as_str().is_some(),
        "{same}"
    );
    let forced = app
        .upload(
            &[("filename", "Original.png"), ("ignorewarnings", "")],
            Some(&bytes),
        )
        .await;
    assert_eq!(forced["error"]["code"], "fileexists-no-change", "{forced}");
    assert_eq!(
        forced["error"]["info"],
        "The upload is an exact duplicate of the current version of [[:File:Original.png]]."
    );
}

async fn a_changed_name_is_warned_about(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let body = app
        .upload(
            &[("filename", "my  spaced   name.png")],
            Some(&png(4, 4, 5)),
        )
        .await;
    assert_eq!(body["upload"]["result"], "Warning");
    assert_eq!(
        body["upload"]["warnings"],
        json!({"badfilename": "My_spaced_name.png"})
    );
    let plain = app
        .upload(&[("filename", "lower case.png")], Some(&png(4, 4, 6)))
        .await;
    assert_eq!(
        plain["upload"]["filename"], "Lower_case.png",
        "first letter and spaces: no warning"
    );
}

async fn stash_keeps_the_file_private_to_its_uploader(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let bytes = png(6, 6, 7);
    let stashed = app
        .upload(&[("filename", "Stashed.png"), ("stash", "1")], Some(&bytes))
        .await;
    assert_eq!(stashed["upload"]["result"], "Success", "{stashed}");
    let key = stashed["upload"]["filekey"]
        .as_str()
        .expect("filekey")
        .to_owned();
    assert!(key.ends_with(".png"));
    let info = &stashed["upload"]["imageinfo"];
    assert_eq!(info["sha1"], sha1_hex(&bytes));
    assert!(
        info["canonicaltitle"]
            .as_str()
            .is_some_and(|t| t.starts_with("File:") && t.contains('!'))
    );
    assert!(info.get("user").is_none() && info.get("mediatype").is_none());

    let query = app
        .get(&[
            ("action", "query"),
            ("prop", "stashimageinfo"),
            ("siifilekey", &key),
            ("siiprop", "size|sha1"),
        ])
        .await;
    assert_eq!(
        query["query"]["stashimageinfo"],
        json!([{"size": bytes.len(), "width": 6, "height": 6, "sha1": sha1_hex(&bytes)}])
    );
    let stash_url = info["url"].as_str().expect("url");
    assert_eq!(
        app.download(stash_url)
            .await
            .bytes()
            .await
            .expect("bytes")
            .as_ref(),
        bytes.as_slice()
    );

    // Another user sees none of it.
    let other = new_client();
    let token = app.login_token_with(&other).await;
    app.post_with(
        &other,
        &[
            ("action", "clientlogin"),
            ("username", "Admin"),
            ("password", ADMIN_PASSWORD),
            ("logintoken", &token),
            ("loginreturnurl", "http://x/"),
        ],
    )
    .await;
    let foreign = app
        .upload_with(
            &other,
            &[("filename", "Mine now.png"), ("filekey", &key)],
            None,
        )
        .await;
    assert_eq!(
        foreign["error"]["code"], "uploadstash-wrong-owner",
        "{foreign}"
    );
    let foreign_query = app
        .get_with(
            &other,
            &[
                ("action", "query"),
                ("prop", "stashimageinfo"),
                ("siifilekey", &key),
            ],
        )
        .await;
    assert_eq!(
        foreign_query["error"]["code"],
        "internal_api_error_UploadStashWrongOwnerException"
    );
    assert_eq!(
        other
            .get(stash_url)
            .send()
            .await
            .expect("answered")
            .status(),
        404
    );

    let published = app
        .upload(&[("filename", "From stash.png"), ("filekey", &key)], None)
        .await;
    assert_eq!(published["upload"]["result"], "Success", "{published}");
    assert_eq!(published["upload"]["imageinfo"]["sha1"], sha1_hex(&bytes));
    let gone = app
        .get(&[
            ("action", "query"),
            ("prop", "stashimageinfo"),
            ("siifilekey", &key),
        ])
        .await;
    assert_eq!(gone["error"]["code"], "uploadstash-file-not-found");
    let malformed = app
        .get(&[
            ("action", "query"),
            ("prop", "stashimageinfo"),
            ("siifilekey", "not a key!"),
        ])
        .await;
    assert_eq!(
        malformed["error"]["code"],
        "uploadstash-bad-path-bad-format"
    );
}

async fn bad_requests_get_mediawikis_errors(backend: Backend) {
    let app = spawn_app_with(backend, "max_upload_size = 5000").await;
    let anonymous = app
        .upload(
            &[("filename", "Anon.png"), ("token", "+\\")],
            Some(&png(2, 2, 8)),
        )
        .await;
    assert_eq!(anonymous["error"]["code"], "mustbeloggedin");
    app.login_as_bot().await;
    // (parameters, file, expected code)
    type Case<'a> = (Vec<(&'a str, &'a str)>, Option<Vec<u8>>, &'a str);
    let cases: Vec<Case> = vec![
        (vec![], Some(png(2, 2, 9)), "nofilename"),
        (vec![("filename", "No source.png")], None, "missingparam"),
        (
            vec![("filename", "Two.png"), ("url", "http://127.0.0.1/x.png")],
            Some(png(2, 2, 10)),
            "invalidparammix",
        ),
        (
            vec![("filename", "Empty.png")],
            Some(Vec::new()),
            "empty-file",
        ),
        (
            vec![("filename", "Big.png")],
            Some(png(60, 60, 11)),
            "file-too-large",
        ),
        (
            vec![("filename", "Tagged.png"), ("tags", "no-such-tag")],
            Some(png(2, 2, 12)),
            "badtags",
        ),
        (
            vec![("filename", "Key.png"), ("filekey", "no key")],
            None,
            "invalid-file-key",
        ),
        (
            vec![("filename", "Key.png"), ("filekey", "1a2b.c3.2.png")],
            None,
            "uploadstash-file-not-found",
        ),
    ];
    for (params, file, code) in cases {
        let body = app.upload(&params, file.as_deref()).await;
        assert_eq!(body["error"]["code"], code, "{params:?}: {body}");
    }
    // Refused bytes leave nothing behind: not in the spool, not in the stash.
    for dir in ["tmp", "stash"] {
        let path = app.data_dir.path().join(dir);
        let left: Vec<_> = std::fs::read_dir(&path)
            .map(|d| d.flatten().collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{dir} keeps {left:?}");
    }
    let text_field = app
        .post_multipart_fields(&[
            ("action", "upload"),
            ("filename", "X.png"),
            ("file", "not a file"),
            ("token", &app.csrf_token().await),
        ])
        .await;
    assert_eq!(text_field["error"]["code"], "badupload");
}

async fn unusable_names_are_refused_after_stashing_the_file(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let illegal = app.upload(&[("filename", "")], Some(&png(3, 3, 13))).await;
    let error = &illegal["error"];
    assert_eq!(error["code"], "illegal-filename", "{illegal}");
    assert_eq!(error["filename"], "");
    assert_eq!(error["invalidparameter"], "filename");
    let key = error["filekey"].as_str().expect("the file was stashed");
    assert_eq!(error["sessionkey"], key);
    // The client picks a valid name and publishes the stashed bytes.
    let fixed = app
        .upload(&[("filename", "Now named.png"), ("filekey", key)], None)
        .await;
    assert_eq!(fixed["upload"]["result"], "Success", "{fixed}");

    let banned = app
        .upload(&[("filename", "Banned.pdf")], Some(&png(3, 3, 14)))
        .await;
    assert!(
        ["filetype-banned", "verification-error"]
            .contains(&banned["error"]["code"].as_str().unwrap_or_default()),
        "{banned}"
    );
    assert!(
        banned["error"].get("filekey").is_none(),
        "not recoverable: nothing stashed"
    );
}

async fn overwriting_another_users_file_needs_reupload(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_admin().await;
    app.upload(&[("filename", "Admins.png")], Some(&png(5, 5, 15)))
        .await;
    let bot = new_client();
    let token = app.login_token_with(&bot).await;
    app.post_with(
        &bot,
        &[
            ("action", "login"),
            ("lgname", NOURL_BOT_LOGIN),
            ("lgpassword", NOURL_BOT_PASSWORD),
            ("lgtoken", &token),
        ],
    )
    .await;
    let body = app
        .upload_with(
            &bot,
            &[("filename", "Admins.png"), ("ignorewarnings", "1")],
            Some(&png(5, 5, 16)),
        )
        .await;
    let error = &body["error"];
    assert_eq!(error["code"], "fileexists-forbidden", "{body}");
    assert!(
        error["info"]
            .as_str()
            .is_some_and(|i| i.starts_with("A file with this name already exists"))
    );
    assert!(error["filekey"].as_str().is_some());
    assert_eq!(error["invalidparameter"], "filename");
    let info = app
        .get(&[
            ("action", "query"),
            ("prop", "imageinfo"),
            ("titles", "File:Admins.png"),
            ("iiprop", "user"),
        ])
        .await;
    let pages: Vec<&Value> = info["query"]["pages"]
        .as_object()
        .expect("pages")
        .values()
        .collect();
    assert_eq!(
        pages[0]["imageinfo"][0]["user"], "Admin",
        "nothing was overwritten"
    );
}

async fn imageinfo_describes_missing_and_non_file_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app
        .get(&[
            ("action", "query"),
            ("prop", "imageinfo"),
            ("titles", "File:Never.png|image:never_either.png"),
        ])
        .await;
    assert_eq!(
        body["query"]["normalized"],
        json!([{"from": "image:never_either.png", "to": "File:Never either.png"}])
    );
    assert_eq!(
        body["query"]["pages"]["-1"],
        json!({"ns": 6, "title": "File:Never.png", "missing": "", "imagerepository": ""})
    );
}

async fn the_upload_module_is_described_by_paraminfo(backend: Backend) {
    let app = spawn_app(backend).await;
    let ours = app
        .get(&[
            ("action", "paraminfo"),
            ("modules", "upload"),
            ("formatversion", "2"),
        ])
        .await;
    let fixture = std::fs::read_to_string(format!(
        "{}/tests/fixtures/transcripts/05-paraminfo-upload.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    let reference: Value = serde_json::from_str(&fixture).expect("json");
    let theirs = &reference["runs"][0]["exchanges"][0]["body"]["paraminfo"]["modules"][0];
    let names = |m: &Value| -> Vec<Value> {
        m["parameters"]
            .as_array()
            .expect("list")
            .iter()
            .map(|p| p["name"].clone())
            .collect()
    };
    assert_eq!(names(&ours["paraminfo"]["modules"][0]), names(theirs));
    assert_eq!(ours["paraminfo"]["modules"][0]["mustbeposted"], true);
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/files/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

async fn content_checks_refuse_what_mediawiki_refuses(backend: Backend) {
    let app = spawn_app_with(backend, "file_extensions = [\"png\", \"gif\", \"jpg\", \"jpeg\", \"webp\", \"txt\", \"pdf\", \"svg\"]").await;
    app.login_as_bot().await;
    // (file, target name, code, first entry of details)
    let cases = [
        (
            "program.exe",
            "Program.exe",
            "verification-error",
            Some("filetype-bad-ie-mime"),
        ),
        (
            "tiny.png",
            "Png as.jpg",
            "verification-error",
            Some("filetype-mime-mismatch"),
        ),
        (
            "html.txt",
            "Html.txt",
            "verification-error",
            Some("filetype-badmime"),
        ),
        (
            "script.svg",
            "Script.svg",
            "verification-error",
            Some("uploadscripted"),
        ),
        ("archive.zip", "Archive.zip", "filetype-banned", None),
        ("empty.txt", "Empty.txt", "empty-file", None),
    ];
    for (file, name, code, detail) in cases {
        let body = app
            .upload(&[("filename", name)], Some(&fixture(file)))
            .await;
        assert_eq!(body["error"]["code"], code, "{file}: {body}");
        if let Some(detail) = detail {
            assert_eq!(body["error"]["details"][0], detail, "{file}: {body}");
        }
        assert!(
            body["error"].get("filekey").is_none(),
            "{file}: content errors stash nothing"
        );
    }
    let mismatch = app
        .upload(&[("filename", "Png as.jpg")], Some(&fixture("tiny.png")))
        .await;
    assert_eq!(
        mismatch["error"]["info"],
        "File extension \".jpg\" does not match the detected MIME type of the file (image/png)."
    );
    for (file, name, mime, media_type) in [
        ("notes.txt", "Notes.txt", "text/plain", "TEXT"),
        ("clean.svg", "Clean.svg", "image/svg+xml", "DRAWING"),
        ("tiny.pdf", "Tiny.pdf", "application/pdf", "OFFICE"),
        ("exif.jpg", "Exif.jpg", "image/jpeg", "BITMAP"),
    ] {
        let body = app
            .upload(&[("filename", name)], Some(&fixture(file)))
            .await;
        assert_eq!(body["upload"]["result"], "Success", "{file}: {body}");
        assert_eq!(body["upload"]["imageinfo"]["mime"], mime, "{file}");
        assert_eq!(
            body["upload"]["imageinfo"]["mediatype"], media_type,
            "{file}"
        );
    }
}

async fn deleted_files_are_warned_about_by_name_and_by_bytes(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let bytes = png(9, 9, 17);
    let uploaded = app
        .upload(&[("filename", "Doomed.png")], Some(&bytes))
        .await;
    let url = uploaded["upload"]["imageinfo"]["url"]
        .as_str()
        .expect("url")
        .to_owned();
    let token = app.csrf_token().await;
    let refused = app
        .post(&[
            ("action", "delete"),
            ("title", "File:Doomed.png"),
            ("token", &token),
        ])
        .await;
    assert_eq!(refused["error"]["code"], "permissiondenied");
    assert_eq!(
        refused["error"]["info"],
        "The action you have requested is limited to users in the group: [[wikiupload:Administrators|Administrators]]."
    );

    let admin = new_client();
    let login = app.login_token_with(&admin).await;
    app.post_with(
        &admin,
        &[
            ("action", "clientlogin"),
            ("username", "Admin"),
            ("password", ADMIN_PASSWORD),
            ("logintoken", &login),
            ("loginreturnurl", "http://x/"),
        ],
    )
    .await;
    let admin_token = app
        .get_with(&admin, &[("action", "query"), ("meta", "tokens")])
        .await["query"]["tokens"]["csrftoken"]
        .as_str()
        .expect("token")
        .to_owned();
    let deleted = app
        .post_with(
            &admin,
            &[
                ("action", "delete"),
                ("title", "File:Doomed.png"),
                ("reason", "test"),
                ("token", &admin_token),
            ],
        )
        .await;
    assert_eq!(deleted["delete"]["title"], "File:Doomed.png", "{deleted}");
    assert_eq!(deleted["delete"]["reason"], "test");
    assert!(deleted["delete"]["logid"].as_i64().is_some());
    let again = app
        .post_with(
            &admin,
            &[
                ("action", "delete"),
                ("title", "File:Doomed.png"),
                ("token", &admin_token),
            ],
        )
        .await;
    assert_eq!(again["error"]["code"], "missingtitle");
    assert_eq!(app.download(&url).await.status(), 404);

    let info = app
        .get(&[
            ("action", "query"),
            ("prop", "imageinfo"),
            ("titles", "File:Doomed.png"),
        ])
        .await;
    assert_eq!(info["query"]["pages"]["-1"]["imagerepository"], "");
    let same_name = app
        .upload(&[("filename", "Doomed.png")], Some(&png(9, 9, 18)))
        .await;
    assert_eq!(
        same_name["upload"]["warnings"],
        json!({"was-deleted": "Doomed.png"}),
        "{same_name}"
    );
    let same_bytes = app
        .upload(&[("filename", "Reborn.png")], Some(&bytes))
        .await;
    assert_eq!(
        same_bytes["upload"]["warnings"],
        json!({"duplicate-archive": "Doomed.png"}),
        "{same_bytes}"
    );
}

async fn name_based_warnings_match_mediawikis(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    app.upload(&[("filename", "Normext.png")], Some(&png(7, 7, 20)))
        .await;
    let cases = [
        (
            "Normext.PNG",
            png(7, 7, 21),
            json!({"exists-normalized": "Normext.png"}),
        ),
        (
            "Normext.gif",
            fixture("tiny.gif"),
            json!({"exists-normalized": "Normext.png"}),
        ),
        (
            "120px-Normext.png",
            png(7, 7, 22),
            json!({"thumb": "120px-Normext.png"}),
        ),
        (
            "120px-Thumbish.png",
            png(7, 7, 23),
            json!({"thumb-name": "120px-Thumbish.png"}),
        ),
        (
            "DSC_0001.png",
            png(7, 7, 24),
            json!({"bad-prefix": "DSC_0001.png"}),
        ),
    ];
    for (name, bytes, expected) in cases {
        let body = app.upload(&[("filename", name)], Some(&bytes)).await;
        assert_eq!(body["upload"]["result"], "Warning", "{name}: {body}");
        assert_eq!(body["upload"]["warnings"], expected, "{name}");
    }
}

async fn an_old_versions_bytes_are_warned_about(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let (v1, v2) = (png(5, 5, 30), png(5, 5, 31));
    app.upload(&[("filename", "Revert.png")], Some(&v1)).await;
    let second = app
        .upload(
            &[("filename", "Revert.png"), ("ignorewarnings", "1")],
            Some(&v2),
        )
        .await;
    assert_eq!(second["upload"]["result"], "Success", "{second}");
    let back = app.upload(&[("filename", "Revert.png")], Some(&v1)).await;
    let warnings = &back["upload"]["warnings"];
    assert_eq!(warnings["exists"], "Revert.png", "{back}");
    assert_eq!(
        warnings["duplicateversions"].as_array().map(Vec::len),
        Some(1),
        "{back}"
    );
    let keys: Vec<&String> = warnings.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["exists", "duplicateversions"]);
}

async fn info_describes_file_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    app.upload(
        &[
            ("filename", "Paged.png"),
            ("comment", "summary"),
            ("text", "Description text."),
        ],
        Some(&png(4, 4, 40)),
    )
    .await;
    let body = app
        .get(&[
            ("action", "query"),
            ("prop", "info|imageinfo"),
            ("titles", "File:Paged.png|File:Nowhere.png"),
            ("iiprop", "size"),
        ])
        .await;
    let pages = body["query"]["pages"].as_object().expect("pages");
    assert_eq!(
        pages["-1"],
        json!({"ns": 6, "title": "File:Nowhere.png", "missing": "", "contentmodel": "wikitext", "pagelanguage": "en",
               "pagelanguagehtmlcode": "en", "pagelanguagedir": "ltr", "imagerepository": ""})
    );
    let page = pages
        .values()
        .find(|p| p["title"] == "File:Paged.png")
        .expect("the page");
    assert_eq!(page["length"], "Description text.".len());
    assert_eq!(page["new"], "");
    assert!(page["lastrevid"].as_i64().is_some() && page["touched"].as_str().is_some());
    let keys: Vec<&String> = page.as_object().expect("object").keys().collect();
    assert_eq!(
        keys,
        [
            "pageid",
            "ns",
            "title",
            "contentmodel",
            "pagelanguage",
            "pagelanguagehtmlcode",
            "pagelanguagedir",
            "touched",
            "lastrevid",
            "length",
            "new",
            "imagerepository",
            "imageinfo"
        ]
    );
}

/// A publish cut short by a crash (files moved, transaction not committed)
/// is rolled back at the next start: the old version is served again and
/// the database and the files agree.
async fn an_interrupted_publish_is_rolled_back_at_start(backend: Backend) {
    use wikiupload::storage::Database;
    use wikiupload::upload::repo::FileRepo;

    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let (old, new) = (png(6, 6, 50), png(6, 6, 51));
    let first = app.upload(&[("filename", "Crash.png")], Some(&old)).await;
    let url = first["upload"]["imageinfo"]["url"]
        .as_str()
        .expect("url")
        .to_owned();

    // What publish does before its transaction, done by hand.
    let url_db = if app.database_url.is_empty() {
        format!(
            "sqlite://{}/wikiupload.sqlite",
            app.data_dir.path().display()
        )
    } else {
        app.database_url.clone()
    };
    let db = Database::connect(&url_db, 1, None).await.expect("database");
    let repo = FileRepo::new(app.data_dir.path(), "http://unused");
    let staged = app.data_dir.path().join("staged-new.png");
    std::fs::write(&staged, &new).expect("staged");
    let archive_name = "20000101000000!Crash.png";
    db.insert_journal(
        "a-publish-id",
        "Crash.png",
        &staged.to_string_lossy(),
        Some(archive_name),
        0,
    )
    .await
    .expect("journal");
    let public = repo.public_path("Crash.png");
    let archived = repo.archive_path("Crash.png", archive_name);
    std::fs::create_dir_all(archived.parent().expect("dir")).expect("dir");
    std::fs::hard_link(&public, &archived).expect("link");
    std::fs::rename(&staged, &public).expect("rename");
    db.close().await;

    let app = app.restart().await;
    let served = app
        .download(&url.replace(
            url.split("/images/").next().expect("base"),
            app.api.trim_end_matches("/api.php"),
        ))
        .await;
    assert_eq!(
        served.bytes().await.expect("bytes").as_ref(),
        old.as_slice(),
        "the old version is back"
    );
    assert!(!archived.exists(), "no stray archive file");
    assert_eq!(
        std::fs::read(&staged).expect("bytes back where they came from"),
        new
    );
    let info = app
        .get(&[
            ("action", "query"),
            ("prop", "imageinfo"),
            ("titles", "File:Crash.png"),
            ("iilimit", "5"),
            ("iiprop", "sha1"),
            ("formatversion", "2"),
        ])
        .await;
    assert_eq!(
        info["query"]["pages"][0]["imageinfo"],
        json!([{"sha1": sha1_hex(&old)}])
    );
}

/// The wall clock as the API writes timestamps (they compare as strings).
fn iso_now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Re-uploads of one name in quick succession: each version's timestamp
/// is the wall clock's (never ahead of it, as when each version was pushed
/// a second past the previous one), versions stay apart by their second,
/// and every version is reachable by its archive name: downloaded with its
/// SHA-1, paged through with `iistart`, deleted with `oldimage`, reverted
/// to with `filerevert`.
async fn quick_reuploads_keep_real_timestamps(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_admin().await;
    let versions: Vec<Vec<u8>> = (1..=5).map(|seed| png(16, 16, seed)).collect();
    let mut answered_by = Vec::new();
    for bytes in &versions {
        let body = app
            .upload(
                &[("filename", "Quick.png"), ("ignorewarnings", "1")],
                Some(bytes),
            )
            .await;
        assert_eq!(body["upload"]["result"], "Success", "{body}");
        answered_by.push(iso_now());
    }
    let history = |limit: &'static str, start: Option<String>| {
        let app = &app;
        async move {
            let mut params = vec![
                ("action", "query".to_owned()),
                ("prop", "imageinfo".to_owned()),
                ("titles", "File:Quick.png".to_owned()),
                ("iilimit", limit.to_owned()),
                ("iiprop", "timestamp|sha1|archivename|url".to_owned()),
                ("formatversion", "2".to_owned()),
            ];
            if let Some(start) = start {
                params.push(("iistart", start));
            }
            let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.get(&params).await
        }
    };
    let all = history("max", None).await;
    let listed = all["query"]["pages"][0]["imageinfo"]
        .as_array()
        .expect("versions")
        .clone();
    assert_eq!(listed.len(), versions.len(), "{all}");
    for (newest_first, version) in listed.iter().enumerate() {
        let uploaded = versions.len() - 1 - newest_first;
        assert_eq!(version["sha1"], sha1_hex(&versions[uploaded]), "{all}");
        let timestamp = version["timestamp"].as_str().expect("timestamp");
        assert!(
            timestamp <= answered_by[uploaded].as_str(),
            "version {uploaded} dated {timestamp}, answered by {}",
            answered_by[uploaded]
        );
        if let Some(older) = listed.get(newest_first + 1) {
            assert!(older["timestamp"].as_str() < Some(timestamp), "{all}");
        }
        assert_eq!(
            version.get("archivename").is_none(),
            newest_first == 0,
            "{version}"
        );
        let response = app.download(version["url"].as_str().expect("url")).await;
        assert_eq!(response.status(), 200, "{version}");
        let bytes = response.bytes().await.expect("bytes");
        assert_eq!(sha1_hex(&bytes), version["sha1"], "{version}");
    }
    // One version a page: iistart goes on from the next version's second.
    let mut paged = Vec::new();
    let mut start = None;
    loop {
        let page = history("1", start).await;
        paged.push(page["query"]["pages"][0]["imageinfo"][0]["sha1"].clone());
        match page["continue"]["iistart"].as_str() {
            Some(next) => start = Some(next.to_owned()),
            None => break,
        }
    }
    let listed_sha1: Vec<Value> = listed.iter().map(|v| v["sha1"].clone()).collect();
    assert_eq!(paged, listed_sha1);
    let archive_of = |uploaded: usize| {
        listed[versions.len() - 1 - uploaded]["archivename"]
            .as_str()
            .expect("archive name")
            .to_owned()
    };
    // The second version goes, by its archive name.
    let token = app.csrf_token().await;
    let deleted = app
        .post(&[
            ("action", "delete"),
            ("title", "File:Quick.png"),
            ("oldimage", &archive_of(1)),
            ("token", &token),
        ])
        .await;
    assert!(deleted["delete"].is_object(), "{deleted}");
    // The first comes back as the current version.
    let reverted = app
        .post(&[
            ("action", "filerevert"),
            ("filename", "Quick.png"),
            ("archivename", &archive_of(0)),
            ("comment", "back to the first"),
            ("token", &token),
        ])
        .await;
    assert_eq!(reverted["filerevert"]["result"], "Success", "{reverted}");
    let reverted_by = iso_now();
    let after = history("max", None).await;
    let now_listed = after["query"]["pages"][0]["imageinfo"]
        .as_array()
        .expect("versions");
    let sha1s: Vec<Value> = now_listed.iter().map(|v| v["sha1"].clone()).collect();
    let expected: Vec<Value> = [0, 4, 3, 2, 0]
        .iter()
        .map(|&i| Value::from(sha1_hex(&versions[i])))
        .collect();
    assert_eq!(sha1s, expected, "{after}");
    assert!(
        now_listed[0]["timestamp"].as_str() <= Some(reverted_by.as_str()),
        "{after}"
    );
    for version in now_listed {
        let response = app.download(version["url"].as_str().expect("url")).await;
        let bytes = response.bytes().await.expect("bytes");
        assert_eq!(sha1_hex(&bytes), version["sha1"], "{version}");
    }
}

on_both_backends!(
    quick_reuploads_keep_real_timestamps,
    a_png_is_published_and_served_byte_for_byte,
    a_new_version_needs_ignorewarnings_and_keeps_history,
    same_bytes_warn_as_duplicate_and_as_no_change,
    a_changed_name_is_warned_about,
    stash_keeps_the_file_private_to_its_uploader,
    bad_requests_get_mediawikis_errors,
    unusable_names_are_refused_after_stashing_the_file,
    overwriting_another_users_file_needs_reupload,
    imageinfo_describes_missing_and_non_file_pages,
    the_upload_module_is_described_by_paraminfo,
    content_checks_refuse_what_mediawiki_refuses,
    deleted_files_are_warned_about_by_name_and_by_bytes,
    name_based_warnings_match_mediawikis,
    an_old_versions_bytes_are_warned_about,
    info_describes_file_pages,
    an_interrupted_publish_is_rolled_back_at_start,
);
