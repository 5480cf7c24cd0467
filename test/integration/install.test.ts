/**
 * Install conformance: on a cluster without a default tag, what the install confirmation
 * predicts (src/istio/install/istioctl.ts) equals what the real `istioctl install
 * --set revision=…` then does on the bench: the default tag created at the new revision,
 * exactly the predicted namespaces moving to it, the default validator created.
 * The seed state is restored afterwards.
 */
import assert from 'node:assert/strict';
import { installEffect } from '../../src/istio';
import type { ClusterWatcher } from '../../src/k8s';
import { istioctl, kubectl, recordConformance, withWatcher, waitFor } from './helpers';

describe('install conformance: istioctl install on a cluster without a default tag', function () {
  this.timeout(600_000);
  let w: ClusterWatcher;
  withWatcher((x) => (w = x));

  it('the confirmation names the namespaces that move and the objects created; the real install does exactly that', async () => {
    const resolved = () => new Map(w.snapshot.namespaces().map((n) => [n.name, n.resolvedRevision]));
    await istioctl(['tag', 'remove', 'default', '-y']);
    try {
      await waitFor(
        'no default tag',
        () => !w.snapshot.controlPlane.tagByName.has('default') && w.snapshot.namespace('test-ns')?.resolvedRevision === undefined,
        30_000,
      );
      const e = installEffect(w.snapshot, '1-10-0');
      assert.equal(e.createsDefaultTag, true);
      assert.ok(e.namespacesMoving.includes('test-ns'), e.message);
      assert.match(e.message, /istioctl creates tag "default" → 1-10-0/);
      const before = resolved();
      await istioctl(['install', '--set', 'revision=1-10-0', '--set', 'profile=minimal', '--set', 'hub=docker.io/istio', '--set', 'tag=1.10.0', '-y']);
      await waitFor('default tag → 1-10-0', () => w.snapshot.controlPlane.tagByName.get('default')?.revision === '1-10-0', 60_000);
      const after = resolved();
      const moved = [...after]
        .filter(([n, r]) => r === '1-10-0' && before.get(n) !== '1-10-0')
        .map(([n]) => n)
        .sort();
      const vwc = JSON.parse(await kubectl(['get', 'validatingwebhookconfiguration', 'istiod-default-validator', '-o', 'json']));
      recordConformance({
        area: 'install',
        case: 'istioctl install --set revision=1-10-0, no default tag',
        tool: `default tag → ${w.snapshot.controlPlane.tagByName.get('default')?.revision}; validator → ${vwc.metadata.labels['istio.io/rev']}; moved ${moved.join(',') || 'none'}`,
        extension: `default tag → 1-10-0${e.createsDefaultTag ? '' : ' (not predicted)'}; validator → 1-10-0; moved ${e.namespacesMoving.join(',') || 'none'}`,
        agree: JSON.stringify(moved) === JSON.stringify(e.namespacesMoving) && vwc.metadata.labels['istio.io/rev'] === '1-10-0',
      });
      assert.deepEqual(moved, e.namespacesMoving, 'the namespaces the real install moved');
      assert.equal(vwc.metadata.labels['istio.io/rev'], '1-10-0');
      const staleNow = moved.reduce((a, n) => a + (w.snapshot.namespace(n)?.stats.stale ?? 0), 0);
      assert.equal(staleNow, e.proxiesStaleAfter, 'proxies made stale by the install, as predicted');
      assert.ok(staleNow > 0);
    } finally {
      await istioctl(['uninstall', '--revision', '1-10-0', '-y'], { allowFail: true });
      // The default tag the install made is pruned by a foreground delete that may finish later:
      // wait until it is gone, or `tag set` below would write into an object about to disappear.
      await waitFor(
        'the install-made default tag deleted',
        async () => !(await kubectl(['get', 'mutatingwebhookconfigurations', '-l', 'istio.io/tag=default,istio.io/rev=1-10-0', '-o', 'name'])).trim(),
        120_000,
      );
      await istioctl(['tag', 'set', 'default', '--revision', '1-7-6', '--overwrite', '-y']);
      await waitFor(
        'seed restored: default → 1-7-6, 1-10-0 gone',
        () =>
          w.snapshot.controlPlane.tagByName.get('default')?.revision === '1-7-6' &&
          !w.snapshot.controlPlane.revisions.some((r) => r.name === '1-10-0' && r.deployments.length) &&
          w.snapshot.namespace('test-ns')?.resolvedRevision === '1-7-6' &&
          w.snapshot.namespace('test-ns')?.stats.stale === 0,
        120_000,
      );
      const { waitWebhooksRewired } = await import('../cluster/scenarios.mjs');
      const { readState } = await import('../cluster/cluster.mjs');
      await waitWebhooksRewired(readState(process.env.ISTIO_REVISIONS_TEST_DIR));
    }
  });
});
