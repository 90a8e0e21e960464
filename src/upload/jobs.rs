//! Asynchronous uploads (`async=1`): the assembly of a chunked upload and
//! the publishing of a stashed file run as jobs from the database-backed
//! queue, so they survive a restart. Each job's progress and result go to
//! the upload's status, where `checkstatus` reads them.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::chunked::{Carried, ChunkFailure};
use super::fetch::FetchProgress;
use super::status::{CONTINUE, FAILURE, POLL, SUCCESS, StatusDetails, WARNING};
use super::title::{self, FileName};
use super::warnings;
use super::{OverwriteRights, Source, UploadError, UploadOutcome, UploadRequest, Uploads};
use crate::auth::throttle::RateLimitCheck;
use crate::storage::{JobRow, StashRow, UploadStatusRow};

/// A job's parameters, stored as JSON beside its kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Job {
    /// Verify and stash a complete chunked upload.
    Assemble { filename: String },
    /// Publish a stash entry.
    Publish {
        user_id: i64,
        user_name: String,
        reupload: bool,
        reupload_own: bool,
        filename: String,
        comment: String,
        text: Option<String>,
        /// The stash entry's SHA-1: recognizes a publish that committed
        /// just before a stop cut the job off.
        sha1: String,
    },
    /// Download a URL, then stash or publish it as a synchronous upload would.
    Fetch(UrlUpload),
}

/// An upload from a URL to run in the background (`url` + `async=1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UrlUpload {
    pub url: String,
    pub user_id: i64,
    pub user_name: String,
    pub rights: OverwriteRights,
    pub filename: String,
    pub comment: String,
    pub text: Option<String>,
    pub ignore_warnings: bool,
    pub stash: bool,
}

/// The status key of `user_id`'s async URL upload: MediaWiki (1.42+) keys
/// it by the user, the name and the URL, and `checkstatus` takes the last two.
pub fn url_status_key(user_id: i64, filename: &str, url: &str) -> String {
    use sha1::Digest;
    hex::encode(sha1::Sha1::digest(format!("{user_id}|{filename}|||{url}")))
}

/// How many jobs run at once: a slow download does not hold up assemblies.
const WORKERS: usize = 4;

/// A job that failed this often (cut off by a stop, or the database away
/// when it ran) is given up.
const MAX_ATTEMPTS: i64 = 8;

/// The longest pause before a failed job runs again.
const MAX_RETRY_PAUSE: Duration = Duration::from_secs(30);

/// How often the queue is looked at when nothing announces new work (jobs
/// queued by another server on the same database).
const POLL_INTERVAL: Duration = Duration::from_secs(5);

impl Uploads {
    /// Queues the assembly of the complete chunked upload `key`.
    pub(super) async fn queue_assembly(
        &self,
        key: &str,
        user_id: i64,
        filename: &str,
    ) -> Result<(), UploadError> {
        let now = crate::auth::now();
        // Under the upload's lock, and only once: a retried last chunk finds
        // the assembly queued already.
        let upload = self.chunk_locks.entry(key);
        let _locked = upload.carried.lock().await;
        let Some(row) = self.db.upload_status(key).await? else {
            return Err(UploadError::Stash(super::stash::StashError::NotFound(
                key.to_owned(),
            )));
        };
        if row.result != CONTINUE {
            return Err(UploadError::ChunkFailed {
                reason: ChunkFailure::AlreadyCompleted,
                offset: None,
            });
        }
        let status = UploadStatusRow {
            user_id,
            result: POLL.into(),
            stage: "queued".into(),
            updated_at: now,
            ..row
        };
        let job = Job::Assemble {
            filename: filename.to_owned(),
        };
        self.enqueue(&job, &status).await
    }

    /// `filekey` + `async=1`: checks the name, the right to overwrite and
    /// the warnings now, and queues the publish itself.
    pub async fn queue_publish(
        &self,
        request: UploadRequest,
    ) -> Result<UploadOutcome, UploadError> {
        let Source::Stashed(entry) = &request.source else {
            return Err(UploadError::Io(std::io::Error::other(
                "only stashed files are published asynchronously",
            )));
        };
        let _queueing = self.lock_unless_queued(&entry.file_key).await?;
        let extension = entry.file_key.rsplit('.').next().filter(|e| !e.is_empty());
        let named = title::name_upload(
            &request.filename,
            extension,
            &self.allowed,
            &self.prohibited,
        )
        .map_err(|error| UploadError::Name {
            error,
            stash_key: Some(entry.file_key.clone()),
        })?;
        if !self
            .may_overwrite(request.user_id, request.rights, &named.name)
            .await?
        {
            return Err(UploadError::FileExistsForbidden {
                name: named.name,
                stash_key: Some(entry.file_key.clone()),
            });
        }
        let warnings = warnings::check(&self.db, &named.name, named.changed, &entry.sha1).await?;
        if !warnings.is_empty() && !request.ignore_warnings {
            return Ok(UploadOutcome::Warning {
                warnings,
                stash_key: entry.file_key.clone(),
            });
        }
        let now = crate::auth::now();
        if request.rate_limit.exceeded(&self.db, now).await? {
            return Err(UploadError::RateLimited);
        }
        let status = UploadStatusRow {
            file_key: entry.file_key.clone(),
            user_id: request.user_id,
            result: POLL.into(),
            stage: "queued".into(),
            received: entry.size,
            first_sha1: None,
            details: StatusDetails::default().to_json(),
            created_at: now,
            updated_at: now,
        };
        let job = Job::Publish {
            user_id: request.user_id,
            user_name: request.user_name.clone(),
            reupload: request.rights.reupload,
            reupload_own: request.rights.reupload_own,
            filename: request.filename.clone(),
            comment: request.comment.clone(),
            text: request.text.clone(),
            sha1: entry.sha1.clone(),
        };
        self.enqueue(&job, &status).await?;
        Ok(UploadOutcome::Queued {
            warnings,
            name: named.name,
        })
    }

    /// `url` + `async=1`: checks the name, and queues the download and
    /// what follows it.
    pub async fn queue_url_upload(&self, upload: UrlUpload) -> Result<FileName, UploadError> {
        let named = title::name_upload(&upload.filename, None, &self.allowed, &self.prohibited)
            .map_err(|error| UploadError::Name {
                error,
                stash_key: None,
            })?;
        let key = url_status_key(upload.user_id, &upload.filename, &upload.url);
        let _queueing = self.lock_unless_queued(&key).await?;
        let now = crate::auth::now();
        let status = UploadStatusRow {
            file_key: key,
            user_id: upload.user_id,
            result: POLL.into(),
            stage: "queued".into(),
            received: 0,
            first_sha1: None,
            details: StatusDetails::default().to_json(),
            created_at: now,
            updated_at: now,
        };
        self.enqueue(&Job::Fetch(upload), &status).await?;
        Ok(named.name)
    }

    /// Locks `key` so that checking for a queued job and queueing one are
    /// one step; refuses when a job for it is queued already.
    async fn lock_unless_queued(
        &self,
        key: &str,
    ) -> Result<tokio::sync::OwnedMutexGuard<Carried>, UploadError> {
        let locked = self
            .chunk_locks
            .entry(key)
            .carried
            .clone()
            .lock_owned()
            .await;
        match self.db.upload_status(key).await? {
            Some(status) if status.result == POLL => Err(UploadError::PublishInProgress),
            _ => Ok(locked),
        }
    }

    async fn enqueue(&self, job: &Job, status: &UploadStatusRow) -> Result<(), UploadError> {
        self.check_queued_jobs(status.user_id).await?;
        let payload = serde_json::to_string(job).map_err(std::io::Error::other)?;
        let kind = match job {
            Job::Assemble { .. } => "assemble",
            Job::Publish { .. } => "publish",
            Job::Fetch(_) => "fetch",
        };
        self.db.enqueue_job(kind, &payload, status).await?;
        self.jobs_ready.notify_one();
        Ok(())
    }

    /// Runs queued jobs, several at a time, until the task is dropped.
    /// Jobs a stop cut off were queued again at start (`startup`).
    pub async fn run_jobs(self) {
        let workers = (0..WORKERS).map(|_| self.clone().work());
        futures_util::future::join_all(workers).await;
    }

    async fn work(self) {
        loop {
            match self.db.claim_job(crate::auth::now()).await {
                Ok(Some(job)) => self.run_job(job).await,
                Ok(None) => {
                    let _ = tokio::time::timeout(POLL_INTERVAL, self.jobs_ready.notified()).await;
                }
                Err(err) => {
                    tracing::error!(error = %err, "cannot read the job queue");
                    tokio::time::sleep(POLL_INTERVAL).await;
                }
            }
        }
    }

    async fn run_job(&self, job: JobRow) {
        let parsed: Result<Job, _> = serde_json::from_str(&job.payload);
        let outcome = match (&parsed, self.db.upload_status(&job.file_key).await) {
            (_, Err(err)) => Err(err.into()),
            (_, Ok(None)) => Ok(()), // Swept away meanwhile: nothing to do.
            // Done already (a job queued twice, or finished before a stop).
            (_, Ok(Some(status))) if status.result != POLL => Ok(()),
            (Err(err), Ok(Some(status))) => {
                tracing::error!(id = job.id, error = %err, "unreadable job");
                self.record_failure(&status, "queued", INTERNAL_STORE).await
            }
            (Ok(_), Ok(Some(status))) if job.attempts > MAX_ATTEMPTS => {
                self.record_failure(&status, &status.stage, INTERNAL_STORE)
                    .await
            }
            (Ok(Job::Assemble { filename }), Ok(Some(status))) => {
                self.run_assembly(status, filename).await
            }
            (Ok(publish @ Job::Publish { .. }), Ok(Some(status))) => {
                self.run_publish(status, publish).await
            }
            (Ok(Job::Fetch(upload)), Ok(Some(status))) => self.run_fetch(status, upload).await,
        };
        let failed = match self.db.upload_status(&job.file_key).await {
            Ok(status) => status.is_some_and(|row| row.result == FAILURE),
            Err(_) => true,
        };
        if failed || outcome.is_err() {
            self.job_failures
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        match outcome {
            Ok(()) => {
                if let Err(err) = self.db.finish_job(job.id).await {
                    tracing::error!(id = job.id, error = %err, "cannot remove a finished job");
                }
            }
            Err(err) => {
                tracing::warn!(id = job.id, attempts = job.attempts, error = %err, "job failed: retrying");
                self.retry_later(&job).await;
            }
        }
    }

    /// Queues a failed job again after a pause that doubles with each
    /// attempt. While the database is away the worker keeps trying to queue
    /// it (the status stays `Poll`); a stop meanwhile leaves it `running`,
    /// and the next start queues it.
    async fn retry_later(&self, job: &JobRow) {
        let doublings = u32::try_from(job.attempts.clamp(1, 6) - 1).unwrap_or(0);
        let pause = (Duration::from_secs(1) * 2u32.pow(doublings)).min(MAX_RETRY_PAUSE);
        let mut wait = Duration::from_secs(1);
        loop {
            let run_after = crate::auth::now() + i64::try_from(pause.as_secs()).unwrap_or(0);
            match self.db.retry_job(job.id, run_after).await {
                Ok(()) => return,
                Err(err) => {
                    tracing::debug!(id = job.id, error = %err, "cannot queue the job again yet");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(MAX_RETRY_PAUSE);
                }
            }
        }
    }

    async fn run_assembly(
        &self,
        status: UploadStatusRow,
        filename: &str,
    ) -> Result<(), UploadError> {
        let assembling = self.set_stage(&status, "assembling").await?;
        match self.assemble(&status.file_key, filename, true).await {
            Ok(_) => Ok(()),
            // Refusals are recorded by `assemble` itself.
            Err(UploadError::ChunkFailed { .. }) => Ok(()),
            // The database was away: the job runs again (`retry_later`).
            Err(err @ UploadError::Storage(_)) => Err(err),
            Err(err) => {
                tracing::error!(key = %status.file_key, error = %err, "assembly failed");
                self.record_failure(&assembling, "assembling", INTERNAL_STORE)
                    .await
            }
        }
    }

    async fn run_publish(&self, status: UploadStatusRow, job: &Job) -> Result<(), UploadError> {
        let Job::Publish {
            user_id,
            user_name,
            reupload,
            reupload_own,
            filename,
            comment,
            text,
            sha1,
        } = job
        else {
            return Ok(());
        };
        let publishing = self.set_stage(&status, "publish").await?;
        // An earlier attempt whose commit went unanswered may have left the
        // stashed bytes at the public path: settle that first.
        self.resolve_publishes().await?;
        let entry: Option<StashRow> = self.db.stash_entry(&status.file_key).await?;
        let Some(entry) = entry else {
            // Published before a stop cut the job off, or gone.
            return self
                .finish_interrupted_publish(&publishing, filename, sha1)
                .await;
        };
        let request = UploadRequest {
            user_id: *user_id,
            user_name: user_name.clone(),
            rights: OverwriteRights {
                reupload: *reupload,
                reupload_own: *reupload_own,
            },
            filename: filename.clone(),
            source: Source::Stashed(entry),
            comment: comment.clone(),
            text: text.clone(),
            // Warnings were answered when the publish was requested.
            ignore_warnings: true,
            stash: false,
            rate_limit: RateLimitCheck::default(),
        };
        match self.upload(request).await {
            Ok(UploadOutcome::Published { name, version, .. }) => {
                self.record_published(&publishing, &name, version.timestamp)
                    .await
            }
            Ok(_) => {
                self.record_failure(&publishing, "publish", INTERNAL_PUBLISH)
                    .await
            }
            // The database was away: the job runs again (`retry_later`).
            Err(err @ UploadError::Storage(_)) => Err(err),
            Err(err @ UploadError::Io(_)) => {
                tracing::error!(key = %status.file_key, error = %err, "publish failed");
                self.record_failure(&publishing, "publish", INTERNAL_PUBLISH)
                    .await
            }
            Err(refused) => {
                self.record_failure(&publishing, "publish", &refused.to_string())
                    .await
            }
        }
    }

    async fn run_fetch(
        &self,
        status: UploadStatusRow,
        upload: &UrlUpload,
    ) -> Result<(), UploadError> {
        let fetching = self.set_stage(&status, "fetching").await?;
        let progress = FetchProgress::new();
        let reporter = tokio::spawn(
            self.clone()
                .report_progress(fetching.clone(), progress.clone()),
        );
        let fetched = self.fetch_url(&upload.url, &progress).await;
        reporter.abort();
        // Wait until it is gone, so no late progress overwrites the result.
        let _ = reporter.await;
        let file = match fetched {
            Ok(file) => file,
            Err(UploadError::Fetch(error)) => {
                let text = error.to_string();
                return self.record_failure(&fetching, "fetching", &text).await;
            }
            Err(other) => return Err(other),
        };
        let request = UploadRequest {
            user_id: upload.user_id,
            user_name: upload.user_name.clone(),
            rights: upload.rights,
            filename: upload.filename.clone(),
            source: Source::Fetched(file),
            comment: upload.comment.clone(),
            text: upload.text.clone(),
            ignore_warnings: upload.ignore_warnings,
            stash: upload.stash,
            rate_limit: RateLimitCheck::default(),
        };
        let (result, details) = match self.upload(request).await {
            Ok(UploadOutcome::Published { name, version, .. }) => {
                return self
                    .record_published(&fetching, &name, version.timestamp)
                    .await;
            }
            Ok(UploadOutcome::Stashed { warnings, entry }) => (SUCCESS, (warnings, entry.file_key)),
            Ok(UploadOutcome::Warning {
                warnings,
                stash_key,
            }) => (WARNING, (warnings, stash_key)),
            Ok(UploadOutcome::Queued { .. }) => return Ok(()),
            Err(err @ UploadError::Storage(_)) => return Err(err),
            Err(err @ UploadError::Io(_)) => {
                tracing::error!(key = %status.file_key, error = %err, "URL upload failed");
                return self
                    .record_failure(&fetching, "publish", INTERNAL_STORE)
                    .await;
            }
            Err(refused) => {
                return self
                    .record_failure(&fetching, "publish", &refused.to_string())
                    .await;
            }
        };
        let (warnings, filekey) = details;
        let done = UploadStatusRow {
            result: result.into(),
            stage: "publish".into(),
            details: StatusDetails {
                filekey: Some(filekey),
                warnings,
                ..StatusDetails::default()
            }
            .to_json(),
            updated_at: crate::auth::now(),
            ..fetching
        };
        self.db.put_upload_status(&done).await?;
        Ok(())
    }

    /// Writes a download's progress to its status every half second, for
    /// `checkstatus`; aborted when the download ends.
    async fn report_progress(self, status: UploadStatusRow, progress: FetchProgress) {
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        loop {
            tick.tick().await;
            let row = UploadStatusRow {
                details: StatusDetails {
                    loaded: Some(progress.loaded()),
                    content_length: progress.content_length(),
                    ..StatusDetails::default()
                }
                .to_json(),
                updated_at: crate::auth::now(),
                ..status.clone()
            };
            if let Err(err) = self.db.put_upload_status(&row).await {
                tracing::warn!(error = %err, "cannot record a download's progress");
            }
        }
    }

    async fn finish_interrupted_publish(
        &self,
        status: &UploadStatusRow,
        filename: &str,
        sha1: &str,
    ) -> Result<(), UploadError> {
        let named = title::name_upload(filename, None, &self.allowed, &self.prohibited).ok();
        if let Some(named) = named
            && let Some(current) = self.db.current_file(named.name.as_db_key()).await?
            && current.sha1 == sha1
        {
            return self
                .record_published(status, &named.name, current.timestamp)
                .await;
        }
        self.record_failure(status, "publish", INTERNAL_PUBLISH)
            .await
    }

    async fn record_published(
        &self,
        status: &UploadStatusRow,
        name: &FileName,
        timestamp: i64,
    ) -> Result<(), UploadError> {
        let done = UploadStatusRow {
            result: SUCCESS.into(),
            stage: "publish".into(),
            details: StatusDetails {
                filename: Some(name.as_db_key().to_owned()),
                timestamp: Some(timestamp),
                ..StatusDetails::default()
            }
            .to_json(),
            updated_at: crate::auth::now(),
            ..status.clone()
        };
        self.db.put_upload_status(&done).await?;
        Ok(())
    }

    async fn set_stage(
        &self,
        status: &UploadStatusRow,
        stage: &str,
    ) -> Result<UploadStatusRow, UploadError> {
        let row = UploadStatusRow {
            result: POLL.into(),
            stage: stage.into(),
            updated_at: crate::auth::now(),
            ..status.clone()
        };
        self.db.put_upload_status(&row).await?;
        Ok(row)
    }
}

/// MediaWiki's words for unexpected failures of its jobs.
const INTERNAL_STORE: &str = "Internal error: Server failed to store temporary file.";
const INTERNAL_PUBLISH: &str = "Internal error: Server failed to publish temporary file.";
