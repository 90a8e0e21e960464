//! Exif, as PHP's `exif_read_data` gives it and MediaWiki's `Exif`
//! class filters, validates and collapses it.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq)]
enum ExifType {
    Ascii,
    Short,
    Rational,
    ShortOrLong,
    Undefined,
    SRational,
}

/// The Exif tags MediaWiki keeps: IFD, tag number, PHP's name, type and
/// the number of values an array must have. PHP names some tags its own
/// way (0x9214 and 0xA214 both `SubjectLocation`; `ExifImageWidth`,
/// `SpectralSensity`, `GPSProcessingMode`), so MediaWiki's `SubjectArea`,
/// `PixelXDimension`, `SpectralSensitivity` and `GPSProcessingMethod` never
/// match and are not listed.
const EXIF_TAGS: &[(::exif::Context, u16, &str, ExifType, usize)] = {
    use ::exif::Context::{Exif, Gps, Tiff};
    use ExifType::{Ascii, Rational, SRational, Short, ShortOrLong, Undefined};
    &[
        (Tiff, 0x0100, "ImageWidth", ShortOrLong, 1),
        (Tiff, 0x0101, "ImageLength", ShortOrLong, 1),
        (Tiff, 0x0102, "BitsPerSample", Short, 3),
        (Tiff, 0x0103, "Compression", Short, 1),
        (Tiff, 0x0106, "PhotometricInterpretation", Short, 1),
        (Tiff, 0x0112, "Orientation", Short, 1),
        (Tiff, 0x0115, "SamplesPerPixel", Short, 1),
        (Tiff, 0x011c, "PlanarConfiguration", Short, 1),
        (Tiff, 0x0212, "YCbCrSubSampling", Short, 2),
        (Tiff, 0x0213, "YCbCrPositioning", Short, 1),
        (Tiff, 0x011a, "XResolution", Rational, 1),
        (Tiff, 0x011b, "YResolution", Rational, 1),
        (Tiff, 0x0128, "ResolutionUnit", Short, 1),
        (Tiff, 0x0111, "StripOffsets", ShortOrLong, 1),
        (Tiff, 0x0116, "RowsPerStrip", ShortOrLong, 1),
        (Tiff, 0x0117, "StripByteCounts", ShortOrLong, 1),
        (Tiff, 0x0201, "JPEGInterchangeFormat", ShortOrLong, 1),
        (Tiff, 0x0202, "JPEGInterchangeFormatLength", ShortOrLong, 1),
        (Tiff, 0x013e, "WhitePoint", Rational, 2),
        (Tiff, 0x013f, "PrimaryChromaticities", Rational, 6),
        (Tiff, 0x0211, "YCbCrCoefficients", Rational, 3),
        (Tiff, 0x0214, "ReferenceBlackWhite", Rational, 6),
        (Tiff, 0x0132, "DateTime", Ascii, 1),
        (Tiff, 0x010e, "ImageDescription", Ascii, 1),
        (Tiff, 0x010f, "Make", Ascii, 1),
        (Tiff, 0x0110, "Model", Ascii, 1),
        (Tiff, 0x0131, "Software", Ascii, 1),
        (Tiff, 0x013b, "Artist", Ascii, 1),
        (Tiff, 0x8298, "Copyright", Ascii, 1),
        (Exif, 0x9000, "ExifVersion", Undefined, 1),
        (Exif, 0xa000, "FlashPixVersion", Undefined, 1),
        (Exif, 0xa001, "ColorSpace", Short, 1),
        (Exif, 0x9101, "ComponentsConfiguration", Undefined, 1),
        (Exif, 0x9102, "CompressedBitsPerPixel", Rational, 1),
        (Exif, 0x9286, "UserComment", Undefined, 1),
        (Exif, 0xa004, "RelatedSoundFile", Ascii, 1),
        (Exif, 0x9003, "DateTimeOriginal", Ascii, 1),
        (Exif, 0x9004, "DateTimeDigitized", Ascii, 1),
        (Exif, 0x9290, "SubSecTime", Ascii, 1),
        (Exif, 0x9291, "SubSecTimeOriginal", Ascii, 1),
        (Exif, 0x9292, "SubSecTimeDigitized", Ascii, 1),
        (Exif, 0x829a, "ExposureTime", Rational, 1),
        (Exif, 0x829d, "FNumber", Rational, 1),
        (Exif, 0x8822, "ExposureProgram", Short, 1),
        (Exif, 0x8827, "ISOSpeedRatings", Short, 1),
        (Exif, 0x9201, "ShutterSpeedValue", SRational, 1),
        (Exif, 0x9202, "ApertureValue", Rational, 1),
        (Exif, 0x9203, "BrightnessValue", SRational, 1),
        (Exif, 0x9204, "ExposureBiasValue", SRational, 1),
        (Exif, 0x9205, "MaxApertureValue", Rational, 1),
        (Exif, 0x9206, "SubjectDistance", Rational, 1),
        (Exif, 0x9207, "MeteringMode", Short, 1),
        (Exif, 0x9208, "LightSource", Short, 1),
        (Exif, 0x9209, "Flash", Short, 1),
        (Exif, 0x920a, "FocalLength", Rational, 1),
        (Exif, 0x9214, "SubjectLocation", Short, 2),
        (Exif, 0xa20b, "FlashEnergy", Rational, 1),
        (Exif, 0xa20e, "FocalPlaneXResolution", Rational, 1),
        (Exif, 0xa20f, "FocalPlaneYResolution", Rational, 1),
        (Exif, 0xa210, "FocalPlaneResolutionUnit", Short, 1),
        (Exif, 0xa214, "SubjectLocation", Short, 2),
        (Exif, 0xa215, "ExposureIndex", Rational, 1),
        (Exif, 0xa217, "SensingMethod", Short, 1),
        (Exif, 0xa300, "FileSource", Undefined, 1),
        (Exif, 0xa301, "SceneType", Undefined, 1),
        (Exif, 0xa401, "CustomRendered", Short, 1),
        (Exif, 0xa402, "ExposureMode", Short, 1),
        (Exif, 0xa403, "WhiteBalance", Short, 1),
        (Exif, 0xa404, "DigitalZoomRatio", Rational, 1),
        (Exif, 0xa405, "FocalLengthIn35mmFilm", Short, 1),
        (Exif, 0xa406, "SceneCaptureType", Short, 1),
        (Exif, 0xa407, "GainControl", Short, 1),
        (Exif, 0xa408, "Contrast", Short, 1),
        (Exif, 0xa409, "Saturation", Short, 1),
        (Exif, 0xa40a, "Sharpness", Short, 1),
        (Exif, 0xa40c, "SubjectDistanceRange", Short, 1),
        (Exif, 0xa420, "ImageUniqueID", Ascii, 1),
        (Gps, 0x0000, "GPSVersion", Undefined, 1),
        (Gps, 0x0001, "GPSLatitudeRef", Ascii, 1),
        (Gps, 0x0002, "GPSLatitude", Rational, 3),
        (Gps, 0x0003, "GPSLongitudeRef", Ascii, 1),
        (Gps, 0x0004, "GPSLongitude", Rational, 3),
        (Gps, 0x0005, "GPSAltitudeRef", Undefined, 1),
        (Gps, 0x0006, "GPSAltitude", Rational, 1),
        (Gps, 0x0007, "GPSTimeStamp", Rational, 3),
        (Gps, 0x0008, "GPSSatellites", Ascii, 1),
        (Gps, 0x0009, "GPSStatus", Ascii, 1),
        (Gps, 0x000a, "GPSMeasureMode", Ascii, 1),
        (Gps, 0x000b, "GPSDOP", Rational, 1),
        (Gps, 0x000c, "GPSSpeedRef", Ascii, 1),
        (Gps, 0x000d, "GPSSpeed", Rational, 1),
        (Gps, 0x000e, "GPSTrackRef", Ascii, 1),
        (Gps, 0x000f, "GPSTrack", Rational, 1),
        (Gps, 0x0010, "GPSImgDirectionRef", Ascii, 1),
        (Gps, 0x0011, "GPSImgDirection", Rational, 1),
        (Gps, 0x0012, "GPSMapDatum", Ascii, 1),
        (Gps, 0x0013, "GPSDestLatitudeRef", Ascii, 1),
        (Gps, 0x0014, "GPSDestLatitude", Rational, 3),
        (Gps, 0x0015, "GPSDestLongitudeRef", Ascii, 1),
        (Gps, 0x0016, "GPSDestLongitude", Rational, 3),
        (Gps, 0x0017, "GPSDestBearingRef", Ascii, 1),
        (Gps, 0x0018, "GPSDestBearing", Rational, 1),
        (Gps, 0x0019, "GPSDestDistanceRef", Ascii, 1),
        (Gps, 0x001a, "GPSDestDistance", Rational, 1),
        (Gps, 0x001c, "GPSAreaInformation", Undefined, 1),
        (Gps, 0x001d, "GPSDateStamp", Ascii, 1),
        (Gps, 0x001e, "GPSDifferential", Short, 1),
    ]
};

/// An Exif value as PHP's `exif_read_data` gives it.
#[derive(Debug, Clone, PartialEq)]
enum PhpExif {
    Int(i64),
    Bytes(Vec<u8>),
    List(Vec<PhpExif>),
}

/// The filtered and collapsed Exif data (`Exif::getFilteredData`).
pub(super) fn exif_metadata(tiff: &[u8]) -> Array {
    let mut reader = ::exif::Reader::new();
    reader.continue_on_error(true);
    let exif = match reader.read_raw(tiff.to_vec()) {
        Ok(exif) => exif,
        Err(::exif::Error::PartialResult(partial)) => partial.into_inner().0,
        Err(_) => return Vec::new(),
    };
    let sections = [
        ::exif::Context::Tiff,
        ::exif::Context::Exif,
        ::exif::Context::Gps,
    ];
    let mut data: Vec<(&'static str, PhpExif)> = Vec::new();
    for section in sections {
        // PHP's section array first (a name met twice keeps its first place
        // and its last value), then MediaWiki's validation.
        let mut raw: Vec<(&'static str, ExifType, usize, PhpExif)> = Vec::new();
        for field in exif
            .fields()
            .filter(|field| field.ifd_num == ::exif::In::PRIMARY)
        {
            let Some(&(_, _, tag_name, kind, count)) =
                EXIF_TAGS.iter().find(|(context, number, ..)| {
                    *context == section && field.tag == ::exif::Tag(*context, *number)
                })
            else {
                continue;
            };
            let Some(value) = php_exif_value(&field.value) else {
                continue;
            };
            match raw.iter_mut().find(|(existing, ..)| *existing == tag_name) {
                Some(slot) => *slot = (tag_name, kind, count, value),
                None => raw.push((tag_name, kind, count, value)),
            }
        }
        data.extend(
            raw.into_iter()
                .filter(|(_, kind, count, value)| exif_valid(value, *kind, *count))
                .map(|(tag_name, _, _, value)| (tag_name, value)),
        );
    }
    collapse_exif(data, exif.little_endian())
}

/// PHP's representation: integers, `num/den` strings, raw bytes.
fn php_exif_value(value: &::exif::Value) -> Option<PhpExif> {
    fn many(mut values: Vec<PhpExif>) -> Option<PhpExif> {
        match values.len() {
            0 => None,
            1 => values.pop(),
            _ => Some(PhpExif::List(values)),
        }
    }
    let ints = |values: Vec<i64>| many(values.into_iter().map(PhpExif::Int).collect());
    let texts = |values: Vec<String>| {
        many(
            values
                .into_iter()
                .map(|text| PhpExif::Bytes(text.into_bytes()))
                .collect(),
        )
    };
    match value {
        ::exif::Value::Byte(bytes) | ::exif::Value::Undefined(bytes, _) => {
            Some(PhpExif::Bytes(bytes.clone()))
        }
        ::exif::Value::SByte(bytes) => Some(PhpExif::Bytes(
            bytes.iter().map(|&byte| byte as u8).collect(),
        )),
        ::exif::Value::Ascii(strings) => {
            Some(PhpExif::Bytes(strings.first().cloned().unwrap_or_default()))
        }
        ::exif::Value::Short(values) => {
            ints(values.iter().map(|&value| i64::from(value)).collect())
        }
        ::exif::Value::Long(values) => ints(values.iter().map(|&value| i64::from(value)).collect()),
        ::exif::Value::SShort(values) => {
            ints(values.iter().map(|&value| i64::from(value)).collect())
        }
        ::exif::Value::SLong(values) => {
            ints(values.iter().map(|&value| i64::from(value)).collect())
        }
        ::exif::Value::Rational(values) => texts(
            values
                .iter()
                .map(|value| format!("{}/{}", value.num, value.denom))
                .collect(),
        ),
        ::exif::Value::SRational(values) => texts(
            values
                .iter()
                .map(|value| format!("{}/{}", value.num, value.denom))
                .collect(),
        ),
        _ => None,
    }
}

/// `Exif::validate`: arrays must have the expected count, every value the
/// expected type.
fn exif_valid(value: &PhpExif, kind: ExifType, count: usize) -> bool {
    if let PhpExif::List(values) = value {
        return values.len() == count && values.iter().all(|value| exif_valid(value, kind, 1));
    }
    let rational = |bytes: &[u8], signed: bool| {
        let text = String::from_utf8_lossy(bytes);
        let Some((numerator, denominator)) = text.split_once('/') else {
            return false;
        };
        let numerator = if signed {
            numerator.strip_prefix('-').unwrap_or(numerator)
        } else {
            numerator
        };
        let long = |digits: &str| {
            !digits.is_empty()
                && digits.bytes().all(|byte| byte.is_ascii_digit())
                && digits
                    .parse::<u64>()
                    .is_ok_and(|value| value <= 4_294_967_296)
        };
        long(numerator) && long(denominator) && denominator.bytes().any(|byte| byte != b'0')
    };
    match (kind, value) {
        (ExifType::Undefined, _) => true,
        (ExifType::Short, PhpExif::Int(number)) => (0..=65536).contains(number),
        (ExifType::ShortOrLong, PhpExif::Int(number)) => (0..=4_294_967_296).contains(number),
        (ExifType::Rational, PhpExif::Bytes(bytes)) => rational(bytes, false),
        (ExifType::SRational, PhpExif::Bytes(bytes)) => rational(bytes, true),
        (ExifType::Ascii, PhpExif::Bytes(bytes)) => {
            bytes
                .iter()
                .all(|&byte| byte == b'\n' || (0x20..=0x7e).contains(&byte))
                && !bytes.iter().all(u8::is_ascii_whitespace)
        }
        _ => false,
    }
}

/// `Exif::collapseData`: GPS positions as numbers, byte strings decoded,
/// then the PHP values as metadata.
fn collapse_exif(mut data: Vec<(&'static str, PhpExif)>, little_endian: bool) -> Array {
    let position =
        |data: &Vec<(&str, PhpExif)>, key: &str| data.iter().position(|(name, _)| *name == key);
    let ratio = |bytes: &[u8]| -> f64 {
        let text = String::from_utf8_lossy(bytes);
        let (numerator, denominator) = text.split_once('/').unwrap_or((&text, "1"));
        php_int(numerator) as f64 / php_int(denominator) as f64
    };
    let mut numbers: Vec<(&str, f64)> = Vec::new();
    for coordinate in [
        "GPSLatitude",
        "GPSDestLatitude",
        "GPSLongitude",
        "GPSDestLongitude",
    ] {
        let reference_key = format!("{coordinate}Ref");
        let reference = position(&data, &reference_key).map(|at| data[at].1.clone());
        let direction = match reference {
            Some(PhpExif::Bytes(bytes))
                if matches!(bytes.as_slice(), b"N" | b"S" | b"E" | b"W") =>
            {
                Some(bytes)
            }
            _ => None,
        };
        let value = match (
            position(&data, coordinate).map(|at| &data[at].1),
            &direction,
        ) {
            (Some(PhpExif::List(parts)), Some(_)) if parts.len() == 3 => {
                let part = |index: usize| match &parts[index] {
                    PhpExif::Bytes(bytes) => ratio(bytes),
                    _ => 0.0,
                };
                Some(part(0) + part(1) * (1.0 / 60.0) + part(2) * (1.0 / 3600.0))
            }
            (Some(PhpExif::Bytes(bytes)), Some(_)) => Some(ratio(bytes)),
            _ => None,
        };
        if let Some(at) = position(&data, &reference_key) {
            data.remove(at);
        }
        match value {
            Some(value) => {
                let sign = if matches!(direction.as_deref(), Some(b"S" | b"W")) {
                    -1.0
                } else {
                    1.0
                };
                numbers.push((coordinate, value * sign));
            }
            None => {
                if let Some(at) = position(&data, coordinate) {
                    data.remove(at);
                }
            }
        }
    }
    if let Some(at) = position(&data, "GPSAltitude") {
        let altitude = match &data[at].1 {
            PhpExif::Bytes(bytes) => ratio(bytes),
            _ => 0.0,
        };
        let reference =
            position(&data, "GPSAltitudeRef").map(|reference| data[reference].1.clone());
        match reference {
            None => numbers.push(("GPSAltitude", altitude)),
            Some(PhpExif::Bytes(bytes)) if bytes == b"\0" => {
                numbers.push(("GPSAltitude", altitude))
            }
            Some(PhpExif::Bytes(bytes)) if bytes == b"\x01" => {
                numbers.push(("GPSAltitude", -altitude))
            }
            Some(_) => {
                data.remove(at);
            }
        }
    }
    if let Some(at) = position(&data, "GPSAltitudeRef") {
        data.remove(at);
    }

    let mut out: Array = Vec::new();
    let mut gps_version = None;
    for (tag, value) in data {
        let meta = match (tag, value) {
            (tag, _) if numbers.iter().any(|(number, _)| *number == tag) => {
                let number = numbers
                    .iter()
                    .find(|(number, _)| *number == tag)
                    .map_or(0.0, |(_, value)| *value);
                Meta::Float(number)
            }
            ("FileSource" | "SceneType", PhpExif::Bytes(bytes)) => {
                Meta::Int(i64::from(bytes.first().copied().unwrap_or(0)))
            }
            ("UserComment" | "GPSAreaInformation", PhpExif::Bytes(bytes)) => {
                match exif_coded_text(&bytes, little_endian) {
                    Some(text) => Meta::Text(text),
                    None => continue,
                }
            }
            ("ComponentsConfiguration", PhpExif::Bytes(bytes)) => {
                let mut components: Array = bytes
                    .iter()
                    .enumerate()
                    .map(|(index, &byte)| (Key::Index(index as u64), Meta::Int(i64::from(byte))))
                    .collect();
                components.push((name("_type"), Meta::Text("ol".to_owned())));
                Meta::Array(components)
            }
            ("GPSVersion", PhpExif::Bytes(bytes)) => {
                let dotted = bytes
                    .iter()
                    .map(u8::to_string)
                    .collect::<Vec<_>>()
                    .join(".");
                // MediaWiki reverses the string, not the bytes, for little-endian files.
                gps_version = Some(if little_endian {
                    dotted.chars().rev().collect()
                } else {
                    dotted
                });
                continue;
            }
            (_, value) => php_exif_meta(value),
        };
        out.push((name(tag), meta));
    }
    if let Some(version) = gps_version {
        out.push((name("GPSVersionID"), Meta::Text(version)));
    }
    out
}

/// PHP's `(int)` of a numeric string: its leading integer, 0 if none.
pub(super) fn php_int(text: &str) -> i64 {
    let text = text.trim_start();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let end = digits.bytes().take_while(u8::is_ascii_digit).count();
    digits[..end].parse::<i64>().map_or(0, |value| sign * value)
}

fn php_exif_meta(value: PhpExif) -> Meta {
    match value {
        PhpExif::Int(number) => Meta::Int(number),
        PhpExif::Bytes(bytes) => Meta::Text(String::from_utf8_lossy(&bytes).into_owned()),
        PhpExif::List(values) => list(values.into_iter().map(php_exif_meta)),
    }
}

/// `Exif::charCodeString`: an 8-byte character code, then the text.
fn exif_coded_text(bytes: &[u8], little_endian: bool) -> Option<String> {
    if bytes.len() <= 8 {
        return None;
    }
    let (code, text) = bytes.split_at(8);
    let decoded = match code {
        b"UNICODE\0" => {
            let units: Vec<u16> = text
                .chunks_exact(2)
                .map(|pair| {
                    if little_endian {
                        u16::from_le_bytes([pair[0], pair[1]])
                    } else {
                        u16::from_be_bytes([pair[0], pair[1]])
                    }
                })
                .collect();
            char::decode_utf16(units).filter_map(Result::ok).collect()
        }
        // Shift-JIS would need a decoder; such comments are left out.
        b"JIS\0\0\0\0\0" => return None,
        _ => utf8_or_windows_1252(text),
    };
    let trimmed = decoded.trim_matches(PHP_TRIM);
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// `ExifBitmapHandler::convertMetadataVersion(…, 1)`: lists flattened to
/// wikitext lists (`ol`: `\n#a\n#b`, others `\n*a\n*b`), one item to itself.
pub(super) fn exif_version_1(metadata: &Array) -> Array {
    let mut flattened: Array = metadata
        .iter()
        .map(|(key, value)| {
            let Meta::Array(items) = value else {
                return (key.clone(), value.clone());
            };
            let mut items = items.clone();
            let kind = match remove(&mut items, "_type") {
                Some(Meta::Text(kind)) => kind,
                _ => "ul".to_owned(),
            };
            let text = match items.as_slice() {
                [] => String::new(),
                [(Key::Index(0), Meta::Text(only))] => only.clone(),
                [(Key::Index(0), only)] => php_string(only),
                _ => {
                    let marker = if kind == "ol" { "\n#" } else { "\n*" };
                    items
                        .iter()
                        .map(|(_, item)| format!("{marker}{}", php_string(item)))
                        .collect()
                }
            };
            (key.clone(), Meta::Text(text))
        })
        .collect();
    set(&mut flattened, name(EXIF_VERSION_KEY), Meta::Int(1));
    flattened
}

/// A scalar as PHP writes it into a string.
fn php_string(value: &Meta) -> String {
    match value {
        Meta::Int(number) => number.to_string(),
        Meta::Float(number) => number.to_string(),
        Meta::Bool(true) => "1".to_owned(),
        Meta::Bool(false) => String::new(),
        Meta::Text(text) => text.clone(),
        Meta::Array(_) => "Array".to_owned(),
    }
}
