//! The editors' forms: create, preview, edit and delete stories, events, opportunities and
//! resources, with every language of the instance side by side, and a story's image upload.
//!
//! A form's field names are the paths of the publishing input (`text.ar.title`,
//! `event.starts_at`, `opportunity.remote`), so the domain's validation errors land next to the
//! field they name. Publishing goes through the same outbox as the API and the CLI.

use super::account_pages::respond_with;
use super::auth::{Publisher, Visitor};
use super::forms::{Field, FormValues, place_errors};
use super::html::direction;
use super::pages::{Reader, Site, languages};
use crate::app::AppState;
use crate::domain::images;
use crate::domain::publication::{self, Details, Input, Kind, Publication};
use crate::domain::{event, opportunity, story};
use crate::error::{Error, FieldError, Result};
use crate::federation::outbox;
use crate::i18n::{Language, Translator};
use askama::Template;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Map, Value, json};

/// Fields whose value is `true` when their checkbox is ticked.
const BOOLEANS: &[&str] = &[
    "opportunity.remote",
    "opportunity.certificate",
    "story.consent.subject_consented",
    "story.consent.hide_name",
    "story.consent.hide_place",
];
/// Whole-number fields.
const INTEGERS: &[&str] = &["event.capacity", "resource.year"];
/// Decimal fields.
const DECIMALS: &[&str] = &["event.place.latitude", "event.place.longitude"];
/// Comma-separated lists.
const LISTS: &[&str] = &[
    "hashtags",
    "countries_of_origin",
    "countries_of_residence",
    "opportunity.countries",
];
/// The file field of a story's image.
const IMAGE_FIELD: &str = "story.image";

/// The kind named in a path (`story`, `event`, …).
fn kind_of(name: &str) -> Result<Kind> {
    Kind::parse(name)
        .filter(|kind| kind.as_str() == name)
        .ok_or(Error::NotFound)
}

/// A submitted editor form: its values and, for a story, an uploaded image.
pub struct Submission {
    values: FormValues,
    image: Option<Vec<u8>>,
}

impl FromRequest<AppState> for Submission {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Error> {
        let limit = state.config().accounts.max_image_bytes + 1_000_000;
        refuse_longer_than(&request, limit, "accounts.max_image_bytes plus 1 MB")?;
        let submission = Self::read(request, state).await?;
        for name in submission.values.0.keys() {
            if name.len() > 100 || name.split('.').count() > 4 {
                return Err(Error::BadRequest(format!(
                    "the form has a field this page does not have: {:?}",
                    name.chars().take(100).collect::<String>()
                )));
            }
        }
        Ok(submission)
    }
}

/// A 413 for a request that says it is longer than `limit` bytes, before anything is read;
/// `what` says where the limit comes from.
pub(crate) fn refuse_longer_than(request: &Request, limit: u64, what: &str) -> Result<(), Error> {
    let length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if length.is_some_and(|length| length > limit) {
        return Err(Error::TooLarge(format!(
            "the form is larger than the {} MB allowed ({what})",
            limit / 1_000_000
        )));
    }
    Ok(())
}

impl Submission {
    async fn read(request: Request, state: &AppState) -> Result<Submission, Error> {
        let is_multipart = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("multipart/form-data"));
        if !is_multipart {
            let axum::Form(pairs) =
                axum::Form::<Vec<(String, String)>>::from_request(request, state)
                    .await
                    .map_err(|rejection| Error::BadRequest(rejection.body_text()))?;
            return Ok(Submission {
                values: FormValues::from_pairs(pairs),
                image: None,
            });
        }
        let mut multipart = Multipart::from_request(request, state)
            .await
            .map_err(|rejection| Error::BadRequest(rejection.body_text()))?;
        let bad = |error: axum::extract::multipart::MultipartError| {
            Error::BadRequest(format!("the form could not be read: {}", error.body_text()))
        };
        let mut pairs = Vec::new();
        let mut image = None;
        while let Some(field) = multipart.next_field().await.map_err(bad)? {
            let name = field.name().unwrap_or_default().to_string();
            if name == IMAGE_FIELD {
                let has_file = field.file_name().is_some_and(|file| !file.is_empty());
                let bytes = field.bytes().await.map_err(bad)?;
                if has_file && !bytes.is_empty() {
                    image = Some(bytes.to_vec());
                }
            } else {
                pairs.push((name, field.text().await.map_err(bad)?));
            }
        }
        Ok(Submission {
            values: FormValues::from_pairs(pairs),
            image,
        })
    }
}

/// Builds the publishing input from a form, naming any value of the wrong type.
fn to_input(kind: Kind, values: &FormValues, languages: &[String]) -> Result<Input> {
    let mut errors = Vec::new();
    let mut root = Map::new();
    let mut texts = Map::new();
    // The form's languages, and any other a stored publication had (kept as hidden fields).
    let mut all_languages: Vec<String> = languages.to_vec();
    for name in values.0.keys() {
        if let Some(language) = name
            .strip_prefix("text.")
            .and_then(|rest| rest.split_once('.'))
            .map(|(language, _)| language.to_string())
            && !all_languages.contains(&language)
        {
            all_languages.push(language);
        }
    }
    for language in &all_languages {
        let part = |name: &str| {
            values
                .all(&format!("text.{language}.{name}"))
                .first()
                .cloned()
                .unwrap_or_default()
        };
        let (title, summary, body) = (part("title"), part("summary"), part("body"));
        if [&title, &summary, &body]
            .iter()
            .any(|value| !value.trim().is_empty())
        {
            texts.insert(
                language.clone(),
                json!({"title": title, "summary": summary, "body": body}),
            );
        }
    }
    root.insert("text".to_string(), Value::Object(texts));
    if !values.get("default_language").is_empty() {
        root.insert(
            "default_language".to_string(),
            json!(values.get("default_language")),
        );
    }
    let mut objectives = Vec::new();
    for value in values.all("gcm_objectives") {
        match value.trim().parse::<i64>() {
            Ok(number) => objectives.push(json!(number)),
            Err(_) => errors.push(FieldError::new(
                "gcm_objectives",
                "must be numbers from 1 to 23",
            )),
        }
    }
    root.insert("gcm_objectives".to_string(), Value::Array(objectives));
    let mut section = Map::new();
    for (name, given) in &values.0 {
        let value = given.first().map(|value| value.trim()).unwrap_or("");
        let in_section = name.strip_prefix(&format!("{}.", kind.as_str()));
        let typed = if LISTS.contains(&name.as_str()) {
            Value::Array(
                value
                    .split([',', ' ', '\n'])
                    .map(|item| item.trim().trim_start_matches('#'))
                    .filter(|item| !item.is_empty())
                    .map(|item| json!(item))
                    .collect(),
            )
        } else if value.is_empty() {
            continue;
        } else if BOOLEANS.contains(&name.as_str()) {
            json!(value == "true")
        } else if INTEGERS.contains(&name.as_str()) {
            match value.parse::<i64>() {
                Ok(number) => json!(number),
                Err(_) => {
                    errors.push(FieldError::new(name, "must be a whole number"));
                    continue;
                }
            }
        } else if DECIMALS.contains(&name.as_str()) {
            match value.replace(',', ".").parse::<f64>() {
                Ok(number) => json!(number),
                Err(_) => {
                    errors.push(FieldError::new(name, "must be a number such as 52.52"));
                    continue;
                }
            }
        } else {
            json!(value)
        };
        match in_section {
            Some(path) => insert_path(&mut section, path, typed),
            None if ["hashtags", "countries_of_origin", "countries_of_residence"]
                .contains(&name.as_str()) =>
            {
                root.insert(name.clone(), typed);
            }
            None => {}
        }
    }
    root.insert(kind.as_str().to_string(), Value::Object(section));
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let body = serde_json::to_vec(&Value::Object(root))?;
    Input::from_json(&body)
}

/// Sets `path` (`place.name`) inside `map`, making the objects on the way.
fn insert_path(map: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            map.insert(path.to_string(), value);
        }
        Some((head, rest)) => {
            let inner = map
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = inner {
                insert_path(inner, rest, value);
            }
        }
    }
}

/// Flattens `value` into `prefix.key` paths of `values`.
fn flatten(values: &mut FormValues, prefix: &str, value: &Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                flatten(values, &format!("{prefix}.{key}"), inner);
            }
        }
        Value::Null => {}
        Value::String(text) => {
            values.0.insert(prefix.to_string(), vec![text.clone()]);
        }
        Value::Array(items) => {
            let joined = items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| item.to_string())
                })
                .collect::<Vec<_>>()
                .join(", ");
            values.0.insert(prefix.to_string(), vec![joined]);
        }
        other => {
            values.0.insert(prefix.to_string(), vec![other.to_string()]);
        }
    }
}

/// A stored publication as form values, for its edit form.
fn to_values(publication: &Publication) -> FormValues {
    let mut values = FormValues::default();
    let mut set = |name: &str, value: String| {
        values.0.insert(name.to_string(), vec![value]);
    };
    let draft = &publication.draft;
    set("default_language", draft.default_language.clone());
    for text in &draft.texts {
        set(&format!("text.{}.title", text.language), text.title.clone());
        set(
            &format!("text.{}.summary", text.language),
            text.summary.clone(),
        );
        set(
            &format!("text.{}.body", text.language),
            text.body_markdown.clone(),
        );
    }
    set("hashtags", draft.hashtags.join(", "));
    set("countries_of_origin", draft.countries_of_origin.join(", "));
    set(
        "countries_of_residence",
        draft.countries_of_residence.join(", "),
    );
    values.0.insert(
        "gcm_objectives".to_string(),
        draft.gcm_objectives.iter().map(u8::to_string).collect(),
    );
    match &draft.details {
        Details::Story(details) => {
            values
                .0
                .insert("story.category".to_string(), vec![details.category.clone()]);
            if let Some(image) = &details.image {
                values
                    .0
                    .insert("story.image_url".to_string(), vec![image.url.to_string()]);
                values
                    .0
                    .insert("story.image_alt".to_string(), vec![image.alt.clone()]);
            }
            for (name, on) in [
                ("subject_consented", details.consent.subject_consented),
                ("hide_name", details.consent.hide_name),
                ("hide_place", details.consent.hide_place),
            ] {
                values
                    .0
                    .insert(format!("story.consent.{name}"), vec![on.to_string()]);
            }
        }
        Details::Event(details) => {
            flatten(
                &mut values,
                "event",
                &serde_json::to_value(details).unwrap_or_default(),
            );
            values.0.remove("event.starts_local");
            values.0.remove("event.ends_local");
            values.0.insert(
                "event.starts_at".to_string(),
                vec![details.starts_local.format("%Y-%m-%dT%H:%M").to_string()],
            );
            values.0.insert(
                "event.ends_at".to_string(),
                vec![details.ends_local.format("%Y-%m-%dT%H:%M").to_string()],
            );
        }
        Details::Opportunity(details) => {
            flatten(
                &mut values,
                "opportunity",
                &serde_json::to_value(details).unwrap_or_default(),
            );
            values.0.remove("opportunity.course.provider");
            values.0.remove("opportunity.course.language");
            values.0.remove("opportunity.course.cost");
            values.0.remove("opportunity.course.certificate");
            if let Some(deadline) = details.deadline {
                values.0.insert(
                    "opportunity.deadline".to_string(),
                    vec![deadline.format("%Y-%m-%d").to_string()],
                );
            }
            if let Some(course) = &details.course {
                for (name, value) in [
                    ("provider", course.provider.clone()),
                    ("course_language", course.language.clone()),
                    ("cost", course.cost.clone()),
                ] {
                    if let Some(value) = value {
                        values.0.insert(format!("opportunity.{name}"), vec![value]);
                    }
                }
                values.0.insert(
                    "opportunity.certificate".to_string(),
                    vec![course.certificate.to_string()],
                );
            }
        }
        Details::Resource(details) => {
            flatten(
                &mut values,
                "resource",
                &serde_json::to_value(details).unwrap_or_default(),
            );
        }
    }
    values
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

fn choices(t: &Translator, prefix: &str, values: &[&str]) -> Vec<(String, String)> {
    values
        .iter()
        .map(|value| (value.to_string(), t.t(&format!("{prefix}-{value}"))))
        .collect()
}

/// The fields of `kind`'s form (besides the texts), filled with `values`.
fn kind_fields(state: &AppState, t: &Translator, kind: Kind, values: &FormValues) -> Vec<Field> {
    let text = |name: &str, input: &'static str, label: &str| {
        Field::new(name, input, t.t(label)).value(values.get(name))
    };
    let mut fields = Vec::new();
    match kind {
        Kind::Story => {
            fields.push(
                text("story.category", "select", "editor-story-category")
                    .required()
                    .choices(choices(t, "story-category", story::CATEGORIES)),
            );
            fields.push(text("story.image", "file", "editor-image").hint(t.t1(
                "editor-image-hint",
                "megabytes",
                &(state.config().accounts.max_image_bytes / 1_000_000).to_string(),
            )));
            if !values.get("story.image_url").is_empty() {
                fields.push(text("story.image_url", "hidden", ""));
            }
            fields.push(
                text("story.image_alt", "text", "editor-image-alt")
                    .hint(t.t("editor-image-alt-hint")),
            );
            fields.push(
                text(
                    "story.consent.subject_consented",
                    "checkbox",
                    "editor-consent",
                )
                .required(),
            );
            fields.push(text(
                "story.consent.hide_name",
                "checkbox",
                "editor-hide-name",
            ));
            fields.push(text(
                "story.consent.hide_place",
                "checkbox",
                "editor-hide-place",
            ));
        }
        Kind::Event => {
            fields.push(text("event.starts_at", "datetime-local", "editor-starts").required());
            fields.push(text("event.ends_at", "datetime-local", "editor-ends").required());
            fields.push(
                text("event.time_zone", "text", "editor-time-zone")
                    .required()
                    .hint(t.t("editor-time-zone-hint")),
            );
            fields.push(
                text("event.place.name", "text", "editor-place-name")
                    .hint(t.t("editor-place-hint")),
            );
            fields.push(
                text("event.place.street_address", "text", "editor-street")
                    .autocomplete("street-address"),
            );
            fields.push(
                text("event.place.postal_code", "text", "editor-postal-code")
                    .autocomplete("postal-code"),
            );
            fields.push(
                text("event.place.locality", "text", "editor-locality")
                    .autocomplete("address-level2"),
            );
            fields.push(
                text("event.place.country", "text", "editor-country")
                    .hint(t.t("editor-country-hint")),
            );
            fields.push(text("event.online_url", "url", "editor-online-url"));
            fields.push(
                text("event.category", "select", "filter-category").choices(choices(
                    t,
                    "event-category",
                    event::CATEGORIES,
                )),
            );
            fields.push(
                text("event.status", "select", "editor-status").choices(choices(
                    t,
                    "event-status",
                    event::STATUSES,
                )),
            );
            fields.push(
                text("event.join_mode", "select", "editor-join-mode").choices(choices(
                    t,
                    "event-join",
                    event::JOIN_MODES,
                )),
            );
            fields.push(text("event.external_url", "url", "editor-external-url"));
            fields.push(text("event.capacity", "number", "editor-capacity"));
        }
        Kind::Opportunity => {
            fields.push(
                text("opportunity.kind", "select", "filter-kind")
                    .required()
                    .choices(choices(t, "opportunity-kind", opportunity::KINDS)),
            );
            fields.push(text(
                "opportunity.offering_organization",
                "text",
                "editor-offering-organization",
            ));
            fields.push(text(
                "opportunity.place",
                "text",
                "editor-opportunity-place",
            ));
            fields.push(text("opportunity.remote", "checkbox", "opportunity-remote"));
            fields.push(
                text(
                    "opportunity.countries",
                    "text",
                    "editor-opportunity-countries",
                )
                .hint(t.t("editor-countries-hint")),
            );
            fields.push(text("opportunity.deadline", "date", "editor-deadline"));
            fields.push(text("opportunity.apply_url", "url", "editor-apply-url"));
            fields.push(text(
                "opportunity.apply_email",
                "email",
                "editor-apply-email",
            ));
            fields.push(
                text(
                    "opportunity.employment_type",
                    "select",
                    "editor-employment-type",
                )
                .choices(choices(t, "employment", opportunity::EMPLOYMENT_TYPES)),
            );
            fields.push(text(
                "opportunity.provider",
                "text",
                "editor-course-provider",
            ));
            fields.push(text(
                "opportunity.course_language",
                "text",
                "editor-course-language",
            ));
            fields.push(text("opportunity.cost", "text", "editor-course-cost"));
            fields.push(text(
                "opportunity.certificate",
                "checkbox",
                "editor-course-certificate",
            ));
        }
        Kind::Resource => {
            fields.push(text("resource.topic", "text", "editor-topic").required());
            fields.push(text("resource.link", "url", "resource-link"));
            fields.push(text("resource.document_url", "url", "resource-document"));
            fields.push(
                text("resource.country", "text", "editor-country").hint(t.t("editor-country-hint")),
            );
            fields.push(text("resource.year", "number", "filter-year"));
        }
    }
    fields.push(text("hashtags", "text", "editor-hashtags").hint(t.t("editor-hashtags-hint")));
    fields.push(
        text("gcm_objectives", "checkboxes", "filter-gcm")
            .value(values.joined("gcm_objectives"))
            .hint(t.t("editor-gcm-hint"))
            .choices((1..=23).map(|number| (number.to_string(), t.digits(&number.to_string())))),
    );
    fields.push(
        text("countries_of_origin", "text", "about-countries-of-origin")
            .hint(t.t("editor-countries-hint")),
    );
    fields.push(
        text(
            "countries_of_residence",
            "text",
            "about-countries-of-residence",
        )
        .hint(t.t("editor-countries-hint")),
    );
    fields
}

/// The languages a form offers: the instance's first (its default first), then the other
/// languages of the website's interface.
fn form_languages(state: &AppState) -> Vec<String> {
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
fn language_columns(state: &AppState, t: &Translator, values: &FormValues) -> Vec<LanguageColumn> {
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

/// A language of the preview.
pub struct PreviewText {
    pub language: String,
    pub dir: &'static str,
    pub title: String,
    pub summary: String,
    pub body_html: String,
}

#[derive(Template)]
#[template(path = "editor.html")]
struct EditorPage {
    t: Translator,
    site: Site,
    languages: Vec<(&'static str, String)>,
    heading: String,
    action: String,
    csrf: String,
    columns: Vec<LanguageColumn>,
    has_extra: bool,
    extra_filled: bool,
    default_language: Option<Field>,
    fields: Vec<Field>,
    unplaced: Vec<String>,
    has_errors: bool,
    preview: Vec<PreviewText>,
    delete: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn editor_page(
    state: &AppState,
    t: Translator,
    visitor: &Visitor,
    kind: Kind,
    existing: Option<&str>,
    values: &FormValues,
    errors: &[FieldError],
    preview: Vec<PreviewText>,
) -> EditorPage {
    let mut columns = language_columns(state, &t, values);
    let mut fields = kind_fields(state, &t, kind, values);
    let instance_languages = &state.config().instance.languages;
    let default_language = (instance_languages.len() > 1).then(|| {
        Field::new("default_language", "select", t.t("editor-default-language"))
            .value(values.get("default_language"))
            .choices(
                instance_languages
                    .iter()
                    .map(|code| (code.clone(), crate::i18n::language_name(code))),
            )
    });
    // What the form does not show (coordinates, the organizer, texts in other languages, given
    // through the API or the CLI) travels in hidden fields, so that saving keeps it.
    let shown: Vec<String> = fields
        .iter()
        .chain(columns.iter().flat_map(|column| column.fields.iter()))
        .map(|field| field.name.clone())
        .chain([
            "default_language".to_string(),
            "csrf".to_string(),
            "action".to_string(),
        ])
        .collect();
    for (name, given) in &values.0 {
        if !shown.contains(name) && name != IMAGE_FIELD {
            for value in given.iter().filter(|value| !value.is_empty()) {
                fields.push(Field::new(name, "hidden", "").value(value));
            }
        }
    }
    let mut unplaced = Vec::new();
    for error in errors {
        let one = std::slice::from_ref(error);
        let mut rest = place_errors(&t, &mut fields, one);
        for column in &mut columns {
            if !rest.is_empty() {
                rest = place_errors(&t, &mut column.fields, one);
            }
        }
        unplaced.extend(rest);
    }
    let heading = match existing {
        Some(_) => t.t(&format!("editor-edit-{}", kind.as_str())),
        None => t.t(&format!("editor-new-{}", kind.as_str())),
    };
    let action = match existing {
        Some(public_id) => format!("/publish/{}/{public_id}", kind.as_str()),
        None => format!("/publish/{}", kind.as_str()),
    };
    EditorPage {
        site: Site::of(state),
        languages: languages(),
        heading,
        delete: existing.map(|public_id| format!("/publish/{}/{public_id}/delete", kind.as_str())),
        action,
        csrf: visitor.csrf().to_string(),
        has_extra: columns.iter().any(|column| column.extra),
        extra_filled: columns.iter().any(|column| {
            column.extra && (column.filled || column.fields.iter().any(Field::has_error))
        }),
        columns,
        default_language,
        fields,
        has_errors: !errors.is_empty(),
        unplaced,
        preview,
        t,
    }
}

/// `GET /publish/{kind}`: an empty form.
pub async fn new_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Publisher(visitor): Publisher,
    Path(kind): Path<String>,
) -> Result<Response> {
    let kind = kind_of(&kind)?;
    let reader = Reader::of(&state, &headers, &uri);
    let mut values = FormValues::default();
    if kind == Kind::Event {
        values
            .0
            .insert("event.time_zone".to_string(), vec!["UTC".to_string()]);
    }
    let page = editor_page(
        &state,
        reader.t,
        &visitor,
        kind,
        None,
        &values,
        &[],
        Vec::new(),
    );
    respond_with(&state, &reader, &visitor, StatusCode::OK, page.render())
}

/// The publication `public_id` of `kind`; `Gone` once deleted.
async fn find_live(state: &AppState, kind: Kind, public_id: &str) -> Result<Publication> {
    let found = publication::find(state.db(), kind, public_id).await?;
    if found.is_deleted() {
        return Err(Error::Gone);
    }
    Ok(found)
}

/// `GET /publish/{kind}/{id}`: the form of a stored publication.
pub async fn edit_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Publisher(visitor): Publisher,
    Path((kind, public_id)): Path<(String, String)>,
) -> Result<Response> {
    let kind = kind_of(&kind)?;
    let found = find_live(&state, kind, &public_id).await?;
    let reader = Reader::of(&state, &headers, &uri);
    let page = editor_page(
        &state,
        reader.t,
        &visitor,
        kind,
        Some(&public_id),
        &to_values(&found),
        &[],
        Vec::new(),
    );
    respond_with(&state, &reader, &visitor, StatusCode::OK, page.render())
}

/// `POST /publish/{kind}`: preview or publish a new publication.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Publisher(visitor): Publisher,
    Path(kind): Path<String>,
    submission: Submission,
) -> Result<Response> {
    let kind = kind_of(&kind)?;
    submit(&state, &headers, &uri, &visitor, kind, None, submission).await
}

/// `POST /publish/{kind}/{id}`: preview or save an edit.
pub async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Publisher(visitor): Publisher,
    Path((kind, public_id)): Path<(String, String)>,
    submission: Submission,
) -> Result<Response> {
    let kind = kind_of(&kind)?;
    find_live(&state, kind, &public_id).await?;
    submit(
        &state,
        &headers,
        &uri,
        &visitor,
        kind,
        Some(&public_id),
        submission,
    )
    .await
}

async fn submit(
    state: &AppState,
    headers: &HeaderMap,
    uri: &Uri,
    visitor: &Visitor,
    kind: Kind,
    existing: Option<&str>,
    submission: Submission,
) -> Result<Response> {
    let reader = Reader::of(state, headers, uri);
    let t = reader.t;
    let Submission { mut values, image } = submission;
    let show = |values: &FormValues, status: StatusCode, errors: &[FieldError], preview| {
        let page = editor_page(state, t, visitor, kind, existing, values, errors, preview);
        respond_with(state, &reader, visitor, status, page.render())
    };
    if visitor.check_csrf(values.get("csrf")).is_err() {
        return show(
            &values,
            StatusCode::FORBIDDEN,
            &[FieldError::new("form", t.t("error-csrf"))],
            Vec::new(),
        );
    }
    if let Some(bytes) = image {
        let account_id = visitor.account().map(|account| account.account_id);
        let max = state.config().accounts.max_image_bytes;
        match images::store(state.db(), state.images(), bytes, max, account_id).await {
            Ok(stored) => {
                let url = state.urls().media(&stored.public_id);
                values
                    .0
                    .insert("story.image_url".to_string(), vec![url.to_string()]);
            }
            Err(Error::Invalid(errors)) => {
                let errors: Vec<FieldError> = errors
                    .into_iter()
                    .map(|error| FieldError::new(IMAGE_FIELD, error.reason))
                    .collect();
                return show(
                    &values,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &errors,
                    Vec::new(),
                );
            }
            Err(other) => return Err(other),
        }
    }
    let languages = &state.config().instance.languages;
    let draft = match to_input(kind, &values, &form_languages(state))
        .and_then(|input| input.validate(kind, languages))
    {
        Ok(draft) => draft,
        Err(Error::Invalid(errors)) => {
            return show(
                &values,
                StatusCode::UNPROCESSABLE_ENTITY,
                &errors,
                Vec::new(),
            );
        }
        Err(other) => return Err(other),
    };
    if values.get("action") == "preview" {
        let preview = draft
            .texts
            .iter()
            .map(|text| PreviewText {
                dir: direction(&text.language),
                language: text.language.clone(),
                title: text.title.clone(),
                summary: text.summary.clone(),
                body_html: text.body_html.clone(),
            })
            .collect();
        return show(&values, StatusCode::OK, &[], preview);
    }
    let saved = match existing {
        Some(public_id) => outbox::edit(state, kind, public_id, &draft).await?,
        None => outbox::publish(state, &draft).await?,
    };
    let url = state.urls().publication(kind, &saved.public_id);
    Ok(Redirect::to(url.path()).into_response())
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    t: Translator,
    site: Site,
    languages: Vec<(&'static str, String)>,
    heading: String,
    text: String,
    action: String,
    csrf: String,
    submit: String,
    back: String,
}

/// `GET /publish/{kind}/{id}/delete`: asks before deleting.
pub async fn delete_confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Publisher(visitor): Publisher,
    Path((kind, public_id)): Path<(String, String)>,
) -> Result<Response> {
    let kind = kind_of(&kind)?;
    let found = find_live(&state, kind, &public_id).await?;
    let reader = Reader::of(&state, &headers, &uri);
    let t = reader.t;
    let title = found
        .text_in(t.language.code())
        .map(|text| text.title.clone())
        .unwrap_or_default();
    let page = ConfirmPage {
        heading: t.t("editor-delete-title"),
        text: t.t1("editor-delete-text", "title", &title),
        action: format!("/publish/{}/{public_id}/delete", kind.as_str()),
        csrf: visitor.csrf().to_string(),
        submit: t.t("editor-delete"),
        back: format!("/publish/{}/{public_id}", kind.as_str()),
        site: Site::of(&state),
        languages: languages(),
        t,
    };
    respond_with(&state, &reader, &visitor, StatusCode::OK, page.render())
}

/// `POST /publish/{kind}/{id}/delete`: deletes; followers get a `Delete`.
pub async fn delete(
    State(state): State<AppState>,
    Publisher(visitor): Publisher,
    Path((kind, public_id)): Path<(String, String)>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response> {
    let kind = kind_of(&kind)?;
    visitor.check_csrf(FormValues::from_pairs(pairs).get("csrf"))?;
    outbox::remove(&state, kind, &public_id).await?;
    Ok(Redirect::to("/publish").into_response())
}

/// One row of the publisher's list.
pub struct Row {
    pub kind_label: String,
    pub title: String,
    pub language: String,
    pub dir: &'static str,
    pub view: String,
    pub edit: String,
    pub published: String,
}

#[derive(Template)]
#[template(path = "publish.html")]
struct PublishPage {
    t: Translator,
    site: Site,
    languages: Vec<(&'static str, String)>,
    kinds: Vec<(String, String)>,
    rows: Vec<Row>,
}

/// `GET /publish`: what to publish, and the latest publications to edit or delete.
pub async fn index(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Publisher(visitor): Publisher,
) -> Result<Response> {
    let reader = Reader::of(&state, &headers, &uri);
    let t = reader.t;
    let latest = publication::list(state.db(), None, 0, 100).await?;
    let rows = latest
        .iter()
        .filter_map(|item| {
            let text = item.text_in(t.language.code())?;
            Some(Row {
                kind_label: t.t(&format!("kind-{}", item.kind.as_str())),
                title: text.title.clone(),
                dir: direction(&text.language),
                language: text.language.clone(),
                view: state
                    .urls()
                    .publication(item.kind, &item.public_id)
                    .path()
                    .to_string(),
                edit: format!("/publish/{}/{}", item.kind.as_str(), item.public_id),
                published: t.date(&item.published_at.fixed_offset()),
            })
        })
        .collect();
    let page = PublishPage {
        kinds: Kind::ALL
            .into_iter()
            .map(|kind| {
                (
                    format!("/publish/{}", kind.as_str()),
                    t.t(&format!("editor-new-{}", kind.as_str())),
                )
            })
            .collect(),
        rows,
        site: Site::of(&state),
        languages: languages(),
        t,
    };
    respond_with(&state, &reader, &visitor, StatusCode::OK, page.render())
}

/// `GET /media/{id}`: an uploaded image (re-encoded, immutable).
pub async fn media(
    State(state): State<AppState>,
    Path(public_id): Path<String>,
) -> Result<Response> {
    let found = images::find(state.db(), &public_id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, found.content_type),
            (
                header::CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_string(),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        found.bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> FormValues {
        FormValues::from_pairs(
            pairs
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
        )
    }

    #[test]
    fn a_form_becomes_the_publishing_input_and_back() {
        let languages = vec!["en".to_string(), "ar".to_string()];
        let form = values(&[
            ("text.en.title", "Evening"),
            ("text.ar.title", "أمسية"),
            ("text.en.summary", "Music and poems."),
            ("text.ar.summary", "موسيقى وشعر."),
            ("event.starts_at", "2027-03-14T18:00"),
            ("event.ends_at", "2027-03-14T20:00"),
            ("event.time_zone", "Europe/Berlin"),
            ("event.place.name", "Rathaus"),
            ("event.place.latitude", "52,48"),
            ("event.place.longitude", "13.43"),
            ("event.capacity", ""),
            ("hashtags", "#Berlin, culture"),
            ("gcm_objectives", "16"),
            ("gcm_objectives", "19"),
            ("csrf", "x"),
            ("action", "publish"),
        ]);
        let draft = to_input(Kind::Event, &form, &languages)
            .and_then(|input| input.validate(Kind::Event, &languages))
            .expect("valid");
        assert_eq!(draft.texts.len(), 2);
        assert_eq!(draft.hashtags, vec!["Berlin", "culture"]);
        assert_eq!(draft.gcm_objectives, vec![16, 19]);
        let Details::Event(event) = &draft.details else {
            panic!("an event");
        };
        assert_eq!(
            event.place.as_ref().and_then(|place| place.latitude),
            Some(52.48)
        );

        let bad = values(&[("text.en.title", "x"), ("event.capacity", "many")]);
        let Err(Error::Invalid(errors)) = to_input(Kind::Event, &bad, &languages) else {
            panic!("invalid");
        };
        assert_eq!(errors[0].field, "event.capacity");
    }
}
