//! A publication as given to the API or the CLI ([`Input`], JSON or TOML) and its validation
//! into a [`Draft`]: texts by language, hashtags, GCM objectives, countries, and the kind's own
//! section, which the kind's module (`story.rs`, `event.rs`, …) validates.
//!
//! Invariant: validation names every bad field at once and writes nothing; a draft's texts have
//! the default language's first.

use super::{Details, Draft, Kind, Text};
use crate::domain::event::{self, EventInput};
use crate::domain::opportunity::{self, OpportunityInput};
use crate::domain::resource::{self, ResourceInput};
use crate::domain::story::{self, StoryInput};
use crate::domain::text::markdown_to_html;
use crate::domain::validation::{Check, language};
use crate::error::{Error, FieldError, Reason, Result};
use serde::Deserialize;
use std::collections::BTreeMap;

/// A publication as given to the API or the CLI (JSON or TOML).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The language shown when the reader's is missing; must be one of `text`'s.
    pub default_language: Option<String>,
    /// The texts, by language tag: `text.en`, `text.ar`, …
    #[serde(default)]
    pub text: BTreeMap<String, TextInput>,
    #[serde(default)]
    pub hashtags: Vec<String>,
    /// Global Compact for Migration objectives, 1 to 23.
    #[serde(default)]
    pub gcm_objectives: Vec<i64>,
    /// Categories of Objective 19, 1 to 9 (choosing one chooses objective 19).
    #[serde(default)]
    pub gcm_categories: Vec<i64>,
    /// The account (its id) the publication is by, shown as its byline.
    pub author: Option<i64>,
    #[serde(default)]
    pub countries_of_origin: Vec<String>,
    #[serde(default)]
    pub countries_of_residence: Vec<String>,
    pub story: Option<StoryInput>,
    pub event: Option<EventInput>,
    pub opportunity: Option<OpportunityInput>,
    pub resource: Option<ResourceInput>,
}

/// One language version, as given.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextInput {
    pub title: String,
    /// One to three sentences, plain text: what followers on Mastodon read.
    #[serde(default)]
    pub summary: String,
    /// The full text, in Markdown.
    #[serde(default)]
    pub body: String,
}

/// Most languages one publication may have.
const MAX_LANGUAGES: usize = 12;
/// Most hashtags.
const MAX_HASHTAGS: usize = 20;
/// Longest body, in characters.
const MAX_BODY: usize = 100_000;

impl Input {
    /// Parses JSON, naming the field of any type error.
    pub fn from_json(body: &[u8]) -> Result<Input> {
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                Error::BadRequest(format!("the body is not JSON: {inner}"))
            } else {
                let field = if path == "." {
                    "body".to_string()
                } else {
                    path
                };
                FieldError::of(field, Reason::Unreadable)
                    .with("detail", inner)
                    .into()
            }
        })
    }

    /// Parses TOML, naming the field of any error.
    pub fn from_toml(text: &str) -> Result<Input> {
        let deserializer = toml::Deserializer::parse(text)
            .map_err(|error| Error::BadRequest(format!("not TOML: {error}")))?;
        serde_path_to_error::deserialize(deserializer).map_err(|error| {
            let path = error.path().to_string();
            FieldError::of(path, Reason::Unreadable)
                .with("detail", error.into_inner().message())
                .into()
        })
    }

    /// Validates the input as a publication of `kind`; `languages` are the instance's, the
    /// first being its default.
    pub fn validate(&self, kind: Kind, languages: &[String]) -> Result<Draft> {
        let mut check = Check::default();
        let mut texts = Vec::new();
        if self.text.is_empty() {
            check.fail("text", Reason::NoText);
        }
        check.require_with(
            self.text.len() <= MAX_LANGUAGES,
            FieldError::of("text", Reason::TooManyLanguages).with("max", MAX_LANGUAGES),
        );
        for (tag, text) in &self.text {
            let Some(language) = language(tag) else {
                check.fail(format!("text.{tag}"), Reason::LanguageTag);
                continue;
            };
            if texts
                .iter()
                .any(|text: &Text| text.language.eq_ignore_ascii_case(&language))
            {
                check.fail(format!("text.{tag}"), Reason::LanguageGivenTwice);
                continue;
            }
            let field = |name: &str| format!("text.{tag}.{name}");
            let title = check.text(&field("title"), &text.title, 200);
            let summary = check.text(&field("summary"), &text.summary, 500);
            let body_markdown = text.body.trim().to_string();
            check.require_with(
                body_markdown.chars().count() <= MAX_BODY,
                FieldError::of(field("body"), Reason::TooLong).with("max", MAX_BODY),
            );
            texts.push(Text {
                body_html: markdown_to_html(&body_markdown),
                language,
                title,
                summary,
                body_markdown,
            });
        }
        let default_language = match self.default_language.as_deref().map(language) {
            Some(Some(tag)) if texts.iter().any(|text| text.language == tag) => tag,
            Some(_) => {
                check.fail("default_language", Reason::DefaultLanguage);
                String::new()
            }
            None => languages
                .iter()
                .find(|tag| texts.iter().any(|text| &text.language == *tag))
                .or_else(|| texts.first().map(|text| &text.language))
                .cloned()
                .unwrap_or_default(),
        };
        texts.sort_by_key(|text| (text.language != default_language, text.language.clone()));

        let hashtags = hashtags(&self.hashtags, &mut check);
        let mut gcm_objectives = numbers(
            &self.gcm_objectives,
            1..=23,
            "gcm_objectives",
            Reason::Objective,
            &mut check,
        );
        let gcm_categories = numbers(
            &self.gcm_categories,
            1..=9,
            "gcm_categories",
            Reason::GcmCategory,
            &mut check,
        );
        // A category of Objective 19 says the work serves Objective 19.
        if !gcm_categories.is_empty() && !gcm_objectives.contains(&19) {
            gcm_objectives.push(19);
        }
        gcm_objectives.sort_unstable();
        let countries_of_origin = check.countries("countries_of_origin", &self.countries_of_origin);
        let countries_of_residence =
            check.countries("countries_of_residence", &self.countries_of_residence);

        for (section, given) in [
            (Kind::Story, self.story.is_some()),
            (Kind::Event, self.event.is_some()),
            (Kind::Opportunity, self.opportunity.is_some()),
            (Kind::Resource, self.resource.is_some()),
        ] {
            if section != kind && given {
                check.fail_with(
                    FieldError::of(section.as_str(), Reason::SectionOfOtherKind)
                        .with("kind", section.as_str())
                        .with("a_kind", with_article(section)),
                );
            }
        }
        let details = match kind {
            Kind::Story => Details::Story(section(&self.story, story::validate, &mut check, kind)),
            Kind::Event => Details::Event(section(&self.event, event::validate, &mut check, kind)),
            Kind::Opportunity => Details::Opportunity(section(
                &self.opportunity,
                opportunity::validate,
                &mut check,
                kind,
            )),
            Kind::Resource => Details::Resource(section(
                &self.resource,
                resource::validate,
                &mut check,
                kind,
            )),
        };
        if let Details::Story(story) = &details {
            story::check_texts(story, &texts, &hashtags, &mut check);
        }
        check.finish()?;
        Ok(Draft {
            default_language,
            texts,
            hashtags,
            gcm_objectives,
            gcm_categories,
            author: self.author,
            countries_of_origin,
            countries_of_residence,
            details,
        })
    }
}

/// "a story", "an event", …: the English words for a kind, which the English of
/// [`Reason::SectionOfOtherKind`] and [`Reason::MissingSection`] needs.
fn with_article(kind: Kind) -> String {
    let name = kind.as_str();
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}

/// Hashtags without `#`: letters (any script), digits and `_`; duplicates (ignoring case) dropped.
fn hashtags(values: &[String], check: &mut Check) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for (index, value) in values.iter().enumerate() {
        let tag = value.trim().trim_start_matches('#');
        let valid = !tag.is_empty()
            && tag.chars().count() <= 50
            && tag.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !valid {
            check.fail(format!("hashtags[{index}]"), Reason::Hashtag);
        } else if !tags
            .iter()
            .any(|known| known.to_lowercase() == tag.to_lowercase())
        {
            tags.push(tag.to_string());
        }
    }
    check.require_with(
        tags.len() <= MAX_HASHTAGS,
        FieldError::of("hashtags", Reason::TooManyHashtags).with("max", MAX_HASHTAGS),
    );
    tags
}

/// Validates a kind's own section; a missing one is reported, and stands in as an empty input
/// whose own errors are not (the missing section says it all).
pub(super) fn section<I: Default, D>(
    given: &Option<I>,
    validate: fn(&I, &mut Check) -> D,
    check: &mut Check,
    kind: Kind,
) -> D {
    match given {
        Some(input) => validate(input, check),
        None => {
            check.fail_with(
                FieldError::of(kind.as_str(), Reason::MissingSection)
                    .with("kind", kind.as_str())
                    .with("a_kind", with_article(kind)),
            );
            validate(&I::default(), &mut Check::default())
        }
    }
}

/// The distinct numbers of `given` within `range`, sorted; each other value fails as
/// `{field}[index]`.
fn numbers(
    given: &[i64],
    range: std::ops::RangeInclusive<u8>,
    field: &str,
    why: Reason,
    check: &mut Check,
) -> Vec<u8> {
    let mut found: Vec<u8> = Vec::new();
    for (index, value) in given.iter().enumerate() {
        match u8::try_from(*value) {
            Ok(number) if range.contains(&number) => {
                if !found.contains(&number) {
                    found.push(number);
                }
            }
            _ => check.fail(format!("{field}[{index}]"), why),
        }
    }
    found.sort_unstable();
    found
}
