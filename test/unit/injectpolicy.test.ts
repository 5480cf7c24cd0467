import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import {
  analyzePod,
  buildControlPlane,
  decideInjection,
  injectedProxyImage,
  istiodInjectDecision,
  kubeletMinor,
  nativeSidecarMode,
  parseInjectorConfig,
  predictNativeSidecar,
  topLevelBlocks,
  type InjectorConfig,
} from '../../src/istio';
import { istiod, ns, pod, revisionMwc, tagMwc } from './fixtures';

// istiod's `injectRequired` (pkg/kube/inject/inject.go), case by case.
describe('injectpolicy: what istiod decides after a webhook matched', () => {
  const enabled: InjectorConfig = { policy: 'enabled', neverInjectSelector: [], alwaysInjectSelector: [] };
  const disabled: InjectorConfig = { policy: 'disabled', neverInjectSelector: [], alwaysInjectSelector: [] };
  const p = (labels: Record<string, string> = {}, annotations: Record<string, string> = {}, hostNetwork = false) => ({
    metadata: { name: 'x', labels, annotations },
    spec: { hostNetwork },
  });
  const yes = (d: { inject: boolean }) => d.inject;

  it('never injects hostNetwork pods, even with inject=true', () => {
    assert.equal(yes(istiodInjectDecision(p({ 'sidecar.istio.io/inject': 'true' }, {}, true), 'shop', enabled)), false);
  });
  for (const sys of ['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']) {
    it(`never injects in ${sys}`, () => assert.equal(yes(istiodInjectDecision(p(), sys, enabled)), false));
  }
  it('injects in istio-system and ordinary namespaces under policy enabled', () => {
    assert.equal(yes(istiodInjectDecision(p(), 'istio-system', enabled)), true);
    assert.equal(yes(istiodInjectDecision(p(), 'shop', enabled)), true);
  });
  it('honours the annotation when the label is absent', () => {
    assert.equal(yes(istiodInjectDecision(p({}, { 'sidecar.istio.io/inject': 'false' }), 'shop', enabled)), false);
    assert.equal(yes(istiodInjectDecision(p({}, { 'sidecar.istio.io/inject': 'true' }), 'shop', disabled)), true);
  });
  it('the label beats the annotation, even an empty label', () => {
    assert.equal(yes(istiodInjectDecision(p({ 'sidecar.istio.io/inject': 'true' }, { 'sidecar.istio.io/inject': 'false' }), 'shop', enabled)), true);
    assert.equal(yes(istiodInjectDecision(p({ 'sidecar.istio.io/inject': '' }, { 'sidecar.istio.io/inject': 'true' }), 'shop', disabled)), false);
  });
  it('other values fall back to the policy', () => {
    assert.equal(yes(istiodInjectDecision(p({}, { 'sidecar.istio.io/inject': 'yes' }), 'shop', enabled)), true);
    assert.equal(yes(istiodInjectDecision(p({}, { 'sidecar.istio.io/inject': 'yes' }), 'shop', disabled)), false);
  });
  it('neverInjectSelector wins over alwaysInjectSelector; both only without an explicit value', () => {
    const cfg: InjectorConfig = {
      policy: 'disabled',
      neverInjectSelector: [{ matchLabels: { tier: 'batch' } }],
      alwaysInjectSelector: [{ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }],
    };
    assert.equal(yes(istiodInjectDecision(p({ tier: 'batch' }), 'shop', cfg)), false);
    assert.equal(yes(istiodInjectDecision(p({ tier: 'web' }), 'shop', cfg)), true);
    assert.equal(yes(istiodInjectDecision(p({ tier: 'batch', 'sidecar.istio.io/inject': 'true' }), 'shop', cfg)), true);
    assert.equal(yes(istiodInjectDecision(p({}), 'shop', cfg)), false);
  });
  it('an empty selector in the lists matches nothing', () => {
    assert.equal(yes(istiodInjectDecision(p({ a: 'b' }), 'shop', { policy: 'enabled', neverInjectSelector: [{}], alwaysInjectSelector: [] })), true);
  });
  it('a policy other than enabled/disabled injects nothing, even with inject=true', () => {
    const d = istiodInjectDecision(p({ 'sidecar.istio.io/inject': 'true' }), 'shop', { policy: 'off', neverInjectSelector: [], alwaysInjectSelector: [] });
    assert.equal(d.inject, false);
    assert.match(d.reason, /neither enabled nor disabled/);
  });
  it('no injector ConfigMap read: the chart default (policy enabled)', () => {
    assert.equal(yes(istiodInjectDecision(p(), 'shop', undefined)), true);
  });

  it('parses policy and selectors from the config key and image fields from values', () => {
    const config = [
      'defaultTemplates: [sidecar]',
      'policy: disabled',
      'alwaysInjectSelector:',
      '  - matchLabels:',
      '      inject-me: "yes"',
      'neverInjectSelector:',
      '- matchExpressions:',
      '  - key: job',
      '    operator: Exists',
      'injectedAnnotations: {}',
      'template: "{{ Template_Version_And_Istio_Version_Mismatched_Check_Installation }}"',
      'templates:',
      '  sidecar: |',
      '    policy: enabled',
      '    spec: {}',
    ].join('\n');
    const cfg = parseInjectorConfig(config, JSON.stringify({ global: { hub: 'docker.io/istio', tag: '1.8.0', proxy: { image: 'proxyv2' } } }), parseYaml);
    assert.equal(cfg.policy, 'disabled');
    assert.deepEqual(cfg.alwaysInjectSelector, [{ matchLabels: { 'inject-me': 'yes' } }]);
    assert.deepEqual(cfg.neverInjectSelector, [{ matchExpressions: [{ key: 'job', operator: 'Exists' }] }]);
    assert.deepEqual(cfg.defaultTemplates, ['sidecar']);
    assert.equal(injectedProxyImage(cfg), 'docker.io/istio/proxyv2:1.8.0');
    assert.ok(!topLevelBlocks(config, ['policy']).includes('enabled'), 'template bodies are not read');
  });
  it('proxy image: full reference in global.proxy.image, variant suffix, pod override', () => {
    const base = { neverInjectSelector: [], alwaysInjectSelector: [] };
    assert.equal(injectedProxyImage({ ...base, proxyImage: 'registry.local/mesh/proxy:9.9' }), 'registry.local/mesh/proxy:9.9');
    assert.equal(injectedProxyImage({ ...base, hub: 'h', tag: '1.2.3', variant: 'distroless' }), 'h/proxyv2:1.2.3-distroless');
    assert.equal(injectedProxyImage({ ...base, hub: 'h', tag: '1' }, { 'sidecar.istio.io/proxyImage': 'x/y:2' }), 'x/y:2');
  });
  it('native sidecars: annotation, then istiod env, then kubelet versions', () => {
    assert.equal(predictNativeSidecar({ 'sidecar.istio.io/nativeSidecar': 'false' }, 'enabled'), false);
    assert.equal(predictNativeSidecar({}, nativeSidecarMode('true')), true);
    assert.equal(predictNativeSidecar({}, nativeSidecarMode('false')), false);
    assert.equal(predictNativeSidecar({}, nativeSidecarMode(undefined)), undefined);
    assert.equal(predictNativeSidecar({}, 'auto', [kubeletMinor('v1.36.3'), kubeletMinor('v1.33.0')]), true);
    assert.equal(predictNativeSidecar({}, 'auto', [kubeletMinor('v1.36.3'), kubeletMinor('fake')]), false);
  });

  describe('the whole decision in the model', () => {
    const configMaps = [
      {
        metadata: { name: 'istio-sidecar-injector-1-8-0', namespace: 'istio-system' },
        injectorConfig: {
          policy: 'enabled',
          neverInjectSelector: [{ matchLabels: { batch: 'true' } }],
          alwaysInjectSelector: [],
          hub: 'docker.io/istio',
          tag: '1.8.1',
        },
      },
    ];
    const cp = buildControlPlane({
      deployments: [istiod('1-7-6', '1.7.6'), istiod('1-8-0', '1.8.0')],
      services: [],
      configMaps,
      mwcs: [revisionMwc('1-7-6'), revisionMwc('1-8-0'), tagMwc('canary', '1-8-0'), tagMwc('default', '1-7-6')],
    });
    const injectorOf = (r: string) => cp.revisionByName.get(r)?.injector;
    const ver = (r: string) => cp.revisionByName.get(r)?.proxyVersion ?? cp.revisionByName.get(r)?.version;
    it('the revision proxy version comes from the injector values, not istiod image', () => {
      assert.equal(cp.revisionByName.get('1-8-0')?.version, '1.8.0');
      assert.equal(cp.revisionByName.get('1-8-0')?.proxyVersion, '1.8.1');
    });
    it('a pod labelled istio.io/rev=canary in kube-system: the webhook matches, istiod skips it', () => {
      const o = decideInjection(cp.webhooks, {}, { metadata: { name: 'x', labels: { 'istio.io/rev': 'canary' } } }, 'kube-system', injectorOf);
      assert.equal(o.kind, 'none');
      assert.equal(o.kind === 'none' && o.skippedBy?.revision, '1-8-0');
    });
    it('a Job pod annotated inject=false in an istio-injection=enabled namespace is not a missing proxy', () => {
      const j = pod('jobs', 'backup');
      j.metadata.annotations = { 'sidecar.istio.io/inject': 'false' };
      const info = analyzePod(j, ns('jobs', { 'istio-injection': 'enabled' }).metadata.labels, cp.webhooks, ver, () => undefined, injectorOf);
      assert.equal(info.missingProxy, false);
      assert.equal(info.expected.kind, 'none');
    });
    it('neverInjectSelector of the matched revision makes a pod not expected', () => {
      const b = pod('ns-c', 'batch', { labels: { batch: 'true' } });
      assert.equal(analyzePod(b, { 'istio.io/rev': 'canary' }, cp.webhooks, ver, () => undefined, injectorOf).missingProxy, false);
      assert.equal(analyzePod(b, { 'istio.io/rev': '1-7-6' }, cp.webhooks, ver, () => undefined, injectorOf).missingProxy, true);
    });
    it('a sidecar on 1.8.0 is stale when the revision now injects 1.8.1', () => {
      const s = pod('ns-c', 'web', { injectedBy: '1-8-0', version: '1.8.0' });
      const info = analyzePod(s, { 'istio.io/rev': 'canary' }, cp.webhooks, ver, () => undefined, injectorOf);
      assert.equal(info.stale, true);
      assert.match(info.staleReason ?? '', /now injects 1\.8\.1/);
    });
    it('ztunnel and Gateway API pods are never sidecars or restart candidates', () => {
      const z = pod('istio-system', 'ztunnel', { labels: { app: 'ztunnel', 'sidecar.istio.io/inject': 'false' }, injectedBy: '1-8-0', version: '1.8.0' });
      const zi = analyzePod(z, {}, cp.webhooks, ver, () => undefined, injectorOf);
      assert.deepEqual([zi.role, zi.injected, zi.stale, zi.missingProxy], ['nodeAgent', false, false, false]);
      const w = pod('shop', 'waypoint', {
        labels: { 'gateway.istio.io/managed': 'istio.io-mesh-controller', 'gateway.networking.k8s.io/gateway-name': 'waypoint' },
      });
      const wi = analyzePod(w, { 'istio-injection': 'enabled' }, cp.webhooks, ver, () => undefined, injectorOf);
      assert.deepEqual([wi.role, wi.injected, wi.missingProxy], ['managedGateway', false, false]);
    });
  });
});
