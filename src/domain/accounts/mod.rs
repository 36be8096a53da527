//! Accounts of the website: who may log in and do what ([`Role`], [`AccountStatus`]), finding
//! and listing accounts, and an admin's changes to them (approval, roles, disabling), over the
//! `account` table.
//!
//! Where to look next: `registration.rs` (registering under the instance's registration mode,
//! invitation links), `passwords.rs` (argon2id hashing, changing a password, reset links),
//! `sessions.rs` (logging in, the browser sessions), `profile.rs` (the public profile a
//! publication's byline links to, and the member's actor shows), `usernames.rs` (the names
//! of handles), `identity.rs` (the actor row each account has, made with it).
//!
//! Invariants: e-mail addresses are stored lower-cased and trimmed; secrets (session cookies,
//! links) are stored only as SHA-256 hashes; the first account of an instance is an active
//! admin; an instance never loses its last active admin; resetting a password ends every
//! session of the account.

pub mod identity;
mod passwords;
pub mod profile;
mod registration;
mod sessions;
pub mod usernames;

pub use passwords::{
    MIN_PASSWORD, Passwords, RESET_LINK_HOURS, change_password, reset_link, reset_link_for,
    reset_link_is_live, reset_password,
};
pub use registration::{Registered, Registering, invite, register};
pub use sessions::{LoginRefused, Session, end_session, login, session, start_session};

use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::{Error, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages members and roles, approves registrations, publishes.
    Admin,
    /// Publishes, edits and deletes publications.
    Editor,
    /// Has an account; does not publish.
    Member,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Editor, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Member => "member",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == name)
    }

    /// Admins and editors publish.
    pub fn can_publish(self) -> bool {
        matches!(self, Role::Admin | Role::Editor)
    }
}

/// A person or an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountType {
    Individual,
    Organization,
}

impl AccountType {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountType::Individual => "individual",
            AccountType::Organization => "organization",
        }
    }

    pub fn parse(name: &str) -> Option<AccountType> {
        match name {
            "individual" => Some(AccountType::Individual),
            "organization" => Some(AccountType::Organization),
            _ => None,
        }
    }
}

/// Whether an account may log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    Active,
    /// Waiting for an admin's approval.
    Pending,
    Disabled,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Pending => "pending",
            AccountStatus::Disabled => "disabled",
        }
    }

    pub fn parse(name: &str) -> Option<AccountStatus> {
        match name {
            "active" => Some(AccountStatus::Active),
            "pending" => Some(AccountStatus::Pending),
            "disabled" => Some(AccountStatus::Disabled),
            _ => None,
        }
    }
}

/// An account as stored (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub account_id: i64,
    pub email: String,
    pub name: String,
    pub account_type: AccountType,
    pub role: Role,
    pub status: AccountStatus,
    pub created_at: DateTime<Utc>,
}

impl Account {
    pub fn is_active(&self) -> bool {
        self.status == AccountStatus::Active
    }
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    account_id: i64,
    email: String,
    name: String,
    account_type: String,
    role: String,
    status: String,
    created_at: DateTime<Utc>,
}

impl From<AccountRow> for Account {
    fn from(row: AccountRow) -> Account {
        Account {
            account_id: row.account_id,
            email: row.email,
            name: row.name,
            account_type: AccountType::parse(&row.account_type).unwrap_or(AccountType::Individual),
            role: Role::parse(&row.role).unwrap_or(Role::Member),
            // An unknown status (a newer version's) must not let anyone in.
            status: AccountStatus::parse(&row.status).unwrap_or(AccountStatus::Disabled),
            created_at: row.created_at,
        }
    }
}

/// The columns of [`AccountRow`].
const ACCOUNT_COLUMNS: &str = "account_id, email, name, account_type, role, status, created_at";

/// The lock of transactions that check and change accounts ("the first account", "the last
/// admin"), for [`Db::begin_exclusive`].
const ACCOUNTS_LOCK: i64 = 0x6a69_7372_0001;

/// The SHA-256 hash a secret (a session cookie, a link) is stored as.
fn hash_secret(secret: &str) -> String {
    super::tokens::hash(secret)
}

/// A new secret of 256 random bits, URL-safe.
fn new_secret() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// The account `account_id`.
pub async fn find(db: &Db, account_id: i64) -> Result<Account> {
    let sql = format!("select {ACCOUNT_COLUMNS} from account where account_id = $1");
    let row: AccountRow = with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(account_id)
        .fetch_one(pool)
        .await)?;
    Ok(row.into())
}

/// The account with `email`.
pub async fn find_by_email(db: &Db, email: &str) -> Result<Account> {
    let sql = format!("select {ACCOUNT_COLUMNS} from account where email = $1");
    let row: AccountRow = with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(email.trim().to_lowercase())
        .fetch_one(pool)
        .await)?;
    Ok(row.into())
}

/// Every account, pending ones first, then by name.
pub async fn list(db: &Db) -> Result<Vec<Account>> {
    let sql = format!(
        "select {ACCOUNT_COLUMNS} from account \
         order by case status when 'pending' then 0 else 1 end, lower(name), account_id"
    );
    let rows: Vec<AccountRow> =
        with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .fetch_all(pool)
            .await)?;
    Ok(rows.into_iter().map(Account::from).collect())
}

/// How many registrations wait for an admin's approval.
pub async fn pending_count(db: &Db) -> Result<i64> {
    let sql = "select count(*) from account where status = 'pending'";
    Ok(with_pool!(db, |pool| sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await)?)
}

/// What an admin does to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Approve,
    /// Deletes a pending registration.
    Reject,
    Disable,
    Enable,
    SetRole(Role),
}

/// How many active admins there are.
const ACTIVE_ADMINS: &str =
    "select count(*) from account where role = 'admin' and status = 'active'";

/// Refuses to take away the last of `admins` active admins.
fn keeps_an_admin(admins: i64) -> Result<()> {
    if admins <= 1 {
        return Err(Error::Forbidden(
            "this is the last admin: make another member admin first".to_string(),
        ));
    }
    Ok(())
}

/// Applies an admin's `change` to `account_id`; refuses to leave the instance without an
/// active admin.
pub async fn change(db: &Db, account_id: i64, change: Change) -> Result<()> {
    let mut transaction = begin_change(db).await?;
    change_in(&mut transaction, account_id, change).await?;
    transaction.commit().await?;
    Ok(())
}

/// A transaction for changes of accounts' status or role: one at a time (they count the
/// active admins).
pub async fn begin_change(db: &Db) -> Result<Tx> {
    Ok(db.begin_exclusive(ACCOUNTS_LOCK).await?)
}

/// [`change`] in `transaction`, which [`begin_change`] began.
pub async fn change_in(transaction: &mut Tx, account_id: i64, change: Change) -> Result<()> {
    let now = Utc::now();
    let select_account = format!("select {ACCOUNT_COLUMNS} from account where account_id = $1");
    with_tx!(transaction, |tx| {
        let row: Option<AccountRow> = sqlx::query_as(sqlx::AssertSqlSafe(select_account.as_str()))
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
        let account = Account::from(row.ok_or(Error::NotFound)?);
        let removes_admin = account.role == Role::Admin
            && account.is_active()
            && matches!(
                change,
                Change::Disable | Change::SetRole(Role::Editor | Role::Member)
            );
        if removes_admin {
            let admins: i64 = sqlx::query_scalar(ACTIVE_ADMINS)
                .fetch_one(&mut *tx)
                .await?;
            keeps_an_admin(admins)?;
        }
        match change {
            Change::Approve => {
                sqlx::query(
                    "update account set status = 'active', approved_at = $1 \
                     where account_id = $2 and status = 'pending'",
                )
                .bind(now)
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            }
            Change::Reject => {
                if account.status != AccountStatus::Pending {
                    return Err(Error::Forbidden(
                        "only a registration waiting for approval can be rejected".to_string(),
                    ));
                }
                // Its actor never existed for anyone (a pending account's answers 404), so
                // its name is free again.
                for sql in [
                    "delete from one_time_link where account_id = $1",
                    "delete from session where account_id = $1",
                    "delete from local_actor where account_id = $1",
                    "delete from account where account_id = $1 and status = 'pending'",
                ] {
                    sqlx::query(sql).bind(account_id).execute(&mut *tx).await?;
                }
            }
            Change::Disable => {
                sqlx::query("update account set status = 'disabled' where account_id = $1")
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("delete from session where account_id = $1")
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?;
            }
            Change::Enable => {
                sqlx::query(
                    "update account set status = 'active' where account_id = $1 \
                     and status = 'disabled'",
                )
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            }
            Change::SetRole(role) => {
                sqlx::query("update account set role = $1 where account_id = $2")
                    .bind(role.as_str())
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
    });
    Ok(())
}

/// Whether `account_id` is disabled by an admin (not deleted by its owner), in `tx`.
pub async fn is_disabled_not_deleted(tx: &mut Tx, account_id: i64) -> Result<bool> {
    let sql = "select count(*) from account where account_id = $1 and status = 'disabled' \
               and deleted_at is null";
    let count: i64 = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(account_id)
        .fetch_one(conn)
        .await)?;
    Ok(count > 0)
}

/// Deletes expired sessions and one-time links.
pub async fn forget_expired(db: &Db) -> Result<()> {
    let now = Utc::now();
    for sql in [
        "delete from session where expires_at < $1",
        "delete from one_time_link where expires_at < $1",
    ] {
        with_pool!(db, |pool| sqlx::query(sql)
            .bind(now)
            .execute(pool)
            .await
            .map(|_| ()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;

/// Makes a new secret for `account_id`'s private calendar (the old one stops working) and
/// returns it; only its hash is kept.
pub async fn new_calendar_secret(db: &Db, account_id: i64) -> Result<String> {
    let secret = new_secret();
    let sql = "update account set calendar_token_hash = $1 where account_id = $2";
    with_pool!(db, |pool| sqlx::query(sql)
        .bind(hash_secret(&secret))
        .bind(account_id)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(secret)
}

/// Stops `account_id`'s private calendar: its link answers 404 from now on.
pub async fn revoke_calendar_secret(db: &Db, account_id: i64) -> Result<()> {
    let sql = "update account set calendar_token_hash = null where account_id = $1";
    with_pool!(db, |pool| sqlx::query(sql)
        .bind(account_id)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Whether `account_id` has a private calendar link.
pub async fn has_calendar_secret(db: &Db, account_id: i64) -> Result<bool> {
    let sql = "select calendar_token_hash is not null from account where account_id = $1";
    Ok(with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(account_id)
        .fetch_one(pool)
        .await)?)
}

/// The active account whose private calendar `secret` opens.
pub async fn by_calendar_secret(db: &Db, secret: &str) -> Result<Option<Account>> {
    let sql = format!(
        "select {ACCOUNT_COLUMNS} from account where calendar_token_hash = $1 and status = 'active'"
    );
    let row: Option<AccountRow> =
        with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(hash_secret(secret))
            .fetch_optional(pool)
            .await)?;
    Ok(row.map(Account::from))
}

/// Deletes `account`'s own account, when `password` is theirs: what identifies them is erased
/// (e-mail, name, profile, password, sessions, links, calendar secret), its row stays disabled
/// with the time of deletion, so that its actor answers 410 and its username is never taken
/// again. Refused for the last active admin.
pub async fn delete_own(
    db: &Db,
    passwords: &Passwords,
    account: &Account,
    password: &str,
) -> Result<()> {
    if !passwords::is_current(db, passwords, account.account_id, password).await? {
        return Err(crate::error::FieldError::of(
            "password",
            crate::error::Reason::CurrentPassword,
        )
        .into());
    }
    let now = Utc::now();
    let mut transaction = db.begin_exclusive(ACCOUNTS_LOCK).await?;
    with_tx!(&mut transaction, |tx| {
        if account.role == Role::Admin {
            let admins: i64 = sqlx::query_scalar(ACTIVE_ADMINS)
                .fetch_one(&mut *tx)
                .await?;
            keeps_an_admin(admins)?;
        }
        sqlx::query(
            "update account set status = 'disabled', deleted_at = $1, email = $2, name = '', \
             password_hash = '', summary = '', website = '', countries = '[]', \
             languages = '[]', logo = '', listed = false, discoverable = false, \
             calendar_token_hash = null where account_id = $3",
        )
        .bind(now)
        .bind(format!("deleted-{}@deleted.invalid", account.account_id))
        .bind(account.account_id)
        .execute(&mut *tx)
        .await?;
        for sql in [
            "delete from session where account_id = $1",
            "delete from one_time_link where account_id = $1",
            "update local_actor set display_name = '', summary = '', icon_image = null \
             where account_id = $1",
        ] {
            sqlx::query(sql)
                .bind(account.account_id)
                .execute(&mut *tx)
                .await?;
        }
    });
    transaction.commit().await?;
    Ok(())
}
