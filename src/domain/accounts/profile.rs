//! A member's public profile: what the byline of a publication links to. Its page shows the
//! account's name and kind (a person or an organization), its logo or photo, a summary, the
//! countries it works in or between, and its website; the member writes it on their account
//! page.
//!
//! Invariant: only an active account has a profile to show, and only an active account can be
//! a publication's byline (`domain::publication` checks it in the transaction that stores
//! the publication).

use super::{ACCOUNT_COLUMNS, Account, AccountRow, AccountType};
use crate::db::{Db, with_pool, with_tx};
use crate::domain::validation::Check;
use crate::error::{Error, Result};
use url::Url;

/// The longest summary, in characters.
pub const MAX_SUMMARY: usize = 600;

/// An account's public profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub account: Account,
    pub summary: String,
    pub website: Option<Url>,
    /// ISO 3166-1 alpha-2 codes.
    pub countries: Vec<String>,
    /// The uploaded logo or photo: its id in `/media/{id}`.
    pub logo: Option<String>,
    /// BCP 47 tags of the languages they speak.
    pub languages: Vec<String>,
    /// Whether the website lists them (the directory of members) and shows their page.
    pub listed: bool,
    /// Whether other servers may suggest and index their actor (Mastodon's `discoverable`,
    /// `indexable`).
    pub discoverable: bool,
    /// The areas they advise on (`experts::AREAS`), and whether an admin confirmed them.
    pub expert_areas: Vec<String>,
    pub expert_confirmed: bool,
}

/// What a logo becomes on saving a profile.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum LogoChange {
    #[default]
    Keep,
    /// A newly uploaded image (`domain::images::store`), by its public id.
    Set(String),
    Remove,
}

/// A profile as written.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    /// Their display name (a person's, or an organization's); empty keeps the one they have.
    pub name: String,
    pub summary: String,
    pub website: String,
    pub countries: Vec<String>,
    pub logo: LogoChange,
    pub languages: Vec<String>,
    pub listed: bool,
    pub discoverable: bool,
}

#[derive(sqlx::FromRow)]
struct ProfileRow {
    #[sqlx(flatten)]
    account: AccountRow,
    summary: String,
    website: String,
    countries: String,
    logo: String,
    languages: String,
    listed: bool,
    discoverable: bool,
    expert_areas: String,
    expert_confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl ProfileRow {
    fn into_profile(self) -> Profile {
        Profile {
            account: self.account.into(),
            summary: self.summary,
            website: Url::parse(&self.website).ok(),
            countries: serde_json::from_str(&self.countries).unwrap_or_default(),
            logo: (!self.logo.is_empty()).then_some(self.logo),
            languages: serde_json::from_str(&self.languages).unwrap_or_default(),
            listed: self.listed,
            discoverable: self.discoverable,
            expert_areas: serde_json::from_str(&self.expert_areas).unwrap_or_default(),
            expert_confirmed: self.expert_confirmed_at.is_some(),
        }
    }
}

/// The columns of a profile besides the account's.
const PROFILE_COLUMNS: &str = "summary, website, countries, logo, languages, listed, discoverable, \
                               expert_areas, expert_confirmed_at";

/// The profile of the active account `account_id` (404 for any other).
pub async fn find(db: &Db, account_id: i64) -> Result<Profile> {
    let sql = format!(
        "select {ACCOUNT_COLUMNS}, {PROFILE_COLUMNS} from account \
         where account_id = $1 and status = 'active'"
    );
    let row: Option<ProfileRow> =
        with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(account_id)
            .fetch_optional(pool)
            .await)?;
    row.map(ProfileRow::into_profile).ok_or(Error::NotFound)
}

/// A member who chose to be listed: their profile and their username (the handle's first
/// part).
#[derive(Debug, Clone)]
pub struct ListedMember {
    pub profile: Profile,
    pub username: String,
}

#[derive(sqlx::FromRow)]
struct ListedRow {
    #[sqlx(flatten)]
    profile: ProfileRow,
    username: String,
}

/// The active members who chose to be listed (of `account_type` when given), by name:
/// `limit` of them from `offset`, and how many there are in all.
pub async fn listed(
    db: &Db,
    account_type: Option<AccountType>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ListedMember>, i64)> {
    let kind = account_type.map(AccountType::as_str);
    let filter = "from account a join local_actor l on l.account_id = a.account_id \
                  where a.status = 'active' and a.listed and ($1 is null or a.account_type = $1)";
    let columns = format!("a.{}", ACCOUNT_COLUMNS.replace(", ", ", a."));
    let profile = format!("a.{}", PROFILE_COLUMNS.replace(", ", ", a."));
    let sql = format!(
        "select {columns}, {profile}, l.username {filter} \
         order by lower(a.name), a.account_id limit $2 offset $3"
    );
    let rows: Vec<ListedRow> =
        with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(kind)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await)?;
    let count_sql = format!("select count(*) {filter}");
    let total: i64 = with_pool!(db, |pool| sqlx::query_scalar(sqlx::AssertSqlSafe(
        count_sql.as_str()
    ))
    .bind(kind)
    .fetch_one(pool)
    .await)?;
    let members = rows
        .into_iter()
        .map(|row| ListedMember {
            profile: row.profile.into_profile(),
            username: row.username,
        })
        .collect();
    Ok((members, total))
}

/// Replaces the profile of `account_id` with `input`, naming every bad field at once.
pub async fn update(db: &Db, account_id: i64, input: &ProfileInput) -> Result<Profile> {
    let mut check = Check::default();
    let name = (!input.name.trim().is_empty()).then(|| check.text("name", &input.name, 100));
    let summary = check
        .optional_text("summary", Some(&input.summary), MAX_SUMMARY)
        .unwrap_or_default();
    let website = check.optional_url("website", Some(&input.website));
    let countries = check.countries("countries", &input.countries);
    let languages = check.languages("languages", &input.languages);
    check.finish()?;
    // `$5` is the new logo, or null to keep the one it has.
    let logo = match &input.logo {
        LogoChange::Keep => None,
        LogoChange::Set(public_id) => Some(public_id.as_str()),
        LogoChange::Remove => Some(""),
    };
    let sql = "update account set summary = $1, website = $2, countries = $3, \
               logo = coalesce($5, logo), languages = $6, listed = $7, discoverable = $8, \
               name = coalesce($9, name) where account_id = $4 and status = 'active'";
    let mut tx = db.begin_write().await?;
    let changed = with_tx!(&mut tx, |conn| sqlx::query(sql)
        .bind(&summary)
        .bind(website.as_ref().map_or("", Url::as_str))
        .bind(serde_json::to_string(&countries)?)
        .bind(account_id)
        .bind(logo)
        .bind(serde_json::to_string(&languages)?)
        .bind(input.listed)
        .bind(input.discoverable)
        .bind(name)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    if changed == 0 {
        return Err(Error::NotFound);
    }
    super::identity::follow_profile(&mut tx, account_id).await?;
    tx.commit().await?;
    find(db, account_id).await
}

/// The active accounts, by name: who a publication may be by.
pub async fn bylines(db: &Db) -> Result<Vec<Account>> {
    Ok(super::list(db)
        .await?
        .into_iter()
        .filter(Account::is_active)
        .collect())
}
