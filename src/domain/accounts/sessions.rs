//! Logging in with an e-mail and a password, and the browser sessions that follow (`session`
//! table): starting one, finding the live one behind a cookie, ending it.
//!
//! Invariants: a session's cookie secret is stored only as its SHA-256 hash; only an active
//! account's session is live; a login takes as long whether or not the e-mail is known.

use super::passwords::{NO_ACCOUNT_HASH, Passwords};
use super::{ACCOUNT_COLUMNS, Account, AccountRow, AccountStatus, hash_secret, new_secret};
use crate::db::{Db, with_pool};
use crate::error::Result;
use chrono::{Duration, Utc};

/// Why a login was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRefused {
    /// Unknown e-mail or wrong password (not told apart).
    WrongPassword,
    /// The account waits for an admin's approval.
    Pending,
    /// An admin disabled the account.
    Disabled,
}

/// Checks an e-mail and password.
pub async fn login(
    db: &Db,
    passwords: &Passwords,
    email: &str,
    password: &str,
) -> Result<Result<Account, LoginRefused>> {
    let email = email.trim().to_lowercase();
    let sql = format!("select {ACCOUNT_COLUMNS}, password_hash from account where email = $1");
    let found: Option<(String, Account)> = with_pool!(db, |pool| {
        sqlx::query_as::<_, AccountWithHash>(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(&email)
            .fetch_optional(pool)
            .await
    })?
    .map(|row| (row.password_hash.clone(), Account::from(row.account)));
    let hash = found
        .as_ref()
        .map(|(hash, _)| hash.as_str())
        .unwrap_or(NO_ACCOUNT_HASH);
    let matches = passwords.verify(password, hash).await?;
    Ok(match found {
        Some((_, account)) if matches => match account.status {
            AccountStatus::Active => Ok(account),
            AccountStatus::Pending => Err(LoginRefused::Pending),
            AccountStatus::Disabled => Err(LoginRefused::Disabled),
        },
        _ => Err(LoginRefused::WrongPassword),
    })
}

#[derive(sqlx::FromRow)]
struct AccountWithHash {
    #[sqlx(flatten)]
    account: AccountRow,
    password_hash: String,
}

/// A logged-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    pub account: Account,
    /// The token every form of this session carries.
    pub csrf_token: String,
}

/// Starts a session for `account`; returns the cookie's secret.
pub async fn start_session(db: &Db, account: &Account, days: u64) -> Result<(String, Session)> {
    let secret = new_secret();
    let csrf_token = new_secret();
    let now = Utc::now();
    let expires = now + Duration::days(i64::try_from(days).unwrap_or(30));
    let sql = "insert into session (token_hash, account_id, csrf_token, created_at, expires_at) \
               values ($1, $2, $3, $4, $5)";
    with_pool!(db, |pool| sqlx::query(sql)
        .bind(hash_secret(&secret))
        .bind(account.account_id)
        .bind(&csrf_token)
        .bind(now)
        .bind(expires)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok((
        secret,
        Session {
            account: account.clone(),
            csrf_token,
        },
    ))
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    account: AccountRow,
    csrf_token: String,
}

/// The live session whose cookie secret is `secret`, if its account is active.
pub async fn session(db: &Db, secret: &str) -> Result<Option<Session>> {
    let sql = "select a.account_id, a.email, a.name, a.account_type, a.role, a.status, \
               a.created_at, s.csrf_token from session s join account a on a.account_id = s.account_id \
               where s.token_hash = $1 and s.expires_at > $2 and a.status = 'active'";
    let row: Option<SessionRow> = with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(hash_secret(secret))
        .bind(Utc::now())
        .fetch_optional(pool)
        .await)?;
    Ok(row.map(|row| Session {
        account: row.account.into(),
        csrf_token: row.csrf_token,
    }))
}

/// Ends the session whose cookie secret is `secret` (nothing if there is none).
pub async fn end_session(db: &Db, secret: &str) -> Result<()> {
    with_pool!(db, |pool| sqlx::query(
        "delete from session where token_hash = $1"
    )
    .bind(hash_secret(secret))
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}
