//! The cache of rendered thumbnails: the only code that knows where they
//! are kept, so another store (object storage) replaces this file alone.
//! Thumbnails are derived data: any of them may be deleted at any time and
//! is rendered again when asked for.
//!
//! Layout under `<data_dir>/thumbs/`: `<h>/<hh>/<Name>/<sha1 of the
//! source>/<thumb name>`, and `stash/<key>/...` for stashed files. Keyed by the source's content, a thumbnail can
//! never be served for other bytes than its own, even if a render finishes
//! after the file changed; purging a file removes its whole directory.

use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use md5::{Digest, Md5};

use crate::upload::repo::hash_dirs;

/// Which thumbnail: of which file, of which content, under which name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ThumbKey {
    /// The file's name (DB key); old versions share their file's.
    pub file: String,
    /// `file` is a stash key.
    pub stashed: bool,
    /// The SHA-1 of the source's bytes.
    pub sha1: String,
    /// The thumbnail's name (`120px-Name.png`).
    pub thumb: String,
}

/// A thumbnail in the cache.
#[derive(Debug, Clone)]
pub struct CachedThumb {
    pub path: PathBuf,
    pub modified: SystemTime,
}

/// Thumbnails on the local disk.
#[derive(Debug, Clone)]
pub struct ThumbCache {
    root: PathBuf,
}

impl ThumbCache {
    pub fn new(root: &Path) -> ThumbCache {
        ThumbCache {
            root: root.to_owned(),
        }
    }

    fn file_dir(&self, file: &str, stashed: bool) -> PathBuf {
        if stashed {
            self.root.join("stash").join(file)
        } else {
            self.root.join(hash_dirs(file)).join(file)
        }
    }

    fn path(&self, key: &ThumbKey) -> PathBuf {
        // A name too long for the filesystem is stored under its hash.
        let leaf = if key.thumb.len() <= 200 {
            key.thumb.clone()
        } else {
            hex::encode(Md5::digest(key.thumb.as_bytes()))
        };
        self.file_dir(&key.file, key.stashed)
            .join(&key.sha1)
            .join(leaf)
    }

    /// The cached thumbnail, if there is one.
    pub fn get(&self, key: &ThumbKey) -> io::Result<Option<CachedThumb>> {
        let path = self.path(key);
        match std::fs::metadata(&path) {
            Ok(metadata) => Ok(Some(CachedThumb {
                modified: metadata.modified()?,
                path,
            })),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Stores a rendered thumbnail: written aside, then renamed into place,
    /// so a reader sees all of it or nothing.
    pub fn put(&self, key: &ThumbKey, bytes: &[u8]) -> io::Result<CachedThumb> {
        let path = self.path(key);
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir)?;
        let mut staged = tempfile::NamedTempFile::new_in(dir)?;
        io::Write::write_all(&mut staged, bytes)?;
        staged.persist(&path).map_err(|error| error.error)?;
        self.get(key)?
            .ok_or_else(|| io::Error::other("a stored thumbnail vanished"))
    }

    /// Removes every thumbnail of every version of `file` (a stash key
    /// when `stashed`).
    pub async fn purge(&self, file: &str, stashed: bool) -> io::Result<()> {
        match tokio::fs::remove_dir_all(self.file_dir(file, stashed)).await {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }
}
