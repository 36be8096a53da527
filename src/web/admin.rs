//! Admin pages: the members and their roles, the registrations waiting for approval, and
//! invitation links.

use super::auth::Admin;
use super::forms::FormValues;
use super::frame::{Frame, framed, respond_with};
use crate::app::AppState;
use crate::domain::accounts::{self, Account, AccountStatus, Change, Role};
use crate::error::{Error, FieldError, Reason, Result};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

/// One account as the admin sees it.
pub struct MemberRow {
    pub account: Account,
    pub type_label: String,
    pub role_label: String,
    pub status_label: String,
    pub action: String,
    pub is_pending: bool,
    pub is_disabled: bool,
    pub is_me: bool,
}

#[derive(Template)]
#[template(path = "admin_members.html")]
struct MembersPage {
    frame: Frame,
    csrf: String,
    pending: Vec<MemberRow>,
    members: Vec<MemberRow>,
    /// `(role, its name, what it may do)`.
    roles: Vec<(&'static str, String, String)>,
    invitation: Option<String>,
    /// A password reset link just made: `(whose name, link)`.
    reset: Option<(String, String)>,
    registration: String,
    /// Members who declared areas of expertise: `(name, areas, confirmed, action)`.
    experts: Vec<(String, String, bool, String)>,
}
framed!(MembersPage);

async fn members_page(
    state: &AppState,
    frame: Frame,
    visitor: &super::auth::Visitor,
    invitation: Option<String>,
    reset: Option<(String, String)>,
) -> Result<Response> {
    let t = frame.t;
    let me = visitor.account().map(|account| account.account_id);
    let rows: Vec<MemberRow> = accounts::list(state.db())
        .await?
        .into_iter()
        .map(|account| MemberRow {
            type_label: t.t(&format!("register-{}", account.account_type.as_str())),
            role_label: t.t(&format!("role-{}", account.role.as_str())),
            status_label: t.t(&format!("status-{}", account.status.as_str())),
            action: format!("/admin/members/{}", account.account_id),
            is_pending: account.status == AccountStatus::Pending,
            is_disabled: account.status == AccountStatus::Disabled,
            is_me: Some(account.account_id) == me,
            account,
        })
        .collect();
    let (pending, members) = rows.into_iter().partition(|row| row.is_pending);
    let page = MembersPage {
        csrf: visitor.csrf().to_string(),
        pending,
        members,
        roles: Role::ALL
            .into_iter()
            .map(|role| {
                (
                    role.as_str(),
                    t.t(&format!("role-{}", role.as_str())),
                    t.t(&format!("role-{}-means", role.as_str())),
                )
            })
            .collect(),
        invitation,
        reset,
        experts: crate::domain::experts::declared(state.db())
            .await?
            .into_iter()
            .map(|declared| {
                (
                    declared.name.clone(),
                    declared
                        .areas()
                        .iter()
                        .map(|area| t.t(&format!("expert-area-{area}")))
                        .collect::<Vec<_>>()
                        .join(t.list_separator()),
                    declared.expert_confirmed_at.is_some(),
                    format!("/admin/members/{}", declared.account_id),
                )
            })
            .collect(),
        registration: t.t(&format!(
            "registration-{}",
            serde_json::to_value(state.config().accounts.registration)?
                .as_str()
                .unwrap_or("closed")
        )),
        frame,
    };
    respond_with(state, visitor, StatusCode::OK, &page)
}

/// `GET /admin/members`.
pub async fn members(
    State(state): State<AppState>,
    frame: Frame,
    Admin(visitor): Admin,
) -> Result<Response> {
    members_page(&state, frame, &visitor, None, None).await
}

/// The error of a role that is not one.
fn not_a_role() -> Error {
    FieldError::of("role", Reason::OneOf)
        .with("choices", "admin, editor, member")
        .into()
}

/// `POST /admin/members/{id}`: approve, reject, suspend (`disable`), lift a suspension
/// (`enable`), or set the role.
pub async fn change(
    State(state): State<AppState>,
    Admin(visitor): Admin,
    Path(account_id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    if let Some(confirmed) = match values.get("change") {
        "confirm-expert" => Some(true),
        "withdraw-expert" => Some(false),
        _ => None,
    } {
        crate::domain::experts::confirm(state.db(), account_id, confirmed).await?;
        // Their actor says so to every server.
        crate::federation::members::profile_changed(&state, account_id).await?;
        audit_member(&state, &visitor, account_id, values.get("change")).await?;
        return Ok(Redirect::to("/admin/members").into_response());
    }
    if let Some(suspend) = match values.get("change") {
        "disable" | "suspend" => Some(true),
        "enable" | "lift" => Some(false),
        _ => None,
    } {
        // What a suspension does, and its audit entry, are the suspensions' (as on
        // `/admin/accounts`).
        let subject = crate::federation::suspensions::subject_of_member(&state, account_id).await?;
        let who = visitor.who();
        let reason = values.get("reason");
        if suspend {
            crate::federation::suspensions::set(
                &state,
                &who,
                &subject,
                crate::domain::account_policy::AccountSeverity::Suspend,
                reason,
            )
            .await?;
        } else {
            crate::federation::suspensions::lift(&state, &who, &subject, reason).await?;
        }
        return Ok(Redirect::to("/admin/members").into_response());
    }
    let change = match values.get("change") {
        "approve" => Change::Approve,
        "reject" => Change::Reject,
        "role" => Change::SetRole(Role::parse(values.get("role")).ok_or_else(not_a_role)?),
        _ => {
            let error = FieldError::of("change", Reason::OneOf).with(
                "choices",
                "approve, reject, suspend, lift, role, confirm-expert, withdraw-expert",
            );
            return Err(error.into());
        }
    };
    accounts::change(state.db(), account_id, change).await?;
    // A byline names only an active account: the documents and lists that show its
    // publications change too.
    state.documents().forget_objects();
    state.lists().clear();
    let action = match change {
        Change::SetRole(role) => format!("role-{}", role.as_str()),
        _ => values.get("change").to_string(),
    };
    audit_member(&state, &visitor, account_id, &action).await?;
    Ok(Redirect::to("/admin/members").into_response())
}

/// Records an admin's `change` of the member `account_id` in the audit log, naming the member
/// by their handle (or account number).
async fn audit_member(
    state: &AppState,
    visitor: &super::auth::Visitor,
    account_id: i64,
    change: &str,
) -> Result<()> {
    let target = match crate::federation::members::actor_of(state, account_id).await? {
        Some(actor) => format!("@{}", actor.username),
        None => format!("account {account_id}"),
    };
    crate::domain::audit::record_now(
        state.db(),
        &visitor.who(),
        &format!("member.{change}"),
        &target,
        "",
        &serde_json::json!({"account": account_id}),
    )
    .await
}

/// `POST /admin/invitations`: makes an invitation link and shows it on the members page.
pub async fn invite(
    State(state): State<AppState>,
    frame: Frame,
    Admin(visitor): Admin,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    let role = Role::parse(values.get("role")).ok_or_else(not_a_role)?;
    let secret = accounts::invite(state.db(), role, 7).await?;
    let link = state.urls().invitation(&secret);
    members_page(&state, frame, &visitor, Some(link.to_string()), None).await
}

/// `POST /admin/members/{id}/reset-link`: makes a password reset link for a member (Jisr sends
/// no mail) and shows it on the members page.
pub async fn reset_link(
    State(state): State<AppState>,
    frame: Frame,
    Admin(visitor): Admin,
    Path(account_id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    let account = accounts::find(state.db(), account_id).await?;
    let secret = accounts::reset_link_for(state.db(), account_id).await?;
    let link = state.urls().reset_link(&secret);
    members_page(
        &state,
        frame,
        &visitor,
        None,
        Some((account.name, link.to_string())),
    )
    .await
}
