//! Text in and out: Markdown rendered to safe HTML, remote HTML sanitized, plain titles.

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

/// Sanitizes HTML from anywhere (ours or a remote server's) to the allowed elements.
pub fn sanitize_html(html: &str) -> String {
    CLEANER.clean(html).to_string()
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
    fn titles_lose_markup_characters() {
        assert_eq!(
            plain_title("Jobs & <b>Visas</b>  2026"),
            "Jobs and bVisas/b 2026"
        );
    }
}
