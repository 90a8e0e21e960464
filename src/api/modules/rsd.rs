//! `action=rsd`: the Really Simple Discovery document index.php's HTML
//! head points to (`<link rel="EditURI">`); it names api.php. Always XML,
//! whatever `format` says, as in MediaWiki.

use super::ModuleSpec;
use crate::api::AppState;

pub static RSD: ModuleSpec = ModuleSpec {
    name: "rsd",
    path: "rsd",
    group: "action",
    class: "ApiRsd",
    prefix: "",
    params: &[],
    must_post: false,
    write: false,
    read_rights: false,
    help_url: None,
};

/// The RSD document of this wiki.
pub fn document(app: &AppState) -> String {
    let main_page = format!(
        "{}{}/index.php/Main_Page",
        app.server, app.config.script_path
    );
    format!(
        "<?xml version=\"1.0\"?><rsd version=\"1.0\" xmlns=\"http://archipelago.phrasewise.com/rsd\">\
         <service><apis><api name=\"MediaWiki\" preferred=\"true\" apiLink=\"{}\" blogID=\"\"><settings>\
         <docs xml:space=\"preserve\">https://www.mediawiki.org/wiki/Special:MyLanguage/API</docs>\
         <setting name=\"OAuth\" xml:space=\"preserve\">false</setting></settings></api></apis>\
         <engineName xml:space=\"preserve\">MediaWiki</engineName>\
         <engineLink xml:space=\"preserve\">https://www.mediawiki.org/</engineLink>\
         <homePageLink xml:space=\"preserve\">{}</homePageLink></service></rsd>",
        xml_escape(&app.api_url),
        xml_escape(&main_page)
    )
}

/// Text as XML character data or an attribute value.
pub(super) fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
