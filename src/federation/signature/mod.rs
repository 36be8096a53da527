//! HTTP signatures, both ways: verifying incoming requests and signing outgoing ones.
//!
//! We verify draft-cavage signatures (`Signature:`, `rsa-sha256` / `hs2019`) and RFC 9421
//! HTTP Message Signatures (`Signature-Input:` + `Signature:`, RSA PKCS#1 v1.5, RSA-PSS and
//! Ed25519), with `Digest` / `Content-Digest` checked against the body, and the signature's
//! time within ±1 hour of ours (future dates refused too). We sign draft-cavage in Mastodon's
//! "compat" shape. All cryptography is aws-lc-rs; parsed public keys are cached by the caller.
//!
//! Invariant: [`parse`] does every check that needs no key (coverage, dates, digest) before any
//! key is fetched, so unsigned, stale or tampered requests are refused without a network call.

mod cavage;
mod keys;
mod rfc9421;
#[cfg(test)]
mod tests;

pub use cavage::{host_header, parse_http_date, sign_request};
pub use keys::{PrivateKey, PublicKey, generate_keypair};

use crate::error::{Error, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use http::{HeaderMap, Method};
use sha2::{Digest, Sha256, Sha512};

/// How far (seconds) a signature's creation time may be from our clock, either way.
pub const ALLOWED_CLOCK_SKEW_SECONDS: i64 = 3600;

/// The parts of an incoming request that signatures cover.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    pub method: &'a Method,
    /// Path and query as received, e.g. `/inbox` or `/actors/x?page=1`.
    pub path_and_query: &'a str,
    /// `https` or `http`: the scheme the client used (our configured scheme).
    pub scheme: &'a str,
    pub headers: &'a HeaderMap,
    /// The body of a POST, checked against `Digest` / `Content-Digest`.
    pub body: Option<&'a [u8]>,
}

/// Signature algorithms we verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (`rsa-sha256`, `rsa-v1_5-sha256`).
    RsaSha256,
    /// RSASSA-PSS with SHA-512 (`rsa-pss-sha512`).
    RsaPssSha512,
    /// Ed25519.
    Ed25519,
    /// Not named (`hs2019` or absent): decided by the key's type.
    FromKey,
}

/// A signature that passed every check but the cryptographic one, which needs the signer's key.
#[derive(Debug, Clone)]
pub struct PendingSignature {
    /// The `keyId` / `keyid`: normally `<actor id>#main-key`.
    pub key_id: String,
    /// Which standard the request was signed with, for logs.
    pub standard: Standard,
    algorithm: Algorithm,
    /// Candidate signing strings; the signature must match one (cavage: with and without the query).
    signing_strings: Vec<Vec<u8>>,
    signature: Vec<u8>,
}

/// The signature standard of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standard {
    DraftCavage,
    Rfc9421,
}

impl PendingSignature {
    /// Checks the signature with the signer's public key.
    pub fn verify(&self, key: &PublicKey) -> Result<()> {
        let verified = self
            .signing_strings
            .iter()
            .any(|message| key.verify(self.algorithm, message, &self.signature));
        if verified {
            Ok(())
        } else {
            Err(Error::Unauthorized(format!(
                "the signature does not verify with the key {}",
                self.key_id
            )))
        }
    }
}

/// Whether the request carries any signature at all.
pub fn is_signed(headers: &HeaderMap) -> bool {
    headers.contains_key("signature") || headers.contains_key("signature-input")
}

/// Checks everything about the request's signature that needs no key: its presence and form,
/// what it covers, its dates, and the body digest. Returns what is left to verify.
pub fn parse(request: &SignedRequest<'_>, now: DateTime<Utc>) -> Result<PendingSignature> {
    if request.headers.contains_key("signature-input") {
        rfc9421::parse(request, now)
    } else if request.headers.contains_key("signature") {
        cavage::parse(request, now)
    } else {
        Err(Error::Unauthorized(
            "the request is not signed (no Signature header)".to_string(),
        ))
    }
}

/// Refuses a signature created more than the allowed skew before or after `now`, or expired.
fn check_times(
    created: DateTime<Utc>,
    expires: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<()> {
    let skew = chrono::Duration::seconds(ALLOWED_CLOCK_SKEW_SECONDS);
    if created > now + skew {
        return Err(Error::Unauthorized(format!(
            "the signature was made in the future ({created}); check the sender's clock"
        )));
    }
    if created < now - skew {
        return Err(Error::Unauthorized(format!(
            "the signature is too old ({created}); signatures are valid for one hour"
        )));
    }
    if let Some(expires) = expires
        && now > expires + skew
    {
        return Err(Error::Unauthorized(format!(
            "the signature expired at {expires}"
        )));
    }
    Ok(())
}

/// The value of a header as signatures see it: all its lines, trimmed, joined by `, `.
fn header_value(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .map(|value| value.to_str().map(str::trim))
        .collect::<Result<_, _>>()
        .ok()?;
    if values.is_empty() {
        None
    } else {
        Some(values.join(", "))
    }
}

/// Checks a draft `Digest` header (`SHA-256=<base64>`, other entries ignored) against `body`.
fn check_digest_header(value: &str, body: &[u8]) -> Result<()> {
    let expected = BASE64.encode(Sha256::digest(body));
    let mut found = false;
    for entry in value.split(',') {
        let Some((label, digest)) = entry.trim().split_once('=') else {
            continue;
        };
        if label.eq_ignore_ascii_case("sha-256") {
            found = true;
            if digest.trim() != expected {
                return Err(Error::Unauthorized(
                    "the Digest header does not match the body".to_string(),
                ));
            }
        }
    }
    if found {
        Ok(())
    } else {
        Err(Error::Unauthorized(
            "the Digest header has no SHA-256 entry".to_string(),
        ))
    }
}

/// Checks an RFC 9530 `Content-Digest` header (`sha-256=:…:` or `sha-512=:…:`) against `body`.
fn check_content_digest(value: &str, body: &[u8]) -> Result<()> {
    let dictionary: sfv::Dictionary = sfv::Parser::new(value)
        .parse()
        .map_err(|_| Error::Unauthorized("the Content-Digest header is malformed".to_string()))?;
    let mut checked = false;
    for (algorithm, entry) in &dictionary {
        let sfv::ListEntry::Item(item) = entry else {
            continue;
        };
        let Some(digest) = item.bare_item.as_byte_sequence() else {
            continue;
        };
        let matches = match algorithm.as_str() {
            "sha-256" => Sha256::digest(body).as_slice() == digest,
            "sha-512" => Sha512::digest(body).as_slice() == digest,
            _ => continue,
        };
        if !matches {
            return Err(Error::Unauthorized(
                "the Content-Digest header does not match the body".to_string(),
            ));
        }
        checked = true;
    }
    if checked {
        Ok(())
    } else {
        Err(Error::Unauthorized(
            "the Content-Digest header has no sha-256 or sha-512 entry".to_string(),
        ))
    }
}

/// Checks the body digest of a request that has a body. At least one of `Digest` and
/// `Content-Digest` must be present, and every one present must match. Returns the names of
/// the digest headers found.
fn check_body_digest(headers: &HeaderMap, body: &[u8]) -> Result<Vec<&'static str>> {
    let mut found = Vec::new();
    if let Some(value) = header_value(headers, "digest") {
        check_digest_header(&value, body)?;
        found.push("digest");
    }
    if let Some(value) = header_value(headers, "content-digest") {
        check_content_digest(&value, body)?;
        found.push("content-digest");
    }
    if found.is_empty() {
        return Err(Error::Unauthorized(
            "a signed POST needs a Digest (or Content-Digest) header".to_string(),
        ));
    }
    Ok(found)
}

/// `SHA-256=<base64>` of `body`, for the `Digest` header we send.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", BASE64.encode(Sha256::digest(body)))
}
