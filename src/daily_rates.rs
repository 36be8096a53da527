//! The daily fetch of the European Central Bank's reference rates (`remittances.ecb_url`):
//! at start and then every 24 hours, through the guarded HTTP client (no private addresses,
//! no redirects), at most [`MAX_BYTES`], read by `domain::remittances::rates` and kept in
//! `exchange_rate`. A failure is logged and tried again at the next turn; the rates already
//! kept stay.

use crate::app::AppState;
use crate::domain::remittances::rates;
use anyhow::{Context, bail};
use std::time::Duration;

/// The largest file read (the ECB's 90 days are about 30 kB, its full history about 1.5 MB).
pub const MAX_BYTES: usize = 4 * 1024 * 1024;

/// Fetches and keeps the rates once: how many were written.
pub async fn fetch_once(state: &AppState, url: &str) -> anyhow::Result<usize> {
    let url = url::Url::parse(url).context("remittances.ecb_url")?;
    state
        .peer_policy()
        .check_url(&url)
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    let mut response = state.http().get(url.clone()).send().await?;
    if !response.status().is_success() {
        bail!("{url} answered {}", response.status());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_BYTES {
            bail!("{url} sent more than {MAX_BYTES} bytes");
        }
    }
    let text = String::from_utf8(body).context("the rates file is not UTF-8")?;
    let read = rates::read_ecb(&text).map_err(|error| anyhow::anyhow!("{url}: {error}"))?;
    Ok(rates::import_ecb(state.db(), &read).await?)
}

/// Starts the daily fetch, unless `remittances.ecb_url` is empty.
pub fn spawn(state: &AppState) -> Option<tokio::task::JoinHandle<()>> {
    let url = state.config().remittances.ecb_url.clone();
    if url.is_empty() {
        return None;
    }
    let state = state.clone();
    Some(tokio::spawn(async move {
        let mut daily = tokio::time::interval(Duration::from_secs(24 * 3600));
        loop {
            daily.tick().await;
            match fetch_once(&state, &url).await {
                Ok(written) => tracing::info!(written, url = %url, "ECB reference rates fetched"),
                Err(error) => {
                    tracing::warn!(error = %error, url = %url, "ECB reference rates not fetched")
                }
            }
        }
    }))
}
