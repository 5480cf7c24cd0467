import assert from 'node:assert/strict';
import { analyzePod, buildControlPlane, injectedRevisionOf, isGatewayPod, summarizeWorkloads, workloadOf } from '../../src/istio';
import { istiod, ns, pod, revisionMwc, tagMwc, seedSnapshot } from './fixtures';

describe('proxies: injected revision, version and staleness', () => {
  const cp = buildControlPlane({
    deployments: [istiod('1-7-6', '1.7.6'), istiod('1-8-0', '1.8.0')],
    services: [],
    configMaps: [],
    mwcs: [revisionMwc('1-7-6'), revisionMwc('1-8-0'), tagMwc('prod', '1-7-6'), tagMwc('canary', '1-8-0'), tagMwc('default', '1-7-6')],
  });
  const ver = (r: string) => cp.revisionByName.get(r)?.version;
  const analyze = (p: ReturnType<typeof pod>, nsLabels: Record<string, string>) =>
    analyzePod(p, ns(p.metadata.namespace!, nsLabels).metadata.labels, cp.webhooks, ver);

  it('reads the revision from the istio.io/rev annotation first', () => {
    const s = injectedRevisionOf(pod('a', 'web', { injectedBy: '1-7-6', version: '1.7.6' }));
    assert.deepEqual([s.revision, s.source, s.version, s.injected], ['1-7-6', 'annotation', '1.7.6', true]);
  });
  it('then from sidecar.istio.io/status revision', () => {
    const s = injectedRevisionOf(pod('a', 'web', { injectedBy: '1-8-0', version: '1.8.0', signals: ['status', 'image'] }));
    assert.deepEqual([s.revision, s.source], ['1-8-0', 'status']);
  });
  it('then only the version from the istio-proxy image tag', () => {
    const s = injectedRevisionOf(pod('a', 'web', { injectedBy: '1-7-6', version: '1.7.6', signals: ['image'] }));
    assert.deepEqual([s.revision, s.source, s.version], [undefined, 'image', '1.7.6']);
  });
  it('a malformed sidecar.istio.io/status is reported, not fatal', () => {
    const s = injectedRevisionOf(pod('a', 'web', { injectedBy: '1-7-6', version: '1.7.6', status: '{not json', signals: ['image', 'status'] }));
    assert.equal(s.statusError, 'annotation sidecar.istio.io/status is not valid JSON');
    assert.deepEqual([s.revision, s.source, s.injected], [undefined, 'image', true]);
  });
  it('a pod without a sidecar is not injected', () => {
    assert.equal(injectedRevisionOf(pod('a', 'web')).injected, false);
  });

  it('stale by annotation: injected by 1-7-6, namespace now on canary → 1-8-0', () => {
    const p = analyze(pod('ns-c', 'web', { injectedBy: '1-7-6', version: '1.7.6' }), { 'istio.io/rev': 'canary' });
    assert.equal(p.stale, true);
    assert.equal(p.staleReason, 'injected by 1-7-6, namespace now resolves to 1-8-0 (tag canary)');
    const ok = analyze(pod('ns-c', 'web', { injectedBy: '1-8-0', version: '1.8.0' }), { 'istio.io/rev': 'canary' });
    assert.equal(ok.stale, false);
  });
  it('stale by status JSON alone', () => {
    const p = analyze(pod('ns-c', 'web', { injectedBy: '1-7-6', version: '1.7.6', signals: ['status'] }), { 'istio.io/rev': 'canary' });
    assert.deepEqual([p.stale, p.injectedRevision, p.revisionSource], [true, '1-7-6', 'status']);
  });
  it('stale by image version alone', () => {
    const p = analyze(pod('ns-c', 'web', { injectedBy: '1-7-6', version: '1.7.6', signals: ['image'] }), { 'istio.io/rev': 'canary' });
    assert.deepEqual([p.stale, p.staleReason], [true, 'proxy 1.7.6, namespace now resolves to 1-8-0 (1.8.0)']);
    const ok = analyze(pod('ns-c', 'web', { injectedBy: '1-8-0', version: '1.8.0', signals: ['image'] }), { 'istio.io/rev': 'canary' });
    assert.equal(ok.stale, false);
  });
  it('stale after an in-place upgrade of the same revision (proxy version differs)', () => {
    const p = analyze(pod('ns-a', 'web', { injectedBy: '1-7-6', version: '1.7.5' }), { 'istio.io/rev': 'prod' });
    assert.deepEqual([p.stale, p.staleReason], [true, 'proxy 1.7.5, revision 1-7-6 now injects 1.7.6']);
  });
  it('stale when the namespace no longer selects any injector', () => {
    const p = analyze(pod('x', 'web', { injectedBy: '1-7-6', version: '1.7.6' }), { 'istio-injection': 'disabled' });
    assert.equal(p.stale, true);
    assert.match(p.staleReason!, /would not be injected now/);
  });
  it('a namespace labelled but pod not yet injected is a missing proxy, not stale', () => {
    const p = analyze(pod('x', 'web'), { 'istio.io/rev': 'prod' });
    assert.deepEqual([p.stale, p.missingProxy, p.injected], [false, true, false]);
  });
  it('finds the owning workload', () => {
    assert.deepEqual(workloadOf(pod('x', 'httpbin')), { kind: 'Deployment', name: 'httpbin' });
    const sts = pod('x', 'db');
    sts.metadata.ownerReferences = [{ kind: 'StatefulSet', name: 'db', controller: true }];
    assert.deepEqual(workloadOf(sts), { kind: 'StatefulSet', name: 'db' });
    const bare = pod('x', 'solo');
    bare.metadata.ownerReferences = [];
    assert.deepEqual(workloadOf(bare), { kind: 'Pod', name: bare.metadata.name });
  });
  it('gateways: helm chart and istioctl labels; ordinary pods are not gateways', () => {
    assert.equal(isGatewayPod({ 'sidecar.istio.io/inject': 'true', istio: 'ingressgateway', app: 'istio-ingressgateway' }), true);
    assert.equal(isGatewayPod({ 'sidecar.istio.io/inject': 'true', app: 'my-gateway' }), true);
    assert.equal(isGatewayPod({ 'gateway.networking.k8s.io/gateway-name': 'gw' }), true);
    assert.equal(isGatewayPod({ app: 'web', 'sidecar.istio.io/inject': 'true' }), false);
    assert.equal(isGatewayPod({ app: 'gateway-svc' }), false);
    // the gateway chart installed as Istio's Helm guide names it: app=istio-ingress, istio=ingress, the gateway template
    assert.equal(isGatewayPod({ 'sidecar.istio.io/inject': 'true', istio: 'ingress', app: 'istio-ingress', 'istio.io/rev': 'canary' }), false);
    assert.equal(
      isGatewayPod(
        { 'sidecar.istio.io/inject': 'true', istio: 'ingress', app: 'istio-ingress', 'istio.io/rev': 'canary' },
        { 'inject.istio.io/templates': 'gateway' },
      ),
      true,
    );
  });
  it('a gateway runs the revision that injected it and follows what its labels resolve to', () => {
    const gw = pod('istio-system', 'istio-ingressgateway', {
      injectedBy: '1-7-6',
      version: '1.7.6',
      labels: { 'sidecar.istio.io/inject': 'true', istio: 'ingressgateway' },
    });
    const p = analyze(gw, {});
    assert.equal(p.gateway, true);
    assert.equal(p.injectedRevision, '1-7-6');
    // no default webhook with object.* in the seed set except through the default tag → 1-7-6
    assert.equal(p.expected.kind === 'injected' && p.expected.revision, '1-7-6');
    assert.equal(p.stale, false);
  });
  it('an istioctl-installed gateway (built-in proxy, inject=false) follows its istio.io/rev label, not the webhooks', () => {
    const gw = pod('istio-system', 'istio-ingressgateway', {
      injectedBy: '1-7-6',
      version: '1.7.6',
      signals: ['annotation', 'image'],
      labels: { 'sidecar.istio.io/inject': 'false', istio: 'ingressgateway', 'istio.io/rev': '1-7-6' },
    });
    const p = analyze(gw, {});
    assert.deepEqual([p.gateway, p.injected, p.injectedRevision, p.stale], [true, true, '1-7-6', false]);
    assert.equal(p.expected.kind === 'injected' && p.expected.revision, '1-7-6');
    // labelled with a tag: follows the tag's revision; running 1-7-6 while prod moved to 1-8-0 → stale
    const tagged = pod('istio-system', 'istio-ingressgateway', {
      injectedBy: '1-7-6',
      version: '1.7.6',
      signals: ['annotation', 'image'],
      labels: { 'sidecar.istio.io/inject': 'false', istio: 'ingressgateway', 'istio.io/rev': 'canary' },
    });
    const q = analyzePod(tagged, {}, cp.webhooks, ver, (t) => cp.tagByName.get(t)?.revision);
    assert.deepEqual([q.stale, q.expected.kind === 'injected' && q.expected.revision], [true, '1-8-0']);
  });
});

describe('summarizeWorkloads: the tree rows of a namespace', () => {
  it('groups pods by workload: pods, injected proxies per revision, stale; sorted by name', () => {
    // the small seed with ns-c's httpbin half on 1-7-6 (stale: ns-c follows canary → 1-8-0) and an uninjected job
    const s = seedSnapshot([
      pod('ns-c', 'httpbin', { injectedBy: '1-7-6', version: '1.7.6', name: 'httpbin-c2' }),
      pod('ns-c', 'migrate', { name: 'migrate-1' }),
    ]);
    const rows = summarizeWorkloads(s.proxies('ns-c')).map((w) => ({
      name: w.name,
      pods: w.pods,
      proxies: w.proxies.length,
      byRevision: Object.fromEntries(w.byRevision),
      stale: w.stale,
    }));
    assert.deepEqual(rows, [
      { name: 'httpbin', pods: 2, proxies: 2, byRevision: { '1-8-0': 1, '1-7-6': 1 }, stale: 1 },
      { name: 'migrate', pods: 1, proxies: 0, byRevision: {}, stale: 0 },
    ]);
  });
});
