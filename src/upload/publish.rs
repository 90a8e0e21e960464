//! Publishing: a received or stashed file becomes the current version of a
//! name, the previous version (if any) moves to the archive, and the
//! database records it all — exactly once.
//!
//! Files and rows cannot change in one transaction, so a journal row
//! carrying a fresh publish id is written first, then the files move (the
//! old version is hard-linked into the archive, the new bytes are renamed
//! over the public path), then one transaction records the version (with
//! the publish id) and deletes the journal row. What happened is decided by
//! the database's committed state, never by whether the call to commit
//! returned: after an error from the commit the publish id is looked up
//! again; a committed publish is finished, one that did not commit has its
//! files moved back. A publish whose outcome cannot be learnt (the
//! database is gone) keeps its journal row, and `resolve` settles it
//! later from the database and the files themselves, which it checks by
//! content, so a row left behind can never undo a later publish.
//! ARCHITECTURE.md draws the states.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::repo::FileRepo;
use super::{UploadError, timestamp14};
use crate::crash;
use crate::storage::{Database, JournalRow, PublishRecord};

/// How long a commit may take before its outcome is asked for instead
/// (a connection that black-holes the answer would wait forever).
const COMMIT_TIMEOUT: Duration = Duration::from_secs(15);

/// How long a request keeps asking for the outcome of a commit that
/// failed before leaving it to the background resolver.
const OUTCOME_PATIENCE: Duration = Duration::from_secs(25);

/// The file moves of one publish, so they can be undone.
struct Moves {
    staged: PathBuf,
    public: PathBuf,
    /// The archive link made for the previous version.
    archived: Option<PathBuf>,
}

impl Moves {
    /// Puts everything back: the new bytes to where they came from, the
    /// previous version to the public path. Only for the publish that made
    /// the moves, while it holds the name's lock.
    async fn undo(&self) {
        if exists(&self.public).await && !exists(&self.staged).await {
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
/// `journal_id` and `publish_id` are filled in here). The caller holds the
/// name's lock. On error nothing is published and the file is back at
/// `staged`, except when the database could not say whether the commit
/// happened: then the journal row stays for `resolve`.
pub async fn publish(
    db: &Database,
    repo: &FileRepo,
    staged: &Path,
    mut record: PublishRecord,
) -> Result<(), UploadError> {
    record.publish_id = uuid::Uuid::new_v4().simple().to_string();
    record.journal_id = db
        .insert_journal(
            &record.publish_id,
            &record.name,
            &staged.to_string_lossy(),
            record.archive_name.as_deref(),
            record.timestamp,
        )
        .await?;
    crash::point("publish.after_journal");
    let moves = Moves {
        staged: staged.to_owned(),
        public: repo.public_path(&record.name),
        archived: record
            .archive_name
            .as_ref()
            .map(|archive_name| repo.archive_path(&record.name, archive_name)),
    };
    if let Err(err) = move_files(&moves).await {
        moves.undo().await;
        // A row left here is harmless: `resolve` finds nothing to undo.
        let _ = db.delete_journal(record.journal_id).await;
        return Err(UploadError::StoreFailed {
            src: format!(
                "mwstore://local-backend/local-temp/{}",
                staged.file_name().unwrap_or_default().to_string_lossy()
            ),
            dst: format!(
                "mwstore://local-backend/local-public/{}/{}",
                super::repo::hash_dirs(&record.name),
                record.name
            ),
            reason: err.to_string(),
            stash_key: None,
        });
    }
    crash::point("publish.after_rename");
    let error = match db.commit_publish(&record, COMMIT_TIMEOUT).await {
        Ok(()) => {
            crash::point("publish.after_commit");
            return Ok(());
        }
        Err(err) => err,
    };
    tracing::warn!(name = %record.name, error = %error, "publish commit failed: asking whether it committed");
    match ask_until_answered(db, record.journal_id, Some(&record.publish_id)).await {
        Some(true) => {
            tracing::info!(name = %record.name, "the publish committed after all");
            Ok(())
        }
        Some(false) => {
            moves.undo().await;
            let _ = db.delete_journal(record.journal_id).await;
            Err(error.into())
        }
        None => {
            tracing::error!(name = %record.name, "publish outcome unknown: left to the resolver");
            Err(error.into())
        }
    }
}

/// Asks whether a publish committed, with backoff, for `OUTCOME_PATIENCE`.
async fn ask_until_answered(
    db: &Database,
    journal_id: i64,
    publish_id: Option<&str>,
) -> Option<bool> {
    let deadline = tokio::time::Instant::now() + OUTCOME_PATIENCE;
    let mut pause = Duration::from_millis(100);
    loop {
        match db.publish_committed(journal_id, publish_id).await {
            Ok(committed) => return Some(committed),
            Err(err) if tokio::time::Instant::now() + pause < deadline => {
                tracing::debug!(error = %err, "publish outcome not known yet");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
            }
            Err(_) => return None,
        }
    }
}

async fn move_files(moves: &Moves) -> std::io::Result<()> {
    crash::disk_full_at("publish.move")?;
    if let Some(archived) = &moves.archived {
        if let Some(dir) = archived.parent() {
            tokio::fs::create_dir_all(dir).await?;
        }
        // A link, not a move: the public path keeps serving the previous
        // version until the rename below replaces it in one step.
        tokio::fs::hard_link(&moves.public, archived).await?;
        crash::point("publish.after_archive_link");
    }
    if let Some(dir) = moves.public.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    tokio::fs::rename(&moves.staged, &moves.public).await
}

/// Settles a journal row left by a crash or by a publish whose outcome
/// was unknown; the caller holds the name's lock (at start nothing else
/// runs). A committed publish is kept. Otherwise the files are made to
/// agree with the database, checked by content: bytes at the public path
/// that are not the current version's go back to the staged path (or are
/// dropped if something is there again), the archive link becomes the
/// public file again, and an archive link no row records is removed. A
/// row whose moves were undone already, or superseded by a later publish,
/// finds the files in agreement and changes nothing. Returns whether a
/// publish was rolled back.
pub async fn resolve(
    db: &Database,
    repo: &FileRepo,
    row: &JournalRow,
) -> Result<bool, UploadError> {
    if db
        .publish_committed(row.id, row.publish_id.as_deref())
        .await?
    {
        db.delete_journal(row.id).await?;
        return Ok(false);
    }
    let current_sha1 = db.current_file(&row.name).await?.map(|v| v.sha1);
    let public = repo.public_path(&row.name);
    let staged = PathBuf::from(&row.staged_path);
    let archived = row
        .archive_name
        .as_ref()
        .map(|archive_name| repo.archive_path(&row.name, archive_name));
    let mut rolled_back = false;
    if sha1_of(&public).await? != current_sha1 {
        // The public path shows bytes the database never recorded: this
        // publish's.
        if exists(&public).await {
            if exists(&staged).await {
                tokio::fs::remove_file(&public).await?;
            } else {
                if let Some(dir) = staged.parent() {
                    tokio::fs::create_dir_all(dir).await?;
                }
                tokio::fs::rename(&public, &staged).await?;
            }
            rolled_back = true;
        }
        if let Some(archived) = &archived
            && current_sha1.is_some()
            && sha1_of(archived).await? == current_sha1
        {
            tokio::fs::rename(archived, &public).await?;
        }
    }
    if let (Some(archived), Some(archive_name)) = (&archived, &row.archive_name)
        && exists(archived).await
        && !db.archive_name_recorded(archive_name).await?
    {
        tokio::fs::remove_file(archived).await?;
    }
    db.delete_journal(row.id).await?;
    if rolled_back {
        tracing::warn!(name = %row.name, "rolled back a publish that never committed");
    }
    Ok(rolled_back)
}

async fn exists(path: &Path) -> bool {
    tokio::fs::try_exists(path).await.unwrap_or(false)
}

/// The SHA-1 (hex) of the file at `path`, None if there is none.
pub async fn sha1_of(path: &Path) -> std::io::Result<Option<String>> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        use sha1::{Digest, Sha1};
        let mut file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err),
        };
        let mut hasher = Sha1::new();
        std::io::copy(&mut file, &mut hasher)?;
        Ok(Some(hex::encode(hasher.finalize())))
    })
    .await
    .map_err(std::io::Error::other)?
}

impl super::Uploads {
    /// Settles every journal row left behind (`resolve`), each under its
    /// name's lock, so a publish in flight is never judged halfway.
    /// Returns how many publishes were rolled back.
    pub async fn resolve_publishes(&self) -> Result<usize, UploadError> {
        let mut rolled_back = 0;
        for row in self.db.pending_journal().await? {
            let _guard = self.lock(&row.name).await;
            // The publish that wrote it may have finished meanwhile.
            if self.db.journal_pending(row.id).await? && resolve(&self.db, &self.repo, &row).await?
            {
                rolled_back += 1;
            }
        }
        Ok(rolled_back)
    }

    /// Settles left-behind journal rows every few seconds (a publish whose
    /// commit went unanswered while the database was away).
    pub async fn run_publish_resolver(self) {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tick.tick().await;
            if let Err(err) = self.resolve_publishes().await {
                tracing::debug!(error = %err, "journal rows not settled yet");
            }
        }
    }
}
