import assert from 'node:assert/strict';
import { buildControlPlane, describeInstallMethod, installMethodOf, type Deployment, type MutatingWebhookConfiguration } from '../../src/istio';

// Labels every Istio chart renders, whatever the installer (istio.labels + the Pilot component labels).
const chartLabels = (release: string, rev: string) => ({
  app: 'istiod',
  'app.kubernetes.io/instance': release,
  'app.kubernetes.io/managed-by': 'Helm',
  'app.kubernetes.io/name': 'istiod',
  'install.operator.istio.io/owning-resource': 'unknown',
  'operator.istio.io/component': 'Pilot',
  release,
  'istio.io/rev': rev,
  istio: 'pilot',
});
const helmAnnotations = (release: string) => ({ 'meta.helm.sh/release-name': release, 'meta.helm.sh/release-namespace': 'istio-system' });

describe('install method (pure)', () => {
  it('Helm: the release annotations name the release; the chart labels shared by every installer decide nothing', () => {
    const m = installMethodOf(
      { name: 'istiod-canary', namespace: 'istio-system', labels: chartLabels('istiod-canary', 'canary'), annotations: helmAnnotations('istiod-canary') },
      'Deployment istio-system/istiod-canary',
    );
    assert.deepEqual(m, { kind: 'helm', release: { name: 'istiod-canary', namespace: 'istio-system' }, from: 'Deployment istio-system/istiod-canary' });
    assert.equal(describeInstallMethod(m), 'Helm release istio-system/istiod-canary');
  });

  it('istioctl install: owning-resource-namespace; the same chart labels without it and without annotations are a helm template', () => {
    assert.equal(
      installMethodOf({
        name: 'istiod-1-7-6',
        labels: { ...chartLabels('istio', '1-7-6'), 'install.operator.istio.io/owning-resource-namespace': 'istio-system' },
      }).kind,
      'istioctl',
    );
    const t = installMethodOf({ name: 'istio-revision-tag-prod-stable', labels: { ...chartLabels('istiod-canary', 'canary'), 'istio.io/tag': 'prod-stable' } });
    assert.deepEqual(t, { kind: 'helmTemplate', renderedAs: 'istiod-canary' });
    assert.equal(installMethodOf({ name: 'x', labels: { 'istio.io/rev': 'canary' } }).kind, 'manifest');
  });

  it('Sail: a controller owner IstioRevision wins over the Helm annotations its operator also leaves', () => {
    const m = installMethodOf({
      name: 'istiod-default-v1-30-3',
      labels: chartLabels('default-v1-30-3-istiod', 'default-v1-30-3'),
      annotations: helmAnnotations('default-v1-30-3-istiod'),
      ownerReferences: [{ kind: 'IstioRevision', name: 'default-v1-30-3', controller: true }],
    });
    assert.equal(m.kind, 'sail');
    assert.deepEqual(m.owner, { kind: 'IstioRevision', name: 'default-v1-30-3' });
    assert.deepEqual(m.release, { name: 'default-v1-30-3-istiod', namespace: 'istio-system' });
    // a non-controller reference is not ownership
    assert.equal(installMethodOf({ name: 'y', ownerReferences: [{ kind: 'IstioRevision', name: 'r', controller: false }] }).kind, 'manifest');
  });

  it('the control plane: a revision is judged by its istiod Deployment first, a tag by its webhook', () => {
    const dep: Deployment = {
      metadata: {
        name: 'istiod-canary',
        namespace: 'istio-system',
        labels: chartLabels('istiod-canary', 'canary'),
        annotations: helmAnnotations('istiod-canary'),
      },
      spec: { replicas: 1 },
    };
    const mwc = (name: string, labels: Record<string, string>, annotations?: Record<string, string>): MutatingWebhookConfiguration => ({
      metadata: { name, labels: { ...labels, app: 'sidecar-injector' }, annotations },
      webhooks: [
        {
          name: 'rev.namespace.sidecar-injector.istio.io',
          namespaceSelector: { matchExpressions: [{ key: 'istio.io/rev', operator: 'In', values: [labels['istio.io/tag'] ?? 'canary'] }] },
        },
      ],
    });
    const cp = buildControlPlane({
      deployments: [dep],
      services: [],
      configMaps: [],
      mwcs: [
        mwc('istio-sidecar-injector-canary', chartLabels('istiod-canary', 'canary')),
        mwc('istio-revision-tag-prod', { ...chartLabels('istiod-canary', 'canary'), 'istio.io/tag': 'prod' }),
      ],
    });
    assert.deepEqual(cp.revisionByName.get('canary')!.installedBy, {
      kind: 'helm',
      release: { name: 'istiod-canary', namespace: 'istio-system' },
      from: 'Deployment istio-system/istiod-canary',
    });
    assert.equal(cp.tagByName.get('prod')!.installedBy.kind, 'helmTemplate');
  });
});
