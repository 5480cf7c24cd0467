/**
 * The upgrade guide end to end through the extension's own code, on its own local
 * cluster (`guide-base`: an unrevisioned control plane with test-ns on
 * istio-injection=enabled and an istio-ingressgateway): precheck, install a `canary`
 * revision with the real istioctl, move test-ns, restart (pods come back injected
 * by canary, as the API server's webhooks decided), move the default tag, then
 * uninstall the unrevisioned control plane — refused while it is still used.
 * A second cluster walks the rollback: uninstall the canary instead, with the
 * gateways it ran in place listed and restarted.
 */
import assert from 'node:assert/strict';
import { guideState, planRelabel, planTagSet, planUninstall, restartCandidates, uninstallChecklist, type WorkloadId } from '../../src/istio';
import { ClusterWatcher, describeRestartReport, fetchTagInputs, fetchUninstallObjects, runPlan, runPrecheck, runRestarts } from '../../src/k8s';
import { CONTEXT, ownIstioctl, waitFor, withOwnCluster, type OwnCluster } from './helpers';

async function run(w: ClusterWatcher, built: { ok: true; plan: Parameters<typeof runPlan>[1] } | { ok: false; message: string }) {
  assert.ok(built.ok, !built.ok ? built.message : '');
  const res = await runPlan(w.client, built.plan);
  assert.equal(res.ok, true, res.failed?.message ?? JSON.stringify(res.denied));
  return res;
}

async function restartNamespace(w: ClusterWatcher, ns: string): Promise<void> {
  w.flush();
  const { workloads } = restartCandidates(w.snapshot, ns, false);
  assert.ok(workloads.length > 0, `workloads in ${ns}`);
  const rep = await runRestarts(w.client, workloads, { batchSize: 2 });
  assert.equal(rep.completed.length, workloads.length, describeRestartReport(rep));
}

async function uninstall(w: ClusterWatcher, revision: string) {
  const objs = await fetchUninstallObjects(w.client, revision);
  assert.ok(objs.ok);
  const plan = planUninstall({ cluster: CONTEXT, revision, objects: objs.value });
  assert.ok(plan.requests.length > 0, plan.summary);
  const res = await runPlan(w.client, plan);
  assert.equal(res.ok, true, res.failed?.message);
  return plan;
}

describe('the canary upgrade guide, end to end (own guide-base cluster)', function () {
  this.timeout(600_000);
  let c: OwnCluster;
  let w: ClusterWatcher;
  withOwnCluster('guide-base', (cc, ww) => ([c, w] = [cc, ww]));

  it('1. precheck passes for the new version', async () => {
    const items = await runPrecheck(w.client, '1.31.0', 'istio-system');
    assert.deepEqual(
      items.filter((i) => i.level === 'error').map((i) => i.message),
      [],
    );
    assert.equal(items.find((i) => i.code === 'IST0142')?.level, 'ok');
    assert.equal(items.find((i) => i.code === 'IST0141')?.level, 'ok');
    assert.equal(guideState(w.snapshot).next, 'install');
  });

  it('2. installs a canary revision with the real istioctl', async () => {
    await ownIstioctl(c, ['install', '--set', 'revision=canary', '--set', 'hub=docker.io/istio', '--set', 'tag=1.28.0', '-y']);
    const rev = await waitFor(
      'canary in the model',
      () => {
        const r = w.snapshot.controlPlane.revisionByName.get('canary');
        return r?.readiness === 'ready' && r;
      },
      120_000,
    );
    assert.equal(rev.version, '1.28.0');
    assert.deepEqual(w.snapshot.controlPlane.revisions.map((r) => r.name).sort(), ['canary', 'default']);
    const g = guideState(w.snapshot);
    assert.deepEqual([g.from, g.to, g.next], ['default', 'canary', 'moveNamespaces']);
  });

  it('3. moves test-ns to canary in one request', async () => {
    await run(w, planRelabel(w.snapshot, CONTEXT, ['test-ns'], { kind: 'rev', value: 'canary' }));
    const v = await waitFor('test-ns → canary', () => {
      const n = w.snapshot.namespace('test-ns');
      return n?.resolvedRevision === 'canary' && n;
    });
    assert.equal(v.stats.stale, v.stats.proxies);
    assert.ok(v.stats.proxies > 0);
  });

  it('4. restarts test-ns: the pods come back injected by canary, as the API server decided', async () => {
    await restartNamespace(w, 'test-ns');
    await waitFor(
      'test-ns all on canary',
      () => {
        const n = w.snapshot.namespace('test-ns');
        return n && n.stats.stale === 0 && n.stats.byRevision.get('canary') === n.stats.proxies && n.stats.proxies === n.stats.pods;
      },
      120_000,
    );
    for (const p of w.snapshot.proxies('test-ns')) assert.deepEqual([p.injectedRevision, p.revisionSource, p.proxyVersion], ['canary', 'annotation', '1.28.0']);
  });

  it('5. uninstall of the unrevisioned control plane is refused while it is still used', () => {
    const check = uninstallChecklist(w.snapshot, 'default');
    assert.equal(check.blocking, true);
    const kinds = check.items.map((i) => i.kind);
    assert.ok(kinds.includes('tag') || kinds.includes('default') || kinds.includes('gateway'), JSON.stringify(check.items));
  });

  it('6. moves the default tag and the gateway off it; then the unrevisioned control plane is uninstalled', async () => {
    const i = await fetchTagInputs(w.client, 'istio-system');
    assert.ok(i.ok);
    await run(w, planTagSet({ cluster: CONTEXT, tag: 'default', revision: 'canary', overwrite: true, istioNamespace: 'istio-system', ...i.value }));
    await waitFor('default tag → canary', () => w.snapshot.controlPlane.tagByName.get('default')?.revision === 'canary');
    assert.equal(w.snapshot.controlPlane.defaultRevision, 'canary');
    // The gateway: upgraded in place by installing canary's gateway over it, then restarted.
    const gw = w.snapshot.gateways().find((g) => g.workload === 'istio-ingressgateway');
    if (gw && gw.running.has('default')) {
      await ownIstioctl(c, ['install', '--set', 'revision=canary', '--set', 'hub=docker.io/istio', '--set', 'tag=1.28.0', '--set', 'profile=default', '-y']);
      await waitFor(
        'gateway on canary',
        () => {
          const g = w.snapshot.gateways().find((x) => x.workload === 'istio-ingressgateway');
          return g && !g.running.has('default') && g.running.get('canary');
        },
        120_000,
      );
    }
    const check = uninstallChecklist(w.snapshot, 'default');
    assert.deepEqual(check.items, [], 'nothing uses the unrevisioned control plane any more');
    const plan = await uninstall(w, 'default');
    assert.ok(
      plan.requests.some((r) => r.path.endsWith('/deployments/istiod')),
      'istiod is deleted',
    );
    assert.ok(
      !plan.requests.some((r) => /istio-revision-tag-default|istiod-canary|istio-ingressgateway/.test(r.path)),
      'nothing of canary or the tag is deleted',
    );
    await waitFor(
      'only canary remains',
      () =>
        w.snapshot.controlPlane.revisions
          .filter((r) => r.deployments.length || r.webhooks.length)
          .map((r) => r.name)
          .join() === 'canary',
      120_000,
    );
    const g = guideState(w.snapshot);
    // Upgrade complete: every step after install is done; the next upgrade would start by installing.
    assert.deepEqual(
      g.steps.filter((x) => x.state !== 'done').map((x) => x.id),
      ['precheck', 'install'],
      JSON.stringify(g.steps),
    );
    assert.equal(g.to, 'canary');
    // test-ns keeps working: a new pod is still injected by canary
    await restartNamespace(w, 'test-ns');
    await waitFor(
      'test-ns re-injected by canary',
      () => {
        const n = w.snapshot.namespace('test-ns');
        return n && n.stats.stale === 0 && n.stats.byRevision.get('canary') === n.stats.pods;
      },
      120_000,
    );
  });
});

describe('rollback: uninstall the canary instead (own guide-base cluster)', function () {
  this.timeout(600_000);
  let c: OwnCluster;
  let w: ClusterWatcher;
  withOwnCluster('guide-base', (cc, ww) => ([c, w] = [cc, ww]));

  it('lists the gateways the canary runs in place, uninstalls it and restarts them back', async () => {
    // An injected (helm-chart style) gateway following the default tag.
    const { kubectl } = await import('../cluster/cluster.mjs');
    const m = await import('../cluster/cluster.mjs');
    const st = m.readState(c.dir);
    kubectl(st, ['create', 'namespace', 'gw']);
    await waitFor('gw default SA', () => kubectl(st, ['get', 'sa', 'default', '-n', 'gw'], { allowFail: true }).includes('default'));
    kubectl(st, ['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'edge-gateway', namespace: 'gw' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { istio: 'edge-gateway' } },
          template: {
            metadata: { labels: { istio: 'edge-gateway', app: 'edge-gateway', 'sidecar.istio.io/inject': 'true' } },
            spec: { containers: [{ name: 'istio-proxy', image: 'auto' }] },
          },
        },
      }),
    });
    await waitFor(
      'edge gateway on default',
      () =>
        w.snapshot
          .gateways()
          .find((g) => g.workload === 'edge-gateway')
          ?.running.get('default') === 1,
      90_000,
    );
    // canary installed, default tag moved to it, gateway restarted onto it
    await ownIstioctl(c, ['install', '--set', 'revision=canary', '--set', 'hub=docker.io/istio', '--set', 'tag=1.28.0', '-y']);
    await waitFor('canary ready', () => w.snapshot.controlPlane.revisionByName.get('canary')?.readiness === 'ready', 120_000);
    const i = await fetchTagInputs(w.client, 'istio-system');
    assert.ok(i.ok);
    await run(w, planTagSet({ cluster: CONTEXT, tag: 'default', revision: 'canary', overwrite: true, istioNamespace: 'istio-system', ...i.value }));
    await restartNamespace(w, 'gw');
    await waitFor(
      'edge gateway on canary',
      () =>
        w.snapshot
          .gateways()
          .find((g) => g.workload === 'edge-gateway')
          ?.running.get('canary') === 1,
      90_000,
    );

    // Roll back: point the default tag back, then the gateways running canary while following default are listed.
    const i2 = await fetchTagInputs(w.client, 'istio-system');
    assert.ok(i2.ok);
    await run(w, planTagSet({ cluster: CONTEXT, tag: 'default', revision: 'default', overwrite: true, istioNamespace: 'istio-system', ...i2.value }));
    await waitFor('default tag back on default', () => w.snapshot.controlPlane.tagByName.get('default')?.revision === 'default');
    const toRestart = w.snapshot.gateways().filter((g) => (g.running.get('canary') ?? 0) > 0 && g.followsRevision !== 'canary');
    assert.deepEqual(
      toRestart.map((g) => `${g.namespace}/${g.workload}`),
      ['gw/edge-gateway'],
    );
    const check = uninstallChecklist(w.snapshot, 'canary');
    assert.ok(
      check.items.every((x) => x.kind === 'gateway' || x.kind === 'pods'),
      JSON.stringify(check.items),
    );
    const plan = await uninstall(w, 'canary');
    assert.ok(plan.requests.some((r) => r.path.endsWith('/deployments/istiod-canary')));
    const ws: WorkloadId[] = toRestart.map((g) => ({ kind: 'Deployment', namespace: g.namespace, name: g.workload }));
    const rep = await runRestarts(w.client, ws, { batchSize: 1 });
    assert.equal(rep.completed.length, 1, describeRestartReport(rep));
    await waitFor(
      'edge gateway back on default',
      () =>
        w.snapshot
          .gateways()
          .find((g) => g.workload === 'edge-gateway')
          ?.running.get('default') === 1,
      90_000,
    );
    await waitFor('canary gone', () => !w.snapshot.controlPlane.revisionByName.get('canary')?.deployments.length, 60_000);
  });
});
