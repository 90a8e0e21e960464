//! The orphan check, MediaWiki's `checkImages.php` and
//! `findMissingFiles.php` in one: files under `images/` and `stash/` that no
//! row describes, and rows whose file is missing. Run at every start and
//! by `wikiupload fsck [--repair]`.
//!
//! Repairing moves orphans of `images/` (bytes that were published once,
//! say a version whose move a crash interrupted after its commit) to
//! `lost+found/` under the same relative path, so nothing is lost, and
//! deletes orphans of `stash/` (bytes no client was ever given a key for:
//! a stash row is committed before its key is answered). Missing files
//! cannot be repaired; they are reported. `thumbs/` is derived data and
//! `tmp/` the spool of requests in flight: neither is checked.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::UploadError;
use super::repo::FileRepo;
use super::status::{CONTINUE, POLL};
use crate::storage::Database;

/// What the check found, paths relative to the data directory.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FsckReport {
    /// Files no row describes.
    pub orphans: Vec<PathBuf>,
    /// Files rows describe that are not there.
    pub missing: Vec<PathBuf>,
    /// Orphans moved to `lost+found/` or deleted.
    pub repaired: usize,
}

impl FsckReport {
    pub fn is_clean(&self) -> bool {
        self.orphans.is_empty() && self.missing.is_empty()
    }
}

/// The directory orphans of `images/` are moved to.
pub fn lost_and_found_dir(repo: &FileRepo) -> PathBuf {
    repo.root().join("lost+found")
}

/// Compares the rows with the files; with `repair`, removes the orphans as
/// the module's comment says. Nothing else may write the data directory
/// meanwhile when repairing (the server holds its lock).
pub async fn check(
    db: &Database,
    repo: &FileRepo,
    repair: bool,
) -> Result<FsckReport, UploadError> {
    let described = db.described_files(&[CONTINUE, POLL]).await?;
    let mut expected: HashSet<PathBuf> = HashSet::new();
    expected.extend(described.current.iter().map(|name| repo.public_path(name)));
    expected.extend(
        described
            .archived
            .iter()
            .map(|(name, archive_name)| repo.archive_path(name, archive_name)),
    );
    expected.extend(described.deleted.iter().map(|key| repo.deleted_path(key)));
    expected.extend(described.stashed.iter().map(|key| repo.stash_path(key)));
    let repo = repo.clone();
    tokio::task::spawn_blocking(move || compare(&repo, &expected, repair))
        .await
        .map_err(|e| UploadError::Io(std::io::Error::other(e)))?
}

fn compare(
    repo: &FileRepo,
    expected: &HashSet<PathBuf>,
    repair: bool,
) -> Result<FsckReport, UploadError> {
    let root = repo.root().to_owned();
    let relative = |path: &Path| path.strip_prefix(&root).unwrap_or(path).to_owned();
    let mut on_disk = Vec::new();
    for dir in [repo.images_dir(), repo.stash_dir()] {
        list_files(&dir, &mut on_disk)?;
    }
    let mut report = FsckReport::default();
    let present: HashSet<&PathBuf> = on_disk.iter().collect();
    for path in &on_disk {
        if expected.contains(path) {
            continue;
        }
        report.orphans.push(relative(path));
        if repair {
            repair_orphan(repo, path, &relative(path))?;
            report.repaired += 1;
        }
    }
    report.missing = expected
        .iter()
        .filter(|path| !present.contains(path))
        .map(|path| relative(path))
        .collect();
    report.orphans.sort();
    report.missing.sort();
    Ok(report)
}

fn repair_orphan(repo: &FileRepo, path: &Path, relative: &Path) -> std::io::Result<()> {
    if path.starts_with(repo.stash_dir()) {
        return std::fs::remove_file(path);
    }
    let mut target = lost_and_found_dir(repo).join(relative);
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // A second orphan of the same path keeps the first one.
    let mut attempt = 1;
    while target.exists() {
        target.set_extension(format!("{attempt}"));
        attempt += 1;
    }
    std::fs::rename(path, &target)
}

/// Every file under `dir`, recursively (none if it does not exist).
fn list_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err),
    };
    for entry in entries {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            list_files(&entry.path(), out)?;
        } else {
            out.push(entry.path());
        }
    }
    Ok(())
}
