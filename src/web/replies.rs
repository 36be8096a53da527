//! Replies on the website: the thread under a publication (shown replies, threaded, each with
//! its author's name, handle and avatar and a link to the original, in its own language and
//! direction), the reply form for members (a reply as the organization, until members are
//! actors of their own), and `/admin/replies`,
//! where moderators approve, hide or delete replies or block their author or domain, and
//! admins choose the reply policy.

use super::auth::{Admin, Member, Publisher};
use super::forms::FormValues;
use super::frame::{Frame, framed, respond_with};
use crate::app::AppState;
use crate::domain::comment::{self, Block, Comment, ReplyPolicy, ReplyStatus};
use crate::domain::network::Profile;
use crate::domain::publication::{self, Kind};
use crate::domain::settings;
use crate::error::{Error, FieldError, Reason, Result};
use crate::federation::remote_actors;
use crate::i18n::Translator;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

/// The deepest indentation of a thread; deeper replies are shown at this depth.
const MAX_DEPTH: usize = 4;

/// One reply as the page shows it.
#[derive(Debug, Clone)]
pub struct ReplyView {
    pub comment_id: i64,
    /// Where to report it (not ours).
    pub report: Option<String>,
    /// Its anchor on the page.
    pub anchor: String,
    pub author: String,
    pub handle: String,
    pub icon: Option<String>,
    /// Its author's page.
    pub author_page: String,
    /// The original, on its own server.
    pub original: Option<String>,
    pub when: String,
    /// Sanitized HTML.
    pub content_html: String,
    pub language: Option<String>,
    pub dir: &'static str,
    /// How deep in the thread (0: a reply to the publication).
    pub depth: usize,
    /// Whom it answers, when it answers a reply.
    pub answers: Option<String>,
    /// Ours (the organization's).
    pub ours: bool,
    pub status: &'static str,
    /// What it is under (moderation page): the publication's title and page.
    pub under: Option<(String, String)>,
}

/// The profiles of the authors of `comments`.
async fn authors(state: &AppState, comments: &[Comment]) -> Result<HashMap<String, Profile>> {
    let ids: Vec<&str> = comments
        .iter()
        .map(|comment| comment.actor_ap_id.as_str())
        .collect();
    remote_actors::profiles(state.db(), &ids).await
}

fn view(
    state: &AppState,
    t: &Translator,
    comment: &Comment,
    profiles: &HashMap<String, Profile>,
    depth: usize,
    answers: Option<String>,
) -> ReplyView {
    let organization = state.actors().organization();
    let ours = comment.actor_ap_id == organization.id.as_str();
    let (author, handle, icon, author_page) = if ours {
        let site = super::pages::cards::our_mark(state);
        (site.name, site.handle, site.icon, "/about".to_string())
    } else {
        let profile = profiles.get(&comment.actor_ap_id);
        let mark = super::pages::cards::their_mark(profile, &comment.actor_ap_id);
        (
            mark.name,
            mark.handle,
            mark.icon,
            profile.map_or(comment.actor_ap_id.clone(), |profile| {
                profile.page().to_string()
            }),
        )
    };
    ReplyView {
        comment_id: comment.comment_id,
        report: (!ours).then(|| super::reports::link(&comment.ap_id)),
        anchor: format!("reply-{}", comment.comment_id),
        author,
        handle,
        icon,
        author_page,
        original: (!ours).then(|| comment.url.clone()).flatten(),
        when: t.date_time(&comment.published_at.fixed_offset()),
        content_html: comment.content_html.clone(),
        dir: comment
            .language
            .as_deref()
            .map_or("auto", crate::web::html::direction),
        language: comment.language.clone(),
        depth: depth.min(MAX_DEPTH),
        answers,
        ours,
        status: comment.status.as_str(),
        under: None,
    }
}

/// The shown replies under a publication, threaded: each reply followed by its own replies,
/// depth first, oldest first at each level.
pub async fn thread(
    state: &AppState,
    t: &Translator,
    publication_id: i64,
) -> Result<Vec<ReplyView>> {
    let comments = comment::for_publication(state.db(), publication_id).await?;
    let profiles = authors(state, &comments).await?;
    let known: HashMap<&str, &Comment> = comments
        .iter()
        .map(|comment| (comment.ap_id.as_str(), comment))
        .collect();
    // Children by parent; a reply whose parent is not shown hangs under the publication.
    let mut children: HashMap<Option<&str>, Vec<&Comment>> = HashMap::new();
    for comment in &comments {
        let parent = comment
            .in_reply_to
            .as_deref()
            .filter(|parent| known.contains_key(parent));
        children.entry(parent).or_default().push(comment);
    }
    let mut shown = Vec::with_capacity(comments.len());
    let mut stack: Vec<(&Comment, usize)> = children
        .get(&None)
        .map(|roots| roots.iter().rev().map(|root| (*root, 0)).collect())
        .unwrap_or_default();
    while let Some((comment, depth)) = stack.pop() {
        let answers = comment
            .in_reply_to
            .as_deref()
            .and_then(|parent| known.get(parent))
            .map(|parent| view(state, t, parent, &profiles, 0, None).author);
        shown.push(view(state, t, comment, &profiles, depth, answers));
        if let Some(replies) = children.get(&Some(comment.ap_id.as_str())) {
            stack.extend(replies.iter().rev().map(|reply| (*reply, depth + 1)));
        }
    }
    Ok(shown)
}

/// `POST /{kinds}/{public_id}/reply`: a reply written by a member of the website, sent as the
/// organization's (members are not actors of their own yet), to the publication or to a reply
/// under it (`parent`, a reply's row id).
pub async fn reply(
    State(state): State<AppState>,
    Member(visitor): Member,
    Path((kinds, public_id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    let kind = Kind::parse(&kinds)
        .filter(|kind| kind.plural() == kinds)
        .ok_or(Error::NotFound)?;
    let found = publication::find(state.db(), kind, &public_id).await?;
    if found.is_deleted() {
        return Err(Error::Gone);
    }
    let parent = match values.get("parent") {
        "" => None,
        id => Some(
            comment::by_id(
                state.db(),
                id.parse()
                    .map_err(|_| Error::from(FieldError::of("parent", Reason::WholeNumber)))?,
            )
            .await?,
        ),
    };
    let stored = crate::federation::replies::reply(
        &state,
        &found,
        parent.as_ref(),
        values.get("reply"),
        values.get("language"),
    )
    .await?;
    let page = state.urls().publication(kind, &public_id);
    Ok(Redirect::to(&format!("{}#reply-{}", page.path(), stored.comment_id)).into_response())
}

#[derive(Template)]
#[template(path = "admin_replies.html")]
struct RepliesPage {
    frame: Frame,
    csrf: String,
    held: Vec<ReplyView>,
    shown: Vec<ReplyView>,
    /// Forum posts from other servers held for a moderator.
    held_posts: Vec<super::forums::HeldPost>,
    /// `(value, label, selected)`; empty for editors (only admins choose).
    policies: Vec<(&'static str, String, bool)>,
    policy: String,
}
framed!(RepliesPage);

/// The most replies each part of the moderation page lists.
const MODERATION_PAGE: i64 = 100;

/// Replies as the moderation page shows them: with what they are under.
async fn moderation_views(
    state: &AppState,
    t: &Translator,
    comments: &[Comment],
) -> Result<Vec<ReplyView>> {
    let profiles = authors(state, comments).await?;
    let ids: Vec<i64> = comments
        .iter()
        .map(|comment| comment.publication_id)
        .collect();
    let publications: HashMap<i64, publication::Publication> =
        publication::by_ids(state.db(), &ids)
            .await?
            .into_iter()
            .map(|found| (found.publication_id, found))
            .collect();
    Ok(comments
        .iter()
        .map(|comment| {
            let mut shown = view(state, t, comment, &profiles, 0, None);
            shown.under = publications.get(&comment.publication_id).and_then(|found| {
                let text = found.text_in(t.language.code())?;
                let page = state.urls().publication(found.kind, &found.public_id);
                Some((
                    text.title.clone(),
                    format!("{}#{}", page.path(), shown.anchor),
                ))
            });
            shown
        })
        .collect())
}

/// `GET /admin/replies`: the replies waiting for a moderator, the latest shown, and (for
/// admins) the policy.
pub async fn moderation(
    State(state): State<AppState>,
    frame: Frame,
    Publisher(visitor): Publisher,
) -> Result<Response> {
    let t = frame.t;
    let held = comment::with_status(state.db(), ReplyStatus::Held, MODERATION_PAGE).await?;
    let shown = comment::with_status(state.db(), ReplyStatus::Shown, MODERATION_PAGE).await?;
    let policy =
        settings::current_reply_policy(state.db(), state.config().website.reply_policy()).await?;
    let is_admin = visitor
        .account()
        .is_some_and(|account| account.role == crate::domain::accounts::Role::Admin);
    let page = RepliesPage {
        csrf: visitor.csrf().to_string(),
        held: moderation_views(&state, &t, &held).await?,
        shown: moderation_views(&state, &t, &shown).await?,
        held_posts: super::forums::held_posts(&state, &t, None).await?,
        policies: if is_admin {
            ReplyPolicy::ALL
                .into_iter()
                .map(|each| {
                    (
                        each.as_str(),
                        t.t(&format!("replies-policy-{}", each.as_str())),
                        each == policy,
                    )
                })
                .collect()
        } else {
            Vec::new()
        },
        policy: t.t(&format!("replies-policy-{}", policy.as_str())),
        frame,
    };
    respond_with(&state, &visitor, StatusCode::OK, &page)
}

/// `POST /admin/replies/{comment_id}`: `action` is `approve`, `hide`, `delete`,
/// `block-author` or `block-domain`.
pub async fn moderate(
    State(state): State<AppState>,
    Publisher(visitor): Publisher,
    Path(comment_id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    let db = state.db();
    // What the log names: the reply's id, read before a delete erases it.
    let target = comment::by_id(db, comment_id).await?.ap_id;
    match values.get("action") {
        "approve" => {
            comment::moderate(db, comment_id, ReplyStatus::Shown).await?;
        }
        "hide" => {
            comment::moderate(db, comment_id, ReplyStatus::Hidden).await?;
        }
        "delete" => {
            comment::delete(db, comment_id).await?;
        }
        "block-author" => {
            let found = comment::by_id(db, comment_id).await?;
            if found.actor_ap_id == state.actors().organization().id.as_str() {
                return Err(FieldError::of("action", Reason::OwnActor).into());
            }
            comment::block(db, &Block::Actor(found.actor_ap_id)).await?;
        }
        "block-domain" => {
            let found = comment::by_id(db, comment_id).await?;
            let host = url::Url::parse(&found.actor_ap_id)
                .ok()
                .and_then(|url| url.host_str().map(str::to_string))
                .ok_or_else(|| Error::internal("a stored actor id has no host"))?;
            if crate::federation::origin::same_origin(
                &url::Url::parse(&found.actor_ap_id).map_err(|_| Error::NotFound)?,
                state.urls().base(),
            ) {
                return Err(FieldError::of("action", Reason::OwnActor).into());
            }
            // The domain policy's block: nothing more from it, anywhere.
            let mut policy = crate::domain::policy::DomainPolicy::new(
                &host,
                crate::domain::policy::Severity::Block,
            );
            policy.private_comment = format!("blocked from the replies of {comment_id}");
            crate::federation::policy::set(&state, &visitor.who(), &policy).await?;
            return Ok(Redirect::to("/admin/replies").into_response());
        }
        _ => {
            return Err(FieldError::of("action", Reason::OneOf)
                .with(
                    "choices",
                    "approve, hide, delete, block-author, block-domain",
                )
                .into());
        }
    }
    crate::domain::audit::record_now(
        db,
        &visitor.who(),
        &format!("reply.{}", values.get("action")),
        &target,
        "",
        &serde_json::json!({"comment": comment_id}),
    )
    .await?;
    Ok(Redirect::to("/admin/replies").into_response())
}

/// `POST /admin/replies/policy`: an admin chooses the reply policy.
pub async fn policy(
    State(state): State<AppState>,
    Admin(visitor): Admin,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    let policy = ReplyPolicy::parse(values.get("policy")).ok_or_else(|| {
        Error::from(
            FieldError::of("policy", Reason::OneOf)
                .with("choices", "open, followed, approval, closed"),
        )
    })?;
    settings::set_reply_policy(state.db(), policy).await?;
    Ok(Redirect::to("/admin/replies").into_response())
}
