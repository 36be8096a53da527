// Offline JSON-LD document/context loader shared by peer.mjs and expand.mjs.
//
// Serves ONLY the contexts that Fedify ships preloaded (@fedify/vocab-runtime's
// `preloadedContexts`) and throws for every other URL, so that nothing using it can touch the
// network. `attempts` records every URL that was asked for and refused.
import { preloadedContexts } from "@fedify/vocab-runtime";

export { preloadedContexts };

export class OfflineLoaderError extends Error {}

export function makeOfflineLoader() {
  const attempts = [];
  const loader = async (url) => {
    const key = String(url);
    const document = preloadedContexts[key] ?? preloadedContexts[key.replace(/#.*$/, "")];
    if (document === undefined) {
      attempts.push(key);
      throw new OfflineLoaderError(`offline loader: refusing to fetch ${key} (only Fedify's preloaded contexts are served)`);
    }
    return { contextUrl: null, documentUrl: key, document: structuredClone(document) };
  };
  loader.attempts = attempts;
  return loader;
}
