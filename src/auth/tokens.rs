//! MediaWiki's edit tokens: `hex(HMAC-MD5(secret, timestamp ++ salt)) ++
//! hex(timestamp) ++ "+\"`.
//!
//! A token proves that the request comes from a page (or client) that read
//! the session's secret; it has no age limit and dies with the secret.

use hmac::{Hmac, Mac};
use md5::Md5;
use subtle::ConstantTimeEq;

/// What every CSRF-family token is for an anonymous user, and the suffix of
/// every real token. A client that strips or mangles the backslash (a
/// classic form-encoding bug) produces an invalid token.
pub const TOKEN_SUFFIX: &str = "+\\";

/// The kinds of token `meta=tokens` hands out, in MediaWiki's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenType {
    Createaccount,
    Csrf,
    Login,
    Patrol,
    Rollback,
    Userrights,
    Watch,
}

/// The session secret a token is derived from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// `default`: csrf, watch, patrol, rollback, userrights.
    Csrf,
    Login,
    Createaccount,
}

impl TokenType {
    pub const ALL: [TokenType; 7] = [
        TokenType::Createaccount,
        TokenType::Csrf,
        TokenType::Login,
        TokenType::Patrol,
        TokenType::Rollback,
        TokenType::Userrights,
        TokenType::Watch,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TokenType::Createaccount => "createaccount",
            TokenType::Csrf => "csrf",
            TokenType::Login => "login",
            TokenType::Patrol => "patrol",
            TokenType::Rollback => "rollback",
            TokenType::Userrights => "userrights",
            TokenType::Watch => "watch",
        }
    }

    pub fn from_name(name: &str) -> Option<TokenType> {
        TokenType::ALL.into_iter().find(|t| t.name() == name)
    }

    pub fn secret(self) -> SecretKind {
        match self {
            TokenType::Login => SecretKind::Login,
            TokenType::Createaccount => SecretKind::Createaccount,
            _ => SecretKind::Csrf,
        }
    }

    /// The salt mixed into the HMAC, which keeps token types apart.
    pub fn salt(self) -> &'static str {
        match self {
            TokenType::Watch => "watch",
            TokenType::Patrol => "patrol",
            TokenType::Rollback => "rollback",
            TokenType::Userrights => "userrights",
            TokenType::Csrf | TokenType::Login | TokenType::Createaccount => "",
        }
    }

    /// Anonymous users get the constant `+\` for these, not a real token.
    pub fn is_anonymous_constant(self) -> bool {
        self.secret() == SecretKind::Csrf
    }
}

/// A new random secret: 32 hex characters.
pub fn new_secret() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// The token for `secret` and `salt` at time `timestamp` (Unix seconds).
pub fn make_token(secret: &str, salt: &str, timestamp: i64) -> String {
    format!(
        "{}{timestamp:x}{TOKEN_SUFFIX}",
        digest(secret, salt, timestamp)
    )
}

/// True when `token` was made from `secret` and `salt`, at any time.
pub fn token_matches(secret: &str, salt: &str, token: &str) -> bool {
    let Some(body) = token.strip_suffix(TOKEN_SUFFIX) else {
        return false;
    };
    if body.len() <= 32 || !body.is_ascii() {
        return false;
    }
    let (mac, time_hex) = body.split_at(32);
    let Ok(timestamp) = i64::from_str_radix(time_hex, 16) else {
        return false;
    };
    let expected = digest(secret, salt, timestamp);
    expected.as_bytes().ct_eq(mac.as_bytes()).into()
}

fn digest(secret: &str, salt: &str, timestamp: i64) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Md5> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(salt.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_mediawikis_published_test_vector() {
        // From MediaWiki's TokenTest: secret "sekret", salt "salty", 1447362018.
        assert_eq!(
            make_token("sekret", "salty", 1447362018),
            "d9ade0c7d4349e9df9094e61c33a5a0d5644fde2+\\"
        );
    }

    #[test]
    fn a_token_validates_at_any_age_with_its_own_secret_and_salt_only() {
        let token = make_token("s3cret", "", 1_000);
        assert!(token_matches("s3cret", "", &token));
        assert!(!token_matches("other", "", &token));
        assert!(!token_matches("s3cret", "watch", &token));
    }

    #[test]
    fn malformed_tokens_are_rejected() {
        for bad in [
            "",
            "+\\",
            "abc+\\",
            "0123456789abcdef0123456789abcdef+\\",
            "x".repeat(40).as_str(),
        ] {
            assert!(!token_matches("s", "", bad), "{bad}");
        }
        let good = make_token("s", "", 77);
        assert!(!token_matches("s", "", good.trim_end_matches('\\')));
    }
}
