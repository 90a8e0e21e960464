//! cargo-fuzz target: `checks::parameter_parser` (fuzz/checks.rs) on libFuzzer's inputs.
#![no_main]

// Each target uses one of the shared checks.
#[allow(dead_code)]
#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|input: &[u8]| checks::parameter_parser(input));
