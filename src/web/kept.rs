//! What pages and feeds build from the database, kept while what it was built from is
//! unchanged: [`Kept`], a bounded store under keys that name everything a thing was built
//! from, with [`ContentVersion`], the newest change to what lists and feeds show (our
//! publications' `updated_at`, which a delete sets too, the network's `received_at`, which a
//! delete sets too, and the organizers' `fetched_at`), read as the last entry of three indexes.
//! An edit anywhere changes the version every process reads, so nothing kept under an older
//! one is served again, in this process or another.
//!
//! Feeds ([`FeedCache`]): each answer's validators (`ETag`, `Last-Modified`), a digest of its
//! selection (the route, its filters and window), the reader's language, the configuration and
//! the version, computed without building it; a `304 Not Modified` when the client already
//! has it; and the documents last built, plain and gzipped once, by validator. Lists
//! (`web::pages::cards::ListCache`): the entries a list shows and their publishers' profiles.
//!
//! Invariant: what is kept is bounded (items and weight, and for lists an age), and a kept
//! feed is only ever served under the validator it was built for.

use crate::app::AppState;
use crate::error::Result;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The most documents kept.
pub const MAX_FEEDS: usize = 32;
/// The most bytes kept, plain and gzipped together.
pub const MAX_BYTES: usize = 32 * 1024 * 1024;
/// Answers smaller than this are sent as they are: gzip would save little and cost a header.
const MIN_GZIP_BYTES: usize = 1024;

/// The newest change to what feeds show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentVersion {
    pub ours: Option<DateTime<Utc>>,
    pub network: Option<DateTime<Utc>>,
    pub organizers: Option<DateTime<Utc>>,
}

impl ContentVersion {
    /// Reads it: three lookups of the last entry of an index.
    pub async fn read(state: &AppState) -> Result<ContentVersion> {
        let db = state.db();
        Ok(ContentVersion {
            ours: crate::domain::publication::last_change(db).await?,
            network: crate::domain::network::last_change(db).await?,
            organizers: crate::federation::remote_actors::last_fetch(db).await?,
        })
    }

    /// The newest of the three.
    fn newest(&self) -> Option<DateTime<Utc>> {
        [self.ours, self.network, self.organizers]
            .into_iter()
            .flatten()
            .max()
    }
}

/// A feed's validators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validator {
    /// A weak entity tag (`W/"…"`): the plain and the gzipped document are the same feed.
    pub etag: String,
    /// The newest change, or the moment the selection last moved (a window that starts each
    /// day), whichever is later; to the second, as HTTP dates are.
    pub last_modified: DateTime<Utc>,
}

impl Validator {
    /// The validators of the feed `selection` (its route, filters and window, as one string)
    /// in `language`, whose selection last moved at `moved` (`None`: it does not move).
    pub fn new(
        state: &AppState,
        selection: &str,
        language: &str,
        version: &ContentVersion,
        moved: Option<DateTime<Utc>>,
    ) -> Validator {
        let instance = &state.config().instance;
        let mut digest = Sha256::new();
        for part in [
            env!("CARGO_PKG_VERSION"),
            instance.domain.as_str(),
            instance.name.as_str(),
            selection,
            language,
        ] {
            digest.update(part.as_bytes());
            digest.update([0]);
        }
        for moment in [version.ours, version.network, version.organizers, moved] {
            let micros = moment.map_or(i64::MIN, |moment| moment.timestamp_micros());
            digest.update(micros.to_be_bytes());
        }
        let hash = digest.finalize();
        let hex: String = hash[..16]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        let newest = version
            .newest()
            .into_iter()
            .chain(moved)
            .max()
            .unwrap_or(DateTime::UNIX_EPOCH);
        Validator {
            etag: format!("W/\"{hex}\""),
            last_modified: DateTime::from_timestamp(newest.timestamp(), 0).unwrap_or(newest),
        }
    }

    /// Whether the client's copy is current: `If-None-Match` names this tag (weak comparison),
    /// or, without `If-None-Match`, `If-Modified-Since` is no earlier than the last change.
    pub fn matches(&self, headers: &HeaderMap) -> bool {
        let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
        let ours = opaque(&self.etag);
        let mut none_match = headers
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .peekable();
        if none_match.peek().is_some() {
            return none_match.any(|tag| tag.trim() == "*" || opaque(tag) == ours);
        }
        headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| DateTime::parse_from_rfc2822(value.trim()).ok())
            .is_some_and(|since| since.with_timezone(&Utc) >= self.last_modified)
    }

    fn http_date(&self) -> String {
        self.last_modified
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string()
    }

    /// `304 Not Modified` with the validators.
    pub fn not_modified(&self) -> Response {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        self.headers(response.headers_mut());
        response
    }

    fn headers(&self, headers: &mut HeaderMap) {
        let mut set = |name, value: String| {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        };
        set(header::ETAG, self.etag.clone());
        set(header::LAST_MODIFIED, self.http_date());
        // Kept by anyone, but asked about each time: the answer is a cheap 304 when nothing
        // changed.
        set(header::CACHE_CONTROL, "public, no-cache".to_string());
        set(
            header::VARY,
            "Accept-Language, Cookie, Accept-Encoding".to_string(),
        );
    }
}

/// A built feed, plain and gzipped.
#[derive(Debug)]
pub struct Feed {
    validator: Validator,
    content_type: &'static str,
    /// `Content-Disposition`, for calendar files.
    disposition: Option<String>,
    /// A `Link` to the rest of the selection, when it did not all fit.
    link: Option<String>,
    plain: Bytes,
    gzip: Option<Bytes>,
}

impl Feed {
    /// A feed with `body`, gzipped once here when it is large enough to gain from it.
    pub fn new(
        validator: Validator,
        content_type: &'static str,
        disposition: Option<String>,
        link: Option<String>,
        body: String,
    ) -> Feed {
        let plain = Bytes::from(body);
        let gzip = (plain.len() >= MIN_GZIP_BYTES)
            .then(|| gzip(&plain))
            .flatten()
            .filter(|packed| packed.len() < plain.len());
        Feed {
            validator,
            content_type,
            disposition,
            link,
            plain,
            gzip,
        }
    }

    fn size(&self) -> usize {
        self.plain.len() + self.gzip.as_ref().map_or(0, Bytes::len)
    }

    /// The answer for a client that sent `headers`: gzipped when it accepts gzip.
    pub fn response(&self, headers: &HeaderMap) -> Response {
        let (body, gzipped) = match &self.gzip {
            Some(packed) if accepts_gzip(headers) => (packed.clone(), true),
            _ => (self.plain.clone(), false),
        };
        let mut response = body.into_response();
        let out = response.headers_mut();
        out.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        if gzipped {
            out.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        for (name, value) in [
            (header::CONTENT_DISPOSITION, &self.disposition),
            (header::LINK, &self.link),
        ] {
            if let Some(value) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                out.insert(name, value);
            }
        }
        self.validator.headers(out);
        response
    }
}

/// `data` gzipped at the default level (each document is compressed once, then kept).
fn gzip(data: &[u8]) -> Option<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 4),
        flate2::Compression::default(),
    );
    encoder.write_all(data).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

/// Whether `Accept-Encoding` accepts gzip (named, or `*`, with a non-zero weight).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let weight = parts
                .find_map(|parameter| parameter.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (name.eq_ignore_ascii_case("gzip") || name == "*") && weight > 0.0
        })
}

/// Things built from the database and kept under a key that names everything they were built
/// from, newest last: at most `max_items` of them, weighing at most `max_weight` together (bytes
/// for feeds, entries for lists), and none older than `max_age`.
#[derive(Debug)]
pub struct Kept<T> {
    items: Mutex<VecDeque<Item<T>>>,
    max_items: usize,
    max_weight: usize,
    max_age: Duration,
}

/// One thing kept.
#[derive(Debug)]
struct Item<T> {
    key: String,
    at: Instant,
    weight: usize,
    value: Arc<T>,
}

impl<T> Kept<T> {
    pub fn new(max_items: usize, max_weight: usize, max_age: Duration) -> Kept<T> {
        Kept {
            items: Mutex::new(VecDeque::new()),
            max_items,
            max_weight,
            max_age,
        }
    }

    /// What was kept under `key`, if it is young enough.
    pub fn get(&self, key: &str) -> Option<Arc<T>> {
        let items = self.items.lock().ok()?;
        items
            .iter()
            .rev()
            .find(|item| item.key == key && item.at.elapsed() < self.max_age)
            .map(|item| item.value.clone())
    }

    /// Keeps `value` under `key`, forgetting the oldest past the bounds; returns it.
    pub fn keep(&self, key: String, value: T, weight: usize) -> Arc<T> {
        let value = Arc::new(value);
        if weight > self.max_weight / 4 {
            return value;
        }
        if let Ok(mut items) = self.items.lock() {
            items.retain(|item| item.key != key && item.at.elapsed() < self.max_age);
            items.push_back(Item {
                key,
                at: Instant::now(),
                weight,
                value: value.clone(),
            });
            let mut total: usize = items.iter().map(|item| item.weight).sum();
            while items.len() > self.max_items || total > self.max_weight {
                match items.pop_front() {
                    Some(oldest) => total -= oldest.weight,
                    None => break,
                }
            }
        }
        value
    }

    /// Forgets everything (what it was built from changed in a way no key says).
    pub fn clear(&self) {
        if let Ok(mut items) = self.items.lock() {
            items.clear();
        }
    }
}

/// The feeds last built, by validator.
pub type FeedCache = Kept<Feed>;

impl Default for FeedCache {
    fn default() -> FeedCache {
        Kept::new(MAX_FEEDS, MAX_BYTES, Duration::MAX)
    }
}

impl FeedCache {
    /// The feed built for `validator`, if it is kept.
    pub fn feed(&self, validator: &Validator) -> Option<Arc<Feed>> {
        self.get(&validator.etag)
            .filter(|feed| feed.validator == *validator)
    }

    /// Keeps `feed` under its validator; returns it.
    pub fn keep_feed(&self, feed: Feed) -> Arc<Feed> {
        let (key, weight) = (feed.validator.etag.clone(), feed.size());
        self.keep(key, feed, weight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(name.clone(), HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn gzip_is_accepted_by_name_or_star_unless_weighted_zero() {
        for (value, accepted) in [
            ("gzip", true),
            ("br, gzip;q=0.8", true),
            ("GZIP", true),
            ("*", true),
            ("gzip;q=0", false),
            ("br", false),
            ("identity", false),
        ] {
            assert_eq!(
                accepts_gzip(&headers(&[(header::ACCEPT_ENCODING, value)])),
                accepted,
                "{value}"
            );
        }
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn a_validator_matches_its_tag_weakly_or_a_later_date() {
        let validator = Validator {
            etag: "W/\"abc\"".to_string(),
            last_modified: DateTime::parse_from_rfc3339("2026-03-14T10:00:00Z")
                .expect("a date")
                .with_timezone(&Utc),
        };
        assert!(validator.matches(&headers(&[(header::IF_NONE_MATCH, "W/\"abc\"")])));
        assert!(validator.matches(&headers(&[(header::IF_NONE_MATCH, "\"x\", \"abc\"")])));
        assert!(validator.matches(&headers(&[(header::IF_NONE_MATCH, "*")])));
        assert!(!validator.matches(&headers(&[(header::IF_NONE_MATCH, "W/\"abd\"")])));
        let date = |value: &'static str| headers(&[(header::IF_MODIFIED_SINCE, value)]);
        assert!(validator.matches(&date("Sat, 14 Mar 2026 10:00:00 GMT")));
        assert!(validator.matches(&date("Sat, 14 Mar 2026 11:00:00 GMT")));
        assert!(!validator.matches(&date("Sat, 14 Mar 2026 09:59:59 GMT")));
        // A tag that does not match wins over a date that would.
        assert!(!validator.matches(&headers(&[
            (header::IF_NONE_MATCH, "W/\"abd\""),
            (header::IF_MODIFIED_SINCE, "Sat, 14 Mar 2026 11:00:00 GMT"),
        ])));
        assert_eq!(validator.http_date(), "Sat, 14 Mar 2026 10:00:00 GMT");
    }

    #[test]
    fn the_cache_keeps_the_newest_within_its_bounds() {
        let cache = FeedCache::default();
        let validator = |number: usize| Validator {
            etag: format!("W/\"{number}\""),
            last_modified: DateTime::UNIX_EPOCH,
        };
        for number in 0..MAX_FEEDS + 5 {
            cache.keep_feed(Feed::new(
                validator(number),
                "text/plain",
                None,
                None,
                "x".repeat(2000),
            ));
        }
        assert!(cache.feed(&validator(0)).is_none());
        let newest = cache.feed(&validator(MAX_FEEDS + 4)).expect("kept");
        assert!(
            newest
                .gzip
                .as_ref()
                .is_some_and(|packed| packed.len() < 2000)
        );
        assert_eq!(
            cache
                .items
                .lock()
                .map(|items| items.len())
                .unwrap_or_default(),
            MAX_FEEDS
        );
    }
}
