//! Rows of `upload_status`: the progress of chunked uploads and the state
//! of asynchronous assemblies and publishes, keyed by file key.

use super::{Database, StorageError};

const STATUS_COLUMNS: &str =
    "file_key, user_id, result, stage, received, first_sha1, details, created_at, updated_at";

/// One upload's status (see the migration for the columns' meaning).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct UploadStatusRow {
    pub file_key: String,
    pub user_id: i64,
    /// MediaWiki's `result`: Continue, Poll, Success or Failure.
    pub result: String,
    /// MediaWiki's `stage`: uploading, queued, assembling or publish.
    pub stage: String,
    /// Bytes of a chunked upload acknowledged so far.
    pub received: i64,
    /// SHA-1 of a chunked upload's first chunk, which MediaWiki's warnings
    /// look at while the upload is in progress.
    pub first_sha1: Option<String>,
    /// The result's details as JSON (new file key, file name, warnings, error).
    pub details: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Database {
    pub async fn upload_status(&self, key: &str) -> Result<Option<UploadStatusRow>, StorageError> {
        Ok(
            sqlx::query_as::<_, UploadStatusRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {STATUS_COLUMNS} FROM upload_status WHERE file_key = $1"
            )))
            .bind(key)
            .fetch_optional(&self.pool)
            .await?,
        )
    }

    /// Writes a status, replacing the key's previous one.
    pub async fn put_upload_status(&self, row: &UploadStatusRow) -> Result<(), StorageError> {
        upsert_status(&self.pool, row).await
    }

    /// Acknowledges the bytes of a chunk: `received` moves from `from` to
    /// `to` only if no other request moved it first. False if one did.
    /// (`Continue` and the other results are `upload::status`'s words.)
    pub async fn advance_chunked_upload(
        &self,
        key: &str,
        from: i64,
        to: i64,
        now: i64,
    ) -> Result<bool, StorageError> {
        let done = sqlx::query(
            "UPDATE upload_status SET received = $3, updated_at = $4 \
             WHERE file_key = $1 AND received = $2 AND result = 'Continue'",
        )
        .bind(key)
        .bind(from)
        .bind(to)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn delete_upload_status(&self, key: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM upload_status WHERE file_key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records an assembled chunked upload in one transaction: the new stash
    /// entry appears, and the upload's status either says where it went
    /// (`Some`, for a client polling it) or is removed (`None`).
    pub async fn commit_assembly(
        &self,
        key: &str,
        entry: &super::StashRow,
        status: Option<&UploadStatusRow>,
    ) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        super::files::insert_stash_row(&mut *tx, entry).await?;
        match status {
            Some(status) => {
                sqlx::query(
                    "UPDATE upload_status SET result = $2, stage = $3, details = $4, \
                     updated_at = $5 WHERE file_key = $1",
                )
                .bind(key)
                .bind(&status.result)
                .bind(&status.stage)
                .bind(&status.details)
                .bind(status.updated_at)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM upload_status WHERE file_key = $1")
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Statuses not touched since `before` (abandoned uploads, old results).
    pub async fn stale_upload_statuses(
        &self,
        before: i64,
    ) -> Result<Vec<UploadStatusRow>, StorageError> {
        Ok(
            sqlx::query_as::<_, UploadStatusRow>(sqlx::AssertSqlSafe(stale_statuses_sql()))
                .bind(before)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Stash entries created before `before`.
    pub async fn stale_stash_keys(&self, before: i64) -> Result<Vec<String>, StorageError> {
        let rows: Vec<(String,)> = sqlx::query_as(STALE_STASH_KEYS)
            .bind(before)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|(key,)| key).collect())
    }

    /// How many stash entries and chunked uploads in progress there are.
    pub async fn active_stash_entries(&self) -> Result<i64, StorageError> {
        let (count,): (i64,) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM stash) + \
             (SELECT COUNT(*) FROM upload_status WHERE result = 'Continue')",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(count)
    }
}

/// Writes `row` through `executor` (the pool or a transaction).
pub(super) async fn upsert_status<'e, E>(
    executor: E,
    row: &UploadStatusRow,
) -> Result<(), StorageError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO upload_status (file_key, user_id, result, stage, received, first_sha1, \
         details, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (file_key) DO UPDATE SET result = excluded.result, \
         stage = excluded.stage, received = excluded.received, \
         first_sha1 = excluded.first_sha1, details = excluded.details, \
         updated_at = excluded.updated_at",
    )
    .bind(&row.file_key)
    .bind(row.user_id)
    .bind(&row.result)
    .bind(&row.stage)
    .bind(row.received)
    .bind(&row.first_sha1)
    .bind(&row.details)
    .bind(row.created_at)
    .bind(row.updated_at)
    .execute(executor)
    .await?;
    Ok(())
}

/// The expiry sweep's stash entries (`Database::stale_stash_keys`).
pub(super) const STALE_STASH_KEYS: &str = "SELECT file_key FROM stash WHERE created_at < $1";

/// The expiry sweep's statuses (`Database::stale_upload_statuses`).
pub(super) fn stale_statuses_sql() -> String {
    format!("SELECT {STATUS_COLUMNS} FROM upload_status WHERE updated_at < $1")
}
