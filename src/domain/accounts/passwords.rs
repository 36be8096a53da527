//! Passwords: hashing with argon2id ([`Passwords`]), the length a password must have, changing
//! one, and resetting one through a password reset link (`one_time_link` rows of purpose
//! `password_reset`).
//!
//! Invariants: only the argon2id hash of a password is stored; a reset link works once and for
//! [`RESET_LINK_HOURS`]; resetting a password ends every session of the account, changing it
//! every other session.

use super::{ACCOUNT_COLUMNS, Account, AccountRow, find, find_by_email, hash_secret, new_secret};
use crate::db::{Db, with_pool, with_tx};
use crate::domain::validation::Check;
use crate::error::{Error, FieldError, Reason, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{Duration, Utc};

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 10;
/// Longest password accepted (argon2 would take anything; a bound keeps requests small).
const MAX_PASSWORD: usize = 1000;

pub(super) fn check_password(check: &mut Check, field: &str, password: &str) {
    let length = password.chars().count();
    check.require_with(
        length >= MIN_PASSWORD,
        FieldError::of(field, Reason::PasswordTooShort).with("min", MIN_PASSWORD),
    );
    check.require_with(
        length <= MAX_PASSWORD,
        FieldError::of(field, Reason::TooLong).with("max", MAX_PASSWORD),
    );
}

/// Password hashing with argon2id (OWASP's parameters: 19 MiB, 2 passes), off the async
/// threads, at most one per core at a time: each takes 19 MiB and tens of milliseconds of a
/// core, so a burst of logins or registrations waits its turn instead of taking the memory.
#[derive(Debug)]
pub struct Passwords {
    slots: tokio::sync::Semaphore,
}

impl Default for Passwords {
    fn default() -> Self {
        Passwords {
            slots: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, usize::from),
            ),
        }
    }
}

/// How long a request waits for a hashing slot before it is told to come back.
const HASHING_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl Passwords {
    async fn slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>> {
        match tokio::time::timeout(HASHING_WAIT, self.slots.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Error::Unavailable(
                "too many logins at the same time: try again in a minute".to_string(),
            )),
        }
    }

    /// The argon2id hash of `password`, in PHC string form.
    pub async fn hash(&self, password: &str) -> Result<String> {
        let _slot = self.slot().await?;
        let password = password.to_string();
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
                .map_err(|error| Error::internal(format!("salt: {error}")))?;
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|error| Error::internal(format!("argon2: {error}")))
        })
        .await
        .map_err(|error| Error::internal(format!("hashing task: {error}")))?
    }

    /// Whether `password` matches `hash` (false for a malformed hash).
    pub(super) async fn verify(&self, password: &str, hash: &str) -> Result<bool> {
        let _slot = self.slot().await?;
        let (password, hash) = (password.to_string(), hash.to_string());
        tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .map_err(|error| Error::internal(format!("hashing task: {error}")))
    }
}

/// A hash no password matches, verified against when the e-mail is unknown so that a login
/// takes as long either way.
pub(super) const NO_ACCOUNT_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0P9vXH8ChZP2vJmLxQYqn6Hn1mKc2H8dvTqzOB0vv3E";

/// How long a password reset link lasts.
pub const RESET_LINK_HOURS: i64 = 24;

/// Makes a password reset link's secret for the account with `email`.
pub async fn reset_link(db: &Db, email: &str) -> Result<String> {
    let account = find_by_email(db, email).await?;
    reset_link_for(db, account.account_id).await
}

/// Makes a password reset link's secret for account `account_id` (`NotFound` if none).
pub async fn reset_link_for(db: &Db, account_id: i64) -> Result<String> {
    let account = find(db, account_id).await?;
    let secret = new_secret();
    let now = Utc::now();
    let sql = "insert into one_time_link (purpose, token_hash, account_id, created_at, expires_at) \
               values ('password_reset', $1, $2, $3, $4)";
    with_pool!(db, |pool| sqlx::query(sql)
        .bind(hash_secret(&secret))
        .bind(account.account_id)
        .bind(now)
        .bind(now + Duration::hours(RESET_LINK_HOURS))
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(secret)
}

/// Whether `secret` is a live password reset link (to show its form).
pub async fn reset_link_is_live(db: &Db, secret: &str) -> Result<bool> {
    let sql = "select one_time_link_id from one_time_link where token_hash = $1 \
               and purpose = 'password_reset' and used_at is null and expires_at > $2";
    let found: Option<i64> = with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(hash_secret(secret))
        .bind(Utc::now())
        .fetch_optional(pool)
        .await)?;
    Ok(found.is_some())
}

/// Sets a new password through a reset link, once; ends every session of the account.
pub async fn reset_password(
    db: &Db,
    passwords: &Passwords,
    secret: &str,
    password: &str,
) -> Result<Account> {
    let mut check = Check::default();
    check_password(&mut check, "password", password);
    check.finish()?;
    let password_hash = passwords.hash(password).await?;
    let now = Utc::now();
    let token_hash = hash_secret(secret);
    let update_account = format!(
        "update account set password_hash = $1 where account_id = $2 returning {ACCOUNT_COLUMNS}"
    );
    let mut transaction = db.begin().await?;
    let account: Account = with_tx!(&mut transaction, |tx| {
        let account_id: Option<i64> = sqlx::query_scalar(
            "update one_time_link set used_at = $1 where token_hash = $2 \
             and purpose = 'password_reset' and used_at is null and expires_at > $1 \
             returning account_id",
        )
        .bind(now)
        .bind(&token_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(account_id) = account_id else {
            return Err(Error::Forbidden(
                "this link is unknown, used or expired: ask an admin for a new one".to_string(),
            ));
        };
        let row: AccountRow = sqlx::query_as(sqlx::AssertSqlSafe(update_account.as_str()))
            .bind(&password_hash)
            .bind(account_id)
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("delete from session where account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        Account::from(row)
    });
    transaction.commit().await?;
    Ok(account)
}

/// Whether `password` is `account_id`'s current password.
pub(super) async fn is_current(
    db: &Db,
    passwords: &Passwords,
    account_id: i64,
    password: &str,
) -> Result<bool> {
    let sql = "select password_hash from account where account_id = $1";
    let hash: String = with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(account_id)
        .fetch_one(pool)
        .await)?;
    passwords.verify(password, &hash).await
}

/// Changes the password of `account` after checking its current one; ends every other session
/// of the account (the one whose cookie secret is `keep` stays).
pub async fn change_password(
    db: &Db,
    passwords: &Passwords,
    account: &Account,
    current: &str,
    password: &str,
    keep: &str,
) -> Result<()> {
    let mut check = Check::default();
    check_password(&mut check, "password", password);
    if !is_current(db, passwords, account.account_id, current).await? {
        check.fail("current_password", Reason::CurrentPassword);
    }
    check.finish()?;
    let password_hash = passwords.hash(password).await?;
    let mut transaction = db.begin().await?;
    with_tx!(&mut transaction, |tx| {
        sqlx::query("update account set password_hash = $1 where account_id = $2")
            .bind(&password_hash)
            .bind(account.account_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("delete from session where account_id = $1 and token_hash <> $2")
            .bind(account.account_id)
            .bind(hash_secret(keep))
            .execute(&mut *tx)
            .await?;
    });
    transaction.commit().await?;
    Ok(())
}
