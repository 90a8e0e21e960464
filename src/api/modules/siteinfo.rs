//! `meta=siteinfo`: what clients read about the wiki when they connect —
//! its URLs, namespaces, upload limits, allowed extensions, groups.

use serde_json::{Map, Value, json};

use super::ModuleSpec;
use crate::api::{ApiError, Ctx, FormatVersion, ParamReader, ParamSpec, ParamType, iso_timestamp};
use crate::pages::title::{NAMESPACE_ALIASES, NAMESPACES};

const PROPS: &[&str] = &[
    "dbrepllag",
    "defaultoptions",
    "extensions",
    "extensiontags",
    "fileextensions",
    "functionhooks",
    "general",
    "interwikimap",
    "languages",
    "languagevariants",
    "libraries",
    "magicwords",
    "namespacealiases",
    "namespaces",
    "protocols",
    "restrictions",
    "rightsinfo",
    "showhooks",
    "skins",
    "specialpagealiases",
    "statistics",
    "uploaddialog",
    "usergroups",
    "variables",
];

pub static SITEINFO: ModuleSpec = ModuleSpec {
    name: "siteinfo",
    path: "query+siteinfo",
    group: "meta",
    class: "ApiQuerySiteinfo",
    prefix: "si",
    params: &[
        ParamSpec::new("prop", ParamType::Enum(PROPS))
            .multi()
            .default("general"),
        ParamSpec::new("filteriw", ParamType::Enum(&["local", "!local"])),
        ParamSpec::flag("showalldb"),
        ParamSpec::flag("numberingroup"),
        ParamSpec::string("inlanguagecode"),
    ],
    must_post: false,
    write: false,
    read_rights: true,
    help_url: Some("https://www.mediawiki.org/wiki/Special:MyLanguage/API:Siteinfo"),
};

/// The MediaWiki release whose API wikiupload implements.
pub const MEDIAWIKI_VERSION: &str = "1.39.0";

/// Clients parse "MediaWiki X.Y" to decide what the wiki can do; this
/// says which protocol wikiupload speaks, then what it really is. Also in
/// index.php's `<meta name="generator">`.
pub fn generator() -> String {
    format!(
        "MediaWiki {MEDIAWIKI_VERSION}-wikiupload-{}",
        env!("CARGO_PKG_VERSION")
    )
}

pub struct SiteinfoParams {
    props: Vec<&'static str>,
}

impl SiteinfoParams {
    pub fn parse(reader: &mut ParamReader<'_>) -> Result<SiteinfoParams, ApiError> {
        let p = |name| SITEINFO.param(name);
        let props = reader.choices(p("prop"))?;
        reader.choice(p("filteriw"))?;
        reader.flag(p("showalldb"))?;
        reader.flag(p("numberingroup"))?;
        reader.string(p("inlanguagecode"))?;
        Ok(SiteinfoParams { props })
    }
}

/// The requested parts, in request order, to be merged into `query`.
pub async fn execute(
    params: SiteinfoParams,
    ctx: &mut Ctx<'_>,
) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    for prop in params.props {
        let value = match prop {
            "general" => general(ctx, ctx.app.db.version().await?),
            "namespaces" => namespaces(ctx),
            "namespacealiases" => namespace_aliases(ctx),
            "fileextensions" => Value::Array(
                ctx.app
                    .config
                    .file_extensions
                    .iter()
                    .map(|ext| json!({"ext": ext}))
                    .collect(),
            ),
            "statistics" => statistics(ctx).await?,
            "usergroups" => usergroups(ctx),
            "rightsinfo" => json!({"url": "", "text": ""}),
            "restrictions" => json!({
                "types": ["create", "edit", "move", "upload"],
                "levels": ["", "autoconfirmed", "sysop"],
                "cascadinglevels": ["sysop"],
                "semiprotectedlevels": ["autoconfirmed"],
            }),
            "languages" => {
                json!([{"code": "en", "bcp47": "en", ctx.output.content_key("name"): "English"}])
            }
            "languagevariants" => Value::Object(Map::new()),
            "skins" => {
                json!([{"code": "vector", "default": ctx.output.flag(true), ctx.output.content_key("name"): "Vector"}])
            }
            "protocols" => json!(["http://", "https://"]),
            "defaultoptions" => Value::Object(Map::new()),
            "dbrepllag" => json!([{"host": "", "lag": 0}]),
            "uploaddialog" => {
                json!({"fields": {"description": true, "date": false, "categories": false}})
            }
            "magicwords" | "specialpagealiases" | "interwikimap" | "extensions" | "libraries"
            | "extensiontags" | "functionhooks" | "showhooks" | "variables" => {
                Value::Array(Vec::new())
            }
            _ => continue,
        };
        out.insert(prop.to_owned(), value);
    }
    Ok(out)
}

fn general(ctx: &Ctx<'_>, db_version: String) -> Value {
    let app = ctx.app;
    let config = &app.config;
    let output = &ctx.output;
    let script_path = &config.script_path;
    let article_path = format!("{script_path}/index.php/$1");
    let server_name = app
        .server
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', ':']).next())
        .unwrap_or_default();
    let fv2 = output.fv == FormatVersion::V2;
    let mut g = Map::new();
    let mut put = |key: &str, value: Value| {
        g.insert(key.to_owned(), value);
    };
    put("mainpage", "Main Page".into());
    put(
        "base",
        format!("{}{}", app.server, article_path.replace("$1", "Main_Page")).into(),
    );
    put("sitename", app.config.sitename.clone().into());
    let flag = |b: bool| output.flag(b);
    let optional = |g: &mut Map<String, Value>, key: &str, value: Option<Value>| {
        if let Some(value) = value {
            g.insert(key.to_owned(), value);
        }
    };
    optional(&mut g, "mainpageisdomainroot", flag(false));
    g.insert("logo".into(), "".into());
    g.insert("generator".into(), generator().into());
    // wikiupload runs no PHP: these say what it runs instead.
    g.insert(
        "phpversion".into(),
        format!(
            "none (wikiupload {} is written in Rust)",
            env!("CARGO_PKG_VERSION")
        )
        .into(),
    );
    g.insert("phpsapi".into(), "wikiupload".into());
    g.insert("dbtype".into(), app.db.backend().name().into());
    g.insert("dbversion".into(), db_version.into());
    optional(&mut g, "imagewhitelistenabled", flag(false));
    optional(&mut g, "langconversion", flag(true));
    optional(&mut g, "linkconversion", flag(true));
    optional(&mut g, "titleconversion", flag(true));
    g.insert("linkprefixcharset".into(), "".into());
    g.insert("linkprefix".into(), "".into());
    g.insert("linktrail".into(), "/^([a-z]+)(.*)$/sD".into());
    g.insert(
        "legaltitlechars".into(),
        " %!\"$&'()*,\\-.\\/0-9:;=?@A-Z\\\\^_`a-z~\\x80-\\xFF+".into(),
    );
    g.insert("invalidusernamechars".into(), "@:>".into());
    optional(&mut g, "allunicodefixes", flag(false));
    optional(&mut g, "fixarabicunicode", flag(true));
    optional(&mut g, "fixmalayalamunicode", flag(true));
    g.insert("case".into(), "first-letter".into());
    g.insert("lang".into(), "en".into());
    g.insert("fallback".into(), json!([]));
    optional(&mut g, "rtl", flag(false));
    g.insert("fallback8bitEncoding".into(), "windows-1252".into());
    optional(&mut g, "readonly", flag(false));
    optional(&mut g, "writeapi", flag(true));
    g.insert("maxarticlesize".into(), 2_097_152.into());
    g.insert("timezone".into(), "UTC".into());
    g.insert("timeoffset".into(), 0.into());
    g.insert("articlepath".into(), article_path.into());
    g.insert("scriptpath".into(), script_path.clone().into());
    g.insert("script".into(), format!("{script_path}/index.php").into());
    g.insert("variantarticlepath".into(), false.into());
    g.insert("server".into(), app.server.clone().into());
    g.insert("servername".into(), server_name.into());
    g.insert("wikiid".into(), config.wiki_id.clone().into());
    g.insert("time".into(), iso_timestamp(ctx.now).into());
    optional(&mut g, "misermode", flag(false));
    optional(&mut g, "uploadsenabled", flag(config.enable_uploads));
    g.insert("maxuploadsize".into(), config.max_upload_size.into());
    g.insert(
        "minuploadchunksize".into(),
        config.min_upload_chunk_size.into(),
    );
    g.insert(
        "galleryoptions".into(),
        json!({
            "imagesPerRow": 0, "imageWidth": 120, "imageHeight": 120,
            "captionLength": flag(true), "showBytes": flag(true), "showDimensions": flag(true),
            "mode": "traditional",
        }),
    );
    let thumb_limits = &app.config.thumb_limits;
    let image_limits = &app.config.image_limits;
    // formatversion 2 prints these PHP lists as objects keyed by index.
    let indexed = |items: Vec<Value>| -> Value {
        if fv2 {
            Value::Object(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (i.to_string(), v))
                    .collect(),
            )
        } else {
            Value::Array(items)
        }
    };
    g.insert(
        "thumblimits".into(),
        indexed(thumb_limits.iter().map(|w| json!(w)).collect()),
    );
    g.insert(
        "imagelimits".into(),
        indexed(
            image_limits
                .iter()
                .map(|(w, h)| json!({"width": w, "height": h}))
                .collect(),
        ),
    );
    g.insert(
        "favicon".into(),
        format!("{}/favicon.ico", app.server).into(),
    );
    g.insert("centralidlookupprovider".into(), "local".into());
    g.insert("allcentralidlookupproviders".into(), json!(["local"]));
    optional(&mut g, "interwikimagic", flag(true));
    g.insert(
        "magiclinks".into(),
        if fv2 {
            json!({"ISBN": false, "PMID": false, "RFC": false})
        } else {
            json!([])
        },
    );
    g.insert("categorycollation".into(), "uppercase".into());
    optional(&mut g, "nofollowlinks", flag(true));
    g.insert("nofollownsexceptions".into(), json!([]));
    g.insert("nofollowdomainexceptions".into(), json!(["mediawiki.org"]));
    optional(&mut g, "externallinktarget", flag(false));
    Value::Object(g)
}

fn namespaces(ctx: &Ctx<'_>) -> Value {
    let output = &ctx.output;
    let mut all = Map::new();
    for &(id, canonical, subpages) in NAMESPACES {
        let name = match id {
            4 => ctx.app.config.sitename.clone(),
            5 => format!("{} talk", ctx.app.config.sitename),
            _ => canonical.to_owned(),
        };
        let mut ns = Map::new();
        ns.insert("id".into(), id.into());
        ns.insert("case".into(), "first-letter".into());
        if output.fv == FormatVersion::V2 {
            ns.insert("name".into(), name.clone().into());
        }
        output.set_flag(&mut ns, "subpages", subpages);
        if id != 0 {
            ns.insert("canonical".into(), canonical.into());
        }
        output.set_flag(&mut ns, "content", id == 0);
        if output.fv == FormatVersion::V2 {
            ns.insert("nonincludable".into(), false.into());
        }
        if id == 8 {
            ns.insert("namespaceprotection".into(), "editinterface".into());
        }
        if output.fv == FormatVersion::V1 {
            ns.insert("*".into(), name.into());
        }
        all.insert(id.to_string(), Value::Object(ns));
    }
    Value::Object(all)
}

/// fv1 gives an alias as `*`, fv2 as `alias`.
fn namespace_aliases(ctx: &Ctx<'_>) -> Value {
    let key = ctx.output.content_key("alias");
    Value::Array(
        NAMESPACE_ALIASES
            .iter()
            .map(|(id, alias)| json!({"id": id, key: alias}))
            .collect(),
    )
}

/// Counts of the wiki's pages, edits, files and users (MediaWiki's
/// `site_stats`, computed when asked).
async fn statistics(ctx: &Ctx<'_>) -> Result<Value, ApiError> {
    let users = ctx.app.db.count_users().await?;
    let pages = ctx.app.db.page_statistics().await?;
    let admins = ctx.app.db.count_users_in_group("sysop").await?;
    Ok(json!({
        "pages": pages.pages, "articles": pages.articles, "edits": pages.edits,
        "images": pages.images, "users": users, "activeusers": 0, "admins": admins, "jobs": 0,
    }))
}

fn usergroups(ctx: &Ctx<'_>) -> Value {
    let policy = ctx.app.accounts.policy();
    let mut names: Vec<String> = crate::auth::rights::IMPLICIT_USER_GROUPS
        .map(String::from)
        .to_vec();
    names.extend(policy.assignable_groups().map(String::from));
    names.dedup();
    Value::Array(
        names
            .into_iter()
            .map(|name| {
                let rights = policy.rights_of(std::slice::from_ref(&name));
                json!({"name": name, "rights": rights})
            })
            .collect(),
    )
}
