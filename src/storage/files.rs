//! Rows of the file repository: file versions, deleted files, description
//! pages and their revisions, the upload log, the stash, and the publish
//! journal. `commit_publish` records a new version in one transaction.

use sqlx::AnyConnection;

use super::links::PageLinks;
use super::pages::{
    NewLogEntry, NewRevision, insert_log_with_revision, latest_revision_in, page_in, save_revision,
};
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

impl FileVersionRow {
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
    /// None for a row written by an earlier release.
    pub publish_id: Option<String>,
    pub name: String,
    pub staged_path: String,
    pub archive_name: Option<String>,
}

/// The description page's part of a publish.
#[derive(Debug, Clone)]
pub struct DescriptionPage {
    /// The uploader's name, for the revision.
    pub user_name: String,
    /// Text of the page if it has to be created (pre-save transformed),
    /// its SHA-1 in base 36 and its link tables.
    pub text: String,
    pub sha1: String,
    pub links: PageLinks,
    pub links_version: i64,
    /// Summary of the null revision added to an existing page.
    pub null_revision_summary: String,
}

/// Everything one publish records, committed together.
#[derive(Debug, Clone)]
pub struct PublishRecord {
    pub journal_id: i64,
    /// Written in the journal row and in the version row, so that whether
    /// the publish committed can be asked again (`publish_committed`).
    pub publish_id: String,
    pub name: String,
    pub facts: ContentFacts,
    pub user_id: i64,
    pub comment: String,
    pub timestamp: i64,
    /// Set when a current version existed and was archived under this name.
    pub archive_name: Option<String>,
    /// What the description page gets.
    pub page: DescriptionPage,
    /// A revert to an old version (`action=filerevert`), logged as such.
    pub revert: bool,
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

    pub async fn insert_journal(
        &self,
        publish_id: &str,
        name: &str,
        staged_path: &str,
        archive_name: Option<&str>,
        now: i64,
    ) -> Result<i64, StorageError> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO publish_journal (publish_id, name, staged_path, archive_name, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(publish_id)
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
            "SELECT id, publish_id, name, staged_path, archive_name FROM publish_journal ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Whether the publish of journal row `journal_id` committed, as the
    /// database decides it. On PostgreSQL the journal row is locked first:
    /// a commit still in flight on a connection that was cut (its answer
    /// lost) holds that row, so the question waits for it to end, at most
    /// `lock_timeout`; then no transaction of it can commit any more.
    pub async fn publish_committed(
        &self,
        journal_id: i64,
        publish_id: Option<&str>,
    ) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin().await?;
        if self.backend == super::Backend::Postgres {
            sqlx::query("SET LOCAL lock_timeout = '5s'")
                .execute(&mut *tx)
                .await?;
            sqlx::query("SELECT id FROM publish_journal WHERE id = $1 FOR UPDATE")
                .bind(journal_id)
                .fetch_optional(&mut *tx)
                .await?;
        }
        let committed = match publish_id {
            Some(publish_id) => {
                let (count,): (i64,) =
                    sqlx::query_as("SELECT COUNT(*) FROM file_versions WHERE publish_id = $1")
                        .bind(publish_id)
                        .fetch_one(&mut *tx)
                        .await?;
                count > 0
            }
            // An earlier release's row: it exists, so its publish never
            // committed (its commit deleted it).
            None => false,
        };
        tx.commit().await?;
        Ok(committed)
    }

    /// Whether journal row `id` is still there.
    pub async fn journal_pending(&self, id: i64) -> Result<bool, StorageError> {
        let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM publish_journal WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// Whether a version is archived under `archive_name`.
    pub async fn archive_name_recorded(&self, archive_name: &str) -> Result<bool, StorageError> {
        let (count,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM file_versions WHERE archive_name = $1")
                .bind(archive_name)
                .fetch_one(&self.pool)
                .await?;
        Ok(count > 0)
    }

    /// Records a published version: archives the current row, inserts the
    /// new one, creates the description page or adds a null revision,
    /// writes the log entry, consumes the stash entry and clears the
    /// journal — all or nothing. A transaction that has not committed
    /// within `deadline` (a connection that black-holes it) is abandoned
    /// with its connection, which is closed rather than returned to the
    /// pool, where the next query would wait on it forever; whether it
    /// committed is for the caller to ask.
    pub async fn commit_publish(
        &self,
        record: &PublishRecord,
        deadline: std::time::Duration,
    ) -> Result<(), StorageError> {
        let mut conn = self.pool.acquire().await?;
        match tokio::time::timeout(deadline, write_publish(&mut conn, record)).await {
            Ok(result) => result,
            Err(_) => {
                drop(conn.detach());
                Err(StorageError::Unavailable(
                    "the publish's commit did not answer".into(),
                ))
            }
        }
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

/// The transaction of `Database::commit_publish`.
async fn write_publish(
    conn: &mut AnyConnection,
    record: &PublishRecord,
) -> Result<(), StorageError> {
    use sqlx::Connection;
    let mut tx = conn.begin().await?;

    if let Some(archive_name) = &record.archive_name {
        sqlx::query(
            "UPDATE file_versions SET archive_name = $1 WHERE name = $2 AND archive_name IS NULL",
        )
        .bind(archive_name)
        .bind(&record.name)
        .execute(&mut *tx)
        .await?;
    }
    let f = &record.facts;
    sqlx::query(
        "INSERT INTO file_versions (name, archive_name, size, width, height, bits, media_type, \
         mime, sha1, metadata, common_metadata, user_id, comment, timestamp, publish_id) \
         VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
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
    .bind(&record.publish_id)
    .execute(&mut *tx)
    .await?;

    let page_id = record_description_page(&mut tx, record).await?;

    let action = match (record.revert, record.archive_name.is_some()) {
        (true, _) => "revert",
        (false, true) => "overwrite",
        (false, false) => "upload",
    };
    let params =
        serde_json::json!({"img_sha1": f.sha1, "img_timestamp": record.timestamp}).to_string();
    let entry = NewLogEntry {
        log_type: "upload",
        action,
        namespace: FILE_NAMESPACE,
        title: &record.name,
        page_id: Some(page_id),
        user_id: Some(record.user_id),
        timestamp: record.timestamp,
        comment: &record.comment,
        params,
    };
    // The entry goes with the description page's revision it made.
    let (revision_id,): (i64,) = sqlx::query_as("SELECT latest FROM pages WHERE id = $1")
        .bind(page_id)
        .fetch_one(&mut *tx)
        .await?;
    insert_log_with_revision(&mut tx, &entry, revision_id).await?;

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

/// The description page of a publish, through the publish's transaction:
/// created with the upload's text and comment when it does not exist, else
/// given a null revision (same text) whose summary says what happened.
async fn record_description_page(
    tx: &mut AnyConnection,
    record: &PublishRecord,
) -> Result<i64, StorageError> {
    let page = &record.page;
    let existing = match page_in(tx, FILE_NAMESPACE, &record.name).await? {
        Some(row) => latest_revision_in(tx, &row).await?,
        None => None,
    };
    let revision = match &existing {
        Some(latest) => NewRevision {
            namespace: FILE_NAMESPACE,
            title: &record.name,
            parent: latest.id,
            user_id: Some(record.user_id),
            user_name: &page.user_name,
            comment: &page.null_revision_summary,
            content: &latest.content,
            sha1: &latest.sha1,
            minor: false,
            timestamp: record.timestamp.max(latest.timestamp),
            links: None,
            links_version: page.links_version,
        },
        None => NewRevision {
            namespace: FILE_NAMESPACE,
            title: &record.name,
            parent: 0,
            user_id: Some(record.user_id),
            user_name: &page.user_name,
            comment: &record.comment,
            content: &page.text,
            sha1: &page.sha1,
            minor: false,
            timestamp: record.timestamp,
            links: Some(&page.links),
            links_version: page.links_version,
        },
    };
    Ok(save_revision(tx, &revision).await?.page_id)
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
