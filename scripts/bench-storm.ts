/**
 * Restart storm: the whole extension (the production bundle, in this process, on the vscode
 * shim) watches a large cluster while every Deployment is restarted by the real
 * `kubectl rollout restart` (child processes, one per namespace). Tag `stable` is first moved (1-30-1 ↔ 1-31-0), so a
 * quarter of the pods are stale and the storm brings them back to 0.
 *
 * Measured in this process while the storm runs: event-loop delay p50/p99
 * (perf_hooks.monitorEventLoopDelay), tree refreshes per second (what VS Code would re-read: the
 * fired nodes' items, and the children of the expanded ones), CPU time, and the time from the
 * event that removed the last stale pod to the tree refresh showing 0 stale. The Proxy status
 * page's model is reshaped and serialized as the panel does (reshapeDelay: 200 ms, or four times the last reshape;
 * each namespace's rows kept in a ProxyStatusMemo told of every change; after the first state, only the
 * namespaces whose rows changed, ProxyStatusDeltas).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ProxyStatusDeltas, ProxyStatusMemo, reshapeDelay, shapeProxyStatus } from '../src/istio/proxystatus';
import type { SnapshotChange } from '../src/istio/snapshot';

export interface StormResult {
  pods: number;
  deployments: number;
  stormMs: number;
  lagMs: { p50: number; p99: number; max: number };
  treeRefreshes: number;
  treeRefreshesPerSecondMax: number;
  treeRefreshesPerSecondMean: number;
  pageModels: number;
  pageModelMs: { mean: number; max: number };
  /** Characters of each posted page message (the first is the whole state). */
  pageModelChars: { first: number; mean: number; max: number };
  cpuMs: number;
  staleBefore: number;
  /** From the restart command to the model holding 0 stale (the pod event that removed the last stale pod applied). */
  zeroStaleModelMs: number;
  /** From that event applied to the tree refresh that shows it (debounce and the four-a-second limit). */
  zeroStaleModelToTreeMs: number;
}

const until = async (what: string, f: () => boolean, timeoutMs: number, everyMs = 100) => {
  const t0 = Date.now();
  while (!f()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`storm bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
};

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(cmd)} ${args.join(' ')}: exit ${code}: ${err.slice(0, 400)}`))));
  });
}

/** Runs `kubectl rollout restart` for each namespace, four at once (node -e STORM_DRIVER '{"kubectl","context","names"}'). */
const STORM_DRIVER = `
const { spawn } = require('node:child_process');
const { kubectl, context, names } = JSON.parse(process.argv[1]);
let next = 0;
const one = (ns) => new Promise((resolve, reject) => {
  const p = spawn(kubectl, ['rollout', 'restart', 'deployment', '-l', 'app=workload', '-n', ns, '--context', context], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => (err += d));
  p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error('kubectl rollout restart -n ' + ns + ': exit ' + code + ': ' + err.slice(0, 400)))));
});
Promise.all(Array.from({ length: 4 }, async () => { while (next < names.length) await one(names[next++]); })).catch((e) => { console.error(e.message); process.exit(1); });
`;

export async function benchStorm(o: {
  root: string;
  kubeconfig: string;
  kubectl: string;
  istioctl: string;
  context: string;
  timeoutMs?: number;
}): Promise<StormResult> {
  process.env.KUBECONFIG = o.kubeconfig;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the shim must be installed before the bundle is required
  const { install, stub } = require(path.join(o.root, 'scripts/vscode-shim.js'));
  install();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the production bundle, loaded as VS Code loads it
  const ext = require(path.join(o.root, 'dist/extension.js'));
  const ctx = {
    subscriptions: [] as { dispose(): void }[],
    extensionUri: stub('uri'),
    extensionPath: o.root,
    globalState: stub('gs'),
    workspaceState: stub('ws'),
  };
  const api = ext.activate(ctx);
  await api.ready;
  await until('the watcher ready', () => api.clusters.get(o.context)?.watcher?.phase.phase === 'ready', 300_000);
  const w = api.clusters.get(o.context).watcher;
  const snap = () => w.snapshot;
  const pods = snap().pods?.length ?? [...snap().namespaces()].reduce((a: number, n: any) => a + n.stats.pods, 0);
  // The stale count the tree's Namespaces group shows, from the snapshot's per-revision counters
  // (the same sum as over namespaces, without building 500 namespace views per batch here).
  const stale = () => [...snap().proxiesByRevision().values()].reduce((a: number, r: any) => a + r.stale, 0);

  // VS Code's side of the tree: the clusters, their groups and the Namespaces group expanded.
  const expanded = new Set<unknown>();
  const expand = async (n: unknown, depth: number) => {
    expanded.add(n);
    const kids = (await api.tree.getChildren(n)) ?? [];
    for (const k of kids) api.tree.getTreeItem(k);
    if (depth > 0) for (const k of kids) await expand(k, depth - 1);
  };
  await expand(undefined, 2);
  const fires: number[] = [];
  let shownStale = stale();
  let zeroShownAt = 0;
  api.tree.onDidChangeTreeData(async (nodes: unknown[] | undefined) => {
    fires.push(performance.now());
    for (const n of nodes ?? [undefined]) {
      if (n) api.tree.getTreeItem(n);
      if (!n || expanded.has(n)) for (const k of (await api.tree.getChildren(n)) ?? []) api.tree.getTreeItem(k);
    }
    shownStale = stale();
    if (shownStale === 0 && !zeroShownAt) zeroShownAt = performance.now();
  });
  // The Proxy status page's model, reshaped and serialized as the panel does on cluster changes.
  const pageMs: number[] = [];
  const pageChars: number[] = [];
  let pageTimer: NodeJS.Timeout | undefined;
  const memo = new ProxyStatusMemo();
  const deltas = new ProxyStatusDeltas();
  api.clusters.onDidChangeCluster((e: { change?: SnapshotChange }) => {
    memo.changed(e.change);
    if (pageTimer) return;
    pageTimer = setTimeout(
      () => {
        pageTimer = undefined;
        const t = performance.now();
        // What the panel posts: the whole state first, then only the namespaces whose rows changed.
        pageChars.push(JSON.stringify(deltas.next(shapeProxyStatus(snap(), o.context, undefined, undefined, undefined, memo))).length);
        pageMs.push(performance.now() - t);
      },
      reshapeDelay(pageMs[pageMs.length - 1] ?? 0),
    );
  });
  // When the last pod event reached the model.
  let lastApplied = 0;
  let zeroModelAt = 0;
  let storming = false;
  const orig = snap().applyMany.bind(snap());
  snap().applyMany = (evs: unknown[]) => {
    const out = orig(evs);
    lastApplied = performance.now();
    if (storming && !zeroModelAt && stale() === 0) zeroModelAt = lastApplied;
    return out;
  };

  const env = { ...process.env, KUBECONFIG: o.kubeconfig };
  // A quarter of the namespaces follow tag stable: moving it makes their pods stale. The scenario
  // points it at 1-30-1; a second storm on the same cluster moves it back.
  const to = snap().controlPlane.tagByName.get('stable')?.revision === '1-31-0' ? '1-30-1' : '1-31-0';
  await run(o.istioctl, ['tag', 'set', 'stable', '--revision', to, '--overwrite', '-y', '--context', o.context], env);
  await until('stable namespaces stale in the model', () => stale() > 0, 60_000);
  await new Promise((r) => setTimeout(r, 1500));
  const staleBefore = stale();
  const deployments = snap()
    .namespaces()
    .filter((n: any) => n.name.startsWith('large-')).length;

  const lag = monitorEventLoopDelay({ resolution: 10 });
  const cpu0 = process.cpuUsage();
  fires.length = 0;
  zeroShownAt = 0;
  const t0 = performance.now();
  storming = true;
  lag.enable();
  // The API server's own restart of every Deployment, as a user would type it: kubectl's rollout restart
  // takes one namespace at a time (no --all-namespaces), so one per namespace, four at once.
  const names: string[] = snap()
    .namespaces()
    .map((n: any) => n.name)
    .filter((n: string) => n.startsWith('large-'));
  // The kubectl processes are started by a driver process of their own: each spawn blocks the
  // spawning event loop for several milliseconds, which would be counted as the extension's lag.
  await run(process.execPath, ['-e', STORM_DRIVER, JSON.stringify({ kubectl: o.kubectl, context: o.context, names })], env);
  await until('0 stale shown in the tree', () => zeroShownAt > 0, o.timeoutMs ?? 1_800_000, 200);
  // every old pod gone from the model too (pods terminate with grace 0)
  await until('the storm over', () => performance.now() - lastApplied > 3000, o.timeoutMs ?? 1_800_000, 200);
  lag.disable();
  const stormMs = lastApplied - t0;
  const cpu = process.cpuUsage(cpu0);
  const perSecond = new Map<number, number>();
  for (const f of fires) perSecond.set(Math.floor((f - t0) / 1000), (perSecond.get(Math.floor((f - t0) / 1000)) ?? 0) + 1);
  const secs = Math.max(1, Math.ceil(stormMs / 1000));
  const res: StormResult = {
    pods,
    deployments,
    stormMs,
    lagMs: { p50: lag.percentile(50) / 1e6, p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 },
    treeRefreshes: fires.length,
    treeRefreshesPerSecondMax: Math.max(0, ...perSecond.values()),
    treeRefreshesPerSecondMean: fires.length / secs,
    pageModels: pageMs.length,
    pageModelMs: { mean: pageMs.reduce((a, b) => a + b, 0) / Math.max(1, pageMs.length), max: Math.max(0, ...pageMs) },
    pageModelChars: {
      first: pageChars[0] ?? 0,
      mean: Math.round(pageChars.reduce((a, b) => a + b, 0) / Math.max(1, pageChars.length)),
      max: Math.max(0, ...pageChars),
    },
    cpuMs: (cpu.user + cpu.system) / 1000,
    staleBefore,
    zeroStaleModelMs: zeroModelAt - t0,
    zeroStaleModelToTreeMs: zeroShownAt - zeroModelAt,
  };
  for (const d of ctx.subscriptions) d.dispose();
  ext.deactivate?.();
  return res;
}

if (require.main === module) {
  const arg = (k: string) => {
    const i = process.argv.indexOf(k);
    if (i < 0) throw new Error(`missing ${k}`);
    return process.argv[i + 1];
  };
  const bin = arg('--bin');
  benchStorm({
    root: path.resolve(__dirname, '..'),
    kubeconfig: arg('--kubeconfig'),
    kubectl: path.join(bin, 'kubectl'),
    istioctl: path.join(bin, 'istioctl'),
    context: arg('--context'),
  })
    .then((r) => {
      console.log(JSON.stringify(r));
      process.exit(0);
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
