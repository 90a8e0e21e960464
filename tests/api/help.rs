//! `action=help` per module: the HTML in `help`, generated from the
//! modules' declarations; submodules; unknown modules.

use serde_json::Value;

use crate::helpers::*;
use crate::on_both_backends;

async fn help(app: &TestApp, params: &[(&str, &str)]) -> Value {
    let mut all = vec![("action", "help"), ("wrap", "1"), ("formatversion", "2")];
    all.extend_from_slice(params);
    app.get(&all).await
}

fn html(body: &Value) -> &str {
    assert_eq!(body["help"]["mime"], "text/html", "{body}");
    assert_eq!(body["help"]["filename"], "api-help.html", "{body}");
    body["help"]["help"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
}

async fn each_module_is_described_from_its_declaration(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = help(&app, &[("modules", "upload")]).await;
    let text = html(&body);
    assert!(
        text.contains(
            "<h2 class=\"apihelp-header apihelp-module-name\" id=\"upload\">action=upload</h2>"
        ),
        "{text}"
    );
    assert!(
        text.contains("This module requires write rights."),
        "{text}"
    );
    assert!(
        text.contains("This module only accepts POST requests."),
        "{text}"
    );
    assert!(
        text.contains("<dt>filename</dt><dd class=\"description\"><p>Target filename.</p></dd>"),
        "{text}"
    );
    assert!(text.contains("<dt>chunk</dt>"), "{text}");
    assert!(!text.contains("id=\"delete\""), "{text}");

    let body = help(&app, &[("modules", "query+allimages")]).await;
    let text = html(&body);
    assert!(text.contains(">list=allimages (ai)</h2>"), "{text}");
    assert!(
        text.contains("This module can be used as a generator."),
        "{text}"
    );
    assert!(text.contains("<dt>aisort</dt><dd class=\"description\"><p>Property to sort by.</p></dd><dd class=\"info\">One of the following values: name, timestamp</dd><dd class=\"info\">Default: name</dd>"), "{text}");
    assert!(text.contains("<dt>ailimit</dt>"), "{text}");
    assert!(
        text.contains("No more than 500 (5000 for bots) allowed; or max."),
        "{text}"
    );

    // Submodules: query's own modules once, and with recursion everything.
    let body = help(&app, &[("modules", "query"), ("submodules", "1")]).await;
    let text = html(&body);
    for id in ["id=\"query\"", "id=\"query+search\"", "id=\"query+tokens\""] {
        assert!(text.contains(id), "{id} in {text}");
    }
    assert!(!text.contains("id=\"upload\""), "{text}");
    let body = help(&app, &[("recursivesubmodules", "1")]).await;
    let text = html(&body);
    for id in [
        "id=\"main\"",
        "id=\"upload\"",
        "id=\"query+allimages\"",
        "id=\"parse\"",
    ] {
        assert_eq!(text.matches(id).count(), 1, "{id} in {text}");
    }
    let body = help(&app, &[("modules", "query+*")]).await;
    assert!(html(&body).contains("id=\"query+categorymembers\""));

    // Text from the declarations is escaped; unknown modules are errors.
    let body = help(&app, &[("modules", "query+nope")]).await;
    assert_eq!(body["error"]["code"], "badmodule", "{body}");
    assert_eq!(
        body["error"]["info"],
        "The module \"query\" does not have a submodule \"nope\"."
    );
    let body = help(&app, &[("modules", "<b>")]).await;
    assert_eq!(
        body["error"]["info"],
        "The module \"main\" does not have a submodule \"<b>\"."
    );
}

on_both_backends!(each_module_is_described_from_its_declaration);
