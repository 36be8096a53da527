//! Domain policy: what this instance does with each other server, as its admins decide it.
//! `block` refuses everything from a domain (and its subdomains) and sends and fetches
//! nothing there; `limit` keeps its content out of the network's lists and feeds and holds
//! its replies for a moderator; `allow` lists it for an instance in allowlist mode (which
//! federates with allowed domains only). Each carries a public reason (shown in the public
//! moderation log) and a private note.
//!
//! Also here: Mastodon's CSV blocklist format (`#domain,#severity,#reject_media,
//! #reject_reports,#public_comment,#obfuscate`), read and written, and what importing one
//! would change, computed before anything is written.
//!
//! Storage: `domain_policy`, one row per domain, and `policy_version`, a counter every change
//! bumps in its transaction, which each process polls to reload what it keeps in memory.

use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::{FieldError, Reason, Result};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// What we do with a domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Listed for allowlist mode; no restriction.
    Allow,
    /// Its content out of the network's lists and feeds; its replies and posts held.
    Limit,
    /// Nothing in, nothing out.
    Block,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Block, Severity::Limit, Severity::Allow];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Allow => "allow",
            Severity::Limit => "limit",
            Severity::Block => "block",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text.trim().to_ascii_lowercase().as_str() {
            "allow" => Some(Severity::Allow),
            "limit" => Some(Severity::Limit),
            "block" => Some(Severity::Block),
            _ => None,
        }
    }

    /// Mastodon's word for it in a blocklist (`suspend`, `silence`; `noop` for allow).
    fn mastodon(self) -> &'static str {
        match self {
            Severity::Block => "suspend",
            Severity::Limit => "silence",
            Severity::Allow => "noop",
        }
    }

    /// A severity of Mastodon's CSV: `suspend`, `silence` (and our own words).
    fn from_mastodon(text: &str) -> Option<Severity> {
        match text.trim().to_ascii_lowercase().as_str() {
            "suspend" | "block" => Some(Severity::Block),
            "silence" | "limit" => Some(Severity::Limit),
            "noop" | "allow" => Some(Severity::Allow),
            _ => None,
        }
    }
}

/// The longest reason or note kept, in characters.
pub const MAX_COMMENT_CHARS: usize = 1000;
/// The most rows read from one imported blocklist.
pub const MAX_IMPORT_ROWS: usize = 100_000;

/// One domain's policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainPolicy {
    /// A host name, lowercase, without a port; its subdomains are covered too.
    pub domain: String,
    pub severity: Severity,
    /// Mastodon's flags, kept so that an exported list says what was imported.
    pub reject_media: bool,
    pub reject_reports: bool,
    /// Shown in the public moderation log.
    pub public_comment: String,
    /// For the moderators only.
    pub private_comment: String,
    /// Shown partly hidden in the public log (`sp*m.example`).
    pub obfuscate: bool,
}

impl DomainPolicy {
    /// A policy for `domain` with no reasons or flags.
    pub fn new(domain: &str, severity: Severity) -> DomainPolicy {
        DomainPolicy {
            domain: domain.to_string(),
            severity,
            reject_media: false,
            reject_reports: false,
            public_comment: String::new(),
            private_comment: String::new(),
            obfuscate: false,
        }
    }

    /// The domain as the public log shows it: with `obfuscate`, every other letter of its
    /// first label hidden, as Mastodon does.
    pub fn shown_domain(&self) -> String {
        if !self.obfuscate {
            return self.domain.clone();
        }
        let (first, rest) = self
            .domain
            .split_once('.')
            .unwrap_or((self.domain.as_str(), ""));
        let hidden: String = first
            .chars()
            .enumerate()
            .map(|(index, c)| if index % 2 == 1 { '*' } else { c })
            .collect();
        if rest.is_empty() {
            hidden
        } else {
            format!("{hidden}.{rest}")
        }
    }
}

/// `text` as a domain we keep a policy for: trimmed, lowercase, no trailing dot, no scheme,
/// path or port; a host name of letters, digits, dots and hyphens (an IDN in its ASCII form).
pub fn normalize_domain(text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches('.').to_ascii_lowercase();
    let text = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .unwrap_or(&text)
        .trim_end_matches('/')
        .to_string();
    let valid = !text.is_empty()
        && text.len() <= 253
        && text.contains('.')
        && text
            .split('.')
            .all(|label| !label.is_empty() && label.len() <= 63)
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        && !text.starts_with('-');
    valid.then_some(text)
}

/// Checks a policy from a form or the command line: the domain, and bounded comments.
pub fn check(policy: &DomainPolicy) -> Result<DomainPolicy> {
    let mut checked = policy.clone();
    checked.domain =
        normalize_domain(&policy.domain).ok_or_else(|| FieldError::of("domain", Reason::Domain))?;
    checked.public_comment = bounded(&policy.public_comment);
    checked.private_comment = bounded(&policy.private_comment);
    Ok(checked)
}

fn bounded(text: &str) -> String {
    text.trim().chars().take(MAX_COMMENT_CHARS).collect()
}

/// The policy that applies to `host` among `policies` (by domain): its own, else that of the
/// nearest parent domain (`a.b.example` is covered by `b.example`).
pub fn covering<'a>(
    policies: &'a BTreeMap<String, DomainPolicy>,
    host: &str,
) -> Option<&'a DomainPolicy> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let mut rest = host.as_str();
    loop {
        if let Some(found) = policies.get(rest) {
            return Some(found);
        }
        match rest.split_once('.') {
            Some((_, parent)) if parent.contains('.') => rest = parent,
            _ => return None,
        }
    }
}

// --- Mastodon's CSV ---------------------------------------------------------------------------

/// The header of Mastodon's domain blocklist export.
pub const CSV_HEADER: &str =
    "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate";

/// A blocklist read: the policies, and the lines skipped with why (numbered from 1).
#[derive(Debug, Default)]
pub struct Imported {
    pub policies: Vec<DomainPolicy>,
    pub skipped: Vec<(usize, String)>,
}

/// Reads a blocklist in Mastodon's CSV format (its header, with or without `#`; the columns
/// in any order; `domain` alone is enough, a block), or a plain list of domains, one a line.
/// A domain given twice keeps its last line.
pub fn read_csv(text: &str) -> Imported {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut imported = Imported::default();
    let mut lines = text.lines().enumerate().peekable();
    let mut columns: Vec<String> = vec!["domain".to_string()];
    if let Some((_, first)) = lines.peek()
        && first
            .trim_start_matches('#')
            .to_ascii_lowercase()
            .starts_with("domain")
    {
        columns = fields(first)
            .iter()
            .map(|name| name.trim().trim_start_matches('#').to_ascii_lowercase())
            .collect();
        lines.next();
    }
    let at = |name: &str| columns.iter().position(|column| column == name);
    let (domain_at, severity_at) = (at("domain"), at("severity"));
    let flag = |row: &[String], name: &str| {
        at(name)
            .and_then(|index| row.get(index))
            .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
    };
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (index, line) in lines.take(MAX_IMPORT_ROWS) {
        let number = index + 1;
        if line.trim().is_empty() || line.trim_start().starts_with("//") {
            continue;
        }
        let row = fields(line);
        let Some(domain) = domain_at
            .and_then(|index| row.get(index))
            .and_then(|text| normalize_domain(text))
        else {
            imported
                .skipped
                .push((number, "not a domain name".to_string()));
            continue;
        };
        let severity = match severity_at.and_then(|index| row.get(index)) {
            None => Severity::Block,
            Some(text) if text.trim().is_empty() => Severity::Block,
            Some(text) => match Severity::from_mastodon(text) {
                Some(severity) => severity,
                None => {
                    imported
                        .skipped
                        .push((number, format!("unknown severity {:?}", text.trim())));
                    continue;
                }
            },
        };
        let policy = DomainPolicy {
            domain: domain.clone(),
            severity,
            reject_media: flag(&row, "reject_media"),
            reject_reports: flag(&row, "reject_reports"),
            public_comment: at("public_comment")
                .and_then(|index| row.get(index))
                .map(|text| bounded(text))
                .unwrap_or_default(),
            private_comment: String::new(),
            obfuscate: flag(&row, "obfuscate"),
        };
        match seen.get(&domain) {
            Some(&earlier) => imported.policies[earlier] = policy,
            None => {
                seen.insert(domain, imported.policies.len());
                imported.policies.push(policy);
            }
        }
    }
    imported
}

/// The fields of one CSV line: commas outside double quotes separate, `""` is a quote.
fn fields(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => found.push(std::mem::take(&mut field)),
            other => field.push(other),
        }
    }
    found.push(field);
    found
}

/// `policies` (blocks and limits; allows are not a blocklist's) in Mastodon's CSV format,
/// sorted by domain.
pub fn write_csv(policies: &[DomainPolicy]) -> String {
    let mut sorted: Vec<&DomainPolicy> = policies
        .iter()
        .filter(|policy| policy.severity != Severity::Allow)
        .collect();
    sorted.sort_by(|a, b| a.domain.cmp(&b.domain));
    let mut csv = format!("{CSV_HEADER}\n");
    for policy in sorted {
        csv.push_str(&format!(
            "{},{},{},{},{},{}\n",
            policy.domain,
            policy.severity.mastodon(),
            policy.reject_media,
            policy.reject_reports,
            crate::domain::text::csv_field(&policy.public_comment),
            policy.obfuscate
        ));
    }
    csv
}

/// What an import changes, domain by domain.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Domains without a policy yet.
    pub added: Vec<DomainPolicy>,
    /// Domains whose policy changes: the one they have, and the one they get.
    pub changed: Vec<(DomainPolicy, DomainPolicy)>,
    /// Domains whose policy is the same already.
    pub unchanged: usize,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty()
    }

    /// The policies to set: those added, and the changed ones as they become.
    pub fn to_apply(&self) -> Vec<DomainPolicy> {
        self.added
            .iter()
            .cloned()
            .chain(self.changed.iter().map(|(_, after)| after.clone()))
            .collect()
    }
}

/// What importing `incoming` over `current` would change. An import adds and changes; it
/// never removes a policy the list does not name, and keeps the private notes it has.
pub fn changes(current: &BTreeMap<String, DomainPolicy>, incoming: &[DomainPolicy]) -> Changes {
    let mut changes = Changes::default();
    for policy in incoming {
        match current.get(&policy.domain) {
            None => changes.added.push(policy.clone()),
            Some(existing) => {
                let mut merged = policy.clone();
                merged.private_comment = existing.private_comment.clone();
                if *existing == merged {
                    changes.unchanged += 1;
                } else {
                    changes.changed.push((existing.clone(), merged));
                }
            }
        }
    }
    changes
}

// --- Storage ----------------------------------------------------------------------------------

#[derive(sqlx::FromRow)]
struct PolicyRow {
    domain: String,
    severity: String,
    reject_media: bool,
    reject_reports: bool,
    public_comment: String,
    private_comment: String,
    obfuscate: bool,
    updated_at: DateTime<Utc>,
}

impl From<PolicyRow> for (DomainPolicy, DateTime<Utc>) {
    fn from(row: PolicyRow) -> (DomainPolicy, DateTime<Utc>) {
        (
            DomainPolicy {
                domain: row.domain,
                severity: Severity::parse(&row.severity).unwrap_or(Severity::Block),
                reject_media: row.reject_media,
                reject_reports: row.reject_reports,
                public_comment: row.public_comment,
                private_comment: row.private_comment,
                obfuscate: row.obfuscate,
            },
            row.updated_at,
        )
    }
}

const COLUMNS: &str = "domain, severity, reject_media, reject_reports, public_comment, \
                       private_comment, obfuscate, updated_at";

/// Every policy, by domain, with when it last changed.
pub async fn all(db: &Db) -> Result<Vec<(DomainPolicy, DateTime<Utc>)>> {
    let sql = format!("select {COLUMNS} from domain_policy order by domain");
    let rows: Vec<PolicyRow> =
        with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .fetch_all(pool)
            .await)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// The policy of `domain` (exactly), in `tx`.
pub async fn find(tx: &mut Tx, domain: &str) -> Result<Option<DomainPolicy>> {
    let sql = format!("select {COLUMNS} from domain_policy where domain = $1");
    let row: Option<PolicyRow> =
        with_tx!(tx, |conn| sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(domain)
            .fetch_optional(conn)
            .await)?;
    Ok(row.map(|row| <(DomainPolicy, DateTime<Utc>)>::from(row).0))
}

/// Sets `policy` (checked) in `tx`, and bumps the version.
pub async fn set(tx: &mut Tx, policy: &DomainPolicy) -> Result<()> {
    let sql = "insert into domain_policy (domain, severity, reject_media, reject_reports, \
               public_comment, private_comment, obfuscate, created_at, updated_at) \
               values ($1, $2, $3, $4, $5, $6, $7, $8, $8) on conflict (domain) do update set \
               severity = excluded.severity, reject_media = excluded.reject_media, \
               reject_reports = excluded.reject_reports, public_comment = excluded.public_comment, \
               private_comment = excluded.private_comment, obfuscate = excluded.obfuscate, \
               updated_at = excluded.updated_at";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(&policy.domain)
        .bind(policy.severity.as_str())
        .bind(policy.reject_media)
        .bind(policy.reject_reports)
        .bind(&policy.public_comment)
        .bind(&policy.private_comment)
        .bind(policy.obfuscate)
        .bind(Utc::now())
        .execute(conn)
        .await
        .map(|_| ()))?;
    bump(tx).await
}

/// Removes the policy of `domain` in `tx`: `true` when there was one.
pub async fn remove(tx: &mut Tx, domain: &str) -> Result<bool> {
    let sql = "delete from domain_policy where domain = $1";
    let removed = with_tx!(tx, |conn| sqlx::query(sql)
        .bind(domain)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    bump(tx).await?;
    Ok(removed > 0)
}

/// Bumps the version of the policies (domains and accounts), in `tx`: every process reloads.
pub async fn bump(tx: &mut Tx) -> Result<()> {
    let sql = "update policy_version set version = version + 1 where name = 'domains'";
    with_tx!(tx, |conn| sqlx::query(sql).execute(conn).await.map(|_| ()))?;
    Ok(())
}

/// The version of the policies: it changes with every change, in any process.
pub async fn version(db: &Db) -> Result<i64> {
    let sql = "select version from policy_version where name = 'domains'";
    Ok(with_pool!(db, |pool| sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await)?)
}

/// The condition "`column` (an actor's or an object's id) is on `domain` or a subdomain of
/// it", for SQL, with `domain` bound at `$n`: `https://domain/…`, `http://domain:port/…`,
/// `https://sub.domain/…`.
pub fn on_domain_sql(column: &str, n: usize) -> String {
    format!(
        "({column} like 'https://' || ${n} || '/%' or {column} like 'http://' || ${n} || '/%' \
         or {column} like 'https://' || ${n} || ':%' or {column} like 'http://' || ${n} || ':%' \
         or {column} like 'https://%.' || ${n} || '/%' or {column} like 'http://%.' || ${n} || '/%' \
         or {column} like 'https://%.' || ${n} || ':%' or {column} like 'http://%.' || ${n} || ':%')"
    )
}

/// Runs `statement` in `tx`, its `{on_domain}` replaced by [`on_domain_sql`] of `column` with
/// `domain` bound as `$1`: what a change of policy does to one table. Returns the rows changed.
pub async fn on_domain(tx: &mut Tx, statement: &str, column: &str, domain: &str) -> Result<u64> {
    let sql = statement.replace("{on_domain}", &on_domain_sql(column, 1));
    Ok(with_tx!(tx, |conn| sqlx::query(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(domain)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalized_or_refused() {
        assert_eq!(
            normalize_domain(" Spam.Example. ").as_deref(),
            Some("spam.example")
        );
        assert_eq!(
            normalize_domain("https://spam.example/").as_deref(),
            Some("spam.example")
        );
        for bad in [
            "",
            "localhost",
            "spam example",
            "spam.example:443",
            "-a.example",
            "a..b",
        ] {
            assert_eq!(normalize_domain(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_policy_covers_its_subdomains() {
        let mut policies = BTreeMap::new();
        policies.insert(
            "spam.example".to_string(),
            DomainPolicy::new("spam.example", Severity::Block),
        );
        policies.insert(
            "ok.spam.example".to_string(),
            DomainPolicy::new("ok.spam.example", Severity::Allow),
        );
        let severity = |host: &str| covering(&policies, host).map(|policy| policy.severity);
        assert_eq!(severity("spam.example"), Some(Severity::Block));
        assert_eq!(severity("a.b.spam.example"), Some(Severity::Block));
        assert_eq!(severity("x.ok.spam.example"), Some(Severity::Allow));
        assert_eq!(severity("notspam.example"), None);
        assert_eq!(severity("example"), None);
    }

    /// Mastodon's export (`app/controllers/admin/export_domain_blocks_controller.rb` writes
    /// these headers, a row per domain block with its severity `suspend`, `silence` or `noop`),
    /// with a comma in a comment, an obfuscated row and two bad rows.
    #[test]
    fn mastodons_blocklist_reads_and_writes_back() {
        let csv = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
                   spam.example,suspend,true,true,\"Spam, and more spam\",false\n\
                   noisy.example,silence,false,false,Unmoderated,true\n\
                   bad domain,suspend,false,false,,false\n\
                   weird.example,ban,false,false,,false\n\
                   \n";
        let imported = read_csv(csv);
        assert_eq!(imported.policies.len(), 2);
        assert_eq!(
            imported.skipped,
            [
                (4, "not a domain name".to_string()),
                (5, "unknown severity \"ban\"".to_string())
            ]
        );
        let spam = &imported.policies[0];
        assert_eq!(
            (spam.severity, spam.reject_media, spam.reject_reports),
            (Severity::Block, true, true)
        );
        assert_eq!(spam.public_comment, "Spam, and more spam");
        let noisy = &imported.policies[1];
        assert_eq!((noisy.severity, noisy.obfuscate), (Severity::Limit, true));
        assert_eq!(noisy.shown_domain(), "n*i*y.example");
        let written = write_csv(&imported.policies);
        assert_eq!(
            written,
            "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
             noisy.example,silence,false,false,Unmoderated,true\n\
             spam.example,suspend,true,true,\"Spam, and more spam\",false\n"
        );
        assert_eq!(read_csv(&written).policies.len(), 2);
        // A plain list of domains is a list of blocks.
        let plain = read_csv("a.example\nb.example\n");
        assert!(
            plain
                .policies
                .iter()
                .all(|policy| policy.severity == Severity::Block)
        );
        assert_eq!(plain.policies.len(), 2);
    }

    #[test]
    fn an_import_adds_and_changes_and_keeps_private_notes() {
        let mut current = BTreeMap::new();
        let mut noted = DomainPolicy::new("a.example", Severity::Limit);
        noted.private_comment = "seen in March".to_string();
        current.insert("a.example".to_string(), noted);
        current.insert(
            "b.example".to_string(),
            DomainPolicy::new("b.example", Severity::Block),
        );
        let incoming = [
            DomainPolicy::new("a.example", Severity::Block),
            DomainPolicy::new("b.example", Severity::Block),
            DomainPolicy::new("c.example", Severity::Limit),
        ];
        let changes = changes(&current, &incoming);
        assert_eq!(changes.added.len(), 1);
        assert_eq!(changes.unchanged, 1);
        let (before, after) = &changes.changed[0];
        assert_eq!(
            (before.severity, after.severity),
            (Severity::Limit, Severity::Block)
        );
        assert_eq!(after.private_comment, "seen in March");
    }

    #[test]
    fn formulas_are_defused_in_exports() {
        let mut policy = DomainPolicy::new("a.example", Severity::Block);
        policy.public_comment = "=HYPERLINK(\"x\")".to_string();
        assert!(write_csv(&[policy]).contains("\"'=HYPERLINK(\"\"x\"\")\""));
    }
}
