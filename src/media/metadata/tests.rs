//! The metadata of fixture files, compared with MediaWiki 1.39.17's.

use super::*;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/files")
        .join(name)
}

fn facts(name: &str, mime: &str) -> MediaFacts {
    media_facts(&fixture(name), mime)
}

/// `[{name, value}]` from pairs, as the API writes metadata.
fn listed(pairs: &[(&str, Value)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(name, value)| json!({ "name": name, "value": value }))
            .collect(),
    )
}

fn lang(value: &str) -> Value {
    json!([{ "name": "x-default", "value": value }, { "name": "_type", "value": "lang" }])
}

// The expected values are MediaWiki 1.39.17's, for these same files.

#[test]
fn png_as_pngmetadataextractor_reads_it() {
    let png = facts("tiny.png", "image/png");
    assert_eq!((png.width, png.height, png.bitdepth), (8, 6, 8));
    let comment = json!([{ "name": "PNGFileComment", "value": lang("wikiupload fixture") }]);
    assert_eq!(
        png.metadata,
        listed(&[
            ("frameCount", json!(0)),
            ("loopCount", json!(1)),
            ("duration", json!(0)),
            ("bitDepth", json!(8)),
            ("colorType", json!("truecolour")),
            (
                "metadata",
                json!([{ "name": "PNGFileComment", "value": lang("wikiupload fixture") }, { "name": "_MW_PNG_VERSION", "value": 1 }])
            ),
        ])
    );
    assert_eq!(png.metadata_v1, png.metadata);
    assert_eq!(png.common_metadata, comment);

    let chunks = facts("text-chunks.png", "image/png");
    assert_eq!(
        chunks.common_metadata,
        listed(&[
            ("Artist", lang("Jane Doe")),
            (
                "ObjectName",
                json!([{ "name": "fr", "value": "Un titre" }, { "name": "_type", "value": "lang" }])
            ),
            ("DateTime", json!("2020:01:02 03:04:05")),
            ("XResolution", json!("2835/100")),
            ("YResolution", json!("2835/100")),
            ("ResolutionUnit", json!(3)),
        ])
    );

    let animated = facts("animated.png", "image/png");
    assert_eq!(
        animated.metadata[0],
        json!({ "name": "frameCount", "value": 2 })
    );
    assert_eq!(
        animated.metadata[1],
        json!({ "name": "loopCount", "value": 3 })
    );
    assert_eq!(
        animated.metadata[2],
        json!({ "name": "duration", "value": 0.75 })
    );
    assert_eq!(
        animated.metadata[4],
        json!({ "name": "colorType", "value": "greyscale" })
    );
    assert_eq!(animated.common_metadata, json!([]));
}

#[test]
fn gif_as_gifmetadataextractor_reads_it() {
    let gif = facts("tiny.gif", "image/gif");
    assert_eq!((gif.width, gif.height, gif.bitdepth), (1, 1, 1));
    let comment = json!([{ "name": "GIFFileComment", "value": [{ "name": 0, "value": "wikiupload fixture" }] }]);
    assert_eq!(
        gif.metadata,
        listed(&[
            ("frameCount", json!(1)),
            ("looped", json!(false)),
            ("duration", json!(0.5)),
            (
                "metadata",
                json!([
                    { "name": "GIFFileComment", "value": [{ "name": 0, "value": "wikiupload fixture" }] },
                    { "name": "_MW_GIF_VERSION", "value": 1 }
                ])
            ),
        ])
    );
    assert_eq!(gif.common_metadata, comment);
    let animated = facts("animated.gif", "image/gif");
    assert_eq!(
        animated.metadata[0],
        json!({ "name": "frameCount", "value": 2 })
    );
    assert_eq!(
        animated.metadata[1],
        json!({ "name": "looped", "value": true })
    );
    assert_eq!(
        animated.metadata[2],
        json!({ "name": "duration", "value": 1 })
    );
}

#[test]
fn jpeg_exif_as_mediawiki_filters_it() {
    let jpeg = facts("exif.jpg", "image/jpeg");
    // Orientation 6: the sides are swapped.
    assert_eq!((jpeg.width, jpeg.height, jpeg.bitdepth), (4, 6, 8));
    let names: Vec<&str> = jpeg.metadata.as_array().map_or(Vec::new(), |entries| {
        entries
            .iter()
            .filter_map(|entry| entry["name"].as_str())
            .collect()
    });
    assert_eq!(
        names,
        [
            "ImageDescription",
            "Make",
            "Model",
            "Orientation",
            "XResolution",
            "YResolution",
            "ResolutionUnit",
            "Software",
            "Artist",
            "YCbCrPositioning",
            "ExposureTime",
            "FNumber",
            "ISOSpeedRatings",
            "ExifVersion",
            "DateTimeOriginal",
            "ComponentsConfiguration",
            "FocalLength",
            "UserComment",
            "FlashPixVersion",
            "ColorSpace",
            "GPSLatitude",
            "GPSLongitude",
            "GPSAltitude",
            "GPSVersionID",
            "JPEGFileComment",
            "MEDIAWIKI_EXIF_VERSION",
        ]
    );
    let value = |metadata: &Value, name: &str| {
        metadata
            .as_array()
            .and_then(|entries| entries.iter().find(|entry| entry["name"] == name))
            .map(|entry| entry["value"].clone())
    };
    assert_eq!(
        value(&jpeg.metadata, "ImageDescription"),
        Some(json!("A red <a href=\"x\">box</a>"))
    );
    assert_eq!(value(&jpeg.metadata, "FNumber"), Some(json!("14/5")));
    assert_eq!(
        value(&jpeg.metadata, "UserComment"),
        Some(json!("Hello world"))
    );
    assert_eq!(value(&jpeg.metadata, "GPSLatitude"), Some(json!(-48.5)));
    assert_eq!(value(&jpeg.metadata, "GPSAltitude"), Some(json!(35)));
    assert_eq!(
        value(&jpeg.metadata, "GPSVersionID"),
        Some(json!("2.3.0.0"))
    );
    assert_eq!(
        value(&jpeg.metadata, "ComponentsConfiguration"),
        Some(json!([
            { "name": 0, "value": 1 }, { "name": 1, "value": 2 }, { "name": 2, "value": 3 },
            { "name": 3, "value": 0 }, { "name": "_type", "value": "ol" }
        ]))
    );
    assert_eq!(
        value(&jpeg.metadata, "JPEGFileComment"),
        Some(json!([{ "name": 0, "value": "jpeg comment" }]))
    );
    assert_eq!(
        value(&jpeg.metadata, "MEDIAWIKI_EXIF_VERSION"),
        Some(json!(2))
    );
    // Version 1 flattens the lists.
    assert_eq!(
        value(&jpeg.metadata_v1, "ComponentsConfiguration"),
        Some(json!("\n#1\n#2\n#3\n#0"))
    );
    assert_eq!(
        value(&jpeg.metadata_v1, "JPEGFileComment"),
        Some(json!("jpeg comment"))
    );
    assert_eq!(
        value(&jpeg.metadata_v1, "MEDIAWIKI_EXIF_VERSION"),
        Some(json!(1))
    );
    // Common metadata: everything but the version marker.
    assert_eq!(value(&jpeg.common_metadata, "MEDIAWIKI_EXIF_VERSION"), None);
    assert_eq!(value(&jpeg.common_metadata, "Make"), Some(json!("Canon")));

    let plain = facts("plain.jpg", "image/jpeg");
    assert_eq!((plain.width, plain.height, plain.bitdepth), (6, 4, 8));
    assert_eq!(
        plain.metadata,
        listed(&[("MEDIAWIKI_EXIF_VERSION", json!(2))])
    );
    assert_eq!(
        plain.metadata_v1,
        listed(&[("MEDIAWIKI_EXIF_VERSION", json!(1))])
    );
    assert_eq!(plain.common_metadata, json!([]));
}

#[test]
fn webp_as_webphandler_reads_it() {
    let version = json!([{ "name": "_MW_WEBP_VERSION", "value": 1 }]);
    let lossy = facts("lossy.webp", "image/webp");
    assert_eq!((lossy.width, lossy.height, lossy.bitdepth), (5, 3, 0));
    assert_eq!(
        lossy.metadata,
        listed(&[
            ("compression", json!("lossy")),
            ("width", json!(5)),
            ("height", json!(3)),
            ("metadata", version.clone())
        ])
    );
    let lossless = facts("lossless.webp", "image/webp");
    assert_eq!(
        lossless.metadata[0],
        json!({ "name": "compression", "value": "lossless" })
    );
    let animated = facts("animated.webp", "image/webp");
    assert_eq!(
        animated.metadata,
        listed(&[
            ("compression", json!("unknown")),
            ("animated", json!(true)),
            ("transparency", json!(false)),
            ("width", json!(5)),
            ("height", json!(3)),
            ("metadata", version),
        ])
    );
    assert_eq!(animated.common_metadata, json!([]));
}

#[test]
fn svg_as_svgreader_reads_it() {
    let svg = facts("clean.svg", "image/svg+xml");
    assert_eq!((svg.width, svg.height, svg.bitdepth), (240, 120, 0));
    assert_eq!(
        svg.metadata,
        listed(&[
            ("version", json!(2)),
            ("width", json!(240)),
            ("height", json!(120)),
            ("originalWidth", json!("240")),
            ("originalHeight", json!("120")),
            ("translations", json!([])),
        ])
    );
    assert_eq!(svg.common_metadata, json!([]));
    // 90 dpi centimetres; the viewBox alone gives 512 wide.
    let sized = facts("sized.svg", "image/svg+xml");
    assert_eq!((sized.width, sized.height), (354, 177));
    assert_eq!(
        sized.metadata[3],
        json!({ "name": "originalWidth", "value": "10cm" })
    );
    let view_box = facts("viewbox-only.svg", "image/svg+xml");
    assert_eq!((view_box.width, view_box.height), (512, 256));
    assert_eq!(
        view_box.metadata[4],
        json!({ "name": "originalHeight", "value": "100%" })
    );
    // Entities declare the namespace; Latin-1 text is read as such.
    assert_eq!(facts("inkscape-entities.svg", "image/svg+xml").width, 20);
    let latin1 = facts("latin1.svg", "image/svg+xml");
    assert_eq!(
        latin1.metadata[5],
        json!({ "name": "title", "value": "café" })
    );
    assert_eq!(
        latin1.common_metadata,
        listed(&[("ObjectName", json!("café"))])
    );
}

#[test]
fn no_handler_means_no_metadata() {
    for (name, mime) in [("tiny.pdf", "application/pdf"), ("notes.txt", "text/plain")] {
        let facts = facts(name, mime);
        assert_eq!((facts.width, facts.height, facts.bitdepth), (0, 0, 0));
        assert_eq!(facts.metadata, Value::Null);
        assert_eq!(facts.common_metadata, json!([]));
    }
}

#[test]
fn broken_files_get_mediawikis_error_marker() -> io::Result<()> {
    for (name, mime, code, common) in [
        ("tiny.png", "image/png", "0", json!([])),
        ("tiny.gif", "image/gif", "0", json!([])),
        (
            "exif.jpg",
            "image/jpeg",
            "-1",
            listed(&[("_error", json!("-1"))]),
        ),
    ] {
        let bytes = std::fs::read(fixture(name))?;
        let mut truncated = tempfile::NamedTempFile::new()?;
        io::Write::write_all(&mut truncated, &bytes[..40])?;
        let facts = media_facts(truncated.path(), mime);
        assert_eq!((facts.width, facts.height), (0, 0), "{name}");
        assert_eq!(facts.metadata, listed(&[("_error", json!(code))]), "{name}");
        assert_eq!(facts.common_metadata, common, "{name}");
    }
    let gone = fixture("no-such-file.svg");
    assert_eq!(
        media_facts(&gone, "image/png").metadata,
        listed(&[("_error", json!("0"))])
    );
    assert_eq!(
        media_facts(&gone, "image/svg+xml").metadata,
        listed(&[
            ("version", json!(2)),
            (
                "error",
                json!([{ "name": "message", "value": "Error reading SVG file." }, { "name": "code", "value": 0 }])
            ),
        ])
    );
    Ok(())
}

#[test]
fn tiff_exif_comes_from_the_files_own_directory() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/thumbs/pages.tif");
    let tiff = media_facts(&path, "image/tiff");
    assert_eq!((tiff.width, tiff.height), (90, 60));
    let value = |name: &str| {
        tiff.metadata
            .as_array()
            .and_then(|items| items.iter().find(|item| item["name"] == name))
            .map(|item| item["value"].clone())
    };
    assert_eq!(value("ImageWidth"), Some(json!(90)));
    assert_eq!(value("ImageLength"), Some(json!(60)));
    assert_eq!(value("MEDIAWIKI_EXIF_VERSION"), Some(json!(2)));
}
