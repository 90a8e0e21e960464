//! Decoding PNG, GIF, WebP, BMP and TIFF (any page) to 8-bit RGB(A), and
//! animated GIF thumbnails. The image crate's decoders handle palettes,
//! 16-bit samples, interlacing and alpha; the size is checked against the
//! limits before anything is allocated.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use image::{AnimationDecoder, DynamicImage, ImageDecoder};

use super::{Decoded, Pixels, RenderError, RenderLimits, check_pixels, cmyk_to_rgb, resize};

fn decode_error(error: impl std::fmt::Display) -> RenderError {
    RenderError::Decode(error.to_string())
}

/// The image crate's own allocation limit, a second line behind the pixel
/// check: a header that lies about its size still cannot take more.
fn image_limits(limits: &RenderLimits) -> image::Limits {
    let mut image_limits = image::Limits::default();
    image_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8).max(64 << 20));
    image_limits
}

/// A still image (the first frame of an animation).
pub(super) fn decode(
    path: &Path,
    format: image::ImageFormat,
    limits: &RenderLimits,
) -> Result<Decoded, RenderError> {
    let mut reader = image::ImageReader::with_format(BufReader::new(File::open(path)?), format);
    reader.limits(image_limits(limits));
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    let (width, height) = decoder.dimensions();
    check_pixels(width, height, limits)?;
    let icc = decoder.icc_profile().ok().flatten();
    let image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    Ok(Decoded {
        pixels: from_dynamic(image),
        icc,
    })
}

/// 8-bit RGB or RGBA from whatever was decoded.
fn from_dynamic(image: DynamicImage) -> Pixels {
    let (width, height) = (image.width(), image.height());
    if image.color().has_alpha() {
        Pixels {
            width,
            height,
            alpha: true,
            data: image.into_rgba8().into_raw(),
        }
    } else {
        Pixels {
            width,
            height,
            alpha: false,
            data: image.into_rgb8().into_raw(),
        }
    }
}

/// Page `page` (from 1; the last one if there are fewer) of a TIFF.
pub(super) fn decode_tiff_page(
    path: &Path,
    page: i64,
    limits: &RenderLimits,
) -> Result<Decoded, RenderError> {
    let mut tiff_limits = tiff::decoder::Limits::default();
    tiff_limits.decoding_buffer_size =
        usize::try_from(limits.max_pixels.saturating_mul(8)).unwrap_or(usize::MAX);
    let mut decoder = tiff::decoder::Decoder::new(BufReader::new(File::open(path)?))
        .map_err(decode_error)?
        .with_limits(tiff_limits);
    for _ in 1..page {
        if !decoder.more_images() {
            break;
        }
        decoder.next_image().map_err(decode_error)?;
    }
    let (width, height) = decoder.dimensions().map_err(decode_error)?;
    check_pixels(width, height, limits)?;
    let color = decoder.colortype().map_err(decode_error)?;
    let samples = match decoder.read_image().map_err(decode_error)? {
        tiff::decoder::DecodingResult::U8(samples) => samples,
        // The high byte of each 16-bit sample.
        tiff::decoder::DecodingResult::U16(samples) => {
            samples.into_iter().map(|s| (s >> 8) as u8).collect()
        }
        _ => return Err(RenderError::Decode("unsupported TIFF sample format".into())),
    };
    use tiff::ColorType;
    let (alpha, data): (bool, Vec<u8>) = match color {
        ColorType::RGB(8 | 16) => (false, samples),
        ColorType::RGBA(8 | 16) => (true, samples),
        ColorType::Gray(8 | 16) => (false, samples.iter().flat_map(|&l| [l, l, l]).collect()),
        ColorType::GrayA(8 | 16) => (
            true,
            samples
                .chunks_exact(2)
                .flat_map(|p| [p[0], p[0], p[0], p[1]])
                .collect(),
        ),
        ColorType::CMYK(8) => (false, cmyk_to_rgb(&samples)),
        other => {
            return Err(RenderError::Decode(format!(
                "unsupported TIFF colour type {other:?}"
            )));
        }
    };
    let channels = if alpha { 4 } else { 3 };
    if data.len() < width as usize * height as usize * channels {
        return Err(RenderError::Decode("truncated TIFF data".into()));
    }
    Ok(Decoded {
        pixels: Pixels {
            width,
            height,
            alpha,
            data,
        },
        icc: None,
    })
}

/// An animated GIF thumbnail: every frame composed on the canvas (as
/// ImageMagick's `-coalesce`), scaled, and written with its delay; looping
/// as the original. Frames are handled one at a time.
pub(super) fn animated_gif(
    path: &Path,
    width: u32,
    height: u32,
    limits: &RenderLimits,
) -> Result<Vec<u8>, RenderError> {
    let mut decoder = image::codecs::gif::GifDecoder::new(BufReader::new(File::open(path)?))
        .map_err(decode_error)?;
    decoder
        .set_limits(image_limits(limits))
        .map_err(decode_error)?;
    let (canvas_width, canvas_height) = decoder.dimensions();
    check_pixels(canvas_width, canvas_height, limits)?;
    let mut out = Vec::new();
    {
        let mut encoder =
            image::codecs::gif::GifEncoder::new_with_speed(&mut out, super::GIF_QUANTIZER_SPEED);
        encoder
            .set_repeat(image::codecs::gif::Repeat::Infinite)
            .map_err(|e| RenderError::Encode(e.to_string()))?;
        for frame in decoder.into_frames() {
            let frame = frame.map_err(decode_error)?;
            let delay = frame.delay();
            let buffer = frame.into_buffer();
            let pixels = Pixels {
                width: buffer.width(),
                height: buffer.height(),
                alpha: true,
                data: buffer.into_raw(),
            };
            let scaled = resize(pixels, width, height)?;
            let image = image::RgbaImage::from_raw(width, height, scaled.data)
                .ok_or_else(|| RenderError::Encode("frame size".into()))?;
            encoder
                .encode_frame(image::Frame::from_parts(image, 0, 0, delay))
                .map_err(|e| RenderError::Encode(e.to_string()))?;
        }
    }
    Ok(out)
}
