//! SVG rasterized with resvg: parsed with a node limit (roxmltree also caps
//! entity expansion, so a billion laughs fails at parse time), no file or
//! network resource is ever read (only `data:` images, themselves checked
//! for size), text drawn with the system's fonts loaded once.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

use super::{Decoded, Pixels, RenderError, RenderLimits, check_pixels};

/// The largest SVG file rendered (MediaWiki's metadata reader reads 256 KiB;
/// the renderer reads the whole file, within this).
const MAX_SVG_BYTES: u64 = 64 * 1024 * 1024;

/// The system's fonts, loaded on first use.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut database = usvg::fontdb::Database::new();
            database.load_system_fonts();
            Arc::new(database)
        })
        .clone()
}

pub(super) fn rasterize(
    path: &Path,
    width: u32,
    height: u32,
    lang: Option<&str>,
    limits: &RenderLimits,
) -> Result<Decoded, RenderError> {
    check_pixels(width, height, limits)?;
    let size = std::fs::metadata(path)?.len();
    if size > MAX_SVG_BYTES {
        return Err(RenderError::Decode(format!(
            "the SVG file is larger than {MAX_SVG_BYTES} bytes"
        )));
    }
    let bytes = std::fs::read(path)?;
    let text = String::from_utf8_lossy(&bytes);
    let document = usvg::roxmltree::Document::parse_with_options(
        &text,
        usvg::roxmltree::ParsingOptions {
            allow_dtd: true,
            nodes_limit: limits.max_svg_nodes,
            ..Default::default()
        },
    )
    .map_err(|error| RenderError::Decode(format!("invalid SVG: {error}")))?;
    let max_pixels = limits.max_pixels;
    let mut options = usvg::Options {
        fontdb: fonts(),
        languages: vec![lang.unwrap_or("en").to_owned()],
        ..usvg::Options::default()
    };
    let default_data = usvg::ImageHrefResolver::default_data_resolver();
    options.image_href_resolver = usvg::ImageHrefResolver {
        resolve_data: Box::new(move |mime, data, options| {
            embedded_image_fits(&data, max_pixels)
                .then(|| default_data(mime, data, options))
                .flatten()
        }),
        // Never a file, never a URL.
        resolve_string: Box::new(|_, _| None),
    };
    let tree = usvg::Tree::from_xmltree(&document, &options)
        .map_err(|error| RenderError::Decode(format!("invalid SVG: {error}")))?;
    let mut pixmap = tiny_skia::Pixmap::new(width, height)
        .ok_or_else(|| RenderError::Decode("empty thumbnail size".into()))?;
    let view = tree.size();
    let transform = tiny_skia::Transform::from_scale(
        width as f32 / view.width(),
        height as f32 / view.height(),
    );
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    // tiny-skia holds premultiplied RGBA.
    let data = pixmap
        .pixels()
        .iter()
        .flat_map(|pixel| {
            let color = pixel.demultiply();
            [color.red(), color.green(), color.blue(), color.alpha()]
        })
        .collect();
    Ok(Decoded {
        pixels: Pixels {
            width,
            height,
            alpha: true,
            data,
        },
        icc: None,
    })
}

/// Whether an image embedded as a `data:` URL is small enough to decode
/// (its header read, nothing decoded); nested SVG is bounded by its bytes.
fn embedded_image_fits(data: &[u8], max_pixels: u64) -> bool {
    let reader = image::ImageReader::new(std::io::Cursor::new(data)).with_guessed_format();
    let dimensions = match reader {
        Ok(reader) if reader.format().is_some() => reader.into_dimensions().ok(),
        _ => {
            let mut decoder = jpeg_decoder::Decoder::new(data);
            match decoder.read_info() {
                Ok(()) => decoder
                    .info()
                    .map(|info| (u32::from(info.width), u32::from(info.height))),
                // Not a bitmap format: an SVG, bounded by its size.
                Err(_) => return true,
            }
        }
    };
    dimensions.is_some_and(|(width, height)| u64::from(width) * u64::from(height) <= max_pixels)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> RenderLimits {
        RenderLimits {
            max_pixels: 12_500_000,
            max_animated_gif_area: 12_500_000,
            jpeg_quality: 80,
            max_svg_nodes: 200_000,
        }
    }

    fn rasterized(svg: &str) -> Result<Decoded, RenderError> {
        let mut file = tempfile::NamedTempFile::new().expect("temporary file");
        std::io::Write::write_all(&mut file, svg.as_bytes()).expect("written");
        rasterize(file.path(), 50, 50, None, &limits())
    }

    #[test]
    fn a_billion_laughs_fails_at_parse_time() {
        let mut svg =
            String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE svg [\n<!ENTITY l0 \"lol\">\n");
        for level in 1..10 {
            let previous = format!("&l{};", level - 1);
            svg.push_str(&format!("<!ENTITY l{level} \"{}\">\n", previous.repeat(10)));
        }
        svg.push_str(
            "]>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"50\" height=\"50\"><text>&l9;</text></svg>",
        );
        let started = std::time::Instant::now();
        let error = rasterized(&svg).err().expect("refused");
        assert!(error.to_string().contains("invalid SVG"), "{error}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn a_million_elements_exceed_the_node_limit() {
        let mut svg =
            String::from("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"50\" height=\"50\">");
        svg.push_str(&"<g/>".repeat(1_000_000));
        svg.push_str("</svg>");
        let error = rasterized(&svg).err().expect("refused");
        assert!(error.to_string().contains("nodes limit"), "{error}");
    }

    #[test]
    fn external_images_are_never_read() {
        let secret = tempfile::NamedTempFile::new().expect("temporary file");
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"50\" height=\"50\"><image width=\"50\" height=\"50\" xlink:href=\"file://{}\"/></svg>",
            secret.path().display()
        );
        // Rendered without the image: transparent.
        let decoded = rasterized(&svg).expect("rendered");
        assert!(decoded.pixels.data.chunks_exact(4).all(|px| px[3] == 0));
    }
}
