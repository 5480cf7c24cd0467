/**
 * `npm run bench [-- --quick] [-- --sizes 1000,10000] [-- --runs N] [-- --no-storm] [-- --dir D]`
 *
 * Seeds the `large` scenario at each size into the local cluster once, then measures,
 * side by side in the same run (medians with min–max over repeated runs):
 *  1. full model build through the extension's src/k8s + src/istio (the bundled CLI,
 *     `status -o json`) vs `kubectl get pods -A -o json` + `kubectl get ns -o json`;
 *  2. peak memory (max RSS) of both;
 *  3. one pod change → model and tree-node data updated, vs a full re-list;
 *  4. restarting 100 workloads through the restart plan vs a `kubectl rollout restart` loop;
 *  5. linting a 5,000-line multi-document manifest;
 *  6. activation time of the bundled extension and bundle size.
 * Prints one table and writes bench-results/<timestamp>.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { checkPermissions, ClusterClient, ClusterWatcher, configForContext, loadKubeconfigs, runRestarts, sendRestartPatches } from '../src/k8s';
import { restartRequest } from '../src/istio';
import { PROTOBUF_OR_JSON } from '../src/k8s/protobuf';
import { resourcePath } from '../src/k8s/resources';
import { sourcesFor } from '../src/k8s/watcher';
import type { FloorList } from './bench-floor';
import type { WorkloadId } from '../src/istio';

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const argVal = (k: string) => {
  const i = args.indexOf(k);
  return i >= 0 ? args[i + 1] : undefined;
};
const sizes = (argVal('--sizes') ?? (quick ? '1000' : '1000,10000')).split(',').map(Number);
const runs = Number(argVal('--runs') ?? (quick ? 3 : 5));
/** Leaves out the restart storm (at 10,000 pods it alone takes ~15 minutes; at 30,000 far longer). */
const noStorm = args.includes('--no-storm');
const CONTEXT = 'istio-revisions-local';

interface Stat {
  median: number;
  min: number;
  max: number;
  samples: number[];
}
const stat = (xs: number[]): Stat => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2, min: s[0], max: s[s.length - 1], samples: xs };
};
const fmt = (s: Stat, unit: string, digits = 0) => `${s.median.toFixed(digits)} ${unit} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
const log = (...a: unknown[]) => console.error('[bench]', ...a);

/** Runs a command under GNU time: wall seconds and max RSS (KiB). */
function timed(cmd: string, argv: string[], env?: NodeJS.ProcessEnv): { wallMs: number; maxRssKb: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...argv], {
    encoding: 'utf8',
    env: env ?? process.env,
    maxBuffer: 1024 * 1024 * 1024,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr.slice(-500)}`);
  const last = r.stderr.trim().split('\n').pop()!.trim().split(/\s+/);
  return { wallMs: Number(last[0]) * 1000, maxRssKb: Number(last[1]) };
}

function ensureTimeTool(): void {
  if (fs.existsSync('/usr/bin/time')) return;
  log('installing GNU time (Debian package "time")');
  const r = spawnSync('apt-get', ['install', '-y', '-qq', 'time'], { stdio: 'inherit' });
  if (r.status !== 0) spawnSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq time'], { stdio: 'inherit' });
  if (!fs.existsSync('/usr/bin/time')) throw new Error('GNU time is needed for peak-memory measurements: apt-get install time');
}

function client(kubeconfig: string): ClusterClient {
  const loaded = loadKubeconfigs([kubeconfig]);
  const cfg = configForContext(loaded, CONTEXT);
  if (!cfg.ok) throw new Error(cfg.message);
  return new ClusterClient(CONTEXT, cfg.config, undefined, 120_000);
}

/**
 * The floor's process (scripts/bench-floor.ts, bundled alone: a few KiB) and its two list files: the
 * watcher's sources as the model reads them (protobuf where it asks for it), and all as JSON.
 */
function bundleFloor(): { js: string; model: string; json: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-revisions-floor-'));
  const js = path.join(dir, 'bench-floor.js');
  esbuild.buildSync({ entryPoints: [path.join(root, 'scripts/bench-floor.ts')], bundle: true, platform: 'node', outfile: js, logLevel: 'warning' });
  const lists = (json: boolean): FloorList[] =>
    sourcesFor('istio-system').map((s) => ({
      path: resourcePath(s.resource, { namespace: s.namespace }),
      query: { limit: '500', labelSelector: s.labelSelector },
      accept: s.protobuf && !json ? PROTOBUF_OR_JSON : 'application/json',
    }));
  const model = path.join(dir, 'model.json');
  const json = path.join(dir, 'json.json');
  fs.writeFileSync(model, JSON.stringify(lists(false)));
  fs.writeFileSync(json, JSON.stringify(lists(true)));
  return { js, model, json };
}

async function main() {
  ensureTimeTool();
  log('building the bundle');
  if (spawnSync('node', ['esbuild.js', '--production'], { cwd: root, stdio: 'inherit' }).status !== 0) throw new Error('build failed');
  const floorJs = bundleFloor();
  const cluster = await import(path.join(root, 'test/cluster/cluster.mjs'));
  const scen = await import(path.join(root, 'test/cluster/scenarios.mjs'));
  const dir = argVal('--dir') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'istio-revisions-bench-'));
  const started = await cluster.startCluster({ scenario: 'none', dir, quiet: true });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await started.stop();
  };
  const state = cluster.readState(dir);
  const kubectl = path.join(state.binDir, 'kubectl');
  const kenv = { ...process.env, KUBECONFIG: state.kubeconfig };
  const results: Record<string, unknown> = {
    machine: { cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    quick,
    runs,
    sizes: {} as Record<string, unknown>,
  };
  const rows: string[][] = [];
  try {
    let seeded = 0;
    for (const size of sizes) {
      const namespaces = Math.max(1, Math.round(size / 20));
      log(`seeding ${size} pods in ${namespaces} namespaces…`);
      const t0 = Date.now();
      if (seeded === 0) await scen.applyScenario(state, 'large', { large: { namespaces, podsPerNamespace: 20 } });
      else await scen.applyScenario(state, 'large', { large: { namespaces, podsPerNamespace: 20 } });
      seeded = size;
      log(`seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      const r: Record<string, unknown> = {};

      // 1 + 2: model build vs kubectl, wall time and peak memory, interleaved run by run.
      const ours: { wallMs: number; maxRssKb: number }[] = [];
      const theirs: { wallMs: number; maxRssKb: number }[] = [];
      // The floor: the same lists fetched raw (scripts/bench-floor.ts), in its own process as the CLI is;
      // and the same lists all as JSON, the floor of a model that reads no protobuf.
      const floor: { wallMs: number; maxRssKb: number }[] = [];
      const jsonFloor: { wallMs: number; maxRssKb: number }[] = [];
      let floorBytes = 0;
      let jsonFloorBytes = 0;
      const floorBytesRead = () => JSON.parse(fs.readFileSync(path.join(os.tmpdir(), 'istio-revisions-bench-floor.json'), 'utf8')).bytes as number;
      for (let i = 0; i < runs; i++) {
        floor.push(timed(process.execPath, [floorJs.js, state.apiserverUrl, state.adminToken, floorJs.model]));
        floorBytes = floorBytesRead();
        jsonFloor.push(timed(process.execPath, [floorJs.js, state.apiserverUrl, state.adminToken, floorJs.json]));
        jsonFloorBytes = floorBytesRead();
        ours.push(
          timed(process.execPath, [
            path.join(root, 'dist/cli.js'),
            'status',
            '-o',
            'json',
            '--kubeconfig',
            state.kubeconfig,
            '--context',
            CONTEXT,
            '--timeout',
            '120',
          ]),
        );
        const a = timed(kubectl, ['get', 'pods', '-A', '-o', 'json'], kenv);
        const b = timed(kubectl, ['get', 'ns', '-o', 'json'], kenv);
        theirs.push({ wallMs: a.wallMs + b.wallMs, maxRssKb: Math.max(a.maxRssKb, b.maxRssKb) });
      }
      const oW = stat(ours.map((x) => x.wallMs));
      const kW = stat(theirs.map((x) => x.wallMs));
      const oM = stat(ours.map((x) => x.maxRssKb / 1024));
      const kM = stat(theirs.map((x) => x.maxRssKb / 1024));
      const fW = stat(floor.map((x) => x.wallMs));
      const jW = stat(jsonFloor.map((x) => x.wallMs));
      // The runs are interleaved (floor, JSON floor, ours, kubectl, then again): each run's own ratio
      // cancels what the machine was doing at that moment, which a ratio of two medians does not.
      const fP = stat(ours.map((x, i) => x.wallMs / floor[i].wallMs));
      const jP = stat(ours.map((x, i) => x.wallMs / jsonFloor[i].wallMs));
      r.modelBuild = {
        ours: oW,
        kubectl: kW,
        ratio: oW.median / kW.median,
        floor: fW,
        floorBytes,
        ratioToFloor: oW.median / fW.median,
        ratioToFloorPerRun: fP,
        jsonFloor: jW,
        jsonFloorBytes,
        ratioToJsonFloor: oW.median / jW.median,
        ratioToJsonFloorPerRun: jP,
      };
      r.peakMemoryMiB = { ours: oM, kubectl: kM, ratio: oM.median / kM.median };
      rows.push([`${size} pods`, 'model build (wall)', fmt(oW, 'ms'), fmt(kW, 'ms'), (oW.median / kW.median).toFixed(2)]);
      rows.push([
        `${size} pods`,
        'model build vs raw-list floor',
        fmt(oW, 'ms'),
        `floor ${fmt(fW, 'ms')} (${(floorBytes / 2 ** 20).toFixed(1)} MiB, no parse)`,
        (oW.median / fW.median).toFixed(2),
      ]);
      rows.push([
        `${size} pods`,
        'model build / raw-list floor, run by run',
        `${fP.median.toFixed(2)} (${fP.min.toFixed(2)}–${fP.max.toFixed(2)})`,
        'target ≤ 1.3 at 10,000',
        '',
      ]);
      rows.push([
        `${size} pods`,
        'model build vs all-JSON floor',
        fmt(oW, 'ms'),
        `JSON floor ${fmt(jW, 'ms')} (${(jsonFloorBytes / 2 ** 20).toFixed(1)} MiB, no parse)`,
        (oW.median / jW.median).toFixed(2),
      ]);
      rows.push([`${size} pods`, 'model build / all-JSON floor, run by run', `${jP.median.toFixed(2)} (${jP.min.toFixed(2)}–${jP.max.toFixed(2)})`, '', '']);
      rows.push([`${size} pods`, 'peak memory', fmt(oM, 'MiB'), fmt(kM, 'MiB'), (oM.median / kM.median).toFixed(2)]);
      // What holding this many pods costs the local cluster itself.
      const mem = (component: string) => {
        // The component runs in its own process group (cluster.mjs records the group's id): its processes' memory, summed.
        let rssMiB = 0;
        let peakMiB = 0;
        for (const p of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
          try {
            const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
            if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== state.pids[component]) continue;
            const st = fs.readFileSync(`/proc/${p}/status`, 'utf8');
            const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(st)?.[1] ?? 0) / 1024;
            rssMiB += kb('VmRSS');
            peakMiB += kb('VmHWM');
          } catch {
            // the process ended meanwhile
          }
        }
        return { rssMiB, peakMiB };
      };
      r.clusterMemory = { apiserver: mem('kube-apiserver'), etcd: mem('etcd') };
      const cm = r.clusterMemory as Record<string, { rssMiB: number; peakMiB: number }>;
      rows.push([
        `${size} pods`,
        'local cluster memory (RSS / peak)',
        `API server ${cm.apiserver.rssMiB.toFixed(0)} / ${cm.apiserver.peakMiB.toFixed(0)} MiB`,
        `etcd ${cm.etcd.rssMiB.toFixed(0)} / ${cm.etcd.peakMiB.toFixed(0)} MiB`,
        '',
      ]);

      // 3: one pod change → model + node data, vs a full re-list (in process, the extension's own code).
      const c = client(state.kubeconfig);
      const w = new ClusterWatcher(c, { batchMs: 0 });
      await w.start(true);
      const podList = JSON.parse(
        spawnSync(kubectl, ['get', 'pods', '-n', 'large-0000', '-o', 'json'], { env: kenv, encoding: 'utf8', maxBuffer: 64 << 20 }).stdout,
      );
      const target = podList.items[0].metadata.name;
      const e2e: number[] = [];
      const proc: number[] = [];
      const relist: number[] = [];
      for (let i = 0; i < Math.max(runs, 5); i++) {
        const value = `v${Date.now()}-${i}`;
        let procMs = 0;
        const done = new Promise<number>((resolve) => {
          const sub = w.onDidChange((ch) => {
            if (!ch.namespaces.has('large-0000')) return;
            const t = performance.now();
            const v = w.snapshot.namespace('large-0000'); // what the namespace tree node renders from
            void v?.stats.pods;
            procMs += performance.now() - t;
            if (w.snapshot.proxies('large-0000').length > 0) {
              sub.dispose();
              resolve(performance.now());
            }
          });
        });
        // processing time of the event itself: wrap applyMany once per run
        const orig = w.snapshot.applyMany.bind(w.snapshot);
        w.snapshot.applyMany = (evs) => {
          const t = performance.now();
          const out = orig(evs);
          procMs += performance.now() - t;
          return out;
        };
        const t0 = performance.now();
        const res = await c.request({
          method: 'PATCH',
          path: `/api/v1/namespaces/large-0000/pods/${target}`,
          contentType: 'application/merge-patch+json',
          body: { metadata: { labels: { bench: value } } },
          verb: 'patch',
          resource: 'pods',
        });
        if (!res.ok) throw new Error(JSON.stringify(res.error));
        const t1 = await done;
        w.snapshot.applyMany = orig;
        e2e.push(t1 - t0);
        proc.push(procMs);
      }
      for (let i = 0; i < runs; i++) {
        const w2 = new ClusterWatcher(c, {});
        const t0 = performance.now();
        await w2.start(false);
        relist.push(performance.now() - t0);
        w2.dispose();
      }
      w.dispose();
      const sP = stat(proc);
      const sE = stat(e2e);
      const sR = stat(relist);
      r.podChange = { processingMs: sP, endToEndMs: sE, fullRelistMs: sR };
      rows.push([`${size} pods`, 'pod change: model + node data', fmt(sP, 'ms', 3), `re-list ${fmt(sR, 'ms')}`, (sP.median / sR.median).toFixed(5)]);
      rows.push([`${size} pods`, 'pod change: PATCH → model updated', fmt(sE, 'ms', 1), '', '']);

      // 3b: restart storm: every Deployment restarted by kubectl while the whole extension watches (scripts/bench-storm.ts),
      // in its own process so that the bundle and its shim stay apart from this one.
      if (!noStorm) {
        const out = spawnSync(
          process.execPath,
          ['--import', 'tsx', path.join(root, 'scripts/bench-storm.ts'), '--kubeconfig', state.kubeconfig, '--bin', state.binDir, '--context', CONTEXT],
          { encoding: 'utf8', maxBuffer: 16 << 20, cwd: root },
        );
        if (out.status !== 0) throw new Error(`storm bench: ${out.stderr.slice(-2000)}`);
        const st = JSON.parse(out.stdout.trim().split('\n').pop()!) as import('./bench-storm').StormResult;
        r.storm = st;
        const at = `${st.pods} pods`;
        rows.push([
          at,
          `storm: ${st.deployments} Deployments restarted, event-loop delay p50 / p99`,
          `${st.lagMs.p50.toFixed(1)} / ${st.lagMs.p99.toFixed(1)} ms`,
          'target p99 < 50 ms',
          '',
        ]);
        rows.push([
          at,
          'storm: tree refreshes per second (max / mean)',
          `${st.treeRefreshesPerSecondMax} / ${st.treeRefreshesPerSecondMean.toFixed(1)}`,
          'target ≤ 4',
          '',
        ]);
        rows.push([at, 'storm: last stale pod gone from the model → tree shows 0 stale', `${st.zeroStaleModelToTreeMs.toFixed(0)} ms`, 'target < 1000 ms', '']);
        rows.push([
          at,
          'storm: restart → 0 stale in the model; storm length; CPU',
          `${(st.zeroStaleModelMs / 1000).toFixed(1)} s; ${(st.stormMs / 1000).toFixed(1)} s; ${(st.cpuMs / 1000).toFixed(1)} s`,
          '',
          '',
        ]);
        rows.push([
          at,
          'storm: page messages, whole state then deltas (count; reshape mean / max; size first / mean / max)',
          `${st.pageModels}; ${st.pageModelMs.mean.toFixed(1)} / ${st.pageModelMs.max.toFixed(0)} ms; ${(st.pageModelChars.first / 1024).toFixed(0)} / ${(st.pageModelChars.mean / 1024).toFixed(0)} / ${(st.pageModelChars.max / 1024).toFixed(0)} KiB`,
          '',
          '',
        ]);
        // put tag stable back for the next size
        spawnSync(path.join(state.binDir, 'istioctl'), ['tag', 'set', 'stable', '--revision', '1-30-1', '--overwrite', '-y', '--context', CONTEXT], {
          env: kenv,
        });
      }

      // 4: restart 100 workloads (only at the first size: it does not depend on pod count).
      if (size === sizes[0]) {
        const n = quick ? 30 : 100;
        log(`creating ${2 * n} zero-replica deployments for the restart benchmark`);
        const ns = 'bench-restart';
        await c.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } }, verb: 'create', resource: 'namespaces' });
        const mk = async (name: string) =>
          c.request({
            method: 'POST',
            path: `/apis/apps/v1/namespaces/${ns}/deployments`,
            verb: 'create',
            resource: 'deployments',
            body: {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              metadata: { name },
              spec: {
                replicas: 0,
                selector: { matchLabels: { app: name } },
                template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
              },
            },
          });
        for (let i = 0; i < 2 * n; i += 20) await Promise.all(Array.from({ length: Math.min(20, 2 * n - i) }, (_, j) => mk(`d-${i + j}`)));
        await new Promise((res) => setTimeout(res, 2000));
        const oursWs: WorkloadId[] = Array.from({ length: n }, (_, i) => ({ kind: 'Deployment', namespace: ns, name: `d-${i}` }));
        const t0 = performance.now();
        const rep = await runRestarts(c, oursWs, { batchSize: n, pollMs: 50 });
        const oursMs = performance.now() - t0;
        if (rep.completed.length !== n) throw new Error(`restart bench: ${JSON.stringify(rep).slice(0, 300)}`);
        // The patches alone (plus the RBAC pre-check), which is all a kubectl rollout restart loop does.
        const patchWs: WorkloadId[] = Array.from({ length: n }, (_, i) => ({ kind: 'Deployment', namespace: ns, name: `d-${i}` }));
        const tp = performance.now();
        const perms = await checkPermissions(
          c,
          patchWs.map((w) => restartRequest(w, 'x').permission),
        );
        if (!perms.ok || perms.value.length) throw new Error('restart bench: permission check failed');
        const sent = await sendRestartPatches(c, patchWs, new Date(Date.now() + 1000).toISOString());
        const patchMs = performance.now() - tp;
        if (sent.some((x) => !x.res.ok)) throw new Error('restart bench: a patch failed');
        const t1 = performance.now();
        for (let i = n; i < 2 * n; i++) {
          const x = spawnSync(kubectl, ['rollout', 'restart', `deployment/d-${i}`, '-n', ns], { env: kenv, encoding: 'utf8' });
          if (x.status !== 0) throw new Error(x.stderr);
        }
        const kMs = performance.now() - t1;
        r.restart = {
          workloads: n,
          oursWithRolloutWaitMs: oursMs,
          oursPatchesMs: patchMs,
          kubectlLoopMs: kMs,
          ratio: patchMs / kMs,
          ratioWithWait: oursMs / kMs,
          note: 'patches: RBAC pre-check + the restart patches (what the kubectl loop does); with wait: also waiting until every rollout completes (zero replicas)',
        };
        rows.push([
          `${n} workloads`,
          'restart: RBAC check + patches',
          `${patchMs.toFixed(0)} ms`,
          `kubectl loop ${kMs.toFixed(0)} ms`,
          (patchMs / kMs).toFixed(3),
        ]);
        rows.push([
          `${n} workloads`,
          'restart: + wait for every rollout',
          `${oursMs.toFixed(0)} ms`,
          `kubectl loop ${kMs.toFixed(0)} ms`,
          (oursMs / kMs).toFixed(3),
        ]);
      }
      c.dispose();
      (results.sizes as Record<string, unknown>)[String(size)] = r;
    }
    // The cases below need no cluster: stop it first, so its background work (after a storm, the
    // controllers still collecting 500 old ReplicaSets) does not share the two cores with them.
    await stop();

    // 5: lint a 5,000-line manifest (independent of the cluster).
    const lintMod = (await import('../src/istio/lint').catch(() => undefined)) as
      { lintText?: (t: string, ctx?: unknown, disabled?: string[]) => unknown } | undefined;
    if (lintMod?.lintText) {
      const docs: string[] = [];
      let lines = 0;
      for (let i = 0; lines < 5000; i++) {
        const d = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\n  namespace: ns-${i % 20}\n  annotations:\n    sidecar.istio.io/inject: "true"\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: app-${i}\n  template:\n    metadata:\n      labels:\n        app: app-${i}\n        istio.io/rev: ${i % 3 ? 'canary' : '1.8.0'}\n    spec:\n      containers:\n      - name: app\n        image: nginx:1.27\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-${i}\n  labels:\n    istio-injection: enabled\n    istio.io/rev: prod\n`;
        docs.push(d);
        lines += d.split('\n').length;
      }
      const text = docs.join('---\n');
      const ts: number[] = [];
      for (let i = 0; i < 25; i++) {
        const t0 = performance.now();
        lintMod.lintText(text, undefined, []);
        ts.push(performance.now() - t0);
      }
      const s = stat(ts.slice(5));
      results.lint = { lines: text.split('\n').length, ms: s };
      rows.push(['manifest', `lint ${text.split('\n').length} lines`, fmt(s, 'ms', 1), '', '']);
    } else {
      rows.push(['manifest', 'lint 5,000 lines', 'lint module not built yet', '', '']);
    }

    // 7: the Proxy status page with 10,000 proxies in 500 namespaces, measured in Chromium (scripts/bench-webview.ts).
    const { benchWebview } = await import('./bench-webview');
    const wv = await benchWebview(runs);
    results.webview = wv;
    const pageRows: [keyof typeof wv, string, number | undefined][] = [
      ['firstRender', 'first render', 150],
      ['updateOne', 'update of one workload, as a whole state', 16],
      ['updateDelta', 'update of one workload, as the delta the panel posts', 16],
      ['search', 'search', 50],
      ['revisionFilter', 'revision filter', 50],
      ['showMore', 'show 50 more rows', undefined],
    ];
    for (const [k, label, target] of pageRows) {
      const t = wv[k] as { handler: number[]; frame: number[] };
      rows.push([`page, ${wv.proxies} proxies`, `${label} (render + layout)`, fmt(stat(t.handler), 'ms', 1), target ? `target < ${target} ms` : '', '']);
    }

    // 6: activation of the bundled extension with a cluster configured, before the first list returns.
    const act: number[] = [];
    for (let i = 0; i < runs; i++) {
      const out = spawnSync(process.execPath, [path.join(root, 'scripts/bench-activate.js'), path.join(root, 'dist/extension.js'), state.kubeconfig], {
        encoding: 'utf8',
      });
      if (out.status !== 0) throw new Error(out.stderr);
      act.push(JSON.parse(out.stdout.trim().split('\n').pop()!).activateMs);
    }
    const sA = stat(act);
    const bundle = fs.statSync(path.join(root, 'dist/extension.js')).size;
    results.activation = { ms: sA, bundleBytes: bundle };
    rows.push(['extension', 'activation (load + activate)', fmt(sA, 'ms', 1), '', '']);
    rows.push(['extension', 'bundle size', `${(bundle / 1024).toFixed(0)} KiB`, '', '']);
  } finally {
    await stop();
  }
  const header = ['size', 'measure', 'Istio Revisions', 'baseline', 'ratio'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ');
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
  const outDir = path.join(root, 'bench-results');
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${new Date().toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  fs.writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(`\nJSON: ${path.relative(root, file)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
void spawn;
