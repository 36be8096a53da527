//! How much one sender may send: at most `moderation.inbox_per_actor_per_minute` activities
//! from one actor and `inbox_per_domain_per_minute` from one domain, in windows of a minute,
//! so that one noisy server cannot crowd out the rest. Past either, the inbox answers `429`
//! with `Retry-After` (the seconds left in the window), before any work or write.
//!
//! Counted once the signature is verified (an unverified request cannot spend someone else's
//! share). On PostgreSQL the counts are rows of `inbox_rate`, one upsert per request for both
//! keys, so that every process behind one address counts together; on SQLite (one process)
//! they are kept in memory, bounded.

use crate::app::AppState;
use crate::db::Db;
use crate::error::{Error, Result};
use chrono::Utc;
use std::collections::HashMap;
use std::sync::Mutex;

/// The length of a window, in seconds.
pub const WINDOW_SECONDS: i64 = 60;
/// The most keys counted in memory; past it, the counts start again.
const MAX_KEYS: usize = 100_000;

/// The counts of this process (SQLite).
#[derive(Debug, Default)]
pub struct InboxCounts(Mutex<HashMap<String, (i64, u64)>>);

impl InboxCounts {
    /// Counts one more for each of `keys` in `window`: the new counts, in order.
    fn hit(&self, window: i64, keys: &[&str]) -> Vec<u64> {
        let mut counts = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if counts.len() >= MAX_KEYS {
            counts.retain(|_, (seen, _)| *seen == window);
            if counts.len() >= MAX_KEYS {
                counts.clear();
            }
        }
        keys.iter()
            .map(|key| {
                let entry = counts.entry((*key).to_string()).or_insert((window, 0));
                if entry.0 != window {
                    *entry = (window, 0);
                }
                entry.1 += 1;
                entry.1
            })
            .collect()
    }
}

/// Counts one more activity from `actor` (an id) and its domain; a 429 when either is past its
/// limit this minute (a limit of 0 is none).
pub async fn check(state: &AppState, actor: &url::Url) -> Result<()> {
    let moderation = &state.config().moderation;
    let (per_actor, per_domain) = (
        moderation.inbox_per_actor_per_minute,
        moderation.inbox_per_domain_per_minute,
    );
    if per_actor == 0 && per_domain == 0 {
        return Ok(());
    }
    let now = Utc::now().timestamp();
    let window = now - now.rem_euclid(WINDOW_SECONDS);
    let domain = actor.host_str().unwrap_or_default().to_ascii_lowercase();
    let actor_key = format!("actor:{actor}");
    let domain_key = format!("domain:{domain}");
    let counts = match state.db() {
        Db::Postgres(_) => counted(state.db(), window, &[&actor_key, &domain_key]).await?,
        Db::Sqlite(_) => state.inbox_counts().hit(window, &[&actor_key, &domain_key]),
    };
    let retry_after = u64::try_from(window + WINDOW_SECONDS - now)
        .unwrap_or(1)
        .max(1);
    let refuse = |what: String| Error::TooManyRequests {
        reason: what,
        retry_after,
    };
    if per_actor > 0 && counts.first().copied().unwrap_or(0) > per_actor {
        return Err(refuse(format!(
            "{actor} sent more than {per_actor} activities this minute; try again in \
             {retry_after} s"
        )));
    }
    if per_domain > 0 && counts.get(1).copied().unwrap_or(0) > per_domain {
        return Err(refuse(format!(
            "{domain} sent more than {per_domain} activities this minute; try again in \
             {retry_after} s"
        )));
    }
    Ok(())
}

/// One more for each of `keys` in `window`, in `inbox_rate` (PostgreSQL): the new counts, in
/// order.
async fn counted(db: &Db, window: i64, keys: &[&str]) -> Result<Vec<u64>> {
    let Db::Postgres(pool) = db else {
        return Ok(Vec::new());
    };
    let sql = "insert into inbox_rate (key, window_start, hits) \
               select key, $2, 1 from unnest($1::text[]) as key \
               on conflict (key) do update set \
               hits = case when inbox_rate.window_start = excluded.window_start \
                      then inbox_rate.hits + 1 else 1 end, \
               window_start = excluded.window_start \
               returning key, hits";
    let keys: Vec<String> = keys.iter().map(|key| key.to_string()).collect();
    let rows: Vec<(String, i64)> = sqlx::query_as(sql)
        .bind(&keys)
        .bind(window)
        .fetch_all(pool)
        .await?;
    Ok(keys
        .iter()
        .map(|key| {
            rows.iter()
                .find(|(found, _)| found == key)
                .map_or(0, |(_, hits)| u64::try_from(*hits).unwrap_or(0))
        })
        .collect())
}

/// Forgets the counts of windows before `window` (PostgreSQL; hourly housekeeping).
pub async fn forget_before(db: &Db, window: i64) -> Result<u64> {
    let Db::Postgres(pool) = db else {
        return Ok(0);
    };
    Ok(
        sqlx::query("delete from inbox_rate where window_start < $1")
            .bind(window)
            .execute(pool)
            .await?
            .rows_affected(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_start_again_in_each_window() {
        let counts = InboxCounts::default();
        assert_eq!(counts.hit(60, &["a", "d"]), [1, 1]);
        assert_eq!(counts.hit(60, &["b", "d"]), [1, 2]);
        assert_eq!(counts.hit(60, &["a", "d"]), [2, 3]);
        assert_eq!(counts.hit(120, &["a", "d"]), [1, 1]);
    }
}
