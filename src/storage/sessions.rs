//! Rows of `sessions`: server-side session state, shared by every instance
//! that uses the same database.

use super::{Database, StorageError};

/// One session: who it belongs to and its token secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub user_id: Option<i64>,
    /// Set for a bot-password session: the bot's name (app id).
    pub bot_app_id: Option<String>,
    pub csrf_secret: Option<String>,
    pub login_secret: Option<String>,
    pub createaccount_secret: Option<String>,
    /// Unix seconds after which the session is gone.
    pub expires_at: i64,
}

impl Database {
    /// The session `id`, unless it is unknown or expired at `now`.
    pub async fn load_session(
        &self,
        id: &str,
        now: i64,
    ) -> Result<Option<SessionRow>, StorageError> {
        Ok(sqlx::query_as::<_, SessionRow>(
            "SELECT id, user_id, bot_app_id, csrf_secret, login_secret, createaccount_secret, \
             expires_at FROM sessions WHERE id = $1 AND expires_at > $2",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Writes the whole session, creating it if needed.
    pub async fn save_session(&self, row: &SessionRow) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO sessions (id, user_id, bot_app_id, csrf_secret, login_secret, \
             createaccount_secret, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, \
             bot_app_id = excluded.bot_app_id, csrf_secret = excluded.csrf_secret, \
             login_secret = excluded.login_secret, \
             createaccount_secret = excluded.createaccount_secret, \
             expires_at = excluded.expires_at",
        )
        .bind(&row.id)
        .bind(row.user_id)
        .bind(&row.bot_app_id)
        .bind(&row.csrf_secret)
        .bind(&row.login_secret)
        .bind(&row.createaccount_secret)
        .bind(row.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Moves only the expiry forward: the cheap write for a session in use.
    pub async fn touch_session(&self, id: &str, expires_at: i64) -> Result<(), StorageError> {
        sqlx::query("UPDATE sessions SET expires_at = $1 WHERE id = $2")
            .bind(expires_at)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, id: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes sessions that expired before `now`; returns how many.
    pub async fn delete_expired_sessions(&self, now: i64) -> Result<u64, StorageError> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
