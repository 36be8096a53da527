//! The directory's entries (`/directory`): our organization as its actor document describes it
//! (the configuration's countries, languages and sectors), then the remote actors
//! [`remote_actors::directory`] finds: those we follow, our followers that are organizations,
//! and the authors of the network content we keep.
//!
//! Invariant: at most [`MAX_ENTRIES`] in all, ourselves always among them.

use super::remote_actors;
use crate::app::AppState;
use crate::domain::directory::{Entry, MAX_ENTRIES};
use crate::domain::network::{Profile, ProfileDetails};
use crate::error::Result;

/// Every organization of the directory, unsorted (`domain::directory::sort` orders them).
pub async fn entries(state: &AppState) -> Result<Vec<Entry>> {
    let organization = state.actors().organization();
    let mut entries = vec![ourselves(state)];
    entries.extend(
        remote_actors::directory(state.db(), organization.local_actor_id, MAX_ENTRIES - 1).await?,
    );
    Ok(entries)
}

/// Our organization, with what its actor document says of it.
fn ourselves(state: &AppState) -> Entry {
    let organization = state.actors().organization();
    let instance = &state.config().instance;
    Entry {
        profile: Profile {
            ap_id: organization.id.to_string(),
            actor_type: organization.kind.activity_type().to_string(),
            username: Some(organization.username.clone()),
            name: organization.display_name.clone(),
            icon_url: state
                .pictures_now()
                .icon_image
                .as_ref()
                .map(|id| state.urls().media(id).to_string()),
            summary_html: format!(
                "<p>{}</p>",
                crate::domain::text::escape_html(&organization.summary)
            ),
            url: Some(organization.id.to_string()),
            details: ProfileDetails {
                countries_of_origin: instance.countries_of_origin.clone(),
                countries_of_residence: instance.countries_of_residence.clone(),
                languages: instance.languages.clone(),
                sectors: instance.sectors.clone(),
                website: None,
                expert_areas: Vec::new(),
                experts: None,
            },
        },
        is_us: true,
        we_follow: false,
        follows_us: false,
    }
}
