// Measures loading and activating the bundled extension with the stub `vscode` module
// (scripts/vscode-shim.js), a cluster configured via
// KUBECONFIG, until activate() returns — before the first list comes back.
// Usage: node scripts/bench-activate.js dist/extension.js <kubeconfig>
const [, , bundle, kubeconfig] = process.argv;
process.env.KUBECONFIG = kubeconfig;

const { install, stub } = require('./vscode-shim');
install();

const t0 = performance.now();
const ext = require(require('path').resolve(bundle));
const tLoad = performance.now();
const ctx = { subscriptions: [], extensionUri: stub('uri'), extensionPath: process.cwd(), globalState: stub('gs'), workspaceState: stub('ws') };
const api = ext.activate(ctx);
const t1 = performance.now();
// loadMs: require() (reading, compiling and evaluating the bundle); evalMs: the evaluation alone (the bundle's own marks).
console.log(JSON.stringify({ loadMs: tLoad - t0, evalMs: api.activation.evalMs, activateMs: t1 - t0 }));
process.exit(0);
