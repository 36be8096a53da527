//! The organization's pictures, its logo (the actor's `icon`) and header image (`image`):
//! read from the files the configuration names (`instance.logo`, `instance.header_image`) at
//! start, or uploaded by an admin on the website. Every change reaches followers as an
//! `Update` of the actor, so Mastodon and GoToSocial show the new pictures.
//!
//! Invariant: a picture named in the configuration is the configuration's: an upload of it is
//! refused, and an unchanged file is not read again (its SHA-256 is kept beside the picture).

use super::actors::{self, Picture};
use super::outbox;
use crate::app::AppState;
use crate::domain::images;
use crate::error::{FieldError, Reason, Result};
use anyhow::Context;
use sha2::{Digest, Sha256};

impl Picture {
    /// The configuration key of this picture.
    pub fn config_key(self) -> &'static str {
        match self {
            Picture::Icon => "instance.logo",
            Picture::Header => "instance.header_image",
        }
    }

    /// The file the configuration names for this picture (empty for none).
    fn configured(self, state: &AppState) -> &str {
        let instance = &state.config().instance;
        match self {
            Picture::Icon => &instance.logo,
            Picture::Header => &instance.header_image,
        }
    }

    /// Whether the configuration sets this picture (so the website cannot).
    pub fn is_configured(self, state: &AppState) -> bool {
        !self.configured(state).is_empty()
    }
}

/// Reads the pictures the configuration names, when their files changed since last read.
pub async fn read_configured_pictures(state: &AppState) -> anyhow::Result<()> {
    let organization = state.actors().organization().local_actor_id;
    let mut changed = false;
    for picture in [Picture::Icon, Picture::Header] {
        let path = picture.configured(state);
        if path.is_empty() {
            continue;
        }
        let key = picture.config_key();
        let bytes = std::fs::read(path).with_context(|| format!("{key}: cannot read {path}"))?;
        let hash = format!("{:x}", Sha256::digest(&bytes));
        if actors::picture_source(state.db(), organization, picture)
            .await?
            .as_deref()
            == Some(hash.as_str())
        {
            continue;
        }
        let stored = images::store(
            state.db(),
            state.images(),
            bytes,
            state.config().accounts.max_image_bytes,
            None,
        )
        .await
        .map_err(|error| anyhow::anyhow!("{key}: {path}: {error}"))?;
        actors::set_picture(
            state.db(),
            organization,
            picture,
            Some(&stored.public_id),
            Some(&hash),
        )
        .await?;
        tracing::info!(%path, image = %stored.public_id, "{key} read");
        changed = true;
    }
    if changed {
        state.refresh_pictures().await?;
        outbox::update_organization(state).await?;
    }
    Ok(())
}

/// Sets a picture from an uploaded file, or removes it (`None`), and tells followers.
pub async fn set(state: &AppState, picture: Picture, upload: Option<Vec<u8>>) -> Result<()> {
    if picture.is_configured(state) {
        return Err(FieldError::of(picture.config_key(), Reason::SetInConfig)
            .with("key", picture.config_key())
            .into());
    }
    let image = match upload {
        Some(bytes) => Some(
            images::store(
                state.db(),
                state.images(),
                bytes,
                state.config().accounts.max_image_bytes,
                None,
            )
            .await?
            .public_id,
        ),
        None => None,
    };
    let organization = state.actors().organization().local_actor_id;
    actors::set_picture(state.db(), organization, picture, image.as_deref(), None).await?;
    state.refresh_pictures().await?;
    outbox::update_organization(state).await
}
