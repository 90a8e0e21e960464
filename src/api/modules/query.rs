//! `action=query`: the page set (`titles`, `pageids`, `revids` or a
//! generator), the prop, list and meta modules in MediaWiki's order, and
//! continuation (`continuation.rs`); with its meta modules `tokens` and
//! `userinfo` (`siteinfo` in its own file).

use serde_json::{Map, Value};

use super::continuation::Continuation;
use super::{
    ModuleSpec, botpasswords, contentprops, fileprops, filerepoinfo, imageinfo, info, linkprops,
    lists, pageset, revisions, search, siteinfo,
};
use crate::api::request::RawParams;
use crate::api::{
    ApiError, Ctx, Message, Output, ParamReader, ParamSpec, ParamType, iso_timestamp,
};
use crate::auth::TokenType;
use crate::pages::title::Title;

/// Prop modules available under `prop=`.
pub const PROP_MODULES: &[&str] = &[
    "categories",
    "categoryinfo",
    "contributors",
    "duplicatefiles",
    "extlinks",
    "fileusage",
    "imageinfo",
    "images",
    "info",
    "links",
    "pageprops",
    "revisions",
    "stashimageinfo",
    "templates",
];

/// Modules available as `generator=`: the list and prop modules that
/// produce pages.
pub const GENERATOR_MODULES: &[&str] = &[
    "allcategories",
    "allimages",
    "allpages",
    "backlinks",
    "categories",
    "categorymembers",
    "duplicatefiles",
    "embeddedin",
    "fileusage",
    "images",
    "imageusage",
    "links",
    "prefixsearch",
    "recentchanges",
    "revisions",
    "search",
    "templates",
];

/// Meta modules available under `meta=`.
pub const META_MODULES: &[&str] = &[
    "botpasswords",
    "filerepoinfo",
    "siteinfo",
    "tokens",
    "userinfo",
];

pub static QUERY: ModuleSpec = ModuleSpec {
    name: "query",
    path: "query",
    group: "action",
    class: "ApiQuery",
    prefix: "",
    params: &[
        ParamSpec::new("prop", ParamType::Submodule(PROP_MODULES, "query+")).multi(),
        ParamSpec::new("list", ParamType::Submodule(lists::LIST_MODULES, "query+")).multi(),
        ParamSpec::new("meta", ParamType::Submodule(META_MODULES, "query+")).multi(),
        ParamSpec::flag("indexpageids"),
        ParamSpec::flag("export"),
        ParamSpec::flag("exportnowrap"),
        ParamSpec::flag("iwurl"),
        ParamSpec::string("continue"),
        ParamSpec::flag("rawcontinue"),
        ParamSpec::string("titles").multi(),
        ParamSpec::integer("pageids").multi(),
        ParamSpec::integer("revids").multi(),
        ParamSpec::new(
            "generator",
            ParamType::Submodule(GENERATOR_MODULES, "query+"),
        ),
        ParamSpec::flag("redirects"),
        ParamSpec::flag("converttitles"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Query"),
};

const TOKEN_TYPES: &[&str] = &[
    "createaccount",
    "csrf",
    "login",
    "patrol",
    "rollback",
    "userrights",
    "watch",
];

pub static TOKENS: ModuleSpec = ModuleSpec {
    name: "tokens",
    path: "query+tokens",
    group: "meta",
    class: "ApiQueryTokens",
    prefix: "",
    params: &[ParamSpec::new("type", ParamType::Enum(TOKEN_TYPES))
        .multi()
        .all_values()
        .default("csrf")],
    must_post: false,
    write: false,
    read_rights: false,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Tokens"),
};

const USERINFO_PROPS: &[&str] = &[
    "acceptlang",
    "blockinfo",
    "cancreateaccount",
    "centralids",
    "changeablegroups",
    "editcount",
    "email",
    "groupmemberships",
    "groups",
    "hasmsg",
    "implicitgroups",
    "latestcontrib",
    "options",
    "ratelimits",
    "realname",
    "registrationdate",
    "rights",
    "theoneratelimit",
    "unreadcount",
];

pub static USERINFO: ModuleSpec = ModuleSpec {
    name: "userinfo",
    path: "query+userinfo",
    group: "meta",
    class: "ApiQueryUserInfo",
    prefix: "ui",
    params: &[
        ParamSpec::new("prop", ParamType::Enum(USERINFO_PROPS)).multi(),
        ParamSpec::string("attachedwiki"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Userinfo"),
};

/// Parsed parameters of query: the pages, and the prop, list and meta
/// modules asked for, each in the order asked for (which is the order
/// of their output).
pub struct QueryParams {
    generator: Option<Generator>,
    pages: pageset::PageSetParams,
    /// `indexpageids`: also list the page ids, in page order.
    index_page_ids: bool,
    props: Vec<Prop>,
    meta: Vec<Meta>,
    lists: Vec<lists::List>,
    continuation: Continuation,
    /// `rawcontinue`: answer with `query-continue`.
    raw_continue: bool,
    high_limits: bool,
}

enum Prop {
    Info(info::InfoParams),
    ImageInfo(imageinfo::ImageInfoParams),
    Revisions(Box<revisions::RevisionsParams>),
    StashImageInfo(imageinfo::StashImageInfoParams),
    Links(linkprops::LinkPropParams),
    FileUsage(fileprops::FileUsageParams),
    Duplicates(fileprops::DuplicateFilesParams),
    CategoryInfo,
    Content(contentprops::ContentProp),
}

/// The module that produces the pages, with its `g`-prefixed parameters.
enum Generator {
    List(lists::List),
    Links(&'static ModuleSpec, linkprops::LinkPropParams),
    FileUsage(fileprops::FileUsageParams),
    Duplicates(fileprops::DuplicateFilesParams),
    /// The pages of the revisions the set names (their `grv*` parameters
    /// are read and change nothing about which pages these are).
    Revisions,
}

impl Generator {
    fn parse(
        name: &str,
        raw: &mut RawParams,
        output: &mut Output,
        high_limits: bool,
        sitename: &str,
    ) -> Result<Generator, ApiError> {
        if lists::LIST_MODULES.contains(&name) {
            let list = lists::List::parse(name, raw, output, high_limits, true, sitename)?;
            return Ok(Generator::List(list));
        }
        let spec = prop_spec(name);
        let prefix = lists::generator_prefix(spec.prefix);
        let mut reader = ParamReader::new(raw, output, prefix, spec.path, high_limits);
        match name {
            "fileusage" => fileprops::FileUsageParams::parse(&mut reader).map(Generator::FileUsage),
            "duplicatefiles" => {
                fileprops::DuplicateFilesParams::parse(&mut reader).map(Generator::Duplicates)
            }
            "revisions" => {
                revisions::RevisionsParams::parse(&mut reader).map(|_| Generator::Revisions)
            }
            _ => linkprops::LinkPropParams::parse(name, &mut reader)
                .map(|params| Generator::Links(spec, params)),
        }
        .map_err(|e| e.in_module(spec.path))
    }

    fn spec(&self) -> &'static ModuleSpec {
        match self {
            Generator::List(list) => list.spec(),
            Generator::Links(spec, _) => spec,
            Generator::FileUsage(_) => &fileprops::FILEUSAGE,
            Generator::Duplicates(_) => &fileprops::DUPLICATEFILES,
            Generator::Revisions => &revisions::REVISIONS,
        }
    }

    /// Runs the generator (prop generators on the pages `input` names):
    /// the generated pages, and the continuation parameter and value.
    async fn run(
        self,
        input: &pageset::PageSetParams,
        ctx: &Ctx<'_>,
    ) -> Result<(Vec<Title>, Option<(String, String)>), ApiError> {
        let spec = self.spec();
        let own_param = format!("g{}continue", spec.prefix);
        let (titles, next) = match self {
            Generator::List(list) => {
                let batch = list.execute(ctx).await?;
                let next = batch.next.map(|(key, value)| (format!("g{key}"), value));
                return Ok((batch.pages, next));
            }
            Generator::Links(_, params) => {
                let set = pageset::resolve(input, ctx).await?;
                linkprops::generate(&set.entries, &params, ctx).await?
            }
            Generator::FileUsage(params) => {
                let set = pageset::resolve(input, ctx).await?;
                fileprops::generate_file_usage(&set.entries, &params, ctx).await?
            }
            Generator::Duplicates(params) => {
                let set = pageset::resolve(input, ctx).await?;
                fileprops::generate_duplicates(&set.entries, &params, ctx).await?
            }
            Generator::Revisions => {
                let set = pageset::resolve(input, ctx).await?;
                let titles = set.entries.into_iter().filter_map(|e| e.title).collect();
                (titles, None)
            }
        };
        Ok((titles, next.map(|value| (own_param, value))))
    }
}

/// The spec of prop module `name` (one of `PROP_MODULES`).
fn prop_spec(name: &str) -> &'static ModuleSpec {
    match name {
        "info" => &info::INFO,
        "imageinfo" => &imageinfo::IMAGEINFO,
        "revisions" => &revisions::REVISIONS,
        "stashimageinfo" => &imageinfo::STASHIMAGEINFO,
        "fileusage" => &fileprops::FILEUSAGE,
        "duplicatefiles" => &fileprops::DUPLICATEFILES,
        "categoryinfo" => &fileprops::CATEGORYINFO,
        "extlinks" => &contentprops::EXTLINKS,
        "pageprops" => &contentprops::PAGEPROPS,
        "contributors" => &contentprops::CONTRIBUTORS,
        _ => linkprops::spec(name),
    }
}

enum Meta {
    Tokens(Vec<&'static str>),
    Userinfo(Vec<&'static str>),
    Siteinfo(siteinfo::SiteinfoParams),
    FileRepoInfo(filerepoinfo::FileRepoInfoParams),
    BotPasswords,
}

/// `multisource`: two of `titles`, `pageids` and `revids` were given.
fn multisource(given: &str, earlier: &str) -> ApiError {
    ApiError::new(
        "multisource",
        Message::new(
            "apierror-invalidparammix-cannotusewith",
            vec![given.into(), earlier.into()],
            format!("The <kbd>{given}</kbd> parameter cannot be used with <kbd>{earlier}</kbd>."),
        ),
    )
}

impl QueryParams {
    pub fn parse(
        raw: &mut RawParams,
        output: &mut Output,
        high_limits: bool,
        sitename: &str,
    ) -> Result<QueryParams, ApiError> {
        let p = |name| QUERY.param(name);
        let mut reader = ParamReader::new(raw, output, QUERY.prefix, QUERY.path, high_limits);
        let prop_names = reader.choices(p("prop"))?;
        let list_names = reader.choices(p("list"))?;
        let generator_name = reader.choice(p("generator"))?;
        let meta = reader.choices(p("meta"))?;
        let index_page_ids = reader.flag(p("indexpageids"))?;
        for flag in ["export", "exportnowrap", "iwurl", "converttitles"] {
            reader.flag(p(flag))?;
        }
        let raw_continue = reader.flag(p("rawcontinue"))?;
        let redirects = reader.flag(p("redirects"))?;
        let continue_value = reader.string(p("continue"))?;
        let titles = reader.strings(p("titles"))?;
        let mut ids = |name: &'static str| -> Result<Vec<i64>, ApiError> {
            let full = name.to_owned();
            reader
                .strings(p(name))?
                .iter()
                .map(|v| {
                    v.trim()
                        .parse()
                        .map_err(|_| ApiError::bad_integer(&full, v))
                })
                .collect()
        };
        let page_ids = ids("pageids")?;
        let revision_ids = ids("revids")?;
        // MediaWiki's order: pageids against titles, then revids.
        if !page_ids.is_empty() && !titles.is_empty() {
            return Err(multisource("pageids", "titles"));
        }
        if !revision_ids.is_empty() {
            if !titles.is_empty() {
                return Err(multisource("revids", "titles"));
            }
            if !page_ids.is_empty() {
                return Err(multisource("revids", "pageids"));
            }
        }
        let mut props = Vec::new();
        for &module in &prop_names {
            let spec = prop_spec(module);
            let mut reader = ParamReader::new(raw, output, spec.prefix, spec.path, high_limits);
            let reader = &mut reader;
            let parsed = match module {
                "info" => info::InfoParams::parse(reader).map(Prop::Info),
                "imageinfo" => imageinfo::ImageInfoParams::parse(reader).map(Prop::ImageInfo),
                "revisions" => {
                    revisions::RevisionsParams::parse(reader).map(|p| Prop::Revisions(Box::new(p)))
                }
                "stashimageinfo" => {
                    imageinfo::StashImageInfoParams::parse(reader).map(Prop::StashImageInfo)
                }
                "fileusage" => fileprops::FileUsageParams::parse(reader).map(Prop::FileUsage),
                "duplicatefiles" => {
                    fileprops::DuplicateFilesParams::parse(reader).map(Prop::Duplicates)
                }
                "categoryinfo" => reader
                    .string(fileprops::CATEGORYINFO.param("continue"))
                    .map(|_| Prop::CategoryInfo),
                "extlinks" | "pageprops" | "contributors" => {
                    contentprops::ContentProp::parse(module, reader).map(Prop::Content)
                }
                _ => linkprops::LinkPropParams::parse(module, reader).map(Prop::Links),
            };
            props.push(parsed.map_err(|e| e.in_module(spec.path))?);
        }

        // A generator reads its module's parameters with a "g" before them.
        let generator = generator_name
            .map(|name| Generator::parse(name, raw, output, high_limits, sitename))
            .transpose()?;

        let mut lists = Vec::new();
        for &name in &list_names {
            lists.push(lists::List::parse(
                name,
                raw,
                output,
                high_limits,
                false,
                sitename,
            )?);
        }

        let mut parsed = Vec::new();
        for &module in &meta {
            let spec = match module {
                "tokens" => &TOKENS,
                "userinfo" => &USERINFO,
                "filerepoinfo" => &filerepoinfo::FILEREPOINFO,
                "botpasswords" => &botpasswords::BOTPASSWORDS_META,
                _ => &siteinfo::SITEINFO,
            };
            let mut reader = ParamReader::new(raw, output, spec.prefix, spec.path, high_limits);
            let parse = |reader: &mut ParamReader<'_>| -> Result<Meta, ApiError> {
                Ok(match module {
                    "tokens" => Meta::Tokens(reader.choices(TOKENS.param("type"))?),
                    "userinfo" => {
                        let props = reader.choices(USERINFO.param("prop"))?;
                        reader.string(USERINFO.param("attachedwiki"))?;
                        Meta::Userinfo(props)
                    }
                    "filerepoinfo" => {
                        Meta::FileRepoInfo(filerepoinfo::FileRepoInfoParams::parse(reader)?)
                    }
                    "botpasswords" => Meta::BotPasswords,
                    _ => Meta::Siteinfo(siteinfo::SiteinfoParams::parse(reader)?),
                })
            };
            parsed.push(parse(&mut reader).map_err(|e| e.in_module(spec.path))?);
        }
        // MediaWiki's order of modules: props, lists, meta.
        let modules = [&prop_names, &list_names, &meta]
            .into_iter()
            .flatten()
            .copied()
            .collect();
        let continuation =
            Continuation::new(continue_value.as_deref(), raw, modules, prop_names.clone())?;
        Ok(QueryParams {
            generator,
            pages: pageset::PageSetParams {
                titles,
                page_ids,
                revision_ids,
                redirects,
            },
            index_page_ids,
            props,
            meta: parsed,
            lists,
            continuation,
            raw_continue,
            high_limits,
        })
    }
}

impl QueryParams {
    /// `ApiQuery::isReadMode`: a query asking only for meta modules that
    /// read nothing of the wiki (`meta=tokens`) needs no `read` right, so
    /// that clients of a private wiki can log in.
    pub fn is_read_mode(&self) -> bool {
        let reads_meta = self.meta.iter().any(|meta| match meta {
            Meta::Tokens(_) => TOKENS.read_rights,
            Meta::Userinfo(_) => USERINFO.read_rights,
            Meta::BotPasswords => botpasswords::BOTPASSWORDS_META.read_rights,
            Meta::Siteinfo(_) | Meta::FileRepoInfo(_) => true,
        });
        reads_meta
            || !self.props.is_empty()
            || !self.lists.is_empty()
            || self.generator.is_some()
            || !self.pages.is_empty()
    }
}

/// `limits`: the limit each module used where the client said `max`.
/// MediaWiki records it when the module reads its parameters, so the key
/// comes before `query` when nothing was in `query` yet.
#[derive(Default)]
struct Limits {
    map: Map<String, Value>,
    before_query: bool,
}

impl Limits {
    fn record(&mut self, module: &str, limit: i64, query_started: bool) {
        if self.map.is_empty() {
            self.before_query = !query_started;
        }
        self.map.insert(module.into(), limit.into());
    }
}

pub async fn execute(params: QueryParams, ctx: &mut Ctx<'_>) -> Result<(), ApiError> {
    let mut query = Map::new();
    let mut limits = Limits::default();
    let mut continuation = params.continuation;
    let has_pages = !params.pages.is_empty() || params.generator.is_some();
    if has_pages && !continuation.generator_done() {
        let generated = params.generator.is_some();
        let mut set = match params.generator {
            Some(generator) => {
                let spec = generator.spec();
                if let Generator::List(list) = &generator
                    && let Some(limit) = list.max_limit()
                {
                    limits.record(spec.name, limit, false);
                }
                // Search numbers its pages (`index`), from its offset on.
                let first_index = match &generator {
                    Generator::List(lists::List::Search(search)) => Some(search.first_index()),
                    _ => None,
                };
                let (titles, next) = generator
                    .run(&params.pages, ctx)
                    .await
                    .map_err(|e| e.in_module(spec.path))?;
                if let Some((param, value)) = next {
                    continuation.add_generator(spec.name, &param, value);
                }
                let sitename = ctx.app.pages.sitename();
                let generated = pageset::PageSetParams {
                    titles: titles.iter().map(|t| t.text(sitename)).collect(),
                    redirects: params.pages.redirects,
                    ..pageset::PageSetParams::default()
                };
                let mut set = pageset::resolve(&generated, ctx).await?;
                set.normalized.clear();
                if let Some(first) = first_index {
                    for entry in &mut set.entries {
                        if let Some(at) =
                            titles.iter().position(|t| entry.title.as_ref() == Some(t))
                        {
                            entry
                                .fields
                                .insert("index".into(), (first + at as i64).into());
                        }
                    }
                }
                set
            }
            None => pageset::resolve(&params.pages, ctx).await?,
        };
        for prop in &params.props {
            if let Prop::Revisions(revisions) = prop {
                revisions::check(revisions, set.is_multiple())
                    .map_err(|e| e.in_module(revisions::REVISIONS.path))?;
            }
        }
        for prop in &params.props {
            let (spec, limit) = match prop {
                Prop::StashImageInfo(_) => continue,
                Prop::Info(_) => (&info::INFO, None),
                Prop::ImageInfo(p) => (&imageinfo::IMAGEINFO, p.limit_is_max.then_some(p.limit)),
                Prop::Revisions(_) => (&revisions::REVISIONS, None),
                Prop::Links(p) => (
                    linkprops::spec(p.name()),
                    p.limit_is_max.then_some(p.limit()),
                ),
                Prop::FileUsage(p) => (&fileprops::FILEUSAGE, p.limit_is_max.then_some(p.limit())),
                Prop::Duplicates(p) => (
                    &fileprops::DUPLICATEFILES,
                    p.limit_is_max.then_some(p.limit()),
                ),
                Prop::CategoryInfo => (&fileprops::CATEGORYINFO, None),
                Prop::Content(p) => (p.spec(), p.max_limit()),
            };
            if !continuation.runs(spec.name) {
                continue;
            }
            if let Some(limit) = limit {
                limits.record(spec.name, limit, !set.entries.is_empty());
            }
            let continue_param = format!("{}continue", spec.prefix);
            let next = match prop {
                Prop::Info(info) => {
                    for entry in &mut set.entries {
                        info::add(entry, info, ctx).await?;
                    }
                    None
                }
                Prop::ImageInfo(imageinfo) => {
                    let single = set.entries.len() == 1;
                    for entry in &mut set.entries {
                        if let Some(next) = imageinfo::add(entry, imageinfo, single, ctx).await? {
                            for (param, value) in next {
                                let value = value.as_str().map(str::to_owned);
                                continuation.add(spec.name, &param, value.unwrap_or_default());
                            }
                        }
                    }
                    None
                }
                Prop::Revisions(revisions) => {
                    let run = revisions::add(&mut set.entries, revisions, params.high_limits, ctx)
                        .await
                        .map_err(|e| e.in_module(spec.path))?;
                    if let Some(limit) = run.limit_used {
                        limits.record(spec.name, limit, !set.entries.is_empty());
                    }
                    run.next
                }
                Prop::Links(links) => linkprops::add(&mut set.entries, links, ctx)
                    .await
                    .map_err(|e| e.in_module(spec.path))?,
                Prop::FileUsage(usage) => fileprops::add_file_usage(&mut set.entries, usage, ctx)
                    .await
                    .map_err(|e| e.in_module(spec.path))?,
                Prop::Duplicates(dups) => fileprops::add_duplicates(&mut set.entries, dups, ctx)
                    .await
                    .map_err(|e| e.in_module(spec.path))?,
                Prop::CategoryInfo => {
                    fileprops::add_category_info(&mut set.entries, ctx).await?;
                    None
                }
                Prop::Content(content) => content
                    .add(&mut set.entries, ctx)
                    .await
                    .map_err(|e| e.in_module(spec.path))?,
                Prop::StashImageInfo(_) => None,
            };
            if let Some(next) = next {
                continuation.add(spec.name, &continue_param, next);
            }
        }
        if !set.normalized.is_empty() {
            query.insert("normalized".into(), Value::Array(set.normalized));
        }
        if !set.redirects.is_empty() {
            query.insert("redirects".into(), Value::Array(set.redirects));
        }
        if !set.bad_revision_ids.is_empty() {
            query.insert(
                "badrevids".into(),
                pageset::bad_revision_ids(&set.bad_revision_ids, ctx),
            );
        }
        if !set.entries.is_empty() {
            let by_title = generated || !params.pages.titles.is_empty();
            let pages = pageset::render(set.entries, ctx.output.fv, by_title);
            if params.index_page_ids {
                query.insert("pageids".into(), pageset::page_ids(&pages));
            }
            query.insert("pages".into(), pages);
        }
    }
    for prop in params.props {
        if let Prop::StashImageInfo(stash) = prop {
            let list = imageinfo::stash_image_info(stash, ctx)
                .await
                .map_err(|e| e.in_module(imageinfo::STASHIMAGEINFO.path))?;
            query.insert("stashimageinfo".into(), list);
        }
    }
    for list in params.lists {
        let spec = list.spec();
        if !continuation.runs(spec.name) {
            continue;
        }
        if let Some(limit) = list.max_limit() {
            limits.record(spec.name, limit, !query.is_empty());
        }
        let (info, batch) = match list {
            lists::List::Search(params) => search::search(params, ctx)
                .await
                .map_err(|e| e.in_module(spec.path))?,
            list => (None, list.execute(ctx).await?),
        };
        if let Some(info) = info {
            query.insert("searchinfo".into(), info);
        }
        query.insert(spec.name.into(), batch.items);
        if let Some((param, value)) = batch.next {
            continuation.add(spec.name, &param, value);
        }
    }
    for meta in params.meta {
        match meta {
            Meta::Siteinfo(params) => {
                let site = siteinfo::execute(params, ctx)
                    .await
                    .map_err(|e| e.in_module(siteinfo::SITEINFO.path))?;
                query.extend(site);
            }
            Meta::Userinfo(props) => {
                query.insert("userinfo".into(), userinfo(&props, ctx));
            }
            Meta::Tokens(types) => {
                query.insert("tokens".into(), tokens(&types, ctx));
            }
            Meta::FileRepoInfo(params) => {
                query.insert("repos".into(), filerepoinfo::execute(&params, ctx));
            }
            Meta::BotPasswords => {
                let bots = botpasswords::list(ctx)
                    .await
                    .map_err(|e| e.in_module(botpasswords::BOTPASSWORDS_META.path))?;
                query.insert("botpasswords".into(), bots);
            }
        }
    }
    let before_query = limits.before_query;
    let mut limits = (!limits.map.is_empty()).then_some(Value::Object(limits.map));
    if before_query && let Some(limits) = limits.take() {
        ctx.output.add("limits", limits);
    }
    if !query.is_empty() {
        ctx.output.add("query", Value::Object(query));
    }
    if let Some(limits) = limits {
        ctx.output.add("limits", limits);
    }
    continuation.write(&mut ctx.output, params.raw_continue);
    Ok(())
}

/// `meta=tokens`: one fresh token per requested type.
fn tokens(types: &[&str], ctx: &mut Ctx<'_>) -> Value {
    let mut tokens = Map::new();
    if !ctx.same_origin {
        ctx.output.warn(
            TOKENS.path,
            "tokens-origin",
            Message::new(
                "apiwarn-tokens-origin",
                vec![],
                "Tokens may not be obtained when the same-origin policy is not applied.".into(),
            ),
        );
        return Value::Object(tokens);
    }
    let anonymous = ctx.identity.is_anonymous();
    for name in types {
        if let Some(ty) = TokenType::from_name(name) {
            let token = ctx.session.token(ty, anonymous, ctx.now);
            tokens.insert(format!("{name}token"), token.into());
        }
    }
    Value::Object(tokens)
}

/// `meta=userinfo`: who the request acts as.
fn userinfo(props: &[&str], ctx: &mut Ctx<'_>) -> Value {
    let identity = &ctx.identity;
    let output = &ctx.output;
    let mut info = Map::new();
    match &identity.user {
        Some(user) => {
            info.insert("id".into(), user.id.into());
            info.insert("name".into(), user.name.clone().into());
        }
        None => {
            info.insert("id".into(), 0.into());
            info.insert("name".into(), ctx.client_ip.to_string().into());
            output.set_flag(&mut info, "anon", true);
        }
    }
    let wants = |prop: &str| props.contains(&prop);
    if wants("hasmsg") {
        output.set_flag(&mut info, "messages", false);
    }
    if wants("groups") {
        info.insert("groups".into(), identity.groups.clone().into());
    }
    if wants("groupmemberships") {
        let implicit = identity.implicit_groups();
        let explicit: Vec<Value> = identity
            .groups
            .iter()
            .filter(|g| !implicit.contains(&g.as_str()))
            .map(|g| serde_json::json!({"group": g, "expiry": "infinity"}))
            .collect();
        info.insert("groupmemberships".into(), explicit.into());
    }
    if wants("implicitgroups") {
        info.insert(
            "implicitgroups".into(),
            identity.implicit_groups().to_vec().into(),
        );
    }
    if wants("rights") {
        info.insert("rights".into(), identity.rights.clone().into());
    }
    if wants("changeablegroups") {
        let all: Vec<&str> = if identity.has_right("userrights") {
            ctx.app.accounts.policy().assignable_groups().collect()
        } else {
            Vec::new()
        };
        info.insert(
            "changeablegroups".into(),
            serde_json::json!({"add": all, "remove": all, "add-self": [], "remove-self": []}),
        );
    }
    if wants("options") {
        info.insert("options".into(), Value::Object(Map::new()));
    }
    if wants("editcount") && identity.user.is_some() {
        info.insert("editcount".into(), 0.into());
    }
    // wikiupload has no rate limits; an empty object says so.
    if wants("ratelimits") {
        info.insert("ratelimits".into(), Value::Object(Map::new()));
    }
    if wants("email") && identity.user.is_some() {
        info.insert("email".into(), "".into());
    }
    if wants("realname") && identity.user.is_some() {
        info.insert("realname".into(), "".into());
    }
    if wants("registrationdate") && identity.user.is_some() {
        let registered = ctx.identity.registered_at.map(iso_timestamp);
        info.insert("registrationdate".into(), registered.into());
    }
    if wants("centralids") {
        let id = identity.user.as_ref().map_or(0, |u| u.id);
        info.insert("centralids".into(), serde_json::json!({"local": id}));
        info.insert(
            "attachedlocal".into(),
            serde_json::json!({"local": identity.user.is_some()}),
        );
    }
    if wants("cancreateaccount") {
        output.set_flag(&mut info, "cancreateaccount", false);
    }
    if wants("unreadcount") {
        info.insert("unreadcount".into(), 0.into());
    }
    Value::Object(info)
}
