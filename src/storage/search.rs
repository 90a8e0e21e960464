//! Full-text search over pages with the database's own index: SQLite's
//! FTS5 table `page_search`, PostgreSQL's `tsvector`s in `page_search`
//! (migration 0010; triggers keep both in the transactions that change
//! pages). The only queries here written per backend: the match syntax
//! differs, the words and their meaning do not.

use super::pages::PAGE_COLUMNS;
use super::{Backend, Database, PageRow, StorageError};

/// Which part of a page to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchField {
    Title,
    Text,
}

impl SearchField {
    fn column(self) -> &'static str {
        match self {
            SearchField::Title => "title",
            SearchField::Text => "text",
        }
    }
}

/// One term of a search: a word, or a phrase of consecutive words, each
/// lower-case letters and digits only (how the index splits text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm {
    pub words: Vec<String>,
    /// The last word is a prefix (`fox*`).
    pub prefix: bool,
    /// Pages with this term are left out (`-fox`).
    pub negated: bool,
}

/// A search: terms all present (negated ones absent) in `field`.
#[derive(Debug, Clone)]
pub struct PageSearch<'a> {
    pub field: SearchField,
    /// At least one not negated.
    pub terms: &'a [SearchTerm],
    /// Only pages in these namespaces (None: all).
    pub namespaces: Option<&'a [i64]>,
    pub offset: i64,
    pub limit: i64,
}

/// A page found, with its latest revision's text and time.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FoundPage {
    #[sqlx(flatten)]
    pub page: PageRow,
    pub content: String,
    pub revision_timestamp: i64,
}

/// The terms as FTS5's query syntax: `title : (("red" "fox") AND "den" *) NOT ("x")`.
fn fts5_query(field: SearchField, terms: &[SearchTerm]) -> String {
    let phrase = |term: &SearchTerm| {
        let words: Vec<String> = term.words.iter().map(|w| format!("\"{w}\"")).collect();
        let star = if term.prefix { " *" } else { "" };
        format!("({}{star})", words.join(" + "))
    };
    let positive: Vec<String> = terms.iter().filter(|t| !t.negated).map(phrase).collect();
    let mut query = format!("({})", positive.join(" AND "));
    for term in terms.iter().filter(|t| t.negated) {
        query.push_str(" NOT ");
        query.push_str(&phrase(term));
    }
    format!("{} : ({query})", field.column())
}

/// The terms as a PostgreSQL `tsquery`: `('red' <-> 'fox') & 'den':* & !'x'`.
fn tsquery(terms: &[SearchTerm]) -> String {
    let parts: Vec<String> = terms
        .iter()
        .map(|term| {
            let last = term.words.len().saturating_sub(1);
            let words: Vec<String> = term
                .words
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let star = if term.prefix && i == last { ":*" } else { "" };
                    format!("'{w}'{star}")
                })
                .collect();
            let not = if term.negated { "!" } else { "" };
            format!("{not}({})", words.join(" <-> "))
        })
        .collect();
    parts.join(" & ")
}

impl Database {
    /// Pages matching `search` by relevance (then page id), from `offset`,
    /// at most `limit`; and, when `count` is set, how many match in all.
    pub async fn search_pages(
        &self,
        search: &PageSearch<'_>,
        count: bool,
    ) -> Result<(Vec<FoundPage>, Option<i64>), StorageError> {
        let columns: Vec<String> = PAGE_COLUMNS.split(", ").map(|c| format!("p.{c}")).collect();
        let (from, condition, rank, query) = match self.backend() {
            Backend::Sqlite => (
                "page_search JOIN pages p ON p.id = page_search.rowid",
                "page_search MATCH $1".to_owned(),
                "page_search.rank".to_owned(),
                fts5_query(search.field, search.terms),
            ),
            Backend::Postgres => {
                let column = format!("s.{}", search.field.column());
                (
                    "page_search s JOIN pages p ON p.id = s.page_id",
                    format!("{column} @@ to_tsquery('simple', $1)"),
                    format!("ts_rank({column}, to_tsquery('simple', $1)) DESC"),
                    tsquery(search.terms),
                )
            }
        };
        // Namespace ids are numbers the caller parsed; written inline.
        let namespaces = match search.namespaces {
            None => String::new(),
            Some([]) => " AND 1 = 0".to_owned(),
            Some(ids) => {
                let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
                format!(" AND p.namespace IN ({})", ids.join(", "))
            }
        };
        let sql = format!(
            "SELECT {}, r.content AS content, r.timestamp AS revision_timestamp \
             FROM {from} JOIN revisions r ON r.id = p.latest \
             WHERE {condition}{namespaces} ORDER BY {rank}, p.id LIMIT $2 OFFSET $3",
            columns.join(", "),
        );
        let found = sqlx::query_as::<_, FoundPage>(sqlx::AssertSqlSafe(sql))
            .bind(&query)
            .bind(search.limit)
            .bind(search.offset)
            .fetch_all(&self.pool)
            .await?;
        let total = if count {
            let sql = format!("SELECT COUNT(*) FROM {from} WHERE {condition}{namespaces}");
            let (total,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(&query)
                .fetch_one(&self.pool)
                .await?;
            Some(total)
        } else {
            None
        };
        Ok((found, total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(words: &[&str], prefix: bool, negated: bool) -> SearchTerm {
        SearchTerm {
            words: words.iter().map(|w| (*w).to_owned()).collect(),
            prefix,
            negated,
        }
    }

    #[test]
    fn terms_become_each_backends_syntax() {
        let terms = [
            term(&["red", "fox"], false, false),
            term(&["den"], true, false),
            term(&["x"], false, true),
        ];
        assert_eq!(
            fts5_query(SearchField::Text, &terms),
            "text : (((\"red\" + \"fox\") AND (\"den\" *)) NOT (\"x\"))"
        );
        assert_eq!(tsquery(&terms), "('red' <-> 'fox') & ('den':*) & !('x')");
    }
}
