//! The domain policy in force: the copy of `domain_policy` (with the configuration's blocked
//! and allowed domains) that each process keeps in memory for the checks of every request (the
//! inbox, every fetch and delivery, what is stored), reloaded when the version changes in any
//! process; and what a change does at once, in the transaction that records it:
//!
//! - **block**: the domain's followers of our actors are removed, our follows of its actors
//!   forgotten, deliveries to it cancelled, its network content erased, its replies hidden and
//!   its forum posts removed (not brought back if the block is lifted);
//! - **limit**: its network content is hidden from lists, feeds and search (shown again when
//!   the limit is lifted); its replies and forum posts are held for a moderator from then on;
//! - **allow**: in allowlist mode, the only domains we federate with.
//!
//! Every change is recorded in the audit log in the same transaction.
//!
//! The snapshot holds the accounts that moderators suspended or limited too
//! ([`crate::federation::suspensions`] changes them), reloaded with the domains.
//!
//! Invariant: a process sees another's change within [`RELOAD_EVERY`]; its own at once.

use crate::app::AppState;
use crate::config::Config;
use crate::db::Db;
use crate::domain::account_policy::{self, AccountSeverity};
use crate::domain::audit::{self, Who};
use crate::domain::policy::{self, DomainPolicy, Severity};
use crate::error::Result;
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// How often each process checks the version of the policies.
pub const RELOAD_EVERY: Duration = Duration::from_millis(500);

/// The policies as loaded, at a version.
#[derive(Debug, Default)]
struct Snapshot {
    version: i64,
    /// From the database, by domain.
    stored: BTreeMap<String, DomainPolicy>,
    /// Accounts suspended or limited, by actor id.
    accounts: BTreeMap<String, AccountSeverity>,
}

/// The policy in force, shared by every part of one process.
#[derive(Debug, Default)]
pub struct InForce {
    snapshot: RwLock<Arc<Snapshot>>,
}

/// What the policy says of one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Nothing in, nothing out: blocked, or not allowed in allowlist mode.
    Refused,
    /// Its content kept out of the lists; its replies held.
    Limited,
    /// No restriction.
    Open,
}

impl InForce {
    fn current(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// What the policy says of `host` (no port): the configuration's blocks first, then the
    /// stored policy covering it, and in allowlist mode, refused unless allowed.
    pub fn standing(&self, config: &Config, host: &str) -> Standing {
        let federation = &config.federation;
        if federation.is_blocked(host) {
            return Standing::Refused;
        }
        let snapshot = self.current();
        let stored = policy::covering(&snapshot.stored, host).map(|policy| policy.severity);
        match stored {
            Some(Severity::Block) => Standing::Refused,
            Some(Severity::Limit) => Standing::Limited,
            Some(Severity::Allow) => Standing::Open,
            None if federation.is_allowlist()
                && !is_configured(&federation.allowed_domains, host) =>
            {
                Standing::Refused
            }
            None => Standing::Open,
        }
    }

    /// What moderators decided about the account `actor_ap_id`, if anything.
    pub fn account(&self, actor_ap_id: &str) -> Option<AccountSeverity> {
        self.current().accounts.get(actor_ap_id).copied()
    }

    /// The stored policy that covers `host` (its own, or its nearest parent domain's).
    pub fn covering(&self, host: &str) -> Option<DomainPolicy> {
        policy::covering(&self.current().stored, host).cloned()
    }

    /// Loads the policies again if their version changed (or `force`).
    pub async fn reload(&self, db: &Db, force: bool) -> Result<()> {
        let version = policy::version(db).await?;
        if !force && version == self.current().version {
            return Ok(());
        }
        let stored = policy::all(db)
            .await?
            .into_iter()
            .map(|(policy, _)| (policy.domain.clone(), policy))
            .collect();
        let accounts = account_policy::all(db)
            .await?
            .into_iter()
            .map(|policy| (policy.actor_ap_id, policy.severity))
            .collect();
        *self
            .snapshot
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(Snapshot {
            version,
            stored,
            accounts,
        });
        Ok(())
    }
}

/// Whether `host` is one of `domains` or under one.
fn is_configured(domains: &[String], host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    domains.iter().any(|domain| {
        let domain = domain.to_ascii_lowercase();
        host == domain || host.ends_with(&format!(".{domain}"))
    })
}

/// Reloads the policies in force every [`RELOAD_EVERY`] when another process changed them.
pub fn spawn_reload(state: &AppState) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(RELOAD_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(error) = state
                .peer_policy()
                .domains()
                .reload(state.db(), false)
                .await
            {
                tracing::warn!(error = ?error, "domain policy not reloaded");
            }
        }
    })
}

/// One policy as the admin pages list it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub policy: DomainPolicy,
    /// When it last changed; `None` for the configuration's.
    pub updated_at: Option<DateTime<Utc>>,
    /// Read from the configuration (changed there only).
    pub configured: bool,
}

/// Every policy: the configuration's (blocks, then allows), then the stored ones by domain.
pub async fn listed(state: &AppState) -> Result<Vec<Listed>> {
    let federation = &state.config().federation;
    let mut listed: Vec<Listed> = federation
        .blocked_domains
        .iter()
        .map(|domain| (domain, Severity::Block))
        .chain(
            federation
                .allowed_domains
                .iter()
                .map(|domain| (domain, Severity::Allow)),
        )
        .map(|(domain, severity)| Listed {
            policy: DomainPolicy::new(domain, severity),
            updated_at: None,
            configured: true,
        })
        .collect();
    listed.extend(
        policy::all(state.db())
            .await?
            .into_iter()
            .map(|(policy, updated_at)| Listed {
                policy,
                updated_at: Some(updated_at),
                configured: false,
            }),
    );
    Ok(listed)
}

/// What a change did at once.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Effects {
    pub followers_removed: u64,
    pub follows_forgotten: u64,
    pub deliveries_cancelled: u64,
    pub content_erased: u64,
    pub replies_hidden: u64,
    pub forum_posts_removed: u64,
    pub content_hidden: u64,
    pub content_shown: u64,
}

/// Sets `policy` (checked first) for its domain, by `who`, with what it does at once; the
/// change and its audit entry in one transaction.
pub async fn set(state: &AppState, who: &Who, policy: &DomainPolicy) -> Result<Effects> {
    let policy = policy::check(policy)?;
    refuse_our_own(state, &policy.domain)?;
    let mut tx = state.db().begin_write().await?;
    let effects = set_in(&mut tx, who, &policy).await?;
    tx.commit().await?;
    state
        .peer_policy()
        .domains()
        .reload(state.db(), true)
        .await?;
    Ok(effects)
}

/// Sets each of `policies` (checked), as an import by `who`: all in one transaction.
pub async fn import(state: &AppState, who: &Who, policies: &[DomainPolicy]) -> Result<Effects> {
    let checked: Vec<DomainPolicy> = policies.iter().map(policy::check).collect::<Result<_>>()?;
    for policy in &checked {
        refuse_our_own(state, &policy.domain)?;
    }
    let mut total = Effects::default();
    let mut tx = state.db().begin_write().await?;
    for policy in &checked {
        let effects = set_in(&mut tx, who, policy).await?;
        total.add(&effects);
    }
    tx.commit().await?;
    state
        .peer_policy()
        .domains()
        .reload(state.db(), true)
        .await?;
    Ok(total)
}

/// A 422 when `domain` is our own (or a parent of it): no policy is set on ourselves.
fn refuse_our_own(state: &AppState, domain: &str) -> Result<()> {
    let ours = state
        .urls()
        .base()
        .host_str()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if ours == domain || ours.ends_with(&format!(".{domain}")) {
        return Err(crate::error::FieldError::of("domain", crate::error::Reason::OwnActor).into());
    }
    Ok(())
}

impl Effects {
    fn add(&mut self, other: &Effects) {
        self.followers_removed += other.followers_removed;
        self.follows_forgotten += other.follows_forgotten;
        self.deliveries_cancelled += other.deliveries_cancelled;
        self.content_erased += other.content_erased;
        self.replies_hidden += other.replies_hidden;
        self.forum_posts_removed += other.forum_posts_removed;
        self.content_hidden += other.content_hidden;
        self.content_shown += other.content_shown;
    }
}

async fn set_in(tx: &mut crate::db::Tx, who: &Who, policy: &DomainPolicy) -> Result<Effects> {
    let domain = policy.domain.as_str();
    let before = policy::find(tx, domain).await?;
    policy::set(tx, policy).await?;
    let mut effects = Effects::default();
    match policy.severity {
        Severity::Block => {
            effects.followers_removed = super::followers::remove_domain(tx, domain).await?;
            effects.follows_forgotten = super::following::remove_domain(tx, domain).await?;
            effects.deliveries_cancelled = super::delivery::cancel_domain(tx, domain).await?;
            effects.content_erased = crate::domain::network::erase_domain(tx, domain).await?;
            effects.replies_hidden = crate::domain::comment::hide_domain(tx, domain).await?;
            effects.forum_posts_removed = crate::domain::forums::remove_domain(tx, domain).await?;
        }
        Severity::Limit => {
            effects.content_hidden = crate::domain::network::hide_domain(tx, domain, true).await?;
        }
        Severity::Allow => {
            if before
                .as_ref()
                .is_some_and(|before| before.severity == Severity::Limit)
            {
                effects.content_shown =
                    crate::domain::network::hide_domain(tx, domain, false).await?;
            }
        }
    }
    audit::record(
        tx,
        who,
        &format!("domain.{}", policy.severity.as_str()),
        domain,
        &policy.public_comment,
        &json!({
            "before": before.map(|before| before.severity.as_str()),
            "private_comment": policy.private_comment,
            "reject_media": policy.reject_media,
            "reject_reports": policy.reject_reports,
            "obfuscate": policy.obfuscate,
            "effects": effects,
        }),
    )
    .await?;
    tracing::info!(
        domain,
        severity = policy.severity.as_str(),
        ?effects,
        "domain policy set"
    );
    Ok(effects)
}

/// Removes the policy of `domain`, by `who`: a limit lifted shows its content again; a block
/// lifted lets the domain in again (what it erased stays erased). `false` when there was none.
pub async fn remove(state: &AppState, who: &Who, domain: &str) -> Result<bool> {
    let domain = policy::normalize_domain(domain)
        .ok_or_else(|| crate::error::FieldError::of("domain", crate::error::Reason::Domain))?;
    let mut tx = state.db().begin_write().await?;
    let Some(before) = policy::find(&mut tx, &domain).await? else {
        return Ok(false);
    };
    policy::remove(&mut tx, &domain).await?;
    let shown = if before.severity == Severity::Limit {
        crate::domain::network::hide_domain(&mut tx, &domain, false).await?
    } else {
        0
    };
    audit::record(
        &mut tx,
        who,
        "domain.remove",
        &domain,
        "",
        &json!({"before": before.severity.as_str(), "content_shown": shown}),
    )
    .await?;
    tx.commit().await?;
    state
        .peer_policy()
        .domains()
        .reload(state.db(), true)
        .await?;
    Ok(true)
}

/// Whether to keep new content of `host` hidden and hold its replies: its domain is limited.
pub fn is_limited(state: &AppState, host: &str) -> bool {
    state.peer_policy().standing(host) == Standing::Limited
}

/// Whether to hold the replies and posts of `actor_ap_id`: its account, or its domain, is
/// limited.
pub fn holds(state: &AppState, actor_ap_id: &str) -> bool {
    let host = url::Url::parse(actor_ap_id)
        .ok()
        .and_then(|url| url.host_str().map(str::to_string))
        .unwrap_or_default();
    is_limited(state, &host)
        || state.peer_policy().domains().account(actor_ap_id) == Some(AccountSeverity::Limit)
}

/// Whether the account `actor_ap_id` is suspended here: nothing it sends is taken.
pub fn is_suspended(state: &AppState, actor_ap_id: &str) -> bool {
    state.peer_policy().domains().account(actor_ap_id) == Some(AccountSeverity::Suspend)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(toml: &str) -> Config {
        toml::from_str(toml).expect("config")
    }

    fn with(policies: &[(&str, Severity)]) -> InForce {
        let stored = policies
            .iter()
            .map(|(domain, severity)| (domain.to_string(), DomainPolicy::new(domain, *severity)))
            .collect();
        InForce {
            snapshot: RwLock::new(Arc::new(Snapshot {
                version: 1,
                stored,
                accounts: BTreeMap::new(),
            })),
        }
    }

    #[test]
    fn the_configuration_and_the_stored_policies_decide_together() {
        let open = config("[federation]\nblocked_domains = [\"bad.example\"]");
        let policies = with(&[
            ("spam.example", Severity::Block),
            ("noisy.example", Severity::Limit),
            ("bad.example", Severity::Allow),
            ("friends.example", Severity::Allow),
        ]);
        assert_eq!(
            policies.standing(&open, "a.spam.example"),
            Standing::Refused
        );
        assert_eq!(policies.standing(&open, "noisy.example"), Standing::Limited);
        // The configuration's block wins over an allow.
        assert_eq!(policies.standing(&open, "bad.example"), Standing::Refused);
        assert_eq!(policies.standing(&open, "other.example"), Standing::Open);

        let closed =
            config("[federation]\nmode = \"allowlist\"\nallowed_domains = [\"partner.example\"]");
        assert_eq!(
            policies.standing(&closed, "other.example"),
            Standing::Refused
        );
        assert_eq!(
            policies.standing(&closed, "friends.example"),
            Standing::Open
        );
        assert_eq!(
            policies.standing(&closed, "www.partner.example"),
            Standing::Open
        );
        assert_eq!(
            policies.standing(&closed, "noisy.example"),
            Standing::Limited
        );
    }
}
