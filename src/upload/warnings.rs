//! Upload warnings (MediaWiki's `checkWarnings`): what a client should know
//! before a file is published — the name was changed, a file of that name
//! exists, the same bytes exist elsewhere, a file of that name was deleted.
//! The upload stops with a `Warning` result unless `ignorewarnings` is set.

use crate::storage::{Database, FILE_NAMESPACE, StorageError};

use super::title::{self, FileName};

/// Which of the existence warnings applies (at most one).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Existence {
    Exists(String),
    PageExists(String),
    ExistsNormalized(String),
    Thumb(String),
    ThumbName(String),
    BadPrefix(String),
}

/// The warnings of one upload, each as MediaWiki reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Warnings {
    pub badfilename: Option<String>,
    pub was_deleted: Option<String>,
    pub duplicate: Vec<String>,
    pub duplicate_archive: Option<String>,
    pub existence: Option<Existence>,
    /// Timestamp of the current version when the bytes are the same.
    pub nochange: Option<i64>,
    /// Timestamps of old versions with the same bytes.
    pub duplicate_versions: Vec<i64>,
}

impl Warnings {
    pub fn is_empty(&self) -> bool {
        *self == Warnings::default()
    }
}

/// Computes the warnings for publishing bytes with `sha1` as `name`.
/// `renamed` says whether the name differs from what was asked for.
pub async fn check(
    db: &Database,
    name: &FileName,
    renamed: bool,
    sha1: &str,
) -> Result<Warnings, StorageError> {
    let key = name.as_db_key();
    let mut warnings = Warnings {
        badfilename: renamed.then(|| key.to_owned()),
        ..Warnings::default()
    };
    let current = db.current_file(key).await?;
    if let Some(current) = &current {
        warnings.existence = Some(Existence::Exists(key.to_owned()));
        if current.sha1 == sha1 {
            warnings.nochange = Some(current.timestamp);
        }
        warnings.duplicate_versions = db.archived_versions_with_sha1(key, sha1).await?;
    } else {
        warnings.existence = other_existence(db, name).await?;
        if db.was_deleted(key).await? {
            warnings.was_deleted = Some(key.to_owned());
        }
    }
    let mut duplicates = db.current_files_with_sha1(sha1).await?;
    if warnings.existence.is_some() {
        duplicates.retain(|d| d != key);
    }
    warnings.duplicate = duplicates;
    warnings.duplicate_archive = db.deleted_file_with_sha1(sha1).await?;
    Ok(warnings)
}

/// The existence warnings other than `exists`, in MediaWiki's order.
async fn other_existence(
    db: &Database,
    name: &FileName,
) -> Result<Option<Existence>, StorageError> {
    let key = name.as_db_key();
    if db.page_id(FILE_NAMESPACE, key).await?.is_some() {
        return Ok(Some(Existence::PageExists(key.to_owned())));
    }
    let (part, extension) = name.existence_parts();
    let normalized = title::normalize_extension(extension);
    if normalized != extension {
        let candidate = format!("{part}.{normalized}");
        if db.current_file(&candidate).await?.is_some() {
            return Ok(Some(Existence::ExistsNormalized(candidate)));
        }
    }
    if let Some(other) = db.first_file_with_prefix(&format!("{part}.")).await? {
        return Ok(Some(Existence::ExistsNormalized(other)));
    }
    if let Some(stripped) = title::thumbnail_source(key) {
        return Ok(Some(if db.current_file(&stripped).await?.is_some() {
            Existence::Thumb(key.to_owned())
        } else {
            Existence::ThumbName(key.to_owned())
        }));
    }
    if title::has_bad_prefix(part) {
        return Ok(Some(Existence::BadPrefix(key.to_owned())));
    }
    Ok(None)
}
