//! The library of migration policies and practices.

use super::validation::{Check, country};
use crate::error::{FieldError, Reason};
use serde::{Deserialize, Serialize};
use url::Url;

/// The `[resource]` part of an input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceInput {
    /// A page about the policy or practice.
    pub link: Option<String>,
    /// The document itself (a PDF, say).
    pub document_url: Option<String>,
    /// The country it concerns (ISO 3166-1 alpha-2).
    pub country: Option<String>,
    /// The year it was adopted or published.
    pub year: Option<i32>,
    /// Its topic, e.g. "labour migration".
    pub topic: String,
}

/// A resource's own fields, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceDetails {
    pub link: Option<Url>,
    pub document_url: Option<Url>,
    pub country: Option<String>,
    pub year: Option<i32>,
    pub topic: String,
}

/// Validates the `[resource]` part.
pub fn validate(input: &ResourceInput, check: &mut Check) -> ResourceDetails {
    let link = check.optional_url("resource.link", input.link.as_deref());
    let document_url = check.optional_url("resource.document_url", input.document_url.as_deref());
    let country = input.country.as_deref().and_then(|value| {
        let code = country(value);
        if code.is_none() {
            check.fail_with(
                FieldError::of("resource.country", Reason::CountryCode).with("example", "SN"),
            );
        }
        code
    });
    if let Some(year) = input.year {
        check.require((1800..=2200).contains(&year), "resource.year", Reason::Year);
    }
    ResourceDetails {
        link,
        document_url,
        country,
        year: input.year,
        topic: check.text("resource.topic", &input.topic, 200),
    }
}
