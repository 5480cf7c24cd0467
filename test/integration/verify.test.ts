/**
 * "Verify Injection with the Cluster" against the bench's real istiod: the dry-run answer
 * for each workload equals the pods a real `kubectl rollout restart` then creates, and a
 * user who may not create pods is told so before anything is asked.
 */
import assert from 'node:assert/strict';
import { verifyTargets } from '../../src/istio';
import { verifyInjection, type ClusterWatcher } from '../../src/k8s';
import { client, istioctl, kubectl, withWatcher, waitFor } from './helpers';

describe('verify injection with the cluster (real istiod, dry-run create)', function () {
  this.timeout(300_000);
  let w: ClusterWatcher;
  withWatcher((x) => (w = x));

  const settled = (ns: string, rev: string) => () => {
    const ps = w.snapshot.proxies(ns);
    return ps.length === 3 && ps.every((p) => p.injectedRevision === rev && p.ready && !p.stale);
  };

  it('agrees with the prediction on the seed, and its answer after a tag move is what the restart creates', async () => {
    await waitFor('seed settled', () => settled('ns-a', '1-7-6')() && settled('ns-c', '1-8-0')(), 120_000);
    const targets = verifyTargets(w.snapshot, ['ns-a', 'ns-c', 'test-ns']);
    assert.equal(targets.length, 6, JSON.stringify(targets));
    const first = await verifyInjection(w.client, w.snapshot, targets);
    assert.ok(first.ok, first.ok ? '' : first.error.cause);
    assert.equal(first.value.denied, undefined);
    for (const v of first.value.verifications) {
      assert.equal(v.error, undefined, `${v.target.namespace}/${v.target.name}: ${v.error}`);
      assert.equal(v.agrees, true, `${v.target.namespace}/${v.target.name}: ${v.difference}`);
      const want = v.target.namespace === 'ns-c' ? ['1-8-0', '1.8.0'] : ['1-7-6', '1.7.6'];
      assert.deepEqual([v.cluster!.revision, v.cluster!.proxyVersion], want);
    }
    // the dry run stored nothing
    assert.equal(w.snapshot.proxies('ns-a').length, 3);

    await istioctl(['tag', 'set', 'prod', '--revision', '1-8-0', '--overwrite', '-y']);
    try {
      await waitFor(
        'prod → 1-8-0 in the model',
        () => w.snapshot.controlPlane.tagByName.get('prod')?.revision === '1-8-0' && w.snapshot.namespace('ns-a')?.stats.stale === 3,
        30_000,
      );
      const { waitWebhooksRewired } = await import('../cluster/scenarios.mjs');
      const { readState } = await import('../cluster/cluster.mjs');
      await waitWebhooksRewired(readState(process.env.ISTIO_REVISIONS_TEST_DIR));
      const moved = await verifyInjection(w.client, w.snapshot, verifyTargets(w.snapshot, ['ns-a']));
      assert.ok(moved.ok);
      const answers = new Map(moved.value.verifications.map((v) => [v.target.name, v]));
      for (const v of answers.values()) {
        assert.equal(v.agrees, true, v.difference);
        assert.deepEqual([v.cluster!.revision, v.cluster!.proxyVersion], ['1-8-0', '1.8.0']);
      }
      await kubectl(['rollout', 'restart', 'deployment', '-n', 'ns-a']);
      await kubectl(['rollout', 'status', 'deployment', '-n', 'ns-a', '--timeout=120s']);
      await waitFor('ns-a restarted onto 1-8-0', settled('ns-a', '1-8-0'), 120_000);
      const pods = JSON.parse(await kubectl(['get', 'pods', '-n', 'ns-a', '-o', 'json'])).items.filter((p: any) => !p.metadata.deletionTimestamp);
      assert.equal(pods.length, 3);
      for (const p of pods) {
        const v = answers.get(p.metadata.labels.app)!;
        assert.ok(v, `no answer for ${p.metadata.name}`);
        const init = (p.spec.initContainers ?? []).find((c: any) => c.name === 'istio-proxy');
        const proxy = init ?? p.spec.containers.find((c: any) => c.name === 'istio-proxy');
        assert.deepEqual(
          [p.metadata.annotations['istio.io/rev'], proxy?.image, !!init],
          [v.cluster!.revision, v.cluster!.proxyImage, v.cluster!.native],
          `pod ${p.metadata.name} vs the dry-run answer`,
        );
      }
    } finally {
      await istioctl(['tag', 'set', 'prod', '--revision', '1-7-6', '--overwrite', '-y']);
      await waitFor('prod back on 1-7-6', () => w.snapshot.controlPlane.tagByName.get('prod')?.revision === '1-7-6', 30_000);
      const { waitWebhooksRewired } = await import('../cluster/scenarios.mjs');
      const { readState } = await import('../cluster/cluster.mjs');
      await waitWebhooksRewired(readState(process.env.ISTIO_REVISIONS_TEST_DIR));
      await kubectl(['rollout', 'restart', 'deployment', '-n', 'ns-a']);
      await kubectl(['rollout', 'status', 'deployment', '-n', 'ns-a', '--timeout=120s']);
      await waitFor('ns-a back on 1-7-6', settled('ns-a', '1-7-6'), 120_000);
    }
  });

  it('a user who may not create pods is told so, and gets the prediction', async () => {
    await kubectl([
      'create',
      'clusterrole',
      'ir-verify-read',
      '--verb=get,list,watch',
      '--resource=pods,namespaces,deployments,services,configmaps,mutatingwebhookconfigurations',
    ]);
    await kubectl(['create', 'clusterrolebinding', 'ir-verify-read', '--clusterrole=ir-verify-read', '--user=nsuser']);
    const c = client('local-nsuser');
    try {
      await waitFor('nsuser may list pods', async () => (await c.request({ path: '/api/v1/namespaces/ns-a/pods', verb: 'list', resource: 'pods' })).ok, 30_000);
      const r = await verifyInjection(c, w.snapshot, verifyTargets(w.snapshot, ['ns-a']));
      assert.ok(r.ok);
      assert.ok(r.value.denied, 'denied expected');
      assert.match(r.value.denied!.message, /local-nsuser.*create pods/);
      assert.ok(r.value.verifications.every((v) => !v.cluster && v.predicted.injected && v.predicted.revision === '1-7-6'));
    } finally {
      c.dispose();
      await kubectl(['delete', 'clusterrolebinding', 'ir-verify-read']);
      await kubectl(['delete', 'clusterrole', 'ir-verify-read']);
    }
  });
});
