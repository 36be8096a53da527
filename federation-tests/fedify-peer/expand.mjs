// JSON-LD expansion check, offline, with Fedify's own JSON-LD processor and contexts.
//
//   node expand.mjs < docs.json
//
// stdin: a JSON array of JSON-LD documents. Each one is expanded with the jsonld.js that Fedify
// bundles (@fedify/vocab-runtime/jsonld) and a loader that serves only the contexts Fedify
// preloads (@fedify/vocab-runtime's `preloadedContexts`, see offline-loader.mjs) and fails for
// any other URL: nothing is fetched.
//
// stdout: one JSON line per document, in input order:
//   {"index":0,"ok":true,"problems":[]}
//   {"index":1,"ok":false,"problems":[
//     {"kind":"property","term":"mystery","path":"$.mystery","iri":"_:mystery","expanded_path":"$[0][\"_:mystery\"]"},
//     {"kind":"type","term":"Hashtag","path":"$.tag[0].type","iri":"_:Hashtag","expanded_path":"$[0][\"https://www.w3.org/ns/activitystreams#tag\"][0][\"@type\"][0]"}]}
//   {"index":2,"ok":false,"problems":[{"kind":"error","code":"jsonld.InvalidUrl",
//     "message":"offline loader: refusing to fetch https://example.com/ctx (...)","url":"https://example.com/ctx"}]}
// ok = no problems. Problems:
//   property / type: an expanded property key or @type value that is a blank-node IRI ("_:...").
//     That is what a term the contexts do not define becomes under the ActivityStreams context's
//     `"@vocab": "_:"`. `term` is the term as written, `path` where it is in the input document
//     (JSONPath; null if it could not be traced back), `expanded_path` where it is in the
//     expanded output.
//   error: expansion failed (e.g. a context that is not preloaded, an invalid context).
// Exit status: 0 when every document was checked, problems or not; 2 on bad input (stdin not a
// JSON array).
import process from "node:process";
import jsonld from "@fedify/vocab-runtime/jsonld";
import { makeOfflineLoader } from "./offline-loader.mjs";

const isKeyword = (s) => typeof s === "string" && /^@[a-zA-Z]+$/.test(s);
const asArray = (v) => Array.isArray(v) ? v : [v];
const isObj = (v) => v != null && typeof v === "object" && !Array.isArray(v);
const seg = (k) => typeof k === "number" ? `[${k}]` : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
const join = (path, k) => path + seg(k);

// IRI expansion of a term / compact IRI against an active context from jsonld.processContext().
function expandIri(ctx, value, vocab) {
  if (typeof value !== "string") return null;
  if (isKeyword(value)) return value;
  if (ctx.mappings.has(value)) return ctx.mappings.get(value)?.["@id"] ?? null;
  const i = value.indexOf(":");
  if (i > 0) {
    const prefix = value.slice(0, i), suffix = value.slice(i + 1);
    if (prefix === "_" || suffix.startsWith("//")) return value;
    const def = ctx.mappings.get(prefix);
    if (def?.["@id"] != null) return def["@id"] + suffix;
    return value; // absolute IRI
  }
  if (vocab && ctx["@vocab"] != null) return ctx["@vocab"] + value;
  return null; // relative: dropped as a property, resolved against the base as a type
}

// (1) What the expansion really produced: every "_:" property key and "_:" @type value.
// `chain` is the list of expanded property IRIs from the root, used to pair (1) with (2).
function collectExpanded(node, path, chain, out) {
  if (Array.isArray(node)) { node.forEach((v, i) => collectExpanded(v, join(path, i), chain, out)); return; }
  if (!isObj(node)) return;
  for (const [k, v] of Object.entries(node)) {
    if (k === "@type") {
      asArray(v).forEach((t, i) => {
        if (typeof t === "string" && t.startsWith("_:")) out.push({ kind: "type", iri: t, chain, expanded_path: Array.isArray(v) ? join(join(path, k), i) : join(path, k) });
      });
      continue;
    }
    if (k.startsWith("_:")) out.push({ kind: "property", iri: k, chain, expanded_path: join(path, k) });
    if (k !== "@value") collectExpanded(v, join(path, k), `${chain} > ${k}`, out);
  }
}

// (2) Where in the input each such term is: walk the input with the active contexts
// (embedded, property-scoped and type-scoped contexts included).
async function walkInput(node, ctx, path, chain, propDef, opts, out) {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) await walkInput(node[i], ctx, join(path, i), chain, propDef, opts, out);
    return;
  }
  if (!isObj(node)) return;
  if (propDef?.["@context"] !== undefined) ctx = await jsonld.processContext(ctx, propDef["@context"], { ...opts, propagate: true, overrideProtected: true });
  if ("@context" in node) ctx = await jsonld.processContext(ctx, node["@context"], opts);
  const keys = Object.keys(node).filter((k) => k !== "@context");
  const iris = new Map(keys.map((k) => [k, expandIri(ctx, k, true)]));
  // type-scoped contexts apply to this node's own properties (not propagated to nested nodes)
  let typeCtx = ctx;
  const typeKeys = keys.filter((k) => iris.get(k) === "@type");
  const types = typeKeys.flatMap((k) => asArray(node[k])).filter((t) => typeof t === "string").sort();
  for (const t of types) {
    const def = ctx.mappings.get(t);
    if (def?.["@context"] !== undefined) typeCtx = await jsonld.processContext(typeCtx, def["@context"], { ...opts, propagate: false });
  }
  if (typeCtx !== ctx) for (const k of keys) iris.set(k, expandIri(typeCtx, k, true));
  const isValue = keys.some((k) => iris.get(k) === "@value");
  for (const k of keys) {
    const iri = iris.get(k), v = node[k], p = join(path, k);
    if (iri == null) continue;
    if (iri === "@type") {
      asArray(v).forEach((t, i) => {
        const tIri = expandIri(typeCtx, t, true);
        if (tIri?.startsWith("_:")) out.push({ kind: "type", term: t, path: Array.isArray(v) ? join(p, i) : p, iri: tIri, chain });
      });
      continue;
    }
    if (isValue) continue;
    if (iri.startsWith("_:")) out.push({ kind: "property", term: k, path: p, iri, chain });
    if (isKeyword(iri)) {
      if (["@set", "@nest"].includes(iri)) await walkInput(v, ctx, p, chain, null, opts, out);
      else if (["@graph", "@included", "@list", "@reverse"].includes(iri)) await walkInput(v, ctx, p, `${chain} > ${iri}`, null, opts, out);
      continue;
    }
    const def = typeCtx.mappings.get(k) ?? null;
    if (def?.["@type"] === "@json") continue;
    const container = asArray(def?.["@container"] ?? []);
    if (container.includes("@language")) continue;
    if (isObj(v) && (container.includes("@index") || container.includes("@id") || container.includes("@type"))) {
      for (const [mk, mv] of Object.entries(v)) await walkInput(mv, ctx, join(p, mk), `${chain} > ${iri}`, def, opts, out);
      continue;
    }
    await walkInput(v, ctx, p, `${chain} > ${iri}`, def, opts, out);
  }
}

async function check(doc) {
  const loader = makeOfflineLoader();
  const opts = { documentLoader: loader };
  let expanded;
  try {
    expanded = await jsonld.expand(doc, opts);
  } catch (e) {
    return [{
      kind: "error", code: e?.name ?? "Error",
      message: e?.details?.cause?.message ?? e?.message ?? String(e),
      url: e?.details?.url ?? loader.attempts[0] ?? null,
    }];
  }
  const actual = [];
  collectExpanded(expanded, "$", "$", actual);
  if (actual.length === 0) return [];
  const predicted = [];
  try {
    await walkInput(doc, await jsonld.processContext(null, null, opts), "$", "$", null, opts, predicted);
  } catch (e) {
    console.error(`expand.mjs: could not trace terms back to the input: ${e?.message ?? e}`);
  }
  // pair each real occurrence with a traced one of the same kind, IRI and property chain (in
  // document order), then with any left of the same kind and IRI; else the path is unknown
  const take = (a, sameChain) => {
    const i = predicted.findIndex((p) => p.kind === a.kind && p.iri === a.iri && (!sameChain || p.chain === a.chain));
    return i >= 0 ? predicted.splice(i, 1)[0] : null;
  };
  const paired = actual.map((a) => take(a, true));
  return actual.map((a, n) => {
    const p = paired[n] ?? take(a, false) ?? { term: a.iri.slice(2), path: null };
    return { kind: a.kind, term: p.term, path: p.path, iri: a.iri, expanded_path: a.expanded_path };
  });
}

let docs;
try {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  docs = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  if (!Array.isArray(docs)) throw new Error("input must be a JSON array of JSON-LD documents");
} catch (e) {
  console.error(`expand.mjs: bad input: ${e?.message ?? e}`);
  process.exit(2);
}
for (let index = 0; index < docs.length; index++) {
  const problems = await check(docs[index]);
  process.stdout.write(JSON.stringify({ index, ok: problems.length === 0, problems }) + "\n");
}
