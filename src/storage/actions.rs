//! The rows of MediaWiki's page and file actions besides editing and
//! publishing: deleting a page (and a file, all versions or one old
//! version), restoring deleted revisions and file versions, and moving a
//! page (with its file). Each is one transaction, with its log entry.

use sqlx::AnyConnection;

use super::listings::{Arg, Filter, Statement, order_clause};
use super::pages::{
    NewLogEntry, NewRevision, PageRow, Restore, archive_page, insert_log, page_in,
    restore_revisions, save_revision,
};
use super::{Database, FILE_NAMESPACE, PageLinks, StorageError};

const DELETED_COLUMNS: &str = "d.id, d.name, d.storage_key, d.archive_name, d.size, d.width, \
     d.height, d.bits, d.media_type, d.mime, d.sha1, d.metadata, d.common_metadata, d.user_id, \
     u.name AS user_name, d.comment, d.timestamp, d.deleted_by, d.deleted_at, d.reason";

/// A deleted version of a file (MediaWiki's `filearchive`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeletedFileRow {
    pub id: i64,
    pub name: String,
    /// Where its bytes are in the deleted store.
    pub storage_key: String,
    /// Its archive name when it was an old version.
    pub archive_name: Option<String>,
    pub size: i64,
    pub width: i64,
    pub height: i64,
    pub bits: i64,
    pub media_type: String,
    pub mime: String,
    pub sha1: String,
    pub metadata: String,
    pub common_metadata: String,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    /// The upload comment of the version.
    pub comment: String,
    pub timestamp: i64,
    pub deleted_by: Option<i64>,
    pub deleted_at: i64,
    pub reason: String,
}

/// Which deleted versions to list (`list=filearchive`).
#[derive(Debug, Clone, Default)]
pub struct DeletedFileListing {
    pub from: Option<String>,
    pub to: Option<String>,
    pub prefix: Option<String>,
    pub sha1: Option<String>,
    pub descending: bool,
    /// Continue at this name and id (included).
    pub resume: Option<(String, i64)>,
    pub limit: i64,
}

/// A deletion: who, why, when, and where each version's bytes went.
#[derive(Debug, Clone)]
pub struct FileDeletion<'a> {
    pub name: &'a str,
    /// Version id and storage key of each version deleted.
    pub storage_keys: &'a [(i64, String)],
    pub deleted_by: i64,
    pub reason: &'a str,
    /// The log entry's comment (the reason, or what the deletion was).
    pub log_comment: &'a str,
    pub now: i64,
}

/// An undeletion of a page, with the file versions that come back.
#[derive(Debug, Clone)]
pub struct Undeletion<'a> {
    pub restore: Restore<'a>,
    /// Deleted version ids, each with the archive name it gets (None: it
    /// becomes the current version).
    pub files: &'a [(i64, Option<String>)],
    pub user_id: Option<i64>,
    pub reason: &'a str,
}

/// What an undeletion brought back.
#[derive(Debug, Clone, Copy)]
pub struct Undeleted {
    pub page_id: i64,
    pub revisions: u64,
    pub files: u64,
    pub log_id: i64,
}

/// A page move (any namespace; for a file, `file_rows` renames its versions).
#[derive(Debug, Clone)]
pub struct PageMove<'a> {
    pub page: &'a PageRow,
    pub to_namespace: i64,
    pub to_title: &'a str,
    pub user_id: Option<i64>,
    pub user_name: &'a str,
    /// The null revision's summary (`X moved page [[A]] to [[B]]: reason`).
    pub summary: &'a str,
    pub reason: &'a str,
    /// The redirect left at the old title: its text, SHA-1, link tables.
    pub redirect: Option<(&'a str, &'a str, &'a PageLinks)>,
    /// The log's `target_title` (the new title in text form).
    pub target_text: &'a str,
    pub links_version: i64,
    pub now: i64,
}

impl Database {
    /// Moves every version of `name` to `deleted_files` (with the storage
    /// key each one's bytes were linked under), archives its page's
    /// revisions, and logs the deletion — in one transaction.
    pub async fn delete_file(&self, deletion: &FileDeletion<'_>) -> Result<i64, StorageError> {
        let mut tx = self.pool.begin().await?;
        for (version_id, key) in deletion.storage_keys {
            archive_version(&mut tx, *version_id, key, deletion).await?;
        }
        sqlx::query("DELETE FROM file_versions WHERE name = $1")
            .bind(deletion.name)
            .execute(&mut *tx)
            .await?;
        let page = page_in(&mut tx, FILE_NAMESPACE, deletion.name).await?;
        if let Some(page) = &page {
            archive_page(&mut tx, page, deletion.now).await?;
        }
        let log_id = log_file_deletion(&mut tx, deletion, page.map(|p| p.id)).await?;
        tx.commit().await?;
        Ok(log_id)
    }

    /// Moves one old version of `deletion.name` to `deleted_files`.
    pub async fn delete_file_version(
        &self,
        deletion: &FileDeletion<'_>,
    ) -> Result<i64, StorageError> {
        let mut tx = self.pool.begin().await?;
        for (version_id, key) in deletion.storage_keys {
            archive_version(&mut tx, *version_id, key, deletion).await?;
            sqlx::query("DELETE FROM file_versions WHERE id = $1 AND archive_name IS NOT NULL")
                .bind(version_id)
                .execute(&mut *tx)
                .await?;
        }
        let page = page_in(&mut tx, FILE_NAMESPACE, deletion.name).await?;
        let log_id = log_file_deletion(&mut tx, deletion, page.map(|p| p.id)).await?;
        tx.commit().await?;
        Ok(log_id)
    }

    /// Archives every revision of `page`, deletes it and logs the
    /// deletion, in one transaction. Returns the log id.
    pub async fn delete_page(
        &self,
        page: &PageRow,
        deleted_by: Option<i64>,
        reason: &str,
        now: i64,
    ) -> Result<i64, StorageError> {
        let mut tx = self.pool.begin().await?;
        archive_page(&mut tx, page, now).await?;
        let log_id = insert_log(
            &mut tx,
            &NewLogEntry {
                log_type: "delete",
                action: "delete",
                namespace: page.namespace,
                title: &page.title,
                page_id: Some(page.id),
                user_id: deleted_by,
                timestamp: now,
                comment: reason,
                params: "[]".into(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(log_id)
    }

    /// Deleted versions of `name`, oldest first.
    pub async fn deleted_files(&self, name: &str) -> Result<Vec<DeletedFileRow>, StorageError> {
        Ok(sqlx::query_as::<_, DeletedFileRow>(sqlx::AssertSqlSafe(format!(
            "SELECT {DELETED_COLUMNS} FROM deleted_files d LEFT JOIN users u ON u.id = d.user_id \
             WHERE d.name = $1 ORDER BY d.timestamp, d.id"
        )))
        .bind(name)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Whether another deleted version keeps bytes under `storage_key`.
    pub async fn storage_key_in_use(&self, storage_key: &str) -> Result<bool, StorageError> {
        let (count,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM deleted_files WHERE storage_key = $1")
                .bind(storage_key)
                .fetch_one(&self.pool)
                .await?;
        Ok(count > 0)
    }

    /// Deleted file versions matching `listing`, by name then id.
    pub async fn list_deleted_files(
        &self,
        listing: &DeletedFileListing,
    ) -> Result<Vec<DeletedFileRow>, StorageError> {
        self.deleted_files_statement(listing)
            .fetch_all(&self.pool)
            .await
    }

    /// The statement of `list_deleted_files`.
    pub(super) fn deleted_files_statement(&self, listing: &DeletedFileListing) -> Statement {
        let name = self.in_byte_order("d.name");
        let descending = listing.descending;
        let mut filter = Filter::default();
        if let Some(from) = &listing.from {
            filter.from(&name, Arg::Text(from.clone()), descending);
        }
        if let Some(to) = &listing.to {
            filter.to(&name, Arg::Text(to.clone()), descending);
        }
        if let Some(prefix) = &listing.prefix {
            filter.prefix("d.name", prefix);
        }
        if let Some(sha1) = &listing.sha1 {
            let placeholder = filter.text(sha1);
            filter.push(format!("d.sha1 = {placeholder}"));
        }
        if let Some((resume_name, id)) = &listing.resume {
            filter.resume(
                (&name, Arg::Text(resume_name.clone())),
                ("d.id", Arg::Int(*id)),
                descending,
            );
        }
        let limit = filter.int(listing.limit);
        let sql = format!(
            "SELECT {DELETED_COLUMNS} FROM deleted_files d LEFT JOIN users u ON u.id = d.user_id{} \
             ORDER BY {} LIMIT {limit}",
            filter.where_clause(),
            order_clause(&[name.clone(), "d.id".to_owned()], descending),
        );
        Statement { sql, filter }
    }

    /// Restores revisions and file versions of a page and logs it, in one
    /// transaction.
    pub async fn undelete(&self, undeletion: &Undeletion<'_>) -> Result<Undeleted, StorageError> {
        let mut tx = self.pool.begin().await?;
        let (page_id, revisions) = restore_revisions(&mut tx, &undeletion.restore).await?;
        let mut files = 0;
        for (deleted_id, archive_name) in undeletion.files {
            files += sqlx::query(
                "INSERT INTO file_versions (name, archive_name, size, width, height, bits, media_type, \
                 mime, sha1, metadata, common_metadata, user_id, comment, timestamp) \
                 SELECT name, $1, size, width, height, bits, media_type, mime, sha1, metadata, \
                 common_metadata, user_id, comment, timestamp FROM deleted_files WHERE id = $2",
            )
            .bind(archive_name.as_deref())
            .bind(deleted_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query("DELETE FROM deleted_files WHERE id = $1")
                .bind(deleted_id)
                .execute(&mut *tx)
                .await?;
        }
        let params = serde_json::json!({"count": {"revisions": revisions, "files": files}});
        let log_id = insert_log(
            &mut tx,
            &NewLogEntry {
                log_type: "delete",
                action: "restore",
                namespace: undeletion.restore.namespace,
                title: undeletion.restore.title,
                page_id: (page_id != 0).then_some(page_id),
                user_id: undeletion.user_id,
                timestamp: undeletion.restore.now,
                comment: undeletion.reason,
                params: params.to_string(),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Undeleted {
            page_id,
            revisions,
            files,
            log_id,
        })
    }

    /// Moves a page (and, when `file_versions` is given, the versions of
    /// its file: id and new archive name of each) and logs it, in one
    /// transaction. Returns the log id.
    pub async fn move_page(
        &self,
        page_move: &PageMove<'_>,
        file_versions: &[(i64, Option<String>)],
    ) -> Result<i64, StorageError> {
        let mut tx = self.pool.begin().await?;
        for (version_id, archive_name) in file_versions {
            sqlx::query("UPDATE file_versions SET name = $1, archive_name = $2 WHERE id = $3")
                .bind(page_move.to_title)
                .bind(archive_name.as_deref())
                .bind(version_id)
                .execute(&mut *tx)
                .await?;
        }
        let log_id = move_page_in(&mut tx, page_move).await?;
        tx.commit().await?;
        Ok(log_id)
    }
}

/// The `delete/delete` log entry of a file deletion, through `conn`.
async fn log_file_deletion(
    conn: &mut AnyConnection,
    deletion: &FileDeletion<'_>,
    page_id: Option<i64>,
) -> Result<i64, StorageError> {
    insert_log(
        conn,
        &NewLogEntry {
            log_type: "delete",
            action: "delete",
            namespace: FILE_NAMESPACE,
            title: deletion.name,
            page_id,
            user_id: Some(deletion.deleted_by),
            timestamp: deletion.now,
            comment: deletion.log_comment,
            params: "[]".into(),
        },
    )
    .await
}

/// Copies a file version into `deleted_files`, through `conn`.
async fn archive_version(
    conn: &mut AnyConnection,
    version_id: i64,
    storage_key: &str,
    deletion: &FileDeletion<'_>,
) -> Result<(), StorageError> {
    sqlx::query(
        "INSERT INTO deleted_files (name, storage_key, archive_name, size, width, height, bits, \
         media_type, mime, sha1, metadata, common_metadata, user_id, comment, timestamp, \
         deleted_by, deleted_at, reason) SELECT name, $1, archive_name, size, width, height, bits, \
         media_type, mime, sha1, metadata, common_metadata, user_id, comment, timestamp, $2, $3, $4 \
         FROM file_versions WHERE id = $5",
    )
    .bind(storage_key)
    .bind(deletion.deleted_by)
    .bind(deletion.now)
    .bind(deletion.reason)
    .bind(version_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Renames the page, adds the null revision that records the move,
/// leaves the redirect, and logs the move, through `conn`.
async fn move_page_in(
    conn: &mut AnyConnection,
    page_move: &PageMove<'_>,
) -> Result<i64, StorageError> {
    let page = page_move.page;
    if page_in(conn, page_move.to_namespace, page_move.to_title)
        .await?
        .is_some()
    {
        return Err(StorageError::Conflict);
    }
    super::pages::rename_page(conn, page.id, page_move.to_namespace, page_move.to_title).await?;
    let latest = super::pages::latest_revision_in(conn, page)
        .await?
        .ok_or(StorageError::Conflict)?;
    save_revision(
        conn,
        &NewRevision {
            namespace: page_move.to_namespace,
            title: page_move.to_title,
            parent: latest.id,
            user_id: page_move.user_id,
            user_name: page_move.user_name,
            comment: page_move.summary,
            content: &latest.content,
            sha1: &latest.sha1,
            minor: true,
            timestamp: page_move.now.max(latest.timestamp),
            links: None,
            links_version: page_move.links_version,
        },
    )
    .await?;
    if let Some((text, sha1, links)) = page_move.redirect {
        save_revision(
            conn,
            &NewRevision {
                namespace: page.namespace,
                title: &page.title,
                parent: 0,
                user_id: page_move.user_id,
                user_name: page_move.user_name,
                comment: page_move.summary,
                content: text,
                sha1,
                minor: false,
                timestamp: page_move.now,
                links: Some(links),
                links_version: page_move.links_version,
            },
        )
        .await?;
    }
    let params = serde_json::json!({
        "target_ns": page_move.to_namespace,
        "target_title": page_move.target_text,
        "suppressredirect": page_move.redirect.is_none(),
    });
    insert_log(
        conn,
        &NewLogEntry {
            log_type: "move",
            action: "move",
            namespace: page.namespace,
            title: &page.title,
            page_id: Some(page.id),
            user_id: page_move.user_id,
            timestamp: page_move.now,
            comment: page_move.reason,
            params: params.to_string(),
        },
    )
    .await
}
