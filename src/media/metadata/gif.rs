//! GIF metadata, as GIFMetadataExtractor reads it: frames, looping,
//! duration and comments.

use std::fs::File;
use std::io::{self, BufReader, Seek, SeekFrom};
use std::path::Path;

use super::*;

pub(super) fn gif_facts(path: &Path) -> io::Result<Handled> {
    let mut file = BufReader::new(File::open(path)?);
    let signature: [u8; 6] = read_array(&mut file)?;
    if &signature != b"GIF87a" && &signature != b"GIF89a" {
        return Err(damaged());
    }
    let width = i64::from(u16::from_le_bytes(read_array(&mut file)?));
    let height = i64::from(u16::from_le_bytes(read_array(&mut file)?));
    let [packed] = read_array(&mut file)?;
    let mut bits = skip_color_table(&mut file, packed)?;
    read_array::<2>(&mut file)?;
    let (mut frames, mut looped, mut duration) = (0i64, false, 0.0f64);
    let mut comments: Vec<String> = Vec::new();
    loop {
        match read_array::<1>(&mut file)? {
            [b','] => {
                frames += 1;
                read_array::<8>(&mut file)?;
                let [packed] = read_array(&mut file)?;
                bits = skip_color_table(&mut file, packed)?;
                read_array::<1>(&mut file)?;
                gif_sub_blocks(&mut file, false)?;
            }
            [b'!'] => match read_array::<1>(&mut file)? {
                [0xf9] => {
                    let [_, _, low, high, _, terminator] = read_array::<6>(&mut file)?;
                    if terminator != 0 {
                        return Err(damaged());
                    }
                    duration += f64::from(u16::from_le_bytes([low, high])) * 0.01;
                }
                [0xfe] => {
                    let data = gif_sub_blocks(&mut file, false)?;
                    if data.is_empty() {
                        return Err(damaged());
                    }
                    let comment = utf8_or_windows_1252(&data);
                    if comments.last() != Some(&comment) {
                        comments.push(comment);
                    }
                }
                [0xff] => {
                    let [length] = read_array(&mut file)?;
                    let identifier = read_bytes(&mut file, usize::from(length))?;
                    match identifier.as_slice() {
                        b"NETSCAPE2.0" => {
                            if read_array::<2>(&mut file)? != *b"\x03\x01" {
                                return Err(damaged());
                            }
                            looped = u16::from_le_bytes(read_array(&mut file)?) != 1;
                            read_array::<1>(&mut file)?;
                        }
                        b"XMP DataXMP" => {
                            // The packet is checked, then left to XMPReader (not reproduced).
                            let xmp = gif_sub_blocks(&mut file, true)?;
                            let trailer_ok = xmp.len() >= 257
                                && xmp[xmp.len() - 257..].starts_with(b"\x01\xff\xfe")
                                && xmp.ends_with(b"\x03\x02\x01\x00");
                            if !trailer_ok {
                                return Err(damaged());
                            }
                        }
                        _ => {
                            // Re-read the identifier as the first sub-block.
                            file.seek(SeekFrom::Current(-(i64::from(length) + 1)))?;
                            gif_sub_blocks(&mut file, false)?;
                        }
                    }
                }
                _ => {
                    gif_sub_blocks(&mut file, false)?;
                }
            },
            [b';'] => break,
            _ => return Err(damaged()),
        }
    }
    let mut metadata: Array = Vec::new();
    if !comments.is_empty() {
        metadata.push((
            name("GIFFileComment"),
            list(comments.into_iter().map(Meta::Text)),
        ));
    }
    let common = metadata.clone();
    metadata.push((name(GIF_VERSION_KEY), Meta::Int(1)));
    Ok(Handled {
        width,
        height,
        bits,
        metadata: vec![
            (name("frameCount"), Meta::Int(frames)),
            (name("looped"), Meta::Bool(looped)),
            (name("duration"), Meta::Float(duration)),
            (name("metadata"), Meta::Array(metadata)),
        ],
        metadata_v1: None,
        common,
    })
}

/// Skips a colour table if the packed byte announces one; its bits.
fn skip_color_table(file: &mut BufReader<File>, packed: u8) -> io::Result<i64> {
    let bits = i64::from(packed & 7) + 1;
    if packed & 0x80 != 0 {
        read_bytes(file, 3 << bits)?;
    }
    Ok(bits)
}

/// The data of GIF sub-blocks up to the terminator (with their length bytes
/// if `with_lengths`, as the XMP check wants them).
fn gif_sub_blocks(file: &mut BufReader<File>, with_lengths: bool) -> io::Result<Vec<u8>> {
    let mut data = Vec::new();
    loop {
        let [length] = read_array(file)?;
        if length == 0 {
            return Ok(data);
        }
        if with_lengths {
            data.push(length);
        }
        data.extend(read_bytes(file, usize::from(length))?);
    }
}
