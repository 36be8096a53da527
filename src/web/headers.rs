//! The security headers of every response, set in one place: a middleware over the whole
//! router (pages, federation, feeds and the fallback alike).
//!
//! Invariant: every response has `X-Content-Type-Options: nosniff`; every document a browser
//! shows (HTML, and the plain-text reasons of error answers) also has the Content Security
//! Policy [`CONTENT_SECURITY_POLICY`], `X-Frame-Options: DENY` and `Referrer-Policy:
//! same-origin`, except the [`EMBEDDABLE`] pages, which any site may frame
//! ([`EMBEDDABLE_CONTENT_SECURITY_POLICY`]); an instance served over https adds
//! `Strict-Transport-Security` to every response. Handlers set none of these themselves.
//!
//! The policy can be strict because the website has no JavaScript at all and no inline style
//! (templates and `static/` hold no `<script>`, no `style=` attribute, no `<style>` element
//! and no `on…=` handler; the Markdown and remote-HTML sanitizer in `domain::text` drops
//! them from content too). Keep it that way: new behaviour goes in a file under `/static/`.

use crate::app::AppState;
use crate::config::Scheme;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The Content Security Policy of our pages:
///
/// - `default-src 'none'`: nothing loads unless a directive below allows it; in particular no
///   script at all (the site has none, so not even our own origin, which also serves uploaded
///   images at `/media/`), no frames, fonts, plugins or `fetch`;
/// - `style-src 'self'`: the one stylesheet, `/static/style.css`; no inline style;
/// - `img-src 'self' https:`: our uploads at `/media/`, and a story's image where its editor
///   gave one by address (`image_url`, often on the organization's own website; without
///   `https:` it would show as a broken image). Remote content's HTML keeps no images, so
///   this lets no remote author's picture in;
/// - `form-action 'self'`: forms post only to us (and their redirects stay here);
/// - `frame-ancestors 'none'`: no site may frame our pages (clickjacking), as
///   `X-Frame-Options: DENY` says to older browsers;
/// - `base-uri 'none'`: an injected `<base>` cannot redirect relative links and forms.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
     img-src 'self' https:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The policy of the [`EMBEDDABLE`] pages: the same, except that any site may
/// frame them (`frame-ancestors *`) and they may post no form (`form-action 'none'`: they
/// have none, and a framed page must not act for a signed-in reader).
pub const EMBEDDABLE_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
     img-src 'self' https:; form-action 'none'; frame-ancestors *; base-uri 'none'";

/// The pages other sites may frame, and no other (not even a 404 under `/embed/`).
pub const EMBEDDABLE: &[&str] = &["/embed/events"];

/// Other sites learn nothing of where a reader came from: not the page, not a search query,
/// not even that they read our instance (a diaspora community's members may not want that
/// known). Our own pages still get the full referrer.
pub const REFERRER_POLICY: &str = "same-origin";

/// One year of https only for this host (and no subdomains: they may be someone else's).
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

/// Whether a response is a document a browser shows to a person: HTML pages, and the
/// plain-text reasons of error answers (`web::error`).
fn is_document(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media_type| {
            let media_type = media_type.trim();
            media_type.eq_ignore_ascii_case("text/html")
                || media_type.eq_ignore_ascii_case("text/plain")
        })
}

/// Answers smaller than this are not compressed: gzip would save little and cost a header.
pub const MIN_COMPRESSED_BYTES: u16 = 1024;

/// Whether the compression layer (`app::router`) gzips an answer of at least
/// [`MIN_COMPRESSED_BYTES`] for a client that accepts it: pages and the stylesheet. Feeds are
/// kept gzipped already (`web::kept`); ActivityPub documents are left as they are: a few
/// kilobytes each, asked for by servers many times a second, they would cost more to compress
/// than they would save.
pub fn compressible(
    _: http::StatusCode,
    _: http::Version,
    headers: &HeaderMap,
    _: &http::Extensions,
) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media_type| {
            let media_type = media_type.trim();
            media_type.eq_ignore_ascii_case("text/html")
                || media_type.eq_ignore_ascii_case("text/css")
        })
}

/// The middleware: runs the request, then adds the headers to its response.
pub async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let embeddable = EMBEDDABLE.contains(&request.uri().path());
    let mut response = next.run(request).await;
    let document = is_document(response.headers());
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    if document && embeddable {
        // No `X-Frame-Options`: it has no value that allows every site.
        set(
            header::CONTENT_SECURITY_POLICY,
            EMBEDDABLE_CONTENT_SECURITY_POLICY,
        );
        set(header::REFERRER_POLICY, REFERRER_POLICY);
    } else if document {
        set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
        set(header::X_FRAME_OPTIONS, "DENY");
        set(header::REFERRER_POLICY, REFERRER_POLICY);
    }
    // HSTS is about the host, not the document: any response over https may carry it.
    if state.config().instance.scheme() == Scheme::Https {
        set(header::STRICT_TRANSPORT_SECURITY, STRICT_TRANSPORT_SECURITY);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_html_and_plain_text() {
        let with = |content_type: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            headers
        };
        for content_type in [
            "text/html; charset=utf-8",
            "TEXT/HTML",
            "text/plain; charset=utf-8",
        ] {
            assert!(is_document(&with(content_type)), "{content_type}");
        }
        for content_type in [
            "application/activity+json",
            "application/jrd+json",
            "text/calendar; charset=utf-8",
            "application/atom+xml",
            "text/css; charset=utf-8",
            "image/webp",
        ] {
            assert!(!is_document(&with(content_type)), "{content_type}");
        }
        assert!(!is_document(&HeaderMap::new()), "no content type");
    }
}
