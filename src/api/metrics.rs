//! Prometheus metrics: counted by the API layer as requests pass, plus
//! gauges read from the database when `/metrics` is scraped. One registry
//! per server (no global), so servers in one process count apart.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::storage::{Database, StorageError};
use crate::upload::Uploads;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub action: String,
    /// `ok`, or the error code.
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabels {
    /// `file`, `chunk` or `url`.
    pub source: String,
}

/// The server's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    upload_bytes: Family<SourceLabels, Counter>,
    upload_seconds: Family<SourceLabels, Histogram>,
    stash_entries: Gauge,
    job_queue_depth: Gauge,
    job_failures: Counter,
    /// Serializes the job-failure counter's catching up between scrapes.
    catching_up: std::sync::Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("wikiupload");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "api_requests",
            "API requests by action and result (ok or the error code)",
            requests.clone(),
        );
        let upload_bytes = Family::<SourceLabels, Counter>::default();
        registry.register(
            "upload_bytes",
            "Bytes received by action=upload, by source",
            upload_bytes.clone(),
        );
        let upload_seconds = Family::<SourceLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0])
        });
        registry.register(
            "upload_duration_seconds",
            "Duration of action=upload requests, by source",
            upload_seconds.clone(),
        );
        let stash_entries = Gauge::default();
        registry.register(
            "stash_entries",
            "Stash entries and chunked uploads in progress",
            stash_entries.clone(),
        );
        let job_queue_depth = Gauge::default();
        registry.register(
            "job_queue_depth",
            "Jobs queued or running",
            job_queue_depth.clone(),
        );
        let job_failures = Counter::default();
        registry.register(
            "job_failures",
            "Jobs that failed (assembly, publish or download errors)",
            job_failures.clone(),
        );
        Metrics {
            registry,
            requests,
            upload_bytes,
            upload_seconds,
            stash_entries,
            job_queue_depth,
            job_failures,
            catching_up: std::sync::Mutex::default(),
        }
    }

    pub fn count_request(&self, action: &str, result: &str) {
        self.requests
            .get_or_create(&RequestLabels {
                action: action.to_owned(),
                result: result.to_owned(),
            })
            .inc();
    }

    pub fn count_upload(&self, source: &str, bytes: u64, seconds: f64) {
        let labels = SourceLabels {
            source: source.to_owned(),
        };
        self.upload_bytes.get_or_create(&labels).inc_by(bytes);
        self.upload_seconds.get_or_create(&labels).observe(seconds);
    }

    /// The text exposition, with the gauges read now.
    pub async fn render(&self, db: &Database, uploads: &Uploads) -> Result<String, StorageError> {
        self.stash_entries.set(db.active_stash_entries().await?);
        self.job_queue_depth.set(db.job_queue_depth().await?);
        // The domain counts failures itself; the counter catches up.
        {
            let _one_at_a_time = self.catching_up.lock().unwrap_or_else(|e| e.into_inner());
            let failures = uploads.job_failures();
            self.job_failures
                .inc_by(failures.saturating_sub(self.job_failures.get()));
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .map_err(|e| StorageError::Unavailable(format!("cannot encode metrics: {e}")))?;
        Ok(text)
    }
}
