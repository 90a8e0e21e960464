//! Rows of the file repository: file versions, deleted files, description
//! pages and their revisions, the upload log, the stash, and the publish
//! journal. `commit_publish` records a new version in one transaction.

use super::{Database, StorageError};

/// MediaWiki's File namespace.
pub const FILE_NAMESPACE: i64 = 6;

const VERSION_COLUMNS: &str = "v.id, v.name, v.archive_name, v.size, v.width, v.height, v.bits, \
     v.media_type, v.mime, v.sha1, v.metadata, v.common_metadata, v.user_id, v.comment, \
     v.timestamp, u.name AS user_name";

/// One version of a file: the current one (`archive_name` None) or an old one.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FileVersionRow {
    pub id: i64,
    pub name: String,
    pub archive_name: Option<String>,
    pub size: i64,
    pub width: i64,
    pub height: i64,
    pub bits: i64,
    pub media_type: String,
    pub mime: String,
    pub sha1: String,
    /// imageinfo's `metadata`, as JSON text.
    pub metadata: String,
    /// imageinfo's `commonmetadata`, as JSON text.
    pub common_metadata: String,
    pub user_id: Option<i64>,
    pub comment: String,
    pub timestamp: i64,
    /// The uploader's name, joined from `users`.
    pub user_name: Option<String>,
}

/// The facts of a file's content, as stored with every version and stash entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ContentFacts {
    pub size: i64,
    pub width: i64,
    pub height: i64,
    pub bits: i64,
    pub media_type: String,
    pub mime: String,
    pub sha1: String,
    pub metadata: String,
    pub common_metadata: String,
}

/// What `prop=info` reports about a page.
#[derive(Debug, Clone)]
pub struct PageFacts {
    pub last_revision: i64,
    pub touched: i64,
    /// Length of the current text in bytes.
    pub length: i64,
    pub revisions: i64,
}

/// A stashed file, owned by one user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StashRow {
    pub file_key: String,
    pub user_id: i64,
    /// `YYYYMMDDHHMMSS!<random>.<ext>`: the stash file's own name.
    pub temp_name: String,
    pub size: i64,
    pub width: i64,
    pub height: i64,
    pub bits: i64,
    pub media_type: String,
    pub mime: String,
    pub sha1: String,
    pub metadata: String,
    pub common_metadata: String,
    /// `file` or `url`.
    pub source: String,
    pub created_at: i64,
}

impl StashRow {
    pub fn facts(&self) -> ContentFacts {
        ContentFacts {
            size: self.size,
            width: self.width,
            height: self.height,
            bits: self.bits,
            media_type: self.media_type.clone(),
            mime: self.mime.clone(),
            sha1: self.sha1.clone(),
            metadata: self.metadata.clone(),
            common_metadata: self.common_metadata.clone(),
        }
    }
}

/// A publish in progress (see `publish_journal` in the migration).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JournalRow {
    pub id: i64,
    pub name: String,
    pub staged_path: String,
    pub archive_name: Option<String>,
}

/// Everything one publish records, committed together.
#[derive(Debug, Clone)]
pub struct PublishRecord {
    pub journal_id: i64,
    pub name: String,
    pub facts: ContentFacts,
    pub user_id: i64,
    pub comment: String,
    pub timestamp: i64,
    /// Set when a current version existed and was archived under this name.
    pub archive_name: Option<String>,
    /// Text of the description page if it has to be created.
    pub page_text: String,
    /// Summary of the null revision added to an existing page.
    pub null_revision_summary: String,
    /// The stash entry consumed by this publish, if any.
    pub stash_key: Option<String>,
}

impl Database {
    pub async fn current_file(&self, name: &str) -> Result<Option<FileVersionRow>, StorageError> {
        Ok(sqlx::query_as::<_, FileVersionRow>(sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLUMNS} FROM file_versions v LEFT JOIN users u ON u.id = v.user_id \
             WHERE v.name = $1 AND v.archive_name IS NULL"
        )))
        .bind(name)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// A file's versions, newest first, with timestamps in `[end, start]`
    /// (either bound optional), at most `limit`.
    pub async fn file_history(
        &self,
        name: &str,
        start: Option<i64>,
        end: Option<i64>,
        limit: i64,
    ) -> Result<Vec<FileVersionRow>, StorageError> {
        Ok(sqlx::query_as::<_, FileVersionRow>(sqlx::AssertSqlSafe(format!(
            "SELECT {VERSION_COLUMNS} FROM file_versions v LEFT JOIN users u ON u.id = v.user_id \
             WHERE v.name = $1 AND v.timestamp <= $2 AND v.timestamp >= $3 \
             ORDER BY v.timestamp DESC, v.id DESC LIMIT $4"
        )))
        .bind(name)
        .bind(start.unwrap_or(i64::MAX))
        .bind(end.unwrap_or(i64::MIN))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Names of current files with these bytes, sorted.
    pub async fn current_files_with_sha1(&self, sha1: &str) -> Result<Vec<String>, StorageError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT name FROM file_versions WHERE sha1 = $1 AND archive_name IS NULL ORDER BY name",
        )
        .bind(sha1)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(n,)| n).collect())
    }

    /// Timestamps of old versions of `name` with these bytes, newest first.
    pub async fn archived_versions_with_sha1(
        &self,
        name: &str,
        sha1: &str,
    ) -> Result<Vec<i64>, StorageError> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT timestamp FROM file_versions WHERE name = $1 AND sha1 = $2 \
             AND archive_name IS NOT NULL ORDER BY timestamp DESC",
        )
        .bind(name)
        .bind(sha1)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(t,)| t).collect())
    }

    /// The first current file whose name starts with `prefix`, by name.
    pub async fn first_file_with_prefix(
        &self,
        prefix: &str,
    ) -> Result<Option<String>, StorageError> {
        // Compared by substring, not LIKE, so '_' and '%' in names are literal.
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT name FROM file_versions WHERE archive_name IS NULL \
             AND substr(name, 1, length($1)) = $1 ORDER BY name LIMIT 1",
        )
        .bind(prefix)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(n,)| n))
    }

    /// Whether a file of this name was deleted.
    pub async fn was_deleted(&self, name: &str) -> Result<bool, StorageError> {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM deleted_files WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        Ok(count > 0)
    }

    /// The name of a deleted file with these bytes, if any.
    pub async fn deleted_file_with_sha1(&self, sha1: &str) -> Result<Option<String>, StorageError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT name FROM deleted_files WHERE sha1 = $1 ORDER BY id LIMIT 1")
                .bind(sha1)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(n,)| n))
    }

    /// The id of the page `title` in `namespace`, if it exists.
    pub async fn page_id(&self, namespace: i64, title: &str) -> Result<Option<i64>, StorageError> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM pages WHERE namespace = $1 AND title = $2")
                .bind(namespace)
                .bind(title)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(id,)| id))
    }

    /// Facts of a page for `prop=info`: latest revision id and time, the
    /// byte length of its text, and how many revisions it has.
    pub async fn page_facts(&self, page_id: i64) -> Result<Option<PageFacts>, StorageError> {
        // The byte length is taken here: SQL's length() counts characters.
        let row: Option<(i64, i64, String, i64)> = sqlx::query_as(
            "SELECT r.id, r.timestamp, r.content, \
             (SELECT COUNT(*) FROM revisions c WHERE c.page_id = r.page_id) \
             FROM revisions r WHERE r.page_id = $1 ORDER BY r.id DESC LIMIT 1",
        )
        .bind(page_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(
            row.map(|(last_revision, touched, content, revisions)| PageFacts {
                last_revision,
                touched,
                length: i64::try_from(content.len()).unwrap_or(i64::MAX),
                revisions,
            }),
        )
    }

    /// The current text of the File: page of `name`.
    pub async fn page_text(&self, name: &str) -> Result<Option<String>, StorageError> {
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT r.content FROM revisions r JOIN pages p ON p.id = r.page_id \
             WHERE p.namespace = $1 AND p.title = $2 ORDER BY r.id DESC LIMIT 1",
        )
        .bind(FILE_NAMESPACE)
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(c,)| c))
    }

    pub async fn insert_journal(
        &self,
        name: &str,
        staged_path: &str,
        archive_name: Option<&str>,
        now: i64,
    ) -> Result<i64, StorageError> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO publish_journal (name, staged_path, archive_name, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(name)
        .bind(staged_path)
        .bind(archive_name)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    pub async fn delete_journal(&self, id: i64) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM publish_journal WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn pending_journal(&self) -> Result<Vec<JournalRow>, StorageError> {
        Ok(sqlx::query_as::<_, JournalRow>(
            "SELECT id, name, staged_path, archive_name FROM publish_journal ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records a published version: archives the current row, inserts the
    /// new one, creates the description page or adds a null revision,
    /// writes the log entry, consumes the stash entry and clears the
    /// journal — all or nothing.
    pub async fn commit_publish(&self, record: &PublishRecord) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        if let Some(archive_name) = &record.archive_name {
            sqlx::query("UPDATE file_versions SET archive_name = $1 WHERE name = $2 AND archive_name IS NULL")
                .bind(archive_name)
                .bind(&record.name)
                .execute(&mut *tx)
                .await?;
        }
        let f = &record.facts;
        sqlx::query(
            "INSERT INTO file_versions (name, archive_name, size, width, height, bits, media_type, \
             mime, sha1, metadata, common_metadata, user_id, comment, timestamp) \
             VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(&record.name)
        .bind(f.size)
        .bind(f.width)
        .bind(f.height)
        .bind(f.bits)
        .bind(&f.media_type)
        .bind(&f.mime)
        .bind(&f.sha1)
        .bind(&f.metadata)
        .bind(&f.common_metadata)
        .bind(record.user_id)
        .bind(&record.comment)
        .bind(record.timestamp)
        .execute(&mut *tx)
        .await?;

        let existing: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM pages WHERE namespace = $1 AND title = $2")
                .bind(FILE_NAMESPACE)
                .bind(&record.name)
                .fetch_optional(&mut *tx)
                .await?;
        let (page_id, content, summary) = match existing {
            Some((id,)) => {
                let (content,): (String,) = sqlx::query_as(
                    "SELECT content FROM revisions WHERE page_id = $1 ORDER BY id DESC LIMIT 1",
                )
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                (id, content, record.null_revision_summary.clone())
            }
            None => {
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO pages (namespace, title, created_at) VALUES ($1, $2, $3) RETURNING id",
                )
                .bind(FILE_NAMESPACE)
                .bind(&record.name)
                .bind(record.timestamp)
                .fetch_one(&mut *tx)
                .await?;
                (id, record.page_text.clone(), record.comment.clone())
            }
        };
        sqlx::query("INSERT INTO revisions (page_id, user_id, comment, content, timestamp) VALUES ($1, $2, $3, $4, $5)")
            .bind(page_id)
            .bind(record.user_id)
            .bind(&summary)
            .bind(&content)
            .bind(record.timestamp)
            .execute(&mut *tx)
            .await?;

        let action = if record.archive_name.is_some() {
            "overwrite"
        } else {
            "upload"
        };
        let params =
            serde_json::json!({"img_sha1": f.sha1, "img_timestamp": record.timestamp}).to_string();
        sqlx::query(
            "INSERT INTO log_events (log_type, action, namespace, title, user_id, timestamp, comment, params) \
             VALUES ('upload', $1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(action)
        .bind(FILE_NAMESPACE)
        .bind(&record.name)
        .bind(record.user_id)
        .bind(record.timestamp)
        .bind(&record.comment)
        .bind(params)
        .execute(&mut *tx)
        .await?;

        if let Some(key) = &record.stash_key {
            sqlx::query("DELETE FROM stash WHERE file_key = $1")
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM publish_journal WHERE id = $1")
            .bind(record.journal_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves every version of `name` to `deleted_files` (with the storage
    /// key each one's bytes were linked under), deletes its page, and logs
    /// the deletion — in one transaction. Returns the log id.
    pub async fn delete_file(
        &self,
        name: &str,
        storage_keys: &[(i64, String)],
        deleted_by: i64,
        reason: &str,
        now: i64,
    ) -> Result<i64, StorageError> {
        let mut tx = self.pool.begin().await?;
        for (version_id, key) in storage_keys {
            sqlx::query(
                "INSERT INTO deleted_files (name, storage_key, size, mime, sha1, user_id, timestamp, \
                 deleted_by, deleted_at, reason) SELECT name, $1, size, mime, sha1, user_id, timestamp, \
                 $2, $3, $4 FROM file_versions WHERE id = $5",
            )
            .bind(key)
            .bind(deleted_by)
            .bind(now)
            .bind(reason)
            .bind(version_id)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM file_versions WHERE name = $1")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM pages WHERE namespace = $1 AND title = $2")
            .bind(FILE_NAMESPACE)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        let (log_id,): (i64,) = sqlx::query_as(
            "INSERT INTO log_events (log_type, action, namespace, title, user_id, timestamp, comment, params) \
             VALUES ('delete', 'delete', $1, $2, $3, $4, $5, '[]') RETURNING id",
        )
        .bind(FILE_NAMESPACE)
        .bind(name)
        .bind(deleted_by)
        .bind(now)
        .bind(reason)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(log_id)
    }

    pub async fn insert_stash(&self, row: &StashRow) -> Result<(), StorageError> {
        insert_stash_row(&self.pool, row).await
    }

    pub async fn stash_entry(&self, key: &str) -> Result<Option<StashRow>, StorageError> {
        Ok(sqlx::query_as::<_, StashRow>(
            "SELECT file_key, user_id, temp_name, size, width, height, bits, media_type, mime, sha1, \
             metadata, common_metadata, source, created_at FROM stash WHERE file_key = $1",
        )
        .bind(key)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn delete_stash(&self, key: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM stash WHERE file_key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Inserts a stash row through `executor` (the pool or a transaction).
pub(super) async fn insert_stash_row<'e, E>(executor: E, row: &StashRow) -> Result<(), StorageError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO stash (file_key, user_id, temp_name, size, width, height, bits, media_type, \
         mime, sha1, metadata, common_metadata, source, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&row.file_key)
    .bind(row.user_id)
    .bind(&row.temp_name)
    .bind(row.size)
    .bind(row.width)
    .bind(row.height)
    .bind(row.bits)
    .bind(&row.media_type)
    .bind(&row.mime)
    .bind(&row.sha1)
    .bind(&row.metadata)
    .bind(&row.common_metadata)
    .bind(&row.source)
    .bind(row.created_at)
    .execute(executor)
    .await?;
    Ok(())
}
