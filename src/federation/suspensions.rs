//! Suspending and limiting single accounts, ours or another server's, and lifting that: what
//! each decision does at once, in the transaction that records it with its audit entry.
//!
//! - **Suspend a member**: their account is disabled (they are logged out; their actor answers
//!   410), a `Delete` of their actor goes to its followers and to the other Jisr instances that
//!   follow us, and their replies and forum posts are hidden.
//! - **Suspend another server's actor**: nothing it sends is taken (its activities get 403),
//!   it no longer follows any of our actors, and its replies, forum posts and network items are
//!   hidden.
//! - **Limit** either: their replies and forum posts wait for a moderator from then on.
//! - **Lift**: what a suspension hid is shown again as it was; a member's account is active
//!   again and their actor's `Update` tells its followers. Follows that a suspension removed
//!   are not restored (the other side follows again).
//!
//! Each process sees a change within [`super::policy::RELOAD_EVERY`], its own at once.

use super::urls::ActorPath;
use crate::app::AppState;
use crate::domain::account_policy::{self, AccountSeverity, Hidden};
use crate::domain::accounts::{self, Change};
use crate::domain::audit::{self, Who};
use crate::error::{Error, FieldError, Reason, Result};
use serde_json::json;
use url::Url;

/// The account a decision is about.
#[derive(Debug, Clone)]
pub struct Subject {
    /// Its actor's id.
    pub actor_ap_id: String,
    /// One of our members: `(account, their actor's row)`.
    pub member: Option<(i64, i64)>,
}

/// The account that `text` names: an actor's id, `@name@host` (a member's, or another
/// server's actor we have stored) or a member's username. A 422 when it names none of them,
/// or one of the server's own actors (the organization, the instance, a forum).
pub async fn subject(state: &AppState, text: &str) -> Result<Subject> {
    let text = text.trim();
    let unknown = || Error::from(FieldError::of("actor", Reason::UnknownAccount));
    if text.len() > super::remote_actors::MAX_URL_CHARS {
        return Err(unknown());
    }
    if let Ok(url) = Url::parse(text)
        && matches!(url.scheme(), "https" | "http")
    {
        if let Some(path) = state.urls().actor_path(&url) {
            return match path {
                ActorPath::Named(username) => member(state, &username).await,
                ActorPath::Instance => Err(FieldError::of("actor", Reason::ServerActor).into()),
            };
        }
        if super::origin::same_origin(&url, state.urls().base()) {
            return Err(unknown());
        }
        return Ok(Subject {
            actor_ap_id: url.to_string(),
            member: None,
        });
    }
    let handle = text.trim_start_matches('@');
    match handle.split_once('@') {
        Some((username, host)) if host.eq_ignore_ascii_case(&state.config().instance.domain) => {
            member(state, username).await
        }
        Some((username, host)) => {
            let actor = super::remote_actors::by_handle(state, username, host)
                .await?
                .ok_or_else(unknown)?;
            Ok(Subject {
                actor_ap_id: actor.ap_id.clone(),
                member: None,
            })
        }
        None => member(state, handle).await,
    }
}

/// The member whose account is `account_id` (404 when there is none, or it never had an
/// actor: a registration waiting for approval is rejected instead).
pub async fn subject_of_member(state: &AppState, account_id: i64) -> Result<Subject> {
    let actor = super::members::actor_of(state, account_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Subject {
        actor_ap_id: actor.id.to_string(),
        member: Some((account_id, actor.local_actor_id)),
    })
}

/// The member whose username is `username`.
async fn member(state: &AppState, username: &str) -> Result<Subject> {
    let actor = state
        .actors()
        .by_username(state.db(), username)
        .await?
        .ok_or_else(|| Error::from(FieldError::of("actor", Reason::UnknownAccount)))?;
    let Some(account_id) = actor.account_id else {
        // The organization, or a forum: moderated by their admins, not suspended.
        return Err(FieldError::of("actor", Reason::ServerActor).into());
    };
    // A registration waiting for approval is approved or rejected: lifting a suspension
    // makes an account active, which would skip the approval.
    if matches!(
        super::members::standing(state.db(), account_id).await?,
        super::members::Standing::Pending
    ) {
        return Err(FieldError::of("actor", Reason::PendingAccount).into());
    }
    Ok(Subject {
        actor_ap_id: actor.id.to_string(),
        member: Some((account_id, actor.local_actor_id)),
    })
}

/// What a decision did at once.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Effects {
    /// Content hidden by a suspension.
    pub hidden: Hidden,
    /// Content shown again, a suspension lifted.
    pub shown: Hidden,
    /// Its follows of our actors removed.
    pub follows_removed: u64,
}

/// Suspends or limits `subject` (see [`subject`]), with `reason`, by `who`.
pub async fn set(
    state: &AppState,
    who: &Who,
    subject: &Subject,
    severity: AccountSeverity,
    reason: &str,
) -> Result<Effects> {
    let reason = account_policy::check_reason(reason)?;
    let actor = subject.actor_ap_id.as_str();
    let mut tx = match subject.member {
        Some(_) => accounts::begin_change(state.db()).await?,
        None => state.db().begin_write().await?,
    };
    let before = account_policy::find(&mut tx, actor).await?;
    let was_suspended = before
        .as_ref()
        .is_some_and(|before| before.severity == AccountSeverity::Suspend);
    account_policy::set(&mut tx, actor, severity, &reason).await?;
    let mut effects = Effects::default();
    let local_actor_id = subject.member.map(|(_, local_actor_id)| local_actor_id);
    match (severity, subject.member) {
        (AccountSeverity::Suspend, _) if was_suspended => {}
        (AccountSeverity::Suspend, Some((account_id, _))) => {
            accounts::change_in(&mut tx, account_id, Change::Disable).await?;
            super::members::queue_delete(state, &mut tx, account_id).await?;
            effects.hidden = account_policy::hide(&mut tx, actor, local_actor_id).await?;
        }
        (AccountSeverity::Suspend, None) => {
            let url = Url::parse(actor).map_err(|_| Error::internal("an actor id is not a URL"))?;
            effects.follows_removed = super::followers::forget_actor(&mut tx, &url).await?;
            effects.hidden = account_policy::hide(&mut tx, actor, None).await?;
        }
        (AccountSeverity::Limit, member) if was_suspended => {
            effects.shown = lift_in(state, &mut tx, actor, member).await?;
        }
        (AccountSeverity::Limit, _) => {}
    }
    audit::record(
        &mut tx,
        who,
        &format!("account.{}", severity.as_str()),
        actor,
        &reason,
        &json!({
            "before": before.map(|before| before.severity.as_str()),
            "member": subject.member.is_some(),
            "effects": effects,
        }),
    )
    .await?;
    tx.commit().await?;
    after(
        state,
        subject,
        was_suspended && severity == AccountSeverity::Limit,
    )
    .await?;
    tracing::info!(
        actor,
        severity = severity.as_str(),
        ?effects,
        "account policy set"
    );
    Ok(effects)
}

/// Lifts the suspension or limit of `subject`, by `who`, with `reason`: `false` when there was
/// none (a member's account disabled before suspensions were recorded is enabled all the same).
pub async fn lift(state: &AppState, who: &Who, subject: &Subject, reason: &str) -> Result<bool> {
    let reason = account_policy::check_reason(reason)?;
    let actor = subject.actor_ap_id.as_str();
    let mut tx = match subject.member {
        Some(_) => accounts::begin_change(state.db()).await?,
        None => state.db().begin_write().await?,
    };
    let before = account_policy::find(&mut tx, actor).await?;
    let disabled_member = match subject.member {
        Some((account_id, _)) => accounts::is_disabled_not_deleted(&mut tx, account_id).await?,
        None => false,
    };
    if before.is_none() && !disabled_member {
        return Ok(false);
    }
    account_policy::remove(&mut tx, actor).await?;
    let was_limited = before
        .as_ref()
        .is_some_and(|before| before.severity == AccountSeverity::Limit);
    let shown = if was_limited {
        Hidden::default()
    } else {
        lift_in(state, &mut tx, actor, subject.member).await?
    };
    audit::record(
        &mut tx,
        who,
        "account.lift",
        actor,
        &reason,
        &json!({
            "before": before.map(|before| before.severity.as_str()),
            "member": subject.member.is_some(),
            "effects": Effects { shown, ..Effects::default() },
        }),
    )
    .await?;
    tx.commit().await?;
    after(state, subject, !was_limited).await?;
    Ok(true)
}

/// Ends a suspension in `tx`: the content shown again (not a blocked domain's: its block
/// keeps it out), a member's account active again.
async fn lift_in(
    state: &AppState,
    tx: &mut crate::db::Tx,
    actor: &str,
    member: Option<(i64, i64)>,
) -> Result<Hidden> {
    if let Some((account_id, _)) = member {
        accounts::change_in(tx, account_id, Change::Enable).await?;
    }
    let host = Url::parse(actor)
        .ok()
        .and_then(|url| url.host_str().map(str::to_string))
        .unwrap_or_default();
    if member.is_none() && state.peer_policy().is_blocked(&host) {
        return Ok(Hidden::default());
    }
    account_policy::show(tx, actor, member.map(|(_, local_actor_id)| local_actor_id)).await
}

/// What follows a committed decision: every part of this process sees it, the pages that
/// showed the content are built again, and a member back from a suspension (`returned`) is
/// announced to their actor's followers with an `Update`.
async fn after(state: &AppState, subject: &Subject, returned: bool) -> Result<()> {
    state
        .peer_policy()
        .domains()
        .reload(state.db(), true)
        .await?;
    state.documents().forget_objects();
    state.lists().clear();
    if let Some((account_id, _)) = subject.member
        && returned
    {
        super::members::profile_changed(state, account_id).await?;
    }
    state.delivery_wakeup().notify_one();
    Ok(())
}

/// One decision as the admin page lists it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub policy: account_policy::AccountPolicy,
    /// `@name@host`, when we know it.
    pub handle: Option<String>,
}

/// Every decision, newest first, with the handles we know.
pub async fn listed(state: &AppState) -> Result<Vec<Listed>> {
    let all = account_policy::all(state.db()).await?;
    let ids: Vec<&str> = all
        .iter()
        .map(|policy| policy.actor_ap_id.as_str())
        .collect();
    let profiles = super::remote_actors::profiles(state.db(), &ids).await?;
    let mut listed = Vec::new();
    for policy in &all {
        let handle = match profiles.get(&policy.actor_ap_id) {
            Some(profile) => Some(profile.handle()),
            None => match Url::parse(&policy.actor_ap_id)
                .ok()
                .and_then(|url| state.urls().actor_path(&url))
            {
                Some(ActorPath::Named(username)) => {
                    Some(format!("@{username}@{}", state.config().instance.domain))
                }
                _ => None,
            },
        };
        listed.push(Listed {
            policy: policy.clone(),
            handle,
        });
    }
    Ok(listed)
}
