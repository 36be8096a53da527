//! What the organizations we follow publish: their stories, events, opportunities and
//! resources as received (sanitized), shown beside ours in every list (`domain::entries` merges them), on a page of their
//! own and in the feeds; [`RemotePublication::facets`] are what list filters look up.
//!
//! Invariant: one row per object id; an update applies only when newer; a delete erases the
//! content and the facets. Everything here was checked for origin and sanitized before it
//! arrives: this module stores and reads, it does not judge.

pub mod profile;

pub use profile::{Profile, ProfileDetails};

use super::publication::{Bodies, Kind};
use super::text::html_to_text;
use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::Result;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A publication of another organization.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RemotePublication {
    pub ap_id: String,
    pub actor_ap_id: String,
    /// `Article`, `Event` or `Page`.
    pub object_type: String,
    /// Which of our kinds it is shown as.
    pub kind: Kind,
    /// In [`Self::language`]; other languages are in the details' translations.
    pub name: String,
    pub summary_html: String,
    pub content_html: String,
    /// Its page on its own server.
    pub url: String,
    pub language: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// An opportunity's deadline.
    pub deadline: Option<DateTime<Utc>>,
    pub details: NetworkDetails,
    pub published_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One more language version of a network item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Translation {
    pub language: String,
    pub name: String,
    pub summary_html: String,
    pub content_html: String,
}

/// What a card, a page, a filter or a feed shows of a network item besides its text, read from
/// our namespace's terms on other Jisr instances and from what Mobilizon, Gancio and Mastodon
/// send (stored as JSON in `remote_publication.details`; every field is optional, so rows
/// written before a field existed still read).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkDetails {
    /// Its other language versions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub translations: Vec<Translation>,
    /// An event's IANA time zone, as its organizer gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// The UTC offset its start time was written with, in minutes (for events with no zone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utc_offset_minutes: Option<i32>,
    /// An event's place on one line (without its country), or an opportunity's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// The country of an event's place (ISO 3166-1 alpha-2), shown by its name in the
    /// reader's language after the place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place_country: Option<String>,
    /// An event online (or an opportunity done from anywhere).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub online: bool,
    /// A story's or an event's category, an opportunity's kind (`job`, `course`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opportunity_kind: Option<String>,
    /// A resource's topic and year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// Its image: `(url, alt)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<(String, String)>,
    /// ISO 3166-1 alpha-2 codes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub countries_of_origin: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub countries_of_residence: Vec<String>,
    /// The countries of its place or its own fields (an event's place, an opportunity's).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<String>,
    /// Global Compact for Migration objectives, 1 to 23.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gcm_objectives: Vec<u8>,
    /// The categories of Objective 19 it serves, 1 to 9 (only with objective 19).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gcm_categories: Vec<u8>,
    /// Hashtags, without `#`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hashtags: Vec<String>,
    /// How people take part in an event: `free`, `restricted`, `invite`, `external` or `none`
    /// (FEP-8a8e); absent when its server does not say (Gancio, Mastodon).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_mode: Option<String>,
    /// An event's capacity, how many go and how many places are left, as its server says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_capacity: Option<u32>,
    /// Its server says search may not index it (a story whose consent does not allow it):
    /// left out of our search, and its page asks search engines not to index it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub noindex: bool,
}

impl RemotePublication {
    /// Its text in `language` when it has one, else its own: `(language, name, summary,
    /// content)`.
    pub fn text_in(&self, language: &str) -> (&str, &str, &str, &str) {
        let own = (
            self.language.as_deref().unwrap_or_default(),
            self.name.as_str(),
            self.summary_html.as_str(),
            self.content_html.as_str(),
        );
        if self.language.as_deref() == Some(language) {
            return own;
        }
        self.details
            .translations
            .iter()
            .find(|text| text.language == language && !text.name.is_empty())
            .map(|text| {
                (
                    text.language.as_str(),
                    text.name.as_str(),
                    text.summary_html.as_str(),
                    text.content_html.as_str(),
                )
            })
            .unwrap_or(own)
    }

    /// `moment` in the item's own zone: its IANA zone, else the offset its start was sent
    /// with, else UTC. A remote event keeps its own time zone.
    pub fn in_own_zone(&self, moment: DateTime<Utc>) -> chrono::DateTime<chrono::FixedOffset> {
        if let Some(zone) = self
            .details
            .time_zone
            .as_deref()
            .and_then(|zone| zone.parse::<chrono_tz::Tz>().ok())
        {
            return moment.with_timezone(&zone).fixed_offset();
        }
        let offset = self
            .details
            .utc_offset_minutes
            .and_then(|minutes| chrono::FixedOffset::east_opt(minutes.saturating_mul(60)))
            .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("UTC"));
        moment.with_timezone(&offset)
    }

    /// Its place on one line, the country named by `country` (in the reader's language).
    pub fn place_naming(&self, country: impl Fn(&str) -> String) -> Option<String> {
        let place = self
            .details
            .place
            .as_deref()
            .filter(|place| !place.is_empty());
        let country = self.details.place_country.as_deref().map(country);
        match (place, country) {
            (Some(place), Some(country)) => Some(format!("{place}, {country}")),
            (Some(place), None) => Some(place.to_string()),
            (None, country) => country,
        }
    }

    /// Every language it has a text in, its own first.
    pub fn languages(&self) -> Vec<&str> {
        self.language
            .as_deref()
            .into_iter()
            .chain(
                self.details
                    .translations
                    .iter()
                    .map(|text| text.language.as_str()),
            )
            .collect()
    }

    /// What filters look up, as `(facet, value)`: lower-cased as `publication::index` stores
    /// ours, so one query value matches both.
    pub fn facets(&self) -> Vec<(&'static str, String)> {
        let details = &self.details;
        let mut facets: Vec<(&'static str, String)> = Vec::new();
        let mut add = |facet: &'static str, value: String| {
            if !value.is_empty() && !facets.iter().any(|(f, v)| *f == facet && *v == value) {
                facets.push((facet, value));
            }
        };
        for code in details
            .countries_of_origin
            .iter()
            .chain(&details.countries_of_residence)
            .chain(&details.countries)
        {
            add("country", code.to_ascii_uppercase());
        }
        for code in &details.countries_of_origin {
            add("origin", code.to_ascii_uppercase());
        }
        for code in details
            .countries_of_residence
            .iter()
            .chain(&details.countries)
        {
            add("residence", code.to_ascii_uppercase());
        }
        for objective in &details.gcm_objectives {
            add("objective", objective.to_string());
        }
        for language in self.languages() {
            add("language", language.to_ascii_lowercase());
        }
        for tag in &details.hashtags {
            add("hashtag", tag.to_lowercase());
        }
        if let Some(category) = &details.category {
            add("category", category.to_ascii_lowercase());
        }
        if let Some(kind) = &details.opportunity_kind {
            add("kind", kind.to_ascii_lowercase());
        }
        if self.kind == Kind::Opportunity && details.online {
            add("remote", "true".to_string());
        }
        if let Some(topic) = &details.topic {
            add("topic", topic.to_ascii_lowercase());
        }
        if let Some(year) = details.year {
            add("year", year.to_string());
        }
        facets
    }
}

/// A stored row, before its kind and details are read (its fields in the order of
/// [`COLUMNS`], as a packed row is read).
#[derive(sqlx::FromRow, Deserialize)]
struct Row {
    remote_publication_id: i64,
    ap_id: String,
    actor_ap_id: String,
    object_type: String,
    kind: String,
    name: String,
    summary_html: String,
    content_html: String,
    url: String,
    language: Option<String>,
    starts_at: Option<DateTime<Utc>>,
    ends_at: Option<DateTime<Utc>>,
    deadline: Option<DateTime<Utc>>,
    details: String,
    published_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// The columns [`Row`] reads.
const COLUMNS: &str = "remote_publication_id, ap_id, actor_ap_id, object_type, kind, name, \
    summary_html, content_html, url, language, starts_at, ends_at, deadline, details, \
    published_at, updated_at";

impl Row {
    fn into_publication(self) -> (i64, RemotePublication) {
        let details = serde_json::from_str(&self.details).unwrap_or_else(|error| {
            tracing::warn!(object = %self.ap_id, %error, "unreadable details of network content");
            NetworkDetails::default()
        });
        (
            self.remote_publication_id,
            RemotePublication {
                ap_id: self.ap_id,
                actor_ap_id: self.actor_ap_id,
                object_type: self.object_type,
                kind: Kind::parse(&self.kind).unwrap_or(Kind::Story),
                name: self.name,
                summary_html: self.summary_html,
                content_html: self.content_html,
                url: self.url,
                language: self.language,
                starts_at: self.starts_at,
                ends_at: self.ends_at,
                deadline: self.deadline,
                details,
                published_at: self.published_at,
                updated_at: self.updated_at,
            },
        )
    }
}

/// Stores a received publication, or replaces the stored one if this one is newer, with its
/// facets. Returns whether anything changed. A deleted one stays deleted.
pub async fn store(tx: &mut Tx, publication: &RemotePublication) -> Result<bool> {
    let sql = "insert into remote_publication (ap_id, actor_ap_id, object_type, name, summary_html, \
               content_html, url, language, starts_at, ends_at, published_at, updated_at, received_at, \
               search_text, kind, deadline, details, long_event, indexable) \
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
               $18, $19) \
               on conflict (ap_id) do update set object_type = excluded.object_type, \
               name = excluded.name, summary_html = excluded.summary_html, \
               content_html = excluded.content_html, url = excluded.url, language = excluded.language, \
               starts_at = excluded.starts_at, ends_at = excluded.ends_at, \
               long_event = excluded.long_event, \
               search_text = excluded.search_text, kind = excluded.kind, \
               deadline = excluded.deadline, details = excluded.details, \
               indexable = excluded.indexable, updated_at = excluded.updated_at, received_at = excluded.received_at, \
               published_at = case when remote_publication.object_type = 'Tombstone' \
               then excluded.published_at else remote_publication.published_at end, \
               actor_ap_id = excluded.actor_ap_id, deleted_at = null \
               where (remote_publication.updated_at < excluded.updated_at \
               and remote_publication.deleted_at is null \
               and remote_publication.actor_ap_id = excluded.actor_ap_id) \
               or (remote_publication.object_type = 'Tombstone' \
               and remote_publication.actor_ap_id <> excluded.actor_ap_id) \
               returning remote_publication_id";
    let details = serde_json::to_string(&publication.details)?;
    let stored: Option<i64> = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(&publication.ap_id)
        .bind(&publication.actor_ap_id)
        .bind(&publication.object_type)
        .bind(&publication.name)
        .bind(&publication.summary_html)
        .bind(&publication.content_html)
        .bind(&publication.url)
        .bind(&publication.language)
        .bind(publication.starts_at)
        .bind(publication.ends_at)
        .bind(publication.published_at)
        .bind(publication.updated_at)
        .bind(Utc::now())
        .bind(search_text(publication))
        .bind(publication.kind.as_str())
        .bind(publication.deadline)
        .bind(&details)
        .bind(super::publication::is_long_event(
            publication.starts_at,
            publication.ends_at,
        ))
        .bind(!publication.details.noindex)
        .fetch_optional(conn)
        .await)?;
    let Some(id) = stored else {
        return Ok(false);
    };
    clear_facets(tx, id).await?;
    let facets = publication.facets();
    if !facets.is_empty() {
        let tuples: Vec<String> = (0..facets.len())
            .map(|index| format!("($1, ${}, ${})", 2 * index + 2, 2 * index + 3))
            .collect();
        let sql = format!(
            "insert into remote_publication_facet (remote_publication_id, facet, value) values {}",
            tuples.join(", ")
        );
        with_tx!(tx, |conn| {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(id);
            for (facet, value) in &facets {
                query = query.bind(*facet).bind(value);
            }
            query.execute(conn).await.map(|_| ())
        })?;
    }
    Ok(true)
}

async fn clear_facets(tx: &mut Tx, remote_publication_id: i64) -> Result<()> {
    let sql = "delete from remote_publication_facet where remote_publication_id = $1";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(remote_publication_id)
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// What search reads of a publication besides its name: its summary and content as plain text.
fn search_text(publication: &RemotePublication) -> String {
    format!(
        "{} {}",
        html_to_text(&publication.summary_html),
        html_to_text(&publication.content_html)
    )
}

/// Erases a publication of `actor_ap_id` (content and facets gone, id kept so that a late
/// Create cannot bring it back). Returns whether there was one.
pub async fn erase(tx: &mut Tx, ap_id: &str, actor_ap_id: &str) -> Result<bool> {
    // `received_at` too: what feeds show changed (their validators read it).
    let sql = "update remote_publication set deleted_at = $1, received_at = $1, name = '', \
               summary_html = '', content_html = '', search_text = '', details = '{}' \
               where ap_id = $2 and actor_ap_id = $3 and deleted_at is null \
               returning remote_publication_id";
    let erased: Option<i64> = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(Utc::now())
        .bind(ap_id)
        .bind(actor_ap_id)
        .fetch_optional(conn)
        .await)?;
    match erased {
        Some(id) => {
            clear_facets(tx, id).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Erases everything `actor_ap_id` published (we stopped following it, or it was deleted).
/// Returns how many.
pub async fn erase_actor(tx: &mut Tx, actor_ap_id: &str) -> Result<u64> {
    let facets = "delete from remote_publication_facet where remote_publication_id in \
                  (select remote_publication_id from remote_publication where actor_ap_id = $1)";
    with_tx!(tx, |conn| sqlx::query(facets)
        .bind(actor_ap_id)
        .execute(conn)
        .await
        .map(|_| ()))?;
    let sql = "update remote_publication set deleted_at = $1, received_at = $1, name = '', \
               summary_html = '', content_html = '', search_text = '', details = '{}' \
               where actor_ap_id = $2 and deleted_at is null";
    Ok(with_tx!(tx, |conn| sqlx::query(sql)
        .bind(Utc::now())
        .bind(actor_ap_id)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?)
}

/// Hides (`hidden`) or shows again the publications of the actors on `domain` and its
/// subdomains, in `tx`: a limited domain's content stays out of lists, feeds and search.
/// Returns how many changed.
pub async fn hide_domain(tx: &mut Tx, domain: &str, hidden: bool) -> Result<u64> {
    // `received_at` too: what feeds show changed (their validators read it).
    let sql = format!(
        "update remote_publication set hidden_at = {}, received_at = $2 \
         where deleted_at is null and hidden_at is {} null and {}",
        if hidden { "$2" } else { "null" },
        if hidden { "" } else { "not" },
        crate::domain::policy::on_domain_sql("actor_ap_id", 1)
    );
    Ok(with_tx!(tx, |conn| sqlx::query(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(domain)
    .bind(Utc::now())
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?)
}

/// Hides the publication `ap_id` (just received from a limited domain), in `tx`.
pub async fn hide(tx: &mut Tx, ap_id: &str) -> Result<()> {
    let sql = "update remote_publication set hidden_at = $2 where ap_id = $1";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(ap_id)
        .bind(Utc::now())
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Erases every publication of the actors on `domain` and its subdomains (it was blocked),
/// in `tx`. Returns how many.
pub async fn erase_domain(tx: &mut Tx, domain: &str) -> Result<u64> {
    let on_domain = crate::domain::policy::on_domain_sql("actor_ap_id", 1);
    let facets = format!(
        "delete from remote_publication_facet where remote_publication_id in \
         (select remote_publication_id from remote_publication where {on_domain})"
    );
    with_tx!(tx, |conn| sqlx::query(sqlx::AssertSqlSafe(facets.as_str()))
        .bind(domain)
        .execute(conn)
        .await
        .map(|_| ()))?;
    let sql = format!(
        "update remote_publication set deleted_at = $2, received_at = $2, name = '', \
         summary_html = '', content_html = '', search_text = '', details = '{{}}' \
         where deleted_at is null and {on_domain}"
    );
    Ok(with_tx!(tx, |conn| sqlx::query(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(domain)
    .bind(Utc::now())
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?)
}

/// Records that `ap_id` of `actor_ap_id` is deleted before we ever received it, so that its
/// `Create` by that actor, if it comes later, is not stored (an existing row is left as it is).
/// Another actor's object with that id replaces the tombstone: on a shared host, one account
/// cannot block another's future objects. Tombstones are forgotten after
/// [`TOMBSTONE_DAYS`].
pub async fn tombstone(tx: &mut Tx, ap_id: &str, actor_ap_id: &str) -> Result<()> {
    let sql = "insert into remote_publication (ap_id, actor_ap_id, object_type, name, summary_html, \
               content_html, url, language, starts_at, ends_at, published_at, updated_at, received_at, \
               search_text, deleted_at) values ($1, $2, 'Tombstone', '', '', '', $1, null, null, null, \
               $3, $3, $3, '', $3) on conflict (ap_id) do nothing";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(ap_id)
        .bind(actor_ap_id)
        .bind(Utc::now())
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// How long a tombstone of an object never received is kept (senders retry for days, not
/// weeks).
pub const TOMBSTONE_DAYS: i64 = 30;

/// Forgets tombstones older than [`TOMBSTONE_DAYS`]; returns how many.
pub async fn forget_tombstones(db: &Db) -> Result<u64> {
    let sql = "delete from remote_publication where object_type = 'Tombstone' and received_at < $1";
    Ok(with_pool!(db, |pool| sqlx::query(sql)
        .bind(Utc::now() - chrono::Duration::days(TOMBSTONE_DAYS))
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?)
}

/// The stored (not deleted) publications of the network, newest first.
pub async fn list(db: &Db, limit: i64) -> Result<Vec<RemotePublication>> {
    let sql = format!(
        "select {COLUMNS} from remote_publication where deleted_at is null \
         and hidden_at is null and suspended_at is null order by published_at desc limit $1"
    );
    let rows: Vec<Row> = with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(limit)
        .fetch_all(pool)
        .await)?;
    Ok(rows
        .into_iter()
        .map(|row| row.into_publication().1)
        .collect())
}

/// The stored (not deleted) publication with this row id.
pub async fn by_id(db: &Db, id: i64) -> Result<Option<RemotePublication>> {
    Ok(by_ids(db, &[id]).await?.remove(&id))
}

/// The stored (not deleted) publications with these row ids, by row id.
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<BTreeMap<i64, RemotePublication>> {
    by_ids_with(db, ids, Bodies::Included).await
}

/// [`by_ids`], with their content or without it (what cards and calendars show: then
/// `content_html` is empty), in one packed query.
pub async fn by_ids_with(
    db: &Db,
    ids: &[i64],
    bodies: Bodies,
) -> Result<BTreeMap<i64, RemotePublication>> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|index| format!("${index}")).collect();
    let columns = match bodies {
        Bodies::Included => COLUMNS.to_string(),
        Bodies::Left => COLUMNS.replace("content_html", "'' as content_html"),
    };
    let sql = db.packed(
        COLUMNS,
        &format!(
            "select {columns} from remote_publication \
             where deleted_at is null and hidden_at is null and suspended_at is null \
             and remote_publication_id in ({})",
            placeholders.join(", ")
        ),
    );
    let packed: String = with_pool!(db, |pool| {
        let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
        for id in ids {
            query = query.bind(id);
        }
        query.fetch_one(pool).await
    })?;
    Ok(crate::db::unpack::<Row>(&packed)?
        .into_iter()
        .map(Row::into_publication)
        .collect())
}

/// The newest change to the network's content (received, replaced or erased: each sets
/// `received_at`), read from the last entry of its index; `None` before the first.
pub async fn last_change(db: &Db) -> Result<Option<DateTime<Utc>>> {
    let sql = "select max(received_at) from remote_publication";
    Ok(with_pool!(db, |pool| sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await)?)
}

/// The row id of the stored (not deleted) publication `ap_id`.
pub async fn id_of(db: &Db, ap_id: &str) -> Result<Option<i64>> {
    let sql = "select remote_publication_id from remote_publication \
               where ap_id = $1 and deleted_at is null";
    Ok(with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(ap_id)
        .fetch_optional(pool)
        .await)?)
}
