//! Rendering a thumbnail: decode (at reduced scale where the format allows
//! it), resize with SIMD convolution (Lanczos 3, alpha premultiplied),
//! turn by the Exif orientation, encode once. Blocking work: it runs on the
//! render pool, never on the async runtime.
//!
//! Decoders never trust a header: every decode is bounded in pixels before
//! any buffer is allocated (`RenderLimits::max_pixels`), the image crate's
//! allocation limit backs that up, and SVG documents are bounded in nodes.

mod jpeg;
mod raster;
mod svg;

use std::path::Path;

use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use super::handler::{Handler, SourceFacts, ThumbFormat};
use super::thumb::PlannedThumb;

/// What bounds a render.
#[derive(Debug, Clone)]
pub struct RenderLimits {
    /// The most pixels a decoded bitmap (or one frame) may have.
    pub max_pixels: u64,
    /// `$wgMaxAnimatedGifArea`: animated GIFs whose frames add up to more
    /// pixels are thumbnailed from their first frame only.
    pub max_animated_gif_area: i64,
    /// `$wgJpegQuality` (80); `qlow-` thumbnails use 30.
    pub jpeg_quality: u8,
    /// The most XML nodes an SVG may have.
    pub max_svg_nodes: u32,
}

/// Why a render failed; shown as "Error creating thumbnail: ...".
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the source file could not be read: {0}")]
    Io(#[from] std::io::Error),
    #[error("the image could not be decoded: {0}")]
    Decode(String),
    #[error("the image is larger than this wiki renders ({0} pixels)")]
    TooManyPixels(u64),
    #[error("the thumbnail could not be encoded: {0}")]
    Encode(String),
}

/// NeuQuant's sampling for GIF palettes: 30, its fastest; thumbnails are
/// small and MediaWiki's own GIF thumbnails are no better.
const GIF_QUANTIZER_SPEED: i32 = 30;

/// 8-bit pixels, RGB or RGBA, row after row.
#[derive(Debug, Clone)]
pub struct Pixels {
    pub width: u32,
    pub height: u32,
    pub alpha: bool,
    pub data: Vec<u8>,
}

impl Pixels {
    fn channels(&self) -> usize {
        if self.alpha { 4 } else { 3 }
    }

    fn pixel_type(&self) -> PixelType {
        if self.alpha {
            PixelType::U8x4
        } else {
            PixelType::U8x3
        }
    }
}

/// A decoded source: pixels and the colour profile to keep.
struct Decoded {
    pixels: Pixels,
    icc: Option<Vec<u8>>,
}

/// Renders `thumb` of the file at `path`; the encoded thumbnail.
pub fn render(
    path: &Path,
    facts: &SourceFacts,
    thumb: &PlannedThumb,
    limits: &RenderLimits,
) -> Result<Vec<u8>, RenderError> {
    let normalised = &thumb.normalised;
    let (width, height) = (
        to_u32(normalised.physical_width),
        to_u32(normalised.physical_height),
    );
    // 90° and 270° are resized before they are turned: sides swapped.
    let (pre_width, pre_height) = match facts.rotation {
        90 | 270 => (height, width),
        _ => (width, height),
    };
    let quality = if normalised.params.low_quality {
        30
    } else {
        limits.jpeg_quality
    };
    if thumb.handler == Handler::Gif
        && facts.frames > 1
        && facts
            .width
            .saturating_mul(facts.height)
            .saturating_mul(facts.frames)
            <= limits.max_animated_gif_area
    {
        return raster::animated_gif(path, width, height, limits);
    }
    let decoded = match thumb.handler {
        Handler::Jpeg => jpeg::decode_scaled(path, pre_width, pre_height, limits)?,
        Handler::Svg => svg::rasterize(
            path,
            width,
            height,
            normalised.params.lang.as_deref(),
            limits,
        )?,
        Handler::Tiff => raster::decode_tiff_page(path, normalised.page, limits)?,
        Handler::Png => raster::decode(path, image::ImageFormat::Png, limits)?,
        Handler::Gif => raster::decode(path, image::ImageFormat::Gif, limits)?,
        Handler::Webp => raster::decode(path, image::ImageFormat::WebP, limits)?,
        Handler::Bmp => raster::decode(path, image::ImageFormat::Bmp, limits)?,
    };
    let resized = resize(decoded.pixels, pre_width, pre_height)?;
    let turned = rotate(resized, facts.rotation);
    encode(&turned, thumb.format, quality, decoded.icc.as_deref())
}

fn to_u32(value: i64) -> u32 {
    u32::try_from(value.max(1)).unwrap_or(u32::MAX)
}

/// Refuses a decode of more than the allowed pixels, before allocating.
fn check_pixels(width: u32, height: u32, limits: &RenderLimits) -> Result<(), RenderError> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels {
        return Err(RenderError::TooManyPixels(pixels));
    }
    Ok(())
}

/// Scales `pixels` to `width` × `height`. Alpha is premultiplied in place
/// (no second copy of a large source) and divided out of the small result.
pub fn resize(mut pixels: Pixels, width: u32, height: u32) -> Result<Pixels, RenderError> {
    if (pixels.width, pixels.height) == (width, height) {
        return Ok(pixels);
    }
    let failed = |error: &dyn std::fmt::Display| RenderError::Decode(error.to_string());
    let pixel_type = pixels.pixel_type();
    let mul_div = fast_image_resize::MulDiv::default();
    if pixels.alpha {
        let mut source =
            Image::from_slice_u8(pixels.width, pixels.height, &mut pixels.data, pixel_type)
                .map_err(|e| failed(&e))?;
        mul_div
            .multiply_alpha_inplace(&mut source)
            .map_err(|e| failed(&e))?;
    }
    let source = fast_image_resize::images::ImageRef::new(
        pixels.width,
        pixels.height,
        &pixels.data,
        pixel_type,
    )
    .map_err(|e| failed(&e))?;
    let mut target = Image::new(width, height, pixel_type);
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .use_alpha(false);
    Resizer::new()
        .resize(&source, &mut target, &options)
        .map_err(|e| failed(&e))?;
    if pixels.alpha {
        mul_div
            .divide_alpha_inplace(&mut target)
            .map_err(|e| failed(&e))?;
    }
    Ok(Pixels {
        width,
        height,
        alpha: pixels.alpha,
        data: target.into_vec(),
    })
}

/// Turns `pixels` clockwise by 90, 180 or 270 degrees.
fn rotate(pixels: Pixels, degrees: u32) -> Pixels {
    if degrees == 0 {
        return pixels;
    }
    let channels = pixels.channels();
    let (width, height) = (pixels.width as usize, pixels.height as usize);
    let (out_width, out_height) = match degrees {
        180 => (width, height),
        _ => (height, width),
    };
    let mut data = vec![0u8; pixels.data.len()];
    for y in 0..height {
        for x in 0..width {
            // MediaWiki turns counter-clockwise by `rotation` (`-rotate -r`).
            let (nx, ny) = match degrees {
                90 => (y, width - 1 - x),
                180 => (width - 1 - x, height - 1 - y),
                _ => (height - 1 - y, x),
            };
            let from = (y * width + x) * channels;
            let to = (ny * out_width + nx) * channels;
            data[to..to + channels].copy_from_slice(&pixels.data[from..from + channels]);
        }
    }
    Pixels {
        width: out_width as u32,
        height: out_height as u32,
        alpha: pixels.alpha,
        data,
    }
}

/// Encodes `pixels` as `format`, keeping the colour profile.
pub fn encode(
    pixels: &Pixels,
    format: ThumbFormat,
    jpeg_quality: u8,
    icc: Option<&[u8]>,
) -> Result<Vec<u8>, RenderError> {
    use image::ImageEncoder;
    let encode_error = |error: &dyn std::fmt::Display| RenderError::Encode(error.to_string());
    let mut out = Vec::new();
    let color = if pixels.alpha {
        image::ExtendedColorType::Rgba8
    } else {
        image::ExtendedColorType::Rgb8
    };
    match format {
        ThumbFormat::Png => {
            let mut encoder = image::codecs::png::PngEncoder::new_with_quality(
                &mut out,
                image::codecs::png::CompressionType::Default,
                image::codecs::png::FilterType::Adaptive,
            );
            if let Some(icc) = icc {
                // A profile the encoder refuses only loses the profile.
                let _ = encoder.set_icc_profile(icc.to_vec());
            }
            encoder
                .write_image(&pixels.data, pixels.width, pixels.height, color)
                .map_err(|e| encode_error(&e))?;
        }
        ThumbFormat::Jpeg => {
            let flattened;
            let rgb = if pixels.alpha {
                flattened = flatten_on_white(pixels);
                &flattened
            } else {
                &pixels.data
            };
            let (width, height) = (
                u16::try_from(pixels.width).map_err(|e| encode_error(&e))?,
                u16::try_from(pixels.height).map_err(|e| encode_error(&e))?,
            );
            let mut encoder = jpeg_encoder::Encoder::new(&mut out, jpeg_quality);
            if let Some(icc) = icc {
                let _ = encoder.add_icc_profile(icc);
            }
            encoder
                .encode(rgb, width, height, jpeg_encoder::ColorType::Rgb)
                .map_err(|e| encode_error(&e))?;
        }
        ThumbFormat::Gif => {
            let rgba = to_rgba(pixels);
            let mut encoder =
                image::codecs::gif::GifEncoder::new_with_speed(&mut out, GIF_QUANTIZER_SPEED);
            encoder
                .encode(
                    &rgba,
                    pixels.width,
                    pixels.height,
                    image::ExtendedColorType::Rgba8,
                )
                .map_err(|e| encode_error(&e))?;
        }
    }
    Ok(out)
}

/// RGB from CMYK samples (0: no ink), as decoders hand them over.
fn cmyk_to_rgb(cmyk: &[u8]) -> Vec<u8> {
    cmyk.chunks_exact(4)
        .flat_map(|p| {
            let ink = |c: u8| ((255 - u16::from(c)) * (255 - u16::from(p[3])) / 255) as u8;
            [ink(p[0]), ink(p[1]), ink(p[2])]
        })
        .collect()
}

/// RGBA over white, as MediaWiki's `-background white` gives JPEGs.
fn flatten_on_white(pixels: &Pixels) -> Vec<u8> {
    pixels
        .data
        .chunks_exact(4)
        .flat_map(|px| {
            let alpha = u16::from(px[3]);
            let over = |c: u8| ((u16::from(c) * alpha + 255 * (255 - alpha) + 127) / 255) as u8;
            [over(px[0]), over(px[1]), over(px[2])]
        })
        .collect()
}

fn to_rgba(pixels: &Pixels) -> Vec<u8> {
    if pixels.alpha {
        return pixels.data.clone();
    }
    pixels
        .data
        .chunks_exact(3)
        .flat_map(|px| [px[0], px[1], px[2], 255])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_turns_counter_clockwise_by_the_exif_angle() {
        // 2×1: red, blue.
        let pixels = Pixels {
            width: 2,
            height: 1,
            alpha: false,
            data: vec![255, 0, 0, 0, 0, 255],
        };
        // Orientation 6 (270): the top row becomes the right column.
        let turned = rotate(pixels.clone(), 270);
        assert_eq!((turned.width, turned.height), (1, 2));
        assert_eq!(turned.data, vec![255, 0, 0, 0, 0, 255]);
        let turned = rotate(pixels.clone(), 90);
        assert_eq!(turned.data, vec![0, 0, 255, 255, 0, 0]);
        let turned = rotate(pixels, 180);
        assert_eq!(turned.data, vec![0, 0, 255, 255, 0, 0]);
    }
}
