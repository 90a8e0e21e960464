//! MediaWiki's throttles, counted in the database (so every instance on
//! it shares the counts): `$wgPasswordAttemptThrottle` on logins, as its
//! `Throttler` counts them, and `$wgRateLimits`, as `User::pingLimiter`
//! picks the limits that apply.

use std::net::IpAddr;

use sha1::{Digest, Sha1};

use super::Identity;
use crate::config::{RateLimits, ThrottleCondition};
use crate::storage::{Database, StorageError};

/// What a login throttle counts: main-account passwords and bot
/// passwords are counted apart, as MediaWiki's throttler types are.
#[derive(Debug, Clone, Copy)]
pub enum LoginKind {
    Password,
    BotPassword,
}

/// The login throttle.
#[derive(Debug, Clone)]
pub struct LoginThrottle {
    db: Database,
    conditions: Vec<ThrottleCondition>,
}

impl LoginThrottle {
    pub fn new(db: Database, conditions: Vec<ThrottleCondition>) -> LoginThrottle {
        LoginThrottle { db, conditions }
    }

    /// Counts an attempt to log in as `user` (a canonical name) from `ip`,
    /// unless a condition's limit is reached: then the attempt is refused
    /// and the answer is that condition's window, in seconds.
    pub async fn attempt(
        &self,
        kind: LoginKind,
        user: &str,
        ip: IpAddr,
        now: i64,
    ) -> Result<Option<i64>, StorageError> {
        for (index, condition) in self.conditions.iter().enumerate() {
            if condition.count <= 0 {
                continue;
            }
            let key = login_key(kind, index, user, (!condition.all_ips).then_some(ip));
            if self.db.throttle_hits(&key, now).await? >= condition.count {
                return Ok(Some(condition.seconds));
            }
            self.db.throttle_hit(&key, condition.seconds, now).await?;
        }
        Ok(None)
    }

    /// A successful login forgets the attempts counted for it.
    pub async fn clear(&self, kind: LoginKind, user: &str, ip: IpAddr) -> Result<(), StorageError> {
        for (index, condition) in self.conditions.iter().enumerate() {
            let key = login_key(kind, index, user, (!condition.all_ips).then_some(ip));
            self.db.throttle_clear(&key).await?;
        }
        Ok(())
    }
}

/// `login:<kind>:<condition>:<ip, or * for allIPs>:<sha1 of the name>`
/// (hashed, so a key stays short whatever name was typed).
fn login_key(kind: LoginKind, index: usize, user: &str, ip: Option<IpAddr>) -> String {
    let kind = match kind {
        LoginKind::Password => "password",
        LoginKind::BotPassword => "botpassword",
    };
    let ip = ip.map_or_else(|| "*".to_owned(), |ip| ip.to_string());
    format!(
        "login:{kind}:{index}:{ip}:{}",
        hex::encode(Sha1::digest(user))
    )
}

/// The `$wgRateLimits` limits that apply to one identity doing one action.
#[derive(Debug, Clone, Default)]
pub struct RateLimitCheck {
    /// (counter key, hits, seconds).
    limits: Vec<(String, i64, i64)>,
}

impl RateLimitCheck {
    /// Which limits of `action` apply to `identity` acting from `ip`, as
    /// `User::pingLimiter` picks them; none with the `noratelimit` right.
    pub fn new(
        config: &RateLimits,
        action: &str,
        identity: &Identity,
        ip: IpAddr,
    ) -> RateLimitCheck {
        let Some(limits) = config.get(action) else {
            return RateLimitCheck::default();
        };
        if identity.has_right("noratelimit") {
            return RateLimitCheck::default();
        }
        let mut check = RateLimitCheck::default();
        let mut add = |who: String, (hits, seconds): (i64, i64)| {
            if hits > 0 && seconds > 0 {
                check
                    .limits
                    .push((format!("rate:{action}:{who}"), hits, seconds));
            }
        };
        let newbie = !identity.has_right("autoconfirmed");
        match &identity.user {
            None => {
                if let Some(limit) = limits.get("anon") {
                    add("anon".into(), *limit);
                }
            }
            Some(user) => {
                // `newbie` replaces the account's limit; otherwise the
                // most generous of `user` and its groups' limits applies.
                let per_account = match limits.get("newbie") {
                    Some(limit) if newbie => Some(*limit),
                    _ => std::iter::once("user")
                        .chain(identity.groups.iter().map(String::as_str))
                        .filter_map(|who| limits.get(who).copied())
                        .max_by(|(a_hits, a_secs), (b_hits, b_secs)| {
                            (a_hits * b_secs).cmp(&(b_hits * a_secs))
                        }),
                };
                if let Some(limit) = per_account {
                    add(format!("user:{}", user.id), limit);
                }
            }
        }
        if newbie {
            if let Some(limit) = limits.get("ip") {
                add(format!("ip:{ip}"), *limit);
            }
            if let Some(limit) = limits.get("subnet") {
                add(format!("subnet:{}", subnet(ip)), *limit);
            }
        }
        check
    }

    /// Counts one hit on every limit; whether any is now exceeded.
    pub async fn exceeded(&self, db: &Database, now: i64) -> Result<bool, StorageError> {
        let mut exceeded = false;
        for (key, hits, seconds) in &self.limits {
            exceeded |= db.throttle_hit(key, *seconds, now).await? > *hits;
        }
        Ok(exceeded)
    }
}

/// An IPv4 address's /24 or an IPv6 address's /64, as MediaWiki groups
/// addresses for the `subnet` limit.
fn subnet(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}")
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}", s[0], s[1], s[2], s[3])
        }
    }
}

/// A duration as MediaWiki's `formatDuration` writes it in English:
/// `5 minutes`, `2 days`, `1 hour and 30 minutes`.
pub fn format_duration(seconds: i64) -> String {
    const UNITS: [(&str, i64); 5] = [
        ("week", 604_800),
        ("day", 86_400),
        ("hour", 3_600),
        ("minute", 60),
        ("second", 1),
    ];
    let mut left = seconds.max(0);
    let mut parts = Vec::new();
    for (unit, size) in UNITS {
        let count = left / size;
        if count > 0 {
            parts.push(format!(
                "{count} {unit}{}",
                if count == 1 { "" } else { "s" }
            ));
            left %= size;
        }
    }
    match parts.as_slice() {
        [] => "0 seconds".to_owned(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_mediawiki_writes_them() {
        assert_eq!(format_duration(30), "30 seconds");
        assert_eq!(format_duration(300), "5 minutes");
        assert_eq!(format_duration(172_800), "2 days");
        assert_eq!(format_duration(3_661), "1 hour, 1 minute and 1 second");
    }

    #[test]
    fn subnets_group_addresses() {
        assert_eq!(subnet("192.0.2.77".parse().expect("ip")), "192.0.2");
        assert_eq!(
            subnet("2001:db8:1:2:3:4:5:6".parse().expect("ip")),
            "2001:db8:1:2"
        );
    }
}
