//! MediaWiki's stored password formats, so that accounts (and bot passwords)
//! can move between wikiupload and a real MediaWiki 1.39 in either direction.
//!
//! MediaWiki stores a password as `:<type>:<type-specific fields>`
//! (`includes/password/*.php`). New hashes are written in 1.39's default
//! type, PBKDF2-HMAC-SHA512 with 30000 iterations and a 64-byte key. Any of
//! these is verified:
//!
//! * `:pbkdf2:<algo>:<iterations>:<length>:<base64 salt>:<base64 hash>` with
//!   algo sha1, sha224, sha256, sha384 or sha512 (`Pbkdf2Password`);
//! * `:argon2:<PHP password_hash() string>`, argon2i or argon2id
//!   (`Argon2Password`);
//! * `:B:<salt>:<md5 hex>`, md5(salt + "-" + md5(password))
//!   (`MWSaltedPassword`);
//! * `:A:<md5 hex>`, md5(password), and `:A:<salt>:<md5 hex>`, which old
//!   MediaWiki versions wrote for B-type hashes (`MWOldPassword`);
//! * `:pbkdf2-legacyA:` and `:pbkdf2-legacyB:`, A or B hashes wrapped in
//!   PBKDF2 by `maintenance/wrapOldPasswords.php`
//!   (`LayeredParameterizedPassword`).
//!
//! Anything else (`""`, `:null:`, bcrypt, malformed strings) never verifies.
//! Like MediaWiki, a password matches when re-hashing it with the stored
//! parameters reproduces the stored hash text exactly; the comparison is
//! constant-time. Cost parameters come from the stored string, so they are
//! capped to keep a corrupt or hostile row from tying up a worker.

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use md5::{Digest, Md5};
use pbkdf2::pbkdf2_hmac;
use rand::RngCore;
use rand::rngs::OsRng;
use sha1::Sha1;
use sha2::{Sha224, Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq;

/// MediaWiki 1.39's `$wgPasswordConfig['pbkdf2']` defaults.
const DEFAULT_ITERATIONS: u32 = 30_000;
const DEFAULT_KEY_LEN: usize = 64;
/// `Pbkdf2Password::crypt` draws 16 random salt bytes.
const SALT_LEN: usize = 16;

/// MediaWiki refuses to handle a stored hash longer than this
/// (`Password::MAX_HASH_SIZE`); it also bounds the PBKDF2 key length.
const MAX_STORED_LEN: usize = 255;
/// Far above any real configuration, low enough to keep one verification
/// from running for minutes.
const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;
/// 1 GiB, libsodium's "sensitive" preset; PHP's default is 64 MiB.
const MAX_ARGON2_MEMORY_KIB: u32 = 1 << 20;
const MAX_ARGON2_PASSES: u32 = 64;

/// Hashes `password` in MediaWiki 1.39's default format:
/// `:pbkdf2:sha512:30000:64:<base64 salt>:<base64 hash>` (16 random salt bytes).
#[must_use]
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; SALT_LEN];
    OsRng.fill_bytes(&mut salt);
    let mut key = [0u8; DEFAULT_KEY_LEN];
    pbkdf2_hmac::<Sha512>(password.as_bytes(), &salt, DEFAULT_ITERATIONS, &mut key);
    format!(
        ":pbkdf2:sha512:{DEFAULT_ITERATIONS}:{DEFAULT_KEY_LEN}:{}:{}",
        BASE64.encode(salt),
        BASE64.encode(key)
    )
}

/// True when `password` matches a stored MediaWiki password hash of any
/// supported type; false for unknown, invalid or empty hashes.
#[must_use]
pub fn verify_password(stored: &str, password: &str) -> bool {
    if stored.len() > MAX_STORED_LEN {
        return false;
    }
    let Some((kind, fields)) = stored
        .strip_prefix(':')
        .and_then(|rest| rest.split_once(':'))
    else {
        return false;
    };
    match kind {
        "pbkdf2" => verify_pbkdf2(fields, password),
        "argon2" => verify_argon2(fields, password),
        "B" => verify_salted_md5(fields, password),
        "A" => verify_old_md5(fields, password),
        "pbkdf2-legacyA" => verify_layered(fields, password, LegacyInner::Old),
        "pbkdf2-legacyB" => verify_layered(fields, password, LegacyInner::Salted),
        _ => false,
    }
}

/// `<algo>:<iterations>:<length>:<salt>:<hash>`.
fn verify_pbkdf2(fields: &str, password: &str) -> bool {
    let fields: Vec<&str> = fields.split(':').collect();
    let [algorithm, iterations, length, salt, hash] = fields.as_slice() else {
        return false;
    };
    Pbkdf2Params::parse(algorithm, iterations, length)
        .is_some_and(|params| params.verify(password.as_bytes(), salt, hash))
}

/// A PHC string as written by PHP's `password_hash()`.
fn verify_argon2(phc: &str, password: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    // PHP's password_verify() knows argon2i and argon2id, not argon2d.
    if !matches!(
        Algorithm::try_from(hash.algorithm),
        Ok(Algorithm::Argon2i | Algorithm::Argon2id)
    ) {
        return false;
    }
    let Ok(params) = Params::try_from(&hash) else {
        return false;
    };
    if params.m_cost() > MAX_ARGON2_MEMORY_KIB || params.t_cost() > MAX_ARGON2_PASSES {
        return false;
    }
    // The verifier takes algorithm, version and costs from `hash` and
    // compares the output in constant time.
    Argon2::default()
        .verify_password(password.as_bytes(), &hash)
        .is_ok()
}

/// `<salt>:<md5 hex>`; MediaWiki accepts an empty salt too.
fn verify_salted_md5(fields: &str, password: &str) -> bool {
    let Some((salt, hash)) = fields.split_once(':') else {
        return false;
    };
    !hash.contains(':') && ct_eq_str(&salted_md5_hex(salt, password), hash)
}

/// `<md5 hex>`, or `<salt>:<md5 hex>` for the B-type hashes that old
/// MediaWiki versions mislabelled as A.
fn verify_old_md5(fields: &str, password: &str) -> bool {
    match fields.split_once(':') {
        None => ct_eq_str(&md5_hex(password.as_bytes()), fields),
        Some((salt, hash)) => {
            !hash.contains(':') && ct_eq_str(&salted_md5_hex(salt, password), hash)
        }
    }
}

/// The hash wrapped inside a `pbkdf2-legacyA` or `pbkdf2-legacyB` hash.
#[derive(Clone, Copy)]
enum LegacyInner {
    /// A: md5(password), or the salted form when a salt is present.
    Old,
    /// B: always salted.
    Salted,
}

/// `!<algo>:<iterations>:<length>!<inner salt>!<pbkdf2 salt>!<hash>`: the
/// inner type's (empty) parameters, PBKDF2's parameters, each layer's salt,
/// then PBKDF2 over the inner hash's hex digest.
fn verify_layered(fields: &str, password: &str, inner: LegacyInner) -> bool {
    let fields: Vec<&str> = fields.split('!').collect();
    let ["", pbkdf2_params, inner_salt, pbkdf2_salt, hash] = fields.as_slice() else {
        return false;
    };
    let pbkdf2_params: Vec<&str> = pbkdf2_params.split(':').collect();
    let [algorithm, iterations, length] = pbkdf2_params.as_slice() else {
        return false;
    };
    let Some(params) = Pbkdf2Params::parse(algorithm, iterations, length) else {
        return false;
    };
    let inner_hash = match (inner, *inner_salt) {
        (LegacyInner::Old, "") => md5_hex(password.as_bytes()),
        // MediaWiki would hash with a fresh random salt here: never a match.
        (LegacyInner::Salted, "") => return false,
        (_, salt) => salted_md5_hex(salt, password),
    };
    params.verify(inner_hash.as_bytes(), pbkdf2_salt, hash)
}

/// The hash functions PBKDF2 hashes may name (PHP's `hash_pbkdf2()` accepts
/// more, but MediaWiki is only ever configured with these).
#[derive(Clone, Copy)]
enum Pbkdf2Algorithm {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl Pbkdf2Algorithm {
    /// PHP looks hash algorithm names up case-insensitively.
    fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "sha1" => Some(Self::Sha1),
            "sha224" => Some(Self::Sha224),
            "sha256" => Some(Self::Sha256),
            "sha384" => Some(Self::Sha384),
            "sha512" => Some(Self::Sha512),
            _ => None,
        }
    }

    fn digest_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha224 => 28,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    fn derive(self, secret: &[u8], salt: &[u8], iterations: u32, key: &mut [u8]) {
        match self {
            Self::Sha1 => pbkdf2_hmac::<Sha1>(secret, salt, iterations, key),
            Self::Sha224 => pbkdf2_hmac::<Sha224>(secret, salt, iterations, key),
            Self::Sha256 => pbkdf2_hmac::<Sha256>(secret, salt, iterations, key),
            Self::Sha384 => pbkdf2_hmac::<Sha384>(secret, salt, iterations, key),
            Self::Sha512 => pbkdf2_hmac::<Sha512>(secret, salt, iterations, key),
        }
    }
}

/// The `<algo>:<iterations>:<length>` parameters of a PBKDF2 hash.
struct Pbkdf2Params {
    algorithm: Pbkdf2Algorithm,
    iterations: u32,
    key_len: usize,
}

impl Pbkdf2Params {
    fn parse(algorithm: &str, iterations: &str, length: &str) -> Option<Self> {
        let algorithm = Pbkdf2Algorithm::from_name(algorithm)?;
        let iterations = iterations
            .parse()
            .ok()
            .filter(|n| (1..=MAX_PBKDF2_ITERATIONS).contains(n))?;
        // hash_pbkdf2() treats length 0 as "the digest's length".
        let key_len = match length.parse().ok()? {
            0 => algorithm.digest_len(),
            n => n,
        };
        Some(Self {
            algorithm,
            iterations,
            key_len,
        })
    }

    /// Whether PBKDF2 of `secret` with `salt_b64` reproduces the base64
    /// text `expected_b64`.
    fn verify(&self, secret: &[u8], salt_b64: &str, expected_b64: &str) -> bool {
        // A length that cannot match the stored text is rejected before any
        // work; this also bounds the key length by `MAX_STORED_LEN`.
        if base64::encoded_len(self.key_len, true) != Some(expected_b64.len()) {
            return false;
        }
        let Ok(salt) = BASE64.decode(salt_b64) else {
            return false;
        };
        let mut key = vec![0u8; self.key_len];
        self.algorithm
            .derive(secret, &salt, self.iterations, &mut key);
        ct_eq_str(&BASE64.encode(&key), expected_b64)
    }
}

fn md5_hex(data: &[u8]) -> String {
    hex::encode(Md5::digest(data))
}

/// `MWSaltedPassword`: md5(salt + "-" + md5(password)), lowercase hex.
fn salted_md5_hex(salt: &str, password: &str) -> String {
    let inner = md5_hex(password.as_bytes());
    md5_hex(format!("{salt}-{inner}").as_bytes())
}

/// Constant-time string equality; only the lengths may leak.
fn ct_eq_str(computed: &str, stored: &str) -> bool {
    computed.as_bytes().ct_eq(stored.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "correct horse battery staple";
    const WRONG: &str = "correct horse battery staplex";
    /// "pässwörd ✓": checks that the UTF-8 bytes are hashed, as PHP does.
    const UNICODE_PASSWORD: &str = "p\u{e4}ssw\u{f6}rd \u{2713}";

    /// Stored in the reference wiki's SQLite database by MediaWiki 1.39
    /// (`user.user_password`, `bot_passwords.bp_password`), with their
    /// plain passwords from /work/shared/reference-wiki/setup.sh.
    const REFWIKI: &[(&str, &str, &str)] = &[
        (
            "Admin",
            "adminpass123456",
            ":pbkdf2:sha512:30000:64:gQ+T4dcG0HkfUXNN6nm7zQ==:1HplKKGrKiQvg8WU/yfpqJLYBGODLzkI0Icu3/wiXnL/owwBG5sO07i9vFg1ThfMDx5gsB9Gq6hxt6qdcfcwPw==",
        ),
        (
            "Uploader",
            "uploaderpass12345",
            ":pbkdf2:sha512:30000:64:iCE2YS1wA/h7mG+m4F7jsA==:bgvjYFvkrW+g51+sxoR5jJzlZ7IQDRTbRn3Jq82e+I+Dk/zQd6CprJzlGEW+JTYEJVLi+ta39G49xAC87lV1AA==",
        ),
        (
            "NoUrlUser",
            "nourlpass1234567",
            ":pbkdf2:sha512:30000:64:SR+1lwJjSKZkYwziBtAWtg==:zTRsFvYM5Z3rDnB5GvX0G1Z1CYQfKxyq5tS/O4HGf2iiQ95ejiN1sVoeWCxzo2n9yf/o068gD7mP8jdosh+Oaw==",
        ),
        (
            "Uploader@bot",
            "uploaderbotpassword0123456789abc",
            ":pbkdf2:sha512:30000:64:WhnPtsCNYsm32QbRDE90fQ==:RMTiaHq7A5AYzsS+8BNHxBqs1HYc0UjattG9J01CYFjgcnBXSyXSFcTgZb1C5TYVEEmjTUUxWcwBUVVhfhllbA==",
        ),
        (
            "Uploader@nourl",
            "uploadernourlpassword0123456789a",
            ":pbkdf2:sha512:30000:64:YG9m5mQcsJybiSgHYX4DNQ==:ay8cvJhh+WKNQl2dmiRcscakrLYBfFS9Q/ruYHs0EjKLPAOEB/bk9fNc7QVWtaJbwhSOieSSJk3PTofljtXIGg==",
        ),
    ];

    // Every vector below was accepted by MediaWiki 1.39's own
    // `PasswordFactory::newFromCiphertext($hash)->verify($password)` on this
    // machine, and its wrong-password variants rejected.

    /// Hashes of `PASSWORD` with cheap parameters, made by PHP 8.2's
    /// `hash_pbkdf2()` and `password_hash()` or MediaWiki's `crypt()`.
    const FOREIGN: &[(&str, &str)] = &[
        (
            "pbkdf2 sha256",
            ":pbkdf2:sha256:1000:32:eWoI1yZdxbJG917Z9BWamA==:87x70kp88XWIaBDm2k8loIIU5Es0Ny6VFrRZKkc+kvU=",
        ),
        ("pbkdf2 sha1, 12-byte salt", SHA1_VECTOR),
        (
            "pbkdf2 length 0",
            ":pbkdf2:sha512:1000:0:vMs1nN/dJ9vzM5Wq5AaF3w==:1BmNBs1sdqlLG0V/56OfgtgJOHKVsu/7BDiuSiet36L8FlDnwGe2RlApjTxFpod2zWTg41ByAzwh9cJ9fJkpgQ==",
        ),
        (
            "pbkdf2 length over the digest size",
            ":pbkdf2:sha256:5000:100:FCB1o3KQgsIvEinQnep84g==:hlwR+/8xFAjRi9yp63SPfJLOenHGAaau9mvs8D7M5zvjffNif4R5/Cq0t1byXtnF0B8LHuxlth2lr0RrSC54cPF9aFSy1Rbf0XzyGP4uujQi+eWzo51JHI+chV7NlwbqovRcdw==",
        ),
        ("argon2id", ARGON2_VECTOR),
        (
            "argon2i",
            ":argon2:$argon2i$v=19$m=1024,t=2,p=1$TGovaU5KWENMRG96aXF1bg$GUULGa2zGdKxaGZOgJnBT7fg/dURc15PUm5EBQsxPjw",
        ),
        ("B", B_VECTOR),
        ("B with empty salt", ":B::85fbc642751ef04cc06d34fee0fa0291"),
        ("A", A_VECTOR),
        (
            "A with salt",
            ":A:0a1b2c3d:e9be6a16c0dc45dcf03344823c3f504f",
        ),
    ];

    /// Hashes of `PASSWORD` made by MediaWiki's `crypt()` with its default
    /// configuration (30000 PBKDF2-SHA512 iterations).
    const MEDIAWIKI_DEFAULTS: &[(&str, &str)] = &[
        (
            "pbkdf2",
            ":pbkdf2:sha512:30000:64:ZeZB/j72eSbzF+2eAwmTgw==:ShiTriHhoIksIDGuWz2R3zGEEufzCkxC1HLqtc3kdsq5HVHL7GGsTSnIdH/kLxSdm2j9IxwTpH17xXYOIilYMA==",
        ),
        (
            "pbkdf2-legacyA",
            ":pbkdf2-legacyA:!sha512:30000:64!!jdIpgtjmphQCQ/qK2Cg1LQ==!K/lOClHShDXdxaRVh8dslqwvi2CoX3ptT4W6TwXZ9W1otNjz4QWvKxwo8Oly72zWHI3ul7u8/JvA8Tvprbz3LQ==",
        ),
        (
            "pbkdf2-legacyB",
            ":pbkdf2-legacyB:!sha512:30000:64!fba6b293!eUeFeWQScmq033yuEweyBQ==!FG7yWAA82wVJ04sfC6wgMSl9/S0phkfduzLzZrZrpkILNMZMj7xGh7VtLkxsI9YS4yuIGs0+UvqDM0xmIqTu0g==",
        ),
    ];

    /// MediaWiki's `crypt()` with `$wgPasswordConfig['argon2']` defaults
    /// (PHP's 64 MiB, 4 passes).
    const MEDIAWIKI_ARGON2ID: &str = ":argon2:$argon2id$v=19$m=65536,t=4,p=1$YkpsYVYvdVlOVVcxOFVzdg$RImceFVFhD01FQ1mVs4oduHxlB7+pBL7+8kV2JpdmsQ";

    /// Hashes of `UNICODE_PASSWORD` made by MediaWiki's `crypt()`.
    const FOREIGN_UNICODE: &[&str] = &[
        ":pbkdf2:sha512:30000:64:U6jMoUqQt9fa2UYdTqqDSQ==:s1GdzOhpY7vjU1UXVwLG0XfEBQB20SMLLh1+9oN4Xtjd6Ushsy23N4iCbAXk5uzcmjGPjdCc9hHfycrexXpvaA==",
        ":B:ca1fe076:af09e95133fe26267d6c67df39d4888d",
    ];

    const SHA1_VECTOR: &str = ":pbkdf2:sha1:2000:20:EMW+eg9vWaV6mJhh:l04e+u/qxL2zbTtSLATP4lbZ3RM=";
    const ARGON2_VECTOR: &str = ":argon2:$argon2id$v=19$m=1024,t=2,p=1$UldyeFE0cE5XQnhPWlFSZA$b7HrSA5r/sKmrJTNibhQW3u/73sOCR3xC7qRygtsi/Y";
    const B_VECTOR: &str = ":B:ce456836:0dbf1f4825ce24126148bdcf79ec490f";
    const A_VECTOR: &str = ":A:9cc2ae8a1ba7a93da39b46fc1019c481";

    // Tests against default-cost hashes check few passwords each: they take
    // about a second (PBKDF2) or five (argon2) apiece in an unoptimised build.

    #[test]
    fn hash_has_mediawiki_default_format() {
        let stored = hash_password(PASSWORD);
        let fields: Vec<&str> = stored.split(':').collect();
        let ["", "pbkdf2", "sha512", "30000", "64", salt, hash] = fields.as_slice() else {
            panic!("unexpected format: {stored}");
        };
        assert_eq!(BASE64.decode(salt).map(|s| s.len()).ok(), Some(16));
        assert_eq!(BASE64.decode(hash).map(|h| h.len()).ok(), Some(64));
    }

    #[test]
    fn own_hash_round_trips() {
        let stored = hash_password(PASSWORD);
        assert!(verify_password(&stored, PASSWORD), "{stored}");
        assert!(!verify_password(&stored, WRONG), "{stored}");
    }

    #[test]
    fn own_hash_round_trips_unicode() {
        let stored = hash_password(UNICODE_PASSWORD);
        assert!(verify_password(&stored, UNICODE_PASSWORD), "{stored}");
    }

    #[test]
    fn own_hash_is_salted() {
        assert_ne!(hash_password(PASSWORD), hash_password(PASSWORD));
    }

    #[test]
    fn refwiki_hashes_verify() {
        for (account, password, stored) in REFWIKI {
            assert!(verify_password(stored, password), "{account}");
        }
        let (_, password, stored) = REFWIKI[0];
        assert!(!verify_password(stored, &password.to_uppercase()));
    }

    #[test]
    fn foreign_formats_verify() {
        for (name, stored) in FOREIGN {
            assert!(verify_password(stored, PASSWORD), "{name}");
            assert!(!verify_password(stored, WRONG), "{name}");
            assert!(!verify_password(stored, ""), "{name}");
        }
    }

    #[test]
    fn mediawiki_default_cost_hashes_verify() {
        for (name, stored) in MEDIAWIKI_DEFAULTS {
            assert!(verify_password(stored, PASSWORD), "{name}");
            assert!(!verify_password(stored, WRONG), "{name}");
        }
    }

    #[test]
    fn mediawiki_default_argon2id_verifies() {
        assert!(verify_password(MEDIAWIKI_ARGON2ID, PASSWORD));
    }

    #[test]
    fn unicode_passwords_hash_their_utf8_bytes() {
        for stored in FOREIGN_UNICODE {
            assert!(verify_password(stored, UNICODE_PASSWORD), "{stored}");
            assert!(!verify_password(stored, PASSWORD), "{stored}");
        }
    }

    #[test]
    fn pbkdf2_algorithm_name_is_case_insensitive() {
        let upper = SHA1_VECTOR.replace("sha1", "SHA1");
        assert!(verify_password(&upper, PASSWORD));
    }

    #[test]
    fn empty_and_unknown_types_fail() {
        for stored in [
            "",
            ":",
            "::",
            ":null:",
            ":A:",
            ":B:",
            ":pbkdf2:",
            ":argon2:",
            ":pbkdf2-legacyB:",
            ":bcrypt:9$tILLXxro8c3dcUIDRlhPSu$XwQ60Xn62gIEfUmNxvmMwQTpBuoLkSy",
            "9cc2ae8a1ba7a93da39b46fc1019c481",
            "A:9cc2ae8a1ba7a93da39b46fc1019c481",
            ":a:9cc2ae8a1ba7a93da39b46fc1019c481",
        ] {
            assert!(!verify_password(stored, PASSWORD), "{stored:?}");
            assert!(!verify_password(stored, ""), "{stored:?}");
        }
    }

    #[test]
    fn truncated_hashes_fail() {
        for vector in [SHA1_VECTOR, ARGON2_VECTOR, B_VECTOR, A_VECTOR] {
            for end in 0..vector.len() {
                assert!(
                    !verify_password(&vector[..end], PASSWORD),
                    "{}",
                    &vector[..end]
                );
            }
        }
    }

    #[test]
    fn malformed_pbkdf2_fails() {
        let salt = "EMW+eg9vWaV6mJhh";
        let hash = "l04e+u/qxL2zbTtSLATP4lbZ3RM=";
        for stored in [
            format!(":pbkdf2:sha1:2000:20:!!!!:{hash}"),
            format!(":pbkdf2:sha1:2000:20:{salt}:!!!!!!!!!!!!!!!!!!!!!!!!!!!="),
            format!(":pbkdf2:md4:2000:20:{salt}:{hash}"),
            format!(":pbkdf2::2000:20:{salt}:{hash}"),
            format!(":pbkdf2:sha1:0:20:{salt}:{hash}"),
            format!(":pbkdf2:sha1:-1:20:{salt}:{hash}"),
            format!(":pbkdf2:sha1:x:20:{salt}:{hash}"),
            format!(":pbkdf2:sha1:4000000000:20:{salt}:{hash}"),
            format!(":pbkdf2:sha1:99999999999999999999:20:{salt}:{hash}"),
            format!(":pbkdf2:sha1:2000:32:{salt}:{hash}"),
            format!(":pbkdf2:sha1:2000:-20:{salt}:{hash}"),
            format!(":pbkdf2:sha1:2000:99999999999999999999:{salt}:{hash}"),
            format!(":pbkdf2:sha1:2000:20:{salt}:{hash}:"),
            format!(":pbkdf2:sha1:2000:20:{salt}:{}", hash.trim_end_matches('=')),
            format!(":pbkdf2:sha1:2000:{salt}:{hash}"),
            format!(":pbkdf2:sha1:2000:20:{salt}:{hash}{}", "A".repeat(300)),
        ] {
            assert!(!verify_password(&stored, PASSWORD), "{stored}");
        }
    }

    #[test]
    fn malformed_argon2_fails() {
        let salt = "UldyeFE0cE5XQnhPWlFSZA";
        let hash = "b7HrSA5r/sKmrJTNibhQW3u/73sOCR3xC7qRygtsi/Y";
        for stored in [
            // Too costly: rejected before allocating or hashing.
            format!(":argon2:$argon2id$v=19$m=4194304,t=2,p=1${salt}${hash}"),
            format!(":argon2:$argon2id$v=19$m=1024,t=100000,p=1${salt}${hash}"),
            format!(":argon2:$argon2id$v=19$m=1024,t=0,p=1${salt}${hash}"),
            format!(":argon2:$argon2id$v=19$m=1024,t=2,p=0${salt}${hash}"),
            format!(":argon2:$argon2id$v=19$m=1024,t=2,p=1,x=3${salt}${hash}"),
            format!(":argon2:$argon2x$v=19$m=1024,t=2,p=1${salt}${hash}"),
            format!(":argon2:$argon2id$v=7$m=1024,t=2,p=1${salt}${hash}"),
            format!(":argon2:$argon2id$v=19$m=1024,t=2,p=1$!!!!${hash}"),
            format!(":argon2:argon2id$v=19$m=1024,t=2,p=1${salt}${hash}"),
        ] {
            assert!(!verify_password(&stored, PASSWORD), "{stored}");
        }
    }

    #[test]
    fn argon2d_is_rejected_like_php() -> Result<(), argon2::password_hash::Error> {
        let argon2d = Argon2::new(
            Algorithm::Argon2d,
            argon2::Version::V0x13,
            Params::new(1024, 2, 1, None)?,
        );
        let salt = argon2::password_hash::SaltString::encode_b64(b"sixteen byte slt")?;
        let phc = argon2::PasswordHasher::hash_password(&argon2d, PASSWORD.as_bytes(), &salt)?;
        // The crate itself accepts it; MediaWiki (PHP) would not.
        assert!(
            Argon2::default()
                .verify_password(PASSWORD.as_bytes(), &phc)
                .is_ok()
        );
        assert!(!verify_password(&format!(":argon2:{phc}"), PASSWORD));
        Ok(())
    }

    #[test]
    fn malformed_md5_fails() {
        for stored in [
            ":B:ce456836",
            ":B::0dbf1f4825ce24126148bdcf79ec490f",
            ":B:ce456836:0DBF1F4825CE24126148BDCF79EC490F",
            ":B:ce456836:0dbf1f4825ce24126148bdcf79ec490f:",
            ":B:ce456836:x:0dbf1f4825ce24126148bdcf79ec490f",
            ":A:9cc2ae8a1ba7a93da39b46fc1019c48",
            ":A:9cc2ae8a1ba7a93da39b46fc1019c481:",
            ":A:0a1b2c3d:e9be6a16c0dc45dcf03344823c3f504f:x",
        ] {
            assert!(!verify_password(stored, PASSWORD), "{stored}");
        }
    }

    #[test]
    fn malformed_layered_fails() {
        let params = "sha512:1000:64";
        let salt = "eUeFeWQScmq033yuEweyBQ==";
        let hash = "FG7yWAA82wVJ04sfC6wgMSl9/S0phkfduzLzZrZrpkILNMZMj7xGh7VtLkxsI9YS4yuIGs0+UvqDM0xmIqTu0g==";
        for stored in [
            format!(":pbkdf2-legacyB:!{params}!!{salt}!{hash}"),
            format!(":pbkdf2-legacyB:x!{params}!fba6b293!{salt}!{hash}"),
            format!(":pbkdf2-legacyB:!sha512:1000!fba6b293!{salt}!{hash}"),
            format!(":pbkdf2-legacyB:!sha512:0:64!fba6b293!{salt}!{hash}"),
            format!(":pbkdf2-legacyB:!{params}!fba6b293!{salt}"),
            format!(":pbkdf2-legacyB:!{params}!fba6b293!{salt}!{hash}!"),
            format!(":pbkdf2-legacyA:!{params}!{salt}!{hash}"),
        ] {
            assert!(!verify_password(&stored, PASSWORD), "{stored}");
        }
    }
}
