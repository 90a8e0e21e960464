//! What one user holds at once, for the per-user quotas.

use super::{Database, StorageError};

impl Database {
    /// Uploads of `user_id` with status `result` (`Continue`: chunked
    /// uploads still taking chunks).
    pub async fn user_uploads_in_state(
        &self,
        user_id: i64,
        result: &str,
    ) -> Result<i64, StorageError> {
        let (count,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM upload_status WHERE user_id = $1 AND result = $2")
                .bind(user_id)
                .bind(result)
                .fetch_one(&self.pool)
                .await?;
        Ok(count)
    }

    /// Bytes `user_id` holds in the stash: its entries, and what its
    /// uploads with status `receiving` (chunked ones) have received.
    pub async fn user_stash_bytes(
        &self,
        user_id: i64,
        receiving: &str,
    ) -> Result<i64, StorageError> {
        let (stashed,): (Option<i64>,) =
            sqlx::query_as("SELECT CAST(SUM(size) AS BIGINT) FROM stash WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(&self.pool)
                .await?;
        let (received,): (Option<i64>,) = sqlx::query_as(
            "SELECT CAST(SUM(received) AS BIGINT) FROM upload_status \
             WHERE user_id = $1 AND result = $2",
        )
        .bind(user_id)
        .bind(receiving)
        .fetch_one(&self.pool)
        .await?;
        Ok(stashed.unwrap_or(0) + received.unwrap_or(0))
    }

    /// Jobs queued or running for uploads of `user_id`.
    pub async fn user_jobs(&self, user_id: i64) -> Result<i64, StorageError> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM jobs JOIN upload_status ON upload_status.file_key = jobs.file_key \
             WHERE upload_status.user_id = $1",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(count)
    }
}
