use super::*;
use chrono::TimeZone;
use http::{HeaderName, HeaderValue};
use serde::Deserialize;
use url::Url;

/// A request signed by Fedify 2.3.6 (federation-tests/fixtures/fedify/, made by
/// federation-tests/fedify-peer/make-signature-fixtures.mjs).
#[derive(Debug, Deserialize)]
struct Fixture {
    name: String,
    method: String,
    url: Url,
    headers: std::collections::BTreeMap<String, String>,
    body: Option<String>,
    key_id: String,
    public_key_pem: String,
}

fn fixtures() -> Vec<Fixture> {
    serde_json::from_str(include_str!(
        "../../../federation-tests/fixtures/fedify/signed-requests.json"
    ))
    .expect("fixtures parse")
}

/// When the fixtures were signed.
fn signed_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0)
        .single()
        .expect("date")
}

fn header_map(headers: &std::collections::BTreeMap<String, String>) -> HeaderMap {
    headers
        .iter()
        .map(|(name, value)| {
            (
                HeaderName::from_bytes(name.as_bytes()).expect("name"),
                HeaderValue::from_str(value).expect("value"),
            )
        })
        .collect()
}

fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    }
}

fn check(
    method: &Method,
    url: &Url,
    headers: &HeaderMap,
    body: Option<&[u8]>,
    key: &PublicKey,
    now: DateTime<Utc>,
) -> Result<String> {
    let target = path_and_query(url);
    let request = SignedRequest {
        method,
        path_and_query: &target,
        scheme: url.scheme(),
        headers,
        body,
    };
    let pending = parse(&request, now)?;
    pending.verify(key)?;
    Ok(pending.key_id)
}

fn check_fixture(
    fixture: &Fixture,
    headers: &HeaderMap,
    body: Option<&[u8]>,
    now: DateTime<Utc>,
) -> Result<String> {
    let method = Method::from_bytes(fixture.method.as_bytes()).expect("method");
    let key = PublicKey::from_pem(&fixture.public_key_pem).expect("key");
    check(&method, &fixture.url, headers, body, &key, now)
}

#[test]
fn every_request_fedify_signs_verifies() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 6);
    for fixture in &fixtures {
        let headers = header_map(&fixture.headers);
        let key_id = check_fixture(
            fixture,
            &headers,
            fixture.body.as_deref().map(str::as_bytes),
            signed_at(),
        )
        .unwrap_or_else(|error| panic!("{}: {error}", fixture.name));
        assert_eq!(key_id, fixture.key_id, "{}", fixture.name);
    }
}

#[test]
fn a_changed_body_is_refused() {
    for fixture in fixtures().iter().filter(|fixture| fixture.body.is_some()) {
        let headers = header_map(&fixture.headers);
        let body = fixture
            .body
            .as_deref()
            .expect("body")
            .replace("Follow", "Block");
        let error = check_fixture(fixture, &headers, Some(body.as_bytes()), signed_at())
            .expect_err(&fixture.name);
        assert!(
            error.to_string().contains("does not match the body"),
            "{}: {error}",
            fixture.name
        );
    }
}

#[test]
fn a_changed_signed_header_is_refused() {
    for fixture in &fixtures() {
        let mut headers = header_map(&fixture.headers);
        headers.insert(
            "date",
            HeaderValue::from_static("Sun, 01 Jun 2025 12:00:01 GMT"),
        );
        let error = check_fixture(
            fixture,
            &headers,
            fixture.body.as_deref().map(str::as_bytes),
            signed_at(),
        )
        .expect_err(&fixture.name);
        assert!(
            matches!(error, Error::Unauthorized(_)),
            "{}: {error}",
            fixture.name
        );
    }
}

#[test]
fn stale_and_future_signatures_are_refused() {
    for fixture in &fixtures() {
        let headers = header_map(&fixture.headers);
        let body = fixture.body.as_deref().map(str::as_bytes);
        let late = signed_at() + chrono::Duration::minutes(61);
        let error = check_fixture(fixture, &headers, body, late).expect_err(&fixture.name);
        assert!(
            error.to_string().contains("too old"),
            "{}: {error}",
            fixture.name
        );
        let early = signed_at() - chrono::Duration::minutes(61);
        let error = check_fixture(fixture, &headers, body, early).expect_err(&fixture.name);
        assert!(
            error.to_string().contains("future"),
            "{}: {error}",
            fixture.name
        );
        let near = signed_at() + chrono::Duration::minutes(59);
        check_fixture(fixture, &headers, body, near)
            .unwrap_or_else(|error| panic!("{}: {error}", fixture.name));
    }
}

#[test]
fn another_key_does_not_verify() {
    let (_, other_public) = generate_keypair().expect("keys");
    let other = PublicKey::from_pem(&other_public).expect("key");
    for fixture in &fixtures() {
        let method = Method::from_bytes(fixture.method.as_bytes()).expect("method");
        let headers = header_map(&fixture.headers);
        let error = check(
            &method,
            &fixture.url,
            &headers,
            fixture.body.as_deref().map(str::as_bytes),
            &other,
            signed_at(),
        )
        .expect_err(&fixture.name);
        assert!(
            error.to_string().contains("does not verify"),
            "{}: {error}",
            fixture.name
        );
    }
}

#[test]
fn a_post_without_digest_is_refused() {
    let fixture = fixtures()
        .into_iter()
        .find(|fixture| fixture.name == "post-inbox-cavage")
        .expect("fixture");
    let mut headers = header_map(&fixture.headers);
    headers.remove("digest");
    let error = check_fixture(
        &fixture,
        &headers,
        fixture.body.as_deref().map(str::as_bytes),
        signed_at(),
    )
    .expect_err("no digest");
    assert!(
        error.to_string().contains("digest") || error.to_string().contains("Digest"),
        "{error}"
    );
}

#[test]
fn an_unsigned_request_is_refused() {
    let headers = HeaderMap::new();
    let request = SignedRequest {
        method: &Method::POST,
        path_and_query: "/inbox",
        scheme: "https",
        headers: &headers,
        body: Some(b"{}"),
    };
    let error = parse(&request, Utc::now()).expect_err("unsigned");
    assert!(error.to_string().contains("not signed"), "{error}");
}

/// Our signer's output, as a header map with the Host and Content-Type a client would send.
fn our_signed_request(
    method: &Method,
    url: &Url,
    body: Option<&[u8]>,
    key: &PrivateKey,
    now: DateTime<Utc>,
) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "host",
        HeaderValue::from_str(&host_header(url)).expect("host"),
    );
    if body.is_some() {
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/activity+json"),
        );
    }
    for (name, value) in sign_request(
        method,
        url,
        body,
        "https://alpha.test/actors/org#main-key",
        key,
        now,
    ) {
        headers.insert(name, HeaderValue::from_str(&value).expect("value"));
    }
    headers
}

#[test]
fn what_we_sign_verifies_and_matches_mastodon_compat_shape() {
    let (private, public) = generate_keypair().expect("keys");
    let key = PrivateKey::from_pem(&private).expect("private");
    let public = PublicKey::from_pem(&public).expect("public");
    let now = Utc::now();
    let inbox = Url::parse("https://beta.test:8443/users/bob/inbox").expect("url");
    let body = br#"{"type":"Accept"}"#;
    let headers = our_signed_request(&Method::POST, &inbox, Some(body), &key, now);
    let signature = headers
        .get("signature")
        .expect("signature")
        .to_str()
        .expect("text");
    assert!(
        signature.contains(r#"headers="(request-target) host date digest content-type""#),
        "{signature}"
    );
    assert!(
        signature.contains(r#"algorithm="rsa-sha256""#),
        "{signature}"
    );
    check(&Method::POST, &inbox, &headers, Some(body), &public, now).expect("POST verifies");

    let actor = Url::parse("https://beta.test/users/bob?page=2").expect("url");
    let headers = our_signed_request(&Method::GET, &actor, None, &key, now);
    check(&Method::GET, &actor, &headers, None, &public, now).expect("GET verifies");
}

#[test]
fn keys_round_trip_through_pem() {
    let (private, public) = generate_keypair().expect("keys");
    assert!(private.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert!(public.starts_with("-----BEGIN PUBLIC KEY-----"));
    let key = PrivateKey::from_pem(&private).expect("private parses");
    let public = PublicKey::from_pem(&public).expect("public parses");
    let signature = key.sign(b"message");
    assert!(public.verify(Algorithm::RsaSha256, b"message", &signature));
    assert!(!public.verify(Algorithm::RsaSha256, b"massage", &signature));
    assert!(!public.verify(Algorithm::Ed25519, b"message", &signature));
    assert!(PublicKey::from_pem("not a key").is_none());
}

#[test]
fn content_digest_accepts_sha256_and_sha512() {
    let body = b"hello";
    let sha256 = BASE64.encode(Sha256::digest(body));
    let sha512 = BASE64.encode(Sha512::digest(body));
    check_content_digest(&format!("sha-256=:{sha256}:"), body).expect("sha-256");
    check_content_digest(&format!("sha-512=:{sha512}:"), body).expect("sha-512");
    check_content_digest(&format!("sha-256=:{sha256}:"), b"other").expect_err("mismatch");
    check_content_digest("md5=:AAAA:", body).expect_err("no known algorithm");
    check_digest_header(&format!("SHA-256={sha256},SHA-512={sha512}"), body)
        .expect("several entries");
    check_digest_header(&format!("sha-256={sha256}"), body).expect("label in lower case");
}
