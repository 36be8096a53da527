//! The account pages: register (as an individual or an organization), log in, log out, "my
//! account", and the password reset link's page.
//!
//! Every form carries the visitor's CSRF token; errors are shown next to their field in the
//! reader's language, with the status a client can act on (422 invalid, 401 wrong password,
//! 403 refused, 429 too many attempts).

use super::auth::{self, Member, SESSION_COOKIE, Throttled, Visitor};
use super::forms::{Field, FormValues, place_errors};
use super::frame::{Frame, framed, message, respond_with};
use crate::app::AppState;
use crate::config::Registration;
use crate::domain::accounts::{self, Account, LoginRefused, Registered, Registering};
use crate::error::{Error, FieldError, Reason, Result};
use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::net::SocketAddr;

/// A page with one form.
#[derive(Template)]
#[template(path = "form.html")]
pub struct FormPage {
    pub frame: Frame,
    pub heading: String,
    pub intro: String,
    pub action: String,
    pub csrf: String,
    pub fields: Vec<Field>,
    pub unplaced: Vec<String>,
    pub has_errors: bool,
    pub submit: String,
    /// Links under the form: `(href, text)`.
    pub links: Vec<(String, String)>,
    /// The form sends a file (`multipart/form-data`).
    pub multipart: bool,
}
framed!(FormPage);

impl FormPage {
    pub(crate) fn new(frame: Frame, visitor: &Visitor, heading: String) -> FormPage {
        FormPage {
            frame,
            heading,
            intro: String::new(),
            action: String::new(),
            csrf: visitor.csrf().to_string(),
            fields: Vec::new(),
            unplaced: Vec::new(),
            has_errors: false,
            submit: String::new(),
            links: Vec::new(),
            multipart: false,
        }
    }

    /// Shows `errors` next to their fields.
    pub(crate) fn with_errors(mut self, errors: &[FieldError]) -> FormPage {
        let t = self.frame.t;
        self.unplaced = place_errors(&t, &mut self.fields, errors);
        self.has_errors = !errors.is_empty();
        self
    }

    /// An error of the whole form, shown at the top.
    pub(crate) fn with_message(mut self, message: String) -> FormPage {
        self.unplaced.push(message);
        self.has_errors = true;
        self
    }
}

/// `?invitation=…` of the registration page.
#[derive(Debug, Deserialize)]
pub struct RegisterQuery {
    invitation: Option<String>,
}

fn register_form(
    state: &AppState,
    frame: Frame,
    visitor: &Visitor,
    values: &FormValues,
) -> FormPage {
    let t = frame.t;
    let mut page = FormPage::new(frame, visitor, t.t("register-title"));
    let mode = state.config().accounts.registration;
    page.intro = t.t(match mode {
        Registration::Open => "register-intro-open",
        Registration::Approval => "register-intro-approval",
        Registration::Invitation => "register-intro-invitation",
        Registration::Closed => "register-closed",
    });
    page.action = "/register".to_string();
    page.submit = t.t("register-submit");
    page.fields = vec![
        Field::new("account_type", "radio", t.t("register-as"))
            .required()
            .value(values.get("account_type"))
            .choices([
                ("individual".to_string(), t.t("register-individual")),
                ("organization".to_string(), t.t("register-organization")),
            ]),
        Field::new("name", "text", t.t("register-name"))
            .required()
            .value(values.get("name"))
            .autocomplete("name"),
        Field::new("email", "email", t.t("register-email"))
            .required()
            .value(values.get("email"))
            .autocomplete("email"),
        Field::new("username", "text", t.t("register-username"))
            .value(values.get("username"))
            .hint(t.t1(
                "register-username-hint",
                "domain",
                &state.config().instance.domain,
            ))
            .autocomplete("nickname"),
        Field::new("password", "password", t.t("register-password"))
            .required()
            .hint(t.t("register-password-hint"))
            .autocomplete("new-password"),
    ];
    if !values.get("invitation").is_empty() {
        page.fields
            .push(Field::new("invitation", "hidden", "").value(values.get("invitation")));
    }
    page.links = vec![("/login".to_string(), t.t("register-have-account"))];
    page
}

/// `GET /register`.
pub async fn register_page(
    State(state): State<AppState>,
    frame: Frame,
    visitor: Visitor,
    Query(query): Query<RegisterQuery>,
) -> Result<Response> {
    let mut values = FormValues::default();
    if let Some(invitation) = query.invitation {
        values.0.insert("invitation".to_string(), vec![invitation]);
    }
    let page = register_form(&state, frame.clone(), &visitor, &values);
    respond_with(&state, &visitor, StatusCode::OK, &page)
}

/// `POST /register`.
pub async fn register(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    frame: Frame,
    visitor: Visitor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let t = frame.t;
    let values = FormValues::from_pairs(pairs);
    let form = |values: &FormValues| register_form(&state, frame.clone(), &visitor, values);
    if visitor.check_csrf(values.get("csrf")).is_err() {
        let page = form(&values).with_message(t.t("error-csrf"));
        return respond_with(&state, &visitor, StatusCode::FORBIDDEN, &page);
    }
    // Registrations per client address are limited like failed logins (with three times the
    // room: a workshop's members may register from one network).
    let allowed = state.config().accounts.login_attempts.saturating_mul(3);
    if !auth::within_limit(&state, client, &headers, "register", allowed) {
        let page = form(&values).with_message(t.t("error-too-many"));
        let mut response = respond_with(&state, &visitor, StatusCode::TOO_MANY_REQUESTS, &page)?;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("900"));
        return Ok(response);
    }
    let input = Registering {
        account_type: values.get("account_type").to_string(),
        name: values.get("name").to_string(),
        email: values.get("email").to_string(),
        password: values.all("password").first().cloned().unwrap_or_default(),
        username: values.get("username").to_string(),
        invitation: Some(values.get("invitation").to_string()).filter(|value| !value.is_empty()),
    };
    let mode = state.config().accounts.registration;
    let identities = crate::federation::members::identities(state.config());
    match accounts::register(state.db(), state.passwords(), &identities, mode, &input).await {
        Ok(Registered::Active(account)) => log_in(&state, &account, "/").await,
        Ok(Registered::Pending(_)) => message(
            frame.clone(),
            StatusCode::OK,
            "register-pending-title",
            "register-pending",
        ),
        Err(Error::Invalid(errors)) => {
            let page = form(&values).with_errors(&errors);
            respond_with(&state, &visitor, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(Error::Forbidden(_)) => {
            // Refused by the registration mode: why follows from the mode and the link given.
            let key = match (&input.invitation, mode) {
                (Some(_), _) => "error-invitation-invalid",
                (None, Registration::Invitation) => "error-invitation-needed",
                (None, _) => "register-closed",
            };
            let page = form(&values).with_message(t.t(key));
            respond_with(&state, &visitor, StatusCode::FORBIDDEN, &page)
        }
        Err(other) => Err(other),
    }
}

/// Starts a session and sends the browser to `next`.
async fn log_in(state: &AppState, account: &Account, next: &str) -> Result<Response> {
    let days = state.config().accounts.session_days;
    let (secret, _) = accounts::start_session(state.db(), account, days).await?;
    let mut response = Redirect::to(next).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(state, SESSION_COOKIE, &secret, days * 86_400),
    );
    Ok(response)
}

/// `?next=` of the login page.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

fn login_form(frame: Frame, visitor: &Visitor, values: &FormValues) -> FormPage {
    let t = frame.t;
    let mut page = FormPage::new(frame, visitor, t.t("login-title"));
    page.action = "/login".to_string();
    page.submit = t.t("login-submit");
    page.fields = vec![
        Field::new("email", "email", t.t("register-email"))
            .required()
            .value(values.get("email"))
            .autocomplete("username"),
        Field::new("password", "password", t.t("register-password"))
            .required()
            .autocomplete("current-password"),
        Field::new("next", "hidden", "").value(auth::safe_next(Some(values.get("next")))),
    ];
    page.links = vec![("/register".to_string(), t.t("login-no-account"))];
    page.intro = String::new();
    page
}

/// `GET /login`.
pub async fn login_page(
    State(state): State<AppState>,
    frame: Frame,
    visitor: Visitor,
    Query(query): Query<LoginQuery>,
) -> Result<Response> {
    let mut values = FormValues::default();
    values.0.insert(
        "next".to_string(),
        vec![auth::safe_next(query.next.as_deref())],
    );
    let page = login_form(frame.clone(), &visitor, &values);
    respond_with(&state, &visitor, StatusCode::OK, &page)
}

/// `POST /login`.
pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    frame: Frame,
    visitor: Visitor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let t = frame.t;
    let values = FormValues::from_pairs(pairs);
    let refuse = |status: StatusCode, key: &str| {
        let page = login_form(frame.clone(), &visitor, &values).with_message(t.t(key));
        respond_with(&state, &visitor, status, &page)
    };
    if visitor.check_csrf(values.get("csrf")).is_err() {
        return refuse(StatusCode::FORBIDDEN, "error-csrf");
    }
    let email = values.get("email").trim().to_lowercase();
    let client = auth::client_address(client, &headers);
    let allowed = state.config().accounts.login_attempts;
    let attempt = match state.login_limiter().login(client, &email, allowed) {
        Ok(attempt) => attempt,
        Err(throttled) => {
            let key = match throttled {
                Throttled::Client => "error-too-many",
                Throttled::Address => "error-too-many-address",
            };
            let mut response = refuse(StatusCode::TOO_MANY_REQUESTS, key)?;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("900"));
            return Ok(response);
        }
    };
    let password = values.all("password").first().cloned().unwrap_or_default();
    match accounts::login(state.db(), state.passwords(), &email, &password).await? {
        Ok(account) => {
            state.login_limiter().succeeded(attempt);
            log_in(&state, &account, &auth::safe_next(Some(values.get("next")))).await
        }
        Err(LoginRefused::WrongPassword) => refuse(StatusCode::UNAUTHORIZED, "error-login"),
        Err(LoginRefused::Pending) => refuse(StatusCode::FORBIDDEN, "error-login-pending"),
        Err(LoginRefused::Disabled) => refuse(StatusCode::FORBIDDEN, "error-login-disabled"),
    }
}

/// `POST /logout`.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    visitor: Visitor,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    if let Some(secret) = auth::cookie(&headers, SESSION_COOKIE) {
        accounts::end_session(state.db(), secret).await?;
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(&state, SESSION_COOKIE, "", 0),
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    /// Their latest notifications: `(text, link, unread)`.
    notifications: Vec<(String, String, bool)>,
    /// For an expert: open questions in their areas, `(title, link)`.
    questions: Vec<(String, String)>,
    /// What organizers told the participants of their events.
    messages: Vec<MyMessage>,
    /// The events they take part in.
    events: Vec<MyEvent>,
    /// Whether they have a private calendar link.
    calendar: bool,
    /// The link just made, shown once (only its hash is kept).
    new_link: Option<String>,
    /// `@name@domain`: how people on other servers find and follow them.
    handle: String,
    /// Their public profile, at their actor's URL.
    profile_url: String,
    frame: Frame,
    me: Account,
    type_label: String,
    role_label: String,
    /// What the role may do, in a sentence.
    role_means: String,
    csrf: String,
}
framed!(AccountPage);

/// One event the member takes part in, as their account page lists it.
pub struct MyEvent {
    pub title: String,
    pub when: String,
    pub status: String,
    pub href: String,
}

/// `GET /account`: who is logged in, what they may do, their events and the logout button.
pub async fn account(
    State(state): State<AppState>,
    frame: Frame,
    Member(visitor): Member,
) -> Result<Response> {
    account_page(&state, frame, &visitor, None).await
}

/// The account page, with `new_link` (a private calendar link just made) shown once.
async fn account_page(
    state: &AppState,
    frame: Frame,
    visitor: &Visitor,
    new_link: Option<String>,
) -> Result<Response> {
    let Some(account) = visitor.account().cloned() else {
        return Err(Error::NotFound);
    };
    let t = frame.t;
    let username = crate::domain::accounts::identity::username(state.db(), account.account_id)
        .await?
        .unwrap_or_default();
    let events = my_events(state, &t, account.account_id).await?;
    let messages = my_messages(state, &t, account.account_id).await?;
    let notifications = crate::domain::notifications::latest(state.db(), account.account_id, 20)
        .await?
        .into_iter()
        .map(|found| {
            let thread = format!("\u{2068}{}\u{2069}", found.thread_title);
            let link = format!(
                "{}#post-{}",
                state
                    .urls()
                    .forum_post(&found.forum_slug, &found.thread_public_id)
                    .path(),
                found.public_id
            );
            (
                t.t1(&format!("notification-{}", found.kind), "thread", &thread),
                link,
                found.read_at.is_none(),
            )
        })
        .collect();
    crate::domain::notifications::mark_read(state.db(), account.account_id).await?;
    let expertise = crate::domain::experts::of(state.db(), account.account_id).await?;
    let questions = if expertise.is_confirmed() {
        crate::domain::forums::questions_in(state.db(), &expertise.areas, 10)
            .await?
            .into_iter()
            .map(|(question, slug)| {
                (
                    question.title.clone(),
                    state
                        .urls()
                        .forum_post(&slug, &question.public_id)
                        .path()
                        .to_string(),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = AccountPage {
        notifications,
        questions,
        messages,
        handle: format!("@{username}@{}", state.config().instance.domain),
        profile_url: format!("/actors/{username}"),
        events,
        calendar: accounts::has_calendar_secret(state.db(), account.account_id).await?,
        new_link,
        type_label: t.t(&format!("register-{}", account.account_type.as_str())),
        role_label: t.t(&format!("role-{}", account.role.as_str())),
        role_means: t.t(&format!("role-{}-means", account.role.as_str())),
        me: account,
        csrf: visitor.csrf().to_string(),
        frame,
    };
    respond_with(state, visitor, StatusCode::OK, &page)
}

/// The events `account_id` takes part in or asked to, ours and other servers', by start,
/// with their status in words.
async fn my_events(
    state: &AppState,
    t: &crate::i18n::Translator,
    account_id: i64,
) -> Result<Vec<MyEvent>> {
    use crate::domain::entries::Entry;
    let Some(actor) = crate::federation::members::actor_of(state, account_id).await? else {
        return Ok(Vec::new());
    };
    let mut statuses = std::collections::HashMap::new();
    for found in crate::domain::participation::of_member(state.db(), actor.local_actor_id).await? {
        statuses.insert(
            found.publication_id,
            t.t(&format!("rsvp-status-{}", found.status().as_str())),
        );
    }
    let mut asked = std::collections::HashMap::new();
    for request in crate::domain::attending::of_member(state.db(), actor.local_actor_id).await? {
        let key = match request.standing() {
            crate::domain::attending::Standing::Going => "rsvp-status-going",
            _ => "rsvp-status-asked",
        };
        asked.insert(request.event_ap_id.clone(), t.t(key));
    }
    let entries = super::feeds::member_events(state, actor.local_actor_id).await?;
    Ok(entries
        .iter()
        .map(|entry| match entry {
            Entry::Ours(event) => MyEvent {
                title: event
                    .text_in(t.language.code())
                    .map(|text| text.title.clone())
                    .unwrap_or_default(),
                when: match &event.draft.details {
                    crate::domain::publication::Details::Event(details) => {
                        t.date_time(&details.starts())
                    }
                    _ => String::new(),
                },
                status: statuses
                    .get(&event.publication_id)
                    .cloned()
                    .unwrap_or_default(),
                href: state
                    .urls()
                    .publication(event.kind, &event.public_id)
                    .path()
                    .to_string(),
            },
            Entry::Network(id, item) => MyEvent {
                title: item.text_in(t.language.code()).1.to_string(),
                when: item
                    .starts_at
                    .map(|at| t.date_time(&item.in_own_zone(at)))
                    .unwrap_or_default(),
                status: asked.get(&item.ap_id).cloned().unwrap_or_default(),
                href: format!("/network/{id}"),
            },
        })
        .collect())
}

/// A message from the organizers of an event the member takes part in.
pub struct MyMessage {
    pub event: String,
    pub href: String,
    pub when: String,
    pub body: String,
}

/// The messages of `account_id`'s events, newest first.
async fn my_messages(
    state: &AppState,
    t: &crate::i18n::Translator,
    account_id: i64,
) -> Result<Vec<MyMessage>> {
    let Some(actor) = crate::federation::members::actor_of(state, account_id).await? else {
        return Ok(Vec::new());
    };
    let messages =
        crate::domain::participation::messages_for_member(state.db(), actor.local_actor_id).await?;
    let ids: Vec<i64> = messages
        .iter()
        .map(|message| message.publication_id)
        .collect();
    let events: std::collections::HashMap<i64, crate::domain::publication::Publication> =
        crate::domain::publication::by_ids(state.db(), &ids)
            .await?
            .into_iter()
            .map(|event| (event.publication_id, event))
            .collect();
    Ok(messages
        .into_iter()
        .filter_map(|message| {
            let event = events.get(&message.publication_id)?;
            Some(MyMessage {
                event: event
                    .text_in(t.language.code())
                    .map(|text| text.title.clone())
                    .unwrap_or_default(),
                href: state
                    .urls()
                    .publication(event.kind, &event.public_id)
                    .path()
                    .to_string(),
                when: t.date_time(&message.sent_at.fixed_offset()),
                body: message.body,
            })
        })
        .collect())
}

/// `POST /account/calendar`: a new private calendar link (`action=new`, the old one stops
/// working) or none (`action=revoke`).
pub async fn calendar_link(
    State(state): State<AppState>,
    frame: Frame,
    Member(visitor): Member,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    let account = visitor.account().ok_or(Error::NotFound)?;
    match values.get("action") {
        "new" => {
            let secret = accounts::new_calendar_secret(state.db(), account.account_id).await?;
            let link = state.urls().base().join(&format!("calendar/{secret}.ics"));
            let link = link.map_err(|error| Error::internal(error.to_string()))?;
            account_page(&state, frame, &visitor, Some(link.to_string())).await
        }
        "revoke" => {
            accounts::revoke_calendar_secret(state.db(), account.account_id).await?;
            Ok(Redirect::to("/account").into_response())
        }
        _ => Err(FieldError::of("action", Reason::OneOf)
            .with("choices", "new, revoke")
            .into()),
    }
}

fn password_form(frame: Frame, visitor: &Visitor) -> FormPage {
    let t = frame.t;
    let mut page = FormPage::new(frame, visitor, t.t("password-title"));
    page.action = "/account/password".to_string();
    page.submit = t.t("reset-submit");
    page.fields = vec![
        Field::new("current_password", "password", t.t("password-current"))
            .required()
            .autocomplete("current-password"),
        Field::new("password", "password", t.t("password-new"))
            .required()
            .hint(t.t("register-password-hint"))
            .autocomplete("new-password"),
    ];
    page.links = vec![("/account".to_string(), t.t("account-title"))];
    page
}

/// `GET /account/password`: change one's password.
pub async fn password_page(
    State(state): State<AppState>,
    frame: Frame,
    Member(visitor): Member,
) -> Result<Response> {
    let page = password_form(frame.clone(), &visitor);
    respond_with(&state, &visitor, StatusCode::OK, &page)
}

/// `POST /account/password`: checks the current password, sets the new one, and ends the
/// account's other logins.
pub async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    frame: Frame,
    Member(visitor): Member,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let t = frame.t;
    let values = FormValues::from_pairs(pairs);
    if visitor.check_csrf(values.get("csrf")).is_err() {
        let page = password_form(frame.clone(), &visitor).with_message(t.t("error-csrf"));
        return respond_with(&state, &visitor, StatusCode::FORBIDDEN, &page);
    }
    let (Some(account), Some(secret)) = (visitor.account(), auth::cookie(&headers, SESSION_COOKIE))
    else {
        return Err(Error::NotFound);
    };
    let first = |name: &str| values.all(name).first().cloned().unwrap_or_default();
    match accounts::change_password(
        state.db(),
        state.passwords(),
        account,
        &first("current_password"),
        &first("password"),
        secret,
    )
    .await
    {
        Ok(()) => message(
            frame.clone(),
            StatusCode::OK,
            "password-title",
            "password-done",
        ),
        Err(Error::Invalid(errors)) => {
            let page = password_form(frame.clone(), &visitor).with_errors(&errors);
            respond_with(&state, &visitor, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other),
    }
}

fn reset_form(frame: Frame, visitor: &Visitor, secret: &str) -> FormPage {
    let t = frame.t;
    let mut page = FormPage::new(frame, visitor, t.t("reset-title"));
    page.action = format!("/reset/{secret}");
    page.submit = t.t("reset-submit");
    page.fields = vec![
        Field::new("password", "password", t.t("register-password"))
            .required()
            .hint(t.t("register-password-hint"))
            .autocomplete("new-password"),
    ];
    page
}

/// `GET /reset/{secret}`: the form of a password reset link.
pub async fn reset_page(
    State(state): State<AppState>,
    frame: Frame,
    visitor: Visitor,
    Path(secret): Path<String>,
) -> Result<Response> {
    if !accounts::reset_link_is_live(state.db(), &secret).await? {
        return message(
            frame.clone(),
            StatusCode::GONE,
            "reset-title",
            "error-reset-invalid",
        );
    }
    let page = reset_form(frame.clone(), &visitor, &secret);
    respond_with(&state, &visitor, StatusCode::OK, &page)
}

/// `POST /reset/{secret}`.
pub async fn reset(
    State(state): State<AppState>,
    frame: Frame,
    visitor: Visitor,
    Path(secret): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let t = frame.t;
    let values = FormValues::from_pairs(pairs);
    if visitor.check_csrf(values.get("csrf")).is_err() {
        let page = reset_form(frame.clone(), &visitor, &secret).with_message(t.t("error-csrf"));
        return respond_with(&state, &visitor, StatusCode::FORBIDDEN, &page);
    }
    let password = values.all("password").first().cloned().unwrap_or_default();
    match accounts::reset_password(state.db(), state.passwords(), &secret, &password).await {
        Ok(account) => {
            // The owner proved who they are: earlier failed logins no longer count.
            state.login_limiter().clear(&account.email);
            message(frame.clone(), StatusCode::OK, "reset-title", "reset-done")
        }
        Err(Error::Invalid(errors)) => {
            let page = reset_form(frame.clone(), &visitor, &secret).with_errors(&errors);
            respond_with(&state, &visitor, StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(Error::Forbidden(_)) => message(
            frame.clone(),
            StatusCode::GONE,
            "reset-title",
            "error-reset-invalid",
        ),
        Err(other) => Err(other),
    }
}

fn delete_form(frame: Frame, visitor: &Visitor) -> FormPage {
    let t = frame.t;
    let mut page = FormPage::new(frame, visitor, t.t("delete-account-title"));
    page.intro = t.t("delete-account-intro");
    page.action = "/account/delete".to_string();
    page.submit = t.t("delete-account-submit");
    page.fields = vec![
        Field::new("password", "password", t.t("password-current"))
            .required()
            .autocomplete("current-password"),
    ];
    page.links = vec![("/account".to_string(), t.t("account-title"))];
    page
}

/// `GET /account/delete`: what deleting one's account does, and the password to confirm it.
pub async fn delete_page(
    State(state): State<AppState>,
    frame: Frame,
    Member(visitor): Member,
) -> Result<Response> {
    let page = delete_form(frame, &visitor);
    respond_with(&state, &visitor, StatusCode::OK, &page)
}

/// `POST /account/delete`: the member leaves: their places at our events go to the waiting
/// lists, other servers' organizers get their `Leave`, their account is erased (its row kept
/// disabled, so that its actor answers 410 and its name stays theirs), their followers get the
/// `Delete` of their actor, and they are logged out.
pub async fn delete_account(
    State(state): State<AppState>,
    frame: Frame,
    Member(visitor): Member,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let t = frame.t;
    let values = FormValues::from_pairs(pairs);
    if visitor.check_csrf(values.get("csrf")).is_err() {
        let page = delete_form(frame.clone(), &visitor).with_message(t.t("error-csrf"));
        return respond_with(&state, &visitor, StatusCode::FORBIDDEN, &page);
    }
    let account = visitor.account().cloned().ok_or(Error::NotFound)?;
    let password = values.all("password").first().cloned().unwrap_or_default();
    // The password first: nothing is left or sent for a wrong one.
    let hash_checked =
        accounts::delete_own(state.db(), state.passwords(), &account, &password).await;
    match hash_checked {
        Ok(()) => {}
        Err(Error::Invalid(errors)) => {
            let page = delete_form(frame.clone(), &visitor).with_errors(&errors);
            return respond_with(&state, &visitor, StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(Error::Forbidden(_)) => {
            let page =
                delete_form(frame.clone(), &visitor).with_message(t.t("delete-account-last-admin"));
            return respond_with(&state, &visitor, StatusCode::FORBIDDEN, &page);
        }
        Err(other) => return Err(other),
    }
    crate::federation::rsvp::member_left_everything(&state, account.account_id).await?;
    crate::federation::members::account_gone(&state, account.account_id).await?;
    let mut response = message(
        frame,
        StatusCode::OK,
        "delete-account-done-title",
        "delete-account-done",
    )?;
    response.headers_mut().append(
        header::SET_COOKIE,
        auth::set_cookie(&state, SESSION_COOKIE, "", 0),
    );
    Ok(response)
}
