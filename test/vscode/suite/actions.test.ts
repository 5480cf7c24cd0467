/**
 * Commands run through the real command service change the real cluster. Each test
 * restores what it changed (directly through the API, not through the extension), so the
 * UI test that follows finds the seed scenario again.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { seedExpectations } from '../../cluster/seed.mjs';

const seed = seedExpectations();
import { FURTHER_CHECKS, missingRequirements, type CheckContext } from './further';
import { CONTEXT, extensionApi, waitFor, waitNamespaceRow } from './helpers';
import { loadTarget, namespaceLabels, patchNamespaceLabels } from './kube';

describe('actions against the cluster', function () {
  this.timeout(120_000);

  it('istioRevisions.namespace.move relabels test-ns to canary (automation args, no prompt)', async () => {
    const api = await extensionApi();
    const kube = loadTarget(CONTEXT);
    const before = await namespaceLabels(kube, 'test-ns');
    assert.equal(before['istio-injection'], 'enabled', `seed state expected on test-ns, labels: ${JSON.stringify(before)}`);
    assert.equal(before['istio.io/rev'], undefined);
    try {
      await vscode.commands.executeCommand('istioRevisions.namespace.move', { context: CONTEXT, name: 'test-ns', type: 'namespace' }, undefined, {
        target: 'canary',
        assumeYes: true,
        restart: 'no',
      });
      const after = await waitFor(
        'test-ns relabelled in the cluster',
        async () => {
          const l = await namespaceLabels(kube, 'test-ns');
          return l['istio.io/rev'] === 'canary' ? l : undefined;
        },
        10_000,
      );
      assert.equal(after['istio-injection'], undefined, `istio-injection still set: ${JSON.stringify(after)}`);
      // The tree follows the watch.
      await waitNamespaceRow(api, 'test-ns', 'istio.io/rev=canary → 1-8-0');
    } finally {
      await patchNamespaceLabels(kube, 'test-ns', { 'istio.io/rev': null, 'istio-injection': 'enabled' });
    }
    const w = seed.namespaces['test-ns'];
    await waitNamespaceRow(api, 'test-ns', `${w.labels} → ${w.revision}`);
  });

  describe('further checks (each feature of the build)', () => {
    for (const check of FURTHER_CHECKS) {
      it(check.title, async function () {
        const missing = await missingRequirements(check);
        // Every check's feature is in the build the README's test command packages: a missing one is a failure.
        assert.deepEqual(missing, [], `this build lacks ${missing.join(', ')}`);
        const api = await extensionApi();
        const ctx: CheckContext = { api, kube: loadTarget(CONTEXT), context: CONTEXT };
        await check.run(ctx);
      });
    }
  });
});
