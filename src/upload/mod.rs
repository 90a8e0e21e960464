//! The upload domain: what happens to a file between the request that
//! brings it and the version it becomes. Received bytes are spooled
//! (`spool`), named (`title`), verified (`verify`, `crate::media`), warned about
//! (`warnings`), stashed (`stash`) and published (`publish`) into the
//! repository (`repo`). No HTTP here: the API layer maps requests in and
//! outcomes out.

pub mod actions;
pub mod chunked;
pub mod delete;
pub mod expiry;
pub mod fetch;
pub mod fsck;
pub mod import;
pub mod jobs;
pub mod publish;
pub mod quota;
pub mod repo;
pub mod spool;
pub mod stash;
pub mod status;
pub mod title;
pub mod verify;
pub mod warnings;

use std::path::PathBuf;
use std::sync::Arc;

use repo::FileRepo;
use spool::SpooledFile;
use stash::StashError;
use title::{FileName, NameError};
use verify::{VerificationError, VerifyConfig};
use warnings::Warnings;

use crate::auth::throttle::RateLimitCheck;
use crate::config::Config;
use crate::media;
use crate::pages::title::Title;
use crate::pages::{self, PageError, Pages};
use crate::storage::{
    ContentFacts, Database, DescriptionPage, FileVersionRow, PublishRecord, StashRow, StorageError,
};

/// Everything that stops an upload, each one of MediaWiki's error codes.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error(transparent)]
    Stash(#[from] StashError),
    #[error("The file you submitted was empty.")]
    EmptyFile,
    /// More bytes than `max_upload_size`.
    #[error("The file you submitted was too large.")]
    TooLarge { max_upload_size: u64 },
    #[error(transparent)]
    Verification(#[from] VerificationError),
    /// A downloaded (`url`) file whose content was refused: the client
    /// learns only the refusal's key, since the detected MIME type would
    /// describe what an internal address serves; the log has the detail.
    #[error("This file did not pass file verification.")]
    FetchedContentRefused { key: &'static str },
    /// A name problem; the file was stashed under `stash_key` so the client
    /// can retry with another name.
    #[error("{error}")]
    Name {
        error: NameError,
        stash_key: Option<String>,
    },
    /// The name is taken and the user may not overwrite it.
    #[error("A file with this name already exists, and cannot be overwritten.")]
    FileExistsForbidden {
        name: FileName,
        stash_key: Option<String>,
    },
    /// The bytes are those of the current version already.
    #[error("The upload is an exact duplicate of the current version of [[:File:{0}]].")]
    NoChange(String),
    #[error(transparent)]
    Fetch(#[from] fetch::FetchError),
    /// A chunk's target name has a problem; chunks get no details.
    #[error("The filename is not allowed.")]
    ChunkName,
    /// The first chunk's bytes failed the per-chunk checks.
    #[error("{}", .0.text())]
    ChunkRefused(verify::Refusal),
    #[error("Offset plus current chunk is greater than claimed file size.")]
    InvalidChunk,
    #[error("Minimum chunk size is {} bytes for non-final chunks.", thousands(*.0))]
    ChunkTooSmall(u64),
    /// A chunk the upload cannot take, with the server's offset if known.
    #[error("{reason}")]
    ChunkFailed {
        reason: chunked::ChunkFailure,
        offset: Option<i64>,
    },
    /// `max_user_unfinished_uploads`.
    #[error(
        "You have too many unfinished uploads (at most {0}): finish some, or wait until they expire."
    )]
    TooManyUnfinished(u64),
    /// `max_user_stash_size`.
    #[error(
        "Your upload stash is full (at most {0} bytes): publish or remove files, or wait until they expire."
    )]
    StashFull(u64),
    /// `max_user_queued_jobs`.
    #[error(
        "You have too many uploads waiting to be processed (at most {0}): wait until some are done."
    )]
    TooManyJobs(u64),
    /// `$wgRateLimits`' `upload` limit is reached.
    #[error("You've exceeded your rate limit. Please wait some time and try again.")]
    RateLimited,
    /// `async=1` for a stash entry whose publish is queued already.
    #[error("Upload from stash already in progress.")]
    PublishInProgress,
    /// A file action on a name that has no file.
    #[error("The page you specified doesn't exist.")]
    NoSuchFile,
    /// A file action on an old version the file does not have.
    #[error("There is no previous local version of this file with the provided timestamp.")]
    NoSuchVersion,
    /// A move to a name whose extension does not fit the file's type.
    #[error("The new file extension does not match its type.")]
    FileTypeMismatch,
    /// The data filesystem has less free space than `min_free_space`.
    #[error(
        "The storage backend \"local-backend\" is currently read-only. The reason given is: \
         <em>{free} bytes free on the data filesystem, below the minimum of {minimum}</em>"
    )]
    InsufficientSpace { free: u64, minimum: u64 },
    /// Publishing could not move the bytes into the repository (a full
    /// disk, an I/O error): MediaWiki's `backend-fail-store` words and the
    /// reason. A received file was stashed under `stash_key` for a retry.
    #[error("Could not store file \"{src}\" at \"{dst}\". ({reason})")]
    StoreFailed {
        src: String,
        dst: String,
        reason: String,
        stash_key: Option<String>,
    },
    /// Stashing could not move the bytes into the stash: MediaWiki's
    /// `uploadstash-exception` around `backend-fail-store`'s words.
    #[error(
        "Could not store upload in the stash (UploadStashFileException): \"{}\".",
        stash::store_failure(.src, .key, .reason)
    )]
    StashFailed {
        src: String,
        key: String,
        reason: String,
    },
    #[error(transparent)]
    Page(#[from] PageError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("file storage failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Where the bytes of an upload come from.
#[derive(Debug)]
pub enum Source {
    /// Just received (multipart `file`), in the spool.
    Received(SpooledFile),
    /// Just downloaded (`url`), in the spool.
    Fetched(SpooledFile),
    /// A stash entry of the uploader (`filekey`).
    Stashed(StashRow),
}

/// What the uploader may do to existing files.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct OverwriteRights {
    pub reupload: bool,
    pub reupload_own: bool,
}

/// One upload, as the API layer hands it over.
#[derive(Debug)]
pub struct UploadRequest {
    pub user_id: i64,
    pub user_name: String,
    pub rights: OverwriteRights,
    pub filename: String,
    pub source: Source,
    pub comment: String,
    pub text: Option<String>,
    pub ignore_warnings: bool,
    pub stash: bool,
    /// The `upload` rate limits a publish counts against (none for jobs,
    /// which were counted when queued).
    pub rate_limit: RateLimitCheck,
}

/// How an upload ended, when it did not fail.
#[derive(Debug)]
pub enum UploadOutcome {
    /// Stopped by warnings; the file waits in the stash under `stash_key`.
    Warning {
        warnings: Warnings,
        stash_key: String,
    },
    /// `stash=1`: kept in the stash, not published.
    Stashed { warnings: Warnings, entry: StashRow },
    /// `async=1`: the publish of `name` is queued.
    Queued { warnings: Warnings, name: FileName },
    /// Published as the current version of `name`.
    Published {
        warnings: Warnings,
        name: FileName,
        version: FileVersionRow,
    },
}

/// The upload service.
#[derive(Debug, Clone)]
pub struct Uploads {
    db: Database,
    repo: FileRepo,
    /// The store of the description pages uploads write.
    pages: Pages,
    verify: Arc<VerifyConfig>,
    allowed: Arc<Vec<String>>,
    prohibited: Arc<Vec<String>>,
    max_size: u64,
    min_chunk_size: u64,
    /// Free bytes the data filesystem must keep (`min_free_space`).
    min_free_space: u64,
    /// Seconds a stash entry or an unfinished upload is kept.
    stash_max_age: i64,
    /// Publishes of one name run one at a time (striped by name).
    locks: Arc<Vec<tokio::sync::Mutex<()>>>,
    chunk_locks: Arc<chunked::ChunkLocks>,
    /// What URL uploads may fetch.
    fetch_policy: Arc<fetch::FetchPolicy>,
    /// Jobs that ended in failure since the start.
    job_failures: Arc<std::sync::atomic::AtomicU64>,
    /// Wakes the job runner when a job is queued.
    jobs_ready: Arc<tokio::sync::Notify>,
    /// Thumbnails of published files, purged when a file changes.
    thumbnails: media::Thumbnails,
    quotas: quota::Quotas,
}

impl Uploads {
    pub fn new(db: Database, repo: FileRepo, config: &Config) -> Uploads {
        Uploads {
            thumbnails: media::Thumbnails::new(repo.clone(), repo.base_url(), config),
            pages: Pages::new(db.clone(), &config.sitename),
            db,
            repo,
            verify: Arc::new(VerifyConfig::default()),
            allowed: Arc::new(config.file_extensions.clone()),
            prohibited: Arc::new(config.prohibited_file_extensions.clone()),
            max_size: config.max_upload_size,
            min_free_space: config.min_free_space,
            // MediaWiki never asks for more than the largest upload.
            min_chunk_size: config.min_upload_chunk_size.min(config.max_upload_size),
            stash_max_age: i64::try_from(config.upload_stash_max_age).unwrap_or(i64::MAX),
            locks: Arc::new((0..64).map(|_| tokio::sync::Mutex::new(())).collect()),
            chunk_locks: Arc::default(),
            jobs_ready: Arc::default(),
            job_failures: Arc::default(),
            quotas: quota::Quotas::new(config),
            fetch_policy: Arc::new(fetch::FetchPolicy {
                allowed_domains: config.copy_uploads_domains.clone(),
                allow_private_addresses: config.copy_upload_allow_private_addresses,
                timeout: std::time::Duration::from_secs(config.copy_upload_timeout),
                max_size: config.max_upload_size,
                max_redirects: fetch::DEFAULT_MAX_REDIRECTS,
            }),
        }
    }

    pub fn repo(&self) -> &FileRepo {
        &self.repo
    }

    /// The thumbnails of the repository's files.
    pub fn thumbnails(&self) -> &media::Thumbnails {
        &self.thumbnails
    }

    /// The stash entry behind a `filekey`, checked for its owner.
    pub async fn stash_entry(
        &self,
        key: &str,
        user_id: Option<i64>,
    ) -> Result<StashRow, UploadError> {
        stash::get(&self.db, &self.repo.stash_dir(), key, user_id, |_| {
            StashError::InvalidKey
        })
        .await
    }

    /// Jobs that ended in failure since the start.
    pub fn job_failures(&self) -> u64 {
        self.job_failures.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether files can be written where uploads land (for readiness).
    pub async fn check_file_store(&self) -> std::io::Result<()> {
        let spool = self.repo.spool_dir();
        tokio::fs::create_dir_all(&spool).await?;
        tokio::task::spawn_blocking(move || tempfile::NamedTempFile::new_in(spool).map(drop))
            .await
            .map_err(std::io::Error::other)?
    }

    /// Refuses to start writing when the data filesystem is below
    /// `min_free_space`, rather than failing halfway.
    pub async fn check_free_space(&self) -> Result<(), UploadError> {
        let root = self.repo.root().to_owned();
        let free = tokio::task::spawn_blocking(move || {
            let stats = rustix::fs::statvfs(&root).map_err(std::io::Error::from)?;
            Ok::<u64, std::io::Error>(stats.f_bavail.saturating_mul(stats.f_frsize))
        })
        .await
        .map_err(|e| UploadError::Io(std::io::Error::other(e)))??;
        match free < self.min_free_space {
            true => Err(UploadError::InsufficientSpace {
                free,
                minimum: self.min_free_space,
            }),
            false => Ok(()),
        }
    }

    /// The checks of a URL made before the rights check (allowed domains,
    /// credentials, refused addresses), as MediaWiki orders them.
    pub fn check_url_source(&self, url: &str) -> Result<(), UploadError> {
        Ok(fetch::check_source(url, &self.fetch_policy)?)
    }

    /// Downloads `url` into the spool, reporting to `progress`.
    pub async fn fetch_url(
        &self,
        url: &str,
        progress: &fetch::FetchProgress,
    ) -> Result<SpooledFile, UploadError> {
        Ok(fetch::fetch(url, &self.fetch_policy, &self.repo.spool_dir(), progress).await?)
    }

    /// The status of `user_id`'s upload `key` (None: there is none, or it
    /// is another user's, which MediaWiki does not tell apart).
    pub async fn upload_status(
        &self,
        key: &str,
        user_id: Option<i64>,
    ) -> Result<Option<crate::storage::UploadStatusRow>, UploadError> {
        let status = self.db.upload_status(key).await?;
        Ok(status.filter(|row| Some(row.user_id) == user_id))
    }

    /// The same for `prop=stashimageinfo`, whose syntax error differs.
    pub async fn stash_entry_for_query(
        &self,
        key: &str,
        user_id: Option<i64>,
    ) -> Result<StashRow, UploadError> {
        stash::get(&self.db, &self.repo.stash_dir(), key, user_id, |k| {
            StashError::BadFormat(k.to_owned())
        })
        .await
    }

    /// Runs an upload after the caller checked the rights to upload:
    /// verification, name, overwrite rules, warnings, then stash or publish.
    pub async fn upload(&self, request: UploadRequest) -> Result<UploadOutcome, UploadError> {
        let (path, size) = match &request.source {
            Source::Received(file) | Source::Fetched(file) => (file.path.to_path_buf(), file.size),
            Source::Stashed(row) => (
                self.repo.stash_path(&row.file_key),
                u64::try_from(row.size).unwrap_or(0),
            ),
        };
        if size == 0 {
            return Err(UploadError::EmptyFile);
        }
        if size > self.max_size {
            return Err(UploadError::TooLarge {
                max_upload_size: self.max_size,
            });
        }
        let inspected = match self.inspect(&path, size, &request.filename).await {
            Err(UploadError::Verification(VerificationError::Refused(refusal)))
                if matches!(request.source, Source::Fetched(_))
                    && refusal.code() == "verification-error" =>
            {
                tracing::info!(
                    key = refusal.key(),
                    detail = %refusal.text(),
                    "URL upload: the downloaded file was refused"
                );
                return Err(UploadError::FetchedContentRefused { key: refusal.key() });
            }
            inspected => inspected?,
        };
        let facts = match &request.source {
            Source::Received(file) | Source::Fetched(file) => {
                inspected.facts(file.sha1.clone(), size)
            }
            Source::Stashed(row) => inspected.facts(row.sha1.clone(), size),
        };
        // Content problems come first; a name problem only when it passed.
        let named = match inspected.named {
            Ok(named) => named,
            Err(error) => {
                let stash_key = match error.is_recoverable() {
                    true => {
                        self.stash_for_retry(&request, &facts, &inspected.extension)
                            .await
                    }
                    false => None,
                };
                return Err(UploadError::Name { error, stash_key });
            }
        };
        if !request.stash {
            self.check_overwrite(&request, &named.name, &facts, &inspected.extension)
                .await?;
        }
        let warnings = warnings::check(&self.db, &named.name, named.changed, &facts.sha1).await?;
        let stopped_by_warnings = !warnings.is_empty() && !request.ignore_warnings;
        if stopped_by_warnings || request.stash {
            let entry = self
                .keep_in_stash(
                    request.source,
                    &facts,
                    &inspected.extension,
                    request.user_id,
                )
                .await?;
            return Ok(if stopped_by_warnings {
                UploadOutcome::Warning {
                    warnings,
                    stash_key: entry.file_key,
                }
            } else {
                UploadOutcome::Stashed { warnings, entry }
            });
        }
        // After the warnings, before publishing, as ApiUpload checks it.
        if request
            .rate_limit
            .exceeded(&self.db, crate::auth::now())
            .await?
        {
            return Err(UploadError::RateLimited);
        }
        let version = self
            .publish(request, &named.name, facts, &inspected.extension)
            .await?;
        Ok(UploadOutcome::Published {
            warnings,
            name: named.name,
            version,
        })
    }

    /// Names and verifies the bytes at `path` (blocking work, off the reactor).
    async fn inspect(
        &self,
        path: &std::path::Path,
        size: u64,
        requested: &str,
    ) -> Result<Inspected, UploadError> {
        let path = path.to_owned();
        let requested = requested.to_owned();
        let verify = self.verify.clone();
        let (allowed, prohibited) = (self.allowed.clone(), self.prohibited.clone());
        tokio::task::spawn_blocking(move || -> Result<Inspected, UploadError> {
            let sniffed = verify::sniff_mime(&path, &verify)?;
            let sniffed_extension = sniffed.as_deref().and_then(verify::canonical_extension);
            let named = title::name_upload(&requested, sniffed_extension, &allowed, &prohibited);
            let final_extension = match &named {
                Ok(named) => named.name.extension().to_owned(),
                Err(error) => error.final_extension().unwrap_or_default().to_owned(),
            };
            let verified = verify::verify_file(&path, size, &final_extension, &verify)?;
            let media = media::metadata::media_facts(&path, &verified.mime);
            let extension = sniffed_extension.unwrap_or_default().to_owned();
            Ok(Inspected {
                named,
                verified,
                media,
                extension,
            })
        })
        .await
        .map_err(|e| UploadError::Io(std::io::Error::other(e)))?
    }

    /// Refuses to overwrite a file the user may not overwrite. The upload
    /// is stashed so the client can retry under another name.
    async fn check_overwrite(
        &self,
        request: &UploadRequest,
        name: &FileName,
        facts: &ContentFacts,
        extension: &str,
    ) -> Result<(), UploadError> {
        if self
            .may_overwrite(request.user_id, request.rights, name)
            .await?
        {
            return Ok(());
        }
        let stash_key = self.stash_for_retry(request, facts, extension).await;
        Err(UploadError::FileExistsForbidden {
            name: name.clone(),
            stash_key,
        })
    }

    /// Whether the user may upload as `name`: it is free, or the user may
    /// overwrite it.
    async fn may_overwrite(
        &self,
        user_id: i64,
        rights: OverwriteRights,
        name: &FileName,
    ) -> Result<bool, UploadError> {
        let Some(current) = self.db.current_file(name.as_db_key()).await? else {
            return Ok(true);
        };
        let own = current.user_id == Some(user_id);
        Ok(rights.reupload || (rights.reupload_own && own))
    }

    /// Stashes a received file after a recoverable error; a stash source
    /// is already in the stash and keeps its key. Failures only lose the
    /// convenience, so they are not errors.
    async fn stash_for_retry(
        &self,
        request: &UploadRequest,
        facts: &ContentFacts,
        extension: &str,
    ) -> Option<String> {
        match &request.source {
            Source::Stashed(row) => Some(row.file_key.clone()),
            Source::Received(file) | Source::Fetched(file) => self
                .stash_received(&request.source, file, request.user_id, facts, extension)
                .await
                .ok()
                .map(|row| row.file_key),
        }
    }

    /// Keeps the upload in the stash (for a warning or `stash=1`).
    async fn keep_in_stash(
        &self,
        source: Source,
        facts: &ContentFacts,
        extension: &str,
        user_id: i64,
    ) -> Result<StashRow, UploadError> {
        match &source {
            Source::Stashed(row) => Ok(row.clone()),
            Source::Received(file) | Source::Fetched(file) => {
                let entry = self
                    .stash_received(&source, file, user_id, facts, extension)
                    .await?;
                // The bytes now belong to the stash entry.
                if let Source::Received(file) | Source::Fetched(file) = source {
                    let _ = file.path.keep();
                }
                Ok(entry)
            }
        }
    }

    /// Moves a spooled file into the stash. Like MediaWiki, a downloaded
    /// file's key has no extension and its source is `url`.
    async fn stash_received(
        &self,
        source: &Source,
        file: &SpooledFile,
        user_id: i64,
        facts: &ContentFacts,
        extension: &str,
    ) -> Result<StashRow, UploadError> {
        self.check_stash_bytes(user_id, file.size).await?;
        let (origin, extension) = match source {
            Source::Fetched(_) => ("url", ""),
            _ => ("file", extension),
        };
        let entry = stash::NewEntry {
            file: &file.path,
            user_id,
            facts: facts.clone(),
            extension,
            source: origin,
        };
        stash::put(&self.db, &self.repo.stash_dir(), entry, crate::auth::now()).await
    }

    async fn publish(
        &self,
        request: UploadRequest,
        name: &FileName,
        facts: ContentFacts,
        extension: &str,
    ) -> Result<FileVersionRow, UploadError> {
        let _guard = self.lock(name.as_db_key()).await;
        let key = name.as_db_key();
        let current = self.db.current_file(key).await?;
        if let Some(current) = &current
            && current.sha1 == facts.sha1
        {
            return Err(UploadError::NoChange(name.text()));
        }
        let timestamp = version_timestamp(current.as_ref().map(|c| c.timestamp)).await;
        let comment = request.comment.trim().to_owned();
        let retry_facts = facts.clone();
        let record = PublishRecord {
            journal_id: 0,
            publish_id: String::new(),
            name: key.to_owned(),
            facts,
            user_id: request.user_id,
            comment: comment.clone(),
            timestamp,
            archive_name: current
                .as_ref()
                .map(|_| publish::archive_name(timestamp, key)),
            page: self.description_page(
                key,
                &request.user_name,
                request.text.as_deref().unwrap_or(&comment),
                match current {
                    Some(_) => PageAction::Overwrite,
                    None => PageAction::Upload,
                },
            ),
            revert: false,
            stash_key: match &request.source {
                Source::Stashed(row) => Some(row.file_key.clone()),
                Source::Received(_) | Source::Fetched(_) => None,
            },
        };
        let staged: PathBuf = match &request.source {
            Source::Received(file) | Source::Fetched(file) => file.path.to_path_buf(),
            Source::Stashed(row) => self.repo.stash_path(&row.file_key),
        };
        if let Err(err) = publish::publish(&self.db, &self.repo, &staged, record).await {
            return Err(match err {
                // Bad luck loses nothing: the bytes wait in the stash.
                UploadError::StoreFailed {
                    src, dst, reason, ..
                } => UploadError::StoreFailed {
                    src,
                    dst,
                    reason,
                    stash_key: self
                        .stash_for_retry(&request, &retry_facts, extension)
                        .await,
                },
                other => other,
            });
        }
        // The name now shows other bytes: its thumbnails go (old versions'
        // too, as MediaWiki purges them; they are rendered again on demand).
        self.thumbnails.purge(key).await;
        match request.source {
            // Moved into the repository: nothing left to delete.
            Source::Received(file) | Source::Fetched(file) => {
                let _ = file.path.keep();
            }
            // The stash entry is gone, and its thumbnails with it.
            Source::Stashed(row) => self.thumbnails.purge_stashed(&row.file_key).await,
        }
        self.db.current_file(key).await?.ok_or_else(|| {
            UploadError::Storage(StorageError::Unavailable("published row vanished".into()))
        })
    }

    /// The description page's part of publishing `name`: the page text
    /// (used if the page does not exist yet) and the summary of the null
    /// revision an existing page gets, as MediaWiki's upload log words it.
    fn description_page(
        &self,
        name: &str,
        user_name: &str,
        text: &str,
        action: PageAction,
    ) -> DescriptionPage {
        let title = Title::new(pages::title::FILE, name);
        let text = pages::edit::pre_save_transform(text);
        let link = format!("[[{}]]", title.text(self.pages.sitename()));
        let null_revision_summary = match action {
            PageAction::Upload => format!("{user_name} uploaded {link}"),
            PageAction::Overwrite => format!("{user_name} uploaded a new version of {link}"),
            PageAction::Revert => format!("{user_name} reverted {link} to an old version"),
        };
        DescriptionPage {
            user_name: user_name.to_owned(),
            sha1: pages::hash::text_sha1_base36(&text),
            links: self.pages.links(&text, &title),
            links_version: pages::LINKS_VERSION,
            text,
            null_revision_summary,
        }
    }

    async fn lock(&self, name: &str) -> tokio::sync::MutexGuard<'_, ()> {
        self.locks[self.lock_index(name)].lock().await
    }

    /// The locks of two names (a move), taken in one order so that two
    /// moves cannot wait for each other; one lock when they share a stripe.
    async fn lock_pair(&self, a: &str, b: &str) -> Vec<tokio::sync::MutexGuard<'_, ()>> {
        let mut indexes = [self.lock_index(a), self.lock_index(b)];
        indexes.sort_unstable();
        let mut guards = vec![self.locks[indexes[0]].lock().await];
        if indexes[1] != indexes[0] {
            guards.push(self.locks[indexes[1]].lock().await);
        }
        guards
    }

    fn lock_index(&self, name: &str) -> usize {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        name.hash(&mut hasher);
        (hasher.finish() % self.locks.len() as u64) as usize
    }
}

/// What a publish does to the file, for the description page's summary.
#[derive(Debug, Clone, Copy)]
enum PageAction {
    Upload,
    Overwrite,
    Revert,
}

/// What inspecting a file's bytes found out.
struct Inspected {
    named: Result<title::NamedUpload, NameError>,
    verified: verify::Verified,
    media: media::metadata::MediaFacts,
    /// The extension of the sniffed MIME type, for the stash key.
    extension: String,
}

impl Inspected {
    fn facts(&self, sha1: String, size: u64) -> ContentFacts {
        ContentFacts {
            size: i64::try_from(size).unwrap_or(i64::MAX),
            width: self.media.width,
            height: self.media.height,
            bits: self.media.bitdepth,
            media_type: self.verified.media_type.to_owned(),
            mime: self.verified.mime.clone(),
            sha1,
            metadata: self.media.metadata.to_string(),
            common_metadata: self.media.common_metadata.to_string(),
        }
    }
}

/// 1024 → "1,024", as MediaWiki formats numbers in English messages.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The timestamp of a new version of a name whose newest version has the
/// timestamp `previous`: the wall clock's, and later than `previous`, since
/// a name's versions are told apart by their second (archive names are
/// `YYYYMMDDHHMMSS!Name`, `iistart` continues by timestamp). A re-upload
/// within the previous version's second waits for the next one, as
/// MediaWiki's `LocalFile::recordUpload3` sleeps, instead of running ahead
/// of the clock; the caller holds the name's lock, so re-uploads of one
/// name publish at most once a second. Only a previous version ahead of
/// the clock (a clock stepped back) is followed one second after it.
pub(crate) async fn version_timestamp(previous: Option<i64>) -> i64 {
    let Some(previous) = previous else {
        return crate::auth::now();
    };
    let next = previous.saturating_add(1);
    let wait_ms = next
        .saturating_mul(1000)
        .saturating_sub(chrono::Utc::now().timestamp_millis());
    if (1..=1000).contains(&wait_ms) {
        tokio::time::sleep(std::time::Duration::from_millis(wait_ms.unsigned_abs())).await;
    }
    crate::auth::now().max(next)
}

/// `YYYYMMDDHHMMSS` in UTC, MediaWiki's database timestamp.
pub fn timestamp14(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .format("%Y%m%d%H%M%S")
        .to_string()
}
