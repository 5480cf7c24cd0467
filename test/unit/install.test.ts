import assert from 'node:assert/strict';
import { ClusterSnapshot, installEffect } from '../../src/istio';
import { istiod, ns, pod, revisionMwc, seedControlPlane, seedNamespaces, tagMwc } from './fixtures';

// operator/pkg/webhook WebhooksToDeploy: istioctl install creates the default tag when none exists.
describe('install: what istioctl install changes besides the new revision', () => {
  it('with a default tag (seed): nothing moves', () => {
    const s = seedControlPlane();
    s.replace('Namespace', seedNamespaces());
    const e = installEffect(s, '1-9-0');
    assert.deepEqual([e.createsDefaultTag, e.namespacesMoving, e.webhooksDeactivated], [false, [], []]);
    assert.match(e.message, /A default tag exists \(→ 1-7-6\)/);
  });
  it('without one (an unrevisioned install without tag, Helm style): the default tag is created and default followers move', () => {
    const s = new ClusterSnapshot();
    s.replace('Deployment', [istiod(undefined, '1.27.5')]);
    s.replace('MutatingWebhookConfiguration', [revisionMwc()]);
    s.replace('Namespace', [
      ns('test-ns', { 'istio-injection': 'enabled' }),
      ns('shop', { 'istio.io/rev': 'default' }),
      ns('other', { 'istio-injection': 'disabled' }),
      ns('plain'),
    ]);
    s.replace('Pod', [
      pod('test-ns', 'web', { injectedBy: 'default', version: '1.27.5' }),
      pod('test-ns', 'web', { injectedBy: 'default', version: '1.27.5' }),
    ]);
    const e = installEffect(s, 'canary');
    assert.equal(e.createsDefaultTag, true);
    assert.deepEqual(e.namespacesMoving, ['shop', 'test-ns']);
    assert.equal(e.proxiesStaleAfter, 2);
    assert.deepEqual(e.webhooksDeactivated, ['istio-sidecar-injector']);
    assert.match(e.message, /istioctl creates tag "default" → canary .* 2 namespace\(s\) that follow the default \(shop, test-ns\) move to canary/);
  });
  it('an unrevisioned install always (re)creates the default tag', () => {
    const s = seedControlPlane();
    assert.equal(installEffect(s, '').createsDefaultTag, true);
  });
  it('revisions only, no tag at all (scenario large): the new revision becomes the default', () => {
    const s = new ClusterSnapshot();
    s.replace('MutatingWebhookConfiguration', [revisionMwc('1-30-1'), tagMwc('stable', '1-30-1')]);
    s.replace('Namespace', [ns('a', { 'istio-injection': 'enabled' })]);
    const e = installEffect(s, '1-31-0');
    assert.deepEqual([e.createsDefaultTag, e.namespacesMoving, e.webhooksDeactivated], [true, ['a'], []]);
  });
});
