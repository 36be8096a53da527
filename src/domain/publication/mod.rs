//! Publications: what the four kinds (stories, events, opportunities, library resources) share,
//! as types: multilingual [`Text`], hashtags, GCM objectives, countries, the kind's own
//! [`Details`], a validated [`Draft`] and a stored [`Publication`].
//!
//! Where to look next, one job per module:
//! - `input.rs`: a publication as given ([`Input`], from JSON or TOML) and its validation into a
//!   [`Draft`], every bad field named at once;
//! - `storage.rs`: the publish / edit / delete life cycle and finding one publication, over the
//!   `publication` and `publication_text` tables;
//! - `listing.rs`: the lists of published publications ([`Listing`], [`Filters`]) and counts;
//! - `index.rs`: the rows list filters look up (countries, objectives, hashtags, the kind's
//!   filtered fields, images shown), kept in step with each write;
//! - `pins.rs`: the publications pinned to the organization's profile.
//!
//! Invariants: a public id is never reused (a deleted publication keeps its row, its texts are
//! erased); texts are stored with their rendered, sanitized HTML; the default language's text
//! comes first.

mod index;
mod input;
mod listing;
pub mod pins;
mod storage;

pub use index::{FILTER_FIELDS, Filters};
pub use input::{Input, TextInput};
pub use listing::{
    Key, LONG_EVENT, Listing, Table, by_author, by_ids, by_ids_with, count, count_federated,
    explain_keys, is_long_event, last_change, list, list_filtered, list_where, ordered_keys,
};
pub use storage::{create, delete, find, new_public_id, update};

use super::event::EventDetails;
use super::opportunity::OpportunityDetails;
use super::resource::ResourceDetails;
use super::story::StoryDetails;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The four kinds of publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Story,
    Event,
    Opportunity,
    Resource,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Story, Kind::Event, Kind::Opportunity, Kind::Resource];

    /// `story`, `event`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Story => "story",
            Kind::Event => "event",
            Kind::Opportunity => "opportunity",
            Kind::Resource => "resource",
        }
    }

    /// `stories`, `events`, … (used in paths).
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Story => "stories",
            Kind::Event => "events",
            Kind::Opportunity => "opportunities",
            Kind::Resource => "resources",
        }
    }

    /// The kind named `name`, singular or plural.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name || kind.plural() == name)
    }
}

/// Whether publications are read with their bodies (Markdown and HTML; a network item's
/// content), or without them, as cards, calendars and the calendar feed show them (titles and
/// summaries): then the bodies are empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bodies {
    Included,
    Left,
}

/// One language version of a publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Text {
    pub language: String,
    pub title: String,
    pub summary: String,
    pub body_markdown: String,
    pub body_html: String,
}

/// The fields only one kind has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Details {
    Story(StoryDetails),
    Event(EventDetails),
    Opportunity(OpportunityDetails),
    Resource(ResourceDetails),
}

impl Details {
    /// Its image: a story's (when its consent allows it), an event's banner.
    pub fn image(&self) -> Option<&crate::domain::story::Image> {
        match self {
            Details::Story(story) => story.shown_image(),
            Details::Event(event) => event.image.as_deref(),
            Details::Opportunity(_) | Details::Resource(_) => None,
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            Details::Story(_) => Kind::Story,
            Details::Event(_) => Kind::Event,
            Details::Opportunity(_) => Kind::Opportunity,
            Details::Resource(_) => Kind::Resource,
        }
    }
}

/// A validated publication, before it is stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Draft {
    pub default_language: String,
    /// The default language's text first.
    pub texts: Vec<Text>,
    pub hashtags: Vec<String>,
    pub gcm_objectives: Vec<u8>,
    /// The categories of Objective 19 (1 to 9), only with objective 19.
    pub gcm_categories: Vec<u8>,
    /// The account it is by (its byline), besides the organization that publishes it; an
    /// active account (checked when it is stored).
    pub author: Option<i64>,
    pub countries_of_origin: Vec<String>,
    pub countries_of_residence: Vec<String>,
    pub details: Details,
}

/// A stored publication.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Publication {
    pub publication_id: i64,
    /// The id in URLs; never reused.
    pub public_id: String,
    pub kind: Kind,
    #[serde(flatten)]
    pub draft: Draft,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// When an editor pinned it to the organization's profile.
    pub pinned_at: Option<DateTime<Utc>>,
    /// Who it is by, when its author is an active account (read with it).
    #[serde(skip)]
    pub byline: Option<Byline>,
}

/// Who a publication is by, besides the organization that publishes it: a member (a person or
/// a member organization), for its byline and its profile link.
#[derive(Debug, Clone, PartialEq)]
pub struct Byline {
    pub account_id: i64,
    pub name: String,
    /// A member organization rather than a person.
    pub organization: bool,
}

impl Publication {
    /// The text in the default language.
    pub fn text(&self) -> Option<&Text> {
        self.draft.texts.first()
    }

    /// The text in `language`, else the default one.
    pub fn text_in(&self, language: &str) -> Option<&Text> {
        self.draft
            .texts
            .iter()
            .find(|text| text.language == language)
            .or_else(|| self.text())
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// Whether it may be sent to other servers: not a story whose consent keeps it on this
    /// website.
    pub fn federated(&self) -> bool {
        match &self.draft.details {
            Details::Story(story) => story.federated(),
            _ => true,
        }
    }

    /// Who it is by, as shown: none for a story that hides its subject's name, whose author
    /// may be that person.
    pub fn shown_byline(&self) -> Option<&Byline> {
        match &self.draft.details {
            Details::Story(story) if story.consent.hide_name => None,
            _ => self.byline.as_ref(),
        }
    }

    /// Whether search may index it (ours, other servers', search engines').
    pub fn indexable(&self) -> bool {
        match &self.draft.details {
            Details::Story(story) => story.indexable(),
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests;
