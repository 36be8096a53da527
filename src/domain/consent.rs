//! What stays of a story whose consent was withdrawn: the fact (when consent had been given and
//! how, when it was withdrawn, by an editor or on the day set in advance), never the story; and
//! the stories whose day set in advance has come.
//!
//! Invariant: a withdrawal is recorded in the transaction that deletes the story
//! (`federation::outbox::withdraw_consent`), so there is never one without the other.

use super::story::Consent;
use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::Result;
use chrono::{DateTime, NaiveDate, Utc};

/// A withdrawn consent, as editors see it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Withdrawal {
    /// The story's id in URLs (its page answers 410 now).
    pub public_id: String,
    pub given_on: Option<String>,
    pub form: Option<String>,
    pub withdrawn_at: DateTime<Utc>,
    /// On the day set in advance, not by an editor.
    pub scheduled: bool,
    /// The editor who withdrew it.
    pub by: Option<String>,
}

/// Who withdrew a consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithdrawnBy {
    /// An editor, on the website.
    Editor(i64),
    /// An admin, with `jisr withdraw-consent`.
    CommandLine,
    /// The day set in advance came.
    Schedule,
}

/// Records that the consent of the story `publication_id` was withdrawn at `now`.
pub async fn record_withdrawal(
    tx: &mut Tx,
    publication_id: i64,
    consent: &Consent,
    now: DateTime<Utc>,
    by: WithdrawnBy,
) -> Result<()> {
    let sql = "insert into consent_withdrawal (publication_id, given_on, form, withdrawn_at, \
               scheduled, account_id) values ($1, $2, $3, $4, $5, $6)";
    let given_on = consent.given_on.map(|day: NaiveDate| day.to_string());
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(publication_id)
        .bind(&given_on)
        .bind(&consent.form)
        .bind(now)
        .bind(by == WithdrawnBy::Schedule)
        .bind(match by {
            WithdrawnBy::Editor(account_id) => Some(account_id),
            WithdrawnBy::CommandLine | WithdrawnBy::Schedule => None,
        })
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The withdrawals, the latest first (at most `limit`).
pub async fn withdrawals(db: &Db, limit: i64) -> Result<Vec<Withdrawal>> {
    let sql = "select publication.public_id, consent_withdrawal.given_on, consent_withdrawal.form, \
               consent_withdrawal.withdrawn_at, consent_withdrawal.scheduled, account.name as by \
               from consent_withdrawal \
               join publication on publication.publication_id = consent_withdrawal.publication_id \
               left join account on account.account_id = consent_withdrawal.account_id \
               order by consent_withdrawal.withdrawn_at desc limit $1";
    Ok(with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(limit)
        .fetch_all(pool)
        .await)?)
}

/// The public ids of the stories whose consent ends at `now` or before (at most 100 at once).
pub async fn due(db: &Db, now: DateTime<Utc>) -> Result<Vec<String>> {
    let sql = "select public_id from publication where withdraw_at is not null \
               and withdraw_at <= $1 and deleted_at is null order by withdraw_at limit 100";
    Ok(with_pool!(db, |pool| sqlx::query_scalar(sql)
        .bind(now)
        .fetch_all(pool)
        .await)?)
}
