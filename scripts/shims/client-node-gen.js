// Bundling shim: client-node's config.js imports its generated API client only for
// makeApiClient()/applySecurityAuthentication(), which the extension never calls (it
// uses KubeConfig.applyToHTTPSOptions and node:https). Leaving the generated client out
// saves ~300 KB of model classes.
function unavailable() {
  throw new Error('the generated Kubernetes API client is not bundled with Istio Revisions');
}
exports.createConfiguration = unavailable;
exports.ServerConfiguration = function ServerConfiguration() {
  unavailable();
};
