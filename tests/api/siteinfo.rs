//! meta=siteinfo: what clients read when they connect.

use crate::helpers::*;
use crate::on_both_backends;

async fn general_reports_urls_and_upload_limits_from_the_config(backend: Backend) {
    let app = spawn_app_with(
        backend,
        "sitename = \"Test Wiki\"\nmax_upload_size = 5000000\nmin_upload_chunk_size = 2048\nfile_extensions = [\"png\", \"txt\"]",
    )
    .await;
    let body = app
        .get(&[
            ("action", "query"),
            ("meta", "siteinfo"),
            ("siprop", "general|fileextensions"),
        ])
        .await;
    let general = &body["query"]["general"];
    let server = app.api.trim_end_matches("/api.php");
    assert_eq!(general["sitename"], "Test Wiki");
    assert_eq!(general["server"], server);
    assert_eq!(general["scriptpath"], "");
    assert_eq!(general["wikiid"], "wikiupload");
    assert_eq!(general["uploadsenabled"], "");
    assert_eq!(general["maxuploadsize"], 5_000_000);
    assert_eq!(general["minuploadchunksize"], 2048);
    assert_eq!(general["case"], "first-letter");
    assert_eq!(general["lang"], "en");
    assert!(
        general["generator"]
            .as_str()
            .is_some_and(|g| g.starts_with("MediaWiki 1.39.0-wikiupload-")),
        "{general}"
    );
    assert_eq!(
        body["query"]["fileextensions"],
        serde_json::json!([{"ext": "png"}, {"ext": "txt"}])
    );
}

async fn formatversion_2_gives_booleans_and_indexed_objects(backend: Backend) {
    let app = spawn_app_with(backend, "enable_uploads = false").await;
    let body = app
        .get(&[
            ("action", "query"),
            ("meta", "siteinfo"),
            ("siprop", "general"),
            ("formatversion", "2"),
        ])
        .await;
    let general = &body["query"]["general"];
    assert_eq!(general["uploadsenabled"], false);
    assert_eq!(general["writeapi"], true);
    // pywikibot calls .values() on these: they must be objects in fv2.
    assert!(general["thumblimits"].is_object());
    assert!(general["imagelimits"].is_object());
    assert!(general["magiclinks"].is_object());
    let fv1 = app
        .get(&[
            ("action", "query"),
            ("meta", "siteinfo"),
            ("siprop", "general"),
        ])
        .await;
    assert!(
        fv1["query"]["general"].get("uploadsenabled").is_none(),
        "false flags vanish in fv1"
    );
}

async fn namespaces_name_the_project_after_the_site(backend: Backend) {
    let app = spawn_app_with(backend, "sitename = \"Media Repo\"").await;
    let body = app
        .get(&[
            ("action", "query"),
            ("meta", "siteinfo"),
            ("siprop", "namespaces|namespacealiases"),
        ])
        .await;
    let namespaces = &body["query"]["namespaces"];
    assert_eq!(namespaces["6"]["canonical"], "File");
    assert_eq!(namespaces["6"]["*"], "File");
    assert_eq!(namespaces["4"]["*"], "Media Repo");
    assert_eq!(namespaces["0"]["content"], "");
    assert_eq!(namespaces.as_object().map(|n| n.len()), Some(18));
    // fv1 gives the alias as "*" (npm wikiapi reads it there), fv2 as "alias".
    assert_eq!(
        body["query"]["namespacealiases"][0],
        serde_json::json!({"id": 6, "*": "Image"})
    );
    let fv2 = app
        .get(&[
            ("action", "query"),
            ("meta", "siteinfo"),
            ("siprop", "namespaces|namespacealiases"),
            ("formatversion", "2"),
        ])
        .await;
    assert_eq!(fv2["query"]["namespaces"]["6"]["name"], "File");
    assert_eq!(fv2["query"]["namespaces"]["6"]["subpages"], false);
    assert_eq!(
        fv2["query"]["namespacealiases"][0],
        serde_json::json!({"id": 6, "alias": "Image"})
    );
}

async fn unknown_properties_are_warned_about(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app
        .get(&[
            ("action", "query"),
            ("meta", "siteinfo"),
            ("siprop", "general|bogus"),
        ])
        .await;
    assert_eq!(
        body["warnings"]["siteinfo"]["*"],
        "Unrecognized value for parameter \"siprop\": bogus"
    );
    assert!(body["query"]["general"].is_object());
}

on_both_backends!(
    general_reports_urls_and_upload_limits_from_the_config,
    formatversion_2_gives_booleans_and_indexed_objects,
    namespaces_name_the_project_after_the_site,
    unknown_properties_are_warned_about,
);
