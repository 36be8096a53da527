//! What an editor form sends, and the publishing input it becomes: reading the body (a plain
//! form, or multipart with a story's image or an event's banner), typing each value by its field's
//! [`Spec`](super::fields::Spec)
//! (checkbox, number, list), and the reverse, a stored publication as form values for its
//! edit form.

use super::fields::{self, Typed};
use crate::app::AppState;
use crate::domain::publication::{Details, Input, Kind, Publication};
use crate::error::{Error, FieldError, Reason, Result};
use crate::web::forms::FormValues;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use serde_json::{Map, Value, json};

/// A submitted editor form: its values and an uploaded image, if any.
pub struct Submission {
    pub values: FormValues,
    /// The bytes of a new image (a story's, an event's banner).
    pub image: Option<Vec<u8>>,
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
            if fields::is_image_field(&name) {
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
pub fn to_input(kind: Kind, values: &FormValues, languages: &[String]) -> Result<Input> {
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
    for (name, why) in [
        ("gcm_objectives", Reason::Objective),
        ("gcm_categories", Reason::GcmCategory),
    ] {
        let mut numbers = Vec::new();
        for value in values.all(name) {
            match value.trim().parse::<i64>() {
                Ok(number) => numbers.push(json!(number)),
                Err(_) => errors.push(FieldError::of(name, why)),
            }
        }
        root.insert(name.to_string(), Value::Array(numbers));
    }
    // The byline: an account's id, or "organization" (or nothing) for none.
    match values.get("author") {
        "" | "organization" => {}
        author => match author.parse::<i64>() {
            Ok(id) => {
                root.insert("author".to_string(), json!(id));
            }
            Err(_) => errors.push(FieldError::of("author", Reason::Author)),
        },
    }
    let mut section = Map::new();
    let chosen = values.get(&format!("{}.kind", kind.as_str()));
    for (name, given) in &values.0 {
        // A field of another kind (a course's cost on a job) was hidden while its kind was
        // not chosen: what it still holds is not sent.
        if fields::find(kind, name).is_some_and(|spec| !spec.belongs_to(chosen)) {
            continue;
        }
        let value = given.first().map(|value| value.trim()).unwrap_or("");
        // Values the form does not show (texts of other languages, coordinates, what the API
        // set) come back as hidden fields: text, in the kind's section.
        let spec = fields::find(kind, name);
        let naming = spec.map_or(fields::Naming::Nothing, |spec| spec.naming);
        // Countries and languages by name (`Germany`, `ألمانيا`): their codes.
        let named;
        let value = if naming == fields::Naming::Nothing {
            value
        } else {
            named = fields::to_codes(naming, value).join(",");
            named.as_str()
        };
        let typed = spec.map_or(Typed::Text, |spec| spec.typed);
        let typed = match typed {
            // Hashtags may be separated by spaces; names of countries have spaces in them.
            Typed::List => Value::Array(
                value
                    .split(|c: char| {
                        c == ',' || (naming == fields::Naming::Nothing && c.is_whitespace())
                    })
                    .map(|item| item.trim().trim_start_matches('#'))
                    .filter(|item| !item.is_empty())
                    .map(|item| json!(item))
                    .collect(),
            ),
            _ if value.is_empty() => continue,
            Typed::Text => json!(value),
            Typed::Boolean => json!(value == "true"),
            Typed::Integer => match value.parse::<i64>() {
                Ok(number) => json!(number),
                Err(_) => {
                    errors.push(FieldError::of(name, Reason::WholeNumber));
                    continue;
                }
            },
            Typed::Decimal => match value.replace(',', ".").parse::<f64>() {
                Ok(number) => json!(number),
                Err(_) => {
                    errors.push(FieldError::of(name, Reason::Number));
                    continue;
                }
            },
        };
        match name.strip_prefix(&format!("{}.", kind.as_str())) {
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
pub fn to_values(publication: &Publication) -> FormValues {
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
    values.0.insert(
        "gcm_categories".to_string(),
        draft.gcm_categories.iter().map(u8::to_string).collect(),
    );
    if let Some(author) = draft.author {
        values
            .0
            .insert("author".to_string(), vec![author.to_string()]);
    }
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
            let consent = &details.consent;
            for (name, on) in [
                ("subject_consented", consent.subject_consented),
                ("federated", consent.federated),
                ("indexable", consent.indexable),
                ("images", consent.images),
                ("hide_name", consent.hide_name),
                ("hide_place", consent.hide_place),
            ] {
                values
                    .0
                    .insert(format!("story.consent.{name}"), vec![on.to_string()]);
            }
            let mut text = |name: &str, value: Option<String>| {
                if let Some(value) = value {
                    values.0.insert(name.to_string(), vec![value]);
                }
            };
            text("story.subject_name", details.subject_name.clone());
            text("story.subject_place", details.subject_place.clone());
            text("story.licence", details.licence.clone());
            text("story.consent.about", Some(consent.about.clone()));
            text("story.consent.given_by", consent.given_by.clone());
            text(
                "story.consent.given_on",
                consent.given_on.map(|day| day.to_string()),
            );
            text("story.consent.form", consent.form.clone());
            text("story.consent.pseudonym", consent.pseudonym.clone());
            text(
                "story.consent.withdraw_on",
                consent.withdraw_on.map(|day| day.to_string()),
            );
        }
        Details::Event(details) => {
            flatten(
                &mut values,
                "event",
                &serde_json::to_value(details).unwrap_or_default(),
            );
            values.0.remove("event.starts_local");
            values.0.remove("event.ends_local");
            values.0.remove("event.image.url");
            values.0.remove("event.image.alt");
            if let Some(image) = &details.image {
                values
                    .0
                    .insert("event.image_url".to_string(), vec![image.url.to_string()]);
                values
                    .0
                    .insert("event.image_alt".to_string(), vec![image.alt.clone()]);
            }
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

    #[test]
    fn fields_of_another_kind_of_opportunity_are_not_sent() {
        let languages = vec!["en".to_string()];
        let form = |kind: &str| {
            values(&[
                ("text.en.title", "Mentor"),
                ("text.en.summary", "An hour a week."),
                ("opportunity.kind", kind),
                ("opportunity.remote", "true"),
                ("opportunity.apply_email", "mentor@example.org"),
                // Filled while "course" was chosen, then hidden.
                ("opportunity.cost", "Free"),
                ("opportunity.provider", "University"),
            ])
        };
        let draft = to_input(Kind::Opportunity, &form("volunteering"), &languages)
            .and_then(|input| input.validate(Kind::Opportunity, &languages))
            .expect("the course's fields are left out, not refused");
        let Details::Opportunity(opportunity) = &draft.details else {
            panic!("an opportunity");
        };
        assert!(opportunity.course.is_none());
        let draft = to_input(Kind::Opportunity, &form("course"), &languages)
            .and_then(|input| input.validate(Kind::Opportunity, &languages))
            .expect("valid");
        let Details::Opportunity(opportunity) = &draft.details else {
            panic!("an opportunity");
        };
        let course = opportunity.course.as_ref().expect("a course");
        assert_eq!(course.cost.as_deref(), Some("Free"));
    }

    #[test]
    fn countries_and_languages_are_written_by_name_in_any_of_the_four_languages() {
        let languages = vec!["en".to_string()];
        let form = values(&[
            ("text.en.title", "Evening"),
            ("text.en.summary", "Music."),
            ("event.starts_at", "2027-03-14T18:00"),
            ("event.ends_at", "2027-03-14T20:00"),
            ("event.time_zone", "Europe/Berlin"),
            ("event.place.name", "Rathaus"),
            ("event.place.country", "Allemagne"),
            ("countries_of_origin", "Nigeria, سوريا، Côte d’Ivoire"),
            ("countries_of_residence", "de"),
        ]);
        let draft = to_input(Kind::Event, &form, &languages)
            .and_then(|input| input.validate(Kind::Event, &languages))
            .expect("valid");
        assert_eq!(draft.countries_of_origin, ["NG", "SY", "CI"]);
        assert_eq!(draft.countries_of_residence, ["DE"]);
        let Details::Event(event) = &draft.details else {
            panic!("an event");
        };
        assert_eq!(
            event
                .place
                .as_ref()
                .and_then(|place| place.country.as_deref()),
            Some("DE")
        );
        let unknown = values(&[
            ("text.en.title", "Evening"),
            ("story.category", "social"),
            ("countries_of_origin", "Nowhere Land"),
        ]);
        let Err(Error::Invalid(errors)) = to_input(Kind::Story, &unknown, &languages)
            .and_then(|input| input.validate(Kind::Story, &languages))
        else {
            panic!("invalid");
        };
        assert!(
            errors
                .iter()
                .any(|error| error.field == "countries_of_origin[0]"),
            "one name, one error: {errors:?}"
        );
    }
}
