//! Discussion forums on the website: the list of forums (`/forums`), a forum's threads by
//! latest activity with their reply counts (`/forums/{slug}`), a thread with its replies
//! (`/forums/{slug}/posts/{id}`, also the thread's ActivityPub id), the forms where members
//! start a thread and reply, and the admins' form that makes a forum (`/admin/forums`).
//!
//! Invariants: every post is shown in its own language and direction, whatever the reader's;
//! members post through their own actors (`federation::forums`), so a post here and one from
//! another server are the same rows, announced the same way.

use super::account_pages::FormPage;
use super::auth::{Admin, Member, Visitor};
use super::forms::{Field, FormValues};
use super::frame::{Frame, framed, respond, respond_with};
use crate::app::AppState;
use crate::domain::forums::{self, ForumKind, ForumText, NewForum, Post, Posting};
use crate::error::{Error, Result};
use crate::i18n::{Language, Translator};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeMap;

/// One forum in the list.
struct ForumCard {
    name: String,
    description: String,
    link: String,
    handle: String,
    kind_label: String,
    /// Another server's forum: "From alpha.example".
    source: Option<String>,
}

#[derive(Template)]
#[template(path = "forums.html")]
struct ForumsPage {
    frame: Frame,
    forums: Vec<ForumCard>,
    /// For admins: where forums are made.
    admin: Option<String>,
}
framed!(ForumsPage);

/// One thread in a forum's list.
struct ThreadRow {
    title: String,
    link: String,
    author: String,
    replies: String,
    when: String,
    language: String,
    /// A question's areas, by name, and whether it has an accepted answer.
    areas: Vec<String>,
    answered: bool,
    pinned: bool,
}

#[derive(Template)]
#[template(path = "forum.html")]
struct ForumPage {
    frame: Frame,
    name: String,
    description: String,
    handle: String,
    actor: String,
    source: Option<String>,
    threads: Vec<ThreadRow>,
    /// "Start a thread", for members; "Log in to post" for visitors.
    new_thread: Option<String>,
    login: Option<String>,
    previous: Option<String>,
    next: Option<String>,
    /// Posts held for a moderator, for the forum's moderators.
    held: Vec<HeldPost>,
    csrf: String,
}
framed!(ForumPage);

/// One post of a thread as shown.
struct PostView {
    public_id: String,
    anchor: String,
    author: String,
    handle: String,
    author_link: String,
    when: String,
    /// Sanitized HTML.
    content: String,
    language: String,
    /// Its page on its own server, for a remote post.
    elsewhere: Option<String>,
    /// Where to report it.
    report: String,
    /// What the reader may do to it: `(action, label)` (remove as a moderator, delete as its
    /// author).
    actions: Vec<(&'static str, String)>,
    /// Where those actions post.
    moderate: String,
    /// The question's accepted answer.
    accepted: bool,
    /// "Accept this answer", for the asker or a moderator: where it posts.
    accept: Option<String>,
}

#[derive(Template)]
#[template(path = "thread.html")]
struct ThreadPage {
    frame: Frame,
    forum_name: String,
    forum_link: String,
    title: String,
    language: String,
    posts: Vec<PostView>,
    /// The reply form, for members: where it posts, and the languages to choose from.
    reply: Option<String>,
    /// The languages a reply may be written in (not `languages`: the frame's are the
    /// interface's).
    post_languages: Vec<(String, String, bool)>,
    csrf: String,
    login: Option<String>,
    /// "This thread is locked", when it is.
    locked: Option<String>,
    pinned: bool,
    /// The thread's moderation buttons, for moderators: `(action, label)`.
    thread_actions: Vec<(&'static str, String)>,
    moderate: String,
    /// A question's areas, by name.
    areas: Vec<String>,
    /// Who asked an anonymous question, for moderators.
    asker: Option<String>,
}
framed!(ThreadPage);

/// How many threads a forum's page lists.
const THREADS_PER_PAGE: i64 = 30;

/// A forum's handle: `@slug@our.domain`, or `@name@host` for another server's.
fn handle(state: &AppState, forum: &forums::Forum) -> String {
    crate::federation::forums::mention_of(state, forum)
}

/// "From host", for another server's forum.
fn source(t: &Translator, forum: &forums::Forum) -> Option<String> {
    let host = forum.slug.split_once('@')?.1;
    forum
        .is_remote()
        .then(|| t.t1("forum-from", "host", &format!("\u{2068}{host}\u{2069}")))
}

/// `GET /forums`.
pub async fn list(
    State(state): State<AppState>,
    frame: Frame,
    visitor: Visitor,
) -> Result<Response> {
    let t = frame.t;
    let forums = forums::list(state.db())
        .await?
        .into_iter()
        .map(|forum| {
            let text = forum.text_in(t.language.code());
            ForumCard {
                name: text.name,
                description: text.description,
                link: state.urls().forum(&forum.slug).path().to_string(),
                handle: handle(&state, &forum),
                kind_label: t.t(&format!("forum-kind-{}", forum.kind.as_str())),
                source: source(&t, &forum),
            }
        })
        .collect();
    let admin = visitor
        .account()
        .filter(|account| account.role == crate::domain::accounts::Role::Admin)
        .map(|_| "/admin/forums".to_string());
    respond(
        StatusCode::OK,
        &ForumsPage {
            frame,
            forums,
            admin,
        },
    )
}

/// `?page=N`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

/// `GET /forums/{slug}`: its threads, the latest activity first.
pub async fn forum(
    State(state): State<AppState>,
    frame: Frame,
    visitor: Visitor,
    Path(slug): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response> {
    let t = frame.t;
    let forum = forums::find(state.db(), &slug).await?;
    let number = query.page.unwrap_or(1).clamp(1, 10_000);
    let mut threads = forums::threads(
        state.db(),
        forum.forum_id,
        THREADS_PER_PAGE + 1,
        (number - 1) * THREADS_PER_PAGE,
    )
    .await?;
    let more = threads.len() as i64 > THREADS_PER_PAGE;
    threads.truncate(THREADS_PER_PAGE as usize);
    let authors = authors(&state, &t, &forum, &threads).await?;
    let text = forum.text_in(t.language.code());
    let link = state.urls().forum(&forum.slug).path().to_string();
    let page = ForumPage {
        name: text.name,
        description: text.description,
        handle: handle(&state, &forum),
        actor: crate::federation::forums::urls_group(&state, &forum).to_string(),
        source: source(&t, &forum),
        threads: threads
            .iter()
            .zip(authors)
            .map(|(thread, author)| ThreadRow {
                title: thread.title.clone(),
                link: state
                    .urls()
                    .forum_post(&forum.slug, &thread.public_id)
                    .path()
                    .to_string(),
                author: author.name,
                replies: t.t1(
                    "forum-replies-count",
                    "count",
                    &t.digits(&thread.reply_count.to_string()),
                ),
                when: t.date(&thread.last_activity_at.fixed_offset()),
                language: thread.language.clone().unwrap_or_default(),
                areas: thread
                    .areas()
                    .iter()
                    .map(|area| t.t(&format!("expert-area-{area}")))
                    .collect(),
                answered: thread.accepted_answer.is_some(),
                pinned: thread.pinned_at.is_some(),
            })
            .collect(),
        new_thread: visitor.account().map(|_| format!("{link}/new")),
        login: visitor
            .account()
            .is_none()
            .then(|| format!("/login?next={link}")),
        previous: (number > 1).then(|| format!("{link}?page={}", number - 1)),
        next: more.then(|| format!("{link}?page={}", number + 1)),
        held: if may_moderate(&state, &visitor, &forum).await? {
            held_posts(&state, &t, Some(&forum)).await?
        } else {
            Vec::new()
        },
        csrf: visitor.csrf().to_string(),
        frame,
    };
    respond(StatusCode::OK, &page)
}

/// The authors of `posts`, in order.
/// The authors of `posts` of `forum`, in order; an anonymous question's is the forum itself.
async fn authors(
    state: &AppState,
    t: &Translator,
    forum: &forums::Forum,
    posts: &[Post],
) -> Result<Vec<super::people::Shown>> {
    let people: Vec<(&str, Option<i64>)> = posts
        .iter()
        .map(|post| (post.author_ap_id.as_str(), post.local_actor_id))
        .collect();
    let mut shown = super::people::who(state, &people).await?;
    for (post, author) in posts.iter().zip(shown.iter_mut()) {
        if post.local_actor_id.is_none() && post.asker_local_actor_id.is_some() {
            *author = super::people::Shown {
                name: forum.text_in(t.language.code()).name,
                handle: handle(state, forum),
                link: state.urls().forum(&forum.slug).path().to_string(),
            };
        }
    }
    Ok(shown)
}

/// The languages a member may write a post in: the interface's and the instance's, the
/// reader's chosen.
fn language_choices(state: &AppState, t: &Translator, chosen: &str) -> Vec<(String, String, bool)> {
    let mut codes: Vec<String> = Language::ALL
        .iter()
        .map(|language| language.code().to_string())
        .collect();
    for language in &state.config().instance.languages {
        if !codes.contains(language) {
            codes.push(language.clone());
        }
    }
    codes
        .into_iter()
        .map(|code| {
            let name = t.language(&code);
            let selected = code == chosen;
            (code, name, selected)
        })
        .collect()
}

/// `GET /forums/{slug}/posts/{id}` for people: the thread and its replies (a reply's id shows
/// its thread at the reply).
pub async fn thread(
    State(state): State<AppState>,
    frame: Frame,
    visitor: Visitor,
    Path((slug, public_id)): Path<(String, String)>,
) -> Result<Response> {
    let t = frame.t;
    let forum = forums::find(state.db(), &slug).await?;
    let post = forums::post(state.db(), forum.forum_id, &public_id).await?;
    if let Some(thread) = post.thread_id {
        let thread_id = forums::thread_ap_id(state.db(), thread).await?;
        let thread = url::Url::parse(&thread_id)
            .map_err(|_| Error::internal("a stored post id is not a URL"))?;
        return Ok(Redirect::to(&format!("{}#post-{public_id}", thread.path())).into_response());
    }
    if post.status() == forums::PostStatus::Removed {
        return Err(Error::Gone);
    }
    if post.held_at.is_some() {
        // Waiting for a moderator, who sees it on the forum's page.
        return Err(Error::NotFound);
    }
    let mut posts = vec![post.clone()];
    let mut replies = forums::replies(state.db(), post.forum_post_id).await?;
    // The accepted answer first, then the others in their order.
    if let Some(accepted) = &post.accepted_answer
        && let Some(index) = replies.iter().position(|reply| &reply.ap_id == accepted)
    {
        let answer = replies.remove(index);
        replies.insert(0, answer);
    }
    posts.extend(replies);
    let authors = authors(&state, &t, &forum, &posts).await?;
    let reader = match visitor.account() {
        Some(_) => Some(author(&state, &visitor).await?),
        None => None,
    };
    let moderator = match &reader {
        Some(actor) if !forum.is_remote() => {
            forums::is_moderator(state.db(), forum.forum_id, actor.local_actor_id).await?
        }
        _ => false,
    };
    let moderate_link = |public_id: &str| {
        format!(
            "{}/moderate",
            state.urls().forum_post(&forum.slug, public_id).path()
        )
    };
    let views = posts
        .iter()
        .zip(authors)
        .map(|(shown, author)| {
            let own = reader
                .as_ref()
                .is_some_and(|actor| shown.local_actor_id == Some(actor.local_actor_id));
            let accepted = post.accepted_answer.as_deref() == Some(shown.ap_id.as_str());
            let may_accept = forum.kind == ForumKind::Questions
                && !forum.is_remote()
                && !shown.is_thread()
                && !accepted
                && (moderator
                    || reader
                        .as_ref()
                        .is_some_and(|actor| post.asker() == Some(actor.local_actor_id)));
            let mut actions = Vec::new();
            if moderator {
                actions.push(("remove", t.t("forum-remove")));
            } else if own {
                actions.push(("delete", t.t("forum-delete")));
            }
            PostView {
                public_id: shown.public_id.clone(),
                anchor: format!("post-{}", shown.public_id),
                author: author.name,
                handle: author.handle,
                author_link: author.link,
                when: t.date(&shown.created_at.fixed_offset()),
                content: shown.content_html.clone(),
                language: shown.language.clone().unwrap_or_default(),
                elsewhere: shown.url.clone(),
                report: super::reports::link(&shown.ap_id),
                actions,
                moderate: moderate_link(&shown.public_id),
                accepted,
                accept: may_accept.then(|| {
                    format!(
                        "{}/accept",
                        state.urls().forum_post(&forum.slug, &post.public_id).path()
                    )
                }),
            }
        })
        .collect();
    let link = state
        .urls()
        .forum_post(&forum.slug, &public_id)
        .path()
        .to_string();
    let locked = post.locked_at.is_some();
    let mut thread_actions = Vec::new();
    if moderator {
        thread_actions.push(if locked {
            ("unlock", t.t("forum-unlock"))
        } else {
            ("lock", t.t("forum-lock"))
        });
        thread_actions.push(if post.pinned_at.is_some() {
            ("unpin", t.t("forum-unpin"))
        } else {
            ("pin", t.t("forum-pin"))
        });
    }
    let page = ThreadPage {
        forum_name: forum.text_in(t.language.code()).name,
        forum_link: state.urls().forum(&forum.slug).path().to_string(),
        title: post.title.clone(),
        language: post.language.clone().unwrap_or_default(),
        posts: views,
        reply: (visitor.account().is_some() && !locked).then(|| format!("{link}/reply")),
        post_languages: language_choices(&state, &t, t.language.code()),
        csrf: visitor.csrf().to_string(),
        login: visitor
            .account()
            .is_none()
            .then(|| format!("/login?next={link}")),
        locked: locked.then(|| t.t("forum-locked")),
        pinned: post.pinned_at.is_some(),
        thread_actions,
        moderate: moderate_link(&public_id),
        areas: post
            .areas()
            .iter()
            .map(|area| t.t(&format!("expert-area-{area}")))
            .collect(),
        asker: match post.asker_local_actor_id {
            Some(asker) if moderator => {
                let names =
                    crate::domain::accounts::identity::members_by_actor(state.db(), &[asker])
                        .await?;
                names.get(&asker).map(|(name, username)| {
                    t.t1(
                        "forum-asked-by",
                        "name",
                        &format!("\u{2068}{name} (@{username})\u{2069}"),
                    )
                })
            }
            _ => None,
        },
        frame,
    };
    respond_with(&state, &visitor, StatusCode::OK, &page)
}

/// The member's own actor, or 404 for an account without one.
async fn author(
    state: &AppState,
    visitor: &Visitor,
) -> Result<std::sync::Arc<crate::federation::actors::LocalActor>> {
    let account = visitor.account().ok_or(Error::NotFound)?;
    crate::federation::members::actor_of(state, account.account_id)
        .await?
        .ok_or(Error::NotFound)
}

fn thread_form(
    state: &AppState,
    frame: Frame,
    visitor: &Visitor,
    forum: &forums::Forum,
    values: &FormValues,
) -> FormPage {
    let t = frame.t;
    let name = forum.text_in(t.language.code()).name;
    let mut page = FormPage::new(
        frame,
        visitor,
        t.t1(
            "forum-new-thread-in",
            "forum",
            &format!("\u{2068}{name}\u{2069}"),
        ),
    );
    page.action = format!("{}/new", state.urls().forum(&forum.slug).path());
    page.submit = t.t("forum-post");
    let chosen = match values.get("language") {
        "" => t.language.code().to_string(),
        given => given.to_string(),
    };
    page.fields = vec![
        Field::new("title", "text", t.t("forum-title"))
            .required()
            .value(values.get("title")),
        Field::new("body", "textarea", t.t("forum-body"))
            .required()
            .value(values.get("body")),
        Field::new("language", "select", t.t("forum-language"))
            .choices(
                language_choices(state, &t, &chosen)
                    .into_iter()
                    .map(|(code, name, _)| (code, name)),
            )
            .value(&chosen),
    ];
    page.links = vec![(state.urls().forum(&forum.slug).path().to_string(), name)];
    page
}

/// `GET /forums/{slug}/new`: a member's form for a new thread.
pub async fn new_form(
    State(state): State<AppState>,
    frame: Frame,
    Member(visitor): Member,
    Path(slug): Path<String>,
) -> Result<Response> {
    let forum = forums::find(state.db(), &slug).await?;
    let page = thread_form(&state, frame, &visitor, &forum, &FormValues::default());
    respond_with(&state, &visitor, StatusCode::OK, &page)
}

/// `POST /forums/{slug}/new`: starts the thread, then shows it.
pub async fn new_thread(
    State(state): State<AppState>,
    frame: Frame,
    Member(visitor): Member,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let t = frame.t;
    let values = FormValues::from_pairs(pairs);
    let forum = forums::find(state.db(), &slug).await?;
    if visitor.check_csrf(values.get("csrf")).is_err() {
        let page =
            thread_form(&state, frame, &visitor, &forum, &values).with_message(t.t("error-csrf"));
        return respond_with(&state, &visitor, StatusCode::FORBIDDEN, &page);
    }
    let author = author(&state, &visitor).await?;
    match crate::federation::forums::post(
        &state,
        &forum,
        &author,
        None,
        values.get("title"),
        values.get("body"),
        values.get("language"),
        &crate::federation::forums::Asking {
            areas: crate::domain::experts::AREAS
                .iter()
                .filter(|area| values.get(&format!("area_{area}")) == "true")
                .map(|area| area.to_string())
                .collect(),
            anonymous: values.get("anonymous") == "true",
        },
    )
    .await
    {
        Ok(post) => posted(&state, frame, &forum, &post),
        Err(Error::Invalid(errors)) => {
            let page = thread_form(&state, frame, &visitor, &forum, &values).with_errors(&errors);
            respond_with(&state, &visitor, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other),
    }
}

/// What the forms about one post share: the form's values (its CSRF token checked), the
/// forum, the post and the member's own actor.
struct PostForm {
    values: FormValues,
    forum: forums::Forum,
    post: Post,
    actor: std::sync::Arc<crate::federation::actors::LocalActor>,
}

impl PostForm {
    async fn read(
        state: &AppState,
        visitor: &Visitor,
        slug: &str,
        public_id: &str,
        pairs: Vec<(String, String)>,
    ) -> Result<PostForm> {
        let values = FormValues::from_pairs(pairs);
        visitor.check_csrf(values.get("csrf"))?;
        let forum = forums::find(state.db(), slug).await?;
        let post = forums::post(state.db(), forum.forum_id, public_id).await?;
        let actor = author(state, visitor).await?;
        Ok(PostForm {
            values,
            forum,
            post,
            actor,
        })
    }
}

/// `POST /forums/{slug}/posts/{id}/reply`: a member's reply to the post `id` (the thread, or
/// a reply in it), then the thread at it.
pub async fn reply(
    State(state): State<AppState>,
    frame: Frame,
    Member(visitor): Member,
    Path((slug, public_id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let PostForm {
        values,
        forum,
        post: parent,
        actor,
    } = PostForm::read(&state, &visitor, &slug, &public_id, pairs).await?;
    let reply = crate::federation::forums::post(
        &state,
        &forum,
        &actor,
        Some(&parent),
        "",
        values.get("body"),
        values.get("language"),
        &crate::federation::forums::Asking::default(),
    )
    .await?;
    posted(&state, frame, &forum, &reply)
}

/// Where a member goes after posting: to their post, or, when it waits for a moderator (their
/// account is limited), to a page that says so.
fn posted(state: &AppState, frame: Frame, forum: &forums::Forum, post: &Post) -> Result<Response> {
    if post.held_at.is_some() {
        let t = frame.t;
        let page = super::frame::MessagePage {
            heading: t.t("forum-post-held-title"),
            text: t.t("forum-post-held"),
            details: Vec::new(),
            reason: None,
            next: Some((format!("/forums/{}", forum.slug), t.t("forum-back"))),
            frame,
        };
        return respond(StatusCode::ACCEPTED, &page);
    }
    let link = state.urls().forum_post(&forum.slug, &post.public_id);
    Ok(Redirect::to(link.path()).into_response())
}

/// `POST /forums/{slug}/posts/{id}/moderate`: a moderator removes a post (with a reason),
/// locks, unlocks, pins or unpins a thread; an author deletes their own post.
pub async fn moderate(
    State(state): State<AppState>,
    Member(visitor): Member,
    Path((slug, public_id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    use crate::federation::forums::Moderation;
    let PostForm {
        values,
        forum,
        post,
        actor,
    } = PostForm::read(&state, &visitor, &slug, &public_id, pairs).await?;
    let moderator = !forum.is_remote()
        && forums::is_moderator(state.db(), forum.forum_id, actor.local_actor_id).await?;
    let own = post.local_actor_id == Some(actor.local_actor_id);
    let action = match values.get("action") {
        "delete" if own => Moderation::Remove {
            reason: String::new(),
        },
        "remove" if moderator => Moderation::Remove {
            reason: values.get("reason").to_string(),
        },
        "lock" if moderator => Moderation::Lock,
        "unlock" if moderator => Moderation::Unlock,
        "pin" if moderator => Moderation::Pin,
        "unpin" if moderator => Moderation::Unpin,
        "delete" | "remove" | "lock" | "unlock" | "pin" | "unpin" => {
            return Err(Error::Forbidden(
                "only the forum's moderators (or a post's author, to delete it) may do this"
                    .to_string(),
            ));
        }
        _ => {
            return Err(
                crate::error::FieldError::of("action", crate::error::Reason::OneOf)
                    .with("choices", "delete, remove, lock, unlock, pin, unpin")
                    .into(),
            );
        }
    };
    crate::federation::forums::moderate(&state, &forum, &actor, &post, &action).await?;
    // A moderator's act is in the audit log (an author deleting their own post is not one).
    if !(own && values.get("action") == "delete") {
        let reason = match &action {
            Moderation::Remove { reason } => reason.as_str(),
            _ => "",
        };
        crate::domain::audit::record_now(
            state.db(),
            &visitor.who(),
            &format!("forum.{}", values.get("action")),
            &post.ap_id,
            reason,
            &serde_json::json!({"forum": forum.slug}),
        )
        .await?;
    }
    let back = match (&action, post.thread_id) {
        (Moderation::Remove { .. }, None) => state.urls().forum(&forum.slug).path().to_string(),
        _ => state
            .urls()
            .forum_post(&forum.slug, &public_id)
            .path()
            .to_string(),
    };
    Ok(Redirect::to(&back).into_response())
}

/// `POST /forums/{slug}/posts/{id}/accept`: the asker of the question `id`, or a moderator,
/// accepts the reply `answer` (its public id) as its answer.
pub async fn accept(
    State(state): State<AppState>,
    Member(visitor): Member,
    Path((slug, public_id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let PostForm {
        values,
        forum,
        post: thread,
        actor,
    } = PostForm::read(&state, &visitor, &slug, &public_id, pairs).await?;
    let answer = forums::post(state.db(), forum.forum_id, values.get("answer")).await?;
    let allowed = thread.asker() == Some(actor.local_actor_id)
        || forums::is_moderator(state.db(), forum.forum_id, actor.local_actor_id).await?;
    if forum.kind != ForumKind::Questions || !thread.is_thread() || !allowed {
        return Err(Error::Forbidden(
            "only the asker or a moderator accepts an answer to a question".to_string(),
        ));
    }
    crate::federation::forums::accept(&state, &forum, &thread, Some(&answer)).await?;
    let link = state.urls().forum_post(&forum.slug, &public_id);
    Ok(Redirect::to(link.path()).into_response())
}

/// `POST /admin/forums/{slug}/moderators`: an admin names a member (by username) a moderator
/// of the forum, or no longer (`change=remove`).
pub async fn set_moderator(
    State(state): State<AppState>,
    Admin(visitor): Admin,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    let forum = forums::find(state.db(), &slug).await?;
    let username = values.get("username").trim().trim_start_matches('@');
    let username = username.split('@').next().unwrap_or_default();
    let actor = state
        .actors()
        .by_username(state.db(), username)
        .await?
        .filter(|actor| actor.kind.is_member())
        .ok_or_else(|| {
            Error::from(crate::error::FieldError::of(
                "username",
                crate::error::Reason::NoMember,
            ))
        })?;
    let named = values.get("change") != "remove";
    crate::federation::forums::set_moderator(&state, &forum, &actor, named).await?;
    Ok(Redirect::to("/admin/forums").into_response())
}

fn forum_form(state: &AppState, frame: Frame, visitor: &Visitor, values: &FormValues) -> FormPage {
    let _ = state;
    let t = frame.t;
    let mut page = FormPage::new(frame, visitor, t.t("forum-admin-title"));
    page.intro = t.t("forum-admin-intro");
    page.action = "/admin/forums".to_string();
    page.submit = t.t("forum-admin-create");
    let kind = match values.get("kind") {
        "" => "discussion",
        given => given,
    };
    let posting = match values.get("posting") {
        "" => "followers",
        given => given,
    };
    let mut fields = vec![
        Field::new("slug", "text", t.t("forum-admin-slug"))
            .required()
            .value(values.get("slug"))
            .hint(t.t("forum-admin-slug-hint")),
        Field::new("kind", "select", t.t("forum-admin-kind"))
            .choices(ForumKind::ALL.iter().map(|kind| {
                (
                    kind.as_str().to_string(),
                    t.t(&format!("forum-kind-{}", kind.as_str())),
                )
            }))
            .value(kind),
        Field::new("posting", "select", t.t("forum-admin-posting"))
            .choices(Posting::ALL.iter().map(|posting| {
                (
                    posting.as_str().to_string(),
                    t.t(&format!("forum-posting-{}", posting.as_str())),
                )
            }))
            .value(posting),
        Field::new("hold_remote", "checkbox", t.t("forum-admin-hold"))
            .value(values.get("hold_remote"))
            .hint(t.t("forum-admin-hold-hint")),
    ];
    for language in Language::ALL {
        let code = language.code();
        let name = t.language(code);
        fields.push(
            Field::new(
                format!("name_{code}"),
                "text",
                t.t1("forum-admin-name-in", "language", &name),
            )
            .value(values.get(&format!("name_{code}"))),
        );
        fields.push(
            Field::new(
                format!("description_{code}"),
                "textarea",
                t.t1("forum-admin-description-in", "language", &name),
            )
            .value(values.get(&format!("description_{code}"))),
        );
    }
    page.fields = fields;
    page.links = vec![("/admin/forums".to_string(), t.t("forum-list-title"))];
    page
}

/// One forum on the admins' page, with its moderators.
struct AdminForum {
    name: String,
    link: String,
    moderators: Vec<String>,
    action: String,
}

#[derive(Template)]
#[template(path = "admin_forums.html")]
struct AdminForumsPage {
    frame: Frame,
    forums: Vec<AdminForum>,
    csrf: String,
}
framed!(AdminForumsPage);

/// `GET /admin/forums`: every forum with its named moderators, and where to make one.
pub async fn admin_list(
    State(state): State<AppState>,
    frame: Frame,
    Admin(visitor): Admin,
) -> Result<Response> {
    let t = frame.t;
    let mut shown = Vec::new();
    for forum in forums::list(state.db()).await? {
        let named = forums::named_moderators(state.db(), forum.forum_id).await?;
        let members =
            crate::domain::accounts::identity::members_by_actor(state.db(), &named).await?;
        let domain = &state.config().instance.domain;
        shown.push(AdminForum {
            name: forum.text_in(t.language.code()).name,
            link: state.urls().forum(&forum.slug).path().to_string(),
            moderators: named
                .iter()
                .filter_map(|actor| members.get(actor))
                .map(|(name, username)| format!("{name} (@{username}@{domain})"))
                .collect(),
            action: format!("/admin/forums/{}/moderators", forum.slug),
        });
    }
    let page = AdminForumsPage {
        forums: shown,
        csrf: visitor.csrf().to_string(),
        frame,
    };
    respond_with(&state, &visitor, StatusCode::OK, &page)
}

/// `GET /admin/forums/new`: the form that makes a forum.
pub async fn admin_form(
    State(state): State<AppState>,
    frame: Frame,
    Admin(visitor): Admin,
) -> Result<Response> {
    let page = forum_form(&state, frame, &visitor, &FormValues::default());
    respond_with(&state, &visitor, StatusCode::OK, &page)
}

/// `POST /admin/forums`: makes the forum and its `Group` actor, then shows it.
pub async fn admin_create(
    State(state): State<AppState>,
    frame: Frame,
    Admin(visitor): Admin,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let t = frame.t;
    let values = FormValues::from_pairs(pairs);
    if visitor.check_csrf(values.get("csrf")).is_err() {
        let page = forum_form(&state, frame, &visitor, &values).with_message(t.t("error-csrf"));
        return respond_with(&state, &visitor, StatusCode::FORBIDDEN, &page);
    }
    let texts: BTreeMap<String, ForumText> = Language::ALL
        .iter()
        .map(|language| {
            let code = language.code();
            (
                code.to_string(),
                ForumText {
                    name: values.get(&format!("name_{code}")).to_string(),
                    description: values.get(&format!("description_{code}")).to_string(),
                },
            )
        })
        .collect();
    let input = NewForum {
        slug: values.get("slug").to_string(),
        kind: values.get("kind").to_string(),
        posting: values.get("posting").to_string(),
        texts,
        hold_remote: values.get("hold_remote") == "true",
    };
    match crate::federation::forums::create(&state, &input).await {
        Ok(forum) => Ok(Redirect::to(state.urls().forum(&forum.slug).path()).into_response()),
        Err(Error::Invalid(mut errors)) => {
            for error in &mut errors {
                if let Some(rest) = error.field.strip_prefix("texts.") {
                    error.field = match rest.split_once('.') {
                        Some((code, "name")) => format!("name_{code}"),
                        Some((code, _)) => format!("description_{code}"),
                        None => rest.to_string(),
                    };
                } else if error.field == "name" {
                    error.field = format!("name_{}", t.language.code());
                }
            }
            let page = forum_form(&state, frame, &visitor, &values).with_errors(&errors);
            respond_with(&state, &visitor, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other),
    }
}

/// A forum post held for a moderator, as the moderation page shows it.
pub struct HeldPost {
    pub author: String,
    pub handle: String,
    pub forum: String,
    pub forum_link: String,
    pub title: String,
    /// Sanitized HTML.
    pub content: String,
    pub language: String,
    /// Where the decision posts.
    pub action: String,
}

/// The forum posts held for a moderator (of `forum` only, when given), oldest first; each
/// decided on the moderation page, or, for one forum, on its own page.
pub async fn held_posts(
    state: &AppState,
    t: &Translator,
    only: Option<&forums::Forum>,
) -> Result<Vec<HeldPost>> {
    let held = forums::held(state.db(), only.map(|forum| forum.forum_id), 100).await?;
    let people: Vec<(&str, Option<i64>)> = held
        .iter()
        .map(|(post, _)| (post.author_ap_id.as_str(), post.local_actor_id))
        .collect();
    let authors = super::people::who(state, &people).await?;
    let forums: std::collections::HashMap<String, forums::Forum> = forums::list(state.db())
        .await?
        .into_iter()
        .map(|forum| (forum.slug.clone(), forum))
        .collect();
    let mut shown = Vec::new();
    for ((post, slug), author) in held.iter().zip(authors) {
        let Some(forum) = forums.get(slug) else {
            continue;
        };
        shown.push(HeldPost {
            author: author.name,
            handle: author.handle,
            forum: forum.text_in(t.language.code()).name,
            forum_link: state.urls().forum(slug).path().to_string(),
            title: post.title.clone(),
            content: post.content_html.clone(),
            language: post.language.clone().unwrap_or_default(),
            action: match only {
                Some(_) => format!("/forums/{slug}/held/{}", post.forum_post_id),
                None => format!("/admin/forums/held/{}", post.forum_post_id),
            },
        });
    }
    Ok(shown)
}

/// `POST /admin/forums/held/{id}`: an editor approves (`decision=approve`: shown,
/// announced, its author approved) or deletes a held forum post.
pub async fn release(
    State(state): State<AppState>,
    super::auth::Publisher(visitor): super::auth::Publisher,
    Path(forum_post_id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    decide_held(&state, &visitor, None, forum_post_id, pairs).await?;
    Ok(Redirect::to("/admin/replies").into_response())
}

/// `POST /forums/{slug}/held/{id}`: one of the forum's moderators decides on a post held in
/// it, from the forum's page, as editors do on the moderation page.
pub async fn release_here(
    State(state): State<AppState>,
    Member(visitor): Member,
    Path((slug, forum_post_id)): Path<(String, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let forum = forums::find(state.db(), &slug).await?;
    if !may_moderate(&state, &visitor, &forum).await? {
        return Err(Error::Forbidden(
            "only the forum's moderators decide on its held posts".to_string(),
        ));
    }
    decide_held(&state, &visitor, Some(&forum), forum_post_id, pairs).await?;
    Ok(Redirect::to(state.urls().forum(&slug).path()).into_response())
}

/// Whether `visitor` moderates `forum` (one of ours): named its moderator, an admin, or an
/// editor of the instance.
async fn may_moderate(state: &AppState, visitor: &Visitor, forum: &forums::Forum) -> Result<bool> {
    let Some(account) = visitor.account() else {
        return Ok(false);
    };
    if forum.is_remote() {
        return Ok(false);
    }
    if account.role.can_publish() {
        return Ok(true);
    }
    let actor = author(state, visitor).await?;
    forums::is_moderator(state.db(), forum.forum_id, actor.local_actor_id).await
}

/// Applies a moderator's `decision` on the held post `forum_post_id` (of `forum` only, when
/// given).
async fn decide_held(
    state: &AppState,
    visitor: &Visitor,
    forum: Option<&forums::Forum>,
    forum_post_id: i64,
    pairs: Vec<(String, String)>,
) -> Result<()> {
    use crate::federation::forums::Release;
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    let decision = match values.get("decision") {
        "approve" => Release::Approve,
        "delete" => Release::Delete,
        _ => {
            return Err(
                crate::error::FieldError::of("decision", crate::error::Reason::OneOf)
                    .with("choices", "approve, delete")
                    .into(),
            );
        }
    };
    let (post, slug) = forums::held_post(state.db(), forum_post_id)
        .await?
        .ok_or(Error::NotFound)?;
    if forum.is_some_and(|forum| forum.slug != slug) {
        return Err(Error::NotFound);
    }
    let forum = forums::find(state.db(), &slug).await?;
    crate::federation::forums::release(state, &forum, &post, decision).await?;
    crate::domain::audit::record_now(
        state.db(),
        &visitor.who(),
        &format!("forum.held-{}", values.get("decision")),
        &post.ap_id,
        "",
        &serde_json::json!({"forum": forum.slug}),
    )
    .await
}
