/**
 * The injector of the target revision dies mid-upgrade, with the real istiod on the bench: istiod-1-8-0
 * is scaled to zero (the supervisor stops its pilot-discovery; the webhook's calls then fail, and with
 * failurePolicy Fail the API server refuses ns-c's new pods).
 *   - the model warns on ns-c (injectorDown) before anyone restarts, and the CLI refuses a restart there;
 *   - a batched restart run anyway notices the ReplicaFailure within seconds, stops before the next batch
 *     and reports the workload as degraded, naming the webhook and revision;
 *   - with istiod back, a resume restarts what is left and every rollout completes.
 */
import assert from 'node:assert/strict';
import { describeRestartReport, runRestarts, type ClusterWatcher } from '../../src/k8s';
import type { WorkloadId } from '../../src/istio';
import { cli, clusterState, kubectl, startWatcher, waitFor, disposeWatcher } from './helpers';

const NS = 'ns-c';
const httpbin: WorkloadId = { kind: 'Deployment', namespace: NS, name: 'httpbin' };
const sleep: WorkloadId = { kind: 'Deployment', namespace: NS, name: 'sleep' };

async function istiodRunning(rev: string, want: boolean): Promise<void> {
  const { istiodStatus } = await import('../cluster/scenarios.mjs');
  const st = clusterState();
  await waitFor(`istiod ${rev} ${want ? 'ready' : 'stopped'}`, () => istiodStatus(st).istiods.some((d) => d.revision === rev && d.ready) === want, 60_000);
}

describe('injector down mid-upgrade (real istiod of 1-8-0 stopped)', function () {
  this.timeout(300_000);
  let w: ClusterWatcher;

  before(async () => {
    w = await startWatcher();
  });
  after(async () => {
    // Put 1-8-0 back whatever happened, and let ns-c settle for the suites that follow.
    await kubectl(['scale', 'deployment', 'istiod-1-8-0', '-n', 'istio-system', '--replicas=1']);
    await istiodRunning('1-8-0', true);
    for (const d of ['httpbin', 'sleep']) await kubectl(['rollout', 'status', `deployment/${d}`, '-n', NS, '--timeout=120s'], { allowFail: true });
    disposeWatcher(w);
  });

  it('warns before anyone restarts, refuses a restart there, stops a batched restart at the first rejected rollout, and resumes once istiod is back', async () => {
    // Batch 1 of an upgrade with the injector up: completes.
    const first = await runRestarts(w.client, [httpbin], { batchSize: 1, rolloutTimeoutMs: 120_000 });
    assert.deepEqual(first.completed, [httpbin], describeRestartReport(first));

    // The injector dies.
    await kubectl(['scale', 'deployment', 'istiod-1-8-0', '-n', 'istio-system', '--replicas=0']);
    await istiodRunning('1-8-0', false);
    const warning = await waitFor('the injectorDown warning on ns-c', () => w.snapshot.namespace(NS)?.warnings.find((x) => x.code === 'injectorDown'));
    assert.match(warning.message, /revision 1-8-0 \(tag canary\), whose istiod has no ready replica \(scaled to zero\)/);
    assert.ok(
      w.snapshot.namespaces().every((n) => n.name === NS || !n.warnings.some((x) => x.code === 'injectorDown')),
      'only ns-c follows 1-8-0',
    );

    // The CLI refuses a restart there, before any change.
    const before = await kubectl(['get', 'deployment', 'sleep', '-n', NS, '-o', 'jsonpath={.metadata.generation}']);
    const refused = cli(['restart', NS, '--yes']);
    assert.equal(refused.status, 1, refused.stderr + refused.stdout);
    assert.match(refused.stderr + refused.stdout, /not restarting — ns-c: New pods here are rejected: they go to revision 1-8-0/);
    assert.equal(await kubectl(['get', 'deployment', 'sleep', '-n', NS, '-o', 'jsonpath={.metadata.generation}']), before, 'the refused restart changed sleep');

    // A batched restart run anyway (sleep, then httpbin): the first rollout's pods are refused; it stops there.
    const t0 = Date.now();
    const run = await runRestarts(w.client, [sleep, httpbin], {
      batchSize: 1,
      rolloutTimeoutMs: 120_000,
      revisionOf: (x) => w.snapshot.namespace(x.namespace)?.resolvedRevision,
    });
    const seconds = (Date.now() - t0) / 1000;
    const text = describeRestartReport(run);
    console.log(`      noticed in ${seconds.toFixed(1)} s: ${text}`);
    assert.ok(seconds < 30, `took ${seconds} s to notice`);
    assert.deepEqual(
      run.degraded?.map((d) => [d.workload.name, d.rejectedBy.revision]),
      [['sleep', '1-8-0']],
      text,
    );
    assert.match(run.degraded![0].rejectedBy.webhook, /sidecar-injector\.istio\.io$/);
    assert.deepEqual(run.notRestarted, [httpbin], 'the next batch was not started');
    assert.deepEqual(run.completed, []);
    assert.match(text, /stopped before the next batch: 1 degraded — their new pods are rejected by webhook .* of revision 1-8-0/);
    // The old sleep pod still serves (maxUnavailable rounds down to 0 for one replica).
    const ready = await kubectl(['get', 'deployment', 'sleep', '-n', NS, '-o', 'jsonpath={.status.readyReplicas}']);
    assert.equal(ready, '1');

    // istiod back: the warning clears, and the resume restarts what is left.
    await kubectl(['scale', 'deployment', 'istiod-1-8-0', '-n', 'istio-system', '--replicas=1']);
    await istiodRunning('1-8-0', true);
    await waitFor('the warning to clear', () => !w.snapshot.namespace(NS)?.warnings.some((x) => x.code === 'injectorDown'), 60_000);
    const resume = await runRestarts(w.client, [sleep, httpbin], { batchSize: 1, rolloutTimeoutMs: 180_000 });
    assert.deepEqual(resume.completed, [sleep, httpbin], describeRestartReport(resume));
    const pods = JSON.parse(await kubectl(['get', 'pods', '-n', NS, '-o', 'json'])).items as {
      metadata: { annotations?: Record<string, string>; deletionTimestamp?: string };
    }[];
    const live = pods.filter((p) => !p.metadata.deletionTimestamp);
    assert.ok(
      live.length >= 3 && live.every((p) => p.metadata.annotations?.['istio.io/rev'] === '1-8-0'),
      `ns-c pods: ${JSON.stringify(live.map((p) => p.metadata.annotations?.['istio.io/rev']))}`,
    );
  });
});
