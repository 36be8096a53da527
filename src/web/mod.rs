//! The website: server-rendered pages for people in four languages (home, lists, calendar,
//! publications, search, accounts, the editor and admin pages), its feeds (ICS, Atom), and
//! the JSON API for tools. Every page is drawn inside the one [`frame`].
//!
//! Invariant: `web` writes no SQL and speaks no ActivityStreams; it renders what `domain` and
//! `config` give it.

pub mod account_pages;
pub mod admin;
pub mod admin_accounts;
pub mod admin_domains;
pub mod admin_network;
pub mod api;
pub mod auth;
pub mod editor;
pub mod error;
pub mod experts;
pub mod feeds;
pub mod follow_page;
pub mod forms;
pub mod forums;
pub mod frame;
pub mod gcm_report;
pub mod headers;
pub mod html;
pub mod kept;
pub mod map;
pub mod member_pages;
pub mod pages;
pub mod people;
pub mod profile_pages;
pub mod remittances;
pub mod replies;
pub mod reports;
pub mod rsvp;
pub mod search;
pub mod theme;
pub mod vtimezone;
pub mod world_map;

use crate::app::AppState;
use crate::domain::publication::Kind;
use crate::error::Error;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::routing::{get, post};
use frame::{Frame, Reader};

/// Largest body of a publishing form: the largest image `accounts.max_image_bytes` allows,
/// plus room for the texts. The configured limit is checked on the image itself.
const UPLOAD_LIMIT: usize = 52_000_000;

/// The website's routes: its pages (whose errors are pages too, [`frame::error_pages`]) and
/// the JSON API.
pub fn routes(state: AppState) -> Router<AppState> {
    pages()
        .layer(axum::middleware::from_fn_with_state(
            state,
            frame::error_pages,
        ))
        .merge(api::routes())
        .merge(remittances::api_routes())
}

/// Each kind's list page and Atom feed, at its plural (`/events`, `/events.atom`).
fn kind_routes() -> Router<AppState> {
    Kind::ALL.into_iter().fold(Router::new(), |router, kind| {
        router
            .route(
                &format!("/{}", kind.plural()),
                get(
                    move |State(state): State<AppState>,
                          frame: Frame,
                          Query(query): Query<pages::PageQuery>| async move {
                        pages::lists::list(&state, frame, kind, &query).await
                    },
                ),
            )
            .route(
                &format!("/{}.atom", kind.plural()),
                get(
                    move |State(state): State<AppState>,
                          reader: Reader,
                          headers: axum::http::HeaderMap,
                          Query(query): Query<pages::PageQuery>| async move {
                        feeds::atom(&state, reader, kind, &query, &headers).await
                    },
                ),
            )
    })
}

/// The pages for people, and the feeds and files they link to.
fn pages() -> Router<AppState> {
    kind_routes()
        .merge(remittances::page_routes())
        .merge(gcm_report::routes())
        .route("/", get(pages::home))
        .route("/events/calendar", get(pages::calendar))
        .route("/embed/events", get(pages::embed::events))
        .route("/about", get(pages::about))
        .route("/follow", get(follow_page::page).post(follow_page::follow))
        .route("/tags/{tag}", get(pages::tag))
        .route("/directory", get(pages::directory))
        .route("/network/{id}", get(pages::network_item::item))
        .route(
            "/register",
            get(account_pages::register_page).post(account_pages::register),
        )
        .route(
            "/login",
            get(account_pages::login_page).post(account_pages::login),
        )
        .route("/logout", post(account_pages::logout))
        .route("/account", get(account_pages::account))
        .route("/account/calendar", post(account_pages::calendar_link))
        .route(
            "/account/delete",
            get(account_pages::delete_page).post(account_pages::delete_account),
        )
        .route("/calendar/{file}", get(feeds::member_calendar))
        .route(
            "/account/profile",
            get(member_pages::profile_page).post(member_pages::save_profile),
        )
        .route("/members", get(member_pages::members))
        .route("/forums", get(forums::list))
        .route("/experts", get(experts::experts))
        .route("/forums/{slug}", get(forums::forum))
        .route(
            "/forums/{slug}/new",
            get(forums::new_form).post(forums::new_thread),
        )
        .route(
            "/forums/{slug}/posts/{public_id}/reply",
            post(forums::reply),
        )
        .route(
            "/forums/{slug}/posts/{public_id}/moderate",
            post(forums::moderate),
        )
        .route(
            "/forums/{slug}/posts/{public_id}/accept",
            post(forums::accept),
        )
        .route(
            "/admin/forums/{slug}/moderators",
            post(forums::set_moderator),
        )
        .route(
            "/admin/forums",
            get(forums::admin_list).post(forums::admin_create),
        )
        .route("/admin/forums/new", get(forums::admin_form))
        .route("/admin/forums/held/{forum_post_id}", post(forums::release))
        .route(
            "/forums/{slug}/held/{forum_post_id}",
            post(forums::release_here),
        )
        .route("/members/{account_id}", get(member_pages::member))
        .route(
            "/account/password",
            get(account_pages::password_page).post(account_pages::change_password),
        )
        .route("/publish", get(editor::index))
        .route(
            "/publish/{kind}",
            get(editor::new_form)
                .post(editor::create)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/publish/{kind}/{public_id}",
            get(editor::edit_form)
                .post(editor::update)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route(
            "/publish/{kind}/{public_id}/delete",
            get(editor::delete_confirm).post(editor::delete),
        )
        .route(
            "/publish/story/{public_id}/withdraw",
            get(editor::withdraw_confirm).post(editor::withdraw),
        )
        .route("/media/{public_id}", get(editor::media))
        .route(
            "/admin/profile",
            get(profile_pages::page)
                .post(profile_pages::save)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT * 2)),
        )
        .route("/favicon.ico", get(profile_pages::favicon))
        .route("/publish/{kind}/{public_id}/pin", post(profile_pages::pin))
        .route("/{kinds}/{public_id}/reply", post(replies::reply))
        .route("/events/{public_id}/rsvp", post(rsvp::rsvp))
        .route("/network/{id}/rsvp", post(rsvp::network_rsvp))
        .route("/events/{public_id}/participants", get(rsvp::participants))
        .route(
            "/events/{public_id}/participants.csv",
            get(rsvp::participants_csv),
        )
        .route(
            "/events/{public_id}/participants/message",
            post(rsvp::message),
        )
        .route(
            "/events/{public_id}/participants/{participation_id}",
            post(rsvp::decide),
        )
        .route(
            "/events/{public_id}/registrations",
            post(rsvp::registrations),
        )
        .route("/admin/replies", get(replies::moderation))
        .route("/admin/replies/policy", post(replies::policy))
        .route("/admin/replies/{comment_id}", post(replies::moderate))
        .route("/admin/members", get(admin::members))
        .route(
            "/admin/domains",
            get(admin_domains::page).post(admin_domains::set),
        )
        .route("/admin/domains/remove", post(admin_domains::remove))
        .route(
            "/admin/accounts",
            get(admin_accounts::page).post(admin_accounts::decide),
        )
        .route("/report", get(reports::form).post(reports::file))
        .route("/admin/reports", get(reports::queue))
        .route("/admin/reports/{report_id}", post(reports::decide))
        .route("/admin/domains/import", post(admin_domains::import))
        .route("/admin/domains.csv", get(admin_domains::export))
        .route("/admin/log", get(admin_domains::log))
        .route("/about/moderation", get(admin_domains::public_log))
        .route("/admin/network", get(admin_network::page))
        .route("/admin/network/follow", post(admin_network::follow))
        .route("/admin/network/unfollow", post(admin_network::unfollow))
        .route(
            "/admin/network/followers/remove",
            post(admin_network::remove_follower),
        )
        .route("/admin/members/{account_id}", post(admin::change))
        .route("/admin/invitations", post(admin::invite))
        .route(
            "/admin/members/{account_id}/reset-link",
            post(admin::reset_link),
        )
        .route(
            "/reset/{secret}",
            get(account_pages::reset_page).post(account_pages::reset),
        )
        .route("/search", get(search::search))
        .route("/events.ics", get(feeds::calendar))
        .route("/events/{public_id}/calendar.ics", get(feeds::event))
        .route("/static/style.css", get(stylesheet))
        .route("/static/theme.css", get(theme_stylesheet))
}

/// The stylesheet, built into the binary.
async fn stylesheet() -> impl axum::response::IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/style.css"),
    )
}

/// The organization's colours ([`theme`]), from the configuration.
async fn theme_stylesheet(State(state): State<AppState>) -> impl axum::response::IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        theme::Theme::of(&state.config().website).css(),
    )
}

/// Any unknown path.
pub async fn not_found() -> Error {
    Error::NotFound
}
