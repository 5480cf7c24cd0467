import assert from 'node:assert/strict';
import { planPermissions, planTagRemove, planTagSet, tagImpact, type Plan, type TagSetInput } from '../../src/istio';
import { pod, seedSnapshot } from './fixtures';
import {
  fullDefaultValidator,
  fullIstiodService,
  fullRevisionMwc,
  fullRevisionValidator,
  fullTagMwc,
  fullTagService,
  seedObjects,
  GOLDEN_CANONICAL_1_8_0,
  GOLDEN_DEFAULT_VALIDATOR_BEFORE,
  GOLDEN_TAG_DEFAULT,
  GOLDEN_TAG_STAGING,
} from './fixtures-full';

const NS = 'istio-system';

function set(over: Partial<TagSetInput> & Pick<TagSetInput, 'tag' | 'revision'>, objs = seedObjects()): ReturnType<typeof planTagSet> {
  return planTagSet({ cluster: 'kind-test', overwrite: false, istioNamespace: NS, ...objs, ...over });
}

function okPlan(r: ReturnType<typeof planTagSet>): Plan {
  if (!r.ok) assert.fail(`expected a plan, got: ${r.message}`);
  return r.plan;
}

/** istioctl's printed object as the API body it applies (status is never applied). */
function asApplied(o: any): any {
  const c = structuredClone(o);
  delete c.status;
  if (c.metadata) delete c.metadata.creationTimestamp;
  return c;
}

const bodyOf = (p: Plan, kind: string) => p.requests.find((r) => (r.body as any)?.kind === kind)?.body as any;

describe('planTagSet (istioctl tag set, 1.31)', () => {
  describe('matches the real istioctl output (golden, captured from istioctl tag generate)', () => {
    const golden = {
      mwcs: [GOLDEN_CANONICAL_1_8_0],
      vwcs: [GOLDEN_DEFAULT_VALIDATOR_BEFORE],
      services: [fullIstiodService('1-8-0', { version: '1.8.0' })],
    };

    it("new tag staging → 1-8-0: MWC and Service equal istioctl's, created by server-side apply as istio-ci", () => {
      const p = okPlan(set({ tag: 'staging', revision: '1-8-0' }, golden));
      assert.deepEqual(
        p.requests.map((r) => [r.method, r.path, r.contentType, r.query]),
        [
          [
            'PATCH',
            '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-revision-tag-staging',
            'application/apply-patch+yaml',
            { fieldManager: 'istio-ci', force: 'true' },
          ],
          [
            'PATCH',
            '/api/v1/namespaces/istio-system/services/istiod-revision-tag-staging',
            'application/apply-patch+yaml',
            { fieldManager: 'istio-ci', force: 'true' },
          ],
        ],
      );
      assert.deepEqual(bodyOf(p, 'MutatingWebhookConfiguration'), asApplied(GOLDEN_TAG_STAGING[0]));
      assert.deepEqual(bodyOf(p, 'Service'), asApplied(GOLDEN_TAG_STAGING[1]));
      assert.ok(p.requests.every((r) => r.dryRunnable));
      assert.deepEqual(planPermissions(p), [
        { verb: 'create', group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations' },
        { verb: 'create', group: '', resource: 'services', namespace: NS },
      ]);
      assert.deepEqual(p.commands, ['istioctl tag set staging --revision 1-8-0 -y']);
    });

    it("default → 1-8-0: tag MWC (4 webhooks), istiod-default-validator and Service equal istioctl's", () => {
      const p = okPlan(set({ tag: 'default', revision: '1-8-0' }, golden));
      const [mwc, vwc, svc] = GOLDEN_TAG_DEFAULT;
      assert.equal(mwc.webhooks.length, 4);
      assert.deepEqual(bodyOf(p, 'MutatingWebhookConfiguration'), asApplied(mwc));
      assert.deepEqual(bodyOf(p, 'ValidatingWebhookConfiguration'), asApplied(vwc));
      assert.deepEqual(bodyOf(p, 'Service'), asApplied(svc));
      // the validator exists: server-side apply as istioctl does
      const v = p.requests.find((r) => (r.body as any).kind === 'ValidatingWebhookConfiguration')!;
      assert.equal(v.method, 'PATCH');
      assert.equal(v.contentType, 'application/apply-patch+yaml');
      assert.deepEqual(v.query, { fieldManager: 'istio-ci', force: 'true' });
      assert.deepEqual(v.permission, {
        verb: 'patch',
        group: 'admissionregistration.k8s.io',
        resource: 'validatingwebhookconfigurations',
        name: 'istiod-default-validator',
      });
    });
  });

  it('copies URL, caBundle and reinvocationPolicy from the canonical webhook; drops operator.istio.io labels and app', () => {
    const objs = {
      mwcs: [
        fullRevisionMwc('1-8-0', {
          url: 'https://istiod.remote:15017/inject/cluster/c1/net/n1',
          caBundle: 'Q0E=',
          reinvocationPolicy: 'IfNeeded',
          installedByIstioctl: true,
          annotations: { team: 'mesh' },
        }),
      ],
      vwcs: [],
      services: [fullIstiodService('1-8-0')],
    };
    const p = okPlan(set({ tag: 'blue', revision: '1-8-0' }, objs));
    const m = bodyOf(p, 'MutatingWebhookConfiguration');
    for (const w of m.webhooks) {
      assert.deepEqual(w.clientConfig, { url: 'https://istiod.remote:15017/inject/cluster/c1/net/n1', caBundle: 'Q0E=' });
      assert.equal(w.reinvocationPolicy, 'IfNeeded');
    }
    assert.deepEqual(
      Object.keys(m.metadata.labels).filter((k) => k.includes('operator.istio.io')),
      [],
    );
    assert.equal(m.metadata.labels.app, 'sidecar-injector');
    assert.equal(m.metadata.labels['istio.io/tag'], 'blue');
    assert.deepEqual(m.metadata.annotations, { team: 'mesh' });
  });

  it('service-based canonical webhook: service name and path copied, namespace = istio namespace, port 443', () => {
    const objs = { mwcs: [fullRevisionMwc('1-8-0', { caBundle: 'Q0E=' })], vwcs: [], services: [fullIstiodService('1-8-0')] };
    const p = okPlan(set({ tag: 'default', revision: '1-8-0' }, objs));
    const m = bodyOf(p, 'MutatingWebhookConfiguration');
    assert.deepEqual(m.webhooks[0].clientConfig, { service: { name: 'istiod-1-8-0', namespace: NS, path: '/inject', port: 443 }, caBundle: 'Q0E=' });
    const v = bodyOf(p, 'ValidatingWebhookConfiguration');
    assert.deepEqual(v.webhooks[0].clientConfig, { service: { name: 'istiod-1-8-0', namespace: NS, path: '/validate' }, caBundle: 'Q0E=' });
    assert.equal(v.webhooks[0].failurePolicy, 'Ignore'); // no validator yet: the chart's Ignore
    assert.equal(p.requests.find((r) => (r.body as any).kind === 'ValidatingWebhookConfiguration')!.method, 'PATCH');
  });

  it('overwrite (move prod 1-7-6 → 1-8-0): server-side apply of MWC and Service, selectors keep the tag', () => {
    const p = okPlan(set({ tag: 'prod', revision: '1-8-0', overwrite: true }));
    assert.deepEqual(
      p.requests.map((r) => [r.method, r.path, r.permission.verb]),
      [
        ['PATCH', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-revision-tag-prod', 'patch'],
        ['PATCH', '/api/v1/namespaces/istio-system/services/istiod-revision-tag-prod', 'patch'],
      ],
    );
    const m = bodyOf(p, 'MutatingWebhookConfiguration');
    assert.equal(m.metadata.labels['istio.io/rev'], '1-8-0');
    assert.equal(m.metadata.labels['app.kubernetes.io/version'], '1.8.0'); // canonical labels win over the chart's
    assert.deepEqual(
      m.webhooks.map((w: any) => w.name),
      ['rev.namespace.sidecar-injector.istio.io', 'rev.object.sidecar-injector.istio.io'],
    );
    assert.deepEqual(m.webhooks[0].namespaceSelector.matchExpressions[0], { key: 'istio.io/rev', operator: 'In', values: ['prod'] });
    assert.equal(m.webhooks[0].clientConfig.service.name, 'istiod-1-8-0');
    assert.deepEqual(bodyOf(p, 'Service').spec.selector, { app: 'istiod', 'istio.io/rev': '1-8-0' });
    assert.equal(bodyOf(p, 'Service').metadata.labels['app.kubernetes.io/version'], '1.0.0'); // chart version of istioctl
    assert.equal(p.title, 'Move tag prod from 1-7-6 to 1-8-0');
    assert.deepEqual(p.commands, ['istioctl tag set prod --revision 1-8-0 --overwrite -y']);
  });

  it("refuses an existing tag without --overwrite, with istioctl's text", () => {
    assert.deepEqual(set({ tag: 'prod', revision: '1-8-0' }), { ok: false, message: 'revision tag "prod" already exists, and --overwrite is false' });
    // a Service alone (1.28+ tags) also counts
    const objs = seedObjects();
    objs.mwcs = objs.mwcs.filter((m) => m.metadata.name !== 'istio-revision-tag-prod');
    assert.deepEqual(set({ tag: 'prod', revision: '1-8-0' }, objs), { ok: false, message: 'revision tag "prod" already exists, and --overwrite is false' });
  });

  it("refuses an unknown revision, with istioctl's text", () => {
    assert.deepEqual(set({ tag: 'qa', revision: '9-9-9' }), {
      ok: false,
      message: 'cannot modify tag: cannot find MutatingWebhookConfiguration or Service with revision "9-9-9"',
    });
  });

  it('refuses two canonical webhooks of the revision', () => {
    const objs = seedObjects();
    const dup = fullRevisionMwc('1-8-0');
    dup.metadata.name = 'istio-sidecar-injector-1-8-0-istio-other';
    objs.mwcs.push(dup);
    assert.deepEqual(set({ tag: 'qa', revision: '1-8-0' }, objs), {
      ok: false,
      message: 'cannot modify tag: found multiple canonical webhooks or services with revision "1-8-0"',
    });
  });

  it('refuses a tag named like a revision unless --overwrite', () => {
    assert.deepEqual(set({ tag: '1-7-6', revision: '1-8-0' }), {
      ok: false,
      message: 'cannot create revision tag "1-7-6": found existing control plane revision with same name',
    });
    assert.equal(set({ tag: '1-7-6', revision: '1-8-0', overwrite: true }).ok, true);
  });

  it('refuses an invalid tag name (DNS-1123)', () => {
    const r = set({ tag: 'Prod.1', revision: '1-8-0' });
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.message : '', /not a valid tag name/);
    assert.equal(set({ tag: '', revision: '1-8-0' }).ok, false);
  });

  it('default tag over an unrevisioned control plane: deactivates its webhooks with an Update, keeps them', () => {
    const canon = fullRevisionMwc(undefined, { caBundle: 'Q0E=', rv: '555' });
    const objs = {
      mwcs: [canon, fullRevisionMwc('1-8-0', { caBundle: 'Q0E=' })],
      vwcs: [fullRevisionValidator()],
      services: [fullIstiodService(), fullIstiodService('1-8-0')],
    };
    const p = okPlan(set({ tag: 'default', revision: '1-8-0' }, objs));
    assert.deepEqual(
      p.requests.map((r) => [r.method, (r.body as any).kind]),
      [
        ['PUT', 'MutatingWebhookConfiguration'],
        ['PATCH', 'MutatingWebhookConfiguration'],
        ['PATCH', 'ValidatingWebhookConfiguration'],
        ['PATCH', 'Service'],
      ],
    );
    const put = p.requests[0];
    assert.equal(put.path, '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-sidecar-injector');
    assert.deepEqual(put.permission, {
      verb: 'update',
      group: 'admissionregistration.k8s.io',
      resource: 'mutatingwebhookconfigurations',
      name: 'istio-sidecar-injector',
    });
    const b = put.body as any;
    assert.equal(b.metadata.resourceVersion, '555');
    assert.equal(b.webhooks.length, 4);
    for (const w of b.webhooks) {
      assert.deepEqual(w.namespaceSelector, { matchLabels: { 'istio.io/deactivated': 'never-match' } });
      assert.deepEqual(w.objectSelector, { matchLabels: { 'istio.io/deactivated': 'never-match' } });
      assert.equal(w.clientConfig.service.name, 'istiod'); // everything else untouched
    }
    // not re-deactivated when already deactivated
    const again = okPlan(set({ tag: 'default', revision: '1-8-0' }, { ...objs, mwcs: [fullRevisionMwc(undefined, { deactivated: true }), objs.mwcs[1]] }));
    assert.equal(again.requests.filter((r) => r.method === 'PUT').length, 0);
  });

  it("keeps the default validator's failurePolicy Fail (managed by istiod) by leaving it unset", () => {
    const objs = seedObjects();
    objs.vwcs = [fullDefaultValidator('1-7-6', { failurePolicy: 'Fail' })];
    const v = bodyOf(okPlan(set({ tag: 'default', revision: '1-8-0', overwrite: true }, objs)), 'ValidatingWebhookConfiguration');
    assert.equal('failurePolicy' in v.webhooks[0], false);
  });

  it('a tag on the unrevisioned (default) revision renders with an empty revision, as the chart does', () => {
    const objs = { mwcs: [fullRevisionMwc(undefined, { caBundle: 'Q0E=' })], vwcs: [], services: [fullIstiodService()] };
    const p = okPlan(set({ tag: 'stable', revision: 'default' }, objs));
    const m = bodyOf(p, 'MutatingWebhookConfiguration');
    assert.equal(m.metadata.labels['istio.io/rev'], 'default');
    assert.equal(m.webhooks[0].clientConfig.service.name, 'istiod');
    // the Service is rendered from --revision as given (generate.go generateTagService)
    assert.deepEqual(bodyOf(p, 'Service').spec.selector, { app: 'istiod', 'istio.io/rev': 'default' });
  });

  it('outside istio-system the tag MWC name carries the namespace, as revision-tags-mwc.yaml renders it', () => {
    const objs = seedObjects();
    for (const s of objs.services) s.metadata.namespace = 'istio-cp';
    const p = okPlan(set({ tag: 'qa', revision: '1-8-0', istioNamespace: 'istio-cp' }, objs));
    assert.equal(bodyOf(p, 'MutatingWebhookConfiguration').metadata.name, 'istio-revision-tag-qa-istio-cp');
    assert.equal(p.requests[1].path, '/api/v1/namespaces/istio-cp/services/istiod-revision-tag-qa');
    assert.deepEqual(p.commands, ['istioctl tag set qa --revision 1-8-0 --istioNamespace istio-cp -y']);
  });
});

describe('planTagRemove (istioctl tag remove, 1.31)', () => {
  it("deletes the tag's MWCs, VWCs and Services labelled istio.io/tag=<tag>", () => {
    const r = planTagRemove({ cluster: 'kind-test', tag: 'default', ...seedObjects(), namespacesUsingTag: [] });
    assert.ok(r.ok);
    assert.deepEqual(
      r.plan.requests.map((q) => [q.method, q.path, q.ignoreNotFound]),
      [
        ['DELETE', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-revision-tag-default', true],
        ['DELETE', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/istiod-default-validator', true],
        ['DELETE', '/api/v1/namespaces/istio-system/services/istiod-revision-tag-default', true],
      ],
    );
    assert.deepEqual(
      r.plan.requests.map((q) => q.permission),
      [
        { verb: 'delete', group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations', name: 'istio-revision-tag-default' },
        { verb: 'delete', group: 'admissionregistration.k8s.io', resource: 'validatingwebhookconfigurations', name: 'istiod-default-validator' },
        { verb: 'delete', group: '', resource: 'services', namespace: NS, name: 'istiod-revision-tag-default' },
      ],
    );
    assert.deepEqual(r.plan.commands, ['istioctl tag remove default -y']);
  });

  it("removes a user tag (no VWC) and warns about namespaces still using it, with istioctl's count", () => {
    const r = planTagRemove({ cluster: 'kind-test', tag: 'prod', ...seedObjects(), namespacesUsingTag: ['ns-b', 'ns-a'] });
    assert.ok(r.ok);
    assert.deepEqual(
      r.plan.requests.map((q) => q.path.split('/').pop()),
      ['istio-revision-tag-prod', 'istiod-revision-tag-prod'],
    );
    assert.ok(r.plan.warnings[0].startsWith('Caution, found 2 namespace(s) still injected by tag "prod": ns-a ns-b'));
    // never touches the revision's own objects or other tags
    assert.ok(r.plan.requests.every((q) => q.path.includes('prod')));
  });

  it('a tag with only a Service (or only an MWC) is still removable', () => {
    const objs = seedObjects();
    objs.mwcs = objs.mwcs.filter((m) => m.metadata.name !== 'istio-revision-tag-canary');
    const r = planTagRemove({ cluster: 'kind-test', tag: 'canary', ...objs, namespacesUsingTag: [] });
    assert.ok(r.ok);
    assert.deepEqual(
      r.plan.requests.map((q) => q.permission.resource),
      ['services'],
    );
  });

  it("refuses a missing tag with istioctl's text", () => {
    assert.deepEqual(planTagRemove({ cluster: 'kind-test', tag: 'nope', ...seedObjects(), namespacesUsingTag: [] }), {
      ok: false,
      message: 'cannot remove tag "nope": cannot find MutatingWebhookConfiguration or Service for tag',
    });
  });

  it('removing default does not re-activate a deactivated default revision: warned', () => {
    const objs = seedObjects();
    objs.mwcs.push(fullRevisionMwc(undefined, { deactivated: true }));
    const r = planTagRemove({ cluster: 'kind-test', tag: 'default', ...objs, namespacesUsingTag: [] });
    assert.ok(r.ok);
    assert.ok(r.plan.warnings.some((w) => w.includes('stay deactivated')));
    assert.ok(r.plan.requests.every((q) => !q.path.endsWith('/istio-sidecar-injector')));
  });
});

describe('tagImpact', () => {
  // the small seed with one ns-a pod already restarted onto 1-8-0
  const snap = () => seedSnapshot([pod('ns-a', 'sleep', { injectedBy: '1-8-0', version: '1.8.0', name: 'sleep-a1' })]);

  it('move prod → 1-8-0: namespaces labelled with the tag, their workloads, proxies stale until restart', () => {
    const i = tagImpact(snap(), 'prod', '1-8-0');
    assert.deepEqual(i.namespaces, ['ns-a', 'ns-b']);
    assert.deepEqual(i.workloads, [
      { namespace: 'ns-a', kind: 'Deployment', name: 'httpbin' },
      { namespace: 'ns-a', kind: 'Deployment', name: 'sleep' },
      { namespace: 'ns-b', kind: 'Deployment', name: 'sleep' },
    ]);
    assert.equal(i.podsStaleAfter, 3); // sleep-a1 already runs 1-8-0
    assert.match(i.message, /3 running proxy\(ies\) stay on their old revision/);
  });

  it('remove prod: every proxy following it would not be re-injected', () => {
    const i = tagImpact(snap(), 'prod');
    assert.equal(i.podsStaleAfter, 4);
    assert.match(i.message, /After removing it/);
  });

  it('default: istio-injection=enabled namespaces and pods following the default (gateway by pod label)', () => {
    const i = tagImpact(snap(), 'default', '1-8-0');
    assert.deepEqual(i.namespaces, ['test-ns']);
    assert.deepEqual(i.workloads, [
      { namespace: 'istio-system', kind: 'Deployment', name: 'istio-ingressgateway' },
      { namespace: 'test-ns', kind: 'Deployment', name: 'web' },
    ]);
    assert.equal(i.podsStaleAfter, 2);
    assert.equal(tagImpact(snap(), 'default').podsStaleAfter, 2);
  });

  it('a tag nobody follows', () => {
    const i = tagImpact(snap(), 'canary', '1-8-0');
    assert.deepEqual(i.namespaces, ['ns-c']);
    assert.equal(i.podsStaleAfter, 0);
    assert.deepEqual(tagImpact(snap(), 'unused', '1-8-0'), {
      namespaces: [],
      workloads: [],
      podsStaleAfter: 0,
      rollNow: [],
      message: tagImpact(snap(), 'unused', '1-8-0').message,
    });
  });

  it('tag Service and MWC fixtures are what planTagSet would create (round trip)', () => {
    const m = fullTagMwc('qa', '1-8-0');
    const s = fullTagService('qa', '1-8-0');
    assert.equal(m.metadata.labels['istio.io/tag'], 'qa');
    assert.equal(s.metadata.labels['istio.io/tag'], 'qa');
  });
});
