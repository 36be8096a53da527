//! RSA and Ed25519 keys: PEM in and out, signing and verifying with aws-lc-rs.

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{self, KeyPair as _, ParsedPublicKey, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::Algorithm;

/// A remote actor's public key, parsed once (parsing costs far more than a verification).
pub enum PublicKey {
    Rsa {
        pkcs1_sha256: ParsedPublicKey,
        der: Vec<u8>,
    },
    Ed25519(ParsedPublicKey),
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PublicKey::Rsa { .. } => f.write_str("PublicKey::Rsa"),
            PublicKey::Ed25519(_) => f.write_str("PublicKey::Ed25519"),
        }
    }
}

impl PublicKey {
    /// Parses an SPKI (`BEGIN PUBLIC KEY`) or PKCS#1 (`BEGIN RSA PUBLIC KEY`) PEM document.
    pub fn from_pem(pem: &str) -> Option<PublicKey> {
        let der = pem_to_der(pem)?;
        if let Ok(parsed) = ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &der) {
            return Some(PublicKey::Rsa {
                pkcs1_sha256: parsed,
                der,
            });
        }
        ParsedPublicKey::new(&signature::ED25519, &der)
            .ok()
            .map(PublicKey::Ed25519)
    }

    /// Whether `signature` is a valid signature of `message` under `algorithm`.
    pub fn verify(&self, algorithm: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        match (self, algorithm) {
            (PublicKey::Rsa { pkcs1_sha256, .. }, Algorithm::RsaSha256 | Algorithm::FromKey) => {
                pkcs1_sha256.verify_sig(message, signature).is_ok()
            }
            (PublicKey::Rsa { der, .. }, Algorithm::RsaPssSha512) => {
                UnparsedPublicKey::new(&signature::RSA_PSS_2048_8192_SHA512, der)
                    .verify(message, signature)
                    .is_ok()
            }
            (PublicKey::Ed25519(key), Algorithm::Ed25519 | Algorithm::FromKey) => {
                key.verify_sig(message, signature).is_ok()
            }
            _ => false,
        }
    }
}

/// One of our actors' RSA-2048 private keys, parsed once.
pub struct PrivateKey(KeyPair);

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivateKey(…)")
    }
}

impl PrivateKey {
    /// Parses a PKCS#8 PEM document (`BEGIN PRIVATE KEY`).
    pub fn from_pem(pem: &str) -> Option<PrivateKey> {
        let der = pem_to_der(pem)?;
        KeyPair::from_pkcs8(&der).ok().map(PrivateKey)
    }

    /// RSASSA-PKCS1-v1_5 SHA-256 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut signature = vec![0; self.0.public_modulus_len()];
        // Signing with a valid key into a buffer of the modulus length cannot fail.
        if self
            .0
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .is_err()
        {
            signature.clear();
        }
        signature
    }
}

/// Makes an RSA-2048 key pair: `(private PKCS#8 PEM, public SPKI PEM)`. CPU-heavy (tens of
/// milliseconds): call it from a blocking thread.
pub fn generate_keypair() -> anyhow::Result<(String, String)> {
    let pair = KeyPair::generate(KeySize::Rsa2048)
        .map_err(|_| anyhow::anyhow!("RSA key generation failed"))?;
    let private: Pkcs8V1Der<'_> = pair
        .as_der()
        .map_err(|_| anyhow::anyhow!("cannot encode the private key"))?;
    let public: PublicKeyX509Der<'_> = pair
        .public_key()
        .as_der()
        .map_err(|_| anyhow::anyhow!("cannot encode the public key"))?;
    Ok((
        der_to_pem("PRIVATE KEY", private.as_ref()),
        der_to_pem("PUBLIC KEY", public.as_ref()),
    ))
}

fn pem_to_der(pem: &str) -> Option<Vec<u8>> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("-----") && !line.is_empty())
        .collect();
    if !pem.contains("-----BEGIN") {
        return None;
    }
    BASE64.decode(body).ok()
}

fn der_to_pem(label: &str, der: &[u8]) -> String {
    let encoded = BASE64.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for chunk in encoded.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(chunk));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}
