//! SHA-1 in MediaWiki's two spellings: 40 hex digits (what the API shows)
//! and 31 base-36 digits (what its database stores, for revisions, files
//! and deleted files alike).

use sha1::{Digest, Sha1};

/// The SHA-1 of a revision's text, in base 36 as MediaWiki stores it.
pub fn text_sha1_base36(text: &str) -> String {
    sha1_base36(&hex::encode(Sha1::digest(text.as_bytes())))
}

/// A 40-digit hex SHA-1 in base 36, left-padded to 31 digits.
pub fn sha1_base36(sha1_hex: &str) -> String {
    // 160 bits do not fit a u128: divide the big number digit by digit.
    let mut digits: Vec<u32> = sha1_hex.chars().filter_map(|c| c.to_digit(16)).collect();
    let mut out = Vec::new();
    while digits.iter().any(|&d| d != 0) {
        let mut remainder = 0u32;
        for digit in digits.iter_mut() {
            let value = remainder * 16 + *digit;
            *digit = value / 36;
            remainder = value % 36;
        }
        out.push(char::from_digit(remainder, 36).unwrap_or('0'));
    }
    out.reverse();
    format!("{:0>31}", out.into_iter().collect::<String>())
}

/// A SHA-1 in base 36 as 40 hex digits. A 31-digit value too large for
/// 160 bits comes out longer and so matches no SHA-1, as in MediaWiki.
pub fn sha1_hex_from_base36(base36: &str) -> String {
    // 160 bits do not fit a u128: multiply into bytes, most significant first.
    let mut bytes = vec![0u8; 20];
    for digit in base36.chars().filter_map(|c| c.to_digit(36)) {
        let mut carry = digit;
        for byte in bytes.iter_mut().rev() {
            let value = u32::from(*byte) * 36 + carry;
            *byte = (value & 0xff) as u8;
            carry = value >> 8;
        }
        if carry > 0 {
            bytes.insert(0, (carry & 0xff) as u8);
        }
    }
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_in_base36_matches_mediawiki() {
        // From MediaWiki's documentation: SHA-1 of the empty string.
        assert_eq!(
            sha1_base36("da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            "phoiac9h4m842xq45sp7s6u21eteeq1"
        );
        assert_eq!(text_sha1_base36(""), "phoiac9h4m842xq45sp7s6u21eteeq1");
        assert_eq!(sha1_base36(&"0".repeat(40)), "0".repeat(31));
    }

    #[test]
    fn sha1_base36_converts_back_to_hex() {
        let hex = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
        assert_eq!(sha1_hex_from_base36("phoiac9h4m842xq45sp7s6u21eteeq1"), hex);
        assert_eq!(sha1_hex_from_base36(&sha1_base36(hex)), hex);
        assert_eq!(sha1_hex_from_base36(&"0".repeat(31)), "0".repeat(40));
        // Larger than 2^160: longer than any SHA-1, so it matches nothing.
        assert!(sha1_hex_from_base36(&"z".repeat(31)).len() > 40);
    }

    #[test]
    fn a_revision_text_hashes_as_the_reference_shows() {
        // transcripts/71-revisions: "Revision one." has this SHA-1.
        assert_eq!(
            sha1_hex_from_base36(&text_sha1_base36("Revision one.")),
            "31e9067fa172e3a86b122ff5289dcda8a00e5bb7"
        );
    }
}
