//! The editors' forms: create, preview, edit and delete stories, events, opportunities and
//! resources, with every language of the instance side by side, and the upload of a story's
//! image or an event's banner.
//! [`fields`] holds each kind's field table, [`input`] turns a submission into the publishing
//! input (and a publication back into form values), [`page`] draws the form.
//!
//! A form's field names are the paths of the publishing input (`text.ar.title`,
//! `event.starts_at`, `opportunity.remote`), so the domain's validation errors land next to the
//! field they name. Publishing goes through the same outbox as the API and the CLI.

pub mod fields;
pub mod input;
pub mod page;

use super::auth::{Publisher, Visitor};
use super::forms::FormValues;
use super::frame::{Frame, framed, respond_with};
use super::html::direction;
use crate::app::AppState;
use crate::domain::consent::WithdrawnBy;
use crate::domain::publication::{self, Kind, Publication};
use crate::domain::{accounts, images};
use crate::error::{Error, FieldError, Reason, Result};
use crate::federation::outbox;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use input::Submission;
pub(crate) use input::refuse_longer_than;
use page::{EditorPage, Form, PreviewText};

/// The kind named in a path (`story`, `event`, …).
fn kind_of(name: &str) -> Result<Kind> {
    Kind::parse(name)
        .filter(|kind| kind.as_str() == name)
        .ok_or(Error::NotFound)
}

/// The publication `public_id` of `kind`; `Gone` once deleted.
async fn find_live(state: &AppState, kind: Kind, public_id: &str) -> Result<Publication> {
    let found = publication::find(state.db(), kind, public_id).await?;
    if found.is_deleted() {
        return Err(Error::Gone);
    }
    Ok(found)
}

/// Who `visitor` may give as a publication's byline: an admin any active account, an editor
/// themselves; and `current`, the byline an edited publication already has.
async fn bylines(
    state: &AppState,
    visitor: &Visitor,
    current: Option<&publication::Byline>,
) -> Result<Vec<(i64, String)>> {
    let Some(me) = visitor.account() else {
        return Ok(Vec::new());
    };
    let mut bylines: Vec<(i64, String)> = if me.role == accounts::Role::Admin {
        accounts::profile::bylines(state.db())
            .await?
            .into_iter()
            .map(|account| (account.account_id, account.name))
            .collect()
    } else {
        vec![(me.account_id, me.name.clone())]
    };
    if let Some(current) = current
        && !bylines.iter().any(|(id, _)| *id == current.account_id)
    {
        bylines.push((current.account_id, current.name.clone()));
    }
    Ok(bylines)
}

/// `GET /publish/{kind}`: an empty form.
pub async fn new_form(
    State(state): State<AppState>,
    frame: Frame,
    Publisher(visitor): Publisher,
    Path(kind): Path<String>,
) -> Result<Response> {
    let kind = kind_of(&kind)?;
    let mut values = FormValues::default();
    if kind == Kind::Event {
        // The organization's own time zone, which the editor may change.
        let zone = state.config().instance.time_zone.clone();
        values.0.insert("event.time_zone".to_string(), vec![zone]);
    }
    if kind == Kind::Story {
        // A story about a person, under CC BY 4.0, unless the editor says otherwise.
        values.0.insert(
            "story.licence".to_string(),
            vec![crate::domain::story::DEFAULT_LICENCE.to_string()],
        );
        values.0.insert(
            "story.consent.about".to_string(),
            vec!["person".to_string()],
        );
    }
    let form = Form::new(kind, None, &values).with_bylines(bylines(&state, &visitor, None).await?);
    let page = EditorPage::new(&state, frame, &visitor, form);
    respond_with(&state, &visitor, StatusCode::OK, &page)
}

/// `GET /publish/{kind}/{id}`: the form of a stored publication.
pub async fn edit_form(
    State(state): State<AppState>,
    frame: Frame,
    Publisher(visitor): Publisher,
    Path((kind, public_id)): Path<(String, String)>,
) -> Result<Response> {
    let kind = kind_of(&kind)?;
    let found = find_live(&state, kind, &public_id).await?;
    let values = input::to_values(&found);
    let form = Form::new(kind, Some(&public_id), &values)
        .with_bylines(bylines(&state, &visitor, found.byline.as_ref()).await?);
    let page = EditorPage::new(&state, frame, &visitor, form);
    respond_with(&state, &visitor, StatusCode::OK, &page)
}

/// `POST /publish/{kind}`: preview or publish a new publication.
pub async fn create(
    State(state): State<AppState>,
    frame: Frame,
    Publisher(visitor): Publisher,
    Path(kind): Path<String>,
    submission: Submission,
) -> Result<Response> {
    let kind = kind_of(&kind)?;
    submit(&state, frame, &visitor, kind, None, submission).await
}

/// `POST /publish/{kind}/{id}`: preview or save an edit.
pub async fn update(
    State(state): State<AppState>,
    frame: Frame,
    Publisher(visitor): Publisher,
    Path((kind, public_id)): Path<(String, String)>,
    submission: Submission,
) -> Result<Response> {
    let kind = kind_of(&kind)?;
    let found = find_live(&state, kind, &public_id).await?;
    submit(&state, frame, &visitor, kind, Some(&found), submission).await
}

/// A submitted form: shown again with its errors or its preview, else published or saved.
async fn submit(
    state: &AppState,
    frame: Frame,
    visitor: &Visitor,
    kind: Kind,
    stored: Option<&Publication>,
    submission: Submission,
) -> Result<Response> {
    let t = frame.t;
    let Submission { mut values, image } = submission;
    let existing = stored.map(|publication| publication.public_id.as_str());
    // Who this editor may give as the byline; an edit may keep the one it has.
    let current = stored.and_then(|publication| publication.byline.as_ref());
    let allowed = bylines(state, visitor, current).await?;
    let show = |values: &FormValues, status: StatusCode, errors: &[FieldError], preview| {
        let form = Form {
            kind,
            existing,
            values,
            errors,
            preview,
            bylines: allowed.clone(),
        };
        let page = EditorPage::new(state, frame.clone(), visitor, form);
        respond_with(state, visitor, status, &page)
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
                values.0.insert(
                    format!("{}.image_url", kind.as_str()),
                    vec![url.to_string()],
                );
            }
            Err(Error::Invalid(errors)) => {
                // The image's errors belong to its file field.
                let errors: Vec<FieldError> = errors
                    .into_iter()
                    .map(|mut error| {
                        error.field = format!("{}.image", kind.as_str());
                        error
                    })
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
    // A click on the event's map (or its zoom-out or remove button) moves the point: the
    // form comes back with it, nothing saved, nothing checked yet.
    if kind == Kind::Event && crate::web::map::picked(&state.config().website, &mut values) {
        return show(&values, StatusCode::OK, &[], Vec::new());
    }
    let languages = &state.config().instance.languages;
    let draft = match input::to_input(kind, &values, &fields::form_languages(state))
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
    if let Some(author) = draft.author
        && !allowed.iter().any(|(id, _)| *id == author)
    {
        let refused = [FieldError::of("author", Reason::Author)];
        return show(
            &values,
            StatusCode::UNPROCESSABLE_ENTITY,
            &refused,
            Vec::new(),
        );
    }
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
pub(crate) struct ConfirmPage {
    pub(crate) frame: Frame,
    pub(crate) heading: String,
    pub(crate) text: String,
    pub(crate) action: String,
    pub(crate) csrf: String,
    pub(crate) submit: String,
    pub(crate) back: String,
}
framed!(ConfirmPage);

/// `GET /publish/{kind}/{id}/delete`: asks before deleting.
pub async fn delete_confirm(
    State(state): State<AppState>,
    frame: Frame,
    Publisher(visitor): Publisher,
    Path((kind, public_id)): Path<(String, String)>,
) -> Result<Response> {
    let kind = kind_of(&kind)?;
    confirm(
        &state,
        frame,
        &visitor,
        kind,
        &public_id,
        "delete",
        "editor-delete",
    )
    .await
}

/// The page that asks before `action` (`delete`, `withdraw`) on the publication: its heading,
/// text (naming the title) and button are `{key}-title`, `{key}-text` and `key`.
async fn confirm(
    state: &AppState,
    frame: Frame,
    visitor: &crate::web::auth::Visitor,
    kind: Kind,
    public_id: &str,
    action: &str,
    key: &str,
) -> Result<Response> {
    let found = find_live(state, kind, public_id).await?;
    let t = frame.t;
    let title = found
        .text_in(t.language.code())
        .map(|text| text.title.clone())
        .unwrap_or_default();
    let back = format!("/publish/{}/{public_id}", kind.as_str());
    let page = ConfirmPage {
        heading: t.t(&format!("{key}-title")),
        text: t.t1(&format!("{key}-text"), "title", &title),
        action: format!("{back}/{action}"),
        csrf: visitor.csrf().to_string(),
        submit: t.t(key),
        back,
        frame,
    };
    respond_with(state, visitor, StatusCode::OK, &page)
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

/// `GET /publish/story/{id}/withdraw`: asks before withdrawing a story's consent.
pub async fn withdraw_confirm(
    State(state): State<AppState>,
    frame: Frame,
    Publisher(visitor): Publisher,
    Path(public_id): Path<String>,
) -> Result<Response> {
    confirm(
        &state,
        frame,
        &visitor,
        Kind::Story,
        &public_id,
        "withdraw",
        "consent-withdraw",
    )
    .await
}

/// `POST /publish/story/{id}/withdraw`: the story is deleted here and everywhere it was sent
/// (a `Delete`); the fact of the withdrawal is kept.
pub async fn withdraw(
    State(state): State<AppState>,
    Publisher(visitor): Publisher,
    Path(public_id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response> {
    visitor.check_csrf(FormValues::from_pairs(pairs).get("csrf"))?;
    let by = match visitor.account() {
        Some(account) => WithdrawnBy::Editor(account.account_id),
        None => WithdrawnBy::CommandLine,
    };
    outbox::withdraw_consent(&state, &public_id, by).await?;
    Ok(Redirect::to("/publish#withdrawn").into_response())
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
    frame: Frame,
    kinds: Vec<(String, String)>,
    rows: Vec<Row>,
    /// The stories whose consent was withdrawn: what stays of them.
    withdrawn: Vec<WithdrawnRow>,
}

/// What the publisher's page says of a withdrawn consent.
pub struct WithdrawnRow {
    pub public_id: String,
    pub given: String,
    pub withdrawn: String,
    pub how: String,
}
framed!(PublishPage);

/// `GET /publish`: what to publish, and the latest publications to edit or delete.
pub async fn index(
    State(state): State<AppState>,
    frame: Frame,
    Publisher(visitor): Publisher,
) -> Result<Response> {
    let t = frame.t;
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
        withdrawn: crate::domain::consent::withdrawals(state.db(), 100)
            .await?
            .into_iter()
            .map(|withdrawal| WithdrawnRow {
                given: [
                    withdrawal.given_on.clone().unwrap_or_default(),
                    withdrawal
                        .form
                        .as_ref()
                        .map(|form| t.t(&format!("consent-form-{form}")))
                        .unwrap_or_default(),
                ]
                .into_iter()
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" · "),
                withdrawn: t.date(&withdrawal.withdrawn_at.fixed_offset()),
                how: match &withdrawal.by {
                    Some(editor) => editor.clone(),
                    None if withdrawal.scheduled => t.t("consent-withdrawn-scheduled"),
                    None => String::new(),
                },
                public_id: withdrawal.public_id,
            })
            .collect(),
        frame,
    };
    respond_with(&state, &visitor, StatusCode::OK, &page)
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
