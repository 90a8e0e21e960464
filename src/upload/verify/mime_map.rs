//! MimeMap: extensions, media types and aliases.

use std::borrow::Cow;

use super::UNKNOWN_MIME;

/// `improveTypeFromExtension`: the logical MIME type. `None` when the
/// content is unknown and the extension names no type either.
pub(super) fn improve_type_from_extension(mime: &str, ext: &str) -> Option<String> {
    let improved = if mime == UNKNOWN_MIME {
        if is_recognizable_extension(ext) {
            Some(mime)
        } else {
            mime_from_extension(ext)
        }
    } else if mime == "application/x-opc+zip" || mime == "application/vnd.oasis.opendocument" {
        if matching_extension(ext, mime) == Some(true) {
            mime_from_extension(ext)
        } else {
            Some("application/zip")
        }
    } else if mime == "text/plain" && extension_media_type(ext) == Some("TEXT") {
        mime_from_extension(ext)
    } else {
        Some(mime)
    };
    improved.map(|mime| canonical_mime(mime).into_owned())
}

/// `UploadBase::verifyExtension`: does the extension fit the MIME type?
pub(super) fn extension_agrees(mime: Option<&str>, ext: &str) -> bool {
    match mime {
        None | Some("" | "unknown" | UNKNOWN_MIME) => !is_recognizable_extension(ext),
        Some(mime) => match matching_extension(ext, mime) {
            Some(matches) => matches,
            // A type without extensions only fits an extension without type.
            None => mime_from_extension(ext).is_none(),
        },
    }
}

/// Extensions whose content MediaWiki is sure to recognize.
fn is_recognizable_extension(ext: &str) -> bool {
    const RECOGNIZABLE: &[&str] = &[
        "gif", "jpeg", "jpg", "png", "swf", "psd", "bmp", "tiff", "tif", "jpc", "jp2", "jpx",
        "jb2", "swc", "iff", "wbmp", "xbm", "djvu", "ogx", "ogg", "ogv", "oga", "spx", "opus",
        "mid", "pdf", "wmf", "xcf", "webm", "mkv", "mka", "webp", "mp3", "svg", "stl",
    ];
    RECOGNIZABLE.contains(&ext.to_ascii_lowercase().as_str())
}

/// `isMatchingExtension`: `None` if the MIME type has no extensions.
fn matching_extension(ext: &str, mime: &str) -> Option<bool> {
    let extensions = extensions_of(mime);
    (!extensions.is_empty()).then(|| extensions.contains(&ext.to_ascii_lowercase().as_str()))
}

/// The extensions registered for a MIME type (or for the type it aliases).
pub(super) fn extensions_of(mime: &str) -> Vec<&'static str> {
    let mime = mime.to_ascii_lowercase();
    let direct = table_values(MIME_EXTENSIONS, &mime);
    if !direct.is_empty() {
        return direct;
    }
    alias_of(&mime).map_or_else(Vec::new, |alias| table_values(MIME_EXTENSIONS, alias))
}

/// The first MIME type registered for an extension.
pub(super) fn mime_from_extension(ext: &str) -> Option<&'static str> {
    let ext = ext.to_ascii_lowercase();
    table_keys_listing(MIME_EXTENSIONS, &ext).next()
}

/// `findMediaType('.ext')`: the media type of the extension's MIME types.
fn extension_media_type(ext: &str) -> Option<&'static str> {
    let ext = ext.to_ascii_lowercase();
    table_keys_listing(MIME_EXTENSIONS, &ext).find_map(media_type_entry)
}

pub(super) fn media_type_entry(mime: &str) -> Option<&'static str> {
    table_keys_listing(MEDIA_TYPES, mime).next()
}

/// The canonical name of a MIME type (`$mimeTypeAliases`, one step).
pub(super) fn canonical_mime(mime: &str) -> Cow<'_, str> {
    alias_of(mime).map_or(Cow::Borrowed(mime), Cow::Borrowed)
}

fn alias_of(mime: &str) -> Option<&'static str> {
    MIME_TYPE_ALIASES.lines().find_map(|line| {
        let (alias, canonical) = line.split_once(' ')?;
        (alias == mime).then_some(canonical)
    })
}

/// The words after `key` on the lines of `table` that start with it.
fn table_values(table: &'static str, key: &str) -> Vec<&'static str> {
    table
        .lines()
        .filter_map(|line| line.split_once(' '))
        .filter(|(line_key, _)| *line_key == key)
        .flat_map(|(_, values)| values.split(' '))
        .collect()
}

/// The keys of the lines of `table` that list `value`, in table order.
fn table_keys_listing<'v>(
    table: &'static str,
    value: &'v str,
) -> impl Iterator<Item = &'static str> + 'v {
    table.lines().filter_map(move |line| {
        let mut words = line.split(' ');
        let key = words.next()?;
        words.any(|word| word == value).then_some(key)
    })
}

// MediaWiki's MimeMap (1.39): MIME type then its extensions, the first being
// the canonical one; a type may continue on the next line.
const MIME_EXTENSIONS: &str = "\
application/ogg ogx ogg ogm ogv oga spx opus
application/pdf pdf
application/vnd.ms-opentype otf
application/vnd.oasis.opendocument.chart odc
application/vnd.oasis.opendocument.chart-template otc
application/vnd.oasis.opendocument.database odb
application/vnd.oasis.opendocument.formula odf
application/vnd.oasis.opendocument.formula-template otf
application/vnd.oasis.opendocument.graphics odg
application/vnd.oasis.opendocument.graphics-template otg
application/vnd.oasis.opendocument.image odi
application/vnd.oasis.opendocument.image-template oti
application/vnd.oasis.opendocument.presentation odp
application/vnd.oasis.opendocument.presentation-template otp
application/vnd.oasis.opendocument.spreadsheet ods
application/vnd.oasis.opendocument.spreadsheet-template ots
application/vnd.oasis.opendocument.text odt
application/vnd.oasis.opendocument.text-master otm odm
application/vnd.oasis.opendocument.text-template ott
application/vnd.oasis.opendocument.text-web oth
application/javascript js
application/x-shockwave-flash swf
audio/midi mid midi kar
audio/mpeg mpga mpa mp2 mp3
audio/x-aiff aif aiff aifc
audio/x-wav wav
audio/ogg oga spx ogg opus
audio/opus opus ogg oga spx
image/x-bmp bmp
image/gif gif
image/jpeg jpeg jpg jpe jps
image/png png apng
image/svg+xml svg
image/svg svg
image/tiff tiff tif
image/vnd.djvu djvu djv
image/x.djvu djvu
image/x-djvu djvu
image/x-portable-pixmap ppm
image/x-xcf xcf
text/plain txt
text/html html htm
video/ogg ogv ogm ogg
video/mpeg mpg mpeg mpe
application/acad dwg
application/andrew-inset ez
application/mac-binhex40 hqx
application/mac-compactpro cpt
application/mathml+xml mathml
application/msword doc dot
application/octet-stream bin dms lha lzh exe class so dll
application/oda oda
application/postscript ai eps ps
application/rdf+xml rdf
application/smil smi smil
application/srgs gram
application/srgs+xml grxml
application/vnd.mif mif
application/vnd.ms-excel xls xlt xla
application/vnd.ms-powerpoint ppt pot pps ppa
application/vnd.wap.wbxml wbxml
application/vnd.wap.wmlc wmlc
application/vnd.wap.wmlscriptc wmlsc
application/voicexml+xml vxml
application/x-7z-compressed 7z
application/x-bcpio bcpio
application/x-bzip bz
application/x-bzip2 bz2
application/x-cdlink vcd
application/x-chess-pgn pgn
application/x-cpio cpio
application/x-csh csh
application/x-dia-diagram dia
application/x-director dcr dir dxr
application/x-dvi dvi
application/x-futuresplash spl
application/x-gtar gtar tar
application/x-gzip gz
application/x-hdf hdf
application/x-jar jar
application/json json
application/x-koan skp skd skt skm
application/x-latex latex
application/x-netcdf nc cdf
application/x-sh sh
application/x-shar shar
application/x-stuffit sit
application/x-sv4cpio sv4cpio
application/x-sv4crc sv4crc
application/x-tar tar
application/x-tcl tcl
application/x-tex tex
application/x-texinfo texinfo texi
application/x-troff t tr roff
application/x-troff-man man
application/x-troff-me me
application/x-troff-ms ms
application/x-ustar ustar
application/x-wais-source src
application/x-xpinstall xpi
application/xhtml+xml xhtml xht
application/xslt+xml xslt
application/xml xml xsl xsd kml
application/xml-dtd dtd
application/zip zip jar xpi sxc stc sxd std sxi sti sxm stm sxw stw
application/x-rar rar
font/sfnt ttf
application/font-sfnt ttf
font/woff woff
application/font-woff woff
font/woff2 woff2
application/font-woff2 woff2
application/vnd.ms-fontobject eot
application/x-font-ttf ttf
audio/basic au snd
video/webm webm
audio/webm webm
audio/x-matroska mka mkv
audio/x-mpegurl m3u
audio/x-ogg oga ogg spx opus
audio/x-pn-realaudio ram rm
audio/x-pn-realaudio-plugin rpm
audio/x-realaudio ra
audio/wav wav
audio/x-flac flac
audio/flac flac
chemical/x-pdb pdb
chemical/x-xyz xyz
image/bmp bmp
image/cgm cgm
image/ief ief
image/jp2 jp2 j2k jpg2
image/jpx jpf jpx
image/vnd.microsoft.icon ico
image/vnd.wap.wbmp wbmp
image/webp webp
image/x-cmu-raster ras
image/x-icon ico
image/x-jps jps
image/x-ms-bmp bmp
image/x-portable-anymap pnm
image/x-portable-bitmap pbm
image/x-portable-graymap pgm
image/x-rgb rgb
image/x-photoshop psd
image/x-xbitmap xbm
image/x-xpixmap xpm
image/x-xwindowdump xwd
model/iges igs iges
model/mesh msh mesh silo
model/vrml wrl vrml
text/calendar ics ifb
text/css css
text/csv csv
text/richtext rtx
text/rtf rtf
text/sgml sgml sgm
text/tab-separated-values tsv
text/vnd.wap.wml wml
text/vnd.wap.wmlscript wmls
text/xml xml xsl xslt rss rdf
text/x-component htc
text/x-less less
text/x-setext etx
text/x-sawfish jl
video/mp4 mp4 m4a m4p m4b m4r m4v
audio/mp4 m4a
video/quicktime qt mov
video/vnd.mpegurl mxu
video/x-flv flv
video/x-matroska mkv mka
video/x-msvideo avi
video/x-ogg ogv ogm ogg
video/x-sgi-movie movie
x-conference/x-cooltalk ice
application/vnd.openxmlformats-officedocument.wordprocessingml.document docx
application/vnd.openxmlformats-officedocument.wordprocessingml.template dotx
application/vnd.ms-word.document.macroenabled.12 docm
application/vnd.ms-word.template.macroenabled.12 dotm
application/vnd.openxmlformats-officedocument.presentationml.template potx
application/vnd.openxmlformats-officedocument.presentationml.slideshow ppsx
application/vnd.openxmlformats-officedocument.presentationml.presentation pptx
application/vnd.ms-powerpoint.addin.macroenabled.12 ppam
application/vnd.ms-powerpoint.presentation.macroenabled.12 pptm potm
application/vnd.ms-powerpoint.slideshow.macroenabled.12 ppsm
application/vnd.openxmlformats-officedocument.spreadsheetml.sheet xlsx
application/vnd.openxmlformats-officedocument.spreadsheetml.template xltx
application/vnd.ms-excel.sheet.macroenabled.12 xlsm
application/vnd.ms-excel.template.macroenabled.12 xltm
application/vnd.ms-excel.addin.macroenabled.12 xlam
application/vnd.ms-excel.sheet.binary.macroenabled.12 xlsb
model/vnd.dwfx+xps dwfx
application/vnd.ms-xpsdocument xps
chemical/x-mdl-molfile mol
chemical/x-mdl-sdfile sdf
chemical/x-mdl-rxnfile rxn
chemical/x-mdl-rdfile rd
chemical/x-mdl-rgfile rg
application/x-amf amf
application/sla stl
application/wasm wasm
application/x-opc+zip docx dotx docm dotm potx ppsx pptx ppam pptm potm ppsm xlsx xltx xlsm
application/x-opc+zip xltm xlam xlsb dwfx xps
application/vnd.oasis.opendocument odt ott odg otg odp otp ods ots odc otc odi oti odf otf
application/vnd.oasis.opendocument odm oth";

// Media type then MIME types; the first line listing a type decides.
const MEDIA_TYPES: &str = "\
OFFICE application/pdf application/vnd.oasis.opendocument.chart
OFFICE application/vnd.oasis.opendocument.chart-template
OFFICE application/vnd.oasis.opendocument.database
OFFICE application/vnd.oasis.opendocument.formula
OFFICE application/vnd.oasis.opendocument.formula-template
OFFICE application/vnd.oasis.opendocument.graphics
OFFICE application/vnd.oasis.opendocument.graphics-template
OFFICE application/vnd.oasis.opendocument.image
OFFICE application/vnd.oasis.opendocument.image-template
OFFICE application/vnd.oasis.opendocument.presentation
OFFICE application/vnd.oasis.opendocument.presentation-template
OFFICE application/vnd.oasis.opendocument.spreadsheet
OFFICE application/vnd.oasis.opendocument.spreadsheet-template
OFFICE application/vnd.oasis.opendocument.text
OFFICE application/vnd.oasis.opendocument.text-template
OFFICE application/vnd.oasis.opendocument.text-master
OFFICE application/vnd.oasis.opendocument.text-web application/acrobat application/msword
OFFICE application/vnd.ms-excel application/vnd.ms-powerpoint application/x-director
OFFICE image/vnd.djvu image/x.djvu image/x-djvu text/rtf
OFFICE application/vnd.openxmlformats-officedocument.wordprocessingml.document
OFFICE application/vnd.openxmlformats-officedocument.wordprocessingml.template
OFFICE application/vnd.ms-word.document.macroenabled.12
OFFICE application/vnd.ms-word.template.macroenabled.12
OFFICE application/vnd.openxmlformats-officedocument.presentationml.template
OFFICE application/vnd.openxmlformats-officedocument.presentationml.slideshow
OFFICE application/vnd.openxmlformats-officedocument.presentationml.presentation
OFFICE application/vnd.ms-powerpoint.addin.macroenabled.12
OFFICE application/vnd.ms-powerpoint.presentation.macroenabled.12
OFFICE application/vnd.ms-powerpoint.slideshow.macroenabled.12
OFFICE application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
OFFICE application/vnd.openxmlformats-officedocument.spreadsheetml.template
OFFICE application/vnd.ms-excel.sheet.macroenabled.12
OFFICE application/vnd.ms-excel.template.macroenabled.12
OFFICE application/vnd.ms-excel.addin.macroenabled.12
OFFICE application/vnd.ms-excel.sheet.binary.macroenabled.12
EXECUTABLE application/javascript text/javascript application/x-javascript
EXECUTABLE application/x-ecmascript text/ecmascript application/x-bash application/x-sh
EXECUTABLE application/x-csh application/x-tcsh application/x-tcl application/x-perl
EXECUTABLE application/x-python application/wasm
MULTIMEDIA application/x-shockwave-flash application/ogg audio/ogg video/ogg
MULTIMEDIA application/x-ogg audio/x-ogg video/x-ogg audio/x-pn-realaudio-plugin model/iges
MULTIMEDIA model/mesh model/vrml video/quicktime video/x-msvideo
AUDIO audio/midi audio/x-aiff audio/x-wav audio/mp3 audio/mpeg audio/mpeg3 audio/mp4
AUDIO audio/wav audio/wave audio/mid audio/basic audio/ogg audio/opus audio/x-pn-realaudio
AUDIO audio/x-realaudio audio/webm audio/x-matroska audio/x-flac audio/flac
BITMAP image/x-bmp image/x-ms-bmp image/bmp image/gif image/jpeg image/png image/tiff
BITMAP image/vnd.djvu image/x-xcf image/x-portable-pixmap image/x-png image/ief image/x-jps
BITMAP image/pjpeg image/jp2 image/jpx image/xbm image/x-icon image/x-ico
BITMAP image/vnd.microsoft.icon image/x-rgb image/x-portable-graymap
BITMAP image/x-portable-greymap application/x-bmp application/bmp image/x-photoshop
BITMAP image/psd image/x-psd image/photoshop image/vnd.adobe.photoshop image/webp
DRAWING image/svg+xml application/svg+xml application/svg image/svg application/postscript
DRAWING application/x-latex application/x-tex application/x-dia-diagram application/acad
DRAWING application/x-acad application/autocad_dwg image/x-dwg application/dwg
DRAWING application/x-dwg application/x-autocad image/vnd.dwg drawing/dwg
DRAWING chemical/x-mdl-molfile chemical/x-mdl-sdfile chemical/x-mdl-rxnfile
DRAWING chemical/x-mdl-rdfile chemical/x-mdl-rgfile
TEXT text/plain text/html application/xhtml+xml application/xml text/xml text
TEXT application/json text/csv text/tab-separated-values
VIDEO video/ogg video/mpeg application/mpeg video/x-sgi-video video/x-flv video/webm
VIDEO video/x-matroska video/mp4
UNKNOWN unknown/unknown application/octet-stream application/x-empty
ARCHIVE application/zip application/x-zip application/x-gzip application/x-bzip
ARCHIVE application/x-bzip2 application/x-tar application/x-stuffit application/x-opc+zip
ARCHIVE application/x-7z-compressed
3D application/sla";

// Alias then canonical name.
const MIME_TYPE_ALIASES: &str = "\
text/javascript application/javascript
application/x-javascript application/javascript
audio/mpeg audio/mp3
audio/ogg application/ogg
video/ogg application/ogg
image/x-ms-bmp image/x-bmp
image/bmp image/x-bmp
application/octet-stream unknown/unknown
application/x-empty unknown/unknown
image/x-png image/png
image/pjpeg image/jpeg
image/x-ico image/x-icon
image/vnd.microsoft.icon image/x-icon
image/x-portable-greymap image/x-portable-graymap
application/x-bmp image/x-bmp
application/bmp image/x-bmp
image/psd image/x-photoshop
image/x-psd image/x-photoshop
image/photoshop image/x-photoshop
image/vnd.adobe.photoshop image/x-photoshop
application/svg+xml image/svg+xml
application/svg image/svg+xml
image/svg image/svg+xml
audio/mp3 audio/mpeg
audio/mpeg3 audio/mpeg
audio/x-wav audio/wav
audio/wave audio/wav
audio/mid audio/midi
application/mpeg video/mpeg
application/x-ogg application/ogg
audio/x-ogg application/ogg
video/x-ogg application/ogg
application/xhtml+xml text/html
text/xml application/xml
application/x-zip application/zip
application/x-ecmascript application/javascript
text/ecmascript application/javascript
application/acrobat application/pdf
image/x.djvu image/vnd.djvu
image/x-djvu image/vnd.djvu
application/x-acad application/acad
application/autocad_dwg application/acad
image/x-dwg application/acad
application/dwg application/acad
application/x-dwg application/acad
application/x-autocad application/acad
image/vnd.dwg application/acad
drawing/dwg application/acad
image/jpeg2000 image/jp2
image/jpeg2000-image image/jp2
image/x-jpeg2000-image image/jp2";
