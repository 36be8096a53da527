//! Text in and out: Markdown rendered to safe HTML, remote HTML sanitized, plain titles, and
//! the bounds on text that comes from other servers.
//!
//! Invariant: sanitizing costs time linear in its input. The HTML parser under the sanitizer
//! spends time proportional to the nesting depth on every element (and to the attribute count
//! on every attribute), so `<div>` nested 90,000 deep took 42 s; [`sanitize_html`] first
//! measures the input's shape in one pass ([`HtmlShape`]) and keeps only the words of HTML that
//! no person writes (deeper than [`MAX_HTML_DEPTH`], more than [`MAX_HTML_ELEMENTS`] elements,
//! a tag longer than [`MAX_TAG_BYTES`]), and cuts any input at [`MAX_HTML_BYTES`].

use std::collections::HashSet;
use std::sync::LazyLock;

/// Elements Mastodon keeps after sanitizing, plus the structure long articles need.
const ALLOWED_TAGS: &[&str] = &[
    "p",
    "br",
    "span",
    "a",
    "del",
    "s",
    "pre",
    "blockquote",
    "code",
    "b",
    "strong",
    "u",
    "i",
    "em",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "hr",
];

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .tags(ALLOWED_TAGS.iter().copied().collect::<HashSet<_>>())
        .tag_attributes(
            [("a", ["href"].into_iter().collect::<HashSet<_>>())]
                .into_iter()
                .collect(),
        )
        .generic_attributes(["lang", "dir"].into_iter().collect())
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("nofollow noopener noreferrer"));
    builder
});

/// Renders Markdown to HTML that is safe to show and to federate (raw HTML is escaped by the
/// sanitizer's rules, scripts and styles dropped).
pub fn markdown_to_html(markdown: &str) -> String {
    let mut options = pulldown_cmark::Options::empty();
    options.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    let parser = pulldown_cmark::Parser::new_ext(markdown, options).map(|event| match event {
        // Headings start at h2: the title is the page's h1.
        pulldown_cmark::Event::Start(pulldown_cmark::Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => pulldown_cmark::Event::Start(pulldown_cmark::Tag::Heading {
            level: demote(level),
            id,
            classes,
            attrs,
        }),
        pulldown_cmark::Event::End(pulldown_cmark::TagEnd::Heading(level)) => {
            pulldown_cmark::Event::End(pulldown_cmark::TagEnd::Heading(demote(level)))
        }
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    sanitize_html(&html)
}

fn demote(level: pulldown_cmark::HeadingLevel) -> pulldown_cmark::HeadingLevel {
    use pulldown_cmark::HeadingLevel::{H1, H2, H3, H4};
    match level {
        H1 | H2 => H2,
        H3 => H3,
        _ => H4,
    }
}

/// The most HTML we sanitize, in bytes; the rest is cut (the inbox takes 1 MiB in all).
pub const MAX_HTML_BYTES: usize = 512 * 1024;
/// The deepest nesting of elements we hand to the HTML parser.
pub const MAX_HTML_DEPTH: usize = 100;
/// The most elements we hand to the HTML parser.
pub const MAX_HTML_ELEMENTS: usize = 20_000;
/// The longest tag (name and attributes) we hand to the HTML parser, in bytes.
pub const MAX_TAG_BYTES: usize = 4096;

/// Sanitizes HTML from anywhere (ours or a remote server's) to the allowed elements, in time
/// linear in its length. Control characters are dropped; HTML whose shape is beyond the
/// limits of this module becomes its words, in one escaped paragraph.
pub fn sanitize_html(html: &str) -> String {
    let html = strip_controls(truncate(html, MAX_HTML_BYTES), true);
    let shape = HtmlShape::of(&html);
    if !shape.is_prose() {
        let words = html_to_text(&html);
        return if words.is_empty() {
            String::new()
        } else {
            format!("<p>{}</p>", escape_html(&words))
        };
    }
    CLEANER.clean(&html).to_string()
}

/// The shape of an HTML text, measured in one pass without parsing it: how deep its elements
/// nest, how many there are, and its longest tag. Elements that HTML closes by themselves
/// (`p`, `li`, table cells…) and void elements (`br`, `img`…) add no depth.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HtmlShape {
    pub depth: usize,
    pub elements: usize,
    pub longest_tag: usize,
}

/// Elements that never have content.
const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];
/// Elements a following sibling closes, so that repeating them does not nest them.
const SELF_CLOSING_SIBLINGS: &[&str] = &[
    "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "rp", "rt", "thead", "tbody",
    "tfoot", "colgroup", "caption",
];

impl HtmlShape {
    /// Measures `html`.
    pub fn of(html: &str) -> HtmlShape {
        let bytes = html.as_bytes();
        let mut shape = HtmlShape::default();
        let mut depth = 0usize;
        let mut at = 0;
        while let Some(offset) = bytes[at..].iter().position(|&byte| byte == b'<') {
            let start = at + offset;
            if bytes[start + 1..].starts_with(b"!--") {
                at = find(bytes, start + 4, b"-->").map_or(bytes.len(), |end| end + 3);
                continue;
            }
            let end = tag_end(bytes, start + 1);
            shape.longest_tag = shape.longest_tag.max(end - start);
            let tag = &bytes[start + 1..end.min(bytes.len())];
            at = (end + 1).min(bytes.len());
            let (closing, tag) = match tag.strip_prefix(b"/") {
                Some(rest) => (true, rest),
                None => (false, tag),
            };
            let name_length = tag
                .iter()
                .position(|byte| !byte.is_ascii_alphanumeric())
                .unwrap_or(tag.len());
            if name_length == 0 {
                continue;
            }
            let name = String::from_utf8_lossy(&tag[..name_length]).to_ascii_lowercase();
            let nests = !VOID_ELEMENTS.contains(&name.as_str())
                && !SELF_CLOSING_SIBLINGS.contains(&name.as_str());
            if closing {
                if nests {
                    depth = depth.saturating_sub(1);
                }
                continue;
            }
            shape.elements += 1;
            if nests && !tag.ends_with(b"/") {
                depth += 1;
                shape.depth = shape.depth.max(depth);
            }
        }
        shape
    }

    /// Whether the HTML is within what people write and the parser handles in linear time.
    pub fn is_prose(&self) -> bool {
        self.depth <= MAX_HTML_DEPTH
            && self.elements <= MAX_HTML_ELEMENTS
            && self.longest_tag <= MAX_TAG_BYTES
    }
}

/// The index of the `>` that ends the tag starting at `from`, skipping quoted attribute
/// values; the end of `bytes` if there is none.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote = None;
    for (index, &byte) in bytes.iter().enumerate().skip(from) {
        match (quote, byte) {
            (None, b'"' | b'\'') => quote = Some(byte),
            (Some(open), _) if byte == open => quote = None,
            (None, b'>') => return index,
            _ => {}
        }
    }
    bytes.len()
}

/// The index of `needle` in `bytes` at or after `from`.
fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|offset| from + offset)
}

/// `text` cut to at most `max_bytes`, at a character boundary.
pub fn truncate(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `text` without control characters (NUL included, which PostgreSQL cannot store); with
/// `keep_lines`, line breaks and tabs stay.
pub fn strip_controls(text: &str, keep_lines: bool) -> std::borrow::Cow<'_, str> {
    let unwanted = |character: char| {
        character.is_control() && !(keep_lines && matches!(character, '\n' | '\r' | '\t'))
    };
    if text.chars().any(unwanted) {
        std::borrow::Cow::Owned(
            text.chars()
                .filter(|&character| !unwanted(character))
                .collect(),
        )
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// A one-line text from another server (a name, a title, a handle), as we store it: no control
/// characters, whitespace collapsed, at most `max_chars` characters.
pub fn remote_line(text: &str, max_chars: usize) -> String {
    let line = strip_controls(truncate(text, max_chars.saturating_mul(4)), false)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    match line.char_indices().nth(max_chars) {
        Some((end, _)) => line[..end].trim_end().to_string(),
        None => line,
    }
}

/// A BCP 47 language tag from another server in its canonical form (`pt-br` → `pt-BR`), or
/// `None` if it is not one (`en"><script>`, 900 KB of letters, an empty string).
pub fn language_tag(tag: &str) -> Option<String> {
    /// RFC 5646 §4.4.1: tags of up to 35 characters cover every language, script and region.
    const MAX_TAG_CHARS: usize = 35;
    let tag = tag.trim();
    if tag.is_empty()
        || tag.len() > MAX_TAG_CHARS
        || !tag
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
    {
        return None;
    }
    let parsed: unic_langid::LanguageIdentifier = tag.parse().ok()?;
    if parsed.language.is_empty() {
        return None;
    }
    Some(parsed.to_string())
}

/// A title as plain text for federation: no `<`, `>` or `&` (Mastodon puts `name` into HTML
/// unescaped), whitespace collapsed.
pub fn plain_title(title: &str) -> String {
    title
        .replace('&', "and")
        .replace(['<', '>'], "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Decodes the few character references plain-text fields arrive with (`&amp;`, `&lt;`,
/// `&gt;`, `&quot;`, `&#39;`), so that a received title reads as its author wrote it.
pub fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// Sanitized HTML as plain text: tags become spaces, character references are decoded and
/// whitespace is collapsed (for search, and for showing a received summary as text).
pub fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for character in html.chars() {
        match (in_tag, character) {
            (false, '<') => {
                in_tag = true;
                text.push(' ');
            }
            (true, '>') => in_tag = false,
            (false, other) => text.push(other),
            (true, _) => {}
        }
    }
    decode_entities(&text.replace("&nbsp;", " "))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A CSV field: quoted when it holds a comma, a quote or a line break; a leading `=`, `+`,
/// `-`, `@` or tab defused with `'` (a spreadsheet would run it as a formula, and what other
/// servers send ends up in our files).
pub fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// Escapes text for HTML.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_safe_html() {
        let html = markdown_to_html(
            "# Title\n\nHello **world** <script>alert(1)</script> [x](javascript:alert(1)) [ok](https://a.example)",
        );
        assert!(html.contains("<h2>Title</h2>"), "{html}");
        assert!(html.contains("<strong>world</strong>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("href=\"https://a.example\""), "{html}");
    }

    #[test]
    fn remote_html_is_sanitized() {
        let clean = sanitize_html(
            "<p onclick=\"x()\">hi<img src=x onerror=y><iframe></iframe><a href=\"https://a.example\" style=\"x\">a</a></p>",
        );
        assert_eq!(
            clean,
            "<p>hi<a href=\"https://a.example\" rel=\"nofollow noopener noreferrer\">a</a></p>"
        );
    }

    #[test]
    fn html_becomes_plain_text() {
        assert_eq!(
            html_to_text(
                "<p>Jobs &amp; <a href=\"https://a.example\" rel=\"nofollow\">visas</a></p><p>2026&nbsp;&lt;3</p>"
            ),
            "Jobs & visas 2026 <3"
        );
    }

    #[test]
    fn deeply_nested_html_keeps_only_its_words() {
        for element in ["div", "ul", "blockquote", "b"] {
            let html = format!(
                "{}deep words{}",
                format!("<{element}>").repeat(30_000),
                format!("</{element}>").repeat(30_000)
            );
            assert!(!HtmlShape::of(&html).is_prose());
            assert_eq!(sanitize_html(&html), "<p>deep words</p>", "{element}");
        }
        let unclosed = format!("{}words", "<div>".repeat(100_000));
        assert_eq!(sanitize_html(&unclosed), "<p>words</p>");
    }

    #[test]
    fn ordinary_html_keeps_its_structure() {
        let nested = "<ul><li>a<ul><li>b</li></ul></li></ul><blockquote><p>q</p></blockquote>";
        // `li` closes itself, so it adds no depth: ul, ul.
        assert_eq!(HtmlShape::of(nested).depth, 2);
        assert_eq!(sanitize_html(nested), nested);
        // Siblings that close themselves do not nest: a long list stays a list.
        let list = format!("<ul>{}</ul>", "<li>item".repeat(5_000));
        let shape = HtmlShape::of(&list);
        assert_eq!(shape.depth, 1);
        assert!(shape.is_prose());
        assert!(sanitize_html(&list).starts_with("<ul><li>item</li><li>item</li>"));
        // A `>` inside a quoted attribute does not end the tag; comments are skipped.
        let tricky = "<a href=\"https://a.example/?x=>\">link</a><!-- <div><div> -->";
        assert_eq!(HtmlShape::of(tricky).depth, 1);
        assert_eq!(HtmlShape::of(tricky).elements, 1);
    }

    #[test]
    fn huge_tags_and_controls_are_bounded() {
        let attributes: String = (0..20_000)
            .map(|index| format!(" a{index}=\"x\""))
            .collect();
        let html = format!("<p{attributes}>text</p>");
        assert!(!HtmlShape::of(&html).is_prose());
        assert_eq!(sanitize_html(&html), "<p>text</p>");
        assert_eq!(sanitize_html("<p>a\u{0}b\u{7}c</p>"), "<p>abc</p>");
        let long = "x".repeat(MAX_HTML_BYTES * 2);
        assert!(sanitize_html(&long).len() <= MAX_HTML_BYTES);
    }

    #[test]
    fn remote_lines_are_capped_and_clean() {
        assert_eq!(
            remote_line("  Jobs\u{0}\n fair\t 2026 ", 100),
            "Jobs fair 2026"
        );
        assert_eq!(remote_line(&"é".repeat(600_000), 500).chars().count(), 500);
        assert_eq!(remote_line("مرحبا بكم", 5), "مرحبا");
    }

    #[test]
    fn language_tags_are_bcp47_or_nothing() {
        assert_eq!(language_tag("ar").as_deref(), Some("ar"));
        assert_eq!(language_tag("pt-br").as_deref(), Some("pt-BR"));
        assert_eq!(language_tag("zh-Hant-TW").as_deref(), Some("zh-Hant-TW"));
        for bad in [
            "",
            "en\"><script>",
            "e",
            "\u{0}en",
            &"a".repeat(900_000),
            "123",
        ] {
            assert_eq!(language_tag(bad), None, "{bad:.20}");
        }
    }

    #[test]
    fn titles_lose_markup_characters() {
        assert_eq!(
            plain_title("Jobs & <b>Visas</b>  2026"),
            "Jobs and bVisas/b 2026"
        );
    }
}
