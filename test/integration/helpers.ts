/** Shared helpers of the integration suite: the running local cluster, a watcher over it, waiting. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Permission } from '../../src/istio';
import { checkPermissions, ClusterClient, ClusterWatcher, configForContext, loadKubeconfigs } from '../../src/k8s';
import { runTool } from '../../src/tools/process';

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

export function client(context = CONTEXT, timeoutMs = 30_000, kubeconfig = clusterState().kubeconfig): ClusterClient {
  const loaded = loadKubeconfigs([kubeconfig]);
  const cfg = configForContext(loaded, context);
  if (!cfg.ok) throw new Error(cfg.message);
  return new ClusterClient(context, cfg.config, undefined, timeoutMs);
}

/** The model of the cluster behind `kubeconfig` (a suite's own cluster), listed once; disposed after `fn`. */
export async function withModelOf<T>(kubeconfig: string, fn: (w: ClusterWatcher) => T | Promise<T>): Promise<T> {
  const w = new ClusterWatcher(client(CONTEXT, 30_000, kubeconfig));
  try {
    await w.start(false);
    return await fn(w);
  } finally {
    w.dispose();
    w.client.dispose();
  }
}

export async function startWatcher(context = CONTEXT, batchMs = 5): Promise<ClusterWatcher> {
  const w = new ClusterWatcher(client(context), { batchMs });
  const phase = await w.start(true);
  if (phase.phase !== 'ready') throw new Error(`watcher not ready: ${JSON.stringify(phase)}`);
  return w;
}

/** Stops a watcher and its client (undefined when the suite's `before` never got that far). */
export function disposeWatcher(w: ClusterWatcher | undefined): void {
  w?.dispose();
  w?.client.dispose();
}

/** Registers, in the calling `describe`, a ready watcher on the shared cluster for the suite, stopped after it. */
export function withWatcher(set: (w: ClusterWatcher) => void): void {
  let w: ClusterWatcher | undefined;
  before(async () => {
    w = await startWatcher();
    set(w);
  });
  after(() => disposeWatcher(w));
}

/** A suite's own local cluster (not the shared seed one). */
export interface OwnCluster {
  dir: string;
  kubeconfig: string;
  binDir: string;
  stop(): Promise<void>;
}

/**
 * Registers, in the calling `describe`, the suite's own local cluster of `scenario` with a ready
 * watcher on it: started in `before`, both stopped in `after`.
 */
export function withOwnCluster(scenario: string, set: (c: OwnCluster, w: ClusterWatcher) => void): void {
  let c: OwnCluster | undefined;
  let w: ClusterWatcher | undefined;
  before(async () => {
    const m = await clusterModule();
    const started = await m.startCluster({ scenario, quiet: !process.env.ISTIO_REVISIONS_VERBOSE });
    c = { dir: started.dir, kubeconfig: started.kubeconfig, binDir: started.binDir, stop: () => started.stop() };
    w = new ClusterWatcher(client(CONTEXT, 30_000, c.kubeconfig), { batchMs: 5 });
    const phase = await w.start(true);
    if (phase.phase !== 'ready') throw new Error(`watcher on the ${scenario} cluster not ready: ${JSON.stringify(phase)}`);
    set(c, w);
  });
  after(async () => {
    disposeWatcher(w);
    await c?.stop();
  });
}

/** The real istioctl against a suite's own cluster; its stdout, or the error it printed. */
export async function ownIstioctl(c: OwnCluster, args: string[]): Promise<string> {
  const r = await runTool(path.join(c.binDir, 'istioctl'), [...args, '--context', CONTEXT], {
    env: { ...process.env, KUBECONFIG: c.kubeconfig, HOME: path.join(c.dir, 'home') },
  });
  if (!r.ok) throw new Error(r.message);
  return r.result.stdout;
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
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** RBAC changes reach the API server's authorizer asynchronously: wait until `context` may do this. */
export async function waitForPermission(context: string, perm: Permission): Promise<void> {
  const c = client(context);
  try {
    await waitFor(
      `${context} may ${perm.verb} ${perm.resource}`,
      async () => {
        const r = await checkPermissions(c, [perm]);
        return r.ok && r.value.length === 0;
      },
      30_000,
    );
  } finally {
    c.dispose();
  }
}

/** Runs the built CLI (dist/cli.js, as users run it) against the local cluster. */
export function cli(
  args: string[],
  opts: { context?: string | null; timeoutMs?: number; cwd?: string } = {},
): { status: number; stdout: string; stderr: string; json?: any } {
  const st = clusterState();
  const ctx = opts.context === null ? [] : ['--context', opts.context ?? CONTEXT];
  const r = spawnSync(process.execPath, [path.resolve(__dirname, '../../dist/cli.js'), ...args, '--kubeconfig', st.kubeconfig, ...ctx], {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 300_000,
    cwd: opts.cwd,
    env: { ...process.env, KUBECONFIG: st.kubeconfig },
  });
  const out = { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  let json: any;
  if (args.includes('json') || args.includes('sarif')) {
    try {
      json = JSON.parse(out.stdout);
    } catch {
      /* not JSON: left undefined for the caller's assertion */
    }
  }
  return { ...out, json };
}

// ---- the conformance table: case → the real tool's result → the extension's result ----------

export interface ConformanceRow {
  area: string;
  case: string;
  tool: string;
  extension: string;
  agree: boolean;
}
// On globalThis: the global teardown (setup.ts) may load this module as a separate instance.
const conformanceRows: ConformanceRow[] = ((globalThis as { __irConformanceRows?: ConformanceRow[] }).__irConformanceRows ??= []);

/** Records one compared case; the suite prints every row at the end (setup.ts) and writes test-output/conformance.md. */
export function recordConformance(row: ConformanceRow): void {
  conformanceRows.push(row);
}

export function conformanceTable(): string {
  if (conformanceRows.length === 0) return '';
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = ['| area | case | real tool | extension | agree |', '|---|---|---|---|---|'];
  for (const r of conformanceRows) lines.push(`| ${esc(r.area)} | ${esc(r.case)} | ${esc(r.tool)} | ${esc(r.extension)} | ${r.agree ? 'yes' : '**NO**'} |`);
  return `${lines.join('\n')}\n\n${conformanceRows.filter((r) => r.agree).length} of ${conformanceRows.length} cases agree.\n`;
}
