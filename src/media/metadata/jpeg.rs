//! JPEG metadata, as JpegMetadataExtractor splits the segments: the
//! frame header, comments and the Exif block.

use std::fs::File;
use std::io::{self, BufReader, Seek, SeekFrom};
use std::path::Path;

use super::exif::{exif_metadata, exif_version_1};
use super::*;

/// What the JPEG segments hold.
#[derive(Debug, Default)]
struct JpegSegments {
    /// Sample precision, height, width.
    frame: Option<(i64, i64, i64)>,
    comments: Vec<String>,
    /// The TIFF structure of the first Exif APP1 segment.
    exif: Option<Vec<u8>>,
}

/// More segments than this before the image data: a broken file.
const JPEG_MAX_SEGMENTS: usize = 200;

pub(super) fn jpeg_facts(path: &Path) -> io::Result<Handled> {
    let segments = jpeg_segments(&mut BufReader::new(File::open(path)?))?;
    let mut metadata = segments
        .exif
        .as_deref()
        .map(exif_metadata)
        .unwrap_or_default();
    if !segments.comments.is_empty() {
        set(
            &mut metadata,
            name("JPEGFileComment"),
            list(segments.comments.iter().cloned().map(Meta::Text)),
        );
    }
    let common = metadata.clone();
    set(&mut metadata, name(EXIF_VERSION_KEY), Meta::Int(2));
    let (bits, mut height, mut width) = segments.frame.unwrap_or_default();
    // Auto-rotation (on with ImageMagick): 90° and 270° swap the sides.
    if matches!(get(&metadata, "Orientation"), Some(Meta::Int(6 | 8))) {
        std::mem::swap(&mut width, &mut height);
    }
    Ok(Handled {
        width,
        height,
        bits,
        metadata_v1: Some(exif_version_1(&metadata)),
        metadata,
        common,
    })
}

/// `segmentSplitter`: the frame header, comments and Exif up to the scan.
fn jpeg_segments(file: &mut BufReader<File>) -> io::Result<JpegSegments> {
    if read_array::<2>(file)? != [0xff, 0xd8] {
        return Err(damaged());
    }
    let mut segments = JpegSegments::default();
    for _ in 0..JPEG_MAX_SEGMENTS {
        let [mut byte] = read_array(file)?;
        while byte != 0xff {
            [byte] = read_array(file)?;
        }
        while byte == 0xff {
            [byte] = read_array(file)?;
        }
        match byte {
            0xfe => {
                let data = jpeg_segment(file)?;
                let comment = utf8_or_windows_1252(&data);
                segments
                    .comments
                    .push(comment.trim_matches(PHP_TRIM).to_owned());
            }
            0xe1 => {
                let data = jpeg_segment(file)?;
                if let Some(tiff) = data.strip_prefix(b"Exif\0\0") {
                    segments.exif.get_or_insert_with(|| tiff.to_vec());
                }
            }
            0xd9 | 0xda => return Ok(segments),
            0xc0..=0xc3 | 0xc5..=0xc7 | 0xc9..=0xcb | 0xcd..=0xcf => {
                let data = jpeg_segment(file)?;
                if data.len() < 5 {
                    return Err(damaged());
                }
                segments.frame = Some((
                    i64::from(data[0]),
                    i64::from(u16::from_be_bytes([data[1], data[2]])),
                    i64::from(u16::from_be_bytes([data[3], data[4]])),
                ));
            }
            _ => {
                let size = u16::from_be_bytes(read_array(file)?);
                if size < 2 {
                    return Err(damaged());
                }
                file.seek(SeekFrom::Current(i64::from(size) - 2))?;
            }
        }
    }
    Err(damaged())
}

/// A marker segment's data.
fn jpeg_segment(file: &mut BufReader<File>) -> io::Result<Vec<u8>> {
    let size = usize::from(u16::from_be_bytes(read_array(file)?));
    if size < 2 {
        return Err(damaged());
    }
    read_bytes(file, size - 2)
}
