//! What the benches that start the server share: the server process, a
//! login, the result table and the machine's description.

use std::fmt::Write as _;
use std::fs::File;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const ADMIN_PASSWORD: &str = "benchpass123456";

/// The server process; killed when dropped, so also when the bench panics.
pub struct Server {
    child: Child,
    pub api_url: String,
}

impl Server {
    /// Starts the release binary on a free loopback port with its data
    /// directory in `dir/data`, its output in `dir/server.log`, and `env`
    /// (`WIKIUPLOAD_*` settings) on top of the defaults.
    pub fn start(dir: &Path, env: &[(&str, String)]) -> Server {
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
            .envs(env.iter().map(|(key, value)| (key, value)))
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

/// Logs in as `Admin` with a client of its own cookie jar; returns it and
/// the session's CSRF token.
pub async fn login(url: &str) -> (reqwest::Client, String) {
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
    (client, csrf)
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
