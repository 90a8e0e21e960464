//! `wikiupload import DIR` (MediaWiki's `importImages.php`): the files of a
//! folder tree become uploads, each through [`Uploads::upload`] like an
//! api.php upload (the same name rules, verification, warnings, journaled
//! publish, File page and log entry), never by copying into the
//! repository. Names come from the file names (subfolders only group
//! them); a description from a sidecar file beside each (`NAME.EXT.txt` or
//! `NAME.txt`, as importImages' `--comment-ext`). Nothing is overwritten,
//! so an import that stopped is resumed by running it again: a file whose
//! name already holds the same bytes is skipped as imported.

use std::path::{Path, PathBuf};

use sha1::{Digest, Sha1};
use tokio::io::AsyncReadExt;

use super::spool::{SpoolError, SpoolWriter};
use super::warnings::{Existence, Warnings};
use super::{OverwriteRights, Source, UploadError, UploadOutcome, UploadRequest, Uploads};
use crate::auth::throttle::RateLimitCheck;

/// What an import does with each file.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub user_id: i64,
    pub user_name: String,
    /// The upload comment of every file, and the description of files
    /// without a sidecar.
    pub comment: String,
    /// The sidecar's extension, without the dot (`txt`).
    pub comment_ext: String,
    /// Skip files whose bytes the wiki has under another name.
    pub skip_duplicates: bool,
    /// Only files with these extensions (lower case); all when None.
    pub extensions: Option<Vec<String>>,
}

/// The files of a folder tree an import goes through, by path.
#[derive(Debug, Default)]
pub struct ImportPlan {
    pub files: Vec<Candidate>,
    /// Files left out by `--extensions`.
    pub ignored: Vec<PathBuf>,
}

impl ImportPlan {
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

#[derive(Debug, Clone)]
pub struct Candidate {
    pub path: PathBuf,
    pub size: u64,
    /// Its description's file, if it has one.
    pub sidecar: Option<PathBuf>,
}

/// How one file's import ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    /// Published as `File:name`; `warnings` MediaWiki would have shown
    /// (an import publishes despite them, as importImages does).
    Imported {
        name: String,
        warnings: Vec<String>,
    },
    Skipped {
        name: String,
        reason: SkipReason,
    },
    /// Refused by the upload's rules, in MediaWiki's words (with its
    /// wikitext markup).
    Refused {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// The name holds these bytes already (an earlier run imported it).
    AlreadyImported,
    /// The name holds other bytes; an import never overwrites.
    Exists,
    /// `skip_duplicates`: the same bytes are there under these names.
    Duplicate(Vec<String>),
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::AlreadyImported => write!(f, "already imported (same SHA-1)"),
            SkipReason::Exists => write!(f, "a different file has this name (not overwritten)"),
            SkipReason::Duplicate(names) => {
                write!(f, "duplicate of File:{}", names.join(", File:"))
            }
        }
    }
}

/// Lists the files under `dir` to import, sorted by path: every regular
/// file but hidden ones (`.name`, in hidden folders too) and sidecars.
/// Symbolic links to files are followed, to folders not (no cycles).
pub fn plan(dir: &Path, options: &ImportOptions) -> std::io::Result<ImportPlan> {
    let mut found = Vec::new();
    let mut folders = vec![dir.to_owned()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                folders.push(path);
                continue;
            }
            let metadata = std::fs::metadata(&path)?;
            if metadata.is_file() {
                found.push((path, metadata.len()));
            }
        }
    }
    found.sort();
    let sidecars: std::collections::HashSet<PathBuf> = found
        .iter()
        .filter_map(|(path, _)| sidecar_of(path, &options.comment_ext))
        .collect();
    let mut plan = ImportPlan::default();
    for (path, size) in found {
        if sidecars.contains(&path) {
            continue;
        }
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if let Some(wanted) = &options.extensions
            && !wanted.contains(&extension)
        {
            plan.ignored.push(path);
            continue;
        }
        let sidecar = sidecar_of(&path, &options.comment_ext);
        plan.files.push(Candidate {
            path,
            size,
            sidecar,
        });
    }
    Ok(plan)
}

/// `NAME.EXT.<ext>`, else `NAME.<ext>`, when it exists (importImages'
/// `findAuxFile`); never the file itself.
fn sidecar_of(path: &Path, ext: &str) -> Option<PathBuf> {
    let name = path.file_name()?.to_string_lossy().into_owned();
    let mut candidates = vec![format!("{name}.{ext}")];
    if let Some((stem, _)) = name.rsplit_once('.')
        && !stem.is_empty()
    {
        candidates.push(format!("{stem}.{ext}"));
    }
    candidates
        .into_iter()
        .map(|candidate| path.with_file_name(candidate))
        .find(|candidate| candidate != path && candidate.is_file())
}

/// The longest sidecar read: a description, not a document.
const MAX_SIDECAR_BYTES: u64 = 2 << 20;

/// Bytes read from a file at a time.
const READ_BUFFER: usize = 256 * 1024;

impl Uploads {
    /// Imports one file; `progress` hears of the bytes read. Errors are
    /// what stops the whole import (the database or the disk failing);
    /// everything the upload rules refuse is an outcome.
    pub async fn import_file(
        &self,
        file: &Candidate,
        options: &ImportOptions,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<ImportOutcome, UploadError> {
        let refused = |reason: String| Ok(ImportOutcome::Refused { reason });
        let Some(filename) = file.path.file_name().and_then(|n| n.to_str()) else {
            return refused("the file name is not valid UTF-8".into());
        };
        let text = match &file.sidecar {
            Some(sidecar) => match read_sidecar(sidecar).await {
                Ok(text) => text,
                Err(reason) => return refused(reason),
            },
            None => options.comment.clone(),
        };
        // Resuming: what is there already is only read, never sent again.
        let target = super::title::name_upload(filename, None, &self.allowed, &self.prohibited)
            .map(|named| named.name.as_db_key().to_owned());
        if let Ok(target) = &target
            && let Some(current) = self.db.current_file(target).await?
        {
            let reason = match hash_file(&file.path, progress).await? == current.sha1 {
                true => SkipReason::AlreadyImported,
                false => SkipReason::Exists,
            };
            return Ok(ImportOutcome::Skipped {
                name: current.name,
                reason,
            });
        }
        let spooled = match self.spool_file(&file.path, progress).await {
            Ok(spooled) => spooled,
            Err(SpoolError::TooLarge(_)) => {
                let err = UploadError::TooLarge {
                    max_upload_size: self.max_size,
                };
                return refused(format!("{err} (at most {} bytes)", self.max_size));
            }
            Err(SpoolError::Io(err)) => return Err(err.into()),
        };
        let request = |source, ignore_warnings| UploadRequest {
            user_id: options.user_id,
            user_name: options.user_name.clone(),
            rights: OverwriteRights {
                reupload: false,
                reupload_own: false,
            },
            filename: filename.to_owned(),
            source,
            comment: options.comment.clone(),
            text: Some(text.clone()),
            ignore_warnings,
            stash: false,
            rate_limit: RateLimitCheck::default(),
        };
        let outcome = self.upload(request(Source::Received(spooled), false)).await;
        let (warnings, stash_key) = match outcome {
            Ok(UploadOutcome::Published { name, .. }) => {
                return Ok(ImportOutcome::Imported {
                    name: name.as_db_key().to_owned(),
                    warnings: Vec::new(),
                });
            }
            Ok(UploadOutcome::Warning {
                warnings,
                stash_key,
            }) => (warnings, stash_key),
            Ok(UploadOutcome::Stashed { entry, .. }) => {
                self.discard_stashed(&entry.file_key).await?;
                return refused("stashed instead of published".into());
            }
            Ok(UploadOutcome::Queued { .. }) => {
                return refused("queued instead of published".into());
            }
            Err(err) => return self.refusal(err).await,
        };
        // Warnings stop an api.php upload until the client decides; here
        // the options decide, then the stashed file is published.
        let skip = match &warnings.existence {
            Some(Existence::Exists(name)) => Some((
                name.clone(),
                match warnings.nochange {
                    Some(_) => SkipReason::AlreadyImported,
                    None => SkipReason::Exists,
                },
            )),
            _ if options.skip_duplicates && !warnings.duplicate.is_empty() => Some((
                target.unwrap_or_else(|_| filename.to_owned()),
                SkipReason::Duplicate(warnings.duplicate.clone()),
            )),
            _ => None,
        };
        if let Some((name, reason)) = skip {
            self.discard_stashed(&stash_key).await?;
            return Ok(ImportOutcome::Skipped { name, reason });
        }
        let entry = self.stash_entry(&stash_key, Some(options.user_id)).await?;
        match self.upload(request(Source::Stashed(entry), true)).await {
            Ok(UploadOutcome::Published { name, .. }) => Ok(ImportOutcome::Imported {
                name: name.as_db_key().to_owned(),
                warnings: describe(&warnings),
            }),
            Ok(_) => refused("not published".into()),
            Err(err) => self.refusal(err).await,
        }
    }

    /// A refusal as an outcome (its stashed file removed), or the error
    /// that stops the import.
    async fn refusal(&self, err: UploadError) -> Result<ImportOutcome, UploadError> {
        let stash_key = match &err {
            UploadError::Name { stash_key, .. }
            | UploadError::FileExistsForbidden { stash_key, .. } => stash_key.clone(),
            _ => None,
        };
        if let Some(key) = stash_key {
            self.discard_stashed(&key).await?;
        }
        match err {
            UploadError::Storage(_) | UploadError::Io(_) | UploadError::Page(_) => Err(err),
            UploadError::FileExistsForbidden { name, .. } => Ok(ImportOutcome::Skipped {
                name: name.as_db_key().to_owned(),
                reason: SkipReason::Exists,
            }),
            UploadError::NoChange(name) => Ok(ImportOutcome::Skipped {
                name,
                reason: SkipReason::AlreadyImported,
            }),
            other => Ok(ImportOutcome::Refused {
                reason: other.to_string(),
            }),
        }
    }

    /// Copies a file into the spool, hashing it on the way.
    async fn spool_file(
        &self,
        path: &Path,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<super::spool::SpooledFile, SpoolError> {
        let mut writer = SpoolWriter::create(&self.repo.spool_dir(), self.max_size).await?;
        let mut source = tokio::fs::File::open(path).await?;
        let mut buffer = vec![0; READ_BUFFER];
        loop {
            let read = source.read(&mut buffer).await?;
            if read == 0 {
                break;
            }
            writer.write(&buffer[..read]).await?;
            progress(read as u64);
        }
        writer.finish(true).await
    }

    /// Removes a stash entry this import made and will not publish.
    async fn discard_stashed(&self, key: &str) -> Result<(), UploadError> {
        self.db.delete_stash(key).await?;
        match tokio::fs::remove_file(self.repo.stash_path(key)).await {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err.into()),
            _ => Ok(()),
        }
    }
}

/// The SHA-1 (hex) of a file, read in pieces.
async fn hash_file(path: &Path, progress: &(dyn Fn(u64) + Sync)) -> std::io::Result<String> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut hasher = Sha1::new();
    let mut buffer = vec![0; READ_BUFFER];
    loop {
        let read = file.read(&mut buffer).await?;
        if read == 0 {
            return Ok(hex::encode(hasher.finalize()));
        }
        hasher.update(&buffer[..read]);
        progress(read as u64);
    }
}

/// A sidecar's text, or why it cannot be a description.
async fn read_sidecar(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let size = tokio::fs::metadata(path)
        .await
        .map_err(|e| format!("cannot read {shown}: {e}"))?
        .len();
    if size > MAX_SIDECAR_BYTES {
        return Err(format!(
            "the description {shown} is larger than {MAX_SIDECAR_BYTES} bytes"
        ));
    }
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    String::from_utf8(bytes).map_err(|_| format!("the description {shown} is not UTF-8 text"))
}

/// The warnings an import published despite, in plain words.
fn describe(warnings: &Warnings) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(name) = &warnings.badfilename {
        out.push(format!("the name was changed to {name}"));
    }
    match &warnings.existence {
        Some(Existence::PageExists(_)) => out.push("the File page existed already".into()),
        Some(Existence::ExistsNormalized(other)) => {
            out.push(format!("a file with a similar name exists: File:{other}"))
        }
        Some(Existence::Thumb(_) | Existence::ThumbName(_)) => {
            out.push("the name looks like a thumbnail's".into())
        }
        Some(Existence::BadPrefix(_)) => out.push("the name looks like a camera's".into()),
        Some(Existence::Exists(_)) | None => {}
    }
    if let Some(name) = &warnings.was_deleted {
        out.push(format!("a file named {name} was deleted before"));
    }
    if !warnings.duplicate.is_empty() {
        out.push(format!(
            "duplicate of File:{}",
            warnings.duplicate.join(", File:")
        ));
    }
    if let Some(name) = &warnings.duplicate_archive {
        out.push(format!("the same bytes were deleted as File:{name}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(extensions: Option<&[&str]>) -> ImportOptions {
        ImportOptions {
            user_id: 1,
            user_name: "Admin".into(),
            comment: "Importing file".into(),
            comment_ext: "txt".into(),
            skip_duplicates: false,
            extensions: extensions.map(|e| e.iter().map(|s| s.to_string()).collect()),
        }
    }

    #[test]
    fn a_tree_is_planned_without_hidden_files_and_sidecars() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("trip/day 2")).expect("dirs");
        std::fs::create_dir_all(root.join(".git")).expect("dirs");
        for (name, bytes) in [
            ("a.png", &b"aa"[..]),
            ("a.png.txt", b"about a"),
            ("trip/b.jpg", b"bbb"),
            ("trip/b.txt", b"about b"),
            ("trip/day 2/c.gif", b"c"),
            ("notes.txt", b"not a sidecar"),
            (".hidden.png", b"h"),
            (".git/config.png", b"g"),
        ] {
            std::fs::write(root.join(name), bytes).expect("written");
        }
        let plan = plan(root, &options(None)).expect("plan");
        let files: Vec<(String, u64, Option<String>)> = plan
            .files
            .iter()
            .map(|f| {
                (
                    f.path
                        .strip_prefix(root)
                        .expect("inside")
                        .display()
                        .to_string(),
                    f.size,
                    f.sidecar
                        .as_ref()
                        .map(|s| s.strip_prefix(root).expect("inside").display().to_string()),
                )
            })
            .collect();
        assert_eq!(
            files,
            [
                ("a.png".into(), 2, Some("a.png.txt".into())),
                ("notes.txt".into(), 13, None),
                ("trip/b.jpg".into(), 3, Some("trip/b.txt".into())),
                ("trip/day 2/c.gif".into(), 1, None),
            ]
        );
        assert_eq!(plan.total_bytes(), 19);

        let plan = super::plan(root, &options(Some(&["png", "gif"]))).expect("plan");
        assert_eq!(plan.files.len(), 2);
        assert_eq!(plan.ignored.len(), 2, "{:?}", plan.ignored);
    }
}
