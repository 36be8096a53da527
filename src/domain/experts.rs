//! Expert advice: the fixed list of areas a member may advise on (our namespace's words,
//! translated on the website as `expert-area-{area}`), a member's declared areas, an admin's
//! confirmation, and the experts the directory lists: ours (confirmed, active) and those of
//! other servers whose actors say they are confirmed experts.
//!
//! Invariant: changing one's areas takes the confirmation away until an admin gives it again,
//! so that a confirmed mark always vouches for the areas shown beside it.

use crate::db::{Db, Tx, with_pool, with_tx};
use crate::domain::validation::Check;
use crate::error::{FieldError, Reason, Result};
use chrono::{DateTime, Utc};

/// The areas of expertise, as they go on the wire.
pub const AREAS: &[&str] = &[
    "immigration_law",
    "qualifications",
    "employment",
    "entrepreneurship",
    "remittances_finance",
    "education",
    "health",
    "housing",
    "family",
    "digital_skills",
];

/// The most experts the directory reads at once.
const MAX_LISTED: i64 = 500;

/// Checks `areas` against [`AREAS`]; each given once, in the list's order.
pub fn check_areas(field: &str, areas: &[String]) -> Result<Vec<String>> {
    let mut check = Check::default();
    for area in areas {
        if !AREAS.contains(&area.as_str()) {
            check.fail_with(FieldError::of(field, Reason::OneOf).with("choices", AREAS.join(", ")));
        }
    }
    check.finish()?;
    Ok(AREAS
        .iter()
        .filter(|area| areas.iter().any(|given| given == *area))
        .map(|area| area.to_string())
        .collect())
}

/// The areas of our list named in a received JSON array (others, and anything else, left
/// out).
pub fn areas_from(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(serde_json::Value::as_str)
            .filter(|area| AREAS.contains(area))
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// A member's expertise.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expertise {
    pub areas: Vec<String>,
    /// When an admin confirmed it.
    pub confirmed_at: Option<DateTime<Utc>>,
}

impl Expertise {
    pub fn is_confirmed(&self) -> bool {
        self.confirmed_at.is_some() && !self.areas.is_empty()
    }
}

/// The expertise of `account_id`.
pub async fn of(db: &Db, account_id: i64) -> Result<Expertise> {
    let sql = "select expert_areas, expert_confirmed_at from account where account_id = $1";
    let found: Option<(String, Option<DateTime<Utc>>)> =
        with_pool!(db, |pool| sqlx::query_as(sql)
            .bind(account_id)
            .fetch_optional(pool)
            .await)?;
    Ok(found
        .map(|(areas, confirmed_at)| Expertise {
            areas: serde_json::from_str(&areas).unwrap_or_default(),
            confirmed_at,
        })
        .unwrap_or_default())
}

/// Sets the areas `account_id` advises on; a change takes the confirmation away.
pub async fn declare(db: &Db, account_id: i64, areas: &[String]) -> Result<Expertise> {
    let areas = check_areas("expert_areas", areas)?;
    let before = of(db, account_id).await?;
    if before.areas == areas {
        return Ok(before);
    }
    let sql = "update account set expert_areas = $2, expert_confirmed_at = null \
               where account_id = $1";
    with_pool!(db, |pool| sqlx::query(sql)
        .bind(account_id)
        .bind(serde_json::to_string(&areas)?)
        .execute(pool)
        .await
        .map(|_| ()))?;
    of(db, account_id).await
}

/// An admin confirms (or withdraws) `account_id`'s expertise; confirming needs areas.
pub async fn confirm(db: &Db, account_id: i64, confirmed: bool) -> Result<bool> {
    let sql = if confirmed {
        "update account set expert_confirmed_at = $2 where account_id = $1 \
         and expert_areas <> '[]' and expert_confirmed_at is null"
    } else {
        "update account set expert_confirmed_at = null where account_id = $1 \
         and expert_confirmed_at is not null and $2 is not null"
    };
    let changed = with_pool!(db, |pool| sqlx::query(sql)
        .bind(account_id)
        .bind(Utc::now())
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(changed == 1)
}

/// One expert of ours, as the directory lists them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LocalExpert {
    pub account_id: i64,
    pub name: String,
    pub username: String,
    #[sqlx(rename = "expert_areas")]
    areas_json: String,
    #[sqlx(rename = "languages")]
    languages_json: String,
    pub logo: String,
}

impl LocalExpert {
    pub fn areas(&self) -> Vec<String> {
        serde_json::from_str(&self.areas_json).unwrap_or_default()
    }

    pub fn languages(&self) -> Vec<String> {
        serde_json::from_str(&self.languages_json).unwrap_or_default()
    }
}

/// Our confirmed experts (active accounts), by name; of `area` and speaking `language` when
/// given.
pub async fn local(
    db: &Db,
    area: Option<&str>,
    language: Option<&str>,
) -> Result<Vec<LocalExpert>> {
    let sql = "select a.account_id, a.name, l.username, a.expert_areas, a.languages, a.logo \
               from account a join local_actor l on l.account_id = a.account_id \
               where a.status = 'active' and a.expert_confirmed_at is not null \
               and a.expert_areas <> '[]' order by lower(a.name), a.account_id limit $1";
    let all: Vec<LocalExpert> = with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(MAX_LISTED)
        .fetch_all(pool)
        .await)?;
    Ok(all
        .into_iter()
        .filter(|expert| area.is_none_or(|area| expert.areas().iter().any(|given| given == area)))
        .filter(|expert| {
            language.is_none_or(|language| expert.languages().iter().any(|given| given == language))
        })
        .collect())
}

/// The accounts of our confirmed experts (active) in any of `areas`, in `tx`: whom a new
/// question is told of.
pub async fn accounts_in(tx: &mut Tx, areas: &[String]) -> Result<Vec<i64>> {
    let sql = "select account_id, expert_areas from account where status = 'active' \
               and expert_confirmed_at is not null and expert_areas <> '[]' limit $1";
    let rows: Vec<(i64, String)> = with_tx!(tx, |conn| sqlx::query_as(sql)
        .bind(MAX_LISTED)
        .fetch_all(conn)
        .await)?;
    Ok(rows
        .into_iter()
        .filter(|(_, theirs)| {
            serde_json::from_str::<Vec<String>>(theirs)
                .unwrap_or_default()
                .iter()
                .any(|area| areas.contains(area))
        })
        .map(|(account, _)| account)
        .collect())
}

/// A member who declared areas, for the admins' page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Declared {
    pub account_id: i64,
    pub name: String,
    #[sqlx(rename = "expert_areas")]
    areas_json: String,
    pub expert_confirmed_at: Option<DateTime<Utc>>,
}

impl Declared {
    pub fn areas(&self) -> Vec<String> {
        serde_json::from_str(&self.areas_json).unwrap_or_default()
    }
}

/// The active members who declared areas, those waiting for a confirmation first.
pub async fn declared(db: &Db) -> Result<Vec<Declared>> {
    let sql = "select account_id, name, expert_areas, expert_confirmed_at from account \
               where status = 'active' and expert_areas <> '[]' \
               order by (expert_confirmed_at is not null), lower(name) limit $1";
    Ok(with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(MAX_LISTED)
        .fetch_all(pool)
        .await)?)
}
