//! What list pages filter on, as rows the database can index (migration 12): a publication's
//! countries (`publication_country`), GCM objectives (`publication_gcm_objective`), hashtags
//! (`publication_hashtag`), the kind's fields lists filter on (`publication_field`) and the
//! uploaded images it shows (`publication_image`); and [`Filters`], whose every condition is an
//! index lookup from the value to the publications.
//!
//! Invariant: the rows say what the publication's JSON columns say. They are written only by
//! [`write`] and [`clear`], in the transaction that writes the publication, so a failed write
//! leaves neither; a deleted publication has none.

use super::{Details, Draft};
use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::{Error, Result};
use serde_json::Value;

/// The kind's own fields lists filter on (`publication_field`): a story's or an event's
/// `category`, an opportunity's `kind` and `remote`, a resource's `year` and `topic`. Migration
/// 12 copies the same names.
pub const FILTER_FIELDS: &[&str] = &["category", "kind", "remote", "year", "topic"];

/// How a field's value is stored and looked up: strings without quotes and with ASCII capitals
/// lower-cased (the `like` over `details` this replaces ignored ASCII case on SQLite), other
/// scalars as JSON (`true`, `2018`); `None` for null, arrays and objects. Migration 12 does the
/// same in SQL.
pub(super) fn field_value(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.to_ascii_lowercase()),
        Value::Bool(_) | Value::Number(_) => Some(value.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// The rows of one publication.
#[derive(Debug, Default, PartialEq)]
struct Rows {
    /// `(role, country)`.
    countries: Vec<(&'static str, String)>,
    objectives: Vec<i64>,
    hashtags: Vec<String>,
    /// `(name, value)`.
    fields: Vec<(&'static str, String)>,
    images: Vec<String>,
}

fn rows(draft: &Draft) -> Result<Rows> {
    let mut countries: Vec<(&'static str, String)> = Vec::new();
    let mut add_country = |role: &'static str, code: &str| {
        if !countries.iter().any(|(r, c)| *r == role && c == code) {
            countries.push((role, code.to_string()));
        }
    };
    for code in &draft.countries_of_origin {
        add_country("origin", code);
    }
    for code in &draft.countries_of_residence {
        add_country("residence", code);
    }
    match &draft.details {
        Details::Event(event) => {
            if let Some(code) = event
                .place
                .as_ref()
                .and_then(|place| place.country.as_ref())
            {
                add_country("field", code);
            }
        }
        Details::Opportunity(opportunity) => {
            for code in &opportunity.countries {
                add_country("field", code);
            }
        }
        Details::Resource(resource) => {
            if let Some(code) = &resource.country {
                add_country("field", code);
            }
        }
        Details::Story(_) => {}
    }

    let mut objectives: Vec<i64> = draft.gcm_objectives.iter().map(|&n| i64::from(n)).collect();
    objectives.sort_unstable();
    objectives.dedup();

    // Lower-cased here, because SQLite's `lower()` only knows ASCII: `Émigrés` must be found as
    // `émigrés`.
    let mut hashtags: Vec<String> = Vec::new();
    for tag in &draft.hashtags {
        let lower = tag.to_lowercase();
        if !hashtags.contains(&lower) {
            hashtags.push(lower);
        }
    }

    // `details` is `{"<kind>": {…its fields…}}`.
    let details = serde_json::to_value(&draft.details)?;
    let own = details.get(draft.details.kind().as_str());
    let fields = FILTER_FIELDS
        .iter()
        .filter_map(|&name| {
            let value = field_value(own?.get(name)?)?;
            Some((name, value))
        })
        .collect();

    let mut images = Vec::new();
    media_ids(&details, &mut images);
    Ok(Rows {
        countries,
        objectives,
        hashtags,
        fields,
        images,
    })
}

/// The ids of uploaded images named in any string of `value` (`…/media/{id}`, our URL for
/// them, whatever the host: an instance's domain may change).
fn media_ids(value: &Value, ids: &mut Vec<String>) {
    match value {
        Value::String(text) => {
            for (at, _) in text.match_indices("/media/") {
                let id: String = text[at + "/media/".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                    .collect();
                if !id.is_empty() && !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        Value::Array(values) => values.iter().for_each(|value| media_ids(value, ids)),
        Value::Object(map) => map.values().for_each(|value| media_ids(value, ids)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// A value bound to a query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bound {
    Text(String),
    Integer(i64),
    Time(chrono::DateTime<chrono::Utc>),
}

/// Inserts `rows` into `table` (`columns` after `publication_id`), in one statement.
async fn insert(
    tx: &mut Tx,
    table: &str,
    columns: &[&str],
    publication_id: i64,
    rows: Vec<Vec<Bound>>,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut next = 1;
    let tuples: Vec<String> = rows
        .iter()
        .map(|row| {
            let placeholders: Vec<String> = (0..row.len())
                .map(|_| {
                    next += 1;
                    format!("${next}")
                })
                .collect();
            format!("($1, {})", placeholders.join(", "))
        })
        .collect();
    let sql = format!(
        "insert into {table} (publication_id, {}) values {}",
        columns.join(", "),
        tuples.join(", ")
    );
    with_tx!(tx, |conn| {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(publication_id);
        for value in rows.iter().flatten() {
            query = match value {
                Bound::Text(text) => query.bind(text),
                Bound::Integer(number) => query.bind(*number),
                Bound::Time(moment) => query.bind(*moment),
            };
        }
        query.execute(conn).await.map(|_| ())
    })?;
    Ok(())
}

/// The tables of this module, each keyed by `publication_id`.
const TABLES: [&str; 5] = [
    "publication_country",
    "publication_gcm_objective",
    "publication_hashtag",
    "publication_field",
    "publication_image",
];

/// Removes the rows of `publication_id` (it was deleted).
pub(super) async fn clear(tx: &mut Tx, publication_id: i64) -> Result<()> {
    for table in TABLES {
        let sql = format!("delete from {table} where publication_id = $1");
        with_tx!(tx, |conn| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(publication_id)
            .execute(conn)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}

/// Replaces the rows of `publication_id` with those of `draft`.
pub(super) async fn write(tx: &mut Tx, publication_id: i64, draft: &Draft) -> Result<()> {
    clear(tx, publication_id).await?;
    let rows = rows(draft)?;
    let text = |value: &str| Bound::Text(value.to_string());
    insert(
        tx,
        "publication_country",
        &["role", "country"],
        publication_id,
        rows.countries
            .iter()
            .map(|(role, country)| vec![text(role), text(country)])
            .collect(),
    )
    .await?;
    insert(
        tx,
        "publication_gcm_objective",
        &["objective"],
        publication_id,
        rows.objectives
            .iter()
            .map(|&objective| vec![Bound::Integer(objective)])
            .collect(),
    )
    .await?;
    insert(
        tx,
        "publication_hashtag",
        &["hashtag_lower"],
        publication_id,
        rows.hashtags.iter().map(|tag| vec![text(tag)]).collect(),
    )
    .await?;
    insert(
        tx,
        "publication_field",
        &["name", "value"],
        publication_id,
        rows.fields
            .iter()
            .map(|(name, value)| vec![text(name), text(value)])
            .collect(),
    )
    .await?;
    insert(
        tx,
        "publication_image",
        &["image_public_id"],
        publication_id,
        rows.images.iter().map(|id| vec![text(id)]).collect(),
    )
    .await?;
    Ok(())
}

/// Narrowing a listing; every field that is set must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// An ISO 3166-1 alpha-2 code: of origin, of residence, or in the kind's own fields (an
    /// event's place, an opportunity's countries, a resource's country).
    pub country: Option<String>,
    /// A country of origin (ISO 3166-1 alpha-2): the diaspora it is about.
    pub origin: Option<String>,
    /// A country of residence, or of its place: where it happens. With [`Self::origin`], a
    /// corridor ("the Sudanese diaspora in Germany").
    pub residence: Option<String>,
    /// A Global Compact for Migration objective, 1 to 23.
    pub gcm: Option<u8>,
    /// A language the publication has a text in.
    pub language: Option<String>,
    /// Some of the kind's own fields and their values, e.g. `("category", "social")`; the names
    /// are among [`FILTER_FIELDS`], strings match ignoring ASCII case.
    pub fields: Vec<(&'static str, Value)>,
    /// A hashtag, without `#`, in any letter case.
    pub hashtag: Option<String>,
}

/// Which table a filter narrows: ours (`publication`, looked up in its filter tables) or the
/// network's (`remote_publication`, looked up in `remote_publication_facet`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Narrowed {
    Ours,
    Network,
}

impl Narrowed {
    /// The table and its id column.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Narrowed::Ours => ("publication", "publication_id"),
            Narrowed::Network => ("remote_publication", "remote_publication_id"),
        }
    }
}

/// One condition of [`Filters`]: the rows of `table` (a filter table, whose `id` column names
/// the publication) that pass `test` (`?` stands for each value, in order).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lookup {
    table: &'static str,
    id: &'static str,
    test: &'static str,
    values: Vec<Bound>,
}

/// How a listing applies a [`Lookup`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// `id in (select …)`: the database may start from the few rows that match and sort them.
    In,
    /// `exists (select … where id = …)`: each row the listing walks in its order is checked, so
    /// a value that many rows have costs what the page shows, not how many rows have it.
    Exists,
}

/// How many rows of a value make SQLite walk the listing's index and check each row
/// ([`Form::Exists`]) instead of starting from those rows ([`Form::In`]): so that a list
/// narrowed to a value costs at most about this many lookups, or a walk of about the page's
/// length times the share of rows without the value.
pub(crate) const COMMON_VALUE_ROWS: i64 = 1000;

impl Lookup {
    /// Its test, each `?` a placeholder numbered from `*next` on.
    fn test(&self, next: &mut usize) -> String {
        let mut test = String::new();
        for (index, part) in self.test.split('?').enumerate() {
            if index > 0 {
                test.push_str(&format!("${next}"));
                *next += 1;
            }
            test.push_str(part);
        }
        test
    }

    /// The condition on `narrowed` in `form`, its placeholders numbered from `*next`.
    fn condition(&self, narrowed: Narrowed, form: Form, next: &mut usize) -> String {
        let (outer, outer_id) = narrowed.names();
        let test = self.test(next);
        let (table, id) = (self.table, self.id);
        match form {
            Form::In => format!(" and {outer_id} in (select {id} from {table} where {test})"),
            Form::Exists => format!(
                " and exists (select 1 from {table} where {test} and {table}.{id} = {outer}.{outer_id})"
            ),
        }
    }

    /// Whether at least `rows` rows pass it: a walk of at most that many index entries.
    async fn has_at_least(&self, db: &Db, rows: i64) -> Result<bool> {
        let test = self.test(&mut 1);
        let sql = format!(
            "select count(*) from (select 1 from {} where {test} limit {rows}) as found",
            self.table
        );
        let found: i64 = with_pool!(db, |pool| {
            let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
            for value in &self.values {
                query = match value {
                    Bound::Text(text) => query.bind(text),
                    Bound::Integer(number) => query.bind(*number),
                    Bound::Time(moment) => query.bind(*moment),
                };
            }
            query.fetch_one(pool).await
        })?;
        Ok(found >= rows)
    }
}

impl Filters {
    /// The lookups that narrow `narrowed`, one for each filter that is set. Values are
    /// normalized as the filter tables and `domain::network`'s facets store them.
    pub(crate) fn lookups(&self, narrowed: Narrowed) -> Result<Vec<Lookup>> {
        for (name, _) in &self.fields {
            if !FILTER_FIELDS.contains(name) {
                return Err(Error::internal(format!(
                    "{name} is not a field lists filter on"
                )));
            }
        }
        let text = |value: String| Bound::Text(value);
        let ours = |table, test, values| Lookup {
            table,
            id: "publication_id",
            test,
            values,
        };
        let facet = |name: &str, value: String| Lookup {
            table: "remote_publication_facet",
            id: "remote_publication_id",
            test: "facet = ? and value = ?",
            values: vec![text(name.to_string()), text(value)],
        };
        let mut lookups = Vec::new();
        if let Some(country) = &self.country {
            let country = country.to_ascii_uppercase();
            lookups.push(match narrowed {
                Narrowed::Ours => ours("publication_country", "country = ?", vec![text(country)]),
                Narrowed::Network => facet("country", country),
            });
        }
        if let Some(country) = &self.origin {
            let country = country.to_ascii_uppercase();
            lookups.push(match narrowed {
                Narrowed::Ours => ours(
                    "publication_country",
                    "country = ? and role = 'origin'",
                    vec![text(country)],
                ),
                Narrowed::Network => facet("origin", country),
            });
        }
        if let Some(country) = &self.residence {
            let country = country.to_ascii_uppercase();
            lookups.push(match narrowed {
                Narrowed::Ours => ours(
                    "publication_country",
                    "country = ? and role in ('residence', 'field')",
                    vec![text(country)],
                ),
                Narrowed::Network => facet("residence", country),
            });
        }
        if let Some(gcm) = self.gcm {
            lookups.push(match narrowed {
                Narrowed::Ours => ours(
                    "publication_gcm_objective",
                    "objective = ?",
                    vec![Bound::Integer(i64::from(gcm))],
                ),
                Narrowed::Network => facet("objective", gcm.to_string()),
            });
        }
        if let Some(language) = &self.language {
            let language = language.to_ascii_lowercase();
            lookups.push(match narrowed {
                Narrowed::Ours => ours("publication_text", "language = ?", vec![text(language)]),
                Narrowed::Network => facet("language", language),
            });
        }
        if let Some(tag) = &self.hashtag {
            let tag = tag.to_lowercase();
            lookups.push(match narrowed {
                Narrowed::Ours => ours("publication_hashtag", "hashtag_lower = ?", vec![text(tag)]),
                Narrowed::Network => facet("hashtag", tag),
            });
        }
        for (name, value) in &self.fields {
            // A null, a list or an object is stored for no publication: nothing matches.
            let value = field_value(value).unwrap_or_default();
            lookups.push(match narrowed {
                Narrowed::Ours => ours(
                    "publication_field",
                    "name = ? and value = ?",
                    vec![text(name.to_string()), text(value)],
                ),
                Narrowed::Network => facet(name, value),
            });
        }
        Ok(lookups)
    }

    /// How a listing applies each of `lookups`. PostgreSQL plans each value by its statistics,
    /// so it gets [`Form::In`] and chooses; SQLite has none, so a value that at least
    /// [`COMMON_VALUE_ROWS`] rows have is checked row by row as the listing walks
    /// ([`Form::Exists`]), and a rarer one is where the query starts ([`Form::In`]).
    pub(crate) async fn forms(db: &Db, lookups: &[Lookup]) -> Result<Vec<Form>> {
        let mut forms = Vec::with_capacity(lookups.len());
        for lookup in lookups {
            let common = !db.is_postgres() && lookup.has_at_least(db, COMMON_VALUE_ROWS).await?;
            forms.push(if common { Form::Exists } else { Form::In });
        }
        Ok(forms)
    }

    /// The SQL conditions of `lookups` on `narrowed` in their `forms`, with placeholders
    /// numbered from `$first`, and the values to bind.
    pub(crate) fn narrowing(
        narrowed: Narrowed,
        lookups: &[Lookup],
        forms: &[Form],
        first: usize,
    ) -> (String, Vec<Bound>) {
        let mut sql = String::new();
        let mut values = Vec::new();
        let mut next = first;
        for (index, lookup) in lookups.iter().enumerate() {
            let form = forms.get(index).copied().unwrap_or(Form::In);
            sql.push_str(&lookup.condition(narrowed, form, &mut next));
            values.extend(lookup.values.iter().cloned());
        }
        (sql, values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The conditions of `filters` on `narrowed`, every lookup `in (…)`.
    fn conditions(
        filters: &Filters,
        narrowed: Narrowed,
        first: usize,
    ) -> Result<(String, Vec<Bound>)> {
        let lookups = filters.lookups(narrowed)?;
        Ok(Filters::narrowing(narrowed, &lookups, &[], first))
    }
    use crate::domain::publication::{Input, Kind};

    fn draft(kind: Kind, toml: &str) -> Draft {
        Input::from_toml(toml)
            .expect("parses")
            .validate(kind, &["en".to_string()])
            .expect("valid")
    }

    #[test]
    fn an_event_gives_its_countries_objectives_tags_and_category() {
        let event = draft(
            Kind::Event,
            r#"
hashtags = ["Berlin", "Émigrés"]
gcm_objectives = [18, 5]
countries_of_origin = ["ng", "sy"]
countries_of_residence = ["de"]
[text.en]
title = "Fair"
summary = "s"
[event]
starts_at = "2026-03-14T10:00"
ends_at = "2026-03-14T16:00"
time_zone = "Europe/Berlin"
category = "networking"
online_url = "https://jisr.example/media/0199aa00bb11cc22dd33.png"
[event.place]
name = "Rathaus"
country = "de"
"#,
        );
        let found = rows(&event).expect("rows");
        assert_eq!(
            found.countries,
            [
                ("origin", "NG".to_string()),
                ("origin", "SY".to_string()),
                ("residence", "DE".to_string()),
                ("field", "DE".to_string()),
            ]
        );
        assert_eq!(found.objectives, [5, 18]);
        assert_eq!(found.hashtags, ["berlin", "émigrés"]);
        assert_eq!(found.fields, [("category", "networking".to_string())]);
        assert_eq!(found.images, ["0199aa00bb11cc22dd33.png"]);
    }

    #[test]
    fn opportunities_and_resources_give_their_own_fields() {
        let opportunity = draft(
            Kind::Opportunity,
            r#"
[text.en]
title = "Mentor"
summary = "s"
[opportunity]
kind = "volunteering"
remote = true
countries = ["fr", "it"]
apply_url = "https://a.example/apply"
"#,
        );
        let found = rows(&opportunity).expect("rows");
        assert_eq!(
            found.countries,
            [("field", "FR".to_string()), ("field", "IT".to_string())]
        );
        assert_eq!(
            found.fields,
            [
                ("kind", "volunteering".to_string()),
                ("remote", "true".to_string())
            ]
        );
        let resource = draft(
            Kind::Resource,
            r#"
[text.en]
title = "Policy"
summary = "s"
[resource]
topic = "Labour Migration"
year = 2018
country = "sn"
"#,
        );
        let found = rows(&resource).expect("rows");
        assert_eq!(found.countries, [("field", "SN".to_string())]);
        assert_eq!(
            found.fields,
            [
                ("year", "2018".to_string()),
                ("topic", "labour migration".to_string())
            ]
        );
    }

    #[test]
    fn image_ids_are_read_from_every_string_after_media() {
        let mut ids = Vec::new();
        media_ids(
            &serde_json::json!({"a": "https://x.example/media/abc.jpg?size=2",
                "b": ["/media/abc.jpg", "no media here", "/media/"], "c": {"d": "/media/d-1_2.png"}}),
            &mut ids,
        );
        assert_eq!(ids, ["abc.jpg", "d-1_2.png"]);
    }

    #[test]
    fn every_filter_is_a_lookup_with_its_values_bound() {
        let filters = Filters {
            country: Some("de".to_string()),
            gcm: Some(5),
            language: Some("AR".to_string()),
            fields: vec![
                ("category", Value::String("NETWORKING".to_string())),
                ("year", Value::from(2018)),
            ],
            hashtag: Some("Émigrés".to_string()),
            origin: None,
            residence: None,
        };
        let (sql, values) = conditions(&filters, Narrowed::Ours, 6).expect("known fields");
        assert_eq!(
            sql,
            " and publication_id in (select publication_id from publication_country where country = $6)\
             \x20and publication_id in (select publication_id from publication_gcm_objective where objective = $7)\
             \x20and publication_id in (select publication_id from publication_text where language = $8)\
             \x20and publication_id in (select publication_id from publication_hashtag where hashtag_lower = $9)\
             \x20and publication_id in (select publication_id from publication_field where name = $10 and value = $11)\
             \x20and publication_id in (select publication_id from publication_field where name = $12 and value = $13)"
        );
        let text = |value: &str| Bound::Text(value.to_string());
        assert_eq!(
            values,
            [
                text("DE"),
                Bound::Integer(5),
                text("ar"),
                text("émigrés"),
                text("category"),
                text("networking"),
                text("year"),
                text("2018"),
            ]
        );
        let unknown = Filters {
            fields: vec![("place", Value::String("Berlin".to_string()))],
            ..Filters::default()
        };
        assert!(conditions(&unknown, Narrowed::Ours, 6).is_err());
        assert!(conditions(&unknown, Narrowed::Network, 6).is_err());
    }

    #[test]
    fn a_common_value_is_checked_row_by_row_as_the_listing_walks() {
        let filters = Filters {
            hashtag: Some("Berlin".to_string()),
            gcm: Some(5),
            ..Filters::default()
        };
        let lookups = filters.lookups(Narrowed::Network).expect("lookups");
        let (sql, values) =
            Filters::narrowing(Narrowed::Network, &lookups, &[Form::In, Form::Exists], 3);
        assert_eq!(
            sql,
            " and remote_publication_id in (select remote_publication_id from remote_publication_facet where facet = $3 and value = $4)\
             \x20and exists (select 1 from remote_publication_facet where facet = $5 and value = $6 \
             and remote_publication_facet.remote_publication_id = remote_publication.remote_publication_id)"
        );
        let text = |value: &str| Bound::Text(value.to_string());
        assert_eq!(
            values,
            [
                text("objective"),
                text("5"),
                text("hashtag"),
                text("berlin")
            ]
        );
        let lookups = filters.lookups(Narrowed::Ours).expect("lookups");
        let (sql, _) = Filters::narrowing(Narrowed::Ours, &lookups, &[Form::Exists], 1);
        assert!(sql.starts_with(
            " and exists (select 1 from publication_gcm_objective where objective = $1 \
             and publication_gcm_objective.publication_id = publication.publication_id)"
        ));
    }

    #[test]
    fn a_corridor_is_two_lookups_on_ours_and_on_the_network() {
        let corridor = Filters {
            origin: Some("sd".to_string()),
            residence: Some("DE".to_string()),
            ..Filters::default()
        };
        let (sql, values) = conditions(&corridor, Narrowed::Ours, 5).expect("conditions");
        assert_eq!(
            sql,
            " and publication_id in (select publication_id from publication_country where country = $5 and role = 'origin')\
             \x20and publication_id in (select publication_id from publication_country where country = $6 and role in ('residence', 'field'))"
        );
        assert_eq!(
            values,
            [Bound::Text("SD".to_string()), Bound::Text("DE".to_string())]
        );
        let (sql, values) = conditions(&corridor, Narrowed::Network, 5).expect("conditions");
        assert_eq!(
            sql,
            " and remote_publication_id in (select remote_publication_id from remote_publication_facet where facet = $5 and value = $6)\
             \x20and remote_publication_id in (select remote_publication_id from remote_publication_facet where facet = $7 and value = $8)"
        );
        let text = |value: &str| Bound::Text(value.to_string());
        assert_eq!(
            values,
            [text("origin"), text("SD"), text("residence"), text("DE")]
        );
    }
}
