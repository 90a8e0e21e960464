//! The list modules about accounts, as MediaWiki 1.39 answers them:
//! `list=users` (named accounts, in the order asked, invalid names first),
//! `list=allusers` (continuation `aufrom`) and `list=usercontribs` (a
//! user's revisions; continuation `<timestamp>|<revid>`, or
//! `name|<user>|<timestamp>|<revid>` when several users are listed).
//! wikiupload has no blocks, e-mail or genders: `blockinfo` adds nothing,
//! `emailable` is false and `gender` is `unknown`.

use serde_json::{Map, Value, json};

use super::ModuleSpec;
use super::imageinfo::escape_html;
use super::lists::{ListBatch, NAMESPACE_IDS, bad_continue, split_batch};
use super::pagelists::{namespaces, read_limit};
use crate::api::params::parse_timestamp;
use crate::api::{ApiError, Ctx, Message, ParamReader, ParamSpec, ParamType, iso_timestamp};
use crate::auth::canonical_user_name;
use crate::auth::rights::IMPLICIT_USER_GROUPS;
use crate::pages::title::Title;
use crate::storage::{
    ContributionListing, ContributionRow, Contributors, ListedUser, UserKey, UserListing,
};
use crate::upload::timestamp14;

const LIMIT: ParamType = ParamType::Limit {
    max: 500,
    high_max: 5000,
};

/// MediaWiki 1.39's `$wgAvailableRights` with the core rights.
pub(super) const RIGHTS: &[&str] = &[
    "apihighlimits",
    "applychangetags",
    "autoconfirmed",
    "autocreateaccount",
    "autopatrol",
    "bigdelete",
    "block",
    "blockemail",
    "bot",
    "browsearchive",
    "changetags",
    "createaccount",
    "createpage",
    "createtalk",
    "delete",
    "delete-redirect",
    "deletechangetags",
    "deletedhistory",
    "deletedtext",
    "deletelogentry",
    "deleterevision",
    "edit",
    "editcontentmodel",
    "editinterface",
    "editmyoptions",
    "editmyprivateinfo",
    "editmyusercss",
    "editmyuserjs",
    "editmyuserjson",
    "editmyuserjsredirect",
    "editmywatchlist",
    "editprotected",
    "editsemiprotected",
    "editsitecss",
    "editsitejs",
    "editsitejson",
    "editusercss",
    "edituserjs",
    "edituserjson",
    "hideuser",
    "import",
    "importupload",
    "ipblock-exempt",
    "managechangetags",
    "markbotedits",
    "mergehistory",
    "minoredit",
    "move",
    "move-categorypages",
    "move-rootuserpages",
    "move-subpages",
    "movefile",
    "nominornewtalk",
    "noratelimit",
    "override-export-depth",
    "pagelang",
    "patrol",
    "patrolmarks",
    "protect",
    "purge",
    "read",
    "reupload",
    "reupload-own",
    "reupload-shared",
    "rollback",
    "sendemail",
    "siteadmin",
    "suppressionlog",
    "suppressredirect",
    "suppressrevision",
    "unblockself",
    "undelete",
    "unwatchedpages",
    "upload",
    "upload_by_url",
    "userrights",
    "userrights-interwiki",
    "viewmyprivateinfo",
    "viewmywatchlist",
    "viewsuppressed",
    "writeapi",
];

const USERS_PROPS: &[&str] = &[
    "blockinfo",
    "cancreate",
    "centralids",
    "editcount",
    "emailable",
    "gender",
    "groupmemberships",
    "groups",
    "implicitgroups",
    "registration",
    "rights",
];

pub static USERS: ModuleSpec = ModuleSpec {
    name: "users",
    path: "query+users",
    group: "list",
    class: "ApiQueryUsers",
    prefix: "us",
    params: &[
        ParamSpec::new("prop", ParamType::Enum(USERS_PROPS)).multi(),
        ParamSpec::string("attachedwiki"),
        ParamSpec::string("users").multi(),
        ParamSpec::integer("userids").multi(),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Users"),
};

const ALLUSERS_PROPS: &[&str] = &[
    "blockinfo",
    "centralids",
    "editcount",
    "groups",
    "implicitgroups",
    "registration",
    "rights",
];

pub static ALLUSERS: ModuleSpec = ModuleSpec {
    name: "allusers",
    path: "query+allusers",
    group: "list",
    class: "ApiQueryAllUsers",
    prefix: "au",
    params: &[
        ParamSpec::string("from"),
        ParamSpec::string("to"),
        ParamSpec::string("prefix"),
        ParamSpec::new("dir", ParamType::Enum(&["ascending", "descending"])).default("ascending"),
        // The configured groups: a group nobody is in matches nobody.
        ParamSpec::string("group").multi(),
        ParamSpec::string("excludegroup").multi(),
        ParamSpec::new("rights", ParamType::Enum(RIGHTS)).multi(),
        ParamSpec::new("prop", ParamType::Enum(ALLUSERS_PROPS)).multi(),
        ParamSpec::new("limit", LIMIT).default("10"),
        ParamSpec::flag("witheditsonly"),
        ParamSpec::flag("activeusers"),
        ParamSpec::string("attachedwiki"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Allusers"),
};

const CONTRIBS_PROPS: &[&str] = &[
    "comment",
    "flags",
    "ids",
    "parsedcomment",
    "patrolled",
    "size",
    "sizediff",
    "tags",
    "timestamp",
    "title",
];

const CONTRIBS_SHOW: &[&str] = &[
    "!autopatrolled",
    "!minor",
    "!new",
    "!patrolled",
    "!top",
    "autopatrolled",
    "minor",
    "new",
    "patrolled",
    "top",
];

pub static USERCONTRIBS: ModuleSpec = ModuleSpec {
    name: "usercontribs",
    path: "query+usercontribs",
    group: "list",
    class: "ApiQueryUserContribs",
    prefix: "uc",
    params: &[
        ParamSpec::new("limit", LIMIT).default("10"),
        ParamSpec::new("start", ParamType::Timestamp),
        ParamSpec::new("end", ParamType::Timestamp),
        ParamSpec::string("continue"),
        ParamSpec::new("user", ParamType::User).multi(),
        ParamSpec::integer("userids").multi(),
        ParamSpec::string("userprefix"),
        ParamSpec::string("iprange"),
        ParamSpec::new("dir", ParamType::Enum(&["newer", "older"])).default("older"),
        ParamSpec::new("namespace", ParamType::Enum(NAMESPACE_IDS))
            .multi()
            .all_values(),
        ParamSpec::new("prop", ParamType::Enum(CONTRIBS_PROPS))
            .multi()
            .default("ids|title|timestamp|comment|size|flags"),
        ParamSpec::new("show", ParamType::Enum(CONTRIBS_SHOW)).multi(),
        ParamSpec::string("tag"),
        ParamSpec::flag("toponly").deprecated(),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Usercontribs"),
};

/// `invalidparammix`: parameters `names` (prefixed) given together.
pub(super) fn param_mix(names: &[String]) -> ApiError {
    let vars: Vec<String> = names.iter().map(|n| format!("<var>{n}</var>")).collect();
    ApiError::new(
        "invalidparammix",
        Message::new(
            "apierror-invalidparammix",
            vec![json!({"list": vars, "type": "text"}), names.len().into()],
            format!(
                "The parameters {} can not be used together.",
                english_list(&vars)
            ),
        ),
    )
}

/// "a", "a and b", "a, b and c".
fn english_list(items: &[String]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => items.concat(),
    }
}

/// `show`: a value given with its negation.
pub(super) fn show_error() -> ApiError {
    ApiError::new(
        "show",
        Message::new(
            "apierror-show",
            vec![],
            "Incorrect parameter - mutually exclusive values may not be supplied.".into(),
        ),
    )
}

/// Asking for patrol flags without the right to see them.
pub(super) fn patrol_flag_denied() -> ApiError {
    ApiError::new(
        "permissiondenied",
        Message::new(
            "apierror-permissiondenied-patrolflag",
            vec![],
            "You need the <code>patrol</code> or <code>patrolmarks</code> right to request the \
             patrolled flag."
                .into(),
        ),
    )
}

/// Whether the identity may see patrol flags.
pub(super) fn may_see_patrol(ctx: &Ctx<'_>) -> bool {
    ctx.identity.has_right("patrol") || ctx.identity.has_right("patrolmarks")
}

/// `value`/`!value` of a `show` parameter: Some(true), Some(false) or None;
/// both is a `show` error.
pub(super) fn shown(show: &[&str], value: &str) -> Result<Option<bool>, ApiError> {
    let yes = show.contains(&value);
    let no = show.iter().any(|s| s.strip_prefix('!') == Some(value));
    match (yes, no) {
        (true, true) => Err(show_error()),
        (true, false) => Ok(Some(true)),
        (false, true) => Ok(Some(false)),
        (false, false) => Ok(None),
    }
}

/// A user name as MediaWiki's `getCanonical` reads it (a fragment is
/// dropped, as a title's); None for an invalid one.
fn canonical(name: &str) -> Option<String> {
    let name = name.split('#').next().unwrap_or_default();
    canonical_user_name(name)
}

/// Explicit groups, then the implicit ones (or the other way round).
fn effective_groups(explicit: &[String], implicit_first: bool) -> Vec<String> {
    let implicit = IMPLICIT_USER_GROUPS.iter().map(|g| g.to_string());
    if implicit_first {
        implicit.chain(explicit.iter().cloned()).collect()
    } else {
        explicit.iter().cloned().chain(implicit).collect()
    }
}

/// `centralids` and `attachedlocal` of an account.
fn add_central_ids(item: &mut Map<String, Value>, id: i64, ctx: &Ctx<'_>) {
    item.insert("centralids".into(), json!({"local": id}));
    let mut attached = Map::new();
    ctx.output.set_flag(&mut attached, "local", true);
    item.insert("attachedlocal".into(), Value::Object(attached));
}

/// Parsed `us*` parameters.
pub struct UsersParams {
    props: Vec<&'static str>,
    names: Vec<String>,
    ids: Vec<i64>,
    by_name: bool,
}

impl UsersParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<UsersParams, ApiError> {
        let p = |name| USERS.param(name);
        let props = reader.choices(p("prop"))?;
        reader.string(p("attachedwiki"))?;
        let by_name = reader.string(p("users"))?.is_some();
        let names = reader.strings(p("users"))?;
        let given_ids = reader.string(p("userids"))?.is_some();
        let ids = reader
            .strings(p("userids"))?
            .iter()
            .map(|v| {
                v.trim()
                    .parse()
                    .map_err(|_| ApiError::bad_integer("ususerids", v))
            })
            .collect::<Result<Vec<i64>, _>>()?;
        if by_name && given_ids {
            return Err(param_mix(&["ususerids".into(), "ususers".into()]));
        }
        Ok(UsersParams {
            props,
            names,
            ids,
            by_name,
        })
    }
}

/// `list=users`: the accounts asked for by name or id.
pub async fn users(params: UsersParams, ctx: &Ctx<'_>) -> Result<ListBatch, ApiError> {
    let mut items = Vec::new();
    let mut good = Vec::new();
    for name in &params.names {
        match canonical(name) {
            Some(name) => good.push(name),
            None => {
                let mut item = Map::new();
                item.insert("name".into(), name.clone().into());
                ctx.output.set_flag(&mut item, "invalid", true);
                items.push(Value::Object(item));
            }
        }
    }
    let found = if params.by_name {
        ctx.app.db.users_by_name(&good).await?
    } else {
        ctx.app.db.users_by_id(&params.ids).await?
    };
    let wants = |prop: &str| params.props.contains(&prop);
    let asked: Vec<Result<String, i64>> = if params.by_name {
        good.into_iter().map(Ok).collect()
    } else {
        params.ids.iter().map(|id| Err(*id)).collect()
    };
    for key in asked {
        let user = found.iter().find(|u| match &key {
            Ok(name) => u.name == *name,
            Err(id) => u.id == *id,
        });
        let mut item = Map::new();
        let Some(user) = user else {
            match key {
                Ok(name) => {
                    item.insert("name".into(), name.into());
                    ctx.output.set_flag(&mut item, "missing", true);
                    // Accounts are made by the operator, never through the API.
                    if wants("cancreate") {
                        ctx.output.set_flag(&mut item, "cancreate", false);
                    }
                }
                Err(id) => {
                    item.insert("userid".into(), id.into());
                    ctx.output.set_flag(&mut item, "missing", true);
                }
            }
            items.push(Value::Object(item));
            continue;
        };
        item.insert("userid".into(), user.id.into());
        item.insert("name".into(), user.name.clone().into());
        if wants("editcount") {
            item.insert("editcount".into(), user.edit_count.into());
        }
        if wants("registration") {
            item.insert(
                "registration".into(),
                iso_timestamp(user.registered_at).into(),
            );
        }
        // The groups are read only for the props that show them.
        let explicit = match wants("groups") || wants("groupmemberships") || wants("rights") {
            true => ctx.app.db.user_groups(user.id).await?,
            false => Vec::new(),
        };
        let groups = effective_groups(&explicit, false);
        if wants("groups") {
            item.insert("groups".into(), groups.clone().into());
        }
        if wants("groupmemberships") {
            let memberships: Vec<Value> = explicit
                .iter()
                .map(|g| json!({"group": g, "expiry": "infinity"}))
                .collect();
            item.insert("groupmemberships".into(), memberships.into());
        }
        if wants("implicitgroups") {
            item.insert(
                "implicitgroups".into(),
                IMPLICIT_USER_GROUPS.to_vec().into(),
            );
        }
        if wants("rights") {
            let rights = ctx.app.accounts.policy().rights_of(&groups);
            item.insert("rights".into(), rights.into());
        }
        if wants("emailable") {
            ctx.output.set_flag(&mut item, "emailable", false);
        }
        if wants("gender") {
            item.insert("gender".into(), "unknown".into());
        }
        if wants("centralids") {
            add_central_ids(&mut item, user.id, ctx);
        }
        items.push(Value::Object(item));
    }
    Ok(ListBatch {
        items: Value::Array(items),
        pages: Vec::new(),
        next: None,
    })
}

/// Parsed `au*` parameters.
pub struct AllUsersParams {
    from: Option<String>,
    to: Option<String>,
    prefix: Option<String>,
    descending: bool,
    groups: Vec<String>,
    exclude_groups: Vec<String>,
    rights: Vec<&'static str>,
    props: Vec<&'static str>,
    limit: i64,
    pub limit_is_max: bool,
    with_edits_only: bool,
    active_users: bool,
}

impl AllUsersParams {
    pub fn limit(&self) -> i64 {
        self.limit
    }

    pub fn parse(reader: &mut ParamReader<'_>) -> Result<AllUsersParams, ApiError> {
        let p = |name| ALLUSERS.param(name);
        // MediaWiki's getCanonicalUserName: spaces, first letter upper case.
        let name_part = |value: Option<String>| {
            value.map(|v| {
                let spaced = v.replace('_', " ");
                let mut chars = spaced.chars();
                match chars.next() {
                    Some(first) => first.to_uppercase().chain(chars).collect(),
                    None => String::new(),
                }
            })
        };
        let from = name_part(reader.string(p("from"))?);
        let to = name_part(reader.string(p("to"))?);
        let prefix = name_part(reader.string(p("prefix"))?);
        let descending = reader.choice(p("dir"))? == Some("descending");
        let group_given = reader.string(p("group"))?.is_some();
        let groups = reader.strings(p("group"))?;
        let exclude_given = reader.string(p("excludegroup"))?.is_some();
        let exclude_groups = reader.strings(p("excludegroup"))?;
        let rights = reader.choices(p("rights"))?;
        let props = reader.choices(p("prop"))?;
        let (limit, limit_is_max) = read_limit(reader, p("limit"), 10)?;
        let with_edits_only = reader.flag(p("witheditsonly"))?;
        let active_users = reader.flag(p("activeusers"))?;
        reader.string(p("attachedwiki"))?;
        if group_given && exclude_given {
            return Err(param_mix(&["augroup".into(), "auexcludegroup".into()]));
        }
        Ok(AllUsersParams {
            from,
            to,
            prefix,
            descending,
            groups,
            exclude_groups,
            rights,
            props,
            limit,
            limit_is_max,
            with_edits_only,
            active_users,
        })
    }
}

/// `$wgActiveUserDays`: how far back `auactiveusers` looks.
const ACTIVE_USER_SECONDS: i64 = 30 * 24 * 3600;

/// `list=allusers`: accounts by name.
pub async fn all_users(params: AllUsersParams, ctx: &Ctx<'_>) -> Result<ListBatch, ApiError> {
    let policy = ctx.app.accounts.policy();
    let mut member_of = Vec::new();
    if !params.groups.is_empty() {
        member_of.push(params.groups.clone());
    }
    if !params.rights.is_empty() {
        let mut with_rights: Vec<String> = Vec::new();
        for right in &params.rights {
            for group in policy.groups_with_right(right) {
                if !with_rights.contains(&group) {
                    with_rights.push(group);
                }
            }
        }
        member_of.push(with_rights);
    }
    let listing = UserListing {
        from: params.from.clone(),
        to: params.to.clone(),
        prefix: params.prefix.clone(),
        descending: params.descending,
        member_of,
        not_member_of: params.exclude_groups.clone(),
        with_edits_only: params.with_edits_only,
        active_since: params.active_users.then_some(ctx.now - ACTIVE_USER_SECONDS),
        limit: params.limit + 1,
    };
    let (users, next) = split_batch(ctx.app.db.list_users(&listing).await?, params.limit);
    let mut items = Vec::new();
    for user in &users {
        items.push(all_users_item(user, &params, ctx).await?);
    }
    Ok(ListBatch {
        items: Value::Array(items),
        pages: Vec::new(),
        next: next.map(|user| ("aufrom".to_owned(), user.name)),
    })
}

async fn all_users_item(
    user: &ListedUser,
    params: &AllUsersParams,
    ctx: &Ctx<'_>,
) -> Result<Value, ApiError> {
    let wants = |prop: &str| params.props.contains(&prop);
    let mut item = Map::new();
    item.insert("userid".into(), user.id.into());
    item.insert("name".into(), user.name.clone().into());
    if wants("centralids") {
        add_central_ids(&mut item, user.id, ctx);
    }
    if wants("editcount") {
        item.insert("editcount".into(), user.edit_count.into());
    }
    if wants("registration") {
        item.insert(
            "registration".into(),
            iso_timestamp(user.registered_at).into(),
        );
    }
    if wants("groups") || wants("rights") {
        let explicit = ctx.app.db.user_groups(user.id).await?;
        let groups = effective_groups(&explicit, true);
        if wants("groups") {
            item.insert("groups".into(), groups.clone().into());
        }
        if wants("implicitgroups") {
            item.insert(
                "implicitgroups".into(),
                IMPLICIT_USER_GROUPS.to_vec().into(),
            );
        }
        if wants("rights") {
            let rights = ctx.app.accounts.policy().rights_of(&groups);
            item.insert("rights".into(), rights.into());
        }
    } else if wants("implicitgroups") {
        item.insert(
            "implicitgroups".into(),
            IMPLICIT_USER_GROUPS.to_vec().into(),
        );
    }
    if params.active_users {
        item.insert("recentactions".into(), user.recent_actions.into());
    }
    Ok(Value::Object(item))
}

/// Parsed `uc*` parameters.
pub struct ContribsParams {
    listing: ContributionListing,
    props: Vec<&'static str>,
    resume: Option<String>,
    limit: i64,
    pub limit_is_max: bool,
    tag: Option<String>,
    needs_patrol_right: bool,
}

impl ContribsParams {
    pub fn limit(&self) -> i64 {
        self.limit
    }

    pub fn parse(reader: &mut ParamReader<'_>) -> Result<ContribsParams, ApiError> {
        let p = |name| USERCONTRIBS.param(name);
        let (limit, limit_is_max) = read_limit(reader, p("limit"), 10)?;
        let start = reader.timestamp(p("start"))?;
        let end = reader.timestamp(p("end"))?;
        let resume = reader.string(p("continue"))?;
        let users = reader.strings(p("user"))?;
        let user_ids = reader.strings(p("userids"))?;
        let prefix = reader.string(p("userprefix"))?;
        let ip_range = reader.string(p("iprange"))?;
        let ascending = reader.choice(p("dir"))? == Some("newer");
        let namespaces = namespaces(reader, p("namespace"))?;
        let props = reader.choices(p("prop"))?;
        let mut show = reader.choices(p("show"))?;
        let tag = reader.string(p("tag"))?;
        if reader.flag(p("toponly"))? {
            show.push("top");
        }
        let given: Vec<String> = [
            (
                "ucuserprefix",
                prefix.as_deref().is_some_and(|p| !p.is_empty()),
            ),
            ("ucuserids", !user_ids.is_empty()),
            (
                "uciprange",
                ip_range.as_deref().is_some_and(|p| !p.is_empty()),
            ),
            ("ucuser", !users.is_empty()),
        ]
        .into_iter()
        .filter(|(_, given)| *given)
        .map(|(name, _)| name.to_owned())
        .collect();
        if given.len() > 1 {
            return Err(param_mix(&given));
        }
        let who = if let Some(prefix) = prefix.filter(|p| !p.is_empty()) {
            Contributors::Prefix(canonical(&format!("{prefix}x")).map_or(prefix, |n| {
                // The "x" keeps a trailing space from being trimmed.
                n.strip_suffix('x').unwrap_or(&n).to_owned()
            }))
        } else if !user_ids.is_empty() {
            let mut ids = Vec::new();
            for text in &user_ids {
                let id = text
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| ApiError::bad_integer("ucuserids", text))?;
                if id <= 0 {
                    return Err(ApiError::new(
                        "invaliduserid",
                        Message::new(
                            "apierror-invaliduserid",
                            vec![id.into()],
                            format!("User ID <var>{id}</var> is not valid."),
                        ),
                    ));
                }
                ids.push(id);
            }
            Contributors::Ids(ids)
        } else if !users.is_empty() {
            let mut names = Vec::new();
            for user in &users {
                if user.parse::<std::net::IpAddr>().is_ok() {
                    names.push(user.clone());
                    continue;
                }
                let name = canonical(user).ok_or_else(|| bad_user("ucuser", user))?;
                names.push(name);
            }
            Contributors::Names(names)
        } else if ip_range.is_some() {
            // No anonymous edits are made through wikiupload's API.
            Contributors::Names(Vec::new())
        } else {
            return Err(ApiError::new(
                "missingparam",
                Message::new(
                    "apierror-missingparam-one-of",
                    vec![],
                    "One of the parameters <var>ucuserprefix</var>, <var>ucuserids</var>, \
                     <var>uciprange</var> and <var>ucuser</var> is required."
                        .into(),
                ),
            ));
        };
        let needs_patrol_right =
            props.contains(&"patrolled") || show.iter().any(|s| s.ends_with("patrolled"));
        // MediaWiki records no manual patrols here: an edit is patrolled
        // exactly when it is autopatrolled.
        let patrolled = shown(&show, "patrolled")?;
        let autopatrolled = shown(&show, "autopatrolled")?;
        let listing = ContributionListing {
            who,
            namespaces,
            start,
            end,
            ascending,
            minor: shown(&show, "minor")?,
            new: shown(&show, "new")?,
            top: shown(&show, "top")?,
            autopatrolled: autopatrolled.or(patrolled),
            autopatrol_groups: Vec::new(),
            resume: None,
            limit: limit + 1,
        };
        Ok(ContribsParams {
            listing,
            props,
            resume,
            limit,
            limit_is_max,
            tag,
            needs_patrol_right,
        })
    }
}

fn bad_user(name: &str, value: &str) -> ApiError {
    ApiError::new(
        "baduser",
        Message::new(
            "paramvalidator-baduser",
            vec![name.into(), value.into()],
            format!(
                "Invalid value \"{}\" for user parameter <var>{name}</var>.",
                escape_html(value)
            ),
        ),
    )
}

/// `list=usercontribs`: revisions by the users asked for.
pub async fn user_contribs(
    mut params: ContribsParams,
    ctx: &Ctx<'_>,
) -> Result<ListBatch, ApiError> {
    if params.needs_patrol_right && !may_see_patrol(ctx) {
        return Err(patrol_flag_denied());
    }
    params.listing.autopatrol_groups = ctx.app.accounts.policy().groups_with_right("autopatrol");
    let by_user = params.listing.by_user();
    if let Some(value) = &params.resume {
        let parts: Vec<&str> = value.split('|').collect();
        let resume = match (by_user, parts.as_slice()) {
            (false, [timestamp, id]) => (None, *timestamp, *id),
            (true, ["name", user, timestamp, id]) => {
                (Some(UserKey::Name((*user).to_owned())), *timestamp, *id)
            }
            (true, ["id", user, timestamp, id]) => {
                let user = user.parse().map_err(|_| bad_continue())?;
                (Some(UserKey::Id(user)), *timestamp, *id)
            }
            _ => return Err(bad_continue()),
        };
        let timestamp = parse_timestamp(resume.1).ok_or_else(bad_continue)?;
        let id = resume.2.parse::<i64>().map_err(|_| bad_continue())?;
        params.listing.resume = Some((resume.0, timestamp, id));
    }
    // No revision carries change tags.
    let rows = if params.tag.is_some() {
        Vec::new()
    } else {
        ctx.app.db.list_contributions(&params.listing).await?
    };
    let (rows, next) = split_batch(rows, params.limit);
    let items = rows
        .iter()
        .map(|row| contrib_item(row, &params.props, ctx))
        .collect();
    let next = next.map(|row| {
        let position = format!("{}|{}", timestamp14(row.timestamp), row.id);
        let value = match &params.listing.who {
            Contributors::Ids(_) if by_user => {
                format!("id|{}|{position}", row.user_id.unwrap_or(0))
            }
            _ if by_user => format!("name|{}|{position}", row.user_name),
            _ => position,
        };
        ("uccontinue".to_owned(), value)
    });
    Ok(ListBatch {
        items: Value::Array(items),
        pages: Vec::new(),
        next,
    })
}

/// One usercontribs item, in MediaWiki's key order.
fn contrib_item(row: &ContributionRow, props: &[&str], ctx: &Ctx<'_>) -> Value {
    let wants = |prop: &str| props.contains(&prop);
    let output = &ctx.output;
    let mut item = Map::new();
    item.insert("userid".into(), row.user_id.unwrap_or(0).into());
    item.insert("user".into(), row.user_name.clone().into());
    if wants("ids") {
        item.insert("pageid".into(), row.page_id.into());
        item.insert("revid".into(), row.id.into());
        item.insert("parentid".into(), row.parent_id.into());
    }
    if wants("title") {
        let title = Title::new(row.namespace, &row.title);
        item.insert("ns".into(), row.namespace.into());
        item.insert("title".into(), title.text(ctx.app.pages.sitename()).into());
    }
    if wants("timestamp") {
        item.insert("timestamp".into(), iso_timestamp(row.timestamp).into());
    }
    if wants("flags") {
        output.set_flag(&mut item, "new", row.parent_id == 0);
        output.set_flag(&mut item, "minor", row.minor != 0);
        output.set_flag(&mut item, "top", row.latest == row.id);
    }
    if wants("comment") {
        item.insert("comment".into(), row.comment.clone().into());
    }
    if wants("parsedcomment") {
        item.insert("parsedcomment".into(), escape_html(&row.comment).into());
    }
    if wants("patrolled") {
        output.set_flag(&mut item, "patrolled", row.autopatrolled != 0);
        output.set_flag(&mut item, "autopatrolled", row.autopatrolled != 0);
    }
    if wants("size") {
        item.insert("size".into(), row.size.into());
    }
    if wants("sizediff") {
        item.insert("sizediff".into(), (row.size - row.parent_size).into());
    }
    if wants("tags") {
        item.insert("tags".into(), Value::Array(Vec::new()));
    }
    Value::Object(item)
}
