//! Configuration: built-in defaults, then a TOML file, then `WIKIUPLOAD_*`
//! environment variables.
//!
//! `config/default.toml` is compiled in and is the single place where every
//! key and its default is written down; this module only gives it types.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Deserializer};

/// The defaults, documented key by key.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// Rights per group, as in `$wgGroupPermissions`: group -> right -> granted.
pub type GroupPermissions = BTreeMap<String, BTreeMap<String, bool>>;

/// One condition of `$wgPasswordAttemptThrottle`: at most `count` login
/// attempts within `seconds`, per account and IP (per account from any IP
/// with `allIPs`). A count of 0 disables the condition.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThrottleCondition {
    pub count: i64,
    pub seconds: i64,
    #[serde(default, rename = "allIPs")]
    pub all_ips: bool,
}

/// `$wgRateLimits`: action -> who (`anon`, `user`, `newbie`, `ip`,
/// `subnet` or a group) -> (hits, seconds).
pub type RateLimits = BTreeMap<String, BTreeMap<String, (i64, i64)>>;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Everything wikiupload can be told, after all layers are merged.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub listen: SocketAddr,
    pub server: String,
    pub script_path: String,
    pub shutdown_grace_period: u64,
    /// Seconds a client may take to send a request's headers.
    pub header_read_timeout: u64,
    /// Seconds a request body may pause between two pieces.
    pub body_idle_timeout: u64,
    /// Connections served at once (a few more answer only health checks).
    pub max_connections: usize,
    /// A listener of its own for /metrics; None: on the main one.
    #[serde(default)]
    pub metrics_listen: Option<SocketAddr>,
    pub log_format: LogFormat,
    pub sitename: String,
    pub wiki_id: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    /// PostgreSQL schema to work in; empty: the server's `search_path`.
    pub database_schema: String,
    pub database_max_connections: u32,
    pub session_lifetime: u64,
    pub enable_uploads: bool,
    pub max_upload_size: u64,
    pub min_free_space: u64,
    pub min_upload_chunk_size: u64,
    pub upload_stash_max_age: u64,
    #[serde(deserialize_with = "list_or_csv")]
    pub file_extensions: Vec<String>,
    #[serde(deserialize_with = "list_or_csv")]
    pub prohibited_file_extensions: Vec<String>,
    pub allow_copy_uploads: bool,
    #[serde(deserialize_with = "list_or_csv")]
    pub copy_uploads_domains: Vec<String>,
    pub copy_upload_timeout: u64,
    pub copy_upload_allow_private_addresses: bool,
    pub enable_async_uploads: bool,
    /// Chunked uploads one user may have in progress; 0: no limit.
    pub max_user_unfinished_uploads: u64,
    /// Bytes one user may hold in the stash (entries and chunks received).
    pub max_user_stash_size: u64,
    /// Jobs (assembly, publish, URL fetch) one user may have queued.
    pub max_user_queued_jobs: u64,
    pub admin_user: String,
    pub admin_password: SecretString,
    pub users: Vec<SeedUser>,
    pub bot_passwords: Vec<SeedBotPassword>,
    pub group_permissions: GroupPermissions,
    pub revoke_permissions: GroupPermissions,
    /// `$wgPasswordAttemptThrottle`.
    pub password_attempt_throttle: Vec<ThrottleCondition>,
    /// `$wgRateLimits`; only `upload` is consulted.
    pub rate_limits: RateLimits,
    /// `$wgMaxImageArea`: bitmaps with more pixels get no thumbnail (JPEG
    /// excepted); 0: no limit.
    pub max_image_area: u64,
    /// `$wgMaxAnimatedGifArea`: bigger animations are thumbnailed still.
    pub max_animated_gif_area: u64,
    /// `$wgSVGMaxSize`: the largest smaller side of an SVG rendering.
    pub svg_max_size: u32,
    /// `$wgJpegQuality`.
    pub jpeg_quality: u8,
    /// `$wgThumbLimits`, reported by siteinfo.
    pub thumb_limits: Vec<u32>,
    /// `$wgImageLimits` (width, height), reported by siteinfo.
    pub image_limits: Vec<(u32, u32)>,
    /// Thumbnails rendered at once; 0: one per core.
    pub thumbnail_workers: usize,
    /// Renders that may wait for a worker; more are refused (503).
    pub thumbnail_queue_limit: usize,
    /// Seconds a render may take before its request gets an error.
    pub thumbnail_render_timeout: u64,
}

/// An account declared in the configuration, created at start if absent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedUser {
    pub name: String,
    pub password: SecretString,
    #[serde(default, deserialize_with = "list_or_csv")]
    pub groups: Vec<String>,
}

/// A bot password declared in the configuration, created at start if absent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedBotPassword {
    pub user: String,
    pub bot: String,
    pub password: SecretString,
    #[serde(deserialize_with = "list_or_csv")]
    pub grants: Vec<String>,
}

/// A configuration that could not be read or does not make sense.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: {0}")]
    Invalid(#[from] Box<figment::Error>),
    #[error("invalid configuration: {0}")]
    Inconsistent(String),
}

impl Config {
    /// Merges the built-in defaults, `file` (if any) and the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Some(file) = file {
            if !file.exists() {
                return Err(ConfigError::Inconsistent(format!(
                    "config file {} does not exist",
                    file.display()
                )));
            }
            figment = figment.merge(Toml::file(file));
        }
        // WIKIUPLOAD_CONFIG names the file itself and is read by the CLI;
        // WIKIUPLOAD_CRASH_POINT and _DISK_FULL_AT are for fault tests
        // (`crate::crash`).
        let env = Env::prefixed("WIKIUPLOAD_")
            .ignore(&["config", "crash_point", "disk_full_at"])
            .split("__");
        Self::from_figment(figment.merge(env))
    }

    /// Builds a configuration from the defaults with `layers` (TOML texts)
    /// merged on top in order, ignoring the environment: for tests and
    /// embedding.
    pub fn from_toml(layers: &[&str]) -> Result<Config, ConfigError> {
        let figment = layers.iter().fold(
            Figment::from(Toml::string(DEFAULT_TOML)),
            |figment, layer| figment.merge(Toml::string(layer)),
        );
        Self::from_figment(figment)
    }

    fn from_figment(figment: Figment) -> Result<Config, ConfigError> {
        let mut config: Config = figment.extract().map_err(Box::new)?;
        config.normalize()?;
        Ok(config)
    }

    /// Canonical forms and cross-key checks, so the rest of the code can
    /// trust the values.
    fn normalize(&mut self) -> Result<(), ConfigError> {
        self.server = self.server.trim_end_matches('/').to_owned();
        self.script_path = self.script_path.trim_end_matches('/').to_owned();
        if !self.script_path.is_empty() && !self.script_path.starts_with('/') {
            return Err(ConfigError::Inconsistent(format!(
                "script_path must start with '/' (got {:?})",
                self.script_path
            )));
        }
        if self.wiki_id.is_empty()
            || !self
                .wiki_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(ConfigError::Inconsistent(format!(
                "wiki_id must be letters, digits, '_' or '-' (got {:?})",
                self.wiki_id
            )));
        }
        for list in [
            &mut self.file_extensions,
            &mut self.prohibited_file_extensions,
        ] {
            for ext in list.iter_mut() {
                *ext = ext.trim().trim_start_matches('.').to_lowercase();
            }
            list.retain(|ext| !ext.is_empty());
        }
        if !(1..=100).contains(&self.jpeg_quality) {
            return Err(ConfigError::Inconsistent(format!(
                "jpeg_quality must be 1 to 100 (got {})",
                self.jpeg_quality
            )));
        }
        if self.svg_max_size == 0 || self.thumbnail_render_timeout == 0 {
            return Err(ConfigError::Inconsistent(
                "svg_max_size and thumbnail_render_timeout must be positive".into(),
            ));
        }
        if self.header_read_timeout == 0 || self.body_idle_timeout == 0 || self.max_connections == 0
        {
            return Err(ConfigError::Inconsistent(
                "header_read_timeout, body_idle_timeout and max_connections must be positive"
                    .into(),
            ));
        }
        if !self.database_schema.is_empty() {
            let identifier = self.database_schema.len() <= 63
                && self
                    .database_schema
                    .starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && self
                    .database_schema
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !identifier {
                return Err(ConfigError::Inconsistent(format!(
                    "database_schema must be letters, digits and '_', not starting with a digit, \
                     at most 63 (got {:?})",
                    self.database_schema
                )));
            }
            if !self.database_url.starts_with("postgres") {
                return Err(ConfigError::Inconsistent(
                    "database_schema needs a PostgreSQL database_url".into(),
                ));
            }
        }
        if self.session_lifetime == 0 {
            return Err(ConfigError::Inconsistent(
                "session_lifetime must be positive".into(),
            ));
        }
        Ok(())
    }

    /// `database_schema`, when one is set.
    pub fn database_schema(&self) -> Option<&str> {
        Some(self.database_schema.as_str()).filter(|schema| !schema.is_empty())
    }

    /// `server` as configured, or derived from the address actually bound.
    pub fn server_url(&self, bound: SocketAddr) -> String {
        if self.server.is_empty() {
            format!("http://{bound}")
        } else {
            self.server.clone()
        }
    }

    /// The database URL as configured, or the default SQLite file.
    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!(
                "sqlite://{}",
                self.data_dir.join("wikiupload.sqlite").display()
            )
        } else {
            self.database_url.clone()
        }
    }
}

/// Accepts a list either as a TOML array or as one comma-separated string,
/// which is how lists arrive from environment variables.
fn list_or_csv<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrCsv {
        List(Vec<String>),
        Csv(String),
    }
    Ok(match ListOrCsv::deserialize(deserializer)? {
        ListOrCsv::List(list) => list,
        ListOrCsv::Csv(csv) => csv
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_match_mediawiki() {
        let config = Config::from_toml(&[]).expect("defaults load");
        assert_eq!(config.max_upload_size, 100 * 1024 * 1024);
        assert_eq!(
            config.file_extensions,
            ["png", "gif", "jpg", "jpeg", "webp"]
        );
        assert!(config.group_permissions["user"]["upload"]);
        assert!(!config.allow_copy_uploads);
    }

    #[test]
    fn comma_separated_lists_are_accepted() {
        let config = Config::from_toml(&["file_extensions = \"png, .JPG,txt\""]).expect("loads");
        assert_eq!(config.file_extensions, ["png", "jpg", "txt"]);
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = Config::from_toml(&["max_upload_sise = 5"]).expect_err("typo must fail");
        assert!(err.to_string().contains("max_upload_sise"), "{err}");
    }

    #[test]
    fn a_database_schema_is_an_identifier_on_postgresql() {
        let postgres = "database_url = \"postgres://wiki@db/wiki\"";
        let config = Config::from_toml(&[postgres, "database_schema = \"wiki_2\""]).expect("loads");
        assert_eq!(config.database_schema(), Some("wiki_2"));
        assert_eq!(
            Config::from_toml(&[]).expect("loads").database_schema(),
            None
        );
        for bad in ["a\\\"b", "2wiki", "wiki-2"] {
            let layer = format!("database_schema = {bad:?}");
            let err = Config::from_toml(&[postgres, &layer]).expect_err("not an identifier");
            assert!(err.to_string().contains("database_schema"), "{err}");
        }
        let err = Config::from_toml(&["database_schema = \"wiki\""]).expect_err("SQLite");
        assert!(err.to_string().contains("PostgreSQL"), "{err}");
    }

    #[test]
    fn secrets_are_not_printed_by_debug() {
        let config = Config::from_toml(&["admin_password = \"hunter2hunter2\""]).expect("loads");
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
