// `npm run demo`: builds the extension, starts the local cluster with the `seed`
// scenario (unless KUBECONFIG names another cluster and --local is not given),
// prints the CLI's view of it, and how to open VS Code with the extension on it.
// The cluster keeps running until `npm run cluster:stop` (or Ctrl-C here).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const run = (cmd, args, opts = {}) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) process.exit(r.status || 1);
};

run('npm', ['run', '-s', 'package']);
const cluster = await import(path.join(root, 'test/cluster/cluster.mjs'));
const dir = cluster.DEFAULT_DIR;
let state;
try {
  state = cluster.readState(dir);
} catch {
  state = undefined;
}
if (
  !state ||
  !state.pids ||
  !Object.values(state.pids).every((p) => {
    try {
      process.kill(p, 0);
      return true;
    } catch {
      return false;
    }
  })
) {
  console.log('[demo] starting the local cluster (seed scenario)…');
  const c = await cluster.startCluster({ scenario: 'seed', dir, ownerPid: 0 });
  state = cluster.readState(c.dir);
}
console.log('');
run(process.execPath, [path.join(root, 'dist/cli.js'), 'status', '--kubeconfig', state.kubeconfig]);
console.log(`
The local cluster is running (state in ${dir}).

Open the extension against it:
  KUBECONFIG=${state.kubeconfig} code --extensionDevelopmentPath=${root}
or install the package:
  code --install-extension ${path.join(root, 'dist/istio-revisions.vsix')}   # then start VS Code with KUBECONFIG=${state.kubeconfig}

Try:  KUBECONFIG=${state.kubeconfig} node dist/cli.js check
Stop: npm run cluster:stop
`);
