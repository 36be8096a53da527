//! A member's identity on the network: the username of their handle and the row of the actor
//! that speaks for them (`local_actor`, of kind `person` or `member_organization`, pointing
//! back at the account), made in the transaction that makes the account. The domain stores
//! the actor's key pair as given; making keys and everything ActivityPub is `federation`'s.
//!
//! Invariants: every account has one identity from its registration on; an identity's row is
//! never deleted, so a username is never reused; a member's display name and summary on the
//! row follow the account's.

use super::usernames;
use super::{Account, AccountType};
use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::{Error, FieldError, Reason, Result};
use chrono::Utc;

/// What an identity needs from outside the domain: the names kept for the server's own
/// actors, and a maker of key pairs (PEM private key, PEM public key).
#[derive(Clone)]
pub struct Identities {
    pub reserved: Vec<String>,
    pub make_keys: fn() -> anyhow::Result<(String, String)>,
}

impl Identities {
    fn reserved(&self) -> Vec<&str> {
        self.reserved.iter().map(String::as_str).collect()
    }
}

/// The `local_actor.kind` of an account's actor.
pub fn actor_kind(account_type: AccountType) -> &'static str {
    match account_type {
        AccountType::Individual => "person",
        AccountType::Organization => "member_organization",
    }
}

/// A new key pair, made off the async threads (a key takes milliseconds of CPU).
pub(super) async fn new_keys(identities: &Identities) -> Result<(String, String)> {
    let make = identities.make_keys;
    tokio::task::spawn_blocking(make)
        .await
        .map_err(|error| Error::internal(format!("key generation failed: {error}")))?
        .map_err(|error| Error::internal(format!("key generation failed: {error}")))
}

/// The username a registration asks for, checked (`None`: one is made from the e-mail).
pub(super) fn requested(given: &str, identities: &Identities) -> Result<Option<String>> {
    if given.trim().is_empty() {
        return Ok(None);
    }
    usernames::check(given, &identities.reserved())
        .map(Some)
        .map_err(|reason| FieldError::of("username", reason).into())
}

/// Inserts the identity of `account` in `tx`: `requested` (422 if taken) or the first free
/// name made from its e-mail address. Returns the username.
pub(super) async fn insert(
    tx: &mut Tx,
    account: &Account,
    requested: Option<&str>,
    keys: &(String, String),
    identities: &Identities,
) -> Result<String> {
    let sql = "insert into local_actor (username, kind, display_name, summary, public_key_pem, \
               private_key_pem, created_at, account_id) values ($1, $2, $3, '', $4, $5, $6, $7) \
               on conflict do nothing";
    let base = usernames::from_email(&account.email, &identities.reserved());
    let candidates: Vec<String> = match requested {
        Some(name) => vec![name.to_string()],
        None => (1..=100).map(|n| usernames::numbered(&base, n)).collect(),
    };
    for username in candidates {
        let inserted = with_tx!(tx, |conn| sqlx::query(sql)
            .bind(&username)
            .bind(actor_kind(account.account_type))
            .bind(&account.name)
            .bind(&keys.1)
            .bind(&keys.0)
            .bind(Utc::now())
            .bind(account.account_id)
            .execute(conn)
            .await
            .map(|done| done.rows_affected()))?;
        if inserted == 1 {
            return Ok(username);
        }
        // Another process may have given this account its identity meanwhile.
        let sql = "select username from local_actor where account_id = $1";
        let made: Option<String> = with_tx!(tx, |conn| sqlx::query_scalar(sql)
            .bind(account.account_id)
            .fetch_optional(conn)
            .await)?;
        if let Some(made) = made {
            return Ok(made);
        }
    }
    Err(match requested {
        Some(_) => FieldError::of("username", Reason::UsernameTaken).into(),
        None => Error::internal(format!("no free username made from {base}")),
    })
}

/// The username of `account_id`'s actor.
pub async fn username(db: &Db, account_id: i64) -> Result<Option<String>> {
    let sql = "select username from local_actor where account_id = $1";
    Ok(with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(account_id)
        .fetch_optional(pool)
        .await)?)
}

/// Gives every account that has none (accounts made before members were actors) its
/// identity; returns how many were made.
pub async fn ensure_all(db: &Db, identities: &Identities) -> Result<usize> {
    let sql = format!(
        "select {} from account a where not exists \
         (select 1 from local_actor l where l.account_id = a.account_id) order by account_id",
        super::ACCOUNT_COLUMNS
            .split(", ")
            .map(|column| format!("a.{column}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let rows: Vec<super::AccountRow> =
        with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .fetch_all(pool)
            .await)?;
    let mut made = 0;
    for row in rows {
        let account = Account::from(row);
        let keys = new_keys(identities).await?;
        let mut tx = db.begin_write().await?;
        insert(&mut tx, &account, None, &keys, identities).await?;
        tx.commit().await?;
        made += 1;
    }
    Ok(made)
}

/// Sets the display name, summary and avatar of `account_id`'s actor to the account's name,
/// summary and logo, in `tx`.
pub(super) async fn follow_profile(tx: &mut Tx, account_id: i64) -> Result<()> {
    let sql = "update local_actor set \
               display_name = (select name from account where account_id = $1), \
               summary = (select summary from account where account_id = $1), \
               icon_image = (select nullif(logo, '') from account where account_id = $1) \
               where account_id = $1";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(account_id)
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The account name and username of each of these members' actors, by actor row id.
pub async fn members_by_actor(
    db: &Db,
    local_actor_ids: &[i64],
) -> Result<std::collections::HashMap<i64, (String, String)>> {
    let mut found = std::collections::HashMap::new();
    for chunk in local_actor_ids.chunks(500) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "select l.local_actor_id, a.name, l.username from local_actor l \
             join account a on a.account_id = l.account_id \
             where l.local_actor_id in ({})",
            placeholders.join(", ")
        );
        let rows: Vec<(i64, String, String)> = with_pool!(db, |pool| {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for id in chunk {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await
        })?;
        found.extend(
            rows.into_iter()
                .map(|(id, name, username)| (id, (name, username))),
        );
    }
    Ok(found)
}
