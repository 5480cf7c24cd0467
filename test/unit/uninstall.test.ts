import assert from 'node:assert/strict';
import {
  ClusterSnapshot,
  planPermissions,
  planUninstall,
  rollbackChecklist,
  uninstallChecklist,
  uninstallSelector,
  UNINSTALL_KINDS,
  type UninstallKind,
} from '../../src/istio';
import { ns, pod, tagMwc, seedControlPlane } from './fixtures';
import { fullIstiodService, fullRevisionMwc, fullRevisionValidator, fullTagMwc } from './fixtures-full';

const kind = (k: string): UninstallKind => UNINSTALL_KINDS.find((x) => x.kind === k)!;

/** An object as `istioctl install --revision <rev>` leaves it (owner labels included). */
function installed(k: string, name: string, rev: string, extra: Record<string, string> = {}, namespace = 'istio-system'): any {
  const r = kind(k);
  return {
    metadata: {
      name,
      ...(r.namespaced ? { namespace } : {}),
      resourceVersion: '1',
      labels: {
        'install.operator.istio.io/owning-resource': 'unknown',
        'install.operator.istio.io/owning-resource-namespace': 'istio-system',
        'istio.io/rev': rev,
        'operator.istio.io/component': 'Pilot',
        'operator.istio.io/managed': 'Reconcile',
        'operator.istio.io/version': '1.31.0',
        ...extra,
      },
    },
  };
}

describe('uninstall --revision (istioctl 1.31 prune.go)', () => {
  it('selector: revision, owning-resource-namespace of the default profile, pruned components, as klabels prints it', () => {
    assert.equal(
      uninstallSelector('1-8-0'),
      'install.operator.istio.io/owning-resource-namespace=istio-system,istio.io/rev=1-8-0,operator.istio.io/component in (Cni,EgressGateways,IngressGateways,Pilot,Ztunnel),operator.istio.io/component',
    );
    // default is not special: unrevisioned installs carry istio.io/rev=default
    assert.match(uninstallSelector('default'), /,istio\.io\/rev=default,/);
  });

  it('kinds: NamespacedResources then ClusterCPResources, in deletion order, no CRDs', () => {
    assert.deepEqual(
      UNINSTALL_KINDS.map((k) => `${k.group}/${k.version}/${k.plural}${k.namespaced ? '' : ' (cluster)'}`),
      [
        'apps/v1/deployments',
        'apps/v1/daemonsets',
        '/v1/services',
        '/v1/configmaps',
        '/v1/pods',
        '/v1/secrets',
        '/v1/serviceaccounts',
        'rbac.authorization.k8s.io/v1/rolebindings',
        'rbac.authorization.k8s.io/v1/roles',
        'policy/v1/poddisruptionbudgets',
        'autoscaling/v2/horizontalpodautoscalers',
        'networking.istio.io/v1alpha3/envoyfilters',
        'admissionregistration.k8s.io/v1/mutatingwebhookconfigurations (cluster)',
        'admissionregistration.k8s.io/v1/validatingwebhookconfigurations (cluster)',
        'rbac.authorization.k8s.io/v1/clusterroles (cluster)',
        'rbac.authorization.k8s.io/v1/clusterrolebindings (cluster)',
      ],
    );
    assert.ok(!UNINSTALL_KINDS.some((k) => k.plural === 'customresourcedefinitions'));
  });

  it("plan: foreground DELETEs of exactly the revision's labelled objects, in istioctl's order; nothing shared", () => {
    const rev = '1-9-0';
    const canon = fullRevisionMwc(rev, { installedByIstioctl: true });
    const plan = planUninstall({
      cluster: 'kind-test',
      revision: rev,
      objects: [
        // given out of order on purpose
        { resource: kind('ClusterRole'), items: [installed('ClusterRole', `istiod-clusterrole-${rev}-istio-system`, rev)] },
        {
          resource: kind('MutatingWebhookConfiguration'),
          items: [
            canon,
            fullRevisionMwc('1-8-0', { installedByIstioctl: true }), // other revision
            fullTagMwc('prod', rev), // user tag pointing at it: no component label, never pruned
          ],
        },
        { resource: kind('ValidatingWebhookConfiguration'), items: [fullRevisionValidator(rev, { installedByIstioctl: true })] },
        {
          resource: kind('Deployment'),
          items: [
            installed('Deployment', `istiod-${rev}`, rev),
            installed('Deployment', 'istio-ingressgateway', rev, { 'operator.istio.io/component': 'IngressGateways' }),
            installed('Deployment', 'my-app', rev, { 'operator.istio.io/component': 'Unknown' }), // unknown component
          ],
        },
        {
          resource: kind('Service'),
          items: [
            fullIstiodService(rev, { installedByIstioctl: true }),
            fullIstiodService(rev), // applied from manifest generate / helm: no owning-resource-namespace
          ],
        },
        {
          resource: kind('ServiceAccount'),
          items: [
            installed('ServiceAccount', 'istio-reader-service-account', rev, { 'operator.istio.io/component': 'Base' }), // base: shared
            installed('ServiceAccount', `istiod-${rev}`, rev),
          ],
        },
        {
          resource: kind('Pod'),
          items: [{ metadata: { name: `istiod-${rev}-abc-1`, namespace: 'istio-system', labels: { app: 'istiod', 'istio.io/rev': rev } } }],
        },
        {
          resource: { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', namespaced: false, kind: 'CustomResourceDefinition' },
          items: [installed('ClusterRole', 'virtualservices.networking.istio.io', rev, { 'operator.istio.io/component': 'Base' })],
        },
      ],
    });
    assert.deepEqual(
      plan.requests.map((r) => r.path),
      [
        `/apis/apps/v1/namespaces/istio-system/deployments/istiod-${rev}`,
        '/apis/apps/v1/namespaces/istio-system/deployments/istio-ingressgateway',
        `/api/v1/namespaces/istio-system/services/istiod-${rev}`,
        `/api/v1/namespaces/istio-system/serviceaccounts/istiod-${rev}`,
        `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-sidecar-injector-${rev}`,
        `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/istio-validator-${rev}-istio-system`,
        `/apis/rbac.authorization.k8s.io/v1/clusterroles/istiod-clusterrole-${rev}-istio-system`,
      ],
    );
    for (const r of plan.requests) {
      assert.equal(r.method, 'DELETE');
      assert.deepEqual(r.body, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' });
      assert.equal(r.ignoreNotFound, true);
      assert.equal(r.dryRunnable, true);
    }
    assert.deepEqual(planPermissions(plan).slice(0, 2), [
      { verb: 'delete', group: 'apps', resource: 'deployments', namespace: 'istio-system', name: `istiod-${rev}` },
      { verb: 'delete', group: 'apps', resource: 'deployments', namespace: 'istio-system', name: 'istio-ingressgateway' },
    ]);
    assert.deepEqual(plan.requests[4].permission, {
      verb: 'delete',
      group: 'admissionregistration.k8s.io',
      resource: 'mutatingwebhookconfigurations',
      name: `istio-sidecar-injector-${rev}`,
    });
    assert.deepEqual(plan.commands, [`istioctl uninstall --revision ${rev} -y`]);
    assert.ok(plan.warnings.some((w) => w.startsWith('You are about to remove the following gateways: istio-ingressgateway.')));
  });

  it('a control plane not installed by istioctl install (no owner labels): nothing to prune, as istioctl says', () => {
    const plan = planUninstall({
      cluster: 'kind-test',
      revision: '1-8-0',
      objects: [
        { resource: kind('MutatingWebhookConfiguration'), items: [fullRevisionMwc('1-8-0')] },
        { resource: kind('Service'), items: [fullIstiodService('1-8-0')] },
      ],
    });
    assert.equal(plan.requests.length, 0);
    assert.deepEqual(plan.warnings, ['No resources will be pruned from the cluster. Please double check the input configs']);
  });
});

describe('uninstallChecklist', () => {
  function snap(): ClusterSnapshot {
    const s = seedControlPlane();
    s.replace('Namespace', [
      ns('ns-a', { 'istio.io/rev': 'prod' }),
      ns('ns-c', { 'istio.io/rev': 'canary' }),
      ns('ns-d', { 'istio.io/rev': '1-7-6' }),
      ns('test-ns', { 'istio-injection': 'enabled' }),
      ns('istio-system'),
      ns('moved'),
    ]);
    s.replace('Pod', [
      pod('ns-a', 'httpbin', { injectedBy: '1-7-6', version: '1.7.6', name: 'a1' }),
      pod('ns-a', 'httpbin', { injectedBy: '1-7-6', version: '1.7.6', name: 'a2' }),
      pod('ns-c', 'httpbin', { injectedBy: '1-8-0', version: '1.8.0', name: 'c1' }),
      pod('moved', 'web', { injectedBy: '1-7-6', version: '1.7.6', name: 'm1' }),
      pod('istio-system', 'istio-ingressgateway', {
        injectedBy: '1-7-6',
        version: '1.7.6',
        name: 'gw-1',
        labels: { 'sidecar.istio.io/inject': 'true', istio: 'ingressgateway' },
      }),
    ]);
    return s;
  }

  it('lists every user of 1-7-6: namespaces (direct and via tags), proxies per namespace, gateways, tags, default', () => {
    const c = uninstallChecklist(snap(), '1-7-6');
    assert.equal(c.blocking, true);
    assert.deepEqual(
      c.items.map((i) => [i.kind, i.object]),
      [
        ['namespace', 'ns-d'],
        ['namespaceViaTag', 'ns-a'],
        ['namespaceViaTag', 'test-ns'],
        ['gateway', 'istio-system/istio-ingressgateway'],
        ['pods', 'moved'],
        ['pods', 'ns-a'],
        ['tag', 'default'],
        ['tag', 'prod'],
        ['default', '1-7-6'],
      ],
    );
    assert.match(c.items.find((i) => i.kind === 'pods' && i.object === 'ns-a')!.message, /^2 proxy\(ies\) in namespace ns-a were injected by 1-7-6/);
  });

  it('rollback: a gateway run in place is restarted, not blocking; one of a similar name or in another namespace still blocks', () => {
    const s = seedControlPlane();
    const gw = (namespace: string, workload: string, name: string) =>
      pod(namespace, workload, { injectedBy: '1-8-0', version: '1.8.0', name, labels: { 'sidecar.istio.io/inject': 'true', istio: workload } });
    // istio-system/istio-ingressgateway follows the default (1-7-6) but runs 1-8-0 in place; so does
    // istio-ingressgateway-internal beside it; edge/istio-ingressgateway follows 1-8-0 (its namespace's label).
    s.replace('Namespace', [ns('istio-system'), ns('edge', { 'istio.io/rev': '1-8-0' })]);
    s.replace('Pod', [
      gw('istio-system', 'istio-ingressgateway', 'gw-1'),
      gw('istio-system', 'istio-ingressgateway-internal', 'gw-2'),
      gw('edge', 'istio-ingressgateway', 'gw-3'),
    ]);
    const r = rollbackChecklist(s, '1-8-0');
    const restartedNow = r.gateways.map((g) => `${g.namespace}/${g.workload}`).sort();
    const blockingGateways = r.blocking
      .filter((i) => i.kind === 'gateway')
      .map((i) => i.object)
      .sort();
    const allGateways = r.check.items
      .filter((i) => i.kind === 'gateway')
      .map((i) => i.object)
      .sort();
    for (const g of restartedNow) assert.ok(!blockingGateways.includes(g), `${g} is restarted after the rollback but still blocks`);
    for (const g of allGateways) if (!restartedNow.includes(g)) assert.ok(blockingGateways.includes(g), `${g} is not restarted but no longer blocks`);
    assert.deepEqual(restartedNow, ['istio-system/istio-ingressgateway', 'istio-system/istio-ingressgateway-internal']);
    assert.deepEqual(blockingGateways, ['edge/istio-ingressgateway']);
    assert.ok(!restartedNow.includes('edge/istio-ingressgateway'), 'edge follows 1-8-0: nothing to restart there');
  });

  it('1-8-0: its canary tag, ns-c and its proxy; not the default', () => {
    const c = uninstallChecklist(snap(), '1-8-0');
    assert.deepEqual(
      c.items.map((i) => [i.kind, i.object]),
      [
        ['namespaceViaTag', 'ns-c'],
        ['pods', 'ns-c'],
        ['tag', 'canary'],
      ],
    );
  });

  it('an unused revision: nothing blocks', () => {
    assert.deepEqual(uninstallChecklist(snap(), '1-9-0'), { items: [], blocking: false });
  });

  it('tags: one made by istioctl install is deleted with the revision, one made by tag set is left behind (webhook and Service named)', () => {
    const s = snap();
    const byInstall = { ...tagMwc('default', '1-7-6') };
    byInstall.metadata = {
      ...byInstall.metadata,
      labels: { ...byInstall.metadata.labels, ...installed('MutatingWebhookConfiguration', 'x', '1-7-6').metadata.labels },
    };
    s.apply({ kind: 'MutatingWebhookConfiguration', type: 'MODIFIED', object: byInstall });
    s.apply({
      kind: 'Service',
      type: 'ADDED',
      object: {
        metadata: {
          name: 'istiod-revision-tag-prod',
          namespace: 'istio-system',
          labels: { 'istio.io/tag': 'prod', 'istio.io/rev': '1-7-6' },
          resourceVersion: '1',
        },
        spec: { selector: { app: 'istiod', 'istio.io/rev': '1-7-6' } },
      },
    });
    const c = uninstallChecklist(s, '1-7-6');
    assert.match(
      c.items.find((i) => i.kind === 'tag' && i.object === 'default')!.message,
      /made by istioctl install: istioctl uninstall deletes it with the revision \(MutatingWebhookConfiguration istio-revision-tag-default\)/,
    );
    assert.match(
      c.items.find((i) => i.kind === 'tag' && i.object === 'prod')!.message,
      /leaves it behind pointing at a removed control plane \(MutatingWebhookConfiguration istio-revision-tag-prod, Service istio-system\/istiod-revision-tag-prod\)/,
    );
  });
});
