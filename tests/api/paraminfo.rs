//! action=paraminfo, as pywikibot reads it at start.

use serde_json::Value;

use crate::helpers::*;
use crate::on_both_backends;

fn module<'a>(body: &'a Value, path: &str) -> &'a Value {
    body["paraminfo"]["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .find(|m| m["path"] == path)
        .unwrap_or_else(|| panic!("module {path} in {body}"))
}

fn param<'a>(module: &'a Value, name: &str) -> &'a Value {
    module["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("parameter {name}"))
}

async fn the_main_module_lists_every_action_as_a_submodule(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app
        .get(&[("action", "paraminfo"), ("modules", "main|paraminfo|query")])
        .await;
    let action = param(module(&body, "main"), "action");
    let types: Vec<&str> = action["type"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let submodules: Vec<&String> = action["submodules"]
        .as_object()
        .expect("object")
        .keys()
        .collect();
    assert_eq!(
        types,
        submodules.iter().map(|s| s.as_str()).collect::<Vec<_>>()
    );
    for action in ["login", "clientlogin", "logout", "query", "paraminfo"] {
        assert!(types.contains(&action), "{action}");
    }
    // pywikibot needs limit and submodules on query's module parameters,
    // and a generator list that is a subset of them.
    let query = module(&body, "query");
    for name in ["prop", "list", "meta"] {
        let p = param(query, name);
        assert!(
            p["limit"].is_number() && p["submodules"].is_object(),
            "{name}: {p}"
        );
    }
    assert!(param(query, "meta")["submodules"]["tokens"] == "query+tokens");
    assert!(param(query, "generator")["type"].is_array());
    assert!(module(&body, "main").get("group").is_none());
}

async fn modules_describe_their_parameters_in_both_formats(backend: Backend) {
    let app = spawn_app(backend).await;
    let fv2 = app
        .get(&[
            ("action", "paraminfo"),
            ("modules", "login|query+tokens|logout"),
            ("formatversion", "2"),
        ])
        .await;
    let login = module(&fv2, "login");
    assert_eq!(login["prefix"], "lg");
    assert_eq!(login["mustbeposted"], true);
    assert_eq!(param(login, "password")["sensitive"], true);
    let tokens = module(&fv2, "query+tokens");
    assert_eq!(tokens["group"], "meta");
    let types = param(tokens, "type");
    assert_eq!(types["default"], "csrf");
    assert_eq!(types["multi"], true);
    assert!(
        types["type"]
            .as_array()
            .is_some_and(|t| t.contains(&"login".into()))
    );
    let token = param(module(&fv2, "logout"), "token");
    assert_eq!(token["tokentype"], "csrf");
    assert_eq!(token["required"], true);

    let fv1 = app
        .get(&[("action", "paraminfo"), ("modules", "login")])
        .await;
    let name = param(module(&fv1, "login"), "name");
    assert!(
        name.get("required").is_none() && name.get("multi").is_none(),
        "false flags vanish: {name}"
    );
    assert_eq!(module(&fv1, "login")["mustbeposted"], "");
}

async fn unknown_modules_are_warned_about(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app
        .get(&[("action", "paraminfo"), ("modules", "nosuch|query+nosuch")])
        .await;
    assert_eq!(body["paraminfo"]["modules"], serde_json::json!([]));
    let warning = body["warnings"]["paraminfo"]["*"]
        .as_str()
        .expect("warning");
    assert!(warning.contains("\"nosuch\""), "{warning}");
}

async fn a_wildcard_lists_every_query_submodule(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app
        .get(&[("action", "paraminfo"), ("modules", "query+*")])
        .await;
    let paths: Vec<&str> = body["paraminfo"]["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .filter_map(|m| m["path"].as_str())
        .collect();
    assert!(paths.iter().all(|p| p.starts_with("query+")), "{paths:?}");
    for module in [
        "tokens",
        "userinfo",
        "siteinfo",
        "imageinfo",
        "info",
        "stashimageinfo",
    ] {
        assert!(
            paths.contains(&format!("query+{module}").as_str()),
            "{module} in {paths:?}"
        );
    }
}

on_both_backends!(
    the_main_module_lists_every_action_as_a_submodule,
    modules_describe_their_parameters_in_both_formats,
    unknown_modules_are_warned_about,
    a_wildcard_lists_every_query_submodule,
);
