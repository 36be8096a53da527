//! draft-cavage-http-signatures-12, as Mastodon and most of the fediverse speak it.

use super::{
    Algorithm, PendingSignature, PrivateKey, SignedRequest, Standard, check_body_digest,
    check_times, digest_header, header_value,
};
use crate::error::{Error, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use http::Method;
use std::collections::HashMap;
use url::Url;

fn unauthorized(reason: impl Into<String>) -> Error {
    Error::Unauthorized(reason.into())
}

/// Parses `keyId="…",algorithm="…",headers="…",signature="…"` (keys lowercased).
fn parse_parameters(value: &str) -> Result<HashMap<String, String>> {
    let mut parameters = HashMap::new();
    let mut rest = value.trim();
    while !rest.is_empty() {
        let (name, after) = rest
            .split_once('=')
            .ok_or_else(|| unauthorized("the Signature header is malformed"))?;
        let name = name.trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (value, remainder) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or_else(|| unauthorized("the Signature header has an unclosed quote"))?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            match after.find(',') {
                Some(end) => (&after[..end], &after[end..]),
                None => (after, ""),
            }
        };
        parameters.insert(name, value.to_string());
        rest = remainder.trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    Ok(parameters)
}

fn parse_timestamp(value: &str, name: &str) -> Result<DateTime<Utc>> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
        .ok_or_else(|| unauthorized(format!("the signature's {name} is not a timestamp")))
}

/// Parses an HTTP date (the `Date` header ; RFC 7231 IMF-fixdate, which RFC 2822 parsing accepts).
pub fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(value.trim())
        .ok()
        .map(|date| date.with_timezone(&Utc))
}

pub(super) fn parse(request: &SignedRequest<'_>, now: DateTime<Utc>) -> Result<PendingSignature> {
    let header = request
        .headers
        .get("signature")
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| unauthorized("the Signature header is not text"))?;
    let parameters = parse_parameters(header)?;
    let key_id = parameters
        .get("keyid")
        .filter(|key_id| !key_id.is_empty())
        .ok_or_else(|| unauthorized("the Signature header has no keyId"))?
        .clone();
    let signature = parameters
        .get("signature")
        .and_then(|signature| BASE64.decode(signature).ok())
        .ok_or_else(|| unauthorized("the Signature header has no valid signature"))?;
    let algorithm = match parameters.get("algorithm").map(|a| a.to_ascii_lowercase()) {
        None => Algorithm::FromKey,
        Some(name) if name == "hs2019" => Algorithm::FromKey,
        Some(name) if name == "rsa-sha256" => Algorithm::RsaSha256,
        Some(name) if name == "ed25519" => Algorithm::Ed25519,
        Some(name) => {
            return Err(unauthorized(format!(
                "unsupported signature algorithm {name}"
            )));
        }
    };
    let covered: Vec<String> = parameters
        .get("headers")
        .map(String::as_str)
        .unwrap_or("date")
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let covers = |name: &str| covered.iter().any(|header| header == name);

    if !covers("date") && !covers("(created)") {
        return Err(unauthorized("the signature must cover date or (created)"));
    }
    if !covers("(request-target)") {
        return Err(unauthorized("the signature must cover (request-target)"));
    }
    let has_body = request.body.is_some() || *request.method == Method::POST;
    if has_body && !covers("digest") && !covers("content-digest") {
        return Err(unauthorized("the signature of a POST must cover digest"));
    }
    if !has_body && !covers("host") {
        return Err(unauthorized("the signature of a GET must cover host"));
    }

    let created = match parameters.get("created") {
        Some(created) if covers("(created)") => parse_timestamp(created, "created")?,
        _ => {
            let date = header_value(request.headers, "date")
                .ok_or_else(|| unauthorized("the request has no Date header"))?;
            parse_http_date(&date)
                .ok_or_else(|| unauthorized(format!("the Date header {date:?} is not a date")))?
        }
    };
    let expires = match parameters.get("expires") {
        Some(expires) => Some(parse_timestamp(expires, "expires")?),
        None => None,
    };
    check_times(created, expires, now)?;

    if has_body {
        check_body_digest(request.headers, request.body.unwrap_or_default())?;
    }

    let mut targets = vec![request.path_and_query.to_string()];
    if let Some((path, _query)) = request.path_and_query.split_once('?') {
        // Old Mastodon versions signed the path without the query.
        targets.push(path.to_string());
    }
    let mut signing_strings = Vec::new();
    for target in targets {
        let mut lines = Vec::with_capacity(covered.len());
        for name in &covered {
            let line = match name.as_str() {
                "(request-target)" => format!(
                    "(request-target): {} {target}",
                    request.method.as_str().to_ascii_lowercase()
                ),
                "(created)" => format!(
                    "(created): {}",
                    parameters.get("created").map(String::as_str).unwrap_or("")
                ),
                "(expires)" => format!(
                    "(expires): {}",
                    parameters.get("expires").map(String::as_str).unwrap_or("")
                ),
                header => {
                    let value = header_value(request.headers, header).ok_or_else(|| {
                        unauthorized(format!("the signed header {header} is missing"))
                    })?;
                    format!("{header}: {value}")
                }
            };
            lines.push(line);
        }
        signing_strings.push(lines.join("\n").into_bytes());
    }
    Ok(PendingSignature {
        key_id,
        standard: Standard::DraftCavage,
        algorithm,
        signing_strings,
        signature,
    })
}

/// The `Host` header value a client sends for `url`: the host, with the port unless default.
pub fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// Signs a request in Mastodon's compat shape and returns the headers to add:
/// `Date`, `Digest` (with a body) and `Signature`. The client must send `Host` as
/// [`host_header`] gives it and, with a body, `Content-Type: application/activity+json`.
pub fn sign_request(
    method: &Method,
    url: &Url,
    body: Option<&[u8]>,
    key_id: &str,
    key: &PrivateKey,
    now: DateTime<Utc>,
) -> Vec<(&'static str, String)> {
    let date = now.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let mut target = url.path().to_string();
    if let Some(query) = url.query() {
        target.push('?');
        target.push_str(query);
    }
    let mut lines = vec![
        format!(
            "(request-target): {} {target}",
            method.as_str().to_ascii_lowercase()
        ),
        format!("host: {}", host_header(url)),
        format!("date: {date}"),
    ];
    let mut headers = vec![("date", date)];
    let mut covered = "(request-target) host date";
    if let Some(body) = body {
        let digest = digest_header(body);
        lines.push(format!("digest: {digest}"));
        lines.push(format!(
            "content-type: {}",
            super::super::ACTIVITY_CONTENT_TYPE
        ));
        headers.push(("digest", digest));
        covered = "(request-target) host date digest content-type";
    }
    let signature = BASE64.encode(key.sign(lines.join("\n").as_bytes()));
    headers.push((
        "signature",
        format!(
            "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{covered}\",signature=\"{signature}\""
        ),
    ));
    headers
}
