/**
 * The tag half of the upgrade guide on the shared `seed` cluster, through the
 * extension's own code. It changes the seed for good, so it runs last (file order).
 * Move A/B/C/test-ns onto the `prod` tag, move `prod` to 1-8-0, restart, see the
 * uninstall of 1-7-6 refused while it is used, clear what uses it, uninstall it:
 * only 1-8-0 remains and every proxy runs it.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { guideState, planRelabel, planTagSet, planUninstall, restartCandidates, tagImpact, uninstallChecklist } from '../../src/istio';
import { describeRestartReport, fetchTagInputs, fetchUninstallObjects, runPlan, runRestarts, type ClusterWatcher } from '../../src/k8s';
import { runTool } from '../../src/tools/process';
import { clusterState, CONTEXT, withWatcher, waitFor } from './helpers';

const NAMESPACES = ['ns-a', 'ns-b', 'ns-c', 'test-ns'];

describe('seed: the tag half of the upgrade guide (runs last)', function () {
  this.timeout(600_000);
  let w: ClusterWatcher;
  withWatcher((x) => (w = x));

  async function tagSet(tag: string, revision: string) {
    const i = await fetchTagInputs(w.client, 'istio-system');
    assert.ok(i.ok);
    const built = planTagSet({ cluster: CONTEXT, tag, revision, overwrite: true, istioNamespace: 'istio-system', ...i.value });
    assert.ok(built.ok, !built.ok ? built.message : '');
    const res = await runPlan(w.client, built.plan);
    assert.equal(res.ok, true, res.failed?.message);
    await waitFor(`${tag} → ${revision}`, () => w.snapshot.controlPlane.tagByName.get(tag)?.revision === revision);
  }

  it('moves A, B, C and test-ns onto the prod tag in one plan', async () => {
    const built = planRelabel(w.snapshot, CONTEXT, NAMESPACES, { kind: 'rev', value: 'prod' });
    assert.ok(built.ok, !built.ok ? built.message : '');
    assert.deepEqual(
      built.plan.requests.map((r) => r.permission.name),
      ['ns-c', 'test-ns'],
      'A and B already follow prod',
    );
    const res = await runPlan(w.client, built.plan);
    assert.equal(res.ok, true, res.failed?.message);
    await waitFor('all four on prod', () => NAMESPACES.every((n) => w.snapshot.namespace(n)?.viaTag === 'prod'));
  });

  it('moves the prod tag to 1-8-0 after showing its impact', async () => {
    const impact = tagImpact(w.snapshot, 'prod', '1-8-0');
    assert.deepEqual(impact.namespaces, NAMESPACES);
    assert.equal(impact.podsStaleAfter, 9, impact.message); // ns-c already runs 1-8-0
    await tagSet('prod', '1-8-0');
    await waitFor('followers resolve to 1-8-0', () => NAMESPACES.every((n) => w.snapshot.namespace(n)?.resolvedRevision === '1-8-0'));
    assert.equal(
      NAMESPACES.reduce((a, n) => a + w.snapshot.namespace(n)!.stats.stale, 0),
      9,
    );
  });

  it('restarts: every workload comes back on 1-8-0', async () => {
    const ws = NAMESPACES.flatMap((n) => restartCandidates(w.snapshot, n, true).workloads);
    assert.equal(ws.length, 6, 'httpbin + sleep in A, B and test-ns');
    const rep = await runRestarts(w.client, ws, { batchSize: 3 });
    assert.equal(rep.completed.length, 6, describeRestartReport(rep));
    await waitFor(
      'no stale proxy in the four namespaces',
      () =>
        NAMESPACES.every((n) => {
          const v = w.snapshot.namespace(n);
          return v && v.stats.stale === 0 && v.stats.byRevision.get('1-8-0') === 3 && v.stats.pods === 3;
        }),
      120_000,
    );
  });

  it('refuses to uninstall 1-7-6 while it is used (default tag, gateway)', () => {
    const check = uninstallChecklist(w.snapshot, '1-7-6');
    assert.equal(check.blocking, true);
    const kinds = new Set(check.items.map((i) => i.kind));
    assert.ok(kinds.has('tag'), JSON.stringify(check.items));
    assert.ok(kinds.has('gateway'), JSON.stringify(check.items));
    assert.ok(!check.items.some((i) => NAMESPACES.includes(i.object)), 'the moved namespaces no longer use 1-7-6');
  });

  it('once nothing uses 1-7-6 it is uninstalled, and only 1-8-0 remains', async () => {
    await tagSet('default', '1-8-0');
    // The gateway is upgraded in place, as the guide does: install 1-8-0's gateway over it.
    const st = clusterState();
    const r = await runTool(
      path.join(st.binDir, 'istioctl'),
      ['install', '--set', 'revision=1-8-0', '--set', 'hub=docker.io/istio', '--set', 'tag=1.8.0', '--set', 'profile=default', '-y', '--context', CONTEXT],
      {
        env: { ...process.env, KUBECONFIG: st.kubeconfig, HOME: path.join(st.dir, 'home') },
      },
    );
    assert.ok(r.ok, !r.ok ? r.message : '');
    await waitFor(
      'gateway on 1-8-0',
      () => {
        const g = w.snapshot.gateways().find((x) => x.workload === 'istio-ingressgateway');
        return g && !g.running.has('1-7-6') && g.running.get('1-8-0');
      },
      120_000,
    );
    await waitFor('checklist empty', () => uninstallChecklist(w.snapshot, '1-7-6').items.length === 0, 30_000);
    const objs = await fetchUninstallObjects(w.client, '1-7-6');
    assert.ok(objs.ok);
    const plan = planUninstall({ cluster: CONTEXT, revision: '1-7-6', objects: objs.value });
    assert.ok(
      plan.requests.some((x) => x.path.endsWith('/deployments/istiod-1-7-6')),
      plan.summary,
    );
    assert.ok(!plan.requests.some((x) => /1-8-0|istio-ingressgateway|revision-tag/.test(x.path)), 'nothing of 1-8-0, the gateway or the tags');
    const res = await runPlan(w.client, plan);
    assert.equal(res.ok, true, res.failed?.message);
    await waitFor(
      'only 1-8-0 remains',
      () =>
        w.snapshot.controlPlane.revisions
          .filter((x) => x.deployments.length || x.webhooks.length)
          .map((x) => x.name)
          .join() === '1-8-0',
      120_000,
    );
    const byRev = w.snapshot.proxiesByRevision();
    assert.deepEqual([...byRev.keys()], ['1-8-0'], 'every proxy runs 1-8-0');
    assert.equal(byRev.get('1-8-0')!.stale, 0);
    assert.deepEqual(
      w.snapshot.controlPlane.tags.map((t) => `${t.name}→${t.revision}`),
      ['canary→1-8-0', 'default→1-8-0', 'prod→1-8-0'],
    );
    assert.deepEqual(
      guideState(w.snapshot)
        .steps.filter((s) => s.state !== 'done')
        .map((s) => s.id),
      ['precheck', 'install'],
    );
    // On the bench the uninstalled revision's real istiod stops with its Deployment; 1-8-0's keeps injecting.
    const { istiodStatus } = await import('../cluster/scenarios.mjs');
    await waitFor(
      'istiod 1-7-6 stopped',
      () =>
        istiodStatus(st)
          .istiods.map((d) => `${d.revision}:${d.ready}`)
          .join() === '1-8-0:true',
      30_000,
    );
    const probe = await runTool(
      path.join(st.binDir, 'kubectl'),
      [
        'run',
        'probe-after-uninstall',
        '-n',
        'test-ns',
        '--image=busybox',
        '--restart=Never',
        '--dry-run=server',
        '-o',
        'jsonpath={.metadata.annotations.istio\\.io/rev}',
      ],
      {
        env: { ...process.env, KUBECONFIG: st.kubeconfig },
      },
    );
    assert.ok(probe.ok, !probe.ok ? probe.message : '');
    assert.equal(probe.ok && probe.result.stdout.trim(), '1-8-0', 'a pod created now in test-ns is injected by 1-8-0');
  });
});
