//! TIFF metadata, as TiffHandler reads it: `getimagesize`'s size and the
//! Exif of the file's own directories (a TIFF file is itself the structure
//! Exif is written in).

use std::io;
use std::path::Path;

use super::exif::{exif_metadata, exif_version_1};
use super::*;

/// Larger files are not read whole for their Exif (their size still is).
const MAX_EXIF_READ: u64 = 64 * 1024 * 1024;

pub(super) fn tiff_facts(path: &Path) -> io::Result<Handled> {
    let size = imagesize::size(path).map_err(|_| damaged())?;
    let side = |side: usize| i64::try_from(side).unwrap_or(0);
    let mut metadata = if std::fs::metadata(path)?.len() <= MAX_EXIF_READ {
        exif_metadata(&std::fs::read(path)?)
    } else {
        Vec::new()
    };
    let common = metadata.clone();
    set(&mut metadata, name(EXIF_VERSION_KEY), Meta::Int(2));
    Ok(Handled {
        width: side(size.width),
        height: side(size.height),
        bits: 0,
        metadata_v1: Some(exif_version_1(&metadata)),
        metadata,
        common,
    })
}
