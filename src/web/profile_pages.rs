//! The organization's profile on the website: the admin page for its logo and header image
//! (`/admin/profile`), the favicon (its logo, or Jisr's mark), and the editors' pin button on a
//! publication's page (`/publish/{kind}/{id}/pin`).

use super::auth::{Admin, Publisher, Visitor};
use super::forms::FormValues;
use super::frame::{Frame, MessagePage, framed, respond_with};
use crate::app::AppState;
use crate::domain::images;
use crate::domain::publication::Kind;
use crate::error::{Error, FieldError, Reason, Result};
use crate::federation::actors::Picture;
use crate::federation::{outbox, profile};
use askama::Template;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

/// One picture on the profile page.
pub struct PictureView {
    /// The form field's name: `logo` or `header`.
    pub field: &'static str,
    pub label: String,
    pub current: Option<String>,
    /// The configuration key that sets it, when it does (no upload then).
    pub configured: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "admin_profile.html")]
struct ProfilePage {
    frame: Frame,
    csrf: String,
    pictures: Vec<PictureView>,
    saved: bool,
    error: Option<String>,
}
framed!(ProfilePage);

fn picture_of(field: &str) -> Option<Picture> {
    match field {
        "logo" => Some(Picture::Icon),
        "header" => Some(Picture::Header),
        _ => None,
    }
}

async fn profile_page(
    state: &AppState,
    frame: Frame,
    visitor: &Visitor,
    status: StatusCode,
    saved: bool,
    error: Option<String>,
) -> Result<Response> {
    let t = frame.t;
    let current = state.organization_pictures().await?;
    let urls = state.urls();
    let view =
        |field: &'static str, picture: Picture, label: &str, image: &Option<String>| PictureView {
            field,
            label: t.t(label),
            current: image.as_ref().map(|id| urls.media(id).path().to_string()),
            configured: picture.is_configured(state).then_some(picture.config_key()),
        };
    let page = ProfilePage {
        csrf: visitor.csrf().to_string(),
        pictures: vec![
            view("logo", Picture::Icon, "profile-logo", &current.icon_image),
            view(
                "header",
                Picture::Header,
                "profile-header",
                &current.header_image,
            ),
        ],
        saved,
        error,
        frame,
    };
    respond_with(state, visitor, status, &page)
}

/// `GET /admin/profile`.
pub async fn page(
    State(state): State<AppState>,
    frame: Frame,
    Admin(visitor): Admin,
) -> Result<Response> {
    profile_page(&state, frame, &visitor, StatusCode::OK, false, None).await
}

/// What the profile form sends: the CSRF token, new pictures, and pictures to remove.
pub struct ProfileForm {
    values: FormValues,
    uploads: Vec<(Picture, Vec<u8>)>,
}

impl FromRequest<AppState> for ProfileForm {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Error> {
        let limit = 2 * state.config().accounts.max_image_bytes + 100_000;
        super::editor::refuse_longer_than(
            &request,
            limit,
            "two images of accounts.max_image_bytes",
        )?;
        let mut multipart = Multipart::from_request(request, state)
            .await
            .map_err(|rejection| Error::BadRequest(rejection.body_text()))?;
        let bad = |error: axum::extract::multipart::MultipartError| {
            Error::BadRequest(format!("the form could not be read: {}", error.body_text()))
        };
        let mut pairs = Vec::new();
        let mut uploads = Vec::new();
        while let Some(field) = multipart.next_field().await.map_err(bad)? {
            let name = field.name().unwrap_or_default().to_string();
            if let Some(picture) = picture_of(&name) {
                let has_file = field.file_name().is_some_and(|file| !file.is_empty());
                let bytes = field.bytes().await.map_err(bad)?;
                if has_file && !bytes.is_empty() {
                    uploads.push((picture, bytes.to_vec()));
                }
            } else if matches!(name.as_str(), "csrf" | "remove") {
                pairs.push((name, field.text().await.map_err(bad)?));
            } else {
                return Err(Error::BadRequest(format!(
                    "the form has a field this page does not have: {:?}",
                    name.chars().take(100).collect::<String>()
                )));
            }
        }
        Ok(ProfileForm {
            values: FormValues::from_pairs(pairs),
            uploads,
        })
    }
}

/// `POST /admin/profile`: new pictures, or pictures removed; followers get an `Update`.
pub async fn save(
    State(state): State<AppState>,
    frame: Frame,
    Admin(visitor): Admin,
    form: ProfileForm,
) -> Result<Response> {
    visitor.check_csrf(form.values.get("csrf"))?;
    let removals: Vec<Picture> = form
        .values
        .all("remove")
        .iter()
        .filter_map(|field| picture_of(field))
        .collect();
    let mut changes: Vec<(Picture, Option<Vec<u8>>)> = removals
        .into_iter()
        .map(|picture| (picture, None))
        .collect();
    changes.extend(
        form.uploads
            .into_iter()
            .map(|(picture, bytes)| (picture, Some(bytes))),
    );
    for (picture, upload) in changes {
        match profile::set(&state, picture, upload).await {
            Ok(()) => {}
            Err(Error::Invalid(errors)) => {
                let reason = errors
                    .iter()
                    .map(|error| format!("{}: {}", error.field, super::forms::say(&frame.t, error)))
                    .collect::<Vec<_>>()
                    .join("; ");
                return profile_page(
                    &state,
                    frame,
                    &visitor,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    false,
                    Some(reason),
                )
                .await;
            }
            Err(error) => return Err(error),
        }
    }
    profile_page(&state, frame, &visitor, StatusCode::OK, true, None).await
}

/// The mark shown when the organization has no logo.
const JISR_MARK: &str = include_str!("../../static/favicon.svg");

/// `GET /favicon.ico`: the organization's logo, else Jisr's mark.
pub async fn favicon(State(state): State<AppState>) -> Result<Response> {
    let pictures = state.organization_pictures().await?;
    if let Some(icon) = pictures.icon_image {
        let found = images::find(state.db(), &icon).await?;
        return Ok((
            [
                (header::CONTENT_TYPE, found.content_type),
                (header::CACHE_CONTROL, "public, max-age=3600".to_string()),
            ],
            found.bytes,
        )
            .into_response());
    }
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JISR_MARK,
    )
        .into_response())
}

/// `POST /publish/{kind}/{id}/pin`: pins (`pinned=1`) or unpins (`pinned=0`) a publication on
/// the organization's profile, then shows its page again.
pub async fn pin(
    State(state): State<AppState>,
    frame: Frame,
    Publisher(visitor): Publisher,
    Path((kind, public_id)): Path<(String, String)>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    let kind = Kind::parse(&kind).ok_or(Error::NotFound)?;
    let pinned = match values.get("pinned") {
        "1" => true,
        "0" => false,
        _ => {
            let error = FieldError::of("pinned", Reason::OneOf).with("choices", "1, 0");
            return Err(error.into());
        }
    };
    match outbox::set_pinned(&state, kind, &public_id, pinned).await {
        Ok(publication) => {
            let page = state
                .urls()
                .publication(publication.kind, &publication.public_id);
            Ok(Redirect::to(page.path()).into_response())
        }
        Err(Error::Invalid(_)) => {
            let t = frame.t;
            let page = MessagePage {
                heading: t.t("pin-limit-title"),
                text: t.t1(
                    "pin-limit-text",
                    "count",
                    &crate::domain::publication::pins::MAX_PINNED.to_string(),
                ),
                details: Vec::new(),
                reason: None,
                next: None,
                frame,
            };
            respond_with(&state, &visitor, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(error) => Err(error),
    }
}
