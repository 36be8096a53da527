//! Collecting every invalid field of an input at once, and the small checks shared by kinds.

use crate::error::{Error, FieldError, Reason};
use url::Url;

/// Gathers field errors; [`Check::finish`] turns them into one [`Error::Invalid`].
#[derive(Debug, Default)]
pub struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    /// Whether `field` has already been found invalid.
    pub fn has(&self, field: &str) -> bool {
        self.errors.iter().any(|error| error.field == field)
    }

    /// Records that `field` is invalid for `why`, a reason that names no value.
    pub fn fail(&mut self, field: impl Into<String>, why: Reason) {
        self.fail_with(FieldError::of(field, why));
    }

    /// Records `error` (a reason with the values it names).
    pub fn fail_with(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// Records that `field` is invalid for `why` when `condition` is false.
    pub fn require(&mut self, condition: bool, field: impl Into<String>, why: Reason) {
        if !condition {
            self.fail(field, why);
        }
    }

    /// Records `error` when `condition` is false.
    pub fn require_with(&mut self, condition: bool, error: FieldError) {
        if !condition {
            self.fail_with(error);
        }
    }

    /// A trimmed, non-empty string of at most `max` characters, or a recorded failure.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let value = value.trim();
        if value.is_empty() {
            self.fail(field, Reason::Required);
        } else if value.chars().count() > max {
            self.fail_with(FieldError::of(field, Reason::TooLong).with("max", max));
        }
        value.to_string()
    }

    /// An optional string: trimmed, `None` when empty, at most `max` characters.
    pub fn optional_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        max: usize,
    ) -> Option<String> {
        let value = value.map(str::trim).filter(|value| !value.is_empty())?;
        if value.chars().count() > max {
            self.fail_with(FieldError::of(field, Reason::TooLong).with("max", max));
        }
        Some(value.to_string())
    }

    /// An http(s) URL, or a recorded failure.
    pub fn url(&mut self, field: &str, value: &str) -> Option<Url> {
        match Url::parse(value.trim()) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
                Some(url)
            }
            _ => {
                self.fail(field, Reason::Url);
                None
            }
        }
    }

    /// An optional http(s) URL.
    pub fn optional_url(&mut self, field: &str, value: Option<&str>) -> Option<Url> {
        let value = value.map(str::trim).filter(|value| !value.is_empty())?;
        self.url(field, value)
    }

    /// ISO 3166-1 alpha-2 country codes, upper-cased.
    pub fn countries(&mut self, field: &str, values: &[String]) -> Vec<String> {
        let mut countries = Vec::new();
        for (index, value) in values.iter().enumerate() {
            match country(value) {
                Some(code) if !countries.contains(&code) => countries.push(code),
                Some(_) => {}
                None => self.fail_with(
                    FieldError::of(format!("{field}[{index}]"), Reason::Country)
                        .with("value", value),
                ),
            }
        }
        countries
    }

    /// BCP 47 language tags, each once, at most 20.
    pub fn languages(&mut self, field: &str, values: &[String]) -> Vec<String> {
        let mut languages = Vec::new();
        for (index, value) in values.iter().enumerate().take(20) {
            match language(value) {
                Some(tag) if !languages.contains(&tag) => languages.push(tag),
                Some(_) => {}
                None => self.fail(format!("{field}[{index}]"), Reason::Language),
            }
        }
        languages
    }

    /// The errors so far, as `Err` if there are any.
    pub fn finish(self) -> Result<(), Error> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.errors))
        }
    }
}

/// A country code, upper-cased, if `value` is two ASCII letters.
pub fn country(value: &str) -> Option<String> {
    let value = value.trim();
    (value.len() == 2 && value.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| value.to_ascii_uppercase())
}

/// A BCP 47 language tag such as `ar` or `fr-CA`, lower-cased primary subtag.
pub fn language(value: &str) -> Option<String> {
    let mut parts = value.trim().split('-');
    let primary = parts.next()?.to_ascii_lowercase();
    if !(2..=3).contains(&primary.len()) || !primary.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut tag = primary;
    for part in parts {
        if !(1..=8).contains(&part.len()) || !part.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        tag.push('-');
        tag.push_str(part);
    }
    Some(tag)
}

/// Parses a lower-case choice (`"full_time"`, `"FULL-TIME"` and `"Full time"` all match).
pub fn choice<'a>(value: &str, choices: &[&'a str]) -> Option<&'a str> {
    let normal = value.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    choices.iter().copied().find(|choice| *choice == normal)
}
