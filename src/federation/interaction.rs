//! Remote interaction: sending a visitor to their own server to follow one of our actors or to
//! open one of our publications there, through the OStatus subscribe template that their
//! WebFinger document names (`http://ostatus.org/schema/1.0/subscribe`, served by Mastodon,
//! GoToSocial, Misskey, Friendica and others).
//!
//! Invariant: the visitor's server is asked only through the peer policy (as every outgoing
//! request), and the address we send them to is the template of *their* server with one of
//! *our* URLs in it: never a URL the visitor chose.

use crate::app::AppState;
use crate::error::{FieldError, Reason, Result};
use url::Url;

/// The link relation of the subscribe template.
pub const SUBSCRIBE: &str = "http://ostatus.org/schema/1.0/subscribe";

/// Where `handle` (`@me@their.server`) follows or opens `ours` on their own server: their
/// subscribe template with `{uri}` replaced by `ours`, percent-encoded.
pub async fn remote_page(state: &AppState, handle: &str, ours: &Url) -> Result<Url> {
    let (_, document) = super::following::webfinger(state, handle)
        .await
        .map_err(|error| rename_field(error, "handle"))?;
    let template = document["links"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|link| link["rel"] == SUBSCRIBE)
        .and_then(|link| link["template"].as_str())
        .filter(|template| template.contains("{uri}") && template.len() <= 2048)
        .ok_or_else(|| FieldError::of("handle", Reason::NoRemoteInteraction))?;
    let encoded: String = url::form_urlencoded::byte_serialize(ours.as_str().as_bytes()).collect();
    Url::parse(&template.replace("{uri}", &encoded))
        .ok()
        .filter(|page| matches!(page.scheme(), "https" | "http") && page.host().is_some())
        .ok_or_else(|| FieldError::of("handle", Reason::NoRemoteInteraction).into())
}

/// The WebFinger lookup names its field `target` (the CLI's word); the form's is `handle`.
fn rename_field(error: crate::error::Error, field: &str) -> crate::error::Error {
    match error {
        crate::error::Error::Invalid(mut errors) => {
            for error in &mut errors {
                error.field = field.to_string();
            }
            crate::error::Error::Invalid(errors)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_subscribe_relation_is_the_one_mastodon_serves() {
        let fixture: serde_json::Value = serde_json::from_str(include_str!(
            "../../federation-tests/fixtures/mastodon/webfinger.json"
        ))
        .expect("fixture");
        let template = fixture["links"]
            .as_array()
            .expect("links")
            .iter()
            .find(|link| link["rel"] == super::SUBSCRIBE)
            .and_then(|link| link["template"].as_str())
            .expect("a subscribe template");
        assert!(template.ends_with("authorize_interaction?uri={uri}"));
    }
}
