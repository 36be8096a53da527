//! The moderation of single accounts on the website: `/admin/accounts`, where admins suspend
//! or limit one of our members or another server's actor (by username, handle or id) with a
//! reason, see every account suspended or limited, and lift a decision. The same calls as
//! `jisr account …`; what each does is [`crate::federation::suspensions`]'s.

use super::auth::Admin;
use super::forms::FormValues;
use super::frame::{Frame, framed, respond_with};
use crate::app::AppState;
use crate::domain::account_policy::AccountSeverity;
use crate::error::{Error, FieldError, Reason, Result};
use crate::federation::suspensions;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

/// One decision as the page lists it.
pub struct AccountRow {
    /// The actor's id.
    pub actor: String,
    /// `@name@host`, or the id.
    pub shown: String,
    pub severity: String,
    pub severity_class: &'static str,
    pub reason: String,
    pub since: String,
}

#[derive(Template)]
#[template(path = "admin_accounts.html")]
struct AccountsPage {
    frame: Frame,
    csrf: String,
    accounts: Vec<AccountRow>,
    /// `(value, name, hint, chosen)`.
    severities: Vec<(&'static str, String, String, bool)>,
    /// What was typed, when the form is shown again.
    account: String,
    reason: String,
    error: Option<String>,
}
framed!(AccountsPage);

const SEVERITIES: [AccountSeverity; 2] = [AccountSeverity::Suspend, AccountSeverity::Limit];

async fn accounts_page(
    state: &AppState,
    frame: Frame,
    visitor: &super::auth::Visitor,
    status: StatusCode,
    typed: (&str, AccountSeverity, &str),
    error: Option<String>,
) -> Result<Response> {
    let t = frame.t;
    let accounts = suspensions::listed(state)
        .await?
        .into_iter()
        .map(|listed| AccountRow {
            shown: listed
                .handle
                .clone()
                .unwrap_or_else(|| listed.policy.actor_ap_id.clone()),
            actor: listed.policy.actor_ap_id.clone(),
            severity: t.t(&format!("accounts-{}", listed.policy.severity.as_str())),
            severity_class: listed.policy.severity.as_str(),
            reason: listed.policy.reason.clone(),
            since: t.date(&listed.policy.updated_at.fixed_offset()),
        })
        .collect();
    let (account, chosen, reason) = typed;
    let page = AccountsPage {
        csrf: visitor.csrf().to_string(),
        accounts,
        severities: SEVERITIES
            .iter()
            .map(|severity| {
                (
                    severity.as_str(),
                    t.t(&format!("accounts-{}", severity.as_str())),
                    t.t(&format!("accounts-{}-hint", severity.as_str())),
                    *severity == chosen,
                )
            })
            .collect(),
        account: account.to_string(),
        reason: reason.to_string(),
        error,
        frame,
    };
    respond_with(state, visitor, status, &page)
}

/// `GET /admin/accounts`.
pub async fn page(
    State(state): State<AppState>,
    frame: Frame,
    Admin(visitor): Admin,
) -> Result<Response> {
    accounts_page(
        &state,
        frame,
        &visitor,
        StatusCode::OK,
        ("", AccountSeverity::Suspend, ""),
        None,
    )
    .await
}

/// `POST /admin/accounts`: suspends or limits an account (`account`, `severity`, `reason`),
/// or lifts its decision (`lift=yes`); an account we do not know is said on the page (422).
pub async fn decide(
    State(state): State<AppState>,
    frame: Frame,
    Admin(visitor): Admin,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    let t = frame.t;
    let lift = values.get("lift") == "yes";
    let severity = if lift {
        AccountSeverity::Suspend
    } else {
        AccountSeverity::parse(values.get("severity")).ok_or_else(|| {
            FieldError::of("severity", Reason::OneOf).with("choices", "suspend, limit")
        })?
    };
    let done = async {
        let subject = suspensions::subject(&state, values.get("account")).await?;
        if lift {
            suspensions::lift(&state, &visitor.who(), &subject, values.get("reason")).await?;
        } else {
            suspensions::set(
                &state,
                &visitor.who(),
                &subject,
                severity,
                values.get("reason"),
            )
            .await?;
        }
        Ok::<(), Error>(())
    }
    .await;
    match done {
        Ok(()) => Ok(Redirect::to("/admin/accounts").into_response()),
        Err(Error::Invalid(errors)) => {
            let said = errors
                .iter()
                .map(|error| super::forms::say(&t, error))
                .collect::<Vec<_>>()
                .join(" ");
            accounts_page(
                &state,
                frame,
                &visitor,
                StatusCode::UNPROCESSABLE_ENTITY,
                (values.get("account"), severity, values.get("reason")),
                Some(said),
            )
            .await
        }
        Err(other) => Err(other),
    }
}
