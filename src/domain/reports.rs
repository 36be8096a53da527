//! Reports: a visitor, a member or another server (its `Flag`) says something here, or
//! someone, breaks the rules. A report names the actor reported and the objects of theirs it
//! is about, a reason from a fixed list and a comment; moderators see open reports in a queue
//! with the history of that actor, and resolve each with an action and a note. The reporter
//! stays hidden from the reported.
//!
//! Bounds: a comment of at most [`MAX_COMMENT_CHARS`], at most [`MAX_OBJECTS`] objects, a
//! remote server's `Flag` stored once per id.

use crate::db::{Db, Tx, with_pool, with_tx};
use crate::error::{FieldError, Reason as FieldReason, Result};
use chrono::{DateTime, Utc};

/// The longest comment kept, in characters.
pub const MAX_COMMENT_CHARS: usize = 1000;
/// The most objects one report names.
pub const MAX_OBJECTS: usize = 20;

/// Why something is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Spam,
    Harassment,
    Hate,
    Violence,
    Illegal,
    Misinformation,
    Other,
}

impl Reason {
    pub const ALL: [Reason; 7] = [
        Reason::Spam,
        Reason::Harassment,
        Reason::Hate,
        Reason::Violence,
        Reason::Illegal,
        Reason::Misinformation,
        Reason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Spam => "spam",
            Reason::Harassment => "harassment",
            Reason::Hate => "hate",
            Reason::Violence => "violence",
            Reason::Illegal => "illegal",
            Reason::Misinformation => "misinformation",
            Reason::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Reason> {
        Reason::ALL
            .into_iter()
            .find(|reason| reason.as_str() == text.trim())
    }

    /// The reason of another server's report: Mastodon and Lemmy send none of ours (Mastodon
    /// has `spam`, `legal`, `violation`, `other` in its own terms, and sends none of them).
    pub fn of_remote(words: &str) -> Reason {
        let words = words.to_lowercase();
        if words.contains("spam") {
            Reason::Spam
        } else {
            Reason::Other
        }
    }
}

/// What a report is about, as this instance knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// A reply under one of our publications.
    Reply,
    /// A thread or reply in a forum.
    ForumPost,
    /// An item of the network (another organization's publication).
    NetworkItem,
    /// One of our members.
    Member,
    /// Another server's actor.
    Actor,
    /// One of our publications.
    Publication,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Reply => "reply",
            TargetKind::ForumPost => "forum_post",
            TargetKind::NetworkItem => "network_item",
            TargetKind::Member => "member",
            TargetKind::Actor => "actor",
            TargetKind::Publication => "publication",
        }
    }

    pub fn parse(text: &str) -> Option<TargetKind> {
        [
            TargetKind::Reply,
            TargetKind::ForumPost,
            TargetKind::NetworkItem,
            TargetKind::Member,
            TargetKind::Actor,
            TargetKind::Publication,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

/// Who reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reporter {
    /// A member, logged in.
    Member(i64),
    /// A visitor of the website.
    Visitor,
    /// Another server's actor (its `Flag`, with the Flag's id).
    Remote { actor: String, flag: String },
}

/// A new report.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub reporter: Reporter,
    pub target_actor: String,
    pub objects: Vec<String>,
    pub target_kind: TargetKind,
    pub reason: Reason,
    pub comment: String,
    pub forward: bool,
}

/// Checks a report from the website: a bounded comment.
pub fn check(report: &NewReport) -> Result<NewReport> {
    let mut checked = report.clone();
    if report.comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(FieldError::of("comment", FieldReason::TooLong)
            .with("max", MAX_COMMENT_CHARS.to_string())
            .into());
    }
    checked.comment = report.comment.trim().to_string();
    checked.objects.truncate(MAX_OBJECTS);
    Ok(checked)
}

/// The most reports one member files in an hour.
pub const MAX_PER_MEMBER_PER_HOUR: i64 = 20;
/// The most reports all visitors who are not logged in file together in an hour: the queue
/// cannot be flooded from the website (members and other servers still report past it).
pub const MAX_FROM_VISITORS_PER_HOUR: i64 = 100;

/// Refuses (`429`) a report from the website past [`MAX_PER_MEMBER_PER_HOUR`] or
/// [`MAX_FROM_VISITORS_PER_HOUR`], in `tx`.
async fn check_rate(tx: &mut Tx, account: Option<i64>) -> Result<()> {
    let since = Utc::now() - chrono::Duration::hours(1);
    let sql = "select count(*) from report where created_at > $1 and reporter_ap_id is null \
               and coalesce(reporter_account_id, 0) = $2";
    let count: i64 = with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(since)
        .bind(account.unwrap_or(0))
        .fetch_one(conn)
        .await)?;
    let most = if account.is_some() {
        MAX_PER_MEMBER_PER_HOUR
    } else {
        MAX_FROM_VISITORS_PER_HOUR
    };
    if count >= most {
        return Err(crate::error::Error::TooManyRequests {
            reason: format!(
                "at most {most} reports an hour come from {}: try again later",
                if account.is_some() {
                    "one member"
                } else {
                    "visitors who are not logged in"
                }
            ),
            retry_after: 600,
        });
    }
    Ok(())
}

/// Stores `report` in `tx`: its id, or `None` for a `Flag` stored before. A report from the
/// website past its hourly bound is refused (`429`).
pub async fn store(tx: &mut Tx, report: &NewReport) -> Result<Option<i64>> {
    let (account, ap_id, flag) = match &report.reporter {
        Reporter::Member(account) => (Some(*account), None, None),
        Reporter::Visitor => (None, None, None),
        Reporter::Remote { actor, flag } => (None, Some(actor.as_str()), Some(flag.as_str())),
    };
    if ap_id.is_none() {
        check_rate(tx, account).await?;
    }
    let comment: String = report.comment.chars().take(MAX_COMMENT_CHARS).collect();
    let objects: Vec<&String> = report.objects.iter().take(MAX_OBJECTS).collect();
    let sql = "insert into report (created_at, reporter_account_id, reporter_ap_id, flag_ap_id, \
               target_actor, objects, target_kind, reason, comment, forward, status) \
               values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open') \
               on conflict (flag_ap_id) do nothing returning report_id";
    Ok(with_tx!(tx, |conn| sqlx::query_scalar(sql)
        .bind(Utc::now())
        .bind(account)
        .bind(ap_id)
        .bind(flag)
        .bind(&report.target_actor)
        .bind(serde_json::to_string(&objects)?)
        .bind(report.target_kind.as_str())
        .bind(report.reason.as_str())
        .bind(&comment)
        .bind(report.forward)
        .fetch_optional(conn)
        .await)?)
}

/// A stored report.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Report {
    pub report_id: i64,
    pub created_at: DateTime<Utc>,
    pub reporter_account_id: Option<i64>,
    pub reporter_ap_id: Option<String>,
    pub target_actor: String,
    #[sqlx(rename = "objects")]
    objects_json: String,
    pub target_kind: String,
    pub reason: String,
    pub comment: String,
    pub forward: bool,
    pub forwarded_at: Option<DateTime<Utc>>,
    pub status: String,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution: Option<String>,
    pub resolution_note: String,
}

impl Report {
    pub fn objects(&self) -> Vec<String> {
        serde_json::from_str(&self.objects_json).unwrap_or_default()
    }

    pub fn is_open(&self) -> bool {
        self.status == "open"
    }
}

const COLUMNS: &str = "report_id, created_at, reporter_account_id, reporter_ap_id, target_actor, \
                       objects, target_kind, reason, comment, forward, forwarded_at, status, \
                       resolved_at, resolution, resolution_note";

/// The open reports, oldest first, at most `limit`.
pub async fn open(db: &Db, limit: i64) -> Result<Vec<Report>> {
    let sql = format!(
        "select {COLUMNS} from report where status = 'open' order by created_at, report_id \
         limit $1"
    );
    Ok(with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(limit)
    .fetch_all(pool)
    .await)?)
}

/// The latest resolved reports, newest first, at most `limit`.
pub async fn resolved(db: &Db, limit: i64) -> Result<Vec<Report>> {
    let sql = format!(
        "select {COLUMNS} from report where status = 'resolved' \
         order by resolved_at desc, report_id desc limit $1"
    );
    Ok(with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(limit)
    .fetch_all(pool)
    .await)?)
}

/// The report `report_id`.
pub async fn find(db: &Db, report_id: i64) -> Result<Option<Report>> {
    let sql = format!("select {COLUMNS} from report where report_id = $1");
    Ok(with_pool!(db, |pool| sqlx::query_as(sqlx::AssertSqlSafe(
        sql.as_str()
    ))
    .bind(report_id)
    .fetch_optional(pool)
    .await)?)
}

/// How many reports name `actor`, open and resolved: its history.
pub async fn count_about(db: &Db, actor: &str) -> Result<(i64, i64)> {
    let sql = "select sum(case when status = 'open' then 1 else 0 end), \
               sum(case when status = 'resolved' then 1 else 0 end) \
               from report where target_actor = $1";
    let counts: (Option<i64>, Option<i64>) = with_pool!(db, |pool| sqlx::query_as(sql)
        .bind(actor)
        .fetch_one(pool)
        .await)?;
    Ok((counts.0.unwrap_or(0), counts.1.unwrap_or(0)))
}

/// Records that report `report_id` was sent on to the reported server, in `tx`.
pub async fn forwarded(tx: &mut Tx, report_id: i64) -> Result<()> {
    let sql = "update report set forwarded_at = $2 where report_id = $1";
    with_tx!(tx, |conn| sqlx::query(sql)
        .bind(report_id)
        .bind(Utc::now())
        .execute(conn)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// Resolves the open report `report_id` with `resolution` (what was done) and `note`, by
/// `account_id`, in `tx`: `false` when it was not open.
pub async fn resolve(
    tx: &mut Tx,
    report_id: i64,
    account_id: Option<i64>,
    resolution: &str,
    note: &str,
) -> Result<bool> {
    let note: String = note.trim().chars().take(MAX_COMMENT_CHARS).collect();
    let sql = "update report set status = 'resolved', resolved_at = $2, resolved_by = $3, \
               resolution = $4, resolution_note = $5 where report_id = $1 and status = 'open'";
    let changed = with_tx!(tx, |conn| sqlx::query(sql)
        .bind(report_id)
        .bind(Utc::now())
        .bind(account_id)
        .bind(resolution)
        .bind(&note)
        .execute(conn)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(changed == 1)
}

/// How many reports are open (the admin header's count).
pub async fn open_count(db: &Db) -> Result<i64> {
    let sql = "select count(*) from report where status = 'open'";
    Ok(with_pool!(db, |pool| sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_and_kinds_read_back() {
        for reason in Reason::ALL {
            assert_eq!(Reason::parse(reason.as_str()), Some(reason));
        }
        assert_eq!(Reason::parse("nonsense"), None);
        assert_eq!(Reason::of_remote("Spam links everywhere"), Reason::Spam);
        assert_eq!(Reason::of_remote("report this post"), Reason::Other);
        assert_eq!(TargetKind::parse("forum_post"), Some(TargetKind::ForumPost));
    }

    #[test]
    fn a_comment_is_bounded() {
        let report = NewReport {
            reporter: Reporter::Visitor,
            target_actor: "https://a.example/users/x".to_string(),
            objects: (0..30).map(|n| format!("https://a.example/{n}")).collect(),
            target_kind: TargetKind::Actor,
            reason: Reason::Spam,
            comment: " fine ".to_string(),
            forward: false,
        };
        let checked = check(&report).expect("valid");
        assert_eq!(checked.comment, "fine");
        assert_eq!(checked.objects.len(), MAX_OBJECTS);
        let long = NewReport {
            comment: "x".repeat(MAX_COMMENT_CHARS + 1),
            ..report
        };
        assert!(check(&long).is_err());
    }
}
