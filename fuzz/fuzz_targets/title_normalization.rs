//! Title normalization on arbitrary text: page titles (namespaces,
//! underscores and spaces, case, what is no title) and upload file names
//! (MediaWiki's file-name rules). Both must answer, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wikiupload::pages::title::Title;

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input);
    if let Some(title) = Title::parse(&text, "Wiki") {
        let _ = title.prefixed_db_key("Wiki");
        let _ = title.text("Wiki");
        let _ = title.talk();
    }
    let allowed = ["png".to_owned(), "svg".to_owned()];
    let prohibited = ["exe".to_owned()];
    let _ = wikiupload::upload::title::name_upload(&text, None, &allowed, &prohibited);
});
