//! RFC 9421 HTTP Message Signatures: what Mastodon (4.5+) and Fedify send first.
//!
//! We verify one signature (the first label of `Signature-Input`) covering at least `@method`,
//! the target (`@target-uri`, or `@authority` with `@path` / `@request-target`) and, on a POST,
//! `content-digest`; `created` and `keyid` are required.

use super::{
    Algorithm, PendingSignature, SignedRequest, Standard, check_body_digest, check_times,
    header_value,
};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use http::Method;

fn unauthorized(reason: impl Into<String>) -> Error {
    Error::Unauthorized(reason.into())
}

fn timestamp(parameters: &sfv::Parameters, name: &str) -> Result<Option<DateTime<Utc>>> {
    let Some(value) = parameters.get(name) else {
        return Ok(None);
    };
    value
        .as_integer()
        .and_then(|seconds| DateTime::from_timestamp(i64::from(seconds), 0))
        .map(Some)
        .ok_or_else(|| unauthorized(format!("the signature's {name} is not a timestamp")))
}

fn string_parameter(parameters: &sfv::Parameters, name: &str) -> Option<String> {
    parameters
        .get(name)
        .and_then(|value| value.as_string())
        .map(|value| value.as_str().to_string())
}

/// Serializes one list member (an inner list or an item) the way structured fields do.
fn serialize(entry: sfv::ListEntry) -> Result<String> {
    let mut serializer = sfv::ListSerializer::new();
    serializer.members(&[entry]);
    serializer
        .finish()
        .ok_or_else(|| unauthorized("the Signature-Input header is empty"))
}

pub(super) fn parse(request: &SignedRequest<'_>, now: DateTime<Utc>) -> Result<PendingSignature> {
    let input = header_value(request.headers, "signature-input")
        .ok_or_else(|| unauthorized("the Signature-Input header is not text"))?;
    let inputs: sfv::Dictionary = sfv::Parser::new(&input)
        .parse()
        .map_err(|_| unauthorized("the Signature-Input header is malformed"))?;
    let signature_header = header_value(request.headers, "signature")
        .ok_or_else(|| unauthorized("Signature-Input without a Signature header"))?;
    let signatures: sfv::Dictionary = sfv::Parser::new(&signature_header)
        .parse()
        .map_err(|_| unauthorized("the Signature header is malformed"))?;

    let (label, entry) = inputs
        .first()
        .ok_or_else(|| unauthorized("the Signature-Input header is empty"))?;
    let sfv::ListEntry::InnerList(covered) = entry else {
        return Err(unauthorized("the Signature-Input member is not a list"));
    };
    let signature = match signatures.get(label) {
        Some(sfv::ListEntry::Item(item)) => item.bare_item.as_byte_sequence().map(<[u8]>::to_vec),
        _ => None,
    }
    .ok_or_else(|| unauthorized(format!("no signature labelled {label}")))?;

    let parameters = &covered.params;
    let key_id = string_parameter(parameters, "keyid")
        .filter(|key_id| !key_id.is_empty())
        .ok_or_else(|| unauthorized("the signature has no keyid"))?;
    let algorithm = match string_parameter(parameters, "alg").as_deref() {
        None => Algorithm::FromKey,
        Some("rsa-v1_5-sha256") => Algorithm::RsaSha256,
        Some("rsa-pss-sha512") => Algorithm::RsaPssSha512,
        Some("ed25519") => Algorithm::Ed25519,
        Some(other) => {
            return Err(unauthorized(format!(
                "unsupported signature algorithm {other}"
            )));
        }
    };
    let created = timestamp(parameters, "created")?
        .ok_or_else(|| unauthorized("the signature has no created time"))?;
    let expires = timestamp(parameters, "expires")?;
    check_times(created, expires, now)?;

    let mut names = Vec::with_capacity(covered.items.len());
    let mut lines = Vec::with_capacity(covered.items.len() + 1);
    for item in &covered.items {
        let name = item
            .bare_item
            .as_string()
            .ok_or_else(|| unauthorized("a covered component is not a string"))?
            .as_str()
            .to_ascii_lowercase();
        if !item.params.is_empty() {
            return Err(unauthorized(format!(
                "the component parameters of {name} are not supported"
            )));
        }
        let value = component_value(request, &name)?;
        lines.push(format!(
            "{}: {value}",
            serialize(sfv::ListEntry::Item(item.clone()))?
        ));
        names.push(name);
    }
    let covers = |name: &str| names.iter().any(|covered| covered == name);
    if !covers("@method") {
        return Err(unauthorized("the signature must cover @method"));
    }
    let covers_target = covers("@target-uri")
        || ((covers("@authority") || covers("host"))
            && (covers("@path") || covers("@request-target")));
    if !covers_target {
        return Err(unauthorized("the signature must cover @target-uri"));
    }
    let has_body = request.body.is_some() || *request.method == Method::POST;
    if has_body {
        if !covers("content-digest") && !covers("digest") {
            return Err(unauthorized(
                "the signature of a POST must cover content-digest",
            ));
        }
        check_body_digest(request.headers, request.body.unwrap_or_default())?;
    }

    lines.push(format!(
        "\"@signature-params\": {}",
        serialize(sfv::ListEntry::InnerList(covered.clone()))?
    ));
    Ok(PendingSignature {
        key_id,
        standard: Standard::Rfc9421,
        algorithm,
        signing_strings: vec![lines.join("\n").into_bytes()],
        signature,
    })
}

/// The value of a covered component (RFC 9421 §2.1, §2.2).
fn component_value(request: &SignedRequest<'_>, name: &str) -> Result<String> {
    let authority = || {
        header_value(request.headers, "host")
            .map(|host| host.to_ascii_lowercase())
            .ok_or_else(|| unauthorized("the request has no Host header"))
    };
    let (path, query) = match request.path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (request.path_and_query, None),
    };
    Ok(match name {
        "@method" => request.method.as_str().to_string(),
        "@authority" => authority()?,
        "@scheme" => request.scheme.to_string(),
        "@target-uri" => format!(
            "{}://{}{}",
            request.scheme,
            authority()?,
            request.path_and_query
        ),
        "@request-target" => request.path_and_query.to_string(),
        "@path" => path.to_string(),
        "@query" => format!("?{}", query.unwrap_or("")),
        name if name.starts_with('@') => {
            return Err(unauthorized(format!(
                "the component {name} is not supported"
            )));
        }
        header => header_value(request.headers, header)
            .ok_or_else(|| unauthorized(format!("the signed header {header} is missing")))?,
    })
}
