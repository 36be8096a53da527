//! What we show of a remote actor, read from its actor document: its name, avatar, summary and
//! page, and what an organization says of itself: countries of origin and residence,
//! languages, sectors and website, from our namespace's terms (other Jisr instances) or, as a
//! fallback, from its Mastodon profile fields (`PropertyValue`s named "Website", "Countries",
//! "Languages", "Sectors" and their French, Spanish and Arabic words).
//!
//! Invariant: lenient and bounded. A field of an odd shape is dropped, never a reason to refuse
//! the actor; names and words are single lines, HTML is sanitized, URLs are http(s) and short,
//! lists are short.

use super::remote_actors::MAX_URL_CHARS;
use crate::domain::network::ProfileDetails;
use crate::domain::text::{html_to_text, remote_line, sanitize_html, truncate};
use serde::Deserialize;
use serde_json::Value;

/// The longest display name kept, in characters.
const MAX_NAME_CHARS: usize = 200;
/// The most summary HTML read, in bytes.
const MAX_SUMMARY_BYTES: usize = 16 * 1024;
/// The most values kept of a list, and the most profile fields read.
const MAX_VALUES: usize = 16;

/// The fields of an actor document a profile is read from, as sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ProfileFields {
    name: Option<Value>,
    summary: Option<Value>,
    icon: Option<Value>,
    url: Option<Value>,
    attachment: Option<Value>,
    countries_of_origin: Option<Value>,
    countries_of_residence: Option<Value>,
    languages: Option<Value>,
    sectors: Option<Value>,
    expert_areas: Option<Value>,
    expert_confirmed: Option<Value>,
    experts: Option<Value>,
}

/// A profile as read, ready to store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadProfile {
    pub name: String,
    pub icon_url: Option<String>,
    pub summary_html: String,
    pub url: Option<String>,
    pub details: ProfileDetails,
}

/// Reads the profile of an actor document's fields.
pub fn read(fields: &ProfileFields) -> ReadProfile {
    let name = fields
        .name
        .as_ref()
        .and_then(Value::as_str)
        .map(|name| remote_line(name, MAX_NAME_CHARS))
        .unwrap_or_default();
    let summary_html = fields
        .summary
        .as_ref()
        .and_then(Value::as_str)
        .map(|html| sanitize_html(truncate(html, MAX_SUMMARY_BYTES)))
        .unwrap_or_default();
    let mut details = ProfileDetails {
        countries_of_origin: countries(fields.countries_of_origin.as_ref()),
        countries_of_residence: countries(fields.countries_of_residence.as_ref()),
        languages: languages(fields.languages.as_ref()),
        sectors: words(fields.sectors.as_ref()),
        website: None,
        // Areas of a confirmed expert of another Jisr instance, from our fixed list only.
        expert_areas: match (&fields.expert_confirmed, &fields.expert_areas) {
            (Some(Value::Bool(true)), Some(areas)) => crate::domain::experts::areas_from(areas),
            _ => Vec::new(),
        },
        // Where another Jisr organization lists its experts (an http(s) URL; that it is on the
        // actor's server is checked when it is read).
        experts: fields
            .experts
            .as_ref()
            .and_then(Value::as_str)
            .filter(|url| url.len() <= MAX_URL_CHARS)
            .filter(|url| {
                url::Url::parse(url).is_ok_and(|url| matches!(url.scheme(), "http" | "https"))
            })
            .map(str::to_string),
    };
    // Mastodon profile fields, where our terms say nothing.
    for (label, value) in property_values(fields.attachment.as_ref()) {
        let label = label.to_lowercase();
        let is = |words: &[&str]| words.iter().any(|word| label.contains(word));
        let text = html_to_text(&value);
        if is(&["website", "web", "site", "موقع", "sitio"]) && details.website.is_none() {
            details.website = link_in(&value).or_else(|| web_url(text.trim()));
        } else if is(&["origin", "origine", "origen", "أصل"])
            && details.countries_of_origin.is_empty()
        {
            details.countries_of_origin = countries(Some(&split(&text)));
        } else if is(&[
            "residence",
            "résidence",
            "residencia",
            "إقامة",
            "countries",
            "pays",
            "países",
            "بلدان",
        ]) && details.countries_of_residence.is_empty()
        {
            details.countries_of_residence = countries(Some(&split(&text)));
        } else if is(&["language", "langue", "idioma", "لغ"]) && details.languages.is_empty() {
            details.languages = languages(Some(&split(&text)));
        } else if is(&["sector", "secteur", "قطاع", "domaine", "field of work"])
            && details.sectors.is_empty()
        {
            details.sectors = words(Some(&split(&text)));
        }
    }
    ReadProfile {
        name,
        icon_url: fields.icon.as_ref().and_then(image_url),
        summary_html,
        url: fields.url.as_ref().and_then(link_url),
        details,
    }
}

/// A comma-, semicolon- or `·`-separated list as a JSON array of its parts.
fn split(text: &str) -> Value {
    Value::Array(
        text.split([',', ';', '·', '،'])
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .take(MAX_VALUES)
            .map(|part| Value::String(part.to_string()))
            .collect(),
    )
}

/// The items of a value that is one item or a list, at most [`MAX_VALUES`].
fn items(value: Option<&Value>) -> Vec<&Value> {
    match value {
        Some(Value::Array(items)) => items.iter().take(MAX_VALUES).collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(one) => vec![one],
    }
}

fn countries(value: Option<&Value>) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for item in items(value) {
        let Some(text) = item.as_str().filter(|text| text.len() <= 100) else {
            continue;
        };
        if let Some(code) = crate::i18n::country_code(text)
            && !codes.contains(&code)
        {
            codes.push(code);
        }
    }
    codes
}

fn languages(value: Option<&Value>) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for item in items(value) {
        let Some(text) = item.as_str().filter(|text| text.len() <= 100) else {
            continue;
        };
        let tag =
            crate::i18n::language_tag(text).or_else(|| crate::domain::validation::language(text));
        if let Some(tag) = tag
            && !tags.contains(&tag)
        {
            tags.push(tag);
        }
    }
    tags
}

fn words(value: Option<&Value>) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for item in items(value) {
        let Some(text) = item.as_str() else {
            continue;
        };
        let word = remote_line(text, 80);
        if !word.is_empty() && !words.contains(&word) {
            words.push(word);
        }
    }
    words
}

/// `(name, value)` of the `PropertyValue` attachments.
fn property_values(value: Option<&Value>) -> Vec<(String, String)> {
    items(value)
        .into_iter()
        .filter(|item| item.get("type").and_then(Value::as_str) == Some("PropertyValue"))
        .filter_map(|item| {
            let name = item.get("name")?.as_str()?;
            let value = item.get("value")?.as_str()?;
            Some((remote_line(name, 100), truncate(value, 2048).to_string()))
        })
        .collect()
}

/// An http(s) URL no longer than we keep.
fn web_url(text: &str) -> Option<String> {
    let url = url::Url::parse(text).ok()?;
    (matches!(url.scheme(), "https" | "http") && url.as_str().len() <= MAX_URL_CHARS)
        .then(|| url.to_string())
}

/// The first `href="…"` of some HTML (a Mastodon field's value is a link).
fn link_in(html: &str) -> Option<String> {
    let start = html.find("href=\"")? + "href=\"".len();
    let end = html[start..].find('"')? + start;
    web_url(&crate::domain::text::decode_entities(&html[start..end]))
}

/// A link: a URL, a `Link` with an `href`, or a list of those (the first that is http(s)).
fn link_url(value: &Value) -> Option<String> {
    match value {
        Value::String(url) => web_url(url),
        Value::Object(link) => link.get("href").and_then(Value::as_str).and_then(web_url),
        Value::Array(links) => links.iter().take(MAX_VALUES).find_map(link_url),
        _ => None,
    }
}

/// An image's URL: an `Image` with a `url` (a URL or a `Link`), or a list of them.
fn image_url(value: &Value) -> Option<String> {
    match value {
        Value::String(url) => web_url(url),
        Value::Object(image) => image.get("url").and_then(link_url),
        Value::Array(images) => images.iter().take(MAX_VALUES).find_map(image_url),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value) -> ProfileFields {
        serde_json::from_value(value).expect("fields")
    }

    #[test]
    fn a_mastodon_actor_gives_its_name_avatar_and_website_field() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/federation-tests/fixtures/mastodon/actor.json"
        ))
        .expect("fixture");
        let document: Value = serde_json::from_str(&text).expect("JSON");
        let profile = read(&fields(document.clone()));
        assert_eq!(profile.name, document["name"].as_str().expect("a name"));
        if document.get("icon").is_some() {
            assert!(profile.icon_url.is_some(), "{:?}", document["icon"]);
        }
        assert!(profile.url.is_some());
    }

    #[test]
    fn our_terms_come_first_and_profile_fields_fill_in() {
        let profile = read(&fields(json!({
            "name": "  Sudanese   Diaspora Berlin ",
            "summary": "<p>Hello <script>x()</script></p>",
            "countriesOfOrigin": ["SD"],
            "attachment": [
                {"type": "PropertyValue", "name": "Website", "value": "<a href=\"https://sdb.example/\" rel=\"me\">sdb.example</a>"},
                {"type": "PropertyValue", "name": "Country of origin", "value": "Syria"},
                {"type": "PropertyValue", "name": "Langues", "value": "Arabe, français"},
                {"type": "PropertyValue", "name": "Countries", "value": "Germany, France"},
                {"type": "PropertyValue", "name": "Sectors", "value": "education; health"},
            ],
            "icon": {"type": "Image", "url": "https://sdb.example/logo.png"},
            "url": "javascript:alert(1)",
        })));
        assert_eq!(profile.name, "Sudanese Diaspora Berlin");
        assert!(!profile.summary_html.contains("script"));
        assert_eq!(
            profile.details.countries_of_origin,
            vec!["SD"],
            "ours first"
        );
        assert_eq!(profile.details.countries_of_residence, vec!["DE", "FR"]);
        assert_eq!(profile.details.languages, vec!["ar", "fr"]);
        assert_eq!(profile.details.sectors, vec!["education", "health"]);
        assert_eq!(
            profile.details.website.as_deref(),
            Some("https://sdb.example/")
        );
        assert_eq!(
            profile.icon_url.as_deref(),
            Some("https://sdb.example/logo.png")
        );
        assert_eq!(profile.url, None, "only http(s)");
    }

    #[test]
    fn odd_shapes_are_dropped_not_refused() {
        let profile = read(&fields(json!({
            "name": {"en": "x"},
            "summary": 7,
            "icon": [1, 2],
            "attachment": "nope",
            "countriesOfOrigin": {"a": 1},
        })));
        assert_eq!(profile, ReadProfile::default());
    }
}
