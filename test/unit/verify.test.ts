import assert from 'node:assert/strict';
import { clusterWouldChange, compareAnswer, dryRunPodBody, readInjectionAnswer, type Pod, type Verification } from '../../src/istio';

describe("verify: the cluster's dry-run answer vs the prediction", () => {
  const injected = (native: boolean, rev = '1-8-0', tag = '1.8.0'): Pod => ({
    metadata: { name: 'x', annotations: { 'istio.io/rev': rev, 'sidecar.istio.io/status': JSON.stringify({ revision: rev }) } },
    spec: native
      ? {
          initContainers: [
            { name: 'istio-init', image: `docker.io/istio/proxyv2:${tag}` },
            { name: 'istio-proxy', image: `docker.io/istio/proxyv2:${tag}` },
          ],
          containers: [{ name: 'app' }],
        }
      : {
          initContainers: [{ name: 'istio-init', image: `docker.io/istio/proxyv2:${tag}` }],
          containers: [{ name: 'app' }, { name: 'istio-proxy', image: `docker.io/istio/proxyv2:${tag}` }],
        },
  });
  it('reads revision, image and native sidecars from the returned pod', () => {
    assert.deepEqual(readInjectionAnswer(injected(true)), {
      injected: true,
      revision: '1-8-0',
      proxyImage: 'docker.io/istio/proxyv2:1.8.0',
      proxyVersion: '1.8.0',
      native: true,
    });
    assert.equal(readInjectionAnswer(injected(false)).native, false);
    assert.deepEqual(readInjectionAnswer({ metadata: { name: 'x' }, spec: { containers: [{ name: 'app' }] } }), { injected: false });
  });
  it("a pod template becomes a generateName pod in the workload's namespace", () => {
    const body = dryRunPodBody(
      { kind: 'Deployment', namespace: 'shop', name: 'web' },
      { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app' }] } },
    ) as any;
    assert.deepEqual([body.kind, body.metadata.generateName, body.metadata.namespace, body.metadata.labels], ['Pod', 'web-verify-', 'shop', { app: 'web' }]);
    assert.throws(() => dryRunPodBody({ kind: 'Deployment', namespace: 'shop', name: 'web' }, undefined), /has no pod template/);
  });
  const v = (predicted: Partial<Verification['predicted']>, cluster: Verification['cluster']): Verification =>
    compareAnswer({
      target: { kind: 'Deployment', namespace: 'shop', name: 'web' },
      at: 'now',
      cluster,
      predicted: { injected: false, outcome: { kind: 'none', reason: 'no label', matches: [] }, ...predicted } as Verification['predicted'],
    });
  it('agrees on revision and version; differs on either, or on injected at all', () => {
    const c = readInjectionAnswer(injected(false));
    assert.equal(v({ injected: true, revision: '1-8-0', proxyVersion: '1.8.0' }, c).agrees, true);
    assert.match(
      v({ injected: true, revision: '1-7-6', proxyVersion: '1.7.6' }, c).difference ?? '',
      /predicted 1-7-6 \(1\.7\.6\), the cluster injects 1-8-0 \(1\.8\.0\)/,
    );
    assert.equal(v({ injected: true, revision: '1-8-0', proxyVersion: '1.8.1' }, c).agrees, false);
    assert.match(v({ injected: false }, c).difference ?? '', /predicted no sidecar \(not injected\)/);
  });
  it('clusterWouldChange: a restart changes pods whose revision or version differs from the answer', () => {
    const ans = v({ injected: true, revision: '1-8-0', proxyVersion: '1.8.0' }, readInjectionAnswer(injected(false)));
    assert.equal(clusterWouldChange(ans, [{ injected: true, injectedRevision: '1-8-0', proxyVersion: '1.8.0' }]), false);
    assert.equal(clusterWouldChange(ans, [{ injected: true, injectedRevision: '1-7-6', proxyVersion: '1.7.6' }]), true);
    assert.equal(clusterWouldChange(ans, [{ injected: false }]), true);
  });
});
