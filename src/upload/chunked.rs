//! Chunked uploads (MediaWiki's `chunk`/`offset`/`filesize` protocol), in
//! one pass: the first chunk's part becomes the upload's file by rename,
//! every later chunk is written at its offset into that same file, and the
//! SHA-1 is carried forward chunk by chunk. The last chunk therefore costs
//! what any chunk costs, and assembly copies nothing: it verifies the file
//! and links it under a new stash key.
//!
//! The upload's progress (`received`: bytes acknowledged) lives in
//! `upload_status`, and is advanced only after the chunk's bytes are synced,
//! so a stop at any point loses nothing acknowledged; a half-written chunk
//! is cut off by the next chunk, which truncates the file to `received`
//! before writing. Requests for one upload are serialized by a per-key lock
//! that a second request does not wait for: it is told to retry.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use sha1::{Digest, Sha1};

use super::spool::SpooledFile;
use super::stash::{self, StashError};
use super::status::{CONTINUE, FAILURE, POLL, SUCCESS, StatusDetails};
use super::verify::{self, Refusal, VerificationError};
use super::warnings::{self, Warnings};
use super::{OverwriteRights, UploadError, Uploads, title};
use crate::storage::{StashRow, UploadStatusRow};

/// Why a chunk was not taken (MediaWiki's `stashfailed` answers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChunkFailure {
    #[error("Invalid chunk offset")]
    InvalidOffset,
    #[error("No chunked upload session with this key.")]
    NoSession,
    #[error("Chunked upload is already completed, check status for details.")]
    AlreadyCompleted,
    #[error("The file you submitted was too large.")]
    TooLarge,
    /// The per-chunk content checks refused a later chunk.
    #[error("{}", .0.text())]
    Refused(Refusal),
    /// Another request is writing a chunk of the same upload right now.
    #[error(
        "Another request is adding a chunk to this upload. Wait for its answer, then continue from the offset it reports."
    )]
    Busy,
    /// The chunk could not be written (a full disk, an I/O error); the
    /// upload's file was trimmed back to what was acknowledged. The words
    /// of MediaWiki's `backend-fail-create`, and the reason.
    #[error("Could not write file \"mwstore://local-backend/local-temp/{key}\". ({reason})")]
    Write { key: String, reason: String },
    /// The assembled file failed verification: MediaWiki 1.39 gives only
    /// the class of the failure, in these words.
    #[error("{0}")]
    Assembly(String),
}

/// Where a chunk goes.
#[derive(Debug)]
pub enum ChunkTarget {
    /// `offset=0`: a new chunked upload.
    New,
    /// An upload's key, as checked by `Uploads::chunked_upload`.
    Continue(String),
}

/// One chunk, as the API layer hands it over.
#[derive(Debug)]
pub struct ChunkRequest {
    pub user_id: i64,
    pub rights: OverwriteRights,
    pub filename: String,
    /// The declared total size (`filesize`; absent counts as 0).
    pub filesize: u64,
    pub offset: u64,
    pub target: ChunkTarget,
    pub chunk: SpooledFile,
    pub stash: bool,
    pub ignore_warnings: bool,
    /// Assemble in a background job (`async=1` on a server that allows it).
    pub run_async: bool,
}

/// How a chunk request ended, when it did not fail.
#[derive(Debug)]
pub enum ChunkOutcome {
    /// Stopped by warnings before the chunk was added.
    Warning { warnings: Warnings, key: String },
    /// More chunks expected, from `offset`.
    Continue {
        warnings: Warnings,
        key: String,
        offset: u64,
    },
    /// The last chunk: the file was verified and stashed as `entry`.
    Assembled {
        warnings: Warnings,
        entry: Box<StashRow>,
    },
    /// The last chunk: assembly was queued; poll `key` with `checkstatus`.
    Queued { warnings: Warnings, key: String },
}

/// The SHA-1 of each upload in progress, carried from chunk to chunk, and
/// the lock that serializes its requests. After a restart the state is
/// rebuilt by hashing the bytes received so far, once.
#[derive(Debug, Default)]
pub struct ChunkLocks {
    open: Mutex<HashMap<String, Arc<UploadLock>>>,
}

/// One upload's lock, and a copy of its hash that can be read without it.
#[derive(Debug, Default)]
pub(super) struct UploadLock {
    pub(super) carried: Arc<tokio::sync::Mutex<Carried>>,
    /// The last `(offset, hash)` carried, for `ChunkLocks::peek`: reading
    /// it never makes a request for the upload wait or fail.
    snapshot: Mutex<Option<(u64, Sha1)>>,
}

/// The hash of an upload's first `offset` bytes.
#[derive(Debug, Default)]
pub(super) struct Carried {
    offset: u64,
    hasher: Option<Sha1>,
}

impl UploadLock {
    /// Records the hash of the first `offset` bytes.
    fn carry(&self, carried: &mut Carried, offset: u64, hasher: Sha1) {
        let mut snapshot = self.snapshot.lock().unwrap_or_else(|e| e.into_inner());
        *snapshot = Some((offset, hasher.clone()));
        *carried = Carried {
            offset,
            hasher: Some(hasher),
        };
    }
}

impl ChunkLocks {
    /// The lock of upload (or stash entry) `key`, which also serializes
    /// the queueing of its jobs.
    pub(super) fn entry(&self, key: &str) -> Arc<UploadLock> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.entry(key.to_owned()).or_default().clone()
    }

    /// The hash of upload `key`'s first `offset` bytes, if held.
    fn peek(&self, key: &str, offset: u64) -> Option<Sha1> {
        let upload = self
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)?
            .clone();
        let snapshot = upload.snapshot.lock().unwrap_or_else(|e| e.into_inner());
        match &*snapshot {
            Some((at, hasher)) if *at == offset => Some(hasher.clone()),
            _ => None,
        }
    }

    /// Forgets an upload that is finished or gone.
    pub fn forget(&self, key: &str) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.remove(key);
    }
}

/// The stage of a chunked upload that takes more chunks.
const UPLOADING: &str = "uploading";

impl Uploads {
    /// See `ChunkLocks::peek`: lets the request layer hash a chunk on from
    /// its upload's hash while receiving it.
    pub fn carried_hash(&self, key: &str, offset: u64) -> Option<Sha1> {
        self.chunk_locks.peek(key, offset)
    }

    /// The chunked upload `key` of `user_id`, checked as MediaWiki checks a
    /// continued chunk's key: syntax, login, existence, owner, state.
    pub async fn chunked_upload(
        &self,
        key: &str,
        user_id: Option<i64>,
    ) -> Result<String, UploadError> {
        if !stash::is_valid_key(key) {
            return Err(StashError::InvalidKey.into());
        }
        let Some(user_id) = user_id else {
            return Err(StashError::NotLoggedIn.into());
        };
        let status = self.db.upload_status(key).await?;
        let owner = match &status {
            Some(row) => Some(row.user_id),
            None => self.db.stash_entry(key).await?.map(|row| row.user_id),
        };
        match owner {
            None => return Err(StashError::NotFound(key.to_owned()).into()),
            Some(owner) if owner != user_id => {
                return Err(StashError::WrongOwner(key.to_owned()).into());
            }
            Some(_) => {}
        }
        // Assembled in the background: its file now has another key, and
        // this one is gone, as MediaWiki's stash entry would be.
        if let Some(row) = &status
            && row.result == SUCCESS
            && StatusDetails::parse(&row.details).filekey.is_some()
        {
            return Err(StashError::NotFound(key.to_owned()).into());
        }
        // Whether it still takes chunks is checked with the chunk, after
        // the size checks, as MediaWiki orders them.
        Ok(key.to_owned())
    }

    /// Takes one chunk: MediaWiki's checks in its order, then the chunk is
    /// added, and the last one is assembled (or queued for assembly).
    pub async fn upload_chunk(&self, request: ChunkRequest) -> Result<ChunkOutcome, UploadError> {
        if request.filesize > self.max_size {
            return Err(UploadError::TooLarge {
                max_upload_size: self.max_size,
            });
        }
        // Chunks only have their name checked; any problem is the same error.
        let named = title::name_upload(&request.filename, None, &self.allowed, &self.prohibited)
            .map_err(|_| UploadError::ChunkName)?;
        let session_key = match &request.target {
            ChunkTarget::New => None,
            ChunkTarget::Continue(key) => Some(key.clone()),
        };
        if !request.stash
            && !self
                .may_overwrite(request.user_id, request.rights, &named.name)
                .await?
        {
            return Err(UploadError::FileExistsForbidden {
                name: named.name,
                stash_key: session_key,
            });
        }
        // MediaWiki warns on the first chunk's bytes while chunks arrive.
        let first_sha1 = match &request.target {
            ChunkTarget::New => request.chunk.sha1.clone(),
            ChunkTarget::Continue(key) => self
                .db
                .upload_status(key)
                .await?
                .and_then(|row| row.first_sha1)
                .unwrap_or_default(),
        };
        let warnings = warnings::check(&self.db, &named.name, named.changed, &first_sha1).await?;
        let stopped_by_warnings = !warnings.is_empty() && !request.ignore_warnings;
        if !stopped_by_warnings {
            let total = request.offset + request.chunk.size;
            if total > request.filesize {
                return Err(UploadError::InvalidChunk);
            }
            if total != request.filesize && request.chunk.size < self.min_chunk_size {
                return Err(UploadError::ChunkTooSmall(self.min_chunk_size));
            }
        }
        let extension = named.name.extension().to_owned();
        if !matches!(&request.target, ChunkTarget::Continue(_) if stopped_by_warnings) {
            if matches!(request.target, ChunkTarget::New) {
                self.check_unfinished_uploads(request.user_id).await?;
            }
            self.check_stash_bytes(request.user_id, request.chunk.size)
                .await?;
        }
        let (key, received) = match request.target {
            ChunkTarget::New => {
                let size = request.chunk.size;
                let key = self
                    .start_chunked_upload(request.user_id, request.chunk, &extension)
                    .await?;
                (key, size)
            }
            ChunkTarget::Continue(key) if stopped_by_warnings => {
                return Ok(ChunkOutcome::Warning { warnings, key });
            }
            ChunkTarget::Continue(key) => {
                let received = self.add_chunk(&key, request.offset, request.chunk).await?;
                (key, received)
            }
        };
        if stopped_by_warnings {
            return Ok(ChunkOutcome::Warning { warnings, key });
        }
        if received < request.filesize {
            return Ok(ChunkOutcome::Continue {
                warnings,
                key,
                offset: received,
            });
        }
        if request.run_async {
            self.queue_assembly(&key, request.user_id, &request.filename)
                .await?;
            return Ok(ChunkOutcome::Queued { warnings, key });
        }
        let (warnings, entry) = self.assemble(&key, &request.filename, false).await?;
        Ok(ChunkOutcome::Assembled {
            warnings,
            entry: Box::new(entry),
        })
    }

    /// The first chunk: checked, then renamed into the stash as the upload's
    /// file. Returns the upload's key.
    async fn start_chunked_upload(
        &self,
        user_id: i64,
        chunk: SpooledFile,
        target_extension: &str,
    ) -> Result<String, UploadError> {
        let (sniffed, checked) = {
            let path = chunk.path.to_path_buf();
            let verify = self.verify.clone();
            let extension = target_extension.to_owned();
            blocking(move || {
                let sniffed = verify::sniff_mime(&path, &verify)?;
                let checked = verify::verify_chunk(&path, &extension, &verify);
                Ok((sniffed, checked))
            })
            .await?
        };
        match checked {
            Ok(()) => {}
            Err(VerificationError::Refused(refusal)) => {
                return Err(UploadError::ChunkRefused(refusal));
            }
            Err(VerificationError::Io(io)) => return Err(io.into()),
        }
        let extension = sniffed
            .as_deref()
            .and_then(verify::canonical_extension)
            .unwrap_or_default();
        let key = stash::new_key(chrono::Utc::now().timestamp_micros(), user_id, extension);
        let path = stash::move_in(&chunk.path, &self.repo.stash_dir(), &key).await?;
        // The part was not synced when it was received; the upload's file is.
        let synced = {
            let path = path.clone();
            blocking(move || std::fs::File::open(&path)?.sync_all())
                .await
                .map_err(|err| match err {
                    UploadError::Io(io) => UploadError::StashFailed {
                        src: key.clone(),
                        key: key.clone(),
                        reason: io.to_string(),
                    },
                    other => other,
                })
        };
        let now = crate::auth::now();
        let row = UploadStatusRow {
            file_key: key.clone(),
            user_id,
            result: CONTINUE.into(),
            stage: UPLOADING.into(),
            received: i64::try_from(chunk.size).unwrap_or(i64::MAX),
            first_sha1: Some(chunk.sha1.clone()),
            details: StatusDetails::default().to_json(),
            created_at: now,
            updated_at: now,
        };
        let recorded = match synced {
            Ok(()) => self.db.put_upload_status(&row).await.map_err(Into::into),
            Err(err) => Err(err),
        };
        if let Err(err) = recorded {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(err);
        }
        // The renamed part must not be deleted with the spool's handle.
        let _ = chunk.path.keep();
        let upload = self.chunk_locks.entry(&key);
        let mut carried = upload.carried.lock().await;
        upload.carry(&mut carried, chunk.size, chunk.hasher);
        Ok(key)
    }

    /// A later chunk: written at `offset` into the upload's file. Returns
    /// the bytes received after it. The work runs as a task of its own, so
    /// that a request dropped halfway (the client went away, the server is
    /// stopping) cannot release the upload's lock while its write goes on.
    async fn add_chunk(
        &self,
        key: &str,
        offset: u64,
        chunk: SpooledFile,
    ) -> Result<u64, UploadError> {
        let (uploads, key) = (self.clone(), key.to_owned());
        tokio::spawn(async move { uploads.add_chunk_locked(&key, offset, chunk).await })
            .await
            .map_err(|e| UploadError::Io(std::io::Error::other(e)))?
    }

    async fn add_chunk_locked(
        &self,
        key: &str,
        offset: u64,
        chunk: SpooledFile,
    ) -> Result<u64, UploadError> {
        let upload = self.chunk_locks.entry(key);
        let Ok(mut carried) = upload.carried.try_lock() else {
            let received = self.db.upload_status(key).await?.map(|row| row.received);
            return Err(chunk_failure(ChunkFailure::Busy, received));
        };
        // Read again under the lock: the request before may have moved it.
        let Some(row) = self.db.upload_status(key).await? else {
            return Err(chunk_failure(ChunkFailure::NoSession, None));
        };
        if row.result != CONTINUE {
            return Err(chunk_failure(ChunkFailure::AlreadyCompleted, None));
        }
        let received = u64::try_from(row.received).unwrap_or_default();
        let path = self.repo.stash_path(key);
        if received + chunk.size > self.max_size {
            return Err(chunk_failure(ChunkFailure::TooLarge, Some(row.received)));
        }
        if offset != received {
            // A retried chunk whose answer was lost: the same bytes at a
            // place already received are acknowledged, not refused.
            let retried = offset + chunk.size <= received && {
                let (path, part) = (path.clone(), chunk.path.to_path_buf());
                blocking(move || same_bytes(&path, offset, &part)).await?
            };
            return match retried {
                true => Ok(received),
                false => Err(chunk_failure(
                    ChunkFailure::InvalidOffset,
                    Some(row.received),
                )),
            };
        }
        let checked = {
            let part = chunk.path.to_path_buf();
            let verify = self.verify.clone();
            let extension = key.rsplit('.').next().unwrap_or_default().to_owned();
            blocking(move || Ok(verify::verify_chunk(&part, &extension, &verify))).await?
        };
        match checked {
            Ok(()) => {}
            Err(VerificationError::Refused(refusal)) => {
                return Err(chunk_failure(
                    ChunkFailure::Refused(refusal),
                    Some(row.received),
                ));
            }
            Err(VerificationError::Io(io)) => return Err(io.into()),
        }
        // Hashed on while received (see `SpoolWriter::continuing`), or here.
        let hashed = chunk.continues.as_ref() == Some(&(key.to_owned(), received));
        let carried_so_far = match hashed {
            true => None,
            false => Some(carried_hasher(&upload, &mut carried, &path, received).await?),
        };
        let written = {
            let (path, part) = (path.clone(), chunk.path.to_path_buf());
            blocking(move || write_chunk(&path, received, &part, carried_so_far)).await
        };
        let written = match written {
            Ok(written) => written,
            Err(UploadError::Io(error)) => {
                // Nothing may stay beyond what was acknowledged.
                carried.hasher = None;
                blocking(move || {
                    let file = std::fs::OpenOptions::new().write(true).open(&path)?;
                    file.set_len(received)?;
                    file.sync_all()
                })
                .await?;
                let failure = ChunkFailure::Write {
                    key: key.to_owned(),
                    reason: error.to_string(),
                };
                return Err(chunk_failure(failure, Some(row.received)));
            }
            Err(other) => return Err(other),
        };
        let hasher = written.unwrap_or(chunk.hasher);
        crate::crash::point("chunk.after_write");
        let total = received + chunk.size;
        let advanced = self
            .db
            .advance_chunked_upload(
                key,
                row.received,
                i64::try_from(total).unwrap_or(i64::MAX),
                crate::auth::now(),
            )
            .await?;
        if !advanced {
            // Only a second server on the same data could get here.
            carried.hasher = None;
            return Err(chunk_failure(ChunkFailure::Busy, None));
        }
        upload.carry(&mut carried, total, hasher);
        Ok(total)
    }

    /// Verifies a complete chunked upload with the name of its last request
    /// and stashes it under a new key, by a hard link: no byte is copied.
    /// On failure the upload's status says why (MediaWiki's `Failure`).
    /// `keep_status` leaves a `Success` status behind for `checkstatus`.
    pub(super) async fn assemble(
        &self,
        key: &str,
        filename: &str,
        keep_status: bool,
    ) -> Result<(Warnings, StashRow), UploadError> {
        let upload = self.chunk_locks.entry(key);
        let mut carried = upload.carried.lock().await;
        let Some(row) = self.db.upload_status(key).await? else {
            return Err(chunk_failure(ChunkFailure::NoSession, None));
        };
        // Assembled once already (a retried last chunk, a second job).
        if row.result != CONTINUE && row.result != POLL {
            return Err(chunk_failure(ChunkFailure::AlreadyCompleted, None));
        }
        let size = u64::try_from(row.received).unwrap_or_default();
        let path = self.repo.stash_path(key);
        let hasher = carried_hasher(&upload, &mut carried, &path, size).await?;
        let sha1 = hex::encode(hasher.finalize());
        let refused = |text: &'static str| self.refuse_assembly(&row, text);
        let inspected = match self.inspect(&path, size, filename).await {
            Ok(inspected) => inspected,
            Err(UploadError::EmptyFile) => {
                return Err(refused("The file you submitted was empty.").await);
            }
            Err(UploadError::TooLarge { .. }) => {
                return Err(refused("The file you submitted was too large.").await);
            }
            Err(UploadError::Verification(VerificationError::Refused(_))) => {
                return Err(refused("This file did not pass file verification.").await);
            }
            Err(other) => return Err(other),
        };
        let facts = inspected.facts(sha1, size);
        let named = match &inspected.named {
            Ok(named) => named,
            Err(error) => return Err(refused(assembly_name_failure(error)).await),
        };
        let warnings = warnings::check(&self.db, &named.name, named.changed, &facts.sha1).await?;
        let entry = stash::new_row(
            &stash::NewEntry {
                file: &path,
                user_id: row.user_id,
                facts,
                extension: &inspected.extension,
                source: "file",
            },
            &format!(
                "chunkedupload_{}",
                &uuid::Uuid::new_v4().simple().to_string()[..12]
            ),
            crate::auth::now(),
        );
        // Only the acknowledged bytes (a write a stop cut off may have left
        // more), on disk before a stash row can point at them.
        let trimmed = path.clone();
        blocking(move || {
            let file = std::fs::OpenOptions::new().write(true).open(&trimmed)?;
            file.set_len(size)?;
            file.sync_all()
        })
        .await?;
        let assembled_path = self.repo.stash_path(&entry.file_key);
        tokio::fs::hard_link(&path, &assembled_path).await?;
        sync_dir(&self.repo.stash_dir()).await?;
        crate::crash::point("assembly.after_link");
        let status = keep_status.then(|| UploadStatusRow {
            result: SUCCESS.into(),
            stage: "assembling".into(),
            details: StatusDetails {
                filekey: Some(entry.file_key.clone()),
                warnings: warnings.clone(),
                ..StatusDetails::default()
            }
            .to_json(),
            updated_at: crate::auth::now(),
            ..row.clone()
        });
        if let Err(err) = self.db.commit_assembly(key, &entry, status.as_ref()).await {
            let _ = tokio::fs::remove_file(&assembled_path).await;
            return Err(err.into());
        }
        crate::crash::point("assembly.after_commit");
        // The upload's own name for the file is no longer needed.
        let _ = tokio::fs::remove_file(&path).await;
        drop(carried);
        self.chunk_locks.forget(key);
        Ok((warnings, entry))
    }

    /// Records that assembly refused the file; the error to answer.
    async fn refuse_assembly(&self, row: &UploadStatusRow, text: &'static str) -> UploadError {
        match self.record_failure(row, "assembling", text).await {
            Ok(()) => chunk_failure(ChunkFailure::Assembly(text.into()), None),
            Err(err) => err,
        }
    }

    /// Records that the work on `row`'s upload failed at `stage`.
    pub(super) async fn record_failure(
        &self,
        row: &UploadStatusRow,
        stage: &str,
        text: &str,
    ) -> Result<(), UploadError> {
        let failed = UploadStatusRow {
            result: FAILURE.into(),
            stage: stage.into(),
            details: StatusDetails {
                error: Some(text.into()),
                ..StatusDetails::default()
            }
            .to_json(),
            updated_at: crate::auth::now(),
            ..row.clone()
        };
        self.db.put_upload_status(&failed).await?;
        Ok(())
    }
}

/// `stashfailed` with the server's offset, which MediaWiki gives as a string.
fn chunk_failure(reason: ChunkFailure, offset: Option<i64>) -> UploadError {
    UploadError::ChunkFailed { reason, offset }
}

/// The words MediaWiki 1.39 uses for a name problem found at assembly.
fn assembly_name_failure(error: &title::NameError) -> &'static str {
    match error.code() {
        "filetype-banned" => "This type of file is banned.",
        "filetype-missing" => "The file has no extension (like \".jpg\").",
        "filename-tooshort" => "The filename is too short.",
        "filename-toolong" => "Filenames may not be longer than 240 bytes.",
        "windows-nonascii-filename" => {
            "This wiki does not support filenames with special characters."
        }
        _ => "The filename is not allowed.",
    }
}

/// The hasher of the first `offset` bytes at `path`: carried from the last
/// chunk, or (after a restart) computed once from the file.
async fn carried_hasher(
    upload: &UploadLock,
    carried: &mut Carried,
    path: &Path,
    offset: u64,
) -> Result<Sha1, UploadError> {
    if carried.offset == offset
        && let Some(hasher) = &carried.hasher
    {
        return Ok(hasher.clone());
    }
    let path = path.to_owned();
    let hasher = blocking(move || hash_prefix(&path, offset)).await?;
    upload.carry(carried, offset, hasher.clone());
    Ok(hasher)
}

const COPY_BUFFER: usize = 1 << 20;

fn hash_prefix(path: &Path, len: u64) -> std::io::Result<Sha1> {
    let mut hasher = Sha1::new();
    let mut file = std::fs::File::open(path)?.take(len);
    let mut buffer = vec![0; COPY_BUFFER];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            return Ok(hasher);
        }
        hasher.update(&buffer[..n]);
    }
}

/// Writes the chunk at `part` into the upload's file at `offset` and
/// syncs. Whatever lay past `offset` (a chunk cut off by a stop) is dropped
/// first. With a `hasher` the bytes are hashed on while copied, and the
/// hash is returned; without, the kernel copies them (`copy_file_range`).
fn write_chunk(
    path: &Path,
    offset: u64,
    part: &Path,
    hasher: Option<Sha1>,
) -> std::io::Result<Option<Sha1>> {
    let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
    file.set_len(offset)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut input = std::fs::File::open(part)?;
    let hasher = match hasher {
        None => {
            std::io::copy(&mut input, &mut file)?;
            None
        }
        Some(mut hasher) => {
            let mut buffer = vec![0; COPY_BUFFER];
            loop {
                let n = input.read(&mut buffer)?;
                if n == 0 {
                    break;
                }
                hasher.update(&buffer[..n]);
                file.write_all(&buffer[..n])?;
            }
            Some(hasher)
        }
    };
    crate::crash::disk_full_at("chunk.write")?;
    file.sync_data()?;
    Ok(hasher)
}

/// Whether the bytes at `part` are those at `offset` in `path`.
fn same_bytes(path: &Path, offset: u64, part: &Path) -> std::io::Result<bool> {
    let mut stored = std::fs::File::open(path)?;
    stored.seek(SeekFrom::Start(offset))?;
    let mut sent = std::fs::File::open(part)?;
    let (mut a, mut b) = (vec![0; COPY_BUFFER], vec![0; COPY_BUFFER]);
    loop {
        let n = read_full(&mut sent, &mut a)?;
        if n == 0 {
            return Ok(true);
        }
        if read_full(&mut stored, &mut b[..n])? != n || a[..n] != b[..n] {
            return Ok(false);
        }
    }
}

fn read_full(file: &mut std::fs::File, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Makes a rename or link into `dir` durable.
async fn sync_dir(dir: &Path) -> Result<(), UploadError> {
    let dir = dir.to_owned();
    blocking(move || std::fs::File::open(&dir)?.sync_all()).await
}

/// Runs file work off the reactor.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T, UploadError> {
    Ok(tokio::task::spawn_blocking(work)
        .await
        .map_err(std::io::Error::other)??)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunk_is_written_at_its_offset_and_hashed_on() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("upload");
        let part = dir.path().join("part");
        // A cut-off earlier attempt left garbage after the first 5 bytes.
        std::fs::write(&file, b"hellogarbage").expect("write");
        std::fs::write(&part, b" world").expect("write");
        let carried = hash_prefix(&file, 5).expect("hash");
        let hasher = write_chunk(&file, 5, &part, Some(carried))
            .expect("write chunk")
            .expect("hashed");
        assert_eq!(std::fs::read(&file).expect("read"), b"hello world");
        assert_eq!(
            hex::encode(hasher.finalize()),
            "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"
        );
        // Already hashed while received: copied by the kernel, not hashed.
        std::fs::write(&file, b"hello").expect("write");
        assert!(write_chunk(&file, 5, &part, None).expect("copy").is_none());
        assert_eq!(std::fs::read(&file).expect("read"), b"hello world");
        assert!(same_bytes(&file, 5, &part).expect("compare"));
        assert!(!same_bytes(&file, 4, &part).expect("compare"));
    }
}
