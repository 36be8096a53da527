//! `/admin/network`: whom the organization follows and who follows it. Admins follow an
//! organization by handle or URL (Jisr, a Mobilizon group, a Gancio instance, a Mastodon
//! account), see where each follow stands (waiting, accepted, refused), unfollow, and remove
//! followers. The same domain calls as `jisr follow`, `jisr following` and `jisr unfollow`.

use super::auth::Admin;
use super::forms::{FormValues, say};
use super::frame::{Frame, framed, respond_with};
use crate::app::AppState;
use crate::domain::network::Profile;
use crate::error::{Error, FieldError, Reason, Result};
use crate::federation::{followers, following, remote_actors};
use crate::i18n::Translator;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use url::Url;

/// The most followers listed.
const MAX_FOLLOWERS_SHOWN: i64 = 500;

/// One actor as the admin sees it.
pub struct ActorRow {
    pub ap_id: String,
    pub name: String,
    pub handle: String,
    pub icon: Option<String>,
    pub page: String,
    /// What kind of actor: an organization, a person, a group, a server.
    pub kind: String,
    /// The state of our follow, or since when it follows us.
    pub state: String,
    pub state_class: &'static str,
    pub since: String,
}

#[derive(Template)]
#[template(path = "admin_network.html")]
struct NetworkPage {
    frame: Frame,
    csrf: String,
    following: Vec<ActorRow>,
    followers: Vec<ActorRow>,
    follower_count: i64,
    /// What was typed in the follow form, when it is shown again.
    target: String,
    /// Why the follow could not be sent, in the reader's language.
    error: Option<String>,
    /// A follow just sent, to whom.
    sent: Option<String>,
}
framed!(NetworkPage);

fn row(
    t: &Translator,
    profile: Option<&Profile>,
    ap_id: &str,
    state: String,
    state_class: &'static str,
    since: chrono::DateTime<chrono::Utc>,
) -> ActorRow {
    let mark = super::pages::cards::their_mark(profile, ap_id);
    let kind = profile.map_or("", |profile| profile.actor_type.as_str());
    ActorRow {
        ap_id: ap_id.to_string(),
        name: mark.name,
        handle: mark.handle,
        icon: mark.icon,
        page: profile.map_or(ap_id.to_string(), |profile| profile.page().to_string()),
        kind: t.t(match kind {
            "Organization" => "network-kind-organization",
            "Group" => "network-kind-group",
            "Application" | "Service" => "network-kind-server",
            "Person" => "network-kind-person",
            _ => "network-kind-unknown",
        }),
        state,
        state_class,
        since: t.date(&since.fixed_offset()),
    }
}

async fn network_page(
    state: &AppState,
    frame: Frame,
    visitor: &super::auth::Visitor,
    status: StatusCode,
    target: String,
    error: Option<String>,
    sent: Option<String>,
) -> Result<Response> {
    let t = frame.t;
    let organization = state.actors().organization();
    let follows = following::list(state.db(), organization.local_actor_id).await?;
    let followed_by =
        followers::list(state.db(), organization.local_actor_id, MAX_FOLLOWERS_SHOWN).await?;
    let ids: Vec<&str> = follows
        .iter()
        .map(|follow| follow.target_ap_id.as_str())
        .chain(
            followed_by
                .iter()
                .map(|follower| follower.actor_ap_id.as_str()),
        )
        .collect();
    let profiles = remote_actors::profiles(state.db(), &ids).await?;
    let following = follows
        .iter()
        .map(|follow| {
            let state = follow.state();
            row(
                &t,
                profiles.get(&follow.target_ap_id),
                &follow.target_ap_id,
                t.t(&format!("network-state-{}", state.as_str())),
                state.as_str(),
                follow.created_at,
            )
        })
        .collect();
    let followers = followed_by
        .iter()
        .map(|follower| {
            row(
                &t,
                profiles.get(&follower.actor_ap_id),
                &follower.actor_ap_id,
                String::new(),
                "",
                follower.created_at,
            )
        })
        .collect();
    let page = NetworkPage {
        csrf: visitor.csrf().to_string(),
        following,
        followers,
        follower_count: crate::federation::followers::count(
            state.db(),
            organization.local_actor_id,
        )
        .await?,
        target,
        error,
        sent,
        frame,
    };
    respond_with(state, visitor, status, &page)
}

/// `GET /admin/network`.
pub async fn page(
    State(state): State<AppState>,
    frame: Frame,
    Admin(visitor): Admin,
) -> Result<Response> {
    network_page(
        &state,
        frame,
        &visitor,
        StatusCode::OK,
        String::new(),
        None,
        None,
    )
    .await
}

/// `POST /admin/network/follow`: follows `target`, a handle or an actor URL; a target that
/// cannot be found or read is said on the page (422), not as an error page.
pub async fn follow(
    State(state): State<AppState>,
    frame: Frame,
    Admin(visitor): Admin,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    let target = values.get("target").trim().to_string();
    let t = frame.t;
    let refused = |reason: String| Some(reason);
    let outcome = if target.is_empty() {
        Err(Error::from(FieldError::of("target", Reason::Required)))
    } else {
        following::follow(&state, &target).await.inspect(|actor| {
            crate::federation::network_experts::learn(&state, actor.clone());
        })
    };
    let error = match outcome {
        Ok(actor) => {
            return network_page(
                &state,
                frame,
                &visitor,
                StatusCode::OK,
                String::new(),
                None,
                Some(actor.to_string()),
            )
            .await;
        }
        Err(Error::Invalid(errors)) => refused(
            errors
                .iter()
                .map(|error| say(&t, error))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Err(Error::Internal(error)) => return Err(Error::Internal(error)),
        Err(other) => {
            tracing::info!(target = %target, error = %other, "follow from the website refused");
            refused(t.t1("network-follow-failed", "reason", &other.to_string()))
        }
    };
    network_page(
        &state,
        frame,
        &visitor,
        StatusCode::UNPROCESSABLE_ENTITY,
        target,
        error,
        None,
    )
    .await
}

/// The actor id a form names, in its `actor` field, once its CSRF token is checked.
fn actor_field(visitor: &super::auth::Visitor, pairs: Vec<(String, String)>) -> Result<Url> {
    let values = FormValues::from_pairs(pairs);
    visitor.check_csrf(values.get("csrf"))?;
    Url::parse(values.get("actor"))
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .ok_or_else(|| FieldError::of("actor", Reason::Url).into())
}

/// Back to the page, or a 404 when there was nothing to do.
fn done(changed: bool) -> Result<Response> {
    if changed {
        Ok(Redirect::to("/admin/network").into_response())
    } else {
        Err(Error::NotFound)
    }
}

/// `POST /admin/network/unfollow`: stops following `actor`.
pub async fn unfollow(
    State(state): State<AppState>,
    Admin(visitor): Admin,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = actor_field(&visitor, pairs)?;
    done(following::unfollow(&state, &actor).await?)
}

/// `POST /admin/network/followers/remove`: removes the follower `actor` (and tells its server).
pub async fn remove_follower(
    State(state): State<AppState>,
    Admin(visitor): Admin,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let actor = actor_field(&visitor, pairs)?;
    done(followers::remove_and_reject(&state, &actor).await?)
}
