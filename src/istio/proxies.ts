/**
 * Per-pod proxy facts (ISTIO.md §4): which revision injected the sidecar, which
 * proxy version it runs, and whether that differs from what the pod's namespace
 * (and its own labels) resolve to now — a stale proxy that a restart would fix.
 */
import { describeOutcome, type InjectionOutcome, type InjectionWebhook } from './injection';
import { decideInjection } from './injectpolicy';
import { INJECT_POD_LABEL, PROXY_CONTAINER, RESTARTED_AT_ANNOTATION, REV_ANNOTATION, STATUS_ANNOTATION } from './labels';
import type { InjectorConfig, Labels, Pod } from './types';
import { imageTag } from './version';

export type RevisionSource = 'annotation' | 'status' | 'image';
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob' | 'ReplicaSet' | 'Pod' | string;

export interface WorkloadRef {
  kind: WorkloadKind;
  name: string;
}

/**
 * What a pod is to the mesh's data plane. Only `sidecar` and `gateway` pods run a proxy
 * a restart re-injects; node agents (ztunnel, istio-cni) and gateways istiod renders itself
 * (Gateway API, waypoints) are never counted as sidecars or restart candidates.
 */
export type DataplaneRole = 'sidecar' | 'gateway' | 'nodeAgent' | 'managedGateway' | 'none';

export interface ProxyInfo {
  namespace: string;
  name: string;
  workload: WorkloadRef;
  role: DataplaneRole;
  /** Has an istio-proxy sidecar (container, native-sidecar init container, or injection status). */
  injected: boolean;
  /** Revision that injected the sidecar, when the pod says so. */
  injectedRevision?: string;
  revisionSource?: RevisionSource;
  /** istio-proxy image tag. */
  proxyVersion?: string;
  /** Set when sidecar.istio.io/status is present but not valid JSON. */
  statusError?: string;
  /** What a pod with these labels created now in this namespace would get. */
  expected: InjectionOutcome;
  stale: boolean;
  staleReason?: string;
  /** Injection expected but the pod has no sidecar. */
  missingProxy: boolean;
  gateway: boolean;
  phase?: string;
  ready: boolean;
  /** The pod template's `kubectl.kubernetes.io/restartedAt` (set by a rollout restart), when it has one. */
  restartedAt?: string;
}

interface SidecarStatus {
  revision?: unknown;
}

/**
 * The revision in a sidecar.istio.io/status annotation. Every pod of a workload carries the same
 * annotation text, so the last few hundred distinct texts are remembered rather than parsed again
 * for each pod.
 */
const statusMemo = new Map<string, { revision?: string; error?: string }>();
function readStatus(raw: string): { revision?: string; error?: string } {
  let r = statusMemo.get(raw);
  if (r) return r;
  r = {};
  try {
    const s = JSON.parse(raw) as SidecarStatus;
    if (s && typeof s === 'object' && typeof s.revision === 'string' && s.revision) r.revision = s.revision;
  } catch {
    r.error = `annotation ${STATUS_ANNOTATION} is not valid JSON`;
  }
  if (statusMemo.size >= 512) statusMemo.clear();
  statusMemo.set(raw, r);
  return r;
}

/** Reads the three pod signals, in Istio's order of authority. */
export function injectedRevisionOf(pod: Pod): { revision?: string; source?: RevisionSource; version?: string; injected: boolean; statusError?: string } {
  const ann = pod.metadata.annotations ?? {};
  const proxy = pod.spec?.containers?.find((c) => c.name === PROXY_CONTAINER) ?? pod.spec?.initContainers?.find((c) => c.name === PROXY_CONTAINER);
  const version = imageTag(proxy?.image);
  const statusRaw = ann[STATUS_ANNOTATION];
  let statusError: string | undefined;
  let statusRevision: string | undefined;
  if (statusRaw !== undefined) {
    const read = readStatus(statusRaw);
    statusRevision = read.revision;
    statusError = read.error;
  }
  const injected = !!proxy || statusRaw !== undefined;
  const annRev = ann[REV_ANNOTATION];
  if (injected && annRev) return { revision: annRev, source: 'annotation', version, injected, statusError };
  if (statusRevision) return { revision: statusRevision, source: 'status', version, injected, statusError };
  if (version) return { source: 'image', version, injected, statusError };
  return { injected, statusError };
}

/** The workload that owns a pod: ReplicaSet → Deployment by stripping the pod-template-hash. */
export function workloadOf(pod: Pod): WorkloadRef {
  const owner = (pod.metadata.ownerReferences ?? []).find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
  if (!owner) return { kind: 'Pod', name: pod.metadata.name };
  if (owner.kind === 'ReplicaSet') {
    const hash = pod.metadata.labels?.['pod-template-hash'];
    if (hash && owner.name.endsWith('-' + hash)) return { kind: 'Deployment', name: owner.name.slice(0, -hash.length - 1) };
    return { kind: 'ReplicaSet', name: owner.name };
  }
  if (owner.kind === 'Job') {
    const m = /^(.*)-\d{8,}$/.exec(owner.name);
    if (m) return { kind: 'CronJob', name: m[1] };
  }
  return { kind: owner.kind, name: owner.name };
}

const GATEWAY_ISTIO_LABELS = new Set(['ingressgateway', 'egressgateway', 'eastwestgateway']);

/**
 * Gateways: pods asking for injection by label plus gateway labels (helm gateway chart, istioctl, Gateway API),
 * or injected with the `gateway` template (`inject.istio.io/templates`, the gateway chart's default pod
 * annotation — whatever the release is named, e.g. `istio-ingress` as Istio's Helm guide names it).
 */
export function isGatewayPod(labels: Labels | undefined, annotations?: Labels): boolean {
  const l = labels ?? {};
  if (l['gateway.networking.k8s.io/gateway-name'] !== undefined || l['gateway.istio.io/managed'] !== undefined) return true;
  const templates = annotations?.['inject.istio.io/templates'];
  if (
    templates !== undefined &&
    templates
      .split(',')
      .map((t) => t.trim())
      .includes('gateway') &&
    l[INJECT_POD_LABEL] !== 'false'
  )
    return true;
  if (l[INJECT_POD_LABEL] !== 'true' && l['istio'] === undefined) return false;
  if (l['istio'] && (GATEWAY_ISTIO_LABELS.has(l['istio']) || l['istio'].endsWith('gateway'))) return true;
  const app = l['app'] ?? l['app.kubernetes.io/name'] ?? '';
  return l[INJECT_POD_LABEL] === 'true' && /gateway/.test(app);
}

/**
 * Gateways installed by istioctl (the operator's gateway components) carry their own
 * istio-proxy container and opt out of injection (`sidecar.istio.io/inject: "false"`);
 * the revision they belong to is their `istio.io/rev` label (a tag name maps to its
 * revision), not what the webhooks would do.
 */
function builtInProxyOwner(pod: Pod, tagTarget: (tag: string) => string | undefined): InjectionOutcome | undefined {
  const l = pod.metadata.labels ?? {};
  if (l[INJECT_POD_LABEL] !== 'false') return undefined;
  if (!(pod.spec?.containers ?? []).some((c) => c.name === PROXY_CONTAINER)) return undefined;
  const label = l['istio.io/rev'] || 'default';
  const revision = tagTarget(label) ?? label;
  return {
    kind: 'injected',
    revision,
    via: {
      configName: `${pod.metadata.name} (built-in proxy)`,
      webhookName: '',
      revision,
      tag: tagTarget(label) ? label : undefined,
      reason: `pod label istio.io/rev=${label}`,
    },
    matches: [],
  } as InjectionOutcome;
}

/** ztunnel (ambient node proxy) and istio-cni node agents, by the labels Istio's charts give them. */
export function isNodeAgentPod(labels: Labels | undefined): boolean {
  const l = labels ?? {};
  const app = l['app'] ?? l['app.kubernetes.io/name'];
  return app === 'ztunnel' || app === 'istio-cni-node' || l['k8s-app'] === 'istio-cni-node';
}

/** Pods of a Deployment istiod renders for a Gateway API Gateway or a waypoint (gateway.istio.io/managed). */
export function isManagedGatewayPod(labels: Labels | undefined): boolean {
  const l = labels ?? {};
  return l['gateway.istio.io/managed'] !== undefined;
}

function isReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Analyses one pod. `revisionVersion` gives the current Istio version of a revision,
 * so a sidecar injected by the right revision but an older version (in-place upgrade)
 * is stale too.
 */
export function analyzePod(
  pod: Pod,
  /** `null`: the namespace's labels cannot be read (no permission), so what it resolves to is unknown. */
  nsLabels: Labels | undefined | null,
  webhooks: readonly InjectionWebhook[],
  /** Version of the proxy a revision injects now (injector values, else istiod's version). */
  revisionVersion: (rev: string) => string | undefined,
  tagTarget: (tag: string) => string | undefined = () => undefined,
  injectorOf: (rev: string) => InjectorConfig | undefined = () => undefined,
  /** What the webhooks and istiod decide for the pod (decideInjection); the snapshot passes a memo of it. */
  decide: (pod: Pod) => InjectionOutcome = (p) => decideInjection(webhooks, nsLabels ?? undefined, p, p.metadata.namespace ?? 'default', injectorOf),
): ProxyInfo {
  const ns = pod.metadata.namespace ?? 'default';
  // Built field by field in one fixed order (rather than spread from a base object): this runs for
  // every pod of the cluster, and the key order is the one the JSON output has always had.
  const info = { namespace: ns, name: pod.metadata.name, workload: workloadOf(pod), phase: pod.status?.phase, ready: isReady(pod) } as ProxyInfo;
  const restartedAt = pod.metadata.annotations?.[RESTARTED_AT_ANNOTATION];
  if (restartedAt) info.restartedAt = restartedAt;
  if (isNodeAgentPod(pod.metadata.labels) || isManagedGatewayPod(pod.metadata.labels)) {
    // Not a sidecar: no injection expected, nothing a workload restart would fix.
    info.role = isNodeAgentPod(pod.metadata.labels) ? 'nodeAgent' : 'managedGateway';
    info.injected = false;
    info.expected = { kind: 'none', reason: 'not injected: a node agent or a gateway istiod deploys itself', matches: [] };
    info.stale = false;
    info.missingProxy = false;
    info.gateway = false;
    return info;
  }
  const sig = injectedRevisionOf(pod);
  const expected: InjectionOutcome =
    builtInProxyOwner(pod, tagTarget) ??
    (nsLabels === null
      ? { kind: 'none', reason: `the labels of namespace ${ns} cannot be read (no permission), so what it resolves to is unknown`, matches: [] }
      : decide(pod));
  const unknownTarget = nsLabels === null && expected.kind === 'none';
  let stale = false;
  let staleReason: string | undefined;
  let missingProxy = false;
  if (unknownTarget) {
    // Without the namespace's labels neither staleness nor a missing proxy can be judged.
  } else if (sig.injected) {
    if (expected.kind === 'injected') {
      const want = expected.revision;
      const wantVersion = revisionVersion(want);
      if (sig.revision !== undefined && sig.revision !== want) {
        stale = true;
        staleReason = `injected by ${sig.revision}, namespace now resolves to ${describeOutcome(expected)}`;
      } else if (sig.version && wantVersion && sig.version !== wantVersion) {
        stale = true;
        staleReason = sig.revision
          ? `proxy ${sig.version}, revision ${want} now injects ${wantVersion}`
          : `proxy ${sig.version}, namespace now resolves to ${want} (${wantVersion})`;
      }
    } else if (expected.kind === 'none') {
      stale = true;
      staleReason = `has a sidecar but would not be injected now (${expected.reason})`;
    }
  } else if (expected.kind === 'injected') {
    missingProxy = true;
  }
  const gateway = isGatewayPod(pod.metadata.labels, pod.metadata.annotations);
  info.role = gateway ? 'gateway' : sig.injected || expected.kind === 'injected' ? 'sidecar' : 'none';
  info.injected = sig.injected;
  info.injectedRevision = sig.revision;
  info.revisionSource = sig.source;
  info.proxyVersion = sig.version;
  info.statusError = sig.statusError;
  info.expected = expected;
  info.stale = stale;
  info.staleReason = staleReason;
  info.missingProxy = missingProxy;
  info.gateway = gateway;
  return info;
}

/** Revision label used to group a proxy: its injecting revision, or `v<version>` when only the image says. */
export function proxyRevisionKey(p: ProxyInfo): string {
  if (p.injectedRevision) return p.injectedRevision;
  if (p.proxyVersion) return `unknown (${p.proxyVersion})`;
  return 'unknown';
}

/** A namespace's pods grouped by workload: pods, injected proxies per revision, stale count. */
export interface WorkloadSummary {
  kind: string;
  name: string;
  proxies: ProxyInfo[];
  byRevision: Map<string, number>;
  stale: number;
  pods: number;
}

/** Groups pods (ProxyInfo, as the snapshot keeps them) by workload, sorted by name. */
export function summarizeWorkloads(pods: Iterable<ProxyInfo>): WorkloadSummary[] {
  const by = new Map<string, WorkloadSummary>();
  for (const p of pods) {
    const k = `${p.workload.kind}/${p.workload.name}`;
    let w = by.get(k);
    if (!w) {
      w = { kind: p.workload.kind, name: p.workload.name, proxies: [], byRevision: new Map(), stale: 0, pods: 0 };
      by.set(k, w);
    }
    w.pods++;
    if (p.injected) {
      w.proxies.push(p);
      const rk = proxyRevisionKey(p);
      w.byRevision.set(rk, (w.byRevision.get(rk) ?? 0) + 1);
    }
    if (p.stale) w.stale++;
  }
  return [...by.values()].sort((a, b) => a.name.localeCompare(b.name));
}
