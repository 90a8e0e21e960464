//! User names as MediaWiki canonicalizes them: underscores are spaces, runs
//! of spaces collapse, the first letter is upper case, and a few characters
//! (those that would break titles, links or the `user@bot` syntax) are
//! never allowed.

/// Characters no user name may contain: title-breaking ones plus
/// `$wgInvalidUsernameCharacters` (`@:>`).
const FORBIDDEN: &[char] = &[
    '#', '<', '>', '[', ']', '|', '{', '}', '/', '@', ':', '\u{FFFD}',
];

/// The longest user name, in bytes (MediaWiki's `$wgMaxNameChars`).
const MAX_NAME_BYTES: usize = 255;

/// The canonical form of `name`, or `None` when it cannot be a user name.
pub fn canonical_user_name(name: &str) -> Option<String> {
    let spaced = name.replace('_', " ");
    let collapsed = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty()
        || collapsed.len() > MAX_NAME_BYTES
        || collapsed
            .chars()
            .any(|c| FORBIDDEN.contains(&c) || c.is_control())
        || collapsed.parse::<std::net::IpAddr>().is_ok()
    {
        return None;
    }
    let mut chars = collapsed.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

/// A bot's name (the part after `@`), as `Special:BotPasswords` allows it.
pub fn is_valid_bot_name(bot: &str) -> bool {
    !bot.is_empty()
        && bot.len() <= 32
        && !bot
            .chars()
            .any(|c| c == '@' || c.is_control() || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_canonicalized_like_mediawiki() {
        assert_eq!(canonical_user_name("uploader").as_deref(), Some("Uploader"));
        assert_eq!(
            canonical_user_name(" some__user  x ").as_deref(),
            Some("Some user x")
        );
        assert_eq!(canonical_user_name("élan").as_deref(), Some("Élan"));
    }

    #[test]
    fn unusable_names_are_refused() {
        for bad in [
            "",
            "  ",
            "a@b",
            "a:b",
            "a/b",
            "a#b",
            "127.0.0.1",
            "::1",
            &"x".repeat(256),
        ] {
            assert_eq!(canonical_user_name(bad), None, "{bad:?}");
        }
    }
}
