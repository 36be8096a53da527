//! The editors' JSON API: publish, edit, delete and read stories, events, opportunities and
//! resources. Authenticated by bearer tokens (`jisr token create`); errors are JSON, and a 422
//! names every invalid field.
//!
//! `POST /api/v1/{kinds}` · `GET /api/v1/{kinds}` · `GET|PUT|DELETE /api/v1/{kinds}/{id}`,
//! where `{kinds}` is `stories`, `events`, `opportunities` or `resources`.

mod publications;

use crate::app::AppState;
use crate::domain::tokens;
use crate::error::Error;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

/// The API routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/{kinds}",
            get(publications::list).post(publications::create),
        )
        .route(
            "/api/v1/{kinds}/{public_id}",
            get(publications::show)
                .put(publications::update)
                .delete(publications::delete),
        )
}

/// An [`Error`] shown as JSON: `{"error": "...", "fields": [{"field", "reason"}]}`.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        ApiError(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let body = match &self.0 {
            Error::Invalid(fields) => json!({"error": "invalid input", "fields": fields}),
            Error::Internal(_) => {
                tracing::error!(error = ?self.0, "internal error");
                json!({"error": "something went wrong"})
            }
            other => json!({"error": other.to_string()}),
        };
        let mut response = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// The editor behind a request's bearer token.
#[derive(Debug, Clone)]
pub struct Editor(pub tokens::Token);

impl FromRequestParts<AppState> for Editor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or_else(|| {
                Error::Unauthorized("send an API token: Authorization: Bearer jisr_…".to_string())
            })?;
        Ok(Editor(
            tokens::authenticate(state.db(), token.trim()).await?,
        ))
    }
}
