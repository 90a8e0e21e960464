//! wikiupload's benchmark: `cargo bench --bench uploads`.
//!
//! Starts the release server binary on a fresh data directory (SQLite) on a
//! free loopback port, logs in as `Admin`, and measures:
//!
//! 1. one direct upload of a large PNG (multipart `file`, streamed from disk);
//! 2. the same file through MediaWiki's chunked protocol (stash=1 chunks,
//!    then a commit by `filekey`);
//! 3. small (20 KiB) uploads per second with 1 and 8 concurrent clients;
//! 4. CSRF token requests per second with 1 and 8 concurrent clients;
//! 5. the server's peak memory (VmHWM);
//! 6. the disk's own write speed for the same size (`dd conv=fsync`).
//!
//! Environment: BENCH_SIZE_MIB (1024), BENCH_CHUNK_MIB (8),
//! BENCH_SMALL_COUNT (200 per concurrency level), BENCH_TOKEN_COUNT (2000 per
//! level), BENCH_DIR (where the temporary directory goes; the system's temp
//! dir by default; it should be on the disk you mean to measure, not tmpfs),
//! BENCH_KEEP=1 (keep that directory, with the server's log, afterwards).

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use bytes::BytesMut;
use reqwest::multipart::Part;
use serde_json::Value;
use tokio::io::AsyncReadExt;

mod common;
use common::*;

const CONCURRENCY: [usize; 2] = [1, 8];
/// Size of the reads that feed the direct upload's request body: large
/// enough that the client's file reading stays far below the server's cost.
const READ_BUF: usize = MIB as usize;

#[tokio::main]
async fn main() {
    let size_mib = env_u64("BENCH_SIZE_MIB", 1024);
    let chunk_mib = env_u64("BENCH_CHUNK_MIB", 8);
    let small_count = env_u64("BENCH_SMALL_COUNT", 200) as usize;
    let token_count = env_u64("BENCH_TOKEN_COUNT", 2000) as usize;
    if cfg!(debug_assertions) {
        eprintln!("warning: built without optimizations; run it with `cargo bench`");
    }

    let base = std::env::var_os("BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::Builder::new()
        .prefix("wikiupload-bench-")
        .tempdir_in(&base)
        .expect("cannot create the temporary directory");
    eprintln!("working in {}", dir.path().display());

    // The big PNG, synced so that its write-back does not run during the
    // measurements.
    let big = dir.path().join("big.png");
    write_big_png(&big, size_mib).expect("cannot write the big PNG");
    let size = std::fs::metadata(&big)
        .expect("cannot stat the big PNG")
        .len();

    let mut rows = Rows::default();
    rows.add("file size", mib(size), "MiB");

    // The disk first, with the server not yet running.
    let dd_seconds = dd_write(dir.path(), size);
    rows.add("disk write, dd conv=fsync", mib(size) / dd_seconds, "MiB/s");

    // Room for the big file, and for the chunked copy beside it.
    let room = [("WIKIUPLOAD_MAX_UPLOAD_SIZE", (size * 2).to_string())];
    let mut server = Server::start(dir.path(), &room);
    server.wait_until_ready(dir.path()).await;
    let api = Api::login(&server.api_url).await;

    eprintln!("direct upload of {size} bytes");
    let direct = direct_upload(&api, &big, size).await;
    rows.add("direct upload", mib(size) / direct, "MiB/s");
    rows.add("direct upload time", direct, "s");

    eprintln!("chunked upload in {chunk_mib} MiB chunks");
    match chunked_upload(&api, &big, size, chunk_mib * MIB).await {
        Ok(c) => {
            rows.add(
                "chunked upload (first chunk to commit)",
                mib(size) / c.total,
                "MiB/s",
            );
            rows.add("chunked upload time", c.total, "s");
            rows.add("chunk size", chunk_mib as f64, "MiB");
            rows.add("chunks", c.chunks as f64, "");
            match c.median_chunk {
                Some(t) => rows.add("median non-final chunk", t * 1e3, "ms"),
                None => rows.text("median non-final chunk", "-", "ms"),
            }
            rows.add("last chunk", c.last_chunk * 1e3, "ms");
            rows.add("commit (publish from stash)", c.commit * 1e3, "ms");
        }
        Err(err) => {
            eprintln!("chunked upload failed: {err}");
            rows.text("chunked upload", "failed", "");
        }
    }

    for workers in CONCURRENCY {
        eprintln!("{small_count} small uploads, {workers} concurrent");
        let (rate, failures) = small_uploads(&api, small_count, workers).await;
        rows.add(
            &format!("small uploads (20 KiB), {}", clients(workers)),
            rate,
            "uploads/s",
        );
        if failures > 0 {
            rows.add(&format!("  failed of {small_count}"), failures as f64, "");
        }
    }
    for workers in CONCURRENCY {
        eprintln!("{token_count} token requests, {workers} concurrent");
        let (rate, failures) = token_requests(&api, token_count, workers).await;
        rows.add(
            &format!("token requests, {}", clients(workers)),
            rate,
            "requests/s",
        );
        if failures > 0 {
            rows.add(&format!("  failed of {token_count}"), failures as f64, "");
        }
    }

    match server.peak_memory_kib() {
        Some(kib) => rows.add("server peak memory (VmHWM)", kib as f64 / 1024.0, "MiB"),
        None => rows.text("server peak memory (VmHWM)", "n/a", ""),
    }
    drop(server);

    // BENCH_KEEP=1 keeps the directory (server.log, data/) for a look afterwards.
    if std::env::var_os("BENCH_KEEP").is_some() {
        eprintln!("kept {}", dir.keep().display());
    }

    println!();
    println!("{}", machine_line());
    println!();
    print!("{}", rows.render());
}

// ---------------------------------------------------------------- measurements

/// Seconds for one multipart upload of the file, read from disk as it is sent.
async fn direct_upload(api: &Api, path: &Path, size: u64) -> f64 {
    let file = tokio::fs::File::open(path)
        .await
        .expect("cannot open the big PNG");
    // reqwest's own `Body::from(File)` reads 4 KiB at a time, which would
    // make the client the bottleneck; read 1 MiB pieces instead.
    let stream = futures_util::stream::try_unfold(file, |mut file| async move {
        let mut buf = BytesMut::with_capacity(READ_BUF);
        let n = file.read_buf(&mut buf).await?;
        Ok::<_, io::Error>((n > 0).then(|| (buf.freeze(), file)))
    });
    let part = Part::stream_with_length(reqwest::Body::wrap_stream(stream), size)
        .file_name("Bench.png")
        .mime_str("image/png")
        .expect("valid MIME type");
    let form = api.upload_form("Bench.png").part("file", part);
    let start = Instant::now();
    let upload = api.post_upload(form).await.expect("direct upload failed");
    let seconds = start.elapsed().as_secs_f64();
    expect_result(&upload, "Success").expect("direct upload failed");
    seconds
}

struct Chunked {
    total: f64,
    chunks: usize,
    median_chunk: Option<f64>,
    last_chunk: f64,
    commit: f64,
}

/// MediaWiki's chunked protocol: chunks stashed under one filekey
/// ("Continue" until the last, which assembles the file and answers
/// "Success" with the final filekey), then a commit by that filekey.
async fn chunked_upload(
    api: &Api,
    path: &Path,
    size: u64,
    chunk_size: u64,
) -> Result<Chunked, String> {
    let filename = "Bench-chunked.png";
    let mut file = tokio::fs::File::open(path)
        .await
        .expect("cannot open the big PNG");
    let mut filekey: Option<String> = None;
    let mut chunk_times = Vec::new();
    let mut offset = 0;
    let start = Instant::now();
    while offset < size {
        let len = chunk_size.min(size - offset);
        // One chunk in memory at a time; reading it is not part of its time.
        let mut chunk = vec![0; len as usize];
        file.read_exact(&mut chunk)
            .await
            .expect("cannot read the big PNG");
        let sent = Instant::now();
        let key = api
            .send_chunk(filename, size, offset, filekey.as_deref(), chunk)
            .await?;
        chunk_times.push(sent.elapsed().as_secs_f64());
        offset += len;
        filekey = Some(key);
    }
    let filekey = filekey.ok_or("no chunk was sent")?;

    let sent = Instant::now();
    api.commit_stashed(filename, &filekey).await?;
    let commit = sent.elapsed().as_secs_f64();
    let total = start.elapsed().as_secs_f64();

    let last_chunk = chunk_times.pop().expect("at least one chunk was sent");
    Ok(Chunked {
        total,
        chunks: chunk_times.len() + 1,
        median_chunk: median(&mut chunk_times),
        last_chunk,
        commit,
    })
}

/// Uploads per second of distinct 20 KiB PNGs under distinct names, and how
/// many failed.
async fn small_uploads(api: &Api, count: usize, workers: usize) -> (f64, usize) {
    // Made before the clock starts; the seed makes every file's bytes unique.
    let files: Vec<Vec<u8>> = (0..count)
        .map(|i| {
            let mut png = Vec::new();
            write_png(&mut png, 64, 106, (workers * 1_000_000 + i) as u64)
                .expect("writing to memory does not fail");
            png
        })
        .collect();
    run_concurrently(count, workers, |i| {
        let filename = format!("Bench-small-{workers}-{i:05}.png");
        let part = Part::bytes(files[i].clone())
            .file_name(filename.clone())
            .mime_str("image/png")
            .expect("valid MIME type");
        let form = api.upload_form(&filename).part("file", part);
        async move { expect_result(&api.post_upload(form).await?, "Success") }
    })
    .await
}

/// Requests per second of `meta=tokens` on the logged-in session.
async fn token_requests(api: &Api, count: usize, workers: usize) -> (f64, usize) {
    run_concurrently(count, workers, |_| async {
        let answer: Value = api
            .client
            .get(&api.url)
            .query(&[("action", "query"), ("meta", "tokens"), ("format", "json")])
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        // A logged-in token: HMAC and timestamp, then `+\`; anonymous is `+\` alone.
        match answer["query"]["tokens"]["csrftoken"].as_str() {
            Some(token) if token.len() > 2 && token.ends_with("+\\") => Ok(()),
            _ => Err(answer.to_string()),
        }
    })
    .await
}

/// Seconds `dd` takes to write `size` bytes (rounded up to 8 MiB blocks) and
/// fsync them, in `dir`.
fn dd_write(dir: &Path, size: u64) -> f64 {
    let target = dir.join("dd.bin");
    let start = Instant::now();
    let status = Command::new("dd")
        .arg("if=/dev/zero")
        .arg(format!("of={}", target.display()))
        .arg("bs=8M")
        .arg(format!("count={}", size.div_ceil(8 * MIB)))
        .arg("conv=fsync")
        .arg("status=none")
        .status()
        .expect("cannot run dd");
    let seconds = start.elapsed().as_secs_f64();
    assert!(status.success(), "dd failed: {status}");
    std::fs::remove_file(&target).expect("cannot remove dd.bin");
    seconds
}

// ------------------------------------------------------------------------- PNG

/// A PNG of about `size_mib` MiB, as tests/clients/make_png.py writes it.
fn write_big_png(path: &Path, size_mib: u64) -> io::Result<()> {
    const WIDTH: u32 = 4096;
    let row_bytes = 1 + u64::from(WIDTH) * 3;
    let height = (size_mib * MIB / row_bytes).max(1);
    let height = u32::try_from(height).expect("BENCH_SIZE_MIB is too large for one PNG");
    let mut out = BufWriter::with_capacity(READ_BUF, File::create(path)?);
    write_png(&mut out, WIDTH, height, 1)?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()
}
