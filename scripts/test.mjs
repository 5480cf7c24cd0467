// Runs the test tiers in order and stops at the first failure:
// lint → format → type check → unit → bundle + .vsix → package check → webview page → local-cluster binaries
// → integration → VS Code end to end.
// `--unit` runs only the fast tiers (no cluster).
import { spawnSync } from 'node:child_process';
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

step('lint (ESLint, type-aware)', bin('eslint'), ['.']);
step('format (Prettier)', bin('prettier'), ['--check', '--log-level', 'warn', '.']);
step('type check', bin('tsc'), ['--noEmit', '-p', '.']);
step('type check (webview page)', bin('tsc'), ['--noEmit', '-p', 'webview-ui']);
step('unit tests', bin('mocha'), ['--config', 'test/unit/.mocharc.json']);
step('bundle + package', 'npm', ['run', '-s', 'package']);
step('package check (vsce ls, size, listing, README pictures)', process.execPath, ['scripts/check-package.mjs']);
step('webview page in Chromium', bin('mocha'), ['--config', 'test/webview/.mocharc.json']);
if (!unitOnly) {
  step('local cluster binaries', process.execPath, ['-e', "import('./test/cluster/cluster.mjs').then((m) => m.ensureBinaries())"]);
  step('integration tests (local cluster)', bin('mocha'), ['--config', 'test/integration/.mocharc.json']);
  step('VS Code end to end (code-server + Chromium)', process.execPath, ['test/vscode/run-all.mjs', '--no-package']);
}
console.log(`\n[test] all passed\n  ${timings.join('\n  ')}`);
