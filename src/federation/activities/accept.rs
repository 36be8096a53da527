//! `Accept` and `Reject` of our `Follow`s and of our members' `Join`s (and FEP-8a8e's
//! `Ignore` of a Join): we match an answer by the id of what it answers (embedded or bare),
//! a follow first, then a Join.

use super::{id_of, parse};
use crate::db::Tx;
use crate::error::Result;
use crate::federation::remote_actors::RemoteActor;
use crate::federation::{following, rsvp};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

/// An answer to one of our `Follow`s.
#[derive(Debug, Deserialize)]
pub struct Answer {
    #[serde(skip)]
    accepted: bool,
    /// An `Ignore`: answers only a Join.
    #[serde(skip)]
    ignored: bool,
    #[serde(deserialize_with = "id_of")]
    object: Url,
}

impl Answer {
    /// Parses an `Accept`, a `Reject` or an `Ignore` (`kind`).
    pub(super) fn from_json(kind: &str, activity: Value) -> Result<Answer> {
        let mut answer: Answer = parse(kind, activity)?;
        answer.accepted = kind == "Accept";
        answer.ignored = kind == "Ignore";
        Ok(answer)
    }

    /// Our `Follow` it answers.
    pub fn object(&self) -> &Url {
        &self.object
    }
}

pub(super) async fn apply(tx: &mut Tx, answer: &Answer, signer: &RemoteActor) -> Result<()> {
    let follow = if answer.ignored {
        false
    } else if answer.accepted {
        following::accepted(tx, &answer.object, signer.url()).await?
    } else {
        following::rejected(tx, &answer.object, signer.url()).await?
    };
    let join = !follow && rsvp::answered(tx, &answer.object, signer.url(), answer.accepted).await?;
    tracing::info!(accepted = answer.accepted, actor = %signer.ap_id, object = %answer.object, follow, join, "answer to our follow or join");
    Ok(())
}
