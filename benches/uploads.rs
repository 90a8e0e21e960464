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
use std::future::Future;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use bytes::BytesMut;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use tokio::io::AsyncReadExt;

mod support;
use support::{Server, Table, machine_line};

const MIB: u64 = 1024 * 1024;
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
    let mut server = Server::start(
        dir.path(),
        &[("WIKIUPLOAD_MAX_UPLOAD_SIZE", (size * 2).to_string())],
    );
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

// --------------------------------------------------------------------- the API

/// A logged-in client: one cookie jar (one session) shared by all requests,
/// as a bot with several connections has.
struct Api {
    client: reqwest::Client,
    url: String,
    csrf: String,
}

impl Api {
    async fn login(url: &str) -> Api {
        let (client, csrf) = support::login(url).await;
        Api {
            client,
            url: url.to_string(),
            csrf,
        }
    }

    /// The fields every upload request carries.
    fn upload_form(&self, filename: &str) -> Form {
        Form::new()
            .text("action", "upload")
            .text("format", "json")
            .text("filename", filename.to_string())
            .text("comment", "benchmark")
            .text("ignorewarnings", "1")
            .text("token", self.csrf.clone())
    }

    /// Posts a multipart form and returns the JSON answer's `upload` object,
    /// or the whole answer as the error when there is none.
    async fn post_upload(&self, form: Form) -> Result<Value, String> {
        let answer: Value = self
            .client
            .post(&self.url)
            .multipart(form)
            .send()
            .await
            .map_err(|e| format!("request failed: {e}"))?
            .json()
            .await
            .map_err(|e| format!("answer is not JSON: {e}"))?;
        match answer.get("upload") {
            Some(upload) => Ok(upload.clone()),
            None => Err(answer.to_string()),
        }
    }
}

fn expect_result(upload: &Value, result: &str) -> Result<(), String> {
    if upload["result"] == result {
        Ok(())
    } else {
        Err(format!("expected {result}, got {upload}"))
    }
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
        let is_last = offset + len == size;
        // One chunk in memory at a time; reading it is not part of its time.
        let mut chunk = vec![0; len as usize];
        file.read_exact(&mut chunk)
            .await
            .expect("cannot read the big PNG");
        let mut form = api
            .upload_form(filename)
            .text("stash", "1")
            .text("filesize", size.to_string())
            .text("offset", offset.to_string());
        if let Some(key) = &filekey {
            form = form.text("filekey", key.clone());
        }
        let part = Part::bytes(chunk)
            .file_name(filename)
            .mime_str("application/octet-stream")
            .expect("valid MIME type");
        let sent = Instant::now();
        let upload = api.post_upload(form.part("chunk", part)).await?;
        chunk_times.push(sent.elapsed().as_secs_f64());
        offset += len;
        if is_last {
            expect_result(&upload, "Success")?;
        } else {
            expect_result(&upload, "Continue")?;
            if upload["offset"].as_u64() != Some(offset) {
                return Err(format!("expected offset {offset}, got {upload}"));
            }
        }
        let key = upload["filekey"]
            .as_str()
            .ok_or(format!("no filekey in {upload}"))?;
        filekey = Some(key.to_string());
    }
    let filekey = filekey.ok_or("no chunk was sent")?;

    let sent = Instant::now();
    let answer: Value = api
        .client
        .post(&api.url)
        .form(&[
            ("action", "upload"),
            ("format", "json"),
            ("filename", filename),
            ("filekey", &filekey),
            ("comment", "benchmark"),
            ("ignorewarnings", "1"),
            ("token", &api.csrf),
        ])
        .send()
        .await
        .map_err(|e| format!("commit failed: {e}"))?
        .json()
        .await
        .map_err(|e| format!("commit answer is not JSON: {e}"))?;
    let commit = sent.elapsed().as_secs_f64();
    let total = start.elapsed().as_secs_f64();
    expect_result(&answer["upload"], "Success").map_err(|e| format!("commit: {e} ({answer})"))?;

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

/// Runs `job(0..count)` on `workers` concurrent clients; returns jobs per
/// second and the number of failures (the first is printed).
async fn run_concurrently<F, Fut>(count: usize, workers: usize, job: F) -> (f64, usize)
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let worker = || async {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= count {
                break;
            }
            if let Err(err) = job(i).await {
                failures.lock().expect("not poisoned").push(err);
            }
        }
    };
    let start = Instant::now();
    futures_util::future::join_all((0..workers).map(|_| worker())).await;
    let seconds = start.elapsed().as_secs_f64();
    let failures = failures.into_inner().expect("not poisoned");
    if let Some(first) = failures.first() {
        eprintln!("{} of {count} failed; the first: {first}", failures.len());
    }
    (count as f64 / seconds, failures.len())
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

/// Writes an 8-bit RGB PNG with the structure of tests/clients/make_png.py: IHDR,
/// then one IDAT per 256 rows holding uncompressed (stored) deflate blocks,
/// a last IDAT ending the zlib stream, and IEND, all with their CRCs.
/// With width 4096 each IDAT is a little over 3 MiB, as in make_png.py.
fn write_png(out: &mut impl Write, width: u32, height: u32, seed: u64) -> io::Result<()> {
    out.write_all(b"\x89PNG\r\n\x1a\n")?;
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // depth 8, truecolour, deflate, no filter, no interlace
    write_chunk(out, b"IHDR", &ihdr)?;

    // Every row: filter type 0, then the same pattern of pixel bytes.
    let mut row = vec![0u8; 1 + width as usize * 3];
    for (i, byte) in row[1..].iter_mut().enumerate() {
        *byte = (i as u64 * 7 + seed) as u8;
    }
    // The first row also carries the whole seed, so different seeds always
    // give different files.
    let mut first_row = row.clone();
    let seed_bytes = seed.to_le_bytes();
    let n = seed_bytes.len().min(first_row.len() - 1);
    first_row[1..1 + n].copy_from_slice(&seed_bytes[..n]);

    let mut adler = adler2::Adler32::new();
    let mut raw = Vec::new();
    let mut idat = vec![0x78, 0x01]; // zlib header: deflate, 32 KiB window
    for y in 0..height {
        raw.extend_from_slice(if y == 0 { &first_row } else { &row });
        if y % 256 == 255 || y == height - 1 {
            adler.write_slice(&raw);
            // Stored blocks hold at most 65535 bytes: BFINAL=0 BTYPE=00,
            // LEN, NLEN, then the bytes.
            for block in raw.chunks(65535) {
                let len = block.len() as u16;
                idat.push(0);
                idat.extend_from_slice(&len.to_le_bytes());
                idat.extend_from_slice(&(!len).to_le_bytes());
                idat.extend_from_slice(block);
            }
            write_chunk(out, b"IDAT", &idat)?;
            idat.clear();
            raw.clear();
        }
    }
    // An empty final block ends the deflate stream; zlib's Adler-32 follows.
    idat.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    idat.extend_from_slice(&adler.checksum().to_be_bytes());
    write_chunk(out, b"IDAT", &idat)?;
    write_chunk(out, b"IEND", &[])
}

fn write_chunk(out: &mut impl Write, kind: &[u8; 4], data: &[u8]) -> io::Result<()> {
    let len = u32::try_from(data.len()).expect("PNG chunks are < 4 GiB");
    out.write_all(&len.to_be_bytes())?;
    out.write_all(kind)?;
    out.write_all(data)?;
    out.write_all(&crc32(&[kind, data]).to_be_bytes())
}

fn crc32(parts: &[&[u8]]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize()
}

// ---------------------------------------------------------------------- output

#[derive(Default)]
struct Rows(Vec<[String; 3]>);

impl Rows {
    fn add(&mut self, measure: &str, value: f64, unit: &str) {
        let value = if value.fract() == 0.0 && value.abs() < 1e9 {
            format!("{value:.0}")
        } else if value >= 100.0 {
            format!("{value:.1}")
        } else {
            format!("{value:.2}")
        };
        self.text(measure, &value, unit);
    }

    fn text(&mut self, measure: &str, value: &str, unit: &str) {
        self.0
            .push([measure.to_string(), value.to_string(), unit.to_string()]);
    }

    /// A Markdown table, values right-aligned.
    fn render(&self) -> String {
        let mut table = Table::new(&[("measure", false), ("value", true), ("unit", false)]);
        for row in &self.0 {
            table.row(row.to_vec());
        }
        table.render()
    }
}

// --------------------------------------------------------------------- helpers

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not {value:?}")),
        Err(_) => default,
    }
}

fn clients(n: usize) -> String {
    if n == 1 {
        "1 client".to_string()
    } else {
        format!("{n} concurrent clients")
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / MIB as f64
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}
