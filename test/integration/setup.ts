/**
 * Mocha global fixture: starts the local cluster (`seed` scenario) once for the
 * integration suite and stops it afterwards, also when a test fails. If
 * ISTIO_REVISIONS_TEST_DIR names a running cluster (started by `npm run cluster:start`),
 * it is used as is and left running.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { conformanceTable } from './helpers';

type ClusterModule = typeof import('../cluster/cluster.mjs');
let started: { stop(): Promise<void> } | undefined;

export async function mochaGlobalSetup(): Promise<void> {
  const given = process.env.ISTIO_REVISIONS_TEST_DIR;
  if (given && fs.existsSync(path.join(given, 'state.json'))) {
    console.error(`[integration] using the running cluster in ${given}`);
    return;
  }
  const cluster: ClusterModule = await import('../cluster/cluster.mjs');
  const t0 = Date.now();
  const c = await cluster.startCluster({ scenario: process.env.ISTIO_REVISIONS_TEST_SCENARIO ?? 'seed', quiet: !process.env.ISTIO_REVISIONS_VERBOSE });
  started = c;
  process.env.ISTIO_REVISIONS_TEST_DIR = c.dir;
  console.error(
    `[integration] local cluster (${process.env.ISTIO_REVISIONS_TEST_SCENARIO ?? 'seed'}) started in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${c.kubeconfig}`,
  );
}

export async function mochaGlobalTeardown(): Promise<void> {
  const table = conformanceTable();
  if (table) {
    const out = path.resolve(__dirname, '../../test-output');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'conformance.md'), `# Conformance: the real kubectl/istioctl vs the extension, same starting state\n\n${table}`);
    console.error(`\n[integration] conformance (test-output/conformance.md):\n${table}`);
  }
  if (started) {
    await started.stop();
    console.error('[integration] local cluster stopped');
  }
}
