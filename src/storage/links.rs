//! The link tables: what each page's current text links to (pages,
//! templates, files, categories, external URLs, its redirect target). The
//! domain derives them from the text (`pages::links`); here they are
//! replaced as a whole with every save, and read back.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::AnyConnection;

use super::{Database, StorageError};

/// What one page's text links to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageLinks {
    /// Linked pages: namespace and DB key.
    pub pages: BTreeSet<(i64, String)>,
    /// Transcluded pages: namespace and DB key.
    pub templates: BTreeSet<(i64, String)>,
    /// Used files (DB keys, without `File:`).
    pub files: BTreeSet<String>,
    /// Categories (DB keys) and the page's sort key in each.
    pub categories: BTreeMap<String, String>,
    pub external: BTreeSet<String>,
    /// The redirect target: namespace, DB key, fragment.
    pub redirect: Option<(i64, String, String)>,
}

/// Replaces the link rows of `page_id` with `links`, through `conn`.
pub(super) async fn replace_links(
    conn: &mut AnyConnection,
    page_id: i64,
    links: &PageLinks,
    now: i64,
) -> Result<(), StorageError> {
    for table in [
        "page_links",
        "template_links",
        "image_links",
        "category_links",
        "external_links",
        "redirects",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE page_id = $1"
        )))
        .bind(page_id)
        .execute(&mut *conn)
        .await?;
    }
    for (table, targets) in [
        ("page_links", &links.pages),
        ("template_links", &links.templates),
    ] {
        for (namespace, title) in targets {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO {table} (page_id, namespace, title) VALUES ($1, $2, $3)"
            )))
            .bind(page_id)
            .bind(namespace)
            .bind(title)
            .execute(&mut *conn)
            .await?;
        }
    }
    for file in &links.files {
        sqlx::query("INSERT INTO image_links (page_id, file) VALUES ($1, $2)")
            .bind(page_id)
            .bind(file)
            .execute(&mut *conn)
            .await?;
    }
    for (category, sortkey) in &links.categories {
        sqlx::query(
            "INSERT INTO category_links (page_id, category, sortkey, timestamp) VALUES ($1, $2, $3, $4)",
        )
        .bind(page_id)
        .bind(category)
        .bind(sortkey)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    for url in &links.external {
        sqlx::query("INSERT INTO external_links (page_id, url) VALUES ($1, $2)")
            .bind(page_id)
            .bind(url)
            .execute(&mut *conn)
            .await?;
    }
    if let Some((namespace, title, fragment)) = &links.redirect {
        sqlx::query(
            "INSERT INTO redirects (page_id, namespace, title, fragment) VALUES ($1, $2, $3, $4)",
        )
        .bind(page_id)
        .bind(namespace)
        .bind(title)
        .bind(fragment)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl Database {
    /// The link tables of one page, as stored.
    pub async fn page_links(&self, page_id: i64) -> Result<PageLinks, StorageError> {
        let mut links = PageLinks::default();
        for (table, into) in [
            ("page_links", &mut links.pages),
            ("template_links", &mut links.templates),
        ] {
            let rows: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT namespace, title FROM {table} WHERE page_id = $1"
            )))
            .bind(page_id)
            .fetch_all(&self.pool)
            .await?;
            into.extend(rows);
        }
        let files: Vec<(String,)> =
            sqlx::query_as("SELECT file FROM image_links WHERE page_id = $1")
                .bind(page_id)
                .fetch_all(&self.pool)
                .await?;
        links.files.extend(files.into_iter().map(|(f,)| f));
        let categories: Vec<(String, String)> =
            sqlx::query_as("SELECT category, sortkey FROM category_links WHERE page_id = $1")
                .bind(page_id)
                .fetch_all(&self.pool)
                .await?;
        links.categories.extend(categories);
        let urls: Vec<(String,)> =
            sqlx::query_as("SELECT url FROM external_links WHERE page_id = $1")
                .bind(page_id)
                .fetch_all(&self.pool)
                .await?;
        links.external.extend(urls.into_iter().map(|(u,)| u));
        links.redirect =
            sqlx::query_as("SELECT namespace, title, fragment FROM redirects WHERE page_id = $1")
                .bind(page_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(links)
    }

    /// The redirect target of a page, if it is a redirect.
    pub async fn redirect_target(
        &self,
        page_id: i64,
    ) -> Result<Option<(i64, String, String)>, StorageError> {
        Ok(
            sqlx::query_as("SELECT namespace, title, fragment FROM redirects WHERE page_id = $1")
                .bind(page_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}
