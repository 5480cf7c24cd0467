import assert from 'node:assert/strict';
import {
  ClusterSnapshot,
  PAUSED_DEPLOYMENT_REASON,
  planPermissions,
  planRelabel,
  planRestart,
  renderPlan,
  restartCandidates,
  restartPrecheck,
  restartTimestamp,
  freshRestartStamp,
  rolloutStatus,
} from '../../src/istio';
import { istiod, ns, pod, revisionMwc, tagMwc } from './fixtures';

function seed(): ClusterSnapshot {
  const s = new ClusterSnapshot();
  s.replace('Deployment', [istiod('1-7-6', '1.7.6'), istiod('1-8-0', '1.8.0')]);
  s.replace('MutatingWebhookConfiguration', [
    revisionMwc('1-7-6'),
    revisionMwc('1-8-0'),
    tagMwc('prod', '1-7-6'),
    tagMwc('canary', '1-8-0'),
    tagMwc('default', '1-7-6'),
  ]);
  s.replace('Namespace', [
    ns('ns-a', { 'istio.io/rev': 'prod' }, '11'),
    ns('test-ns', { 'istio-injection': 'enabled' }, '12'),
    ns('ns-c', { 'istio.io/rev': 'canary' }, '13'),
  ]);
  const sts = pod('ns-a', 'db', { injectedBy: '1-7-6', version: '1.7.6', name: 'db-0' });
  sts.metadata.ownerReferences = [{ kind: 'StatefulSet', name: 'db', controller: true }];
  const job = pod('ns-a', 'job', { injectedBy: '1-7-6', version: '1.7.6', name: 'job-x' });
  job.metadata.ownerReferences = [{ kind: 'Job', name: 'job', controller: true }];
  s.replace('Pod', [
    pod('ns-a', 'web', { injectedBy: '1-7-6', version: '1.7.6', name: 'web-1' }),
    pod('ns-a', 'web', { injectedBy: '1-7-6', version: '1.7.6', name: 'web-2' }),
    sts,
    job,
    pod('test-ns', 'api', { injectedBy: '1-7-6', version: '1.7.6', name: 'api-1' }),
    pod('ns-c', 'web', { injectedBy: '1-8-0', version: '1.8.0', name: 'c-1' }),
    pod('ns-c', 'old', { injectedBy: '1-7-6', version: '1.7.6', name: 'c-2' }),
  ]);
  return s;
}

describe('relabel plans', () => {
  it('one merge patch per namespace: removes istio-injection and sets istio.io/rev together, guarded by resourceVersion', () => {
    const r = planRelabel(seed(), 'kind-prod', ['test-ns'], { kind: 'rev', value: 'canary' });
    assert.ok(r.ok);
    const { plan } = r;
    assert.equal(plan.requests.length, 1);
    const req = plan.requests[0];
    assert.equal(req.method, 'PATCH');
    assert.equal(req.path, '/api/v1/namespaces/test-ns');
    assert.equal(req.contentType, 'application/merge-patch+json');
    assert.deepEqual(req.body, { metadata: { resourceVersion: '12', labels: { 'istio-injection': null, 'istio.io/rev': 'canary' } } });
    assert.equal(req.retryOnConflict, true);
    assert.deepEqual(planPermissions(plan), [{ verb: 'patch', group: '', resource: 'namespaces', name: 'test-ns' }]);
    assert.deepEqual(plan.commands, ['kubectl label namespace test-ns istio-injection- istio.io/rev=canary --overwrite']);
    assert.match(req.description, /new pods: 1-8-0 \(tag canary\)/);
    assert.deepEqual(plan.warnings, ['1 running proxy will be stale until their workloads are restarted (relabelling affects new pods only).']);
    assert.match(renderPlan(plan), /PATCH \/api\/v1\/namespaces\/test-ns\nContent-Type: application\/merge-patch\+json/);
  });
  it('enable default injection and disable injection', () => {
    const en = planRelabel(seed(), 'c', ['ns-a'], { kind: 'enableDefault' });
    assert.ok(
      en.ok &&
        (en.plan.requests[0].body as any).metadata.labels['istio-injection'] === 'enabled' &&
        (en.plan.requests[0].body as any).metadata.labels['istio.io/rev'] === null,
    );
    const dis = planRelabel(seed(), 'c', ['ns-a'], { kind: 'disable' });
    assert.ok(dis.ok);
    assert.ok(dis.plan.warnings.includes('New pods in ns-a will not be injected.'));
  });
  it('multi-selection: one request per namespace, unchanged ones skipped and said', () => {
    const r = planRelabel(seed(), 'c', ['ns-a', 'ns-c', 'test-ns'], { kind: 'rev', value: 'canary' });
    assert.ok(r.ok);
    assert.deepEqual(
      r.plan.requests.map((q) => q.path),
      ['/api/v1/namespaces/ns-a', '/api/v1/namespaces/test-ns'],
    );
    assert.ok(r.plan.warnings.some((w) => w.includes('1 namespace(s) already labelled istio.io/rev=canary are left alone')));
  });
  it('refuses targets that name nothing installed, missing namespaces, and no-ops', () => {
    const bad = planRelabel(seed(), 'kind-prod', ['ns-a'], { kind: 'rev', value: '1-9-0' });
    assert.deepEqual(bad, {
      ok: false,
      message: 'Cluster "kind-prod": "1-9-0" is neither an installed revision nor a tag; pods in the namespace would not be injected.',
    });
    const gone = planRelabel(seed(), 'kind-prod', ['nope'], { kind: 'rev', value: 'canary' });
    assert.deepEqual(gone, { ok: false, message: 'Cluster "kind-prod": namespace nope does not exist (or is not loaded yet).' });
    const same = planRelabel(seed(), 'kind-prod', ['ns-c'], { kind: 'rev', value: 'canary' });
    assert.deepEqual(same, { ok: false, message: 'Namespace ns-c already has istio.io/rev=canary.' });
  });
});

describe('restart plans and rollout status', () => {
  it('candidates: workloads of injected pods; stale only; Jobs skipped with a note', () => {
    const s = seed();
    const all = restartCandidates(s, 'ns-a', false);
    assert.deepEqual(
      all.workloads.map((w) => `${w.kind}/${w.name}`),
      ['Deployment/web', 'StatefulSet/db'],
    );
    assert.deepEqual(all.skipped, ['Job ns-a/job']);
    const stale = restartCandidates(s, 'ns-c', true);
    assert.deepEqual(
      stale.workloads.map((w) => w.name),
      ['old'],
    );
  });
  it('the patch kubectl rollout restart makes', () => {
    const p = planRestart(
      'c',
      [
        { kind: 'Deployment', namespace: 'ns-a', name: 'web' },
        { kind: 'DaemonSet', namespace: 'ns-a', name: 'agent' },
      ],
      '2026-11-28T00:00:00Z',
      1,
    );
    assert.deepEqual(p.requests[0].body, {
      spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-28T00:00:00Z' } } } },
    });
    assert.equal(p.requests[0].contentType, 'application/strategic-merge-patch+json');
    assert.equal(p.requests[1].path, '/apis/apps/v1/namespaces/ns-a/daemonsets/agent');
    assert.deepEqual(p.commands, ['kubectl rollout restart deployment/web -n ns-a', 'kubectl rollout restart daemonset/agent -n ns-a']);
    assert.match(p.summary, /in 2 batch\(es\) of up to 1/);
  });
  it('deployment rollout status follows kubectl', () => {
    const d = (status: object, gen = 2, replicas = 2) => rolloutStatus('Deployment', { metadata: { generation: gen }, spec: { replicas }, status });
    assert.deepEqual(d({ observedGeneration: 1 }), { done: false, failed: false, message: 'waiting for the controller to observe the update' });
    assert.equal(d({ observedGeneration: 2, updatedReplicas: 1, replicas: 2 }).message, '1 of 2 new replicas updated');
    assert.equal(d({ observedGeneration: 2, updatedReplicas: 2, replicas: 3, availableReplicas: 2 }).message, '1 old replicas pending termination');
    assert.equal(d({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 1 }).message, '1 of 2 updated replicas available');
    assert.equal(d({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 2 }).done, true);
    const stuck = d({
      observedGeneration: 2,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-x" has timed out progressing.' }],
    });
    assert.deepEqual(stuck, { done: false, failed: true, message: 'rollout exceeded its progress deadline: ReplicaSet "web-x" has timed out progressing.' });
  });
  it('statefulset and daemonset rollout status', () => {
    assert.equal(
      rolloutStatus('StatefulSet', {
        metadata: { generation: 1 },
        spec: { replicas: 2 },
        status: { observedGeneration: 1, readyReplicas: 2, currentRevision: 'a', updateRevision: 'b', updatedReplicas: 1 },
      }).done,
      false,
    );
    assert.equal(
      rolloutStatus('StatefulSet', {
        metadata: { generation: 1 },
        spec: { replicas: 2 },
        status: { observedGeneration: 1, readyReplicas: 2, currentRevision: 'b', updateRevision: 'b' },
      }).done,
      true,
    );
    assert.equal(
      rolloutStatus('DaemonSet', {
        metadata: { generation: 1 },
        status: { observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 },
      }).done,
      false,
    );
    assert.equal(
      rolloutStatus('DaemonSet', {
        metadata: { generation: 1 },
        status: { observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 },
      }).done,
      true,
    );
    // OnDelete: pods only restart when deleted; kubectl refuses rollout status for it, and nothing is "done"
    const od = rolloutStatus('DaemonSet', {
      metadata: { generation: 2 },
      spec: { updateStrategy: { type: 'OnDelete' } },
      status: { observedGeneration: 2, desiredNumberScheduled: 2, updatedNumberScheduled: 0 },
    });
    assert.deepEqual([od.done, !od.done && od.failed], [false, true]);
    assert.equal(
      rolloutStatus('StatefulSet', {
        metadata: { generation: 1 },
        spec: { replicas: 1, updateStrategy: { type: 'OnDelete' } },
        status: { observedGeneration: 1, readyReplicas: 1 },
      }).done,
      false,
    );
  });
  it("restart precheck: a paused Deployment is refused with kubectl's reason, OnDelete workloads are set apart; restartedAt in RFC 3339 seconds", () => {
    const d = { kind: 'Deployment' as const, namespace: 'a', name: 'web' };
    const ds = { kind: 'DaemonSet' as const, namespace: 'a', name: 'agent' };
    const ok = restartPrecheck([
      { w: d, o: { spec: {} } },
      { w: ds, o: { spec: { updateStrategy: { type: 'OnDelete' } } } },
    ]);
    assert.deepEqual([ok.refused, ok.onDelete], [undefined, [ds]]);
    const paused = restartPrecheck([{ w: d, o: { spec: { paused: true } } }]);
    assert.equal(paused.refused?.reason, `Deployment a/web: ${PAUSED_DEPLOYMENT_REASON}`);
    assert.equal(PAUSED_DEPLOYMENT_REASON, "can't restart paused deployment (run rollout resume first)");
    assert.equal(restartTimestamp(new Date('2026-12-02T07:45:12.345Z')), '2026-12-02T07:45:12Z');
  });

  it('a restart in the same second as the last one moves to the next second (the same stamp would roll nothing)', () => {
    const at = '2026-12-02T07:45:12Z';
    assert.deepEqual(freshRestartStamp(at, [undefined, '2026-12-02T07:45:11Z']), { at, waitMs: 0 });
    const moved = freshRestartStamp(at, ['2026-12-02T07:45:12Z', undefined]);
    assert.equal(moved.at, '2026-12-02T07:45:13Z');
    // the stamp lies in the past here, so nothing to wait for
    assert.equal(moved.waitMs, 0);
    // two workloads restarted in consecutive seconds: past both
    assert.equal(freshRestartStamp(at, ['2026-12-02T07:45:13Z', '2026-12-02T07:45:12Z']).at, '2026-12-02T07:45:14Z');
    // now: the wait lasts until the next second begins
    const w = freshRestartStamp(at, [at], Date.parse('2026-12-02T07:45:12.700Z'));
    assert.deepEqual(w, { at: '2026-12-02T07:45:13Z', waitMs: 300 });
    // a stamp set in the future by the caller is never waited for more than a second
    assert.equal(freshRestartStamp(at, [at], Date.parse('2026-12-02T05:00:00Z')).waitMs, 1000);
  });
});
