/**
 * The read side against the real local cluster (`seed` scenario, see
 * test/cluster/README.md): the model the extension builds through src/k8s +
 * src/istio equals what the scenario made, follows changes through watches, agrees
 * with what the API server's own webhook evaluation did, and with istioctl.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { buildReport, resolveInjection, type Pod } from '../../src/istio';
import { describeK8sError, podListStream, prunePod, RESOURCES, resourcePath, type ClusterWatcher } from '../../src/k8s';
import { run } from '../../src/cli/main';
import { client, clusterState, CONTEXT, istioctl, kubectl, withWatcher, waitFor } from './helpers';

describe('read side on the local cluster (seed)', function () {
  let w: ClusterWatcher;
  withWatcher((x) => (w = x));

  it('builds the model the seed scenario describes', async () => {
    // earlier suites restart workloads and the API server: let pods finish terminating and istiod report ready again
    await waitFor(
      'seed pods and istiod settled',
      () =>
        ['ns-a', 'ns-b', 'ns-c', 'test-ns'].every((n) => w.snapshot.namespace(n)?.stats.pods === 3 && w.snapshot.namespace(n)?.stats.stale === 0) &&
        w.snapshot.controlPlane.revisions.every((r) => r.readiness === 'ready'),
      120_000,
    );
    const r = buildReport(w.snapshot, { context: CONTEXT });
    assert.deepEqual(
      r.revisions.map((x) => [x.name, x.version, x.readiness, x.default, x.tags]),
      [
        ['1-7-6', '1.7.6', 'ready', true, ['default', 'prod']],
        ['1-8-0', '1.8.0', 'ready', false, ['canary']],
      ],
    );
    assert.deepEqual(
      r.tags.map((t) => [t.name, t.revision, t.revisionInstalled, t.namespaces]),
      [
        ['canary', '1-8-0', true, ['ns-c']],
        ['default', '1-7-6', true, []],
        ['prod', '1-7-6', true, ['ns-a', 'ns-b']],
      ],
    );
    const nss = Object.fromEntries(r.namespaces.map((n) => [n.name, n]));
    for (const [name, rev, tag] of [
      ['ns-a', '1-7-6', 'prod'],
      ['ns-b', '1-7-6', 'prod'],
      ['ns-c', '1-8-0', 'canary'],
      ['test-ns', '1-7-6', 'default'],
    ]) {
      const n = nss[name];
      assert.ok(n, `namespace ${name} missing from the report`);
      assert.equal(n.resolvesTo, rev, name);
      assert.equal(n.viaTag, tag, name);
      assert.equal(n.pods, 3, `${name}: httpbin ×2 + sleep ×1`);
      assert.equal(n.proxies, 3, `${name}: every pod injected`);
      assert.equal(n.stale, 0, name);
      assert.deepEqual(n.proxiesByRevision, { [rev]: 3 }, name);
      assert.deepEqual(n.warnings, [], name);
    }
    assert.deepEqual(nss['test-ns'].labels, { 'istio-injection': 'enabled', 'istio.io/rev': null });
    assert.deepEqual(r.proxies.byRevision['1-7-6'] >= 9 && r.proxies.byRevision['1-8-0'], 3);
    const gw = r.gateways.find((g) => g.workload === 'istio-ingressgateway');
    assert.ok(gw, `no istio-ingressgateway among ${JSON.stringify(r.gateways)}`);
    assert.equal(gw!.namespace, 'istio-system');
    assert.deepEqual(Object.keys(gw!.running), ['1-7-6']);
    // the Gateway API gateway beside it: deployed by the real istiod of the default revision, never a sidecar
    const edge = r.gateways.find((g) => g.workload === 'edge-istio');
    assert.ok(edge, `no edge-istio among ${JSON.stringify(r.gateways)}`);
    assert.deepEqual([edge!.type, edge!.followsRevision, edge!.running], ['gateway-api', '1-7-6', { '1-7-6': 1 }]);
    assert.ok(
      !w.snapshot.proxies('istio-system').some((p) => p.workload.name === 'edge-istio' && (p.stale || p.role === 'sidecar')),
      'edge-istio is not a sidecar',
    );
  });

  it('tag list agrees with the real `istioctl tag list -o json`', async () => {
    const out = await istioctl(['tag', 'list', '-o', 'json']);
    const theirs = (JSON.parse(out) as { tag: string; revision: string; namespaces: string[] | null }[])
      .map((t) => ({ tag: t.tag, revision: t.revision, namespaces: [...(t.namespaces ?? [])].sort() }))
      .sort((a, b) => `${a.tag}/${a.revision}`.localeCompare(`${b.tag}/${b.revision}`));
    const cp = w.snapshot.controlPlane;
    const ours = [
      ...cp.tags.map((t) => ({ tag: t.name, revision: t.revision, namespaces: w.snapshot.namespacesLabelled(t.name) })),
      // istioctl lists untagged revisions as rows with an empty tag
      ...cp.revisions
        .filter((r) => r.tags.length === 0 && r.webhooks.length > 0)
        .map((r) => ({ tag: '', revision: r.name, namespaces: w.snapshot.namespacesLabelled(r.name) })),
    ].sort((a, b) => `${a.tag}/${a.revision}`.localeCompare(`${b.tag}/${b.revision}`));
    assert.deepEqual(ours, theirs);
  });

  it('follows a namespace relabel through the watch: new resolution, pods now stale', async () => {
    try {
      await kubectl(['label', 'namespace', 'ns-b', 'istio.io/rev=canary', '--overwrite']);
      const v = await waitFor('ns-b to resolve to 1-8-0', () => {
        const n = w.snapshot.namespace('ns-b');
        return n?.resolvedRevision === '1-8-0' && n;
      });
      assert.equal(v.viaTag, 'canary');
      assert.equal(v.stats.stale, 3);
      assert.equal(w.snapshot.namespace('ns-a')!.stats.stale, 0);
    } finally {
      await kubectl(['label', 'namespace', 'ns-b', 'istio.io/rev=prod', '--overwrite']);
      await waitFor('ns-b back on prod', () => w.snapshot.namespace('ns-b')?.stats.stale === 0);
    }
  });

  it('follows pods through the watch: a restart replaces stale pods with pods injected by the new revision', async () => {
    await kubectl(['label', 'namespace', 'ns-a', 'istio.io/rev=canary', '--overwrite']);
    try {
      await waitFor('ns-a stale', () => w.snapshot.namespace('ns-a')?.stats.stale === 3);
      await kubectl(['rollout', 'restart', 'deployment', '-n', 'ns-a']);
      const v = await waitFor(
        'ns-a pods re-injected by 1-8-0',
        () => {
          const n = w.snapshot.namespace('ns-a');
          return n && n.stats.stale === 0 && n.stats.byRevision.get('1-8-0') === 3 && n.stats.pods === 3 && n;
        },
        90_000,
      );
      assert.deepEqual([...v.stats.byRevision], [['1-8-0', 3]]);
      for (const p of w.snapshot.proxies('ns-a')) {
        assert.equal(p.injectedRevision, '1-8-0');
        assert.equal(p.revisionSource, 'annotation');
        assert.equal(p.proxyVersion, '1.8.0');
      }
    } finally {
      await kubectl(['label', 'namespace', 'ns-a', 'istio.io/rev=prod', '--overwrite']);
      // kubectl's restartedAt has one-second resolution: a second restart within it is refused.
      await new Promise((r) => setTimeout(r, 1100));
      await kubectl(['rollout', 'restart', 'deployment', '-n', 'ns-a']);
      await waitFor(
        'ns-a back on 1-7-6',
        () => {
          const n = w.snapshot.namespace('ns-a');
          return n && n.stats.stale === 0 && n.stats.byRevision.get('1-7-6') === 3 && n.stats.pods === 3;
        },
        90_000,
      );
    }
  });

  it('follows a tag moved by the real `istioctl tag set --overwrite`', async () => {
    try {
      await istioctl(['tag', 'set', 'prod', '--revision', '1-8-0', '--overwrite', '-y']);
      await waitFor('prod → 1-8-0', () => w.snapshot.controlPlane.tagByName.get('prod')?.revision === '1-8-0');
      const a = w.snapshot.namespace('ns-a')!;
      assert.equal(a.resolvedRevision, '1-8-0');
      assert.equal(a.stats.stale, 3);
      assert.deepEqual(w.snapshot.controlPlane.revisionByName.get('1-8-0')!.tags, ['canary', 'prod']);
    } finally {
      await istioctl(['tag', 'set', 'prod', '--revision', '1-7-6', '--overwrite', '-y']);
      await waitFor(
        'prod back on 1-7-6',
        () => w.snapshot.controlPlane.tagByName.get('prod')?.revision === '1-7-6' && w.snapshot.namespace('ns-a')?.stats.stale === 0,
      );
    }
  });

  it('predicts injection exactly as the API server evaluates the webhooks (13 label situations)', async function () {
    this.timeout(180_000);
    type Case = { ns: Record<string, string>; pod: Record<string, string>; expect: string | null };
    const cases: Case[] = [
      { ns: { 'istio-injection': 'enabled' }, pod: {}, expect: '1-7-6' },
      { ns: { 'istio.io/rev': 'prod' }, pod: {}, expect: '1-7-6' },
      { ns: { 'istio.io/rev': 'canary' }, pod: {}, expect: '1-8-0' },
      { ns: { 'istio.io/rev': '1-8-0' }, pod: {}, expect: '1-8-0' },
      { ns: { 'istio.io/rev': 'default' }, pod: {}, expect: '1-7-6' },
      { ns: { 'istio-injection': 'enabled', 'istio.io/rev': 'canary' }, pod: {}, expect: '1-7-6' },
      { ns: { 'istio-injection': 'disabled' }, pod: {}, expect: null },
      { ns: { 'istio-injection': 'disabled' }, pod: { 'istio.io/rev': 'canary' }, expect: null },
      { ns: {}, pod: { 'istio.io/rev': 'canary' }, expect: '1-8-0' },
      { ns: {}, pod: { 'sidecar.istio.io/inject': 'true' }, expect: '1-7-6' },
      { ns: { 'istio.io/rev': 'prod' }, pod: { 'sidecar.istio.io/inject': 'false' }, expect: null },
      { ns: { 'istio.io/rev': 'prod' }, pod: { 'istio.io/rev': 'canary' }, expect: '1-7-6' },
      { ns: { 'istio.io/rev': 'no-such-rev' }, pod: {}, expect: null },
    ];
    const st = clusterState();
    const { apiRequest } = await import('../cluster/cluster.mjs');
    const names = cases.map((_, i) => `inj-${i}`);
    try {
      const results: { i: number; predicted: string | null; actual: string | null }[] = [];
      for (const [i, c] of cases.entries()) {
        const ns = names[i];
        const nsRes = await apiRequest(st, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: c.ns } });
        assert.ok(nsRes.status === 201 || nsRes.status === 409, `create namespace ${ns}: ${nsRes.status} ${nsRes.text}`);
        const podRes = await apiRequest(st, 'POST', resourcePath(RESOURCES.pods, { namespace: ns }), {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'probe', labels: { app: 'probe', ...c.pod } },
          spec: { containers: [{ name: 'app', image: 'docker.io/library/busybox:1.36' }] },
        });
        assert.equal(podRes.status, 201, `create pod in ${ns}: ${podRes.text}`);
        const pod = podRes.json as Pod;
        const actual = pod.metadata.annotations?.['istio.io/rev'] ?? null;
        const nsLabels = { ...c.ns, 'kubernetes.io/metadata.name': ns };
        const o = resolveInjection(w.snapshot.controlPlane.webhooks, nsLabels, pod.metadata.labels, ns);
        const predicted = o.kind === 'injected' ? o.revision : null;
        results.push({ i, predicted, actual });
        assert.equal(actual, c.expect, `case ${i} (${JSON.stringify(c)}): the API server's webhooks injected ${actual}`);
      }
      assert.deepEqual(
        results.map((r) => [r.i, r.predicted]),
        results.map((r) => [r.i, r.actual]),
      );
    } finally {
      for (const ns of names) await apiRequest(st, 'DELETE', `/api/v1/namespaces/${ns}`);
      await waitFor('probe namespaces deleted', () => names.every((n) => !w.snapshot.namespace(n)), 90_000);
    }
  });

  it('the CLI prints the same model (status -o json) and check passes on the clean seed', async () => {
    const st = clusterState();
    let out = '';
    let err = '';
    const io = {
      out: (s: string) => {
        out += s;
      },
      err: (s: string) => {
        err += s;
      },
      env: { KUBECONFIG: st.kubeconfig },
    };
    assert.equal(await run(['status', '-o', 'json', '--context', CONTEXT], io), 0, err);
    const r = JSON.parse(out);
    assert.equal(r.apiVersion, 'istio-revisions/v1');
    assert.deepEqual(
      r.revisions.map((x: { name: string }) => x.name),
      ['1-7-6', '1-8-0'],
    );
    out = '';
    assert.equal(await run(['check', '--context', CONTEXT], io), 0, out + err);
    assert.match(out, /^✔ Nothing blocks finishing the upgrade on istio-revisions-local/);
  });

  it('the built CLI runs without VS Code and exits 1 with reasons while a namespace is stale', async () => {
    const st = clusterState();
    const cli = path.resolve(__dirname, '../../dist/cli.js');
    await kubectl(['label', 'namespace', 'ns-c', 'istio.io/rev=prod', '--overwrite']);
    try {
      await waitFor('ns-c stale', () => w.snapshot.namespace('ns-c')?.stats.stale === 3);
      const r = spawnSync(process.execPath, [cli, 'check', '--kubeconfig', st.kubeconfig, '--context', CONTEXT], { encoding: 'utf8' });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stdout, /\[staleProxies\] namespace\/ns-c: 3 of 3 proxies run 1-8-0 but the namespace resolves to 1-7-6 \(tag prod\)/);
      const bad = spawnSync(process.execPath, [cli, 'status', '--kubeconfig', st.kubeconfig, '--context', 'nope'], { encoding: 'utf8' });
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /context "nope" is not in the kubeconfig/);
    } finally {
      await kubectl(['label', 'namespace', 'ns-c', 'istio.io/rev=canary', '--overwrite']);
    }
  });

  it('authenticates with an exec credential plugin, as kubectl does', async () => {
    const st = clusterState();
    const fs = await import('node:fs');
    const plugin = path.join(st.dir, 'exec-plugin.sh');
    fs.writeFileSync(
      plugin,
      `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${st.adminToken}"}}'\n`,
    );
    fs.chmodSync(plugin, 0o755);
    const text = fs
      .readFileSync(st.kubeconfig, 'utf8')
      .replace(
        /users:\n/,
        `users:\n- name: exec-user\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ${plugin}\n      interactiveMode: Never\n`,
      )
      .replace(/contexts:\n/, 'contexts:\n- name: exec-ctx\n  context:\n    cluster: istio-revisions-local\n    user: exec-user\n');
    const kc = path.join(st.dir, 'exec-kubeconfig');
    fs.writeFileSync(kc, text);
    let out = '';
    let err = '';
    const code = await run(['status', '-o', 'json', '--context', 'exec-ctx'], {
      out: (x) => {
        out += x;
      },
      err: (x) => {
        err += x;
      },
      env: { KUBECONFIG: kc },
    });
    assert.equal(code, 0, err);
    assert.deepEqual(
      JSON.parse(out).revisions.map((x: { name: string }) => x.name),
      ['1-7-6', '1-8-0'],
    );
  });

  it('pods read as protobuf (pages of 4, next page from the head) equal the same pods read as JSON, a terminating pod included', async () => {
    // A pod held terminating by a finalizer, in a namespace of its own (the seed namespaces keep their counts).
    await kubectl(['create', 'namespace', 'pb-check']);
    await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'held', namespace: 'pb-check', finalizers: ['example.com/hold'], annotations: { 'sidecar.istio.io/inject': 'false' } },
        spec: { initContainers: [{ name: 'init', image: 'registry.example/init:1' }], containers: [{ name: 'app', image: 'registry.example/app:1' }] },
      }),
    });
    await kubectl(['delete', 'pod', 'held', '-n', 'pb-check', '--wait=false']);
    const c = client();
    try {
      const pb = await c.list(RESOURCES.pods, { limit: 4 }, prunePod, podListStream);
      const json = await c.list(RESOURCES.pods, { limit: 4 }, prunePod);
      assert.ok(pb.ok && json.ok, !pb.ok ? describeK8sError(pb.error) : !json.ok ? describeK8sError(json.error) : '');
      // Pods that changed between the two lists (a status update) are compared no further than their presence.
      const byUid = new Map(json.value.items.map((p) => [p.metadata.uid, p]));
      let same = 0;
      for (const p of pb.value.items) {
        const j = byUid.get(p.metadata.uid);
        assert.ok(j, `${p.metadata.namespace}/${p.metadata.name} only in the protobuf list`);
        if (j.metadata.resourceVersion !== p.metadata.resourceVersion) continue;
        assert.deepStrictEqual(p, j, `${p.metadata.namespace}/${p.metadata.name}`);
        same++;
      }
      assert.equal(pb.value.items.length, json.value.items.length);
      assert.ok(pb.value.items.length > 12, `more pods than a page: ${pb.value.items.length}`);
      assert.ok(same >= pb.value.items.length - 3, `${same} of ${pb.value.items.length} compared`);
      const held = pb.value.items.find((p) => p.metadata.namespace === 'pb-check');
      assert.ok(held?.metadata.deletionTimestamp, 'the held pod read as terminating');
      assert.equal(held?.spec?.initContainers?.[0]?.name, 'init');
    } finally {
      c.dispose();
      await kubectl(['patch', 'pod', 'held', '-n', 'pb-check', '--type=merge', '-p', '{"metadata":{"finalizers":null}}'], { allowFail: true });
      await kubectl(['delete', 'namespace', 'pb-check', '--wait=false'], { allowFail: true });
    }
  });
});
