/**
 * What a stopped restart left behind, per cluster: workloads whose new pods the API server refused
 * (their revision's injector down) and the ones the run never reached. The tree and the proxy-status
 * page mark the first; "Resume Restart" restarts both once the injector is back.
 *
 * A mark clears by itself when every pod of the workload comes from the restarted template (its
 * `kubectl.kubernetes.io/restartedAt` at or after the restart's) and is ready: the ReplicaSet controller
 * keeps retrying, so a rollout can finish on its own once istiod answers again. A later restart that
 * completes it clears it too.
 */
import { workloadKey, type WebhookRejection, type WorkloadId } from './rollout';
import type { ProxyInfo } from './proxies';

export interface DegradedMark {
  workload: WorkloadId;
  /** The revision whose webhook refused the pods. */
  revision?: string;
  webhook: string;
  cause: string;
  /** The restart's time (RFC 3339), as written into the pod template's restartedAt. */
  at: string;
}

/** The part of a restart's report the ledger reads (the executor's RestartReport fits). */
export interface RestartOutcome {
  completed: readonly WorkloadId[];
  notRestarted: readonly WorkloadId[];
  degraded?: readonly { workload: WorkloadId; rejectedBy: WebhookRejection }[];
  dryRun: boolean;
}

interface Entry {
  degraded: Map<string, DegradedMark>;
  /** Never reached because the run stopped at a degraded batch. */
  notReached: Map<string, WorkloadId>;
}

/** One sentence for a mark, for tooltips and the page. */
export function describeDegraded(m: DegradedMark): string {
  return `New pods are rejected by webhook ${m.webhook}${m.revision ? ` of revision ${m.revision}` : ''} (${m.cause}): its istiod is down. The old pods still serve; restart this workload again once it is back.`;
}

/** Healed: at least one pod, and every one created from the template restarted at `at` (or later) and ready. */
export function healedAfterRejection(pods: readonly Pick<ProxyInfo, 'restartedAt' | 'ready'>[], at: string): boolean {
  const since = Date.parse(at);
  return pods.length > 0 && pods.every((p) => p.ready && p.restartedAt !== undefined && Date.parse(p.restartedAt) >= since);
}

export class RestartLedger {
  private readonly byContext = new Map<string, Entry>();

  /** Records a finished run. Returns the keys whose mark changed (set or cleared). */
  record(context: string, r: RestartOutcome, at: string): string[] {
    if (r.dryRun) return [];
    const changed: string[] = [];
    let e = this.byContext.get(context);
    for (const w of r.completed) {
      const k = workloadKey(w);
      if (e?.degraded.delete(k)) changed.push(k);
      e?.notReached.delete(k);
    }
    if (r.degraded?.length) {
      e ??= { degraded: new Map(), notReached: new Map() };
      this.byContext.set(context, e);
      for (const d of r.degraded) {
        const k = workloadKey(d.workload);
        e.degraded.set(k, { workload: d.workload, revision: d.rejectedBy.revision, webhook: d.rejectedBy.webhook, cause: d.rejectedBy.cause, at });
        e.notReached.delete(k);
        changed.push(k);
      }
      for (const w of r.notRestarted) e.notReached.set(workloadKey(w), w);
    }
    if (e && e.degraded.size === 0 && e.notReached.size === 0) this.byContext.delete(context);
    return changed;
  }

  degraded(context: string, key: string): DegradedMark | undefined {
    return this.byContext.get(context)?.degraded.get(key);
  }

  degradedCount(context: string): number {
    return this.byContext.get(context)?.degraded.size ?? 0;
  }

  /** What a resume restarts: the degraded workloads first, then those never reached, in the run's order. */
  left(context: string): WorkloadId[] {
    const e = this.byContext.get(context);
    return e ? [...[...e.degraded.values()].map((m) => m.workload), ...e.notReached.values()] : [];
  }

  /** Drops marks whose workloads have healed; `podsOf(workload)` gives its pods as the model sees them now. Returns the keys cleared. */
  heal(context: string, podsOf: (w: WorkloadId) => readonly Pick<ProxyInfo, 'restartedAt' | 'ready'>[]): string[] {
    const e = this.byContext.get(context);
    if (!e) return [];
    const cleared: string[] = [];
    for (const [k, m] of e.degraded)
      if (healedAfterRejection(podsOf(m.workload), m.at)) {
        e.degraded.delete(k);
        cleared.push(k);
      }
    if (e.degraded.size === 0 && e.notReached.size === 0) this.byContext.delete(context);
    return cleared;
  }

  forget(context: string): void {
    this.byContext.delete(context);
  }
}
