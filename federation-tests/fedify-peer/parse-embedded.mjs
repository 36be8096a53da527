// `parsed` field of peer.mjs's /_control/log records: an activity's embedded object, read with
// Fedify's own vocabulary (@fedify/vocab) and nothing fetched.
//
// The raw body is parsed again with Activity.fromJsonLd and a loader that serves only Fedify's
// preloaded contexts and throws for any other URL, and the embedded object is taken as it is
// (crossOrigin: "trust"), so nothing here ever fetches from the network: a document that needs
// a context Fedify does not preload gives {error}. A location or tag that is only a URL (not
// embedded) would need a fetch: it is skipped (location null, no tag name).
import { Activity, Hashtag, Link } from "@fedify/vocab";
import { makeOfflineLoader } from "./offline-loader.mjs";

function text(values) { // default-language string: the first one without a language tag
  const vs = (values ?? []).filter((v) => v != null);
  const v = vs.find((x) => typeof x === "string") ?? vs[0];
  return v == null ? null : String(v);
}
const iso = (t) => t == null ? null : t.toString();
const href = (u) => u == null ? null : u instanceof Link ? u.href?.href ?? null : u.href ?? String(u);

export async function parseEmbedded(body) {
  const loader = makeOfflineLoader();
  const opts = { documentLoader: loader, contextLoader: loader, crossOrigin: "trust" };
  try {
    const activity = await Activity.fromJsonLd(body, { documentLoader: loader, contextLoader: loader });
    const o = await activity.getObject(opts);
    if (o == null) throw new Error("activity has no object");
    const loc = typeof o.getLocation === "function" ? await o.getLocation({ ...opts, suppressError: true }) : null;
    const tags = [];
    if (typeof o.getTags === "function") {
      for await (const t of o.getTags({ ...opts, suppressError: true })) {
        if (t instanceof Hashtag) tags.push(text(t.names));
      }
    }
    return {
      class: o.constructor.name, id: o.id?.href ?? null,
      name: text(o.names), summary: text(o.summaries), content: text(o.contents), url: href(o.url),
      published: iso(o.published), updated: iso(o.updated), startTime: iso(o.startTime), endTime: iso(o.endTime),
      location: loc == null ? null : { class: loc.constructor.name, name: text(loc.names) },
      tags, inReplyTo: o.replyTargetId?.href ?? null, attributedTo: o.attributionId?.href ?? null,
    };
  } catch (e) {
    const cause = e?.details?.cause?.message; // jsonld.js wraps loader errors
    return { error: cause ? `${e.name}: ${cause}` : e?.message ?? String(e) };
  }
}

