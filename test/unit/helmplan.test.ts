import assert from 'node:assert/strict';
import {
  chartOfLabel,
  helmTemplateTagArgs,
  planHelmDefaultRevision,
  planHelmInstall,
  planHelmTagSet,
  planHelmUninstall,
  planPermissions,
  renderPlan,
  resolveChart,
} from '../../src/istio';

const release = { name: 'istiod-canary', namespace: 'istio-system' };
const chart = { ref: 'istio/istiod', version: '1.31.0' };
const mwc = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'MutatingWebhookConfiguration',
  metadata: { name: 'istio-revision-tag-prod', labels: { 'istio.io/tag': 'prod', 'istio.io/rev': 'canary' } },
  webhooks: [],
};
const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'istiod-revision-tag-prod', namespace: 'istio-system' }, spec: {} };

describe('Helm plans (pure)', () => {
  it('chart of a release: helm.sh/chart label; a directory is used as is, a repository chart pinned to the release version', () => {
    assert.deepEqual(chartOfLabel('istiod-1.31.0'), { name: 'istiod', version: '1.31.0' });
    assert.deepEqual(chartOfLabel('istio-discovery-1.31.0-beta.1'), { name: 'istio-discovery', version: '1.31.0-beta.1' });
    assert.equal(chartOfLabel('istiod'), undefined);
    assert.deepEqual(resolveChart('istiod', '1.31.0', {}), { ref: 'istio/istiod', version: '1.31.0' });
    assert.deepEqual(resolveChart('istiod', '1.31.0', { istiod: './charts/istiod' }), { ref: './charts/istiod' });
    assert.deepEqual(resolveChart('istiod', '1.31.0', { istiod: 'oci://registry/istio/istiod' }), { ref: 'oci://registry/istio/istiod', version: '1.31.0' });
  });

  it('helm template arguments: the guide\'s, with the release values on stdin; the unrevisioned revision renders revision=""', () => {
    assert.deepEqual(helmTemplateTagArgs({ namespace: 'istio-system', chart, tag: 'prod', revision: 'canary', withValues: true }), [
      'template',
      'istiod',
      'istio/istiod',
      '--version',
      '1.31.0',
      '-s',
      'templates/revision-tags-mwc.yaml',
      '-s',
      'templates/revision-tags-svc.yaml',
      '--set',
      'revisionTags={prod}',
      '--set',
      'revision=canary',
      '-n',
      'istio-system',
      '-f',
      '-',
    ]);
    assert.ok(helmTemplateTagArgs({ namespace: 'istio-system', chart, tag: 'prod', revision: 'default', withValues: false }).includes('revision='));
  });

  it('tag set: one server-side apply (field manager kubectl) per rendered object; create vs update by what exists; no installer step', () => {
    const r = planHelmTagSet({
      cluster: 'c',
      tag: 'prod',
      revision: 'canary',
      release,
      chart,
      rendered: [mwc, svc],
      existing: new Set(['istio-system/istiod-revision-tag-prod']),
    });
    assert.ok(r.ok);
    const p = r.plan;
    assert.deepEqual(
      p.requests.map((q) => [q.method, q.path, q.query?.fieldManager, q.permission.verb]),
      [
        ['PATCH', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-revision-tag-prod', 'kubectl', 'create'],
        ['PATCH', '/api/v1/namespaces/istio-system/services/istiod-revision-tag-prod', 'kubectl', 'patch'],
      ],
    );
    assert.equal(p.tools, undefined);
    assert.match(
      p.commands[0],
      /^helm get values istiod-canary -n istio-system -o json \| helm template istiod istio\/istiod --version 1\.31\.0 .* \| kubectl apply -f - --context c$/,
    );
  });

  it('tag set refuses what a tag is not, and a rendering without a webhook', () => {
    const bad = planHelmTagSet({
      cluster: 'c',
      tag: 'prod',
      revision: 'canary',
      release,
      chart,
      rendered: [mwc, { kind: 'Deployment', metadata: { name: 'x' } }],
      existing: new Set(),
    });
    assert.ok(!bad.ok && /Deployment \(x\)/.test(bad.message) && /Nothing was changed/.test(bad.message));
    const none = planHelmTagSet({ cluster: 'c', tag: 'prod', revision: 'canary', release, chart, rendered: [svc], existing: new Set() });
    assert.ok(!none.ok && /rendered no tag webhook/.test(none.message));
  });

  it('default revision: the default tag, then helm upgrade of the base release with --reuse-values, its permissions checked with the rest', () => {
    const r = planHelmDefaultRevision({
      cluster: 'c',
      tag: 'default',
      revision: 'canary',
      release,
      chart,
      rendered: [mwc, svc],
      existing: new Set(),
      baseRelease: { name: 'istio-base', namespace: 'istio-system' },
      baseChart: { ref: 'istio/base', version: '1.31.0' },
    });
    assert.ok(r.ok);
    assert.deepEqual(
      r.plan.tools!.map((t) => t.args),
      [
        [
          'upgrade',
          'istio-base',
          'istio/base',
          '--version',
          '1.31.0',
          '-n',
          'istio-system',
          '--reuse-values',
          '--set',
          'defaultRevision=canary',
          '--skip-crds',
        ],
      ],
    );
    assert.deepEqual(r.plan.tools![0].dryRunArgs!.slice(-1), ['--dry-run=server']);
    assert.ok(planPermissions(r.plan).some((p) => p.resource === 'validatingwebhookconfigurations' && p.verb === 'patch'));
    assert.match(renderPlan(r.plan), /## Installer commands \(1\), run after the requests[\s\S]*helm upgrade istio-base istio\/base --version 1\.31\.0/);
    const noBase = planHelmDefaultRevision({ cluster: 'c', tag: 'default', revision: 'canary', release, chart, rendered: [mwc], existing: new Set() });
    assert.ok(noBase.ok && !noBase.plan.tools && /not installed by a Helm base release/.test(noBase.plan.warnings.join()));
  });

  it('uninstall: helm uninstall of the release (its own dry run), no raw delete; not for other installers', () => {
    const r = planHelmUninstall({
      cluster: 'c',
      revision: 'default',
      installedBy: { kind: 'helm', release: { name: 'istiod', namespace: 'istio-system' } },
      objects: { deployments: ['istio-system/istiod'], services: [], webhooks: ['istio-sidecar-injector'] },
    });
    assert.ok(r.ok);
    assert.deepEqual(r.plan.requests, []);
    assert.deepEqual(
      r.plan.tools!.map((t) => [t.args, t.dryRunArgs]),
      [
        [
          ['uninstall', 'istiod', '-n', 'istio-system'],
          ['uninstall', 'istiod', '-n', 'istio-system', '--dry-run'],
        ],
      ],
    );
    assert.ok(planPermissions(r.plan).some((p) => p.verb === 'delete' && p.resource === 'secrets' && p.namespace === 'istio-system'));
    assert.ok(
      !planHelmUninstall({ cluster: 'c', revision: 'x', installedBy: { kind: 'istioctl' }, objects: { deployments: [], services: [], webhooks: [] } }).ok,
    );
  });

  it("install a canary: helm install istiod-<rev> --set revision=<rev> beside the running release, with helm's server dry run", () => {
    const p = planHelmInstall({ cluster: 'c', revision: 'canary', namespace: 'istio-system', chart, beside: { name: 'istiod', namespace: 'istio-system' } });
    assert.deepEqual(p.requests, []);
    assert.deepEqual(
      p.tools!.map((t) => t.args),
      [['install', 'istiod-canary', 'istio/istiod', '--version', '1.31.0', '-n', 'istio-system', '--set', 'revision=canary']],
    );
    assert.deepEqual(p.tools![0].dryRunArgs!.slice(-1), ['--dry-run=server']);
    assert.match(p.summary, /beside istio-system\/istiod/);
  });
});
