//! Deleting a file: every version leaves the public repository for the
//! deleted store (`images/deleted/`, named by content hash, so identical
//! bytes are kept once), its rows move to `deleted_files`, and its page goes.
//!
//! Crash safety without a journal: the bytes are first hard-linked into the
//! deleted store, then one transaction moves the rows, then the public
//! links are removed. A crash before the commit leaves only a spare link in
//! the deleted store; after it, only unreferenced public files, which are
//! never served (serving goes by the database) and are overwritten by a
//! later upload of the name.

use super::UploadError;
use super::repo::FileRepo;
use super::stash::base36;
use super::title::normalize_extension;
use crate::storage::Database;

/// MediaWiki's deleted-file key: SHA-1 in base 36 (31 digits) and the
/// normalized extension.
pub fn storage_key(sha1_hex: &str, name: &str) -> String {
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| normalize_extension(e))
        .unwrap_or_default();
    format!("{}.{extension}", sha1_base36(sha1_hex))
}

/// A 40-digit hex SHA-1 in base 36, left-padded to 31 digits as MediaWiki
/// stores it.
pub fn sha1_base36(sha1_hex: &str) -> String {
    // 160 bits do not fit a u128: divide the big number digit by digit.
    let mut digits: Vec<u32> = sha1_hex.chars().filter_map(|c| c.to_digit(16)).collect();
    let mut out = Vec::new();
    while digits.iter().any(|&d| d != 0) {
        let mut remainder = 0u32;
        for digit in digits.iter_mut() {
            let value = remainder * 16 + *digit;
            *digit = value / 36;
            remainder = value % 36;
        }
        out.push(base36(u128::from(remainder)));
    }
    out.reverse();
    format!("{:0>31}", out.concat())
}

/// Deletes every version of `name`; returns the deletion's log id, or None
/// when there is no such file.
pub async fn delete(
    db: &Database,
    repo: &FileRepo,
    name: &str,
    deleted_by: i64,
    reason: &str,
    now: i64,
) -> Result<Option<i64>, UploadError> {
    let versions = db.file_history(name, None, None, i64::MAX).await?;
    if versions.is_empty() {
        return Ok(None);
    }
    let mut keys = Vec::new();
    let mut public_paths = Vec::new();
    for version in &versions {
        let key = storage_key(&version.sha1, name);
        let source = match &version.archive_name {
            Some(archive) => repo.archive_path(name, archive),
            None => repo.public_path(name),
        };
        let target = repo.deleted_path(&key);
        if let Some(dir) = target.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        match tokio::fs::hard_link(&source, &target).await {
            Ok(()) => {}
            // Identical bytes were deleted before: one copy is enough.
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(err) => return Err(err.into()),
        }
        keys.push((version.id, key));
        public_paths.push(source);
    }
    let log_id = db.delete_file(name, &keys, deleted_by, reason, now).await?;
    for path in public_paths {
        if let Err(err) = tokio::fs::remove_file(&path).await {
            tracing::warn!(path = %path.display(), error = %err, "a deleted file's public copy stayed");
        }
    }
    Ok(Some(log_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_in_base36_matches_mediawiki() {
        // From MediaWiki's documentation: SHA-1 of the empty string.
        assert_eq!(
            sha1_base36("da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            "phoiac9h4m842xq45sp7s6u21eteeq1"
        );
        assert_eq!(sha1_base36(&"0".repeat(40)), "0".repeat(31));
    }

    #[test]
    fn storage_keys_use_the_normalized_extension() {
        let key = storage_key("da39a3ee5e6b4b0d3255bfef95601890afd80709", "Photo.JPEG");
        assert_eq!(key, "phoiac9h4m842xq45sp7s6u21eteeq1.jpg");
    }
}
