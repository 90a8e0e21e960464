//! The durable job queue: rows of `jobs`. A job is claimed by moving it
//! from `queued` to `running` in one conditional update, so two workers
//! never run the same job; it is deleted when done. Jobs found `running`
//! at start were cut off by a stop and are queued again.

use super::upload_status::upsert_status;
use super::{Database, StorageError, UploadStatusRow};

/// A job to run.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub file_key: String,
    /// The job's parameters as JSON.
    pub payload: String,
    pub attempts: i64,
}

impl Database {
    /// Queues a job for the upload `status` describes, and writes that
    /// status (normally Poll/queued) in the same transaction: a client
    /// never sees a queued status without its job, or the reverse.
    pub async fn enqueue_job(
        &self,
        kind: &str,
        payload: &str,
        status: &UploadStatusRow,
    ) -> Result<i64, StorageError> {
        let mut tx = self.pool.begin().await?;
        upsert_status(&mut *tx, status).await?;
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO jobs (kind, file_key, payload, state, attempts, created_at, updated_at) \
             VALUES ($1, $2, $3, 'queued', 0, $4, $4) RETURNING id",
        )
        .bind(kind)
        .bind(&status.file_key)
        .bind(payload)
        .bind(status.updated_at)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Takes the oldest queued job, if any.
    pub async fn claim_job(&self, now: i64) -> Result<Option<JobRow>, StorageError> {
        loop {
            let next: Option<(i64,)> = sqlx::query_as(
                "SELECT id FROM jobs WHERE state = 'queued' AND run_after <= $1 \
                     ORDER BY id LIMIT 1",
            )
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
            let Some((id,)) = next else {
                return Ok(None);
            };
            let claimed = sqlx::query_as::<_, JobRow>(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = $2 \
                 WHERE id = $1 AND state = 'queued' \
                 RETURNING id, kind, file_key, payload, attempts",
            )
            .bind(id)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
            if claimed.is_some() {
                return Ok(claimed);
            }
            // Another worker took it between the two statements: look again.
        }
    }

    pub async fn finish_job(&self, id: i64) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM jobs WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Queues a job that failed for a passing reason again, to run at
    /// `run_after` at the earliest.
    pub async fn retry_job(&self, id: i64, run_after: i64) -> Result<(), StorageError> {
        sqlx::query("UPDATE jobs SET state = 'queued', run_after = $2 WHERE id = $1")
            .bind(id)
            .bind(run_after)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Queues again the jobs a stop interrupted; how many there were.
    pub async fn requeue_running_jobs(&self) -> Result<u64, StorageError> {
        let done = sqlx::query("UPDATE jobs SET state = 'queued' WHERE state = 'running'")
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Whether a job for `file_key` is waiting or running.
    pub async fn has_job(&self, file_key: &str) -> Result<bool, StorageError> {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE file_key = $1")
            .bind(file_key)
            .fetch_one(&self.pool)
            .await?;
        Ok(count > 0)
    }

    /// Jobs waiting or running.
    pub async fn job_queue_depth(&self) -> Result<i64, StorageError> {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobs")
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }
}
