//! Success stories and testimonials, and the consent they are told with: who gave it, when,
//! how, and what it allows (this website, other servers, search engines and search, images),
//! the name and the place it hides, its licence and its withdrawal.
//!
//! Invariants: a story about a person is not published without a consent record; a hidden
//! name or place is never in what is shown ([`StoryDetails::shown_name`],
//! [`StoryDetails::shown_place`]), and the texts may not contain it (checked with the texts in
//! [`check_texts`]); an image the scope does not allow is not shown ([`StoryDetails::image`]).

use super::publication::Text;
use super::validation::{Check, choice};
use crate::error::{FieldError, Reason};
use crate::i18n::Translator;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use url::Url;

/// What kind of story it is.
pub const CATEGORIES: &[&str] = &[
    "individual_journey",
    "economic",
    "social",
    "scientific",
    "cultural",
];

/// Whom a story is about: a person (who must consent), or the organization itself.
pub const ABOUT: &[&str] = &["person", "organization"];

/// How consent was given.
pub const FORMS: &[&str] = &["written", "oral", "recorded"];

/// The licences an editor chooses from, CC BY 4.0 first (the default): the Creative Commons
/// licences are version 4.0.
pub const LICENCES: &[&str] = &[
    "cc_by",
    "cc_by_sa",
    "cc_by_nc",
    "cc_by_nc_nd",
    "all_rights_reserved",
];

/// The default licence.
pub const DEFAULT_LICENCE: &str = "cc_by";

/// The address of a licence's terms (`None` for all rights reserved).
pub fn licence_url(licence: &str) -> Option<&'static str> {
    match licence {
        "cc_by" => Some("https://creativecommons.org/licenses/by/4.0/"),
        "cc_by_sa" => Some("https://creativecommons.org/licenses/by-sa/4.0/"),
        "cc_by_nc" => Some("https://creativecommons.org/licenses/by-nc/4.0/"),
        "cc_by_nc_nd" => Some("https://creativecommons.org/licenses/by-nc-nd/4.0/"),
        _ => None,
    }
}

/// The longest name, pseudonym or place.
const MAX_NAME: usize = 100;

/// The `[story]` part of an input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoryInput {
    pub category: String,
    pub image_url: Option<String>,
    pub image_alt: Option<String>,
    /// The name of the person it is about (shown unless the consent hides it).
    pub subject_name: Option<String>,
    /// Where they live: a town or a region (shown unless the consent hides it; the country is
    /// the publication's first country of residence).
    pub subject_place: Option<String>,
    /// One of [`LICENCES`]; CC BY 4.0 when not given.
    pub licence: Option<String>,
    #[serde(default)]
    pub consent: ConsentInput,
}

/// The consent record, as given.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// `person` (the default) or `organization`: a story about the organization itself needs
    /// no one's consent, and says so.
    pub about: Option<String>,
    /// The person it is about agreed to its publication on this website.
    #[serde(default)]
    pub subject_consented: bool,
    /// Who gave consent: the person, or who speaks for them.
    pub given_by: Option<String>,
    /// When (a date, not after today).
    pub given_on: Option<String>,
    /// How: one of [`FORMS`].
    pub form: Option<String>,
    /// It may be sent to other servers (the fediverse, other Jisr instances).
    #[serde(default)]
    pub federated: bool,
    /// Search engines and other servers' search may index it.
    #[serde(default)]
    pub indexable: bool,
    /// Its image may be shown.
    #[serde(default)]
    pub images: bool,
    /// Show [`Self::pseudonym`] instead of the name.
    #[serde(default)]
    pub hide_name: bool,
    /// A chosen name or initials.
    pub pseudonym: Option<String>,
    /// Show the country only, not the place.
    #[serde(default)]
    pub hide_place: bool,
    /// The day consent ends: the story is withdrawn then.
    pub withdraw_on: Option<String>,
}

/// A story's own fields, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryDetails {
    pub category: String,
    /// Its image as given; [`Self::image`] is what may be shown.
    pub image: Option<Image>,
    #[serde(default)]
    pub subject_name: Option<String>,
    #[serde(default)]
    pub subject_place: Option<String>,
    /// One of [`LICENCES`]; `None` for stories stored before there was a choice, which were
    /// given no licence (all rights reserved) and are not said to have one.
    #[serde(default)]
    pub licence: Option<String>,
    pub consent: Consent,
}

fn yes() -> bool {
    true
}

/// An image with its required description: a story's, an event's banner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    pub url: Url,
    pub alt: String,
}

/// The recorded consent. Stories stored before the record had its scope were federated,
/// indexed and showed their images: those defaults keep them as they were.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    #[serde(default = "person")]
    pub about: String,
    pub subject_consented: bool,
    #[serde(default)]
    pub given_by: Option<String>,
    #[serde(default)]
    pub given_on: Option<NaiveDate>,
    #[serde(default)]
    pub form: Option<String>,
    #[serde(default = "yes")]
    pub federated: bool,
    #[serde(default = "yes")]
    pub indexable: bool,
    #[serde(default = "yes")]
    pub images: bool,
    pub hide_name: bool,
    #[serde(default)]
    pub pseudonym: Option<String>,
    pub hide_place: bool,
    #[serde(default)]
    pub withdraw_on: Option<NaiveDate>,
}

fn person() -> String {
    "person".to_string()
}

impl Consent {
    /// A story about the organization itself.
    pub fn about_organization(&self) -> bool {
        self.about == "organization"
    }
}

impl StoryDetails {
    /// The name shown: the pseudonym when the name is hidden.
    pub fn shown_name(&self) -> Option<&str> {
        if self.consent.hide_name {
            self.consent.pseudonym.as_deref()
        } else {
            self.subject_name.as_deref()
        }
    }

    /// The place shown: none when it is hidden (the country still is).
    pub fn shown_place(&self) -> Option<&str> {
        if self.consent.hide_place {
            None
        } else {
            self.subject_place.as_deref()
        }
    }

    /// Where they live, as the consent allows: the place and the country (the first of
    /// `residence`, in the reader's language), or only the country when the place is hidden.
    pub fn shown_where(&self, residence: &[String], t: &Translator) -> Option<String> {
        let country = residence.first().map(|code| t.country(code));
        match (self.shown_place(), country) {
            (Some(place), Some(country)) => Some(format!("{place}, {country}")),
            (Some(place), None) => Some(place.to_string()),
            (None, country) => country,
        }
    }

    /// The line that says whom it is about and where they live, as the consent allows (what
    /// feeds and other servers show): the name or the pseudonym, and [`Self::shown_where`].
    /// `None` when there is nothing to say.
    pub fn line(&self, residence: &[String], t: &Translator) -> Option<String> {
        match (self.shown_name(), self.shown_where(residence, t)) {
            (Some(name), Some(place)) => Some(t.t_args(
                "story-line",
                &[("name", name.to_string()), ("place", place)],
            )),
            (Some(name), None) => Some(name.to_string()),
            (None, place) => place,
        }
    }

    /// The image that may be shown: none when the consent does not allow images.
    pub fn shown_image(&self) -> Option<&Image> {
        self.image.as_ref().filter(|_| self.consent.images)
    }

    /// Whether it may be sent to other servers.
    pub fn federated(&self) -> bool {
        self.consent.federated
    }

    /// Whether search (ours, other servers', search engines') may index it.
    pub fn indexable(&self) -> bool {
        self.consent.indexable
    }
}

/// Validates the `[story]` part (the texts are checked against it by [`check_texts`]).
pub fn validate(input: &StoryInput, check: &mut Check) -> StoryDetails {
    let category = one_of(check, "story.category", &input.category, CATEGORIES);
    let image = image(
        check,
        "story",
        input.image_url.as_deref(),
        input.image_alt.as_deref(),
    );
    let licence = one_of(
        check,
        "story.licence",
        input.licence.as_deref().unwrap_or(DEFAULT_LICENCE),
        LICENCES,
    );
    let subject_name = check.optional_text(
        "story.subject_name",
        input.subject_name.as_deref(),
        MAX_NAME,
    );
    let subject_place = check.optional_text(
        "story.subject_place",
        input.subject_place.as_deref(),
        MAX_NAME,
    );
    let consent = consent(&input.consent, subject_name.as_deref(), check);
    StoryDetails {
        category,
        image,
        subject_name,
        subject_place,
        licence: Some(licence),
        consent,
    }
}

/// `value` as one of `choices` (see [`choice`]), or `field` fails naming them.
fn one_of(check: &mut Check, field: &str, value: &str, choices: &[&str]) -> String {
    match choice(value, choices) {
        Some(chosen) => chosen.to_string(),
        None => {
            check.fail_with(
                FieldError::of(field, Reason::OneOf).with("choices", choices.join(", ")),
            );
            String::new()
        }
    }
}

/// The consent record: required, with who, when and how, for a story about a person; a story
/// about the organization has nothing to record and goes everywhere.
fn consent(input: &ConsentInput, subject_name: Option<&str>, check: &mut Check) -> Consent {
    let about = one_of(
        check,
        "story.consent.about",
        input.about.as_deref().unwrap_or("person"),
        ABOUT,
    );
    if about == "organization" {
        return Consent {
            about,
            subject_consented: true,
            given_by: None,
            given_on: None,
            form: None,
            federated: true,
            indexable: true,
            images: true,
            hide_name: false,
            pseudonym: None,
            hide_place: false,
            withdraw_on: None,
        };
    }
    let today = chrono::Utc::now().date_naive();
    check.require(
        input.subject_consented,
        "story.consent.subject_consented",
        Reason::Consent,
    );
    let given_by = check.optional_text(
        "story.consent.given_by",
        input.given_by.as_deref(),
        MAX_NAME,
    );
    check.require(
        given_by.is_some(),
        "story.consent.given_by",
        Reason::Required,
    );
    let given_on = date(check, "story.consent.given_on", input.given_on.as_deref());
    match given_on {
        None if !check.has("story.consent.given_on") => {
            check.fail("story.consent.given_on", Reason::Required)
        }
        Some(day) if day > today => check.fail("story.consent.given_on", Reason::AfterToday),
        _ => {}
    }
    let form = match input
        .form
        .as_deref()
        .map(str::trim)
        .filter(|form| !form.is_empty())
    {
        Some(form) => Some(one_of(check, "story.consent.form", form, FORMS)),
        None => {
            check.fail_with(
                FieldError::of("story.consent.form", Reason::OneOf)
                    .with("choices", FORMS.join(", ")),
            );
            None
        }
    };
    let pseudonym = check.optional_text(
        "story.consent.pseudonym",
        input.pseudonym.as_deref(),
        MAX_NAME,
    );
    if input.hide_name {
        match (&pseudonym, subject_name) {
            (None, _) => check.fail("story.consent.pseudonym", Reason::Pseudonym),
            (Some(pseudonym), Some(name))
                if contains_any(pseudonym, &secret_words(name))
                    || folded(pseudonym) == folded(name) =>
            {
                check.fail("story.consent.pseudonym", Reason::Pseudonym)
            }
            _ => {}
        }
    }
    let withdraw_on = date(
        check,
        "story.consent.withdraw_on",
        input.withdraw_on.as_deref(),
    );
    if withdraw_on.is_some_and(|day| day < today) {
        check.fail("story.consent.withdraw_on", Reason::BeforeToday);
    }
    Consent {
        about,
        subject_consented: input.subject_consented,
        given_by,
        given_on,
        form,
        federated: input.federated,
        indexable: input.indexable,
        images: input.images,
        hide_name: input.hide_name,
        pseudonym: pseudonym.filter(|_| input.hide_name),
        hide_place: input.hide_place,
        withdraw_on,
    }
}

/// An optional date such as 2026-11-30.
fn date(check: &mut Check, field: &str, value: Option<&str>) -> Option<NaiveDate> {
    let value = value.map(str::trim).filter(|value| !value.is_empty())?;
    match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        Ok(day) => Some(day),
        Err(_) => {
            check.fail(field, Reason::Date);
            None
        }
    }
}

/// Lower case, spaces made one: how names are compared.
fn folded(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the consent hides, each with the reason a text that contains it is refused.
fn hidden(details: &StoryDetails) -> Vec<(Vec<Vec<String>>, Reason)> {
    let mut hidden = Vec::new();
    if details.consent.hide_name
        && let Some(name) = &details.subject_name
    {
        hidden.push((secret_words(name), Reason::NameInText));
    }
    if details.consent.hide_place
        && let Some(place) = &details.subject_place
    {
        hidden.push((secret_words(place), Reason::PlaceInText));
    }
    hidden
}

/// Why `text` may not be shown with the story: it names what the consent hides.
pub fn gives_away(details: &StoryDetails, text: &str) -> Option<Reason> {
    hidden(details)
        .into_iter()
        .find(|(words, _)| contains_any(text, words))
        .map(|(_, why)| why)
}

/// Refuses what is shown with the story and still contains what the consent hides: the name
/// (whole, or any of its words of three letters or more) when it is hidden, the place when it
/// is hidden; in each text's title, summary and body, in the hashtags and in the image's
/// description, as words, regardless of case.
pub fn check_texts(details: &StoryDetails, texts: &[Text], hashtags: &[String], check: &mut Check) {
    for (words, why) in hidden(details) {
        for text in texts {
            for (part, value) in [
                ("title", &text.title),
                ("summary", &text.summary),
                ("body", &text.body_markdown),
            ] {
                if contains_any(value, &words) {
                    check.fail(format!("text.{}.{part}", text.language), why);
                }
            }
        }
        // A hashtag is one word: `#AmakaObi` gives the name away as `Amaka Obi` does.
        let joined: Vec<String> = words.iter().map(|phrase| phrase.concat()).collect();
        if hashtags.iter().any(|tag| {
            let tag = tag.to_lowercase();
            joined
                .iter()
                .any(|secret| !secret.is_empty() && tag.contains(secret.as_str()))
        }) {
            check.fail("hashtags", why);
        }
        if let Some(image) = &details.image
            && contains_any(&image.alt, &words)
        {
            check.fail("story.image_alt", why);
        }
    }
}

/// The words that give a name or a place away: the whole of it, and each word of three
/// letters or more.
fn secret_words(secret: &str) -> Vec<Vec<String>> {
    let whole: Vec<String> = words_of(secret);
    let mut found = vec![whole.clone()];
    for word in &whole {
        if word.chars().count() >= 3 && whole.len() > 1 {
            found.push(vec![word.clone()]);
        }
    }
    found
}

fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether `text` has one of `phrases` as consecutive whole words.
fn contains_any(text: &str, phrases: &[Vec<String>]) -> bool {
    let words = words_of(text);
    phrases
        .iter()
        .filter(|phrase| !phrase.is_empty())
        .any(|phrase| {
            words
                .windows(phrase.len())
                .any(|window| window == phrase.as_slice())
        })
}

/// The image of the `section` (`story`, `event`) from its `image_url` and `image_alt`: both or
/// neither, the description being what a screen reader says and what shows when it does not
/// load.
pub fn image(
    check: &mut Check,
    section: &str,
    url: Option<&str>,
    alt: Option<&str>,
) -> Option<Image> {
    let url_field = format!("{section}.image_url");
    let alt_field = format!("{section}.image_alt");
    let url = check.optional_url(&url_field, url);
    let alt = check.optional_text(&alt_field, alt, 1500);
    match (url, alt) {
        (Some(url), Some(alt)) => Some(Image { url, alt }),
        (Some(_), None) => {
            check.fail(alt_field, Reason::ImageAlt);
            None
        }
        (None, Some(_)) => {
            check.fail(url_field, Reason::ImageMissing);
            None
        }
        (None, None) => None,
    }
}
