/** Shared helpers of the integration suite: the running local cluster, a watcher over it, waiting. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Permission } from '../../src/istio';
import { checkPermissions, ClusterClient, ClusterWatcher, configForContext, loadKubeconfigs } from '../../src/k8s';

export const CONTEXT = 'istio-revisions-local';

export interface ClusterState {
  dir: string;
  kubeconfig: string;
  binDir: string;
  apiserverUrl: string;
  adminToken: string;
  [k: string]: unknown;
}

export function clusterState(): ClusterState {
  const dir = process.env.ISTIO_REVISIONS_TEST_DIR;
  if (!dir) throw new Error('ISTIO_REVISIONS_TEST_DIR is not set: the global setup did not start a cluster');
  return JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as ClusterState;
}

export async function clusterModule(): Promise<typeof import('../cluster/cluster.mjs')> {
  return import('../cluster/cluster.mjs');
}

export function client(context = CONTEXT, timeoutMs = 30_000): ClusterClient {
  const loaded = loadKubeconfigs([clusterState().kubeconfig]);
  const cfg = configForContext(loaded, context);
  if (!cfg.ok) throw new Error(cfg.message);
  return new ClusterClient(context, cfg.config, undefined, timeoutMs);
}

export async function startWatcher(context = CONTEXT, batchMs = 5): Promise<ClusterWatcher> {
  const w = new ClusterWatcher(client(context), { batchMs });
  const phase = await w.start(true);
  if (phase.phase !== 'ready') throw new Error(`watcher not ready: ${JSON.stringify(phase)}`);
  return w;
}

export async function kubectl(args: string[], opts: { input?: string; allowFail?: boolean } = {}): Promise<string> {
  const m = await clusterModule();
  return m.kubectl(clusterState(), args, opts);
}

export async function istioctl(args: string[], opts: { input?: string; allowFail?: boolean } = {}): Promise<string> {
  const m = await clusterModule();
  return m.istioctl(clusterState(), args, opts);
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  while (Date.now() - t0 < timeoutMs) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** RBAC changes reach the API server's authorizer asynchronously: wait until `context` may do this. */
export async function waitForPermission(context: string, perm: Permission): Promise<void> {
  const c = client(context);
  try {
    await waitFor(`${context} may ${perm.verb} ${perm.resource}`, async () => {
      const r = await checkPermissions(c, [perm]);
      return r.ok && r.value.length === 0;
    }, 30_000);
  } finally {
    c.dispose();
  }
}
