/**
 * The write side's building blocks on the real local cluster (seed): relabel plans,
 * conflict handling, RBAC refusal before any change, batched restarts and cancel.
 * Every test leaves the seed state as it found it.
 */
import assert from 'node:assert/strict';
import { planRelabel, restartTimestamp, type WorkloadId } from '../../src/istio';
import { describeRestartReport, runPlan, runRestarts, type ClusterWatcher } from '../../src/k8s';
import * as path from 'node:path';
import { runTool } from '../../src/tools/process';
import { clusterState, CONTEXT, kubectl, startWatcher, withWatcher, waitFor, waitForPermission, disposeWatcher } from './helpers';

async function nsLabels(name: string): Promise<{ labels: Record<string, string>; rv: string }> {
  const o = JSON.parse(await kubectl(['get', 'namespace', name, '-o', 'json']));
  return { labels: o.metadata.labels ?? {}, rv: o.metadata.resourceVersion };
}

/** Runs the real kubectl expecting it to fail; returns its stderr. */
async function kubectlFails(args: string[]): Promise<string> {
  const st = clusterState();
  const r = await runTool(path.join(st.binDir, 'kubectl'), ['--kubeconfig', st.kubeconfig, ...args]);
  assert.ok(!r.ok, `kubectl ${args.join(' ')} succeeded`);
  return `${r.result?.stderr ?? ''}${r.message}`;
}

async function restartedAt(w: WorkloadId): Promise<string | undefined> {
  const o = JSON.parse(await kubectl(['get', w.kind.toLowerCase(), w.name, '-n', w.namespace, '-o', 'json']));
  return o.spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];
}

describe('actions on the local cluster (seed)', () => {
  let w: ClusterWatcher;
  withWatcher((x) => (w = x));

  it('moves a namespace in one request: istio-injection removed and istio.io/rev set together', async () => {
    const built = planRelabel(w.snapshot, CONTEXT, ['test-ns'], { kind: 'rev', value: 'canary' });
    assert.ok(built.ok, !built.ok ? built.message : '');
    try {
      const dry = await runPlan(w.client, built.plan, { dryRun: true });
      assert.equal(dry.ok, true);
      assert.deepEqual((await nsLabels('test-ns')).labels['istio-injection'], 'enabled', 'a dry run changes nothing');
      const res = await runPlan(w.client, built.plan);
      assert.equal(res.ok, true, res.failed?.message);
      const { labels } = await nsLabels('test-ns');
      assert.equal(labels['istio.io/rev'], 'canary');
      assert.equal(labels['istio-injection'], undefined);
      const v = await waitFor('snapshot sees the move', () => w.snapshot.namespace('test-ns')?.resolvedRevision === '1-8-0' && w.snapshot.namespace('test-ns'));
      assert.equal(v.stats.stale, 3);
    } finally {
      await kubectl(['label', 'namespace', 'test-ns', 'istio.io/rev-', 'istio-injection=enabled', '--overwrite']);
      await waitFor('test-ns back', () => w.snapshot.namespace('test-ns')?.stats.stale === 0);
    }
  });

  it('a 409 conflict re-reads once and applies on the fresh version', async () => {
    const built = planRelabel(w.snapshot, CONTEXT, ['ns-b'], { kind: 'rev', value: 'canary' });
    assert.ok(built.ok);
    await kubectl(['label', 'namespace', 'ns-b', 'team=payments']); // someone else edits meanwhile
    try {
      const res = await runPlan(w.client, built.plan);
      assert.equal(res.ok, true, res.failed?.message);
      const { labels } = await nsLabels('ns-b');
      assert.equal(labels['istio.io/rev'], 'canary');
      assert.equal(labels.team, 'payments', 'the other edit is kept');
    } finally {
      await kubectl(['label', 'namespace', 'ns-b', 'istio.io/rev=prod', 'team-', '--overwrite']);
    }
  });

  it('a user who may read but not patch namespaces is refused before anything changes', async () => {
    await kubectl([
      'create',
      'clusterrole',
      'ir-reader',
      '--verb=get,list,watch',
      '--resource=namespaces,pods,services,configmaps,deployments.apps,mutatingwebhookconfigurations.admissionregistration.k8s.io',
    ]);
    await kubectl(['create', 'clusterrolebinding', 'ir-reader', '--clusterrole=ir-reader', '--user=readonly']);
    await waitForPermission('local-readonly', { verb: 'list', group: '', resource: 'pods' });
    let ro: ClusterWatcher | undefined;
    try {
      ro = await startWatcher('local-readonly');
      const before = await nsLabels('ns-a');
      const built = planRelabel(ro.snapshot, 'local-readonly', ['ns-a', 'ns-b'], { kind: 'rev', value: 'canary' });
      assert.ok(built.ok);
      const res = await runPlan(ro.client, built.plan);
      assert.equal(res.ok, false);
      assert.deepEqual(res.done, []);
      assert.deepEqual(
        res.denied?.map((d) => `${d.permission.verb} ${d.permission.resource}/${d.permission.name}`),
        ['patch namespaces/ns-a', 'patch namespaces/ns-b'],
      );
      const after = await nsLabels('ns-a');
      assert.equal(after.rv, before.rv, 'ns-a was not modified');
      assert.equal((await nsLabels('ns-b')).labels['istio.io/rev'], 'prod');
      // restarts are refused the same way
      const rep = await runRestarts(ro.client, [{ kind: 'Deployment', namespace: 'ns-a', name: 'httpbin' }], { batchSize: 1 });
      assert.ok(rep.denied && rep.denied.length > 0);
      assert.deepEqual(rep.completed, []);
      assert.match(describeRestartReport(rep), /^Refused before any change: patch deployments\.apps\/httpbin in namespace ns-a/);
    } finally {
      disposeWatcher(ro);
      await kubectl(['delete', 'clusterrolebinding', 'ir-reader']);
      await kubectl(['delete', 'clusterrole', 'ir-reader']);
    }
  });

  it('restarts in batches, each waiting for its rollout; pods come back injected by the new revision', async function () {
    this.timeout(180_000);
    await kubectl(['label', 'namespace', 'ns-c', 'istio.io/rev=prod', '--overwrite']);
    try {
      await waitFor('ns-c stale', () => w.snapshot.namespace('ns-c')?.stats.stale === 3);
      const ws: WorkloadId[] = [
        { kind: 'Deployment', namespace: 'ns-c', name: 'httpbin' },
        { kind: 'Deployment', namespace: 'ns-c', name: 'sleep' },
      ];
      const events: string[] = [];
      const rep = await runRestarts(w.client, ws, { batchSize: 1, onProgress: (e) => events.push(`${e.phase}:${e.batch}`) });
      assert.deepEqual(
        rep.completed.map((x) => x.name),
        ['httpbin', 'sleep'],
        describeRestartReport(rep),
      );
      assert.equal(rep.failed, undefined);
      // batch 2 only started after batch 1 finished waiting
      assert.ok(events.indexOf('restarting:2') > events.lastIndexOf('waiting:1') || !events.includes('waiting:1'), events.join(' '));
      await waitFor(
        'ns-c re-injected by 1-7-6',
        () => {
          const n = w.snapshot.namespace('ns-c');
          return n && n.stats.stale === 0 && n.stats.byRevision.get('1-7-6') === 3 && n.stats.pods === 3;
        },
        60_000,
      );
    } finally {
      await kubectl(['label', 'namespace', 'ns-c', 'istio.io/rev=canary', '--overwrite']);
      await new Promise((r) => setTimeout(r, 1100));
      await kubectl(['rollout', 'restart', 'deployment', '-n', 'ns-c']);
      await waitFor(
        'ns-c back on 1-8-0',
        () => w.snapshot.namespace('ns-c')?.stats.stale === 0 && w.snapshot.namespace('ns-c')?.stats.byRevision.get('1-8-0') === 3,
        60_000,
      );
    }
  });

  it('a second restart in the same second still replaces the pods (the same restartedAt stamp would roll nothing)', async function () {
    this.timeout(180_000);
    const web: WorkloadId = { kind: 'Deployment', namespace: 'ns-c', name: 'httpbin' };
    const live = async () =>
      JSON.parse(await kubectl(['get', 'pods', '-n', 'ns-c', '-l', 'app=httpbin', '-o', 'json']))
        .items.filter((p: any) => !p.metadata.deletionTimestamp)
        .map((p: any) => p.metadata.uid as string);
    // (the first may itself move on a second: the suite's last restart of ns-c can be that recent)
    const first = await runRestarts(w.client, [web], { batchSize: 1, at: restartTimestamp() });
    assert.equal(first.completed.length, 1, describeRestartReport(first));
    assert.equal(await restartedAt(web), first.at);
    const between = await live();
    const second = await runRestarts(w.client, [web], { batchSize: 1, at: first.at });
    assert.equal(second.completed.length, 1, describeRestartReport(second));
    assert.equal(Date.parse(second.at) - Date.parse(first.at), 1000, `${first.at} → ${second.at}`);
    assert.equal(await restartedAt(web), second.at);
    const now = await live();
    assert.ok(now.length > 0 && now.every((u: string) => !between.includes(u)), `pods after the first restart ${between} still there: ${now}`);
  });

  it('cancel midway stops after the batch in flight and reports restarted and untouched workloads', async function () {
    this.timeout(180_000);
    const ws: WorkloadId[] = ['ns-a', 'ns-b'].flatMap((ns) => ['httpbin', 'sleep'].map((name) => ({ kind: 'Deployment' as const, namespace: ns, name })));
    const at = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const ac = new AbortController();
    const rep = await runRestarts(w.client, ws, {
      batchSize: 1,
      at,
      signal: ac.signal,
      onProgress: (e) => {
        if (e.phase === 'restarting' && e.batch === 2) ac.abort();
      },
    });
    assert.equal(rep.cancelled, true, describeRestartReport(rep));
    assert.deepEqual(
      rep.completed.map((x) => `${x.namespace}/${x.name}`),
      ['ns-a/httpbin', 'ns-a/sleep'],
    );
    assert.deepEqual(
      rep.notRestarted.map((x) => `${x.namespace}/${x.name}`),
      ['ns-b/httpbin', 'ns-b/sleep'],
    );
    assert.deepEqual(rep.inProgress, []);
    assert.match(describeRestartReport(rep), /^Cancelled\. 2 restarted \(ns-a\/httpbin, ns-a\/sleep\); 2 not restarted \(ns-b\/httpbin, ns-b\/sleep\)\.$/);
    // the cluster agrees: exactly the reported ones carry this run's restartedAt
    for (const x of rep.completed) assert.equal(await restartedAt(x), at, `${x.name} restarted`);
    for (const x of rep.notRestarted) assert.notEqual(await restartedAt(x), at, `${x.name} untouched`);
  });

  it('a rollout that never becomes ready is reported and stops the run', async function () {
    this.timeout(120_000);
    // a Deployment whose new pods can never become ready: its node selector matches no node
    await kubectl(['create', 'deployment', 'stuck', '--image=docker.io/library/busybox:1.36', '-n', 'ns-b']);
    try {
      await waitFor(
        'stuck available',
        async () => JSON.parse(await kubectl(['get', 'deploy', 'stuck', '-n', 'ns-b', '-o', 'json'])).status?.availableReplicas === 1,
        60_000,
      );
      await kubectl([
        'patch',
        'deployment',
        'stuck',
        '-n',
        'ns-b',
        '--type=merge',
        '-p',
        '{"spec":{"progressDeadlineSeconds":5,"template":{"spec":{"nodeSelector":{"no-such":"node"}}}}}',
      ]);
      await new Promise((r) => setTimeout(r, 1100));
      const ws: WorkloadId[] = [
        { kind: 'Deployment', namespace: 'ns-b', name: 'stuck' },
        { kind: 'Deployment', namespace: 'ns-b', name: 'sleep' },
      ];
      const rep = await runRestarts(w.client, ws, { batchSize: 1, rolloutTimeoutMs: 60_000 });
      assert.equal(rep.failed?.workload.name, 'stuck', describeRestartReport(rep));
      assert.match(rep.failed!.reason, /progress deadline|did not complete/);
      assert.deepEqual(
        rep.notRestarted.map((x) => x.name),
        ['sleep'],
      );
      assert.deepEqual(rep.completed, []);
    } finally {
      await kubectl(['delete', 'deployment', 'stuck', '-n', 'ns-b', '--wait=false']);
    }
  });

  it('as kubectl: a paused Deployment is refused before any change; OnDelete StatefulSets/DaemonSets are never reported restarted', async function () {
    this.timeout(180_000);
    const ns = 'restart-cases';
    await kubectl(['create', 'namespace', ns]);
    try {
      await kubectl(['apply', '-f', '-'], {
        input: JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          items: [
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              metadata: { name: 'paused', namespace: ns },
              spec: {
                paused: true,
                replicas: 1,
                selector: { matchLabels: { app: 'paused' } },
                template: { metadata: { labels: { app: 'paused' } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } },
              },
            },
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              metadata: { name: 'web', namespace: ns },
              spec: {
                replicas: 1,
                selector: { matchLabels: { app: 'web' } },
                template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } },
              },
            },
            {
              apiVersion: 'apps/v1',
              kind: 'StatefulSet',
              metadata: { name: 'db', namespace: ns },
              spec: {
                serviceName: 'db',
                replicas: 1,
                updateStrategy: { type: 'OnDelete' },
                selector: { matchLabels: { app: 'db' } },
                template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } },
              },
            },
            {
              apiVersion: 'apps/v1',
              kind: 'DaemonSet',
              metadata: { name: 'agent', namespace: ns },
              spec: {
                updateStrategy: { type: 'OnDelete' },
                selector: { matchLabels: { app: 'agent' } },
                template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } },
              },
            },
          ],
        }),
      });
      const podUids = async (app: string) =>
        JSON.parse(await kubectl(['get', 'pods', '-n', ns, '-l', `app=${app}`, '-o', 'json']))
          .items.map((p: any) => p.metadata.uid)
          .sort();
      await waitFor('db and agent pods', async () => (await podUids('db')).length === 1 && (await podUids('agent')).length === 1, 60_000);
      const paused: WorkloadId = { kind: 'Deployment', namespace: ns, name: 'paused' };
      const web: WorkloadId = { kind: 'Deployment', namespace: ns, name: 'web' };
      // kubectl's own answer for the paused Deployment
      const theirs = await kubectlFails(['rollout', 'restart', 'deployment/paused', '-n', ns]);
      assert.match(theirs, /can't restart paused deployment \(run rollout resume first\)/);
      const rep = await runRestarts(w.client, [web, paused], { batchSize: 5 });
      assert.match(rep.failed?.reason ?? '', /Deployment restart-cases\/paused: can't restart paused deployment \(run rollout resume first\)/);
      assert.deepEqual([rep.completed.length, rep.inProgress.length, rep.notRestarted.length], [0, 0, 2], 'nothing was changed');
      assert.equal(await restartedAt(web), undefined, 'web untouched: the run is refused whole');
      // OnDelete: kubectl patches the template and refuses rollout status; no pod is replaced
      const before = { db: await podUids('db'), agent: await podUids('agent') };
      const status = await kubectlFails(['rollout', 'status', 'statefulset/db', '-n', ns, '--timeout=5s']);
      assert.match(status, /only available for RollingUpdate strategy type/);
      const od = await runRestarts(w.client, [{ kind: 'StatefulSet', namespace: ns, name: 'db' }, { kind: 'DaemonSet', namespace: ns, name: 'agent' }, web], {
        batchSize: 5,
        rolloutTimeoutMs: 60_000,
      });
      assert.deepEqual(
        od.completed.map((x) => x.name),
        ['web'],
      );
      assert.deepEqual((od.onDelete ?? []).map((x) => x.name).sort(), ['agent', 'db']);
      assert.match(describeRestartReport(od), /2 with updateStrategy OnDelete: template updated but no pod replaced/);
      const at = await restartedAt({ kind: 'StatefulSet', namespace: ns, name: 'db' });
      assert.match(at ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'restartedAt as kubectl writes it (RFC 3339, seconds)');
      assert.deepEqual({ db: await podUids('db'), agent: await podUids('agent') }, before, 'no OnDelete pod was replaced');
    } finally {
      await kubectl(['delete', 'namespace', ns, '--wait=false']);
    }
  });
});
