//! The fields of each kind's form, as one table per kind ([`STORY`], [`EVENT`],
//! [`OPPORTUNITY`], [`RESOURCE`], and [`SHARED`] by all four): the table draws the form
//! ([`form_fields`]) and types what it sends back ([`value_of`]), so a field added to a table is
//! shown, refilled and read with no other change. Also the language columns of the texts.
//!
//! A field's name is its path in the publishing input (`event.place.name`), so the domain's
//! errors land next to it.

use crate::app::AppState;
use crate::domain::publication::Kind;
use crate::domain::{event, opportunity, story};
use crate::i18n::{Language, Translator};
use crate::web::forms::{Field, FormValues};
use crate::web::html::direction;

/// How a field's value goes into the publishing input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typed {
    /// A string, left out when empty.
    Text,
    /// `true` when the checkbox is ticked.
    Boolean,
    /// A whole number.
    Integer,
    /// A decimal number (a comma is read as the decimal point).
    Decimal,
    /// A list, written with commas (a leading `#` of a hashtag dropped).
    List,
}

/// What a field names by words that the form turns into codes, and back: countries and
/// languages are written (and shown) by their names in the reader's language, and stored as
/// ISO codes and language tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// Not a country or a language.
    Nothing,
    /// One country (`Germany` ↔ `DE`).
    Country,
    /// Countries, separated by commas (`Nigeria, Ghana` ↔ `NG, GH`).
    Countries,
    /// One language (`German` ↔ `de`).
    Language,
}

/// One field of an editor form.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub name: &'static str,
    /// The HTML input: `text`, `url`, `email`, `number`, `date`, `datetime-local`, `select`,
    /// `checkbox`, `file`, or `hidden` (kept, not shown, and only when it has a value).
    pub input: &'static str,
    /// The catalog key of its label.
    pub label: &'static str,
    /// The catalog key of its hint.
    pub hint: Option<&'static str>,
    pub required: bool,
    /// A select's choices: the catalog prefix of their labels and their values.
    pub choices: Option<(&'static str, &'static [&'static str])>,
    pub autocomplete: &'static str,
    pub typed: Typed,
    /// The values suggested while typing, when the field has a known set of them.
    pub suggestions: Option<fn() -> &'static [String]>,
    /// The opportunity kinds the field belongs to, space-separated (`"course"`); empty for
    /// every kind. The form hides it while another kind is chosen and drops what it sends.
    pub only: &'static str,
    pub naming: Naming,
}

impl Spec {
    const fn new(name: &'static str, input: &'static str, label: &'static str) -> Spec {
        let typed = match input.as_bytes() {
            b"checkbox" => Typed::Boolean,
            b"number" => Typed::Integer,
            _ => Typed::Text,
        };
        Spec {
            name,
            input,
            label,
            hint: None,
            required: false,
            choices: None,
            autocomplete: "",
            typed,
            suggestions: None,
            only: "",
            naming: Naming::Nothing,
        }
    }

    const fn names(mut self, naming: Naming) -> Spec {
        self.naming = naming;
        self
    }

    const fn only(mut self, kinds: &'static str) -> Spec {
        self.only = kinds;
        self
    }

    /// Whether the field belongs to the opportunity kind `chosen`.
    pub fn belongs_to(&self, chosen: &str) -> bool {
        self.only.is_empty() || self.only.split_whitespace().any(|kind| kind == chosen)
    }

    const fn required(mut self) -> Spec {
        self.required = true;
        self
    }

    const fn hint(mut self, key: &'static str) -> Spec {
        self.hint = Some(key);
        self
    }

    const fn choices(mut self, prefix: &'static str, values: &'static [&'static str]) -> Spec {
        self.choices = Some((prefix, values));
        self
    }

    const fn autocomplete(mut self, autocomplete: &'static str) -> Spec {
        self.autocomplete = autocomplete;
        self
    }

    const fn suggest(mut self, suggestions: fn() -> &'static [String]) -> Spec {
        self.suggestions = Some(suggestions);
        self
    }

    const fn typed(mut self, typed: Typed) -> Spec {
        self.typed = typed;
        self
    }
}

/// The IANA time zones of the tz database (`Africa/Abidjan` … `Pacific/Wallis`), without the
/// legacy aliases; listed once, as every event form and event page offers them.
pub fn time_zones() -> &'static [String] {
    static ZONES: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        chrono_tz::TZ_VARIANTS
            .iter()
            .map(|zone| zone.name())
            .filter(|name| {
                name.contains('/') && !name.starts_with("Etc/") && !name.starts_with("US/")
            })
            .map(str::to_string)
            .collect()
    });
    &ZONES
}

/// The file fields of an image: a story's, an event's banner (read apart from the other
/// values: they are bytes; the upload becomes `{kind}.image_url`), and a member's logo on
/// their profile form (`web::member_pages`), read by the same [`Submission`](super::input::Submission).
pub const IMAGE_FIELDS: &[&str] = &["story.image", "event.image", "logo"];

/// Whether `name` is the file field of an image.
pub fn is_image_field(name: &str) -> bool {
    IMAGE_FIELDS.contains(&name)
}

/// What a story's form asks.
pub const STORY: &[Spec] = &[
    Spec::new("story.category", "select", "editor-story-category")
        .required()
        .choices("story-category", story::CATEGORIES),
    Spec::new("story.image", "file", "editor-image").hint("editor-image-hint"),
    // The uploaded (or given) image's address, kept while the story is edited.
    Spec::new("story.image_url", "hidden", ""),
    Spec::new("story.image_alt", "text", "editor-image-alt").hint("editor-image-alt-hint"),
    Spec::new("story.subject_name", "text", "editor-subject-name").hint("editor-subject-name-hint"),
    Spec::new("story.subject_place", "text", "editor-subject-place")
        .hint("editor-subject-place-hint"),
    Spec::new("story.licence", "select", "editor-licence").choices("licence", story::LICENCES),
    // The consent record: editors only see it.
    Spec::new("story.consent.about", "select", "consent-about")
        .choices("consent-about", story::ABOUT),
    Spec::new("story.consent.given_by", "text", "consent-given-by").hint("consent-given-by-hint"),
    Spec::new("story.consent.given_on", "date", "consent-given-on"),
    Spec::new("story.consent.form", "select", "consent-form").choices("consent-form", story::FORMS),
    Spec::new(
        "story.consent.subject_consented",
        "checkbox",
        "editor-consent",
    ),
    Spec::new("story.consent.federated", "checkbox", "consent-federated"),
    Spec::new("story.consent.indexable", "checkbox", "consent-indexable"),
    Spec::new("story.consent.images", "checkbox", "consent-images"),
    Spec::new("story.consent.hide_name", "checkbox", "editor-hide-name"),
    Spec::new("story.consent.pseudonym", "text", "consent-pseudonym")
        .hint("consent-pseudonym-hint"),
    Spec::new("story.consent.hide_place", "checkbox", "editor-hide-place"),
    Spec::new("story.consent.withdraw_on", "date", "consent-withdraw-on")
        .hint("consent-withdraw-on-hint"),
];

/// What an event's form asks.
pub const EVENT: &[Spec] = &[
    Spec::new("event.starts_at", "datetime-local", "editor-starts").required(),
    Spec::new("event.ends_at", "datetime-local", "editor-ends").required(),
    Spec::new("event.time_zone", "text", "editor-time-zone")
        .required()
        .hint("editor-time-zone-hint")
        .suggest(time_zones),
    Spec::new("event.place.name", "text", "editor-place-name").hint("editor-place-hint"),
    Spec::new("event.place.street_address", "text", "editor-street").autocomplete("street-address"),
    Spec::new("event.place.postal_code", "text", "editor-postal-code").autocomplete("postal-code"),
    Spec::new("event.place.locality", "text", "editor-locality").autocomplete("address-level2"),
    Spec::new("event.place.country", "text", "editor-country")
        .hint("editor-country-hint")
        .names(Naming::Country),
    // Coordinates come from the map below the address (`web::map`), the API or the CLI.
    Spec::new("event.place.latitude", "hidden", "").typed(Typed::Decimal),
    Spec::new("event.place.longitude", "hidden", "").typed(Typed::Decimal),
    Spec::new("event.online_url", "url", "editor-online-url"),
    Spec::new("event.category", "select", "filter-category")
        .choices("event-category", event::CATEGORIES),
    Spec::new("event.status", "select", "editor-status").choices("event-status", event::STATUSES),
    Spec::new("event.join_mode", "select", "editor-join-mode")
        .choices("event-join", event::JOIN_MODES),
    Spec::new("event.external_url", "url", "editor-external-url"),
    Spec::new("event.capacity", "number", "editor-capacity"),
    Spec::new("event.waiting_list", "checkbox", "editor-waiting-list"),
    Spec::new(
        "event.participants_visible",
        "checkbox",
        "editor-participants-visible",
    )
    .hint("editor-participants-visible-hint"),
    Spec::new("event.image", "file", "editor-banner").hint("editor-image-hint"),
    // The uploaded (or given) banner's address, kept while the event is edited.
    Spec::new("event.image_url", "hidden", ""),
    Spec::new("event.image_alt", "text", "editor-image-alt").hint("editor-image-alt-hint"),
];

/// What an opportunity's form asks.
pub const OPPORTUNITY: &[Spec] = &[
    Spec::new("opportunity.kind", "select", "filter-kind")
        .required()
        .choices("opportunity-kind", opportunity::KINDS),
    Spec::new(
        "opportunity.offering_organization",
        "text",
        "editor-offering-organization",
    ),
    Spec::new("opportunity.place", "text", "editor-opportunity-place"),
    Spec::new("opportunity.remote", "checkbox", "opportunity-remote"),
    Spec::new(
        "opportunity.countries",
        "text",
        "editor-opportunity-countries",
    )
    .hint("editor-countries-hint")
    .typed(Typed::List)
    .names(Naming::Countries),
    Spec::new("opportunity.deadline", "date", "editor-deadline"),
    Spec::new("opportunity.apply_url", "url", "editor-apply-url"),
    Spec::new("opportunity.apply_email", "email", "editor-apply-email"),
    Spec::new(
        "opportunity.employment_type",
        "select",
        "editor-employment-type",
    )
    .choices("employment", opportunity::EMPLOYMENT_TYPES)
    .only("job fellowship"),
    Spec::new("opportunity.provider", "text", "editor-course-provider").only("course"),
    Spec::new(
        "opportunity.course_language",
        "text",
        "editor-course-language",
    )
    .only("course")
    .names(Naming::Language),
    Spec::new("opportunity.cost", "text", "editor-course-cost").only("course"),
    Spec::new(
        "opportunity.certificate",
        "checkbox",
        "editor-course-certificate",
    )
    .only("course"),
];

/// What a resource's form asks.
pub const RESOURCE: &[Spec] = &[
    Spec::new("resource.topic", "text", "editor-topic").required(),
    Spec::new("resource.link", "url", "resource-link"),
    Spec::new("resource.document_url", "url", "resource-document"),
    Spec::new("resource.country", "text", "editor-country")
        .hint("editor-country-hint")
        .names(Naming::Country),
    Spec::new("resource.year", "number", "filter-year"),
];

/// What every kind's form asks after its own fields.
pub const SHARED: &[Spec] = &[
    Spec::new("hashtags", "text", "editor-hashtags")
        .hint("editor-hashtags-hint")
        .typed(Typed::List),
    // The 23 objectives, drawn as checkboxes with their titles (see `form_fields`).
    Spec::new("gcm_objectives", "checkboxes", "filter-gcm").hint("editor-gcm-hint"),
    // Objective 19's nine categories, shown while 19 is ticked.
    Spec::new("gcm_categories", "checkboxes", "editor-gcm-categories")
        .hint("editor-gcm-categories-hint"),
    Spec::new("countries_of_origin", "text", "about-countries-of-origin")
        .hint("editor-countries-hint")
        .typed(Typed::List)
        .names(Naming::Countries),
    Spec::new(
        "countries_of_residence",
        "text",
        "about-countries-of-residence",
    )
    .hint("editor-countries-hint")
    .typed(Typed::List)
    .names(Naming::Countries),
];

/// The table of `kind`'s own fields.
pub fn of(kind: Kind) -> &'static [Spec] {
    match kind {
        Kind::Story => STORY,
        Kind::Event => EVENT,
        Kind::Opportunity => OPPORTUNITY,
        Kind::Resource => RESOURCE,
    }
}

/// The field `name` of `kind`'s form, if it has one.
pub fn find(kind: Kind, name: &str) -> Option<&'static Spec> {
    of(kind).iter().chain(SHARED).find(|spec| spec.name == name)
}

/// The form's fields of `kind` besides the texts, filled with `values`.
pub fn form_fields(
    state: &AppState,
    t: &Translator,
    kind: Kind,
    values: &FormValues,
) -> Vec<Field> {
    of(kind)
        .iter()
        .chain(SHARED)
        .filter(|spec| spec.input != "hidden" || !values.get(spec.name).is_empty())
        .map(|spec| field(state, t, spec, values))
        .collect()
}

fn field(state: &AppState, t: &Translator, spec: &Spec, values: &FormValues) -> Field {
    let label = if spec.label.is_empty() {
        String::new()
    } else {
        t.t(spec.label)
    };
    let mut field = Field::new(spec.name, spec.input, label)
        .value(values.get(spec.name))
        .autocomplete(spec.autocomplete)
        .only(spec.only);
    if spec.required {
        field = field.required();
    }
    if let Some(hint) = spec.hint {
        field = field.hint(if is_image_field(spec.name) {
            let megabytes = state.config().accounts.max_image_bytes / 1_000_000;
            t.t1(hint, "megabytes", &megabytes.to_string())
        } else {
            t.t(hint)
        });
    }
    if let Some(suggestions) = spec.suggestions {
        field = field.suggestions(suggestions());
    }
    if let Some((prefix, choices)) = spec.choices {
        field = field.choices(
            choices
                .iter()
                .map(|value| (value.to_string(), t.t(&format!("{prefix}-{value}")))),
        );
    }
    match spec.naming {
        Naming::Nothing => {}
        Naming::Country | Naming::Countries => {
            field = field
                .value(shown_names(values.get(spec.name), |code| {
                    crate::i18n::country_code(code)
                        .filter(|known| known == code)
                        .map(|known| t.country(&known))
                }))
                .suggestions(t.country_names());
        }
        Naming::Language => {
            let known =
                |tag: &str| crate::domain::validation::language(tag).map(|tag| t.language(&tag));
            field = field
                .value(shown_names(values.get(spec.name), known))
                .suggestions(t.language_names());
        }
    }
    if spec.name == "gcm_objectives" {
        // The GCM objectives by number and title, in the reader's language and digits.
        field = field
            .value(values.joined(spec.name))
            .choices((1..=23).map(|number| (number.to_string(), t.gcm_objective(number))));
    }
    if spec.name == "gcm_categories" {
        field = field.value(values.joined(spec.name)).choices(
            (1..=9).map(|number| (number.to_string(), t.t(&format!("gcm-category-{number}")))),
        );
    }
    field
}

/// A stored list of codes (`NG, GH`) as the reader's names (`Nigeria, Ghana`): each code
/// that `name` knows is replaced, anything else (what the reader typed) is kept as it is.
pub fn shown_names(value: &str, name: impl Fn(&str) -> Option<String>) -> String {
    value
        .split([',', '،'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| name(item).unwrap_or_else(|| item.to_string()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a reader wrote in a field of countries or languages, as codes: each name found in
/// CLDR's names (in any of the four languages) becomes its code; anything else is kept, for
/// the validation to name it.
pub fn to_codes(naming: Naming, value: &str) -> Vec<String> {
    value
        .split([',', '،', ';', '\n'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let code = match naming {
                Naming::Country | Naming::Countries => crate::i18n::country_code(item),
                Naming::Language => crate::i18n::language_tag(item),
                Naming::Nothing => None,
            };
            code.unwrap_or_else(|| item.to_string())
        })
        .collect()
}

/// One language's column of the form.
pub struct LanguageColumn {
    pub code: String,
    pub name: String,
    pub dir: &'static str,
    pub fields: Vec<Field>,
    /// Not one of the instance's languages (offered folded).
    pub extra: bool,
    /// Something is written in it.
    pub filled: bool,
}

/// The languages a form offers: the instance's first (its default first), then the other
/// languages of the website's interface.
pub fn form_languages(state: &AppState) -> Vec<String> {
    let mut codes = state.config().instance.languages.clone();
    for language in Language::ALL {
        if !codes.iter().any(|code| code == language.code()) {
            codes.push(language.code().to_string());
        }
    }
    codes
}

/// The language columns: title, summary and body in each language of [`form_languages`];
/// those beyond the instance's languages are marked `extra` (shown folded unless filled).
pub fn language_columns(
    state: &AppState,
    t: &Translator,
    values: &FormValues,
) -> Vec<LanguageColumn> {
    let instance = &state.config().instance.languages;
    form_languages(state)
        .into_iter()
        .map(|code| {
            let dir = direction(&code);
            let field = |part: &str, input: &'static str, label: &str| {
                let name = format!("text.{code}.{part}");
                Field::new(&name, input, t.t(label))
                    .value(values.all(&name).first().cloned().unwrap_or_default())
                    .language(&code, dir)
            };
            let fields = vec![
                field("title", "text", "editor-title"),
                field("summary", "text", "editor-summary").hint(t.t("editor-summary-hint")),
                field("body", "textarea", "editor-body").hint(t.t("editor-body-hint")),
            ];
            LanguageColumn {
                name: crate::i18n::language_name(&code),
                extra: !instance.contains(&code),
                filled: fields.iter().any(|field| !field.value.trim().is_empty()),
                code,
                dir,
                fields,
            }
        })
        .collect()
}
