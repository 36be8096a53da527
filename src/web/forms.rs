//! Form fields for the website's forms (accounts, publishing, admin): one description of a
//! field that one template macro (`templates/forms.html`) renders accessibly, with its label,
//! hint and error next to it, and a form body parsed into a map of named values.
//!
//! Invariant: an error is shown next to the field it belongs to; errors that name no field of
//! the form are shown at the top (`unplaced`).

use crate::error::FieldError;
use crate::i18n::Translator;
use std::collections::BTreeMap;

/// One choice of a select, radio group or checkbox group.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One field of a form.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub label: String,
    pub hint: String,
    /// `text`, `email`, `password`, `url`, `number`, `date`, `datetime-local`, `textarea`,
    /// `select`, `radio`, `checkbox`, `checkboxes`, `file` or `hidden`.
    pub input: &'static str,
    pub value: String,
    pub choices: Vec<Choice>,
    pub required: bool,
    pub error: Option<String>,
    /// The language and direction of the value (for multilingual texts).
    pub lang: Option<String>,
    pub dir: Option<&'static str>,
    pub autocomplete: &'static str,
}

impl Field {
    pub fn new(name: impl Into<String>, input: &'static str, label: impl Into<String>) -> Field {
        Field {
            name: name.into(),
            label: label.into(),
            hint: String::new(),
            input,
            value: String::new(),
            choices: Vec::new(),
            required: false,
            error: None,
            lang: None,
            dir: None,
            autocomplete: "",
        }
    }

    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Field {
        self.hint = hint.into();
        self
    }

    pub fn value(mut self, value: impl Into<String>) -> Field {
        self.value = value.into();
        self
    }

    pub fn autocomplete(mut self, autocomplete: &'static str) -> Field {
        self.autocomplete = autocomplete;
        self
    }

    pub fn language(mut self, lang: &str, dir: &'static str) -> Field {
        self.lang = Some(lang.to_string());
        self.dir = Some(dir);
        self
    }

    /// Choices as `(value, label)`; the selected ones are those in the field's value
    /// (comma-separated for checkbox groups).
    pub fn choices(mut self, choices: impl IntoIterator<Item = (String, String)>) -> Field {
        let selected: Vec<String> = self
            .value
            .split(',')
            .map(|value| value.trim().to_string())
            .collect();
        self.choices = choices
            .into_iter()
            .map(|(value, label)| Choice {
                selected: selected.contains(&value),
                value,
                label,
            })
            .collect();
        self
    }

    /// The element id: the name with `.` and `[]` made safe.
    pub fn id(&self) -> String {
        format!(
            "field-{}",
            self.name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect::<String>()
        )
    }

    /// The ids of the hint and error, for `aria-describedby`.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.id()));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id()));
        }
        ids.join(" ")
    }

    pub fn has_error(&self) -> bool {
        self.error.is_some()
    }
}

/// The domain's reasons that the website says in the reader's language; others are shown as
/// the domain words them (in English).
const REASONS: &[(&str, &str)] = &[
    ("must not be empty", "error-required"),
    ("must be an http or https URL", "error-url"),
    ("must be after the start", "error-after-start"),
    (
        "an event needs a place, an online_url, or both",
        "error-event-place",
    ),
    (
        "an image needs a description for people who cannot see it",
        "error-image-alt",
    ),
    (
        "a description was given but no image",
        "error-image-missing",
    ),
    (
        "a story is published only with its subject's consent: set it to true once you have it",
        "error-consent",
    ),
    (
        "give the text in at least one language, e.g. text.en.title",
        "error-no-text",
    ),
    ("must be a whole number", "error-whole-number"),
    (
        "must be a local date and time such as 2026-03-14T10:00",
        "error-date-time",
    ),
    (
        "an external join mode needs the URL where people register",
        "error-external-url",
    ),
    (
        "give a place, or set remote = true",
        "error-opportunity-place",
    ),
    (
        "must be letters, digits and _ only (at most 50), such as \"MigrationStories\"",
        "error-hashtag",
    ),
    ("an event lasts at most 366 days", "error-event-length"),
    ("must be an e-mail address", "error-email"),
];

/// What is wrong with a field, in the reader's language.
pub fn say(t: &Translator, error: &FieldError) -> String {
    localized(t, &error.reason)
}

/// `reason` in the reader's language when the website knows it.
fn localized(t: &Translator, reason: &str) -> String {
    if let Some((_, key)) = REASONS.iter().find(|(known, _)| *known == reason) {
        return t.t(key);
    }
    if let Some(max) = reason
        .strip_prefix("must be at most ")
        .and_then(|rest| rest.strip_suffix(" characters"))
    {
        return t.t1("error-too-long", "max", &t.digits(max));
    }
    if reason.starts_with("must be an IANA time zone") {
        return t.t("error-time-zone");
    }
    if reason.contains("is not a two-letter country code")
        || reason.starts_with("must be a two-letter country code")
    {
        return t.t("error-country");
    }
    reason.to_string()
}

/// Puts each error, in the reader's language, next to its field; returns those that belong to
/// no field of `fields` (as `field: reason`, or the reason alone for the whole `form`).
pub fn place_errors(t: &Translator, fields: &mut [Field], errors: &[FieldError]) -> Vec<String> {
    let mut unplaced = Vec::new();
    for error in errors {
        // `gcm_objectives[2]` belongs to `gcm_objectives`; `text.en` to `text.en.title`.
        let base = error.field.split('[').next().unwrap_or(&error.field);
        // Hidden fields show no error: theirs go to the top.
        let exact = fields
            .iter()
            .position(|field| field.name == base && field.input != "hidden");
        let position = exact.or_else(|| {
            fields.iter().position(|field| {
                field.name.starts_with(&format!("{base}.")) && field.input != "hidden"
            })
        });
        let target = position.and_then(|index| fields.get_mut(index));
        match target {
            Some(field) => {
                let reason = say(t, error);
                let message = match &field.error {
                    Some(previous) => format!("{previous} {reason}"),
                    None => reason,
                };
                field.error = Some(message);
            }
            None if error.field == "form" => unplaced.push(say(t, error)),
            None => unplaced.push(format!("{}: {}", error.field, say(t, error))),
        }
    }
    unplaced
}

/// A form body as named values; a name given several times (checkbox groups) keeps every
/// value, in order.
#[derive(Debug, Clone, Default)]
pub struct FormValues(pub BTreeMap<String, Vec<String>>);

impl FormValues {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> FormValues {
        let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, value) in pairs {
            values.entry(name).or_default().push(value);
        }
        FormValues(values)
    }

    /// The first value of `name`, trimmed; "" when missing.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .get(name)
            .and_then(|values| values.first())
            .map(|value| value.trim())
            .unwrap_or("")
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> &[String] {
        self.0.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The values of `name` joined with commas (to refill a checkbox group).
    pub fn joined(&self, name: &str) -> String {
        self.all(name).join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Language;

    #[test]
    fn known_reasons_are_said_in_the_readers_language() {
        let arabic = Translator::new(Language::Ar);
        assert_eq!(localized(&arabic, "must not be empty"), "املأ هذا الحقل.");
        assert_eq!(
            localized(&arabic, "must be at most 200 characters"),
            "٢٠٠ حرفًا على الأكثر."
        );
        let french = Translator::new(Language::Fr);
        assert!(localized(&french, "an event lasts at most 366 days").starts_with("Un événement"));
        assert_eq!(
            localized(&french, "a reason we do not know"),
            "a reason we do not know",
            "unknown reasons stay as the domain words them"
        );
    }

    #[test]
    fn errors_go_next_to_their_field_and_the_rest_to_the_top() {
        let mut fields = vec![
            Field::new("text.en.title", "text", "Title"),
            Field::new("gcm_objectives", "checkboxes", "Objectives"),
        ];
        let unplaced = place_errors(
            &Translator::new(Language::En),
            &mut fields,
            &[
                FieldError::new("text.en.title", "must not be empty"),
                FieldError::new("gcm_objectives[0]", "must be from 1 to 23"),
                FieldError::new("text.en", "needs a title"),
                FieldError::new("event", "missing"),
            ],
        );
        assert_eq!(
            fields[0].error.as_deref(),
            Some("Fill in this field. needs a title")
        );
        assert_eq!(fields[1].error.as_deref(), Some("must be from 1 to 23"));
        assert_eq!(unplaced, vec!["event: missing".to_string()]);
        assert_eq!(fields[0].id(), "field-text-en-title");
        assert_eq!(
            fields[0].described_by(),
            "field-text-en-title-error".to_string()
        );
    }
}
