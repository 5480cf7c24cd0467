/**
 * The stable, documented report of a snapshot (`istio-revisions status -o json`)
 * and the upgrade blockers `istio-revisions check` gates a pipeline on.
 * Changing a field name here is a breaking change for users' pipelines.
 */
import type { InstallMethod, InstallMethodKind } from './installer';
import type { SailView } from './sail';
import { describeOutcome } from './injection';
import { ambientNamespaces, describeSkew, managedGateways, nodeAgents } from './ambient';
import { inMesh, type ClusterSnapshot } from './snapshot';

export const REPORT_API_VERSION = 'istio-revisions/v1';

/** `method`: sail | helm | istioctl | helmTemplate | manifest; `release` for Helm (and Sail's own release); `owner` for Sail. */
export interface ReportInstallMethod {
  method: InstallMethodKind;
  release: { name: string; namespace: string } | null;
  owner: { kind: string; name: string } | null;
  from: string | null;
  /** Sail: what the operator says about the revision (or the tag). */
  sail?:
    | {
        istio: string | null;
        updateStrategy: string | null;
        active: boolean;
        inUse: boolean | null;
        inUseReason: string | null;
        gracePeriodSeconds: number | null;
        deletionAt: string | null;
      }
    | { targetRef: { kind: string | null; name: string | null }; revision: string | null; inUse: boolean | null };
}

function reportInstallMethod(m: InstallMethod, sail?: SailView): ReportInstallMethod {
  const out: ReportInstallMethod = { method: m.kind, release: m.release ?? null, owner: m.owner ?? null, from: m.from ?? null };
  if (m.kind === 'sail' && m.owner && sail) {
    if (m.owner.kind === 'IstioRevision') {
      const r = sail.revisions.get(m.owner.name);
      if (r)
        out.sail = {
          istio: r.istio ?? null,
          updateStrategy: r.updateStrategy ?? null,
          active: r.active,
          inUse: r.inUse ?? null,
          inUseReason: r.inUseReason ?? null,
          gracePeriodSeconds: r.gracePeriodSeconds ?? null,
          deletionAt: r.deletionAt ?? null,
        };
    } else {
      const t = sail.tags.get(m.owner.name);
      if (t) out.sail = { targetRef: { kind: t.targetKind ?? null, name: t.targetName ?? null }, revision: t.revision ?? null, inUse: t.inUse ?? null };
    }
  }
  return out;
}

export interface StatusReport {
  apiVersion: typeof REPORT_API_VERSION;
  cluster: { context: string; server?: string };
  defaultRevision: string | null;
  revisions: {
    name: string;
    version: string | null;
    versionSource: string | null;
    readiness: string;
    replicas: number;
    readyReplicas: number;
    default: boolean;
    tags: string[];
    proxies: number;
    staleProxies: number;
    namespaces: string[];
    /** How the revision was installed: its actions follow the installer (istioctl, Helm, Sail). */
    installedBy: ReportInstallMethod;
  }[];
  tags: { name: string; revision: string; revisionInstalled: boolean; namespaces: string[]; installedBy: ReportInstallMethod }[];
  namespaces: {
    name: string;
    labels: { 'istio-injection': string | null; 'istio.io/rev': string | null; 'istio.io/dataplane-mode'?: string };
    /** False when the user may not read the Namespace object (labels and resolution unknown). */
    labelsKnown: boolean;
    resolvesTo: string | null;
    resolution: string;
    viaTag: string | null;
    pods: number;
    proxies: number;
    stale: number;
    missingProxies: number;
    proxiesByRevision: Record<string, number>;
    warnings: { code: string; message: string }[];
  }[];
  otherNamespaces: number;
  /**
   * Gateways: istioctl's built-in gateways and injected gateways (`type: istioctl|injected`, upgraded in place:
   * restart them) and Gateway API gateways istiod deploys (`type: gateway-api`, re-rendered by the revision they follow).
   */
  gateways: {
    namespace: string;
    workload: string;
    kind: string;
    type: 'istioctl' | 'injected' | 'gateway-api';
    pods: number;
    running: Record<string, number>;
    follows: string;
    followsRevision: string | null;
    stale: number;
  }[];
  /** Waypoints (Gateway API Gateways of class istio-waypoint) istiod deploys. */
  waypoints: {
    namespace: string;
    name: string;
    workload: string;
    pods: number;
    ready: number;
    running: Record<string, number>;
    follows: string;
    followsRevision: string | null;
    versions: string[];
  }[];
  /** ztunnel and istio-cni node agents: one per cluster, bound to a revision (ztunnel), upgraded node by node. */
  nodeAgents: {
    component: 'ztunnel' | 'istio-cni';
    namespace: string;
    daemonSet: string;
    revision: string | null;
    previousRevision: string | null;
    pods: number;
    ready: number;
    versions: { version: string; nodes: string[] }[];
    updated: number;
    skew: { revision: string; version: string; ok: boolean }[];
    /** The DaemonSet's updateStrategy (OnDelete: replaced node by node), null when DaemonSets cannot be read. */
    updateStrategy: string | null;
  }[];
  /** Namespaces with istio.io/dataplane-mode or istio.io/use-waypoint. */
  ambientNamespaces: { name: string; dataplaneMode: string; useWaypoint: string | null; waypointFound: boolean | null }[];
  proxies: { total: number; stale: number; byRevision: Record<string, number> };
  migration: { from: string | null; to: string; percent: number } | null;
}

export interface Blocker {
  code:
    | 'staleProxies'
    | 'unknownTarget'
    | 'bothLabels'
    | 'tagMissingRevision'
    | 'ambiguousInjection'
    | 'invalidInjectionValue'
    | 'nodeAgentSkew'
    | 'waypointMissing'
    | 'injectorDown';
  object: string;
  message: string;
}

export function buildReport(snap: ClusterSnapshot, cluster: { context: string; server?: string }): StatusReport {
  const cp = snap.controlPlane;
  const nsViews = snap.namespaces();
  const byRev = snap.proxiesByRevision();
  const mesh = nsViews.filter(inMesh);
  const mig = snap.migration();
  const managed = managedGateways(snap);
  const sail = snap.sail();
  let total = 0;
  let stale = 0;
  for (const v of byRev.values()) {
    total += v.proxies;
    stale += v.stale;
  }
  return {
    apiVersion: REPORT_API_VERSION,
    cluster,
    defaultRevision: cp.defaultRevision ?? null,
    revisions: cp.revisions.map((r) => ({
      name: r.name,
      version: r.version ?? null,
      versionSource: r.versionSource ?? null,
      readiness: r.readiness,
      replicas: r.replicas,
      readyReplicas: r.readyReplicas,
      default: r.isDefault,
      tags: r.tags,
      proxies: byRev.get(r.name)?.proxies ?? 0,
      staleProxies: byRev.get(r.name)?.stale ?? 0,
      namespaces: nsViews.filter((n) => n.resolvedRevision === r.name).map((n) => n.name),
      installedBy: reportInstallMethod(r.installedBy, sail),
    })),
    tags: cp.tags.map((t) => ({
      name: t.name,
      revision: t.revision,
      revisionInstalled: t.revisionInstalled,
      namespaces: snap.namespacesLabelled(t.name),
      installedBy: reportInstallMethod(t.installedBy, sail),
    })),
    namespaces: mesh.map((n) => ({
      name: n.name,
      labels: {
        'istio-injection': n.labels.injection ?? null,
        'istio.io/rev': n.labels.rev ?? null,
        ...(n.labels.dataplaneMode !== undefined ? { 'istio.io/dataplane-mode': n.labels.dataplaneMode } : {}),
      },
      labelsKnown: n.labelsKnown,
      resolvesTo: n.resolvedRevision ?? null,
      resolution: describeOutcome(n.resolution),
      viaTag: n.viaTag ?? null,
      pods: n.stats.pods,
      proxies: n.stats.proxies,
      stale: n.stats.stale,
      missingProxies: n.stats.missing,
      proxiesByRevision: Object.fromEntries([...n.stats.byRevision].sort()),
      warnings: n.warnings.map((w) => ({ code: w.code, message: w.message })),
    })),
    otherNamespaces: nsViews.length - mesh.length,
    gateways: [
      ...snap.gateways().map((g) => ({
        namespace: g.namespace,
        workload: g.workload,
        kind: g.kind,
        type: (g.builtIn ? 'istioctl' : 'injected') as 'istioctl' | 'injected',
        pods: g.pods,
        running: Object.fromEntries([...g.running].sort()),
        follows: g.follows,
        followsRevision: g.followsRevision ?? null,
        stale: g.stale,
      })),
      ...managed
        .filter((g) => g.kind === 'gateway')
        .map((g) => ({
          namespace: g.namespace,
          workload: g.workload,
          kind: 'Deployment',
          type: 'gateway-api' as const,
          pods: g.pods,
          running: Object.fromEntries([...g.running].sort()),
          follows: g.follows,
          followsRevision: g.followsRevision ?? null,
          stale: 0,
        })),
    ],
    waypoints: managed
      .filter((g) => g.kind === 'waypoint')
      .map((g) => ({
        namespace: g.namespace,
        name: g.gateway,
        workload: g.workload,
        pods: g.pods,
        ready: g.ready,
        running: Object.fromEntries([...g.running].sort()),
        follows: g.follows,
        followsRevision: g.followsRevision ?? null,
        versions: g.versions,
      })),
    nodeAgents: nodeAgents(snap).map((a) => ({
      ...a,
      revision: a.revision ?? null,
      previousRevision: a.previousRevision ?? null,
      updateStrategy: a.updateStrategy ?? null,
    })),
    ambientNamespaces: ambientNamespaces(snap, managed).map((n) => ({
      name: n.name,
      dataplaneMode: n.dataplaneMode,
      useWaypoint: n.useWaypoint ?? null,
      waypointFound: n.waypointFound ?? null,
    })),
    proxies: { total, stale, byRevision: Object.fromEntries([...byRev].map(([k, v]) => [k, v.proxies]).sort()) },
    migration: mig ? { from: mig.from ?? null, to: mig.to, percent: mig.percent } : null,
  };
}

/** What still blocks finishing an upgrade. Empty means done. */
export function findBlockers(snap: ClusterSnapshot): Blocker[] {
  const out: Blocker[] = [];
  for (const t of snap.controlPlane.tags) {
    if (!t.revisionInstalled)
      out.push({ code: 'tagMissingRevision', object: `tag/${t.name}`, message: `Tag ${t.name} points at revision ${t.revision}, which is not installed.` });
  }
  for (const n of snap.namespaces()) {
    if (n.terminating) continue; // going away: nothing to finish there
    for (const w of n.warnings) {
      if (w.code === 'pinnedRevision' || w.code === 'skippedByIstiod') continue; // advice, not a blocker
      if (w.code === 'tagMissingRevision') continue; // reported once per tag above
      const code = w.code === 'ambiguous' ? 'ambiguousInjection' : w.code;
      out.push({ code, object: `namespace/${n.name}`, message: w.message });
    }
    if (n.stats.stale > 0) {
      const revs = [...n.stats.byRevision.keys()].filter((r) => r !== n.resolvedRevision);
      out.push({
        code: 'staleProxies',
        object: `namespace/${n.name}`,
        message: `${n.stats.stale} of ${n.stats.proxies} proxies run ${revs.join(', ') || 'an older version'} but the namespace resolves to ${describeOutcome(n.resolution)}; restart its workloads.`,
      });
    }
  }
  for (const a of nodeAgents(snap)) {
    const why = describeSkew(a);
    if (why)
      out.push({
        code: 'nodeAgentSkew',
        object: `daemonset/${a.namespace}/${a.daemonSet}`,
        message: `${why} Upgrade the control plane or the node agent so every node is within one minor version.`,
      });
  }
  for (const n of ambientNamespaces(snap)) {
    if (n.useWaypoint && n.useWaypoint !== 'none' && n.waypointFound === false) {
      out.push({
        code: 'waypointMissing',
        object: `namespace/${n.name}`,
        message: `Namespace ${n.name} is labelled istio.io/use-waypoint=${n.useWaypoint}, but no waypoint ${n.useWaypoint} runs there: traffic that needs it (L7 policy) is not processed.`,
      });
    }
  }
  return out;
}
