import * as vscode from 'vscode';
import {
  clusterWouldChange,
  isRestartable,
  restartRefusal,
  planDeletePods,
  planRestart,
  restartTimestamp,
  restartCandidates,
  workloadKey,
  type WorkloadId,
} from '../../istio';
import {
  checkPermissions,
  describeDenied,
  describeK8sError,
  describeRestartReport,
  ownedPodsToReplace,
  runPodDeletes,
  runRestarts,
  type ClusterClient,
  type RestartReport,
} from '../../k8s';
import { pickCluster, pickNamespaces } from '../pick';
import { confirmPlan } from '../planUi';
import { readSettings } from '../settings';
import { ActionableError, CancelledError, type CommandModule, type Services } from './registry';

export interface RestartOptions {
  onlyStale?: boolean;
  assumeYes?: boolean;
  batchSize?: number;
  rolloutTimeoutMs?: number;
  /** OnDelete workloads after the restart: report them, or delete their pods in batches (default: ask). */
  onDelete?: 'report' | 'delete-pods';
}

/** Restarts workloads (given, or those of `namespaces`) in batches with progress and cancel. */
export async function restartWorkloadsWithUi(
  s: Services,
  context: string | undefined,
  namespaces: string[],
  onlyStale: boolean | undefined,
  given: WorkloadId[] | undefined,
  opts: RestartOptions = {},
): Promise<RestartReport> {
  const cluster = await pickCluster(s.clusters, context);
  const snap = cluster.watcher.snapshot;
  let workloads = given ?? [];
  const notes: string[] = [];
  if (!given) {
    let stale = opts.onlyStale ?? onlyStale;
    if (stale === undefined) {
      const staleCount = namespaces.reduce((a, n) => a + (snap.namespace(n)?.stats.stale ?? 0), 0);
      const p = await vscode.window.showQuickPick(
        [
          {
            label: vscode.l10n.t('Only workloads with stale proxies'),
            description: staleCount === 1 ? vscode.l10n.t('{0} stale proxy', staleCount) : vscode.l10n.t('{0} stale proxies', staleCount),
            value: true,
          },
          { label: vscode.l10n.t('All workloads with proxies (or that should get one)'), value: false },
        ],
        { title: vscode.l10n.t('Restart workloads in {0}', namespaces.join(', ')) },
      );
      if (!p) throw new CancelledError();
      stale = p.value;
    }
    const seen = new Map<string, WorkloadId>();
    // Where "Verify Injection with the Cluster" asked, the cluster's answer decides what is stale.
    const clusterSays = (key: string) => {
      const v = s.tree.verification(cluster.context, key);
      if (!v?.cluster) return undefined;
      const [ns, kind, name] = key.split('/');
      return clusterWouldChange(
        v,
        snap.proxies(ns).filter((p) => p.workload.kind === kind && p.workload.name === name),
      );
    };
    for (const ns of namespaces) {
      const c = restartCandidates(snap, ns, stale, clusterSays);
      for (const w of c.workloads) seen.set(workloadKey(w), w);
      if (c.skipped.length) notes.push(vscode.l10n.t('Not restartable here (restart them by hand): {0}.', c.skipped.join(', ')));
    }
    workloads = [...seen.values()];
  }
  if (workloads.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Nothing to restart in {0}.', namespaces.join(', ')));
    return { at: restartTimestamp(), completed: [], inProgress: [], notRestarted: [], cancelled: false, dryRun: false };
  }
  // New pods would be refused (the target revision's istiod is down): refuse before any change.
  const refusal = restartRefusal(snap, cluster.context, workloads);
  if (refusal) throw new Error(refusal);
  const batchSize = opts.batchSize ?? readSettings().restartBatchSize;
  const at = restartTimestamp();
  const plan = planRestart(cluster.context, workloads, at, batchSize, notes);
  const mode = await confirmPlan(plan, { action: vscode.l10n.t('Restart'), assumeYes: opts.assumeYes });
  const client = cluster.watcher.client;
  const perms = await checkPermissions(
    client,
    plan.requests.flatMap((r) => [r.permission, { ...r.permission, verb: 'get' as const }]),
  );
  if (!perms.ok) throw new Error(describeK8sError(perms.error));
  if (perms.value.length) throw new Error(describeDenied(cluster.context, perms.value));
  const report = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: mode === 'dryRun' ? vscode.l10n.t('Dry run: {0}', plan.title) : plan.title, cancellable: true },
    (progress, token) => {
      const ac = new AbortController();
      token.onCancellationRequested(() => {
        ac.abort();
        progress.report({ message: vscode.l10n.t('cancelling after the batch in flight…') });
      });
      let reported = 0;
      return runRestarts(client, workloads, {
        batchSize,
        at,
        signal: ac.signal,
        dryRun: mode === 'dryRun',
        skipPermissionCheck: true,
        rolloutTimeoutMs: opts.rolloutTimeoutMs,
        revisionOf: (w) => snap.namespace(w.namespace)?.resolvedRevision,
        onProgress: (e) => {
          const inc = ((e.completed - reported) * 100) / e.total;
          reported = e.completed;
          progress.report({
            increment: inc,
            message:
              vscode.l10n.t('batch {0}/{1} · {2}/{3} done', e.batch, e.batches, e.completed, e.total) +
              (e.workload ? ` · ${e.workload.name}: ${e.message ?? e.phase}` : ''),
          });
        },
      });
    },
  );
  const text = describeRestartReport(report);
  s.log.info(`${plan.title} on ${cluster.context}: ${text}`);
  s.tree.recordRestart(cluster.context, report, report.at);
  if (report.degraded?.length)
    throw new ActionableError(vscode.l10n.t('{0} on {1} stopped: {2}', plan.title, cluster.context, text), {
      title: vscode.l10n.t('Resume Restart'),
      command: resumeRestart.id,
      args: [{ type: 'cluster', context: cluster.context }],
    });
  if (report.failed || report.denied) throw new Error(vscode.l10n.t('{0} on {1} stopped: {2}', plan.title, cluster.context, text));
  if (report.onDelete?.length && !report.dryRun && !report.cancelled) {
    // kubectl has no answer for OnDelete workloads; what a user does is delete their pods in batches.
    const DELETE_PODS = vscode.l10n.t('Delete Pods in Batches…');
    const offer =
      opts.onDelete ??
      (opts.assumeYes
        ? 'report'
        : await vscode.window.showWarningMessage(text, DELETE_PODS, vscode.l10n.t('Later')).then((a) => (a === DELETE_PODS ? 'delete-pods' : 'report')));
    if (offer === 'delete-pods') await deletePodsWithUi(s, cluster.context, client, report.onDelete, batchSize, opts);
  } else if (report.cancelled) void vscode.window.showWarningMessage(text);
  else void vscode.window.showInformationMessage(text);
  return report;
}

/** OnDelete StatefulSets/DaemonSets: their pods deleted a batch at a time, each waiting for its replacements (a plan, previewable and cancellable). */
async function deletePodsWithUi(
  s: Services,
  context: string,
  client: ClusterClient,
  workloads: WorkloadId[],
  batchSize: number,
  opts: RestartOptions,
): Promise<void> {
  for (const w of workloads) {
    const live = await ownedPodsToReplace(client, w);
    if (!live.ok) throw new Error(describeK8sError(live.error));
    const pods = live.value;
    if (pods.length === 0) continue;
    const plan = planDeletePods(context, w, pods, batchSize);
    const mode = await confirmPlan(plan, { action: vscode.l10n.t('Delete Pods'), assumeYes: opts.assumeYes });
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: mode === 'dryRun' ? vscode.l10n.t('Dry run: {0}', plan.title) : plan.title, cancellable: true },
      (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => {
          ac.abort();
          progress.report({ message: vscode.l10n.t('stopping after the batch in flight…') });
        });
        return runPodDeletes(client, w, pods, {
          batchSize,
          signal: ac.signal,
          dryRun: mode === 'dryRun',
          rolloutTimeoutMs: opts.rolloutTimeoutMs,
          onProgress: (m) => progress.report({ message: m }),
        });
      },
    );
    s.log.info(`${plan.title} on ${context}: ${r.message}`);
    if (!r.ok) throw new Error(vscode.l10n.t('{0} on {1} stopped: {2}', plan.title, context, r.message));
    void vscode.window.showInformationMessage(r.message);
  }
}

type NsNode = { context?: string; name?: string; type?: string };

export const restartNamespace: CommandModule = {
  id: 'istioRevisions.namespace.restart',
  async run(s, node?: NsNode, nodes?: NsNode[], opts?: RestartOptions) {
    const sel = (nodes && nodes.length ? nodes : node ? [node] : []).filter((n) => n.name && (n.type === undefined || n.type === 'namespace'));
    let context = sel[0]?.context;
    let names = sel.filter((n) => n.context === context).map((n) => n.name as string);
    if (names.length === 0) {
      const cluster = await pickCluster(s.clusters, context);
      context = cluster.context;
      names = await pickNamespaces(cluster.watcher.snapshot, vscode.l10n.t('Restart the workloads of which namespaces?'));
    }
    return restartWorkloadsWithUi(s, context, names, undefined, undefined, opts);
  },
};

type WorkloadNode = { context?: string; namespace?: string; kind?: string; name?: string };

export const restartWorkload: CommandModule = {
  id: 'istioRevisions.workload.restart',
  async run(s, node?: WorkloadNode, nodes?: WorkloadNode[], opts?: RestartOptions) {
    const sel = (nodes && nodes.length ? nodes : node ? [node] : []).filter((n) => n.namespace && n.name && n.kind);
    if (sel.length === 0) throw new Error(vscode.l10n.t('Choose a workload in the Istio Revisions view (Namespaces → namespace → workload).'));
    const bad = sel.find((n) => !isRestartable(n.kind));
    if (bad)
      throw new Error(
        vscode.l10n.t(
          '{0} {1} cannot be restarted this way: only Deployments, StatefulSets and DaemonSets roll out.',
          String(bad.kind),
          `${bad.namespace}/${bad.name}`,
        ),
      );
    const ws = sel.map((n) => ({ kind: n.kind as WorkloadId['kind'], namespace: n.namespace!, name: n.name! }));
    return restartWorkloadsWithUi(s, sel[0].context, [...new Set(ws.map((w) => w.namespace))], undefined, ws, opts);
  },
};

/** Restarts what a stopped restart left on a cluster (its degraded workloads, then those never reached), once their istiod is back. */
export const resumeRestart: CommandModule = {
  id: 'istioRevisions.restart.resume',
  async run(s, node?: { context?: string }, _nodes?: unknown, opts?: RestartOptions) {
    const withWork = s.clusters.list().filter((c) => s.tree.restarts.left(c.context).length > 0);
    let context = node?.context ?? (withWork.length === 1 ? withWork[0].context : undefined);
    if (!context && withWork.length > 1) {
      const p = await vscode.window.showQuickPick(
        withWork.map((c) => ({ label: c.context, description: vscode.l10n.t('{0} left', s.tree.restarts.left(c.context).length) })),
        { title: vscode.l10n.t('Resume the stopped restart on which cluster?') },
      );
      if (!p) throw new CancelledError();
      context = p.label;
    }
    const left = context ? s.tree.restarts.left(context) : [];
    if (!context || left.length === 0) {
      void vscode.window.showInformationMessage(
        context ? vscode.l10n.t('No stopped restart to resume on {0}.', context) : vscode.l10n.t('No stopped restart to resume.'),
      );
      return undefined;
    }
    return restartWorkloadsWithUi(s, context, [...new Set(left.map((w) => w.namespace))], undefined, left, opts);
  },
};
