/**
 * The injector of the target revision down mid-upgrade: the rollout reads the API server's FailedCreate
 * (copied by the deployment controller into the Deployment's ReplicaFailure condition) as a webhook
 * rejection naming the webhook and revision, and namespaces that resolve to a revision without a ready
 * istiod are warned about before anyone restarts there.
 */
import assert from 'node:assert/strict';
import { describeDegraded, findBlockers, healedAfterRejection, RestartLedger, rolloutStatus, webhookRejection, type WorkloadId } from '../../src/istio';
import { istiod, seedSnapshot } from './fixtures';

// As the bench's API server writes it (the supervisor answers 503 for a revision without istiod) and as a cluster does.
const BENCH =
  'Internal error occurred: failed calling webhook "rev.namespace.sidecar-injector.istio.io": failed to call webhook: Post "https://127.0.0.1:41234/rev/1-8-0/inject?timeout=10s": the server is currently unable to handle the request (service unavailable: 503)';
const CLUSTER =
  'Internal error occurred: failed calling webhook "namespace.sidecar-injector.istio.io": failed to call webhook: Post "https://istiod-1-8-0.istio-system.svc:443/inject?timeout=10s": dial tcp 10.96.12.7:443: connect: connection refused';

describe('injector down mid-upgrade', () => {
  it('webhookRejection reads the webhook, the revision and the cause; a webhook that answered with a denial is not one', () => {
    assert.deepEqual(webhookRejection(BENCH), {
      webhook: 'rev.namespace.sidecar-injector.istio.io',
      revision: '1-8-0',
      cause: 'no istiod answers (service unavailable)',
    });
    assert.deepEqual(webhookRejection(CLUSTER), { webhook: 'namespace.sidecar-injector.istio.io', revision: '1-8-0', cause: 'connection refused' });
    assert.equal(webhookRejection('admission webhook "validation.istio.io" denied the request: configuration is invalid'), undefined);
    assert.equal(webhookRejection('pods "x" is forbidden: exceeded quota: compute-resources'), undefined);
    assert.equal(webhookRejection(undefined), undefined);
  });

  it("a Deployment's ReplicaFailure from a webhook call fails its rollout at once, naming the revision; one older than the restart is not read", () => {
    const dep = (lastTransitionTime: string) => ({
      metadata: { generation: 3 },
      spec: { replicas: 2 },
      status: {
        observedGeneration: 3,
        replicas: 3,
        updatedReplicas: 1,
        availableReplicas: 2,
        conditions: [
          { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' },
          { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: BENCH, lastTransitionTime },
        ],
      },
    });
    const st = rolloutStatus('Deployment', dep('2026-12-02T10:00:05Z'), '2026-12-02T10:00:00Z');
    assert.ok(!st.done && st.failed);
    assert.equal(st.rejectedBy?.revision, '1-8-0');
    assert.match(
      st.message,
      /^new pods are rejected: webhook rev\.namespace\.sidecar-injector\.istio\.io of revision 1-8-0 cannot be called \(no istiod answers/,
    );
    // the same condition from before this restart: still waiting, not failed
    const old = rolloutStatus('Deployment', dep('2026-12-02T09:59:00Z'), '2026-12-02T10:00:00Z');
    assert.deepEqual([old.done, !old.done && old.failed], [false, false]);
  });

  it('namespaces resolving to a revision whose istiod is scaled to zero or not ready get injectorDown (a check blocker); others do not', () => {
    for (const [ready, replicas, word] of [
      [0, 0, 'scaled to zero'],
      [0, 1, '0 of 1 ready'],
    ] as const) {
      const s = seedSnapshot();
      const scaled = istiod('1-8-0', '1.8.0', ready, replicas);
      scaled.metadata.resourceVersion = '2'; // a change the watch would deliver
      s.replace('Deployment', [istiod('1-7-6', '1.7.6'), scaled]);
      const down = s
        .namespaces()
        .filter((n) => n.warnings.some((w) => w.code === 'injectorDown'))
        .map((n) => n.name);
      assert.deepEqual(down, ['ns-c'], word);
      const w = s.namespace('ns-c')!.warnings.find((x) => x.code === 'injectorDown')!;
      assert.match(w.message, new RegExp(`revision 1-8-0 \\(tag canary\\), whose istiod has no ready replica \\(${word}\\)`));
      assert.ok(findBlockers(s).some((b) => b.code === 'injectorDown' && b.object === 'namespace/ns-c'));
    }
    const healthy = seedSnapshot();
    assert.ok(healthy.namespaces().every((n) => !n.warnings.some((w) => w.code === 'injectorDown')));
  });

  describe('the restart ledger (what a stopped restart left, per cluster)', () => {
    const sleep: WorkloadId = { kind: 'Deployment', namespace: 'ns-c', name: 'sleep' };
    const httpbin: WorkloadId = { kind: 'Deployment', namespace: 'ns-c', name: 'httpbin' };
    const rejectedBy = { webhook: 'rev.namespace.sidecar-injector.istio.io', revision: '1-8-0', cause: 'connection refused' };
    const stopped = { completed: [], notRestarted: [httpbin], degraded: [{ workload: sleep, rejectedBy }], dryRun: false };
    const at = '2026-12-02T10:00:00Z';

    it('marks the degraded workload, keeps the ones never reached, and a resume restarts the degraded first', () => {
      const l = new RestartLedger();
      assert.deepEqual(l.record('kind-a', stopped, at), ['ns-c/Deployment/sleep']);
      assert.deepEqual(l.degraded('kind-a', 'ns-c/Deployment/sleep'), {
        workload: sleep,
        revision: '1-8-0',
        webhook: rejectedBy.webhook,
        cause: 'connection refused',
        at,
      });
      assert.equal(l.degraded('kind-b', 'ns-c/Deployment/sleep'), undefined, 'another cluster');
      assert.equal(l.degraded('kind-a', 'ns-c/Deployment/httpbin'), undefined, 'never reached is not degraded');
      assert.deepEqual(l.left('kind-a'), [sleep, httpbin]);
      assert.equal(l.degradedCount('kind-a'), 1);
      assert.match(
        describeDegraded(l.degraded('kind-a', 'ns-c/Deployment/sleep')!),
        /rejected by webhook rev\.namespace\.sidecar-injector\.istio\.io of revision 1-8-0 \(connection refused\)/,
      );
    });

    it('a dry run records nothing; a later run that completes them clears the marks and what is left', () => {
      const l = new RestartLedger();
      assert.deepEqual(l.record('kind-a', { ...stopped, dryRun: true }, at), []);
      assert.deepEqual(l.left('kind-a'), []);
      l.record('kind-a', stopped, at);
      assert.deepEqual(l.record('kind-a', { completed: [sleep], notRestarted: [httpbin], dryRun: false }, at), ['ns-c/Deployment/sleep']);
      assert.deepEqual(l.left('kind-a'), [httpbin], 'httpbin still left');
      l.record('kind-a', { completed: [httpbin], notRestarted: [], dryRun: false }, at);
      assert.deepEqual(l.left('kind-a'), []);
    });

    it('heals a mark once every pod of the workload comes from the restarted template and is ready; not before', () => {
      const p = (restartedAt: string | undefined, ready = true) => ({ restartedAt, ready });
      const later = '2026-12-02T10:00:05Z';
      assert.equal(healedAfterRejection([], at), false, 'no pods: not healed');
      assert.equal(healedAfterRejection([p(undefined)], at), false, 'the old pod (never restarted) still serving');
      assert.equal(healedAfterRejection([p('2026-12-01T09:00:00Z')], at), false, 'restarted by an earlier rollout');
      assert.equal(healedAfterRejection([p(at), p(undefined)], at), false, 'half rolled');
      assert.equal(healedAfterRejection([p(at, false)], at), false, 'not ready yet');
      assert.equal(healedAfterRejection([p(at), p(at)], at), true);
      assert.equal(healedAfterRejection([p(later)], at), true, 'a later restart (kubectl rollout restart) counts');
      const l = new RestartLedger();
      l.record('kind-a', stopped, at);
      let pods = [p(undefined)];
      assert.deepEqual(
        l.heal('kind-a', () => pods),
        [],
      );
      pods = [p(at)];
      assert.deepEqual(
        l.heal('kind-a', () => pods),
        ['ns-c/Deployment/sleep'],
      );
      assert.deepEqual(l.left('kind-a'), [httpbin], 'healed by the controller; httpbin still to restart');
    });
  });
});
