//! What the benchmarks share: the server process, a logged-in API
//! client, concurrent runs, PNG files, the output table.

#![allow(dead_code)] // each bench uses its part

use std::fmt::Write as _;
use std::fs::File;
use std::future::Future;
use std::io::{self, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::multipart::{Form, Part};
use serde_json::Value;

pub const MIB: u64 = 1024 * 1024;
pub const ADMIN_PASSWORD: &str = "benchpass123456";

// ------------------------------------------------------------------ the server

/// The server process; killed when dropped, so also when the bench panics.
pub struct Server {
    child: Child,
    pub api_url: String,
}

impl Server {
    /// Starts the release binary's `serve` in `dir` (its data in `data/`,
    /// its log in `server.log`) with the admin password and `settings`
    /// (`WIKIUPLOAD_*` variables) on a free loopback port.
    pub fn start(dir: &Path, settings: &[(&str, String)]) -> Server {
        // Cargo builds the package's binaries for its benches, with the
        // bench's (release) profile, and says where.
        let binary = env!("CARGO_BIN_EXE_wikiupload");
        // A free port: bind port 0, read it, release it for the server.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("cannot find a free port")
            .port();
        let log = File::create(dir.join("server.log")).expect("cannot create server.log");
        let mut command = Command::new(binary);
        // Only our settings: an inherited WIKIUPLOAD_* (say a PostgreSQL URL)
        // would make the runs incomparable.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("WIKIUPLOAD_") {
                command.env_remove(key);
            }
        }
        let child = command
            .arg("serve")
            .current_dir(dir)
            .env("WIKIUPLOAD_LISTEN", format!("127.0.0.1:{port}"))
            .env("WIKIUPLOAD_DATA_DIR", dir.join("data"))
            .env("WIKIUPLOAD_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .envs(settings.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("cannot share server.log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {binary}: {err}"));
        Server {
            child,
            api_url: format!("http://127.0.0.1:{port}/api.php"),
        }
    }

    pub async fn wait_until_ready(&mut self, dir: &Path) {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("cannot build the HTTP client");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
                panic!("the server exited ({status}) before answering:\n{log}");
            }
            let answer = client
                .get(&self.api_url)
                .query(&[
                    ("action", "query"),
                    ("meta", "siteinfo"),
                    ("format", "json"),
                ])
                .send()
                .await;
            if answer.is_ok_and(|a| a.status().is_success()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not answer within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The resident set's high-water mark, from /proc (Linux only).
    pub fn peak_memory_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// --------------------------------------------------------------------- the API

/// A logged-in client: one cookie jar (one session) shared by all requests,
/// as a bot with several connections has.
pub struct Api {
    pub client: reqwest::Client,
    pub url: String,
    pub csrf: String,
}

impl Api {
    pub async fn login(url: &str) -> Api {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("cannot build the HTTP client");
        let get_token = |kind: &'static str| {
            let client = client.clone();
            let url = url.to_string();
            async move {
                let answer: Value = client
                    .get(&url)
                    .query(&[
                        ("action", "query"),
                        ("meta", "tokens"),
                        ("type", kind),
                        ("format", "json"),
                    ])
                    .send()
                    .await
                    .expect("token request failed")
                    .json()
                    .await
                    .expect("token answer is not JSON");
                answer["query"]["tokens"][format!("{kind}token")]
                    .as_str()
                    .unwrap_or_else(|| panic!("no {kind} token in {answer}"))
                    .to_string()
            }
        };
        let login_token = get_token("login").await;
        let answer: Value = client
            .post(url)
            .form(&[
                ("action", "login"),
                ("lgname", "Admin"),
                ("lgpassword", ADMIN_PASSWORD),
                ("lgtoken", &login_token),
                ("format", "json"),
            ])
            .send()
            .await
            .expect("login request failed")
            .json()
            .await
            .expect("login answer is not JSON");
        assert_eq!(
            answer["login"]["result"], "Success",
            "login failed: {answer}"
        );
        let csrf = get_token("csrf").await;
        Api {
            client,
            url: url.to_string(),
            csrf,
        }
    }

    /// The fields every upload request carries.
    pub fn upload_form(&self, filename: &str) -> Form {
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
    pub async fn post_upload(&self, form: Form) -> Result<Value, String> {
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

    /// Sends one chunk of a chunked upload (`stash=1`) and checks the
    /// answer: `Continue` at the next offset, or `Success` for the last
    /// chunk. Returns the upload's file key.
    pub async fn send_chunk(
        &self,
        filename: &str,
        size: u64,
        offset: u64,
        filekey: Option<&str>,
        chunk: Vec<u8>,
    ) -> Result<String, String> {
        let next = offset + chunk.len() as u64;
        let mut form = self
            .upload_form(filename)
            .text("stash", "1")
            .text("filesize", size.to_string())
            .text("offset", offset.to_string());
        if let Some(key) = filekey {
            form = form.text("filekey", key.to_owned());
        }
        let part = Part::bytes(chunk)
            .file_name(filename.to_owned())
            .mime_str("application/octet-stream")
            .expect("valid MIME type");
        let upload = self.post_upload(form.part("chunk", part)).await?;
        if next == size {
            expect_result(&upload, "Success")?;
        } else {
            expect_result(&upload, "Continue")?;
            if upload["offset"].as_u64() != Some(next) {
                return Err(format!("expected offset {next}, got {upload}"));
            }
        }
        upload["filekey"]
            .as_str()
            .map(str::to_owned)
            .ok_or(format!("no filekey in {upload}"))
    }

    /// Publishes a stashed upload (`filekey`), expecting `Success`.
    pub async fn commit_stashed(&self, filename: &str, filekey: &str) -> Result<(), String> {
        let answer: Value = self
            .client
            .post(&self.url)
            .form(&[
                ("action", "upload"),
                ("format", "json"),
                ("filename", filename),
                ("filekey", filekey),
                ("comment", "benchmark"),
                ("ignorewarnings", "1"),
                ("token", &self.csrf),
            ])
            .send()
            .await
            .map_err(|e| format!("commit failed: {e}"))?
            .json()
            .await
            .map_err(|e| format!("commit answer is not JSON: {e}"))?;
        expect_result(&answer["upload"], "Success").map_err(|e| format!("commit: {e} ({answer})"))
    }
}

pub fn expect_result(upload: &Value, result: &str) -> Result<(), String> {
    if upload["result"] == result {
        Ok(())
    } else {
        Err(format!("expected {result}, got {upload}"))
    }
}

/// Runs `job(0..count)` on `workers` concurrent clients; returns jobs per
/// second and the number of failures (the first is printed).
pub async fn run_concurrently<F, Fut>(count: usize, workers: usize, job: F) -> (f64, usize)
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

// ------------------------------------------------------------------------- PNG

/// Writes an 8-bit RGB PNG with the structure of tests/clients/make_png.py: IHDR,
/// then one IDAT per 256 rows holding uncompressed (stored) deflate blocks,
/// a last IDAT ending the zlib stream, and IEND, all with their CRCs.
/// With width 4096 each IDAT is a little over 3 MiB, as in make_png.py.
pub fn write_png(out: &mut impl Write, width: u32, height: u32, seed: u64) -> io::Result<()> {
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

pub fn write_chunk(out: &mut impl Write, kind: &[u8; 4], data: &[u8]) -> io::Result<()> {
    let len = u32::try_from(data.len()).expect("PNG chunks are < 4 GiB");
    out.write_all(&len.to_be_bytes())?;
    out.write_all(kind)?;
    out.write_all(data)?;
    out.write_all(&crc32(&[kind, data]).to_be_bytes())
}

pub fn crc32(parts: &[&[u8]]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize()
}

// ---------------------------------------------------------------------- output

#[derive(Default)]
pub struct Rows(Vec<[String; 3]>);

impl Rows {
    pub fn add(&mut self, measure: &str, value: f64, unit: &str) {
        let value = if value.fract() == 0.0 && value.abs() < 1e9 {
            format!("{value:.0}")
        } else if value >= 100.0 {
            format!("{value:.1}")
        } else {
            format!("{value:.2}")
        };
        self.text(measure, &value, unit);
    }

    pub fn text(&mut self, measure: &str, value: &str, unit: &str) {
        self.0
            .push([measure.to_string(), value.to_string(), unit.to_string()]);
    }

    /// A Markdown table with aligned columns, values right-aligned.
    pub fn render(&self) -> String {
        let header = ["measure", "value", "unit"].map(String::from);
        let width = |c: usize| {
            std::iter::once(&header)
                .chain(&self.0)
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        };
        let (w0, w1, w2) = (width(0), width(1), width(2));
        let mut out = String::new();
        let _ = writeln!(
            out,
            "| {:<w0$} | {:>w1$} | {:<w2$} |",
            header[0], header[1], header[2]
        );
        let _ = writeln!(
            out,
            "| {} | {}: | {} |",
            "-".repeat(w0),
            "-".repeat(w1 - 1),
            "-".repeat(w2)
        );
        for [measure, value, unit] in &self.0 {
            let _ = writeln!(out, "| {measure:<w0$} | {value:>w1$} | {unit:<w2$} |");
        }
        out
    }
}

/// The machine and the date, for the header line.
pub fn machine_line() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map_or("unknown CPU", |(_, v)| v.trim());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let kib: f64 = m.lines().next()?.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!(", {:.0} GiB RAM", kib / 1024.0 / 1024.0))
        })
        .unwrap_or_default();
    format!(
        "wikiupload benchmark, {}: {cores} cores ({cpu}){memory}, Linux {}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        kernel.trim(),
    )
}

// --------------------------------------------------------------------- helpers

pub fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(value) => value
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not {value:?}")),
        Err(_) => default,
    }
}

pub fn clients(n: usize) -> String {
    if n == 1 {
        "1 client".to_string()
    } else {
        format!("{n} concurrent clients")
    }
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / MIB as f64
}

pub fn median(values: &mut [f64]) -> Option<f64> {
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

/// A Markdown table with aligned columns, the ones named in `right`
/// right-aligned.
pub struct Table {
    header: Vec<String>,
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Columns as (title, right-aligned).
    pub fn new(columns: &[(&str, bool)]) -> Table {
        Table {
            header: columns.iter().map(|(title, _)| title.to_string()).collect(),
            right: columns.iter().map(|(_, right)| *right).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        assert_eq!(cells.len(), self.header.len(), "one cell per column");
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|c| {
                std::iter::once(&self.header)
                    .chain(&self.rows)
                    .map(|r| r[c].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| {
            let mut out = String::from("|");
            for ((cell, width), right) in cells.iter().zip(&widths).zip(&self.right) {
                let _ = if *right {
                    write!(out, " {cell:>width$} |")
                } else {
                    write!(out, " {cell:<width$} |")
                };
            }
            out.push('\n');
            out
        };
        let mut out = line(&self.header);
        out.push('|');
        for (width, right) in widths.iter().zip(&self.right) {
            let dashes = "-".repeat((*width).max(3));
            let _ = if *right {
                write!(out, " {}: |", &dashes[1..])
            } else {
                write!(out, " {dashes} |")
            };
        }
        out.push('\n');
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }
}
