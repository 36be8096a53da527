//! Discussion forums: what a forum is (its names and descriptions per language, its kind, who
//! may post in it) and its posts (threads with a title, and the replies under them), ours and
//! remote, in our words. Each forum speaks through a `Group` actor of ours (its `local_actor`
//! row, made with the forum); everything ActivityPub about it is `federation::forums`.
//!
//! Invariants: a forum's slug is its actor's username, unique among every actor and never
//! reused; a post is stored once per id (a repeated `Create` changes nothing); a thread's
//! reply count and last activity change in the transaction that stores a reply.

use super::accounts::usernames;
use super::validation::Check;
use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::{Error, FieldError, Reason, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The longest forum name, in characters.
pub const MAX_NAME: usize = 100;
/// The longest forum description, in characters.
pub const MAX_DESCRIPTION: usize = 1_000;
/// The longest thread title, in characters.
pub const MAX_TITLE: usize = 200;
/// The longest post a member writes, in characters.
pub const MAX_BODY: usize = 20_000;

/// What a forum is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForumKind {
    /// Threads and replies.
    Discussion,
    /// "Ask an expert": questions and their answers.
    Questions,
}

impl ForumKind {
    pub const ALL: [ForumKind; 2] = [ForumKind::Discussion, ForumKind::Questions];

    pub fn as_str(self) -> &'static str {
        match self {
            ForumKind::Discussion => "discussion",
            ForumKind::Questions => "questions",
        }
    }

    pub fn parse(text: &str) -> Option<ForumKind> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// Who may start threads and reply in a forum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posting {
    /// Members of this website only.
    Members,
    /// Members, and remote actors who follow the forum.
    Followers,
    /// Anyone, here or on another server.
    Anyone,
}

impl Posting {
    pub const ALL: [Posting; 3] = [Posting::Members, Posting::Followers, Posting::Anyone];

    pub fn as_str(self) -> &'static str {
        match self {
            Posting::Members => "members",
            Posting::Followers => "followers",
            Posting::Anyone => "anyone",
        }
    }

    pub fn parse(text: &str) -> Option<Posting> {
        Self::ALL
            .into_iter()
            .find(|posting| posting.as_str() == text)
    }
}

/// A forum's name and description in one language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForumText {
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// A forum.
#[derive(Debug, Clone)]
pub struct Forum {
    pub forum_id: i64,
    /// Its `Group` actor's row, for a forum of ours.
    pub local_actor_id: Option<i64>,
    /// Its group's id, for another server's forum this instance follows.
    pub remote_ap_id: Option<String>,
    /// Its path (`/forums/{slug}`): its actor's username for ours, `name@host` for another
    /// server's.
    pub slug: String,
    pub kind: ForumKind,
    pub posting: Posting,
    /// By BCP 47 language tag.
    pub texts: BTreeMap<String, ForumText>,
    pub created_at: DateTime<Utc>,
    /// Posts from other servers wait for a moderator (the moderation queue), unless their
    /// author is approved.
    pub hold_remote: bool,
}

impl Forum {
    /// Whether it is another server's forum, followed here.
    pub fn is_remote(&self) -> bool {
        self.remote_ap_id.is_some()
    }

    /// Its text in `language`, else in English, else the first there is.
    pub fn text_in(&self, language: &str) -> ForumText {
        self.texts
            .get(language)
            .or_else(|| self.texts.get("en"))
            .or_else(|| self.texts.values().next())
            .cloned()
            .unwrap_or(ForumText {
                name: self.slug.clone(),
                description: String::new(),
            })
    }
}

#[derive(sqlx::FromRow)]
struct ForumRow {
    forum_id: i64,
    local_actor_id: Option<i64>,
    remote_ap_id: Option<String>,
    username: String,
    kind: String,
    posting: String,
    texts: String,
    created_at: DateTime<Utc>,
    hold_remote: bool,
}

impl ForumRow {
    fn into_forum(self) -> Forum {
        Forum {
            forum_id: self.forum_id,
            local_actor_id: self.local_actor_id,
            remote_ap_id: self.remote_ap_id,
            slug: self.username,
            kind: ForumKind::parse(&self.kind).unwrap_or(ForumKind::Discussion),
            posting: Posting::parse(&self.posting).unwrap_or(Posting::Members),
            texts: serde_json::from_str(&self.texts).unwrap_or_default(),
            created_at: self.created_at,
            hold_remote: self.hold_remote,
        }
    }
}

const FORUM_SELECT: &str = "select f.forum_id, f.local_actor_id, f.remote_ap_id, \
                            coalesce(l.username, f.slug) as username, f.kind, f.posting, \
                            f.texts, f.created_at, f.hold_remote from forum f \
                            left join local_actor l on l.local_actor_id = f.local_actor_id";

/// A new forum, as an admin gives it.
#[derive(Debug, Clone, Default)]
pub struct NewForum {
    pub slug: String,
    pub kind: String,
    pub posting: String,
    /// By language tag; empty names are left out.
    pub texts: BTreeMap<String, ForumText>,
    /// Hold posts from other servers for a moderator.
    pub hold_remote: bool,
}

/// Checks `input`: every bad field named at once.
fn validate(input: &NewForum, reserved: &[&str]) -> Result<(String, ForumKind, Posting)> {
    let mut check = Check::default();
    let slug = match usernames::check(&input.slug, reserved) {
        Ok(slug) => Some(slug),
        Err(reason) => {
            check.fail("slug", reason);
            None
        }
    };
    let kind = ForumKind::parse(&input.kind);
    if kind.is_none() {
        check.fail_with(
            FieldError::of("kind", Reason::OneOf).with("choices", "discussion, questions"),
        );
    }
    let posting = Posting::parse(&input.posting);
    if posting.is_none() {
        check.fail_with(
            FieldError::of("posting", Reason::OneOf).with("choices", "members, followers, anyone"),
        );
    }
    let named: Vec<_> = input
        .texts
        .iter()
        .filter(|(_, text)| !text.name.trim().is_empty())
        .collect();
    if named.is_empty() {
        check.fail("name", Reason::Required);
    }
    for (language, text) in named {
        check.text(&format!("texts.{language}.name"), &text.name, MAX_NAME);
        check.optional_text(
            &format!("texts.{language}.description"),
            Some(&text.description),
            MAX_DESCRIPTION,
        );
    }
    check.finish()?;
    Ok((
        slug.unwrap_or_default(),
        kind.unwrap_or(ForumKind::Discussion),
        posting.unwrap_or(Posting::Members),
    ))
}

/// Makes the forum `input` and its `Group` actor (with `keys`: PEM private, PEM public) in one
/// transaction; a slug taken by any actor is a 422.
pub async fn create(
    db: &Db,
    input: &NewForum,
    reserved: &[&str],
    keys: &(String, String),
) -> Result<Forum> {
    let (slug, kind, posting) = validate(input, reserved)?;
    let texts: BTreeMap<String, ForumText> = input
        .texts
        .iter()
        .filter(|(_, text)| !text.name.trim().is_empty())
        .map(|(language, text)| {
            (
                language.clone(),
                ForumText {
                    name: text.name.trim().to_string(),
                    description: text.description.trim().to_string(),
                },
            )
        })
        .collect();
    let first = texts.values().next().cloned().unwrap_or(ForumText {
        name: slug.clone(),
        description: String::new(),
    });
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let sql = "insert into local_actor (username, kind, display_name, summary, public_key_pem, \
               private_key_pem, created_at) values ($1, 'group', $2, $3, $4, $5, $6) \
               on conflict do nothing returning local_actor_id";
    let local_actor_id: Option<i64> = with_tx!(&mut tx, |conn| sqlx::query_scalar(sql)
        .bind(&slug)
        .bind(&first.name)
        .bind(&first.description)
        .bind(&keys.1)
        .bind(&keys.0)
        .bind(now)
        .fetch_optional(conn)
        .await)?;
    let Some(local_actor_id) = local_actor_id else {
        return Err(FieldError::of("slug", Reason::UsernameTaken).into());
    };
    let sql = "insert into forum (local_actor_id, kind, posting, texts, created_at, hold_remote) \
               values ($1, $2, $3, $4, $5, $6)";
    with_tx!(&mut tx, |conn| sqlx::query(sql)
        .bind(local_actor_id)
        .bind(kind.as_str())
        .bind(posting.as_str())
        .bind(serde_json::to_string(&texts)?)
        .bind(now)
        .bind(input.hold_remote)
        .execute(conn)
        .await
        .map(|_| ()))?;
    tx.commit().await?;
    find(db, &slug).await
}

/// Every forum, oldest first.
pub async fn list(db: &Db) -> Result<Vec<Forum>> {
    let sql = format!("{FORUM_SELECT} order by f.forum_id");
    let rows: Vec<ForumRow> =
        with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .fetch_all(pool)
            .await)?;
    Ok(rows.into_iter().map(ForumRow::into_forum).collect())
}

/// The forum `slug`, or 404.
pub async fn find(db: &Db, slug: &str) -> Result<Forum> {
    let sql = format!("{FORUM_SELECT} where coalesce(l.username, f.slug) = $1");
    let row: Option<ForumRow> =
        with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(slug)
            .fetch_optional(pool)
            .await)?;
    row.map(ForumRow::into_forum).ok_or(Error::NotFound)
}

/// The forum of another server whose group is `ap_id`, made (or its names and kind brought
/// up to date) from what the group says of itself, in `tx`.
pub async fn upsert_remote(
    tx: &mut Tx,
    ap_id: &str,
    slug: &str,
    kind: ForumKind,
    texts: &BTreeMap<String, ForumText>,
) -> Result<Forum> {
    let sql = "insert into forum (remote_ap_id, slug, kind, posting, texts, created_at) \
               values ($1, $2, $3, 'followers', $4, $5) \
               on conflict (remote_ap_id) do update set kind = excluded.kind, texts = excluded.texts";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(ap_id)
        .bind(slug)
        .bind(kind.as_str())
        .bind(serde_json::to_string(texts)?)
        .bind(Utc::now())
        .execute(conn)
        .await
        .map(|_| ()))?;
    let sql = format!("{FORUM_SELECT} where f.remote_ap_id = $1");
    let row: ForumRow = with_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(ap_id)
        .fetch_one(conn)
        .await)?;
    Ok(row.into_forum())
}

/// The followed forum of another server whose group is `ap_id`.
pub async fn by_remote(db: &Db, ap_id: &str) -> Result<Option<Forum>> {
    let sql = format!("{FORUM_SELECT} where f.remote_ap_id = $1");
    let row: Option<ForumRow> =
        with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(ap_id)
            .fetch_optional(pool)
            .await)?;
    Ok(row.map(ForumRow::into_forum))
}

/// The forum `forum_id`.
pub async fn by_id(db: &Db, forum_id: i64) -> Result<Forum> {
    let sql = format!("{FORUM_SELECT} where f.forum_id = $1");
    let row: Option<ForumRow> =
        with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(forum_id)
            .fetch_optional(pool)
            .await)?;
    row.map(ForumRow::into_forum).ok_or(Error::NotFound)
}

/// The forum whose actor is `local_actor_id`, if it is one.
pub async fn by_actor(db: &Db, local_actor_id: i64) -> Result<Option<Forum>> {
    let sql = format!("{FORUM_SELECT} where f.local_actor_id = $1");
    let row: Option<ForumRow> =
        with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(local_actor_id)
            .fetch_optional(pool)
            .await)?;
    Ok(row.map(ForumRow::into_forum))
}

/// Whether a post is on the forum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostStatus {
    Shown,
    /// Taken down by a moderator or deleted by its author.
    Removed,
}

impl PostStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PostStatus::Shown => "shown",
            PostStatus::Removed => "removed",
        }
    }
}

/// A thread (no `thread_id`) or a reply.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Post {
    pub forum_post_id: i64,
    pub public_id: String,
    pub forum_id: i64,
    pub ap_id: String,
    /// The thread a reply is in; `None` for a thread.
    pub thread_id: Option<i64>,
    /// What a reply answers (the thread's id or another reply's).
    pub in_reply_to: Option<String>,
    pub author_ap_id: String,
    /// A member's actor, or `None` for a remote author.
    pub local_actor_id: Option<i64>,
    /// A thread's title (empty for a reply).
    pub title: String,
    /// Sanitized HTML.
    pub content_html: String,
    pub language: Option<String>,
    /// Its page on its own server, for a remote post.
    pub url: Option<String>,
    status: String,
    /// The `Create` as received, for a remote post: what the group announces unchanged.
    pub activity: Option<String>,
    pub reply_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    /// A thread closed to replies by a moderator.
    pub locked_at: Option<DateTime<Utc>>,
    /// A thread pinned at the top of its forum (the group's `featured`).
    pub pinned_at: Option<DateTime<Utc>>,
    /// A question's areas (`experts::AREAS`), as JSON.
    #[sqlx(rename = "areas")]
    areas_json: String,
    /// A question's accepted answer: the reply's id.
    pub accepted_answer: Option<String>,
    /// Who asked a question asked anonymously (shown as the forum's): for moderators only.
    pub asker_local_actor_id: Option<i64>,
    /// Held for a moderator since then: neither shown nor announced.
    pub held_at: Option<DateTime<Utc>>,
}

impl Post {
    pub fn status(&self) -> PostStatus {
        if self.status == "removed" {
            PostStatus::Removed
        } else {
            PostStatus::Shown
        }
    }

    pub fn is_thread(&self) -> bool {
        self.thread_id.is_none()
    }

    /// A question's areas.
    pub fn areas(&self) -> Vec<String> {
        serde_json::from_str(&self.areas_json).unwrap_or_default()
    }

    /// The member who asked or wrote it: its author's actor, or the asker of an anonymous
    /// question.
    pub fn asker(&self) -> Option<i64> {
        self.local_actor_id.or(self.asker_local_actor_id)
    }
}

const POST_COLUMNS: &str = "forum_post_id, public_id, forum_id, ap_id, thread_id, in_reply_to, \
                            author_ap_id, local_actor_id, title, content_html, language, url, \
                            status, activity, reply_count, created_at, updated_at, last_activity_at, \
                            locked_at, pinned_at, areas, accepted_answer, asker_local_actor_id, \
                            held_at";

/// A post to store.
#[derive(Debug, Clone)]
pub struct NewPost {
    pub public_id: String,
    pub forum_id: i64,
    pub ap_id: String,
    /// For a reply: its thread and what it answers.
    pub reply: Option<(i64, String)>,
    pub author_ap_id: String,
    pub local_actor_id: Option<i64>,
    pub title: String,
    pub content_html: String,
    pub language: Option<String>,
    pub url: Option<String>,
    pub activity: Option<String>,
    pub published: DateTime<Utc>,
    /// A question's areas.
    pub areas: Vec<String>,
    /// The member who asked an anonymous question.
    pub asker_local_actor_id: Option<i64>,
    /// Held for a moderator.
    pub held: bool,
}

/// Stores `post` in `tx`, and for a reply counts it on its thread: `None` when a post with its
/// id is there already (nothing changes).
pub async fn store(tx: &mut Tx, post: &NewPost) -> Result<Option<Post>> {
    let (thread_id, in_reply_to) = match &post.reply {
        Some((thread, parent)) => (Some(*thread), Some(parent.as_str())),
        None => (None, None),
    };
    let sql = "insert into forum_post (public_id, forum_id, ap_id, thread_id, in_reply_to, \
               author_ap_id, local_actor_id, title, content_html, language, url, status, \
               activity, reply_count, created_at, updated_at, last_activity_at, areas, \
               asker_local_actor_id, held_at) \
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'shown', $12, 0, $13, $13, $13, \
               $14, $15, $16) on conflict (ap_id) do nothing returning forum_post_id";
    let inserted: Option<i64> = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(&post.public_id)
        .bind(post.forum_id)
        .bind(&post.ap_id)
        .bind(thread_id)
        .bind(in_reply_to)
        .bind(&post.author_ap_id)
        .bind(post.local_actor_id)
        .bind(&post.title)
        .bind(&post.content_html)
        .bind(post.language.as_deref())
        .bind(post.url.as_deref())
        .bind(post.activity.as_deref())
        .bind(post.published)
        .bind(serde_json::to_string(&post.areas)?)
        .bind(post.asker_local_actor_id)
        .bind(post.held.then(Utc::now))
        .fetch_optional(conn)
        .await)?;
    let Some(forum_post_id) = inserted else {
        return Ok(None);
    };
    if let Some(thread) = thread_id.filter(|_| !post.held) {
        let sql = "update forum_post set reply_count = reply_count + 1, \
                   last_activity_at = case when last_activity_at < $2 then $2 \
                   else last_activity_at end where forum_post_id = $1";
        with_tx!(tx, |conn| sqlx::query(sql)
            .bind(thread)
            .bind(post.published)
            .execute(conn)
            .await
            .map(|_| ()))?;
    }
    let sql = format!("select {POST_COLUMNS} from forum_post where forum_post_id = $1");
    let stored: Post = with_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(forum_post_id)
        .fetch_one(conn)
        .await)?;
    Ok(Some(stored))
}

/// The post whose id is `ap_id`, in `tx`.
pub async fn by_ap_id(tx: &mut Tx, ap_id: &str) -> Result<Option<Post>> {
    let sql = format!("select {POST_COLUMNS} from forum_post where ap_id = $1");
    Ok(with_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(ap_id)
    .fetch_optional(conn)
    .await)?)
}

/// The post whose id is `ap_id`.
pub async fn find_post(db: &Db, ap_id: &str) -> Result<Option<Post>> {
    let sql = format!("select {POST_COLUMNS} from forum_post where ap_id = $1");
    Ok(with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(ap_id)
    .fetch_optional(pool)
    .await)?)
}

/// The post `public_id` of forum `forum_id`, or 404.
pub async fn post(db: &Db, forum_id: i64, public_id: &str) -> Result<Post> {
    let sql =
        format!("select {POST_COLUMNS} from forum_post where forum_id = $1 and public_id = $2");
    let found: Option<Post> =
        with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(forum_id)
            .bind(public_id)
            .fetch_optional(pool)
            .await)?;
    found.ok_or(Error::NotFound)
}

/// The shown threads of `forum_id`, the pinned ones first (the latest pinned first), then
/// the latest activity first: `limit` from `offset`.
///
/// Two queries, each along its index: the pinned threads (a few), then the others by their
/// last activity, so that a page costs the same in a forum of ten threads or of ten thousand.
pub async fn threads(db: &Db, forum_id: i64, limit: i64, offset: i64) -> Result<Vec<Post>> {
    let pinned = pinned(db, forum_id).await?;
    let count = i64::try_from(pinned.len()).unwrap_or(i64::MAX);
    let mut found: Vec<Post> = pinned
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .collect();
    let rest = limit - i64::try_from(found.len()).unwrap_or(limit);
    if rest <= 0 {
        return Ok(found);
    }
    let sql = format!(
        "select {POST_COLUMNS} from forum_post where forum_id = $1 and thread_id is null \
         and pinned_at is null and status = 'shown' and held_at is null \
         order by last_activity_at desc, forum_post_id desc limit $2 offset $3"
    );
    let others: Vec<Post> =
        with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(forum_id)
            .bind(rest)
            .bind((offset - count).max(0))
            .fetch_all(pool)
            .await)?;
    found.extend(others);
    Ok(found)
}

/// The most replies a thread's page shows.
pub const MAX_REPLIES_SHOWN: i64 = 500;

/// The shown replies of thread `thread_id`, oldest first.
pub async fn replies(db: &Db, thread_id: i64) -> Result<Vec<Post>> {
    let sql = format!(
        "select {POST_COLUMNS} from forum_post where thread_id = $1 and status = 'shown' \
         and held_at is null order by created_at, forum_post_id limit $2"
    );
    Ok(with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(thread_id)
    .bind(MAX_REPLIES_SHOWN)
    .fetch_all(pool)
    .await)?)
}

/// The id of thread `thread_id`.
pub async fn thread_ap_id(db: &Db, thread_id: i64) -> Result<String> {
    let sql = "select ap_id from forum_post where forum_post_id = $1";
    let found: Option<String> = with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(thread_id)
        .fetch_optional(pool)
        .await)?;
    found.ok_or(Error::NotFound)
}

/// The thread `thread_id` itself, in `tx`.
pub async fn thread_in(tx: &mut Tx, thread_id: i64) -> Result<Option<Post>> {
    let sql = format!("select {POST_COLUMNS} from forum_post where forum_post_id = $1");
    Ok(with_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(thread_id)
    .fetch_optional(conn)
    .await)?)
}

/// Marks the post `ap_id` removed (its author deleted it, or a moderator took it down), in
/// `tx`; `true` when it was shown. A removed reply no longer counts on its thread.
pub async fn remove(tx: &mut Tx, ap_id: &str) -> Result<Option<Post>> {
    let Some(found) = by_ap_id(tx, ap_id).await? else {
        return Ok(None);
    };
    if found.status() == PostStatus::Removed {
        return Ok(None);
    }
    let sql = "update forum_post set status = 'removed', content_html = '', title = '', \
               activity = null, pinned_at = null, updated_at = $2 where forum_post_id = $1";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(found.forum_post_id)
        .bind(Utc::now())
        .execute(conn)
        .await
        .map(|_| ()))?;
    if let Some(thread) = found.thread_id {
        let sql = "update forum_post set reply_count = reply_count - 1 \
                   where forum_post_id = $1 and reply_count > 0";
        with_tx!(tx, |conn| sqlx::query(sql)
            .bind(thread)
            .execute(conn)
            .await
            .map(|_| ()))?;
    }
    Ok(Some(found))
}

/// What its author changed in a post of another server (their `Update` of it).
#[derive(Debug, Clone)]
pub struct Edit {
    /// A thread's new title (a reply has none).
    pub title: String,
    pub content_html: String,
    pub language: Option<String>,
}

/// Applies its author's `edit` to the post `ap_id`, in `tx`: `true` when the post is there
/// (not removed) and was changed. A thread keeps its title when the edit has none.
pub async fn edit(tx: &mut Tx, ap_id: &str, edit: &Edit) -> Result<bool> {
    let sql = "update forum_post set title = case when thread_id is null and $2 <> '' \
               then $2 else title end, content_html = $3, language = coalesce($4, language), \
               updated_at = $5 \
               where ap_id = $1 and status <> 'removed'";
    let changed = with_tx!(tx, |conn| sqlx::query(sql)
        .bind(ap_id)
        .bind(&edit.title)
        .bind(&edit.content_html)
        .bind(&edit.language)
        .bind(Utc::now())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(changed == 1)
}

/// Removes every post by an actor on `domain` or a subdomain of it (the domain was blocked),
/// in `tx`, and counts again the replies of the threads they answered. Returns how many.
pub async fn remove_domain(tx: &mut Tx, domain: &str) -> Result<u64> {
    let on_domain = crate::domain::policy::on_domain_sql("author_ap_id", 1);
    let threads = format!(
        "select distinct thread_id from forum_post where thread_id is not null \
         and status = 'shown' and local_actor_id is null and {on_domain}"
    );
    let threads: Vec<i64> = with_tx!(tx, |conn| sqlx::query_scalar(sqlx::AssertSqlSafe(
        threads.as_str()
    ))
    .bind(domain)
    .fetch_all(conn)
    .await)?;
    let sql = format!(
        "update forum_post set status = 'removed', content_html = '', title = '', \
         activity = null, pinned_at = null, updated_at = $2 \
         where status = 'shown' and local_actor_id is null and {on_domain}"
    );
    let removed = with_tx!(tx, |conn| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(domain)
        .bind(Utc::now())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    let recount = "update forum_post set reply_count = (select count(*) from forum_post r \
                   where r.thread_id = $1 and r.status = 'shown' and r.held_at is null) \
                   where forum_post_id = $1";
    for thread in threads {
        with_tx!(tx, |conn| sqlx::query(recount)
            .bind(thread)
            .execute(conn)
            .await
            .map(|_| ()))?;
    }
    Ok(removed)
}

/// A member's post checked: the title of a thread (required) and the body, bounded.
pub fn check_post(title: Option<&str>, body: &str) -> Result<(String, String)> {
    let mut check = Check::default();
    let title = match title {
        Some(title) => check.text("title", title, MAX_TITLE),
        None => String::new(),
    };
    let body = check.text("body", body, MAX_BODY);
    check.finish()?;
    Ok((title, body))
}

/// The pinned threads of `forum_id`, the latest pinned first.
pub async fn pinned(db: &Db, forum_id: i64) -> Result<Vec<Post>> {
    let sql = format!(
        "select {POST_COLUMNS} from forum_post where forum_id = $1 and pinned_at is not null \
         and status = 'shown' order by pinned_at desc limit 50"
    );
    Ok(with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(forum_id)
    .fetch_all(pool)
    .await)?)
}

/// Locks (or unlocks) the thread `forum_post_id`, in `tx`: `true` when that changed it.
pub async fn set_locked(tx: &mut Tx, forum_post_id: i64, locked: bool) -> Result<bool> {
    set_mark(tx, forum_post_id, "locked_at", locked).await
}

/// Pins (or unpins) the thread `forum_post_id`, in `tx`: `true` when that changed it.
pub async fn set_pinned(tx: &mut Tx, forum_post_id: i64, pinned: bool) -> Result<bool> {
    set_mark(tx, forum_post_id, "pinned_at", pinned).await
}

/// Sets (to now) or clears a thread's moment `column` (`locked_at` or `pinned_at`, never a
/// reader's text), in `tx`: `true` when that changed it. A removed thread is neither.
async fn set_mark(tx: &mut Tx, forum_post_id: i64, column: &'static str, on: bool) -> Result<bool> {
    let sql = if on {
        format!(
            "update forum_post set {column} = $2 where forum_post_id = $1 \
             and thread_id is null and {column} is null and status = 'shown'"
        )
    } else {
        format!(
            "update forum_post set {column} = null where forum_post_id = $1 \
             and {column} is not null and $2 is not null"
        )
    };
    Ok(
        with_tx!(tx, |conn| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(forum_post_id)
            .bind(Utc::now())
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))?
            == 1,
    )
}

/// The actors that moderate `forum_id`: those named its moderators, and every admin's.
pub async fn moderators(db: &Db, forum_id: i64) -> Result<Vec<i64>> {
    let sql = "select local_actor_id from forum_moderator where forum_id = $1 \
               union select l.local_actor_id from local_actor l \
               join account a on a.account_id = l.account_id \
               where a.role = 'admin' and a.status = 'active' order by 1";
    Ok(with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(forum_id)
        .fetch_all(pool)
        .await)?)
}

/// Whether the actor `local_actor_id` moderates `forum_id` (named, or an admin's).
pub async fn is_moderator(db: &Db, forum_id: i64, local_actor_id: i64) -> Result<bool> {
    Ok(moderators(db, forum_id).await?.contains(&local_actor_id))
}

/// The actors named moderators of `forum_id` (not the admins, who always are), by when.
pub async fn named_moderators(db: &Db, forum_id: i64) -> Result<Vec<i64>> {
    let sql = "select local_actor_id from forum_moderator where forum_id = $1 order by created_at";
    Ok(with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(forum_id)
        .fetch_all(pool)
        .await)?)
}

/// Names (or, with `named` false, un-names) `local_actor_id` a moderator of `forum_id`, in
/// `tx`: `true` when that changed anything.
pub async fn set_moderator(
    tx: &mut Tx,
    forum_id: i64,
    local_actor_id: i64,
    named: bool,
) -> Result<bool> {
    let changed = if named {
        let sql = "insert into forum_moderator (forum_id, local_actor_id, created_at) \
                   values ($1, $2, $3) on conflict do nothing";
        with_tx!(tx, |conn| sqlx::query(sql)
            .bind(forum_id)
            .bind(local_actor_id)
            .bind(Utc::now())
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))?
    } else {
        let sql = "delete from forum_moderator where forum_id = $1 and local_actor_id = $2";
        with_tx!(tx, |conn| sqlx::query(sql)
            .bind(forum_id)
            .bind(local_actor_id)
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))?
    };
    Ok(changed == 1)
}

/// Removes every post of `author_ap_id` (their account is gone), in `tx`; returns how many.
pub async fn erase_author(tx: &mut Tx, author_ap_id: &str) -> Result<u64> {
    let sql = "update forum_post set status = 'removed', content_html = '', title = '', \
               activity = null, pinned_at = null, updated_at = $2 \
               where author_ap_id = $1 and status = 'shown'";
    let removed = with_tx!(tx, |conn| sqlx::query(sql)
        .bind(author_ap_id)
        .bind(Utc::now())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    // The threads they replied in count what is left.
    let sql = "update forum_post set reply_count = (select count(*) from forum_post r \
               where r.thread_id = forum_post.forum_post_id and r.status = 'shown') \
               where forum_post_id in (select thread_id from forum_post \
               where author_ap_id = $1 and thread_id is not null)";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(author_ap_id)
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok(removed)
}

/// Marks `answer` (a reply's id) the accepted answer of the thread `forum_post_id`, in `tx`:
/// `true` when that changed it.
pub async fn set_accepted(tx: &mut Tx, forum_post_id: i64, answer: Option<&str>) -> Result<bool> {
    let sql = "update forum_post set accepted_answer = $2, updated_at = $3 \
               where forum_post_id = $1 and thread_id is null \
               and coalesce(accepted_answer, '') <> coalesce($2, '')";
    Ok(with_tx!(tx, |conn| sqlx::query(sql)
        .bind(forum_post_id)
        .bind(answer)
        .bind(Utc::now())
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?
        == 1)
}

/// A post with the slug of its forum, as the lists across forums read them.
#[derive(sqlx::FromRow)]
struct PostInForum {
    #[sqlx(flatten)]
    post: Post,
    slug: String,
}

/// Posts across forums with their forum's slug: `condition` (on `p`, the post) and its
/// `order`, `limit` of them (bound as `$1`).
async fn posts_in_forums(
    db: &Db,
    condition: &str,
    order: &str,
    limit: i64,
) -> Result<Vec<(Post, String)>> {
    let columns = POST_COLUMNS
        .split(", ")
        .map(|column| format!("p.{}", column.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "select {columns}, coalesce(l.username, f.slug) as slug from forum_post p \
         join forum f on f.forum_id = p.forum_id \
         left join local_actor l on l.local_actor_id = f.local_actor_id \
         where {condition} order by {order} limit $1"
    );
    let rows: Vec<PostInForum> =
        with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(limit)
            .fetch_all(pool)
            .await)?;
    Ok(rows.into_iter().map(|row| (row.post, row.slug)).collect())
}

/// The open questions (no accepted answer, not locked) in any of `areas`, newest first,
/// across every forum: what an expert is asked.
pub async fn questions_in(db: &Db, areas: &[String], limit: i64) -> Result<Vec<(Post, String)>> {
    if areas.is_empty() {
        return Ok(Vec::new());
    }
    let open = posts_in_forums(
        db,
        "p.thread_id is null and p.status = 'shown' and p.held_at is null \
         and p.areas <> '[]' and p.accepted_answer is null and p.locked_at is null",
        "p.created_at desc",
        200,
    )
    .await?;
    Ok(open
        .into_iter()
        .filter(|(post, _)| post.areas().iter().any(|area| areas.contains(area)))
        .take(usize::try_from(limit).unwrap_or(0))
        .collect())
}

/// The posts of our forums (of `forum_id` only, when given) held for a moderator, oldest
/// first, with their forum's slug.
pub async fn held(db: &Db, forum_id: Option<i64>, limit: i64) -> Result<Vec<(Post, String)>> {
    let condition = match forum_id {
        // An integer of ours, never a reader's text.
        Some(forum_id) => format!(
            "p.held_at is not null and p.status = 'shown' and f.local_actor_id is not null \
             and f.forum_id = {forum_id}"
        ),
        None => "p.held_at is not null and p.status = 'shown' and f.local_actor_id is not null"
            .to_string(),
    };
    posts_in_forums(db, &condition, "p.held_at, p.forum_post_id", limit).await
}

/// The held post `forum_post_id` of one of our forums, with its forum's slug.
pub async fn held_post(db: &Db, forum_post_id: i64) -> Result<Option<(Post, String)>> {
    let condition = format!(
        "p.forum_post_id = {forum_post_id} and p.held_at is not null and p.status = 'shown' \
         and f.local_actor_id is not null"
    );
    Ok(posts_in_forums(db, &condition, "p.forum_post_id", 1)
        .await?
        .into_iter()
        .next())
}

/// Releases the held post `forum_post_id`, in `tx`: shown from now on, and counted on its
/// thread. `None` when it was not held.
pub async fn release(tx: &mut Tx, forum_post_id: i64) -> Result<Option<Post>> {
    let sql = "update forum_post set held_at = null where forum_post_id = $1 \
               and held_at is not null and status = 'shown'";
    let changed = with_tx!(tx, |conn| sqlx::query(sql)
        .bind(forum_post_id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    if changed == 0 {
        return Ok(None);
    }
    let released = thread_in(tx, forum_post_id).await?.ok_or(Error::NotFound)?;
    if let Some(thread) = released.thread_id {
        let sql = "update forum_post set reply_count = reply_count + 1, \
                   last_activity_at = case when last_activity_at < $2 then $2 \
                   else last_activity_at end where forum_post_id = $1";
        with_tx!(tx, |conn| sqlx::query(sql)
            .bind(thread)
            .bind(Utc::now())
            .execute(conn)
            .await
            .map(|_| ()))?;
    }
    Ok(Some(released))
}
