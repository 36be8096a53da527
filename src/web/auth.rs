//! Who is asking, for the website: the session cookie, the CSRF token every form carries, the
//! extractors that require a login or a role, and the login rate limit.
//!
//! Invariants: the session cookie is HttpOnly, SameSite=Lax, and Secure whenever the instance
//! is served over https; every POST of the website checks a CSRF token (the session's, or for
//! a visitor without a session a random token kept in its own cookie and repeated in the
//! form); failed logins are counted per client address and per e-mail address, so that a
//! client that keeps failing is refused while the address's owner can still log in (see
//! [`LoginLimiter`]).

use crate::app::AppState;
use crate::config::Scheme;
use crate::domain::accounts::{self, Role, Session};
use crate::error::Error;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The session cookie.
pub const SESSION_COOKIE: &str = "jisr_session";
/// The CSRF cookie of visitors without a session.
const CSRF_COOKIE: &str = "jisr_csrf";

/// The value of cookie `name`, if the request has it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name && !value.is_empty()).then_some(value)
        })
}

/// A `Set-Cookie` value with our attributes; `max_age` 0 deletes it.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: u64) -> HeaderValue {
    let secure = if state.config().instance.scheme() == Scheme::Https {
        "; Secure"
    } else {
        ""
    };
    let cookie =
        format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}");
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// Whoever sent the request: a member with a session, or an anonymous visitor.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub session: Option<Session>,
    /// The CSRF token this visitor's forms carry.
    csrf: String,
    /// A new CSRF cookie to set (visitors without one yet).
    new_csrf_cookie: bool,
}

impl Visitor {
    /// The token to put in a form's hidden `csrf` field.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// Checks a submitted form's `csrf` field.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), Error> {
        let expected = self.csrf.as_bytes();
        let given = submitted.as_bytes();
        let same = expected.len() == given.len()
            && !expected.is_empty()
            && expected
                .iter()
                .zip(given)
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0;
        if same && !self.new_csrf_cookie {
            Ok(())
        } else {
            Err(Error::Forbidden(
                "this form has expired or came from another site: go back, reload the page and send it again"
                    .to_string(),
            ))
        }
    }

    /// The account, if logged in.
    /// Who the audit log names for this visitor's actions: their name and address.
    pub fn who(&self) -> crate::domain::audit::Who {
        match self.account() {
            Some(account) => crate::domain::audit::Who {
                account_id: Some(account.account_id),
                label: format!("{} <{}>", account.name, account.email),
            },
            None => crate::domain::audit::Who::command_line(),
        }
    }

    pub fn account(&self) -> Option<&accounts::Account> {
        self.session.as_ref().map(|session| &session.account)
    }

    /// Adds the CSRF cookie to `response` when this visitor did not have one.
    pub fn finish(&self, state: &AppState, mut response: Response) -> Response {
        if self.new_csrf_cookie {
            response.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(state, CSRF_COOKIE, &self.csrf, 86_400),
            );
        }
        response
    }
}

/// The session of a request, looked up once: the first extractor that needs it (the page
/// frame, a `Visitor`) keeps it in the request's extensions for the others.
#[derive(Clone)]
struct LookedUp(Option<Session>);

/// The logged-in session of the request, if any (one query per request, however many
/// extractors ask).
pub(crate) async fn session_of(
    parts: &mut Parts,
    state: &AppState,
) -> Result<Option<Session>, Error> {
    if let Some(LookedUp(session)) = parts.extensions.get::<LookedUp>() {
        return Ok(session.clone());
    }
    let session = match cookie(&parts.headers, SESSION_COOKIE) {
        Some(secret) => accounts::session(state.db(), secret).await?,
        None => None,
    };
    parts.extensions.insert(LookedUp(session.clone()));
    Ok(session)
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let session = session_of(parts, state).await?;
        let (csrf, new_csrf_cookie) = match (&session, cookie(&parts.headers, CSRF_COOKIE)) {
            (Some(session), _) => (session.csrf_token.clone(), false),
            (None, Some(token)) => (token.to_string(), false),
            (None, None) => (URL_SAFE_NO_PAD.encode(rand::random::<[u8; 24]>()), true),
        };
        Ok(Visitor {
            session,
            csrf,
            new_csrf_cookie,
        })
    }
}

/// A logged-in member (any role); others are sent to the login page.
#[derive(Debug, Clone)]
pub struct Member(pub Visitor);

/// An admin or editor.
#[derive(Debug, Clone)]
pub struct Publisher(pub Visitor);

/// An admin.
#[derive(Debug, Clone)]
pub struct Admin(pub Visitor);

/// Why a page needing a login was refused.
pub enum Refused {
    /// Not logged in: to the login page, then back.
    LogIn(String),
    /// Logged in without the role.
    Role,
    Error(Error),
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::LogIn(back) => {
                let back: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
                Redirect::to(&format!("/login?next={back}")).into_response()
            }
            Refused::Role => {
                Error::Forbidden("your account's role does not allow this page".to_string())
                    .into_response()
            }
            Refused::Error(error) => error.into_response(),
        }
    }
}

async fn visitor_with(
    parts: &mut Parts,
    state: &AppState,
    allowed: impl Fn(Role) -> bool,
) -> Result<Visitor, Refused> {
    let visitor = Visitor::from_request_parts(parts, state)
        .await
        .map_err(Refused::Error)?;
    match visitor.account() {
        None => Err(Refused::LogIn(
            parts
                .uri
                .path_and_query()
                .map(|path| path.as_str().to_string())
                .unwrap_or_else(|| "/".to_string()),
        )),
        Some(account) if !allowed(account.role) => Err(Refused::Role),
        Some(_) => Ok(visitor),
    }
}

impl FromRequestParts<AppState> for Member {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Refused> {
        visitor_with(parts, state, |_| true).await.map(Member)
    }
}

impl FromRequestParts<AppState> for Publisher {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Refused> {
        visitor_with(parts, state, Role::can_publish)
            .await
            .map(Publisher)
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Refused> {
        visitor_with(parts, state, |role| role == Role::Admin)
            .await
            .map(Admin)
    }
}

/// A path to go back to after logging in: only our own absolute paths, with no control
/// character, white space or backslash anywhere (browsers drop tabs and newlines, and read `\`
/// as `/`, which would turn `/\t/evil.example` into another site).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && path.len() <= 2000
                && !path
                    .chars()
                    .any(|c| c.is_control() || c.is_whitespace() || c == '\\') =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

/// The address of the client: the TCP peer, or, when the peer is a reverse proxy on this
/// machine (a loopback address, as the documentation sets it up), the last address that proxy
/// appended to `X-Forwarded-For` (or gave in `X-Real-IP`).
pub fn client_address(peer: std::net::SocketAddr, headers: &HeaderMap) -> std::net::IpAddr {
    if !peer.ip().is_loopback() {
        return peer.ip();
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .next_back()
        .or_else(|| {
            headers
                .get("x-real-ip")
                .and_then(|value| value.to_str().ok())
        });
    forwarded
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(peer.ip())
}

/// The window in which attempts are counted.
const WINDOW: Duration = Duration::from_secs(15 * 60);

/// The key under which a client's attempts are counted: its IPv4 address, or the /64 prefix
/// of its IPv6 address (one household or one server gets a whole /64, so counting single
/// IPv6 addresses would give an attacker billions of fresh clients).
/// Whether the client behind `peer` may make one more request of `scope` (`register`,
/// `follow`) within the limiter's window, `allowed` in all.
pub fn within_limit(
    state: &AppState,
    peer: std::net::SocketAddr,
    headers: &HeaderMap,
    scope: &str,
    allowed: u32,
) -> bool {
    let client = client_address(peer, headers);
    state
        .login_limiter()
        .attempt(&format!("{scope}:{}", client_key(client)), allowed)
}

pub fn client_key(client: std::net::IpAddr) -> String {
    match client {
        std::net::IpAddr::V4(address) => address.to_string(),
        std::net::IpAddr::V6(address) => match address.to_ipv4_mapped() {
            Some(address) => address.to_string(),
            None => {
                let segments = address.segments();
                format!(
                    "{:x}:{:x}:{:x}:{:x}::/64",
                    segments[0], segments[1], segments[2], segments[3]
                )
            }
        },
    }
}

/// Why a login is refused before its password is even checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    /// This client failed `allowed` logins (for any addresses) in the window.
    Client,
    /// The e-mail address had `allowed` failed logins in the window, and this client has failed
    /// lately too: only clients with a clean record may try that address for now.
    Address,
}

/// A login being checked, counted as failed until [`LoginLimiter::succeeded`] takes it back.
#[derive(Debug)]
#[must_use = "a successful login gives its attempt back"]
pub struct LoginAttempt {
    keys: [String; 2],
}

/// Attempts per key in the last window (failed logins, registrations), to slow down whoever
/// guesses passwords without locking out the owner of the address they guess.
///
/// A login is counted against two keys: its client (the address from [`client_address`],
/// IPv6 by /64, see [`client_key`]) and the e-mail address it names. Before the password is
/// checked:
///
/// 1. a client with `allowed` failed logins in the window is refused, whatever address it
///    tries ([`Throttled::Client`]); this is what stops one attacker;
/// 2. an e-mail address with `allowed` failed logins in the window (from any clients) is
///    *guarded*: a client that has failed a login lately (for any address, even once) may not
///    try it ([`Throttled::Address`]), but a client with no recent failure may. So someone
///    guessing from many clients gets one guess per client per window at a guarded address,
///    while its owner, logging in from their own device, gets in at once: a known address
///    can no longer be locked out by failing on purpose.
///
/// The owner's fallbacks when their own client is refused: wait for the window to pass, or
/// use a password reset link, which always works and forgets the address's failures
/// ([`LoginLimiter::clear`]). Checking and counting happen under one lock, so concurrent
/// attempts cannot slip through; an attempt counts as failed from the start and a successful
/// login takes it back. Per process: with several processes an attacker gets that many
/// times the attempts. A botnet with a fresh address for every guess is slowed by argon2 and
/// the password rules, not by this.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    attempts: Mutex<Attempts>,
}

#[derive(Debug, Default)]
struct Attempts {
    by_key: HashMap<String, Vec<Instant>>,
    /// Attempts recorded since the last sweep of expired keys.
    since_sweep: usize,
}

impl Attempts {
    /// Forgets keys with no attempt in the window, every thousand attempts.
    fn sweep(&mut self, now: Instant) {
        self.since_sweep += 1;
        if self.since_sweep >= 1000 {
            self.since_sweep = 0;
            self.by_key.retain(|_, times| {
                times.retain(|time| now.duration_since(*time) < WINDOW);
                !times.is_empty()
            });
        }
    }

    /// The attempts of `key` in the window.
    fn count(&mut self, key: &str, now: Instant) -> usize {
        self.by_key.get_mut(key).map_or(0, |times| {
            times.retain(|time| now.duration_since(*time) < WINDOW);
            times.len()
        })
    }

    fn record(&mut self, key: &str, now: Instant) {
        self.by_key.entry(key.to_string()).or_default().push(now);
    }
}

impl LoginLimiter {
    /// Checks a login by `client` for `email` (lower-cased) against the rules above and, unless
    /// it is refused, counts it as a failure until it succeeds.
    pub fn login(
        &self,
        client: std::net::IpAddr,
        email: &str,
        allowed: u32,
    ) -> Result<LoginAttempt, Throttled> {
        let now = Instant::now();
        let Ok(mut attempts) = self.attempts.lock() else {
            return Err(Throttled::Client);
        };
        attempts.sweep(now);
        let keys = [
            format!("login-client:{}", client_key(client)),
            format!("login-email:{email}"),
        ];
        let allowed = allowed as usize;
        let client_failures = attempts.count(&keys[0], now);
        if client_failures >= allowed {
            return Err(Throttled::Client);
        }
        if client_failures > 0 && attempts.count(&keys[1], now) >= allowed {
            return Err(Throttled::Address);
        }
        for key in &keys {
            attempts.record(key, now);
        }
        Ok(LoginAttempt { keys })
    }

    /// Takes back a login's attempt: it succeeded, so it was no failure.
    pub fn succeeded(&self, attempt: LoginAttempt) {
        if let Ok(mut attempts) = self.attempts.lock() {
            for key in &attempt.keys {
                if let Some(times) = attempts.by_key.get_mut(key) {
                    times.pop();
                }
            }
        }
    }

    /// Counts an attempt against `key` (such as a client's registrations), unless it has used
    /// up its `allowed` attempts already (then nothing is counted and `false` is returned).
    pub fn attempt(&self, key: &str, allowed: u32) -> bool {
        let now = Instant::now();
        let Ok(mut attempts) = self.attempts.lock() else {
            return false;
        };
        attempts.sweep(now);
        if attempts.count(key, now) >= allowed as usize {
            return false;
        }
        attempts.record(key, now);
        true
    }

    /// Forgets the failed logins for `email` (after a password reset of its account: the
    /// owner proved who they are). Clients keep theirs.
    pub fn clear(&self, email: &str) {
        if let Ok(mut attempts) = self.attempts.lock() {
            attempts.by_key.remove(&format!("login-email:{email}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/publish/event")), "/publish/event");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "evil",
            "/\t/evil.example/x",
            "/\n/evil.example",
            "/\u{1}x",
            "/a b",
            "/a\\b",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn the_client_is_the_peer_or_what_a_local_proxy_says() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.7"),
        );
        let proxy: std::net::SocketAddr = "127.0.0.1:40000".parse().expect("address");
        let remote: std::net::SocketAddr = "198.51.100.1:40000".parse().expect("address");
        assert_eq!(client_address(proxy, &headers).to_string(), "203.0.113.7");
        assert_eq!(
            client_address(remote, &headers).to_string(),
            "198.51.100.1",
            "only a local proxy is believed"
        );
        assert_eq!(
            client_address(proxy, &HeaderMap::new()).to_string(),
            "127.0.0.1"
        );
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_slash_64() {
        let client = |text: &str| client_key(text.parse().expect("address"));
        assert_eq!(client("203.0.113.7"), "203.0.113.7");
        assert_eq!(client("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(client("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(client("2001:db8:1:2::ffff"), client("2001:db8:1:2:3:4:5:6"));
        assert_ne!(client("2001:db8:1:3::1"), client("2001:db8:1:2::1"));
    }

    #[test]
    fn a_client_that_fails_is_refused_and_a_guarded_address_only_takes_clean_clients() {
        let limiter = LoginLimiter::default();
        let attacker: std::net::IpAddr = "198.51.100.1".parse().expect("address");
        let owner: std::net::IpAddr = "203.0.113.7".parse().expect("address");
        let other: std::net::IpAddr = "192.0.2.1".parse().expect("address");
        for _ in 0..3 {
            let _failed = limiter
                .login(attacker, "a@example.org", 3)
                .expect("allowed");
        }
        assert_eq!(
            limiter.login(attacker, "a@example.org", 3).map(|_| ()),
            Err(Throttled::Client)
        );
        assert_eq!(
            limiter.login(attacker, "b@example.org", 3).map(|_| ()),
            Err(Throttled::Client),
            "the client is refused for every address"
        );

        // The owner's clean client may try the guarded address, and its success is taken back.
        let attempt = limiter.login(owner, "a@example.org", 3).expect("allowed");
        limiter.succeeded(attempt);
        let attempt = limiter.login(owner, "a@example.org", 3).expect("again");
        limiter.succeeded(attempt);

        // A client that failed once (here for another address) may not try a guarded one.
        let _failed = limiter.login(other, "c@example.org", 3).expect("allowed");
        assert_eq!(
            limiter.login(other, "a@example.org", 3).map(|_| ()),
            Err(Throttled::Address)
        );
        assert!(
            limiter.login(other, "c@example.org", 3).is_ok(),
            "unguarded"
        );

        // A reset forgets the address's failures, not the attacker's.
        limiter.clear("a@example.org");
        let _failed = limiter
            .login(other, "a@example.org", 3)
            .expect("not guarded now");
        assert_eq!(
            limiter.login(attacker, "a@example.org", 3).map(|_| ()),
            Err(Throttled::Client)
        );
    }

    #[test]
    fn other_attempts_are_counted_per_key() {
        let limiter = LoginLimiter::default();
        for _ in 0..3 {
            assert!(limiter.attempt("register:127.0.0.1", 3));
        }
        assert!(!limiter.attempt("register:127.0.0.1", 3));
        assert!(limiter.attempt("register:127.0.0.2", 3));
    }
}
