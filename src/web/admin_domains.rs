//! The moderation of other servers on the website: `/admin/domains`, where admins block,
//! limit or allow a domain with its reasons, remove a policy, import a blocklist in Mastodon's
//! CSV format after seeing what it would change, and export theirs (`/admin/domains.csv`);
//! `/admin/log`, the audit log of every moderation action; and `/about/moderation`, the public
//! moderation log of the blocks and limits with their public reasons (unless turned off). The
//! same calls as `jisr domain …`.

use super::auth::Admin;
use super::forms::FormValues;
use super::frame::{Frame, framed, respond, respond_with};
use crate::app::AppState;
use crate::domain::audit;
use crate::domain::policy::{self, DomainPolicy, Severity};
use crate::error::{Error, Result};
use crate::federation::policy as in_force;
use crate::i18n::Translator;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

/// One policy as the admin page lists it.
pub struct PolicyRow {
    pub domain: String,
    pub severity: String,
    pub severity_class: &'static str,
    pub public_comment: String,
    pub private_comment: String,
    pub since: String,
    /// From the configuration: changed there only.
    pub configured: bool,
}

/// One change an import would make.
pub struct ChangeRow {
    pub domain: String,
    pub before: String,
    pub after: String,
    pub public_comment: String,
}

#[derive(Template)]
#[template(path = "admin_domains.html")]
struct DomainsPage {
    frame: Frame,
    csrf: String,
    allowlist: bool,
    policies: Vec<PolicyRow>,
    severities: Vec<(String, String, bool)>,
    /// What was typed, when the form is shown again.
    domain: String,
    public_comment: String,
    private_comment: String,
    error: Option<String>,
    notice: Option<String>,
    /// An import waiting for its confirmation: the text, and what it changes.
    preview: Option<Preview>,
}
framed!(DomainsPage);

/// What an import would change, shown before it is applied.
pub struct Preview {
    pub text: String,
    pub added: Vec<ChangeRow>,
    pub changed: Vec<ChangeRow>,
    pub unchanged: String,
    pub skipped: Vec<String>,
    pub empty: bool,
}

fn severity_name(t: &Translator, severity: Severity) -> String {
    t.t(&format!("domains-severity-{}", severity.as_str()))
}

/// What the page shows besides the policies: a form typed before, its error, a notice, an
/// import's preview.
#[derive(Default)]
struct Shown<'a> {
    typed: Option<&'a DomainPolicy>,
    error: Option<String>,
    notice: Option<String>,
    preview: Option<Preview>,
}

async fn domains_page(
    state: &AppState,
    frame: Frame,
    visitor: &super::auth::Visitor,
    status: StatusCode,
    shown: Shown<'_>,
) -> Result<Response> {
    let Shown {
        typed,
        error,
        notice,
        preview,
    } = shown;
    let t = frame.t;
    let policies = in_force::listed(state)
        .await?
        .into_iter()
        .map(|listed| PolicyRow {
            domain: listed.policy.domain.clone(),
            severity: severity_name(&t, listed.policy.severity),
            severity_class: listed.policy.severity.as_str(),
            public_comment: listed.policy.public_comment.clone(),
            private_comment: listed.policy.private_comment.clone(),
            since: match listed.updated_at {
                Some(at) => t.date(&at.fixed_offset()),
                None => t.t("domains-from-configuration"),
            },
            configured: listed.configured,
        })
        .collect();
    let chosen = typed.map_or(Severity::Block, |policy| policy.severity);
    let page = DomainsPage {
        csrf: visitor.csrf().to_string(),
        allowlist: state.config().federation.is_allowlist(),
        policies,
        severities: Severity::ALL
            .iter()
            .map(|severity| {
                (
                    severity.as_str().to_string(),
                    severity_name(&t, *severity),
                    *severity == chosen,
                )
            })
            .collect(),
        domain: typed
            .map(|policy| policy.domain.clone())
            .unwrap_or_default(),
        public_comment: typed
            .map(|policy| policy.public_comment.clone())
            .unwrap_or_default(),
        private_comment: typed
            .map(|policy| policy.private_comment.clone())
            .unwrap_or_default(),
        error,
        notice,
        preview,
        frame,
    };
    respond_with(state, visitor, status, &page)
}

/// `GET /admin/domains`.
pub async fn page(
    State(state): State<AppState>,
    frame: Frame,
    Admin(visitor): Admin,
) -> Result<Response> {
    domains_page(&state, frame, &visitor, StatusCode::OK, Shown::default()).await
}

/// `POST /admin/domains`: sets a domain's policy (`domain`, `severity`, `public_comment`,
/// `private_comment`, `obfuscate`); a domain that is not one is said on the page (422).
pub async fn set(
    State(state): State<AppState>,
    frame: Frame,
    Admin(visitor): Admin,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    let t = frame.t;
    let severity = Severity::parse(values.get("severity")).ok_or_else(|| {
        crate::error::FieldError::of("severity", crate::error::Reason::OneOf)
            .with("choices", "block, limit, allow")
    })?;
    let typed = DomainPolicy {
        domain: values.get("domain").trim().to_string(),
        severity,
        reject_media: false,
        reject_reports: false,
        public_comment: values.get("public_comment").to_string(),
        private_comment: values.get("private_comment").to_string(),
        obfuscate: values.get("obfuscate") == "true",
    };
    match in_force::set(&state, &visitor.who(), &typed).await {
        Ok(_) => Ok(Redirect::to("/admin/domains").into_response()),
        Err(Error::Invalid(_)) => {
            domains_page(
                &state,
                frame,
                &visitor,
                StatusCode::UNPROCESSABLE_ENTITY,
                Shown {
                    typed: Some(&typed),
                    error: Some(t.t("domains-invalid")),
                    ..Shown::default()
                },
            )
            .await
        }
        Err(other) => Err(other),
    }
}

/// `POST /admin/domains/remove`: removes the policy of `domain`.
pub async fn remove(
    State(state): State<AppState>,
    Admin(visitor): Admin,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    in_force::remove(&state, &visitor.who(), values.get("domain")).await?;
    Ok(Redirect::to("/admin/domains").into_response())
}

/// `POST /admin/domains/import`: a blocklist (`csv`, Mastodon's format or one domain a line)
/// is read and what it would change shown; with `confirm=yes` it is applied.
pub async fn import(
    State(state): State<AppState>,
    frame: Frame,
    Admin(visitor): Admin,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    let t = frame.t;
    let text = values.get("csv").to_string();
    let imported = policy::read_csv(&text);
    let current = policy::all(state.db())
        .await?
        .into_iter()
        .map(|(policy, _)| (policy.domain.clone(), policy))
        .collect();
    let changes = policy::changes(&current, &imported.policies);
    if values.get("confirm") == "yes" {
        let applied = changes.to_apply();
        in_force::import(&state, &visitor.who(), &applied).await?;
        let notice = t.t1(
            "domains-imported",
            "count",
            &t.digits(&applied.len().to_string()),
        );
        return domains_page(
            &state,
            frame,
            &visitor,
            StatusCode::OK,
            Shown {
                notice: Some(notice),
                ..Shown::default()
            },
        )
        .await;
    }
    let row = |before: Option<&DomainPolicy>, after: &DomainPolicy| ChangeRow {
        domain: after.domain.clone(),
        before: before.map_or_else(
            || t.t("domains-none"),
            |before| severity_name(&t, before.severity),
        ),
        after: severity_name(&t, after.severity),
        public_comment: after.public_comment.clone(),
    };
    let preview = Preview {
        text,
        added: changes.added.iter().map(|after| row(None, after)).collect(),
        changed: changes
            .changed
            .iter()
            .map(|(before, after)| row(Some(before), after))
            .collect(),
        unchanged: t.t1(
            "domains-unchanged",
            "count",
            &t.digits(&changes.unchanged.to_string()),
        ),
        skipped: imported
            .skipped
            .iter()
            .map(|(line, why)| {
                format!(
                    "{}: {why}",
                    t.t1("domains-line", "line", &t.digits(&line.to_string()))
                )
            })
            .collect(),
        empty: changes.is_empty(),
    };
    domains_page(
        &state,
        frame,
        &visitor,
        StatusCode::OK,
        Shown {
            preview: Some(preview),
            ..Shown::default()
        },
    )
    .await
}

/// `GET /admin/domains.csv`: the blocks and limits in Mastodon's CSV format.
pub async fn export(State(state): State<AppState>, Admin(_): Admin) -> Result<Response> {
    let policies: Vec<DomainPolicy> = policy::all(state.db())
        .await?
        .into_iter()
        .map(|(policy, _)| policy)
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"domain_blocks.csv\"",
            ),
        ],
        policy::write_csv(&policies),
    )
        .into_response())
}

/// One entry of the audit log as shown.
pub struct LogRow {
    pub when: String,
    pub who: String,
    pub action: String,
    pub target: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "admin_log.html")]
struct LogPage {
    frame: Frame,
    entries: Vec<LogRow>,
    previous: Option<String>,
    next: Option<String>,
}
framed!(LogPage);

/// Entries a page of the log shows.
const LOG_PAGE: i64 = 100;

#[derive(Debug, serde::Deserialize)]
pub struct LogQuery {
    page: Option<i64>,
}

/// `GET /admin/log`: every moderation action, newest first.
pub async fn log(
    State(state): State<AppState>,
    frame: Frame,
    Admin(_): Admin,
    Query(query): Query<LogQuery>,
) -> Result<Response> {
    let t = frame.t;
    let number = query.page.unwrap_or(1).clamp(1, 10_000);
    let mut entries =
        audit::entries(state.db(), None, LOG_PAGE + 1, (number - 1) * LOG_PAGE).await?;
    let more = entries.len() as i64 > LOG_PAGE;
    entries.truncate(LOG_PAGE as usize);
    let page = LogPage {
        entries: entries
            .into_iter()
            .map(|entry| LogRow {
                when: t.date_time(&entry.at.fixed_offset()),
                who: match entry.actor_label.as_str() {
                    "command line" => t.t("log-command-line"),
                    "configuration" => t.t("log-configuration"),
                    _ => entry.actor_label,
                },
                action: t.t(&format!("log-action-{}", entry.action.replace('.', "-"))),
                target: entry.target,
                reason: entry.reason,
            })
            .collect(),
        previous: (number > 1).then(|| format!("/admin/log?page={}", number - 1)),
        next: more.then(|| format!("/admin/log?page={}", number + 1)),
        frame,
    };
    respond(StatusCode::OK, &page)
}

/// One domain in the public moderation log.
pub struct PublicRow {
    pub domain: String,
    pub severity: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "moderation_log.html")]
struct PublicLogPage {
    frame: Frame,
    blocked: Vec<PublicRow>,
    limited: Vec<PublicRow>,
}
framed!(PublicLogPage);

/// `GET /about/moderation`: the domains this instance blocks or limits, with their public
/// reasons (404 when `moderation.public_log` is off).
pub async fn public_log(State(state): State<AppState>, frame: Frame) -> Result<Response> {
    if !state.config().moderation.public_log {
        return Err(Error::NotFound);
    }
    let t = frame.t;
    let listed = in_force::listed(&state).await?;
    let rows = |severity: Severity| -> Vec<PublicRow> {
        listed
            .iter()
            .filter(|listed| listed.policy.severity == severity)
            .map(|listed| PublicRow {
                domain: listed.policy.shown_domain(),
                severity: severity_name(&t, severity),
                reason: listed.policy.public_comment.clone(),
            })
            .collect()
    };
    let page = PublicLogPage {
        blocked: rows(Severity::Block),
        limited: rows(Severity::Limit),
        frame,
    };
    respond(StatusCode::OK, &page)
}
