//! `Flag`: another server reports something of ours, or something we keep (a post in one of
//! our forums, a reply under our publications). Mastodon sends it from its instance actor with
//! `object` an array (the reported actor, then their objects) and the comment in `content`;
//! Lemmy from the reporting user, with one object and the reason in `summary`. The report joins
//! the moderators' queue, its origin shown; a `Flag` naming nothing we know is ignored, and so
//! is one from a domain whose reports we reject (`reject_reports`).

use super::{Effect, parse};
use crate::app::AppState;
use crate::domain::reports::{self, NewReport, Reason, Reporter};
use crate::error::Result;
use crate::federation::remote_actors::RemoteActor;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

/// A received `Flag`.
#[derive(Debug, Deserialize)]
pub struct FlagIn {
    id: Url,
    #[serde(default)]
    object: Value,
    #[serde(default)]
    content: Option<Value>,
    #[serde(default)]
    summary: Option<Value>,
    /// The first id it names.
    #[serde(skip)]
    first: Option<Url>,
}

impl FlagIn {
    pub(super) fn from_json(activity: Value) -> Result<FlagIn> {
        let mut flag: FlagIn = parse("Flag", activity)?;
        flag.first = ids(&flag.object).into_iter().next();
        Ok(flag)
    }

    /// The first id it names.
    pub fn object_id(&self) -> Option<&Url> {
        self.first.as_ref()
    }
}

/// The ids `object` names (an id, an object with an id, or an array of those), at most
/// [`reports::MAX_OBJECTS`].
fn ids(object: &Value) -> Vec<Url> {
    let one = |value: &Value| {
        value
            .as_str()
            .or_else(|| value["id"].as_str())
            .filter(|id| id.len() <= crate::federation::remote_actors::MAX_URL_CHARS)
            .and_then(|id| Url::parse(id).ok())
    };
    match object {
        Value::Array(items) => items
            .iter()
            .take(reports::MAX_OBJECTS)
            .filter_map(one)
            .collect(),
        other => one(other).into_iter().collect(),
    }
}

fn text(value: &Option<Value>) -> String {
    match value {
        Some(Value::String(text)) => crate::domain::text::html_to_text(text),
        _ => String::new(),
    }
}

pub(super) async fn prepare(
    state: &AppState,
    flag: FlagIn,
    signer: &RemoteActor,
) -> Result<Effect> {
    let host = signer.url().host_str().unwrap_or_default();
    let rejects_reports = state
        .peer_policy()
        .domains()
        .covering(host)
        .is_some_and(|policy| policy.reject_reports);
    if rejects_reports {
        tracing::info!(actor = %signer.ap_id, "a report from a domain whose reports we reject; ignored");
        return Ok(Effect::Ignored);
    }
    // The objects we know, in the order given; the actor reported is the first actor among
    // them, else the author of the first.
    let mut known = Vec::new();
    for id in ids(&flag.object) {
        if let Some(target) = crate::federation::reports::target(state, id.as_str()).await? {
            known.push(target);
        }
    }
    let Some(first) = known.first() else {
        tracing::info!(flag = %flag.id, "a report naming nothing we know; ignored");
        return Ok(Effect::Ignored);
    };
    let actor = known
        .iter()
        .find(|target| {
            matches!(
                target.kind,
                reports::TargetKind::Member | reports::TargetKind::Actor
            )
        })
        .unwrap_or(first)
        .actor
        .clone();
    let kind = known
        .iter()
        .find(|target| {
            !matches!(
                target.kind,
                reports::TargetKind::Member | reports::TargetKind::Actor
            )
        })
        .unwrap_or(first)
        .kind;
    let comment = [text(&flag.content), text(&flag.summary)]
        .into_iter()
        .filter(|text| !text.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    let comment: String = comment.chars().take(reports::MAX_COMMENT_CHARS).collect();
    Ok(Effect::Report(Box::new(NewReport {
        reporter: Reporter::Remote {
            actor: signer.ap_id.clone(),
            flag: flag.id.to_string(),
        },
        target_actor: actor,
        objects: known.into_iter().map(|target| target.object).collect(),
        target_kind: kind,
        reason: Reason::of_remote(&comment),
        comment,
        forward: false,
    })))
}

pub(super) async fn apply(tx: &mut crate::db::Tx, report: &NewReport) -> Result<()> {
    let stored = reports::store(tx, report).await?;
    tracing::info!(report = ?stored, actor = %report.target_actor, "a report from another server");
    Ok(())
}
