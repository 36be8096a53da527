// Writes ../fixtures/fedify/signed-requests.json: requests signed by Fedify 2.3.6's own
// signRequest() (exported from @fedify/fedify; implemented in
// node_modules/@fedify/fedify/dist/http-DzgaVy-x.js), in both HTTP signature specs, for Jisr's
// Rust verifier tests.
//
// Deterministic: a fixed RSA-2048 test key (kept in ../fixtures/fedify/rsa-2048-test-key.json,
// generated on the first run) and a fixed signing time (SIGNED_AT). RSASSA-PKCS1-v1_5 is
// deterministic, so re-running reproduces the file byte for byte, and a correct Rust signer given
// the same key, time and headers must produce the same signatures.
//
// Usage: cd federation-tests/fedify-peer && npm ci && node make-signature-fixtures.mjs
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { signRequest, importJwk, generateCryptoKeyPair } from "@fedify/fedify";
import { Temporal } from "@js-temporal/polyfill";

globalThis.navigator ??= { userAgent: `Node.js/${process.version}` }; // Node 20, see peer.mjs

const OUT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/fedify");
const KEY_FILE = path.join(OUT_DIR, "rsa-2048-test-key.json");
const SIGNED_AT = "2025-06-01T12:00:00Z";
const KEY_ID = "https://beta.test/users/bob#main-key"; // Fedify's keyId form: <actor>#main-key
const USER_AGENT = "Fedify/2.3.6 (Node.js/20.20.2)";   // what Fedify's document loader sends, pinned

const b64 = (buf) => Buffer.from(buf).toString("base64");
const pem = (label, der) => `-----BEGIN ${label}-----\n${b64(der).match(/.{1,64}/g).join("\n")}\n-----END ${label}-----\n`;

async function rsaKey() {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  if (!fs.existsSync(KEY_FILE)) {
    const { privateKey, publicKey } = await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true, ["sign", "verify"]);
    fs.writeFileSync(KEY_FILE, JSON.stringify({
      note: "TEST-ONLY key used to sign fixtures/fedify/signed-requests.json. Never use it for anything else.",
      private_jwk: await crypto.subtle.exportKey("jwk", privateKey),
      public_jwk: await crypto.subtle.exportKey("jwk", publicKey),
      private_key_pem: pem("PRIVATE KEY", await crypto.subtle.exportKey("pkcs8", privateKey)),
      public_key_pem: pem("PUBLIC KEY", await crypto.subtle.exportKey("spki", publicKey)),
    }, null, 2) + "\n");
  }
  const k = JSON.parse(fs.readFileSync(KEY_FILE, "utf8"));
  return { privateKey: await importJwk(k.private_jwk, "private"), publicKeyPem: k.public_key_pem };
}

const follow = JSON.stringify({
  "@context": "https://www.w3.org/ns/activitystreams",
  id: "https://beta.test/users/bob#follows/1",
  type: "Follow",
  actor: "https://beta.test/users/bob",
  object: "https://alpha.test/users/alice",
});
const postInbox = { method: "POST", url: "https://alpha.test/inbox", headers: { "Content-Type": "application/activity+json" }, body: follow };
const getActor = { method: "GET", url: "https://alpha.test/actor", headers: { Accept: "application/activity+json, application/ld+json", "User-Agent": USER_AGENT }, body: null };
const getQuery = { ...getActor, url: "https://alpha.test/users/alice/outbox?page=true&min_id=0" };

const CASES = [
  ["post-inbox-cavage", postInbox, "draft-cavage-http-signatures-12"],
  ["post-inbox-rfc9421", postInbox, "rfc9421"],
  ["get-actor-cavage", getActor, "draft-cavage-http-signatures-12"],
  ["get-actor-rfc9421", getActor, "rfc9421"],
  // The query string is NOT part of the cavage (request-target) Fedify signs, but is part of
  // the rfc9421 @target-uri.
  ["get-query-cavage", getQuery, "draft-cavage-http-signatures-12"],
  ["get-query-rfc9421", getQuery, "rfc9421"],
];
const NOTES = {
  "draft-cavage-http-signatures-12": "draft-cavage-http-signatures-12, algorithm=\"rsa-sha256\": RSASSA-PKCS1-v1_5 with SHA-256 over the newline-joined \"name: value\" lines of headers=",
  rfc9421: "RFC 9421, alg=\"rsa-v1_5-sha256\": RSASSA-PKCS1-v1_5 with SHA-256 over the RFC 9421 signature base of the components in Signature-Input sig1",
};

const { privateKey, publicKeyPem } = await rsaKey();
const currentTime = Temporal.Instant.from(SIGNED_AT);
const out = [];
for (const [name, req, spec] of CASES) {
  const request = new Request(req.url, { method: req.method, headers: req.headers, body: req.body });
  const signed = await signRequest(request, privateKey, new URL(KEY_ID), { spec, currentTime });
  const body = req.body == null ? null : await signed.text();
  if (req.body != null && body !== req.body) throw new Error(`${name}: body changed while signing`);
  out.push({
    name, method: signed.method, url: signed.url,
    headers: Object.fromEntries(signed.headers), // Headers iterates lower-cased names, sorted
    body, key_id: KEY_ID, public_key_pem: publicKeyPem,
    algorithm_note: NOTES[spec], spec, signed_at: SIGNED_AT,
  });
}

// (e) Ed25519 + rfc9421: Fedify 2.3.6 can only *verify* that; signRequestRfc9421 throws.
const ed = await generateCryptoKeyPair("Ed25519");
try {
  await signRequest(new Request(postInbox.url, { method: "POST", headers: postInbox.headers, body: follow }), ed.privateKey, new URL(KEY_ID), { spec: "rfc9421" });
  console.error("NOTE: this Fedify signs rfc9421 with Ed25519 now; add an Ed25519 fixture.");
} catch (e) {
  console.error(`Ed25519/rfc9421 not signable by Fedify ${"2.3.6"}: ${e.message} (no fixture written)`);
}

fs.writeFileSync(path.join(OUT_DIR, "signed-requests.json"), JSON.stringify(out, null, 2) + "\n");
console.error(`wrote ${out.length} fixtures to ${path.join(OUT_DIR, "signed-requests.json")}`);
