//! Stash expiry: stash entries, chunked uploads and upload statuses older
//! than `upload_stash_max_age` are removed, rows and files together, and so
//! are files in the stash that no row describes (left by a stop between a
//! file's move and its row's commit). What a queued or running job still
//! needs is kept until the job is done.

use std::time::Duration;

use super::{UploadError, Uploads};

impl Uploads {
    /// Removes everything expired at `now`; how many entries went.
    pub async fn sweep_expired(&self, now: i64) -> Result<usize, UploadError> {
        let before = now.saturating_sub(self.stash_max_age);
        let mut removed = 0;
        for key in self.db.stale_stash_keys(before).await? {
            if self.db.has_job(&key).await? {
                continue;
            }
            self.db.delete_stash(&key).await?;
            remove_quietly(&self.repo.stash_path(&key)).await;
            self.thumbnails.purge_stashed(&key).await;
            removed += 1;
        }
        // A chunked upload is touched by every chunk, so only abandoned ones
        // (and old results) are stale.
        for status in self.db.stale_upload_statuses(before).await? {
            if self.db.has_job(&status.file_key).await? {
                continue;
            }
            self.db.delete_upload_status(&status.file_key).await?;
            self.chunk_locks.forget(&status.file_key);
            if self.db.stash_entry(&status.file_key).await?.is_none() {
                remove_quietly(&self.repo.stash_path(&status.file_key)).await;
            }
            removed += 1;
        }
        removed += self.sweep_orphans(before).await?;
        Ok(removed)
    }

    async fn sweep_orphans(&self, before: i64) -> Result<usize, UploadError> {
        let mut entries = match tokio::fs::read_dir(self.repo.stash_dir()).await {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(err) => return Err(err.into()),
        };
        let mut removed = 0;
        while let Some(entry) = entries.next_entry().await? {
            let key = entry.file_name().to_string_lossy().into_owned();
            // A key says when it was made; a file's time may be older (a
            // hard link made at assembly keeps the time of the last chunk).
            let made = match super::stash::key_time(&key) {
                Some(made) => made,
                None => entry
                    .metadata()
                    .await?
                    .modified()?
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |age| i64::try_from(age.as_secs()).unwrap_or(i64::MAX)),
            };
            if made >= before {
                continue;
            }
            if self.db.stash_entry(&key).await?.is_none()
                && self.db.upload_status(&key).await?.is_none()
            {
                remove_quietly(&entry.path()).await;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Sweeps periodically, often enough that nothing outlives its age by
    /// more than half of it (at most every five minutes).
    pub async fn run_expiry(self) {
        let age = u64::try_from(self.stash_max_age).unwrap_or(0);
        let period = Duration::from_secs((age / 2).clamp(1, 300));
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            match self.sweep_expired(crate::auth::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "expired stash entries removed"),
                Err(err) => tracing::warn!(error = %err, "stash expiry failed"),
            }
        }
    }
}

async fn remove_quietly(path: &std::path::Path) {
    if let Err(err) = tokio::fs::remove_file(path).await
        && err.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(path = %path.display(), error = %err, "cannot remove an expired file");
    }
}
