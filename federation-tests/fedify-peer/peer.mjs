// Fedify 2.3.6 test peer for Jisr's federation tests.
//
// Serves one or more Person actors (WebFinger, actor docs with an RSA + an Ed25519 key, outbox,
// followers/following, object URLs) and a personal + shared inbox that VERIFIES signatures
// (skipSignatureVerification stays off). Outgoing deliveries and signed GETs use Fedify's
// double-knock (FIRST_KNOCK first, the other spec on any status >= 400).
//
// When ready it prints exactly one line to stdout:  LISTENING <port>
// (Fedify's own logs go to stderr.)
//
// Env:
//   PORT         port to listen on; 0 = any free port (default 0)
//   BIND         address to listen on (default 127.0.0.1)
//   ORIGIN       public origin of this peer; "{port}" is replaced by the real port
//                (default http://localhost:{port}). Must match what the other side signs for.
//   USERS        comma-separated actor identifiers (default bob) -> ORIGIN/users/<id>
//   HOSTS        "alpha.test=127.0.0.1,beta.test=127.0.0.1": resolve these names to these IPs for
//                every outgoing connection (patches dns.lookup, which Node's fetch uses)
//   FIRST_KNOCK  rfc9421 | draft-cavage-http-signatures-12 (default rfc9421)
//   AUTO_ACCEPT  1 = answer every Follow with Accept (default 1); 0 = manuallyApprovesFollowers
//   KEYS_DIR     if set, actor key pairs are kept in <KEYS_DIR>/<id>.json across runs
//                (default: fresh keys in memory each run)
//   INBOX_LOG    if set, every logged inbox activity is also appended to this JSONL file
//   LOG_LEVEL    Fedify log level on stderr: debug | info | warning | error (default info)
//
// Control API (not federation; JSON in and out):
//   GET  /_control/health                  -> 200 {"ok":true,"origin":..,"actors":[..]}
//   POST /_control/follow   {"actor":"bob","target":"<actor URL>" | "@user@host"}
//                                           -> 202 {"id":"<Follow id>","to":"<actor id>","inbox":..}
//   POST /_control/unfollow {"actor":"bob","target":..}
//                                           -> 202 {"id":"<Undo id>","follow":"<Follow id>","to":..}
//   POST /_control/post     {"actor":"bob","type":"Note"|"Article"|"Event","content":..,"name":..,
//                            "to":"<actor URL or @user@host>"?}   (no "to": deliver to followers)
//                                           -> 202 {"id":"<object id>","create":"<Create id>"}
//   POST /_control/reply    {"actor":"bob","inReplyTo":"<object id>","content":"<p>html</p>",
//                            "to":"<actor URL or @user@host>"}
//        sends Create(Note{inReplyTo, content, to:[Public, target], cc:[bob's followers],
//        tag:[Mention of target]}) to the target's inbox; the Note is served at its id
//                                           -> 202 {"id":"<Note id>","create":"<Create id>"}
//   POST /_control/update   {"actor":"bob","id":"<object id>","content":"<p>html</p>","to":..}
//                          edits one of bob's posts (served so from now on) and sends its
//                          Update to the actor `to` -> 202 {"id":..,"update":"<Update id>"}
//   POST /_control/flag     {"actor":"bob","objects":["<id>",..],"content":"..","to":..}
//                          reports the objects to the actor `to`'s server (a Flag, as
//                          Mastodon sends one) -> 202 {"id":"<Flag id>"}
//   POST /_control/resolve  {"actor":"bob","target":..}  looks the target up with bob's signed GETs
//                                           -> 200 {"id":..,"inbox":..}
//   POST /_control/join     {"actor":"bob","event":"<event id>","to":"<organizer URL or @user@host>"}
//        sends Join{object: event, to: organizer} to the organizer's inbox
//                                           -> 202 {"id":"<Join id>","to":..}
//   POST /_control/leave    {"actor":"bob","event":..,"to":..}  sends Leave{object: event}
//   POST /_control/undo-join {"actor":"bob","join":"<Join id>","to":..}  sends Undo{the Join}
//   GET  /_control/log                      -> [ {at, recipient, type, id, actor, object,
//                                               signature:{spec,key_id,verified:true}, parsed?, json}, ... ]
//        every activity the inboxes accepted; `json` is the body exactly as received. `parsed` is
//        present when the body's object is embedded (Create, Update, Delete, Announce, Accept..):
//        the body re-parsed with Fedify's vocabulary (Activity.fromJsonLd, then getObject() on the
//        embedded object, crossOrigin "trust") with a loader that serves only Fedify's preloaded
//        contexts and fetches nothing:
//          {class:"Article"|"Note"|"Event"|"Page"|"Tombstone"|.., id, name, summary, content,
//           url, published, updated, startTime, endTime (ISO), location:{class,name}|null,
//           tags:[Hashtag names], inReplyTo, attributedTo}   (null where absent)
//        or {error:"<message>"} if that fails (e.g. a context Fedify does not preload). An inbox
//        POST is accepted only if its HTTP signature verifies (checked here with Fedify's
//        verifyRequestDetailed, whatever LD signature / integrity proof the body also carries)
//        and the key's owner is the activity's actor; otherwise 401 and nothing is logged.
//   GET  /_control/following?actor=bob      -> {"<actor id>":{"state":"pending"|"accepted"|"rejected",
//                                               "follow":"<Follow id>"}}
//        flips when an Accept/Reject arrives whose object (embedded Follow or bare id) is that
//        Follow id and whose actor is the followed actor
//   GET  /_control/followers?actor=bob      -> {"<follower actor id>":"<its inbox>"}
// Handles are resolved with WebFinger over ORIGIN's scheme (http when ORIGIN is http), because
// Fedify's own lookup always uses https for acct: handles.
// Errors: 400 bad body, 404 unknown target, 502 delivery failed ({"error":..}).
//
// Also here: parse-embedded.mjs (builds `parsed`), expand.mjs (offline JSON-LD expansion check; see
// its header) and offline-loader.mjs (the preloaded-contexts-only loader both use).
import http from "node:http";
import dns from "node:dns";
import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { Console } from "node:console";
import { AsyncLocalStorage } from "node:async_hooks";
import {
  createFederation, MemoryKvStore, generateCryptoKeyPair, exportJwk, importJwk, verifyRequestDetailed,
} from "@fedify/fedify";
import {
  Person, Follow, Accept, Reject, Undo, Create, Article, Event, Note, Place, Endpoints, Activity,
  Mention, Join, Leave, Update, Flag, isActor, lookupObject, PUBLIC_COLLECTION,
} from "@fedify/vocab";
import { configure, getConsoleSink } from "@logtape/logtape";
import { Temporal } from "@js-temporal/polyfill";
import { parseEmbedded } from "./parse-embedded.mjs";

// Fedify 2.x targets Node >= 22; on Node 20 importJwk(Ed25519) reads navigator.userAgent.
globalThis.navigator ??= { userAgent: `Node.js/${process.version}` };

const env = process.env;
const USERS = (env.USERS ?? "bob").split(",").map((s) => s.trim()).filter(Boolean);
const AUTO_ACCEPT = (env.AUTO_ACCEPT ?? "1") === "1";

// --- HOSTS: static name -> IP map for all outgoing connections ---------------------------------
const HOSTS = new Map((env.HOSTS ?? "").split(",").filter((s) => s.includes("="))
  .map((s) => s.split("=").map((x) => x.trim().toLowerCase())));
if (HOSTS.size > 0) {
  const realLookup = dns.lookup;
  dns.lookup = function (hostname, options, callback) {
    if (typeof options === "function") [callback, options] = [options, {}];
    const address = HOSTS.get(String(hostname).toLowerCase());
    if (address == null) return realLookup.call(this, hostname, options, callback);
    const family = address.includes(":") ? 6 : 4;
    const opts = typeof options === "number" ? { family: options } : options ?? {};
    process.nextTick(() => opts.all ? callback(null, [{ address, family }]) : callback(null, address, family));
  };
}

await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: { stderr: getConsoleSink({ console: new Console(process.stderr, process.stderr) }) },
  loggers: [
    { category: "fedify", sinks: ["stderr"], lowestLevel: env.LOG_LEVEL ?? "info" },
    { category: ["logtape", "meta"], sinks: ["stderr"], lowestLevel: "warning" },
  ],
});

// --- listen first, so that PORT=0 gives us the port ORIGIN needs ---------------------------------
const server = http.createServer((req, res) => handle(req, res).catch((e) => {
  console.error(e);
  if (!res.headersSent) json(res, 500, { error: String(e) }); else res.end();
}));
await new Promise((resolve) => server.listen(parseInt(env.PORT ?? "0"), env.BIND ?? "127.0.0.1", resolve));
const port = server.address().port;
const ORIGIN = (env.ORIGIN ?? "http://localhost:{port}").replaceAll("{port}", String(port));

// --- state ---------------------------------------------------------------------------------------
const received = [];           // log records of activities that passed verification
const followers = new Map();   // identifier -> Map(follower actor id -> inbox url)
const following = new Map();   // identifier -> Map(target actor id -> {state, follow})
const sentFollows = new Map(); // Follow id -> {identifier, target, follow}
const sentJoins = new Map(); // Join id -> the Join
const posts = new Map();       // object id -> vocab object

const mapOf = (m, k) => { if (!m.has(k)) m.set(k, new Map()); return m.get(k); };

// --- keys ----------------------------------------------------------------------------------------
const keyCache = new Map();
async function makeKeys(identifier) {
  const file = env.KEYS_DIR ? path.join(env.KEYS_DIR, `${identifier}.json`) : null;
  if (file && fs.existsSync(file)) {
    return Promise.all(JSON.parse(fs.readFileSync(file, "utf8")).map(async (p) => ({
      privateKey: await importJwk(p.privateKey, "private"), publicKey: await importJwk(p.publicKey, "public"),
    })));
  }
  // First pair is RSA: Fedify signs HTTP requests with the first RSASSA-PKCS1-v1_5 key.
  const pairs = [await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"), await generateCryptoKeyPair("Ed25519")];
  if (file) {
    fs.mkdirSync(env.KEYS_DIR, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(await Promise.all(pairs.map(async (p) => ({
      privateKey: await exportJwk(p.privateKey), publicKey: await exportJwk(p.publicKey),
    })))));
  }
  return pairs;
}
function getKeys(identifier) {
  if (!keyCache.has(identifier)) keyCache.set(identifier, makeKeys(identifier));
  return keyCache.get(identifier);
}

// --- federation ----------------------------------------------------------------------------------
const federation = createFederation({
  kv: new MemoryKvStore(),
  origin: ORIGIN,
  allowPrivateAddress: true, // test peers live on loopback
  firstKnock: env.FIRST_KNOCK ?? "rfc9421",
  // skipSignatureVerification is deliberately left at its default (false).
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (!USERS.includes(identifier)) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: `Fedify peer ${identifier}`,
      inbox: ctx.getInboxUri(identifier),
      outbox: ctx.getOutboxUri(identifier),
      followers: ctx.getFollowersUri(identifier),
      following: ctx.getFollowingUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      url: ctx.getActorUri(identifier),
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((k) => k.multikey),
      manuallyApprovesFollowers: !AUTO_ACCEPT,
    });
  })
  .mapHandle((_ctx, username) => USERS.includes(username) ? username : null)
  .setKeyPairsDispatcher((_ctx, identifier) => USERS.includes(identifier) ? getKeys(identifier) : []);

const KINDS = { Note: [Note, "notes"], Article: [Article, "articles"], Event: [Event, "events"] };
for (const [Cls, dir] of Object.values(KINDS)) {
  federation.setObjectDispatcher(Cls, `/users/{identifier}/${dir}/{id}`,
    (ctx, values) => posts.get(ctx.getObjectUri(Cls, values).href) ?? null);
}

federation.setOutboxDispatcher("/users/{identifier}/outbox", (ctx, identifier) => ({
  items: [...posts.values()].filter((o) => o.attributionId?.href === ctx.getActorUri(identifier).href)
    .map((o) => new Create({ id: new URL(`${o.id.href}#create`), actor: o.attributionId, object: o, tos: o.toIds, ccs: o.ccIds, published: o.published })),
}));
federation.setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) => ({
  items: [...(followers.get(identifier) ?? new Map())].map(([id, inbox]) => ({ id: new URL(id), inboxId: new URL(inbox), endpoints: null })),
}));
federation.setFollowingDispatcher("/users/{identifier}/following", (_ctx, identifier) => ({
  items: [...(following.get(identifier) ?? new Map())].filter(([, f]) => f.state === "accepted").map(([id]) => new URL(id)),
}));

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Activity, async (ctx, activity) => {
    // Reaching this point means the HTTP signature verified (see handle()) and Fedify accepted it.
    const body = JSON.parse(ctx.data.rawBody);
    const embedded = Array.isArray(body.object) ? body.object[0] : body.object;
    const rec = {
      at: new Date().toISOString(), recipient: ctx.recipient, type: activity.constructor.name,
      id: activity.id?.href ?? null, actor: activity.actorId?.href ?? null, object: activity.objectId?.href ?? null,
      signature: ctx.data.signature,
      ...(embedded != null && typeof embedded === "object" ? { parsed: await parseEmbedded(body) } : {}),
      json: body,
    };
    if (activity instanceof Follow) {
      const target = ctx.parseUri(activity.objectId);
      const follower = await activity.getActor().catch(() => null);
      if (target?.type === "actor" && isActor(follower) && follower.inboxId) {
        mapOf(followers, target.identifier).set(follower.id.href, follower.inboxId.href);
        if (AUTO_ACCEPT) {
          try {
            await ctx.sendActivity({ identifier: target.identifier }, follower, new Accept({
              id: new URL(`#accepts/${randomUUID()}`, ctx.getActorUri(target.identifier)),
              actor: ctx.getActorUri(target.identifier), object: activity,
            }));
            rec.auto_accepted = true;
          } catch (e) { rec.auto_accept_error = String(e); }
        }
      }
    } else if (activity instanceof Accept || activity instanceof Reject) {
      // Match by the Follow id (objectId works for both an embedded Follow and a bare id).
      const sent = sentFollows.get(activity.objectId?.href);
      if (sent && sent.target === activity.actorId?.href) {
        following.get(sent.identifier).set(sent.target, { state: activity instanceof Accept ? "accepted" : "rejected", follow: sent.follow.id.href });
        rec.matched_follow = sent.follow.id.href;
      }
    } else if (activity instanceof Undo) {
      const inner = typeof body.object === "object" && body.object ? body.object : {};
      if (inner.type == null || inner.type === "Follow") {
        const followedId = typeof inner.object === "string" ? inner.object : inner.object?.id;
        const followed = followedId ? ctx.parseUri(new URL(followedId)) : null;
        for (const [identifier, m] of followers) {
          if (followed?.type !== "actor" || followed.identifier === identifier) m.delete(rec.actor);
        }
      }
    }
    received.push(rec);
    if (env.INBOX_LOG) fs.appendFileSync(env.INBOX_LOG, JSON.stringify(rec) + "\n");
  })
  .onError((_ctx, error) => console.error("inbox listener error:", error));

// --- control API ---------------------------------------------------------------------------------
function json(res, code, obj) { res.writeHead(code, { "content-type": "application/json" }); res.end(JSON.stringify(obj)); }
async function readBody(req) { const c = []; for await (const x of req) c.push(x); return Buffer.concat(c); }

// "@user@host", "user@host" or "acct:user@host" -> actor URL via WebFinger over ORIGIN's scheme.
async function webfinger(handle) {
  const m = handle.replace(/^acct:/, "").match(/^@?([^@/]+)@([^@/]+)$/);
  if (!m) return handle;
  const url = new URL(`${new URL(ORIGIN).protocol}//${m[2]}/.well-known/webfinger`);
  url.searchParams.set("resource", `acct:${m[1]}@${m[2]}`);
  const r = await fetch(url, { headers: { accept: "application/jrd+json" } });
  if (!r.ok) throw new Error(`WebFinger ${url} -> ${r.status}`);
  const link = (await r.json()).links?.find((l) => l.rel === "self" &&
    (l.type === "application/activity+json" || /^application\/ld\+json/.test(l.type ?? "")));
  if (!link?.href) throw new Error(`WebFinger ${url}: no self link`);
  return link.href;
}

async function resolveActor(ctx, me, target) {
  const documentLoader = await ctx.getDocumentLoader({ identifier: me }); // signed GETs
  const obj = await lookupObject(await webfinger(String(target)), { documentLoader, allowPrivateAddress: true });
  return isActor(obj) ? obj : null;
}

async function control(req, res, url) {
  const ctx = federation.createContext(new URL(ORIGIN), undefined);
  const q = url.searchParams.get("actor") ?? USERS[0];
  if (req.method === "GET") {
    switch (url.pathname) {
      case "/_control/health": return json(res, 200, { ok: true, origin: ORIGIN, actors: USERS.map((u) => ctx.getActorUri(u).href) });
      case "/_control/log": return json(res, 200, received);
      case "/_control/following": return json(res, 200, Object.fromEntries(following.get(q) ?? []));
      case "/_control/followers": return json(res, 200, Object.fromEntries(followers.get(q) ?? []));
    }
    return json(res, 404, { error: "unknown control endpoint" });
  }
  let body;
  try { body = JSON.parse((await readBody(req)).toString("utf8") || "{}"); } catch (e) { return json(res, 400, { error: String(e) }); }
  const me = body.actor ?? USERS[0];
  if (!USERS.includes(me)) return json(res, 400, { error: `unknown local actor ${me}` });
  const actorUri = ctx.getActorUri(me);
  const send = async (recipient, activity, reply) => {
    try { await ctx.sendActivity({ identifier: me }, recipient, activity); } catch (e) { return json(res, 502, { error: String(e), ...reply }); }
    return json(res, 202, reply);
  };

  if (url.pathname === "/_control/follow" || url.pathname === "/_control/unfollow") {
    const target = await resolveActor(ctx, me, body.target).catch((e) => (console.error(e), null));
    if (!target) return json(res, 404, { error: "target is not a resolvable actor", target: body.target });
    const reply = { to: target.id.href, inbox: target.inboxId?.href ?? null };
    if (url.pathname === "/_control/follow") {
      const follow = new Follow({ id: new URL(`#follows/${randomUUID()}`, actorUri), actor: actorUri, object: target.id });
      mapOf(following, me).set(target.id.href, { state: "pending", follow: follow.id.href });
      sentFollows.set(follow.id.href, { identifier: me, target: target.id.href, follow });
      return send(target, follow, { id: follow.id.href, ...reply });
    }
    const followId = following.get(me)?.get(target.id.href)?.follow;
    const follow = sentFollows.get(followId)?.follow ?? new Follow({ id: new URL(`#follows/${randomUUID()}`, actorUri), actor: actorUri, object: target.id });
    following.get(me)?.delete(target.id.href);
    const undo = new Undo({ id: new URL(`#undos/${randomUUID()}`, actorUri), actor: actorUri, object: follow });
    return send(target, undo, { id: undo.id.href, follow: follow.id.href, ...reply });
  }

  if (url.pathname === "/_control/resolve") {
    const target = await resolveActor(ctx, me, body.target).catch((e) => (console.error(e), null));
    if (!target) return json(res, 404, { error: "target is not a resolvable actor", target: body.target });
    return json(res, 200, { id: target.id.href, inbox: target.inboxId?.href ?? null });
  }

  if (["/_control/join", "/_control/leave", "/_control/undo-join"].includes(url.pathname)) {
    const target = await resolveActor(ctx, me, body.to).catch((e) => (console.error(e), null));
    if (!target) return json(res, 404, { error: "'to' is not a resolvable actor", to: body.to });
    if (url.pathname === "/_control/undo-join") {
      const join = sentJoins.get(body.join);
      if (!join) return json(res, 404, { error: "no Join sent with that id", join: body.join });
      const undo = new Undo({ id: new URL(`#undos/${randomUUID()}`, actorUri), actor: actorUri, object: join, tos: [target.id] });
      return send(target, undo, { id: undo.id.href, to: target.id.href });
    }
    if (typeof body.event !== "string" || !URL.canParse(body.event)) return json(res, 400, { error: "'event' must be an absolute URL" });
    const [Cls, name] = url.pathname === "/_control/join" ? [Join, "joins"] : [Leave, "leaves"];
    const activity = new Cls({ id: new URL(`#${name}/${randomUUID()}`, actorUri), actor: actorUri, object: new URL(body.event), tos: [target.id] });
    if (Cls === Join) sentJoins.set(activity.id.href, activity);
    return send(target, activity, { id: activity.id.href, to: target.id.href });
  }

  if (url.pathname === "/_control/post") {
    const type = body.type ?? "Note";
    if (!KINDS[type]) return json(res, 400, { error: `type must be one of ${Object.keys(KINDS)}` });
    const [Cls, dir] = KINDS[type];
    const id = new URL(`/users/${me}/${dir}/${randomUUID()}`, ORIGIN);
    const props = {
      id, url: id, attribution: actorUri, content: body.content ?? `<p>${type} from ${me}</p>`,
      tos: [PUBLIC_COLLECTION], ccs: [ctx.getFollowersUri(me)], published: Temporal.Now.instant(),
    };
    if (body.name) props.name = body.name;
    if (Cls === Event) {
      props.startTime = Temporal.Instant.from(body.startTime ?? "2026-02-01T18:00:00Z");
      props.endTime = Temporal.Instant.from(body.endTime ?? "2026-02-01T20:00:00Z");
      props.location = new Place({ name: body.location ?? "Town hall" });
    }
    let recipient = "followers";
    if (body.to) {
      recipient = await resolveActor(ctx, me, body.to).catch((e) => (console.error(e), null));
      if (!recipient) return json(res, 404, { error: "'to' is not a resolvable actor", to: body.to });
      props.tos = [...props.tos, recipient.id];
    }
    const obj = new Cls(props);
    posts.set(id.href, obj);
    const create = new Create({ id: new URL(`${id.href}#create`), actor: actorUri, object: obj, tos: obj.toIds, ccs: obj.ccIds, published: obj.published });
    return send(recipient, create, { id: id.href, create: create.id.href });
  }

  if (url.pathname === "/_control/flag") {
    const target = await resolveActor(ctx, me, body.to).catch((e) => (console.error(e), null));
    if (!target) return json(res, 404, { error: "'to' is not a resolvable actor", to: body.to });
    if (!Array.isArray(body.objects) || !body.objects.every((id) => URL.canParse(id))) {
      return json(res, 400, { error: "'objects' must be an array of absolute URLs" });
    }
    const flag = new Flag({ id: new URL(`#flags/${randomUUID()}`, actorUri), actor: actorUri, objects: body.objects.map((id) => new URL(id)), content: body.content ?? "", tos: [target.id] });
    return send(target, flag, { id: flag.id.href });
  }

  if (url.pathname === "/_control/update") {
    const obj = posts.get(body.id);
    if (!obj) return json(res, 404, { error: "no post with that id", id: body.id });
    const target = await resolveActor(ctx, me, body.to).catch((e) => (console.error(e), null));
    if (!target) return json(res, 404, { error: "'to' is not a resolvable actor", to: body.to });
    const updated = obj.clone({ content: body.content ?? "<p>edited</p>", updated: Temporal.Now.instant() });
    posts.set(body.id, updated);
    const update = new Update({ id: new URL(`${body.id}#updates/${randomUUID()}`), actor: actorUri, object: updated, tos: updated.toIds, ccs: updated.ccIds });
    return send(target, update, { id: body.id, update: update.id.href });
  }

  if (url.pathname === "/_control/reply") {
    if (!body.to) return json(res, 400, { error: "'to' (actor URL or handle) is required" });
    if (typeof body.inReplyTo !== "string" || !URL.canParse(body.inReplyTo)) return json(res, 400, { error: "'inReplyTo' must be an absolute URL" });
    const target = await resolveActor(ctx, me, body.to).catch((e) => (console.error(e), null));
    if (!target) return json(res, 404, { error: "'to' is not a resolvable actor", to: body.to });
    const id = new URL(`/users/${me}/notes/${randomUUID()}`, ORIGIN);
    const mention = `@${target.preferredUsername ?? "unknown"}@${target.id.host}`;
    const note = new Note({
      id, url: id, attribution: actorUri, replyTarget: new URL(body.inReplyTo),
      content: body.content ?? `<p>reply from ${me}</p>`,
      tos: [PUBLIC_COLLECTION, target.id], ccs: [ctx.getFollowersUri(me)],
      tags: [new Mention({ href: target.id, name: mention })],
      published: Temporal.Now.instant(),
    });
    posts.set(id.href, note);
    const create = new Create({ id: new URL(`${id.href}#create`), actor: actorUri, object: note, tos: note.toIds, ccs: note.ccIds, published: note.published });
    return send(target, create, { id: id.href, create: create.id.href });
  }
  return json(res, 404, { error: "unknown control endpoint" });
}

// --- Node http <-> Fedify (fetch API) adapter ----------------------------------------------------
function signatureOf(headers) {
  const input = headers["signature-input"], sig = headers.signature;
  if (input) return { spec: "rfc9421", key_id: input.match(/keyid="([^"]*)"/)?.[1] ?? null };
  if (sig) return { spec: "draft-cavage-http-signatures-12", key_id: sig.match(/keyId="([^"]*)"/)?.[1] ?? null };
  return { spec: "none", key_id: null };
}

async function handle(req, res) {
  const url = new URL(req.url, ORIGIN);
  if (url.pathname.startsWith("/_control/")) return control(req, res, url);
  const isPost = req.method === "POST"; // the only POST routes Fedify serves are the inboxes
  const rawBody = isPost ? await readBody(req) : null;
  const request = new Request(url, {
    method: req.method,
    headers: Object.entries(req.headers).flatMap(([k, v]) => Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]),
    body: rawBody,
  });
  let response, signature = signatureOf(req.headers);
  if (isPost) {
    // Fedify's inbox accepts an activity on an LD signature or an integrity proof alone, without
    // looking at the HTTP signature. This peer is a test of the sender's HTTP signatures, so it
    // first verifies them itself (same Fedify function, same 1 h window) and refuses with 401.
    const ctx = federation.createContext(request, undefined);
    const v = await verifyRequestDetailed(request, { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader });
    let actor = null;
    try { const a = JSON.parse(rawBody.toString("utf8")).actor; actor = typeof a === "string" ? a : a?.id; } catch { /* Fedify answers 400 */ }
    if (!v.verified || (actor != null && v.key.ownerId?.href !== actor)) {
      const why = v.verified ? `key owner ${v.key.ownerId?.href} is not the actor ${actor}` : v.reason.type;
      signature = { ...signature, verified: false, reason: why };
      response = new Response(`HTTP signature not verified: ${why}\n`, { status: 401, headers: { "content-type": "text/plain" } });
    } else signature = { ...signature, verified: true };
  }
  response ??= await federation.fetch(request, {
    contextData: { rawBody: rawBody?.toString("utf8") ?? "", signature },
    onNotFound: () => new Response("Not found", { status: 404 }),
    onNotAcceptable: () => new Response("Not acceptable", { status: 406, headers: { vary: "Accept" } }),
  });
  if (isPost) console.error(`POST ${url.pathname} -> ${response.status} [sig: ${JSON.stringify(signature)}]`);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

// Generate keys up front so the first federation request is not slowed by RSA-4096 keygen.
await Promise.all(USERS.map(getKeys));
console.error(`Fedify peer ${ORIGIN} (node ${process.version}); actors: ${USERS.map((u) => `${ORIGIN}/users/${u}`).join(", ")}`);
process.stdout.write(`LISTENING ${port}\n`);
