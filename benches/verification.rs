//! Content verification's benchmark: `cargo bench --bench verification`.
//!
//! 1. The streaming script scan (detectScript) on text without markup and
//!    on markup-heavy text, fed in 1 MiB pieces: MB/s on one core.
//! 2. Hostile SVGs (issue 10): a 30 MB file of entity references in text,
//!    6 MB of them in an attribute value, and 100,000 attributes on one
//!    element: the answer, the time, and the process's peak memory (VmHWM)
//!    before and after.
//!
//! Environment: BENCH_SCAN_MIB (256), the size of each text scanned.

use std::io::{self, BufWriter, Write};
use std::time::Instant;

use wikiupload::upload::verify::{ScriptScan, VerificationError, VerifyConfig, verify_file};

const MIB: usize = 1024 * 1024;

fn main() -> io::Result<()> {
    let size = std::env::var("BENCH_SCAN_MIB")
        .ok()
        .and_then(|mib| mib.parse::<usize>().ok())
        .unwrap_or(256)
        * MIB;
    // Hostile SVGs first, while the peak memory is still the program's own.
    hostile_svgs()?;
    let plain = repeated(
        b"The quick brown fox jumps over the lazy dog, 1234567890; a plain sentence.\n",
        size,
    );
    let markup = repeated(
        b"<item type=\"number\" data-x=\"1\" href=\"#a\">a &amp; b &#233; <b>url</b></item>\n",
        size,
    );
    println!("script scan, {} MiB each, 1 MiB pieces:", size / MIB);
    for (name, text) in [
        ("text without markup", &plain),
        ("markup-heavy text", &markup),
    ] {
        let started = Instant::now();
        let mut scan = ScriptScan::new();
        for piece in text.chunks(MIB) {
            scan.feed(piece);
        }
        let found = scan.finish();
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "  {name:<20} {:>8.0} MB/s (found: {found})",
            text.len() as f64 / seconds / 1e6
        );
    }
    Ok(())
}

fn repeated(line: &[u8], size: usize) -> Vec<u8> {
    line.iter().copied().cycle().take(size).collect()
}

/// Writes one of the hostile files.
type WriteSvg<'a> = dyn Fn(&mut dyn Write) -> io::Result<()> + 'a;

fn hostile_svgs() -> io::Result<()> {
    let entity = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n<!ENTITY a \"{}\">\n]>\n\
         <svg xmlns=\"http://www.w3.org/2000/svg\">",
        "x".repeat(250)
    );
    let cases: [(&str, Box<WriteSvg<'_>>); 3] = [
        (
            "30 MB of &a; in text",
            Box::new(|out| {
                write!(out, "{entity}<text>")?;
                for _ in 0..10_000_000 {
                    out.write_all(b"&a;")?;
                }
                out.write_all(b"</text></svg>")
            }),
        ),
        (
            "6 MB of &a; in an attribute",
            Box::new(|out| {
                write!(out, "{entity}<g id=\"")?;
                for _ in 0..2_000_000 {
                    out.write_all(b"&a;")?;
                }
                out.write_all(b"\"/></svg>")
            }),
        ),
        (
            "100,000 attributes on one element",
            Box::new(|out| {
                out.write_all(b"<svg xmlns=\"http://www.w3.org/2000/svg\"><g")?;
                for n in 0..100_000 {
                    write!(out, " a{n}=\"1\"")?;
                }
                out.write_all(b"/></svg>")
            }),
        ),
    ];
    println!("hostile SVGs (peak memory of this process):");
    for (name, write) in cases {
        let file = tempfile::NamedTempFile::new()?;
        let mut out = BufWriter::new(file.as_file());
        write(&mut out)?;
        out.flush()?;
        drop(out);
        let size = file.as_file().metadata()?.len();
        let before = peak_memory_kib();
        let started = Instant::now();
        let answer = match verify_file(file.path(), size, "svg", &VerifyConfig::default()) {
            Ok(verified) => format!("accepted as {}", verified.mime),
            Err(VerificationError::Refused(refusal)) => format!("refused: {}", refusal.key()),
            Err(error) => format!("error: {error}"),
        };
        println!(
            "  {name:<34} {:>6.1} MB  {answer}, {:.3} s, peak {} -> {} KiB",
            size as f64 / 1e6,
            started.elapsed().as_secs_f64(),
            before,
            peak_memory_kib()
        );
    }
    Ok(())
}

/// VmHWM from /proc/self/status (0 where there is none).
fn peak_memory_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}
