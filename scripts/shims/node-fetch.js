// Bundling shim: @kubernetes/client-node imports node-fetch, but the extension only
// uses its KubeConfig (auth, TLS) and issues requests with node:https itself. Node ≥ 18
// has fetch and Headers built in, so the bundle uses those instead of node-fetch and its
// large URL/unicode tables. Accessed lazily: touching globalThis.fetch loads Node's
// internal HTTP client, which costs activation time for nothing.
function fetchShim(...args) {
  return globalThis.fetch(...args);
}
module.exports = fetchShim;
module.exports.default = fetchShim;
module.exports.FetchError = Error;
for (const name of ['Headers', 'Request', 'Response']) {
  Object.defineProperty(module.exports, name, { enumerable: true, get: () => globalThis[name] });
}
