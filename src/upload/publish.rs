//! Publishing: a received or stashed file becomes the current version of a
//! name, the previous version (if any) moves to the archive, and the
//! database records it all — atomically.
//!
//! Files and rows cannot change in one transaction, so a journal row is
//! written first, then the files move (the old version is hard-linked into
//! the archive, the new bytes are renamed over the public path), then one
//! transaction records the version and deletes the journal row. A failure
//! before that commit moves the files back; a crash leaves the journal row,
//! and `recover` moves the files back at the next start. Either way the
//! database and the files never disagree about what is published.

use std::path::{Path, PathBuf};

use super::repo::FileRepo;
use super::{UploadError, timestamp14};
use crate::storage::{Database, JournalRow, PublishRecord};

/// The file moves of one publish, so they can be undone.
struct Moves {
    staged: PathBuf,
    public: PathBuf,
    /// The archive link made for the previous version.
    archived: Option<PathBuf>,
}

impl Moves {
    /// Puts everything back: the new bytes to where they came from, the
    /// previous version to the public path.
    async fn undo(&self) {
        if tokio::fs::try_exists(&self.public).await.unwrap_or(false)
            && !tokio::fs::try_exists(&self.staged).await.unwrap_or(false)
        {
            let _ = tokio::fs::rename(&self.public, &self.staged).await;
        }
        if let Some(archived) = &self.archived {
            let _ = tokio::fs::rename(archived, &self.public).await;
        }
    }
}

/// The archive name of a version archived at `timestamp`.
pub fn archive_name(timestamp: i64, name: &str) -> String {
    format!("{}!{name}", timestamp14(timestamp))
}

/// Publishes the file at `staged` as described by `record` (whose
/// `journal_id` is filled in here). On error nothing is published and the
/// file is back at `staged`.
pub async fn publish(
    db: &Database,
    repo: &FileRepo,
    staged: &Path,
    mut record: PublishRecord,
) -> Result<(), UploadError> {
    let public = repo.public_path(&record.name);
    let archived = record
        .archive_name
        .as_ref()
        .map(|archive_name| repo.archive_path(&record.name, archive_name));
    record.journal_id = db
        .insert_journal(
            &record.name,
            &staged.to_string_lossy(),
            record.archive_name.as_deref(),
            record.timestamp,
        )
        .await?;
    let moves = Moves {
        staged: staged.to_owned(),
        public,
        archived,
    };
    match move_files(&moves).await {
        Ok(()) => {}
        Err(err) => {
            moves.undo().await;
            db.delete_journal(record.journal_id).await?;
            return Err(err.into());
        }
    }
    if let Err(err) = db.commit_publish(&record).await {
        moves.undo().await;
        db.delete_journal(record.journal_id).await?;
        return Err(err.into());
    }
    Ok(())
}

async fn move_files(moves: &Moves) -> std::io::Result<()> {
    if let Some(archived) = &moves.archived {
        if let Some(dir) = archived.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        // A link, not a move: the public path keeps serving the previous
        // version until the rename below replaces it in one step.
        tokio::fs::hard_link(&moves.public, archived).await?;
    }
    if let Some(dir) = moves.public.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    tokio::fs::rename(&moves.staged, &moves.public).await
}

/// Undoes publishes a crash interrupted: their journal rows exist, so
/// their transaction never committed.
pub async fn recover(db: &Database, repo: &FileRepo) -> Result<usize, UploadError> {
    let pending: Vec<JournalRow> = db.pending_journal().await?;
    for row in &pending {
        let moves = Moves {
            staged: PathBuf::from(&row.staged_path),
            public: repo.public_path(&row.name),
            archived: row
                .archive_name
                .as_ref()
                .map(|archive_name| repo.archive_path(&row.name, archive_name)),
        };
        // Only undo what happened: the archive link exists only if the
        // rename may have happened after it.
        let archived_exists = match &moves.archived {
            Some(path) => tokio::fs::try_exists(path).await.unwrap_or(false),
            None => false,
        };
        let staged_exists = tokio::fs::try_exists(&moves.staged).await.unwrap_or(false);
        if staged_exists {
            // The new bytes never moved: drop the stray archive link only.
            if let (true, Some(path)) = (archived_exists, &moves.archived) {
                let _ = tokio::fs::remove_file(path).await;
            }
        } else {
            moves.undo().await;
        }
        db.delete_journal(row.id).await?;
        tracing::warn!(name = %row.name, "rolled back a publish interrupted by a crash");
    }
    Ok(pending.len())
}
