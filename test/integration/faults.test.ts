/**
 * Faults, tried for real on the local cluster: each proves nothing is left
 * half-done and the outcome is reported truthfully (the report matches what the
 * cluster says afterwards). The rollout that never becomes ready and the cancel
 * during a restart batch are in actions.test.ts.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildReport, planRelabel, planUninstall, workloadKey, type WorkloadId } from '../../src/istio';
import { describeRestartReport, fetchUninstallObjects, runPlan, runRestarts, type ClusterWatcher } from '../../src/k8s';
import { runTool } from '../../src/tools/process';
import { clusterState, CONTEXT, kubectl, startWatcher, withWatcher, waitFor, waitForPermission, disposeWatcher } from './helpers';

async function restartedAt(w: WorkloadId): Promise<string | undefined> {
  const o = JSON.parse(await kubectl(['get', w.kind.toLowerCase(), w.name, '-n', w.namespace, '-o', 'json']));
  return o.spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];
}

/** The model must equal a freshly listed one: nothing lost, nothing duplicated. */
async function assertModelMatchesFreshList(w: ClusterWatcher): Promise<void> {
  const fresh = await startWatcher();
  try {
    await waitFor(
      'watched model to converge with a fresh list',
      () => {
        w.flush();
        return (
          JSON.stringify(buildReport(w.snapshot, { context: CONTEXT })) === JSON.stringify(buildReport(fresh.snapshot, { context: CONTEXT })) &&
          w.snapshot.podCount === fresh.snapshot.podCount
        );
      },
      60_000,
    );
  } finally {
    disposeWatcher(fresh);
  }
}

describe('faults: nothing half-done, the state reported truthfully', function () {
  this.timeout(240_000);
  let w: ClusterWatcher;
  withWatcher((x) => (w = x));

  it('the API server stopped and restarted in the middle of a batched restart', async () => {
    const { restartComponent } = await import('../cluster/cluster.mjs');
    const ws: WorkloadId[] = ['ns-a', 'ns-b'].flatMap((ns) => ['httpbin', 'sleep'].map((name) => ({ kind: 'Deployment' as const, namespace: ns, name })));
    const at = new Date(Date.now() + 7_200_000).toISOString().replace(/\.\d+Z$/, 'Z');
    let outage: Promise<unknown> | undefined;
    const rep = await runRestarts(w.client, ws, {
      batchSize: 2,
      at,
      rolloutTimeoutMs: 120_000,
      onProgress: (e) => {
        if (e.phase === 'waiting' && e.batch === 1 && !outage) outage = restartComponent(clusterState().dir, 'kube-apiserver', { downMs: 3000 });
      },
    });
    await outage;
    const all = [...rep.completed, ...rep.inProgress, ...rep.notRestarted, ...(rep.failed ? [rep.failed.workload] : [])].map(workloadKey).sort();
    assert.deepEqual([...new Set(all)], ws.map(workloadKey).sort(), `every workload accounted for exactly once: ${describeRestartReport(rep)}`);
    // The report matches the cluster: reported restarts carry this run's restartedAt, untouched ones do not.
    for (const x of rep.completed) assert.equal(await restartedAt(x), at, `${workloadKey(x)} reported restarted`);
    for (const x of rep.notRestarted) assert.notEqual(await restartedAt(x), at, `${workloadKey(x)} reported untouched`);
    assert.ok(rep.completed.length >= 2, `the batch in flight survived the outage: ${describeRestartReport(rep)}`);
    await waitFor(
      'ns-a and ns-b settled, every sidecar current',
      () => ['ns-a', 'ns-b'].every((n) => w.snapshot.namespace(n)?.stats.pods === 3 && w.snapshot.namespace(n)?.stats.stale === 0),
      90_000,
    ).catch((e) => {
      throw new Error(
        `${(e as Error).message}: ${w.snapshot
          .proxies('ns-a')
          .concat(w.snapshot.proxies('ns-b'))
          .map((p) => `${p.name} ${p.injectedRevision} ${p.proxyVersion}${p.stale ? ' STALE' : ''}`)
          .join('; ')}`,
      );
    });
  });

  it('watches dropped by the API server restart: the model recovers by re-list, no duplicates', async function () {
    // The label is seen within a second of the API server's return; the scaled pod waits for the bench's
    // kube-controller-manager to re-sync its own informers after the restart (measured 18–55 s here).
    this.timeout(240_000);
    const { restartComponent } = await import('../cluster/cluster.mjs');
    const phases: string[] = [];
    const sub = w.onDidChangePhase((p) => phases.push(p.phase));
    try {
      await restartComponent(clusterState().dir, 'kube-apiserver', { downMs: 2000 });
      // changes made right after the restart, while the watches are still reconnecting
      await kubectl(['label', 'namespace', 'ns-b', 'fault=after-restart', '--overwrite']);
      await kubectl(['scale', 'deployment', 'sleep', '-n', 'ns-c', '--replicas=2']);
      await waitFor(
        'the model sees the label set after the restart',
        () => w.snapshot.namespaceObject('ns-b')?.metadata.labels?.fault === 'after-restart',
        30_000,
      );
      await waitFor('the model sees the pod the scale-up made', () => w.snapshot.namespace('ns-c')?.stats.pods === 4, 150_000);
      await assertModelMatchesFreshList(w);
      assert.ok(phases.includes('reconnecting'), `the outage was reported (${phases.join(' → ')})`);
      assert.equal(w.phase.phase, 'ready');
    } finally {
      sub.dispose();
      await kubectl(['label', 'namespace', 'ns-b', 'fault-']);
      await kubectl(['scale', 'deployment', 'sleep', '-n', 'ns-c', '--replicas=1']);
      await waitFor('ns-c back to 3 pods', () => w.snapshot.namespace('ns-c')?.stats.pods === 3, 60_000);
    }
  });

  it('409 conflict on relabel: re-read once, then a second conflict is reported and nothing is changed', async () => {
    const built = planRelabel(w.snapshot, CONTEXT, ['ns-b'], { kind: 'rev', value: 'canary' });
    assert.ok(built.ok);
    await kubectl(['label', 'namespace', 'ns-b', 'edit=1', '--overwrite']); // first conflict
    let n = 1;
    const res = await runPlan(w.client, built.plan, {
      beforeRetry: async () => {
        await kubectl(['label', 'namespace', 'ns-b', `edit=${++n}`, '--overwrite']);
      },
    });
    try {
      assert.equal(res.ok, false);
      assert.equal(res.failed?.error.kind, 'conflict');
      assert.match(
        res.failed!.message,
        /^Cluster "istio-revisions-local": cannot patch namespaces\/ns-b: conflict \(changed by someone else\) — Operation cannot be fulfilled on namespaces "ns-b"/,
      );
      const labels = JSON.parse(await kubectl(['get', 'ns', 'ns-b', '-o', 'json'])).metadata.labels;
      assert.equal(labels['istio.io/rev'], 'prod', 'the relabel was not applied');
      assert.equal(labels.edit, '2', "the other writer's change is kept");
    } finally {
      await kubectl(['label', 'namespace', 'ns-b', 'edit-']);
    }
  });

  it('someone changes the injection labels meanwhile: the conflict is reported, their change is not overwritten', async () => {
    const built = planRelabel(w.snapshot, CONTEXT, ['ns-b'], { kind: 'rev', value: 'canary' });
    assert.ok(built.ok);
    await kubectl(['label', 'namespace', 'ns-b', 'istio-injection=disabled']); // a colleague disables injection
    try {
      const res = await runPlan(w.client, built.plan);
      assert.equal(res.ok, false);
      assert.equal(res.failed?.error.kind, 'conflict');
      assert.equal(
        res.failed?.message,
        'Cluster "istio-revisions-local": cannot patch namespaces/ns-b: conflict (changed by someone else) — its labels changed since the plan was made (istio-injection: (absent) → disabled); nothing was overwritten — look again and re-run',
      );
      const labels = JSON.parse(await kubectl(['get', 'ns', 'ns-b', '-o', 'json'])).metadata.labels;
      assert.deepEqual([labels['istio-injection'], labels['istio.io/rev']], ['disabled', 'prod']);
    } finally {
      await kubectl(['label', 'namespace', 'ns-b', 'istio-injection-']);
    }
  });

  it('403 on the second step: refused before the first because permissions are checked first', async () => {
    await kubectl([
      'create',
      'clusterrole',
      'ir-ns-a-only',
      '--verb=get,list,watch',
      '--resource=namespaces,pods,services,configmaps,deployments.apps,mutatingwebhookconfigurations.admissionregistration.k8s.io',
    ]);
    await kubectl(['create', 'clusterrole', 'ir-patch-ns-a', '--verb=patch', '--resource=namespaces', '--resource-name=ns-a']);
    await kubectl(['create', 'clusterrolebinding', 'ir-ns-a-only', '--clusterrole=ir-ns-a-only', '--user=nsuser']);
    await kubectl(['create', 'clusterrolebinding', 'ir-patch-ns-a', '--clusterrole=ir-patch-ns-a', '--user=nsuser']);
    await waitForPermission('local-nsuser', { verb: 'list', group: '', resource: 'pods' });
    await waitForPermission('local-nsuser', { verb: 'patch', group: '', resource: 'namespaces', name: 'ns-a' });
    let u: ClusterWatcher | undefined;
    try {
      u = await startWatcher('local-nsuser');
      const before = JSON.parse(await kubectl(['get', 'ns', 'ns-a', '-o', 'json'])).metadata.resourceVersion;
      const built = planRelabel(u.snapshot, 'local-nsuser', ['ns-a', 'ns-b'], { kind: 'rev', value: 'canary' });
      assert.ok(built.ok);
      const res = await runPlan(u.client, built.plan);
      assert.equal(res.ok, false);
      assert.deepEqual(res.done, []);
      assert.deepEqual(
        res.denied?.map((d) => `${d.permission.verb} ${d.permission.resource}/${d.permission.name}`),
        ['patch namespaces/ns-b'],
      );
      assert.equal(JSON.parse(await kubectl(['get', 'ns', 'ns-a', '-o', 'json'])).metadata.resourceVersion, before, 'step 1 (ns-a, allowed) did not run');
    } finally {
      disposeWatcher(u);
      await kubectl(['delete', 'clusterrolebinding', 'ir-ns-a-only', 'ir-patch-ns-a']);
      await kubectl(['delete', 'clusterrole', 'ir-ns-a-only', 'ir-patch-ns-a']);
    }
  });

  it('istioctl killed during install: reported as cancelled, the partial revision shown as it is, and removable', async () => {
    const st = clusterState();
    const ac = new AbortController();
    let lines = 0;
    const r = await runTool(
      path.join(st.binDir, 'istioctl'),
      ['install', '--set', 'revision=killme', '--set', 'profile=minimal', '--set', 'tag=1.9.0', '-y', '--context', CONTEXT],
      {
        env: { ...process.env, KUBECONFIG: st.kubeconfig, HOME: path.join(st.dir, 'home') },
        signal: ac.signal,
        onLine: () => {
          if (++lines === 1) setTimeout(() => ac.abort(), 300);
        },
      },
    );
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.result?.cancelled, true);
    assert.match(!r.ok ? r.message : '', /istioctl was cancelled$/);
    // What the cluster has of the half-installed revision is exactly what the model shows.
    const mwcs = JSON.parse(await kubectl(['get', 'mutatingwebhookconfigurations', '-l', 'istio.io/rev=killme', '-o', 'json'])).items.length;
    const deps = JSON.parse(await kubectl(['get', 'deployments', '-A', '-l', 'app=istiod,istio.io/rev=killme', '-o', 'json'])).items.length;
    await new Promise((res) => setTimeout(res, 1000));
    const rev = w.snapshot.controlPlane.revisionByName.get('killme');
    assert.equal(!!rev, mwcs + deps > 0, `model shows killme iff the cluster has its webhook (${mwcs}) or istiod (${deps})`);
    if (rev) assert.equal(rev.deployments.length, deps);
    // Uninstalling it removes everything istioctl labelled for it.
    const objs = await fetchUninstallObjects(w.client, 'killme');
    assert.ok(objs.ok);
    const plan = planUninstall({ cluster: CONTEXT, revision: 'killme', objects: objs.value });
    if (plan.requests.length) {
      const res = await runPlan(w.client, plan);
      assert.equal(res.ok, true, res.failed?.message);
    }
    await waitFor(
      'killme gone',
      async () =>
        JSON.parse(
          await kubectl([
            'get',
            'deployments,services,configmaps,mutatingwebhookconfigurations',
            '-A',
            '-l',
            'istio.io/rev=killme,operator.istio.io/component',
            '-o',
            'json',
          ]),
        ).items.length === 0,
      120_000,
    );
    await waitFor('model without killme', () => !w.snapshot.controlPlane.revisionByName.get('killme'), 30_000);
  });

  it('a plan interrupted by an unreachable API server names the cluster and reports what was done', async () => {
    const { restartComponent } = await import('../cluster/cluster.mjs');
    const built = planRelabel(w.snapshot, CONTEXT, ['ns-a', 'ns-b'], { kind: 'rev', value: 'canary' });
    assert.ok(built.ok);
    let res: Awaited<ReturnType<typeof runPlan>> | undefined;
    await restartComponent(clusterState().dir, 'kube-apiserver', {
      downMs: 500,
      onDown: async () => {
        res = await runPlan(w.client, built.plan, { skipPermissionCheck: true });
      },
    });
    assert.ok(res);
    assert.equal(res!.ok, false);
    assert.deepEqual(res!.done, []);
    assert.equal(res!.failed?.error.kind, 'unreachable');
    assert.match(
      res!.failed!.message,
      /^Cluster "istio-revisions-local": cannot patch namespaces\/ns-a: cluster unreachable — connection refused by https:\/\/127\.0\.0\.1:\d+$/,
    );
    for (const ns of ['ns-a', 'ns-b']) assert.equal(JSON.parse(await kubectl(['get', 'ns', ns, '-o', 'json'])).metadata.labels['istio.io/rev'], 'prod');
  });
});
