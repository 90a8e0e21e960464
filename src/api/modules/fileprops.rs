//! Prop modules about files and categories: `prop=fileusage` (the pages
//! that use a file), `prop=duplicatefiles` (current files with the same
//! bytes) and `prop=categoryinfo` (a category's member counts), as
//! MediaWiki 1.39 answers them; the first two also as generators.

use serde_json::{Map, Value};

use super::ModuleSpec;
use super::lists::{NAMESPACE_IDS, bad_continue, simple_error};
use super::pagelists::{namespaces, read_limit};
use super::pageset::{PageEntry, file_name};
use crate::api::{ApiError, Ctx, ParamReader, ParamSpec, ParamType, iso_timestamp};
use crate::pages::title::{self, Title};
use crate::storage::{BacklinkListing, LinkTable};

const LIMIT: ParamType = ParamType::Limit {
    max: 500,
    high_max: 5000,
};

pub static FILEUSAGE: ModuleSpec = ModuleSpec {
    name: "fileusage",
    path: "query+fileusage",
    group: "prop",
    class: "ApiQueryBacklinksprop",
    prefix: "fu",
    params: &[
        ParamSpec::new("prop", ParamType::Enum(&["pageid", "title", "redirect"]))
            .multi()
            .default("pageid|title|redirect"),
        ParamSpec::new("namespace", ParamType::Enum(NAMESPACE_IDS))
            .multi()
            .all_values(),
        ParamSpec::new("show", ParamType::Enum(&["redirect", "!redirect"])).multi(),
        ParamSpec::new("limit", LIMIT).default("10"),
        ParamSpec::string("continue"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Fileusage"),
};

pub static DUPLICATEFILES: ModuleSpec = ModuleSpec {
    name: "duplicatefiles",
    path: "query+duplicatefiles",
    group: "prop",
    class: "ApiQueryDuplicateFiles",
    prefix: "df",
    params: &[
        ParamSpec::new("limit", LIMIT).default("10"),
        ParamSpec::string("continue"),
        ParamSpec::new("dir", ParamType::Enum(&["ascending", "descending"])).default("ascending"),
        ParamSpec::flag("localonly"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Duplicatefiles"),
};

pub static CATEGORYINFO: ModuleSpec = ModuleSpec {
    name: "categoryinfo",
    path: "query+categoryinfo",
    group: "prop",
    class: "ApiQueryCategoryInfo",
    prefix: "ci",
    params: &[ParamSpec::string("continue")],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Categoryinfo"),
};

/// Parsed `fu*` parameters.
pub struct FileUsageParams {
    props: Vec<&'static str>,
    namespaces: Option<Vec<i64>>,
    redirects: Option<bool>,
    limit: i64,
    pub limit_is_max: bool,
    /// `fucontinue`: the file name (when the set had several files) and
    /// the using page id to resume at.
    resume: Option<(Option<String>, i64)>,
}

impl FileUsageParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<FileUsageParams, ApiError> {
        let p = |name| FILEUSAGE.param(name);
        let props = reader.choices(p("prop"))?;
        let namespaces = namespaces(reader, p("namespace"))?;
        let show = reader.choices(p("show"))?;
        let redirects = match (show.contains(&"redirect"), show.contains(&"!redirect")) {
            (true, true) => {
                return Err(simple_error(
                    "show",
                    "Incorrect parameter - mutually exclusive values may not be supplied.",
                ));
            }
            (true, false) => Some(true),
            (false, true) => Some(false),
            (false, false) => None,
        };
        let (limit, limit_is_max) = read_limit(reader, p("limit"), 10)?;
        let resume = match reader.string(p("continue"))? {
            Some(value) => {
                let (file, page) = match value.rsplit_once('|') {
                    Some((file, page)) => (Some(file.to_owned()), page),
                    None => (None, value.as_str()),
                };
                let page = page.trim().parse::<i64>().map_err(|_| bad_continue())?;
                Some((file, page))
            }
            None => None,
        };
        Ok(FileUsageParams {
            props,
            namespaces,
            redirects,
            limit,
            limit_is_max,
            resume,
        })
    }

    pub fn limit(&self) -> i64 {
        self.limit
    }
}

/// Per entry index, the pages using that file (existing or not), files
/// in name order, at most `limit` in all; and `fucontinue` — the using
/// page id, after the file name when the set has several files.
async fn usage(
    entries: &[PageEntry],
    params: &FileUsageParams,
    ctx: &Ctx<'_>,
) -> Result<(Vec<(usize, Vec<crate::storage::PageRow>)>, Option<String>), ApiError> {
    let mut files: Vec<(usize, String)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| file_name(e).map(|name| (i, name.to_owned())))
        .collect();
    files.sort_by(|a, b| a.1.as_bytes().cmp(b.1.as_bytes()));
    let several = files.len() > 1;
    let mut left = params.limit;
    let mut per_file = Vec::new();
    for (index, name) in files {
        let resume = match &params.resume {
            Some((Some(at_file), _)) if name.as_bytes() < at_file.as_bytes() => continue,
            Some((Some(at_file), at_page)) if *at_file == name => Some(*at_page),
            Some((None, at_page)) => Some(*at_page),
            _ => None,
        };
        let listing = BacklinkListing {
            table: LinkTable::Files,
            namespace: title::FILE,
            title: name.clone(),
            page_namespaces: params.namespaces.clone(),
            redirects: params.redirects,
            resume,
            descending: false,
            limit: left + 1,
        };
        let mut users: Vec<_> = ctx
            .app
            .db
            .list_backlinks(&listing)
            .await?
            .into_iter()
            .map(|l| l.page)
            .collect();
        if users.len() as i64 > left {
            let next = users.remove(left as usize);
            per_file.push((index, users));
            let value = if several {
                format!("{name}|{}", next.id)
            } else {
                next.id.to_string()
            };
            return Ok((per_file, Some(value)));
        }
        left -= users.len() as i64;
        per_file.push((index, users));
    }
    Ok((per_file, None))
}

/// `prop=fileusage`: adds `fileusage` to File pages; returns `fucontinue`.
pub async fn add_file_usage(
    entries: &mut [PageEntry],
    params: &FileUsageParams,
    ctx: &Ctx<'_>,
) -> Result<Option<String>, ApiError> {
    let sitename = ctx.app.pages.sitename().to_owned();
    let (per_file, next) = usage(entries, params, ctx).await?;
    let wants = |prop: &str| params.props.contains(&prop);
    for (index, users) in per_file {
        if users.is_empty() {
            continue;
        }
        let items = users
            .iter()
            .map(|page| {
                let mut item = Map::new();
                if wants("pageid") {
                    item.insert("pageid".into(), page.id.into());
                }
                if wants("title") {
                    let title = Title::new(page.namespace, &page.title);
                    item.insert("ns".into(), page.namespace.into());
                    item.insert("title".into(), title.text(&sitename).into());
                }
                if wants("redirect") {
                    ctx.output
                        .set_flag(&mut item, "redirect", page.is_redirect());
                }
                Value::Object(item)
            })
            .collect();
        entries[index]
            .fields
            .insert("fileusage".into(), Value::Array(items));
    }
    Ok(next)
}

/// `generator=fileusage`: the pages using the set's files.
pub async fn generate_file_usage(
    entries: &[PageEntry],
    params: &FileUsageParams,
    ctx: &Ctx<'_>,
) -> Result<(Vec<Title>, Option<String>), ApiError> {
    let (per_file, next) = usage(entries, params, ctx).await?;
    let mut titles: Vec<Title> = Vec::new();
    for page in per_file.into_iter().flat_map(|(_, users)| users) {
        let title = Title::new(page.namespace, &page.title);
        if !titles.contains(&title) {
            titles.push(title);
        }
    }
    Ok((titles, next))
}

/// Parsed `df*` parameters.
pub struct DuplicateFilesParams {
    limit: i64,
    pub limit_is_max: bool,
    /// File name and duplicate name to resume at.
    resume: Option<(String, String)>,
    descending: bool,
}

impl DuplicateFilesParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<DuplicateFilesParams, ApiError> {
        let p = |name| DUPLICATEFILES.param(name);
        let (limit, limit_is_max) = read_limit(reader, p("limit"), 10)?;
        let resume = match reader.string(p("continue"))? {
            Some(value) => {
                let (file, dup) = value.split_once('|').ok_or_else(bad_continue)?;
                Some((file.to_owned(), dup.to_owned()))
            }
            None => None,
        };
        let descending = reader.choice(p("dir"))? == Some("descending");
        reader.flag(p("localonly"))?;
        Ok(DuplicateFilesParams {
            limit,
            limit_is_max,
            resume,
            descending,
        })
    }

    pub fn limit(&self) -> i64 {
        self.limit
    }
}

/// One duplicate of a file.
struct Duplicate {
    name: String,
    timestamp: i64,
    user: String,
}

/// The duplicates of each file of the set, in file name order, at most
/// `limit` in all, and `dfcontinue` when more remain.
async fn duplicates(
    entries: &[PageEntry],
    params: &DuplicateFilesParams,
    ctx: &Ctx<'_>,
) -> Result<(Vec<(usize, Vec<Duplicate>)>, Option<String>), ApiError> {
    let mut files: Vec<(usize, String)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, e)| file_name(e).map(|name| (i, name.to_owned())))
        .collect();
    files.sort_by(|a, b| a.1.as_bytes().cmp(b.1.as_bytes()));
    if params.descending {
        files.reverse();
    }
    let mut left = params.limit;
    let mut per_file = Vec::new();
    for (index, name) in files {
        let Some(file) = ctx.app.db.current_file(&name).await? else {
            continue;
        };
        let mut names: Vec<String> = ctx
            .app
            .db
            .current_files_with_sha1(&file.sha1)
            .await?
            .into_iter()
            .filter(|n| *n != name)
            .collect();
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        if params.descending {
            names.reverse();
        }
        let mut found = Vec::new();
        for dup in names {
            if let Some((at_file, at_dup)) = &params.resume {
                let here = (name.as_bytes(), dup.as_bytes());
                let at = (at_file.as_bytes(), at_dup.as_bytes());
                if (params.descending && here > at) || (!params.descending && here < at) {
                    continue;
                }
            }
            if left == 0 {
                per_file.push((index, found));
                return Ok((per_file, Some(format!("{name}|{dup}"))));
            }
            let Some(version) = ctx.app.db.current_file(&dup).await? else {
                continue;
            };
            left -= 1;
            found.push(Duplicate {
                name: dup,
                timestamp: version.timestamp,
                user: version.user_name.unwrap_or_default(),
            });
        }
        per_file.push((index, found));
    }
    Ok((per_file, None))
}

/// `prop=duplicatefiles`: adds `duplicatefiles` to File pages; returns
/// `dfcontinue`.
pub async fn add_duplicates(
    entries: &mut [PageEntry],
    params: &DuplicateFilesParams,
    ctx: &Ctx<'_>,
) -> Result<Option<String>, ApiError> {
    let (per_file, next) = duplicates(entries, params, ctx).await?;
    for (index, found) in per_file {
        if found.is_empty() {
            continue;
        }
        let items = found
            .into_iter()
            .map(|dup| {
                let mut item = Map::new();
                item.insert("name".into(), dup.name.into());
                item.insert("timestamp".into(), iso_timestamp(dup.timestamp).into());
                ctx.output.set_flag(&mut item, "shared", false);
                item.insert("user".into(), dup.user.into());
                Value::Object(item)
            })
            .collect();
        entries[index]
            .fields
            .insert("duplicatefiles".into(), Value::Array(items));
    }
    Ok(next)
}

/// `generator=duplicatefiles`: the File pages of the duplicates.
pub async fn generate_duplicates(
    entries: &[PageEntry],
    params: &DuplicateFilesParams,
    ctx: &Ctx<'_>,
) -> Result<(Vec<Title>, Option<String>), ApiError> {
    let (per_file, next) = duplicates(entries, params, ctx).await?;
    let mut titles: Vec<Title> = Vec::new();
    for dup in per_file.into_iter().flat_map(|(_, found)| found) {
        let title = Title::new(title::FILE, &dup.name);
        if !titles.contains(&title) {
            titles.push(title);
        }
    }
    Ok((titles, next))
}

/// `prop=categoryinfo`: member counts of the set's categories (those with
/// members; MediaWiki keeps no counts for empty ones).
pub async fn add_category_info(entries: &mut [PageEntry], ctx: &Ctx<'_>) -> Result<(), ApiError> {
    for entry in entries.iter_mut() {
        let Some(category) = entry
            .title
            .as_ref()
            .filter(|t| t.namespace == title::CATEGORY)
        else {
            continue;
        };
        let counts = ctx.app.db.category_counts(&category.db_key).await?;
        let size = counts.pages + counts.files + counts.subcats;
        if size == 0 {
            continue;
        }
        let mut info = Map::new();
        info.insert("size".into(), size.into());
        info.insert("pages".into(), counts.pages.into());
        info.insert("files".into(), counts.files.into());
        info.insert("subcats".into(), counts.subcats.into());
        ctx.output.set_flag(&mut info, "hidden", false);
        entry
            .fields
            .insert("categoryinfo".into(), Value::Object(info));
    }
    Ok(())
}
