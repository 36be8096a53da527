//! Success stories and testimonials.

use super::validation::{Check, choice};
use crate::error::{FieldError, Reason};
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

/// The `[story]` part of an input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoryInput {
    pub category: String,
    pub image_url: Option<String>,
    pub image_alt: Option<String>,
    #[serde(default)]
    pub consent: ConsentInput,
}

/// What the story's subject agreed to.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// The person the story is about agreed to its publication.
    #[serde(default)]
    pub subject_consented: bool,
    /// Do not show the subject's name.
    #[serde(default)]
    pub hide_name: bool,
    /// Do not show where the subject lives.
    #[serde(default)]
    pub hide_place: bool,
}

/// A story's own fields, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryDetails {
    pub category: String,
    pub image: Option<Image>,
    pub consent: Consent,
}

/// An image with its required description: a story's, an event's banner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    pub url: Url,
    pub alt: String,
}

/// The recorded consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub subject_consented: bool,
    pub hide_name: bool,
    pub hide_place: bool,
}

/// Validates the `[story]` part.
pub fn validate(input: &StoryInput, check: &mut Check) -> StoryDetails {
    let category = match choice(&input.category, CATEGORIES) {
        Some(category) => category.to_string(),
        None => {
            check.fail_with(
                FieldError::of("story.category", Reason::OneOf)
                    .with("choices", CATEGORIES.join(", ")),
            );
            String::new()
        }
    };
    check.require(
        input.consent.subject_consented,
        "story.consent.subject_consented",
        Reason::Consent,
    );
    let image = image(
        check,
        "story",
        input.image_url.as_deref(),
        input.image_alt.as_deref(),
    );
    StoryDetails {
        category,
        image,
        consent: Consent {
            subject_consented: input.consent.subject_consented,
            hide_name: input.consent.hide_name,
            hide_place: input.consent.hide_place,
        },
    }
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
