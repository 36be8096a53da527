//! Reports on the website: `/report?object=…`, where a visitor or a member reports a reply, a
//! forum post, a network item, a member or another server's actor, with a reason and a comment
//! (and, for another server's content, whether to send it on there); and `/admin/reports`, the
//! moderators' queue: what was reported and by whom (never shown to the reported), where a
//! report from another server came from, that actor's history, and the resolution.

use super::auth::{Publisher, Visitor};
use super::forms::FormValues;
use super::frame::{Frame, MessagePage, framed, respond, respond_with};
use crate::app::AppState;
use crate::domain::reports::{self, NewReport, Reason, Reporter};
use crate::error::{Error, FieldError, Reason as FieldReason, Result};
use crate::federation::reports::{self as handled, Resolution, Target};
use crate::i18n::Translator;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

/// The address of the form that reports `object` (an id).
pub fn link(object: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(object.as_bytes()).collect();
    format!("/report?object={encoded}")
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    frame: Frame,
    csrf: String,
    object: String,
    what: String,
    excerpt: String,
    link: Option<String>,
    remote: bool,
    reasons: Vec<(String, String)>,
    error: Option<String>,
}
framed!(ReportPage);

#[derive(Debug, serde::Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    object: String,
}

fn kind_name(t: &Translator, kind: &str) -> String {
    t.t(&format!("report-kind-{}", kind.replace('_', "-")))
}

fn report_page(
    state: &AppState,
    frame: Frame,
    visitor: &Visitor,
    status: StatusCode,
    target: &Target,
    error: Option<String>,
) -> Result<Response> {
    let t = frame.t;
    let page = ReportPage {
        csrf: visitor.csrf().to_string(),
        object: target.object.clone(),
        what: kind_name(&t, target.kind.as_str()),
        excerpt: target.excerpt.clone(),
        link: target.link.clone(),
        remote: target.is_remote(state),
        reasons: Reason::ALL
            .iter()
            .map(|reason| {
                (
                    reason.as_str().to_string(),
                    t.t(&format!("report-reason-{}", reason.as_str())),
                )
            })
            .collect(),
        error,
        frame,
    };
    respond_with(state, visitor, status, &page)
}

/// `GET /report?object=…`: the form to report what `object` names.
pub async fn form(
    State(state): State<AppState>,
    frame: Frame,
    visitor: Visitor,
    Query(query): Query<ReportQuery>,
) -> Result<Response> {
    let target = handled::target(&state, &query.object)
        .await?
        .ok_or(Error::NotFound)?;
    report_page(&state, frame, &visitor, StatusCode::OK, &target, None)
}

/// `POST /report`: files the report (`object`, `reason`, `comment`, `forward`) and thanks.
pub async fn file(
    State(state): State<AppState>,
    frame: Frame,
    visitor: Visitor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    let t = frame.t;
    let target = handled::target(&state, values.get("object"))
        .await?
        .ok_or(Error::NotFound)?;
    let Some(reason) = Reason::parse(values.get("reason")) else {
        return report_page(
            &state,
            frame,
            &visitor,
            StatusCode::UNPROCESSABLE_ENTITY,
            &target,
            Some(t.t("report-choose-reason")),
        );
    };
    let report = NewReport {
        reporter: match visitor.account() {
            Some(account) => Reporter::Member(account.account_id),
            None => Reporter::Visitor,
        },
        target_actor: target.actor.clone(),
        objects: vec![target.object.clone()],
        target_kind: target.kind,
        reason,
        comment: values.get("comment").to_string(),
        forward: target.is_remote(&state) && values.get("forward") == "true",
    };
    match handled::file(&state, &report).await {
        Ok(_) => {
            let page = MessagePage {
                heading: t.t("report-thanks-title"),
                text: t.t("report-thanks"),
                details: Vec::new(),
                reason: None,
                next: target.link.clone().map(|link| (link, t.t("report-back"))),
                frame,
            };
            respond(StatusCode::OK, &page)
        }
        Err(Error::Invalid(_)) => report_page(
            &state,
            frame,
            &visitor,
            StatusCode::UNPROCESSABLE_ENTITY,
            &target,
            Some(t.t1(
                "report-comment-too-long",
                "max",
                &t.digits(&reports::MAX_COMMENT_CHARS.to_string()),
            )),
        ),
        Err(other) => Err(other),
    }
}

/// One report as the queue shows it.
pub struct QueueRow {
    pub id: i64,
    pub when: String,
    pub what: String,
    pub actor: String,
    pub objects: Vec<(String, Option<String>)>,
    pub reason: String,
    pub comment: String,
    /// Who reported, for the moderators.
    pub reporter: String,
    /// The server a `Flag` came from.
    pub origin: Option<String>,
    pub history: String,
    pub forwarded: bool,
    pub can_forward: bool,
    pub resolution: Option<String>,
    pub note: String,
}

#[derive(Template)]
#[template(path = "admin_reports.html")]
struct QueuePage {
    frame: Frame,
    csrf: String,
    open: Vec<QueueRow>,
    resolved: Vec<QueueRow>,
    resolutions: Vec<(String, String)>,
}
framed!(QueuePage);

async fn row(state: &AppState, t: &Translator, report: &reports::Report) -> Result<QueueRow> {
    let base = state.urls().base();
    let profiles =
        crate::federation::remote_actors::profiles(state.db(), &[report.target_actor.as_str()])
            .await?;
    let actor = profiles
        .get(&report.target_actor)
        .map_or(report.target_actor.clone(), |profile| profile.handle());
    let reporter = match (&report.reporter_account_id, &report.reporter_ap_id) {
        (Some(account), _) => match crate::domain::accounts::find(state.db(), *account).await {
            Ok(account) => format!("{} <{}>", account.name, account.email),
            Err(_) => t.t("report-by-member"),
        },
        (None, Some(remote)) => remote.clone(),
        (None, None) => t.t("report-by-visitor"),
    };
    let origin = report
        .reporter_ap_id
        .as_deref()
        .and_then(|id| url::Url::parse(id).ok())
        .and_then(|url| url.host_str().map(str::to_string));
    let (open, resolved) = reports::count_about(state.db(), &report.target_actor).await?;
    let mut objects = Vec::new();
    for object in report.objects() {
        let link = handled::target(state, &object)
            .await?
            .and_then(|target| target.link);
        objects.push((object, link));
    }
    let remote = url::Url::parse(&report.target_actor)
        .is_ok_and(|url| !crate::federation::origin::same_origin(&url, base));
    Ok(QueueRow {
        id: report.report_id,
        when: t.date_time(&report.created_at.fixed_offset()),
        what: kind_name(t, &report.target_kind),
        actor,
        objects,
        reason: t.t(&format!("report-reason-{}", report.reason)),
        comment: report.comment.clone(),
        reporter,
        origin,
        history: t.t_args(
            "report-history",
            &[
                ("open", t.digits(&open.to_string())),
                ("resolved", t.digits(&resolved.to_string())),
            ],
        ),
        forwarded: report.forwarded_at.is_some(),
        can_forward: remote && report.forwarded_at.is_none() && report.is_open(),
        resolution: report
            .resolution
            .as_ref()
            .map(|resolution| t.t(&format!("report-resolution-{resolution}"))),
        note: report.resolution_note.clone(),
    })
}

/// `GET /admin/reports`: the open reports, oldest first, and the latest resolved.
pub async fn queue(
    State(state): State<AppState>,
    frame: Frame,
    Publisher(visitor): Publisher,
) -> Result<Response> {
    let t = frame.t;
    let mut open = Vec::new();
    for report in reports::open(state.db(), 100).await? {
        open.push(row(&state, &t, &report).await?);
    }
    let mut resolved = Vec::new();
    for report in reports::resolved(state.db(), 20).await? {
        resolved.push(row(&state, &t, &report).await?);
    }
    let page = QueuePage {
        csrf: visitor.csrf().to_string(),
        open,
        resolved,
        resolutions: Resolution::ALL
            .iter()
            .map(|resolution| {
                (
                    resolution.as_str().to_string(),
                    t.t(&format!("report-resolution-{}", resolution.as_str())),
                )
            })
            .collect(),
        frame,
    };
    respond_with(&state, &visitor, StatusCode::OK, &page)
}

/// `POST /admin/reports/{id}`: resolves a report (`resolution`, `note`), or sends it on to the
/// reported server (`forward=yes`).
pub async fn decide(
    State(state): State<AppState>,
    Publisher(visitor): Publisher,
    Path(report_id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    let account = visitor.account().ok_or(Error::NotFound)?;
    let who = visitor.who();
    if values.get("forward") == "yes" {
        handled::forward(&state, &who, report_id).await?;
        return Ok(Redirect::to("/admin/reports").into_response());
    }
    let resolution = Resolution::parse(values.get("resolution")).ok_or_else(|| {
        FieldError::of("resolution", FieldReason::OneOf).with(
            "choices",
            "dismiss, remove, limit-account, suspend-account, limit-domain, block-domain",
        )
    })?;
    if matches!(
        resolution,
        Resolution::LimitAccount | Resolution::SuspendAccount
    ) && account.role != crate::domain::accounts::Role::Admin
        && let Some(report) = reports::find(state.db(), report_id).await?
        && crate::federation::suspensions::subject(&state, &report.target_actor)
            .await
            .is_ok_and(|subject| subject.member.is_some())
    {
        return Err(Error::Forbidden(
            "only admins suspend or limit a member of this website".to_string(),
        ));
    }
    let moderator = crate::federation::members::actor_of(&state, account.account_id).await?;
    handled::resolve(
        &state,
        &who,
        moderator.as_deref(),
        report_id,
        resolution,
        values.get("note"),
    )
    .await?;
    Ok(Redirect::to("/admin/reports").into_response())
}
