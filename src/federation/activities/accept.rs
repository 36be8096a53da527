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

/// An answer to one of our `Follow`s.
#[derive(Debug, Deserialize)]
pub struct Answer {
    #[serde(skip)]
    accepted: bool,
    #[serde(deserialize_with = "id_of")]
    object: Url,
}

impl Answer {
    /// Parses an `Accept` or a `Reject` (`kind`).
    pub(super) fn from_json(kind: &str, activity: Value) -> Result<Answer> {
        let mut answer: Answer = parse(kind, activity)?;
        answer.accepted = kind == "Accept";
        Ok(answer)
    }

    /// Our `Follow` it answers.
    pub fn object(&self) -> &Url {
        &self.object
    }
}

pub(super) async fn apply(tx: &mut Tx, answer: &Answer, signer: &RemoteActor) -> Result<()> {
    let matched = if answer.accepted {
        following::accepted(tx, &answer.object, signer.url()).await?
    } else {
        following::rejected(tx, &answer.object, signer.url()).await?
    };
    tracing::info!(accepted = answer.accepted, actor = %signer.ap_id, follow = %answer.object, matched, "answer to our follow");
    Ok(())
}
