//! The page store: pages in any namespace, every revision of their text,
//! the revisions of deleted pages, and the log entries of page actions.
//! Writes that must happen together take a connection of a transaction
//! the caller holds (`save_revision`), so that a publish, a move or an
//! undeletion commits its pages with everything else it records.

use sqlx::AnyConnection;

use super::links::{PageLinks, replace_links};
use super::listings::{Arg, Filter, order_clause};
use super::recent_changes;
use super::{Database, StorageError};

pub(super) const PAGE_COLUMNS: &str = "id, namespace, title, latest, touched, length, is_redirect, \
     content_model, created_at, links_version";

const REVISION_COLUMNS: &str = "r.id, r.page_id, r.parent_id, r.user_id, r.user_name, r.comment, \
     r.content, r.timestamp, r.minor, r.size, r.sha1";

/// A page: its title and what its latest revision says about it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PageRow {
    pub id: i64,
    pub namespace: i64,
    /// DB key.
    pub title: String,
    /// Id of the latest revision.
    pub latest: i64,
    /// Last time the page changed (an edit, a null revision, a purge).
    pub touched: i64,
    /// Byte length of the latest text.
    pub length: i64,
    /// 1 when the latest text is a redirect.
    pub is_redirect: i64,
    pub content_model: String,
    pub created_at: i64,
    /// Version of the link extraction that filled the page's link tables.
    pub links_version: i64,
}

impl PageRow {
    pub fn is_redirect(&self) -> bool {
        self.is_redirect != 0
    }
}

/// One revision of a page (or, from `archived_revisions`, of a deleted one).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RevisionRow {
    pub id: i64,
    pub page_id: i64,
    /// The revision before it; 0 for a page's first.
    pub parent_id: i64,
    pub user_id: Option<i64>,
    /// The author's name (an IP address for anonymous edits).
    pub user_name: String,
    pub comment: String,
    pub content: String,
    pub timestamp: i64,
    pub minor: i64,
    /// Byte length of `content`.
    pub size: i64,
    /// SHA-1 of `content` in base 36 (31 digits).
    pub sha1: String,
}

impl RevisionRow {
    pub fn is_minor(&self) -> bool {
        self.minor != 0
    }
}

/// A revision to save on the page `namespace`:`title`.
#[derive(Debug, Clone)]
pub struct NewRevision<'a> {
    pub namespace: i64,
    pub title: &'a str,
    /// The latest revision the new one follows; 0 creates the page. A page
    /// that has moved on since (or exists, for 0) is a `Conflict`.
    pub parent: i64,
    pub user_id: Option<i64>,
    pub user_name: &'a str,
    pub comment: &'a str,
    pub content: &'a str,
    /// SHA-1 of `content` in base 36.
    pub sha1: &'a str,
    pub minor: bool,
    pub timestamp: i64,
    /// The link tables of `content`; None keeps the current ones (a null
    /// revision, whose text is that of its parent).
    pub links: Option<&'a PageLinks>,
    pub links_version: i64,
}

/// What a save did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SavedRevision {
    pub page_id: i64,
    pub revision_id: i64,
    pub parent_id: i64,
    pub created: bool,
}

/// A log entry to write (`log_events`).
#[derive(Debug, Clone)]
pub struct NewLogEntry<'a> {
    pub log_type: &'a str,
    pub action: &'a str,
    pub namespace: i64,
    pub title: &'a str,
    /// The page the entry is about (MediaWiki's `log_page`).
    pub page_id: Option<i64>,
    pub user_id: Option<i64>,
    pub timestamp: i64,
    pub comment: &'a str,
    /// JSON text.
    pub params: String,
}

/// Which revisions of one page to list.
#[derive(Debug, Clone, Default)]
pub struct RevisionListing {
    pub page_id: i64,
    /// Oldest first when set; newest first otherwise.
    pub ascending: bool,
    /// Bounds in listing order (`start` is where it begins), inclusive.
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub start_id: Option<i64>,
    pub end_id: Option<i64>,
    /// Only revisions by this name / not by this name.
    pub user: Option<String>,
    pub exclude_user: Option<String>,
    /// Continue at this timestamp and id (included).
    pub resume: Option<(i64, i64)>,
    pub limit: i64,
}

/// Site statistics (`meta=siteinfo&siprop=statistics`).
#[derive(Debug, Clone, Copy, Default)]
pub struct PageStatistics {
    pub pages: i64,
    /// Content pages that are not redirects and link somewhere.
    pub articles: i64,
    pub edits: i64,
    pub images: i64,
}

impl Database {
    pub async fn page(&self, namespace: i64, title: &str) -> Result<Option<PageRow>, StorageError> {
        page_in(&mut *self.pool.acquire().await?, namespace, title).await
    }

    pub async fn page_by_id(&self, id: i64) -> Result<Option<PageRow>, StorageError> {
        Ok(sqlx::query_as::<_, PageRow>(sqlx::AssertSqlSafe(format!(
            "SELECT {PAGE_COLUMNS} FROM pages WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Pages whose link tables predate link extraction `version`, by id.
    pub async fn pages_with_links_before(
        &self,
        version: i64,
        limit: i64,
    ) -> Result<Vec<PageRow>, StorageError> {
        Ok(sqlx::query_as::<_, PageRow>(sqlx::AssertSqlSafe(format!(
            "SELECT {PAGE_COLUMNS} FROM pages WHERE links_version < $1 ORDER BY id LIMIT $2"
        )))
        .bind(version)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Rewrites a page's link tables (for text saved before they existed).
    pub async fn update_links(
        &self,
        page_id: i64,
        links: &PageLinks,
        version: i64,
        now: i64,
    ) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        replace_links(&mut tx, page_id, links, now).await?;
        sqlx::query("UPDATE pages SET links_version = $1, is_redirect = $2 WHERE id = $3")
            .bind(version)
            .bind(i64::from(links.redirect.is_some()))
            .bind(page_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn revision(&self, id: i64) -> Result<Option<RevisionRow>, StorageError> {
        Ok(
            sqlx::query_as::<_, RevisionRow>(sqlx::AssertSqlSafe(format!(
                "SELECT {REVISION_COLUMNS} FROM revisions r WHERE r.id = $1"
            )))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?,
        )
    }

    /// The revision of `page_id` saved at `timestamp` (the latest of that
    /// second), as MediaWiki finds an edit's base by its timestamp.
    pub async fn revision_at(
        &self,
        page_id: i64,
        timestamp: i64,
    ) -> Result<Option<RevisionRow>, StorageError> {
        Ok(sqlx::query_as::<_, RevisionRow>(sqlx::AssertSqlSafe(format!(
            "SELECT {REVISION_COLUMNS} FROM revisions r WHERE r.page_id = $1 AND r.timestamp = $2 \
             ORDER BY r.id DESC LIMIT 1"
        )))
        .bind(page_id)
        .bind(timestamp)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The revision of the same page right after `revision`.
    pub async fn next_revision(
        &self,
        revision: &RevisionRow,
    ) -> Result<Option<RevisionRow>, StorageError> {
        Ok(sqlx::query_as::<_, RevisionRow>(sqlx::AssertSqlSafe(format!(
            "SELECT {REVISION_COLUMNS} FROM revisions r WHERE r.page_id = $1 AND r.parent_id = $2 \
             ORDER BY r.id LIMIT 1"
        )))
        .bind(revision.page_id)
        .bind(revision.id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Whether every revision of `page_id` after `since` is by `user_name`
    /// (MediaWiki's `userWasLastToEdit`, which spares a user conflicts
    /// with their own edits).
    pub async fn only_editor_since(
        &self,
        page_id: i64,
        user_name: &str,
        since: i64,
    ) -> Result<bool, StorageError> {
        let (others,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM revisions WHERE page_id = $1 AND timestamp >= $2 AND user_name <> $3",
        )
        .bind(page_id)
        .bind(since)
        .bind(user_name)
        .fetch_one(&self.pool)
        .await?;
        Ok(others == 0)
    }

    /// Revisions of one page matching `listing`, at most `listing.limit`.
    pub async fn list_revisions(
        &self,
        listing: &RevisionListing,
    ) -> Result<Vec<RevisionRow>, StorageError> {
        let descending = !listing.ascending;
        let mut filter = Filter::default();
        let page = filter.int(listing.page_id);
        filter.push(format!("r.page_id = {page}"));
        if let Some(start) = listing.start {
            filter.from("r.timestamp", Arg::Int(start), descending);
        }
        if let Some(end) = listing.end {
            filter.to("r.timestamp", Arg::Int(end), descending);
        }
        if let Some(start_id) = listing.start_id {
            filter.from("r.id", Arg::Int(start_id), descending);
        }
        if let Some(end_id) = listing.end_id {
            filter.to("r.id", Arg::Int(end_id), descending);
        }
        if let Some(user) = &listing.user {
            let placeholder = filter.text(user);
            filter.push(format!("r.user_name = {placeholder}"));
        }
        if let Some(user) = &listing.exclude_user {
            let placeholder = filter.text(user);
            filter.push(format!("r.user_name <> {placeholder}"));
        }
        if let Some((timestamp, id)) = listing.resume {
            filter.resume(
                ("r.timestamp", Arg::Int(timestamp)),
                ("r.id", Arg::Int(id)),
                descending,
            );
        }
        let limit = filter.int(listing.limit);
        let sql = format!(
            "SELECT {REVISION_COLUMNS} FROM revisions r{} ORDER BY {} LIMIT {limit}",
            filter.where_clause(),
            order_clause(&["r.timestamp".to_owned(), "r.id".to_owned()], descending),
        );
        let query = sqlx::query_as::<_, RevisionRow>(sqlx::AssertSqlSafe(sql));
        Ok(filter.bind(query).fetch_all(&self.pool).await?)
    }

    /// How many revisions a page has.
    pub async fn revision_count(&self, page_id: i64) -> Result<i64, StorageError> {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM revisions WHERE page_id = $1")
            .bind(page_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }

    /// Revisions whose base-36 SHA-1 is still to be computed (rows made by
    /// a release before pages had one).
    pub async fn revisions_without_sha1(
        &self,
        limit: i64,
    ) -> Result<Vec<RevisionRow>, StorageError> {
        Ok(sqlx::query_as::<_, RevisionRow>(sqlx::AssertSqlSafe(format!(
            "SELECT {REVISION_COLUMNS} FROM revisions r WHERE r.sha1 = '' ORDER BY r.id LIMIT $1"
        )))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn set_revision_sha1(&self, id: i64, sha1: &str) -> Result<(), StorageError> {
        sqlx::query("UPDATE revisions SET sha1 = $1 WHERE id = $2")
            .bind(sha1)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Saves one revision on its own (an edit), with its row in recent
    /// changes.
    pub async fn save_revision(
        &self,
        revision: &NewRevision<'_>,
    ) -> Result<SavedRevision, StorageError> {
        let mut tx = self.pool.begin().await?;
        let saved = save_revision(&mut tx, revision).await?;
        recent_changes::record_edit(&mut tx, revision, &saved).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// Marks a page as changed now (`action=purge`).
    pub async fn touch_page(&self, page_id: i64, now: i64) -> Result<(), StorageError> {
        sqlx::query("UPDATE pages SET touched = $1 WHERE id = $2")
            .bind(now)
            .bind(page_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// When the page `namespace`:`title` was last deleted, if ever.
    pub async fn last_deletion(
        &self,
        namespace: i64,
        title: &str,
    ) -> Result<Option<i64>, StorageError> {
        let (latest,): (Option<i64>,) = sqlx::query_as(
            "SELECT MAX(timestamp) FROM log_events WHERE log_type = 'delete' AND action = 'delete' \
             AND namespace = $1 AND title = $2",
        )
        .bind(namespace)
        .bind(title)
        .fetch_one(&self.pool)
        .await?;
        Ok(latest)
    }

    /// Deleted revisions of the page `namespace`:`title`, oldest first.
    pub async fn archived_revisions(
        &self,
        namespace: i64,
        title: &str,
    ) -> Result<Vec<RevisionRow>, StorageError> {
        Ok(sqlx::query_as::<_, RevisionRow>(
            "SELECT r.id, r.page_id, r.parent_id, r.user_id, r.user_name, r.comment, r.content, \
             r.timestamp, r.minor, r.size, r.sha1 FROM archived_revisions r \
             WHERE r.namespace = $1 AND r.title = $2 ORDER BY r.timestamp, r.id",
        )
        .bind(namespace)
        .bind(title)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn page_statistics(&self) -> Result<PageStatistics, StorageError> {
        let (pages, edits, images, articles): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM pages), (SELECT COUNT(*) FROM revisions), \
             (SELECT COUNT(*) FROM file_versions WHERE archive_name IS NULL), \
             (SELECT COUNT(*) FROM pages p WHERE p.namespace = 0 AND p.is_redirect = 0 \
              AND EXISTS (SELECT 1 FROM page_links l WHERE l.page_id = p.id))",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(PageStatistics {
            pages,
            articles,
            edits,
            images,
        })
    }

    /// Writes one log entry on its own.
    pub async fn insert_log(&self, entry: &NewLogEntry<'_>) -> Result<i64, StorageError> {
        insert_log(&mut *self.pool.acquire().await?, entry).await
    }
}

/// The page `namespace`:`title`, read through `conn`.
pub(super) async fn page_in(
    conn: &mut AnyConnection,
    namespace: i64,
    title: &str,
) -> Result<Option<PageRow>, StorageError> {
    Ok(sqlx::query_as::<_, PageRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {PAGE_COLUMNS} FROM pages WHERE namespace = $1 AND title = $2"
    )))
    .bind(namespace)
    .bind(title)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The latest revision of a page, read through `conn`.
pub(super) async fn latest_revision_in(
    conn: &mut AnyConnection,
    page: &PageRow,
) -> Result<Option<RevisionRow>, StorageError> {
    Ok(
        sqlx::query_as::<_, RevisionRow>(sqlx::AssertSqlSafe(format!(
            "SELECT {REVISION_COLUMNS} FROM revisions r WHERE r.id = $1"
        )))
        .bind(page.latest)
        .fetch_optional(&mut *conn)
        .await?,
    )
}

/// Saves `revision` through `conn` (a transaction's): creates the page or
/// moves its latest revision on, conditionally, so that two saves based on
/// the same revision cannot both succeed.
pub(super) async fn save_revision(
    conn: &mut AnyConnection,
    revision: &NewRevision<'_>,
) -> Result<SavedRevision, StorageError> {
    let size = i64::try_from(revision.content.len()).unwrap_or(i64::MAX);
    let (page_id, created) = if revision.parent == 0 {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO pages (namespace, title, created_at, latest, touched, length) \
             VALUES ($1, $2, $3, 0, $3, 0) RETURNING id",
        )
        .bind(revision.namespace)
        .bind(revision.title)
        .bind(revision.timestamp)
        .fetch_one(&mut *conn)
        .await?;
        (id, true)
    } else {
        let page = page_in(conn, revision.namespace, revision.title)
            .await?
            .filter(|p| p.latest == revision.parent)
            .ok_or(StorageError::Conflict)?;
        (page.id, false)
    };
    let (revision_id,): (i64,) = sqlx::query_as(
        "INSERT INTO revisions (page_id, user_id, user_name, comment, content, timestamp, parent_id, \
         minor, size, sha1) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(page_id)
    .bind(revision.user_id)
    .bind(revision.user_name)
    .bind(revision.comment)
    .bind(revision.content)
    .bind(revision.timestamp)
    .bind(revision.parent)
    .bind(i64::from(revision.minor))
    .bind(size)
    .bind(revision.sha1)
    .fetch_one(&mut *conn)
    .await?;
    let moved = sqlx::query(
        "UPDATE pages SET latest = $1, touched = $2, length = $3 WHERE id = $4 AND latest = $5",
    )
    .bind(revision_id)
    .bind(revision.timestamp)
    .bind(size)
    .bind(page_id)
    .bind(revision.parent)
    .execute(&mut *conn)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(StorageError::Conflict);
    }
    if let Some(links) = revision.links {
        replace_links(conn, page_id, links, revision.timestamp).await?;
        sqlx::query("UPDATE pages SET is_redirect = $1, links_version = $2 WHERE id = $3")
            .bind(i64::from(links.redirect.is_some()))
            .bind(revision.links_version)
            .bind(page_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(SavedRevision {
        page_id,
        revision_id,
        parent_id: revision.parent,
        created,
    })
}

/// Moves every revision of `page` to `archived_revisions` and deletes the
/// page with its link tables, through `conn`. Returns how many revisions
/// were archived.
pub(super) async fn archive_page(
    conn: &mut AnyConnection,
    page: &PageRow,
    now: i64,
) -> Result<u64, StorageError> {
    let archived = sqlx::query(
        "INSERT INTO archived_revisions (id, page_id, namespace, title, parent_id, user_id, user_name, \
         comment, content, timestamp, minor, size, sha1, content_model, deleted_at) \
         SELECT r.id, r.page_id, $1, $2, r.parent_id, r.user_id, r.user_name, r.comment, r.content, \
         r.timestamp, r.minor, r.size, r.sha1, $3, $4 FROM revisions r WHERE r.page_id = $5",
    )
    .bind(page.namespace)
    .bind(&page.title)
    .bind(&page.content_model)
    .bind(now)
    .bind(page.id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query("DELETE FROM revisions WHERE page_id = $1")
        .bind(page.id)
        .execute(&mut *conn)
        .await?;
    recent_changes::forget_page_edits(conn, page.id).await?;
    // The link tables go with the page (ON DELETE CASCADE).
    sqlx::query("DELETE FROM pages WHERE id = $1")
        .bind(page.id)
        .execute(&mut *conn)
        .await?;
    Ok(archived)
}

/// What restoring deleted revisions needs from the caller.
#[derive(Debug, Clone)]
pub struct Restore<'a> {
    pub namespace: i64,
    pub title: &'a str,
    /// Only these revisions (by timestamp); all when None.
    pub timestamps: Option<&'a [i64]>,
    /// The link tables of the text that will be the page's latest.
    pub links: &'a PageLinks,
    pub links_version: i64,
    pub now: i64,
}

/// Restores archived revisions of a title through `conn`: into the page
/// of that title if one exists, else into the page they came from, with
/// its old id when it is free. Returns the page id and how many revisions
/// came back.
pub(super) async fn restore_revisions(
    conn: &mut AnyConnection,
    restore: &Restore<'_>,
) -> Result<(i64, u64), StorageError> {
    let archived: Vec<RevisionRow> = sqlx::query_as(
        "SELECT id, page_id, parent_id, user_id, user_name, comment, content, timestamp, minor, \
         size, sha1 FROM archived_revisions WHERE namespace = $1 AND title = $2 ORDER BY timestamp, id",
    )
    .bind(restore.namespace)
    .bind(restore.title)
    .fetch_all(&mut *conn)
    .await?;
    let chosen: Vec<&RevisionRow> = archived
        .iter()
        .filter(|r| restore.timestamps.is_none_or(|t| t.contains(&r.timestamp)))
        .collect();
    let Some(first) = chosen.first() else {
        return Ok((0, 0));
    };
    let page_id = match page_in(conn, restore.namespace, restore.title).await? {
        Some(page) => page.id,
        None => {
            let (taken,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM pages WHERE id = $1")
                .bind(first.page_id)
                .fetch_one(&mut *conn)
                .await?;
            let inserted: (i64,) = if taken == 0 {
                sqlx::query_as(
                    "INSERT INTO pages (id, namespace, title, created_at, latest, touched, length) \
                     VALUES ($1, $2, $3, $4, 0, $4, 0) RETURNING id",
                )
                .bind(first.page_id)
                .bind(restore.namespace)
                .bind(restore.title)
                .bind(restore.now)
                .fetch_one(&mut *conn)
                .await?
            } else {
                sqlx::query_as(
                    "INSERT INTO pages (namespace, title, created_at, latest, touched, length) \
                     VALUES ($1, $2, $3, 0, $3, 0) RETURNING id",
                )
                .bind(restore.namespace)
                .bind(restore.title)
                .bind(restore.now)
                .fetch_one(&mut *conn)
                .await?
            };
            inserted.0
        }
    };
    for revision in &chosen {
        sqlx::query(
            "INSERT INTO revisions (id, page_id, user_id, user_name, comment, content, timestamp, \
             parent_id, minor, size, sha1) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(revision.id)
        .bind(page_id)
        .bind(revision.user_id)
        .bind(&revision.user_name)
        .bind(&revision.comment)
        .bind(&revision.content)
        .bind(revision.timestamp)
        .bind(revision.parent_id)
        .bind(revision.minor)
        .bind(revision.size)
        .bind(&revision.sha1)
        .execute(&mut *conn)
        .await?;
        sqlx::query("DELETE FROM archived_revisions WHERE id = $1")
            .bind(revision.id)
            .execute(&mut *conn)
            .await?;
    }
    let (latest, size): (i64, i64) = sqlx::query_as(
        "SELECT id, size FROM revisions WHERE page_id = $1 ORDER BY timestamp DESC, id DESC LIMIT 1",
    )
    .bind(page_id)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE pages SET latest = $1, length = $2, touched = $3, is_redirect = $4, \
         links_version = $5 WHERE id = $6",
    )
    .bind(latest)
    .bind(size)
    .bind(restore.now)
    .bind(i64::from(restore.links.redirect.is_some()))
    .bind(restore.links_version)
    .bind(page_id)
    .execute(&mut *conn)
    .await?;
    replace_links(conn, page_id, restore.links, restore.now).await?;
    Ok((page_id, chosen.len() as u64))
}

/// Gives the page `page_id` a new title, through `conn`.
pub(super) async fn rename_page(
    conn: &mut AnyConnection,
    page_id: i64,
    namespace: i64,
    title: &str,
) -> Result<(), StorageError> {
    sqlx::query("UPDATE pages SET namespace = $1, title = $2 WHERE id = $3")
        .bind(namespace)
        .bind(title)
        .bind(page_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Writes a log entry (and its recent changes row) through `conn`;
/// returns its id.
pub(super) async fn insert_log(
    conn: &mut AnyConnection,
    entry: &NewLogEntry<'_>,
) -> Result<i64, StorageError> {
    insert_log_with_revision(conn, entry, 0).await
}

/// `insert_log` for an entry that comes with revision `revision_id` (an
/// upload's), which its recent changes row names.
pub(super) async fn insert_log_with_revision(
    conn: &mut AnyConnection,
    entry: &NewLogEntry<'_>,
    revision_id: i64,
) -> Result<i64, StorageError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO log_events (log_type, action, namespace, title, page_id, user_id, timestamp, \
         comment, params) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(entry.log_type)
    .bind(entry.action)
    .bind(entry.namespace)
    .bind(entry.title)
    .bind(entry.page_id)
    .bind(entry.user_id)
    .bind(entry.timestamp)
    .bind(entry.comment)
    .bind(&entry.params)
    .fetch_one(&mut *conn)
    .await?;
    recent_changes::record_log(conn, id, entry, revision_id).await?;
    Ok(id)
}
