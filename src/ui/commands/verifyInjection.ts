/**
 * Verify Injection with the Cluster (workload, namespace or cluster): a server-side dry-run
 * create of each workload's pod template returns what a restart would get now (revision,
 * proxy image, native sidecar or not), set against the prediction. The tree marks workloads
 * where they differ; "Restart only stale" then uses the cluster's answer for them.
 */
import * as vscode from 'vscode';
import { describeVerification, inMesh, isRestartable, verifyTargets, type VerifyTarget } from '../../istio';
import { describeK8sError, verifyInjection, type VerifyResult } from '../../k8s';
import { pickCluster, pickNamespaces } from '../pick';
import { CancelledError, type CommandModule, type Services } from './registry';

type VerifyNode = { type?: string; context?: string; namespace?: string; name?: string; kind?: string };

export async function verifyWithUi(s: Services, context: string | undefined, namespaces: string[] | undefined, given?: VerifyTarget[]): Promise<VerifyResult> {
  const cluster = await pickCluster(s.clusters, context);
  const snap = cluster.watcher.snapshot;
  const nss =
    namespaces ??
    snap
      .namespaces()
      .filter(inMesh)
      .map((n) => n.name);
  const targets = given ?? verifyTargets(snap, nss);
  if (targets.length === 0) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('No Deployments, StatefulSets or DaemonSets with pods in {0} on {1}.', nss.join(', ') || vscode.l10n.t('the mesh'), cluster.context),
    );
    return { verifications: [] };
  }
  const res = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Asking {0} what a restart would inject', cluster.context), cancellable: true },
    (progress, token) => {
      const ac = new AbortController();
      token.onCancellationRequested(() => ac.abort());
      return verifyInjection(cluster.watcher.client, snap, targets, {
        signal: ac.signal,
        onProgress: (done, total) => progress.report({ increment: 100 / total, message: vscode.l10n.t('{0}/{1} workloads', done, total) }),
      });
    },
  );
  if (!res.ok) {
    if (res.error.kind === 'cancelled') throw new CancelledError();
    throw new Error(describeK8sError(res.error));
  }
  const r = res.value;
  s.tree.setVerifications(cluster.context, r.verifications);
  for (const v of r.verifications) s.log.info(`verify ${cluster.context} ${v.target.kind} ${v.target.namespace}/${v.target.name}: ${describeVerification(v)}`);
  if (r.denied) {
    void vscode.window.showWarningMessage(r.denied.message);
    return r;
  }
  const differ = r.verifications.filter((v) => v.agrees === false);
  const failed = r.verifications.filter((v) => !v.cluster);
  const parts = [vscode.l10n.t('{0} as predicted', r.verifications.length - differ.length - failed.length)];
  if (differ.length)
    parts.push(
      vscode.l10n.t(
        '{0} differ ({1})',
        differ.length,
        differ
          .slice(0, 3)
          .map((v) => `${v.target.namespace}/${v.target.name}: ${v.difference}`)
          .join('; ') + (differ.length > 3 ? '; …' : ''),
      ),
    );
  if (failed.length)
    parts.push(
      vscode.l10n.t(
        '{0} could not be asked ({1})',
        failed.length,
        failed
          .slice(0, 2)
          .map((v) => v.error)
          .join('; '),
      ),
    );
  const text = vscode.l10n.t('Verify injection on {0}: {1}.', cluster.context, parts.join(', '));
  if (differ.length || failed.length)
    void vscode.window.showWarningMessage(text, vscode.l10n.t('Show Log')).then((a) => {
      if (a) s.log.show();
    });
  else void vscode.window.showInformationMessage(text);
  return r;
}

export const verifyInjectionCmd: CommandModule = {
  id: 'istioRevisions.injection.verify',
  async run(s, node?: VerifyNode, nodes?: VerifyNode[]) {
    const sel = nodes && nodes.length ? nodes : node ? [node] : [];
    const context = sel[0]?.context;
    const workloads = sel.filter((n) => n.type === 'workload' && n.namespace && n.name && isRestartable(n.kind));
    if (workloads.length) {
      return verifyWithUi(
        s,
        context,
        undefined,
        workloads.map((n) => ({ kind: n.kind as VerifyTarget['kind'], namespace: n.namespace!, name: n.name! })),
      );
    }
    const nsNodes = sel.filter((n) => n.type === 'namespace' && n.name);
    if (nsNodes.length)
      return verifyWithUi(
        s,
        context,
        nsNodes.map((n) => n.name!),
      );
    if (sel[0]?.type === 'cluster') return verifyWithUi(s, context, undefined);
    const cluster = await pickCluster(s.clusters, context);
    const names = await pickNamespaces(cluster.watcher.snapshot, vscode.l10n.t('Verify injection of the workloads in which namespaces?'));
    return verifyWithUi(s, cluster.context, names);
  },
};
