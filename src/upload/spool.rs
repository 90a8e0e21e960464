//! The spool: where an uploaded file's bytes land as they arrive, hashed on
//! the way, so that later steps (verification, stashing, publishing) can
//! rename the file instead of copying it. The spool directory lives under
//! the data directory, on the same filesystem as the stash.

use std::path::Path;

use sha1::{Digest, Sha1};
use tempfile::TempPath;
use tokio::io::AsyncWriteExt;

/// How much is gathered before each write to disk.
const WRITE_BUFFER: usize = 1 << 20;

/// A file being written into the spool.
#[derive(Debug)]
pub struct SpoolWriter {
    /// Buffered: every tokio file write is a trip to the blocking pool, so
    /// the small pieces multipart parsing yields are gathered first.
    file: tokio::io::BufWriter<tokio::fs::File>,
    path: TempPath,
    size: u64,
    sha1: Sha1,
    limit: u64,
    continues: Option<(String, u64)>,
}

/// A completely received file. Deleted when dropped unless moved away.
#[derive(Debug)]
pub struct SpooledFile {
    pub path: TempPath,
    pub size: u64,
    /// SHA-1 of the content, lower-case hex.
    pub sha1: String,
    /// The hash state after the last byte, so that a chunked upload whose
    /// first chunk this is can hash on from here.
    pub hasher: Sha1,
    /// Set when the hash did not start from nothing but went on from the
    /// hash of chunked upload `key`'s first `offset` bytes: then `hasher`
    /// (and `sha1`) cover that upload up to the end of this part.
    pub continues: Option<(String, u64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    #[error("the file is larger than {0} bytes")]
    TooLarge(u64),
    #[error("cannot write to the spool: {0}")]
    Io(#[from] std::io::Error),
}

impl SpoolWriter {
    /// Starts a new spool file in `dir`, accepting at most `limit` bytes.
    pub async fn create(dir: &Path, limit: u64) -> Result<SpoolWriter, SpoolError> {
        SpoolWriter::continuing(dir, limit, None).await
    }

    /// The same for the next chunk of upload `key` at `offset`, whose hash
    /// so far is `hasher`: the part's bytes are hashed on from it, so the
    /// upload's bytes are hashed once, here.
    pub async fn continuing(
        dir: &Path,
        limit: u64,
        from: Option<(String, u64, Sha1)>,
    ) -> Result<SpoolWriter, SpoolError> {
        tokio::fs::create_dir_all(dir).await?;
        let dir = dir.to_owned();
        let named = tokio::task::spawn_blocking(move || tempfile::NamedTempFile::new_in(dir))
            .await
            .map_err(std::io::Error::other)??;
        let (file, path) = named.into_parts();
        Ok(SpoolWriter {
            file: tokio::io::BufWriter::with_capacity(
                WRITE_BUFFER,
                tokio::fs::File::from_std(file),
            ),
            path,
            size: 0,
            sha1: from.as_ref().map_or_else(Sha1::new, |(_, _, h)| h.clone()),
            limit,
            continues: from.map(|(key, offset, _)| (key, offset)),
        })
    }

    /// Appends `bytes`; fails (and the file is dropped) past the limit.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), SpoolError> {
        self.size += bytes.len() as u64;
        if self.size > self.limit {
            return Err(SpoolError::TooLarge(self.limit));
        }
        self.sha1.update(bytes);
        self.file.write_all(bytes).await?;
        Ok(())
    }

    /// Flushes and closes the file. With `sync`, the bytes are on disk
    /// before anything (a stash row, a published version) can refer to
    /// them; without, they may stay in the page cache, for parts that are
    /// copied elsewhere and deleted at once (never written to disk at all).
    pub async fn finish(mut self, sync: bool) -> Result<SpooledFile, SpoolError> {
        self.file.flush().await?;
        if sync {
            self.file.get_ref().sync_all().await?;
        }
        // Temporary files are created private; a published file is public.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tokio::fs::set_permissions(&self.path, std::fs::Permissions::from_mode(0o644)).await?;
        }
        Ok(SpooledFile {
            path: self.path,
            size: self.size,
            sha1: hex::encode(self.sha1.clone().finalize()),
            hasher: self.sha1,
            continues: self.continues,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn spooled_bytes_are_hashed_and_removed_on_drop() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut writer = SpoolWriter::create(dir.path(), 100).await.expect("create");
        writer.write(b"hello ").await.expect("write");
        writer.write(b"world").await.expect("write");
        let file = writer.finish(true).await.expect("finish");
        assert_eq!(file.size, 11);
        assert_eq!(file.sha1, "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed");
        assert_eq!(std::fs::read(&file.path).expect("read"), b"hello world");
        let path = file.path.to_path_buf();
        drop(file);
        assert!(!path.exists());
    }

    #[tokio::test]
    async fn the_limit_is_enforced_while_writing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut writer = SpoolWriter::create(dir.path(), 4).await.expect("create");
        writer.write(b"1234").await.expect("within the limit");
        assert!(matches!(
            writer.write(b"5").await,
            Err(SpoolError::TooLarge(4))
        ));
    }
}
