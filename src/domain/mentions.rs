//! Mentions in what members write: `@name` (a member of this instance) and `@name@host` (an
//! actor anywhere) in plain text, found, and written as the links Mastodon writes (an
//! `h-card` around `<a class="u-url mention">`), and read back from that HTML, so that a
//! post's `Mention` tags are always those of its text.
//!
//! Bounds: at most [`MAX_MENTIONS`] mentions in one text; a name of at most 64 characters, a
//! host of at most 253.

use super::text::escape_html;
use std::collections::HashMap;

/// The most mentions read from one text (the rest stay plain text).
pub const MAX_MENTIONS: usize = 20;

/// One `@name` or `@name@host` in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// Where it starts (at `@`) and ends, in bytes.
    pub start: usize,
    pub end: usize,
    pub username: String,
    pub host: Option<String>,
}

impl Mention {
    /// `name@host`, or `name`: the key a resolved mention is looked up by, lowercased.
    pub fn key(&self) -> String {
        match &self.host {
            Some(host) => format!("{}@{}", self.username, host).to_lowercase(),
            None => self.username.to_lowercase(),
        }
    }
}

fn is_name(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_host(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':')
}

/// The mentions in `text`: an `@` at the start or after a character that is not part of a
/// name or an address, a name, and optionally `@host` (with a dot, or a port).
pub fn find(text: &str) -> Vec<Mention> {
    let mut found = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut previous: Option<char> = None;
    while let Some((at, c)) = chars.next() {
        let starts = c == '@'
            && previous
                .is_none_or(|before| !(is_name(before) || matches!(before, '@' | '.' | '/')));
        previous = Some(c);
        if !starts {
            continue;
        }
        let name_start = at + 1;
        let name_end = text[name_start..]
            .find(|c: char| !is_name(c))
            .map_or(text.len(), |offset| name_start + offset);
        if name_end == name_start || name_end - name_start > 64 {
            continue;
        }
        let mut end = name_end;
        let mut host = None;
        if text[name_end..].starts_with('@') {
            let host_start = name_end + 1;
            let host_end = text[host_start..]
                .find(|c: char| !is_host(c))
                .map_or(text.len(), |offset| host_start + offset);
            let candidate = text[host_start..host_end].trim_end_matches(['.', '-', ':']);
            if (candidate.contains('.') || candidate.contains(':')) && candidate.len() <= 253 {
                host = Some(candidate.to_ascii_lowercase());
                end = host_start + candidate.len();
            }
        }
        found.push(Mention {
            start: at,
            end,
            username: text[name_start..name_end].to_string(),
            host,
        });
        // Skip what was read.
        while chars.peek().is_some_and(|(index, _)| *index < end) {
            previous = chars.next().map(|(_, c)| c);
        }
        if found.len() == MAX_MENTIONS {
            break;
        }
    }
    found
}

/// `text` as HTML: escaped, with each mention whose key `resolved` has (its actor's id, and
/// the handle shown) written as a link; the others stay text.
pub fn linked_html(text: &str, resolved: &HashMap<String, (String, String)>) -> String {
    let mut html = String::new();
    let mut done = 0;
    for mention in find(text) {
        let Some((href, handle)) = resolved.get(&mention.key()) else {
            continue;
        };
        html.push_str(&escape_html(&text[done..mention.start]));
        html.push_str(&link(href, handle));
        done = mention.end;
    }
    html.push_str(&escape_html(&text[done..]));
    html
}

/// The link of a mention of the actor `href` shown as `handle` (`name@host`).
fn link(href: &str, handle: &str) -> String {
    format!(
        "<span class=\"h-card\"><a class=\"u-url mention\" href=\"{}\">@{}</a></span>",
        escape_html(href),
        escape_html(handle)
    )
}

const LINK_START: &str = "<a class=\"u-url mention\" href=\"";

/// The mentions linked in `html` that [`linked_html`] wrote: each actor's id and `@handle`,
/// once each.
pub fn linked(html: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(LINK_START) {
        rest = &rest[start + LINK_START.len()..];
        let Some(href_end) = rest.find("\">") else {
            break;
        };
        let href = super::text::decode_entities(&rest[..href_end]);
        rest = &rest[href_end + 2..];
        let Some(name_end) = rest.find("</a>") else {
            break;
        };
        let name = super::text::decode_entities(&rest[..name_end]);
        rest = &rest[name_end..];
        if !found.iter().any(|(known, _)| *known == href) {
            found.push((href, name));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<String> {
        find(text).iter().map(Mention::key).collect()
    }

    #[test]
    fn mentions_are_found_where_they_start_a_word() {
        assert_eq!(
            keys("@dina can you help? cc @Efe@Beta.Example, thanks."),
            ["dina", "efe@beta.example"]
        );
        assert_eq!(
            keys("write to ada@example.org or see a@b"),
            Vec::<String>::new()
        );
        assert_eq!(keys("(@sami) and «@lina»"), ["sami", "lina"]);
        assert_eq!(keys("@bola@localhost:8081."), ["bola@localhost:8081"]);
        assert_eq!(keys("@ alone, @@double"), Vec::<String>::new());
        assert_eq!(keys("مرحبا @dina شكرا"), ["dina"]);
        assert_eq!(keys(&"@a ".repeat(50)).len(), MAX_MENTIONS);
    }

    #[test]
    fn resolved_mentions_become_links_and_read_back() {
        let mut resolved = HashMap::new();
        resolved.insert(
            "dina".to_string(),
            (
                "https://alpha.example/actors/dina".to_string(),
                "dina@alpha.example".to_string(),
            ),
        );
        let html = linked_html("Ask @dina <b>or</b> @nobody", &resolved);
        assert_eq!(
            html,
            "Ask <span class=\"h-card\"><a class=\"u-url mention\" \
             href=\"https://alpha.example/actors/dina\">@dina@alpha.example</a></span> \
             &lt;b&gt;or&lt;/b&gt; @nobody"
        );
        assert_eq!(
            linked(&html),
            [(
                "https://alpha.example/actors/dina".to_string(),
                "@dina@alpha.example".to_string()
            )]
        );
        assert!(linked("<p>no mention</p>").is_empty());
    }
}
