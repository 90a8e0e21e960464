//! Wikitext to HTML for `action=parse`: a documented, safe subset of
//! MediaWiki's parser output, from the same parser as the link tables
//! (`wikitext`). Rendered: paragraphs, headings (with ids), bold and
//! italic, lists, tables (without attributes), internal links (red links
//! for missing pages, `mw-redirect` for redirects), external links (text,
//! numbered and free), file links (thumbnails, inline images, red links
//! to the upload form), the harmless HTML tags MediaWiki allows (without
//! attributes, balanced), `<nowiki>`, `<pre>` and the redirect notice.
//! Templates are not expanded: a call renders as a link to the template.
//! Categories are collected, not rendered. Everything from the text is
//! HTML-escaped; no attribute of the text reaches the output.

use std::collections::HashMap;

use parse_wiki_text_2::{DefinitionListItemType, Node, TableCellType};

use super::links::template_target;
use super::search::escape_html;
use super::title::{self, Title};
use super::wikitext::{self, URL_PROTOCOLS};

/// What a link to a page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    Missing,
    Exists,
    Redirect,
}

/// A file's image: its size, and the URL of it at a width (the original
/// when None or when it would not be scaled).
pub trait FileImages {
    fn size(&self, name: &str) -> Option<(i64, i64)>;
    fn url(&self, name: &str, width: Option<i64>) -> Option<String>;
}

/// What the renderer knows of the wiki.
pub struct RenderSite<'a> {
    pub sitename: &'a str,
    /// `{script_path}/index.php`.
    pub index_path: &'a str,
    /// The state of every page the text links to or transcludes (absent:
    /// missing).
    pub pages: &'a HashMap<Title, LinkState>,
    pub files: &'a dyn FileImages,
}

/// A heading of the rendered text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedHeading {
    pub level: u8,
    /// Its content as HTML.
    pub line: String,
    /// The id of its anchor (unique in the page).
    pub anchor: String,
    /// Byte offset in the text.
    pub offset: usize,
}

/// The HTML and what the text uses, each in order of first appearance.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The `mw-parser-output` wrapper and its content.
    pub html: String,
    pub links: Vec<Title>,
    pub templates: Vec<Title>,
    /// File names (DB keys).
    pub images: Vec<String>,
    pub external_links: Vec<String>,
    /// Category DB keys and sort keys.
    pub categories: Vec<(String, String)>,
    pub headings: Vec<RenderedHeading>,
}

/// Renders `text` as the page `page`.
pub fn render(text: &str, page: &Title, site: &RenderSite<'_>) -> Rendered {
    let output = wikitext::parse(text);
    let mut renderer = Renderer {
        text,
        page,
        site,
        out: Rendered::default(),
        html: String::new(),
        paragraph: String::new(),
        open_tags: Vec::new(),
        bold: false,
        italic: false,
        autonumber: 0,
        anchors: HashMap::new(),
    };
    renderer.blocks(&output.nodes);
    renderer.flush_paragraph();
    let html = std::mem::take(&mut renderer.html);
    renderer.out.html = format!("<div class=\"mw-parser-output\">{html}</div>");
    renderer.out
}

/// The anchor of a heading: its text, spaces as underscores.
fn anchor_of(html_line: &str) -> String {
    let mut plain = String::new();
    let mut in_tag = false;
    for c in html_line.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    let plain = plain
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#039;", "'")
        .replace("&amp;", "&");
    plain.split_whitespace().collect::<Vec<_>>().join("_")
}

struct Renderer<'r, 't> {
    text: &'t str,
    page: &'r Title,
    site: &'r RenderSite<'r>,
    out: Rendered,
    /// Finished blocks.
    html: String,
    /// Inline content of the paragraph being built.
    paragraph: String,
    /// HTML tags of the text still open, innermost last.
    open_tags: Vec<String>,
    bold: bool,
    italic: bool,
    /// `[http://x]` links are numbered.
    autonumber: usize,
    anchors: HashMap<String, usize>,
}

impl<'t> Renderer<'_, 't> {
    fn page_href(&self, title: &Title) -> String {
        let key = title.prefixed_db_key(self.site.sitename);
        format!(
            "{}/{}",
            self.site.index_path,
            crate::upload::repo::wiki_url_encode(&key)
        )
    }

    fn state(&self, title: &Title) -> LinkState {
        self.site
            .pages
            .get(title)
            .copied()
            .unwrap_or(LinkState::Missing)
    }

    /// `<a>` to a page, red when it is missing.
    fn page_link(&self, title: &Title, label_html: &str) -> String {
        let text = title.text(self.site.sitename);
        match self.state(title) {
            LinkState::Missing => format!(
                "<a href=\"{}?title={}&amp;action=edit&amp;redlink=1\" class=\"new\" title=\"{} (page does not exist)\">{label_html}</a>",
                self.site.index_path,
                escape_html(&crate::upload::repo::wiki_url_encode(
                    &title.prefixed_db_key(self.site.sitename)
                )),
                escape_html(&text),
            ),
            state => format!(
                "<a href=\"{}\"{} title=\"{}\">{label_html}</a>",
                escape_html(&self.page_href(title)),
                if state == LinkState::Redirect {
                    " class=\"mw-redirect\""
                } else {
                    ""
                },
                escape_html(&text),
            ),
        }
    }

    fn flush_paragraph(&mut self) {
        self.close_formatting();
        let content = std::mem::take(&mut self.paragraph);
        let trimmed = content.trim_matches(|c: char| c == '\n' || c == ' ');
        if !trimmed.is_empty() {
            self.html.push_str("<p>");
            self.html.push_str(trimmed);
            self.html.push_str("\n</p>");
        }
    }

    /// Closes bold, italic and the text's tags at the end of a block.
    fn close_formatting(&mut self) {
        if self.italic {
            self.paragraph.push_str("</i>");
            self.italic = false;
        }
        if self.bold {
            self.paragraph.push_str("</b>");
            self.bold = false;
        }
        while let Some(tag) = self.open_tags.pop() {
            self.paragraph.push_str(&format!("</{tag}>"));
        }
    }

    /// A block element: the paragraph before it ends.
    fn block(&mut self, html: &str) {
        self.flush_paragraph();
        if !self.html.is_empty() && !self.html.ends_with('\n') {
            self.html.push('\n');
        }
        self.html.push_str(html);
        self.html.push('\n');
    }

    fn blocks(&mut self, nodes: &[Node<'_>]) {
        let mut in_pre = false;
        for node in nodes {
            match node {
                Node::StartTag { name, .. } if name == "pre" => {
                    in_pre = true;
                    self.flush_paragraph();
                    self.html.push_str("<pre>");
                }
                Node::EndTag { name, .. } if name == "pre" && in_pre => {
                    in_pre = false;
                    self.html.push_str("</pre>\n");
                }
                Node::Text { value, .. } if in_pre => self.html.push_str(&escape_html(value)),
                _ if in_pre => {
                    let (start, end) = span(node);
                    self.html.push_str(&escape_html(&self.text[start..end]));
                }
                Node::ParagraphBreak { .. } => self.flush_paragraph(),
                Node::Heading {
                    level,
                    nodes,
                    start,
                    ..
                } => {
                    let line = self.inline_fragment(nodes);
                    let line = line.trim().to_owned();
                    let mut anchor = anchor_of(&line);
                    let seen = self.anchors.entry(anchor.clone()).or_insert(0);
                    *seen += 1;
                    if *seen > 1 {
                        anchor = format!("{anchor}_{seen}");
                    }
                    let level = (*level).clamp(1, 6);
                    self.block(&format!(
                        "<h{level}><span class=\"mw-headline\" id=\"{}\">{line}</span></h{level}>",
                        escape_html(&anchor)
                    ));
                    self.out.headings.push(RenderedHeading {
                        level,
                        line,
                        anchor,
                        offset: *start,
                    });
                }
                Node::UnorderedList { items, .. } | Node::OrderedList { items, .. } => {
                    let tag = if matches!(node, Node::UnorderedList { .. }) {
                        "ul"
                    } else {
                        "ol"
                    };
                    let lis: Vec<String> = items
                        .iter()
                        .map(|item| {
                            format!("<li>{}</li>", self.inline_fragment(&item.nodes).trim())
                        })
                        .collect();
                    self.block(&format!("<{tag}>{}</{tag}>", lis.join("\n")));
                }
                Node::DefinitionList { items, .. } => {
                    let entries: Vec<String> = items
                        .iter()
                        .map(|item| {
                            let tag = match item.type_ {
                                DefinitionListItemType::Term => "dt",
                                DefinitionListItemType::Details => "dd",
                            };
                            format!(
                                "<{tag}>{}</{tag}>",
                                self.inline_fragment(&item.nodes).trim()
                            )
                        })
                        .collect();
                    self.block(&format!("<dl>{}</dl>", entries.join("\n")));
                }
                Node::Preformatted { nodes, .. } => {
                    let content = self.inline_fragment(nodes);
                    self.block(&format!("<pre>{content}</pre>"));
                }
                Node::HorizontalDivider { .. } => self.block("<hr />"),
                Node::Table { captions, rows, .. } => {
                    let mut table = String::from("<table>");
                    for caption in captions {
                        let content = self.inline_fragment(&caption.content);
                        table.push_str(&format!("\n<caption>{}</caption>", content.trim()));
                    }
                    for row in rows {
                        table.push_str("\n<tr>");
                        for cell in &row.cells {
                            let tag = match cell.type_ {
                                TableCellType::Heading => "th",
                                TableCellType::Ordinary => "td",
                            };
                            let content = self.inline_fragment(&cell.content);
                            table.push_str(&format!("<{tag}>{}</{tag}>", content.trim()));
                        }
                        table.push_str("</tr>");
                    }
                    table.push_str("</table>");
                    self.block(&table);
                }
                Node::Redirect { target, .. } => {
                    let link = match Title::parse(target, self.site.sitename) {
                        Some(title) => {
                            self.note_link(&title);
                            let label = escape_html(&title.text(self.site.sitename));
                            self.page_link(&title, &label)
                        }
                        None => escape_html(target),
                    };
                    self.block(&format!(
                        "<div class=\"redirectMsg\"><p>Redirect to:</p><ul class=\"redirectText\"><li>{link}</li></ul></div>"
                    ));
                }
                Node::Image {
                    target, start, end, ..
                } if self.is_framed(*start, *end) => {
                    let html = self.image(target, *start, *end);
                    self.block(&html);
                }
                _ => self.inline(node),
            }
        }
        if in_pre {
            self.html.push_str("</pre>\n");
        }
    }

    /// Renders inline nodes on their own (a heading, a list item, a cell),
    /// with formatting closed at their end.
    fn inline_fragment(&mut self, nodes: &[Node<'_>]) -> String {
        let saved = (
            std::mem::take(&mut self.paragraph),
            std::mem::take(&mut self.open_tags),
            std::mem::replace(&mut self.bold, false),
            std::mem::replace(&mut self.italic, false),
        );
        for node in nodes {
            match node {
                Node::UnorderedList { .. }
                | Node::OrderedList { .. }
                | Node::DefinitionList { .. }
                | Node::Table { .. } => {
                    // A nested list (or table) inside an item.
                    self.close_formatting();
                    let outer = std::mem::take(&mut self.html);
                    let paragraph = std::mem::take(&mut self.paragraph);
                    self.blocks(std::slice::from_ref(node));
                    let nested = std::mem::replace(&mut self.html, outer);
                    self.paragraph = paragraph;
                    self.paragraph.push('\n');
                    self.paragraph.push_str(nested.trim_end());
                }
                Node::ParagraphBreak { .. } => self.paragraph.push('\n'),
                _ => self.inline(node),
            }
        }
        self.close_formatting();
        let content = std::mem::replace(&mut self.paragraph, saved.0);
        self.open_tags = saved.1;
        self.bold = saved.2;
        self.italic = saved.3;
        content
    }

    fn note_link(&mut self, title: &Title) {
        if !self.out.links.contains(title) {
            self.out.links.push(title.clone());
        }
    }

    fn inline(&mut self, node: &Node<'_>) {
        match node {
            Node::Text { value, .. } => {
                let html = self.free_links(value);
                self.paragraph.push_str(&html);
            }
            Node::CharacterEntity { character, .. } => {
                self.paragraph
                    .push_str(&escape_html(&character.to_string()));
            }
            Node::Bold { .. } => self.toggle_bold(),
            Node::Italic { .. } => self.toggle_italic(),
            Node::BoldItalic { .. } => {
                self.toggle_bold();
                self.toggle_italic();
            }
            Node::Link { target, text, .. } => {
                let html = self.link(target, text);
                self.paragraph.push_str(&html);
            }
            Node::Image {
                target, start, end, ..
            } => {
                let html = self.image(target, *start, *end);
                self.paragraph.push_str(&html);
            }
            Node::ExternalLink { nodes, .. } => {
                let html = self.external_link(nodes);
                self.paragraph.push_str(&html);
            }
            Node::Category {
                target, ordinal, ..
            } => {
                if let Some(category) = Title::parse(target, self.site.sitename)
                    .filter(|t| t.namespace == title::CATEGORY)
                    && !self
                        .out
                        .categories
                        .iter()
                        .any(|(c, _)| *c == category.db_key)
                {
                    let sort = wikitext::plain_text(ordinal).unwrap_or_default();
                    self.out.categories.push((category.db_key, sort));
                }
            }
            Node::Template { name, .. } => {
                let Some(template) = template_target(name, self.site.sitename) else {
                    return;
                };
                if !self.out.templates.contains(&template) {
                    self.out.templates.push(template.clone());
                }
                let label = escape_html(&template.text(self.site.sitename));
                let html = self.page_link(&template, &label);
                self.paragraph.push_str(&html);
            }
            Node::StartTag { name, .. } => {
                let name = name.to_ascii_lowercase();
                if name == "br" || name == "hr" {
                    self.paragraph.push_str(&format!("<{name} />"));
                } else {
                    self.paragraph.push_str(&format!("<{name}>"));
                    self.open_tags.push(name);
                }
            }
            Node::EndTag { name, .. } => {
                let name = name.to_ascii_lowercase();
                // Only a tag the text opened is closed (with those inside it).
                if let Some(at) = self.open_tags.iter().rposition(|t| *t == name) {
                    while self.open_tags.len() > at {
                        if let Some(tag) = self.open_tags.pop() {
                            self.paragraph.push_str(&format!("</{tag}>"));
                        }
                    }
                }
            }
            Node::Tag {
                name, start, end, ..
            } => match name.as_ref() {
                "nowiki" => {
                    let raw = &self.text[*start..*end];
                    let inner = raw
                        .find('>')
                        .map(|i| &raw[i + 1..])
                        .and_then(|r| r.rfind("</").map(|j| &r[..j]))
                        .unwrap_or_default();
                    self.paragraph.push_str(&escape_html(inner));
                }
                "pre" => {
                    let raw = &self.text[*start..*end];
                    let inner = raw
                        .find('>')
                        .map(|i| &raw[i + 1..])
                        .and_then(|r| r.rfind("</").map(|j| &r[..j]))
                        .unwrap_or_default();
                    self.paragraph
                        .push_str(&format!("<pre>{}</pre>", escape_html(inner)));
                }
                // Other extension tags (gallery, ...) are not rendered.
                _ => {}
            },
            Node::Parameter { start, end, .. } => {
                self.paragraph
                    .push_str(&escape_html(&self.text[*start..*end]));
            }
            Node::Heading { .. }
            | Node::UnorderedList { .. }
            | Node::OrderedList { .. }
            | Node::DefinitionList { .. }
            | Node::Preformatted { .. }
            | Node::HorizontalDivider { .. }
            | Node::Table { .. }
            | Node::Redirect { .. } => self.blocks(std::slice::from_ref(node)),
            Node::Comment { .. } | Node::MagicWord { .. } | Node::ParagraphBreak { .. } => {}
        }
    }

    fn toggle_bold(&mut self) {
        self.paragraph
            .push_str(if self.bold { "</b>" } else { "<b>" });
        self.bold = !self.bold;
    }

    fn toggle_italic(&mut self) {
        self.paragraph
            .push_str(if self.italic { "</i>" } else { "<i>" });
        self.italic = !self.italic;
    }

    /// `[[target|text]]`.
    fn link(&mut self, target: &str, text: &[Node<'_>]) -> String {
        let label = if text.is_empty() {
            escape_html(target.trim().trim_start_matches(':'))
        } else {
            self.inline_fragment(text)
        };
        let Some(title) = Title::parse(target, self.site.sitename) else {
            return escape_html(&self.text_of_link(target, text));
        };
        let forced = target.trim_start().starts_with(':');
        match title.namespace {
            title::MEDIA => {
                let file = Title::new(title::FILE, &title.db_key);
                self.note_image(&title.db_key);
                match self.site.files.url(&title.db_key, None) {
                    Some(url) => format!(
                        "<a href=\"{}\" class=\"internal\" title=\"{}\">{label}</a>",
                        escape_html(&url),
                        escape_html(&file.name_text())
                    ),
                    None => self.upload_link(&title.db_key, &label),
                }
            }
            title::CATEGORY if !forced => {
                let sort = self.inline_fragment(text);
                if !self.out.categories.iter().any(|(c, _)| *c == title.db_key) {
                    self.out.categories.push((title.db_key, sort));
                }
                String::new()
            }
            namespace if namespace < 0 => {
                format!(
                    "<a href=\"{}\" title=\"{}\">{label}</a>",
                    escape_html(&self.page_href(&title)),
                    escape_html(&title.text(self.site.sitename))
                )
            }
            _ => {
                if title == *self.page {
                    return format!("<a class=\"mw-selflink selflink\">{label}</a>");
                }
                self.note_link(&title);
                self.page_link(&title, &label)
            }
        }
    }

    fn text_of_link(&self, target: &str, text: &[Node<'_>]) -> String {
        let label = wikitext::plain_text(text).unwrap_or_default();
        format!(
            "[[{target}{}{label}]]",
            if text.is_empty() { "" } else { "|" }
        )
    }

    fn note_image(&mut self, name: &str) {
        if !self.out.images.iter().any(|n| n == name) {
            self.out.images.push(name.to_owned());
        }
    }

    fn upload_link(&self, name: &str, label: &str) -> String {
        format!(
            "<a href=\"{}?title=Special:Upload&amp;wpDestFile={}\" class=\"new\" title=\"File:{}\">{label}</a>",
            self.site.index_path,
            escape_html(&crate::upload::repo::wiki_url_encode(name)),
            escape_html(&name.replace('_', " ")),
        )
    }

    /// The parts after the target of `[[File:X|...]]` (the node's source),
    /// split at `|` outside nested links and templates.
    fn image_parts(&self, node_start: usize, node_end: usize) -> Vec<&'t str> {
        let text: &'t str = self.text;
        let raw = &text[node_start..node_end];
        let inner = raw
            .strip_prefix("[[")
            .and_then(|r| r.strip_suffix("]]"))
            .unwrap_or(raw);
        let mut parts = Vec::new();
        let (mut depth, mut begin) = (0usize, 0usize);
        let bytes = inner.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match (bytes[i], bytes.get(i + 1)) {
                (b'[', Some(b'[')) | (b'{', Some(b'{')) => {
                    depth += 1;
                    i += 1;
                }
                (b']', Some(b']')) | (b'}', Some(b'}')) => {
                    depth = depth.saturating_sub(1);
                    i += 1;
                }
                (b'|', _) if depth == 0 => {
                    parts.push(&inner[begin..i]);
                    begin = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        parts.push(&inner[begin..]);
        parts.into_iter().skip(1).collect()
    }

    /// Whether `[[File:...]]` options ask for a frame (`thumb`, `frame`).
    fn is_framed(&self, node_start: usize, node_end: usize) -> bool {
        self.image_parts(node_start, node_end).iter().any(|o| {
            matches!(
                o.trim().to_lowercase().as_str(),
                "thumb" | "thumbnail" | "frame" | "framed"
            )
        })
    }

    /// Wikitext outside the page's text (a caption) rendered inline, what
    /// it uses noted as the page's.
    fn render_inline(&mut self, source: &str) -> String {
        let output = wikitext::parse(source);
        let mut inner = Renderer {
            text: source,
            page: self.page,
            site: self.site,
            out: std::mem::take(&mut self.out),
            html: String::new(),
            paragraph: String::new(),
            open_tags: Vec::new(),
            bold: false,
            italic: false,
            autonumber: self.autonumber,
            anchors: HashMap::new(),
        };
        let html = inner.inline_fragment(&output.nodes);
        self.out = inner.out;
        self.autonumber = inner.autonumber;
        html
    }

    /// `[[File:X|options|caption]]`: a thumbnail in a frame, or the image
    /// inline; a red link to the upload form for a missing file.
    fn image(&mut self, target: &str, node_start: usize, node_end: usize) -> String {
        let Some(title) = Title::parse(target, self.site.sitename) else {
            return escape_html(&self.text[node_start..node_end]);
        };
        let name = title.db_key.clone();
        self.note_image(&name);
        let parts = self.image_parts(node_start, node_end);
        let framed = self.is_framed(node_start, node_end);
        // The caption is the last part that is no option.
        let caption = parts
            .iter()
            .rev()
            .find(|part| !is_image_option(&part.trim().to_lowercase()))
            .map(|part| self.render_inline(part.trim()))
            .unwrap_or_default();
        let width = parts.iter().find_map(|o| {
            o.trim()
                .strip_suffix("px")
                .and_then(|n| n.split('x').next())
                .and_then(|n| n.trim().parse::<i64>().ok())
        });
        let file_page = Title::new(title::FILE, &name);
        let page_href = escape_html(&self.page_href(&file_page));
        let Some((full_width, full_height)) = self.site.files.size(&name) else {
            let label = escape_html(&file_page.text(self.site.sitename));
            let link = self.upload_link(&name, &label);
            return if framed {
                format!(
                    "<div class=\"thumb tright\"><div class=\"thumbinner\" style=\"width:182px;\">{link}  <div class=\"thumbcaption\">{caption}</div></div></div>"
                )
            } else {
                link
            };
        };
        let wanted = width
            .or(framed.then_some(180))
            .map(|w| w.min(full_width).max(1));
        let shown_width = wanted.unwrap_or(full_width);
        let shown_height = if full_width > 0 {
            (full_height * shown_width + full_width / 2) / full_width
        } else {
            full_height
        };
        let src = self
            .site
            .files
            .url(&name, wanted.filter(|w| *w < full_width))
            .unwrap_or_default();
        let alt = if framed {
            String::new()
        } else {
            escape_html(&name.replace('_', " "))
        };
        let img = format!(
            "<img alt=\"{alt}\" src=\"{}\" decoding=\"async\" width=\"{shown_width}\" height=\"{shown_height}\"{} />",
            escape_html(&src),
            if framed { " class=\"thumbimage\"" } else { "" },
        );
        if framed {
            format!(
                "<div class=\"thumb tright\"><div class=\"thumbinner\" style=\"width:{}px;\"><a href=\"{page_href}\" class=\"image\">{img}</a>  <div class=\"thumbcaption\">{caption}</div></div></div>",
                shown_width + 2
            )
        } else {
            format!("<a href=\"{page_href}\" class=\"image\">{img}</a>")
        }
    }

    /// `[url text]`, `[url]` (numbered).
    fn external_link(&mut self, nodes: &[Node<'_>]) -> String {
        let raw = match nodes.first() {
            Some(Node::Text { value, .. }) => *value,
            _ => "",
        };
        let url = raw.split_whitespace().next().unwrap_or_default();
        let known = URL_PROTOCOLS.iter().any(|p| {
            url.get(..p.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(p))
        });
        if !known {
            let inner = self.inline_fragment(nodes);
            return format!("[{inner}]");
        }
        if !self.out.external_links.iter().any(|u| u == url) {
            self.out.external_links.push(url.to_owned());
        }
        let rest_of_first = raw[raw.find(url).map_or(0, |i| i + url.len())..].trim_start();
        let mut label = escape_html(rest_of_first);
        label.push_str(&self.inline_fragment(nodes.get(1..).unwrap_or_default()));
        if label.trim().is_empty() {
            self.autonumber += 1;
            format!(
                "<a rel=\"nofollow\" class=\"external autonumber\" href=\"{}\">[{}]</a>",
                escape_html(url),
                self.autonumber
            )
        } else {
            format!(
                "<a rel=\"nofollow\" class=\"external text\" href=\"{}\">{}</a>",
                escape_html(url),
                label.trim()
            )
        }
    }

    /// Running text with its bare URLs as links.
    fn free_links(&mut self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while !rest.is_empty() {
            match super::links::next_free_url(rest) {
                Some((at, url)) => {
                    out.push_str(&escape_html(&rest[..at]));
                    if !self.out.external_links.iter().any(|u| u == url) {
                        self.out.external_links.push(url.to_owned());
                    }
                    let url_html = escape_html(url);
                    out.push_str(&format!(
                        "<a rel=\"nofollow\" class=\"external free\" href=\"{url_html}\">{url_html}</a>"
                    ));
                    rest = &rest[at + url.len()..];
                }
                None => {
                    out.push_str(&escape_html(rest));
                    break;
                }
            }
        }
        out
    }
}

/// The byte span of a node.
fn span(node: &Node<'_>) -> (usize, usize) {
    match node {
        Node::Bold { start, end }
        | Node::BoldItalic { start, end }
        | Node::Category { start, end, .. }
        | Node::CharacterEntity { start, end, .. }
        | Node::Comment { start, end }
        | Node::DefinitionList { start, end, .. }
        | Node::EndTag { start, end, .. }
        | Node::ExternalLink { start, end, .. }
        | Node::Heading { start, end, .. }
        | Node::HorizontalDivider { start, end }
        | Node::Image { start, end, .. }
        | Node::Italic { start, end }
        | Node::Link { start, end, .. }
        | Node::MagicWord { start, end }
        | Node::OrderedList { start, end, .. }
        | Node::ParagraphBreak { start, end }
        | Node::Parameter { start, end, .. }
        | Node::Preformatted { start, end, .. }
        | Node::Redirect { start, end, .. }
        | Node::StartTag { start, end, .. }
        | Node::Table { start, end, .. }
        | Node::Tag { start, end, .. }
        | Node::Template { start, end, .. }
        | Node::Text { start, end, .. }
        | Node::UnorderedList { start, end, .. } => (*start, *end),
    }
}

/// MediaWiki's image options (`thumb`, `200px`, `left`, `alt=...`).
fn is_image_option(part: &str) -> bool {
    const WORDS: &[&str] = &[
        "thumb",
        "thumbnail",
        "frame",
        "framed",
        "frameless",
        "border",
        "left",
        "right",
        "center",
        "centre",
        "none",
        "baseline",
        "sub",
        "super",
        "top",
        "text-top",
        "middle",
        "bottom",
        "text-bottom",
        "upright",
    ];
    WORDS.contains(&part)
        || part.ends_with("px")
        || ["alt=", "link=", "page=", "upright=", "class=", "lang="]
            .iter()
            .any(|p| part.starts_with(p))
}
