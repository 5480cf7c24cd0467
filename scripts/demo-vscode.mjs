// Opens the packaged extension against the local `seed` cluster in code-server (a real VS Code
// in the browser) and prints the URL to open. Runs until Ctrl-C.
//
//   node scripts/demo-vscode.mjs [--dir CLUSTER_DIR] [--port N] [--no-package]
//
// CLUSTER_DIR defaults to test/cluster's DEFAULT_DIR ($ISTIO_REVISIONS_CLUSTER_DIR or
// /tmp/istio-revisions-cluster). A cluster already running there is used as it is and left
// running; otherwise one is started with the seed scenario and stopped on Ctrl-C.
// Everything code-server writes goes to a temp folder removed on exit. Listens on 127.0.0.1 only.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureSetup, exitOnSignals, log, mkTmp, ROOT, startCodeServer } from '../test/vscode/lib.mjs';

const argv = process.argv.slice(2);
const arg = (n) => {
  const i = argv.indexOf(n);
  return i >= 0 ? argv[i + 1] : undefined;
};
const cluster = await import(path.join(ROOT, 'test/cluster/cluster.mjs'));
const dir = path.resolve(arg('--dir') ?? cluster.DEFAULT_DIR);

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
let state;
try {
  state = cluster.readState(dir);
} catch {
  state = undefined;
}
let started;
if (!state || !state.pids || !Object.values(state.pids).every(alive)) {
  log('demo', `no running cluster in ${dir}: starting one with the seed scenario (~25 s)…`);
  started = await cluster.startCluster({ scenario: 'seed', dir });
  state = cluster.readState(dir);
} else {
  log('demo', `using the running cluster in ${dir} (${state.apiserverUrl})`);
}

const setup = ensureSetup();
const vsix = path.join(ROOT, 'dist/istio-revisions.vsix');
if (!argv.includes('--no-package') || !fs.existsSync(vsix)) {
  log('demo', 'packaging the extension…');
  const r = spawnSync('npm', ['run', '-s', 'package'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) {
    console.error('npm run package failed');
    process.exit(1);
  }
}

const tmp = mkTmp('istio-revisions-demo-');
const workspace = path.join(tmp, 'workspace');
fs.mkdirSync(workspace, { recursive: true });
// A manifest to try the diagnostics, hovers and CodeLens on.
fs.copyFileSync(path.join(ROOT, 'test/vscode/fixtures/diagnostics.yaml'), path.join(workspace, 'namespaces.yaml'));

let server;
let cleaned = false;
const cleanup = async () => {
  if (cleaned) return;
  cleaned = true;
  await server?.stop();
  if (started) {
    log('demo', 'stopping the cluster it started');
    await started.stop();
  }
  fs.rmSync(tmp, { recursive: true, force: true });
};
exitOnSignals(cleanup);

server = await startCodeServer({
  setup,
  dir: tmp,
  folder: workspace,
  vsix,
  env: { KUBECONFIG: state.kubeconfig },
  ...(arg('--port') ? { port: Number(arg('--port')) } : {}),
});
const url = `${server.url}/?folder=${encodeURIComponent(workspace)}`;
console.log(`
  Istio Revisions in VS Code (code-server ${setup.CODE_SERVER_VERSION ?? ''}) against ${state.apiserverUrl}

    open:  ${url}

  Click the Istio Revisions icon in the activity bar. KUBECONFIG=${state.kubeconfig}
  Ctrl-C stops code-server${started ? ' and the cluster' : ' (the cluster keeps running: npm run cluster:stop)'}.
`);
server.proc.on('exit', async (code) => {
  if (cleaned) return; // stopping on a signal: exitOnSignals finishes the clean-up
  log('demo', `code-server exited (${code})`);
  await cleanup();
  process.exit(code ? 1 : 0);
});
await new Promise(() => {});
