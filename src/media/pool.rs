//! The render pool: renders run on blocking threads, at most one per
//! worker (the cores by default), so thumbnails cannot take the blocking
//! threads uploads need; at most `queue_limit` renders wait for a worker,
//! beyond that a request is refused at once (a storm is shed, not queued);
//! and one thumbnail is rendered once at a time, however many requests
//! want it: they all wait for that one render (single flight).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};
use tokio::sync::Semaphore;

use super::cache::CachedThumb;
use super::thumb::ThumbError;

type Outcome = Result<CachedThumb, ThumbError>;

/// Renders, bounded and deduplicated.
#[derive(Clone)]
pub struct RenderPool {
    workers: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    queue_limit: usize,
    timeout: Duration,
    in_flight: Arc<Mutex<HashMap<String, Shared<BoxFuture<'static, Outcome>>>>>,
}

impl std::fmt::Debug for RenderPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderPool")
            .field("workers", &self.workers.available_permits())
            .field("queue_limit", &self.queue_limit)
            .finish()
    }
}

/// Removes a finished (or abandoned) render from the in-flight map.
struct Finished {
    key: String,
    in_flight: Arc<Mutex<HashMap<String, Shared<BoxFuture<'static, Outcome>>>>>,
}

impl Drop for Finished {
    fn drop(&mut self) {
        if let Ok(mut map) = self.in_flight.lock() {
            map.remove(&self.key);
        }
    }
}

impl RenderPool {
    pub fn new(workers: usize, queue_limit: usize, timeout: Duration) -> RenderPool {
        RenderPool {
            workers: Arc::new(Semaphore::new(workers.max(1))),
            waiting: Arc::default(),
            queue_limit,
            timeout,
            in_flight: Arc::default(),
        }
    }

    /// Runs `work` (render and store) for `key`, or joins the run already
    /// going for it.
    pub async fn run<F>(&self, key: String, work: F) -> Outcome
    where
        F: FnOnce() -> Outcome + Send + 'static,
    {
        let shared = {
            let mut map = self
                .in_flight
                .lock()
                .map_err(|_| ThumbError::creating(500, "the render pool is broken"))?;
            match map.get(&key) {
                Some(running) => running.clone(),
                None => {
                    let run = self.clone().execute(key.clone(), work).boxed().shared();
                    map.insert(key, run.clone());
                    run
                }
            }
        };
        shared.await
    }

    async fn execute<F>(self, key: String, work: F) -> Outcome
    where
        F: FnOnce() -> Outcome + Send + 'static,
    {
        let _finished = Finished {
            key,
            in_flight: self.in_flight.clone(),
        };
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue_limit {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(ThumbError {
                status: 503,
                message: "Too many thumbnails are being rendered; try again in a moment."
                    .to_owned(),
            });
        }
        let permit = self.workers.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let permit = permit.map_err(|_| ThumbError::creating(500, "the render pool is closed"))?;
        // The permit goes with the work: a render that outlives its
        // deadline still holds its worker until it really ends.
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        });
        match tokio::time::timeout(self.timeout, task).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Err(ThumbError::creating(500, "the renderer crashed")),
            Err(_) => Err(ThumbError::creating(
                500,
                format_args!(
                    "rendering took longer than {} seconds",
                    self.timeout.as_secs()
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done() -> Outcome {
        Ok(CachedThumb {
            path: std::path::PathBuf::from("/x"),
            modified: std::time::SystemTime::UNIX_EPOCH,
        })
    }

    #[tokio::test]
    async fn concurrent_requests_share_one_render() {
        let pool = RenderPool::new(2, 10, Duration::from_secs(5));
        let runs = Arc::new(AtomicUsize::new(0));
        let mut requests = Vec::new();
        for _ in 0..20 {
            let (pool, runs) = (pool.clone(), runs.clone());
            requests.push(tokio::spawn(async move {
                pool.run("one".into(), move || {
                    runs.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(200));
                    done()
                })
                .await
            }));
        }
        for request in requests {
            assert!(request.await.expect("joined").is_ok());
        }
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_full_queue_refuses_and_a_slow_render_times_out() {
        let pool = RenderPool::new(1, 1, Duration::from_millis(300));
        let slow = |ms| {
            move || {
                std::thread::sleep(Duration::from_millis(ms));
                done()
            }
        };
        let first = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run("a".into(), slow(1000)).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let second = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run("b".into(), slow(10)).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        // "a" runs, "b" waits: the queue (1) is full.
        let refused = pool.run("c".into(), slow(10)).await.expect_err("refused");
        assert_eq!(refused.status, 503);
        let timed_out = first.await.expect("joined").expect_err("timed out");
        assert!(
            timed_out.message.contains("longer than"),
            "{}",
            timed_out.message
        );
        // "b" got the worker only once "a" really ended, and then ran.
        assert!(second.await.expect("joined").is_ok());
    }
}
