//! meta=userinfo: groups and rights as each kind of account sees them.

use serde_json::Value;

use crate::helpers::*;
use crate::on_both_backends;

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v.as_str().expect("string"))
        .collect()
}

const PROPS: &str = "rights|groups|implicitgroups|groupmemberships|registrationdate|ratelimits";

async fn anonymous_visitors_read_but_cannot_upload(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app
        .get(&[
            ("action", "query"),
            ("meta", "userinfo"),
            ("uiprop", PROPS),
            ("formatversion", "2"),
        ])
        .await;
    let info = &body["query"]["userinfo"];
    assert_eq!(info["id"], 0);
    assert_eq!(info["anon"], true);
    assert_eq!(strings(&info["groups"]), ["*"]);
    assert_eq!(strings(&info["implicitgroups"]), ["*"]);
    let rights = strings(&info["rights"]);
    assert!(rights.contains(&"read") && rights.contains(&"writeapi"));
    assert!(!rights.contains(&"upload"));
}

async fn an_administrator_has_explicit_and_implicit_groups(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_admin().await;
    let body = app
        .get(&[("action", "query"), ("meta", "userinfo"), ("uiprop", PROPS)])
        .await;
    let info = &body["query"]["userinfo"];
    assert_eq!(info["id"], 1, "the first account is the administrator");
    assert_eq!(
        strings(&info["groups"]),
        [
            "bureaucrat",
            "interface-admin",
            "sysop",
            "*",
            "user",
            "autoconfirmed"
        ]
    );
    assert_eq!(
        strings(&info["implicitgroups"]),
        ["*", "user", "autoconfirmed"]
    );
    let rights = strings(&info["rights"]);
    for right in [
        "delete",
        "upload",
        "reupload",
        "upload_by_url",
        "noratelimit",
        "userrights",
    ] {
        assert!(rights.contains(&right), "{right}");
    }
    let memberships: Vec<&str> = info["groupmemberships"]
        .as_array()
        .expect("list")
        .iter()
        .map(|m| m["group"].as_str().expect("group"))
        .collect();
    assert_eq!(memberships, ["bureaucrat", "interface-admin", "sysop"]);
    assert!(
        info["registrationdate"]
            .as_str()
            .is_some_and(|d| d.ends_with('Z'))
    );
}

async fn a_revoking_group_takes_away_url_uploads(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.login_token().await;
    app.post(&[
        ("action", "clientlogin"),
        ("username", "NoUrlUser"),
        ("password", "nourlpass1234567"),
        ("logintoken", &token),
        ("loginreturnurl", "http://127.0.0.1/"),
    ])
    .await;
    let body = app
        .get(&[
            ("action", "query"),
            ("meta", "userinfo"),
            ("uiprop", "rights|groups"),
        ])
        .await;
    let info = &body["query"]["userinfo"];
    assert_eq!(
        strings(&info["groups"]),
        ["nourl", "*", "user", "autoconfirmed"]
    );
    let rights = strings(&info["rights"]);
    assert!(rights.contains(&"upload"));
    assert!(!rights.contains(&"upload_by_url"));
}

async fn a_bot_password_sees_only_its_granted_rights(backend: Backend) {
    let app = spawn_app(backend).await;
    app.login_as_bot().await;
    let body = app
        .get(&[
            ("action", "query"),
            ("meta", "userinfo"),
            ("uiprop", "rights"),
        ])
        .await;
    let rights = strings(&body["query"]["userinfo"]["rights"]);
    for right in [
        "upload",
        "reupload",
        "upload_by_url",
        "edit",
        "createpage",
        "writeapi",
    ] {
        assert!(rights.contains(&right), "{right} in {rights:?}");
    }
    assert!(!rights.contains(&"sendemail"), "no grant gives sendemail");
}

on_both_backends!(
    anonymous_visitors_read_but_cannot_upload,
    an_administrator_has_explicit_and_implicit_groups,
    a_revoking_group_takes_away_url_uploads,
    a_bot_password_sees_only_its_granted_rights,
);
