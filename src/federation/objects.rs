//! Our publications as ActivityStreams objects: stories and library resources as `Article`,
//! events as `Event` (FEP-8a8e, Mobilizon- and Gancio-compatible), opportunities as `Page` with
//! one nested schema.org object under our `opportunity` term; and the `Create`, `Update` and
//! `Delete` activities that carry them.
//!
//! Invariants (INTEROP.md): `type` is one string; `name` is plain text without `<>&`;
//! `summary` is self-contained and link-free (for events it says when and where); `to` Public and
//! `cc` followers, the same on the activity and the object; every attachment has a `mediaType`;
//! every term we use is defined in [`context`], so JSON-LD processors expand all of it.

use super::urls::Urls;
use crate::app::AppState;
use crate::domain::event::EventDetails;
use crate::domain::opportunity::OpportunityDetails;
use crate::domain::publication::{Details, Kind, Publication, Text};
use crate::domain::resource::ResourceDetails;
use crate::domain::story::StoryDetails;
use crate::domain::text::{escape_html, plain_title};
use crate::i18n::{Language, Translator};
use serde_json::{Map, Value, json};
use url::Url;

/// The namespace of Jisr's own terms (documented in docs/FEDERATION.md and served at `/ns`).
pub const JISR_NAMESPACE: &str = "https://jisr-network.github.io/ns#";

/// The public collection.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// The JSON-LD context of our objects and activities: ActivityStreams plus every other term we
/// use, defined inline (no document to fetch).
pub fn context() -> Value {
    CONTEXT.clone()
}

/// [`context`], parsed once from `context.json` (also served at `/ns`).
static CONTEXT: std::sync::LazyLock<Value> = std::sync::LazyLock::new(|| {
    serde_json::from_str(CONTEXT_JSON).expect("context.json is valid JSON (a test checks it)")
});

/// The text of our JSON-LD context.
pub const CONTEXT_JSON: &str = include_str!("context.json");

/// The ActivityStreams type of a kind.
pub fn object_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Story | Kind::Resource => "Article",
        Kind::Event => "Event",
        Kind::Opportunity => "Page",
    }
}

/// The publication as we serve and send it (a `Tombstone` once deleted), with `@context`.
pub fn document(state: &AppState, publication: &Publication) -> Value {
    let mut object = object(state, publication);
    if let Some(map) = object.as_object_mut() {
        let mut with_context = Map::new();
        with_context.insert("@context".to_string(), context());
        with_context.append(map);
        return Value::Object(with_context);
    }
    object
}

fn rfc3339(moment: chrono::DateTime<chrono::Utc>) -> String {
    moment.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The publication as an object, without `@context` (as embedded in an activity).
pub fn object(state: &AppState, publication: &Publication) -> Value {
    let urls = state.urls();
    let id = urls.publication(publication.kind, &publication.public_id);
    if publication.is_deleted() {
        return json!({
            "id": id,
            "type": "Tombstone",
            "formerType": object_type(publication.kind),
            "deleted": publication.deleted_at.map(rfc3339),
        });
    }
    let organization = &state.actors().organization();
    let Some(text) = publication.text() else {
        return json!({"id": id, "type": object_type(publication.kind)});
    };
    // The lines we write around the organization's texts are in each text's language.
    let name = |text: &Text| -> String {
        let title = plain_title(&text.title);
        match &publication.draft.details {
            Details::Event(event) if event.status == "cancelled" => {
                translator(&text.language).t1("event-cancelled-title", "title", &title)
            }
            _ => title,
        }
    };
    let summary = |text: &Text| summary_html(publication, text);
    let content = |text: &Text| content_html(state, publication, text);
    let mut object = json!({
        "id": id,
        "type": object_type(publication.kind),
        "attributedTo": organization.id,
        "name": name(text),
        "content": content(text),
        "url": id,
        // The replies shown under it (FEP-7458), so that Mastodon and others load the thread.
        "replies": urls.publication_replies(publication.kind, &publication.public_id),
        "published": rfc3339(publication.published_at),
        "to": audience(state, publication).0,
        "cc": audience(state, publication).1,
        "sensitive": false,
        "inLanguage": publication.draft.default_language,
        "nameMap": language_map(publication, |text| Value::String(name(text))),
        "summaryMap": language_map(publication, |text| Value::String(summary(text))),
        "contentMap": language_map(publication, |text| Value::String(content(text))),
        "tag": hashtags(urls, &publication.draft.hashtags),
        "attachment": [{"type": "Link", "mediaType": "text/html", "href": id, "name": name(text)}],
        "gcmObjectives": publication.draft.gcm_objectives,
        "gcmCategories": publication.draft.gcm_categories,
        "countriesOfOrigin": publication.draft.countries_of_origin,
        "countriesOfResidence": publication.draft.countries_of_residence,
    });
    if publication.updated_at > publication.published_at {
        object["updated"] = json!(rfc3339(publication.updated_at));
    }
    let fields = object.as_object_mut().expect("a JSON object");
    if let Some(byline) = publication.shown_byline() {
        // Who wrote it, besides the organization that publishes it (still the one
        // `attributedTo`, as Mastodon and Mobilizon need): schema.org's `author`, the member's
        // name and profile page. Not an actor yet: members become actors later.
        fields.insert(
            "author".into(),
            json!({
                "type": if byline.organization { "Organization" } else { "Person" },
                "name": byline.name,
                "url": state.urls().member(byline.account_id),
            }),
        );
    }
    if let Some(image) = publication.draft.details.image() {
        // `image`, not an attachment: an image attachment would hide Mastodon's card
        // (INTEROP.md §9.3); Mobilizon reads an event's banner from `image` too.
        fields.insert(
            "image".into(),
            json!({"type": "Image", "url": image.url, "name": image.alt}),
        );
    }
    match &publication.draft.details {
        Details::Story(story) => story_fields(fields, state, publication, story),
        Details::Event(event) => event_fields(fields, event),
        Details::Opportunity(opportunity) => opportunity_fields(
            fields,
            state,
            opportunity,
            &text.title,
            &text.summary,
            publication,
        ),
        Details::Resource(resource) => {
            fields.insert("library".into(), library(resource));
        }
    }
    object
}

/// Who an object and its activity are addressed to: public (`to` Public, `cc` followers), or
/// unlisted (`to` followers, `cc` Public) for a story whose consent does not allow indexing,
/// which Mastodon and its forks leave out of public timelines, hashtags and search.
fn audience(state: &AppState, publication: &Publication) -> (Value, Value) {
    let followers = state.urls().followers(&state.actors().organization().id);
    if publication.indexable() {
        (json!([PUBLIC]), json!([followers]))
    } else {
        (json!([followers]), json!([PUBLIC]))
    }
}

/// A story's own terms: its category, its licence (schema.org `license`), whether search may
/// index it (`indexable`) and the `Link` to the terms it was told with (`consentTerms`: the
/// consent part of its page), all in our context.
fn story_fields(
    fields: &mut Map<String, Value>,
    state: &AppState,
    publication: &Publication,
    story: &StoryDetails,
) {
    fields.insert("storyCategory".into(), json!(story.category));
    if let Some(licence) = story
        .licence
        .as_deref()
        .and_then(crate::domain::story::licence_url)
    {
        fields.insert("license".into(), json!(licence));
    }
    fields.insert("indexable".into(), json!(story.indexable()));
    let mut terms = state
        .urls()
        .publication(publication.kind, &publication.public_id);
    terms.set_fragment(Some("consent"));
    fields.insert(
        "consentTerms".into(),
        json!({"type": "Link", "mediaType": "text/html", "href": terms}),
    );
}

fn language_map(
    publication: &Publication,
    value: impl Fn(&crate::domain::publication::Text) -> Value,
) -> Value {
    Value::Object(
        publication
            .draft
            .texts
            .iter()
            .map(|text| (text.language.clone(), value(text)))
            .collect(),
    )
}

fn hashtags(urls: &Urls, tags: &[String]) -> Value {
    Value::Array(
        tags.iter()
            .map(|tag| json!({"type": "Hashtag", "name": format!("#{tag}"), "href": urls.hashtag(tag)}))
            .collect(),
    )
}

/// The translator for a text's language: ours when we have its catalog, else English.
fn translator(language: &str) -> Translator {
    Translator::new(Language::parse(language).unwrap_or(Language::En))
}

/// The summary Mastodon shows: for events the date, time and place first, for opportunities the
/// card line; then the summary; all escaped, no links; in the text's language.
fn summary_html(publication: &Publication, text: &Text) -> String {
    let t = translator(&text.language);
    let summary = format!("<p>{}</p>", escape_html(&text.summary));
    match &publication.draft.details {
        Details::Event(event) => format!(
            "<p>{}</p>{summary}",
            escape_html(&event_line(event, &t)).replace('\n', "<br>")
        ),
        Details::Opportunity(opportunity) => {
            format!(
                "<p>{}</p>{summary}",
                escape_html(&opportunity_line(opportunity, &t))
            )
        }
        _ => summary,
    }
}

/// `📅 Saturday 14 March 2026, 10:00–16:00 (Europe/Berlin, UTC+01:00)` and `📍 place` lines.
pub fn event_line(event: &EventDetails, t: &Translator) -> String {
    let starts = event.starts();
    let ends = event.ends();
    let when = if starts.date_naive() == ends.date_naive() {
        format!(
            "{}–{}",
            t.date_time(&starts),
            t.digits(&ends.format("%H:%M").to_string())
        )
    } else {
        format!("{} – {}", t.date_time(&starts), t.date_time(&ends))
    };
    let status = match event.status.as_str() {
        "cancelled" => format!("❌ {}. ", t.t("event-status-cancelled")),
        "tentative" => format!("❔ {}. ", t.t("event-status-tentative")),
        _ => String::new(),
    };
    let mut line = format!(
        "{status}📅 {when} ({}, UTC{})",
        event.time_zone,
        starts.format("%:z")
    );
    match (&event.place, &event.online_url) {
        (Some(place), Some(_)) => line.push_str(&format!(
            "\n📍 {}",
            t.t1("event-place-and-online", "place", &place.one_line())
        )),
        (Some(place), None) => line.push_str(&format!("\n📍 {}", place.one_line())),
        (None, Some(_)) => line.push_str(&format!("\n💻 {}", t.t("event-online"))),
        (None, None) => {}
    }
    line
}

/// `🤝 Volunteering · Berlin or online · Apply by 30 November 2026`.
pub fn opportunity_line(opportunity: &OpportunityDetails, t: &Translator) -> String {
    let icon = match opportunity.kind.as_str() {
        "job" => "💼",
        "volunteering" => "🤝",
        "course" | "fellowship" => "🎓",
        "grant" => "💶",
        _ => "📣",
    };
    let kind = format!(
        "{icon} {}",
        t.t(&format!("opportunity-kind-{}", opportunity.kind))
    );
    let place = match (&opportunity.place, opportunity.remote) {
        (Some(place), true) => t.t1("opportunity-place-or-online", "place", place),
        (Some(place), false) => place.clone(),
        (None, _) => t.t("event-online"),
    };
    let mut parts = vec![kind, place];
    if let Some(deadline) = opportunity.deadline {
        parts.push(t.t1(
            "opportunity-deadline",
            "date",
            &t.date(&deadline.fixed_offset()),
        ));
    }
    parts.join(" · ")
}

/// What readers that show `content` see (GoToSocial behind the title, Lemmy, Misskey, other
/// Jisr instances under it): the summary (for events the date and place first), the body with
/// the links a reader needs (the document of a resource, the online link of an event), then a
/// link to our page and to the other languages it is written in, all in the text's language.
/// The title is not repeated: every reader shows `name` (GoToSocial as its content warning).
fn content_html(state: &AppState, publication: &Publication, text: &Text) -> String {
    let t = translator(&text.language);
    let link = |url: &Url, key: &str| {
        format!(
            "<p><a href=\"{}\">{}</a></p>",
            escape_html(url.as_str()),
            escape_html(&t.t(key))
        )
    };
    let mut content = summary_html(publication, text);
    // Whom a story is about, as its consent allows, between its summary and its body.
    if let Details::Story(story) = &publication.draft.details
        && let Some(line) = story.line(&publication.draft.countries_of_residence, &t)
    {
        content.push_str(&format!("<p>{}</p>", escape_html(&line)));
    }
    content.push_str(&text.body_html);
    match &publication.draft.details {
        Details::Resource(resource) => {
            if let Some(url) = &resource.document_url {
                content.push_str(&link(url, "resource-document"));
            }
            if let Some(url) = &resource.link {
                content.push_str(&link(url, "resource-link"));
            }
        }
        Details::Event(event) => {
            if let Some(url) = &event.online_url {
                content.push_str(&link(url, "event-join-online"));
            }
        }
        Details::Opportunity(opportunity) => {
            if let Some(url) = &opportunity.apply_url {
                content.push_str(&link(url, "opportunity-apply"));
            }
        }
        Details::Story(_) => {}
    }
    content.push_str(&page_links(state, publication, text, &t));
    content
}

/// `Read it on <site>` (our page) and `Also in: العربية · Français` (the page in each other
/// language), in the text's language.
fn page_links(state: &AppState, publication: &Publication, text: &Text, t: &Translator) -> String {
    let urls = state.urls();
    let page = urls.publication(publication.kind, &publication.public_id);
    let mut links = format!(
        "<p><a href=\"{}\">{}</a></p>",
        escape_html(page.as_str()),
        escape_html(&t.t1("object-read-on", "site", &state.config().instance.name))
    );
    let others: Vec<String> = publication
        .draft
        .texts
        .iter()
        .filter(|other| other.language != text.language)
        .map(|other| {
            let url =
                urls.publication_in(publication.kind, &publication.public_id, &other.language);
            format!(
                "<a href=\"{}\">{}</a>",
                escape_html(url.as_str()),
                escape_html(&crate::i18n::language_name(&other.language))
            )
        })
        .collect();
    if !others.is_empty() {
        links.push_str(&format!(
            "<p>{} {}</p>",
            escape_html(&t.t("object-also-in")),
            others.join(" · ")
        ));
    }
    links
}

fn event_fields(fields: &mut Map<String, Value>, event: &EventDetails) {
    fields.insert("startTime".into(), json!(event.starts().to_rfc3339()));
    fields.insert("endTime".into(), json!(event.ends().to_rfc3339()));
    fields.insert("timezone".into(), json!(event.time_zone));
    let (event_status, ical_status) = match event.status.as_str() {
        "cancelled" => ("EventCancelled", "CANCELLED"),
        "tentative" => ("EventTentative", "TENTATIVE"),
        _ => ("EventScheduled", "CONFIRMED"),
    };
    fields.insert("eventStatus".into(), json!(event_status));
    fields.insert("status".into(), json!(ical_status));
    fields.insert("category".into(), json!(event.category));
    fields.insert("joinMode".into(), json!(event.join_mode));
    if let Some(url) = &event.external_url {
        fields.insert("externalParticipationUrl".into(), json!(url));
    }
    if let Some(capacity) = event.capacity {
        fields.insert("maximumAttendeeCapacity".into(), json!(capacity));
    }
    fields.insert("isOnline".into(), json!(event.place.is_none()));
    match &event.place {
        Some(place) => {
            let mut location = json!({
                "type": "Place",
                "name": place.name,
                "address": {
                    "type": "PostalAddress",
                    "streetAddress": place.street_address,
                    "postalCode": place.postal_code,
                    "addressLocality": place.locality,
                    "addressRegion": place.region,
                    "addressCountry": place.country,
                },
            });
            if let (Some(latitude), Some(longitude)) = (place.latitude, place.longitude) {
                location["latitude"] = json!(latitude);
                location["longitude"] = json!(longitude);
            }
            strip_nulls(&mut location);
            fields.insert("location".into(), location);
        }
        None => {
            if let Some(url) = &event.online_url {
                fields.insert(
                    "location".into(),
                    json!({"type": "VirtualLocation", "url": url}),
                );
            }
        }
    }
    if let (Some(url), Some(Value::Array(attachments))) =
        (&event.online_url, fields.get_mut("attachment"))
    {
        // Mobilizon reads the online link from a Link named "Website".
        attachments.push(
            json!({"type": "Link", "mediaType": "text/html", "name": "Website", "href": url}),
        );
    }
}

fn opportunity_fields(
    fields: &mut Map<String, Value>,
    state: &AppState,
    opportunity: &OpportunityDetails,
    title: &str,
    summary: &str,
    publication: &Publication,
) {
    let organization = &state.actors().organization();
    let offered_by = json!({
        "type": "Organization",
        "name": opportunity
            .offering_organization
            .clone()
            .unwrap_or_else(|| state.config().instance.name.clone()),
    });
    if let Some(deadline) = opportunity.deadline {
        fields.insert("endTime".into(), json!(rfc3339(deadline)));
    }
    let place_name = match (&opportunity.place, opportunity.remote) {
        (Some(place), _) => place.clone(),
        (None, _) => "Online".to_string(),
    };
    fields.insert(
        "location".into(),
        json!({"type": "Place", "name": place_name}),
    );
    let mut nested = match opportunity.kind.as_str() {
        "job" | "volunteering" => {
            let employment = opportunity.employment_type.clone().unwrap_or_else(|| {
                if opportunity.kind == "volunteering" {
                    "volunteer".into()
                } else {
                    "other".into()
                }
            });
            json!({
                "type": "JobPosting",
                "title": plain_title(title),
                "description": summary,
                "employmentType": employment.to_ascii_uppercase(),
                "datePosted": publication.published_at.format("%Y-%m-%d").to_string(),
                "hiringOrganization": offered_by,
            })
        }
        "course" => {
            let course = opportunity.course.clone();
            let mut nested = json!({
                "type": "Course",
                "name": plain_title(title),
                "description": summary,
                "provider": course.as_ref().and_then(|course| course.provider.clone()).map(|name| json!({"type": "Organization", "name": name})),
                "courseMode": if opportunity.remote { "online" } else { "onsite" },
                "inLanguage": course.as_ref().and_then(|course| course.language.clone()),
                "offers": course.as_ref().and_then(|course| course.cost.clone()).map(|cost| json!({"type": "Offer", "price": cost})),
            });
            if course.as_ref().is_some_and(|course| course.certificate) {
                nested["educationalCredentialAwarded"] = json!("Certificate");
            }
            nested
        }
        _ => json!({
            "type": "MonetaryGrant",
            "name": plain_title(title),
            "description": summary,
            "funder": offered_by,
        }),
    };
    if let Some(deadline) = opportunity.deadline {
        nested["validThrough"] = json!(rfc3339(deadline));
    }
    if opportunity.remote {
        nested["jobLocationType"] = json!("TELECOMMUTE");
    }
    if let Some(place) = &opportunity.place {
        nested["jobLocation"] = json!({"type": "Place", "name": place});
    }
    if !opportunity.countries.is_empty() {
        nested["applicantLocationRequirements"] = Value::Array(
            opportunity
                .countries
                .iter()
                .map(|country| json!({"type": "Country", "name": country}))
                .collect(),
        );
    }
    if let Some(url) = &opportunity.apply_url {
        nested["applyUrl"] = json!(url);
    }
    if let Some(email) = &opportunity.apply_email {
        nested["applyEmail"] = json!(email);
    }
    strip_nulls(&mut nested);
    fields.insert("opportunityKind".into(), json!(opportunity.kind));
    fields.insert("opportunity".into(), nested);
    let _ = organization;
}

fn library(resource: &ResourceDetails) -> Value {
    let mut library = json!({
        "topic": resource.topic,
        "country": resource.country,
        "year": resource.year,
        "link": resource.link,
        "documentUrl": resource.document_url,
    });
    strip_nulls(&mut library);
    library
}

/// Removes `null` members (absent is clearer than null for most consumers).
fn strip_nulls(value: &mut Value) {
    if let Some(map) = value.as_object_mut() {
        map.retain(|_, member| !member.is_null());
        for member in map.values_mut() {
            strip_nulls(member);
        }
    }
}

/// The verbs we send about publications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Create,
    Update,
    Delete,
    /// A `Delete` of a publication that stays here: a story whose consent no longer lets it go
    /// to other servers (its id carries the edit time, as an `Update`'s).
    TakeDown,
    /// The `Create` of a story whose consent lets it go to other servers again, or for the
    /// first time after it was published (its id carries the edit time: `create` may be taken).
    CreateAgain,
}

/// The activity announcing `publication`: its id and its document. Update ids carry the edit
/// time, so each edit is a new activity.
pub fn activity(state: &AppState, verb: Verb, publication: &Publication) -> (Url, Value) {
    let urls = state.urls();
    let organization = &state.actors().organization();
    let object_id = urls.publication(publication.kind, &publication.public_id);
    let (kind, suffix, at) = match verb {
        Verb::Create => ("Create", "create".to_string(), publication.published_at),
        Verb::Update => (
            "Update",
            format!("update-{}", publication.updated_at.timestamp_millis()),
            publication.updated_at,
        ),
        Verb::Delete => (
            "Delete",
            "delete".to_string(),
            publication.deleted_at.unwrap_or(publication.updated_at),
        ),
        Verb::TakeDown => (
            "Delete",
            format!("takedown-{}", publication.updated_at.timestamp_millis()),
            publication.updated_at,
        ),
        Verb::CreateAgain => (
            "Create",
            format!("create-{}", publication.updated_at.timestamp_millis()),
            publication.updated_at,
        ),
    };
    let id = urls.publication_activity(publication.kind, &publication.public_id, &suffix);
    let object = match verb {
        Verb::Delete | Verb::TakeDown => json!({"id": object_id, "type": "Tombstone"}),
        _ => object(state, publication),
    };
    let (to, cc) = audience(state, publication);
    let activity = json!({
        "@context": context(),
        "id": id,
        "type": kind,
        "actor": organization.id,
        "published": rfc3339(at),
        "to": to,
        "cc": cc,
        "object": object,
    });
    (id, activity)
}

/// The `Add` (pinned) or `Remove` (unpinned) of `publication` to the organization's `featured`
/// collection, as Mastodon sends when a post is pinned: its id and its document.
pub fn pin_activity(state: &AppState, publication: &Publication, pinned: bool) -> (Url, Value) {
    let urls = state.urls();
    let organization = &state.actors().organization();
    let (kind, name) = if pinned {
        ("Add", "add")
    } else {
        ("Remove", "remove")
    };
    let id = urls.new_activity(&organization.id, name);
    let activity = json!({
        "@context": super::activities::ACTIVITY_STREAMS,
        "id": id,
        "type": kind,
        "actor": organization.id,
        "object": urls.publication(publication.kind, &publication.public_id),
        "target": urls.featured(&organization.id),
        "to": [PUBLIC],
        "cc": [urls.followers(&organization.id)],
    });
    (id, activity)
}
