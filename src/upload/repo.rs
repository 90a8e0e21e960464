//! The file repository's layout, MediaWiki's: a current version at
//! `images/<h>/<hh>/<Name>`, old versions at
//! `images/archive/<h>/<hh>/<YYYYMMDDHHMMSS>!<Name>`, deleted versions apart
//! at `images/deleted/<k0>/<k1>/<k2>/<sha1 base 36>.<ext>`, where `<hh>` is
//! the first two hex digits of the MD5 of the name. Stashed files live in
//! `stash/`, on the same filesystem, so publishing is a rename.

use std::path::{Path, PathBuf};

use md5::{Digest, Md5};

/// Where files live on disk and which URLs serve them.
#[derive(Debug, Clone)]
pub struct FileRepo {
    root: PathBuf,
    /// `{server}{script_path}`, without trailing slash.
    base_url: String,
}

impl FileRepo {
    pub fn new(data_dir: &Path, base_url: &str) -> FileRepo {
        FileRepo {
            root: data_dir.to_owned(),
            base_url: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The data directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn images_dir(&self) -> PathBuf {
        self.root.join("images")
    }

    pub fn stash_dir(&self) -> PathBuf {
        self.root.join("stash")
    }

    /// Rendered thumbnails (derived data: `media::cache`).
    pub fn thumb_dir(&self) -> PathBuf {
        self.root.join("thumbs")
    }

    /// `{server}{script_path}`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The spool, where file parts land while they arrive.
    pub fn spool_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    pub fn public_path(&self, name: &str) -> PathBuf {
        self.images_dir().join(hash_dirs(name)).join(name)
    }

    pub fn archive_path(&self, name: &str, archive_name: &str) -> PathBuf {
        self.images_dir()
            .join("archive")
            .join(hash_dirs(name))
            .join(archive_name)
    }

    pub fn deleted_path(&self, storage_key: &str) -> PathBuf {
        let mut path = self.images_dir().join("deleted");
        for c in storage_key.chars().take(3) {
            path.push(c.to_string());
        }
        path.join(storage_key)
    }

    pub fn stash_path(&self, file_key: &str) -> PathBuf {
        self.stash_dir().join(file_key)
    }

    /// The public URL of the current version of `name`.
    pub fn public_url(&self, name: &str) -> String {
        format!(
            "{}/images/{}/{}",
            self.base_url,
            hash_dirs(name),
            raw_url_encode(name)
        )
    }

    /// The public URL of an old version.
    pub fn archive_url(&self, name: &str, archive_name: &str) -> String {
        format!(
            "{}/images/archive/{}/{}",
            self.base_url,
            hash_dirs(name),
            raw_url_encode(archive_name)
        )
    }

    /// The description page's URL (`index.php/File:Name`).
    pub fn description_url(&self, name: &str) -> String {
        format!("{}/index.php/File:{}", self.base_url, wiki_url_encode(name))
    }

    /// Where a stashed file is served to its owner.
    pub fn stash_url(&self, file_key: &str) -> String {
        format!(
            "{}/index.php/Special:UploadStash/file/{}",
            self.base_url,
            wiki_url_encode(file_key)
        )
    }
}

/// `<h>/<hh>`: the first one and two hex digits of MD5(name).
pub fn hash_dirs(name: &str) -> String {
    let digest = hex::encode(Md5::digest(name.as_bytes()));
    format!("{}/{}", &digest[..1], &digest[..2])
}

/// PHP's `rawurlencode`: everything but `A-Za-z0-9-_.~` is percent-encoded.
pub fn raw_url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte))
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// MediaWiki's `wfUrlencode`: like `urlencode`, but `; @ $ ! * ( ) , / ~ :`
/// stay readable.
pub fn wiki_url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                out.push(char::from(byte))
            }
            b';' | b'@' | b'$' | b'!' | b'*' | b'(' | b')' | b',' | b'/' | b'~' | b':' => {
                out.push(char::from(byte))
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_directories_match_mediawikis_examples() {
        assert_eq!(hash_dirs("Example.jpg"), "a/a9");
        assert_eq!(hash_dirs("Foo.png"), "f/f8");
        assert_eq!(hash_dirs("Test_file.png"), "b/bd");
    }

    #[test]
    fn urls_encode_names_like_mediawiki() {
        let repo = FileRepo::new(Path::new("/d"), "http://h:1/");
        assert_eq!(
            repo.public_url("Foo_(bar).png"),
            "http://h:1/images/6/60/Foo_%28bar%29.png"
        );
        assert_eq!(
            repo.archive_url("Foo.png", "20261122153334!Foo.png"),
            "http://h:1/images/archive/f/f8/20261122153334%21Foo.png"
        );
        assert_eq!(
            repo.description_url("Foo_(bar).png"),
            "http://h:1/index.php/File:Foo_(bar).png"
        );
        assert_eq!(raw_url_encode("Ü.png"), "%C3%9C.png");
    }
}
