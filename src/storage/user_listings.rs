//! Listings of accounts and of what they did: accounts by name or id
//! (`list=users`), all accounts (`list=allusers`), a user's revisions
//! (`list=usercontribs`) and a page's contributors (`prop=contributors`).

use super::listings::{Arg, Filter, order_clause};
use super::recent_changes::in_groups;
use super::{Database, StorageError};

/// The edit count of `u.id`: revisions made, the deleted ones included.
const EDIT_COUNT: &str = "(SELECT COUNT(*) FROM revisions r WHERE r.user_id = u.id) + \
     (SELECT COUNT(*) FROM archived_revisions a WHERE a.user_id = u.id)";

/// An account with its edit count.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListedUser {
    pub id: i64,
    pub name: String,
    pub registered_at: i64,
    pub edit_count: i64,
    /// Changes since the listing's `active_since` (0 without it).
    pub recent_actions: i64,
}

/// Which accounts to list, by name in byte order.
#[derive(Debug, Clone, Default)]
pub struct UserListing {
    /// Inclusive bounds in listing order.
    pub from: Option<String>,
    pub to: Option<String>,
    pub prefix: Option<String>,
    pub descending: bool,
    /// Each set: the account is an explicit member of one of its groups.
    pub member_of: Vec<Vec<String>>,
    /// The account is in none of these groups.
    pub not_member_of: Vec<String>,
    pub with_edits_only: bool,
    /// Only accounts with a recent change since then.
    pub active_since: Option<i64>,
    pub limit: i64,
}

/// A revision as a contribution, with its page's title and latest
/// revision and the size of the revision before it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContributionRow {
    pub id: i64,
    pub page_id: i64,
    pub parent_id: i64,
    pub user_id: Option<i64>,
    pub user_name: String,
    pub comment: String,
    pub timestamp: i64,
    pub minor: i64,
    pub size: i64,
    /// 0 when the revision is a page's first.
    pub parent_size: i64,
    pub namespace: i64,
    /// DB key.
    pub title: String,
    pub latest: i64,
    /// 1 when the author's groups give `autopatrol` now.
    pub autopatrolled: i64,
}

/// Whose contributions to list. Several users (or a prefix) are listed
/// by name (or id), then time; one user by time alone.
#[derive(Debug, Clone)]
pub enum Contributors {
    Names(Vec<String>),
    Ids(Vec<i64>),
    /// Name prefix.
    Prefix(String),
}

/// Which contributions to list; newest first unless `ascending`.
#[derive(Debug, Clone)]
pub struct ContributionListing {
    pub who: Contributors,
    pub namespaces: Option<Vec<i64>>,
    /// Bounds in listing order: `start` is where it begins.
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub ascending: bool,
    pub minor: Option<bool>,
    pub new: Option<bool>,
    pub top: Option<bool>,
    pub autopatrolled: Option<bool>,
    /// Groups whose members' edits count as autopatrolled.
    pub autopatrol_groups: Vec<String>,
    /// Continue at this user (in multi-user listings), timestamp and
    /// revision id (included).
    pub resume: Option<(Option<UserKey>, i64, i64)>,
    pub limit: i64,
}

/// A user by name or id, where a multi-user listing continues.
#[derive(Debug, Clone)]
pub enum UserKey {
    Name(String),
    Id(i64),
}

impl ContributionListing {
    /// Whether the listing is ordered by user first.
    pub fn by_user(&self) -> bool {
        match &self.who {
            Contributors::Names(names) => names.len() > 1,
            Contributors::Ids(ids) => ids.len() > 1,
            Contributors::Prefix(_) => true,
        }
    }
}

impl Database {
    /// The accounts named `names` (those that exist), with edit counts.
    pub async fn users_by_name(&self, names: &[String]) -> Result<Vec<ListedUser>, StorageError> {
        let mut filter = Filter::default();
        let condition = filter.one_of("u.name", names);
        filter.push(condition);
        self.select_users(filter, "u.id", None).await
    }

    /// The accounts with ids `ids` (those that exist), with edit counts.
    pub async fn users_by_id(&self, ids: &[i64]) -> Result<Vec<ListedUser>, StorageError> {
        let mut filter = Filter::default();
        if ids.is_empty() {
            filter.push("1 = 0".to_owned());
        } else {
            let list: Vec<String> = ids.iter().map(|id| filter.int(*id)).collect();
            filter.push(format!("u.id IN ({})", list.join(", ")));
        }
        self.select_users(filter, "u.id", None).await
    }

    /// Accounts matching `listing`, at most `listing.limit`.
    pub async fn list_users(&self, listing: &UserListing) -> Result<Vec<ListedUser>, StorageError> {
        let name = self.in_byte_order("u.name");
        let mut filter = Filter::default();
        // The recent actions' bound comes first: its placeholder is in
        // the selected columns, before the conditions.
        let since = listing.active_since.map(|since| filter.int(since));
        if let Some(from) = &listing.from {
            filter.from(&name, Arg::Text(from.clone()), listing.descending);
        }
        if let Some(to) = &listing.to {
            filter.to(&name, Arg::Text(to.clone()), listing.descending);
        }
        if let Some(prefix) = &listing.prefix {
            filter.prefix("u.name", prefix);
        }
        for groups in &listing.member_of {
            let condition = in_groups(&mut filter, "u.id", groups);
            filter.push(condition);
        }
        if !listing.not_member_of.is_empty() {
            let condition = in_groups(&mut filter, "u.id", &listing.not_member_of);
            filter.push(format!("NOT {condition}"));
        }
        if listing.with_edits_only {
            filter.push(format!("{EDIT_COUNT} > 0"));
        }
        if let Some(since) = &since {
            filter.push(format!(
                "EXISTS (SELECT 1 FROM recent_changes c WHERE c.user_id = u.id \
                 AND c.timestamp >= {since})"
            ));
        }
        let limit = filter.int(listing.limit);
        let order = format!(
            "{} LIMIT {limit}",
            order_clause(&[name], listing.descending)
        );
        self.select_users(filter, &order, since).await
    }

    async fn select_users(
        &self,
        filter: Filter,
        order: &str,
        since: Option<String>,
    ) -> Result<Vec<ListedUser>, StorageError> {
        let recent = match since {
            Some(since) => format!(
                "(SELECT COUNT(*) FROM recent_changes c WHERE c.user_id = u.id \
                 AND c.timestamp >= {since})"
            ),
            None => "CAST(0 AS BIGINT)".to_owned(),
        };
        let sql = format!(
            "SELECT u.id, u.name, u.registered_at, {EDIT_COUNT} AS edit_count, \
             {recent} AS recent_actions FROM users u{} ORDER BY {order}",
            filter.where_clause(),
        );
        let query = sqlx::query_as::<_, ListedUser>(sqlx::AssertSqlSafe(sql));
        Ok(filter.bind(query).fetch_all(&self.pool).await?)
    }

    /// Revisions matching `listing`, at most `listing.limit`.
    pub async fn list_contributions(
        &self,
        listing: &ContributionListing,
    ) -> Result<Vec<ContributionRow>, StorageError> {
        let descending = !listing.ascending;
        let mut filter = Filter::default();
        // Selected, so its placeholders come first.
        let autopatrolled = in_groups(&mut filter, "r.user_id", &listing.autopatrol_groups);
        let user_column = match &listing.who {
            Contributors::Names(names) => {
                let condition = filter.one_of("r.user_name", names);
                filter.push(condition);
                self.in_byte_order("r.user_name")
            }
            Contributors::Ids(ids) => {
                if ids.is_empty() {
                    filter.push("1 = 0".to_owned());
                } else {
                    let list: Vec<String> = ids.iter().map(|id| filter.int(*id)).collect();
                    filter.push(format!("r.user_id IN ({})", list.join(", ")));
                }
                "r.user_id".to_owned()
            }
            Contributors::Prefix(prefix) => {
                filter.prefix("r.user_name", prefix);
                self.in_byte_order("r.user_name")
            }
        };
        if let Some(namespaces) = &listing.namespaces {
            if namespaces.is_empty() {
                filter.push("1 = 0".to_owned());
            } else {
                let list: Vec<String> = namespaces.iter().map(|n| filter.int(*n)).collect();
                filter.push(format!("p.namespace IN ({})", list.join(", ")));
            }
        }
        if let Some(start) = listing.start {
            filter.from("r.timestamp", Arg::Int(start), descending);
        }
        if let Some(end) = listing.end {
            filter.to("r.timestamp", Arg::Int(end), descending);
        }
        for (condition, wanted) in [
            ("r.minor <> 0", listing.minor),
            ("r.parent_id = 0", listing.new),
            ("r.id = p.latest", listing.top),
            (autopatrolled.as_str(), listing.autopatrolled),
        ] {
            match wanted {
                Some(true) => filter.push(condition.to_owned()),
                Some(false) => filter.push(format!("NOT ({condition})")),
                None => {}
            }
        }
        let by_user = listing.by_user();
        if let Some((user, timestamp, id)) = &listing.resume {
            let op = if descending { "<" } else { ">" };
            let t = filter.int(*timestamp);
            let i = filter.int(*id);
            let within = format!("r.timestamp {op} {t} OR (r.timestamp = {t} AND r.id {op}= {i})");
            match user.clone().filter(|_| by_user) {
                Some(user) => {
                    let u = filter.arg(match user {
                        UserKey::Name(name) => Arg::Text(name),
                        UserKey::Id(id) => Arg::Int(id),
                    });
                    filter.push(format!(
                        "{user_column} {op} {u} OR ({user_column} = {u} AND ({within}))"
                    ));
                }
                None => filter.push(within),
            }
        }
        let limit = filter.int(listing.limit);
        let mut order = vec!["r.timestamp".to_owned(), "r.id".to_owned()];
        if by_user {
            order.insert(0, user_column);
        }
        let sql = format!(
            "SELECT r.id, r.page_id, r.parent_id, r.user_id, r.user_name, r.comment, r.timestamp, \
             r.minor, r.size, COALESCE(o.size, 0) AS parent_size, p.namespace, p.title, p.latest, \
             CASE WHEN {autopatrolled} THEN 1 ELSE 0 END AS autopatrolled \
             FROM revisions r JOIN pages p ON p.id = r.page_id \
             LEFT JOIN revisions o ON o.id = r.parent_id{} ORDER BY {} LIMIT {limit}",
            filter.where_clause(),
            order_clause(&order, descending),
        );
        let query = sqlx::query_as::<_, ContributionRow>(sqlx::AssertSqlSafe(sql));
        Ok(filter.bind(query).fetch_all(&self.pool).await?)
    }

    /// The registered authors of page `page_id` (id and name, by id) and
    /// how many anonymous authors it had.
    pub async fn page_contributors(
        &self,
        page_id: i64,
    ) -> Result<(Vec<(i64, String)>, i64), StorageError> {
        let users: Vec<(i64, String)> = sqlx::query_as(
            "SELECT DISTINCT r.user_id, u.name FROM revisions r JOIN users u ON u.id = r.user_id \
             WHERE r.page_id = $1 ORDER BY r.user_id",
        )
        .bind(page_id)
        .fetch_all(&self.pool)
        .await?;
        let (anonymous,): (i64,) = sqlx::query_as(
            "SELECT COUNT(DISTINCT user_name) FROM revisions WHERE page_id = $1 AND user_id IS NULL",
        )
        .bind(page_id)
        .fetch_one(&self.pool)
        .await?;
        Ok((users, anonymous))
    }
}
