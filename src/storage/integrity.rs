//! What the rows say should be on disk, for the orphan check
//! (`upload::fsck`): every name with a current version, every archived
//! version, every key of the deleted store, every stash entry and every
//! upload still receiving or waiting for its assembly.

use super::{Database, StorageError};

/// The files the database describes, by what locates each one.
#[derive(Debug, Default)]
pub struct DescribedFiles {
    /// Names with a current version.
    pub current: Vec<String>,
    /// (name, archive name) of old versions.
    pub archived: Vec<(String, String)>,
    /// Storage keys of the deleted store.
    pub deleted: Vec<String>,
    /// Keys of stash entries and of uploads whose status is one of the
    /// given results (their file is still needed).
    pub stashed: Vec<String>,
}

impl Database {
    /// Everything the rows describe; `live_results` are the upload
    /// statuses whose file is still needed (Continue, Poll).
    pub async fn described_files(
        &self,
        live_results: &[&str],
    ) -> Result<DescribedFiles, StorageError> {
        let current: Vec<(String,)> =
            sqlx::query_as("SELECT name FROM file_versions WHERE archive_name IS NULL")
                .fetch_all(&self.pool)
                .await?;
        let archived: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, archive_name FROM file_versions WHERE archive_name IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        let deleted: Vec<(String,)> =
            sqlx::query_as("SELECT DISTINCT storage_key FROM deleted_files")
                .fetch_all(&self.pool)
                .await?;
        let mut stashed: Vec<(String,)> = sqlx::query_as("SELECT file_key FROM stash")
            .fetch_all(&self.pool)
            .await?;
        for result in live_results {
            let uploads: Vec<(String,)> =
                sqlx::query_as("SELECT file_key FROM upload_status WHERE result = $1")
                    .bind(*result)
                    .fetch_all(&self.pool)
                    .await?;
            stashed.extend(uploads);
        }
        Ok(DescribedFiles {
            current: current.into_iter().map(|(n,)| n).collect(),
            archived,
            deleted: deleted.into_iter().map(|(k,)| k).collect(),
            stashed: stashed.into_iter().map(|(k,)| k).collect(),
        })
    }
}
