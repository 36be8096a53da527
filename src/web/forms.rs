//! Form fields for the website's forms (accounts, publishing, admin): one description of a
//! field that one template macro (`templates/forms.html`) renders accessibly, with its label,
//! hint and error next to it, and a form body parsed into a map of named values.
//!
//! Invariant: an error is shown next to the field it belongs to; errors that name no field of
//! the form are shown at the top (`unplaced`).

use crate::error::{FieldError, NUMBER_ARGS, Reason};
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
    /// Values to suggest while typing (a `<datalist>`: searchable without script).
    pub suggestions: &'static [String],
    /// The kinds (of opportunity) this field belongs to, space-separated; empty for all. The
    /// stylesheet hides it while another kind is chosen.
    pub only: &'static str,
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
            suggestions: &[],
            only: "",
        }
    }

    pub fn only(mut self, kinds: &'static str) -> Field {
        self.only = kinds;
        self
    }

    pub fn suggestions(mut self, suggestions: &'static [String]) -> Field {
        self.suggestions = suggestions;
        self
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

/// What is wrong with a field, in the reader's language: the message of its reason's key,
/// with the values it names (numbers in the language's digits). Words given as they are
/// ([`Reason::Other`]) are shown as they are.
pub fn say(t: &Translator, error: &FieldError) -> String {
    let why = error.why();
    if why == Reason::Other {
        return match error.arg("text") {
            Some(text) if !text.is_empty() => text.to_string(),
            _ => t.t(why.key()),
        };
    }
    let args: Vec<(&str, String)> = error
        .args()
        .iter()
        .map(|(name, value)| {
            let value = if NUMBER_ARGS.contains(name) {
                t.digits(value)
            } else {
                value.clone()
            };
            (*name, value)
        })
        .collect();
    t.t_args(why.key(), &args)
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
    fn reasons_are_said_in_the_readers_language_by_their_key() {
        let arabic = Translator::new(Language::Ar);
        assert_eq!(
            say(&arabic, &FieldError::of("name", Reason::Required)),
            "املأ هذا الحقل."
        );
        assert_eq!(
            say(
                &arabic,
                &FieldError::of("name", Reason::TooLong).with("max", 200)
            ),
            "٢٠٠ حرفًا على الأكثر."
        );
        let french = Translator::new(Language::Fr);
        let length = FieldError::of("event.ends_at", Reason::EventLength).with("max", 366);
        assert!(say(&french, &length).starts_with("Un événement"));
        assert!(say(&french, &length).contains("366"));
        let choices = FieldError::of("story.category", Reason::OneOf).with("choices", "a, b");
        assert!(say(&french, &choices).contains("a, b"));
        assert_eq!(
            say(&french, &FieldError::new("name", "déjà traduit")),
            "déjà traduit",
            "words given as they are stay as they are"
        );
        assert_eq!(
            say(&french, &FieldError::new("name", "")),
            french.t(Reason::Other.key()),
            "no words: the generic message"
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
                FieldError::of("text.en.title", Reason::Required),
                FieldError::of("gcm_objectives[0]", Reason::Objective),
                FieldError::new("text.en", "needs a title"),
                FieldError::new("event", "missing"),
            ],
        );
        assert_eq!(
            fields[0].error.as_deref(),
            Some("Fill in this field. needs a title")
        );
        assert_eq!(
            fields[1].error.as_deref(),
            Some(Translator::new(Language::En).t("error-objective").as_str())
        );
        assert_eq!(unplaced, vec!["event: missing".to_string()]);
        assert_eq!(fields[0].id(), "field-text-en-title");
        assert_eq!(
            fields[0].described_by(),
            "field-text-en-title-error".to_string()
        );
    }
}
