//! wikiupload's load benchmark: `cargo bench --bench load`.
//!
//! Starts the release server on a fresh data directory and, logged in as
//! `Admin`, runs
//!
//! 1. `LOAD_CHUNKED_CLIENTS` (100) concurrent chunked uploads of distinct
//!    PNGs of `LOAD_CHUNKED_MIB` (4) MiB in chunks of `LOAD_CHUNK_KIB`
//!    (1024) KiB, each committed from the stash;
//! 2. `LOAD_SMALL_COUNT` (2,000) small uploads (20 KiB PNGs) from
//!    `LOAD_SMALL_CLIENTS` (16) concurrent clients;
//!
//! printing throughput, p50/p99 latency and the server's peak memory
//! (VmHWM), on SQLite with `sqlite_synchronous = "full"` (the default), the
//! same with `"normal"` (what FULL costs, measured in the same run), and
//! PostgreSQL when `LOAD_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`) answers: there in a schema of
//! its own, dropped afterwards.
//!
//! BENCH_DIR picks the disk (not tmpfs); BENCH_KEEP=1 keeps the directory.

use std::future::Future;
use std::sync::Mutex;
use std::time::Instant;

use reqwest::multipart::Part;

mod common;
use common::*;

/// One server configuration to measure.
struct Setup {
    name: &'static str,
    settings: Vec<(&'static str, String)>,
}

/// The figures of one phase.
struct Phase {
    seconds: f64,
    /// Seconds of each successful operation.
    latencies: Vec<f64>,
    failures: usize,
}

#[tokio::main]
async fn main() {
    let clients_chunked = env_u64("LOAD_CHUNKED_CLIENTS", 100) as usize;
    let chunked_mib = env_u64("LOAD_CHUNKED_MIB", 4);
    let chunk_kib = env_u64("LOAD_CHUNK_KIB", 1024);
    let small_count = env_u64("LOAD_SMALL_COUNT", 2000) as usize;
    let small_clients = env_u64("LOAD_SMALL_CLIENTS", 16) as usize;
    if cfg!(debug_assertions) {
        eprintln!("warning: built without optimizations; run it with `cargo bench`");
    }
    let base = std::env::var_os("BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::Builder::new()
        .prefix("wikiupload-load-")
        .tempdir_in(&base)
        .expect("cannot create the temporary directory");
    eprintln!("working in {}", dir.path().display());

    // Made before any clock starts; every file's bytes differ.
    let chunked_files: Vec<Vec<u8>> = (0..clients_chunked)
        .map(|i| png_of(chunked_mib * MIB, i as u64))
        .collect();
    let small_files: Vec<Vec<u8>> = (0..small_count)
        .map(|i| {
            let mut png = Vec::new();
            write_png(&mut png, 64, 106, 1_000_000 + i as u64).expect("in memory");
            png
        })
        .collect();

    let mut setups = vec![
        Setup {
            name: "SQLite, synchronous FULL",
            settings: vec![("WIKIUPLOAD_SQLITE_SYNCHRONOUS", "full".to_owned())],
        },
        Setup {
            name: "SQLite, synchronous NORMAL",
            settings: vec![("WIKIUPLOAD_SQLITE_SYNCHRONOUS", "normal".to_owned())],
        },
    ];
    let postgres = postgres_schema().await;
    if let Some((url, _)) = &postgres {
        setups.push(Setup {
            name: "PostgreSQL",
            settings: vec![("WIKIUPLOAD_DATABASE_URL", url.clone())],
        });
    }

    let mut rows = Rows::default();
    for (n, setup) in setups.iter().enumerate() {
        let run_dir = dir.path().join(format!("run-{n}"));
        std::fs::create_dir_all(&run_dir).expect("run directory");
        let mut settings = setup.settings.clone();
        // 100 unfinished chunked uploads of one user at once.
        settings.push(("WIKIUPLOAD_MAX_USER_UNFINISHED_UPLOADS", "10000".to_owned()));
        let mut server = Server::start(&run_dir, &settings);
        server.wait_until_ready(&run_dir).await;
        let api = Api::login(&server.api_url).await;

        eprintln!(
            "{}: {clients_chunked} concurrent chunked uploads",
            setup.name
        );
        let chunked = chunked_uploads(&api, &chunked_files, chunk_kib * 1024).await;
        let total_mib = (chunked_mib * clients_chunked as u64) as f64;
        add_phase(
            &mut rows,
            &format!(
                "{}: {clients_chunked} chunked uploads of {chunked_mib} MiB at once",
                setup.name
            ),
            &chunked,
            Some(total_mib),
            "s",
        );

        eprintln!("{}: {small_count} small uploads", setup.name);
        let small = small_uploads(&api, &small_files, small_clients).await;
        add_phase(
            &mut rows,
            &format!(
                "{}: {small_count} small uploads, {}",
                setup.name,
                clients(small_clients)
            ),
            &small,
            None,
            "ms",
        );
        match server.peak_memory_kib() {
            Some(kib) => rows.add(
                &format!("{}: server peak memory (VmHWM)", setup.name),
                kib as f64 / 1024.0,
                "MiB",
            ),
            None => rows.text(
                &format!("{}: server peak memory (VmHWM)", setup.name),
                "n/a",
                "",
            ),
        }
    }
    if let Some((_, drop_schema)) = postgres {
        drop_schema.await;
    }
    if std::env::var_os("BENCH_KEEP").is_some() {
        eprintln!("kept {}", dir.keep().display());
    }
    println!();
    println!("{}", machine_line());
    println!();
    print!("{}", rows.render());
}

/// A fresh schema on the benchmark's PostgreSQL: its URL, and the future
/// that drops it. None when PostgreSQL does not answer.
async fn postgres_schema() -> Option<(String, impl Future<Output = ()>)> {
    let base = std::env::var("LOAD_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    sqlx::any::install_default_drivers();
    let admin = match sqlx::AnyPool::connect(&base).await {
        Ok(pool) => pool,
        Err(err) => {
            eprintln!("PostgreSQL not measured: {err}");
            return None;
        }
    };
    let schema = format!("wu_load_{}", uuid::Uuid::new_v4().simple());
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .expect("schema created");
    let url = format!("{base}?options=-c%20search_path%3D{schema}");
    let drop_schema = async move {
        let sql = format!("DROP SCHEMA {schema} CASCADE");
        if let Err(err) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&admin)
            .await
        {
            eprintln!("schema {schema} not dropped: {err}");
        }
    };
    Some((url, drop_schema))
}

/// Rows for a phase: operations per second (and MiB/s when `mib` is the
/// phase's total), p50 and p99 latency in `unit` (s or ms), failures.
fn add_phase(rows: &mut Rows, name: &str, phase: &Phase, mib: Option<f64>, unit: &str) {
    let done = phase.latencies.len() as f64;
    rows.add(&format!("{name}: rate"), done / phase.seconds, "uploads/s");
    if let Some(mib) = mib {
        rows.add(&format!("{name}: throughput"), mib / phase.seconds, "MiB/s");
    }
    let scale = if unit == "ms" { 1e3 } else { 1.0 };
    let mut latencies = phase.latencies.clone();
    latencies.sort_by(f64::total_cmp);
    for (label, q) in [("p50", 0.50), ("p99", 0.99)] {
        match percentile(&latencies, q) {
            Some(value) => rows.add(&format!("{name}: {label}"), value * scale, unit),
            None => rows.text(&format!("{name}: {label}"), "-", unit),
        }
    }
    if phase.failures > 0 {
        rows.add(&format!("{name}: failed"), phase.failures as f64, "");
    }
}

/// The `q` quantile of sorted values (nearest rank).
fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = ((sorted.len() as f64 * q).ceil() as usize).saturating_sub(1);
    Some(sorted[rank.min(last)])
}

/// A PNG of about `bytes` bytes whose pixels depend on `seed`.
fn png_of(bytes: u64, seed: u64) -> Vec<u8> {
    const WIDTH: u32 = 512;
    let row_bytes = 1 + u64::from(WIDTH) * 3;
    let height = u32::try_from((bytes / row_bytes).max(1)).expect("a PNG's height");
    let mut png = Vec::with_capacity(bytes as usize + 4096);
    write_png(&mut png, WIDTH, height, seed).expect("in memory");
    png
}

/// Every file of `files` sent at once, each by MediaWiki's chunked protocol
/// (stash=1 chunks, then a commit by filekey); the latency of one is from
/// its first chunk to its commit's answer.
async fn chunked_uploads(api: &Api, files: &[Vec<u8>], chunk_size: u64) -> Phase {
    let failures = Mutex::new(Vec::new());
    let start = Instant::now();
    let latencies = futures_util::future::join_all(files.iter().enumerate().map(|(i, bytes)| {
        let failures = &failures;
        async move {
            let started = Instant::now();
            match chunked_upload(api, &format!("Load-chunked-{i:04}.png"), bytes, chunk_size).await
            {
                Ok(()) => Some(started.elapsed().as_secs_f64()),
                Err(err) => {
                    failures.lock().expect("not poisoned").push(err);
                    None
                }
            }
        }
    }))
    .await;
    phase(start, latencies.into_iter().flatten().collect(), failures)
}

async fn chunked_upload(
    api: &Api,
    filename: &str,
    bytes: &[u8],
    chunk_size: u64,
) -> Result<(), String> {
    let size = bytes.len() as u64;
    let mut filekey: Option<String> = None;
    for (n, chunk) in bytes.chunks(chunk_size as usize).enumerate() {
        let offset = n as u64 * chunk_size;
        let key = api
            .send_chunk(filename, size, offset, filekey.as_deref(), chunk.to_vec())
            .await?;
        filekey = Some(key);
    }
    let filekey = filekey.ok_or("no chunk was sent")?;
    api.commit_stashed(filename, &filekey).await
}

/// `files` uploaded directly, `workers` at a time; the latency of one is
/// its request's.
async fn small_uploads(api: &Api, files: &[Vec<u8>], workers: usize) -> Phase {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let latencies = Mutex::new(Vec::new());
    let worker = || async {
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(bytes) = files.get(i) else { break };
            let filename = format!("Load-small-{i:05}.png");
            let part = Part::bytes(bytes.clone())
                .file_name(filename.clone())
                .mime_str("image/png")
                .expect("valid MIME type");
            let form = api.upload_form(&filename).part("file", part);
            let sent = Instant::now();
            let result = match api.post_upload(form).await {
                Ok(upload) => expect_result(&upload, "Success"),
                Err(err) => Err(err),
            };
            match result {
                Ok(()) => latencies
                    .lock()
                    .expect("not poisoned")
                    .push(sent.elapsed().as_secs_f64()),
                Err(err) => failures.lock().expect("not poisoned").push(err),
            }
        }
    };
    let start = Instant::now();
    futures_util::future::join_all((0..workers).map(|_| worker())).await;
    phase(
        start,
        latencies.into_inner().expect("not poisoned"),
        failures,
    )
}

fn phase(start: Instant, latencies: Vec<f64>, failures: Mutex<Vec<String>>) -> Phase {
    let seconds = start.elapsed().as_secs_f64();
    let failures = failures.into_inner().expect("not poisoned");
    if let Some(first) = failures.first() {
        eprintln!("{} failed; the first: {first}", failures.len());
    }
    Phase {
        seconds,
        latencies,
        failures: failures.len(),
    }
}
