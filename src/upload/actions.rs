//! MediaWiki's file actions after an upload: revert to an old version,
//! delete (every version, or one old version), undelete, and move with
//! the description page. Each ends in one method of `Uploads` that
//! changes the file's versions, so whatever must follow such a change
//! (purging caches of the file) is one call at each method's end.
//!
//! Bytes move the way publishing moves them: hard links first, then one
//! transaction, then the old names are unlinked; a failure before the
//! commit removes the new links, a crash after it leaves only files no
//! row points at, which are never served.

use std::path::PathBuf;

use super::delete::storage_key;
use super::publish::{self, archive_name};
use super::{PageAction, UploadError, Uploads, verify};
use crate::pages::title::Title;
use crate::pages::{Author, PageError};
use crate::storage::{FileDeletion, FileVersionRow, PublishRecord, StorageError};

/// One undeletion's result, as `action=undelete` reports it.
#[derive(Debug, Clone, Copy)]
pub struct Restored {
    pub revisions: u64,
    pub files: u64,
}

impl Uploads {
    /// The versions of `name`, newest first.
    async fn versions(&self, name: &str) -> Result<Vec<FileVersionRow>, UploadError> {
        Ok(self.db.file_history(name, None, None, i64::MAX).await?)
    }

    /// Where a version's bytes are.
    fn version_path(&self, version: &FileVersionRow) -> PathBuf {
        match &version.archive_name {
            Some(archive) => self.repo.archive_path(&version.name, archive),
            None => self.repo.public_path(&version.name),
        }
    }

    /// `action=filerevert`: the old version `archive` becomes a new current
    /// version (a copy, so its own history stays), with `comment`.
    pub async fn revert(
        &self,
        name: &str,
        archive: &str,
        author: &Author,
        comment: &str,
    ) -> Result<FileVersionRow, UploadError> {
        let _guard = self.lock(name).await;
        let versions = self.versions(name).await?;
        let current = versions.first().ok_or(UploadError::NoSuchFile)?;
        let old = versions
            .iter()
            .find(|v| v.archive_name.as_deref() == Some(archive))
            .ok_or(UploadError::NoSuchVersion)?;
        let user_id = author.id.ok_or(UploadError::NoSuchFile)?;
        // The publish renames the staged bytes into place: stage a link.
        tokio::fs::create_dir_all(self.repo.spool_dir()).await?;
        let staged = self
            .repo
            .spool_dir()
            .join(format!("revert-{}", uuid::Uuid::new_v4().simple()));
        tokio::fs::hard_link(self.version_path(old), &staged).await?;
        let timestamp = super::version_timestamp(Some(current.timestamp)).await;
        let record = PublishRecord {
            journal_id: 0,
            publish_id: String::new(),
            name: name.to_owned(),
            facts: old.facts(),
            user_id,
            comment: comment.trim().to_owned(),
            timestamp,
            archive_name: Some(archive_name(timestamp, name)),
            page: self.description_page(name, &author.name, comment, PageAction::Revert),
            revert: true,
            stash_key: None,
        };
        if let Err(err) = publish::publish(&self.db, &self.repo, &staged, record).await {
            let _ = tokio::fs::remove_file(&staged).await;
            return Err(err);
        }
        self.thumbnails.purge(name).await;
        self.db
            .current_file(name)
            .await?
            .ok_or(UploadError::Storage(StorageError::Conflict))
    }

    /// `action=delete` of a file: every version goes to the deleted store,
    /// the page's revisions to the archive. None when there is no file.
    pub async fn delete(
        &self,
        name: &str,
        author: &Author,
        reason: &str,
    ) -> Result<Option<i64>, UploadError> {
        let _guard = self.lock(name).await;
        let versions = self.versions(name).await?;
        if versions.is_empty() {
            return Ok(None);
        }
        let user_id = author.id.ok_or(UploadError::NoSuchFile)?;
        let keys = self.link_into_deleted_store(&versions).await?;
        let deletion = FileDeletion {
            name,
            storage_keys: &keys,
            deleted_by: user_id,
            reason,
            log_comment: reason,
            now: crate::auth::now(),
        };
        let log_id = self.db.delete_file(&deletion).await?;
        let paths = versions.iter().map(|v| self.version_path(v)).collect();
        self.unlink(paths).await;
        self.thumbnails.purge(name).await;
        Ok(Some(log_id))
    }

    /// `action=delete` with `oldimage`: one old version goes to the
    /// deleted store.
    pub async fn delete_old_version(
        &self,
        name: &str,
        archive: &str,
        author: &Author,
        reason: &str,
    ) -> Result<i64, UploadError> {
        let _guard = self.lock(name).await;
        let versions = self.versions(name).await?;
        let version = versions
            .into_iter()
            .find(|v| v.archive_name.as_deref() == Some(archive))
            .ok_or(UploadError::NoSuchVersion)?;
        let user_id = author.id.ok_or(UploadError::NoSuchFile)?;
        let keys = self
            .link_into_deleted_store(std::slice::from_ref(&version))
            .await?;
        let log_comment = match reason {
            "" => format!("Deleted old revision {archive}"),
            reason => format!("Deleted old revision {archive}: {reason}"),
        };
        let deletion = FileDeletion {
            name,
            storage_keys: &keys,
            deleted_by: user_id,
            reason,
            log_comment: &log_comment,
            now: crate::auth::now(),
        };
        let log_id = self.db.delete_file_version(&deletion).await?;
        self.unlink(vec![self.version_path(&version)]).await;
        self.thumbnails.purge(name).await;
        Ok(log_id)
    }

    /// Hard-links each version into the deleted store (by content, so equal
    /// bytes are kept once); returns version ids with their storage keys.
    async fn link_into_deleted_store(
        &self,
        versions: &[FileVersionRow],
    ) -> Result<Vec<(i64, String)>, UploadError> {
        let mut keys = Vec::new();
        for version in versions {
            let key = storage_key(&version.sha1, &version.name);
            let target = self.repo.deleted_path(&key);
            if let Some(dir) = target.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            match tokio::fs::hard_link(self.version_path(version), &target).await {
                Ok(()) => {}
                // Identical bytes were deleted before: one copy is enough.
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(err) => return Err(err.into()),
            }
            keys.push((version.id, key));
        }
        Ok(keys)
    }

    /// `action=undelete` of a File page: its deleted revisions (all, or
    /// those at `timestamps`) and file versions (all, or `file_ids`) come
    /// back. The newest restored version becomes current unless a file of
    /// that name exists again.
    pub async fn undelete(
        &self,
        title: &Title,
        timestamps: Option<&[i64]>,
        file_ids: Option<&[i64]>,
        author: &Author,
        reason: &str,
    ) -> Result<Restored, UploadError> {
        let name = &title.db_key;
        let _guard = self.lock(name).await;
        let deleted = self.db.deleted_files(name).await?;
        let chosen: Vec<_> = deleted
            .iter()
            .filter(|d| file_ids.is_none_or(|ids| ids.contains(&d.id)))
            .collect();
        let has_current = self.db.current_file(name).await?.is_some();
        // Oldest first: each version's archive name is the time the next
        // one replaced it; the newest is current, unless one exists.
        let mut plan = Vec::new();
        let mut links = Vec::new();
        for (i, version) in chosen.iter().enumerate() {
            let newest = i + 1 == chosen.len();
            let archive = match (&version.archive_name, newest && !has_current) {
                (_, true) => None,
                (Some(archive), false) => Some(archive.clone()),
                (None, false) => {
                    let replaced_at = chosen
                        .get(i + 1)
                        .map_or(crate::auth::now(), |n| n.timestamp);
                    Some(archive_name(replaced_at, name))
                }
            };
            let target = match &archive {
                Some(archive) => self.repo.archive_path(name, archive),
                None => self.repo.public_path(name),
            };
            if let Some(dir) = target.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            let source = self.repo.deleted_path(&version.storage_key);
            // A stray file from an interrupted action may sit there.
            let _ = tokio::fs::remove_file(&target).await;
            if let Err(err) = tokio::fs::hard_link(&source, &target).await {
                self.unlink(links).await;
                return Err(err.into());
            }
            links.push(target);
            plan.push((version.id, archive));
        }
        let restored = self
            .pages
            .undelete(title, timestamps, &plan, author, reason, crate::auth::now())
            .await;
        let undeleted = match restored {
            Ok(undeleted) => undeleted,
            Err(err) => {
                self.unlink(links).await;
                return Err(err.into());
            }
        };
        self.thumbnails.purge(name).await;
        // Bytes no other deleted version shares leave the deleted store.
        for version in chosen {
            if !self.db.storage_key_in_use(&version.storage_key).await? {
                self.unlink(vec![self.repo.deleted_path(&version.storage_key)])
                    .await;
            }
        }
        Ok(Restored {
            revisions: undeleted.revisions,
            files: undeleted.files,
        })
    }

    /// `action=move` of a File page: the file and every old version move
    /// with the page (old versions' archive names follow the new name).
    /// Returns the log id.
    pub async fn move_file(
        &self,
        from: &Title,
        to: &Title,
        author: &Author,
        reason: &str,
        leave_redirect: bool,
    ) -> Result<i64, UploadError> {
        let (from_name, to_name) = (&from.db_key, &to.db_key);
        let _guards = self.lock_pair(from_name, to_name).await;
        let versions = self.versions(from_name).await?;
        let current = versions.first().ok_or(UploadError::NoSuchFile)?;
        let extension = to_name.rsplit_once('.').map_or("", |(_, e)| e);
        if !verify::extension_matches(extension, &current.mime) {
            return Err(UploadError::FileTypeMismatch);
        }
        if self.db.current_file(to_name).await?.is_some() || self.pages.page(to).await?.is_some() {
            return Err(PageError::ArticleExists.into());
        }
        let page = self
            .pages
            .page(from)
            .await?
            .ok_or(PageError::MissingTitle)?;
        let mut renamed = Vec::new();
        let mut moves = Vec::new();
        for version in &versions {
            let archive = version.archive_name.as_ref().map(|a| {
                format!(
                    "{}!{to_name}",
                    a.split_once('!').map_or(a.as_str(), |(t, _)| t)
                )
            });
            let target = match &archive {
                Some(archive) => self.repo.archive_path(to_name, archive),
                None => self.repo.public_path(to_name),
            };
            if let Some(dir) = target.parent() {
                tokio::fs::create_dir_all(dir).await?;
            }
            let _ = tokio::fs::remove_file(&target).await;
            if let Err(err) = tokio::fs::hard_link(self.version_path(version), &target).await {
                self.unlink(moves.into_iter().map(|(_, target)| target).collect())
                    .await;
                return Err(err.into());
            }
            renamed.push((version.id, archive));
            moves.push((self.version_path(version), target));
        }
        let prepared = self
            .pages
            .prepare_move(from, to, author, reason, leave_redirect);
        let now = crate::auth::now();
        let page_move = prepared.as_page_move(&page, author, now);
        match self.db.move_page(&page_move, &renamed).await {
            Ok(log_id) => {
                self.unlink(moves.into_iter().map(|(source, _)| source).collect())
                    .await;
                self.thumbnails.purge(from_name).await;
                self.thumbnails.purge(to_name).await;
                Ok(log_id)
            }
            Err(err) => {
                self.unlink(moves.into_iter().map(|(_, target)| target).collect())
                    .await;
                Err(match err {
                    StorageError::Conflict => PageError::ArticleExists.into(),
                    other => other.into(),
                })
            }
        }
    }

    /// Removes files no row points at any more; a failure only leaves a
    /// file that is never served.
    async fn unlink(&self, paths: Vec<PathBuf>) {
        for path in paths {
            if let Err(err) = tokio::fs::remove_file(&path).await {
                tracing::warn!(path = %path.display(), error = %err, "a file no row points at stayed");
            }
        }
    }
}
