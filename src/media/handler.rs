//! The media handlers' thumbnail rules, MediaWiki's: which types render,
//! which must always be rendered, what a thumbnail's format is, how its
//! parameters are written into its name and read back (`120px`,
//! `qlow-120px`, `langfr-120px`, `lossy-page2-120px`), and how a requested
//! size becomes the size rendered (`ImageHandler::normaliseParams` and its
//! subclasses).

use serde_json::Value;

/// The handler of a MIME type, as far as thumbnails go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler {
    Png,
    Jpeg,
    Gif,
    Webp,
    Svg,
    /// Paged, as the PagedTiffHandler extension does it.
    Tiff,
    Bmp,
}

/// The image formats thumbnails are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThumbFormat {
    Png,
    Jpeg,
    Gif,
}

impl ThumbFormat {
    pub fn mime(self) -> &'static str {
        match self {
            ThumbFormat::Png => "image/png",
            ThumbFormat::Jpeg => "image/jpeg",
            ThumbFormat::Gif => "image/gif",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            ThumbFormat::Png => "png",
            ThumbFormat::Jpeg => "jpg",
            ThumbFormat::Gif => "gif",
        }
    }
}

/// What the thumbnail rules need to know about a file version.
#[derive(Debug, Clone)]
pub struct SourceFacts {
    pub mime: String,
    pub width: i64,
    pub height: i64,
    /// Degrees the thumbnail is turned clockwise (JPEG Exif orientation).
    pub rotation: u32,
    /// GIF frames (1 for a still image).
    pub frames: i64,
    /// An SVG the handler could not read: its error message.
    pub svg_error: Option<String>,
}

impl SourceFacts {
    /// The facts of a version from its stored columns; `metadata` is the
    /// API list form imageinfo gives (`[{"name", "value"}]`).
    pub fn new(mime: &str, width: i64, height: i64, metadata: &str) -> SourceFacts {
        let metadata: Value = serde_json::from_str(metadata).unwrap_or(Value::Null);
        let item = |key: &str| {
            metadata.as_array().and_then(|items| {
                items
                    .iter()
                    .find(|item| item["name"] == key)
                    .map(|item| &item["value"])
            })
        };
        let rotation = match (mime, item("Orientation").and_then(Value::as_i64)) {
            ("image/jpeg", Some(8)) => 90,
            ("image/jpeg", Some(3)) => 180,
            ("image/jpeg", Some(6)) => 270,
            _ => 0,
        };
        let frames = match mime {
            "image/gif" => item("frameCount").and_then(Value::as_i64).unwrap_or(1),
            _ => 1,
        };
        let svg_error = match mime {
            "image/svg+xml" | "image/svg" => item("error").map(|error| {
                error
                    .as_array()
                    .and_then(|fields| fields.iter().find(|field| field["name"] == "message"))
                    .and_then(|field| field["value"].as_str())
                    .unwrap_or_default()
                    .to_owned()
            }),
            _ => None,
        };
        SourceFacts {
            mime: mime.to_owned(),
            width,
            height,
            rotation,
            frames: frames.max(1),
            svg_error,
        }
    }
}

/// Thumbnail parameters: what `iiurlparam`, `iiurlwidth`/`iiurlheight`,
/// `thumb.php` or a thumbnail's name asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ThumbParams {
    pub width: Option<i64>,
    /// The height of the box the thumbnail must fit (`None`: any).
    pub height: Option<i64>,
    pub page: Option<i64>,
    /// JPEG `qlow-`: a low-quality thumbnail.
    pub low_quality: bool,
    /// SVG `lang<code>-`: the language to render.
    pub lang: Option<String>,
    /// TIFF `lossy-`/`lossless-`: JPEG or PNG output.
    pub lossy: Option<bool>,
}

/// The parameters after normalisation: the size shown and the size drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalised {
    pub params: ThumbParams,
    /// The width and height the client shows.
    pub width: i64,
    pub height: i64,
    /// The size of the rendered bitmap.
    pub physical_width: i64,
    pub physical_height: i64,
    pub page: i64,
}

/// Limits of the handlers that depend on the configuration.
#[derive(Debug, Clone)]
pub struct HandlerLimits {
    /// `$wgSVGMaxSize`: the largest rendered side of an SVG (the smaller side).
    pub svg_max_size: i64,
}

/// `File::scaleHeight`: the height of a `dst_width` wide scaled copy.
pub fn scale_height(src_width: i64, src_height: i64, dst_width: i64) -> i64 {
    if src_width == 0 {
        0
    } else {
        php_round(src_height as f64 * dst_width as f64 / src_width as f64)
    }
}

/// `MediaHandler::fitBoxWidth`: the widest width whose scaled height fits
/// `max_height`.
pub fn fit_box_width(box_width: i64, box_height: i64, max_height: i64) -> i64 {
    let ideal = box_width as f64 * max_height as f64 / box_height as f64;
    let rounded_up = ideal.ceil();
    if php_round(rounded_up * box_height as f64 / box_width as f64) > max_height {
        ideal.floor() as i64
    } else {
        rounded_up as i64
    }
}

/// PHP's `round()`: halves away from zero.
pub fn php_round(value: f64) -> i64 {
    value.round() as i64
}

impl Handler {
    pub fn for_mime(mime: &str) -> Option<Handler> {
        Some(match mime {
            "image/png" => Handler::Png,
            "image/jpeg" => Handler::Jpeg,
            "image/gif" => Handler::Gif,
            "image/webp" => Handler::Webp,
            "image/svg+xml" | "image/svg" => Handler::Svg,
            "image/tiff" => Handler::Tiff,
            "image/bmp" | "image/x-bmp" | "image/x-ms-bmp" => Handler::Bmp,
            _ => return None,
        })
    }

    /// `canRender`: a handler renders files that have a size.
    pub fn can_render(self, file: &SourceFacts) -> bool {
        file.width > 0 && file.height > 0
    }

    /// `mustRender`: types browsers cannot show, and rotated JPEGs, are
    /// always rendered, even at their own size.
    pub fn must_render(self, file: &SourceFacts) -> bool {
        match self {
            Handler::Svg | Handler::Webp | Handler::Tiff | Handler::Bmp => true,
            Handler::Jpeg => file.rotation != 0,
            Handler::Png | Handler::Gif => false,
        }
    }

    /// `getThumbType`: the format of a thumbnail.
    pub fn thumb_format(self, params: &ThumbParams) -> ThumbFormat {
        match self {
            Handler::Jpeg => ThumbFormat::Jpeg,
            Handler::Gif => ThumbFormat::Gif,
            Handler::Tiff if params.lossy == Some(true) => ThumbFormat::Jpeg,
            Handler::Png | Handler::Webp | Handler::Svg | Handler::Tiff | Handler::Bmp => {
                ThumbFormat::Png
            }
        }
    }

    /// The extension a thumbnail's name gets after the file's name: none
    /// when the format is the file's own.
    pub fn thumb_suffix(self, params: &ThumbParams) -> Option<&'static str> {
        match (self, self.thumb_format(params)) {
            (Handler::Png, ThumbFormat::Png)
            | (Handler::Jpeg, ThumbFormat::Jpeg)
            | (Handler::Gif, ThumbFormat::Gif) => None,
            (_, format) => Some(format.extension()),
        }
    }

    /// `parseParamString`: the parameters a thumbnail name's prefix (or
    /// `iiurlparam`) gives, or None when this handler does not read it.
    pub fn parse_param_string(self, text: &str) -> Option<ThumbParams> {
        let pixels = |text: &str| -> Option<i64> {
            let digits = text.strip_suffix("px")?;
            (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| digits.parse().ok())
                .flatten()
        };
        let width = |text: &str| {
            pixels(text).map(|width| ThumbParams {
                width: Some(width),
                ..ThumbParams::default()
            })
        };
        match self {
            Handler::Png | Handler::Gif | Handler::Webp | Handler::Bmp => {
                // Interlacing is parsed, and normalised away: no type is in
                // `$wgMaxInterlacingAreas` by default.
                width(text.strip_prefix("interlaced-").unwrap_or(text))
            }
            Handler::Jpeg => match text.find('q') {
                // JpegHandler looks for `q<value>-` anywhere.
                Some(at) if text[at + 1..].contains('-') => {
                    let rest = &text[at + 1..];
                    let (quality, size) = rest.split_once('-')?;
                    if quality.is_empty() || quality != "low" {
                        return None;
                    }
                    let mut params = width(size.strip_prefix("interlaced-").unwrap_or(size))?;
                    params.low_quality = true;
                    Some(params)
                }
                _ => width(text.strip_prefix("interlaced-").unwrap_or(text)),
            },
            Handler::Svg => {
                if let Some(rest) = text.strip_prefix("lang") {
                    let (lang, size) = rest.rsplit_once('-')?;
                    let well_formed_code = !lang.is_empty()
                        && lang.split('-').all(|part| {
                            !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase())
                        });
                    if !well_formed_code {
                        return None;
                    }
                    let mut params = width(size)?;
                    params.lang = Some(lang.to_owned());
                    return Some(params);
                }
                width(text)
            }
            Handler::Tiff => {
                let (lossy, rest) = if let Some(rest) = text.strip_prefix("lossy-") {
                    (Some(true), rest)
                } else if let Some(rest) = text.strip_prefix("lossless-") {
                    (Some(false), rest)
                } else {
                    (None, text)
                };
                let (page, size) = match rest.strip_prefix("page") {
                    Some(paged) => {
                        let (page, size) = paged.split_once('-')?;
                        if page.is_empty() || !page.bytes().all(|b| b.is_ascii_digit()) {
                            return None;
                        }
                        (Some(page.parse().ok()?), size)
                    }
                    None => (None, rest),
                };
                let mut params = width(size)?;
                params.lossy = lossy;
                params.page = page;
                Some(params)
            }
        }
    }

    /// `validateParam` of every parameter given: sizes and pages positive,
    /// languages well formed.
    pub fn params_valid(self, params: &ThumbParams) -> Result<(), (&'static str, String)> {
        if let Some(width) = params.width.filter(|&width| width <= 0) {
            return Err(("width", width.to_string()));
        }
        if let Some(page) = params.page.filter(|&page| page <= 0) {
            return Err(("page", page.to_string()));
        }
        Ok(())
    }

    /// `makeParamString`: the parameters as a thumbnail name's prefix.
    pub fn make_param_string(self, normalised: &Normalised) -> String {
        let width = normalised.physical_width;
        match self {
            Handler::Png | Handler::Gif | Handler::Webp | Handler::Bmp => format!("{width}px"),
            Handler::Jpeg if normalised.params.low_quality => format!("qlow-{width}px"),
            Handler::Jpeg => format!("{width}px"),
            Handler::Svg => {
                // SVG names the width shown: its drawing may be capped.
                let shown = normalised.width;
                match normalised.params.lang.as_deref() {
                    Some(lang) if lang != "en" => format!("lang{lang}-{shown}px"),
                    _ => format!("{shown}px"),
                }
            }
            Handler::Tiff => format!(
                "{}-page{}-{width}px",
                if normalised.params.lossy == Some(true) {
                    "lossy"
                } else {
                    "lossless"
                },
                normalised.page
            ),
        }
    }

    /// `normaliseParams`: the size shown and the size drawn, or None when
    /// the parameters cannot be normalised (no width, nothing to scale).
    pub fn normalise(
        self,
        file: &SourceFacts,
        params: &ThumbParams,
        limits: &HandlerLimits,
    ) -> Option<Normalised> {
        let mut width = params.width?;
        let page = params.page.unwrap_or(1).max(1);
        let (src_width, src_height) = (file.width, file.height);
        let mut height = params.height.filter(|&height| height != -1);
        let mut physical_width = None;
        if let Some(box_height) = height {
            if width * src_height > box_height * src_width {
                width = fit_box_width(src_width, src_height, box_height).max(1);
                physical_width = Some(width);
            } else {
                height = None;
            }
        }
        let mut physical_width = physical_width.unwrap_or(width);
        if physical_width <= 0 || src_width <= 0 {
            return None;
        }
        let mut physical_height = scale_height(src_width, src_height, physical_width).max(1);
        let height = height.unwrap_or(physical_height);
        if self == Handler::Svg {
            let max = limits.svg_max_size;
            if physical_width <= physical_height {
                if physical_width > max {
                    physical_width = max;
                    physical_height = scale_height(src_width, src_height, max);
                }
            } else if physical_height > max {
                physical_width = scale_height(src_height, src_width, max);
                physical_height = max;
            }
        } else if physical_width >= src_width {
            // Bitmaps are never drawn bigger than they are.
            physical_width = src_width;
            physical_height = src_height;
        }
        Some(Normalised {
            params: params.clone(),
            width,
            height,
            physical_width,
            physical_height,
            page,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(mime: &str, width: i64, height: i64) -> SourceFacts {
        SourceFacts::new(mime, width, height, "null")
    }

    fn width(width: i64) -> ThumbParams {
        ThumbParams {
            width: Some(width),
            ..ThumbParams::default()
        }
    }

    const LIMITS: HandlerLimits = HandlerLimits { svg_max_size: 5120 };

    #[test]
    fn heights_round_as_file_scale_height_does() {
        assert_eq!(scale_height(320, 200, 120), 75);
        assert_eq!(scale_height(320, 200, 100), 63);
        assert_eq!(scale_height(200, 300, 100), 150);
        assert_eq!(scale_height(0, 300, 100), 0);
        assert_eq!(fit_box_width(320, 200, 50), 80);
        assert_eq!(php_round(112.5), 113);
    }

    #[test]
    fn a_box_limits_by_the_smaller_side() {
        let png = facts("image/png", 320, 200);
        let boxed = ThumbParams {
            width: Some(120),
            height: Some(50),
            ..ThumbParams::default()
        };
        let normalised = Handler::Png
            .normalise(&png, &boxed, &LIMITS)
            .expect("normalises");
        assert_eq!(
            (normalised.physical_width, normalised.physical_height),
            (80, 50)
        );
        let wide = Handler::Png
            .normalise(&png, &width(1000), &LIMITS)
            .expect("normalises");
        assert_eq!((wide.physical_width, wide.physical_height), (320, 200));
        let svg = facts("image/svg+xml", 240, 120);
        let big = Handler::Svg
            .normalise(&svg, &width(1000), &LIMITS)
            .expect("normalises");
        assert_eq!((big.physical_width, big.physical_height), (1000, 500));
        let capped = Handler::Svg
            .normalise(&svg, &width(20000), &LIMITS)
            .expect("normalises");
        assert_eq!(
            (capped.physical_width, capped.physical_height),
            (10240, 5120)
        );
        assert_eq!(Handler::Svg.make_param_string(&capped), "20000px");
        assert!(Handler::Png.normalise(&png, &width(0), &LIMITS).is_none());
    }

    #[test]
    fn param_strings_read_back_as_each_handler_writes_them() {
        assert_eq!(Handler::Png.parse_param_string("120px"), Some(width(120)));
        assert_eq!(Handler::Png.parse_param_string("page1-120px"), None);
        assert_eq!(Handler::Png.parse_param_string("lossy-120px"), None);
        let low = Handler::Jpeg
            .parse_param_string("qlow-120px")
            .expect("parses");
        assert!(low.low_quality);
        assert_eq!(Handler::Jpeg.parse_param_string("q50-120px"), None);
        let lang = Handler::Svg
            .parse_param_string("langde-at-120px")
            .expect("parses");
        assert_eq!(lang.lang.as_deref(), Some("de-at"));
        let tiff = Handler::Tiff
            .parse_param_string("lossy-page2-120px")
            .expect("parses");
        assert_eq!(
            (tiff.lossy, tiff.page, tiff.width),
            (Some(true), Some(2), Some(120))
        );
        let normalised = Handler::Tiff
            .normalise(&facts("image/tiff", 400, 300), &tiff, &LIMITS)
            .expect("normalises");
        assert_eq!(
            Handler::Tiff.make_param_string(&normalised),
            "lossy-page2-120px"
        );
        assert_eq!(Handler::Tiff.thumb_suffix(&tiff), Some("jpg"));
        assert_eq!(Handler::Png.thumb_suffix(&width(1)), None);
        assert_eq!(Handler::Svg.thumb_suffix(&width(1)), Some("png"));
    }

    #[test]
    fn rotated_jpegs_must_render() {
        let metadata = r#"[{"name":"Orientation","value":6}]"#;
        let rotated = SourceFacts::new("image/jpeg", 80, 120, metadata);
        assert_eq!(rotated.rotation, 270);
        assert!(Handler::Jpeg.must_render(&rotated));
        assert!(!Handler::Jpeg.must_render(&facts("image/jpeg", 80, 120)));
    }
}
