import assert from 'node:assert/strict';
import {
  buildSailView,
  describeSailRevision,
  ownedObjectEdits,
  planSailTagRemove,
  planSailTagSet,
  planSailUpgrade,
  sailVersion,
  type ObjectMeta,
  type SailResource,
} from '../../src/istio';

const T0 = Date.parse('2026-12-02T10:00:00Z');
const c = (type: string, status: string, reason: string, at = '2026-12-02T10:00:00Z') => ({ type, status, reason, lastTransitionTime: at });
const istio = (strategy = 'RevisionBased', grace?: number): SailResource => ({
  metadata: { name: 'default', uid: 'u-istio' },
  spec: {
    version: 'v1.30.3',
    namespace: 'istio-system',
    updateStrategy: { type: strategy, ...(grace !== undefined ? { inactiveRevisionDeletionGracePeriodSeconds: grace } : {}) },
  },
  status: { activeRevisionName: 'default-v1-30-3', state: 'Healthy' },
});
const rev = (name: string, inUse: string, at?: string): SailResource => ({
  metadata: { name, ownerReferences: [{ kind: 'Istio', name: 'default', controller: true }] },
  spec: { version: name.replace('default-v', 'v').replace(/-/g, '.'), namespace: 'istio-system' },
  status: { conditions: [c('Ready', 'True', 'Healthy'), c('InUse', inUse, inUse === 'True' ? 'ReferencedByWorkloads' : 'NotReferencedByAnything', at)] },
});

describe('Sail operator model (pure)', () => {
  it('active revision from the Istio status; in use from the InUse condition; default grace 30 s', () => {
    const v = buildSailView({ istios: [istio()], revisions: [rev('default-v1-30-1', 'True'), rev('default-v1-30-3', 'True')], tags: [] }, T0);
    assert.equal(v.installed, true);
    assert.deepEqual(
      [...v.revisions.values()].map((r) => [r.name, r.active, r.inUse, r.gracePeriodSeconds, r.deletionAt]),
      [
        ['default-v1-30-1', false, true, 30, undefined],
        ['default-v1-30-3', true, true, 30, undefined],
      ],
    );
    assert.match(
      describeSailRevision(v.revisions.get('default-v1-30-1')!),
      /inactive · in use \(ReferencedByWorkloads\) · kept while in use; deleted 30 s after it is not/,
    );
  });

  it('countdown: an inactive RevisionBased revision nothing uses goes InUse-lastTransitionTime + grace; InPlace and active ones never', () => {
    const v = buildSailView(
      { istios: [istio('RevisionBased', 45)], revisions: [rev('default-v1-30-1', 'False', '2026-12-02T09:59:50Z'), rev('default-v1-30-3', 'False')], tags: [] },
      T0,
    );
    const old = v.revisions.get('default-v1-30-1')!;
    assert.equal(old.deletionAt, '2026-12-02T10:00:35.000Z');
    assert.equal(old.deletionInSeconds, 35);
    assert.match(describeSailRevision(old), /the operator deletes it in 35 s \(grace 45 s\)/);
    assert.equal(v.revisions.get('default-v1-30-3')!.deletionAt, undefined, 'the active revision is never pruned');
    const inPlace = buildSailView({ istios: [istio('InPlace')], revisions: [rev('default-v1-30-1', 'False')], tags: [] }, T0);
    assert.equal(inPlace.revisions.get('default-v1-30-1')!.deletionAt, undefined);
    const due = buildSailView({ istios: [istio('RevisionBased', 0)], revisions: [rev('default-v1-30-1', 'False', '2026-12-02T09:00:00Z')], tags: [] }, T0);
    assert.equal(due.revisions.get('default-v1-30-1')!.deletionInSeconds, 0);
  });

  it('tag set: create or point an IstioRevisionTag, nothing else; remove deletes it', () => {
    const created = planSailTagSet({ cluster: 'c', tag: 'prod', revision: 'default-v1-30-3', overwrite: false });
    assert.ok(created.ok);
    assert.deepEqual(
      created.plan.requests.map((r) => [r.method, r.path, (r.body as any).spec.targetRef]),
      [['POST', '/apis/sailoperator.io/v1/istiorevisiontags', { kind: 'IstioRevision', name: 'default-v1-30-3' }]],
    );
    const existing = { name: 'default', targetKind: 'Istio', targetName: 'default', revision: 'default-v1-30-3' };
    assert.ok(!planSailTagSet({ cluster: 'c', tag: 'default', revision: 'default-v1-30-1', existing, overwrite: false }).ok);
    const moved = planSailTagSet({ cluster: 'c', tag: 'default', revision: 'default-v1-30-1', existing, overwrite: true });
    assert.ok(moved.ok);
    assert.deepEqual(
      moved.plan.requests.map((r) => [r.method, r.path, r.body]),
      [['PATCH', '/apis/sailoperator.io/v1/istiorevisiontags/default', { spec: { targetRef: { kind: 'IstioRevision', name: 'default-v1-30-1' } } }]],
    );
    assert.deepEqual(
      planSailTagRemove({ cluster: 'c', tag: 'prod' }).requests.map((r) => [r.method, r.path]),
      [['DELETE', '/apis/sailoperator.io/v1/istiorevisiontags/prod']],
    );
  });

  it("upgrade: the Istio resource's spec.version; the new revision named as the operator names it; InPlace warned", () => {
    assert.equal(sailVersion('1.31.0'), 'v1.31.0');
    assert.equal(sailVersion('v1.30-latest'), 'v1.30-latest');
    assert.equal(sailVersion('latest'), undefined);
    const v = buildSailView({ istios: [istio()], revisions: [], tags: [] }, T0);
    const up = planSailUpgrade({ cluster: 'c', istio: v.istios[0], version: '1.31.0' });
    assert.ok(up.ok);
    assert.deepEqual(
      up.plan.requests.map((r) => [r.method, r.path, r.body]),
      [['PATCH', '/apis/sailoperator.io/v1/istios/default', { spec: { version: 'v1.31.0' } }]],
    );
    assert.match(up.plan.summary, /creates IstioRevision default-v1-31-0 beside default-v1-30-3/);
    assert.ok(!planSailUpgrade({ cluster: 'c', istio: v.istios[0], version: 'v1.30.3' }).ok);
    const ip = buildSailView({ istios: [istio('InPlace')], revisions: [], tags: [] }, T0);
    const inPlace = planSailUpgrade({ cluster: 'c', istio: ip.istios[0], version: 'v1.31.0' });
    assert.ok(inPlace.ok && /not a canary upgrade/.test(inPlace.plan.warnings.join()));
  });

  it('a plan editing an object a Helm release or the operator owns is caught; other objects pass', () => {
    const metas: Record<string, ObjectMeta> = {
      'MutatingWebhookConfiguration//istio-revision-tag-default': {
        name: 'istio-revision-tag-default',
        ownerReferences: [{ kind: 'IstioRevisionTag', name: 'default', controller: true }],
      },
      'Service/istio-system/istiod-revision-tag-prod': {
        name: 'istiod-revision-tag-prod',
        namespace: 'istio-system',
        annotations: { 'meta.helm.sh/release-name': 'istiod', 'meta.helm.sh/release-namespace': 'istio-system' },
      },
      'MutatingWebhookConfiguration//istio-revision-tag-canary': {
        name: 'istio-revision-tag-canary',
        labels: { 'install.operator.istio.io/owning-resource-namespace': 'istio-system' },
      },
    };
    const lookup = (k: string, ns: string | undefined, n: string) => metas[`${k}/${ns ?? ''}/${n}`];
    const edits = ownedObjectEdits(
      [
        { method: 'DELETE', path: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-revision-tag-default' },
        { method: 'PATCH', path: '/api/v1/namespaces/istio-system/services/istiod-revision-tag-prod' },
        { method: 'PATCH', path: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-revision-tag-canary' },
        { method: 'PATCH', path: '/api/v1/namespaces/test-ns' },
      ],
      lookup,
    );
    assert.deepEqual(edits, [
      'DELETE MutatingWebhookConfiguration istio-revision-tag-default, owned by the Sail operator (IstioRevisionTag default)',
      'PATCH Service istio-system/istiod-revision-tag-prod, owned by Helm release istio-system/istiod',
    ]);
  });
});
