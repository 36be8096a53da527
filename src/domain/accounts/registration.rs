//! Registering an account, as an individual or an organization, under the instance's
//! registration mode (open, approval, invitation, closed), and the invitation links that let a
//! registration in whatever the mode (`one_time_link` rows of purpose `invitation`).
//!
//! Invariants: the first account of an instance is an active admin whatever the mode; every
//! account gets its identity (`identity.rs`) in the transaction that makes it; an
//! invitation is used once, in the transaction that creates the account; an e-mail address
//! has at most one account.

use super::identity::{self, Identities};
use super::passwords::{Passwords, check_password};
use super::{
    ACCOUNT_COLUMNS, ACCOUNTS_LOCK, Account, AccountRow, AccountStatus, AccountType, Role,
    hash_secret, new_secret,
};
use crate::config::Registration;
use crate::db::{Db, Tx, with_pool, with_tx};
use crate::domain::validation::Check;
use crate::error::{Error, FieldError, Reason, Result};
use chrono::{Duration, Utc};

/// A registration as given in the form.
#[derive(Debug, Clone, Default)]
pub struct Registering {
    pub account_type: String,
    pub name: String,
    pub email: String,
    pub password: String,
    /// The username of their handle; empty: one is made from the e-mail address.
    pub username: String,
    /// The secret of an invitation link, in invitation mode.
    pub invitation: Option<String>,
}

/// What a registration led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registered {
    /// Active now (open mode, an invitation, or the first account).
    Active(Account),
    /// Waiting for an admin's approval.
    Pending(Account),
}

/// A plausible e-mail address: something@host.tld, no spaces, lower-cased.
pub(super) fn normalize_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    let (local, host) = email.split_once('@')?;
    let plausible = !local.is_empty()
        && host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && !host.contains('@');
    plausible.then_some(email)
}

/// The role and status a registration gets, or why it is refused, read in `tx`: the first
/// account is an active admin; an invitation (in any mode) gives its role, active; otherwise the
/// mode decides. With `consume`, the invitation is used up.
async fn registration_decision(
    tx: &mut Tx,
    mode: Registration,
    invitation: Option<&str>,
    email: &str,
    consume: bool,
) -> Result<(Role, AccountStatus)> {
    let sql = "select account_id from account where email = $1";
    let taken: Option<i64> = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(email)
        .fetch_optional(conn)
        .await)?;
    if taken.is_some() {
        return Err(FieldError::of("email", Reason::EmailTaken).into());
    }
    let sql = "select count(*) from account";
    let accounts: i64 = with_tx!(tx, |conn| sqlx::query_scalar(sql).fetch_one(conn).await)?;
    if accounts == 0 {
        return Ok((Role::Admin, AccountStatus::Active));
    }
    if let Some(invitation) = invitation {
        let sql = if consume {
            "update one_time_link set used_at = $1 where token_hash = $2 \
             and purpose = 'invitation' and used_at is null and expires_at > $1 \
             returning role"
        } else {
            "select role from one_time_link where token_hash = $2 \
             and purpose = 'invitation' and used_at is null and expires_at > $1"
        };
        let role: Option<Option<String>> = with_tx!(tx, |conn| sqlx::query_scalar(sql)
            .bind(Utc::now())
            .bind(invitation)
            .fetch_optional(conn)
            .await)?;
        return match role {
            Some(role) => Ok((
                role.as_deref()
                    .and_then(Role::parse)
                    .unwrap_or(Role::Member),
                AccountStatus::Active,
            )),
            None => Err(Error::Forbidden(
                "this invitation link is unknown, used or expired".to_string(),
            )),
        };
    }
    match mode {
        Registration::Closed => Err(Error::Forbidden(
            "registration is closed on this instance".to_string(),
        )),
        Registration::Invitation => Err(Error::Forbidden(
            "registration needs an invitation link on this instance".to_string(),
        )),
        Registration::Open => Ok((Role::Member, AccountStatus::Active)),
        Registration::Approval => Ok((Role::Member, AccountStatus::Pending)),
    }
}

/// Registers an account under `mode`. The first account of the instance is an active admin
/// whatever the mode.
pub async fn register(
    db: &Db,
    passwords: &Passwords,
    identities: &Identities,
    mode: Registration,
    input: &Registering,
) -> Result<Registered> {
    let mut check = Check::default();
    let account_type = AccountType::parse(&input.account_type);
    check.require(account_type.is_some(), "account_type", Reason::AccountType);
    let name = check.text("name", &input.name, 100);
    let email = normalize_email(&input.email);
    check.require(email.is_some(), "email", Reason::Email);
    check_password(&mut check, "password", &input.password);
    let username = match identity::requested(&input.username, identities) {
        Ok(username) => username,
        Err(Error::Invalid(errors)) => {
            errors.into_iter().for_each(|error| check.fail_with(error));
            None
        }
        Err(error) => return Err(error),
    };
    check.finish()?;
    let (Some(account_type), Some(email)) = (account_type, email) else {
        return Err(Error::internal("checked above"));
    };
    let invitation = input.invitation.as_deref().map(hash_secret);
    // Everything that can refuse is checked before the (costly) hash, in a transaction that
    // only reads (dropped, so rolled back), then again, locked, in the transaction that writes.
    let mut reading = db.begin().await?;
    registration_decision(&mut reading, mode, invitation.as_deref(), &email, false).await?;
    drop(reading);
    let password_hash = passwords.hash(&input.password).await?;
    let keys = identity::new_keys(identities).await?;
    let now = Utc::now();

    let mut transaction = db.begin_exclusive(ACCOUNTS_LOCK).await?;
    let (role, status) =
        registration_decision(&mut transaction, mode, invitation.as_deref(), &email, true).await?;
    let sql = format!(
        "insert into account (email, name, account_type, password_hash, role, status, \
         created_at, approved_at) values ($1, $2, $3, $4, $5, $6, $7, $8) \
         returning {ACCOUNT_COLUMNS}"
    );
    let row: AccountRow = with_tx!(&mut transaction, |conn| sqlx::query_as(
        sqlx::AssertSqlSafe(sql.as_str())
    )
    .bind(&email)
    .bind(&name)
    .bind(account_type.as_str())
    .bind(&password_hash)
    .bind(role.as_str())
    .bind(status.as_str())
    .bind(now)
    .bind((status == AccountStatus::Active).then_some(now))
    .fetch_one(conn)
    .await)?;
    let account = Account::from(row);
    identity::insert(
        &mut transaction,
        &account,
        username.as_deref(),
        &keys,
        identities,
    )
    .await?;
    transaction.commit().await?;
    Ok(if account.is_active() {
        Registered::Active(account)
    } else {
        Registered::Pending(account)
    })
}

/// Makes an invitation link's secret for a new account with `role`, valid `days` days.
pub async fn invite(db: &Db, role: Role, days: i64) -> Result<String> {
    let secret = new_secret();
    let now = Utc::now();
    let sql = "insert into one_time_link (purpose, token_hash, role, created_at, expires_at) \
               values ('invitation', $1, $2, $3, $4)";
    with_pool!(db, |pool| sqlx::query(sql)
        .bind(hash_secret(&secret))
        .bind(role.as_str())
        .bind(now)
        .bind(now + Duration::days(days))
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(secret)
}
