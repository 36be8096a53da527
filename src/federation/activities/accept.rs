//! `Accept` and `Reject` of our `Follow`s: the followed actor answers; we match its answer by
//! our Follow's id (embedded or bare).

use super::{id_of, parse};
use crate::db::Tx;
use crate::error::Result;
use crate::federation::following;
use crate::federation::remote_actors::RemoteActor;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

#[derive(Debug, Deserialize)]
struct Answer {
    #[serde(deserialize_with = "id_of")]
    object: Url,
}

pub(super) async fn receive(
    tx: &mut Tx,
    kind: &str,
    activity: Value,
    signer: &RemoteActor,
) -> Result<()> {
    let answer: Answer = parse(kind, activity)?;
    let matched = if kind == "Accept" {
        following::accepted(tx, &answer.object, signer.url()).await?
    } else {
        following::rejected(tx, &answer.object, signer.url()).await?
    };
    tracing::info!(kind, actor = %signer.ap_id, follow = %answer.object, matched, "answer to our follow");
    Ok(())
}
