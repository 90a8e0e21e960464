//! Accounts, passwords, bot passwords, rights, sessions and tokens: who a
//! request acts as and what it may do. Plain Rust over `storage`; the API
//! layer turns its answers into MediaWiki's responses.

mod names;
pub mod password;
pub mod rights;
pub mod session;
pub mod throttle;
pub mod tokens;

pub use names::canonical_user_name;
pub use session::{CookieChange, Session, SessionKind, SessionStore};
pub use tokens::TokenType;

use rights::{ANONYMOUS_GROUPS, IMPLICIT_USER_GROUPS, RightsPolicy};
use secrecy::ExposeSecret;

use std::net::IpAddr;

use throttle::{LoginKind, LoginThrottle};

use crate::config::{Config, ThrottleCondition};
use crate::storage::{BotPasswordRow, Database, StorageError, UserRow};

/// Errors of account management (the CLI, seeding); login failures are not
/// errors but outcomes, see [`LoginOutcome`].
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("{0:?} is not a valid user name")]
    InvalidUserName(String),
    #[error("user {0:?} exists already")]
    UserExists(String),
    #[error("there is no user {0:?}")]
    NoSuchUser(String),
    #[error("unknown group {0:?}; known groups: {1}")]
    UnknownGroup(String, String),
    #[error("unknown grant {0:?}; known grants: {1}")]
    UnknownGrant(String, String),
    #[error("{0:?} is not a valid bot name (1 to 32 characters, no '@' or spaces)")]
    InvalidBotName(String),
    #[error("a bot password must be at least 32 characters of 0-9 and a-w")]
    InvalidBotPassword,
    #[error("there is a bot password {0:?} already")]
    BotPasswordExists(String),
    #[error("there is no bot password {0:?}")]
    NoSuchBotPassword(String),
    #[error("the password must not be empty")]
    EmptyPassword,
    #[error("password hashing was interrupted")]
    HashingInterrupted,
}

/// A registered account, as the rest of the code refers to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: String,
}

/// Who a request acts as, with everything needed to decide what it may do.
#[derive(Debug, Clone)]
pub struct Identity {
    pub user: Option<User>,
    /// Effective groups: explicit ones (sorted), then the implicit ones.
    pub groups: Vec<String>,
    pub rights: Vec<String>,
    /// When the account was created (Unix seconds).
    pub registered_at: Option<i64>,
}

impl Identity {
    pub fn is_anonymous(&self) -> bool {
        self.user.is_none()
    }

    pub fn has_right(&self, right: &str) -> bool {
        self.rights.iter().any(|r| r == right)
    }

    /// The groups every member of this kind of identity is in implicitly.
    pub fn implicit_groups(&self) -> &'static [&'static str] {
        if self.is_anonymous() {
            &ANONYMOUS_GROUPS
        } else {
            &IMPLICIT_USER_GROUPS
        }
    }
}

/// A bot password as its owner sees it (never its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotPassword {
    pub app_id: String,
    /// Grant names, in the order of [`rights::GRANTS`]; `basic` is implied.
    pub grants: Vec<String>,
    pub created_at: i64,
}

/// How a login attempt ended.
#[derive(Debug, Clone)]
pub enum LoginOutcome {
    Success(User),
    /// Wrong name or password; deliberately not saying which.
    WrongCredentials,
    /// Too many recent attempts: wait this many seconds.
    Throttled(i64),
}

/// How a bot-password login attempt ended.
#[derive(Debug, Clone)]
pub enum BotLoginOutcome {
    /// The user and the bot's name.
    Success(User, String),
    WrongCredentials,
    Throttled(i64),
}

/// Verified in place of a missing account's hash: as costly as a real one
/// (PBKDF2-SHA512, 30,000 rounds) and matching no password.
const DUMMY_HASH: &str = ":pbkdf2:sha512:30000:64:AAAAAAAAAAAAAAAAAAAAAA==:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";

/// Account management and authentication.
#[derive(Debug, Clone)]
pub struct Accounts {
    db: Database,
    policy: RightsPolicy,
    throttle: LoginThrottle,
}

/// The characters of generated bot passwords: MediaWiki's base-32 digits,
/// which also satisfy its `[0-9a-w]{32,}` detection rule.
const BOT_PASSWORD_ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuv";

impl Accounts {
    pub fn new(db: Database, policy: RightsPolicy, throttle: Vec<ThrottleCondition>) -> Accounts {
        let throttle = LoginThrottle::new(db.clone(), throttle);
        Accounts {
            db,
            policy,
            throttle,
        }
    }

    pub fn policy(&self) -> &RightsPolicy {
        &self.policy
    }

    /// Creates an account with explicit `groups`.
    pub async fn create_user(
        &self,
        name: &str,
        password: &str,
        groups: &[String],
    ) -> Result<User, AuthError> {
        let name =
            canonical_user_name(name).ok_or_else(|| AuthError::InvalidUserName(name.into()))?;
        self.check_groups(groups)?;
        if password.is_empty() {
            return Err(AuthError::EmptyPassword);
        }
        let hash = hash_password(password).await?;
        let row = match self.db.insert_user(&name, &hash, now()).await {
            Err(StorageError::Conflict) => return Err(AuthError::UserExists(name)),
            other => other?,
        };
        self.db.set_user_groups(row.id, groups).await?;
        Ok(User {
            id: row.id,
            name: row.name,
        })
    }

    pub async fn set_password(&self, name: &str, password: &str) -> Result<(), AuthError> {
        if password.is_empty() {
            return Err(AuthError::EmptyPassword);
        }
        let user = self.existing_user(name).await?;
        let hash = hash_password(password).await?;
        self.db.set_user_password(user.id, &hash).await?;
        Ok(())
    }

    /// Sets the account's explicit groups to exactly `groups`.
    pub async fn set_groups(&self, name: &str, groups: &[String]) -> Result<(), AuthError> {
        self.check_groups(groups)?;
        let user = self.existing_user(name).await?;
        self.db.set_user_groups(user.id, groups).await?;
        Ok(())
    }

    /// The account named `name` (in any of its spellings).
    pub async fn user(&self, name: &str) -> Result<User, AuthError> {
        let row = self.existing_user(name).await?;
        Ok(User {
            id: row.id,
            name: row.name,
        })
    }

    pub async fn groups_of(&self, name: &str) -> Result<Vec<String>, AuthError> {
        let user = self.existing_user(name).await?;
        Ok(self.db.user_groups(user.id).await?)
    }

    /// Creates (or replaces) the bot password `user@bot`. Without a given
    /// password one is generated. Returns the password.
    pub async fn create_bot_password(
        &self,
        user: &str,
        bot: &str,
        password: Option<&str>,
        grants: &[String],
    ) -> Result<String, AuthError> {
        let user = self.existing_user(user).await?;
        let grants = checked_grants(bot, grants)?;
        let password = match password {
            Some(p) if is_bot_password_shaped(p) => p.to_owned(),
            Some(_) => return Err(AuthError::InvalidBotPassword),
            None => generate_bot_password(),
        };
        let row = BotPasswordRow {
            user_id: user.id,
            app_id: bot.to_owned(),
            password: hash_password(&password).await?,
            grants,
            created_at: now(),
        };
        self.db.upsert_bot_password(&row).await?;
        Ok(password)
    }

    /// `user`'s bot passwords, by name.
    pub async fn bot_passwords(&self, user: &User) -> Result<Vec<BotPassword>, AuthError> {
        let rows = self.db.bot_passwords_of(user.id).await?;
        Ok(rows
            .into_iter()
            .map(|row| BotPassword {
                grants: split_grants(&row.grants),
                app_id: row.app_id,
                created_at: row.created_at,
            })
            .collect())
    }

    /// Adds the bot password `user@bot` with a generated password, which
    /// is returned (and never stored in the clear).
    pub async fn add_bot_password(
        &self,
        user: &User,
        bot: &str,
        grants: &[String],
    ) -> Result<String, AuthError> {
        let grants = checked_grants(bot, grants)?;
        let password = generate_bot_password();
        let row = BotPasswordRow {
            user_id: user.id,
            app_id: bot.to_owned(),
            password: hash_password(&password).await?,
            grants,
            created_at: now(),
        };
        if !self.db.insert_bot_password(&row).await? {
            return Err(AuthError::BotPasswordExists(bot.to_owned()));
        }
        Ok(password)
    }

    /// Sets the grants of `user@bot`, with `reset` also a new generated
    /// password (returned). The bot's sessions end either way.
    pub async fn change_bot_password(
        &self,
        user: &User,
        bot: &str,
        grants: &[String],
        reset: bool,
    ) -> Result<Option<String>, AuthError> {
        let grants = checked_grants(bot, grants)?;
        let password = reset.then(generate_bot_password);
        let hash = match &password {
            Some(password) => Some(hash_password(password).await?),
            None => None,
        };
        if !self
            .db
            .update_bot_password(user.id, bot, &grants, hash.as_deref())
            .await?
        {
            return Err(AuthError::NoSuchBotPassword(bot.to_owned()));
        }
        Ok(password)
    }

    /// Removes `user@bot` and logs its sessions out.
    pub async fn remove_bot_password(&self, user: &User, bot: &str) -> Result<(), AuthError> {
        if !self.db.delete_bot_password(user.id, bot).await? {
            return Err(AuthError::NoSuchBotPassword(bot.to_owned()));
        }
        Ok(())
    }

    /// Checks a main-account password from `ip`, under the login
    /// throttle. A missing account costs a password verification too, so
    /// that the time of the answer does not tell which accounts exist.
    pub async fn verify_main_login(
        &self,
        name: &str,
        password: &str,
        ip: IpAddr,
        now: i64,
    ) -> Result<LoginOutcome, AuthError> {
        let Some(name) = canonical_user_name(name) else {
            verify_password(DUMMY_HASH, password).await?;
            return Ok(LoginOutcome::WrongCredentials);
        };
        let kind = LoginKind::Password;
        if let Some(wait) = self.throttle.attempt(kind, &name, ip, now).await? {
            return Ok(LoginOutcome::Throttled(wait));
        }
        let Some(row) = self.db.user_by_name(&name).await? else {
            verify_password(DUMMY_HASH, password).await?;
            return Ok(LoginOutcome::WrongCredentials);
        };
        if !verify_password(&row.password, password).await? {
            return Ok(LoginOutcome::WrongCredentials);
        }
        self.throttle.clear(kind, &row.name, ip).await?;
        Ok(LoginOutcome::Success(User {
            id: row.id,
            name: row.name,
        }))
    }

    /// Checks a bot-password login `user@bot` from `ip`, as
    /// `BotPassword::login` does: the throttle counts attempts on existing
    /// accounts only. `WrongCredentials` lets the caller try a main-account
    /// login instead; a missing account or bot still costs a verification.
    pub async fn verify_bot_login(
        &self,
        login_name: &str,
        password: &str,
        ip: IpAddr,
        now: i64,
    ) -> Result<BotLoginOutcome, AuthError> {
        let found = match login_name.split_once('@') {
            Some((name, bot)) => match canonical_user_name(name) {
                Some(name) => self.db.user_by_name(&name).await?.map(|user| (user, bot)),
                None => None,
            },
            None => None,
        };
        let Some((user, bot)) = found else {
            verify_password(DUMMY_HASH, password).await?;
            return Ok(BotLoginOutcome::WrongCredentials);
        };
        let kind = LoginKind::BotPassword;
        if let Some(wait) = self.throttle.attempt(kind, &user.name, ip, now).await? {
            return Ok(BotLoginOutcome::Throttled(wait));
        }
        let stored = self.db.bot_password(user.id, bot).await?;
        let stored = stored
            .as_ref()
            .map_or(DUMMY_HASH, |row| row.password.as_str());
        if !verify_password(stored, password).await? {
            return Ok(BotLoginOutcome::WrongCredentials);
        }
        self.throttle.clear(kind, &user.name, ip).await?;
        Ok(BotLoginOutcome::Success(
            User {
                id: user.id,
                name: user.name,
            },
            bot.to_owned(),
        ))
    }

    /// The identity a session acts as. A session whose user or bot password
    /// has disappeared acts as anonymous.
    pub async fn identity(&self, session: &Session) -> Result<Identity, AuthError> {
        let anonymous = || Identity {
            user: None,
            groups: ANONYMOUS_GROUPS.map(String::from).to_vec(),
            rights: self.policy.rights_of(&ANONYMOUS_GROUPS.map(String::from)),
            registered_at: None,
        };
        let Some(user_id) = session.user_id() else {
            return Ok(anonymous());
        };
        let Some(row) = self.db.user_by_id(user_id).await? else {
            return Ok(anonymous());
        };
        let mut groups = self.db.user_groups(user_id).await?;
        groups.extend(IMPLICIT_USER_GROUPS.map(String::from));
        let mut rights = self.policy.rights_of(&groups);
        if let Some(bot) = session.bot_app_id() {
            let Some(bot_password) = self.db.bot_password(user_id, bot).await? else {
                return Ok(anonymous());
            };
            rights = rights::restrict_to_grants(rights, &split_grants(&bot_password.grants));
        }
        Ok(Identity {
            user: Some(User {
                id: row.id,
                name: row.name,
            }),
            groups,
            rights,
            registered_at: Some(row.registered_at),
        })
    }

    /// Creates the first administrator (when the wiki has no account yet),
    /// then the configured accounts and bot passwords that do not exist.
    /// Returns the administrator's password when it was generated.
    pub async fn seed(&self, config: &Config) -> Result<Option<String>, AuthError> {
        let mut generated = None;
        if self.db.count_users().await? == 0 {
            let password = match config.admin_password.expose_secret() {
                "" => generated.insert(generate_password()).clone(),
                configured => configured.to_owned(),
            };
            let groups = ["sysop", "bureaucrat", "interface-admin"].map(String::from);
            self.create_user(&config.admin_user, &password, &groups)
                .await?;
        }
        for seed in &config.users {
            match self
                .create_user(&seed.name, seed.password.expose_secret(), &seed.groups)
                .await
            {
                Ok(_) | Err(AuthError::UserExists(_)) => {}
                Err(err) => return Err(err),
            }
        }
        for seed in &config.bot_passwords {
            let user = self.existing_user(&seed.user).await?;
            if self.db.bot_password(user.id, &seed.bot).await?.is_none() {
                self.create_bot_password(
                    &seed.user,
                    &seed.bot,
                    Some(seed.password.expose_secret()),
                    &seed.grants,
                )
                .await?;
            }
        }
        Ok(generated)
    }

    async fn existing_user(&self, name: &str) -> Result<UserRow, AuthError> {
        let canonical =
            canonical_user_name(name).ok_or_else(|| AuthError::InvalidUserName(name.into()))?;
        self.db
            .user_by_name(&canonical)
            .await?
            .ok_or(AuthError::NoSuchUser(canonical))
    }

    fn check_groups(&self, groups: &[String]) -> Result<(), AuthError> {
        match groups.iter().find(|g| !self.policy.is_assignable(g)) {
            Some(unknown) => {
                let known: Vec<&str> = self.policy.assignable_groups().collect();
                Err(AuthError::UnknownGroup(unknown.clone(), known.join(", ")))
            }
            None => Ok(()),
        }
    }
}

/// A bot's grants as stored: known grant names, each once, in the order
/// of [`rights::GRANTS`], comma-separated; `basic` is implied and dropped.
fn checked_grants(bot: &str, grants: &[String]) -> Result<String, AuthError> {
    if !names::is_valid_bot_name(bot) {
        return Err(AuthError::InvalidBotName(bot.into()));
    }
    if let Some(unknown) = grants.iter().find(|g| !rights::is_grant(g)) {
        let known: Vec<&str> = rights::GRANTS.iter().map(|(name, _)| *name).collect();
        return Err(AuthError::UnknownGrant(unknown.clone(), known.join(", ")));
    }
    let kept: Vec<&str> = rights::GRANT_NAMES
        .iter()
        .copied()
        .filter(|name| grants.iter().any(|g| g == name))
        .collect();
    Ok(kept.join(","))
}

fn split_grants(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|g| !g.is_empty())
        .map(String::from)
        .collect()
}

/// MediaWiki's rule for telling a bot password from a main password.
pub fn is_bot_password_shaped(password: &str) -> bool {
    password.len() >= 32
        && password
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'w').contains(&b))
}

/// Splits a login into (bot login name, bot password) the way MediaWiki
/// does, or `None` when it is not a bot-password attempt: either the name
/// has `@` and the password is bot-password shaped, or the password is
/// `bot@password` and the name is the bare user.
pub fn bot_password_login(name: &str, password: &str) -> Option<(String, String)> {
    if name.contains('@') {
        return is_bot_password_shaped(password).then(|| (name.to_owned(), password.to_owned()));
    }
    if password.len() > 32
        && let Some((bot, secret)) = password.rsplit_once('@')
        && is_bot_password_shaped(secret)
    {
        return Some((format!("{name}@{bot}"), secret.to_owned()));
    }
    None
}

fn generate_bot_password() -> String {
    (0..32)
        .map(|_| {
            char::from(BOT_PASSWORD_ALPHABET[rand::random::<usize>() % BOT_PASSWORD_ALPHABET.len()])
        })
        .collect()
}

fn generate_password() -> String {
    use rand::distributions::{Alphanumeric, DistString};
    Alphanumeric.sample_string(&mut rand::thread_rng(), 24)
}

/// Unix seconds now.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Password hashing is deliberately slow: keep it off the async workers.
async fn hash_password(password: &str) -> Result<String, AuthError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || password::hash_password(&password))
        .await
        .map_err(|_| AuthError::HashingInterrupted)
}

async fn verify_password(stored: &str, password: &str) -> Result<bool, AuthError> {
    let (stored, password) = (stored.to_owned(), password.to_owned());
    tokio::task::spawn_blocking(move || password::verify_password(&stored, &password))
        .await
        .map_err(|_| AuthError::HashingInterrupted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bot_password_logins_are_detected_like_mediawiki() {
        let bp = "uploaderbotpassword0123456789abc";
        assert_eq!(
            bot_password_login("Uploader@bot", bp),
            Some(("Uploader@bot".into(), bp.into()))
        );
        assert_eq!(
            bot_password_login("Uploader", &format!("bot@x@{bp}")),
            Some(("Uploader@bot@x".into(), bp.into()))
        );
        assert_eq!(bot_password_login("Uploader@bot", "short"), None);
        assert_eq!(bot_password_login("Uploader", "uploaderpass12345"), None);
        // 'z' is outside the bot-password alphabet.
        assert_eq!(bot_password_login("U@b", &"z".repeat(32)), None);
    }

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_costs_and_matches_nothing() {
        let real = password::hash_password("anything");
        let cost = |hash: &str| hash.rsplitn(3, ':').nth(2).map(str::to_owned);
        assert_eq!(cost(DUMMY_HASH), cost(&real));
        assert!(!password::verify_password(DUMMY_HASH, ""));
        assert!(!password::verify_password(DUMMY_HASH, "anything"));
    }

    #[test]
    fn generated_bot_passwords_are_recognised_as_such() {
        let password = generate_bot_password();
        assert!(is_bot_password_shaped(&password), "{password}");
        assert_ne!(password, generate_bot_password());
    }
}
