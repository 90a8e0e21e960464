//! `recent_changes`, MediaWiki's recentchanges: a row per edit, page
//! creation and log entry, written in the transaction of the revision or
//! log entry it records (`record_edit`, `record_log`), dropped for a
//! deleted page's edits (`forget_page_edits`), and its listing
//! (`list=recentchanges`).

use sqlx::AnyConnection;

use super::listings::{Arg, Filter, order_clause};
use super::pages::{NewLogEntry, NewRevision, SavedRevision};
use super::{Database, StorageError};

/// MediaWiki's `rc_type` values.
pub const RC_EDIT: i64 = 0;
pub const RC_NEW: i64 = 1;
pub const RC_LOG: i64 = 3;

/// One row, with its log entry's type, action and parameters, the page's
/// redirect flag and the revision's SHA-1 (base 36), and whether its
/// author is now in a group of `bot_groups` / `autopatrol_groups`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecentChangeRow {
    pub id: i64,
    pub timestamp: i64,
    pub kind: i64,
    pub namespace: i64,
    /// DB key.
    pub title: String,
    pub page_id: i64,
    pub revision_id: i64,
    pub parent_id: i64,
    pub user_id: Option<i64>,
    pub user_name: String,
    pub comment: String,
    pub minor: i64,
    pub old_len: i64,
    pub new_len: i64,
    pub log_id: Option<i64>,
    pub log_type: Option<String>,
    pub log_action: Option<String>,
    /// JSON text.
    pub log_params: Option<String>,
    /// 1 when the page that has the row's page id is a redirect now.
    pub is_redirect: i64,
    /// '' when the revision is gone or the row has none.
    pub sha1: String,
    pub bot: i64,
    pub autopatrolled: i64,
}

/// Which rows to list; newest first unless `ascending`.
#[derive(Debug, Clone, Default)]
pub struct RecentChangeListing {
    /// Bounds in listing order: `start` is where it begins.
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub ascending: bool,
    /// None: all namespaces.
    pub namespaces: Option<Vec<i64>>,
    pub user: Option<String>,
    pub exclude_user: Option<String>,
    /// `rc_type` values; an empty list matches nothing.
    pub kinds: Vec<i64>,
    /// Namespace and DB key.
    pub title: Option<(i64, String)>,
    pub minor: Option<bool>,
    pub bot: Option<bool>,
    pub anonymous: Option<bool>,
    pub redirect: Option<bool>,
    pub autopatrolled: Option<bool>,
    /// Only rows of each page's latest revision (`rctoponly`; an upload's
    /// log row names its revision).
    pub top_only: bool,
    /// Groups whose members' changes count as bot changes.
    pub bot_groups: Vec<String>,
    /// Groups whose members' changes count as autopatrolled.
    pub autopatrol_groups: Vec<String>,
    /// Continue at this timestamp and id (included).
    pub resume: Option<(i64, i64)>,
    pub limit: i64,
}

/// Records an edit or a page creation saved as `saved`.
pub(super) async fn record_edit(
    conn: &mut AnyConnection,
    revision: &NewRevision<'_>,
    saved: &SavedRevision,
) -> Result<(), StorageError> {
    let kind = if saved.created { RC_NEW } else { RC_EDIT };
    let size = i64::try_from(revision.content.len()).unwrap_or(i64::MAX);
    sqlx::query(
        "INSERT INTO recent_changes (timestamp, kind, namespace, title, page_id, revision_id, \
         parent_id, user_id, user_name, comment, minor, old_len, new_len, log_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
         COALESCE((SELECT size FROM revisions WHERE id = $7), 0), $12, NULL)",
    )
    .bind(revision.timestamp)
    .bind(kind)
    .bind(revision.namespace)
    .bind(revision.title)
    .bind(saved.page_id)
    .bind(saved.revision_id)
    .bind(saved.parent_id)
    .bind(revision.user_id)
    .bind(revision.user_name)
    .bind(revision.comment)
    .bind(i64::from(revision.minor))
    .bind(size)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records log entry `log_id`; `revision_id` is the revision it comes with
/// (an upload's), 0 for none. Page creations are not recorded: their
/// edit row says it.
pub(super) async fn record_log(
    conn: &mut AnyConnection,
    log_id: i64,
    entry: &NewLogEntry<'_>,
    revision_id: i64,
) -> Result<(), StorageError> {
    if entry.log_type == "create" {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO recent_changes (timestamp, kind, namespace, title, page_id, revision_id, \
         parent_id, user_id, user_name, comment, minor, old_len, new_len, log_id) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, \
         COALESCE((SELECT name FROM users WHERE id = $7), ''), $8, 0, 0, 0, $9)",
    )
    .bind(entry.timestamp)
    .bind(RC_LOG)
    .bind(entry.namespace)
    .bind(entry.title)
    .bind(entry.page_id.unwrap_or(0))
    .bind(revision_id)
    .bind(entry.user_id)
    .bind(entry.comment)
    .bind(log_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Drops the edit rows of a page being deleted (its log rows stay), as
/// MediaWiki's deletion does.
pub(super) async fn forget_page_edits(
    conn: &mut AnyConnection,
    page_id: i64,
) -> Result<(), StorageError> {
    sqlx::query("DELETE FROM recent_changes WHERE page_id = $1 AND kind <> $2")
        .bind(page_id)
        .bind(RC_LOG)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// `EXISTS` over the author's groups: whether they are in one of `groups`.
pub(super) fn in_groups(filter: &mut Filter, user_column: &str, groups: &[String]) -> String {
    let in_group = filter.one_of("g.group_name", groups);
    format!("EXISTS (SELECT 1 FROM user_groups g WHERE g.user_id = {user_column} AND {in_group})")
}

impl Database {
    /// Rows matching `listing`, at most `listing.limit`.
    pub async fn list_recent_changes(
        &self,
        listing: &RecentChangeListing,
    ) -> Result<Vec<RecentChangeRow>, StorageError> {
        let descending = !listing.ascending;
        let mut filter = Filter::default();
        let bot = in_groups(&mut filter, "c.user_id", &listing.bot_groups);
        let autopatrolled = in_groups(&mut filter, "c.user_id", &listing.autopatrol_groups);
        // The flags are computed once in a subquery, then filtered on.
        let inner = format!(
            "SELECT c.*, l.log_type, l.action AS log_action, l.params AS log_params, \
             COALESCE(p.is_redirect, 0) AS is_redirect, COALESCE(r.sha1, '') AS sha1, \
             CASE WHEN {bot} THEN 1 ELSE 0 END AS bot, \
             CASE WHEN {autopatrolled} THEN 1 ELSE 0 END AS autopatrolled, \
             COALESCE(p.latest, 0) AS latest \
             FROM recent_changes c \
             LEFT JOIN log_events l ON l.id = c.log_id \
             LEFT JOIN pages p ON p.id = c.page_id \
             LEFT JOIN revisions r ON r.id = c.revision_id AND c.revision_id <> 0"
        );
        if let Some(start) = listing.start {
            filter.from("x.timestamp", Arg::Int(start), descending);
        }
        if let Some(end) = listing.end {
            filter.to("x.timestamp", Arg::Int(end), descending);
        }
        if let Some(namespaces) = &listing.namespaces {
            if namespaces.is_empty() {
                filter.push("1 = 0".to_owned());
            } else {
                let list: Vec<String> = namespaces.iter().map(|n| filter.int(*n)).collect();
                filter.push(format!("x.namespace IN ({})", list.join(", ")));
            }
        }
        if let Some(user) = &listing.user {
            let placeholder = filter.text(user);
            filter.push(format!("x.user_name = {placeholder}"));
        }
        if let Some(user) = &listing.exclude_user {
            let placeholder = filter.text(user);
            filter.push(format!("x.user_name <> {placeholder}"));
        }
        if listing.kinds.is_empty() {
            filter.push("1 = 0".to_owned());
        } else {
            let list: Vec<String> = listing.kinds.iter().map(|k| filter.int(*k)).collect();
            filter.push(format!("x.kind IN ({})", list.join(", ")));
        }
        if let Some((namespace, title)) = &listing.title {
            let namespace = filter.int(*namespace);
            let title = filter.text(title);
            filter.push(format!("x.namespace = {namespace} AND x.title = {title}"));
        }
        for (column, wanted) in [
            ("x.minor", listing.minor),
            ("x.bot", listing.bot),
            ("x.is_redirect", listing.redirect),
            ("x.autopatrolled", listing.autopatrolled),
        ] {
            if let Some(wanted) = wanted {
                let value = filter.int(i64::from(wanted));
                filter.push(format!("{column} = {value}"));
            }
        }
        if let Some(anonymous) = listing.anonymous {
            let test = if anonymous { "IS NULL" } else { "IS NOT NULL" };
            filter.push(format!("x.user_id {test}"));
        }
        if listing.top_only {
            filter.push("x.revision_id = x.latest AND x.revision_id <> 0".to_owned());
        }
        if let Some((timestamp, id)) = listing.resume {
            filter.resume(
                ("x.timestamp", Arg::Int(timestamp)),
                ("x.id", Arg::Int(id)),
                descending,
            );
        }
        let limit = filter.int(listing.limit);
        let sql = format!(
            "SELECT x.id, x.timestamp, x.kind, x.namespace, x.title, x.page_id, x.revision_id, \
             x.parent_id, x.user_id, x.user_name, x.comment, x.minor, x.old_len, x.new_len, \
             x.log_id, x.log_type, x.log_action, x.log_params, x.is_redirect, x.sha1, x.bot, \
             x.autopatrolled FROM ({inner}) x{} ORDER BY {} LIMIT {limit}",
            filter.where_clause(),
            order_clause(&["x.timestamp".to_owned(), "x.id".to_owned()], descending),
        );
        let query = sqlx::query_as::<_, RecentChangeRow>(sqlx::AssertSqlSafe(sql));
        Ok(filter.bind(query).fetch_all(&self.pool).await?)
    }
}
