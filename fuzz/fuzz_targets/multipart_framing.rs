//! cargo-fuzz target: `checks::multipart_framing` (fuzz/checks.rs) on libFuzzer's inputs.
#![no_main]

// Each target uses one of the shared checks.
#[allow(dead_code)]
#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|input: &[u8]| checks::multipart_framing(input));
