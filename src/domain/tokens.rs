//! Bearer tokens for the editors' API: made by an admin with the CLI, shown once, stored as
//! SHA-256 hashes (they are 256 random bits, so a fast hash is enough), revocable.

use crate::db::{Db, with_pool};
use crate::error::{Error, FieldError, Reason, Result};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// A token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct Token {
    pub api_token_id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The prefix of every token, so that a leaked one is recognisable.
const PREFIX: &str = "jisr_";

/// The SHA-256 of a secret, in hex: how secrets we hand out are stored.
pub(crate) fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Makes a token named `name`; returns its id and the secret, which is not stored.
pub async fn create(db: &Db, name: &str) -> Result<(i64, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(FieldError::of("name", Reason::Length)
            .with("min", 1)
            .with("max", 100)
            .into());
    }
    let secret: [u8; 32] = rand::random();
    let token = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(secret));
    let sql = "insert into api_token (name, token_hash, created_at) values ($1, $2, $3) \
               returning api_token_id";
    let id: i64 = with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(name)
        .bind(hash(&token))
        .bind(Utc::now())
        .fetch_one(pool)
        .await)?;
    Ok((id, token))
}

/// The live token whose secret is `token`, marking it used; `Unauthorized` otherwise.
pub async fn authenticate(db: &Db, token: &str) -> Result<Token> {
    let unauthorized = || Error::Unauthorized("the API token is unknown or revoked".to_string());
    if !token.starts_with(PREFIX) {
        return Err(unauthorized());
    }
    let sql = "update api_token set last_used_at = $1 where token_hash = $2 and revoked_at is null \
               returning api_token_id, name, created_at, last_used_at, revoked_at";
    let found: Option<Token> = with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(Utc::now())
        .bind(hash(token))
        .fetch_optional(pool)
        .await)?;
    found.ok_or_else(unauthorized)
}

/// Every token, newest first.
pub async fn list(db: &Db) -> Result<Vec<Token>> {
    let sql = "select api_token_id, name, created_at, last_used_at, revoked_at from api_token \
               order by api_token_id desc";
    Ok(with_pool!(db, |pool| sqlx::query_as(sql)
        .fetch_all(pool)
        .await)?)
}

/// Revokes a token; `NotFound` if there is no live token with that id.
pub async fn revoke(db: &Db, api_token_id: i64) -> Result<()> {
    let sql = "update api_token set revoked_at = $1 where api_token_id = $2 and revoked_at is null";
    let changed = with_pool!(db, |pool| sqlx::query(sql)
        .bind(Utc::now())
        .bind(api_token_id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    if changed == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}
