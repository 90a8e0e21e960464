//! The interface's English texts, in one place ready for translation:
//! `i18n/en.json`, compiled in. Pages ask by key; `$1`, `$2`... are
//! replaced by parameters, as in MediaWiki's messages. The uploader's
//! script gets the same texts from its page (`uploader_messages`).

use std::collections::BTreeMap;
use std::sync::LazyLock;

static ENGLISH: LazyLock<BTreeMap<String, String>> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../i18n/en.json")).expect("i18n/en.json is valid JSON")
});

/// The text of `key`; a missing key shows as a marker (and fails the
/// test below when a template or page uses it).
pub fn text(key: &str) -> &'static str {
    match ENGLISH.get(key) {
        Some(text) => text.as_str(),
        None => {
            tracing::warn!(key, "missing interface message");
            "⧼missing message⧽"
        }
    }
}

/// The text of `key` with `$1`, `$2`... replaced by `params`.
pub fn with(key: &str, params: &[&str]) -> String {
    let mut out = text(key).to_owned();
    // From the last, so `$1` does not eat the start of `$10`.
    for (i, param) in params.iter().enumerate().rev() {
        out = out.replace(&format!("${}", i + 1), param);
    }
    out
}

/// The messages whose keys start with `prefix`, as a JSON object (for a
/// script, which reads them from a `data-` attribute).
pub fn as_json(prefix: &str) -> String {
    let subset: BTreeMap<&str, &str> = ENGLISH
        .iter()
        .filter(|(key, _)| key.starts_with(prefix))
        .map(|(key, text)| (key.as_str(), text.as_str()))
        .collect();
    serde_json::to_string(&subset).unwrap_or_default()
}

/// A size in bytes as people read it (`1.5 MiB`).
pub fn size(bytes: i64) -> String {
    let units = [
        ("unit-gib", 1 << 30),
        ("unit-mib", 1 << 20),
        ("unit-kib", 1 << 10),
    ];
    for (key, unit) in units {
        if bytes >= unit {
            let value = format!("{:.1}", bytes as f64 / unit as f64);
            return with(key, &[value.trim_end_matches(".0")]);
        }
    }
    with("unit-bytes", &[&bytes.to_string()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_used_by_templates_code_and_script_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = Vec::new();
        for dir in ["templates", "src/web"] {
            for entry in std::fs::read_dir(root.join(dir)).expect("readable") {
                let path = entry.expect("entry").path();
                sources.push(std::fs::read_to_string(&path).expect("text"));
            }
        }
        let used = regex::Regex::new(r#"\b(?:t|tw|text|with)\("([a-z0-9-]+)""#).expect("regex");
        let mut keys: Vec<String> = sources
            .iter()
            .flat_map(|source| used.captures_iter(source).map(|found| found[1].to_owned()))
            .collect();
        // The uploader gets the `upload-` messages and asks by `msg('key'`.
        let script = std::fs::read_to_string(root.join("static/uploader.js")).expect("script");
        let asked = regex::Regex::new(r"msg\('([a-z0-9-]+)'").expect("regex");
        let script_keys: Vec<String> = asked
            .captures_iter(&script)
            .map(|found| found[1].to_owned())
            .collect();
        assert!(
            script_keys.iter().all(|key| key.starts_with("upload-")),
            "{script_keys:?}"
        );
        keys.extend(script_keys);
        assert!(
            keys.len() > 50,
            "the patterns find the keys: {}",
            keys.len()
        );
        for key in keys {
            assert!(ENGLISH.contains_key(&key), "missing message {key}");
        }
    }

    #[test]
    fn parameters_and_sizes() {
        assert_eq!(with("login-failed", &["bad"]), "The login failed: bad");
        assert_eq!(size(512), "512 B");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(40 << 20), "40 MiB");
    }
}
