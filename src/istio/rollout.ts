/**
 * Restart plans (upgrade step 5) and rollout status.
 *
 * A restart is the change `kubectl rollout restart` makes: the pod template gets
 * annotation kubectl.kubernetes.io/restartedAt=<now>. Rollout completion follows
 * kubectl's `rollout status` logic (k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go):
 * the controller has observed the new generation, every replica is updated, old
 * replicas are gone and the updated ones are available/ready.
 */
import { kindPath } from './apipath';
import { shellQuote, STRATEGIC_MERGE_PATCH, type Plan, type PlannedRequest } from './plan';
import type { ClusterSnapshot } from './snapshot';
import { RESTARTED_AT_ANNOTATION } from './labels';

export type RestartableKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';
export const RESTARTABLE: RestartableKind[] = ['Deployment', 'StatefulSet', 'DaemonSet'];
/** Whether `kubectl rollout restart` applies to a workload of this kind. */
export const isRestartable = (kind: string | undefined): kind is RestartableKind => RESTARTABLE.includes(kind as RestartableKind);

export interface WorkloadId {
  kind: RestartableKind;
  namespace: string;
  name: string;
}

export const workloadKey = (w: WorkloadId) => `${w.namespace}/${w.kind}/${w.name}`;

const PLURAL: Record<RestartableKind, string> = { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets' };

export function workloadPath(w: WorkloadId): string {
  return kindPath({ group: 'apps', version: 'v1', plural: PLURAL[w.kind], namespaced: true }, w.namespace, w.name);
}

export function restartRequest(w: WorkloadId, at: string): PlannedRequest {
  return {
    method: 'PATCH',
    path: workloadPath(w),
    contentType: STRATEGIC_MERGE_PATCH,
    body: { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: at } } } } },
    description: `restart ${w.kind} ${w.namespace}/${w.name}`,
    permission: { verb: 'patch', group: 'apps', resource: PLURAL[w.kind], namespace: w.namespace, name: w.name },
    dryRunnable: true,
  };
}

/**
 * Workloads of a namespace that own injected (or, with `onlyStale`, stale) pods, from the snapshot.
 * `clusterSaysStale` (from "Verify Injection with the Cluster") overrides the prediction per workload
 * key: true adds the workload to the stale ones, false removes it.
 */
export function restartCandidates(
  snapshot: ClusterSnapshot,
  namespace: string,
  onlyStale: boolean,
  clusterSaysStale?: (key: string) => boolean | undefined,
): { workloads: WorkloadId[]; skipped: string[] } {
  const seen = new Map<string, WorkloadId>();
  const skipped = new Set<string>();
  for (const p of snapshot.proxies(namespace)) {
    const said =
      clusterSaysStale && RESTARTABLE.includes(p.workload.kind as RestartableKind)
        ? clusterSaysStale(workloadKey({ kind: p.workload.kind as RestartableKind, namespace, name: p.workload.name }))
        : undefined;
    if (onlyStale ? !(said ?? p.stale) : !(p.injected || p.missingProxy || said)) continue;
    const kind = p.workload.kind as RestartableKind;
    if (!RESTARTABLE.includes(kind)) {
      skipped.add(`${p.workload.kind} ${namespace}/${p.workload.name}`);
      continue;
    }
    const w = { kind, namespace, name: p.workload.name };
    seen.set(workloadKey(w), w);
  }
  return { workloads: [...seen.values()].sort((a, b) => workloadKey(a).localeCompare(workloadKey(b))), skipped: [...skipped].sort() };
}

export function planRestart(cluster: string, workloads: WorkloadId[], at: string, batchSize: number, extraWarnings: string[] = []): Plan {
  const requests = workloads.map((w) => restartRequest(w, at));
  const batches = Math.ceil(workloads.length / Math.max(1, batchSize));
  return {
    title: workloads.length === 1 ? `Restart ${workloads[0].kind} ${workloads[0].namespace}/${workloads[0].name}` : `Restart ${workloads.length} workloads`,
    summary: `Rolls out ${workloads.length} workload(s) the way kubectl rollout restart does, in ${batches} batch(es) of up to ${batchSize}, each waiting until its rollouts are complete.`,
    cluster,
    requests,
    commands: workloads.map((w) => ['kubectl', 'rollout', 'restart', `${w.kind.toLowerCase()}/${w.name}`, '-n', w.namespace].map(shellQuote).join(' ')),
    warnings: extraWarnings,
  };
}

export interface RolloutObject {
  metadata?: { generation?: number };
  spec?: {
    replicas?: number;
    updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } };
    template?: { metadata?: { annotations?: Record<string, string> } };
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    readyReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; lastUpdateTime?: string }[];
  };
}

/** What `kubectl rollout restart` writes into restartedAt: RFC 3339 in seconds (Go's time.RFC3339), e.g. 2026-12-02T07:45:00Z. */
export function restartTimestamp(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The restartedAt stamp to patch with. `kubectl rollout restart` stamps whole seconds, so a
 * restart in the same second as the workload's last one would patch the value it already has:
 * the template would not change and no pod would be replaced, yet the rollout would read as
 * complete. When `at` equals a current stamp, the next second is used instead (`waitMs` until it
 * begins, at most a second: a stamp a caller set in the future is not waited for).
 */
export function freshRestartStamp(at: string, current: readonly (string | undefined)[], nowMs = Date.now()): { at: string; waitMs: number } {
  if (!current.includes(at)) return { at, waitMs: 0 };
  const t = Date.parse(at);
  let next = t + 1000;
  while (current.includes(restartTimestamp(new Date(next)))) next += 1000;
  return { at: restartTimestamp(new Date(next)), waitMs: Math.min(1000, Math.max(0, next - nowMs)) };
}

/** kubectl's refusal for a paused Deployment (k8s.io/kubectl polymorphichelpers objectrestarter.go). */
export const PAUSED_DEPLOYMENT_REASON = "can't restart paused deployment (run rollout resume first)";

export interface RestartPrecheck {
  /** Refused before any change, with kubectl's reason. */
  refused?: { workload: WorkloadId; reason: string };
  /** StatefulSets/DaemonSets with updateStrategy OnDelete: a restart updates the template but replaces no pod. */
  onDelete: WorkloadId[];
}

/** What the workloads' current objects say about restarting them, before any change (paused, OnDelete). */
export function restartPrecheck(
  objects: readonly { w: WorkloadId; o: { spec?: { paused?: boolean; updateStrategy?: { type?: string } } } | undefined }[],
): RestartPrecheck {
  const out: RestartPrecheck = { onDelete: [] };
  for (const { w, o } of objects) {
    if (w.kind === 'Deployment' && o?.spec?.paused) {
      out.refused ??= { workload: w, reason: `${w.kind} ${w.namespace}/${w.name}: ${PAUSED_DEPLOYMENT_REASON}` };
      continue;
    }
    if (w.kind !== 'Deployment' && o?.spec?.updateStrategy?.type === 'OnDelete') out.onDelete.push(w);
  }
  return out;
}

export type RolloutState = { done: true; message: string } | { done: false; failed: boolean; message: string; rejectedBy?: WebhookRejection };

/** New pods refused by an admission webhook that could not be called (its injector down), read from a FailedCreate message. */
export interface WebhookRejection {
  webhook: string;
  /** The webhook's Istio revision when its URL or Service names one (`/rev/<rev>/`, `istiod-<rev>`). */
  revision?: string;
  cause: string;
}

/**
 * Reads the API server's words for a pod create refused because a webhook call failed, e.g.
 * `Internal error occurred: failed calling webhook "rev.namespace.sidecar-injector.istio.io": failed to call webhook: Post "https://istiod-1-8-0.istio-system.svc:443/inject?timeout=10s": dial tcp 10.0.0.1:443: connect: connection refused`.
 * Undefined for any other failure (quota, a webhook that answered with a denial, …).
 */
export function webhookRejection(message: string | undefined): WebhookRejection | undefined {
  const m = /failed calling webhook "([^"]+)":\s*(.*)$/s.exec(message ?? '');
  if (!m) return undefined;
  const rest = m[2].replace(/^failed to call webhook:\s*/, '');
  const url = /(?:Post|POST) "([^"]+)"/.exec(rest)?.[1] ?? '';
  const revision = /\/rev\/([a-z0-9-]+)\//.exec(url)?.[1] ?? /\/\/istiod-([a-z0-9-]+?)\.[a-z0-9-]+\.svc\b/.exec(url)?.[1];
  const tail = rest.replace(/^(?:Post|POST) "[^"]+":\s*/, '').trim();
  const cause = /connection refused/.test(tail)
    ? 'connection refused'
    : /no endpoints available|service unavailable|unable to handle the request|503/i.test(tail)
      ? 'no istiod answers (service unavailable)'
      : /context deadline exceeded|timeout|Client.Timeout/i.test(tail)
        ? 'the call timed out'
        : tail.split('\n')[0].slice(0, 200);
  return { webhook: m[1], revision, cause };
}

/** `since`: the restart's time (RFC 3339); a ReplicaFailure that began before it belongs to an earlier rollout and is not read as this one's. */
export function rolloutStatus(kind: RestartableKind, o: RolloutObject, since?: string): RolloutState {
  const gen = o.metadata?.generation ?? 0;
  const st = o.status ?? {};
  if ((st.observedGeneration ?? 0) < gen) return { done: false, failed: false, message: 'waiting for the controller to observe the update' };
  if (kind === 'Deployment') {
    // The deployment controller copies its ReplicaSets' FailedCreate into ReplicaFailure: new pods are being refused.
    const failure = st.conditions?.find(
      (c) => c.type === 'ReplicaFailure' && c.status === 'True' && !(since && c.lastTransitionTime && Date.parse(c.lastTransitionTime) < Date.parse(since)),
    );
    const rejectedBy = webhookRejection(failure?.message);
    if (rejectedBy)
      return {
        done: false,
        failed: true,
        rejectedBy,
        message: `new pods are rejected: webhook ${rejectedBy.webhook}${rejectedBy.revision ? ` of revision ${rejectedBy.revision}` : ''} cannot be called (${rejectedBy.cause}) — its istiod is down`,
      };
    const prog = st.conditions?.find((c) => c.type === 'Progressing');
    if (prog?.reason === 'ProgressDeadlineExceeded')
      return { done: false, failed: true, message: `rollout exceeded its progress deadline: ${prog.message ?? ''}`.trim() };
    const want = o.spec?.replicas ?? 1;
    const updated = st.updatedReplicas ?? 0;
    if (updated < want) return { done: false, failed: false, message: `${updated} of ${want} new replicas updated` };
    if ((st.replicas ?? 0) > updated) return { done: false, failed: false, message: `${(st.replicas ?? 0) - updated} old replicas pending termination` };
    if ((st.availableReplicas ?? 0) < updated)
      return { done: false, failed: false, message: `${st.availableReplicas ?? 0} of ${updated} updated replicas available` };
    return { done: true, message: `${updated} replicas updated and available` };
  }
  if (kind === 'StatefulSet') {
    // kubectl: "rollout status is only available for RollingUpdate strategy type" — nothing rolls out by itself.
    if (o.spec?.updateStrategy?.type === 'OnDelete') return { done: false, failed: true, message: 'OnDelete strategy: no pod is replaced until it is deleted' };
    const want = o.spec?.replicas ?? 1;
    if ((st.readyReplicas ?? 0) < want) return { done: false, failed: false, message: `${st.readyReplicas ?? 0} of ${want} pods ready` };
    const partition = o.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    if (partition > 0) {
      if ((st.updatedReplicas ?? 0) < want - partition)
        return { done: false, failed: false, message: `${st.updatedReplicas ?? 0} of ${want - partition} pods updated (partition ${partition})` };
      return { done: true, message: `partitioned rollout: ${st.updatedReplicas ?? 0} pods updated` };
    }
    if (st.updateRevision && st.currentRevision !== st.updateRevision)
      return { done: false, failed: false, message: `${st.updatedReplicas ?? 0} of ${want} pods updated` };
    return { done: true, message: `${want} pods at revision ${st.currentRevision ?? '?'}` };
  }
  // DaemonSet
  if (o.spec?.updateStrategy?.type === 'OnDelete') return { done: false, failed: true, message: 'OnDelete strategy: no pod is replaced until it is deleted' };
  const want = st.desiredNumberScheduled ?? 0;
  if ((st.updatedNumberScheduled ?? 0) < want) return { done: false, failed: false, message: `${st.updatedNumberScheduled ?? 0} of ${want} pods updated` };
  if ((st.numberAvailable ?? 0) < want) return { done: false, failed: false, message: `${st.numberAvailable ?? 0} of ${want} updated pods available` };
  return { done: true, message: `${want} pods updated and available` };
}

// ---- OnDelete: delete pods in batches ---------------------------------------------

/** A pod of an OnDelete workload, and the slot its replacement fills (StatefulSet: same name; DaemonSet: same node). */
export interface OwnedPod {
  namespace: string;
  name: string;
  uid: string;
  node?: string;
}

/** Where a pod's replacement shows up: a StatefulSet recreates the same name, a DaemonSet a pod on the same node. */
export function replacementSlot(kind: RestartableKind, p: { name: string; node?: string }): string {
  return kind === 'DaemonSet' ? `node:${p.node ?? ''}` : `name:${p.name}`;
}

/**
 * What a user does for an OnDelete StatefulSet/DaemonSet instead of `rollout restart`:
 * delete its pods a batch at a time, each batch waiting until every replacement is Ready.
 * Deletes carry the pod's UID as a precondition, so a replacement is never deleted by mistake.
 */
export function planDeletePods(cluster: string, w: WorkloadId, pods: readonly OwnedPod[], batchSize: number): Plan {
  const size = Math.max(1, batchSize);
  const batches = Math.ceil(pods.length / size);
  return {
    title: `Replace the pods of ${w.kind} ${w.namespace}/${w.name} (updateStrategy OnDelete)`,
    summary: `Deletes ${pods.length} pod(s) in ${batches} batch(es) of up to ${size}; the ${w.kind} controller recreates each from the current template (with the current injection), and the next batch starts only when every replacement is Ready.`,
    cluster,
    requests: pods.map((p) => ({
      method: 'DELETE' as const,
      path: kindPath({ group: '', version: 'v1', plural: 'pods', namespaced: true }, p.namespace, p.name),
      body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: p.uid } },
      description: `delete pod ${p.namespace}/${p.name}${p.node && w.kind === 'DaemonSet' ? ` (node ${p.node})` : ''}`,
      permission: { verb: 'delete' as const, group: '', resource: 'pods', namespace: p.namespace, name: p.name },
      dryRunnable: true,
      ignoreNotFound: true,
    })),
    commands: pods.flatMap((p) => [
      ['kubectl', 'delete', 'pod', p.name, '-n', p.namespace].map(shellQuote).join(' '),
      w.kind === 'StatefulSet'
        ? ['kubectl', 'wait', '--for=condition=Ready', `pod/${p.name}`, '-n', p.namespace].map(shellQuote).join(' ')
        : `# wait until the ${w.name} pod on node ${p.node ?? '?'} is Ready again`,
    ]),
    warnings: [
      `${w.kind} ${w.namespace}/${w.name} has updateStrategy OnDelete: kubectl rollout restart updates its template but replaces no pod, so its proxies stay on the old revision until its pods are deleted.`,
    ],
  };
}

/**
 * Restarting where new pods cannot be created makes things worse: the old pods go, the new ones are
 * refused. One line per namespace of `workloads` whose target revision has no ready istiod, or none.
 */
export function restartRefusal(
  snap: { namespace(name: string): { warnings: { code: string; message: string }[] } | undefined },
  context: string,
  workloads: WorkloadId[],
): string | undefined {
  const down = [...new Set(workloads.map((w) => w.namespace))]
    .map((ns) => ({ ns, w: snap.namespace(ns)?.warnings.find((x) => x.code === 'injectorDown') }))
    .filter((x) => x.w);
  if (!down.length) return undefined;
  return `Cluster "${context}": not restarting — ${down.map((d) => `${d.ns}: ${d.w!.message}`).join(' ')} Nothing was changed.`;
}
