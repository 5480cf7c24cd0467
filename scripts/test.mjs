// Runs the test tiers in order and stops at the first failure:
// type check → unit → bundle + .vsix (size check) → local-cluster binaries → integration.
// `--unit` runs only the fast tiers (no cluster).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const unitOnly = process.argv.includes('--unit');
const bin = (n) => path.join(root, 'node_modules', '.bin', n);
const timings = [];

function step(name, cmd, args, opts = {}) {
  const t0 = Date.now();
  console.log(`\n[test] ── ${name}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  timings.push(`${name}: ${secs} s`);
  if (r.status !== 0) {
    console.error(`[test] ${name} failed (exit ${r.status ?? r.signal}) after ${secs} s`);
    process.exit(r.status || 1);
  }
}

step('type check', bin('tsc'), ['--noEmit', '-p', '.']);
step('type check (webview page)', bin('tsc'), ['--noEmit', '-p', 'webview-ui']);
step('unit tests', bin('mocha'), ['--config', 'test/unit/.mocharc.json']);
step('bundle + package', 'npm', ['run', '-s', 'package']);
const vsix = path.join(root, 'dist', 'istio-revisions.vsix');
const size = fs.statSync(vsix).size;
console.log(`[test] ${path.relative(root, vsix)}: ${(size / 1024).toFixed(0)} KiB`);
if (size > 2 * 1024 * 1024) { console.error('[test] the .vsix is over 2 MB'); process.exit(1); }
step('webview page in Chromium', bin('mocha'), ['--config', 'test/webview/.mocharc.json']);
if (!unitOnly) {
  step('local cluster binaries', process.execPath, ['-e', "import('./test/cluster/cluster.mjs').then((m) => m.ensureBinaries())"]);
  step('integration tests (local cluster)', bin('mocha'), ['--config', 'test/integration/.mocharc.json']);
  step('VS Code end to end (code-server + Chromium)', process.execPath, ['test/vscode/run-all.mjs', '--no-package']);
}
console.log(`\n[test] all passed\n  ${timings.join('\n  ')}`);
