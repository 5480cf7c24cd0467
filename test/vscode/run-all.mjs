// The VS Code end-to-end tier, one entry: set-up (idempotent) → package the .vsix → a fresh
// local cluster with the `seed` scenario in a temp dir → the extension-host suite (mocha inside
// code-server's real extension host) → the UI test (the .vsix in code-server, driven by Chromium)
// → the cluster stopped (also on failure or Ctrl-C). Prints timings and the peak memory of
// code-server and Chromium; exits non-zero if anything failed.
//
//   node test/vscode/run-all.mjs [--no-package] [--only ehost|ui|seed|ambient|helm] [--keep]
//   (ui: every UI run; seed: the seed scenario's UI run alone)
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { runExtensionHostSuite } from './run-code-server.mjs';
import { chooseRunner, runExtensionHostSuiteElectron } from './run-electron.mjs';
import { runAmbientUiTest, runHelmUiTest, runUiTest } from './ui.test.mjs';
import { ensureSetup, exitOnSignals, log, mb, ROOT, secs, startMemorySampler } from './lib.mjs';

const argv = process.argv.slice(2);
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
const keep = argv.includes('--keep');
const timings = [];
const time = async (name, fn) => {
  const t0 = Date.now();
  try {
    return await fn();
  } finally {
    timings.push([name, Number(secs(t0))]);
  }
};

const t0 = Date.now();
let cluster;
const stopCluster = async () => {
  const c = cluster;
  cluster = undefined;
  if (c) await c.stop();
};
exitOnSignals(stopCluster);

const results = [];
let sampler;
try {
  const setup = await time('set-up (scripts/setup-vscode.sh)', () => ensureSetup());
  if (!argv.includes('--no-package')) {
    await time('package (.vsix)', () => {
      const r = spawnSync('npm', ['run', '-s', 'package'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
      if (r.status !== 0) throw new Error(`npm run package failed (exit ${r.status})`);
    });
  }
  const { startCluster } = await import(path.join(ROOT, 'test/cluster/cluster.mjs'));
  cluster = await time('local cluster (seed)', () => startCluster({ scenario: 'seed', quiet: true }));
  log('vscode', `cluster ${cluster.apiserverUrl} (dir ${cluster.dir})`);
  sampler = startMemorySampler(500);
  if (!only || only === 'ehost') {
    // A desktop VS Code through @vscode/test-electron where it can be downloaded; code-server otherwise.
    const { runner, why } = await chooseRunner();
    log('vscode', `── extension-host suite (mocha in ${runner === 'electron' ? 'a desktop VS Code' : "code-server's"} extension host: ${why})`);
    const r = await time('extension-host suite', () =>
      runner === 'electron'
        ? runExtensionHostSuiteElectron({ kubeconfig: cluster.kubeconfig, keep })
        : runExtensionHostSuite({ setup, kubeconfig: cluster.kubeconfig, keep }),
    );
    results.push([
      `extension-host suite (${runner})`,
      r.ok,
      r.summary ? `${r.summary.passes} passed, ${r.summary.failures} failed, ${r.summary.pending} skipped` : `host exit ${r.exitCode}`,
    ]);
  }
  if (!only || only === 'ui' || only === 'seed') {
    log('vscode', '── UI test (.vsix in code-server, Chromium)');
    const r = await time('UI test', () => runUiTest({ setup, clusterDir: cluster.dir, keep }));
    results.push(['UI test', r.ok, `${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped; screenshots: ${r.screenshots.join(', ') || 'none'}`]);
  }
  // Scenarios in their own cluster: ambient (Node agents, waypoints, the ztunnel action),
  // helm (revisions show their release; a tag the Helm way from the tree).
  for (const [scenario, run] of [
    ['ambient', runAmbientUiTest],
    ['helm', runHelmUiTest],
  ]) {
    if (only && only !== 'ui' && only !== scenario) continue; // --only seed: the seed UI run alone
    await time('cluster stop', stopCluster);
    cluster = await time(`local cluster (${scenario})`, () => startCluster({ scenario, quiet: true }));
    log('vscode', `── UI test, ${scenario} scenario (.vsix in code-server, Chromium)`);
    const r = await time(`UI test (${scenario})`, () => run({ setup, clusterDir: cluster.dir, keep }));
    results.push([`UI test (${scenario})`, r.ok, `${r.passed} passed, ${r.failed} failed; screenshots: ${r.screenshots.join(', ') || 'none'}`]);
  }
} catch (e) {
  results.push(['harness', false, e.stack ?? String(e)]);
} finally {
  const peak = sampler?.stop();
  await time('cluster stop', stopCluster).catch((e) => results.push(['cluster stop', false, e.message]));
  console.log('\n[vscode] ── summary');
  for (const [name, ok, detail] of results) console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
  console.log('[vscode] timings');
  for (const [name, s] of timings) console.log(`  ${name}: ${s} s`);
  console.log(`  total: ${secs(t0)} s`);
  if (peak) {
    console.log(
      `[vscode] peak memory (${peak.samples} samples, 0.5 s apart): code-server ${mb(peak.codeServerRss)} RSS / ${mb(peak.codeServerPss)} PSS, ` +
        `Chromium ${mb(peak.chromiumRss)} RSS / ${mb(peak.chromiumPss)} PSS, together ${mb(peak.totalRss)} RSS / ${mb(peak.totalPss)} PSS`,
    );
  }
  const passed = results.filter((r) => r[1]).length;
  const failed = results.length - passed;
  console.log(`vscode: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}
