/**
 * Asks the cluster what a restart would give each workload now: GET the workload, then a
 * server-side dry-run create of its pod template (webhooks run; nothing is stored), set
 * against the model's prediction (src/istio/verify.ts). Permissions are checked first: a
 * dry-run create needs `create pods` in the namespace; without it the caller is told and
 * the prediction stands.
 */
import {
  compareAnswer,
  dryRunPodBody,
  predictTemplate,
  readInjectionAnswer,
  templateOfRunningPods,
  type ClusterSnapshot,
  type Permission,
  type Pod,
  type Verification,
  type VerifyTarget,
} from '../istio';
import type { ClusterClient } from './client';
import { checkPermissions, describeDenied, type Denied } from './executor';
import { RESOURCES, resourcePath } from './resources';
import { describeK8sError, fail, ok, type K8sResult } from './result';

const RES = { Deployment: RESOURCES.deployments, StatefulSet: RESOURCES.statefulsets, DaemonSet: RESOURCES.daemonsets } as const;

export interface VerifyResult {
  verifications: Verification[];
  /** Set when the user may not dry-run pods (or read the workloads): nothing was asked, predictions only. */
  denied?: { message: string; permissions: Denied[] };
}

export function verifyPermissions(targets: readonly VerifyTarget[]): Permission[] {
  const out: Permission[] = [];
  for (const t of targets) {
    out.push({ verb: 'create', group: '', resource: 'pods', namespace: t.namespace });
    out.push({ verb: 'get', group: 'apps', resource: RES[t.kind].plural, namespace: t.namespace, name: t.name });
  }
  return out;
}

export async function verifyInjection(
  client: ClusterClient,
  snap: ClusterSnapshot,
  targets: readonly VerifyTarget[],
  opts: { signal?: AbortSignal; concurrency?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<K8sResult<VerifyResult>> {
  const at = new Date().toISOString();
  const perms = await checkPermissions(client, verifyPermissions(targets), opts.signal);
  if (!perms.ok) return fail(perms.error);
  if (perms.value.length) {
    return ok({
      verifications: targets.map((t) => ({ target: t, predicted: predictTemplate(snap, t, templateOfRunningPods(snap, t)), error: 'not permitted', at })),
      denied: {
        message: `${describeDenied(client.context, perms.value).replace(/ Nothing was changed\.$/, '')} — a dry-run create of a pod needs create on pods; the prediction is shown instead.`,
        permissions: perms.value,
      },
    });
  }
  const out: Verification[] = new Array(targets.length);
  let next = 0;
  let done = 0;
  let failure: K8sResult<VerifyResult> | undefined;
  const worker = async () => {
    while (next < targets.length && !failure) {
      const i = next++;
      const t = targets[i];
      if (opts.signal?.aborted) {
        failure = fail({ kind: 'cancelled', cause: 'cancelled', verb: 'create', resource: 'pods', namespace: t.namespace, cluster: client.context });
        return;
      }
      out[i] = await verifyOne(client, snap, t, at, opts.signal);
      opts.onProgress?.(++done, targets.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 4, targets.length) }, worker));
  if (failure) return failure;
  return ok({ verifications: out });
}

async function verifyOne(client: ClusterClient, snap: ClusterSnapshot, t: VerifyTarget, at: string, signal?: AbortSignal): Promise<Verification> {
  const r = RES[t.kind];
  const got = await client.request<any>({
    method: 'GET',
    path: resourcePath(r, { namespace: t.namespace, name: t.name }),
    verb: 'get',
    resource: r.plural,
    namespace: t.namespace,
    name: t.name,
    signal,
  });
  if (!got.ok) return { target: t, predicted: predictTemplate(snap, t, undefined), error: describeK8sError(got.error), at };
  const template = got.value?.spec?.template;
  const predicted = predictTemplate(snap, t, template);
  let body: unknown;
  try {
    body = dryRunPodBody(t, template);
  } catch (e) {
    return { target: t, predicted, error: (e as Error).message, at };
  }
  const dry = await client.request<Pod>({
    method: 'POST',
    path: resourcePath(RESOURCES.pods, { namespace: t.namespace }),
    query: { dryRun: 'All' },
    body,
    verb: 'create',
    resource: 'pods',
    namespace: t.namespace,
    signal,
  });
  if (!dry.ok)
    return { target: t, predicted, error: `the dry-run create of a pod of ${t.kind} ${t.namespace}/${t.name} failed: ${describeK8sError(dry.error)}`, at };
  return compareAnswer({ target: t, predicted, cluster: readInjectionAnswer(dry.value), at });
}
