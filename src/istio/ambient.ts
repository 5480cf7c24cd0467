/**
 * Ambient mode and Gateway API, read from the pods the snapshot already holds:
 *
 * - Node agents: ztunnel (container `istio-proxy`, pod annotation `istio.io/rev` naming the
 *   revision whose istiod it talks to: its XDS_ADDRESS/CA_ADDRESS are istiod-<rev>) and the
 *   istio-cni node agent. Neither can be canaried: one per cluster, upgraded node by node.
 *   A 1.x node agent works with control planes 1.x and 1.x+1 only (Istio's ambient upgrade guide).
 * - Waypoints and Gateway API gateways: Deployments istiod's gateway deployment controller
 *   renders (`gateway.istio.io/managed`). The revision that controls one is chosen as
 *   pkg/revisions/tag_watcher.go IsMine does: the Gateway's `istio.io/rev` label (copied onto the
 *   pods), else its namespace's, else the default tag's revision; a tag name resolves through
 *   the tag. The revision a pod runs is its `istio.io/rev` annotation. Moving a tag they follow
 *   re-renders them at once: no restart is involved.
 */
import { DATAPLANE_MODE_LABEL, REV_ANNOTATION, REV_LABEL } from './labels';
import type { ClusterSnapshot } from './snapshot';
import { imageTag } from './version';

export type NodeAgentComponent = 'ztunnel' | 'istio-cni';

export interface NodeAgentSkew {
  revision: string;
  version: string;
  ok: boolean;
}

export interface NodeAgentView {
  component: NodeAgentComponent;
  namespace: string;
  /** Owning DaemonSet. */
  daemonSet: string;
  /** Revision the agent is bound to (ztunnel's `istio.io/rev` annotation; mid-upgrade the newest pods'); undefined for istio-cni. */
  revision?: string;
  /** Mid-upgrade: the revision the not-yet-replaced pods are still bound to. */
  previousRevision?: string;
  /** Versions running, newest first, with the nodes running each. */
  versions: { version: string; nodes: string[] }[];
  pods: number;
  ready: number;
  /** Nodes on the newest version running. */
  updated: number;
  /** Each installed revision with a known version: within the supported skew or not. */
  skew: NodeAgentSkew[];
  /** The DaemonSet's updateStrategy (RollingUpdate | OnDelete); undefined when DaemonSets cannot be read. */
  updateStrategy?: string;
}

const minorOf = (v: string | undefined): number | undefined => {
  const m = /^v?(\d+)\.(\d+)/.exec(v ?? '');
  return m && m[1] === '1' ? Number(m[2]) : undefined;
};

/** A node agent at 1.M works with control planes 1.M and 1.M+1. */
export function nodeAgentSupports(agentVersion: string, controlPlaneVersion: string): boolean | undefined {
  const a = minorOf(agentVersion);
  const c = minorOf(controlPlaneVersion);
  if (a === undefined || c === undefined) return undefined;
  return c - a >= 0 && c - a <= 1;
}

const cleanVersion = (image: string | undefined) => imageTag(image)?.replace(/-distroless$|-debug$/, '');

const byVersionDesc = (a: string, b: string) => {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pb[i] ?? 0) - (pa[i] ?? 0);
  return 0;
};

function componentOf(labels: Record<string, string> | undefined): NodeAgentComponent | undefined {
  const l = labels ?? {};
  const app = l['app'] ?? l['app.kubernetes.io/name'];
  if (app === 'ztunnel') return 'ztunnel';
  if (app === 'istio-cni-node' || l['k8s-app'] === 'istio-cni-node') return 'istio-cni';
  return undefined;
}

export function nodeAgents(snap: ClusterSnapshot): NodeAgentView[] {
  const by = new Map<string, NodeAgentView & { byVersion: Map<string, string[]>; revByVersion: Map<string, string> }>();
  for (const p of snap.dataplanePods()) {
    if (p.role !== 'nodeAgent') continue;
    const pod = snap.pod(p.namespace, p.name);
    const component = componentOf(pod?.metadata.labels);
    if (!pod || !component) continue;
    const owner = pod.metadata.ownerReferences?.find((o) => o.controller)?.name ?? component;
    const key = `${p.namespace}/${owner}`;
    let v = by.get(key);
    if (!v) {
      v = {
        component,
        namespace: p.namespace,
        daemonSet: owner,
        versions: [],
        pods: 0,
        ready: 0,
        updated: 0,
        skew: [],
        byVersion: new Map(),
        revByVersion: new Map(),
      };
      by.set(key, v);
    }
    v.pods++;
    if (p.ready) v.ready++;
    const container = pod.spec?.containers?.find((c) => c.name === (component === 'ztunnel' ? 'istio-proxy' : 'install-cni')) ?? pod.spec?.containers?.[0];
    const version = cleanVersion(container?.image) ?? 'unknown';
    const nodes = v.byVersion.get(version) ?? [];
    nodes.push(pod.spec?.nodeName ?? '?');
    v.byVersion.set(version, nodes);
    const rev = pod.metadata.annotations?.[REV_ANNOTATION];
    if (component === 'ztunnel' && rev) v.revByVersion.set(version, rev);
  }
  const revisions = snap.controlPlane.revisions.filter((r) => r.version && (r.deployments.length || r.webhooks.length));
  return [...by.values()]
    .map(({ byVersion, revByVersion, ...v }) => {
      const versions = [...byVersion].sort(([a], [b]) => byVersionDesc(a, b)).map(([version, nodes]) => ({ version, nodes: nodes.sort() }));
      // Mid-upgrade, the newest pods name the revision the agent is moving to.
      const revision = versions.map((x) => revByVersion.get(x.version)).find(Boolean);
      const previousRevision = versions.length > 1 ? revByVersion.get(versions[versions.length - 1].version) : undefined;
      // Skew is judged on the oldest agent still running: every node must work with the control plane.
      const oldest = versions[versions.length - 1]?.version;
      const skew =
        oldest && oldest !== 'unknown'
          ? revisions.map((r) => ({ revision: r.name, version: r.version!, ok: nodeAgentSupports(oldest, r.version!) ?? true }))
          : [];
      const ds = snap.daemonSet(`${v.namespace}/${v.daemonSet}`);
      const updateStrategy = ds ? (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') : undefined;
      return {
        ...v,
        revision,
        ...(previousRevision && previousRevision !== revision ? { previousRevision } : {}),
        versions,
        updated: versions[0]?.nodes.length ?? 0,
        skew,
        ...(updateStrategy ? { updateStrategy } : {}),
      };
    })
    .sort((a, b) => a.component.localeCompare(b.component) || a.namespace.localeCompare(b.namespace));
}

export function describeSkew(a: NodeAgentView): string | undefined {
  const bad = a.skew.filter((s) => !s.ok);
  if (!bad.length) return undefined;
  const oldest = a.versions[a.versions.length - 1]?.version ?? '?';
  const m = minorOf(oldest);
  return `${a.component} ${oldest} works only with control planes 1.${m}–1.${(m ?? 0) + 1}; ${bad.map((s) => `${s.revision} is ${s.version}`).join(', ')}.`;
}

// ---- waypoints and Gateway API gateways ------------------------------------------------

export type ManagedGatewayKind = 'waypoint' | 'gateway';

export interface ManagedGatewayView {
  kind: ManagedGatewayKind;
  namespace: string;
  /** The Gateway's name (gateway.networking.k8s.io/gateway-name). */
  gateway: string;
  gatewayClass?: string;
  /** The Deployment istiod made. */
  workload: string;
  pods: number;
  ready: number;
  /** Revision → pods running it (pod annotation istio.io/rev). */
  running: Map<string, number>;
  versions: string[];
  /** The revision that controls it now; undefined when what it names is not installed. */
  followsRevision?: string;
  /** How: `istio.io/rev=canary on the Gateway → 1-31-0`. */
  follows: string;
  /** The value written (Gateway label, namespace label), undefined when it follows the default. */
  followsLabel?: string;
  followsVia: 'gateway' | 'namespace' | 'default';
  /** Pods running another revision than the one it follows (istiod re-renders it: transient). */
  rolling: number;
}

/** Resolves a revision-or-tag name as istiod's tag watcher does. */
function resolveName(snap: ClusterSnapshot, name: string): string | undefined {
  const cp = snap.controlPlane;
  const tag = cp.tagByName.get(name);
  if (tag) return tag.revision;
  return cp.revisionByName.has(name) ? name : undefined;
}

/** The revision that controls a Gateway with these labels in namespace `ns` (tag_watcher IsMine). */
export function gatewayControlledBy(
  snap: ClusterSnapshot,
  ns: string,
  gatewayRevLabel: string | undefined,
): Pick<ManagedGatewayView, 'followsRevision' | 'follows' | 'followsLabel' | 'followsVia'> {
  const nsRev = snap.namespaceObject(ns)?.metadata.labels?.[REV_LABEL];
  if (gatewayRevLabel) {
    const r = resolveName(snap, gatewayRevLabel);
    return {
      followsRevision: r,
      followsLabel: gatewayRevLabel,
      followsVia: 'gateway',
      follows: `istio.io/rev=${gatewayRevLabel} on the Gateway → ${r ?? 'nothing installed'}`,
    };
  }
  if (nsRev) {
    const r = resolveName(snap, nsRev);
    return {
      followsRevision: r,
      followsLabel: nsRev,
      followsVia: 'namespace',
      follows: `istio.io/rev=${nsRev} on namespace ${ns} → ${r ?? 'nothing installed'}`,
    };
  }
  const d = snap.controlPlane.defaultRevision;
  return { followsRevision: d, followsVia: 'default', follows: d ? `the default revision → ${d}` : 'the default revision → none (no default tag)' };
}

export function managedGateways(snap: ClusterSnapshot): ManagedGatewayView[] {
  const by = new Map<string, ManagedGatewayView>();
  for (const p of snap.dataplanePods()) {
    if (p.role !== 'managedGateway') continue;
    const pod = snap.pod(p.namespace, p.name);
    const l = pod?.metadata.labels ?? {};
    const gateway = l['gateway.networking.k8s.io/gateway-name'] ?? p.workload.name;
    const key = `${p.namespace}/${gateway}`;
    let g = by.get(key);
    if (!g) {
      const kind: ManagedGatewayKind =
        l['gateway.istio.io/managed'] === 'istio.io-mesh-controller' || l['gateway.networking.k8s.io/gateway-class-name'] === 'istio-waypoint'
          ? 'waypoint'
          : 'gateway';
      g = {
        kind,
        namespace: p.namespace,
        gateway,
        gatewayClass: l['gateway.networking.k8s.io/gateway-class-name'],
        workload: p.workload.name,
        pods: 0,
        ready: 0,
        running: new Map(),
        versions: [],
        rolling: 0,
        ...gatewayControlledBy(snap, p.namespace, l[REV_LABEL]),
      };
      by.set(key, g);
    }
    g.pods++;
    if (p.ready) g.ready++;
    const runs = pod?.metadata.annotations?.[REV_ANNOTATION] ?? 'unknown';
    g.running.set(runs, (g.running.get(runs) ?? 0) + 1);
    const v = cleanVersion(pod?.spec?.containers?.find((c) => c.name === 'istio-proxy')?.image);
    if (v && !g.versions.includes(v)) g.versions.push(v);
    if (g.followsRevision && runs !== g.followsRevision) g.rolling++;
  }
  return [...by.values()].sort((a, b) => a.kind.localeCompare(b.kind) || `${a.namespace}/${a.gateway}`.localeCompare(`${b.namespace}/${b.gateway}`));
}

// ---- ambient namespaces -----------------------------------------------------------------

export interface AmbientNamespace {
  name: string;
  dataplaneMode: string;
  /** istio.io/use-waypoint */
  useWaypoint?: string;
  /** The waypoint named by use-waypoint exists in the namespace (as a Deployment istiod made). */
  waypointFound?: boolean;
}

export function ambientNamespaces(snap: ClusterSnapshot, gateways = managedGateways(snap)): AmbientNamespace[] {
  const out: AmbientNamespace[] = [];
  for (const name of snap.namespaceNames()) {
    const l = snap.namespaceObject(name)?.metadata.labels ?? {};
    const mode = l[DATAPLANE_MODE_LABEL];
    const wp = l['istio.io/use-waypoint'];
    if (mode === undefined && wp === undefined) continue;
    out.push({
      name,
      dataplaneMode: mode ?? '',
      useWaypoint: wp,
      waypointFound: wp ? gateways.some((g) => g.kind === 'waypoint' && g.namespace === name && g.gateway === wp) : undefined,
    });
  }
  return out;
}
