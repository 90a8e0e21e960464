//! What a thumbnail request becomes, as `File::transform` decides it with
//! a 404 handler in place (nothing is rendered here): the original itself,
//! a thumbnail with its name and URL, MediaWiki's file-type icon, or an
//! error. Also the thumbnail URL layout: `images/thumb/<h>/<hh>/<Name>/
//! <params>-<Name>[.<ext>]`, `images/thumb/archive/<h>/<hh>/<TS>!<Name>/...`.

use super::handler::{Handler, HandlerLimits, Normalised, SourceFacts, ThumbFormat, ThumbParams};
use crate::upload::repo::{hash_dirs, raw_url_encode, wiki_url_encode};

/// A file version thumbnails are made of.
#[derive(Debug, Clone)]
pub struct ThumbSource {
    /// The file's name (DB key).
    pub name: String,
    /// Set for an old version: `<YYYYMMDDHHMMSS>!<Name>`.
    pub archive_name: Option<String>,
    /// A stashed file: `name` is its stash key.
    pub stashed: bool,
    pub sha1: String,
    pub facts: SourceFacts,
}

impl ThumbSource {
    pub fn from_row(row: &crate::storage::FileVersionRow) -> ThumbSource {
        ThumbSource {
            name: row.name.clone(),
            archive_name: row.archive_name.clone(),
            stashed: false,
            sha1: row.sha1.clone(),
            facts: SourceFacts::new(&row.mime, row.width, row.height, &row.metadata),
        }
    }

    /// A stashed file, named by its key (as `UploadStashFile` is).
    pub fn from_stash(entry: &crate::storage::StashRow) -> ThumbSource {
        ThumbSource {
            name: entry.file_key.clone(),
            archive_name: None,
            stashed: true,
            sha1: entry.sha1.clone(),
            facts: SourceFacts::new(&entry.mime, entry.width, entry.height, &entry.metadata),
        }
    }

    fn extension(&self) -> &str {
        self.name.rsplit_once('.').map_or("", |(_, ext)| ext)
    }

    /// The directory of this version's thumbnails, relative to
    /// `images/thumb/`, unencoded (`getThumbRel` without the thumb's name).
    pub fn thumb_dir(&self) -> String {
        match &self.archive_name {
            Some(archive) => format!("archive/{}/{archive}", hash_dirs(&self.name)),
            None => format!("{}/{}", hash_dirs(&self.name), self.name),
        }
    }
}

/// A thumbnail to serve (and render when it is asked for).
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedThumb {
    pub handler: Handler,
    pub normalised: Normalised,
    /// Its file name: `<params>-<Name>[.<ext>]`.
    pub name: String,
    pub format: ThumbFormat,
}

/// A thumbnail that cannot be made, with the HTTP status thumb.php answers.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ThumbError {
    pub status: u16,
    /// The message as text, e.g. `Error creating thumbnail: ...`.
    pub message: String,
}

impl ThumbError {
    /// `thumbnail_error`: "Error creating thumbnail: $1".
    pub fn creating(status: u16, reason: impl std::fmt::Display) -> ThumbError {
        ThumbError {
            status,
            message: format!("Error creating thumbnail: {reason}"),
        }
    }
}

/// What a thumbnail request becomes.
#[derive(Debug, Clone, PartialEq)]
pub enum Transform {
    /// The original is shown as it is, at the client size given.
    Original {
        width: i64,
        height: i64,
    },
    Thumb(PlannedThumb),
    /// No handler, or nothing to render: the file-type icon (`fileicon-<ext>.png`).
    Icon {
        file_name: String,
    },
    Error(ThumbError),
}

/// Limits that decide whether a thumbnail may be made at all.
#[derive(Debug, Clone)]
pub struct TransformLimits {
    pub handler: HandlerLimits,
    /// `$wgMaxImageArea` (None: no limit); JPEGs are exempt, as with
    /// ImageMagick, since they are decoded at reduced scale.
    pub max_image_area: Option<i64>,
}

/// The icons MediaWiki ships in `resources/assets/file-type-icons`.
const ICON_EXTENSIONS: &[&str] = &[
    "c", "cpp", "deb", "djvu", "dvi", "exe", "h", "html", "iso", "java", "mid", "mov", "mpga", "o",
    "ogg", "pdf", "ps", "psd", "rm", "rpm", "svg", "tar", "tex", "ttf", "txt", "xcf",
];

/// `File::iconThumb`'s file name for an extension.
pub fn icon_file_name(extension: &str) -> String {
    if ICON_EXTENSIONS.contains(&extension) {
        format!("fileicon-{extension}.png")
    } else {
        "fileicon.png".to_owned()
    }
}

/// `File::transform` with rendering deferred to the first request.
pub fn plan(source: &ThumbSource, params: &ThumbParams, limits: &TransformLimits) -> Transform {
    let facts = &source.facts;
    let handler = match Handler::for_mime(&facts.mime) {
        Some(handler) if handler.can_render(facts) => handler,
        _ => {
            return Transform::Icon {
                file_name: icon_file_name(source.extension()),
            };
        }
    };
    let Some(normalised) = handler.normalise(facts, params, &limits.handler) else {
        return Transform::Error(ThumbError::creating(400, "Invalid thumbnail parameters"));
    };
    let unscaled = normalised.physical_width == facts.width
        && normalised.physical_height == facts.height
        && !normalised.params.low_quality;
    if !handler.must_render(facts) && unscaled {
        return Transform::Original {
            width: normalised.width,
            height: normalised.height,
        };
    }
    if let Some(message) = &facts.svg_error {
        return Transform::Error(ThumbError::creating(
            500,
            format_args!("Invalid SVG file: {message}"),
        ));
    }
    if let Some(max) = limits.max_image_area
        && handler != Handler::Jpeg
        && handler != Handler::Svg
        && facts.width.saturating_mul(facts.height) > max
    {
        return Transform::Error(too_big(max));
    }
    let mut name = format!("{}-{}", handler.make_param_string(&normalised), source.name);
    if let Some(suffix) = handler.thumb_suffix(params) {
        name.push('.');
        name.push_str(suffix);
    }
    Transform::Thumb(PlannedThumb {
        handler,
        format: handler.thumb_format(params),
        normalised,
        name,
    })
}

/// `TransformTooBigImageAreaError`: "File with dimensions greater than 12.5 MP".
pub fn too_big(max_area: i64) -> ThumbError {
    ThumbError {
        status: 400,
        message: format!(
            "Error creating thumbnail: File with dimensions greater than {}",
            format_pixels(max_area)
        ),
    }
}

/// `Language::formatComputingNumbers($n, 1000, "size-$1pixel")`.
fn format_pixels(pixels: i64) -> String {
    const UNITS: &[&str] = &["", "k", "M", "G", "T", "P"];
    let mut value = pixels as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    let rounded = (value * 100.0).round() / 100.0;
    let text = format!("{rounded}");
    match unit {
        0 => format!("{text} {}", if pixels == 1 { "pixel" } else { "pixels" }),
        _ => format!("{text} {}P", UNITS[unit]),
    }
}

/// The thumbnail URL of `thumb_name` of `source`, under `base` (`{server}
/// {script_path}`); a stashed file's are served by `Special:UploadStash`.
pub fn thumb_url(base: &str, source: &ThumbSource, thumb_name: &str) -> String {
    if source.stashed {
        return format!(
            "{base}/index.php/Special:UploadStash/thumb/{}/{}",
            wiki_url_encode(&source.name),
            raw_url_encode(thumb_name)
        );
    }
    let hash = hash_dirs(&source.name);
    let (zone, file) = match &source.archive_name {
        Some(archive) => (format!("archive/{hash}"), archive.as_str()),
        None => (hash, source.name.as_str()),
    };
    format!(
        "{base}/images/thumb/{zone}/{}/{}",
        raw_url_encode(file),
        raw_url_encode(thumb_name)
    )
}

/// The URL of a file-type icon.
pub fn icon_url(base: &str, file_name: &str) -> String {
    format!("{base}/resources/assets/file-type-icons/{file_name}")
}

/// The parameters a thumbnail's file name gives (`wfExtractThumbParams`):
/// the handler's prefix before the file's name, else the generic
/// `[pageN-]<W>px-...` form; None when neither reads it.
pub fn params_from_thumb_name(
    handler: Option<Handler>,
    file_name: &str,
    thumb_name: &str,
) -> Option<ThumbParams> {
    if let (Some(handler), Some(at)) = (handler, thumb_name.rfind(file_name))
        && at > 0
        && let Some(params) = handler.parse_param_string(&thumb_name[..at - 1])
    {
        return Some(params);
    }
    // The generic form: `(page(\d*)-)*(\d*)px-[^/]*`.
    let mut rest = thumb_name;
    let mut page = None;
    while let Some(after) = rest.strip_prefix("page") {
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if after.as_bytes().get(digits) != Some(&b'-') {
            break;
        }
        if digits > 0 {
            page = after[..digits].parse().ok();
        }
        rest = &after[digits + 1..];
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if !rest[digits..].starts_with("px-") {
        return None;
    }
    Some(ThumbParams {
        // An empty width is PHP's "": no width, which cannot be normalised.
        width: rest[..digits].parse().ok(),
        page,
        ..ThumbParams::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(mime: &str, name: &str, width: i64, height: i64) -> ThumbSource {
        ThumbSource {
            name: name.to_owned(),
            archive_name: None,
            stashed: false,
            sha1: "0".repeat(40),
            facts: SourceFacts::new(mime, width, height, "null"),
        }
    }

    fn limits() -> TransformLimits {
        TransformLimits {
            handler: HandlerLimits { svg_max_size: 5120 },
            max_image_area: Some(12_500_000),
        }
    }

    fn width(width: i64) -> ThumbParams {
        ThumbParams {
            width: Some(width),
            ..ThumbParams::default()
        }
    }

    #[test]
    fn names_and_urls_follow_mediawikis_layout() {
        let png = source("image/png", "Thumb_png.png", 320, 200);
        let Transform::Thumb(thumb) = plan(&png, &width(120), &limits()) else {
            panic!("a thumbnail");
        };
        assert_eq!(thumb.name, "120px-Thumb_png.png");
        let hash = hash_dirs("Thumb_png.png");
        assert_eq!(
            thumb_url("http://h", &png, &thumb.name),
            format!("http://h/images/thumb/{hash}/Thumb_png.png/120px-Thumb_png.png")
        );
        let svg = source("image/svg+xml", "A.svg", 240, 120);
        let Transform::Thumb(thumb) = plan(&svg, &width(1000), &limits()) else {
            panic!("a thumbnail");
        };
        assert_eq!(thumb.name, "1000px-A.svg.png");
        let mut old = png.clone();
        old.archive_name = Some("20261205222926!Thumb_png.png".to_owned());
        assert_eq!(
            thumb_url("http://h", &old, "100px-Thumb_png.png"),
            format!(
                "http://h/images/thumb/archive/{hash}/20261205222926%21Thumb_png.png/100px-Thumb_png.png"
            )
        );
    }

    #[test]
    fn no_upscaling_no_handler_and_too_big() {
        let png = source("image/png", "P.png", 320, 200);
        assert_eq!(
            plan(&png, &width(1000), &limits()),
            Transform::Original {
                width: 1000,
                height: 625
            }
        );
        let pdf = source("application/pdf", "D.pdf", 0, 0);
        assert_eq!(
            plan(&pdf, &width(120), &limits()),
            Transform::Icon {
                file_name: "fileicon-pdf.png".to_owned()
            }
        );
        let huge = source("image/png", "H.png", 100_000, 100_000);
        let Transform::Error(error) = plan(&huge, &width(120), &limits()) else {
            panic!("an error");
        };
        assert_eq!(
            error.message,
            "Error creating thumbnail: File with dimensions greater than 12.5 MP"
        );
        let jpeg = source("image/jpeg", "J.jpg", 10_000, 10_000);
        assert!(matches!(
            plan(&jpeg, &width(120), &limits()),
            Transform::Thumb(_)
        ));
    }

    #[test]
    fn thumb_names_are_read_back() {
        let params = params_from_thumb_name(Some(Handler::Png), "P.png", "77px-P.png");
        assert_eq!(params, Some(width(77)));
        let other = params_from_thumb_name(Some(Handler::Png), "P.png", "90px-Other.png");
        assert_eq!(other, Some(width(90)));
        assert_eq!(
            params_from_thumb_name(Some(Handler::Png), "P.png", "not-a-thumb-name.png"),
            None
        );
        let paged = params_from_thumb_name(None, "D.pdf", "page3-50px-D.pdf.png").expect("reads");
        assert_eq!((paged.page, paged.width), (Some(3), Some(50)));
    }
}
