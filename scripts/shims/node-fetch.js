// Bundling shim: @kubernetes/client-node imports node-fetch, but the extension only
// uses its KubeConfig (auth, TLS) and issues requests with node:https itself. Node ≥ 18
// has fetch and Headers built in, so the bundle uses those instead of node-fetch and its
// large URL/unicode tables.
module.exports = globalThis.fetch;
module.exports.default = globalThis.fetch;
module.exports.Headers = globalThis.Headers;
module.exports.Request = globalThis.Request;
module.exports.Response = globalThis.Response;
module.exports.FetchError = Error;
