//! The query plans of every listing with 100,000 files, on both databases:
//! each must read an index in the listing's order (or find its rows by
//! one), never scan a whole table or sort all its rows. The rows are bulk
//! inserted by SQL (one statement per table), then the planner's
//! statistics are gathered, as a database in use has them.

use super::actions::DeletedFileListing;
use super::listings::{BotFilter, FileListing, FileOrder, LogListing, Statement};
use super::page_listings::{BacklinkListing, LinkTable, PageListing};
use super::upload_status::{STALE_STASH_KEYS, stale_statuses_sql};
use super::{Backend, Database};

const ROWS: i64 = 100_000;

/// The tables the rows go into, with `n` running from 1 to `ROWS`.
const LOAD: &[&str] = &[
    "INSERT INTO users (name, password, registered_at) VALUES ('Loader', '', 0)",
    "INSERT INTO file_versions (name, archive_name, size, width, height, bits, media_type, mime, \
     sha1, metadata, common_metadata, user_id, comment, timestamp, publish_id) \
     SELECT 'File_' || n || '.png', NULL, n, 1, 1, 8, 'BITMAP', 'image/png', \
     '0000000000000000000000000000000000000000', '[]', '[]', \
     (SELECT id FROM users WHERE name = 'Loader'), '', 1700000000 + n, 'p' || n FROM seq",
    // One old version for every tenth file.
    "INSERT INTO file_versions (name, archive_name, size, width, height, bits, media_type, mime, \
     sha1, metadata, common_metadata, user_id, comment, timestamp, publish_id) \
     SELECT 'File_' || n || '.png', '20231114000000!File_' || n || '.png', n, 1, 1, 8, 'BITMAP', \
     'image/png', '1111111111111111111111111111111111111111', '[]', '[]', NULL, '', \
     1600000000 + n, 'o' || n FROM seq WHERE n % 10 = 0",
    "INSERT INTO pages (namespace, title, created_at, latest, touched, length) \
     SELECT 6, 'File_' || n || '.png', 1700000000 + n, 0, 1700000000 + n, 10 FROM seq",
    // Every File page is in one of ten categories and shows Popular.png.
    "INSERT INTO category_links (page_id, category, sortkey, timestamp) \
     SELECT id, 'Cat_' || (id % 10), upper(title), created_at FROM pages WHERE namespace = 6",
    "INSERT INTO image_links (page_id, file) SELECT id, 'Popular.png' FROM pages WHERE namespace = 6",
    "INSERT INTO page_links (page_id, namespace, title) \
     SELECT id, 0, 'Popular' FROM pages WHERE namespace = 6",
    "INSERT INTO log_events (log_type, action, namespace, title, user_id, timestamp, comment, \
     params, page_id) SELECT 'upload', 'upload', 6, 'File_' || n || '.png', NULL, \
     1700000000 + n, '', '{}', NULL FROM seq",
    "INSERT INTO deleted_files (name, storage_key, size, mime, sha1, user_id, timestamp, \
     deleted_by, deleted_at, reason) SELECT 'Gone_' || n || '.png', 'k' || n, n, 'image/png', \
     '2222222222222222222222222222222222222222', NULL, 1600000000 + n, NULL, 1700000000 + n, '' \
     FROM seq",
    "INSERT INTO stash (file_key, user_id, temp_name, size, width, height, bits, media_type, \
     mime, sha1, metadata, common_metadata, source, created_at) \
     SELECT 'key' || n || '.png', (SELECT id FROM users WHERE name = 'Loader'), 't' || n, n, \
     1, 1, 8, 'BITMAP', 'image/png', '3333333333333333333333333333333333333333', '[]', '[]', \
     'file', 1700000000 + n FROM seq",
    "INSERT INTO upload_status (file_key, user_id, result, stage, received, first_sha1, details, \
     created_at, updated_at) SELECT 'up' || n || '.png', \
     (SELECT id FROM users WHERE name = 'Loader'), 'Continue', 'uploading', n, NULL, '{}', \
     1700000000 + n, 1700000000 + n FROM seq",
];

/// The tables loaded, the only ones a plan may not scan whole.
const LOADED: &[&str] = &[
    "file_versions",
    "pages",
    "category_links",
    "image_links",
    "page_links",
    "log_events",
    "deleted_files",
    "stash",
    "upload_status",
];

/// The aliases the listings give the loaded tables.
const LOADED_ALIASES: &[&str] = &["v", "p", "l", "d"];

async fn load(db: &Database) {
    for sql in LOAD {
        let sql = match sql.contains("FROM seq") {
            true => format!(
                "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq \
                 WHERE n < {ROWS}) {sql}"
            ),
            false => (*sql).to_owned(),
        };
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&db.pool)
            .await
            .expect("rows loaded");
    }
    sqlx::raw_sql("ANALYZE")
        .execute(&db.pool)
        .await
        .expect("statistics");
}

/// The plan of `statement`, one line per step.
async fn plan(db: &Database, statement: Statement) -> Vec<String> {
    match db.backend {
        Backend::Sqlite => {
            let sql = format!("EXPLAIN QUERY PLAN {}", statement.sql);
            let query = sqlx::query_as::<_, (i64, i64, i64, String)>(sqlx::AssertSqlSafe(sql));
            let rows = statement.filter.bind(query).fetch_all(&db.pool).await;
            rows.expect("explained")
                .into_iter()
                .map(|(_, _, _, detail)| detail)
                .collect()
        }
        Backend::Postgres => {
            let sql = format!("EXPLAIN {}", statement.sql);
            let query = sqlx::query_as::<_, (String,)>(sqlx::AssertSqlSafe(sql));
            let rows = statement.filter.bind(query).fetch_all(&db.pool).await;
            rows.expect("explained")
                .into_iter()
                .map(|(line,)| line)
                .collect()
        }
    }
}

/// What in a plan reads a loaded table whole or sorts its rows.
fn full_reads(backend: Backend, plan: &[String]) -> Vec<String> {
    plan.iter()
        .filter(|line| match backend {
            // "SCAN v" alone walks the table; "SCAN v USING INDEX ..." walks
            // an index in the listing's order and stops at the limit.
            Backend::Sqlite => {
                let words: Vec<&str> = line.split_whitespace().collect();
                let scans_table = words.first() == Some(&"SCAN")
                    && !line.contains("USING")
                    && words
                        .get(1)
                        .is_some_and(|t| LOADED.contains(t) || LOADED_ALIASES.contains(t));
                scans_table || line.contains("TEMP B-TREE")
            }
            Backend::Postgres => {
                LOADED
                    .iter()
                    .any(|table| line.contains(&format!("Seq Scan on {table}")))
                    || line.contains("Sort  (")
            }
        })
        .cloned()
        .collect()
}

fn files(order: FileOrder, descending: bool) -> FileListing {
    FileListing {
        order,
        descending,
        min_size: None,
        max_size: None,
        sha1: None,
        mimes: None,
        limit: 11,
    }
}

fn backlinks(table: LinkTable, title: &str, resume: Option<i64>) -> BacklinkListing {
    BacklinkListing {
        table,
        namespace: 0,
        title: title.to_owned(),
        page_namespaces: None,
        redirects: None,
        resume,
        descending: false,
        limit: 11,
    }
}

/// Every listing, as the API modules ask for them, named.
fn listings(db: &Database) -> Vec<(&'static str, Statement)> {
    let by_name =
        |from: Option<&str>, prefix: Option<&str>, resume: Option<&str>| FileOrder::Name {
            from: from.map(str::to_owned),
            to: None,
            prefix: prefix.map(str::to_owned),
            resume: resume.map(str::to_owned),
        };
    let by_time = |user: Option<&str>, resume: Option<(i64, String)>| FileOrder::Timestamp {
        start: None,
        end: None,
        user: user.map(str::to_owned),
        bots: BotFilter::All,
        resume,
    };
    let resume_at = Some((1_700_050_000, "File_50000.png".to_owned()));
    let logs = |log_type: Option<&str>, title: Option<&str>| LogListing {
        log_type: log_type.map(str::to_owned),
        title: title.map(str::to_owned),
        namespace: title.map(|_| 6),
        resume: Some((1_700_050_000, 50_000)),
        limit: 11,
        ..LogListing::default()
    };
    let pages = |from: Option<&str>, descending: bool| PageListing {
        namespace: 6,
        from: from.map(str::to_owned),
        descending,
        limit: 11,
        ..PageListing::default()
    };
    let deleted = |resume: Option<(String, i64)>| DeletedFileListing {
        from: None,
        to: None,
        prefix: None,
        sha1: None,
        descending: false,
        resume,
        limit: 11,
    };
    vec![
        (
            "allimages by name",
            db.files_statement(&files(by_name(None, None, None), false)),
        ),
        (
            "allimages by name, descending, continued",
            db.files_statement(&files(by_name(None, None, Some("File_5.png")), true)),
        ),
        (
            "allimages by name from, with a prefix",
            db.files_statement(&files(by_name(Some("File_3"), Some("File_3"), None), false)),
        ),
        (
            "allimages by timestamp",
            db.files_statement(&files(by_time(None, None), true)),
        ),
        (
            "allimages by timestamp, continued",
            db.files_statement(&files(by_time(None, resume_at.clone()), true)),
        ),
        (
            "allimages by timestamp, ascending, continued",
            db.files_statement(&files(by_time(None, resume_at), false)),
        ),
        (
            "allimages by one user",
            db.files_statement(&files(by_time(Some("Loader"), None), true)),
        ),
        ("allpages", db.pages_statement(&pages(None, false))),
        (
            "allpages from, descending",
            db.pages_statement(&pages(Some("File_5"), true)),
        ),
        (
            "categorymembers, continued",
            db.backlinks_statement(&backlinks(LinkTable::Categories, "Cat_3", Some(50_000))),
        ),
        (
            "imageusage, continued",
            db.backlinks_statement(&backlinks(LinkTable::Files, "Popular.png", Some(50_000))),
        ),
        (
            "backlinks",
            db.backlinks_statement(&backlinks(LinkTable::Pages, "Popular", None)),
        ),
        ("filearchive", db.deleted_files_statement(&deleted(None))),
        (
            "filearchive, continued",
            db.deleted_files_statement(&deleted(Some(("Gone_5.png".to_owned(), 5)))),
        ),
        ("logevents", db.log_events_statement(&logs(None, None))),
        (
            "logevents of a type",
            db.log_events_statement(&logs(Some("upload"), None)),
        ),
        (
            "logevents of a page",
            db.log_events_statement(&logs(None, Some("File_5.png"))),
        ),
        ("stash sweep", sweep(STALE_STASH_KEYS.to_owned())),
        ("upload status sweep", sweep(stale_statuses_sql())),
    ]
}

/// A sweep's statement, for rows older than anything loaded (its usual
/// case: nothing or little to remove).
fn sweep(sql: String) -> Statement {
    let mut filter = super::listings::Filter::default();
    filter.int(1_600_000_000);
    Statement { sql, filter }
}

async fn check_plans(db: Database) {
    load(&db).await;
    let mut failures = Vec::new();
    for (name, statement) in listings(&db) {
        let plan = plan(&db, statement).await;
        let bad = full_reads(db.backend, &plan);
        if !bad.is_empty() {
            failures.push(format!("{name}: {bad:?}\n  plan: {plan:#?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} listings read whole tables:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_use_indexes_on_sqlite() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("plans.sqlite").display());
    let db = Database::connect(&url, 2, None).await.expect("database");
    check_plans(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_use_indexes_on_postgres() {
    let base = std::env::var("WIKIUPLOAD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let schema = format!("wu_plans_{}", uuid::Uuid::new_v4().simple());
    sqlx::any::install_default_drivers();
    let admin = match sqlx::AnyPool::connect(&base).await {
        Ok(pool) => pool,
        // Outside CI a missing server skips the test; CI must cover both.
        Err(err) if std::env::var("CI").is_err() => {
            eprintln!("PostgreSQL unavailable ({err}): skipped");
            return;
        }
        Err(err) => panic!("PostgreSQL unavailable in CI: {err}"),
    };
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .expect("schema");
    let url = format!("{base}?options=-c%20search_path%3D{schema}");
    let db = Database::connect(&url, 2, None).await.expect("database");
    let checked = tokio::spawn(check_plans(db.clone())).await;
    db.close().await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&admin)
        .await
        .expect("schema dropped");
    if let Err(panic) = checked {
        std::panic::resume_unwind(panic.into_panic());
    }
}
