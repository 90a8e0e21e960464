//! WebP metadata, as WebPHandler reads the RIFF chunks.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::*;

/// RIFF chunks looked at, at most.
const WEBP_MAX_CHUNKS: usize = 100;

pub(super) fn webp_facts(path: &Path) -> io::Result<Handled> {
    let mut file = BufReader::new(File::open(path)?);
    let mut header = [0u8; 12];
    let header_len = file.by_ref().take(12).read(&mut header)?;
    if header_len < 12 || &header[..4] != b"RIFF" || &header[8..12] != b"WEBP" {
        return Ok(Handled::broken(BITMAP_BROKEN, false));
    }
    let mut info: Array = Vec::new();
    for _ in 0..WEBP_MAX_CHUNKS {
        let mut chunk = [0u8; 18];
        let read = read_up_to(&mut file, &mut chunk)?;
        if read < 8 {
            break;
        }
        let size = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
        let decoded = match &chunk[..4] {
            b"VP8 " => Some(webp_lossy(&chunk)),
            b"VP8L" => Some(webp_lossless(&chunk)),
            b"VP8X" => {
                for (key, value) in webp_extended(&chunk) {
                    set(&mut info, key, value);
                }
                None
            }
            _ => None,
        };
        if let Some(decoded) = decoded {
            for (key, value) in decoded {
                set(&mut info, key, value);
            }
            break;
        }
        let skip = i64::from(size) + i64::from(size % 2) - (read as i64 - 8);
        file.seek(SeekFrom::Current(skip))?;
    }
    if info.is_empty() {
        return Ok(Handled::broken(BITMAP_BROKEN, false));
    }
    let dimension = |key: &str| match get(&info, key) {
        Some(Meta::Int(value)) => *value,
        _ => 0,
    };
    let (width, height) = (dimension("width"), dimension("height"));
    info.push((
        name("metadata"),
        Meta::Array(vec![(name("_MW_WEBP_VERSION"), Meta::Int(1))]),
    ));
    Ok(Handled {
        width,
        height,
        metadata: info,
        ..Handled::default()
    })
}

/// Reads as much of `buffer` as the file still has.
fn read_up_to(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..])? {
            0 => break,
            read => filled += read,
        }
    }
    Ok(filled)
}

/// A `VP8 ` chunk (header included): frame size after the sync code.
fn webp_lossy(chunk: &[u8; 18]) -> Array {
    if chunk[11..14] != [0x9d, 0x01, 0x2a] {
        return Vec::new();
    }
    vec![
        (name("compression"), Meta::Text("lossy".to_owned())),
        (
            name("width"),
            Meta::Int(i64::from(
                u16::from_le_bytes([chunk[14], chunk[15]]) & 0x3fff,
            )),
        ),
        (
            name("height"),
            Meta::Int(i64::from(
                u16::from_le_bytes([chunk[16], chunk[17]]) & 0x3fff,
            )),
        ),
    ]
}

/// A `VP8L` chunk: 14-bit sizes after the signature byte.
fn webp_lossless(chunk: &[u8; 18]) -> Array {
    if chunk[8] != 0x2f {
        return Vec::new();
    }
    let [b1, b2, b3, b4] = [chunk[9], chunk[10], chunk[11], chunk[12]].map(i64::from);
    vec![
        (name("compression"), Meta::Text("lossless".to_owned())),
        (name("width"), Meta::Int((b1 | ((b2 & 0x3f) << 8)) + 1)),
        (
            name("height"),
            Meta::Int((((b2 & 0xc0) >> 6) | (b3 << 2) | ((b4 & 0x03) << 10)) + 1),
        ),
    ]
}

/// A `VP8X` chunk: flags and 24-bit canvas size.
fn webp_extended(chunk: &[u8; 18]) -> Array {
    let flags = chunk[8];
    let size = |at: usize| {
        i64::from(u32::from_le_bytes([
            chunk[at],
            chunk[at + 1],
            chunk[at + 2],
            0,
        ])) + 1
    };
    vec![
        (name("compression"), Meta::Text("unknown".to_owned())),
        (name("animated"), Meta::Bool(flags & 2 != 0)),
        (name("transparency"), Meta::Bool(flags & 16 != 0)),
        (name("width"), Meta::Int(size(12))),
        (name("height"), Meta::Int(size(15))),
    ]
}
