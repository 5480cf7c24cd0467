/**
 * The proxy-status panel's data source on the real local cluster (seed): the
 * distribution the scenario says, an honest reason when istiod's syncz cannot be
 * reached, and the distribution moving to the new revision after relabel + restart.
 */
import assert from 'node:assert/strict';
import { planRelabel, restartCandidates } from '../../src/istio';
import { shapeProxyStatus } from '../../src/istio/proxystatus';
import { describeRestartReport, runPlan, runRestarts, type ClusterWatcher } from '../../src/k8s';
import { gatherSync } from '../../src/k8s/syncz';
import { CONTEXT, kubectl, withWatcher, waitFor } from './helpers';

const dist = (w: ClusterWatcher) => Object.fromEntries(shapeProxyStatus(w.snapshot, CONTEXT).revisions.map((r) => [r.revision, r.proxies]));

describe('proxy status data on the local cluster (seed)', function () {
  this.timeout(180_000);
  let w: ClusterWatcher;
  withWatcher((x) => (w = x));

  it('returns the seed distribution, per namespace and per workload', () => {
    const d = shapeProxyStatus(w.snapshot, CONTEXT);
    assert.deepEqual(dist(w), { '1-7-6': 10, '1-8-0': 3 }, '9 sidecars in ns-a, ns-b, test-ns + the gateway on 1-7-6; 3 in ns-c on 1-8-0');
    assert.equal(d.totals.stale, 0);
    const c = d.namespaces.find((n) => n.namespace === 'ns-c')!;
    assert.deepEqual([c.proxies, c.resolvedRevision, c.viaTag, c.byRevision], [3, '1-8-0', 'canary', [{ revision: '1-8-0', count: 3 }]]);
    assert.equal(d.workloads.filter((r) => r.namespace === 'ns-a').length, 2);
  });

  it('says why istiod sync state is unavailable instead of showing nothing', async () => {
    const g = await gatherSync(w.client);
    assert.equal(g.input, undefined);
    assert.ok(g.payload.istiods.length >= 2, JSON.stringify(g.payload));
    for (const i of g.payload.istiods) {
      assert.equal(i.reachable, false);
      assert.match(i.reason ?? '', /^Cluster "istio-revisions-local": /);
    }
  });

  it('after relabel + restart the distribution moves to the new revision', async () => {
    const built = planRelabel(w.snapshot, CONTEXT, ['ns-b'], { kind: 'rev', value: 'canary' });
    assert.ok(built.ok);
    try {
      assert.equal((await runPlan(w.client, built.plan)).ok, true);
      await waitFor('ns-b stale', () => shapeProxyStatus(w.snapshot, CONTEXT).totals.stale === 3);
      const ws = restartCandidates(w.snapshot, 'ns-b', true).workloads;
      const rep = await runRestarts(w.client, ws, { batchSize: 2 });
      assert.equal(rep.completed.length, 2, describeRestartReport(rep));
      await waitFor(
        'distribution moved',
        () => {
          const x = dist(w);
          return x['1-7-6'] === 7 && x['1-8-0'] === 6;
        },
        90_000,
      );
      assert.equal(shapeProxyStatus(w.snapshot, CONTEXT).totals.stale, 0);
    } finally {
      await kubectl(['label', 'namespace', 'ns-b', 'istio.io/rev=prod', '--overwrite']);
      await new Promise((r) => setTimeout(r, 1100));
      await kubectl(['rollout', 'restart', 'deployment', '-n', 'ns-b']);
      await waitFor('ns-b back on 1-7-6', () => dist(w)['1-7-6'] === 10, 90_000);
    }
  });
});
