//! `/api/v1/{kinds}`: the four kinds of publication through one set of handlers.

use super::{ApiError, Editor};
use crate::app::AppState;
use crate::domain::publication::{self, Input, Kind, Publication};
use crate::error::Error;
use crate::federation::outbox;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

type ApiResult<T> = Result<T, ApiError>;

fn kind(kinds: &str) -> Result<Kind, Error> {
    Kind::parse(kinds)
        .filter(|kind| kind.plural() == kinds)
        .ok_or(Error::NotFound)
}

/// Who reads a publication: an editor (who wrote or changed it with a token), or anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    Editor,
    Anyone,
}

/// A publication as the API shows it: its fields plus its `url`. A story's consent record is
/// for editors only: what its subject agreed to is nobody else's business; so are the name and
/// the place it hides.
fn view(state: &AppState, publication: &Publication, reader: Reader) -> Value {
    let mut value = serde_json::to_value(publication).unwrap_or_default();
    if reader == Reader::Anyone
        && let Some(story) = value
            .get_mut("details")
            .and_then(|details| details.get_mut("story"))
            .and_then(Value::as_object_mut)
    {
        story.remove("consent");
        if let crate::domain::publication::Details::Story(details) = &publication.draft.details {
            if details.consent.hide_name {
                story.remove("subject_name");
            }
            if details.consent.hide_place {
                story.remove("subject_place");
            }
            if !details.consent.images {
                story.remove("image");
            }
        }
    }
    value["url"] = json!(
        state
            .urls()
            .publication(publication.kind, &publication.public_id)
    );
    value
}

fn parse(state: &AppState, kind: Kind, body: &[u8]) -> Result<publication::Draft, Error> {
    Input::from_json(body)?.validate(kind, &state.config().instance.languages)
}

/// `POST /api/v1/{kinds}`: publish; 201 with the publication.
pub async fn create(
    State(state): State<AppState>,
    Path(kinds): Path<String>,
    _editor: Editor,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let draft = parse(&state, kind(&kinds)?, &body)?;
    let created = outbox::publish(&state, &draft).await?;
    Ok((
        StatusCode::CREATED,
        Json(view(&state, &created, Reader::Editor)),
    ))
}

/// `PUT /api/v1/{kinds}/{id}`: replace the content; followers get an `Update`.
pub async fn update(
    State(state): State<AppState>,
    Path((kinds, public_id)): Path<(String, String)>,
    _editor: Editor,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let kind = kind(&kinds)?;
    let draft = parse(&state, kind, &body)?;
    let updated = outbox::edit(&state, kind, &public_id, &draft).await?;
    Ok(Json(view(&state, &updated, Reader::Editor)))
}

/// `DELETE /api/v1/{kinds}/{id}`: delete; followers get a `Delete`; the id answers 410.
pub async fn delete(
    State(state): State<AppState>,
    Path((kinds, public_id)): Path<(String, String)>,
    _editor: Editor,
) -> ApiResult<StatusCode> {
    outbox::remove(&state, kind(&kinds)?, &public_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/{kinds}/{id}`.
pub async fn show(
    State(state): State<AppState>,
    Path((kinds, public_id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let found = publication::find(state.db(), kind(&kinds)?, &public_id).await?;
    if found.is_deleted() {
        return Err(Error::Gone.into());
    }
    Ok(Json(view(&state, &found, Reader::Anyone)))
}

/// `?page=N` (from 1).
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    page: Option<i64>,
}

const PAGE_SIZE: i64 = 20;

/// `GET /api/v1/{kinds}?page=N`: newest first.
pub async fn list(
    State(state): State<AppState>,
    Path(kinds): Path<String>,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let kind = kind(&kinds)?;
    let page = query.page.unwrap_or(1).max(1);
    let items =
        publication::list(state.db(), Some(kind), (page - 1) * PAGE_SIZE, PAGE_SIZE).await?;
    let total = publication::count(state.db(), Some(kind)).await?;
    Ok(Json(json!({
        "total": total,
        "page": page,
        "items": items.iter().map(|item| view(&state, item, Reader::Anyone)).collect::<Vec<_>>(),
    })))
}
