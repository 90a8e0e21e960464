//! Listings of pages behind the query modules: pages of a namespace by
//! title (`list=allpages`), the pages whose links point to a title
//! (`list=backlinks`, `embeddedin`, `imageusage`, `categorymembers`,
//! `prop=fileusage`), and a category's counts (`prop=categoryinfo`).

use super::listings::{Arg, Filter, Statement, order_clause};
use super::pages::PAGE_COLUMNS;
use super::{Database, PageRow, StorageError};

/// Which pages of a namespace to list, by DB key. Bounds are inclusive and
/// follow the direction.
#[derive(Debug, Clone, Default)]
pub struct PageListing {
    pub namespace: i64,
    pub from: Option<String>,
    pub to: Option<String>,
    pub prefix: Option<String>,
    /// Only redirects (true) or only other pages (false).
    pub redirects: Option<bool>,
    pub min_size: Option<i64>,
    pub max_size: Option<i64>,
    pub descending: bool,
    pub limit: i64,
}

/// The link tables a backlink listing reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkTable {
    /// `[[X]]` (`page_links`).
    Pages,
    /// `{{X}}` (`template_links`).
    Templates,
    /// `[[File:X]]` (`image_links`; the target is a file name).
    Files,
    /// `[[Category:X]]` (`category_links`; the target is a category name).
    Categories,
}

/// The pages linking to one target, in page id order.
#[derive(Debug, Clone)]
pub struct BacklinkListing {
    pub table: LinkTable,
    /// The target's namespace (ignored for files and categories).
    pub namespace: i64,
    /// The target's DB key.
    pub title: String,
    /// Only pages in these namespaces (None: all).
    pub page_namespaces: Option<Vec<i64>>,
    /// Only redirects (true) or only other pages (false).
    pub redirects: Option<bool>,
    /// Continue at this page id (included).
    pub resume: Option<i64>,
    pub descending: bool,
    pub limit: i64,
}

/// A page linking to a target, with what the category link says of it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkingPage {
    #[sqlx(flatten)]
    pub page: PageRow,
    /// The sort key prefix the page gave the category ('' for none); ''
    /// for other tables.
    pub sortkey: String,
    /// When the category link was added; 0 for other tables.
    pub linked_at: i64,
}

/// A category's members by kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct CategoryCounts {
    pub pages: i64,
    pub files: i64,
    pub subcats: i64,
}

impl Database {
    /// Pages matching `listing`, at most `listing.limit`.
    pub async fn list_pages(&self, listing: &PageListing) -> Result<Vec<PageRow>, StorageError> {
        self.pages_statement(listing).fetch_all(&self.pool).await
    }

    /// The statement of `list_pages`.
    pub(super) fn pages_statement(&self, listing: &PageListing) -> Statement {
        let title = self.in_byte_order("title");
        let mut filter = Filter::default();
        let namespace = filter.int(listing.namespace);
        filter.push(format!("namespace = {namespace}"));
        if let Some(from) = &listing.from {
            filter.from(&title, Arg::Text(from.clone()), listing.descending);
        }
        if let Some(to) = &listing.to {
            filter.to(&title, Arg::Text(to.clone()), listing.descending);
        }
        if let Some(prefix) = &listing.prefix {
            filter.prefix("title", prefix);
        }
        if let Some(redirects) = listing.redirects {
            let value = filter.int(i64::from(redirects));
            filter.push(format!("is_redirect = {value}"));
        }
        if let Some(min) = listing.min_size {
            let value = filter.int(min);
            filter.push(format!("length >= {value}"));
        }
        if let Some(max) = listing.max_size {
            let value = filter.int(max);
            filter.push(format!("length <= {value}"));
        }
        let limit = filter.int(listing.limit);
        let sql = format!(
            "SELECT {PAGE_COLUMNS} FROM pages{} ORDER BY {} LIMIT {limit}",
            filter.where_clause(),
            order_clause(&[title], listing.descending),
        );
        Statement { sql, filter }
    }

    /// Pages linking to `listing`'s target, at most `listing.limit`.
    pub async fn list_backlinks(
        &self,
        listing: &BacklinkListing,
    ) -> Result<Vec<LinkingPage>, StorageError> {
        self.backlinks_statement(listing)
            .fetch_all(&self.pool)
            .await
    }

    /// The statement of `list_backlinks`.
    pub(super) fn backlinks_statement(&self, listing: &BacklinkListing) -> Statement {
        let mut filter = Filter::default();
        // A CROSS JOIN keeps SQLite's loop over the links' index (target,
        // page_id), in the listing's order; otherwise it may walk pages
        // from the continuation on and sort. PostgreSQL plans it as a join.
        filter.push("p.id = l.page_id".to_owned());
        let (table, extra) = match listing.table {
            LinkTable::Pages | LinkTable::Templates => {
                let table = if listing.table == LinkTable::Pages {
                    "page_links"
                } else {
                    "template_links"
                };
                let namespace = filter.int(listing.namespace);
                let title = filter.text(&listing.title);
                filter.push(format!("l.namespace = {namespace} AND l.title = {title}"));
                (table, "'' AS sortkey, CAST(0 AS BIGINT) AS linked_at")
            }
            LinkTable::Files => {
                let file = filter.text(&listing.title);
                filter.push(format!("l.file = {file}"));
                (
                    "image_links",
                    "'' AS sortkey, CAST(0 AS BIGINT) AS linked_at",
                )
            }
            LinkTable::Categories => {
                let category = filter.text(&listing.title);
                filter.push(format!("l.category = {category}"));
                (
                    "category_links",
                    "l.sortkey AS sortkey, l.timestamp AS linked_at",
                )
            }
        };
        if let Some(namespaces) = &listing.page_namespaces {
            if namespaces.is_empty() {
                filter.push("1 = 0".to_owned());
            } else {
                let placeholders: Vec<String> = namespaces.iter().map(|n| filter.int(*n)).collect();
                filter.push(format!("p.namespace IN ({})", placeholders.join(", ")));
            }
        }
        if let Some(redirects) = listing.redirects {
            let value = filter.int(i64::from(redirects));
            filter.push(format!("p.is_redirect = {value}"));
        }
        // By the link's page id, the same as the page's: the link table's
        // index (target, page_id) gives that order.
        if let Some(resume) = listing.resume {
            filter.from("l.page_id", Arg::Int(resume), listing.descending);
        }
        let limit = filter.int(listing.limit);
        let columns: Vec<String> = PAGE_COLUMNS.split(", ").map(|c| format!("p.{c}")).collect();
        let sql = format!(
            "SELECT {}, {extra} FROM {table} l CROSS JOIN pages p{} \
             ORDER BY {} LIMIT {limit}",
            columns.join(", "),
            filter.where_clause(),
            order_clause(&["l.page_id".to_owned()], listing.descending),
        );
        Statement { sql, filter }
    }

    /// How many pages, files and subcategories category `name` has.
    pub async fn category_counts(&self, name: &str) -> Result<CategoryCounts, StorageError> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT p.namespace, COUNT(*) FROM category_links l JOIN pages p ON p.id = l.page_id \
             WHERE l.category = $1 GROUP BY p.namespace",
        )
        .bind(name)
        .fetch_all(&self.pool)
        .await?;
        let mut counts = CategoryCounts::default();
        for (namespace, count) in rows {
            match namespace {
                6 => counts.files += count,
                14 => counts.subcats += count,
                _ => counts.pages += count,
            }
        }
        Ok(counts)
    }

    /// When page `page_id` was put into category `category` (0 if not).
    pub async fn category_link_time(
        &self,
        page_id: i64,
        category: &str,
    ) -> Result<i64, StorageError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT timestamp FROM category_links WHERE page_id = $1 AND category = $2",
        )
        .bind(page_id)
        .bind(category)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map_or(0, |(t,)| t))
    }
}
