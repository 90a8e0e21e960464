//! A TCP proxy in front of PostgreSQL for fault tests: it relays bytes
//! both ways, and on demand cuts every connection (refusing new ones), lets
//! one transaction's COMMIT through while dropping its answer and the
//! connection, as a network failure at the worst moment does, or
//! black-holes one transaction at its COMMIT: nothing more is relayed
//! either way and neither side is closed, as a silent partition does.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The simple-protocol query message `COMMIT` (type Q, length 11).
const COMMIT_MESSAGE: &[u8] = b"Q\0\0\0\x0bCOMMIT\0";

pub struct PgProxy {
    pub address: SocketAddr,
    /// Set: the next transaction whose statements contain this text meets
    /// this fault at its COMMIT.
    commit_fault: Arc<std::sync::Mutex<Option<(String, CommitFault)>>>,
    /// True while the database is "down": connections are cut and refused.
    down: Arc<watch::Sender<bool>>,
    /// Set: the first statement containing this text takes the database
    /// down for the given time, before it reaches PostgreSQL.
    outage_at: Arc<std::sync::Mutex<Option<(String, std::time::Duration)>>>,
    /// How many COMMIT answers were dropped.
    pub lost_answers: Arc<std::sync::atomic::AtomicUsize>,
    /// How many COMMITs were black-holed.
    pub black_holed: Arc<std::sync::atomic::AtomicUsize>,
}

/// What happens to an armed transaction's COMMIT.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CommitFault {
    /// Relayed; the answer is dropped with the connection.
    LoseAnswer,
    /// Not relayed; nothing more passes either way, nothing is closed
    /// (PostgreSQL ends the session itself once its idle timeout is over).
    BlackHole,
}

impl PgProxy {
    pub async fn start(upstream: SocketAddr) -> PgProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy binds");
        let address = listener.local_addr().expect("address");
        let (down, down_rx) = watch::channel(false);
        let proxy = PgProxy {
            address,
            commit_fault: Arc::default(),
            down: Arc::new(down),
            outage_at: Arc::default(),
            lost_answers: Arc::default(),
            black_holed: Arc::default(),
        };
        let faults = Faults {
            commit_fault: proxy.commit_fault.clone(),
            outage_at: proxy.outage_at.clone(),
            down: proxy.down.clone(),
            lost_answers: proxy.lost_answers.clone(),
            black_holed: proxy.black_holed.clone(),
        };
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if *down_rx.borrow() {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                tokio::spawn(relay(client, server, faults.clone(), down_rx.clone()));
            }
        });
        proxy
    }

    /// Arms the loss of the COMMIT answer of the next transaction that
    /// sends `statement_text`.
    pub fn lose_commit_answer_after(&self, statement_text: &str) {
        *self.commit_fault.lock().expect("lock") =
            Some((statement_text.to_owned(), CommitFault::LoseAnswer));
    }

    /// Arms the black hole for the COMMIT of the next transaction that
    /// sends `statement_text`.
    pub fn black_hole_commit_after(&self, statement_text: &str) {
        *self.commit_fault.lock().expect("lock") =
            Some((statement_text.to_owned(), CommitFault::BlackHole));
    }

    /// Takes the database down for `outage` (every connection cut, new
    /// ones refused) when a statement containing `statement_text` is sent,
    /// before it reaches PostgreSQL.
    pub fn cut_at(&self, statement_text: &str, outage: std::time::Duration) {
        *self.outage_at.lock().expect("lock") = Some((statement_text.to_owned(), outage));
    }
}

/// What the relays share.
#[derive(Clone)]
struct Faults {
    commit_fault: Arc<std::sync::Mutex<Option<(String, CommitFault)>>>,
    outage_at: Arc<std::sync::Mutex<Option<(String, std::time::Duration)>>>,
    down: Arc<watch::Sender<bool>>,
    lost_answers: Arc<std::sync::atomic::AtomicUsize>,
    black_holed: Arc<std::sync::atomic::AtomicUsize>,
}

async fn relay(
    mut client: TcpStream,
    mut server: TcpStream,
    faults: Faults,
    mut down: watch::Receiver<bool>,
) {
    let armed = &faults.commit_fault;
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let mute = Arc::new(AtomicBool::new(false));
    let (mut client_read, mut client_write) = client.split();
    let (mut server_read, mut server_write) = server.split();
    let upstream = async {
        let mut seen = Vec::new();
        let mut buffer = vec![0u8; 64 * 1024];
        let mut target_seen = None;
        loop {
            let n = match client_read.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let bytes = &buffer[..n];
            seen.extend_from_slice(bytes);
            let outage = faults.outage_at.lock().expect("lock").clone();
            if let Some((text, outage)) = outage
                && contains(bytes, text.as_bytes())
            {
                *faults.outage_at.lock().expect("lock") = None;
                faults.down.send_replace(true);
                let down = faults.down.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(outage).await;
                    down.send_replace(false);
                });
                return;
            }
            let target = armed.lock().expect("lock").clone();
            if let Some((target, fault)) = &target
                && contains(&seen, target.as_bytes())
            {
                target_seen = Some(*fault);
            }
            if let Some(fault) = target_seen
                && contains(bytes, COMMIT_MESSAGE)
            {
                *armed.lock().expect("lock") = None;
                mute.store(true, Ordering::SeqCst);
                if fault == CommitFault::BlackHole {
                    faults.black_holed.fetch_add(1, Ordering::SeqCst);
                    // Swallow whatever the client sends; keep PostgreSQL's
                    // side open even when the client gives up.
                    let mut sink = [0u8; 4096];
                    while let Ok(n) = client_read.read(&mut sink).await {
                        if n == 0 {
                            break;
                        }
                    }
                    std::future::pending::<()>().await;
                }
                let _ = server_write.write_all(bytes).await;
                // Let PostgreSQL read and run the COMMIT before the cut.
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                faults.lost_answers.fetch_add(1, Ordering::SeqCst);
                return;
            }
            if target_seen.is_none() && seen.len() > 1 << 20 {
                seen.drain(..seen.len() - 4096);
            }
            if server_write.write_all(bytes).await.is_err() {
                return;
            }
        }
    };
    let downstream = async {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let n = match server_read.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if mute.load(Ordering::SeqCst) {
                continue;
            }
            if client_write.write_all(&buffer[..n]).await.is_err() {
                return;
            }
        }
    };
    let cut = async {
        let _ = down.wait_for(|down| *down).await;
    };
    tokio::select! {
        () = upstream => {}
        () = downstream => {}
        () = cut => {}
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}
