//! Rows of `throttle_counters`: hits per key within a window, for the
//! login throttle and the rate limits.

use super::{Database, StorageError};

impl Database {
    /// The hits counted on `key` in its current window (0 when it has none
    /// or it is over at `now`).
    pub async fn throttle_hits(&self, key: &str, now: i64) -> Result<i64, StorageError> {
        let hits: Option<(i64,)> = sqlx::query_as(
            "SELECT hits FROM throttle_counters WHERE counter_key = $1 AND expires_at > $2",
        )
        .bind(key)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(hits.map_or(0, |(hits,)| hits))
    }

    /// Counts one hit on `key`; a key without a current window starts one
    /// of `seconds` from `now`. Returns the hits in the window, this one
    /// included.
    pub async fn throttle_hit(
        &self,
        key: &str,
        seconds: i64,
        now: i64,
    ) -> Result<i64, StorageError> {
        sqlx::query("DELETE FROM throttle_counters WHERE counter_key = $1 AND expires_at <= $2")
            .bind(key)
            .bind(now)
            .execute(&self.pool)
            .await?;
        let (hits,): (i64,) = sqlx::query_as(
            "INSERT INTO throttle_counters (counter_key, hits, expires_at) VALUES ($1, 1, $2) \
             ON CONFLICT (counter_key) DO UPDATE SET hits = throttle_counters.hits + 1 \
             RETURNING hits",
        )
        .bind(key)
        .bind(now.saturating_add(seconds))
        .fetch_one(&self.pool)
        .await?;
        Ok(hits)
    }

    /// Forgets the hits on `key` (a successful login clears its throttle).
    pub async fn throttle_clear(&self, key: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM throttle_counters WHERE counter_key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes the counters whose window is over; how many.
    pub async fn purge_throttle_counters(&self, now: i64) -> Result<u64, StorageError> {
        let done = sqlx::query("DELETE FROM throttle_counters WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
