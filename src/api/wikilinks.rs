//! The HTML of wiki links and file frames as MediaWiki's parser writes it,
//! for the few places the API answers parsed text: the `[[...]]` of error
//! and warning messages under `errorformat=html`, and imageinfo's
//! `uploadwarning` notice. Page links are blue when the page exists, red
//! (`class="new"`) when not, and special pages are always known;
//! `[[File:X|thumb]]` becomes the thumbnail frame of `Linker::makeThumbLink2`.

use super::AppState;
use super::message::{LinkRenderings, Message, Rendered, inline_html};
use super::modules::imageinfo::thumb_view;
use crate::media::handler::{Handler, ThumbParams};
use crate::media::thumb::ThumbSource;
use crate::pages::title::{FILE, SPECIAL, Title};
use crate::storage::{FileVersionRow, StorageError};
use crate::upload::repo::wiki_url_encode;

/// Where a thumbnail frame sits: `tright` (the default of `thumb`) or
/// centred (`center`: a `center` div around a `tnone` frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameAlign {
    Right,
    Center,
}

/// Renders every `[[...]]` of `messages`. A link whose rendering fails
/// (the database) is logged and left as text.
pub async fn render_message_links<'a>(
    app: &AppState,
    messages: impl IntoIterator<Item = &'a Message>,
) -> LinkRenderings {
    let mut rendered = LinkRenderings::new();
    for message in messages {
        for inner in message.links() {
            if rendered.contains_key(inner) {
                continue;
            }
            match render_link(app, inner).await {
                Ok(Some(html)) => {
                    rendered.insert(inner.to_owned(), html);
                }
                Ok(None) => {}
                Err(err) => tracing::warn!(error = %err, "rendering a message's link failed"),
            }
        }
    }
    rendered
}

/// One `[[target|options...]]`; None when the target is no title.
async fn render_link(app: &AppState, inner: &str) -> Result<Option<Rendered>, StorageError> {
    let mut parts = inner.split('|');
    let written = parts.next().unwrap_or_default().trim();
    let options: Vec<&str> = parts.map(str::trim).collect();
    let (forced_link, written) = match written.strip_prefix(':') {
        Some(rest) => (true, rest),
        None => (false, written),
    };
    let sitename = app.pages.sitename();
    let Some(title) = Title::parse(written, sitename) else {
        return Ok(None);
    };
    let is_thumb = options.iter().any(|o| matches!(*o, "thumb" | "thumbnail"));
    if title.namespace == FILE && !forced_link && is_thumb {
        let align = match options.iter().any(|o| matches!(*o, "center" | "centre")) {
            true => FrameAlign::Center,
            false => FrameAlign::Right,
        };
        let keywords = [
            "thumb",
            "thumbnail",
            "center",
            "centre",
            "left",
            "right",
            "none",
        ];
        let caption = options
            .iter()
            .rev()
            .find(|o| !keywords.contains(o))
            .copied();
        if let Some(row) = app.db.current_file(&title.db_key).await?
            && let Some(html) = thumb_frame(app, &row, align, caption)
        {
            return Ok(Some(Rendered { html, block: true }));
        }
    }
    let label = match options.is_empty() {
        true => written.to_owned(),
        false => options.join("|"),
    };
    let exists =
        title.namespace == SPECIAL || app.pages.page(&title).await.ok().flatten().is_some();
    Ok(Some(Rendered {
        html: page_link(app, &title, &inline_html(&label), exists),
        block: false,
    }))
}

/// `<a>` to a page: its article URL, or for a missing page the red link
/// to its edit form.
pub fn page_link(app: &AppState, title: &Title, label_html: &str, exists: bool) -> String {
    let sitename = app.pages.sitename();
    let key = wiki_url_encode(&title.prefixed_db_key(sitename));
    let text = escape_attribute(&title.text(sitename));
    let base = &app.config.script_path;
    match exists {
        true => format!("<a href=\"{base}/index.php/{key}\" title=\"{text}\">{label_html}</a>"),
        false => format!(
            "<a href=\"{base}/index.php?title={key}&amp;action=edit&amp;redlink=1\" class=\"new\" title=\"{text} (page does not exist)\">{label_html}</a>"
        ),
    }
}

/// `[[File:X|thumb]]` at the default thumbnail width (the user option
/// `thumbsize`, the sixth of `thumb_limits`), with `caption` (or, without
/// one, the file name as the image's `alt`). None when the file type has
/// no handler: the parser then links to the file page.
pub fn thumb_frame(
    app: &AppState,
    row: &FileVersionRow,
    align: FrameAlign,
    caption: Option<&str>,
) -> Option<String> {
    let handler = Handler::for_mime(&row.mime)?;
    let limits = &app.config.thumb_limits;
    let size = i64::from(limits.get(5).or(limits.last()).copied().unwrap_or(300));
    // Bitmaps are not shown wider than they are.
    let width = match handler {
        Handler::Svg => size,
        _ => size.min(row.width.max(1)),
    };
    let params = ThumbParams {
        width: Some(width),
        ..ThumbParams::default()
    };
    let url = app.uploads.repo().public_url(&row.name);
    let view = thumb_view(&ThumbSource::from_row(row), &params, &url, app);
    let local = |url: &str| {
        url.strip_prefix(app.server.as_str())
            .unwrap_or(url)
            .to_owned()
    };
    let src = local(&view.url?);
    // `Html::srcSet`: a URL listed once, at its lowest density.
    let mut densities: Vec<(&str, &str)> = Vec::new();
    for (density, url) in &view.responsive {
        if !densities.iter().any(|(_, seen)| seen == url) {
            densities.push((density, url));
        }
    }
    let srcset = match densities.is_empty() {
        true => String::new(),
        false => format!(
            " srcset=\"{}\"",
            densities
                .iter()
                .map(|(density, url)| format!("{} {density}x", local(url)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let page = local(&app.uploads.repo().description_url(&row.name));
    let alt = match caption {
        Some(_) => String::new(),
        None => escape_attribute(&row.name.replace('_', " ")),
    };
    let caption = caption.map(inline_html).unwrap_or_default();
    let (w, h) = (view.width, view.height);
    let frame = format!(
        "<div class=\"thumbinner\" style=\"width:{}px;\"><a href=\"{page}\" class=\"image\"><img alt=\"{alt}\" src=\"{src}\" decoding=\"async\" width=\"{w}\" height=\"{h}\" class=\"thumbimage\"{srcset} /></a>  <div class=\"thumbcaption\"><div class=\"magnify\"><a href=\"{page}\" class=\"internal\" title=\"Enlarge\"></a></div>{caption}</div></div>",
        w + 2
    );
    Some(match align {
        FrameAlign::Right => format!("<div class=\"thumb tright\">{frame}</div>"),
        FrameAlign::Center => {
            format!("<div class=\"center\"><div class=\"thumb tnone\">{frame}</div></div>")
        }
    })
}

/// Text for an HTML attribute value in double quotes.
fn escape_attribute(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
