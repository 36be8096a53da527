//! How an [`Error`] looks to a client: the one place that maps errors to HTTP statuses.
//!
//! Every 4xx carries its reason as plain text; 5xx reasons are logged with their cause chain and
//! the client sees only "something went wrong". The error itself rides along in the response's
//! extensions, so that the page routes can show it as a page (`web::frame::error_pages`).

use crate::error::Error;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

impl Error {
    /// The HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Gone => StatusCode::GONE,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Unavailable(_) | Error::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            Error::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let reason = if status.is_server_error() {
            if matches!(self, Error::Internal(_)) {
                tracing::error!(error = ?self, "internal error");
                "something went wrong".to_string()
            } else {
                tracing::warn!(error = %self, "unavailable");
                self.to_string()
            }
        } else {
            tracing::info!(status = status.as_u16(), reason = %self, "request refused");
            self.to_string()
        };
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{reason}\n"),
        )
            .into_response();
        // For the page routes' error pages (`web::frame::error_pages`).
        response
            .extensions_mut()
            .insert(crate::web::frame::Refusal(std::sync::Arc::new(self)));
        let retry_after = match response
            .extensions()
            .get::<crate::web::frame::Refusal>()
            .map(|refusal| refusal.0.as_ref())
        {
            Some(Error::TooManyRequests { retry_after, .. }) => Some(*retry_after),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from_str(&seconds.max(1).to_string())
                    .unwrap_or(header::HeaderValue::from_static("60")),
            );
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
        }
        response
    }
}
