//! The experts of the Jisr instances we follow, for our experts directory: when we follow an
//! organization (or a forum) of another Jisr instance, we read the collection its actor names
//! in our namespace's `experts` and fetch each expert's actor, whose document says their
//! confirmed areas (`expertAreas`). After that, the other instance tells us of changes with
//! the expert's `Update` (and `Delete`), which `activities::create` stores.
//!
//! Bounds: at most [`MAX_EXPERTS`] actors read from one collection, only on the followed
//! actor's own server; the reading runs after the follow, on its own task, and a failure is
//! logged (the directory lists what was fetched).

use super::origin::same_origin;
use super::remote_actors;
use crate::app::AppState;
use serde_json::Value;
use url::Url;

/// The most experts read from one organization's collection.
pub const MAX_EXPERTS: usize = 200;

/// Reads, on its own task, the experts of `followed` (an actor we just followed), if its
/// document names an `experts` collection.
pub fn learn(state: &AppState, followed: Url) {
    let state = state.clone();
    tokio::spawn(async move {
        match read(&state, &followed).await {
            Ok(count) => {
                tracing::info!(actor = %followed, count, "experts of a followed actor read")
            }
            Err(error) => {
                tracing::info!(actor = %followed, %error, "experts of a followed actor not read")
            }
        }
    });
}

/// Fetches the experts collection of `followed` and each actor in it; returns how many were
/// stored (the command line waits for it; the website runs it on its own task, [`learn`]).
pub async fn read(state: &AppState, followed: &Url) -> crate::error::Result<usize> {
    let Some(profile) = remote_actors::profile(state.db(), followed.as_str()).await? else {
        return Ok(0);
    };
    let Some(collection) = profile
        .details
        .experts
        .as_deref()
        .and_then(|url| Url::parse(url).ok())
        .filter(|url| same_origin(url, followed))
    else {
        return Ok(0);
    };
    let data = state.federation_data()?;
    let fetched =
        activitypub_federation::fetch::fetch_object_http::<AppState, Value>(&collection, &data)
            .await?;
    let mut stored = 0;
    for id in members(&fetched.object)
        .into_iter()
        .filter(|id| same_origin(id, followed))
        .take(MAX_EXPERTS)
    {
        match remote_actors::refresh(state, id.clone()).await {
            Ok(_) => stored += 1,
            Err(error) => tracing::info!(expert = %id, %error, "an expert's actor not fetched"),
        }
    }
    Ok(stored)
}

/// The ids an `OrderedCollection` (or a `Collection`) lists on its first page, embedded.
fn members(collection: &Value) -> Vec<Url> {
    let items = collection
        .get("orderedItems")
        .or_else(|| collection.get("items"))
        .and_then(Value::as_array);
    items
        .into_iter()
        .flatten()
        .filter_map(|item| item.as_str().or_else(|| item["id"].as_str()))
        .filter_map(|id| Url::parse(id).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_are_read_as_ids_or_objects() {
        let collection = json!({
            "type": "OrderedCollection",
            "orderedItems": ["https://a.example/actors/dina", {"id": "https://a.example/actors/efe"}, 7, "not a url"],
        });
        let ids: Vec<String> = members(&collection).iter().map(Url::to_string).collect();
        assert_eq!(
            ids,
            [
                "https://a.example/actors/dina",
                "https://a.example/actors/efe"
            ]
        );
        assert!(members(&json!({"type": "OrderedCollection"})).is_empty());
    }
}
