//! Sessions: who a request acts as, and the secrets its tokens derive from.
//!
//! A session lives in the database, named by an opaque cookie. An anonymous
//! visitor's session is only written once it holds something (a login
//! token's secret), as MediaWiki does. Bot-password logins get a session of
//! their own kind, under a separate cookie, that can never change user.

use super::tokens::{self, SecretKind, TokenType};
use crate::storage::{Database, SessionRow, StorageError};

/// The two session providers MediaWiki has, each with its own cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// `<wiki>_session`: anonymous or main-account login.
    Normal,
    /// `<wiki>_BPsession`: bound to one bot password.
    BotPassword,
}

/// Where the session stands relative to the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Persistence {
    /// Not in the database (yet); written on commit if it holds anything.
    New,
    Stored,
    /// Logged out: removed on commit.
    Deleted,
}

/// The session of one request.
#[derive(Debug, Clone)]
pub struct Session {
    row: SessionRow,
    kind: SessionKind,
    persistence: Persistence,
    dirty: bool,
    /// The login secret did not exist when the request arrived: a login
    /// attempt with a token cannot be continuing this session.
    login_secret_was_new: bool,
    /// A stored session this one replaced at login, deleted on commit.
    replaced_id: Option<String>,
}

/// What the response must do with cookies after a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CookieChange {
    None,
    Set(SessionKind, String),
    Clear(SessionKind),
}

impl Session {
    fn fresh(kind: SessionKind) -> Session {
        Session {
            row: SessionRow {
                id: tokens::new_secret(),
                ..SessionRow::default()
            },
            kind,
            persistence: Persistence::New,
            dirty: false,
            login_secret_was_new: true,
            replaced_id: None,
        }
    }

    fn stored(row: SessionRow, kind: SessionKind) -> Session {
        let login_secret_was_new = row.login_secret.is_none();
        Session {
            row,
            kind,
            persistence: Persistence::Stored,
            dirty: false,
            login_secret_was_new,
            replaced_id: None,
        }
    }

    pub fn kind(&self) -> SessionKind {
        self.kind
    }

    pub fn user_id(&self) -> Option<i64> {
        self.row.user_id
    }

    pub fn bot_app_id(&self) -> Option<&str> {
        self.row.bot_app_id.as_deref()
    }

    /// Whether this session may switch user by logging in.
    pub fn can_set_user(&self) -> bool {
        self.kind == SessionKind::Normal
    }

    pub fn login_secret_was_new(&self) -> bool {
        self.login_secret_was_new
    }

    fn secret_slot(&mut self, kind: SecretKind) -> &mut Option<String> {
        match kind {
            SecretKind::Csrf => &mut self.row.csrf_secret,
            SecretKind::Login => &mut self.row.login_secret,
            SecretKind::Createaccount => &mut self.row.createaccount_secret,
        }
    }

    /// A fresh token of type `ty` at `now`, creating its secret if needed.
    /// `anonymous` users get `+\` for CSRF-family tokens.
    pub fn token(&mut self, ty: TokenType, anonymous: bool, now: i64) -> String {
        if anonymous && ty.is_anonymous_constant() {
            return tokens::TOKEN_SUFFIX.to_owned();
        }
        let slot = self.secret_slot(ty.secret());
        let secret = match slot {
            Some(secret) => secret.clone(),
            None => {
                let secret = tokens::new_secret();
                *slot = Some(secret.clone());
                self.dirty = true;
                secret
            }
        };
        tokens::make_token(&secret, ty.salt(), now)
    }

    /// Whether `token` is a valid token of type `ty` for this session.
    pub fn token_matches(&self, ty: TokenType, anonymous: bool, token: &str) -> bool {
        if anonymous && ty.is_anonymous_constant() {
            return token == tokens::TOKEN_SUFFIX;
        }
        let secret = match ty.secret() {
            SecretKind::Csrf => &self.row.csrf_secret,
            SecretKind::Login => &self.row.login_secret,
            SecretKind::Createaccount => &self.row.createaccount_secret,
        };
        secret
            .as_deref()
            .is_some_and(|secret| tokens::token_matches(secret, ty.salt(), token))
    }

    /// A main-account login: a new session id and new secrets, so nothing
    /// obtained before the login (tokens, a stolen id) stays valid.
    pub fn log_in(&mut self, user_id: i64) {
        let replaced = std::mem::replace(self, Session::fresh(SessionKind::Normal));
        self.row.user_id = Some(user_id);
        self.create_csrf_secret();
        self.dirty = true;
        self.discard(replaced);
    }

    /// A bot-password login: the request continues in a new bot-password
    /// session. The normal session it came from is left as it was.
    pub fn log_in_with_bot_password(&mut self, user_id: i64, app_id: &str) {
        *self = Session::fresh(SessionKind::BotPassword);
        self.row.user_id = Some(user_id);
        self.row.bot_app_id = Some(app_id.to_owned());
        self.create_csrf_secret();
        self.dirty = true;
    }

    /// A logged-in session gets its CSRF secret with the login. Made on
    /// first use instead, concurrent first token requests (an uploader
    /// starting several files at once) would each store a different secret
    /// and all but the last writer's tokens would be refused.
    fn create_csrf_secret(&mut self) {
        self.row.csrf_secret = Some(tokens::new_secret());
    }

    /// Ends the session: it is deleted and its cookie cleared on commit.
    pub fn log_out(&mut self) {
        self.persistence = match self.persistence {
            Persistence::New => Persistence::New,
            _ => Persistence::Deleted,
        };
        self.row.user_id = None;
        self.row.bot_app_id = None;
        self.row.csrf_secret = None;
        self.row.login_secret = None;
        self.row.createaccount_secret = None;
        self.dirty = false;
    }

    /// A replaced session's row must go, or its id would stay logged out
    /// but usable; remember it so commit deletes it.
    fn discard(&mut self, replaced: Session) {
        if replaced.persistence == Persistence::Stored {
            self.replaced_id = Some(replaced.row.id);
        }
    }
}

/// Loads and stores sessions.
#[derive(Debug, Clone)]
pub struct SessionStore {
    db: Database,
    lifetime: i64,
}

impl SessionStore {
    pub fn new(db: Database, lifetime_seconds: u64) -> SessionStore {
        SessionStore {
            db,
            lifetime: i64::try_from(lifetime_seconds).unwrap_or(i64::MAX / 2),
        }
    }

    /// The session named by the request's cookies: a live bot-password
    /// session wins over a normal one; otherwise a new anonymous session.
    pub async fn load(
        &self,
        normal_id: Option<&str>,
        bot_password_id: Option<&str>,
        now: i64,
    ) -> Result<Session, StorageError> {
        if let Some(id) = bot_password_id
            && let Some(row) = self.db.load_session(id, now).await?
            && row.bot_app_id.is_some()
        {
            return Ok(Session::stored(row, SessionKind::BotPassword));
        }
        if let Some(id) = normal_id
            && let Some(row) = self.db.load_session(id, now).await?
            && row.bot_app_id.is_none()
        {
            return Ok(Session::stored(row, SessionKind::Normal));
        }
        Ok(Session::fresh(SessionKind::Normal))
    }

    /// Writes what the request changed and says which cookie to set or clear.
    pub async fn commit(
        &self,
        session: &mut Session,
        now: i64,
    ) -> Result<CookieChange, StorageError> {
        if let Some(old) = session.replaced_id.take() {
            self.db.delete_session(&old).await?;
        }
        let expires_at = now.saturating_add(self.lifetime);
        match session.persistence {
            Persistence::Deleted => {
                self.db.delete_session(&session.row.id).await?;
                Ok(CookieChange::Clear(session.kind))
            }
            Persistence::New if session.dirty => {
                session.row.expires_at = expires_at;
                self.db.save_session(&session.row).await?;
                session.persistence = Persistence::Stored;
                session.dirty = false;
                Ok(CookieChange::Set(session.kind, session.row.id.clone()))
            }
            Persistence::New => Ok(CookieChange::None),
            Persistence::Stored if session.dirty => {
                session.row.expires_at = expires_at;
                self.db.save_session(&session.row).await?;
                session.dirty = false;
                Ok(CookieChange::None)
            }
            Persistence::Stored => {
                // Renewing costs a write, so do it at most once a minute.
                if session.row.expires_at < expires_at - 60 {
                    session.row.expires_at = expires_at;
                    self.db.touch_session(&session.row.id, expires_at).await?;
                }
                Ok(CookieChange::None)
            }
        }
    }

    /// Drops sessions that have expired; returns how many.
    pub async fn purge_expired(&self, now: i64) -> Result<u64, StorageError> {
        self.db.delete_expired_sessions(now).await
    }
}
