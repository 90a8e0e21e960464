//! The text side of an edit, as MediaWiki's EditPage computes it: the
//! pre-save transform, section and append/prepend edits, three-way merges
//! (for edit conflicts and for undo), and the automatic summary of an
//! edit saved without one. Pure functions; `Pages::edit` applies them.

use super::title::Title;
use super::wikitext;

/// `$wgMaxArticleSize` (2048 KiB), in bytes.
pub const MAX_ARTICLE_BYTES: usize = 2048 * 1024;

/// `CommentStore::COMMENT_CHARACTER_LIMIT`.
const COMMENT_LIMIT: usize = 500;

/// Which part of a page an edit replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section {
    /// `section=N`: the Nth section (0: before the first heading).
    Number(usize),
    /// `section=new`: a section added at the end, headed by the title.
    New { title: Option<String> },
}

impl Section {
    /// Parses MediaWiki's `section` parameter (`N`, `new`; `T-N` names a
    /// section of a transcluded template, which never exists here).
    pub fn parse(value: &str) -> Result<Option<Section>, SectionError> {
        if value == "new" {
            return Ok(Some(Section::New { title: None }));
        }
        let digits = value.strip_prefix("T-").unwrap_or(value);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SectionError::Invalid);
        }
        if value.starts_with("T-") {
            return Err(SectionError::Missing(value.to_owned()));
        }
        digits
            .parse()
            .map(|n| Some(Section::Number(n)))
            .map_err(|_| SectionError::Missing(value.to_owned()))
    }
}

/// A `section` value that names no section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionError {
    Invalid,
    Missing(String),
}

/// MediaWiki's pre-save transform of a text as the API receives it:
/// Windows line ends become `\n`, trailing white space goes.
pub fn pre_save_transform(text: &str) -> String {
    text.replace("\r\n", "\n").trim_end().to_owned()
}

/// `new_text` put in place of `section` of `current` (None: the page does
/// not exist); `None` when the section does not exist.
pub fn replace_section(current: Option<&str>, section: &Section, new_text: &str) -> Option<String> {
    match section {
        Section::New { title } => {
            let subject = match title.as_deref() {
                Some(title) if !title.is_empty() => format!("== {title} ==\n\n"),
                _ => String::new(),
            };
            Some(match current {
                Some(old) if !old.trim().is_empty() => format!("{old}\n\n{subject}{new_text}"),
                _ => format!("{subject}{new_text}"),
            })
        }
        Section::Number(0) if current.is_none() => Some(new_text.to_owned()),
        Section::Number(n) => wikitext::replace_section(current?, *n, new_text),
    }
}

/// Three-way merge by lines: the changes from `base` to `theirs` applied
/// to `ours`; `None` when they overlap.
pub fn merge3(base: &str, ours: &str, theirs: &str) -> Option<String> {
    let line = |t: &str| format!("{t}\n");
    diffy::merge(&line(base), &line(ours), &line(theirs))
        .ok()
        .map(|merged| merged.trim_end_matches('\n').to_owned())
}

/// The summary MediaWiki gives an edit saved without one.
pub fn autosummary(old: Option<&str>, new: &str, created: bool, sitename: &str) -> String {
    let target = |text: &str| {
        wikitext::redirect_target(text).and_then(|raw| {
            let (name, fragment) = raw.split_once('#').unwrap_or((&raw, ""));
            let title = Title::parse(name, sitename)?;
            Some(match fragment {
                "" => title.text(sitename),
                fragment => format!("{}#{fragment}", title.text(sitename)),
            })
        })
    };
    let old_target = old.and_then(target);
    let new_target = target(new);
    if old.is_some_and(|o| !o.is_empty()) && new.is_empty() {
        return "Blanked the page".into();
    }
    match (&old_target, &new_target) {
        (None, Some(to)) => return format!("Redirected page to [[{to}]]"),
        (Some(from), Some(to)) if from != to => {
            return format!("Changed redirect target from [[{from}]] to [[{to}]]");
        }
        (Some(from), None) => return format!("Removed redirect to [[{from}]]"),
        _ => {}
    }
    if created {
        return match new.is_empty() {
            true => "Created blank page".into(),
            false => format!(
                "Created page with \"{}\"",
                text_for_summary(new, COMMENT_LIMIT - "Created page with \"$1\"".len())
            ),
        };
    }
    if old.is_some_and(|o| o.len() > 10 * new.len()) {
        return format!(
            "Replaced content with \"{}\"",
            text_for_summary(new, COMMENT_LIMIT - "Replaced content with \"$1\"".len())
        );
    }
    String::new()
}

/// A text on one line, cut to `max_bytes` with `...`, without a link left
/// open by the cut.
fn text_for_summary(text: &str, max_bytes: usize) -> String {
    let flat = text.replace(['\n', '\r'], " ");
    let mut cut = if flat.len() > max_bytes {
        let mut end = max_bytes.saturating_sub(3);
        while !flat.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &flat[..end])
    } else {
        flat
    };
    // An unfinished `[[link` at the end loses its brackets.
    if let Some(open) = cut.rfind("[[")
        && !cut[open..].contains("]]")
    {
        let inner = cut[open + 2..].trim_end_matches(']').to_owned();
        cut.replace_range(open.., &inner);
    }
    cut
}

/// MediaWiki's `undo-summary`.
pub fn undo_summary(revision: i64, user: &str) -> String {
    format!(
        "Undo revision {revision} by [[Special:Contributions/{user}|{user}]] ([[User talk:{user}|talk]])"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_parse_as_mediawiki_accepts_them() {
        assert_eq!(
            Section::parse("new"),
            Ok(Some(Section::New { title: None }))
        );
        assert_eq!(Section::parse("2"), Ok(Some(Section::Number(2))));
        assert_eq!(Section::parse("x"), Err(SectionError::Invalid));
        assert_eq!(Section::parse("-1"), Err(SectionError::Invalid));
        assert_eq!(
            Section::parse("T-1"),
            Err(SectionError::Missing("T-1".into()))
        );
    }

    #[test]
    fn a_new_section_goes_after_a_blank_line() {
        let new = Section::New {
            title: Some("Added section".into()),
        };
        assert_eq!(
            replace_section(
                Some("Text checked by md5."),
                &new,
                "Body of the added section."
            ),
            Some(
                "Text checked by md5.\n\n== Added section ==\n\nBody of the added section.".into()
            )
        );
        assert_eq!(
            replace_section(None, &new, "Body"),
            Some("== Added section ==\n\nBody".into())
        );
        assert_eq!(replace_section(Some("x"), &Section::Number(3), "y"), None);
    }

    #[test]
    fn non_overlapping_changes_merge_and_overlapping_ones_conflict() {
        let base = "one\ntwo\nthree\nfour";
        let theirs = "one\ntwo\nthree\nFOUR";
        assert_eq!(
            merge3(base, "ONE\ntwo\nthree\nfour", theirs).as_deref(),
            Some("ONE\ntwo\nthree\nFOUR")
        );
        assert_eq!(merge3(base, "one\ntwo\nthree\nvier", theirs), None);
    }

    #[test]
    fn automatic_summaries_say_what_changed() {
        assert_eq!(
            autosummary(None, "Template text ({{{1|}}}).", true, "Wiki"),
            "Created page with \"Template text ({{{1|}}}).\""
        );
        assert_eq!(autosummary(None, "", true, "Wiki"), "Created blank page");
        assert_eq!(
            autosummary(Some("old"), "", false, "Wiki"),
            "Blanked the page"
        );
        assert_eq!(
            autosummary(Some("x"), "#REDIRECT [[file:B.png]]", false, "Wiki"),
            "Redirected page to [[File:B.png]]"
        );
        assert_eq!(
            autosummary(Some(&"long ".repeat(40)), "short", false, "Wiki"),
            "Replaced content with \"short\""
        );
        assert_eq!(
            autosummary(Some("same size"), "same, too", false, "Wiki"),
            ""
        );
        let long = "word ".repeat(200);
        let summary = autosummary(None, &long, true, "Wiki");
        assert!(
            summary.len() <= 500 && summary.ends_with("...\""),
            "{summary}"
        );
    }

    #[test]
    fn the_pre_save_transform_trims_and_unifies_line_ends() {
        assert_eq!(pre_save_transform("a\r\nb  \n\n"), "a\nb");
    }
}
