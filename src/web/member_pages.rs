//! Members as authors: the profile page a publication's byline links to (`/members/{id}`: the
//! name, whether a person or an organization, the summary, the countries, the website and what
//! they are the byline of), the public list of members who chose to be listed (`/members`),
//! and the form where a member writes their profile (`/account/profile`).
//!
//! Invariant: a profile page at `/members/{id}` is public only for an active account that
//! chose to be listed or is the byline of a publication; every other account answers 404,
//! so that registering does not make anyone findable. Their actor URL shows the same page
//! (what their actor document tells every server), not indexed unless they allow it.

use super::account_pages::FormPage;
use super::auth::{Member, Visitor};
use super::editor::fields::{Naming, shown_names, to_codes};
use super::editor::input::Submission;
use super::forms::{Field, FormValues};
use super::frame::{Frame, framed, respond, respond_with};
use super::pages::cards::{Card, cards};
use crate::app::AppState;
use crate::domain::accounts::identity;
use crate::domain::accounts::profile::{self, LogoChange, ProfileInput};
use crate::domain::images;
use crate::domain::publication;
use crate::error::{Error, Result};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "member.html")]
struct MemberPage {
    frame: Frame,
    name: String,
    kind_label: String,
    /// `@name@domain`.
    handle: String,
    /// Their actor's id, for the `alternate` link.
    actor: String,
    /// Where to report them.
    report: String,
    summary: String,
    countries: String,
    /// The languages they speak, by name.
    spoken: String,
    website: Option<String>,
    /// The logo or photo, a path on this site.
    logo: Option<String>,
    /// Whether search engines may index the page (the member let their profile be found).
    indexable: bool,
    /// A confirmed expert's areas, by name.
    expert: Option<String>,
    /// "Publications by …".
    heading: String,
    items: Vec<Card>,
}
framed!(MemberPage);

#[derive(Template)]
#[template(path = "members.html")]
struct MembersPage {
    frame: Frame,
    heading: String,
    results: String,
    /// The kind filter: `(value, label, chosen)`.
    kinds: Vec<(&'static str, String, bool)>,
    members: Vec<MemberCard>,
    previous: Option<String>,
    next: Option<String>,
}
framed!(MembersPage);

/// One listed member on `/members`.
struct MemberCard {
    name: String,
    kind_label: String,
    handle: String,
    page: String,
    summary: String,
    countries: String,
    spoken: String,
    logo: Option<String>,
}

/// `?kind=individual|organization&page=N`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct MembersQuery {
    kind: Option<String>,
    page: Option<i64>,
}

/// How many members `/members` shows on a page.
const MEMBERS_PER_PAGE: i64 = 48;

/// `GET /members`: the members who chose to be listed, people and organizations, by name.
pub async fn members(
    State(state): State<AppState>,
    frame: Frame,
    axum::extract::Query(query): axum::extract::Query<MembersQuery>,
) -> Result<Response> {
    let t = frame.t;
    let kind = query
        .kind
        .as_deref()
        .and_then(crate::domain::accounts::AccountType::parse);
    let number = query.page.unwrap_or(1).clamp(1, 10_000);
    let (listed, total) = profile::listed(
        state.db(),
        kind,
        MEMBERS_PER_PAGE,
        (number - 1) * MEMBERS_PER_PAGE,
    )
    .await?;
    let domain = &state.config().instance.domain;
    let link = |page: i64| match kind {
        Some(kind) => format!("/members?kind={}&page={page}", kind.as_str()),
        None => format!("/members?page={page}"),
    };
    let members = listed
        .into_iter()
        .map(|member| {
            let found = member.profile;
            MemberCard {
                page: format!("/members/{}", found.account.account_id),
                kind_label: t.t(&format!("register-{}", found.account.account_type.as_str())),
                handle: format!("@{}@{domain}", member.username),
                summary: found.summary,
                countries: t.countries(&found.countries),
                spoken: t.languages(&found.languages),
                logo: found
                    .logo
                    .map(|id| state.urls().media(&id).path().to_string()),
                name: found.account.name,
            }
        })
        .collect();
    let chosen = kind.map(crate::domain::accounts::AccountType::as_str);
    let page = MembersPage {
        heading: t.t("members-title"),
        results: t.t1("members-count", "count", &t.digits(&total.to_string())),
        kinds: [
            ("", t.t("filter-any")),
            ("individual", t.t("register-individual")),
            ("organization", t.t("register-organization")),
        ]
        .into_iter()
        .map(|(value, label)| (value, label, chosen.unwrap_or("") == value))
        .collect(),
        members,
        previous: (number > 1).then(|| link(number - 1)),
        next: (number * MEMBERS_PER_PAGE < total).then(|| link(number + 1)),
        frame,
    };
    respond(StatusCode::OK, &page)
}

/// How many of a member's publications their page lists.
const LISTED: i64 = 24;

/// `GET /members/{id}`: the profile of a member who shows it, or whom publications are by.
pub async fn member(
    State(state): State<AppState>,
    frame: Frame,
    Path(account_id): Path<i64>,
) -> Result<Response> {
    let found = profile::find(state.db(), account_id).await?;
    let bylined = shown_by(publication::by_author(state.db(), account_id, LISTED).await?);
    if bylined.is_empty() && !found.listed {
        return Err(Error::NotFound);
    }
    member_page(&state, frame, found, bylined).await
}

/// What a browser sees at a member's actor URL (`/actors/{username}`): their profile, which
/// their actor document shows to every server anyway; indexed only if they allow it.
pub async fn actor_page(
    state: &AppState,
    frame: Frame,
    found: profile::Profile,
) -> Result<Response> {
    let bylined =
        shown_by(publication::by_author(state.db(), found.account.account_id, LISTED).await?);
    member_page(state, frame, found, bylined).await
}

/// What a member's page lists of what they wrote: not a story that hides its subject's name,
/// which the author's name could give away.
fn shown_by(bylined: Vec<publication::Publication>) -> Vec<publication::Publication> {
    bylined
        .into_iter()
        .filter(|publication| publication.shown_byline().is_some())
        .collect()
}

async fn member_page(
    state: &AppState,
    frame: Frame,
    found: profile::Profile,
    bylined: Vec<publication::Publication>,
) -> Result<Response> {
    let t = frame.t;
    let username = identity::username(state.db(), found.account.account_id)
        .await?
        .unwrap_or_default();
    let actor = state
        .urls()
        .actor(crate::federation::actors::ActorKind::Person, &username);
    let page = MemberPage {
        name: found.account.name.clone(),
        kind_label: t.t(&format!("register-{}", found.account.account_type.as_str())),
        handle: format!("@{username}@{}", state.config().instance.domain),
        report: crate::web::reports::link(actor.as_str()),
        actor: actor.to_string(),
        // The name isolated (U+2068 … U+2069): a Latin name ending in "e.V." keeps its full
        // stop in an Arabic sentence.
        heading: t.t1(
            "member-publications",
            "name",
            &format!("\u{2068}{}\u{2069}", found.account.name),
        ),
        summary: found.summary,
        countries: t.countries(&found.countries),
        spoken: t.languages(&found.languages),
        website: found.website.map(|url| url.to_string()),
        logo: found
            .logo
            .map(|id| state.urls().media(&id).path().to_string()),
        indexable: found.discoverable,
        expert: (found.expert_confirmed && !found.expert_areas.is_empty()).then(|| {
            found
                .expert_areas
                .iter()
                .map(|area| t.t(&format!("expert-area-{area}")))
                .collect::<Vec<_>>()
                .join(t.list_separator())
        }),
        items: cards(state, &t, &bylined),
        frame,
    };
    respond(StatusCode::OK, &page)
}

fn profile_form(
    state: &AppState,
    frame: Frame,
    visitor: &Visitor,
    values: &FormValues,
    has_logo: bool,
) -> FormPage {
    let t = frame.t;
    let mut page = FormPage::new(frame, visitor, t.t("profile-member-title"));
    page.intro = t.t("profile-member-intro");
    page.action = "/account/profile".to_string();
    page.submit = t.t("profile-member-save");
    page.multipart = true;
    let megabytes = state.config().accounts.max_image_bytes / 1_000_000;
    let mut logo = vec![
        Field::new("logo", "file", t.t("profile-member-logo")).hint(t.t1(
            "editor-image-hint",
            "megabytes",
            &megabytes.to_string(),
        )),
    ];
    if has_logo {
        logo.push(Field::new(
            "logo_remove",
            "checkbox",
            t.t("profile-member-logo-remove"),
        ));
    }
    page.fields = vec![
        Field::new("name", "text", t.t("register-name"))
            .required()
            .value(values.get("name"))
            .autocomplete("name"),
        Field::new("summary", "textarea", t.t("profile-member-summary"))
            .value(values.get("summary"))
            .hint(t.t1(
                "profile-member-summary-hint",
                "count",
                &profile::MAX_SUMMARY.to_string(),
            )),
        Field::new("website", "url", t.t("profile-member-website"))
            .value(values.get("website"))
            .autocomplete("url"),
        Field::new("countries", "text", t.t("profile-member-countries"))
            .value(shown_names(values.get("countries"), |code| {
                crate::i18n::country_code(code)
                    .filter(|known| known == code)
                    .map(|known| t.country(&known))
            }))
            .hint(t.t("editor-countries-hint"))
            .suggestions(t.country_names()),
        Field::new("languages", "text", t.t("profile-member-languages"))
            .value(shown_names(values.get("languages"), |tag| {
                crate::i18n::language_tag(tag)
                    .filter(|known| known == tag)
                    .map(|known| t.language(&known))
            }))
            .hint(t.t("profile-member-languages-hint"))
            .suggestions(t.language_names()),
    ];
    page.fields.extend(logo);
    page.fields.extend([
        Field::new("listed", "checkbox", t.t("profile-member-listed"))
            .value(values.get("listed"))
            .hint(t.t("profile-member-listed-hint")),
        Field::new(
            "discoverable",
            "checkbox",
            t.t("profile-member-discoverable"),
        )
        .value(values.get("discoverable"))
        .hint(t.t("profile-member-discoverable-hint")),
    ]);
    // The areas they advise on: an admin confirms them before they show as an expert.
    for (index, area) in crate::domain::experts::AREAS.iter().enumerate() {
        let mut field = Field::new(
            format!("area_{area}"),
            "checkbox",
            t.t(&format!("expert-area-{area}")),
        )
        .value(values.get(&format!("area_{area}")));
        if index == 0 {
            field = field.hint(t.t("profile-expert-hint"));
        }
        page.fields.push(field);
    }
    page.links = vec![("/account".to_string(), t.t("account-title"))];
    page
}

/// `GET /account/profile`: the member's own profile, to edit.
pub async fn profile_page(
    State(state): State<AppState>,
    frame: Frame,
    Member(visitor): Member,
) -> Result<Response> {
    let account = visitor.account().ok_or(Error::NotFound)?;
    let found = profile::find(state.db(), account.account_id).await?;
    let values = FormValues::from_pairs(
        vec![
            ("name".to_string(), found.account.name.clone()),
            ("summary".to_string(), found.summary),
            (
                "website".to_string(),
                found.website.map(|url| url.to_string()).unwrap_or_default(),
            ),
            ("countries".to_string(), found.countries.join(", ")),
            ("languages".to_string(), found.languages.join(", ")),
            ("listed".to_string(), found.listed.to_string()),
            ("discoverable".to_string(), found.discoverable.to_string()),
        ]
        .into_iter()
        .chain(
            found
                .expert_areas
                .iter()
                .map(|area| (format!("area_{area}"), "true".to_string())),
        )
        .collect(),
    );
    let page = profile_form(&state, frame, &visitor, &values, found.logo.is_some());
    respond_with(&state, &visitor, StatusCode::OK, &page)
}

/// `POST /account/profile`: saves it (a new logo is re-encoded without its metadata, like every
/// upload), then shows the account page.
pub async fn save_profile(
    State(state): State<AppState>,
    frame: Frame,
    Member(visitor): Member,
    submission: Submission,
) -> Result<Response> {
    let t = frame.t;
    let Submission { values, image } = submission;
    let account = visitor.account().ok_or(Error::NotFound)?;
    let has_logo = profile::find(state.db(), account.account_id)
        .await?
        .logo
        .is_some();
    let form =
        |values: &FormValues| profile_form(&state, frame.clone(), &visitor, values, has_logo);
    if visitor.check_csrf(values.get("csrf")).is_err() {
        let page = form(&values).with_message(t.t("error-csrf"));
        return respond_with(&state, &visitor, StatusCode::FORBIDDEN, &page);
    }
    let logo = match image {
        Some(bytes) => {
            let max = state.config().accounts.max_image_bytes;
            match images::store(
                state.db(),
                state.images(),
                bytes,
                max,
                Some(account.account_id),
            )
            .await
            {
                Ok(stored) => LogoChange::Set(stored.public_id),
                Err(Error::Invalid(mut errors)) => {
                    for error in &mut errors {
                        error.field = "logo".to_string();
                    }
                    let page = form(&values).with_errors(&errors);
                    return respond_with(&state, &visitor, StatusCode::UNPROCESSABLE_ENTITY, &page);
                }
                Err(other) => return Err(other),
            }
        }
        None if values.get("logo_remove") == "true" => LogoChange::Remove,
        None => LogoChange::Keep,
    };
    let input = ProfileInput {
        name: values.get("name").to_string(),
        summary: values.get("summary").to_string(),
        website: values.get("website").to_string(),
        countries: to_codes(Naming::Countries, values.get("countries")),
        logo,
        languages: to_codes(Naming::Language, values.get("languages")),
        listed: values.get("listed") == "true",
        discoverable: values.get("discoverable") == "true",
    };
    let areas: Vec<String> = crate::domain::experts::AREAS
        .iter()
        .filter(|area| values.get(&format!("area_{area}")) == "true")
        .map(|area| area.to_string())
        .collect();
    match profile::update(state.db(), account.account_id, &input).await {
        Ok(_) => {
            crate::domain::experts::declare(state.db(), account.account_id, &areas).await?;
            // Their followers on other servers see the new profile.
            crate::federation::members::profile_changed(&state, account.account_id).await?;
            Ok(Redirect::to("/account").into_response())
        }
        Err(Error::Invalid(errors)) => {
            let page = form(&values).with_errors(&errors);
            respond_with(&state, &visitor, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other),
    }
}
