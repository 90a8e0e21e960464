//! The fuzz targets' checks (fuzz/checks.rs) on stable Rust, where
//! cargo-fuzz cannot be assumed: for each target a bounded number of
//! inputs from a seeded generator (so a failure reproduces), random bytes
//! and mutations (flips, insertions of the format's own tokens, deletions,
//! duplications, splices) of realistic seeds.

use std::panic::{AssertUnwindSafe, catch_unwind};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[allow(dead_code)]
#[path = "../../fuzz/checks.rs"]
mod checks;

/// Inputs per target; `WIKIUPLOAD_FUZZ_CASES` and `WIKIUPLOAD_FUZZ_SEED`
/// run longer or other series locally.
const CASES: u64 = 2000;
const SEED: u64 = 0x5eed_0010;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn mutate(rng: &mut StdRng, seeds: &[Vec<u8>], tokens: &[&[u8]]) -> Vec<u8> {
    let mut input = seeds[rng.gen_range(0..seeds.len())].clone();
    for _ in 0..rng.gen_range(1..8) {
        let at = rng.gen_range(0..=input.len());
        match rng.gen_range(0..6) {
            0 if !input.is_empty() => {
                let i = rng.gen_range(0..input.len());
                input[i] ^= 1 << rng.gen_range(0..8);
            }
            1 => {
                let token = tokens[rng.gen_range(0..tokens.len())];
                input.splice(at..at, token.iter().copied());
            }
            2 => {
                let end = rng.gen_range(at..=input.len().min(at + 64));
                input.drain(at..end);
            }
            3 => {
                let end = rng.gen_range(at..=input.len().min(at + 64));
                let copy = input[at..end].to_vec();
                input.splice(at..at, copy.iter().copied().cycle().take(copy.len() * 8));
            }
            4 => {
                let other = &seeds[rng.gen_range(0..seeds.len())];
                let from = rng.gen_range(0..=other.len());
                input.truncate(at);
                input.extend_from_slice(&other[from..]);
            }
            _ => input.insert(at, rng.r#gen()),
        }
    }
    input
}

/// Runs `check` on `CASES` inputs: a quarter random bytes, the rest
/// mutated seeds. A panic names the input that caused it.
fn run(name: &str, check: fn(&[u8]), seeds: &[Vec<u8>], tokens: &[&[u8]]) {
    let mut rng = StdRng::seed_from_u64(setting("WIKIUPLOAD_FUZZ_SEED", SEED));
    for seed in seeds {
        check(seed);
    }
    for case in 0..setting("WIKIUPLOAD_FUZZ_CASES", CASES) {
        let input: Vec<u8> = if case % 4 == 0 {
            let length = rng.gen_range(0..512);
            (0..length).map(|_| rng.r#gen()).collect()
        } else {
            mutate(&mut rng, seeds, tokens)
        };
        if catch_unwind(AssertUnwindSafe(|| check(&input))).is_err() {
            panic!(
                "{name} failed on case {case}: {:?}",
                String::from_utf8_lossy(&input)
            );
        }
    }
}

fn fixture_bodies() -> Vec<Vec<u8>> {
    let dir = format!("{}/tests/fixtures/multipart", env!("CARGO_MANIFEST_DIR"));
    let mut bodies: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .expect("fixtures")
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|e| e == "body"))
        .map(|entry| std::fs::read(entry.path()).expect("readable"))
        .collect();
    bodies.sort();
    bodies
}

#[test]
fn multipart_framing_survives_random_and_mutated_bodies() {
    // The checks read the first byte as the cut size and frame with
    // their own boundary.
    let framed = b"--fuzzboundary\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\nupload\r\n--fuzzboundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n\r\n--fuzzboundary--\r\n";
    let mut seeds: Vec<Vec<u8>> = vec![[&[7u8][..], framed].concat()];
    seeds.push([&[1u8][..], &bare_lf(framed)].concat());
    for body in fixture_bodies() {
        seeds.push([&[13u8][..], &body].concat());
    }
    let tokens: &[&[u8]] = &[
        b"\r\n",
        b"\n",
        b"--fuzzboundary",
        b"--fuzzboundary--",
        b"\r\n\r\n",
        b"Content-Disposition: form-data; name=\"x\"",
        b"; filename=\"",
        b"\"",
        b"\r",
    ];
    run(
        "multipart_framing",
        checks::multipart_framing,
        &seeds,
        tokens,
    );
}

#[test]
fn parameter_parser_survives_random_and_mutated_queries() {
    let seeds: Vec<Vec<u8>> = [
        "action=query&meta=tokens&type=csrf%7Clogin&format=json",
        "a[]=1&a[]=2&b%5Bc%5D=3&b[d]=4",
        "x=%E2%80%8F%00%1F%1Fy&title=Caf%C3%A9&title=e%CC%81",
        "%ZZ=%&=&&==&%=%%",
        "filename=%EF%BF%BF%EF%BF%BE&text=a%0D%0Ab",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    let tokens: &[&[u8]] = &[
        b"&",
        b"=",
        b"%",
        b"%00",
        b"%1F",
        b"[",
        b"]",
        b"%5B",
        b"+",
        b"%EF%BF%BF",
        b"\xcc\x81",
        b"\x1f",
        b"\xff",
    ];
    run("parameter_parser", checks::parameter_parser, &seeds, tokens);
}

#[test]
fn title_normalization_survives_random_and_mutated_names() {
    let seeds: Vec<Vec<u8>> = [
        "File:My file.png",
        "image:x.exe.png",
        "Talk:Main Page",
        ":Category:X",
        "Project:Users",
        "a/../b.png",
        "x.PNG",
        "~~~ %20 .png",
        "Ünïcödé ñame ✓.png",
        "User talk:X/y#frag",
        "  _lead and trail_ .jpeg",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    let tokens: &[&[u8]] = &[
        b":",
        b"_",
        b" ",
        b"#",
        b"[[",
        b"|",
        b"\xe2\x80\x8e",
        b"%",
        b"/",
        b".",
        b"File:",
        b"Talk:",
        b"\xef\xbf\xbd",
        b"&amp;",
        b"&#x20;",
        b"~~~",
        b"..",
    ];
    run(
        "title_normalization",
        checks::title_normalization,
        &seeds,
        tokens,
    );
}

#[test]
fn xml_svg_scanner_survives_random_and_mutated_documents() {
    let seeds: Vec<Vec<u8>> = [
        r#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>"#,
        r#"<!DOCTYPE svg [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&b;&b;</text></svg>"#,
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href="javascript:x"><script>alert(1)</script></a></svg>"#,
        r#"<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(x)</style><foreignObject><p>x</p></foreignObject><![CDATA[ ]]></svg>"#,
        r#"<html><body onload="x">not svg</body></html>"#,
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    let tokens: &[&[u8]] = &[
        b"<!ENTITY a \"",
        b"&a;",
        b"<!DOCTYPE svg [",
        b"]>",
        b"<script>",
        b"<svg ",
        b"xmlns=\"http://www.w3.org/2000/svg\"",
        b"<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
        b"<![CDATA[",
        b"]]>",
        b"href=\"javascript:",
        b"&#x",
        b"&#",
        b"<!--",
        b"-->",
        b"\0",
        b"\xef\xbb\xbf",
        b"<?xml-stylesheet href=\"x\"?>",
        b"=\"",
        b"<",
        b">",
    ];
    run("xml_svg_scanner", checks::xml_svg_scanner, &seeds, tokens);
}

/// The same body framed with bare LF, as pywikibot sends it.
fn bare_lf(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i..].starts_with(b"\r\n") {
            i += 1;
        }
        out.push(body[i]);
        i += 1;
    }
    out
}
