/** Small helpers shared by unit tests. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterClient, configForContext, loadKubeconfigs } from '../../src/k8s';

/** mulberry32: a small deterministic PRNG (fuzz and damage tests draw the same values every run). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A client of a local test server (`http://127.0.0.1:<port>`), through a kubeconfig of one context with a token; 5 s timeout. */
export function localClient(server: string, context: string): ClusterClient {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'istio-revisions-local-')), 'kubeconfig');
  fs.writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: context, context: { cluster: 'c', user: 'u' } }],
      'current-context': context,
    }),
  );
  const cfg = configForContext(loadKubeconfigs([file]), context);
  assert.ok(cfg.ok);
  return new ClusterClient(context, cfg.config, undefined, 5000);
}
