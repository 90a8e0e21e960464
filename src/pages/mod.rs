//! The page domain: wiki pages in any namespace with their full history,
//! as MediaWiki keeps them. A File page is one of them; uploads write its
//! revisions through the same store (`storage::pages`). Every saved
//! revision rewrites the page's link tables from its text (`links`, over
//! the parser in `wikitext`), so they are right after every edit, upload,
//! move, deletion and undeletion.
//!
//! No HTTP here: the API (`api::modules::edit`, `revisions`, ...) and the
//! index.php pages (`web`) map requests in and outcomes out.

pub mod edit;
pub mod hash;
pub mod links;
pub mod render;
pub mod search;
pub mod title;
pub mod wikitext;

use std::sync::Arc;

use edit::Section;
use title::Title;

use crate::storage::{
    Database, NewLogEntry, NewRevision, PageLinks, PageMove, PageRow, Restore, RevisionRow,
    StorageError, Undeleted, Undeletion,
};

/// The version of the link extraction: pages whose link tables were
/// filled by an older one are refreshed at start (`Pages::backfill`).
pub const LINKS_VERSION: i64 = 1;

/// Everything that stops a page action, each one of MediaWiki's errors.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("The page you specified doesn't exist.")]
    MissingTitle,
    #[error("There is no page with ID {0}.")]
    NoSuchPageId(i64),
    #[error("The article you tried to create has been created already.")]
    ArticleExists,
    #[error("Edit conflict.")]
    EditConflict,
    #[error("The page has been deleted since you fetched its timestamp.")]
    PageDeleted,
    #[error("The section parameter must be a valid section ID or new.")]
    InvalidSection,
    #[error("There is no section {0}.")]
    NoSuchSection(String),
    #[error("The supplied MD5 hash was incorrect.")]
    BadMd5,
    #[error("There is no revision with ID {0}.")]
    NoSuchRevision(i64),
    #[error("r{revision} is not a revision of {title}.")]
    RevisionWrongPage { revision: i64, title: String },
    #[error("The edit could not be undone due to conflicting intermediate edits.")]
    UndoFailure,
    #[error("The content you supplied exceeds the article size limit of {} kibibytes.", edit::MAX_ARTICLE_BYTES / 1024)]
    ContentTooBig,
    #[error("Creating empty new sections is not possible.")]
    EmptyNewSection,
    #[error(
        "Couldn't undelete: the requested revisions may not exist, or may have been undeleted already."
    )]
    CantUndelete,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Who acts: a user, or an anonymous visitor named by IP address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub id: Option<i64>,
    pub name: String,
}

/// What an edit changes.
#[derive(Debug, Clone)]
pub enum Change {
    /// The new text (of the page, or of `section`).
    Text(String),
    /// Text put before and after the current text (or section).
    Around { prepend: String, append: String },
    /// Undo the revisions after `after` up to `undo` (`after` None: the
    /// one before `undo`).
    Undo { undo: i64, after: Option<i64> },
}

/// One edit, as the API layer hands it over (rights already checked).
#[derive(Debug, Clone)]
pub struct EditRequest {
    pub title: Title,
    pub author: Author,
    pub change: Change,
    pub section: Option<Section>,
    pub summary: Option<String>,
    pub minor: bool,
    /// The revision the edit is based on, by time or id (conflicts).
    pub base_timestamp: Option<i64>,
    pub base_revision: Option<i64>,
    /// When the client started editing (a deletion since then stops it).
    pub start_timestamp: Option<i64>,
    pub recreate: bool,
    /// MD5 of `text` (or of prepend + append), to detect corruption.
    pub md5: Option<String>,
    pub now: i64,
}

/// How an edit ended.
#[derive(Debug, Clone)]
pub enum EditOutcome {
    Saved {
        page_id: i64,
        old_revision: i64,
        new_revision: i64,
        timestamp: i64,
        created: bool,
    },
    /// The text is the page's text already: nothing was saved.
    NoChange { page_id: i64 },
}

/// A move worked out: the summary of the null revision that records it
/// and the redirect left behind, ready to be stored.
#[derive(Debug, Clone)]
pub struct PreparedMove {
    pub from: Title,
    pub to: Title,
    summary: String,
    reason: String,
    /// Text, SHA-1 and link tables of the redirect at the old title.
    redirect: Option<(String, String, PageLinks)>,
    target_text: String,
}

impl PreparedMove {
    pub fn leaves_redirect(&self) -> bool {
        self.redirect.is_some()
    }

    /// The storage's view of this move of `page` by `author`.
    pub fn as_page_move<'a>(
        &'a self,
        page: &'a PageRow,
        author: &'a Author,
        now: i64,
    ) -> PageMove<'a> {
        PageMove {
            page,
            to_namespace: self.to.namespace,
            to_title: &self.to.db_key,
            user_id: author.id,
            user_name: &author.name,
            summary: &self.summary,
            reason: &self.reason,
            redirect: self
                .redirect
                .as_ref()
                .map(|(text, sha1, links)| (text.as_str(), sha1.as_str(), links)),
            target_text: &self.target_text,
            links_version: LINKS_VERSION,
            now,
        }
    }
}

/// The page service.
#[derive(Debug, Clone)]
pub struct Pages {
    db: Database,
    sitename: Arc<str>,
}

impl Pages {
    pub fn new(db: Database, sitename: &str) -> Pages {
        Pages {
            db,
            sitename: Arc::from(sitename),
        }
    }

    pub fn sitename(&self) -> &str {
        &self.sitename
    }

    /// Parses a title in this wiki's namespaces.
    pub fn title(&self, text: &str) -> Option<Title> {
        Title::parse(text, &self.sitename)
    }

    pub async fn page(&self, title: &Title) -> Result<Option<PageRow>, PageError> {
        Ok(self.db.page(title.namespace, &title.db_key).await?)
    }

    pub async fn page_by_id(&self, id: i64) -> Result<Option<PageRow>, PageError> {
        Ok(self.db.page_by_id(id).await?)
    }

    /// A page and its latest revision.
    pub async fn current(
        &self,
        title: &Title,
    ) -> Result<Option<(PageRow, RevisionRow)>, PageError> {
        let Some(page) = self.page(title).await? else {
            return Ok(None);
        };
        let revision = self.db.revision(page.latest).await?;
        Ok(revision.map(|r| (page, r)))
    }

    /// The link tables of `text` saved as `title`.
    pub fn links(&self, text: &str, title: &Title) -> PageLinks {
        links::extract(text, title, &self.sitename)
    }

    /// Works out a move of `from` to `to` by `author` (MediaWiki's
    /// MovePage): the null revision's summary, and the redirect it leaves
    /// unless `leave_redirect` is false.
    pub fn prepare_move(
        &self,
        from: &Title,
        to: &Title,
        author: &Author,
        reason: &str,
        leave_redirect: bool,
    ) -> PreparedMove {
        let (from_text, to_text) = (from.text(&self.sitename), to.text(&self.sitename));
        let mut summary = match leave_redirect {
            true => format!(
                "{} moved page [[{from_text}]] to [[{to_text}]]",
                author.name
            ),
            false => format!(
                "{} moved page [[{from_text}]] to [[{to_text}]] without leaving a redirect",
                author.name
            ),
        };
        if !reason.is_empty() {
            summary.push_str(": ");
            summary.push_str(reason);
        }
        let redirect = leave_redirect.then(|| {
            let text = format!("#REDIRECT [[{to_text}]]");
            let links = self.links(&text, from);
            let sha1 = hash::text_sha1_base36(&text);
            (text, sha1, links)
        });
        PreparedMove {
            from: from.clone(),
            to: to.clone(),
            summary,
            reason: reason.to_owned(),
            redirect,
            target_text: to_text,
        }
    }

    /// Moves a page that has no file (files move with `Uploads::move_file`).
    pub async fn move_page(
        &self,
        page: &PageRow,
        prepared: &PreparedMove,
        author: &Author,
        now: i64,
    ) -> Result<i64, PageError> {
        match self
            .db
            .move_page(&prepared.as_page_move(page, author, now), &[])
            .await
        {
            Err(StorageError::Conflict) => Err(PageError::ArticleExists),
            other => Ok(other?),
        }
    }

    /// Deletes a page that has no file (files go with `Uploads::delete`):
    /// its revisions are kept for undeletion. Returns the log id.
    pub async fn delete(
        &self,
        page: &PageRow,
        author: &Author,
        reason: &str,
        now: i64,
    ) -> Result<i64, PageError> {
        Ok(self.db.delete_page(page, author.id, reason, now).await?)
    }

    /// Restores deleted revisions of `title` (those saved at `timestamps`,
    /// or all), and with them the deleted file versions in `files` (id and
    /// the archive name each gets; None: the current version). The page's
    /// link tables are those of the text that ends up latest.
    pub async fn undelete(
        &self,
        title: &Title,
        timestamps: Option<&[i64]>,
        files: &[(i64, Option<String>)],
        author: &Author,
        reason: &str,
        now: i64,
    ) -> Result<Undeleted, PageError> {
        let archived = self
            .db
            .archived_revisions(title.namespace, &title.db_key)
            .await?;
        let current = self.current(title).await?.map(|(_, r)| r);
        let chosen: Vec<&RevisionRow> = archived
            .iter()
            .filter(|r| timestamps.is_none_or(|t| t.contains(&r.timestamp)))
            .collect();
        let restores_revisions = !chosen.is_empty();
        let newest = chosen
            .into_iter()
            .chain(current.as_ref())
            .max_by_key(|r| (r.timestamp, r.id));
        if !restores_revisions && files.is_empty() {
            return Err(PageError::CantUndelete);
        }
        let links = newest.map_or_else(PageLinks::default, |r| self.links(&r.content, title));
        let undeletion = Undeletion {
            restore: Restore {
                namespace: title.namespace,
                title: &title.db_key,
                timestamps,
                links: &links,
                links_version: LINKS_VERSION,
                now,
            },
            files,
            user_id: author.id,
            reason,
        };
        Ok(self.db.undelete(&undeletion).await?)
    }

    /// Completes what rows of earlier releases lack: the base-36 SHA-1 of
    /// revision texts, and link tables filled by an older extraction.
    pub async fn backfill(&self, now: i64) -> Result<(), PageError> {
        loop {
            let batch = self.db.revisions_without_sha1(200).await?;
            if batch.is_empty() {
                break;
            }
            for revision in batch {
                let sha1 = hash::text_sha1_base36(&revision.content);
                self.db.set_revision_sha1(revision.id, &sha1).await?;
            }
        }
        loop {
            let batch = self.db.pages_with_links_before(LINKS_VERSION, 100).await?;
            if batch.is_empty() {
                break;
            }
            for page in batch {
                let text = self
                    .db
                    .revision(page.latest)
                    .await?
                    .map(|r| r.content)
                    .unwrap_or_default();
                let title = Title::new(page.namespace, &page.title);
                let links = self.links(&text, &title);
                self.db
                    .update_links(page.id, &links, LINKS_VERSION, now)
                    .await?;
            }
        }
        Ok(())
    }

    /// Saves an edit, in MediaWiki's order of checks: existence rules,
    /// the text (sections, append/prepend, undo), its MD5, an accidental
    /// re-creation, conflicts (merged when they do not overlap), no change.
    pub async fn edit(&self, request: EditRequest) -> Result<EditOutcome, PageError> {
        let title = &request.title;
        let current = self.current(title).await?;
        let current_text = current.as_ref().map(|(_, r)| r.content.as_str());
        let (mut text, md5_input) = match &request.change {
            Change::Text(text) => (text.clone(), text.clone()),
            Change::Around { prepend, append } => {
                let base = match &request.section {
                    Some(Section::New { .. }) => String::new(),
                    Some(Section::Number(n)) => {
                        let section = current_text.and_then(|t| wikitext::section(t, *n));
                        section.ok_or_else(|| PageError::NoSuchSection(n.to_string()))?
                    }
                    None => current_text.unwrap_or_default().to_owned(),
                };
                (
                    format!("{prepend}{base}{append}"),
                    format!("{prepend}{append}"),
                )
            }
            Change::Undo { undo, after } => {
                let page = current.as_ref().map(|(p, _)| p);
                let text = self
                    .undo_text(title, page, current_text, *undo, *after)
                    .await?;
                (text.clone(), text)
            }
        };
        if let Some(md5) = &request.md5
            && hex::encode(<md5::Md5 as md5::Digest>::digest(md5_input.as_bytes())) != *md5
        {
            return Err(PageError::BadMd5);
        }
        if let Some(Section::Number(n)) = &request.section
            && *n != 0
            && current_text
                .and_then(|t| wikitext::section(t, *n))
                .is_none()
        {
            return Err(PageError::NoSuchSection(n.to_string()));
        }
        text = edit::pre_save_transform(&text);
        let summary = self.summary(&request, &current).await?;
        match current {
            None => self.create(&request, text, summary).await,
            Some((page, latest)) => self.update(&request, page, latest, text, summary).await,
        }
    }

    async fn create(
        &self,
        request: &EditRequest,
        text: String,
        summary: Option<String>,
    ) -> Result<EditOutcome, PageError> {
        if let (Some(start), false) = (request.start_timestamp, request.recreate)
            && self
                .db
                .last_deletion(request.title.namespace, &request.title.db_key)
                .await?
                .is_some_and(|deleted| deleted > start)
        {
            return Err(PageError::PageDeleted);
        }
        let text = match &request.section {
            Some(section @ Section::New { .. }) => {
                edit::replace_section(None, section, &text).unwrap_or(text)
            }
            _ => text,
        };
        let summary =
            summary.unwrap_or_else(|| edit::autosummary(None, &text, true, &self.sitename));
        self.save(request, None, &text, &summary).await
    }

    async fn update(
        &self,
        request: &EditRequest,
        page: PageRow,
        latest: RevisionRow,
        text: String,
        summary: Option<String>,
    ) -> Result<EditOutcome, PageError> {
        // The revision the client saw: by id, else by time (the current
        // one when it gave neither).
        let base = match (request.base_revision, request.base_timestamp) {
            (Some(id), _) => Some(id),
            (None, Some(timestamp)) if timestamp != latest.timestamp => self
                .db
                .revision_at(page.id, timestamp)
                .await?
                .map(|r| r.id)
                .or(Some(-1)),
            _ => None,
        };
        let mut conflict = base.is_some_and(|base| base != latest.id);
        if conflict {
            conflict = match &request.section {
                // New sections never conflict, unless this exact one was
                // just added (a double submission).
                Some(Section::New { .. }) => {
                    latest.user_name == request.author.name
                        && Some(latest.comment.as_str()) == request.summary.as_deref()
                }
                None => match request.base_timestamp {
                    Some(since) => {
                        !self
                            .db
                            .only_editor_since(page.id, &request.author.name, since)
                            .await?
                    }
                    None => true,
                },
                Some(Section::Number(_)) => true,
            };
        }
        let new_text = match &request.section {
            None => text,
            Some(section) => {
                // A section edit is applied to the text it was based on.
                let on = match (conflict, base) {
                    (true, Some(base)) => self.db.revision(base).await?.map(|r| r.content),
                    _ => Some(latest.content.clone()),
                };
                let replaced = on.and_then(|on| edit::replace_section(Some(&on), section, &text));
                replaced.ok_or(PageError::EditConflict)?
            }
        };
        let new_text = if conflict {
            let base_text = match base {
                Some(base) => self.db.revision(base).await?.map(|r| r.content),
                None => None,
            };
            base_text
                .and_then(|base_text| edit::merge3(&base_text, &latest.content, &new_text))
                .ok_or(PageError::EditConflict)?
        } else {
            new_text
        };
        let new_text = edit::pre_save_transform(&new_text);
        if new_text == latest.content {
            return Ok(EditOutcome::NoChange { page_id: page.id });
        }
        if let (Some(Section::New { .. }), true) = (&request.section, new_text.trim().is_empty()) {
            return Err(PageError::EmptyNewSection);
        }
        let summary = summary.unwrap_or_else(|| {
            edit::autosummary(Some(&latest.content), &new_text, false, &self.sitename)
        });
        self.save(request, Some(&latest), &new_text, &summary).await
    }

    /// The summary given, or the one a new section or an undo implies.
    async fn summary(
        &self,
        request: &EditRequest,
        current: &Option<(PageRow, RevisionRow)>,
    ) -> Result<Option<String>, PageError> {
        if let Some(summary) = &request.summary {
            return Ok(Some(summary.clone()));
        }
        if let Some(Section::New { title: Some(title) }) = &request.section
            && !title.is_empty()
        {
            return Ok(Some(format!("/* {title} */ new section")));
        }
        if let (Change::Undo { undo, after }, Some(_)) = (&request.change, current) {
            // Only an undo of exactly one revision explains itself.
            let Some(undone) = self.db.revision(*undo).await? else {
                return Ok(None);
            };
            let after = after.unwrap_or(undone.parent_id);
            let previous = self.db.revision(after).await?;
            if let Some(previous) = previous
                && self.db.next_revision(&previous).await?.map(|r| r.id) == Some(*undo)
            {
                return Ok(Some(edit::undo_summary(*undo, &undone.user_name)));
            }
        }
        Ok(None)
    }

    /// The text of `title` with revisions `after`+1..=`undo` undone.
    async fn undo_text(
        &self,
        title: &Title,
        page: Option<&PageRow>,
        current: Option<&str>,
        undo: i64,
        after: Option<i64>,
    ) -> Result<String, PageError> {
        let undone = self
            .db
            .revision(undo)
            .await?
            .ok_or(PageError::NoSuchRevision(undo))?;
        let after_id = after.filter(|&a| a > 0).unwrap_or(undone.parent_id);
        let before = self
            .db
            .revision(after_id)
            .await?
            .ok_or(PageError::NoSuchRevision(after.unwrap_or(0)))?;
        let page_id = page.map_or(0, |p| p.id);
        for revision in [&undone, &before] {
            if revision.page_id != page_id {
                return Err(PageError::RevisionWrongPage {
                    revision: revision.id,
                    title: title.text(&self.sitename),
                });
            }
        }
        let current = current.unwrap_or_default();
        if page.is_some_and(|p| p.latest == undone.id) {
            return Ok(before.content);
        }
        edit::merge3(&undone.content, current, &before.content).ok_or(PageError::UndoFailure)
    }

    async fn save(
        &self,
        request: &EditRequest,
        parent: Option<&RevisionRow>,
        text: &str,
        summary: &str,
    ) -> Result<EditOutcome, PageError> {
        if text.len() > edit::MAX_ARTICLE_BYTES {
            return Err(PageError::ContentTooBig);
        }
        let links = self.links(text, &request.title);
        let sha1 = hash::text_sha1_base36(text);
        // Revisions of a page are ordered by time: a new one is never older.
        let timestamp = parent.map_or(request.now, |p| request.now.max(p.timestamp));
        let revision = NewRevision {
            namespace: request.title.namespace,
            title: &request.title.db_key,
            parent: parent.map_or(0, |p| p.id),
            user_id: request.author.id,
            user_name: &request.author.name,
            comment: summary.trim(),
            content: text,
            sha1: &sha1,
            minor: request.minor && parent.is_some(),
            timestamp,
            links: Some(&links),
            links_version: LINKS_VERSION,
        };
        let saved = match self.db.save_revision(&revision).await {
            Ok(saved) => saved,
            // Another save got there first.
            Err(StorageError::Conflict) => return Err(PageError::EditConflict),
            Err(err) => return Err(err.into()),
        };
        if saved.created {
            self.db
                .insert_log(&NewLogEntry {
                    log_type: "create",
                    action: "create",
                    namespace: request.title.namespace,
                    title: &request.title.db_key,
                    page_id: Some(saved.page_id),
                    user_id: request.author.id,
                    timestamp,
                    comment: summary.trim(),
                    params: "[]".into(),
                })
                .await?;
        }
        Ok(EditOutcome::Saved {
            page_id: saved.page_id,
            old_revision: saved.parent_id,
            new_revision: saved.revision_id,
            timestamp,
            created: saved.created,
        })
    }
}
