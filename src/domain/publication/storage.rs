//! The publish / edit / delete life cycle of our publications and finding one, over the
//! `publication` and `publication_text` tables: new public ids, the rows and how they are
//! assembled into a [`Publication`] with its texts, and the event and opportunity time columns
//! lists order and filter by. Each write also writes the filter rows (`index.rs`) in the same
//! transaction.
//!
//! Invariants: a public id is never reused (a deleted publication keeps its row, its texts are
//! erased); texts are stored with their rendered, sanitized HTML; the default language's text
//! comes first.

use super::input::section;
use super::{Bodies, Byline, Details, Draft, Kind, Publication, Text, index};
use crate::db::{Db, Tx, unpack, with_pool, with_tx};
use crate::domain::validation::Check;
use crate::domain::{event, opportunity, resource, story};
use crate::error::{Error, FieldError, Reason, Result};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// A new public id: time-ordered (milliseconds) and random, in lower-case hex.
pub fn new_public_id(now: DateTime<Utc>) -> String {
    format!(
        "{:012x}{:08x}",
        now.timestamp_millis(),
        rand::random::<u32>()
    )
}

/// A `publication` row, without its texts (its fields in the order of [`COLUMNS`], as a
/// packed row is read).
#[derive(sqlx::FromRow, serde::Deserialize)]
pub(super) struct Row {
    publication_id: i64,
    public_id: String,
    kind: String,
    default_language: String,
    hashtags: String,
    gcm_objectives: String,
    gcm_categories: String,
    countries_of_origin: String,
    countries_of_residence: String,
    details: String,
    published_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
    pinned_at: Option<DateTime<Utc>>,
    author_account_id: Option<i64>,
    author_name: Option<String>,
    author_type: Option<String>,
}

/// A `publication_text` row, its fields in the order of [`TEXT_NAMES`].
#[derive(sqlx::FromRow, serde::Deserialize)]
struct TextRow {
    publication_id: i64,
    language: String,
    title: String,
    summary: String,
    body_markdown: String,
    body_html: String,
}

impl From<TextRow> for Text {
    fn from(row: TextRow) -> Text {
        Text {
            language: row.language,
            title: row.title,
            summary: row.summary,
            body_markdown: row.body_markdown,
            body_html: row.body_html,
        }
    }
}

/// The names of [`TextRow`]'s columns.
const TEXT_NAMES: &str = "publication_id, language, title, summary, body_markdown, body_html";

/// The columns of [`Row`].
pub(super) const COLUMNS: &str = "publication_id, public_id, kind, default_language, hashtags, gcm_objectives, \
    gcm_categories, countries_of_origin, countries_of_residence, details, published_at, updated_at, deleted_at, \
    pinned_at, author_account_id, \
    (select name from account where account_id = publication.author_account_id \
        and status = 'active') as author_name, \
    (select account_type from account where account_id = publication.author_account_id \
        and status = 'active') as author_type";

/// The names of [`COLUMNS`], for [`Db::packed`].
pub(super) const NAMES: &str = "publication_id, public_id, kind, default_language, hashtags, \
    gcm_objectives, gcm_categories, countries_of_origin, countries_of_residence, details, \
    published_at, updated_at, deleted_at, pinned_at, author_account_id, author_name, author_type";

fn assemble(row: Row, mut texts: Vec<Text>) -> Result<Publication> {
    let kind = Kind::parse(&row.kind).ok_or_else(|| Error::internal("unknown stored kind"))?;
    let details: Details = if row.deleted_at.is_some() {
        // A deleted publication keeps no content; its details are empty placeholders.
        serde_json::from_str(&row.details).unwrap_or(empty_details(kind))
    } else {
        serde_json::from_str(&row.details)?
    };
    texts.sort_by_key(|text| (text.language != row.default_language, text.language.clone()));
    let byline = match (row.author_account_id, row.author_name) {
        (Some(account_id), Some(name)) => Some(Byline {
            account_id,
            name,
            organization: row.author_type.as_deref() == Some("organization"),
        }),
        _ => None,
    };
    Ok(Publication {
        byline,
        publication_id: row.publication_id,
        public_id: row.public_id,
        kind,
        draft: Draft {
            default_language: row.default_language,
            texts,
            hashtags: serde_json::from_str(&row.hashtags)?,
            gcm_objectives: serde_json::from_str(&row.gcm_objectives)?,
            gcm_categories: serde_json::from_str(&row.gcm_categories)?,
            author: row.author_account_id,
            countries_of_origin: serde_json::from_str(&row.countries_of_origin)?,
            countries_of_residence: serde_json::from_str(&row.countries_of_residence)?,
            details,
        },
        published_at: row.published_at,
        updated_at: row.updated_at,
        deleted_at: row.deleted_at,
        pinned_at: row.pinned_at,
    })
}

fn empty_details(kind: Kind) -> Details {
    let mut ignore = Check::default();
    match kind {
        Kind::Story => Details::Story(section(&None, story::validate, &mut ignore, kind)),
        Kind::Event => Details::Event(section(&None, event::validate, &mut ignore, kind)),
        Kind::Opportunity => {
            Details::Opportunity(section(&None, opportunity::validate, &mut ignore, kind))
        }
        Kind::Resource => Details::Resource(section(&None, resource::validate, &mut ignore, kind)),
    }
}

/// What a story's consent allows, kept in columns (`federated`, `indexable`, `withdraw_at`)
/// for the outbox, search and the withdrawal of stories whose consent ends on a day.
fn consent_columns(details: &Details) -> (bool, bool, Option<DateTime<Utc>>) {
    match details {
        Details::Story(story) => (
            story.federated(),
            story.indexable(),
            story
                .consent
                .withdraw_on
                .and_then(|day| day.and_hms_opt(0, 0, 0))
                .map(|moment| moment.and_utc()),
        ),
        _ => (true, true, None),
    }
}

/// Event start and end, and opportunity deadline, kept in columns for ordering and filtering.
struct TimeColumns {
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    deadline: Option<DateTime<Utc>>,
}

fn time_columns(details: &Details) -> TimeColumns {
    let (starts_at, ends_at, deadline) = match details {
        Details::Event(event) => (
            Some(event::starts_utc(event)),
            Some(event::ends_utc(event)),
            None,
        ),
        Details::Opportunity(opportunity) => (None, None, opportunity.deadline),
        _ => (None, None, None),
    };
    TimeColumns {
        starts_at,
        ends_at,
        deadline,
    }
}

async fn insert_texts(tx: &mut Tx, publication_id: i64, texts: &[Text]) -> Result<()> {
    let sql = "insert into publication_text (publication_id, language, title, summary, \
               body_markdown, body_html) values ($1, $2, $3, $4, $5, $6)";
    for text in texts {
        with_tx!(tx, |conn| sqlx::query(sql)
            .bind(publication_id)
            .bind(&text.language)
            .bind(&text.title)
            .bind(&text.summary)
            .bind(&text.body_markdown)
            .bind(&text.body_html)
            .execute(conn)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}

async fn delete_texts(tx: &mut Tx, publication_id: i64) -> Result<()> {
    let sql = "delete from publication_text where publication_id = $1";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(publication_id)
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The byline of `draft`'s author; refuses an author that is not an active account (422 on
/// `author`).
async fn check_author(tx: &mut Tx, draft: &Draft) -> Result<Option<Byline>> {
    let Some(author) = draft.author else {
        return Ok(None);
    };
    let sql = "select name, account_type from account where account_id = $1 and status = 'active'";
    let found: Option<(String, String)> = with_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(author)
        .fetch_optional(conn)
        .await)?;
    match found {
        Some((name, account_type)) => Ok(Some(Byline {
            account_id: author,
            name,
            organization: account_type == "organization",
        })),
        None => Err(Error::Invalid(vec![FieldError::of(
            "author",
            Reason::Author,
        )])),
    }
}

/// Stores a new publication.
pub async fn create(tx: &mut Tx, draft: &Draft, now: DateTime<Utc>) -> Result<Publication> {
    let byline = check_author(tx, draft).await?;
    let public_id = new_public_id(now);
    let TimeColumns {
        starts_at,
        ends_at,
        deadline,
    } = time_columns(&draft.details);
    let sql = "insert into publication (public_id, kind, default_language, hashtags, gcm_objectives, \
               countries_of_origin, countries_of_residence, details, starts_at, ends_at, deadline, \
               published_at, updated_at, gcm_categories, author_account_id, long_event, \
               federated, indexable, withdraw_at) \
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15, \
               $16, $17, $18) returning publication_id";
    let (federated, indexable, withdraw_at) = consent_columns(&draft.details);
    let publication_id: i64 = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(&public_id)
        .bind(draft.details.kind().as_str())
        .bind(&draft.default_language)
        .bind(serde_json::to_string(&draft.hashtags)?)
        .bind(serde_json::to_string(&draft.gcm_objectives)?)
        .bind(serde_json::to_string(&draft.countries_of_origin)?)
        .bind(serde_json::to_string(&draft.countries_of_residence)?)
        .bind(serde_json::to_string(&draft.details)?)
        .bind(starts_at)
        .bind(ends_at)
        .bind(deadline)
        .bind(now)
        .bind(serde_json::to_string(&draft.gcm_categories)?)
        .bind(draft.author)
        .bind(super::is_long_event(starts_at, ends_at))
        .bind(federated)
        .bind(indexable)
        .bind(withdraw_at)
        .fetch_one(conn)
        .await)?;
    insert_texts(tx, publication_id, &draft.texts).await?;
    index::write(tx, publication_id, draft).await?;
    Ok(Publication {
        publication_id,
        public_id,
        kind: draft.details.kind(),
        draft: draft.clone(),
        published_at: now,
        updated_at: now,
        deleted_at: None,
        pinned_at: None,
        byline,
    })
}

/// Replaces a publication's content. Refuses a deleted one (410) and a change of kind.
pub async fn update(
    tx: &mut Tx,
    current: &Publication,
    draft: &Draft,
    now: DateTime<Utc>,
) -> Result<Publication> {
    if current.is_deleted() {
        return Err(Error::Gone);
    }
    let byline = check_author(tx, draft).await?;
    // Peers apply an edit only if `updated` is newer, and timestamps travel to the second: an
    // edit is at least one second after the previous version.
    let now = now.max(current.updated_at + chrono::Duration::seconds(1));
    let TimeColumns {
        starts_at,
        ends_at,
        deadline,
    } = time_columns(&draft.details);
    let sql = "update publication set default_language = $1, hashtags = $2, gcm_objectives = $3, \
               countries_of_origin = $4, countries_of_residence = $5, details = $6, starts_at = $7, \
               ends_at = $8, deadline = $9, updated_at = $10, gcm_categories = $12, \
               author_account_id = $13, long_event = $14, federated = $15, indexable = $16, \
               withdraw_at = $17 where publication_id = $11";
    let (federated, indexable, withdraw_at) = consent_columns(&draft.details);
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(&draft.default_language)
        .bind(serde_json::to_string(&draft.hashtags)?)
        .bind(serde_json::to_string(&draft.gcm_objectives)?)
        .bind(serde_json::to_string(&draft.countries_of_origin)?)
        .bind(serde_json::to_string(&draft.countries_of_residence)?)
        .bind(serde_json::to_string(&draft.details)?)
        .bind(starts_at)
        .bind(ends_at)
        .bind(deadline)
        .bind(now)
        .bind(current.publication_id)
        .bind(serde_json::to_string(&draft.gcm_categories)?)
        .bind(draft.author)
        .bind(super::is_long_event(starts_at, ends_at))
        .bind(federated)
        .bind(indexable)
        .bind(withdraw_at)
        .execute(conn)
        .await
        .map(|_| ()))?;
    delete_texts(tx, current.publication_id).await?;
    insert_texts(tx, current.publication_id, &draft.texts).await?;
    index::write(tx, current.publication_id, draft).await?;
    Ok(Publication {
        draft: draft.clone(),
        updated_at: now,
        byline,
        ..current.clone()
    })
}

/// Deletes a publication: its content is erased, its id stays taken and answers "gone".
pub async fn delete(tx: &mut Tx, current: &Publication, now: DateTime<Utc>) -> Result<Publication> {
    if current.is_deleted() {
        return Err(Error::Gone);
    }
    let sql = "update publication set deleted_at = $1, updated_at = $1, details = '{}', \
               hashtags = '[]', gcm_objectives = '[]', gcm_categories = '[]', countries_of_origin = '[]', \
               countries_of_residence = '[]', pinned_at = null, author_account_id = null, \
               withdraw_at = null where publication_id = $2";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(now)
        .bind(current.publication_id)
        .execute(conn)
        .await
        .map(|_| ()))?;
    delete_texts(tx, current.publication_id).await?;
    index::clear(tx, current.publication_id).await?;
    Ok(Publication {
        draft: Draft {
            texts: Vec::new(),
            hashtags: Vec::new(),
            gcm_objectives: Vec::new(),
            gcm_categories: Vec::new(),
            author: None,
            countries_of_origin: Vec::new(),
            countries_of_residence: Vec::new(),
            ..current.draft.clone()
        },
        updated_at: now,
        deleted_at: Some(now),
        pinned_at: None,
        ..current.clone()
    })
}

/// The publication of `kind` with `public_id`, deleted or not.
pub async fn find(db: &Db, kind: Kind, public_id: &str) -> Result<Publication> {
    let sql = format!("select {COLUMNS} from publication where kind = $1 and public_id = $2");
    let row: Option<Row> =
        with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(kind.as_str())
            .bind(public_id)
            .fetch_optional(pool)
            .await)?;
    let row = row.ok_or(Error::NotFound)?;
    let sql = "select publication_id, language, title, summary, body_markdown, body_html \
               from publication_text where publication_id = $1";
    let texts: Vec<TextRow> = with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(row.publication_id)
        .fetch_all(pool)
        .await)?;
    assemble(row, texts.into_iter().map(Text::from).collect())
}

/// The publications of `rows`, in the same order, with their texts (their bodies too when
/// `bodies` says so).
pub(super) async fn with_texts(
    db: &Db,
    rows: Vec<Row>,
    bodies: Bodies,
) -> Result<Vec<Publication>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=rows.len()).map(|index| format!("${index}")).collect();
    let body_columns = match bodies {
        Bodies::Included => "body_markdown, body_html",
        Bodies::Left => "'' as body_markdown, '' as body_html",
    };
    let sql = db.packed(
        TEXT_NAMES,
        &format!(
            "select publication_id, language, title, summary, {body_columns} \
             from publication_text where publication_id in ({})",
            placeholders.join(", ")
        ),
    );
    let packed: String = with_pool!(db, |pool| {
        let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
        for row in &rows {
            query = query.bind(row.publication_id);
        }
        query.fetch_one(pool).await
    })?;
    let mut by_publication: BTreeMap<i64, Vec<Text>> = BTreeMap::new();
    for row in unpack::<TextRow>(&packed)? {
        by_publication
            .entry(row.publication_id)
            .or_default()
            .push(Text::from(row));
    }
    rows.into_iter()
        .map(|row| {
            let texts = by_publication
                .remove(&row.publication_id)
                .unwrap_or_default();
            assemble(row, texts)
        })
        .collect()
}
