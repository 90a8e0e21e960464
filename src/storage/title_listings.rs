//! Listings by title: the categories that have members, with their
//! counts (`list=allcategories`), and pages whose title starts with a
//! prefix in some namespaces (`list=prefixsearch`, `action=opensearch`).

use super::listings::{Arg, Filter, order_clause};
use super::pages::PAGE_COLUMNS;
use super::{Database, PageRow, StorageError};

/// A category with members, and how many of each kind.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListedCategory {
    /// DB key (without the namespace).
    pub name: String,
    pub pages: i64,
    pub files: i64,
    pub subcats: i64,
}

impl ListedCategory {
    pub fn size(&self) -> i64 {
        self.pages + self.files + self.subcats
    }
}

/// Which categories to list, by name in byte order.
#[derive(Debug, Clone, Default)]
pub struct CategoryListing {
    /// Inclusive bounds in listing order.
    pub from: Option<String>,
    pub to: Option<String>,
    pub prefix: Option<String>,
    pub descending: bool,
    /// Bounds on the number of members.
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub limit: i64,
}

impl Database {
    /// Categories matching `listing`, at most `listing.limit`.
    pub async fn list_categories(
        &self,
        listing: &CategoryListing,
    ) -> Result<Vec<ListedCategory>, StorageError> {
        let name = self.in_byte_order("l.category");
        let mut filter = Filter::default();
        if let Some(from) = &listing.from {
            filter.from(&name, Arg::Text(from.clone()), listing.descending);
        }
        if let Some(to) = &listing.to {
            filter.to(&name, Arg::Text(to.clone()), listing.descending);
        }
        if let Some(prefix) = &listing.prefix {
            filter.prefix("l.category", prefix);
        }
        let mut having = Vec::new();
        if let Some(min) = listing.min {
            having.push(format!("COUNT(*) >= {}", filter.int(min)));
        }
        if let Some(max) = listing.max {
            having.push(format!("COUNT(*) <= {}", filter.int(max)));
        }
        let having = if having.is_empty() {
            String::new()
        } else {
            format!(" HAVING {}", having.join(" AND "))
        };
        let limit = filter.int(listing.limit);
        let sql = format!(
            "SELECT l.category AS name, \
             SUM(CASE WHEN p.namespace NOT IN (6, 14) THEN 1 ELSE 0 END) AS pages, \
             SUM(CASE WHEN p.namespace = 6 THEN 1 ELSE 0 END) AS files, \
             SUM(CASE WHEN p.namespace = 14 THEN 1 ELSE 0 END) AS subcats \
             FROM category_links l JOIN pages p ON p.id = l.page_id{} \
             GROUP BY l.category{having} ORDER BY {} LIMIT {limit}",
            filter.where_clause(),
            order_clause(&[name], listing.descending),
        );
        let query = sqlx::query_as::<_, ListedCategory>(sqlx::AssertSqlSafe(sql));
        Ok(filter.bind(query).fetch_all(&self.pool).await?)
    }

    /// Pages in `namespaces` whose DB key starts with `prefix`, by title
    /// then namespace, `limit` of them after skipping `offset`.
    pub async fn pages_with_prefix(
        &self,
        namespaces: &[i64],
        prefix: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<PageRow>, StorageError> {
        let mut filter = Filter::default();
        if namespaces.is_empty() {
            filter.push("1 = 0".to_owned());
        } else {
            let list: Vec<String> = namespaces.iter().map(|n| filter.int(*n)).collect();
            filter.push(format!("namespace IN ({})", list.join(", ")));
        }
        filter.prefix("title", prefix);
        let limit = filter.int(limit);
        let offset = filter.int(offset);
        let sql = format!(
            "SELECT {PAGE_COLUMNS} FROM pages{} ORDER BY {}, namespace LIMIT {limit} OFFSET {offset}",
            filter.where_clause(),
            self.in_byte_order("title"),
        );
        let query = sqlx::query_as::<_, PageRow>(sqlx::AssertSqlSafe(sql));
        Ok(filter.bind(query).fetch_all(&self.pool).await?)
    }
}
