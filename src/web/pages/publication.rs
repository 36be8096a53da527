//! A publication's page (the `url` of its federated object): its texts, the facts of its kind
//! (an event's time and place, an opportunity's deadline, a resource's links, a story's image, an event's banner),
//! its hashtags, and for a logged-in editor the edit and pin tools.

use crate::app::AppState;
use crate::domain::publication::{self, Details, Kind, Publication, Text};
use crate::error::{Error, Result};
use crate::i18n::Translator;
use crate::web::frame::{Frame, framed, message};
use crate::web::map::MapView;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono_tz::Tz;

/// `GET /{kinds}/{public_id}` for people.
pub async fn publication(
    State(state): State<AppState>,
    Path((kinds, public_id)): Path<(String, String)>,
    Query(query): Query<VersionQuery>,
    headers: HeaderMap,
    frame: Frame,
    visitor: crate::web::auth::Visitor,
) -> Result<Response> {
    let kind = Kind::parse(&kinds)
        .filter(|kind| kind.plural() == kinds)
        .ok_or(Error::NotFound)?;
    let found = publication::find(state.db(), kind, &public_id).await?;
    let (lang, tz) = (query.lang.as_deref(), query.tz.as_deref());
    page(&state, &headers, lang, tz, frame, &visitor, &found).await
}

/// `?lang=`: the language version to show (it also sets the interface's language when it is
/// one of the interface's).
#[derive(Debug, Default, serde::Deserialize)]
pub struct VersionQuery {
    lang: Option<String>,
    /// The reader's own time zone, to show an event's time in it too.
    tz: Option<String>,
}

/// The version of the publication shown: one language at a time.
#[derive(Debug, Clone)]
pub struct TextView {
    pub language: String,
    pub dir: &'static str,
    pub title: String,
    pub summary: String,
    pub body_html: String,
}

/// Another language version: its page, its tag, and the language's name in itself.
#[derive(Debug, Clone)]
pub struct Version {
    pub href: String,
    pub language: String,
    pub name: String,
}

/// One fact of the publication (when, where, capacity…), in the reader's language. `value`
/// is shown isolated (`<bdi>`), so a place name or a time zone in another script keeps its
/// order inside the sentence.
#[derive(Debug, Clone)]
pub struct Fact {
    pub label: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "publication.html")]
struct PublicationPage {
    frame: Frame,
    id: String,
    image: Option<(String, String)>,
    text: TextView,
    /// The other languages it is written in.
    versions: Vec<Version>,
    /// An event's form to see its time in the reader's own zone.
    zone_form: Option<ZoneForm>,
    /// A short line of status (cancelled, tentative), shown first.
    notice: Option<String>,
    facts: Vec<Fact>,
    /// An event's place on a map, and what the map says to a screen reader.
    map: Option<(MapView, String)>,
    /// Who it is by: `(their profile page, name)`.
    byline: Option<(String, String)>,
    links: Vec<(String, String)>,
    /// `(href, #tag)`.
    tags: Vec<(String, String)>,
    published: String,
    /// The edit form and the pin button, for a logged-in editor.
    tools: Option<EditorTools>,
    /// The reply form, for a logged-in member.
    reply_form: Option<ReplyForm>,
    /// The replies shown under it, threaded.
    thread: Vec<crate::web::replies::ReplyView>,
    /// An event's RSVP box.
    rsvp: Option<crate::web::rsvp::RsvpView>,
    /// Search engines are asked not to index it (a story whose consent does not allow it).
    noindex: bool,
    /// It has an ActivityStreams form, to link to and share (not a story kept on this website).
    federated: bool,
    /// A story's consent terms and licence (`#consent`, the `consentTerms` of its object).
    consent: Option<ConsentTerms>,
}
framed!(PublicationPage);

/// What a story's page says of the terms it is told with: what its consent allows (never who
/// gave it, when or how: that is for editors) and its licence.
pub struct ConsentTerms {
    /// Whom it is about.
    pub about: String,
    /// One sentence for each part of the scope.
    pub scope: Vec<String>,
    /// The licence's name, and its terms' address.
    pub licence: String,
    pub licence_url: Option<&'static str>,
    /// How consent is withdrawn.
    pub withdraw: String,
}

/// The consent terms of `publication`, when it is a story.
fn consent_terms(
    t: &Translator,
    organization: &str,
    publication: &Publication,
) -> Option<ConsentTerms> {
    let Details::Story(story) = &publication.draft.details else {
        return None;
    };
    let consent = &story.consent;
    // A story stored before there was a choice has no licence: all rights reserved.
    let chosen = story.licence.as_deref().unwrap_or("all_rights_reserved");
    let licence = ConsentTerms {
        about: String::new(),
        scope: Vec::new(),
        licence: t.t(&format!("licence-{chosen}")),
        licence_url: crate::domain::story::licence_url(chosen),
        withdraw: String::new(),
    };
    if consent.about_organization() {
        return Some(ConsentTerms {
            about: t.t1("consent-told-us", "organization", organization),
            ..licence
        });
    }
    let mut scope = vec![t.t("consent-scope-website")];
    let either = |yes: bool, key: &str| t.t(&format!("{key}-{}", if yes { "yes" } else { "no" }));
    scope.push(either(consent.federated, "consent-scope-federated"));
    scope.push(either(consent.indexable, "consent-scope-indexable"));
    scope.push(either(consent.images, "consent-scope-images"));
    if consent.hide_name {
        scope.push(t.t("consent-scope-pseudonym"));
    }
    if consent.hide_place {
        scope.push(t.t("consent-scope-country-only"));
    }
    Some(ConsentTerms {
        about: t.t("consent-told-person"),
        scope,
        withdraw: t.t1("consent-withdraw-how", "organization", organization),
        ..licence
    })
}

/// The form that shows an event's time in another zone (`?tz=`), without script.
pub struct ZoneForm {
    /// The version asked for, kept.
    pub lang: Option<String>,
    /// The zone shown now, if any.
    pub zone: String,
    pub zones: &'static [String],
}

/// What a logged-in editor or admin gets on a publication's page.
pub struct EditorTools {
    /// The edit form (its `/pin` pins or unpins).
    pub edit: String,
    pub csrf: String,
    pub pinned: bool,
}

/// The language of the version to show: the one asked for with `?lang=` when the publication
/// has it (any language, not only the interface's), else the reader's, else the default.
fn chosen_language<'a>(
    publication: &'a Publication,
    asked: Option<&str>,
    reader: &str,
) -> Option<&'a Text> {
    asked
        .and_then(|tag| {
            publication
                .draft
                .texts
                .iter()
                .find(|text| text.language.eq_ignore_ascii_case(tag))
        })
        .or_else(|| publication.text_in(reader))
}

/// A publication's page, in one language at a time (see [`chosen_language`]) with links to the
/// others; 410 once deleted. An editor or admin who is logged in also gets a link to its edit
/// form and a pin button.
async fn page(
    state: &AppState,
    headers: &HeaderMap,
    asked: Option<&str>,
    asked_zone: Option<&str>,
    frame: Frame,
    visitor: &crate::web::auth::Visitor,
    publication: &Publication,
) -> Result<Response> {
    let t = frame.t;
    let Some(main) = chosen_language(publication, asked, t.language.code()) else {
        return message(frame, StatusCode::GONE, "gone-title", "gone-text");
    };
    let id = state
        .urls()
        .publication(publication.kind, &publication.public_id);
    let versions = publication
        .draft
        .texts
        .iter()
        .filter(|text| text.language != main.language)
        .map(|text| Version {
            href: format!("{}?lang={}", id.path(), text.language),
            name: crate::i18n::language_name(&text.language),
            language: text.language.clone(),
        })
        .collect();
    let (tools, reply_form) = member_tools(state, headers, publication).await?;
    let reader_zone = asked_zone.and_then(|zone| zone.trim().parse::<Tz>().ok());
    let details = details(&t, publication, reader_zone);
    let page = PublicationPage {
        id: id.to_string(),
        image: details.image,
        text: TextView {
            language: main.language.clone(),
            dir: crate::web::html::direction(&main.language),
            title: main.title.clone(),
            summary: main.summary.clone(),
            body_html: main.body_html.clone(),
        },
        zone_form: matches!(publication.draft.details, Details::Event(_)).then(|| ZoneForm {
            lang: asked.map(str::to_string),
            zone: reader_zone
                .map(|zone| zone.name().to_string())
                .unwrap_or_default(),
            zones: crate::web::editor::fields::time_zones(),
        }),
        versions,
        notice: details.notice,
        facts: details.facts,
        map: event_map(state, &t, publication),
        byline: publication.shown_byline().map(|byline| {
            (
                state.urls().member(byline.account_id).path().to_string(),
                byline.name.clone(),
            )
        }),
        links: details.links,
        noindex: !publication.indexable(),
        federated: publication.federated(),
        consent: consent_terms(&t, &state.config().instance.name, publication),
        tools,
        reply_form,
        thread: crate::web::replies::thread(state, &t, publication.publication_id).await?,
        rsvp: crate::web::rsvp::view(state, &t, publication, visitor).await?,
        tags: publication
            .draft
            .hashtags
            .iter()
            .map(|tag| {
                (
                    state.urls().hashtag(tag).path().to_string(),
                    format!("#{tag}"),
                )
            })
            .collect(),
        published: t.t1(
            "published-on",
            "date",
            &t.date(&publication.published_at.fixed_offset()),
        ),
        frame,
    };
    crate::web::frame::respond_with(state, visitor, StatusCode::OK, &page)
}

/// An event's place on a map, when it has coordinates and the instance has map tiles; the
/// label names the place for screen readers.
fn event_map(
    state: &AppState,
    t: &Translator,
    publication: &Publication,
) -> Option<(MapView, String)> {
    let Details::Event(event) = &publication.draft.details else {
        return None;
    };
    let place = event.place.as_ref()?;
    let (latitude, longitude) = (place.latitude?, place.longitude?);
    let view = MapView::of_place(&state.config().website, latitude, longitude)?;
    let name = place.one_line_naming(|code| t.country(code));
    Some((view, t.t1("map-of", "place", &name)))
}

/// What a page shows of a publication besides its texts.
#[derive(Default)]
struct Shown {
    notice: Option<String>,
    facts: Vec<Fact>,
    links: Vec<(String, String)>,
    image: Option<(String, String)>,
}

/// Every detail an editor entered, as facts and links in the reader's language.
fn details(t: &Translator, publication: &Publication, reader_zone: Option<Tz>) -> Shown {
    let mut shown = Shown::default();
    // A fact with an empty label key is a sentence of its own.
    let mut fact = |label: &str, value: String| {
        if !value.trim().is_empty() {
            shown.facts.push(Fact {
                label: if label.is_empty() {
                    String::new()
                } else {
                    t.t(label)
                },
                value,
            });
        }
    };
    let draft = &publication.draft;
    match &draft.details {
        Details::Event(event) => {
            let (starts, ends) = (event.starts(), event.ends());
            // One date when it starts and ends on the same day.
            let until = if starts.date_naive() == ends.date_naive() {
                t.digits(&ends.format("%H:%M").to_string())
            } else {
                t.date_time(&ends)
            };
            fact("event-when", format!("{} – {until}", t.date_time(&starts)));
            fact(
                "editor-time-zone",
                format!("{} ({})", event.time_zone, t.utc_offset(&starts)),
            );
            if let Some(zone) = reader_zone.filter(|zone| zone.name() != event.time_zone) {
                let (starts, ends) = (
                    starts.with_timezone(&zone).fixed_offset(),
                    ends.with_timezone(&zone).fixed_offset(),
                );
                fact(
                    "event-your-time",
                    format!(
                        "{} – {} ({})",
                        t.date_time(&starts),
                        t.date_time(&ends),
                        zone.name()
                    ),
                );
            }
            let online = event.online_url.as_ref().map(|_| t.t("event-online"));
            let place = event
                .place
                .as_ref()
                .map(|place| place.one_line_naming(|code| t.country(code)));
            fact(
                "event-where",
                place
                    .into_iter()
                    .chain(online)
                    .collect::<Vec<_>>()
                    .join(" · "),
            );
            fact(
                "filter-category",
                t.t(&format!(
                    "event-category-{}",
                    event.category.to_ascii_lowercase()
                )),
            );
            fact(
                "editor-join-mode",
                t.t(&format!("event-join-{}", event.join_mode)),
            );
            if let Some(capacity) = event.capacity {
                fact("editor-capacity", t.digits(&capacity.to_string()));
            }
            if let Some(organizer) = &event.organizer {
                fact("event-organizer", organizer.clone());
            }
        }
        Details::Opportunity(opportunity) => {
            fact(
                "filter-kind",
                t.t(&format!("opportunity-kind-{}", opportunity.kind)),
            );
            if let Some(organization) = &opportunity.offering_organization {
                fact("editor-offering-organization", organization.clone());
            }
            let remote = opportunity.remote.then(|| t.t("opportunity-remote"));
            fact(
                "editor-opportunity-place",
                opportunity
                    .place
                    .clone()
                    .into_iter()
                    .chain(remote)
                    .collect::<Vec<_>>()
                    .join(" · "),
            );
            fact(
                "editor-opportunity-countries",
                t.countries(&opportunity.countries),
            );
            if let Some(deadline) = opportunity.deadline {
                fact("editor-deadline", t.date(&deadline.fixed_offset()));
            }
            if let Some(employment) = &opportunity.employment_type {
                fact(
                    "editor-employment-type",
                    t.t(&format!("employment-{employment}")),
                );
            }
            if let Some(course) = &opportunity.course {
                if let Some(provider) = &course.provider {
                    fact("editor-course-provider", provider.clone());
                }
                if let Some(language) = &course.language {
                    fact(
                        "editor-course-language",
                        crate::i18n::language_name(language),
                    );
                }
                if let Some(cost) = &course.cost {
                    fact("editor-course-cost", cost.clone());
                }
                if course.certificate {
                    fact("", t.t("editor-course-certificate"));
                }
            }
        }
        Details::Resource(resource) => {
            fact("editor-topic", resource.topic.clone());
            if let Some(country) = &resource.country {
                fact("editor-country", t.country(country));
            }
            if let Some(year) = resource.year {
                fact("filter-year", t.digits(&year.to_string()));
            }
        }
        Details::Story(story) => {
            fact(
                "editor-story-category",
                t.t(&format!("story-category-{}", story.category)),
            );
            // As the consent allows: the pseudonym, the country only.
            fact(
                "story-person",
                story.shown_name().unwrap_or_default().to_string(),
            );
            fact(
                "story-lives-in",
                story
                    .shown_where(&draft.countries_of_residence, t)
                    .unwrap_or_default(),
            );
        }
    }
    fact(
        "filter-gcm",
        draft
            .gcm_objectives
            .iter()
            .map(|&objective| t.gcm_objective(objective))
            .collect::<Vec<_>>()
            .join(" · "),
    );
    fact(
        "editor-gcm-categories",
        draft
            .gcm_categories
            .iter()
            .map(|category| t.t(&format!("gcm-category-{category}")))
            .collect::<Vec<_>>()
            .join(" · "),
    );
    fact(
        "about-countries-of-origin",
        t.countries(&draft.countries_of_origin),
    );
    fact(
        "about-countries-of-residence",
        t.countries(&draft.countries_of_residence),
    );
    match &draft.details {
        Details::Event(event) => {
            shown.notice = match event.status.as_str() {
                "cancelled" => Some(t.t("event-status-cancelled")),
                "tentative" => Some(t.t("event-status-tentative")),
                _ => None,
            };
            if let Some(place) = &event.place
                && let (Some(latitude), Some(longitude)) = (place.latitude, place.longitude)
            {
                shown.links.push((
                    format!("https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}#map=17/{latitude}/{longitude}"),
                    t.t("event-map"),
                ));
            }
            if let Some(url) = &event.online_url {
                shown
                    .links
                    .push((url.to_string(), t.t("event-join-online")));
            }
            if let Some(url) = &event.external_url {
                shown.links.push((url.to_string(), t.t("event-register")));
            }
            shown.links.push((
                format!("/events/{}/calendar.ics", publication.public_id),
                t.t("event-add-to-calendar"),
            ));
        }
        Details::Opportunity(opportunity) => {
            if let Some(url) = &opportunity.apply_url {
                shown
                    .links
                    .push((url.to_string(), t.t("opportunity-apply")));
            }
            if let Some(email) = &opportunity.apply_email {
                shown.links.push((format!("mailto:{email}"), email.clone()));
            }
        }
        Details::Resource(resource) => {
            if let Some(url) = &resource.document_url {
                shown
                    .links
                    .push((url.to_string(), t.t("resource-document")));
            }
            if let Some(url) = &resource.link {
                shown.links.push((url.to_string(), t.t("resource-link")));
            }
        }
        Details::Story(_) => {}
    }
    shown.image = draft
        .details
        .image()
        .map(|image| (image.url.to_string(), image.alt.clone()));
    shown
}

/// The reply form under a publication, for a logged-in member: where it posts, and its CSRF
/// token.
pub struct ReplyForm {
    pub action: String,
    pub csrf: String,
}

/// The edit form and pin button of `publication` when the request comes from a logged-in
/// editor or admin, and the reply form for any logged-in member.
async fn member_tools(
    state: &AppState,
    headers: &HeaderMap,
    publication: &Publication,
) -> Result<(Option<EditorTools>, Option<ReplyForm>)> {
    let Some(secret) = crate::web::auth::cookie(headers, crate::web::auth::SESSION_COOKIE) else {
        return Ok((None, None));
    };
    let Some(session) = crate::domain::accounts::session(state.db(), secret).await? else {
        return Ok((None, None));
    };
    let reply = ReplyForm {
        action: format!(
            "{}/reply",
            state
                .urls()
                .publication(publication.kind, &publication.public_id)
                .path()
        ),
        csrf: session.csrf_token.clone(),
    };
    let tools = session.account.role.can_publish().then(|| EditorTools {
        edit: format!(
            "/publish/{}/{}",
            publication.kind.as_str(),
            publication.public_id
        ),
        csrf: session.csrf_token,
        pinned: publication.pinned_at.is_some(),
    });
    Ok((tools, Some(reply)))
}
