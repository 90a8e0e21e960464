//! Rows of `users`, `user_groups` and `bot_passwords`.

use super::{Database, StorageError};

/// A registered account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    /// The stored hash in MediaWiki's format (`:pbkdf2:...`).
    pub password: String,
    pub registered_at: i64,
}

/// A bot password: a second password for one account, limited to `grants`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BotPasswordRow {
    pub user_id: i64,
    pub app_id: String,
    pub password: String,
    /// Grant names, comma-separated.
    pub grants: String,
    pub created_at: i64,
}

impl Database {
    /// Inserts an account; `Conflict` when the name is taken.
    pub async fn insert_user(
        &self,
        name: &str,
        password: &str,
        now: i64,
    ) -> Result<UserRow, StorageError> {
        let row = sqlx::query_as::<_, UserRow>(
            "INSERT INTO users (name, password, registered_at) VALUES ($1, $2, $3) \
             RETURNING id, name, password, registered_at",
        )
        .bind(name)
        .bind(password)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row)
    }

    pub async fn user_by_name(&self, name: &str) -> Result<Option<UserRow>, StorageError> {
        Ok(sqlx::query_as::<_, UserRow>(
            "SELECT id, name, password, registered_at FROM users WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<UserRow>, StorageError> {
        Ok(sqlx::query_as::<_, UserRow>(
            "SELECT id, name, password, registered_at FROM users WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// How many accounts are explicit members of `group`.
    pub async fn count_users_in_group(&self, group: &str) -> Result<i64, StorageError> {
        let (count,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM user_groups WHERE group_name = $1")
                .bind(group)
                .fetch_one(&self.pool)
                .await?;
        Ok(count)
    }

    pub async fn count_users(&self) -> Result<i64, StorageError> {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }

    /// Replaces an account's password hash; false when there is no such account.
    pub async fn set_user_password(&self, id: i64, password: &str) -> Result<bool, StorageError> {
        let done = sqlx::query("UPDATE users SET password = $1 WHERE id = $2")
            .bind(password)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The account's explicit groups, sorted by name.
    pub async fn user_groups(&self, user_id: i64) -> Result<Vec<String>, StorageError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT group_name FROM user_groups WHERE user_id = $1 ORDER BY group_name",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(g,)| g).collect())
    }

    /// Sets the account's explicit groups to exactly `groups`, atomically.
    pub async fn set_user_groups(
        &self,
        user_id: i64,
        groups: &[String],
    ) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM user_groups WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        for group in groups {
            sqlx::query(
                "INSERT INTO user_groups (user_id, group_name) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(user_id)
            .bind(group)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Creates or replaces the bot password `app_id` of an account; the
    /// sessions of a replaced one end.
    pub async fn upsert_bot_password(&self, row: &BotPasswordRow) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO bot_passwords (user_id, app_id, password, grants, created_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (user_id, app_id) DO UPDATE SET password = excluded.password, \
             grants = excluded.grants",
        )
        .bind(row.user_id)
        .bind(&row.app_id)
        .bind(&row.password)
        .bind(&row.grants)
        .bind(row.created_at)
        .execute(&mut *tx)
        .await?;
        end_bot_sessions(&mut tx, row.user_id, &row.app_id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds the bot password `app_id`; false when the account has one of
    /// that name already.
    pub async fn insert_bot_password(&self, row: &BotPasswordRow) -> Result<bool, StorageError> {
        let done = sqlx::query(
            "INSERT INTO bot_passwords (user_id, app_id, password, grants, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, app_id) DO NOTHING",
        )
        .bind(row.user_id)
        .bind(&row.app_id)
        .bind(&row.password)
        .bind(&row.grants)
        .bind(row.created_at)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Sets the grants (and with `password` the hash) of an existing bot
    /// password and ends its sessions, as MediaWiki's new `bp_token` does;
    /// false when there is no such bot password.
    pub async fn update_bot_password(
        &self,
        user_id: i64,
        app_id: &str,
        grants: &str,
        password: Option<&str>,
    ) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE bot_passwords SET grants = $1, password = COALESCE($2, password) \
             WHERE user_id = $3 AND app_id = $4",
        )
        .bind(grants)
        .bind(password)
        .bind(user_id)
        .bind(app_id)
        .execute(&mut *tx)
        .await?;
        end_bot_sessions(&mut tx, user_id, app_id).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Removes a bot password and its sessions; false when there was none.
    pub async fn delete_bot_password(
        &self,
        user_id: i64,
        app_id: &str,
    ) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("DELETE FROM bot_passwords WHERE user_id = $1 AND app_id = $2")
            .bind(user_id)
            .bind(app_id)
            .execute(&mut *tx)
            .await?;
        end_bot_sessions(&mut tx, user_id, app_id).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// An account's bot passwords, by name.
    pub async fn bot_passwords_of(
        &self,
        user_id: i64,
    ) -> Result<Vec<BotPasswordRow>, StorageError> {
        Ok(sqlx::query_as::<_, BotPasswordRow>(
            "SELECT user_id, app_id, password, grants, created_at FROM bot_passwords \
             WHERE user_id = $1 ORDER BY app_id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn bot_password(
        &self,
        user_id: i64,
        app_id: &str,
    ) -> Result<Option<BotPasswordRow>, StorageError> {
        Ok(sqlx::query_as::<_, BotPasswordRow>(
            "SELECT user_id, app_id, password, grants, created_at FROM bot_passwords \
             WHERE user_id = $1 AND app_id = $2",
        )
        .bind(user_id)
        .bind(app_id)
        .fetch_optional(&self.pool)
        .await?)
    }
}

/// Logs out every session of the bot password `user_id@app_id`.
async fn end_bot_sessions(
    conn: &mut sqlx::AnyConnection,
    user_id: i64,
    app_id: &str,
) -> Result<(), StorageError> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND bot_app_id = $2")
        .bind(user_id)
        .bind(app_id)
        .execute(conn)
        .await?;
    Ok(())
}
