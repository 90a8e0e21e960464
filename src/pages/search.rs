//! Searching pages (MediaWiki's default database search, `SearchSqlite`):
//! the query's terms, title or text matches from the database's full-text
//! index (`storage::search`), near matches by title, and what a hit shows:
//! size, word count (PHP's `str_word_count`) and a snippet with the terms
//! in `<span class='searchmatch'>` (`SearchHighlighter::highlightSimple`).
//! File names are the titles of File pages, so a title search in
//! namespace 6 searches them. Used by `list=search` and, through it, by
//! the web UI's Special:Search.

use super::title::Title;
use super::{PageError, Pages};
use crate::storage::{FoundPage, PageSearch, SearchField, SearchTerm};

/// What to match (`srwhat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchWhat {
    Title,
    Text,
    /// The page the query names, found with a few spellings of it.
    NearMatch,
}

/// One search.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub query: String,
    pub what: SearchWhat,
    /// Only pages in these namespaces (None: all).
    pub namespaces: Option<Vec<i64>>,
    pub offset: i64,
    pub limit: i64,
    /// Count all matches (`totalhits`).
    pub count: bool,
}

/// A page found.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub title: Title,
    pub page_id: i64,
    /// Bytes of the latest text.
    pub size: i64,
    pub word_count: i64,
    /// HTML: the lines with the terms, escaped, terms highlighted; '' for
    /// near matches and texts without them.
    pub snippet: String,
    /// Time of the latest revision.
    pub timestamp: i64,
}

/// What a search found.
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// All matches, when counted (never for near matches).
    pub total: Option<i64>,
    /// More hits follow the ones returned.
    pub more: bool,
}

/// Lines and characters of a snippet (MediaWiki's defaults).
const SNIPPET_LINES: usize = 2;
const SNIPPET_CHARS: usize = 75;

/// A term to highlight: its text as typed (lower case), and whether it
/// may end inside a word (`fox*`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Highlight {
    text: Vec<char>,
    prefix: bool,
}

/// The query's terms as `SearchSqlite::parseQuery` reads them: an optional
/// modifier (`-` excludes; `+<>~` change nothing here), then a quoted
/// phrase or a word of letters, digits and `_'.-` with an optional `*`.
fn parse_query(query: &str) -> (Vec<SearchTerm>, Vec<Highlight>) {
    let query = query.to_lowercase();
    let chars: Vec<char> = query.chars().collect();
    let legal = |c: char| c.is_alphanumeric() || "_'.-".contains(c) || !c.is_ascii();
    let mut terms = Vec::new();
    let mut highlights = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let negated = chars[i] == '-';
        let start = if "-+<>~".contains(chars[i]) { i + 1 } else { i };
        let (text, prefix, end): (String, bool, usize) = if chars.get(start) == Some(&'"') {
            match chars[start + 1..].iter().position(|&c| c == '"') {
                Some(len) => (
                    chars[start + 1..start + 1 + len].iter().collect(),
                    false,
                    start + len + 2,
                ),
                None => {
                    i += 1;
                    continue;
                }
            }
        } else {
            let len = chars[start..].iter().take_while(|&&c| legal(c)).count();
            if len == 0 {
                i += 1;
                continue;
            }
            let star = chars.get(start + len) == Some(&'*');
            let end = start + len + usize::from(star);
            (chars[start..start + len].iter().collect(), star, end)
        };
        i = end.max(i + 1);
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        if words.is_empty() {
            continue;
        }
        highlights.push(Highlight {
            text: text.chars().collect(),
            prefix,
        });
        terms.push(SearchTerm {
            words,
            prefix,
            negated,
        });
    }
    (terms, highlights)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Where `term` matches `line` at `at` (case-insensitively, on word
/// boundaries): its length in chars.
fn match_at(line: &[char], lower: &[char], at: usize, term: &Highlight) -> Option<usize> {
    let len = term.text.len();
    if len == 0 || at + len > lower.len() || lower[at..at + len] != term.text[..] {
        return None;
    }
    // `\b`: a word character on one side only (outside the line: none).
    let word_at = |i: Option<usize>| {
        i.and_then(|i| line.get(i))
            .is_some_and(|&c| is_word_char(c))
    };
    let boundary = |i: usize| word_at(i.checked_sub(1)) != word_at(Some(i));
    let starts_word = boundary(at);
    let ends_word = term.prefix || boundary(at + len);
    (starts_word && ends_word).then_some(len)
}

/// A line's characters lower-cased one for one (so positions agree).
fn lower_chars(line: &[char]) -> Vec<char> {
    line.iter()
        .map(|c| c.to_lowercase().next().unwrap_or(*c))
        .collect()
}

/// `highlightSimple`: up to two lines holding a term, each cut to 75
/// characters either side of the line's last match, escaped, the terms
/// wrapped in `<span class='searchmatch'>`, each followed by a newline.
fn snippet(text: &str, terms: &[Highlight]) -> String {
    let mut out = String::new();
    let mut lines_left = SNIPPET_LINES;
    for line in text.split('\n') {
        if lines_left == 0 {
            break;
        }
        let line: Vec<char> = line.chars().collect();
        let lower = lower_chars(&line);
        let last = (0..line.len()).rev().find_map(|at| {
            terms
                .iter()
                .find_map(|t| match_at(&line, &lower, at, t))
                .map(|len| (at, len))
        });
        let Some((at, len)) = last else { continue };
        lines_left -= 1;
        let before = &line[..at];
        let after_end = (at + len + SNIPPET_CHARS + 1).min(line.len());
        let after = &line[at + len..after_end];
        let mut piece = String::new();
        if before.len() > SNIPPET_CHARS {
            piece.push_str("...");
            piece.extend(&before[before.len() - SNIPPET_CHARS..]);
        } else {
            piece.extend(before);
        }
        piece.extend(&line[at..at + len]);
        if after.len() > SNIPPET_CHARS {
            piece.extend(&after[..SNIPPET_CHARS]);
            piece.push_str("...");
        } else {
            piece.extend(after);
        }
        out.push_str(&highlight(&piece, terms));
        out.push('\n');
    }
    out
}

/// `piece` escaped, with every match of a term wrapped.
fn highlight(piece: &str, terms: &[Highlight]) -> String {
    let line: Vec<char> = piece.chars().collect();
    let lower = lower_chars(&line);
    let mut out = String::new();
    let mut at = 0;
    while at < line.len() {
        match terms.iter().find_map(|t| match_at(&line, &lower, at, t)) {
            Some(len) => {
                let found: String = line[at..at + len].iter().collect();
                out.push_str("<span class='searchmatch'>");
                out.push_str(&escape_html(&found));
                out.push_str("</span>");
                at += len;
            }
            None => {
                out.push_str(&escape_html(&line[at].to_string()));
                at += 1;
            }
        }
    }
    out
}

/// `htmlspecialchars`.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#039;"),
            _ => out.push(c),
        }
    }
    out
}

/// PHP's `str_word_count` (C locale): runs of ASCII letters, `'` and `-`;
/// a `'` or `-` starting the text and a `-` ending it do not count.
pub fn word_count(text: &str) -> i64 {
    let mut bytes = text.as_bytes();
    if let [b'\'' | b'-', rest @ ..] = bytes {
        bytes = rest;
    }
    if let [rest @ .., b'-'] = bytes {
        bytes = rest;
    }
    let is_word = |b: &u8| b.is_ascii_alphabetic() || *b == b'\'' || *b == b'-';
    let count = bytes
        .split(|b| !is_word(b))
        .filter(|run| !run.is_empty())
        .count();
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// The spellings a near match tries after the query as typed: all lower
/// case, each word capitalized, all upper case (`SearchNearMatcher`).
fn near_match_spellings(query: &str) -> Vec<String> {
    let lower = query.to_lowercase();
    let words = lower
        .split(' ')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect::<Vec<_>>()
        .join(" ");
    vec![query.to_owned(), lower, words, query.to_uppercase()]
}

impl Pages {
    /// Runs `request`.
    pub async fn search(&self, request: &SearchRequest) -> Result<SearchResults, PageError> {
        if request.what == SearchWhat::NearMatch {
            return self.near_match(&request.query).await;
        }
        let (terms, highlights) = parse_query(&request.query);
        if terms.iter().all(|t| t.negated) {
            return Ok(SearchResults {
                total: request.count.then_some(0),
                ..SearchResults::default()
            });
        }
        let field = if request.what == SearchWhat::Title {
            SearchField::Title
        } else {
            SearchField::Text
        };
        let search = PageSearch {
            field,
            terms: &terms,
            namespaces: request.namespaces.as_deref(),
            offset: request.offset,
            limit: request.limit + 1,
        };
        let (mut found, total) = self.db.search_pages(&search, request.count).await?;
        let more = found.len() as i64 > request.limit;
        found.truncate(usize::try_from(request.limit).unwrap_or(0));
        let hits = found
            .into_iter()
            .map(|found| hit(found, Some(&highlights)))
            .collect();
        Ok(SearchResults { hits, total, more })
    }

    /// The page the query names, if it exists under one of its spellings.
    async fn near_match(&self, query: &str) -> Result<SearchResults, PageError> {
        for spelling in near_match_spellings(query.trim()) {
            let Some(title) = self.title(&spelling) else {
                continue;
            };
            if let Some((page, revision)) = self.current(&title).await? {
                let found = FoundPage {
                    page,
                    content: revision.content,
                    revision_timestamp: revision.timestamp,
                };
                return Ok(SearchResults {
                    hits: vec![hit(found, None)],
                    total: None,
                    more: false,
                });
            }
        }
        Ok(SearchResults::default())
    }
}

fn hit(found: FoundPage, highlights: Option<&[Highlight]>) -> SearchHit {
    let FoundPage {
        page,
        content,
        revision_timestamp,
    } = found;
    SearchHit {
        title: Title::new(page.namespace, &page.title),
        page_id: page.id,
        size: page.length,
        word_count: word_count(&content),
        snippet: highlights.map_or_else(String::new, |h| snippet(&content, h)),
        timestamp: revision_timestamp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(terms: &[SearchTerm]) -> Vec<(Vec<&str>, bool, bool)> {
        terms
            .iter()
            .map(|t| {
                let words = t.words.iter().map(String::as_str).collect();
                (words, t.prefix, t.negated)
            })
            .collect()
    }

    #[test]
    fn queries_are_read_as_mediawiki_reads_them() {
        let (terms, highlights) = parse_query(r#"Red "Brown FOX" -dog fo* x_y <b>"#);
        assert_eq!(
            words(&terms),
            vec![
                (vec!["red"], false, false),
                (vec!["brown", "fox"], false, false),
                (vec!["dog"], false, true),
                (vec!["fo"], true, false),
                (vec!["x", "y"], false, false),
                (vec!["b"], false, false),
            ]
        );
        assert_eq!(highlights[1].text, "brown fox".chars().collect::<Vec<_>>());
        assert!(parse_query(r#"*** "" -"#).0.is_empty());
    }

    #[test]
    fn snippets_are_the_matching_lines_escaped_and_highlighted() {
        let (_, terms) = parse_query("fox");
        let text = "The quick brown fox jumps over the lazy dog. Foxes are clever animals.\n\n\
                    == Habitat ==\nA <b>fox</b> & a FOX.\nfoxes only\nfox three";
        assert_eq!(
            snippet(text, &terms),
            "The quick brown <span class='searchmatch'>fox</span> jumps over the lazy dog. \
             Foxes are clever animals.\n\
             A &lt;b&gt;<span class='searchmatch'>fox</span>&lt;/b&gt; &amp; a \
             <span class='searchmatch'>FOX</span>.\n"
        );
        let (_, prefix) = parse_query("fox*");
        assert_eq!(
            snippet("Foxes run", &prefix),
            "<span class='searchmatch'>Fox</span>es run\n"
        );
        assert_eq!(snippet("no match here", &terms), "");
    }

    #[test]
    fn long_lines_are_cut_around_the_last_match() {
        let (_, terms) = parse_query("fox");
        let line = format!("{} fox {}", "a".repeat(100), "b".repeat(100));
        let expected = format!(
            "...{} <span class='searchmatch'>fox</span> {}...\n",
            "a".repeat(74),
            "b".repeat(74)
        );
        assert_eq!(snippet(&line, &terms), expected);
    }

    #[test]
    fn words_are_counted_as_php_counts_them() {
        assert_eq!(word_count("#REDIRECT [[Search Alpha]]"), 3);
        assert_eq!(word_count("A fox discussion."), 3);
        assert_eq!(word_count("don't stop-gap 42 x"), 3);
        assert_eq!(word_count("-a b-"), 2);
        assert_eq!(word_count(""), 0);
    }

    #[test]
    fn near_matches_try_other_cases() {
        assert_eq!(
            near_match_spellings("main PAGE"),
            ["main PAGE", "main page", "Main Page", "MAIN PAGE"]
        );
    }
}
