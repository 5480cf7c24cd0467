/**
 * Objects shaped as Istio renders them (manifests/charts/istio-control/istio-discovery
 * templates/mutatingwebhook.yaml and istioctl/pkg/tag/generate.go), so the unit tests
 * exercise the same selectors the API server evaluates.
 */
import { SEED, seedResolve } from '../cluster/seed.mjs';
import {
  ClusterSnapshot,
  type Deployment,
  type LabelSelector,
  type MutatingWebhook,
  type MutatingWebhookConfiguration,
  type Namespace,
  type Pod,
  type Service,
  type ConfigMap,
} from '../../src/istio';

const NEVER: LabelSelector = { matchLabels: { 'istio.io/deactivated': 'never-match' } };

function hook(name: string, svc: string, namespaceSelector: LabelSelector, objectSelector: LabelSelector): MutatingWebhook {
  return {
    name,
    clientConfig: { service: { name: svc, namespace: 'istio-system', path: '/inject', port: 443 }, caBundle: 'Q0E=' },
    namespaceSelector,
    objectSelector,
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    failurePolicy: 'Fail',
    reinvocationPolicy: 'Never',
  };
}

/**
 * The selectors of the istio-discovery chart's injection webhooks for revision-or-tag `value`, as name
 * prefix → namespaceSelector, objectSelector; `isDefault` adds the istio-injection / object webhooks of
 * the default revision or tag. Both fixture files build their webhooks from this one table.
 */
export function injectorSelectors(value: string, isDefault: boolean): { prefix: string; namespaceSelector: LabelSelector; objectSelector: LabelSelector }[] {
  const notFalse = { key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] };
  const rows: { prefix: string; namespaceSelector: LabelSelector; objectSelector: LabelSelector }[] = [
    {
      prefix: 'rev.namespace.',
      namespaceSelector: {
        matchExpressions: [
          { key: 'istio.io/rev', operator: 'In', values: [value] },
          { key: 'istio-injection', operator: 'DoesNotExist' },
        ],
      },
      objectSelector: { matchExpressions: [notFalse] },
    },
    {
      prefix: 'rev.object.',
      namespaceSelector: {
        matchExpressions: [
          { key: 'istio.io/rev', operator: 'DoesNotExist' },
          { key: 'istio-injection', operator: 'DoesNotExist' },
        ],
      },
      objectSelector: { matchExpressions: [notFalse, { key: 'istio.io/rev', operator: 'In', values: [value] }] },
    },
  ];
  if (isDefault) {
    rows.push(
      {
        prefix: 'namespace.',
        namespaceSelector: { matchExpressions: [{ key: 'istio-injection', operator: 'In', values: ['enabled'] }] },
        objectSelector: { matchExpressions: [notFalse] },
      },
      {
        prefix: 'object.',
        namespaceSelector: {
          matchExpressions: [
            { key: 'istio-injection', operator: 'DoesNotExist' },
            { key: 'istio.io/rev', operator: 'DoesNotExist' },
          ],
        },
        objectSelector: {
          matchExpressions: [
            { key: 'sidecar.istio.io/inject', operator: 'In', values: ['true'] },
            { key: 'istio.io/rev', operator: 'DoesNotExist' },
          ],
        },
      },
    );
  }
  return structuredClone(rows);
}

function webhooksFor(value: string, svc: string, isDefault: boolean): MutatingWebhook[] {
  return injectorSelectors(value, isDefault).map((r) => hook(`${r.prefix}sidecar-injector.istio.io`, svc, r.namespaceSelector, r.objectSelector));
}

/** The injector MWC of a revision; `rev` undefined = the unrevisioned (`default`) control plane. */
export function revisionMwc(rev?: string, opts: { deactivated?: boolean; version?: string } = {}): MutatingWebhookConfiguration {
  const r = rev ?? 'default';
  const svc = rev ? `istiod-${rev}` : 'istiod';
  const webhooks = webhooksFor(r, svc, !rev);
  if (opts.deactivated)
    for (const w of webhooks) {
      w.namespaceSelector = NEVER;
      w.objectSelector = NEVER;
    }
  return {
    metadata: {
      name: rev ? `istio-sidecar-injector-${rev}` : 'istio-sidecar-injector',
      labels: {
        app: 'sidecar-injector',
        'istio.io/rev': r,
        'operator.istio.io/component': 'Pilot',
        release: 'istio',
        ...(opts.version ? { 'operator.istio.io/version': opts.version } : {}),
      },
      resourceVersion: '1',
    },
    webhooks,
  };
}

/** The MWC `istioctl tag set <tag> --revision <rev>` creates. */
export function tagMwc(tag: string, rev: string): MutatingWebhookConfiguration {
  return {
    metadata: { name: `istio-revision-tag-${tag}`, labels: { 'istio.io/tag': tag, 'istio.io/rev': rev, app: 'sidecar-injector' }, resourceVersion: '1' },
    webhooks: webhooksFor(tag, rev === 'default' ? 'istiod' : `istiod-${rev}`, tag === 'default'),
  };
}

export function istiod(rev: string | undefined, version: string, ready = 1, replicas = 1): Deployment {
  return {
    metadata: {
      name: rev ? `istiod-${rev}` : 'istiod',
      namespace: 'istio-system',
      generation: 1,
      resourceVersion: '1',
      labels: { app: 'istiod', 'istio.io/rev': rev ?? 'default', istio: 'pilot', 'operator.istio.io/component': 'Pilot' },
    },
    spec: { replicas, template: { spec: { containers: [{ name: 'discovery', image: `docker.io/istio/pilot:${version}` }] } } },
    status: { observedGeneration: 1, replicas, readyReplicas: ready, updatedReplicas: replicas, availableReplicas: ready },
  };
}

export function istiodService(rev?: string): Service {
  return {
    metadata: {
      name: rev ? `istiod-${rev}` : 'istiod',
      namespace: 'istio-system',
      labels: { app: 'istiod', istio: 'pilot', 'istio.io/rev': rev ?? 'default' },
      resourceVersion: '1',
    },
    spec: { selector: { app: 'istiod', 'istio.io/rev': rev ?? 'default' } },
  };
}

export function tagService(tag: string, rev: string): Service {
  return {
    metadata: {
      name: `istiod-revision-tag-${tag}`,
      namespace: 'istio-system',
      labels: { 'istio.io/tag': tag, 'istio.io/rev': rev, app: 'istiod' },
      resourceVersion: '1',
    },
    spec: { selector: { app: 'istiod', 'istio.io/rev': rev } },
  };
}

export function injectorConfigMap(rev: string | undefined, tag: string): ConfigMap {
  return {
    metadata: {
      name: rev ? `istio-sidecar-injector-${rev}` : 'istio-sidecar-injector',
      namespace: 'istio-system',
      labels: { 'istio.io/rev': rev ?? 'default' },
      resourceVersion: '1',
    },
    data: {
      values: JSON.stringify({ global: { hub: 'docker.io/istio', tag, istioNamespace: 'istio-system' }, revision: rev ?? '' }),
      config: 'policy: enabled',
    },
  };
}

export function ns(name: string, labels: Record<string, string> = {}, rv = '1'): Namespace {
  return { metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels }, resourceVersion: rv }, status: { phase: 'Active' } };
}

let podSeq = 0;
/** A pod of Deployment `deploy`; `injectedBy` adds what Istio's injector adds for that revision and version. */
export function pod(
  namespace: string,
  deploy: string,
  opts: {
    injectedBy?: string;
    version?: string;
    signals?: ('annotation' | 'status' | 'image')[];
    labels?: Record<string, string>;
    name?: string;
    status?: string;
    rv?: string;
  } = {},
): Pod {
  const hash = '5d9f7c6b8';
  const name = opts.name ?? `${deploy}-${hash}-${(podSeq++).toString(36).padStart(5, 'x')}`;
  const signals = opts.signals ?? ['annotation', 'status', 'image'];
  const annotations: Record<string, string> = {};
  const containers = [{ name: 'app', image: `docker.io/library/${deploy}:1.0` }];
  if (opts.injectedBy !== undefined || opts.status !== undefined) {
    if (signals.includes('annotation') && opts.injectedBy) annotations['istio.io/rev'] = opts.injectedBy;
    if (opts.status !== undefined) annotations['sidecar.istio.io/status'] = opts.status;
    else if (signals.includes('status'))
      annotations['sidecar.istio.io/status'] = JSON.stringify({
        initContainers: ['istio-init'],
        containers: ['istio-proxy'],
        volumes: ['workload-socket', 'istio-envoy', 'istio-data', 'istio-podinfo', 'istio-token', 'istiod-ca-cert'],
        imagePullSecrets: null,
        ...(opts.injectedBy ? { revision: opts.injectedBy } : {}),
      });
    if (signals.includes('image') && opts.version) containers.push({ name: 'istio-proxy', image: `docker.io/istio/proxyv2:${opts.version}` });
  }
  return {
    metadata: {
      name,
      namespace,
      resourceVersion: opts.rv ?? '1',
      labels: { app: deploy, 'pod-template-hash': hash, ...(opts.labels ?? {}) },
      annotations,
      ownerReferences: [{ kind: 'ReplicaSet', name: `${deploy}-${hash}`, controller: true }],
    },
    spec: { containers },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/**
 * A snapshot holding the `seed` scenario's control plane (test/cluster/README.md):
 * revisions 1-7-6 and 1-8-0 with istiod, Services and injector ConfigMaps, tags
 * prod → 1-7-6, canary → 1-8-0, default → 1-7-6. Tests add their own namespaces and pods.
 */
export function seedControlPlane(): ClusterSnapshot {
  const s = new ClusterSnapshot();
  s.replace(
    'Deployment',
    SEED.controlPlanes.map((cp) => istiod(cp.revision, cp.version)),
  );
  s.replace(
    'Service',
    SEED.controlPlanes.map((cp) => istiodService(cp.revision)),
  );
  s.replace(
    'ConfigMap',
    SEED.controlPlanes.map((cp) => injectorConfigMap(cp.revision, cp.version)),
  );
  s.replace('MutatingWebhookConfiguration', [...SEED.controlPlanes.map((cp) => revisionMwc(cp.revision)), ...SEED.tags.map((t) => tagMwc(t.tag, t.revision))]);
  return s;
}

/** The seed scenario's namespaces (test/cluster/seed.mjs), plus istio-system and kube-system. */
export function seedNamespaces(): Namespace[] {
  return [...SEED.namespaces.map((n) => ns(n.name, n.labels)), ns('istio-system'), ns('kube-system')];
}

/**
 * The seed with every pod its scenario creates (each workload's replicas, injected by the revision its
 * namespace resolves to) and istioctl's ingress gateway; `extraPods` are added.
 */
export function seedSnapshotFull(extraPods: Pod[] = []): ClusterSnapshot {
  const s = seedControlPlane();
  s.replace('Namespace', seedNamespaces());
  const version = (rev: string) => SEED.controlPlanes.find((cp) => cp.revision === rev)!.version;
  const pods = SEED.namespaces.flatMap((n) => {
    const rev = seedResolve(n.labels)!;
    return n.workloads.flatMap((w) =>
      Array.from({ length: w.replicas }, (_, i) =>
        pod(n.name, w.name, { injectedBy: rev, version: version(rev), name: `${w.name}-5d9f7c6b8-${n.name}${i + 1}` }),
      ),
    );
  });
  const gwRev = SEED.controlPlanes.find((cp) => cp.profile === 'default')!;
  pods.push(
    pod('istio-system', 'istio-ingressgateway', {
      injectedBy: gwRev.revision,
      version: gwRev.version,
      name: 'istio-ingressgateway-5d9f7c6b8-gw1',
      signals: ['annotation', 'image'],
      labels: { 'sidecar.istio.io/inject': 'false', 'istio.io/rev': gwRev.revision, istio: 'ingressgateway', app: 'istio-ingressgateway' },
    }),
  );
  s.replace('Pod', [...pods, ...extraPods]);
  return s;
}

/**
 * A small seed for the domain tests: the seed's control plane and namespaces with a handful of pods —
 * two on ns-a, one on ns-b, one each on ns-c and test-ns, the injected ingress gateway, coredns — plus `extraPods`.
 */
export function seedSnapshot(extraPods: Pod[] = [], { gateway = true } = {}): ClusterSnapshot {
  const s = seedControlPlane();
  s.replace('Namespace', seedNamespaces());
  s.replace('Pod', [
    pod('ns-a', 'httpbin', { injectedBy: '1-7-6', version: '1.7.6', name: 'httpbin-a1' }),
    pod('ns-a', 'httpbin', { injectedBy: '1-7-6', version: '1.7.6', name: 'httpbin-a2' }),
    pod('ns-b', 'sleep', { injectedBy: '1-7-6', version: '1.7.6', name: 'sleep-b1' }),
    pod('ns-c', 'httpbin', { injectedBy: '1-8-0', version: '1.8.0', name: 'httpbin-c1' }),
    pod('test-ns', 'web', { injectedBy: '1-7-6', version: '1.7.6', name: 'web-t1' }),
    ...(gateway
      ? [
          pod('istio-system', 'istio-ingressgateway', {
            injectedBy: '1-7-6',
            version: '1.7.6',
            name: 'gw-1',
            labels: { 'sidecar.istio.io/inject': 'true', istio: 'ingressgateway' },
          }),
        ]
      : []),
    pod('kube-system', 'coredns', { name: 'coredns-1' }),
    ...extraPods,
  ]);
  return s;
}

/**
 * A large cluster on the seed's control plane: `namespaces` namespaces with one Deployment
 * `app-<i>` of `podsPerWorkload` pods each; even namespaces on tag prod (1-7-6), odd ones moved
 * to canary (1-8-0) with the first half of their pods restarted (all of them for those in `restarted`).
 */
export function largeSnapshot(namespaces: number, podsPerWorkload: number, restarted = new Set<number>()): ClusterSnapshot {
  const s = seedControlPlane();
  const nss: Namespace[] = [];
  const pods: Pod[] = [];
  for (let i = 0; i < namespaces; i++) {
    const name = `large-${String(i).padStart(4, '0')}`;
    const canary = i % 2 === 1;
    nss.push(ns(name, { 'istio.io/rev': canary ? 'canary' : 'prod' }));
    for (let p = 0; p < podsPerWorkload; p++) {
      const onNew = canary && (p < podsPerWorkload / 2 || restarted.has(i));
      pods.push(
        pod(name, `app-${i}`, {
          injectedBy: onNew ? '1-8-0' : '1-7-6',
          version: onNew ? '1.8.0' : '1.7.6',
          name: `app-${i}-5d9f7c6b8-${p.toString(36).padStart(5, '0')}`,
        }),
      );
    }
  }
  s.replace('Namespace', nss);
  s.replace('Pod', pods);
  return s;
}
