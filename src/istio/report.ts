/**
 * The stable, documented report of a snapshot (`istio-revisions status -o json`)
 * and the upgrade blockers `istio-revisions check` gates a pipeline on.
 * Changing a field name here is a breaking change for users' pipelines.
 */
import { describeOutcome } from './injection';
import { inMesh, type ClusterSnapshot } from './snapshot';

export const REPORT_API_VERSION = 'istio-revisions/v1';

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
  }[];
  tags: { name: string; revision: string; revisionInstalled: boolean; namespaces: string[] }[];
  namespaces: {
    name: string;
    labels: { 'istio-injection': string | null; 'istio.io/rev': string | null };
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
  gateways: { namespace: string; workload: string; kind: string; pods: number; running: Record<string, number>; follows: string; stale: number }[];
  proxies: { total: number; stale: number; byRevision: Record<string, number> };
  migration: { from: string | null; to: string; percent: number } | null;
}

export interface Blocker {
  code: 'staleProxies' | 'unknownTarget' | 'bothLabels' | 'tagMissingRevision' | 'ambiguousInjection' | 'invalidInjectionValue';
  object: string;
  message: string;
}


export function buildReport(snap: ClusterSnapshot, cluster: { context: string; server?: string }): StatusReport {
  const cp = snap.controlPlane;
  const nsViews = snap.namespaces();
  const byRev = snap.proxiesByRevision();
  const mesh = nsViews.filter(inMesh);
  const mig = snap.migration();
  let total = 0;
  let stale = 0;
  for (const v of byRev.values()) { total += v.proxies; stale += v.stale; }
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
    })),
    tags: cp.tags.map((t) => ({ name: t.name, revision: t.revision, revisionInstalled: t.revisionInstalled, namespaces: snap.namespacesLabelled(t.name) })),
    namespaces: mesh.map((n) => ({
      name: n.name,
      labels: { 'istio-injection': n.labels.injection ?? null, 'istio.io/rev': n.labels.rev ?? null },
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
    gateways: snap.gateways().map((g) => ({
      namespace: g.namespace, workload: g.workload, kind: g.kind, pods: g.pods, running: Object.fromEntries([...g.running].sort()), follows: g.follows, stale: g.stale,
    })),
    proxies: { total, stale, byRevision: Object.fromEntries([...byRev].map(([k, v]) => [k, v.proxies]).sort()) },
    migration: mig ? { from: mig.from ?? null, to: mig.to, percent: mig.percent } : null,
  };
}

/** What still blocks finishing an upgrade. Empty means done. */
export function findBlockers(snap: ClusterSnapshot): Blocker[] {
  const out: Blocker[] = [];
  for (const t of snap.controlPlane.tags) {
    if (!t.revisionInstalled) out.push({ code: 'tagMissingRevision', object: `tag/${t.name}`, message: `Tag ${t.name} points at revision ${t.revision}, which is not installed.` });
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
  return out;
}
