//! The deleted store's keys: a deleted version's bytes are kept under
//! `images/deleted/` by content (so identical bytes are kept once), named
//! as MediaWiki names them. Deleting and restoring are in `actions`.

use super::title::normalize_extension;
use crate::pages::hash::sha1_base36;

/// MediaWiki's deleted-file key: SHA-1 in base 36 (31 digits) and the
/// normalized extension.
pub fn storage_key(sha1_hex: &str, name: &str) -> String {
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| normalize_extension(e))
        .unwrap_or_default();
    format!("{}.{extension}", sha1_base36(sha1_hex))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_keys_use_the_normalized_extension() {
        let key = storage_key("da39a3ee5e6b4b0d3255bfef95601890afd80709", "Photo.JPEG");
        assert_eq!(key, "phoiac9h4m842xq45sp7s6u21eteeq1.jpg");
    }
}
