//! What the four kinds share: multilingual text, hashtags, GCM objectives, countries, the
//! publish / edit / delete life cycle, and the `publication` and `publication_text` tables;
//! `index.rs` keeps the rows that list filters look up (countries, objectives, hashtags, the
//! kind's filtered fields, images shown) in step with each write.
//!
//! Invariants: a public id is never reused (a deleted publication keeps its row, its texts are
//! erased); texts are stored with their rendered, sanitized HTML; the default language's text
//! comes first.

use super::event::{self, EventDetails, EventInput};
use super::opportunity::{self, OpportunityDetails, OpportunityInput};
use super::resource::{self, ResourceDetails, ResourceInput};
use super::story::{self, StoryDetails, StoryInput};
use super::text::markdown_to_html;
use super::validation::{Check, language};
use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The four kinds of publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Story,
    Event,
    Opportunity,
    Resource,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Story, Kind::Event, Kind::Opportunity, Kind::Resource];

    /// `story`, `event`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Story => "story",
            Kind::Event => "event",
            Kind::Opportunity => "opportunity",
            Kind::Resource => "resource",
        }
    }

    /// `stories`, `events`, … (used in paths).
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Story => "stories",
            Kind::Event => "events",
            Kind::Opportunity => "opportunities",
            Kind::Resource => "resources",
        }
    }

    /// The kind named `name`, singular or plural.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name || kind.plural() == name)
    }
}

/// One language version of a publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Text {
    pub language: String,
    pub title: String,
    pub summary: String,
    pub body_markdown: String,
    pub body_html: String,
}

/// The fields only one kind has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Details {
    Story(StoryDetails),
    Event(EventDetails),
    Opportunity(OpportunityDetails),
    Resource(ResourceDetails),
}

impl Details {
    pub fn kind(&self) -> Kind {
        match self {
            Details::Story(_) => Kind::Story,
            Details::Event(_) => Kind::Event,
            Details::Opportunity(_) => Kind::Opportunity,
            Details::Resource(_) => Kind::Resource,
        }
    }
}

/// A validated publication, before it is stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Draft {
    pub default_language: String,
    /// The default language's text first.
    pub texts: Vec<Text>,
    pub hashtags: Vec<String>,
    pub gcm_objectives: Vec<u8>,
    pub countries_of_origin: Vec<String>,
    pub countries_of_residence: Vec<String>,
    pub details: Details,
}

/// A stored publication.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Publication {
    pub publication_id: i64,
    /// The id in URLs; never reused.
    pub public_id: String,
    pub kind: Kind,
    #[serde(flatten)]
    pub draft: Draft,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// When an editor pinned it to the organization's profile.
    pub pinned_at: Option<DateTime<Utc>>,
}

impl Publication {
    /// The text in the default language.
    pub fn text(&self) -> Option<&Text> {
        self.draft.texts.first()
    }

    /// The text in `language`, else the default one.
    pub fn text_in(&self, language: &str) -> Option<&Text> {
        self.draft
            .texts
            .iter()
            .find(|text| text.language == language)
            .or_else(|| self.text())
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

/// A publication as given to the API or the CLI (JSON or TOML).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The language shown when the reader's is missing; must be one of `text`'s.
    pub default_language: Option<String>,
    /// The texts, by language tag: `text.en`, `text.ar`, …
    #[serde(default)]
    pub text: BTreeMap<String, TextInput>,
    #[serde(default)]
    pub hashtags: Vec<String>,
    /// Global Compact for Migration objectives, 1 to 23.
    #[serde(default)]
    pub gcm_objectives: Vec<i64>,
    #[serde(default)]
    pub countries_of_origin: Vec<String>,
    #[serde(default)]
    pub countries_of_residence: Vec<String>,
    pub story: Option<StoryInput>,
    pub event: Option<EventInput>,
    pub opportunity: Option<OpportunityInput>,
    pub resource: Option<ResourceInput>,
}

/// One language version, as given.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextInput {
    pub title: String,
    /// One to three sentences, plain text: what followers on Mastodon read.
    #[serde(default)]
    pub summary: String,
    /// The full text, in Markdown.
    #[serde(default)]
    pub body: String,
}

/// Most languages one publication may have.
const MAX_LANGUAGES: usize = 12;
/// Most hashtags.
const MAX_HASHTAGS: usize = 20;

impl Input {
    /// Parses JSON, naming the field of any type error.
    pub fn from_json(body: &[u8]) -> Result<Input> {
        let mut deserializer = serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let path = error.path().to_string();
            let inner = error.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                Error::BadRequest(format!("the body is not JSON: {inner}"))
            } else {
                Error::invalid(
                    if path == "." {
                        "body".to_string()
                    } else {
                        path
                    },
                    inner.to_string(),
                )
            }
        })
    }

    /// Parses TOML, naming the field of any error.
    pub fn from_toml(text: &str) -> Result<Input> {
        let deserializer = toml::Deserializer::parse(text)
            .map_err(|error| Error::BadRequest(format!("not TOML: {error}")))?;
        serde_path_to_error::deserialize(deserializer).map_err(|error| {
            let path = error.path().to_string();
            Error::invalid(path, error.into_inner().message().to_string())
        })
    }

    /// Validates the input as a publication of `kind`; `languages` are the instance's, the
    /// first being its default.
    pub fn validate(&self, kind: Kind, languages: &[String]) -> Result<Draft> {
        let mut check = Check::default();
        let mut texts = Vec::new();
        if self.text.is_empty() {
            check.fail(
                "text",
                "give the text in at least one language, e.g. text.en.title",
            );
        }
        check.require(
            self.text.len() <= MAX_LANGUAGES,
            "text",
            format!("at most {MAX_LANGUAGES} languages"),
        );
        for (tag, text) in &self.text {
            let Some(language) = language(tag) else {
                check.fail(
                    format!("text.{tag}"),
                    "is not a language tag such as \"ar\" or \"fr-CA\"",
                );
                continue;
            };
            if texts
                .iter()
                .any(|text: &Text| text.language.eq_ignore_ascii_case(&language))
            {
                check.fail(format!("text.{tag}"), "this language is given twice");
                continue;
            }
            let field = |name: &str| format!("text.{tag}.{name}");
            let title = check.text(&field("title"), &text.title, 200);
            let summary = check.text(&field("summary"), &text.summary, 500);
            let body_markdown = text.body.trim().to_string();
            check.require(
                body_markdown.chars().count() <= 100_000,
                field("body"),
                "must be at most 100000 characters",
            );
            texts.push(Text {
                body_html: markdown_to_html(&body_markdown),
                language,
                title,
                summary,
                body_markdown,
            });
        }
        let default_language = match self.default_language.as_deref().map(language) {
            Some(Some(tag)) if texts.iter().any(|text| text.language == tag) => tag,
            Some(_) => {
                check.fail(
                    "default_language",
                    "must be one of the languages given in text",
                );
                String::new()
            }
            None => languages
                .iter()
                .find(|tag| texts.iter().any(|text| &text.language == *tag))
                .or_else(|| texts.first().map(|text| &text.language))
                .cloned()
                .unwrap_or_default(),
        };
        texts.sort_by_key(|text| (text.language != default_language, text.language.clone()));

        let hashtags = hashtags(&self.hashtags, &mut check);
        let mut gcm_objectives: Vec<u8> = Vec::new();
        for (index, objective) in self.gcm_objectives.iter().enumerate() {
            match u8::try_from(*objective) {
                Ok(objective @ 1..=23) if !gcm_objectives.contains(&objective) => {
                    gcm_objectives.push(objective)
                }
                Ok(1..=23) => {}
                _ => check.fail(
                    format!("gcm_objectives[{index}]"),
                    "must be an objective from 1 to 23",
                ),
            }
        }
        gcm_objectives.sort_unstable();
        let countries_of_origin = check.countries("countries_of_origin", &self.countries_of_origin);
        let countries_of_residence =
            check.countries("countries_of_residence", &self.countries_of_residence);

        for (section, given) in [
            (Kind::Story, self.story.is_some()),
            (Kind::Event, self.event.is_some()),
            (Kind::Opportunity, self.opportunity.is_some()),
            (Kind::Resource, self.resource.is_some()),
        ] {
            if section != kind && given {
                check.fail(
                    section.as_str(),
                    format!("only {} has this section", with_article(section)),
                );
            }
        }
        let details = match kind {
            Kind::Story => Details::Story(section(&self.story, story::validate, &mut check, kind)),
            Kind::Event => Details::Event(section(&self.event, event::validate, &mut check, kind)),
            Kind::Opportunity => Details::Opportunity(section(
                &self.opportunity,
                opportunity::validate,
                &mut check,
                kind,
            )),
            Kind::Resource => Details::Resource(section(
                &self.resource,
                resource::validate,
                &mut check,
                kind,
            )),
        };
        check.finish()?;
        Ok(Draft {
            default_language,
            texts,
            hashtags,
            gcm_objectives,
            countries_of_origin,
            countries_of_residence,
            details,
        })
    }
}

/// "a story", "an event", …
fn with_article(kind: Kind) -> String {
    let name = kind.as_str();
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}

/// Hashtags without `#`: letters (any script), digits and `_`; duplicates (ignoring case) dropped.
fn hashtags(values: &[String], check: &mut Check) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for (index, value) in values.iter().enumerate() {
        let tag = value.trim().trim_start_matches('#');
        let valid = !tag.is_empty()
            && tag.chars().count() <= 50
            && tag.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !valid {
            check.fail(
                format!("hashtags[{index}]"),
                "must be letters, digits and _ only (at most 50), such as \"MigrationStories\"",
            );
        } else if !tags
            .iter()
            .any(|known| known.to_lowercase() == tag.to_lowercase())
        {
            tags.push(tag.to_string());
        }
    }
    check.require(
        tags.len() <= MAX_HASHTAGS,
        "hashtags",
        format!("at most {MAX_HASHTAGS}"),
    );
    tags
}

/// A new public id: time-ordered (milliseconds) and random, in lower-case hex.
pub fn new_public_id(now: DateTime<Utc>) -> String {
    format!(
        "{:012x}{:08x}",
        now.timestamp_millis(),
        rand::random::<u32>()
    )
}

#[derive(sqlx::FromRow)]
struct Row {
    publication_id: i64,
    public_id: String,
    kind: String,
    default_language: String,
    hashtags: String,
    gcm_objectives: String,
    countries_of_origin: String,
    countries_of_residence: String,
    details: String,
    published_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
    pinned_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct TextRow {
    publication_id: i64,
    #[sqlx(flatten)]
    text: Text,
}

const COLUMNS: &str = "publication_id, public_id, kind, default_language, hashtags, gcm_objectives, \
    countries_of_origin, countries_of_residence, details, published_at, updated_at, deleted_at, \
    pinned_at";

fn assemble(row: Row, mut texts: Vec<Text>) -> Result<Publication> {
    let kind = Kind::parse(&row.kind).ok_or_else(|| Error::internal("unknown stored kind"))?;
    let details: Details = if row.deleted_at.is_some() {
        // A deleted publication keeps no content; its details are empty placeholders.
        serde_json::from_str(&row.details).unwrap_or(empty_details(kind))
    } else {
        serde_json::from_str(&row.details)?
    };
    texts.sort_by_key(|text| (text.language != row.default_language, text.language.clone()));
    Ok(Publication {
        publication_id: row.publication_id,
        public_id: row.public_id,
        kind,
        draft: Draft {
            default_language: row.default_language,
            texts,
            hashtags: serde_json::from_str(&row.hashtags)?,
            gcm_objectives: serde_json::from_str(&row.gcm_objectives)?,
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

/// Validates a kind's own section; a missing one is reported, and stands in as an empty input
/// whose own errors are not (the missing section says it all).
fn section<I: Default, D>(
    given: &Option<I>,
    validate: fn(&I, &mut Check) -> D,
    check: &mut Check,
    kind: Kind,
) -> D {
    match given {
        Some(input) => validate(input, check),
        None => {
            check.fail(
                kind.as_str(),
                format!(
                    "{} needs its [{}] section",
                    with_article(kind),
                    kind.as_str()
                ),
            );
            validate(&I::default(), &mut Check::default())
        }
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

/// Stores a new publication.
pub async fn create(tx: &mut Tx, draft: &Draft, now: DateTime<Utc>) -> Result<Publication> {
    let public_id = new_public_id(now);
    let TimeColumns {
        starts_at,
        ends_at,
        deadline,
    } = time_columns(&draft.details);
    let sql = "insert into publication (public_id, kind, default_language, hashtags, gcm_objectives, \
               countries_of_origin, countries_of_residence, details, starts_at, ends_at, deadline, \
               published_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
               returning publication_id";
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
               ends_at = $8, deadline = $9, updated_at = $10 where publication_id = $11";
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
        .execute(conn)
        .await
        .map(|_| ()))?;
    delete_texts(tx, current.publication_id).await?;
    insert_texts(tx, current.publication_id, &draft.texts).await?;
    index::write(tx, current.publication_id, draft).await?;
    Ok(Publication {
        draft: draft.clone(),
        updated_at: now,
        ..current.clone()
    })
}

/// Deletes a publication: its content is erased, its id stays taken and answers "gone".
pub async fn delete(tx: &mut Tx, current: &Publication, now: DateTime<Utc>) -> Result<Publication> {
    if current.is_deleted() {
        return Err(Error::Gone);
    }
    let sql = "update publication set deleted_at = $1, updated_at = $1, details = '{}', \
               hashtags = '[]', gcm_objectives = '[]', countries_of_origin = '[]', \
               countries_of_residence = '[]', pinned_at = null where publication_id = $2";
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
    assemble(row, texts.into_iter().map(|row| row.text).collect())
}

/// Which published publications to list, in which order.
#[derive(Debug, Clone, Copy)]
pub enum Listing {
    /// Newest first; all kinds when `None`.
    Newest(Option<Kind>),
    /// Events that have not ended at `now`, soonest first.
    UpcomingEvents { now: DateTime<Utc> },
    /// Events overlapping `[from, to)`, in time order.
    EventsBetween {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    /// Opportunities whose deadline has not passed at `now` (or has none), newest first.
    OpenOpportunities { now: DateTime<Utc> },
}

/// A page of published (not deleted) publications, newest first; all kinds when `kind` is None.
pub async fn list(
    db: &Db,
    kind: Option<Kind>,
    offset: i64,
    limit: i64,
) -> Result<Vec<Publication>> {
    list_where(db, Listing::Newest(kind), offset, limit).await
}

/// Published publications chosen by `listing`.
pub async fn list_where(
    db: &Db,
    listing: Listing,
    offset: i64,
    limit: i64,
) -> Result<Vec<Publication>> {
    list_filtered(db, listing, &Filters::default(), offset, limit).await
}

/// Published publications chosen by `listing` and narrowed by `filters`.
pub async fn list_filtered(
    db: &Db,
    listing: Listing,
    filters: &Filters,
    offset: i64,
    limit: i64,
) -> Result<Vec<Publication>> {
    // Fixed SQL fragments only; values are bound ($1, $2 are the time bounds, $3 the kind).
    // The `$n = $n` terms keep every parameter referenced whatever the variant, so one bind list
    // serves all of them on both databases.
    let (filter, order) = match listing {
        Listing::Newest(Some(_)) => ("kind = $3", "published_at desc, publication_id desc"),
        Listing::Newest(None) => ("$3 = $3", "published_at desc, publication_id desc"),
        Listing::UpcomingEvents { .. } => {
            ("kind = $3 and ends_at >= $1", "starts_at, publication_id")
        }
        Listing::EventsBetween { .. } => (
            "kind = $3 and starts_at < $2 and ends_at >= $1",
            "starts_at, publication_id",
        ),
        Listing::OpenOpportunities { .. } => (
            "kind = $3 and (deadline is null or deadline >= $1)",
            "published_at desc, publication_id desc",
        ),
    };
    let (from, to, kind) = match listing {
        Listing::Newest(kind) => (None, None, kind.unwrap_or(Kind::Story)),
        Listing::UpcomingEvents { now } => (Some(now), None, Kind::Event),
        Listing::EventsBetween { from, to } => (Some(from), Some(to), Kind::Event),
        Listing::OpenOpportunities { now } => (Some(now), None, Kind::Opportunity),
    };
    let (narrowing, values) = filters.conditions(6)?;
    let sql = format!(
        "select {COLUMNS} from publication where deleted_at is null and {filter} \
         and ($1 is null or $1 = $1) and ($2 is null or $2 = $2){narrowing} \
         order by {order} limit $4 offset $5"
    );
    let rows: Vec<Row> = with_pool!(db, |pool| {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(from)
            .bind(to)
            .bind(kind.as_str())
            .bind(limit)
            .bind(offset);
        for value in &values {
            query = match value {
                Bound::Text(text) => query.bind(text),
                Bound::Integer(number) => query.bind(*number),
            };
        }
        query.fetch_all(pool).await
    })?;
    with_texts(db, rows).await
}

/// The published (not deleted) publications with these row ids, in no particular order.
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<Vec<Publication>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|index| format!("${index}")).collect();
    let sql = format!(
        "select {COLUMNS} from publication where deleted_at is null and publication_id in ({})",
        placeholders.join(", ")
    );
    let rows: Vec<Row> = with_pool!(db, |pool| {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for id in ids {
            query = query.bind(id);
        }
        query.fetch_all(pool).await
    })?;
    with_texts(db, rows).await
}

/// The publications of `rows`, in the same order, with their texts.
async fn with_texts(db: &Db, rows: Vec<Row>) -> Result<Vec<Publication>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=rows.len()).map(|index| format!("${index}")).collect();
    let sql = format!(
        "select publication_id, language, title, summary, body_markdown, body_html \
         from publication_text where publication_id in ({})",
        placeholders.join(", ")
    );
    let texts: Vec<TextRow> = with_pool!(db, |pool| {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for row in &rows {
            query = query.bind(row.publication_id);
        }
        query.fetch_all(pool).await
    })?;
    let mut by_publication: BTreeMap<i64, Vec<Text>> = BTreeMap::new();
    for row in texts {
        by_publication
            .entry(row.publication_id)
            .or_default()
            .push(row.text);
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

/// How many publications are published (not deleted); all kinds when `kind` is None.
pub async fn count(db: &Db, kind: Option<Kind>) -> Result<i64> {
    let count: i64 = match kind {
        Some(kind) => {
            let sql = "select count(*) from publication where deleted_at is null and kind = $1";
            with_pool!(db, |pool| sqlx::query_scalar(sql)
                .bind(kind.as_str())
                .fetch_one(pool)
                .await)?
        }
        None => {
            let sql = "select count(*) from publication where deleted_at is null";
            with_pool!(db, |pool| sqlx::query_scalar(sql).fetch_one(pool).await)?
        }
    };
    Ok(count)
}

mod index;
pub mod pins;

use index::Bound;
pub use index::{FILTER_FIELDS, Filters};

#[cfg(test)]
mod tests;
