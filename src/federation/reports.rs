//! Reports on the wire and in the moderators' hands: what an id names here (a reply, a forum
//! post, a network item, one of our publications or members, another server's actor), a
//! report filed from the website and, when asked, sent on to the reported server as a `Flag`
//! from the instance actor (as Mastodon sends and reads it: `object` the actor and the objects,
//! `content` the comment); a moderator's resolution (dismiss, remove the content, limit or
//! suspend the account, limit or block the domain), with its audit entry.

use super::activities::ACTIVITY_STREAMS;
use super::delivery;
use super::origin::same_origin;
use crate::app::AppState;
use crate::domain::audit::{self, Who};
use crate::domain::policy::{DomainPolicy, Severity};
use crate::domain::reports::{self, NewReport, TargetKind};
use crate::error::{Error, Result};
use serde_json::json;
use url::Url;

/// What a reported id is here.
#[derive(Debug, Clone)]
pub struct Target {
    pub kind: TargetKind,
    /// The actor it is about (the author, or the actor itself).
    pub actor: String,
    /// The object's id (the actor's for an actor or a member).
    pub object: String,
    /// A short text of it, for the report form and the queue (plain, bounded).
    pub excerpt: String,
    /// Its page here, when it has one.
    pub link: Option<String>,
}

impl Target {
    /// Whether it is on another server (a report of it can be sent on there).
    pub fn is_remote(&self, state: &AppState) -> bool {
        Url::parse(&self.actor).is_ok_and(|actor| !same_origin(&actor, state.urls().base()))
    }
}

fn excerpt(html: &str) -> String {
    let text = crate::domain::text::html_to_text(html);
    crate::domain::text::truncate(text.trim(), 280).to_string()
}

/// What `id` names here, if anything.
pub async fn target(state: &AppState, id: &str) -> Result<Option<Target>> {
    let Ok(url) = Url::parse(id) else {
        return Ok(None);
    };
    if id.len() > super::remote_actors::MAX_URL_CHARS {
        return Ok(None);
    }
    let db = state.db();
    if let Some(comment) = crate::domain::comment::find(db, id).await? {
        return Ok(Some(Target {
            kind: TargetKind::Reply,
            actor: comment.actor_ap_id.clone(),
            object: comment.ap_id.clone(),
            excerpt: excerpt(&comment.content_html),
            link: comment.url.clone(),
        }));
    }
    if let Some(post) = crate::domain::forums::find_post(db, id).await? {
        let forum = crate::domain::forums::by_id(db, post.forum_id).await?;
        return Ok(Some(Target {
            kind: TargetKind::ForumPost,
            actor: post.author_ap_id.clone(),
            object: post.ap_id.clone(),
            excerpt: if post.title.is_empty() {
                excerpt(&post.content_html)
            } else {
                post.title.clone()
            },
            link: Some(
                state
                    .urls()
                    .forum_post(&forum.slug, &post.public_id)
                    .path()
                    .to_string(),
            ),
        }));
    }
    if let Some(row) = crate::domain::network::id_of(db, id).await?
        && let Some(item) = crate::domain::network::by_id(db, row).await?
    {
        return Ok(Some(Target {
            kind: TargetKind::NetworkItem,
            actor: item.actor_ap_id.clone(),
            object: item.ap_id.clone(),
            excerpt: item.name.clone(),
            link: Some(format!("/network/{row}")),
        }));
    }
    if let Some((kind, public_id)) = state.urls().publication_path(&url) {
        return Ok(Some(Target {
            kind: TargetKind::Publication,
            actor: state.actors().organization().id.to_string(),
            object: url.to_string(),
            excerpt: format!("{} {public_id}", kind.as_str()),
            link: Some(url.path().to_string()),
        }));
    }
    if let Some(super::urls::ActorPath::Named(username)) = state.urls().actor_path(&url)
        && let Some(actor) = state.actors().by_username(db, &username).await?
        && actor.account_id.is_some()
    {
        return Ok(Some(Target {
            kind: TargetKind::Member,
            actor: actor.id.to_string(),
            object: actor.id.to_string(),
            excerpt: format!("@{}", actor.username),
            link: Some(state.urls().profile(&actor.username).path().to_string()),
        }));
    }
    if let Some(super::urls::ActorPath::Named(username)) = state.urls().actor_path(&url)
        && let Some(actor) = state.actors().by_username(db, &username).await?
    {
        // Our organization, or one of our forums.
        return Ok(Some(Target {
            kind: TargetKind::Actor,
            actor: actor.id.to_string(),
            object: actor.id.to_string(),
            excerpt: format!("@{}", actor.username),
            link: Some(state.urls().profile(&actor.username).path().to_string()),
        }));
    }
    if let Some(actor) = super::remote_actors::find_stored(state, &url).await? {
        let profile = super::remote_actors::profile(db, &actor.ap_id).await?;
        return Ok(Some(Target {
            kind: TargetKind::Actor,
            actor: actor.ap_id.clone(),
            object: actor.ap_id.clone(),
            excerpt: profile.map_or(actor.ap_id.clone(), |profile| profile.handle()),
            link: None,
        }));
    }
    Ok(None)
}

/// Files `report` (checked first); when it asks to be sent on and is about another server's
/// content, the `Flag` is queued in the same transaction. Returns its id.
pub async fn file(state: &AppState, report: &NewReport) -> Result<i64> {
    let report = reports::check(report)?;
    let mut tx = state.db().begin_write().await?;
    let id = reports::store(&mut tx, &report)
        .await?
        .ok_or_else(|| Error::internal("a new report was not stored"))?;
    if report.forward {
        queue_flag(
            state,
            &mut tx,
            id,
            &report.target_actor,
            &report.objects,
            &report.comment,
        )
        .await?;
    }
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    tracing::info!(report = id, actor = %report.target_actor, "report filed");
    Ok(id)
}

/// Queues the `Flag` of report `report_id` for the server of `actor` (when it is another
/// server's), from the instance actor, in `tx`; records it forwarded. Only the objects on that
/// server are named.
async fn queue_flag(
    state: &AppState,
    tx: &mut crate::db::Tx,
    report_id: i64,
    actor: &str,
    objects: &[String],
    comment: &str,
) -> Result<bool> {
    let Ok(actor_url) = Url::parse(actor) else {
        return Ok(false);
    };
    if same_origin(&actor_url, state.urls().base()) {
        return Ok(false);
    }
    let Some(remote) = super::remote_actors::find_stored(state, &actor_url).await? else {
        return Ok(false);
    };
    let instance = state.actors().instance();
    let id = state.urls().new_activity(&instance.id, "flag");
    let mut named = vec![actor.to_string()];
    named.extend(
        objects
            .iter()
            .filter(|object| *object != actor)
            .filter(|object| Url::parse(object).is_ok_and(|url| same_origin(&url, &actor_url)))
            .cloned(),
    );
    let flag = json!({
        "@context": ACTIVITY_STREAMS,
        "id": id,
        "type": "Flag",
        "actor": instance.id,
        "content": comment,
        "object": named,
    });
    let inbox = match &remote.shared_inbox {
        Some(shared) => Url::parse(shared).unwrap_or(remote.inbox_url()?),
        None => remote.inbox_url()?,
    };
    delivery::enqueue(tx, &flag, &id, instance.local_actor_id, false, &[inbox]).await?;
    reports::forwarded(tx, report_id).await?;
    Ok(true)
}

/// Sends report `report_id` on to the reported server (a moderator's choice, for a report
/// that was not), by `who`: `false` when it is about our own content or was sent already.
pub async fn forward(state: &AppState, who: &Who, report_id: i64) -> Result<bool> {
    let report = reports::find(state.db(), report_id)
        .await?
        .ok_or(Error::NotFound)?;
    if report.forwarded_at.is_some() {
        return Ok(false);
    }
    let mut tx = state.db().begin_write().await?;
    let sent = queue_flag(
        state,
        &mut tx,
        report_id,
        &report.target_actor,
        &report.objects(),
        &report.comment,
    )
    .await?;
    if sent {
        audit::record(
            &mut tx,
            who,
            "report.forward",
            &report.target_actor,
            "",
            &json!({"report": report_id}),
        )
        .await?;
    }
    tx.commit().await?;
    state.delivery_wakeup().notify_one();
    Ok(sent)
}

/// What a moderator does with a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Nothing to do.
    Dismiss,
    /// Take the content down: a reply hidden, a forum post removed, a network item erased.
    Remove,
    /// Limit the reported actor's domain.
    LimitDomain,
    /// Block the reported actor's domain.
    BlockDomain,
    /// Limit the reported account: its replies and posts wait for a moderator.
    LimitAccount,
    /// Suspend the reported account ([`super::suspensions`]).
    SuspendAccount,
}

impl Resolution {
    pub const ALL: [Resolution; 6] = [
        Resolution::Dismiss,
        Resolution::Remove,
        Resolution::LimitAccount,
        Resolution::SuspendAccount,
        Resolution::LimitDomain,
        Resolution::BlockDomain,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Dismiss => "dismiss",
            Resolution::Remove => "remove",
            Resolution::LimitDomain => "limit-domain",
            Resolution::BlockDomain => "block-domain",
            Resolution::LimitAccount => "limit-account",
            Resolution::SuspendAccount => "suspend-account",
        }
    }

    pub fn parse(text: &str) -> Option<Resolution> {
        Resolution::ALL
            .into_iter()
            .find(|resolution| resolution.as_str() == text)
    }
}

/// Resolves report `report_id` with `resolution` and `note`, by `who` (a moderator acting
/// through `moderator`, their actor, for a forum removal): the action, the report's new state
/// and the audit entry. `false` when it was resolved already.
pub async fn resolve(
    state: &AppState,
    who: &Who,
    moderator: Option<&super::actors::LocalActor>,
    report_id: i64,
    resolution: Resolution,
    note: &str,
) -> Result<bool> {
    let report = reports::find(state.db(), report_id)
        .await?
        .ok_or(Error::NotFound)?;
    if !report.is_open() {
        return Ok(false);
    }
    let host = Url::parse(&report.target_actor)
        .ok()
        .and_then(|url| url.host_str().map(str::to_string))
        .unwrap_or_default();
    let ours =
        Url::parse(&report.target_actor).is_ok_and(|url| same_origin(&url, state.urls().base()));
    match resolution {
        Resolution::Dismiss => {}
        Resolution::Remove => remove_content(state, moderator, &report, note).await?,
        Resolution::LimitAccount | Resolution::SuspendAccount => {
            let subject = super::suspensions::subject(state, &report.target_actor).await?;
            let severity = if resolution == Resolution::SuspendAccount {
                crate::domain::account_policy::AccountSeverity::Suspend
            } else {
                crate::domain::account_policy::AccountSeverity::Limit
            };
            let reason = format!("report {report_id}: {}", note.trim());
            super::suspensions::set(state, who, &subject, severity, &reason).await?;
        }
        Resolution::LimitDomain | Resolution::BlockDomain => {
            if ours {
                return Err(Error::Forbidden(
                    "this report is about our own server: its domain is not blocked here"
                        .to_string(),
                ));
            }
            let mut policy = DomainPolicy::new(
                &host,
                if resolution == Resolution::BlockDomain {
                    Severity::Block
                } else {
                    Severity::Limit
                },
            );
            policy.private_comment = format!("report {report_id}: {}", note.trim());
            super::policy::set(state, who, &policy).await?;
        }
    }
    let mut tx = state.db().begin_write().await?;
    let account = who.account_id;
    let resolved = reports::resolve(&mut tx, report_id, account, resolution.as_str(), note).await?;
    if resolved {
        audit::record(
            &mut tx,
            who,
            &format!("report.{}", resolution.as_str()),
            &report.target_actor,
            note,
            &json!({"report": report_id, "objects": report.objects(), "kind": report.target_kind}),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(resolved)
}

/// Takes down what `report` names: a reply hidden, a forum post removed (announced when the
/// forum is ours), a network item erased.
async fn remove_content(
    state: &AppState,
    moderator: Option<&super::actors::LocalActor>,
    report: &reports::Report,
    note: &str,
) -> Result<()> {
    for object in report.objects() {
        let Some(target) = target(state, &object).await? else {
            continue;
        };
        match target.kind {
            TargetKind::Reply => {
                if let Some(comment) = crate::domain::comment::find(state.db(), &object).await? {
                    crate::domain::comment::moderate(
                        state.db(),
                        comment.comment_id,
                        crate::domain::comment::ReplyStatus::Hidden,
                    )
                    .await?;
                }
            }
            TargetKind::ForumPost => {
                let Some(post) = crate::domain::forums::find_post(state.db(), &object).await?
                else {
                    continue;
                };
                let forum = crate::domain::forums::by_id(state.db(), post.forum_id).await?;
                match moderator {
                    Some(moderator) if !forum.is_remote() => {
                        super::forums::moderate(
                            state,
                            &forum,
                            moderator,
                            &post,
                            &super::forums::Moderation::Remove {
                                reason: note.trim().to_string(),
                            },
                        )
                        .await?;
                    }
                    _ => {
                        let mut tx = state.db().begin_write().await?;
                        crate::domain::forums::remove(&mut tx, &object).await?;
                        tx.commit().await?;
                    }
                }
            }
            TargetKind::NetworkItem => {
                let mut tx = state.db().begin_write().await?;
                crate::domain::network::erase(&mut tx, &object, &target.actor).await?;
                tx.commit().await?;
            }
            // Our own publications and members, and whole actors, are not taken down from a
            // report: editors delete publications, admins act on accounts.
            TargetKind::Publication | TargetKind::Member | TargetKind::Actor => {}
        }
    }
    Ok(())
}
