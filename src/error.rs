//! The one error type of Jisr: what can go wrong, in our words.
//!
//! This module knows nothing of HTTP; `web::error` decides how each variant is shown to a client
//! (status code and reason). Internal errors keep their cause chain for the log and are never shown.

/// Everything a Jisr operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing asked for does not exist (or is not ours to show).
    #[error("not found")]
    NotFound,
    /// The thing asked for existed and was deleted.
    #[error("gone")]
    Gone,
    /// A request's HTTP signature, digest or date did not verify; the reason says which.
    #[error("{0}")]
    Unauthorized(String),
    /// The request is understood but refused (a blocked domain, a forged origin).
    #[error("{0}")]
    Forbidden(String),
    /// The request is malformed (not JSON, not an activity, a bad header); retrying cannot help.
    #[error("{0}")]
    BadRequest(String),
    /// The request body is larger than we accept; the reason says the limit.
    #[error("{0}")]
    TooLarge(String),
    /// Fields of the input are invalid; each names the field and says why.
    #[error("invalid input: {}", FieldError::list(.0))]
    Invalid(Vec<FieldError>),
    /// Something we depend on (a remote server) cannot answer right now; retrying may help.
    #[error("{0}")]
    Unavailable(String),
    /// The request took longer than we allow.
    #[error("timed out")]
    Timeout,
    /// A bug or an environment failure (database down, disk full). Logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// One invalid field of an input, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field's path, e.g. `text.ar.title` or `event.starts_at`.
    pub field: String,
    /// What is wrong, in words a person can act on.
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            reason: reason.into(),
        }
    }

    fn list(errors: &[FieldError]) -> String {
        errors
            .iter()
            .map(|error| format!("{}: {}", error.field, error.reason))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// `Result` with Jisr's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An [`Error::Invalid`] for one `field`.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(field, reason)])
    }

    /// An [`Error::Internal`] from a message.
    pub fn internal(message: impl std::fmt::Display) -> Self {
        Error::Internal(anyhow::anyhow!("{message}"))
    }
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::RowNotFound => Error::NotFound,
            other => Error::Internal(anyhow::Error::new(other).context("database")),
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        Error::Internal(anyhow::Error::new(error).context("json"))
    }
}

impl From<activitypub_federation::error::Error> for Error {
    fn from(error: activitypub_federation::error::Error) -> Self {
        use activitypub_federation::error::Error as Federation;
        match error {
            Federation::NotFound => Error::NotFound,
            Federation::ObjectDeleted(url) => Error::Unavailable(format!("{url} is deleted")),
            Federation::UrlVerificationError(reason) => Error::Forbidden(reason.to_string()),
            Federation::FetchInvalidContentType(url) => {
                Error::Unavailable(format!("{url} did not answer with an ActivityPub document"))
            }
            Federation::FetchWrongId(url) => {
                Error::Unavailable(format!("{url} answered with a document of another id"))
            }
            Federation::ParseFetchedObject(error, url, _) => Error::Unavailable(format!(
                "{url} answered with an unreadable document: {error}"
            )),
            Federation::RequestLimit => {
                Error::Unavailable("too many fetches for one request".to_string())
            }
            Federation::ResolveInternalIpError(host, _) => {
                Error::Forbidden(format!("{host} resolves to a private address"))
            }
            other => Error::Unavailable(format!("fetch failed: {other}")),
        }
    }
}
