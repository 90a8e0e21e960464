//! The parameter parser on arbitrary query strings: percent-decoding,
//! MediaWiki's input clean-up (NFC, controls replaced, `\x1f`
//! multi-values) and the bookkeeping of used and unused names. It must
//! never panic, and every value it keeps must be valid, cleaned text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wikiupload::api::RawParams;

fuzz_target!(|input: &[u8]| {
    let query = String::from_utf8_lossy(input);
    let mut params = RawParams::from_query(&query);
    let _ = params.check_count();
    for name in params.unused() {
        let value = params.get(&name).map(|raw| raw.value.clone());
        if let Some(value) = value {
            assert!(!value.contains('\u{ffff}') && !value.contains('\u{fffe}'));
        }
    }
    assert!(params.unused().is_empty(), "every name read is used");
    let _ = params.php_array_names();
});
