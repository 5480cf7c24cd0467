import assert from 'node:assert/strict';
import { buildReport, ClusterSnapshot, findBlockers, nodeAgents, type Kind, type KindMap } from '../../src/istio';
import { injectorConfigMap, istiod, istiodService, ns, pod, revisionMwc, tagMwc, seedControlPlane, seedSnapshot } from './fixtures';

/** A snapshot rebuilt from scratch out of `from`'s final objects must equal the incrementally updated one. */
function rebuilt(objects: { [K in Kind]?: KindMap[K][] }): ClusterSnapshot {
  const s = new ClusterSnapshot();
  for (const k of ['Deployment', 'Service', 'ConfigMap', 'MutatingWebhookConfiguration', 'Namespace', 'Pod'] as Kind[])
    s.replace(k, (objects[k] ?? []) as never);
  return s;
}
const report = (s: ClusterSnapshot) => buildReport(s, { context: 'test' });

describe('ClusterSnapshot', () => {
  it('builds the seed view: revisions, tags, namespaces, gateways, proxies', () => {
    const s = seedSnapshot();
    const r = report(s);
    assert.equal(r.defaultRevision, '1-7-6');
    assert.deepEqual(
      r.revisions.map((x) => [x.name, x.version, x.default, x.tags, x.proxies, x.namespaces]),
      [
        ['1-7-6', '1.7.6', true, ['default', 'prod'], 5, ['ns-a', 'ns-b', 'test-ns']],
        ['1-8-0', '1.8.0', false, ['canary'], 1, ['ns-c']],
      ],
    );
    assert.deepEqual(
      r.tags.map((t) => [t.name, t.revision, t.namespaces]),
      [
        ['canary', '1-8-0', ['ns-c']],
        ['default', '1-7-6', []],
        ['prod', '1-7-6', ['ns-a', 'ns-b']],
      ],
    );
    assert.deepEqual(
      r.namespaces.map((n) => [n.name, n.resolvesTo, n.viaTag, n.proxies, n.stale]),
      [
        ['istio-system', null, null, 1, 0],
        ['ns-a', '1-7-6', 'prod', 2, 0],
        ['ns-b', '1-7-6', 'prod', 1, 0],
        ['ns-c', '1-8-0', 'canary', 1, 0],
        ['test-ns', '1-7-6', 'default', 1, 0],
      ],
    );
    assert.equal(r.otherNamespaces, 1);
    // The gateway in unlabelled istio-system asks with sidecar.istio.io/inject=true: the default tag's object webhook → 1-7-6.
    assert.deepEqual(r.gateways, [
      {
        namespace: 'istio-system',
        workload: 'istio-ingressgateway',
        kind: 'Deployment',
        pods: 1,
        running: { '1-7-6': 1 },
        follows: '1-7-6 (tag default)',
        followsRevision: '1-7-6',
        stale: 0,
        type: 'injected',
      },
    ]);
    assert.deepEqual([r.waypoints, r.nodeAgents, r.ambientNamespaces], [[], [], []]);
    assert.deepEqual(r.proxies, { total: 6, stale: 0, byRevision: { '1-7-6': 5, '1-8-0': 1 } });
    assert.deepEqual(r.migration, { from: '1-7-6', to: '1-8-0', percent: 16 });
  });

  it('namespace relabel re-resolves only that namespace and makes its pods stale', () => {
    const s = seedSnapshot();
    const ch = s.apply({ kind: 'Namespace', type: 'MODIFIED', object: ns('ns-a', { 'istio.io/rev': 'canary' }, '2') });
    assert.deepEqual([...ch.namespaces], ['ns-a']);
    assert.equal(ch.controlPlane, false);
    const a = s.namespace('ns-a')!;
    assert.deepEqual([a.resolvedRevision, a.stats.stale, a.stats.proxies], ['1-8-0', 2, 2]);
    assert.equal(s.namespace('ns-b')!.stats.stale, 0);
    const blockers = findBlockers(s);
    assert.deepEqual(
      blockers.map((b) => [b.code, b.object]),
      [['staleProxies', 'namespace/ns-a']],
    );
    assert.match(blockers[0].message, /^2 of 2 proxies run 1-7-6 but the namespace resolves to 1-8-0 \(tag canary\)/);
  });

  it('pod add / modify / delete adjust counters in O(1) and match a rebuild', () => {
    const s = seedSnapshot();
    const newPod = pod('ns-c', 'httpbin', { injectedBy: '1-7-6', version: '1.7.6', name: 'httpbin-c2' });
    const ch = s.apply({ kind: 'Pod', type: 'ADDED', object: newPod });
    assert.deepEqual([...ch.namespaces], ['ns-c']);
    assert.equal(s.namespace('ns-c')!.stats.stale, 1);
    const restarted = pod('ns-c', 'httpbin', { injectedBy: '1-8-0', version: '1.8.0', name: 'httpbin-c2', rv: '2' });
    s.apply({ kind: 'Pod', type: 'MODIFIED', object: restarted });
    assert.deepEqual([s.namespace('ns-c')!.stats.stale, s.namespace('ns-c')!.stats.proxies], [0, 2]);
    s.apply({ kind: 'Pod', type: 'DELETED', object: restarted });
    assert.deepEqual([s.namespace('ns-c')!.stats.proxies, s.podCount], [1, 7]);
    // deleting an unknown pod is harmless
    s.apply({ kind: 'Pod', type: 'DELETED', object: pod('ns-c', 'ghost', { name: 'ghost' }) });
    assert.equal(s.podCount, 7);
    assert.deepEqual(report(s), report(seedSnapshot()));
  });

  it('namespace add and delete change the namespace list', () => {
    const s = seedSnapshot();
    let ch = s.apply({ kind: 'Namespace', type: 'ADDED', object: ns('ns-d', { 'istio.io/rev': '1-9-9' }) });
    assert.equal(ch.namespaceList, true);
    assert.deepEqual(
      s.namespace('ns-d')!.warnings.map((w) => w.code),
      ['unknownTarget'],
    );
    ch = s.apply({ kind: 'Namespace', type: 'DELETED', object: ns('ns-d') });
    assert.equal(ch.namespaceList, true);
    assert.equal(s.namespace('ns-d'), undefined);
  });

  it('tag move (MWC modify) re-resolves every namespace following the tag', () => {
    const s = seedSnapshot();
    const moved = tagMwc('prod', '1-8-0');
    moved.metadata.resourceVersion = '2';
    const ch = s.apply({ kind: 'MutatingWebhookConfiguration', type: 'MODIFIED', object: moved });
    assert.equal(ch.controlPlane, true);
    assert.ok(ch.namespaces.has('ns-a') && ch.namespaces.has('ns-b'));
    assert.deepEqual([s.namespace('ns-a')!.resolvedRevision, s.namespace('ns-a')!.stats.stale], ['1-8-0', 2]);
    assert.deepEqual(s.controlPlane.revisionByName.get('1-8-0')!.tags, ['canary', 'prod']);
  });

  it('namespace, gateway and node agent views read between changes equal those of a snapshot replayed from scratch (the view cache and the data-plane index never serve a stale view)', () => {
    const s = seedSnapshot();
    const moved = tagMwc('prod', '1-8-0');
    moved.metadata.resourceVersion = '2';
    const steps: Parameters<ClusterSnapshot['apply']>[0][] = [
      { kind: 'Pod', type: 'ADDED', object: pod('ns-c', 'httpbin', { injectedBy: '1-7-6', version: '1.7.6', name: 'httpbin-c2' }) },
      { kind: 'Namespace', type: 'MODIFIED', object: ns('ns-a', { 'istio.io/rev': 'canary' }, '2') },
      { kind: 'MutatingWebhookConfiguration', type: 'MODIFIED', object: moved },
      { kind: 'Deployment', type: 'MODIFIED', object: istiod('1-8-0', '1.8.0', 0, 0) },
      { kind: 'Namespace', type: 'ADDED', object: ns('ns-d', { 'istio-injection': 'enabled', 'istio.io/rev': 'prod' }) },
      { kind: 'Namespace', type: 'MODIFIED', object: ns('ns-b', {}, '2') },
      { kind: 'Deployment', type: 'MODIFIED', object: istiod('1-8-0', '1.8.0', 1, 1) },
      { kind: 'MutatingWebhookConfiguration', type: 'DELETED', object: tagMwc('canary', '1-8-0') },
      { kind: 'Namespace', type: 'DELETED', object: ns('ns-d') },
      { kind: 'Pod', type: 'DELETED', object: pod('ns-c', 'httpbin', { name: 'httpbin-c2' }) },
      // a gateway pod that stops being one (its labels lose the gateway marks), then a ztunnel pod comes and goes
      {
        kind: 'Pod',
        type: 'MODIFIED',
        object: pod('istio-system', 'istio-ingressgateway', { injectedBy: '1-7-6', version: '1.7.6', name: 'gw-1', rv: '2' }),
      },
      { kind: 'Pod', type: 'ADDED', object: pod('istio-system', 'ztunnel', { name: 'ztunnel-n1', labels: { app: 'ztunnel' } }) },
      { kind: 'Pod', type: 'DELETED', object: pod('istio-system', 'ztunnel', { name: 'ztunnel-n1', labels: { app: 'ztunnel' } }) },
    ];
    const seen = new Set<string>();
    for (let i = 0; i < steps.length; i++) {
      s.namespaces(); // read (and cache) every view before the change
      s.apply(steps[i]);
      const fresh = seedSnapshot();
      fresh.applyMany(steps.slice(0, i + 1));
      assert.deepEqual(s.namespaces(), fresh.namespaces(), `after step ${i + 1} (${steps[i].type} ${steps[i].kind})`);
      // the gateway and node agent views read an index of the few pods they concern
      assert.deepEqual(s.gateways(), fresh.gateways(), `gateways after step ${i + 1}`);
      assert.deepEqual(nodeAgents(s), nodeAgents(fresh), `node agents after step ${i + 1}`);
      seen.add(`gateways:${s.gateways().length} agents:${nodeAgents(s).length}`);
      for (const n of s.namespaces()) seen.add(`${n.name}:${n.resolvedRevision}:${n.warnings.map((w) => w.code).join(',')}:${n.stats.stale}`);
    }
    // the steps did change what the views show: revisions, warnings and stale counts
    for (const v of [
      'gateways:1 agents:0',
      'gateways:0 agents:1',
      'gateways:0 agents:0',
      'ns-a:1-8-0::2',
      'ns-c:1-8-0::1',
      'ns-c:1-8-0:injectorDown:1',
      'ns-d:1-7-6:bothLabels:0',
      'ns-c:undefined:unknownTarget:1',
    ])
      assert.ok(
        [...seen].some((x) => x.startsWith(v)),
        `no view showed ${v}: ${[...seen].join(' ')}`,
      );
  });

  it('pods of one namespace that differ only in a label, the inject annotation or hostNetwork get their own decisions (the decision memo)', () => {
    const s = seedSnapshot();
    const base = pod('ns-c', 'web', { injectedBy: '1-8-0', version: '1.8.0' });
    const optOut = pod('ns-c', 'web', { injectedBy: '1-8-0', version: '1.8.0' });
    optOut.metadata.annotations = { ...optOut.metadata.annotations, 'sidecar.istio.io/inject': 'false' };
    const host = pod('ns-c', 'web', { injectedBy: '1-8-0', version: '1.8.0' });
    host.spec = { ...host.spec, hostNetwork: true };
    const optOutLabel = pod('ns-c', 'web', { injectedBy: '1-8-0', version: '1.8.0', labels: { 'sidecar.istio.io/inject': 'false' } });
    const again = pod('ns-c', 'web', { injectedBy: '1-8-0', version: '1.8.0' });
    s.applyMany([base, optOut, host, optOutLabel, again].map((object) => ({ kind: 'Pod' as const, type: 'ADDED' as const, object })));
    const info = (p: typeof base) => s.proxies('ns-c').find((x) => x.name === p.metadata.name)!;
    const fresh = (p: typeof base) => {
      const t = seedSnapshot();
      t.apply({ kind: 'Pod', type: 'ADDED', object: p });
      return t.proxies('ns-c').find((x) => x.name === p.metadata.name)!;
    };
    for (const p of [base, optOut, host, optOutLabel, again]) assert.deepEqual(info(p), fresh(p), p.metadata.name);
    assert.deepEqual(
      [base, optOut, host, optOutLabel].map((p) => [info(p).expected.kind, info(p).stale]),
      [
        ['injected', false],
        ['none', true],
        ['none', true],
        ['injected', true], // opted out by label with an istio-proxy of its own: a built-in gateway, owned by its istio.io/rev (default → 1-7-6)
      ],
    );
    // a relabel re-decides with the new labels
    s.apply({ kind: 'Namespace', type: 'MODIFIED', object: ns('ns-c', { 'istio.io/rev': 'prod' }, '2') });
    const after = info(base);
    assert.deepEqual([after.expected.kind === 'injected' ? after.expected.revision : after.expected.kind, after.stale], ['1-7-6', true]);
  });

  it('tag delete (MWC delete) leaves followers on a label naming nothing', () => {
    const s = seedSnapshot();
    s.apply({ kind: 'MutatingWebhookConfiguration', type: 'DELETED', object: tagMwc('canary', '1-8-0') });
    const c = s.namespace('ns-c')!;
    assert.equal(c.resolution.kind, 'none');
    assert.deepEqual(
      c.warnings.map((w) => w.code),
      ['unknownTarget'],
    );
    assert.equal(c.stats.stale, 1);
  });

  it('new revision (Deployment + MWC add) and istiod image change update versions; delete removes it', () => {
    const s = seedSnapshot();
    s.applyMany([
      { kind: 'Deployment', type: 'ADDED', object: istiod('1-9-0', '1.9.0', 0, 1) },
      { kind: 'MutatingWebhookConfiguration', type: 'ADDED', object: revisionMwc('1-9-0') },
    ]);
    assert.deepEqual(
      s.controlPlane.revisions.map((r) => [r.name, r.readiness]),
      [
        ['1-7-6', 'ready'],
        ['1-8-0', 'ready'],
        ['1-9-0', 'notReady'],
      ],
    );
    assert.equal(s.migration()!.to, '1-9-0');
    // in-place upgrade of 1-7-6 to 1.7.7: its proxies on 1.7.6 become stale
    const up = istiod('1-7-6', '1.7.7');
    up.metadata.resourceVersion = '2';
    s.apply({ kind: 'Deployment', type: 'MODIFIED', object: up });
    assert.equal(s.controlPlane.revisionByName.get('1-7-6')!.version, '1.7.7');
    assert.equal(s.namespace('ns-a')!.stats.stale, 2);
    s.applyMany([
      { kind: 'Deployment', type: 'DELETED', object: istiod('1-9-0', '1.9.0') },
      { kind: 'MutatingWebhookConfiguration', type: 'DELETED', object: revisionMwc('1-9-0') },
    ]);
    assert.deepEqual(
      s.controlPlane.revisions.map((r) => r.name),
      ['1-7-6', '1-8-0'],
    );
  });

  it('Service and ConfigMap events feed the control plane; unrelated ones are dropped', () => {
    const s = seedSnapshot();
    let ch = s.apply({ kind: 'Service', type: 'DELETED', object: istiodService('1-8-0') });
    assert.equal(ch.controlPlane, true);
    assert.deepEqual(s.controlPlane.revisionByName.get('1-8-0')!.services, []);
    ch = s.apply({ kind: 'ConfigMap', type: 'ADDED', object: { metadata: { name: 'kube-root-ca.crt', namespace: 'istio-system' } } });
    assert.equal(ch.controlPlane, false);
    ch = s.apply({ kind: 'Deployment', type: 'ADDED', object: { metadata: { name: 'web', namespace: 'ns-a', labels: { app: 'web' } } } });
    assert.equal(ch.controlPlane, false);
  });

  it('replace (re-list after a dropped watch) ends equal to a rebuild, with no duplicates', () => {
    const s = seedSnapshot();
    const pods = [
      pod('ns-a', 'httpbin', { injectedBy: '1-8-0', version: '1.8.0', name: 'httpbin-a9', rv: '9' }),
      pod('ns-c', 'httpbin', { injectedBy: '1-8-0', version: '1.8.0', name: 'httpbin-c1' }),
    ];
    s.replace('Pod', pods);
    s.replace('Pod', pods);
    assert.equal(s.podCount, 2);
    const fresh = rebuilt({
      Deployment: [istiod('1-7-6', '1.7.6'), istiod('1-8-0', '1.8.0')],
      Service: [istiodService('1-7-6'), istiodService('1-8-0')],
      ConfigMap: [injectorConfigMap('1-7-6', '1.7.6'), injectorConfigMap('1-8-0', '1.8.0')],
      MutatingWebhookConfiguration: [
        revisionMwc('1-7-6'),
        revisionMwc('1-8-0'),
        tagMwc('prod', '1-7-6'),
        tagMwc('canary', '1-8-0'),
        tagMwc('default', '1-7-6'),
      ],
      Namespace: [
        ns('ns-a', { 'istio.io/rev': 'prod' }),
        ns('ns-b', { 'istio.io/rev': 'prod' }),
        ns('ns-c', { 'istio.io/rev': 'canary' }),
        ns('test-ns', { 'istio-injection': 'enabled' }),
        ns('istio-system'),
        ns('kube-system'),
      ],
      Pod: pods,
    });
    assert.deepEqual(report(s), report(fresh));
    assert.equal(s.namespace('ns-a')!.stats.stale, 1);
  });

  it('check: both labels, unknown target, tag to a missing revision', () => {
    const s = seedSnapshot();
    s.applyMany([
      { kind: 'Namespace', type: 'ADDED', object: ns('both', { 'istio-injection': 'enabled', 'istio.io/rev': 'canary' }) },
      { kind: 'Namespace', type: 'ADDED', object: ns('typo', { 'istio.io/rev': '1.8.0' }) },
      { kind: 'MutatingWebhookConfiguration', type: 'ADDED', object: tagMwc('old', '1-6-0') },
      { kind: 'Namespace', type: 'ADDED', object: ns('on-old', { 'istio.io/rev': 'old' }) },
      { kind: 'Namespace', type: 'ADDED', object: ns('pinned', { 'istio.io/rev': '1-8-0' }) },
    ]);
    assert.deepEqual(
      findBlockers(s).map((b) => [b.code, b.object]),
      [
        ['tagMissingRevision', 'tag/old'],
        ['bothLabels', 'namespace/both'],
        ['unknownTarget', 'namespace/typo'],
      ],
    );
    assert.deepEqual(
      s.namespace('pinned')!.warnings.map((w) => w.code),
      ['pinnedRevision'],
    );
    assert.deepEqual(
      s.namespace('on-old')!.warnings.map((w) => w.code),
      ['tagMissingRevision'],
    );
  });

  it('terminating and finished pods leave the counts', () => {
    const s = seedSnapshot();
    const dying = pod('ns-a', 'httpbin', { injectedBy: '1-7-6', version: '1.7.6', name: 'httpbin-a1', rv: '5' });
    dying.metadata.deletionTimestamp = '2026-11-28T00:00:00Z';
    s.apply({ kind: 'Pod', type: 'MODIFIED', object: dying });
    assert.deepEqual([s.namespace('ns-a')!.stats.pods, s.namespace('ns-a')!.stats.proxies], [1, 1]);
    const done = pod('ns-a', 'job', { injectedBy: '1-7-6', version: '1.7.6', name: 'job-1' });
    done.status = { phase: 'Succeeded' };
    s.apply({ kind: 'Pod', type: 'ADDED', object: done });
    assert.equal(s.namespace('ns-a')!.stats.pods, 1);
    s.apply({ kind: 'Pod', type: 'DELETED', object: dying });
    assert.equal(s.namespace('ns-a')!.stats.pods, 1);
  });

  it('namespaces the user may not read are known from their pods, with unknown labels and no staleness guessed', () => {
    const s = seedControlPlane();
    s.replace('Pod', [
      pod('ns-a', 'httpbin', { injectedBy: '1-7-6', version: '1.7.6', name: 'a1' }),
      pod('ns-a', 'httpbin', { injectedBy: '1-8-0', version: '1.8.0', name: 'a2' }),
    ]);
    s.setNamespacesReadable(false);
    const v = s.namespace('ns-a')!;
    assert.equal(v.labelsKnown, false);
    assert.deepEqual([v.stats.pods, v.stats.proxies, v.stats.stale, v.stats.missing], [2, 2, 0, 0]);
    assert.deepEqual([...v.stats.byRevision].sort(), [
      ['1-7-6', 1],
      ['1-8-0', 1],
    ]);
    assert.equal(v.resolution.kind, 'none');
    assert.deepEqual(s.namespaceNames(), ['ns-a']);
    const r = buildReport(s, { context: 'scoped' });
    assert.deepEqual(
      r.namespaces.map((n) => [n.name, n.labelsKnown, n.stale]),
      [['ns-a', false, 0]],
    );
    // once readable, the real labels decide
    s.setNamespacesReadable(true);
    s.apply({ kind: 'Namespace', type: 'ADDED', object: ns('ns-a', { 'istio.io/rev': 'prod' }) });
    assert.deepEqual([s.namespace('ns-a')!.labelsKnown, s.namespace('ns-a')!.stats.stale], [true, 1]);
  });
});
