import assert from 'node:assert/strict';
import { describeOutcome, injectionWebhooks, resolveInjection, type InjectionOutcome, type MutatingWebhookConfiguration } from '../../src/istio';
import { revisionMwc, tagMwc } from './fixtures';

function resolve(mwcs: MutatingWebhookConfiguration[], nsLabels: Record<string, string>, podLabels: Record<string, string> = {}): InjectionOutcome {
  return resolveInjection(injectionWebhooks(mwcs), nsLabels, podLabels, 'app-ns');
}
const rev = (o: InjectionOutcome) => (o.kind === 'injected' ? o.revision : o.kind);

describe('injection resolution (ISTIO.md §2 selector table)', () => {
  // The first half of the upgrade guide: unrevisioned istiod + canary beside it.
  const guide = [revisionMwc(), revisionMwc('canary')];
  // The tag half: 1-7-6 + 1-8-0, tags prod, canary, default (default deactivates nothing here: no unrevisioned MWC).
  const seed = [revisionMwc('1-7-6'), revisionMwc('1-8-0'), tagMwc('prod', '1-7-6'), tagMwc('canary', '1-8-0'), tagMwc('default', '1-7-6')];

  it('rev.namespace: istio.io/rev=<rev> on the namespace selects that revision', () => {
    const o = resolve(guide, { 'istio.io/rev': 'canary' });
    assert.equal(rev(o), 'canary');
    assert.equal(o.kind === 'injected' && o.via.webhookName, 'rev.namespace.sidecar-injector.istio.io');
    assert.equal(o.kind === 'injected' && o.via.configName, 'istio-sidecar-injector-canary');
  });
  it('namespace.*: istio-injection=enabled selects the default revision', () => {
    const o = resolve(guide, { 'istio-injection': 'enabled' });
    assert.equal(rev(o), 'default');
    assert.equal(o.kind === 'injected' && o.via.webhookName, 'namespace.sidecar-injector.istio.io');
  });
  it('both labels: istio-injection=enabled wins and istio.io/rev is ignored (#43621)', () => {
    assert.equal(rev(resolve(guide, { 'istio-injection': 'enabled', 'istio.io/rev': 'canary' })), 'default');
  });
  it('both labels with istio-injection=disabled: nothing injects', () => {
    const o = resolve(guide, { 'istio-injection': 'disabled', 'istio.io/rev': 'canary' });
    assert.equal(o.kind, 'none');
  });
  it('istio-injection=disabled blocks, even for a pod asking with sidecar.istio.io/inject=true', () => {
    const o = resolve(guide, { 'istio-injection': 'disabled' }, { 'sidecar.istio.io/inject': 'true' });
    assert.equal(o.kind, 'none');
    assert.equal(o.kind === 'none' && o.reason, 'namespace label istio-injection=disabled');
  });
  it('rev.object: a pod istio.io/rev label counts only in an unlabelled namespace (#37088)', () => {
    assert.equal(rev(resolve(guide, {}, { 'istio.io/rev': 'canary' })), 'canary');
    assert.equal(rev(resolve(guide, { 'istio-injection': 'enabled' }, { 'istio.io/rev': 'canary' })), 'default');
    assert.equal(rev(resolve(seed, { 'istio.io/rev': 'prod' }, { 'istio.io/rev': 'canary' })), '1-7-6');
  });
  it('object.*: sidecar.istio.io/inject=true in an unlabelled namespace selects the default revision', () => {
    const o = resolve(guide, {}, { 'sidecar.istio.io/inject': 'true' });
    assert.equal(rev(o), 'default');
    assert.equal(o.kind === 'injected' && o.via.webhookName, 'object.sidecar-injector.istio.io');
  });
  it('pod label sidecar.istio.io/inject=false always excludes', () => {
    for (const nsl of [{ 'istio-injection': 'enabled' }, { 'istio.io/rev': 'canary' }, {}] as Record<string, string>[]) {
      assert.equal(resolve(guide, nsl, { 'sidecar.istio.io/inject': 'false', 'istio.io/rev': 'canary' }).kind, 'none');
    }
  });
  it('a tag resolves to the revision it points at, through the tag webhook', () => {
    const o = resolve(seed, { 'istio.io/rev': 'prod' });
    assert.equal(rev(o), '1-7-6');
    assert.equal(o.kind === 'injected' && o.via.tag, 'prod');
    assert.equal(describeOutcome(o), '1-7-6 (tag prod)');
    assert.equal(rev(resolve(seed, { 'istio.io/rev': 'canary' })), '1-8-0');
    assert.equal(rev(resolve(seed, { 'istio.io/rev': '1-8-0' })), '1-8-0');
  });
  it('the default tag serves istio-injection=enabled and istio.io/rev=default', () => {
    const o = resolve(seed, { 'istio-injection': 'enabled' });
    assert.equal(rev(o), '1-7-6');
    assert.equal(o.kind === 'injected' && o.via.configName, 'istio-revision-tag-default');
    assert.equal(rev(resolve(seed, { 'istio.io/rev': 'default' })), '1-7-6');
  });
  it('a default tag plus the deactivated unrevisioned webhook: only the tag matches', () => {
    const mwcs = [revisionMwc(undefined, { deactivated: true }), revisionMwc('canary'), tagMwc('default', 'canary')];
    const o = resolve(mwcs, { 'istio-injection': 'enabled' });
    assert.equal(o.kind, 'injected');
    assert.equal(rev(o), 'canary');
    assert.equal(o.matches.length, 1);
  });
  it('a default tag without deactivating the old default webhook is ambiguous', () => {
    const mwcs = [revisionMwc(), revisionMwc('canary'), tagMwc('default', 'canary')];
    const o = resolve(mwcs, { 'istio-injection': 'enabled' });
    assert.equal(o.kind, 'ambiguous');
    assert.deepEqual(o.kind === 'ambiguous' && o.revisions, ['canary', 'default']);
    assert.equal(describeOutcome(o), 'ambiguous: canary, default');
  });
  it('a label naming nothing installed matches no webhook, with the reason', () => {
    const o = resolve(seed, { 'istio.io/rev': '1-9-0' });
    assert.equal(o.kind, 'none');
    assert.equal(o.kind === 'none' && o.reason, 'namespace label istio.io/rev=1-9-0 names no installed revision or tag');
  });
  it('an unlabelled namespace and plain pod: not injected', () => {
    const o = resolve(guide, {});
    assert.equal(o.kind, 'none');
    assert.equal(o.kind === 'none' && o.reason, 'no injection label on the namespace or the pod');
  });
  it('with no Istio installed, says so', () => {
    const o = resolve([], { 'istio-injection': 'enabled' });
    assert.equal(o.kind === 'none' && o.reason, 'no Istio injection webhook is installed');
  });
  it('ignores MWCs that are not Istio injectors and webhooks that do not mutate pod CREATE', () => {
    const other: MutatingWebhookConfiguration = {
      metadata: { name: 'cert-manager-webhook' },
      webhooks: [{ name: 'webhook.cert-manager.io', namespaceSelector: {}, objectSelector: {} }],
    };
    const cm = revisionMwc('canary');
    cm.webhooks!.push({ name: 'update.sidecar-injector.istio.io', rules: [{ operations: ['UPDATE'], resources: ['pods'] }] });
    const hooks = injectionWebhooks([other, cm]);
    assert.deepEqual(
      hooks.map((h) => h.webhookName),
      ['rev.namespace.sidecar-injector.istio.io', 'rev.object.sidecar-injector.istio.io'],
    );
  });
  it("the auto webhook (enableNamespacesByDefault) skips kube-system by the API server's metadata.name label", () => {
    const auto = revisionMwc();
    auto.webhooks!.push({
      name: 'auto.sidecar-injector.istio.io',
      rules: [{ operations: ['CREATE'], resources: ['pods'] }],
      namespaceSelector: {
        matchExpressions: [
          { key: 'istio-injection', operator: 'DoesNotExist' },
          { key: 'istio.io/rev', operator: 'DoesNotExist' },
          { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage'] },
        ],
      },
      objectSelector: {
        matchExpressions: [
          { key: 'sidecar.istio.io/inject', operator: 'DoesNotExist' },
          { key: 'istio.io/rev', operator: 'DoesNotExist' },
        ],
      },
    });
    const hooks = injectionWebhooks([auto]);
    assert.equal(rev(resolveInjection(hooks, {}, {}, 'shop')), 'default');
    assert.equal(resolveInjection(hooks, {}, {}, 'kube-system').kind, 'none');
  });
});
