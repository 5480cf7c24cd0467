import assert from 'node:assert/strict';
import {
  emptyFilters,
  filterNamespaces,
  filterRows,
  parseSyncz,
  shapeProxyStatus,
  splitProxyId,
  xdsState,
  type ProxyStatusData,
  ProxyStatusMemo,
  ProxyStatusDeltas,
  applyProxyStatusDelta,
  reshapeDelay,
} from '../../src/istio/proxystatus';
import { MAX_MESSAGE_BYTES, parsePageMessage, parsePageState, renderPanelHtml } from '../../src/webview/protocol';
import { istiod, ns, pod, seedSnapshot as seedSnapshot0, tagMwc } from './fixtures';

/** The seed scenario (as in snapshot.test.ts): 1-7-6 (default, prod) and canary 1-8-0. */
const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const RDS = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const EDS = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
const SENT_AT = '2026-11-27T10:15:02.123456789Z';
const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * `/debug/syncz` as pilot/pkg/xds/debug.go writes it (json tags of SyncStatus and
 * ResourceStatus; omitempty drops empty nonces; a zero time.Time is still written).
 */
const SYNCZ_1_7_6 = JSON.parse(
  JSON.stringify([
    {
      cluster_id: 'Kubernetes',
      proxy: 'httpbin-a1.ns-a',
      proxy_type: 'sidecar',
      istio_version: '1.7.6',
      cluster_sent: 'c1',
      cluster_acked: 'c1',
      listener_sent: 'l1',
      listener_acked: 'l1',
      route_sent: 'r1',
      route_acked: 'r1',
      endpoint_sent: 'e1',
      endpoint_acked: 'e1',
      resources: {
        [CDS]: { sent: 'c1', acked: 'c1', sentTime: SENT_AT },
        [LDS]: { sent: 'l1', acked: 'l1', sentTime: SENT_AT },
        [RDS]: { sent: 'r1', acked: 'r1', sentTime: SENT_AT },
        [EDS]: { sent: 'e1', acked: 'e1', sentTime: SENT_AT },
      },
    },
    {
      // EDS pushed, not yet acked: STALE.
      cluster_id: 'Kubernetes',
      proxy: 'httpbin-a2.ns-a',
      proxy_type: 'sidecar',
      istio_version: '1.7.6',
      cluster_sent: 'c1',
      cluster_acked: 'c1',
      listener_sent: 'l1',
      listener_acked: 'l1',
      endpoint_sent: 'e2',
      endpoint_acked: 'e1',
      resources: {
        [CDS]: { sent: 'c1', acked: 'c1', sentTime: SENT_AT },
        [LDS]: { sent: 'l1', acked: 'l1', sentTime: SENT_AT },
        [EDS]: { sent: 'e2', acked: 'e1', sentTime: SENT_AT },
        [RDS]: { sentTime: ZERO_TIME },
      },
    },
    {
      // Connected, nothing sent yet: NOT SENT.
      cluster_id: 'Kubernetes',
      proxy: 'sleep-a1.ns-a',
      proxy_type: 'sidecar',
      istio_version: '1.7.6',
      resources: { [CDS]: { sentTime: ZERO_TIME }, [LDS]: { sentTime: ZERO_TIME } },
    },
    {
      // A rejected push: ERROR.
      cluster_id: 'Kubernetes',
      proxy: 'web-t1.test-ns',
      proxy_type: 'sidecar',
      istio_version: '1.7.6',
      cluster_sent: 'c9',
      cluster_acked: 'c8',
      resources: { [CDS]: { sent: 'c9', acked: 'c8', sentTime: SENT_AT, lastError: 'cluster outbound|80||x: invalid' } },
    },
    {
      cluster_id: 'Kubernetes',
      proxy: 'gw-1.istio-system',
      proxy_type: 'router',
      istio_version: '1.7.6',
      cluster_sent: 'c1',
      cluster_acked: 'c1',
      listener_sent: 'l1',
      listener_acked: 'l1',
      resources: { [CDS]: { sent: 'c1', acked: 'c1', sentTime: SENT_AT }, [LDS]: { sent: 'l1', acked: 'l1', sentTime: SENT_AT } },
    },
  ]),
);

const istiod176 = { name: 'istiod-1-7-6-7c9f8d-abcde', namespace: 'istio-system', revision: '1-7-6' };

const seedSnapshot = () => seedSnapshot0([pod('ns-a', 'sleep', { injectedBy: '1-7-6', version: '1.7.6', name: 'sleep-a1' })]);

describe('proxy status: data shaping', () => {
  it('the legend names the installer where actions follow it (Helm release, Sail), not for istioctl installs', () => {
    const s = seedSnapshot();
    const helmIstiod = istiod('1-8-0', '1.8.0');
    helmIstiod.metadata.annotations = { 'meta.helm.sh/release-name': 'istiod-1-8-0', 'meta.helm.sh/release-namespace': 'istio-system' };
    s.apply({ kind: 'Deployment', type: 'MODIFIED', object: helmIstiod });
    const d = shapeProxyStatus(s, 'c');
    assert.equal(d.revisions.find((r) => r.revision === '1-8-0')!.installedBy, 'Helm release istio-system/istiod-1-8-0');
    assert.equal(d.revisions.find((r) => r.revision === '1-7-6')!.installedBy, undefined);
  });

  it('overall distribution by revision, with installed revisions, versions, tags and default', () => {
    const d = shapeProxyStatus(seedSnapshot(), 'test');
    assert.deepEqual(d.totals, { proxies: 7, stale: 0, pods: 8, workloads: 6, namespaces: 5 });
    assert.deepEqual(
      d.revisions.map((r) => [r.revision, r.proxies, r.stale, r.version, r.installed, r.isDefault, r.tags]),
      [
        ['1-7-6', 6, 0, '1.7.6', true, true, ['default', 'prod']],
        ['1-8-0', 1, 0, '1.8.0', true, false, ['canary']],
      ],
    );
    assert.deepEqual(d.migration, { from: '1-7-6', to: '1-8-0', percent: 14 });
    assert.equal(d.hasSync, false);
  });

  it('per namespace stacked counts and per workload rows', () => {
    const d = shapeProxyStatus(seedSnapshot(), 'test');
    assert.deepEqual(
      d.namespaces.map((n) => [n.namespace, n.proxies, n.stale, n.byRevision, n.resolvedRevision ?? null, n.labels]),
      [
        ['istio-system', 1, 0, [{ revision: '1-7-6', count: 1 }], null, ''],
        ['ns-a', 3, 0, [{ revision: '1-7-6', count: 3 }], '1-7-6', 'istio.io/rev=prod'],
        ['ns-b', 1, 0, [{ revision: '1-7-6', count: 1 }], '1-7-6', 'istio.io/rev=prod'],
        ['ns-c', 1, 0, [{ revision: '1-8-0', count: 1 }], '1-8-0', 'istio.io/rev=canary'],
        ['test-ns', 1, 0, [{ revision: '1-7-6', count: 1 }], '1-7-6', 'istio-injection=enabled'],
      ],
    );
    const httpbin = d.workloads.find((w) => w.key === 'ns-a/Deployment/httpbin')!;
    assert.deepEqual(
      [httpbin.kind, httpbin.name, httpbin.pods, httpbin.proxies, httpbin.stale, httpbin.revisions, httpbin.versions, httpbin.podRows.map((p) => p.name)],
      ['Deployment', 'httpbin', 2, 2, 0, [{ revision: '1-7-6', count: 2 }], ['1.7.6'], ['httpbin-a1', 'httpbin-a2']],
    );
    assert.ok(d.workloads.find((w) => w.name === 'istio-ingressgateway')!.gateway);
    assert.ok(!d.workloads.some((w) => w.name === 'coredns'), 'pods without a proxy are not rows');
    const plain = (v: unknown): boolean =>
      v === undefined ||
      v === null ||
      ['string', 'number', 'boolean'].includes(typeof v) ||
      (Array.isArray(v) ? v.every(plain) : Object.getPrototypeOf(v) === Object.prototype && Object.values(v as object).every(plain));
    assert.ok(plain(d), 'plain JSON values only (no Map or Set), postable as is');
  });

  it('staleness: relabelling ns-a to canary makes its proxies stale, and a restart moves the distribution', () => {
    const s = seedSnapshot();
    s.apply({ kind: 'Namespace', type: 'MODIFIED', object: ns('ns-a', { 'istio.io/rev': 'canary' }, '2') });
    let d = shapeProxyStatus(s, 'test');
    assert.deepEqual(
      d.revisions.map((r) => [r.revision, r.proxies, r.stale]),
      [
        ['1-7-6', 6, 3],
        ['1-8-0', 1, 0],
      ],
    );
    const nsA = d.namespaces.find((n) => n.namespace === 'ns-a')!;
    assert.deepEqual([nsA.stale, nsA.resolvedRevision, nsA.viaTag], [3, '1-8-0', 'canary']);
    const httpbin = d.workloads.find((w) => w.key === 'ns-a/Deployment/httpbin')!;
    assert.equal(httpbin.stale, 2);
    assert.match(httpbin.podRows[0].staleReason!, /injected by 1-7-6/);
    // httpbin restarted: one new pod on 1-8-0, one old still there (rolling).
    s.apply({ kind: 'Pod', type: 'DELETED', object: pod('ns-a', 'httpbin', { name: 'httpbin-a1' }) });
    s.apply({ kind: 'Pod', type: 'ADDED', object: pod('ns-a', 'httpbin', { injectedBy: '1-8-0', version: '1.8.0', name: 'httpbin-a3' }) });
    d = shapeProxyStatus(s, 'test');
    const row = d.workloads.find((w) => w.key === 'ns-a/Deployment/httpbin')!;
    assert.deepEqual(
      [row.revisions, row.versions, row.stale],
      [
        [
          { revision: '1-7-6', count: 1 },
          { revision: '1-8-0', count: 1 },
        ],
        ['1.7.6', '1.8.0'],
        1,
      ],
    );
    assert.deepEqual(
      d.revisions.map((r) => [r.revision, r.proxies, r.stale]),
      [
        ['1-7-6', 5, 2],
        ['1-8-0', 2, 0],
      ],
    );
  });

  it("the panel's memo (rows kept per namespace, reshaped where a change names it) gives what a full shape gives, after every change and with sync", () => {
    const s = seedSnapshot();
    const memo = new ProxyStatusMemo();
    const moved = tagMwc('prod', '1-8-0');
    moved.metadata.resourceVersion = '2';
    const parsed = parseSyncz(SYNCZ_1_7_6, istiod176);
    assert.ok(parsed.ok);
    const sync = { proxies: parsed.proxies, complete: false };
    const steps: Parameters<typeof s.apply>[0][] = [
      { kind: 'Pod', type: 'ADDED', object: pod('ns-c', 'httpbin', { injectedBy: '1-7-6', version: '1.7.6', name: 'httpbin-c2' }) },
      { kind: 'Namespace', type: 'MODIFIED', object: ns('ns-a', { 'istio.io/rev': 'canary' }, '2') },
      { kind: 'MutatingWebhookConfiguration', type: 'MODIFIED', object: moved },
      { kind: 'Pod', type: 'DELETED', object: pod('ns-a', 'httpbin', { name: 'httpbin-a1' }) },
      { kind: 'Pod', type: 'ADDED', object: pod('ns-a', 'httpbin', { injectedBy: '1-8-0', version: '1.8.0', name: 'httpbin-a3' }) },
      { kind: 'Deployment', type: 'MODIFIED', object: istiod('1-8-0', '1.9.0') },
      { kind: 'Pod', type: 'DELETED', object: pod('ns-c', 'httpbin', { name: 'httpbin-c2' }) },
    ];
    const degraded = (k: string) => (k === 'ns-a/Deployment/httpbin' ? { revision: '1-8-0', since: 0, reason: 'webhook down', pods: [] } : undefined);
    let shown = '';
    for (let i = 0; i < steps.length; i++) {
      shapeProxyStatus(s, 'test', undefined, undefined, degraded as never, memo); // rows kept before the change
      memo.changed(s.apply(steps[i]));
      const viaMemo = shapeProxyStatus(s, 'test', undefined, undefined, degraded as never, memo);
      assert.deepEqual(
        viaMemo,
        shapeProxyStatus(s, 'test', undefined, undefined, degraded as never),
        `after step ${i + 1} (${steps[i].type} ${steps[i].kind})`,
      );
      assert.deepEqual(shapeProxyStatus(s, 'test', sync, undefined, undefined, memo), shapeProxyStatus(s, 'test', sync), `with sync, step ${i + 1}`);
      shown += viaMemo.workloads.map((w) => `${w.key}:${w.stale}`).join(',') + '|';
    }
    // the steps did change the rows: staleness came and went, a pod left
    assert.match(shown, /ns-c\/Deployment\/httpbin:1/);
    assert.match(shown, /ns-a\/Deployment\/httpbin:2/);
    assert.match(shown, /ns-b\/Deployment\/\w+:1/);
    // a memo that is never told of changes shows the old rows: the test above can fail
    const blind = new ProxyStatusMemo();
    const t = seedSnapshot();
    shapeProxyStatus(t, 'test', undefined, undefined, undefined, blind);
    t.apply(steps[1]);
    assert.notDeepEqual(shapeProxyStatus(t, 'test', undefined, undefined, undefined, blind).workloads, shapeProxyStatus(t, 'test').workloads);
  });

  it("the panel's deltas: the page's rows after each delta are the whole shape's; only namespaces whose rows changed are sent", () => {
    const s = seedSnapshot();
    const memo = new ProxyStatusMemo();
    const deltas = new ProxyStatusDeltas();
    const degraded = (k: string) => (k === 'ns-b/Deployment/ratings' ? { revision: '1-8-0', since: 0, reason: 'webhook down', pods: [] } : undefined);
    const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T; // what postMessage hands the page
    const first = deltas.next(shapeProxyStatus(s, 'test', undefined, undefined, degraded as never, memo));
    assert.equal(first.kind, 'state');
    let page: ProxyStatusData = clone(first.kind === 'state' ? first.data : (undefined as never));
    let seq = first.seq;
    const steps: [string, Parameters<typeof s.apply>[0], string[] | null][] = [
      [
        'a pod of ns-c added',
        { kind: 'Pod', type: 'ADDED', object: pod('ns-c', 'httpbin', { injectedBy: '1-7-6', version: '1.7.6', name: 'httpbin-c2' }) },
        ['ns-c'],
      ],
      ['nothing of the rows changed', { kind: 'Pod', type: 'ADDED', object: pod('kube-system', 'coredns', { name: 'coredns-1' }) }, []],
      ['ns-a relabelled', { kind: 'Namespace', type: 'MODIFIED', object: ns('ns-a', { 'istio.io/rev': 'canary' }, '2') }, ['ns-a']],
      ['a new namespace', { kind: 'Pod', type: 'ADDED', object: pod('ns-new', 'web', { injectedBy: '1-8-0', version: '1.8.0', name: 'web-1' }) }, ['ns-new']],
      ['its last pod gone', { kind: 'Pod', type: 'DELETED', object: pod('ns-new', 'web', { name: 'web-1' }) }, ['ns-new']],
      ['istiod 1-8-0 upgraded in place', { kind: 'Deployment', type: 'MODIFIED', object: istiod('1-8-0', '1.9.0') }, null],
    ];
    for (const [what, ev, expectSent] of steps) {
      memo.changed(s.apply(ev));
      const whole = shapeProxyStatus(s, 'test', undefined, undefined, degraded as never, memo);
      const u = deltas.next(whole);
      assert.equal(u.kind, 'delta', what);
      if (u.kind !== 'delta') continue;
      assert.equal(u.base, seq, what);
      seq = u.seq;
      const m = clone(u);
      page = applyProxyStatusDelta(page, m.data, m.rows);
      assert.deepEqual(page, clone(whole), `after: ${what}`);
      assert.deepEqual(page, clone(shapeProxyStatus(s, 'test', undefined, undefined, degraded as never)), `after: ${what}, vs a shape without the memo`);
      // the marked row (a copy each shape) is always sent; otherwise only the namespaces whose rows changed
      const sent = u.rows.namespaces.filter((n) => n !== 'ns-b').sort();
      if (expectSent) assert.deepEqual(sent, expectSent, `${what}: the namespaces sent`);
      if (what === 'its last pod gone')
        assert.deepEqual(
          u.rows.workloads.filter((w) => w.namespace === 'ns-new'),
          [],
          `${what}: sent with no rows`,
        );
      if (expectSent && expectSent.length <= 1) assert.ok(JSON.stringify(u).length < JSON.stringify(whole).length, `${what}: smaller than the whole state`);
    }
    // after reset (a new page, a lost message, the page asking resync) the next update is whole
    deltas.reset();
    assert.equal(deltas.next(shapeProxyStatus(s, 'test', undefined, undefined, degraded as never, memo)).kind, 'state');
  });

  it('filters: revision, namespace, stale only, search; namespace bars follow the rows', () => {
    const s = seedSnapshot();
    s.apply({ kind: 'Namespace', type: 'MODIFIED', object: ns('ns-a', { 'istio.io/rev': 'canary' }, '2') });
    const d = shapeProxyStatus(s, 'test');
    const keys = (f: Partial<ReturnType<typeof emptyFilters>>) => filterRows(d.workloads, { ...emptyFilters(), ...f }).map((r) => r.key);
    assert.equal(keys({}).length, 6);
    assert.deepEqual(keys({ revision: '1-8-0' }), ['ns-c/Deployment/httpbin']);
    assert.deepEqual(keys({ namespace: 'ns-a' }), ['ns-a/Deployment/httpbin', 'ns-a/Deployment/sleep']);
    assert.deepEqual(keys({ staleOnly: true }), ['ns-a/Deployment/httpbin', 'ns-a/Deployment/sleep']);
    assert.deepEqual(keys({ staleOnly: true, search: 'SLEEP' }), ['ns-a/Deployment/sleep']);
    assert.deepEqual(keys({ search: 'httpbin-c1' }), ['ns-c/Deployment/httpbin'], 'search matches pod names');
    assert.deepEqual(keys({ search: '1.8.0' }), ['ns-c/Deployment/httpbin'], 'search matches versions');
    assert.deepEqual(keys({ revision: '1-8-0', namespace: 'ns-a' }), []);
    assert.deepEqual(keys({ notSynced: true }), [], 'no sync data: nothing is known to be out of sync');
    const f = { ...emptyFilters(), staleOnly: true };
    assert.deepEqual(
      filterNamespaces(d.namespaces, filterRows(d.workloads, f), f).map((n) => n.namespace),
      ['ns-a'],
    );
    assert.equal(filterNamespaces(d.namespaces, d.workloads, emptyFilters()).length, 5);
  });

  it('joins sync state per pod and workload; not-synced filter; disconnected only when every istiod answered', () => {
    const parsed = parseSyncz(SYNCZ_1_7_6, istiod176);
    assert.ok(parsed.ok);
    const withSync = (complete: boolean): ProxyStatusData => shapeProxyStatus(seedSnapshot(), 'test', { proxies: parsed.proxies, complete });
    let d = withSync(false);
    assert.equal(d.hasSync, true);
    const httpbin = d.workloads.find((w) => w.key === 'ns-a/Deployment/httpbin')!;
    assert.deepEqual(
      httpbin.podRows.map((p) => [p.name, p.sync?.state, p.sync?.controlPlaneRevision]),
      [
        ['httpbin-a1', 'SYNCED', '1-7-6'],
        ['httpbin-a2', 'STALE', '1-7-6'],
      ],
    );
    assert.deepEqual(httpbin.podRows[1].sync!.types, { CDS: 'SYNCED', LDS: 'SYNCED', EDS: 'STALE', RDS: 'NOT SENT' });
    assert.deepEqual(httpbin.sync, {
      synced: 1,
      stale: 1,
      notSent: 0,
      error: 0,
      disconnected: 0,
      unknown: 0,
      controlPlanes: ['1-7-6'],
      istiods: [istiod176.name],
    });
    const f = { ...emptyFilters(), notSynced: true };
    assert.deepEqual(
      filterRows(d.workloads, f).map((r) => r.key),
      ['ns-a/Deployment/httpbin', 'ns-a/Deployment/sleep', 'test-ns/Deployment/web'],
    );
    // Not every istiod answered: ns-b/ns-c proxies are unknown, not disconnected.
    assert.equal(d.workloads.find((w) => w.key === 'ns-c/Deployment/httpbin')!.sync!.unknown, 1);
    d = withSync(true);
    assert.equal(d.workloads.find((w) => w.key === 'ns-c/Deployment/httpbin')!.sync!.disconnected, 1);
    assert.ok(filterRows(d.workloads, f).some((r) => r.key === 'ns-c/Deployment/httpbin'));
  });
});

describe('proxy status: /debug/syncz parsing', () => {
  it('per-type state follows istiod debugSyncStatus: SYNCED, STALE, NOT SENT, ERROR', () => {
    assert.equal(xdsState('n1', 'n1'), 'SYNCED');
    assert.equal(xdsState('n2', 'n1'), 'STALE');
    assert.equal(xdsState('n2', undefined), 'STALE');
    assert.equal(xdsState(undefined, undefined), 'NOT SENT');
    assert.equal(xdsState('', ''), 'NOT SENT');
    assert.equal(xdsState('n1', 'n1', 'boom'), 'ERROR');
  });

  it('parses the JSON Istio writes, with the reporting istiod and its revision', () => {
    const r = parseSyncz(SYNCZ_1_7_6, istiod176);
    assert.ok(r.ok);
    assert.equal(r.skipped, 0);
    const by = Object.fromEntries(r.proxies.map((p) => [p.proxyId, p]));
    assert.deepEqual(
      [
        by['httpbin-a1.ns-a'].pod,
        by['httpbin-a1.ns-a'].namespace,
        by['httpbin-a1.ns-a'].clusterId,
        by['httpbin-a1.ns-a'].istioVersion,
        by['httpbin-a1.ns-a'].proxyType,
      ],
      ['httpbin-a1', 'ns-a', 'Kubernetes', '1.7.6', 'sidecar'],
    );
    assert.deepEqual(
      by['httpbin-a1.ns-a'].types.map((t) => [t.type, t.state]),
      [
        ['CDS', 'SYNCED'],
        ['LDS', 'SYNCED'],
        ['EDS', 'SYNCED'],
        ['RDS', 'SYNCED'],
      ],
    );
    assert.equal(by['httpbin-a1.ns-a'].types[0].sentTime, SENT_AT);
    assert.equal(by['httpbin-a1.ns-a'].overall, 'SYNCED');
    assert.equal(by['httpbin-a2.ns-a'].overall, 'STALE');
    assert.equal(by['httpbin-a2.ns-a'].types.find((t) => t.type === 'RDS')!.sentTime, undefined, 'zero time dropped');
    assert.equal(by['sleep-a1.ns-a'].overall, 'NOT SENT');
    assert.deepEqual(
      by['sleep-a1.ns-a'].types.map((t) => t.state),
      ['NOT SENT', 'NOT SENT'],
    );
    assert.equal(by['web-t1.test-ns'].overall, 'ERROR');
    assert.equal(by['web-t1.test-ns'].types[0].lastError, 'cluster outbound|80||x: invalid');
    assert.equal(by['gw-1.istio-system'].proxyType, 'router');
    for (const p of r.proxies) assert.deepEqual([p.istiod, p.istiodNamespace, p.controlPlaneRevision], [istiod176.name, 'istio-system', '1-7-6']);
  });

  it('an istiod without the resources map: the flat *_sent / *_acked fields (NOT SENT when omitted)', () => {
    const r = parseSyncz(
      [
        {
          proxy: 'sleep-b1.ns-b',
          cluster_id: 'Kubernetes',
          istio_version: '1.7.6',
          cluster_sent: 'a',
          cluster_acked: 'a',
          listener_sent: 'b',
          listener_acked: 'a',
          route_sent: 'c',
          route_acked: 'c',
          endpoint_sent: 'd',
          endpoint_acked: 'd',
        },
      ],
      { name: 'istiod-abc', namespace: 'istio-system', revision: 'default' },
    );
    assert.ok(r.ok);
    assert.deepEqual(
      r.proxies[0].types.map((t) => [t.type, t.state]),
      [
        ['CDS', 'SYNCED'],
        ['LDS', 'STALE'],
        ['EDS', 'SYNCED'],
        ['RDS', 'SYNCED'],
        ['ECDS', 'NOT SENT'],
      ],
    );
    assert.equal(r.proxies[0].overall, 'STALE');
    assert.equal(r.proxies[0].controlPlaneRevision, 'default');
  });

  it('an empty list is fine; anything but an array is rejected; entries without a proxy id are skipped', () => {
    assert.deepEqual(parseSyncz([], istiod176), { ok: true, proxies: [], skipped: 0 });
    for (const bad of [null, {}, 'x', 42]) assert.equal(parseSyncz(bad, istiod176).ok, false, JSON.stringify(bad));
    const r = parseSyncz([{ cluster_id: 'Kubernetes' }, 7, { proxy: 'nodot' }, { proxy: 'p.ns' }], istiod176);
    assert.ok(r.ok);
    assert.deepEqual([r.proxies.map((p) => p.proxyId), r.skipped], [['p.ns'], 3]);
    assert.deepEqual(splitProxyId('a.b.c.ns'), { pod: 'a.b.c', namespace: 'ns' });
  });
});

describe('proxy status: page message validation', () => {
  it('accepts every valid message', () => {
    const valid: unknown[] = [
      { type: 'ready' },
      { type: 'refreshSync' },
      { type: 'reveal', namespace: 'ns-a' },
      { type: 'reveal', namespace: 'ns-a', workload: { kind: 'Deployment', name: 'httpbin' } },
      { type: 'restartStale', namespace: 'ns-a' },
      { type: 'moveNamespace', namespace: 'test-ns' },
      { type: 'setFilters', filters: { revision: '1-8-0', namespace: 'ns-a', staleOnly: true, notSynced: false, search: 'http' } },
      { type: 'setFilters', filters: { staleOnly: false, notSynced: false, search: '', revision: 'unknown (1.7.6)' } },
    ];
    for (const m of valid) {
      const r = parsePageMessage(m);
      assert.ok(r.ok, `${JSON.stringify(m)}: ${r.ok ? '' : r.error}`);
    }
    const r = parsePageMessage({ type: 'setFilters', filters: { staleOnly: true } });
    assert.deepEqual(r, { ok: true, msg: { type: 'setFilters', filters: { staleOnly: true, notSynced: false, search: '' } } });
  });

  it('rejects malformed messages', () => {
    const bad: unknown[] = [
      null,
      undefined,
      'ready',
      42,
      [],
      {},
      { type: 5 },
      { type: 'reveal' },
      { type: 'reveal', namespace: 'Not_A_Namespace' },
      { type: 'reveal', namespace: 'a'.repeat(64) },
      { type: 'reveal', namespace: 'ns-a', workload: 'httpbin' },
      { type: 'reveal', namespace: 'ns-a', workload: { kind: 'Deployment' } },
      { type: 'reveal', namespace: 'ns-a', workload: { kind: 'Deploy ment', name: 'x' } },
      { type: 'reveal', namespace: 'ns-a', workload: { kind: 'Deployment', name: '../etc' } },
      { type: 'restartStale', namespace: 7 },
      { type: 'moveNamespace', namespace: 'ns-a', extra: true },
      { type: 'ready', payload: 1 },
      { type: 'setFilters' },
      { type: 'setFilters', filters: { staleOnly: 'yes' } },
      { type: 'setFilters', filters: { namespace: 'NS' } },
      { type: 'setFilters', filters: { revision: '<script>' } },
      { type: 'setFilters', filters: { search: 'x'.repeat(300) } },
      { type: 'setFilters', filters: { evil: 1 } },
    ];
    for (const m of bad) assert.equal(parsePageMessage(m).ok, false, JSON.stringify(m));
  });

  it('rejects unknown types', () => {
    const r = parsePageMessage({ type: 'deleteCluster' });
    assert.equal(r.ok, false);
    assert.match((r as { error: string }).error, /unknown message type/);
  });

  it('rejects oversized messages (> 64 KiB serialized) before looking at them', () => {
    const r = parsePageMessage({ type: 'setFilters', filters: { search: 'x'.repeat(MAX_MESSAGE_BYTES) } });
    assert.equal(r.ok, false);
    assert.match((r as { error: string }).error, /larger than 65536 bytes/);
    // Multi-byte text counts in UTF-8 bytes.
    assert.equal(parsePageMessage({ type: 'ready', pad: '€'.repeat(22_000) }).ok, false);
    const cyclic: Record<string, unknown> = { type: 'ready' };
    cyclic.self = cyclic;
    assert.equal(parsePageMessage(cyclic).ok, false);
  });

  it('saved page state is validated before the serializer uses it', () => {
    assert.equal(parsePageState(undefined), undefined);
    assert.equal(parsePageState({ filters: {} }), undefined);
    assert.deepEqual(parsePageState({ context: 'kind-a', filters: { staleOnly: true } }), {
      context: 'kind-a',
      filters: { staleOnly: true, notSynced: false, search: '' },
    });
    assert.deepEqual(parsePageState({ context: 'kind-a', filters: { staleOnly: 'x' } }), { context: 'kind-a', filters: emptyFilters() });
  });
});

describe('proxy status: page HTML and CSP', () => {
  const cspSource = 'https://file+.vscode-resource.vscode-cdn.net';
  const html = renderPanelHtml({
    nonce: 'n0nce-ABC_123',
    cspSource,
    title: 'Proxy status — kind-a',
    scriptUri: `${cspSource}/ext/media/webview/proxyStatus.js`,
    styleUri: `${cspSource}/ext/media/webview/proxyStatus.css`,
  });
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';

  it('has a strict CSP with a nonce', () => {
    assert.ok(csp, 'CSP meta present');
    const directives = Object.fromEntries(
      csp
        .split(';')
        .map((d) => d.trim())
        .filter(Boolean)
        .map((d) => {
          const [k, ...v] = d.split(/\s+/);
          return [k, v];
        }),
    );
    assert.deepEqual(directives['default-src'], ["'none'"]);
    assert.deepEqual(directives['script-src'], ["'nonce-n0nce-ABC_123'"]);
    assert.deepEqual(directives['style-src'], [cspSource]);
    assert.deepEqual(directives['img-src'], [cspSource, 'data:']);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    // The only origin allowed is the webview's own resource origin.
    const origins = csp.match(/https?:\/\/[^\s;]+/g) ?? [];
    assert.deepEqual([...new Set(origins)], [cspSource]);
  });

  it('loads only local resources, and the script carries the nonce', () => {
    assert.match(
      html,
      /<script nonce="n0nce-ABC_123" src="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/media\/webview\/proxyStatus\.js"><\/script>/,
    );
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    assert.equal(scripts.length, 1);
    assert.doesNotMatch(html, /<script[^>]*>[^<]+<\/script>/, 'no inline script');
    assert.doesNotMatch(html, /style=|<style/, 'no inline style');
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    for (const u of urls) assert.ok(u.startsWith(cspSource + '/'), `${u} is a webview resource URI`);
  });

  it('reshapes at most every 200 ms, and four reshape-times apart when reshaping is slow', () => {
    assert.equal(reshapeDelay(0), 200);
    assert.equal(reshapeDelay(30), 200);
    assert.equal(reshapeDelay(120), 480);
    assert.equal(reshapeDelay(10, 50), 50);
  });
});
