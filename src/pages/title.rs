//! Page titles as MediaWiki forms them: a namespace (by its canonical
//! name, an alias, or the site's name for the project namespace) and a DB
//! key (spaces as underscores, first letter upper-cased), with MediaWiki's
//! rules for what cannot be a title.

/// The namespaces of a MediaWiki wiki: id, canonical name, subpages.
/// The project namespaces (4, 5) take the site's name.
pub const NAMESPACES: &[(i64, &str, bool)] = &[
    (-2, "Media", false),
    (-1, "Special", false),
    (0, "", false),
    (1, "Talk", true),
    (2, "User", true),
    (3, "User talk", true),
    (4, "Project", true),
    (5, "Project talk", true),
    (6, "File", false),
    (7, "File talk", true),
    (8, "MediaWiki", true),
    (9, "MediaWiki talk", true),
    (10, "Template", true),
    (11, "Template talk", true),
    (12, "Help", true),
    (13, "Help talk", true),
    (14, "Category", false),
    (15, "Category talk", true),
];

/// MediaWiki's built-in aliases: `Image:` is the old name of `File:`.
pub const NAMESPACE_ALIASES: &[(i64, &str)] = &[(6, "Image"), (7, "Image talk")];

pub const MEDIA: i64 = -2;
pub const SPECIAL: i64 = -1;
pub const MAIN: i64 = 0;
pub const USER: i64 = 2;
pub const FILE: i64 = 6;
pub const TEMPLATE: i64 = 10;
pub const CATEGORY: i64 = 14;

/// The longest title in bytes (`page_title` is a 255-byte column).
const MAX_TITLE_BYTES: usize = 255;

/// A page's title: namespace and DB key (`My_file.png`), fragment dropped.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Title {
    pub namespace: i64,
    pub db_key: String,
}

impl Title {
    pub fn new(namespace: i64, db_key: &str) -> Title {
        Title {
            namespace,
            db_key: db_key.to_owned(),
        }
    }

    /// Parses `input` as MediaWiki's `Title::newFromText` does; `None` when
    /// it cannot be a title. A fragment (`#...`) is dropped.
    pub fn parse(input: &str, sitename: &str) -> Option<Title> {
        Title::parse_in(input, MAIN, sitename)
    }

    /// Parses `input` with `default_namespace` for a name without prefix
    /// (templates are in `Template:` unless they say otherwise).
    pub fn parse_in(input: &str, default_namespace: i64, sitename: &str) -> Option<Title> {
        let input = input.split('#').next().unwrap_or_default();
        if input
            .chars()
            .any(|c| c.is_control() || "<>[]|{}\u{FFFD}".contains(c))
        {
            return None;
        }
        // Underscores are spaces; runs of white space (and direction marks)
        // become one space; the ends are trimmed.
        let cleaned: String = input
            .chars()
            .filter(|c| !matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}'))
            .map(|c| {
                if c == '_' || c.is_whitespace() {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        let text = cleaned
            .split(' ')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        // A leading colon forces the main namespace (`[[:File:X]]`).
        let (text, forced_main) = match text.strip_prefix(':') {
            Some(rest) => (rest.trim_start().to_owned(), true),
            None => (text, false),
        };
        let (namespace, rest) = match text.split_once(':') {
            Some((prefix, rest)) => match namespace_id(prefix.trim(), sitename) {
                Some(id) => (id, rest.trim().to_owned()),
                None => (
                    if forced_main { MAIN } else { default_namespace },
                    text.clone(),
                ),
            },
            None => (
                if forced_main { MAIN } else { default_namespace },
                text.clone(),
            ),
        };
        if rest.is_empty() && namespace != MAIN {
            return None;
        }
        if rest.is_empty()
            || rest.starts_with(':') && namespace != MAIN
            || rest == "."
            || rest == ".."
            || rest.starts_with("./")
            || rest.starts_with("../")
            || rest.contains("/./")
            || rest.contains("/../")
            || rest.ends_with("/.")
            || rest.ends_with("/..")
            || rest.contains("~~~")
            || has_percent_escape(&rest)
            || rest.len() > MAX_TITLE_BYTES
        {
            return None;
        }
        let mut chars = rest.chars();
        let first = chars.next()?;
        let capitalized: String = first.to_uppercase().chain(chars).collect();
        Some(Title {
            namespace,
            db_key: capitalized.replace(' ', "_"),
        })
    }

    /// The text form with the namespace's name, as the API shows titles
    /// (`File:My file.png`).
    pub fn text(&self, sitename: &str) -> String {
        with_prefix(&namespace_name(self.namespace, sitename), &self.name_text())
    }

    /// The DB-key form with the namespace's name (`File:My_file.png`).
    pub fn prefixed_db_key(&self, sitename: &str) -> String {
        with_prefix(
            &namespace_name(self.namespace, sitename).replace(' ', "_"),
            &self.db_key,
        )
    }

    /// The name without namespace, with spaces (`My file.png`).
    pub fn name_text(&self) -> String {
        self.db_key.replace('_', " ")
    }

    pub fn is_talk(&self) -> bool {
        self.namespace > 0 && self.namespace % 2 == 1
    }

    /// Whether pages of this title can exist (not Special: or Media:).
    pub fn can_exist(&self) -> bool {
        self.namespace >= 0
    }

    /// The talk page of a subject page, the subject page of a talk page.
    pub fn associated(&self) -> Option<Title> {
        if !self.can_exist() {
            return None;
        }
        let namespace = if self.is_talk() {
            self.namespace - 1
        } else {
            self.namespace + 1
        };
        Some(Title::new(namespace, &self.db_key))
    }

    /// The talk page (itself when it is one).
    pub fn talk(&self) -> Option<Title> {
        match self.is_talk() {
            true => Some(self.clone()),
            false => self.associated(),
        }
    }
}

fn with_prefix(prefix: &str, name: &str) -> String {
    match prefix {
        "" => name.to_owned(),
        prefix => format!("{prefix}:{name}"),
    }
}

/// `%41` in a title would make it ambiguous with its URL form.
fn has_percent_escape(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes
        .windows(3)
        .any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
}

/// The local name of a namespace.
pub fn namespace_name(id: i64, sitename: &str) -> String {
    match id {
        4 => sitename.to_owned(),
        5 => format!("{sitename} talk"),
        _ => NAMESPACES
            .iter()
            .find(|(ns, _, _)| *ns == id)
            .map(|(_, name, _)| (*name).to_owned())
            .unwrap_or_default(),
    }
}

/// The namespace a prefix names (case-insensitive, `_` as space).
pub fn namespace_id(prefix: &str, sitename: &str) -> Option<i64> {
    let prefix = prefix.replace('_', " ").to_lowercase();
    if let Some((id, _)) = NAMESPACE_ALIASES
        .iter()
        .find(|(_, alias)| alias.to_lowercase() == prefix)
    {
        return Some(*id);
    }
    if prefix == sitename.to_lowercase() {
        return Some(4);
    }
    if prefix == format!("{} talk", sitename.to_lowercase()) {
        return Some(5);
    }
    NAMESPACES
        .iter()
        .find(|(id, name, _)| *id != MAIN && name.to_lowercase() == prefix)
        .map(|(id, _, _)| *id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_normalized_with_their_namespace() {
        let t = Title::parse("image:my_file.png", "Wiki").expect("valid");
        assert_eq!((t.namespace, t.db_key.as_str()), (6, "My_file.png"));
        assert_eq!(t.text("Wiki"), "File:My file.png");
        assert_eq!(t.prefixed_db_key("Wiki"), "File:My_file.png");
        let main = Title::parse("main  page", "Wiki").expect("valid");
        assert_eq!(
            (main.namespace, main.text("Wiki")),
            (0, "Main page".to_owned())
        );
        let project = Title::parse("wiki:About", "Wiki").expect("valid");
        assert_eq!(project.namespace, 4);
        let talk = Title::parse("User_talk: bob", "Wiki").expect("valid");
        assert_eq!((talk.namespace, talk.db_key.as_str()), (3, "Bob"));
        assert_eq!(Title::parse("Foo#Bar", "Wiki"), Some(Title::new(0, "Foo")));
        assert_eq!(
            Title::parse(":File:X.png", "Wiki"),
            Some(Title::new(6, "X.png"))
        );
        assert_eq!(
            Title::parse("Nope:X", "Wiki"),
            Some(Title::new(0, "Nope:X"))
        );
    }

    #[test]
    fn invalid_titles_are_refused() {
        for bad in [
            "File:", "", "a[b]", "a|b", "x{y}", "A%20B", "~~~~", "../x", "a/./b", "Talk::x",
        ] {
            assert!(Title::parse(bad, "Wiki").is_none(), "{bad:?}");
        }
        assert!(Title::parse(&"x".repeat(256), "Wiki").is_none());
    }

    #[test]
    fn templates_default_to_their_namespace() {
        let t = Title::parse_in("tmpl", TEMPLATE, "Wiki").expect("valid");
        assert_eq!(t, Title::new(10, "Tmpl"));
        let main = Title::parse_in(":Main", TEMPLATE, "Wiki").expect("valid");
        assert_eq!(main, Title::new(0, "Main"));
    }

    #[test]
    fn talk_and_subject_pages_are_associated() {
        let file = Title::new(FILE, "X.png");
        assert_eq!(file.associated(), Some(Title::new(7, "X.png")));
        assert_eq!(Title::new(7, "X.png").associated(), Some(file));
        assert_eq!(Title::new(SPECIAL, "X").associated(), None);
    }
}
