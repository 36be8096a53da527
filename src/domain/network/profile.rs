//! Who an actor of the network is, as its own server describes it: the name, avatar and summary
//! cards and the directory show, and for organizations their countries, languages, sectors and
//! website.
//!
//! Invariant: every field was bounded and sanitized when its actor document was read
//! (`federation::remote_actors`); nothing here is trusted further than display.

use serde::{Deserialize, Serialize};
use url::Url;

/// A remote actor's public profile.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Profile {
    pub ap_id: String,
    /// `Organization`, `Group`, `Application`, `Person` or `Service`.
    pub actor_type: String,
    pub username: Option<String>,
    /// Its display name; may be empty.
    pub name: String,
    pub icon_url: Option<String>,
    /// Sanitized HTML.
    pub summary_html: String,
    /// Its page for people.
    pub url: Option<String>,
    pub details: ProfileDetails,
}

/// What an organization says of itself besides its name (our namespace's terms, or Mastodon
/// profile fields), as JSON in `remote_actor.profile`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProfileDetails {
    /// ISO 3166-1 alpha-2 codes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub countries_of_origin: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub countries_of_residence: Vec<String>,
    /// BCP 47 tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    /// What it works on, in its own words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sectors: Vec<String>,
    /// Its website (http or https).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// The areas a confirmed expert of another Jisr instance advises on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expert_areas: Vec<String>,
    /// Where another Jisr organization lists its confirmed experts (our namespace's `experts`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experts: Option<String>,
}

impl Profile {
    /// `@username@host`, or its id when it has no username.
    pub fn handle(&self) -> String {
        let host = Url::parse(&self.ap_id).ok().and_then(|url| {
            url.host_str().map(|host| match url.port() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_string(),
            })
        });
        match (&self.username, host) {
            (Some(username), Some(host)) => format!("@{username}@{host}"),
            _ => self.ap_id.clone(),
        }
    }

    /// Its name, else its username, else its handle.
    pub fn display_name(&self) -> String {
        if !self.name.is_empty() {
            return self.name.clone();
        }
        self.username.clone().unwrap_or_else(|| self.handle())
    }

    /// Whether it speaks for an organization (an `Organization`, a `Group` or an
    /// `Application` actor, as Gancio's and Mobilizon's are), not a person.
    pub fn is_organization(&self) -> bool {
        matches!(
            self.actor_type.as_str(),
            "Organization" | "Group" | "Application"
        )
    }

    /// Its page for people: its `url`, else its id.
    pub fn page(&self) -> &str {
        self.url.as_deref().unwrap_or(&self.ap_id)
    }
}
