//! Per-user quotas (`max_user_unfinished_uploads`, `max_user_stash_size`,
//! `max_user_queued_jobs`): what one account may hold at once, so that one
//! user cannot fill the stash, the disk or the job queue for everyone.
//! MediaWiki has none of these; a refusal uses the code of the step it
//! stops (`stashfailed` for the stash and chunks, `ratelimited` for jobs).

use super::status::CONTINUE;
use super::{UploadError, Uploads};
use crate::config::Config;

/// The limits; 0 is no limit.
#[derive(Debug, Clone, Copy)]
pub struct Quotas {
    pub unfinished_uploads: u64,
    pub stash_bytes: u64,
    pub queued_jobs: u64,
}

impl Quotas {
    pub fn new(config: &Config) -> Quotas {
        Quotas {
            unfinished_uploads: config.max_user_unfinished_uploads,
            stash_bytes: config.max_user_stash_size,
            queued_jobs: config.max_user_queued_jobs,
        }
    }
}

/// Whether `used` (plus what comes) passes `limit` (0: no limit).
fn over(limit: u64, used: i64, adding: u64) -> bool {
    limit > 0 && u64::try_from(used).unwrap_or(0).saturating_add(adding) > limit
}

impl Uploads {
    /// Before a chunked upload starts.
    pub(super) async fn check_unfinished_uploads(&self, user_id: i64) -> Result<(), UploadError> {
        let limit = self.quotas.unfinished_uploads;
        let used = self.db.user_uploads_in_state(user_id, CONTINUE).await?;
        if over(limit, used, 1) {
            return Err(UploadError::TooManyUnfinished(limit));
        }
        Ok(())
    }

    /// Before `adding` bytes enter the stash for `user_id` (a file, or a
    /// chunk).
    pub(super) async fn check_stash_bytes(
        &self,
        user_id: i64,
        adding: u64,
    ) -> Result<(), UploadError> {
        let limit = self.quotas.stash_bytes;
        if limit == 0 {
            return Ok(());
        }
        let used = self.db.user_stash_bytes(user_id, CONTINUE).await?;
        if over(limit, used, adding) {
            return Err(UploadError::StashFull(limit));
        }
        Ok(())
    }

    /// Before a job is queued for `user_id`.
    pub(super) async fn check_queued_jobs(&self, user_id: i64) -> Result<(), UploadError> {
        let limit = self.quotas.queued_jobs;
        let used = self.db.user_jobs(user_id).await?;
        if over(limit, used, 1) {
            return Err(UploadError::TooManyJobs(limit));
        }
        Ok(())
    }
}
