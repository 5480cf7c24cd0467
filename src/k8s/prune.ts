/**
 * Pruning of raw API objects to the shapes the model reads (src/istio/types.ts).
 * Keeping only these fields is what keeps a 10,000-pod snapshot small: a pod
 * from the API is several kilobytes, its pruned form a few hundred bytes.
 */
import { parseInjectorConfig } from '../istio/injectpolicy';
import { yaml } from '../istio/yaml';
import type { Container, ObjectMeta } from '../istio/types';

function meta(m: any): ObjectMeta {
  const out: ObjectMeta = { name: String(m?.name ?? '') };
  if (m?.namespace) out.namespace = m.namespace;
  if (m?.uid) out.uid = m.uid;
  if (m?.resourceVersion) out.resourceVersion = m.resourceVersion;
  if (m?.generation !== undefined) out.generation = m.generation;
  if (m?.deletionTimestamp) out.deletionTimestamp = m.deletionTimestamp;
  if (m?.labels) out.labels = m.labels;
  if (m?.annotations) out.annotations = pickAnnotations(m.annotations);
  if (Array.isArray(m?.ownerReferences))
    out.ownerReferences = m.ownerReferences.map((o: any) => ({ kind: o.kind, name: o.name, uid: o.uid, controller: o.controller }));
  return out;
}

/** Only the annotations the model reads; others (e.g. kubectl's last-applied-configuration) can be huge. */
export const KEPT_ANNOTATIONS = [
  'istio.io/rev',
  'sidecar.istio.io/status',
  'sidecar.istio.io/inject',
  'kubectl.kubernetes.io/restartedAt',
  'deployment.kubernetes.io/revision',
  'sidecar.istio.io/nativeSidecar',
  'inject.istio.io/templates',
  'sidecar.istio.io/proxyImage',
  // the install method (src/istio/installer.ts)
  'meta.helm.sh/release-name',
  'meta.helm.sh/release-namespace',
];
function pickAnnotations(a: Record<string, string>): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const k of KEPT_ANNOTATIONS) if (a[k] !== undefined) (out ??= {})[k] = a[k];
  return out;
}

const containers = (cs: any): Container[] | undefined => (Array.isArray(cs) ? cs.map((c: any) => ({ name: c.name, image: c.image })) : undefined);

/** Env istiod reads that the model needs (native sidecars); istiod's `discovery` container only. */
const KEPT_ENV = new Set(['ENABLE_NATIVE_SIDECARS']);
const templateContainers = (cs: any): Container[] | undefined =>
  Array.isArray(cs)
    ? cs.map((c: any) => {
        const out: Container = { name: c.name, image: c.image };
        const env = c.name === 'discovery' && Array.isArray(c.env) ? c.env.filter((e: any) => KEPT_ENV.has(e?.name) && e.valueFrom === undefined) : [];
        if (env.length) out.env = env.map((e: any) => ({ name: e.name, value: e.value }));
        return out;
      })
    : undefined;

export function prunePod(o: any) {
  return {
    metadata: meta(o.metadata),
    spec: o.spec
      ? {
          containers: containers(o.spec.containers),
          initContainers: containers(o.spec.initContainers),
          hostNetwork: o.spec.hostNetwork || undefined,
          nodeName: o.spec.nodeName,
        }
      : undefined,
    status: o.status
      ? {
          phase: o.status.phase,
          conditions: (o.status.conditions ?? []).filter((c: any) => c.type === 'Ready').map((c: any) => ({ type: c.type, status: c.status })),
        }
      : undefined,
  };
}

export function pruneNamespace(o: any) {
  return { metadata: meta(o.metadata), status: o.status ? { phase: o.status.phase } : undefined };
}

export function pruneDeployment(o: any) {
  return {
    kind: o.kind,
    metadata: meta(o.metadata),
    spec: o.spec
      ? {
          replicas: o.spec.replicas,
          selector: o.spec.selector,
          template: {
            metadata: { labels: o.spec.template?.metadata?.labels, annotations: o.spec.template?.metadata?.annotations },
            spec: { containers: templateContainers(o.spec.template?.spec?.containers), hostNetwork: o.spec.template?.spec?.hostNetwork || undefined },
          },
        }
      : undefined,
    status: o.status,
  };
}

/** Node agents' DaemonSets: the Deployment shape plus updateStrategy. */
export function pruneDaemonSet(o: any) {
  const d = pruneDeployment(o);
  return {
    ...d,
    kind: 'DaemonSet',
    spec: d.spec ? { ...d.spec, updateStrategy: o.spec?.updateStrategy?.type ? { type: o.spec.updateStrategy.type } : undefined } : undefined,
  };
}

export function pruneService(o: any) {
  return { metadata: meta(o.metadata), spec: { selector: o.spec?.selector } };
}

export function pruneConfigMap(o: any) {
  // The injector's `values` (global.tag, hub, proxy image) and, of its large `config`
  // (mostly templates), only the keys istiod decides injection with.
  const name = String(o.metadata?.name ?? '');
  const out: any = { metadata: meta(o.metadata), data: o.data?.values !== undefined ? { values: o.data.values } : undefined };
  if (name.startsWith('istio-sidecar-injector') && (o.data?.config !== undefined || o.data?.values !== undefined)) {
    out.injectorConfig = parseInjectorConfig(o.data?.config !== undefined ? String(o.data.config) : undefined, o.data?.values, (t) => yaml().parse(t));
  }
  return out;
}

export function pruneMwc(o: any) {
  return {
    metadata: meta(o.metadata),
    webhooks: (o.webhooks ?? []).map((w: any) => ({
      name: w.name,
      clientConfig: w.clientConfig,
      namespaceSelector: w.namespaceSelector,
      objectSelector: w.objectSelector,
      rules: w.rules,
      failurePolicy: w.failurePolicy,
      reinvocationPolicy: w.reinvocationPolicy,
    })),
  };
}

/** Sail operator resources (Istio, IstioRevision, IstioRevisionTag): spec without the Helm values, status. */
export function pruneSail(o: any) {
  const sp = o.spec ?? {};
  const st = o.status ?? {};
  return {
    metadata: meta(o.metadata),
    spec: {
      version: sp.version,
      namespace: sp.namespace,
      updateStrategy: sp.updateStrategy
        ? { type: sp.updateStrategy.type, inactiveRevisionDeletionGracePeriodSeconds: sp.updateStrategy.inactiveRevisionDeletionGracePeriodSeconds }
        : undefined,
      targetRef: sp.targetRef ? { kind: sp.targetRef.kind, name: sp.targetRef.name } : undefined,
      values: sp.values?.revision !== undefined ? { revision: sp.values.revision } : undefined,
    },
    status: {
      state: st.state,
      activeRevisionName: st.activeRevisionName,
      revisions: st.revisions,
      istioRevision: st.istioRevision,
      istiodNamespace: st.istiodNamespace,
      conditions: Array.isArray(st.conditions)
        ? st.conditions.map((c: any) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message, lastTransitionTime: c.lastTransitionTime }))
        : undefined,
    },
  };
}
