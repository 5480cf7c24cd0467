/**
 * Runs Plans against a cluster: permissions are checked with SelfSubjectAccessReviews
 * before the first request (a plan the user may not finish is refused whole), then
 * requests run in order with progress and cancel; `dryRun` sends them all with
 * `?dryRun=All` so the API server validates without persisting. Batched restarts
 * wait for each batch's rollouts to complete before starting the next.
 */
import { RESTARTED_AT_ANNOTATION } from '../istio/labels';
import { planPermissions, type Permission, type Plan, type PlannedRequest, type ToolStep } from '../istio/plan';
import {
  planDeletePods,
  replacementSlot,
  freshRestartStamp,
  restartPrecheck,
  restartTimestamp,
  rolloutStatus,
  type OwnedPod,
  type RestartableKind,
  type RolloutObject,
  type WebhookRejection,
  type WorkloadId,
  restartRequest,
  workloadKey,
  workloadPath,
} from '../istio/rollout';
import type { ClusterClient } from './client';
import { describeK8sError, type K8sError, type K8sResult } from './result';

export interface Denied {
  permission: Permission;
  reason: string;
}

export function describePermission(p: Permission): string {
  const res = p.group ? `${p.resource}.${p.group}` : p.resource;
  return `${p.verb} ${res}${p.name ? `/${p.name}` : ''}${p.namespace ? ` in namespace ${p.namespace}` : ''}`;
}

async function ssar(client: ClusterClient, p: Permission, signal?: AbortSignal): Promise<K8sResult<{ allowed: boolean; reason: string }>> {
  const r = await client.request<{ status?: { allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string } }>({
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    verb: 'create',
    resource: 'selfsubjectaccessreviews',
    signal,
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb: p.verb, group: p.group, resource: p.resource, namespace: p.namespace, name: p.name } },
    },
  });
  if (!r.ok) return r;
  const st = r.value?.status ?? {};
  return { ok: true, value: { allowed: !!st.allowed, reason: st.reason || st.evaluationError || '' } };
}

/**
 * Checks every permission. Named checks are first tried without the name (one review
 * per verb/resource/namespace); only a denial there is re-checked per name, since RBAC
 * can grant single objects.
 */
export async function checkPermissions(client: ClusterClient, perms: Permission[], signal?: AbortSignal): Promise<K8sResult<Denied[]>> {
  const groups = new Map<string, Permission[]>();
  for (const p of perms) {
    const k = `${p.verb}|${p.group}|${p.resource}|${p.namespace ?? ''}`;
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  const denied: Denied[] = [];
  const entries = [...groups.values()];
  const results = await mapLimit(entries, 8, async (ps) => {
    const broad = { ...ps[0], name: undefined };
    const r = await ssar(client, ps.length === 1 ? ps[0] : broad, signal);
    if (!r.ok) return r;
    if (r.value.allowed || ps.length === 1) return { ok: true as const, value: r.value.allowed ? [] : [{ permission: ps[0], reason: r.value.reason }] };
    const each = await mapLimit(ps, 8, async (p) => ({ p, r: await ssar(client, p, signal) }));
    const out: Denied[] = [];
    for (const { p, r: rr } of each) {
      if (!rr.ok) return rr;
      if (!rr.value.allowed) out.push({ permission: p, reason: rr.value.reason });
    }
    return { ok: true as const, value: out };
  });
  for (const r of results) {
    if (!r.ok) return r;
    denied.push(...r.value);
  }
  return { ok: true, value: denied };
}

export function describeDenied(cluster: string, denied: Denied[]): string {
  const list = denied
    .slice(0, 5)
    .map((d) => describePermission(d.permission))
    .join('; ');
  return `Cluster "${cluster}": you may not ${list}${denied.length > 5 ? ` (and ${denied.length - 5} more)` : ''}. Nothing was changed.`;
}

export interface PlanProgress {
  done: number;
  total: number;
  request: PlannedRequest;
}

export interface PlanRunResult {
  ok: boolean;
  dryRun: boolean;
  done: PlannedRequest[];
  failed?: { request: PlannedRequest; error: K8sError; message: string };
  notRun: PlannedRequest[];
  cancelled: boolean;
  /** Refused before any request because of RBAC. */
  denied?: Denied[];
  /** Responses of the done requests, in order. */
  responses: unknown[];
  /** Installer steps run, with their output. */
  toolsDone?: { step: ToolStep; output: string }[];
  /** The installer step that failed (the requests before it were done). */
  toolFailed?: { step: ToolStep; message: string };
  /** Installer steps a dry run could not simulate. */
  toolsSkipped?: ToolStep[];
}

export interface RunOptions {
  dryRun?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: PlanProgress) => void;
  /** Skip the SelfSubjectAccessReviews (the caller checked already). */
  skipPermissionCheck?: boolean;
  /** Test seam: runs between the re-read and the retry after a conflict. */
  beforeRetry?: () => Promise<void>;
  /** Runs a plan's installer steps (helm); a plan with tool steps fails without it. */
  runTool?: ToolRunner;
}

/** Runs one installer step; `dryRun` runs its dryRunArgs. */
export type ToolRunner = (
  step: ToolStep,
  dryRun: boolean,
  signal?: AbortSignal,
) => Promise<{ ok: true; output: string } | { ok: false; message: string; cancelled?: boolean }>;

function requestOf(r: PlannedRequest, dryRun: boolean, signal?: AbortSignal) {
  return {
    method: r.method,
    path: r.path,
    query: { ...(r.query ?? {}), ...(dryRun ? { dryRun: 'All' } : {}) },
    body: r.body,
    contentType: r.contentType,
    signal,
    verb: r.permission.verb,
    resource: r.permission.group ? `${r.permission.resource}.${r.permission.group}` : r.permission.resource,
    namespace: r.permission.namespace,
    name: r.permission.name,
  } as const;
}

/** Sends one planned request; a conflict re-reads once when the request allows it. */
export async function sendPlanned(
  client: ClusterClient,
  r: PlannedRequest,
  dryRun: boolean,
  signal?: AbortSignal,
  beforeRetry?: () => Promise<void>,
): Promise<K8sResult<unknown>> {
  let res = await client.request(requestOf(r, dryRun, signal));
  if (!res.ok && res.error.kind === 'notFound' && r.ignoreNotFound) return { ok: true, value: undefined };
  if (!res.ok && res.error.kind === 'conflict' && r.retryOnConflict) {
    const cur = await client.request<{ metadata?: { resourceVersion?: string; labels?: Record<string, string> } }>({
      ...requestOf(r, false, signal),
      method: 'GET',
      body: undefined,
      query: {},
      verb: 'get',
    });
    if (!cur.ok) return cur;
    const changed = Object.entries(r.expectLabels ?? {}).filter(([k, v]) => (cur.value?.metadata?.labels?.[k] ?? null) !== v);
    if (changed.length) {
      const what = changed.map(([k, v]) => `${k}: ${v ?? '(absent)'} → ${cur.value?.metadata?.labels?.[k] ?? '(absent)'}`).join(', ');
      return {
        ok: false,
        error: { ...res.error, cause: `its labels changed since the plan was made (${what}); nothing was overwritten — look again and re-run` },
      };
    }
    await beforeRetry?.();
    const body = structuredClone(r.body) as { metadata?: { resourceVersion?: string } };
    if (body?.metadata) body.metadata.resourceVersion = cur.value?.metadata?.resourceVersion;
    res = await client.request({ ...requestOf(r, dryRun, signal), body });
  }
  return res;
}

/** Runs a plan's requests in order, after checking permissions. */
export async function runPlan(client: ClusterClient, plan: Plan, opts: RunOptions = {}): Promise<PlanRunResult> {
  const dryRun = !!opts.dryRun;
  const result: PlanRunResult = { ok: false, dryRun, done: [], notRun: [...plan.requests], cancelled: false, responses: [] };
  if (!opts.skipPermissionCheck) {
    const perms = await checkPermissions(client, planPermissions(plan), opts.signal);
    if (!perms.ok) {
      result.failed = { request: plan.requests[0], error: perms.error, message: describeK8sError(perms.error) };
      return result;
    }
    if (perms.value.length > 0) {
      result.denied = perms.value;
      return result;
    }
  }
  for (const [i, r] of plan.requests.entries()) {
    if (opts.signal?.aborted) {
      result.cancelled = true;
      return result;
    }
    opts.onProgress?.({ done: i, total: plan.requests.length, request: r });
    const res = await sendPlanned(client, r, dryRun && r.dryRunnable, opts.signal, opts.beforeRetry);
    if (!res.ok) {
      if (res.error.kind === 'cancelled') {
        result.cancelled = true;
        return result;
      }
      result.failed = { request: r, error: res.error, message: describeK8sError(res.error) };
      return result;
    }
    result.done.push(r);
    result.responses.push(res.value);
    result.notRun.shift();
  }
  for (const t of plan.tools ?? []) {
    if (opts.signal?.aborted) {
      result.cancelled = true;
      return result;
    }
    if (dryRun && !t.dryRunArgs) {
      result.toolsSkipped = [...(result.toolsSkipped ?? []), t];
      continue;
    }
    if (!opts.runTool) {
      result.toolFailed = { step: t, message: `cannot run ${t.tool} here: ${t.description}` };
      return result;
    }
    const r = await opts.runTool(t, dryRun, opts.signal);
    if (!r.ok) {
      if (r.cancelled) {
        result.cancelled = true;
        return result;
      }
      result.toolFailed = { step: t, message: r.message };
      return result;
    }
    (result.toolsDone ??= []).push({ step: t, output: r.output });
  }
  result.ok = true;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Batched restarts

export interface RestartReport {
  /** The restartedAt stamp the patches carried (the next second when the requested one equals a workload's current stamp). */
  at: string;
  /** Restarted and rolled out. */
  completed: WorkloadId[];
  /** Restart sent; rollout not confirmed (the run stopped while it was in progress). */
  inProgress: WorkloadId[];
  /** Never touched. */
  notRestarted: WorkloadId[];
  /** Template updated (as kubectl does) but, with updateStrategy OnDelete, no pod replaced: their proxies stay until the pods are deleted. */
  onDelete?: WorkloadId[];
  failed?: { workload: WorkloadId; reason: string };
  /** Restarted, but their new pods are refused: a webhook of the target revision cannot be called (its istiod is down). Restart them again once it is back. */
  degraded?: { workload: WorkloadId; reason: string; rejectedBy: WebhookRejection }[];
  cancelled: boolean;
  denied?: Denied[];
  dryRun: boolean;
}

export interface RestartOptions {
  batchSize: number;
  signal?: AbortSignal;
  dryRun?: boolean;
  /** How long one rollout may take before it counts as failed. */
  rolloutTimeoutMs?: number;
  pollMs?: number;
  /** Patches sent at once within a batch. */
  concurrency?: number;
  at?: string;
  onProgress?: (e: {
    phase: 'restarting' | 'waiting' | 'done';
    batch: number;
    batches: number;
    workload?: WorkloadId;
    message?: string;
    completed: number;
    total: number;
  }) => void;
  skipPermissionCheck?: boolean;
  /** The revision a workload's new pods go to (the model's resolution), named in a webhook rejection whose message does not say it. */
  revisionOf?: (w: WorkloadId) => string | undefined;
}

export function describeRestartReport(r: RestartReport): string {
  const names = (ws: WorkloadId[]) => ws.map((w) => `${w.namespace}/${w.name}`).join(', ');
  const parts: string[] = [];
  if (r.denied) return `Refused before any change: ${r.denied.map((d) => describePermission(d.permission)).join('; ')}.`;
  if (r.dryRun) return `Dry run: the API server accepted all ${r.completed.length} restart(s); nothing was changed.`;
  parts.push(`${r.completed.length} restarted${r.completed.length ? ` (${names(r.completed)})` : ''}`);
  if (r.onDelete?.length)
    parts.push(
      `${r.onDelete.length} with updateStrategy OnDelete: template updated but no pod replaced — delete their pods to restart them (${names(r.onDelete)})`,
    );
  if (r.inProgress.length) parts.push(`${r.inProgress.length} restarted, rollout still in progress (${names(r.inProgress)})`);
  if (r.degraded?.length) {
    const revs = [...new Set(r.degraded.map((d) => d.rejectedBy.revision).filter(Boolean))];
    parts.push(
      `stopped before the next batch: ${r.degraded.length} degraded — their new pods are rejected by webhook ${r.degraded[0].rejectedBy.webhook}${revs.length ? ` of revision ${revs.join(', ')}` : ''} (${r.degraded[0].rejectedBy.cause}); its istiod is down (${names(r.degraded.map((d) => d.workload))}). When it is back, restart these and the rest again`,
    );
  } else if (r.failed) parts.push(`failed: ${r.failed.workload.namespace}/${r.failed.workload.name} — ${r.failed.reason}`);
  if (r.notRestarted.length) parts.push(`${r.notRestarted.length} not restarted (${names(r.notRestarted)})`);
  return (r.cancelled ? 'Cancelled. ' : '') + parts.join('; ') + '.';
}

/**
 * Restarts workloads in batches. A batch's patches are sent together; the next batch
 * starts only when every rollout of this one is complete. Cancelling stops after the
 * batch in flight has rolled out; a rollout that fails or times out stops the run.
 */
export async function runRestarts(client: ClusterClient, workloads: WorkloadId[], opts: RestartOptions): Promise<RestartReport> {
  let at = opts.at ?? restartTimestamp();
  const report: RestartReport = { at, completed: [], inProgress: [], notRestarted: [...workloads], cancelled: false, dryRun: !!opts.dryRun };
  if (!opts.skipPermissionCheck) {
    const perms = await checkPermissions(
      client,
      workloads.flatMap((w) => {
        const req = restartRequest(w, at);
        return [req.permission, { ...req.permission, verb: 'get' as const }];
      }),
      opts.signal,
    );
    if (!perms.ok) {
      report.failed = { workload: workloads[0], reason: describeK8sError(perms.error) };
      return report;
    }
    if (perms.value.length) {
      report.denied = perms.value;
      return report;
    }
  }
  // Before any change: read each workload (paused Deployments are refused as kubectl refuses them; OnDelete ones noted).
  const objects = await mapLimit(workloads, opts.concurrency ?? 16, async (w) => ({
    w,
    r: await client.request<any>({
      path: workloadPath(w),
      verb: 'get',
      resource: `${w.kind.toLowerCase()}s.apps`,
      namespace: w.namespace,
      name: w.name,
      signal: opts.signal,
    }),
  }));
  const pre = restartPrecheck(objects.map(({ w, r }) => ({ w, o: r.ok ? r.value : undefined })));
  if (pre.refused) {
    report.failed = pre.refused;
    return report;
  }
  const fresh = freshRestartStamp(
    at,
    objects.map(({ r }) => (r.ok ? (r.value as RolloutObject)?.spec?.template?.metadata?.annotations?.[RESTARTED_AT_ANNOTATION] : undefined)),
  );
  if (fresh.waitMs > 0) await new Promise((res) => setTimeout(res, fresh.waitMs));
  report.at = at = fresh.at;
  const onDelete = new Set(pre.onDelete.map(workloadKey));
  const size = Math.max(1, opts.batchSize);
  const batches = Math.ceil(workloads.length / size);
  for (let b = 0; b < batches; b++) {
    if (opts.signal?.aborted) {
      report.cancelled = true;
      return report;
    }
    const batch = workloads.slice(b * size, (b + 1) * size);
    const sent: { w: WorkloadId; generation: number }[] = [];
    // A batch's patches go out together (bounded concurrency) and are not cancelled midway.
    for (const w of batch)
      opts.onProgress?.({ phase: 'restarting', batch: b + 1, batches, workload: w, completed: report.completed.length, total: workloads.length });
    const results = await sendRestartPatches(client, batch, at, { dryRun: opts.dryRun, concurrency: opts.concurrency });
    let failure: { workload: WorkloadId; reason: string } | undefined;
    for (const { w, res } of results) {
      report.notRestarted = report.notRestarted.filter((x) => workloadKey(x) !== workloadKey(w));
      if (!res.ok) {
        const reason = res.error.kind === 'notFound' ? `${w.kind} ${w.namespace}/${w.name} no longer exists` : describeK8sError(res.error);
        failure ??= { workload: w, reason };
        continue;
      }
      if (onDelete.has(workloadKey(w))) {
        (report.onDelete ??= []).push(w);
        continue;
      }
      sent.push({ w, generation: (res.value as RolloutObject)?.metadata?.generation ?? 0 });
      report.inProgress.push(w);
    }
    if (failure) {
      report.failed = failure;
      return report;
    }
    if (opts.dryRun) {
      report.completed.push(...batch.filter((w) => !onDelete.has(workloadKey(w))));
      report.inProgress = [];
      continue;
    }
    // The batch's rollouts proceed in parallel; wait for all of them.
    const waits = await Promise.all(
      sent.map(async ({ w, generation }) => ({
        w,
        r: await waitForRollout(client, w, generation, { ...opts, at }, (message) =>
          opts.onProgress?.({ phase: 'waiting', batch: b + 1, batches, workload: w, message, completed: report.completed.length, total: workloads.length }),
        ),
      })),
    );
    for (const { w, r } of waits) {
      if (!r.ok) {
        if (r.rejectedBy) {
          const rejectedBy = { ...r.rejectedBy, revision: r.rejectedBy.revision ?? opts.revisionOf?.(w) };
          (report.degraded ??= []).push({ workload: w, reason: r.reason, rejectedBy });
          report.inProgress = report.inProgress.filter((x) => workloadKey(x) !== workloadKey(w));
        }
        report.failed ??= { workload: w, reason: r.reason };
        if (report.failed.workload === w) report.inProgress = report.inProgress.filter((x) => workloadKey(x) !== workloadKey(w));
        continue;
      }
      report.inProgress = report.inProgress.filter((x) => workloadKey(x) !== workloadKey(w));
      report.completed.push(w);
    }
    if (report.failed) return report;
    if (opts.signal?.aborted) {
      report.cancelled = true;
      return report;
    }
  }
  opts.onProgress?.({ phase: 'done', batch: batches, batches, completed: report.completed.length, total: workloads.length });
  return report;
}

/**
 * Sends the restart patches (what `kubectl rollout restart` does) with bounded
 * concurrency; each result says whether that workload's patch was accepted.
 */
export function sendRestartPatches(client: ClusterClient, workloads: WorkloadId[], at: string, opts: { dryRun?: boolean; concurrency?: number } = {}) {
  return mapLimit(workloads, opts.concurrency ?? 16, async (w) => ({ w, res: await sendPlanned(client, restartRequest(w, at), !!opts.dryRun) }));
}

async function waitForRollout(
  client: ClusterClient,
  w: WorkloadId,
  generation: number,
  opts: RestartOptions,
  progress: (m: string) => void,
): Promise<{ ok: true } | { ok: false; reason: string; rejectedBy?: WebhookRejection }> {
  const timeout = opts.rolloutTimeoutMs ?? 5 * 60_000;
  const poll = opts.pollMs ?? 250;
  const t0 = Date.now();
  let last = '';
  let unreachableSince: number | undefined;
  for (;;) {
    const r = await client.request<RolloutObject>({
      path: workloadPath(w),
      verb: 'get',
      resource: `${w.kind.toLowerCase()}s.apps`,
      namespace: w.namespace,
      name: w.name,
    });
    if (r.ok) {
      unreachableSince = undefined;
      const o = r.value;
      if ((o.metadata?.generation ?? 0) < generation) o.metadata = { ...o.metadata, generation };
      const st = rolloutStatus(w.kind as RestartableKind, o, opts.at);
      if (st.done) return { ok: true };
      if (st.failed) return { ok: false, reason: st.message, rejectedBy: st.rejectedBy };
      if (st.message !== last) {
        last = st.message;
        progress(st.message);
      }
    } else if (r.error.kind === 'notFound') {
      return { ok: false, reason: `${w.kind} ${w.namespace}/${w.name} was deleted during its rollout` };
    } else {
      // The API server may be restarting: keep waiting within the rollout timeout.
      unreachableSince ??= Date.now();
      last = describeK8sError(r.error);
      progress(`waiting for the API server: ${last}`);
    }
    if (Date.now() - t0 > timeout) {
      return { ok: false, reason: `rollout did not complete within ${Math.round(timeout / 1000)} s (${unreachableSince ? last : last || 'no progress'})` };
    }
    await new Promise((res) => setTimeout(res, poll));
  }
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

// ---------------------------------------------------------------------------------------------
// OnDelete workloads: delete pods in batches

interface PodObject {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    deletionTimestamp?: string;
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
  };
  spec?: { nodeName?: string };
  status?: { conditions?: { type: string; status: string }[] };
}

/** The pods the workload's controller owns, read live (selector from the workload, owner reference checked). */
export async function listOwnedPods(client: ClusterClient, w: WorkloadId, signal?: AbortSignal): Promise<K8sResult<PodObject[]>> {
  const o = await client.request<{ spec?: { selector?: { matchLabels?: Record<string, string> } } }>({
    path: workloadPath(w),
    verb: 'get',
    resource: `${w.kind.toLowerCase()}s.apps`,
    namespace: w.namespace,
    name: w.name,
    signal,
  });
  if (!o.ok) return o;
  const sel = Object.entries(o.value.spec?.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = await client.request<{ items: PodObject[] }>({
    path: `/api/v1/namespaces/${encodeURIComponent(w.namespace)}/pods`,
    query: sel ? { labelSelector: sel } : {},
    verb: 'list',
    resource: 'pods',
    namespace: w.namespace,
    signal,
  });
  if (!pods.ok) return pods;
  return { ok: true, value: pods.value.items.filter((p) => p.metadata.ownerReferences?.some((r) => r.controller && r.kind === w.kind && r.name === w.name)) };
}

/** The workload's pods as the delete-in-batches plan takes them (name, UID for the precondition, node). */
export async function ownedPodsToReplace(client: ClusterClient, w: WorkloadId, signal?: AbortSignal): Promise<K8sResult<OwnedPod[]>> {
  const live = await listOwnedPods(client, w, signal);
  if (!live.ok) return live;
  return { ok: true, value: live.value.map((p) => ({ namespace: p.metadata.namespace, name: p.metadata.name, uid: p.metadata.uid, node: p.spec?.nodeName })) };
}

const podReady = (p: PodObject) => !p.metadata.deletionTimestamp && !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

/**
 * Deletes an OnDelete workload's pods a batch at a time (UID precondition), waiting after each
 * batch until every deleted pod's slot (StatefulSet: same name; DaemonSet: same node) holds a new
 * pod that is Ready. Cancel stops before the next batch; a replacement not Ready in time stops the run.
 */
export async function runPodDeletes(
  client: ClusterClient,
  w: WorkloadId,
  pods: readonly OwnedPod[],
  opts: { batchSize: number; signal?: AbortSignal; dryRun?: boolean; rolloutTimeoutMs?: number; pollMs?: number; onProgress?: (m: string) => void },
): Promise<{ ok: boolean; replaced: string[]; message: string }> {
  const plan = planDeletePods(client.context, w, pods, opts.batchSize);
  const size = Math.max(1, opts.batchSize);
  const replaced: string[] = [];
  const timeout = opts.rolloutTimeoutMs ?? 5 * 60_000;
  const perms = await checkPermissions(
    client,
    [...plan.requests.map((r) => r.permission), { verb: 'list', group: '', resource: 'pods', namespace: w.namespace }],
    opts.signal,
  );
  if (!perms.ok) return { ok: false, replaced, message: describeK8sError(perms.error) };
  if (perms.value.length) return { ok: false, replaced, message: describeDenied(client.context, perms.value) };
  for (let b = 0; b * size < pods.length; b++) {
    if (opts.signal?.aborted)
      return { ok: false, replaced, message: `Cancelled: ${replaced.length} of ${pods.length} pod(s) of ${w.namespace}/${w.name} replaced.` };
    const batch = pods.slice(b * size, (b + 1) * size);
    const reqs = plan.requests.slice(b * size, (b + 1) * size);
    for (const r of reqs) {
      const res = await sendPlanned(client, r, !!opts.dryRun);
      if (!res.ok) return { ok: false, replaced, message: `${r.description} failed: ${describeK8sError(res.error)}` };
    }
    if (opts.dryRun) {
      replaced.push(...batch.map((p) => p.name));
      continue;
    }
    opts.onProgress?.(`batch ${b + 1}: deleted ${batch.map((p) => p.name).join(', ')}; waiting for the replacements to be Ready`);
    const old = new Set(batch.map((p) => p.uid));
    const slots = new Set(batch.map((p) => replacementSlot(w.kind, p)));
    const t0 = Date.now();
    for (;;) {
      const cur = await listOwnedPods(client, w, opts.signal);
      if (cur.ok) {
        const filled = new Set(
          cur.value
            .filter((p) => !old.has(p.metadata.uid) && podReady(p))
            .map((p) => replacementSlot(w.kind, { name: p.metadata.name, node: p.spec?.nodeName })),
        );
        if ([...slots].every((s) => filled.has(s))) break;
      } else if (cur.error.kind === 'cancelled') {
        return { ok: false, replaced, message: `Cancelled while waiting for the replacements of ${batch.map((p) => p.name).join(', ')}.` };
      }
      if (Date.now() - t0 > timeout)
        return {
          ok: false,
          replaced,
          message: `the replacements of ${batch.map((p) => `${w.namespace}/${p.name}`).join(', ')} were not Ready within ${Math.round(timeout / 1000)} s; stopped before the next batch`,
        };
      await new Promise((res) => setTimeout(res, opts.pollMs ?? 250));
    }
    replaced.push(...batch.map((p) => p.name));
  }
  return {
    ok: true,
    replaced,
    message: `${replaced.length} pod(s) of ${w.kind} ${w.namespace}/${w.name} replaced${opts.dryRun ? ' (dry run: nothing was deleted)' : ''}.`,
  };
}
