//! JPEG decoding at reduced scale: the inverse DCT runs at 1/8, 1/4 or 1/2
//! of the size when that still covers the thumbnail (libjpeg's and
//! ImageMagick's `jpeg:size`, libvips' shrink-on-load), so a 120 px
//! thumbnail of a 24 MP photo never holds 24 MP of pixels. Baseline,
//! progressive, greyscale and CMYK (Adobe) files; the ICC profile is kept.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use super::{Decoded, Pixels, RenderError, RenderLimits, check_pixels, cmyk_to_rgb};

/// The memory the decoder may use for coefficients (progressive files keep
/// the whole image's).
const MAX_DECODING_BUFFER: usize = 512 * 1024 * 1024;

pub(super) fn decode_scaled(
    path: &Path,
    width: u32,
    height: u32,
    limits: &RenderLimits,
) -> Result<Decoded, RenderError> {
    let failed = |error: jpeg_decoder::Error| RenderError::Decode(error.to_string());
    let mut decoder = jpeg_decoder::Decoder::new(BufReader::new(File::open(path)?));
    decoder.set_max_decoding_buffer_size(MAX_DECODING_BUFFER);
    decoder.read_info().map_err(failed)?;
    let clamp = |side: u32| u16::try_from(side).unwrap_or(u16::MAX);
    let (out_width, out_height) = decoder.scale(clamp(width), clamp(height)).map_err(failed)?;
    check_pixels(u32::from(out_width), u32::from(out_height), limits)?;
    let icc = decoder.icc_profile();
    let data = decoder.decode().map_err(failed)?;
    let info = decoder
        .info()
        .ok_or_else(|| RenderError::Decode("no frame header".into()))?;
    let expected = usize::from(info.width) * usize::from(info.height);
    let (rgb, keep_icc) = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => (data, true),
        jpeg_decoder::PixelFormat::L8 => (data.iter().flat_map(|&l| [l, l, l]).collect(), true),
        jpeg_decoder::PixelFormat::L16 => (
            data.chunks_exact(2)
                .flat_map(|l| [l[0], l[0], l[0]])
                .collect(),
            true,
        ),
        // A CMYK profile does not describe the RGB made from it: dropped.
        jpeg_decoder::PixelFormat::CMYK32 => (cmyk_to_rgb(&data), false),
    };
    if rgb.len() < expected * 3 {
        return Err(RenderError::Decode("truncated image data".into()));
    }
    Ok(Decoded {
        pixels: Pixels {
            width: u32::from(info.width),
            height: u32::from(info.height),
            alpha: false,
            data: rgb,
        },
        icc: icc.filter(|_| keep_icc),
    })
}
