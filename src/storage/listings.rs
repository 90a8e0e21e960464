//! Listings behind the query list modules: current files in name or
//! timestamp order (`list=allimages`) and log entries (`list=logevents`).
//! Each listing is one statement whose filters are assembled with `$N`
//! placeholders, the same text on both backends.

use sqlx::Any;
use sqlx::query::QueryAs;

use super::{Backend, Database, FILE_NAMESPACE, FileVersionRow, StorageError};

/// The columns of `FileVersionRow` (as in `files.rs`) plus the page id.
const LISTED_FILE_COLUMNS: &str = "v.id, v.name, v.archive_name, v.size, v.width, v.height, \
     v.bits, v.media_type, v.mime, v.sha1, v.metadata, v.common_metadata, v.user_id, v.comment, \
     v.timestamp, u.name AS user_name, p.id AS page_id";

/// A current file with the id of its description page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListedFile {
    #[sqlx(flatten)]
    pub version: FileVersionRow,
    pub page_id: Option<i64>,
}

/// Which current files to list, in which order. Bounds are inclusive and
/// follow the direction: `from` is where a descending listing starts too.
#[derive(Debug, Clone)]
pub struct FileListing {
    pub order: FileOrder,
    pub descending: bool,
    pub min_size: Option<i64>,
    pub max_size: Option<i64>,
    /// 40 hex digits.
    pub sha1: Option<String>,
    /// Only files of one of these MIME types; an empty list matches none.
    pub mimes: Option<Vec<String>>,
    pub limit: i64,
}

/// The order of a file listing, with the filters that only it allows.
#[derive(Debug, Clone)]
pub enum FileOrder {
    /// By name (byte order).
    Name {
        from: Option<String>,
        to: Option<String>,
        prefix: Option<String>,
        /// Continue at this name (included).
        resume: Option<String>,
    },
    /// By upload time, then name.
    Timestamp {
        start: Option<i64>,
        end: Option<i64>,
        /// Uploader's name.
        user: Option<String>,
        bots: BotFilter,
        /// Continue at this timestamp and name (included).
        resume: Option<(i64, String)>,
    },
}

/// Files by uploaders in a group with the `bot` right, or by the others.
#[derive(Debug, Clone)]
pub enum BotFilter {
    All,
    /// Only uploaders in one of these groups.
    Only(Vec<String>),
    /// Only uploaders in none of these groups.
    Without(Vec<String>),
}

/// One log entry, with the performer's name and the id of the page that
/// now has its title.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LogEventRow {
    pub id: i64,
    pub log_type: String,
    pub action: String,
    pub namespace: i64,
    /// DB key.
    pub title: String,
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    pub timestamp: i64,
    pub comment: String,
    /// JSON text.
    pub params: String,
    /// The page that has the title now.
    pub page_id: Option<i64>,
    /// The page the entry was written about.
    pub log_page: Option<i64>,
}

/// Which log entries to list; newest first unless `ascending`.
#[derive(Debug, Clone, Default)]
pub struct LogListing {
    pub log_type: Option<String>,
    pub action: Option<String>,
    /// Bounds in listing order: `start` is where it begins.
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub ascending: bool,
    /// Performer's name.
    pub user: Option<String>,
    pub namespace: Option<i64>,
    /// DB key.
    pub title: Option<String>,
    /// DB key prefix.
    pub title_prefix: Option<String>,
    /// Continue at this timestamp and log id (included).
    pub resume: Option<(i64, i64)>,
    pub limit: i64,
}

/// A listing's statement: SQL with `$N` placeholders and the arguments
/// they take. The listing runs it; the plan tests (`plans.rs`) explain it.
#[derive(Debug)]
pub(super) struct Statement {
    pub(super) sql: String,
    pub(super) filter: Filter,
}

impl Statement {
    pub(super) async fn fetch_all<O>(self, pool: &sqlx::AnyPool) -> Result<Vec<O>, StorageError>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let query = sqlx::query_as::<_, O>(sqlx::AssertSqlSafe(self.sql));
        Ok(self.filter.bind(query).fetch_all(pool).await?)
    }
}

/// A bound argument.
#[derive(Debug, Clone)]
pub(super) enum Arg {
    Int(i64),
    Text(String),
}

/// A WHERE clause being assembled; each argument gets the next `$N`.
#[derive(Debug, Default)]
pub(super) struct Filter {
    conditions: Vec<String>,
    args: Vec<Arg>,
}

impl Filter {
    /// Adds an argument and returns its placeholder.
    pub(super) fn arg(&mut self, value: Arg) -> String {
        self.args.push(value);
        format!("${}", self.args.len())
    }

    pub(super) fn int(&mut self, value: i64) -> String {
        self.arg(Arg::Int(value))
    }

    pub(super) fn text(&mut self, value: &str) -> String {
        self.arg(Arg::Text(value.to_owned()))
    }

    pub(super) fn push(&mut self, condition: String) {
        self.conditions.push(format!("({condition})"));
    }

    /// `column IN (...)`; false for an empty list, which SQL cannot write.
    pub(super) fn one_of(&mut self, column: &str, values: &[String]) -> String {
        if values.is_empty() {
            return "1 = 0".to_owned();
        }
        let placeholders: Vec<String> = values.iter().map(|v| self.text(v)).collect();
        format!("{column} IN ({})", placeholders.join(", "))
    }

    /// `column` at or past `value` in the listing's direction.
    pub(super) fn from(&mut self, column: &str, value: Arg, descending: bool) {
        let op = if descending { "<=" } else { ">=" };
        let placeholder = self.arg(value);
        self.push(format!("{column} {op} {placeholder}"));
    }

    /// `column` at or before `value` in the listing's direction.
    pub(super) fn to(&mut self, column: &str, value: Arg, descending: bool) {
        self.from(column, value, !descending);
    }

    /// `column` beginning with `prefix`, compared as a substring so that
    /// `_` and `%` are literal.
    pub(super) fn prefix(&mut self, column: &str, prefix: &str) {
        let placeholder = self.text(prefix);
        self.push(format!(
            "substr({column}, 1, length({placeholder})) = {placeholder}"
        ));
    }

    /// Rows from `(first, second)` on, in the listing's direction: MediaWiki's
    /// continuation condition over a two-column order.
    pub(super) fn resume(&mut self, first: (&str, Arg), second: (&str, Arg), descending: bool) {
        let op = if descending { "<" } else { ">" };
        let a = self.arg(first.1);
        let b = self.arg(second.1);
        self.push(format!(
            "{c1} {op} {a} OR ({c1} = {a} AND {c2} {op}= {b})",
            c1 = first.0,
            c2 = second.0
        ));
    }

    pub(super) fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        }
    }

    pub(super) fn bind<'q, O>(
        self,
        mut query: QueryAs<'q, Any, O, <Any as sqlx::Database>::Arguments>,
    ) -> QueryAs<'q, Any, O, <Any as sqlx::Database>::Arguments> {
        for arg in self.args {
            query = match arg {
                Arg::Int(value) => query.bind(value),
                Arg::Text(value) => query.bind(value),
            };
        }
        query
    }
}

impl Database {
    /// `column` compared and sorted in byte order, as MediaWiki's binary
    /// columns are. SQLite's default collation is byte order already;
    /// PostgreSQL's follows the database's locale unless told otherwise.
    pub(super) fn in_byte_order(&self, column: &str) -> String {
        match self.backend() {
            Backend::Sqlite => column.to_owned(),
            Backend::Postgres => format!("{column} COLLATE \"C\""),
        }
    }

    /// Current files matching `listing`, at most `listing.limit`.
    pub async fn list_files(&self, listing: &FileListing) -> Result<Vec<ListedFile>, StorageError> {
        self.files_statement(listing).fetch_all(&self.pool).await
    }

    /// The statement of `list_files`.
    pub(super) fn files_statement(&self, listing: &FileListing) -> Statement {
        let name = self.in_byte_order("v.name");
        let descending = listing.descending;
        let mut filter = Filter::default();
        filter.push("v.archive_name IS NULL".to_owned());
        let order_by = match &listing.order {
            FileOrder::Name {
                from,
                to,
                prefix,
                resume,
            } => {
                for at in [resume, from].into_iter().flatten() {
                    filter.from(&name, Arg::Text(at.clone()), descending);
                }
                if let Some(to) = to {
                    filter.to(&name, Arg::Text(to.clone()), descending);
                }
                if let Some(prefix) = prefix {
                    filter.prefix("v.name", prefix);
                }
                vec![name]
            }
            FileOrder::Timestamp {
                start,
                end,
                user,
                bots,
                resume,
            } => {
                if let Some(start) = start {
                    filter.from("v.timestamp", Arg::Int(*start), descending);
                }
                if let Some(end) = end {
                    filter.to("v.timestamp", Arg::Int(*end), descending);
                }
                if let Some((timestamp, at)) = resume {
                    filter.resume(
                        ("v.timestamp", Arg::Int(*timestamp)),
                        (&name, Arg::Text(at.clone())),
                        descending,
                    );
                }
                if let Some(user) = user {
                    let placeholder = filter.text(user);
                    filter.push(format!("u.name = {placeholder}"));
                }
                let (groups, negate) = match bots {
                    BotFilter::All => (None, ""),
                    BotFilter::Only(groups) => (Some(groups), ""),
                    BotFilter::Without(groups) => (Some(groups), "NOT "),
                };
                if let Some(groups) = groups {
                    let in_group = filter.one_of("g.group_name", groups);
                    filter.push(format!(
                        "{negate}EXISTS (SELECT 1 FROM user_groups g \
                         WHERE g.user_id = v.user_id AND {in_group})"
                    ));
                }
                // MediaWiki's continuation takes ties in time as ordered by name.
                vec!["v.timestamp".to_owned(), name]
            }
        };
        if let Some(min) = listing.min_size {
            let placeholder = filter.int(min);
            filter.push(format!("v.size >= {placeholder}"));
        }
        if let Some(max) = listing.max_size {
            let placeholder = filter.int(max);
            filter.push(format!("v.size <= {placeholder}"));
        }
        if let Some(sha1) = &listing.sha1 {
            let placeholder = filter.text(sha1);
            filter.push(format!("v.sha1 = {placeholder}"));
        }
        if let Some(mimes) = &listing.mimes {
            let condition = filter.one_of("v.mime", mimes);
            filter.push(condition);
        }
        let limit = filter.int(listing.limit);
        let sql = format!(
            "SELECT {LISTED_FILE_COLUMNS} FROM file_versions v \
             LEFT JOIN users u ON u.id = v.user_id \
             LEFT JOIN pages p ON p.namespace = {FILE_NAMESPACE} AND p.title = v.name{} \
             ORDER BY {} LIMIT {limit}",
            filter.where_clause(),
            order_clause(&order_by, descending),
        );
        Statement { sql, filter }
    }

    /// Log entries matching `listing`, at most `listing.limit`.
    pub async fn list_log_events(
        &self,
        listing: &LogListing,
    ) -> Result<Vec<LogEventRow>, StorageError> {
        self.log_events_statement(listing)
            .fetch_all(&self.pool)
            .await
    }

    /// The statement of `list_log_events`.
    pub(super) fn log_events_statement(&self, listing: &LogListing) -> Statement {
        let descending = !listing.ascending;
        let mut filter = Filter::default();
        for (column, value) in [
            ("l.log_type", &listing.log_type),
            ("l.action", &listing.action),
            ("u.name", &listing.user),
            ("l.title", &listing.title),
        ] {
            if let Some(value) = value {
                let placeholder = filter.text(value);
                filter.push(format!("{column} = {placeholder}"));
            }
        }
        if let Some(namespace) = listing.namespace {
            let placeholder = filter.int(namespace);
            filter.push(format!("l.namespace = {placeholder}"));
        }
        if let Some(prefix) = &listing.title_prefix {
            filter.prefix("l.title", prefix);
        }
        if let Some(start) = listing.start {
            filter.from("l.timestamp", Arg::Int(start), descending);
        }
        if let Some(end) = listing.end {
            filter.to("l.timestamp", Arg::Int(end), descending);
        }
        if let Some((timestamp, id)) = listing.resume {
            filter.resume(
                ("l.timestamp", Arg::Int(timestamp)),
                ("l.id", Arg::Int(id)),
                descending,
            );
        }
        let limit = filter.int(listing.limit);
        let sql = format!(
            "SELECT l.id, l.log_type, l.action, l.namespace, l.title, l.user_id, \
             u.name AS user_name, l.timestamp, l.comment, l.params, p.id AS page_id, \
             l.page_id AS log_page \
             FROM log_events l LEFT JOIN users u ON u.id = l.user_id \
             LEFT JOIN pages p ON p.namespace = l.namespace AND p.title = l.title{} \
             ORDER BY {} LIMIT {limit}",
            filter.where_clause(),
            order_clause(&["l.timestamp".to_owned(), "l.id".to_owned()], descending),
        );
        Statement { sql, filter }
    }
}

/// `a DESC, b DESC`: every column in the listing's direction.
pub(super) fn order_clause(columns: &[String], descending: bool) -> String {
    let direction = if descending { "DESC" } else { "ASC" };
    columns
        .iter()
        .map(|column| format!("{column} {direction}"))
        .collect::<Vec<_>>()
        .join(", ")
}
