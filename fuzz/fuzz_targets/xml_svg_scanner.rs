//! The XML/SVG scanner on arbitrary bytes, as an upload named `.svg` meets
//! it (MIME detection, script sniffing, the XML scan and the SVG filters):
//! it must answer, never panic, and stay within its limits.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use wikiupload::upload::verify::{VerifyConfig, verify_file};

fuzz_target!(|bytes: &[u8]| {
    let mut file = tempfile::NamedTempFile::new().expect("temporary file");
    file.write_all(bytes).expect("written");
    let config = VerifyConfig::default();
    for extension in ["svg", "xml"] {
        // Any answer will do; a refusal is as good as an acceptance.
        let _ = verify_file(file.path(), bytes.len() as u64, extension, &config);
    }
});
