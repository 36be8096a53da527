//! Signing and POSTing one delivery, and reading what the answer means.

use crate::app::AppState;
use crate::federation::signature;
use chrono::{Duration, Utc};
use http::{Method, StatusCode};
use url::Url;

/// What became of one POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SendResult {
    /// 2xx.
    Delivered,
    /// Worth retrying (network error, 5xx, 401, 408, 429), after `retry_after` if the peer said.
    /// `host_down` when the host itself failed (network error or 5xx), not just this request.
    Retry {
        reason: String,
        retry_after: Option<Duration>,
        host_down: bool,
    },
    /// Retrying cannot help (other 4xx, 501, 3xx, a refused URL).
    Permanent(String),
}

/// Signs `body` as the local actor and POSTs it to `inbox`.
pub(crate) async fn send(
    state: &AppState,
    local_actor_id: i64,
    inbox: &str,
    body: &[u8],
) -> SendResult {
    let actor = match state.actors().by_id(state.db(), local_actor_id).await {
        Ok(Some(actor)) => actor,
        Ok(None) => {
            return SendResult::Permanent("the sending actor no longer exists".to_string());
        }
        Err(error) => {
            return SendResult::Retry {
                reason: format!("cannot read the sending actor: {error}"),
                retry_after: None,
                host_down: false,
            };
        }
    };
    let Ok(inbox) = Url::parse(inbox) else {
        return SendResult::Permanent("the inbox is not a URL".to_string());
    };
    if let Err(error) = state.peer_policy().check_url(&inbox) {
        return SendResult::Permanent(error.to_string());
    }
    let headers = signature::sign_request(
        &Method::POST,
        &inbox,
        Some(body),
        &actor.key_id,
        &actor.key,
        Utc::now(),
    );
    let mut request = state
        .http()
        .post(inbox.clone())
        .header("content-type", crate::federation::ACTIVITY_CONTENT_TYPE)
        .header("accept", crate::federation::ACTIVITY_CONTENT_TYPE)
        .body(body.to_vec());
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = match request.send().await {
        Ok(response) => response,
        Err(error) => {
            return SendResult::Retry {
                reason: format!("network: {}", error_chain(&error)),
                retry_after: None,
                host_down: true,
            };
        }
    };
    let status = response.status();
    if status.is_success() {
        return SendResult::Delivered;
    }
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(parse_retry_after);
    let reason = format!("{inbox} answered {status}");
    if is_retryable(status) {
        SendResult::Retry {
            reason,
            retry_after,
            host_down: status.is_server_error(),
        }
    } else {
        SendResult::Permanent(reason)
    }
}

/// Mastodon's rule: 401, 408, 429 and 5xx (but 501) may pass; other 4xx cannot, and neither
/// can a redirect (an inbox that moves must be refetched from its actor).
pub(crate) fn is_retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 401 | 408 | 429)
        || (status.is_server_error() && status != StatusCode::NOT_IMPLEMENTED)
}

/// `Retry-After` as seconds or an HTTP date, capped at a day.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let seconds = match value.trim().parse::<i64>() {
        Ok(seconds) => seconds,
        Err(_) => (signature::parse_http_date(value)? - Utc::now()).num_seconds(),
    };
    Some(Duration::seconds(seconds.clamp(0, 86_400)))
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
