//! The upload stash: files kept for their uploader until published under a
//! name (or expired). A stash entry is a row in `stash` and a file at
//! `stash/<key>`; the file gets there by rename from the spool, so stashing
//! writes no byte twice.

use std::path::{Path, PathBuf};

use rand::Rng;

use super::{UploadError, timestamp14};
use crate::storage::{ContentFacts, Database, StashRow};

/// Why a stash key cannot be used; each is one of MediaWiki's codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StashError {
    #[error("Not a valid file key.")]
    InvalidKey,
    #[error("Key \"{0}\" is not in a proper format.")]
    BadFormat(String),
    #[error("You must be logged in to upload this file.")]
    NotLoggedIn,
    #[error("Key \"{0}\" not found in stash.")]
    NotFound(String),
    #[error("This file ({0}) doesn't belong to the current user.")]
    WrongOwner(String),
    #[error("Path doesn't exist.")]
    BadPath,
}

impl StashError {
    pub fn code(&self) -> &'static str {
        match self {
            StashError::InvalidKey => "invalid-file-key",
            StashError::BadFormat(_) => "uploadstash-bad-path-bad-format",
            StashError::NotLoggedIn => "stashnotloggedin",
            StashError::NotFound(_) => "uploadstash-file-not-found",
            StashError::WrongOwner(_) => "uploadstash-wrong-owner",
            StashError::BadPath => "uploadstash-bad-path",
        }
    }
}

/// MediaWiki's file key syntax: `^[\w\-\.]+\.\w*$`.
pub fn is_valid_key(key: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    match key.rfind('.') {
        Some(dot) if dot > 0 => {
            key[..dot].chars().all(|c| word(c) || c == '-' || c == '.')
                && key[dot + 1..].chars().all(word)
        }
        _ => false,
    }
}

/// A new key `<base36 time>.<base36 random>.<user id>.<ext>`, as MediaWiki
/// makes them: unique, sortable by time, and carrying the owner.
pub fn new_key(now_micros: i64, user_id: i64, extension: &str) -> String {
    let random: u32 = rand::thread_rng().r#gen();
    format!(
        "{}.{}.{user_id}.{extension}",
        base36(u128::try_from(now_micros).unwrap_or_default()),
        base36(u128::from(random))
    )
}

/// When key `key` was made (Unix seconds), from its first part.
pub fn key_time(key: &str) -> Option<i64> {
    let micros = i64::from_str_radix(key.split('.').next()?, 36).ok()?;
    Some(micros / 1_000_000)
}

/// Lower-case base 36, as PHP's `base_convert` writes it.
pub fn base36(mut n: u128) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A file about to enter the stash.
#[derive(Debug)]
pub struct NewEntry<'a> {
    /// Where the bytes are now (moved, not copied).
    pub file: &'a Path,
    pub user_id: i64,
    pub facts: ContentFacts,
    /// The extension of the sniffed MIME type; may be empty.
    pub extension: &'a str,
    /// `file` or `url`.
    pub source: &'a str,
}

/// Moves a received file into the stash and records it for its user.
pub async fn put(
    db: &Database,
    stash_dir: &Path,
    entry: NewEntry<'_>,
    now: i64,
) -> Result<StashRow, UploadError> {
    let stem = {
        use rand::distributions::{Alphanumeric, DistString};
        format!(
            "wu{}",
            Alphanumeric.sample_string(&mut rand::thread_rng(), 8)
        )
    };
    let row = new_row(&entry, &stem, now);
    let target = move_in(entry.file, stash_dir, &row.file_key).await?;
    crate::crash::point("stash.after_rename");
    if let Err(err) = db.insert_stash(&row).await {
        // Nothing may stay behind that no row describes.
        let _ = tokio::fs::remove_file(&target).await;
        return Err(err.into());
    }
    Ok(row)
}

/// Moves the file at `file` into the stash as `key`. A failure (a full
/// disk) is MediaWiki's `uploadstash-exception` with the reason, and
/// leaves the file where it was.
pub async fn move_in(file: &Path, stash_dir: &Path, key: &str) -> Result<PathBuf, UploadError> {
    let target = stash_dir.join(key);
    let moved = async {
        tokio::fs::create_dir_all(stash_dir).await?;
        crate::crash::disk_full_at("stash.store")?;
        tokio::fs::rename(file, &target).await
    };
    match moved.await {
        Ok(()) => Ok(target),
        Err(err) => Err(UploadError::StashFailed {
            src: file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            key: key.to_owned(),
            reason: err.to_string(),
        }),
    }
}

/// `backend-fail-store`'s words for bytes that could not be stored in the
/// stash as `key`, with the reason.
pub fn store_failure(src: &str, key: &str, reason: &str) -> String {
    format!(
        "Could not store file \"{src}\" at \"mwstore://local-backend/local-temp/{key}\". ({reason})"
    )
}

/// The row describing `entry` under a fresh key; `stem` names the stash
/// file as MediaWiki does (`YYYYMMDDHHMMSS!<stem>.<ext>`).
pub fn new_row(entry: &NewEntry<'_>, stem: &str, now: i64) -> StashRow {
    let key = new_key(
        chrono::Utc::now().timestamp_micros(),
        entry.user_id,
        entry.extension,
    );
    let facts = entry.facts.clone();
    StashRow {
        file_key: key,
        user_id: entry.user_id,
        temp_name: format!("{}!{stem}.{}", timestamp14(now), entry.extension),
        size: facts.size,
        width: facts.width,
        height: facts.height,
        bits: facts.bits,
        media_type: facts.media_type,
        mime: facts.mime,
        sha1: facts.sha1,
        metadata: facts.metadata,
        common_metadata: facts.common_metadata,
        source: entry.source.to_owned(),
        created_at: now,
    }
}

/// The stash entry `key` of `user_id` (None: anonymous), checked as
/// MediaWiki checks it: syntax, login, existence, owner, file.
pub async fn get(
    db: &Database,
    stash_dir: &Path,
    key: &str,
    user_id: Option<i64>,
    bad_syntax: fn(&str) -> StashError,
) -> Result<StashRow, UploadError> {
    if !is_valid_key(key) {
        return Err(bad_syntax(key).into());
    }
    let Some(user_id) = user_id else {
        return Err(StashError::NotLoggedIn.into());
    };
    let Some(row) = db.stash_entry(key).await? else {
        return Err(StashError::NotFound(key.to_owned()).into());
    };
    if row.user_id != user_id {
        return Err(StashError::WrongOwner(key.to_owned()).into());
    }
    if !tokio::fs::try_exists(stash_dir.join(key))
        .await
        .unwrap_or(false)
    {
        return Err(StashError::BadPath.into());
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_mediawikis_syntax() {
        let key = new_key(1_763_825_214_123_456, 3, "png");
        assert!(is_valid_key(&key), "{key}");
        assert!(key.ends_with(".3.png"));
        assert!(
            is_valid_key("1d3s8dh5t9l8.n5f0jz.3."),
            "URL uploads end in a bare dot"
        );
        for bad in ["", "nodot", ".png", "a b.png", "a/b.png", "x.png!"] {
            assert!(!is_valid_key(bad), "{bad}");
        }
    }

    #[test]
    fn a_key_says_when_it_was_made() {
        let key = new_key(1_763_825_214_123_456, 3, "png");
        assert_eq!(key_time(&key), Some(1_763_825_214));
        assert_eq!(key_time("not-base36!.x"), None);
    }

    #[test]
    fn base36_matches_php() {
        assert_eq!(base36(0), "0");
        assert_eq!(base36(35), "z");
        assert_eq!(base36(36), "10");
    }
}
