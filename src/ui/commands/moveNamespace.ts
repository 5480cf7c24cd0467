import * as vscode from 'vscode';
import { planRelabel, restartCandidates, targetLabels, type RelabelTarget } from '../../istio';
import { pickCluster, pickNamespaces, pickRevisionOrTag } from '../pick';
import { confirmPlan, executePlan } from '../planUi';
import type { CommandModule, Services } from './registry';
import { restartWorkloadsWithUi } from './restartNamespace';

/** Automation options (tests, other commands); the UI asks for whatever is missing. */
export interface MoveOptions {
  target?: string;
  assumeYes?: boolean;
  /** After the move: restart all workloads with proxies, only stale ones, or none (default: ask). */
  restart?: 'all' | 'stale' | 'no';
}

type NsNode = { context?: string; name?: string; type?: string };

function selectedNamespaces(node?: NsNode, nodes?: NsNode[]): { context?: string; names: string[] } {
  const all = (nodes && nodes.length ? nodes : node ? [node] : []).filter((n) => n.type === undefined || n.type === 'namespace');
  const context = all[0]?.context;
  return { context, names: [...new Set(all.filter((n) => n.context === context && n.name).map((n) => n.name as string))] };
}

export async function relabelWithUi(s: Services, target: RelabelTarget | undefined, node?: NsNode, nodes?: NsNode[], opts: MoveOptions = {}): Promise<void> {
  const sel = selectedNamespaces(node, nodes);
  const cluster = await pickCluster(s.clusters, sel.context);
  const snap = cluster.watcher.snapshot;
  const names = sel.names.length ? sel.names : await pickNamespaces(snap, vscode.l10n.t('Namespaces to move'));
  const t: RelabelTarget = target ?? {
    kind: 'rev',
    value: opts.target ?? (await pickRevisionOrTag(snap, vscode.l10n.t('Move {0} to which tag or revision?', names.join(', ')))),
  };
  const built = planRelabel(snap, cluster.context, names, t);
  if (!built.ok) throw new Error(built.message);
  const mode = await confirmPlan(built.plan, { action: vscode.l10n.t('Move'), assumeYes: opts.assumeYes });
  const result = await executePlan(cluster.watcher.client, built.plan, s.log, mode);
  if (!result.ok || mode === 'dryRun') {
    if (mode === 'dryRun' && result.ok)
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Dry run accepted by {0}: {1} namespace(s) would be relabelled. Nothing was changed.', cluster.context, built.plan.requests.length),
      );
    return;
  }
  // Offer the restart that makes running pods pick up the new revision — once the watch
  // has brought the new labels into the snapshot, so the candidates are computed on them.
  const want = targetLabels(t);
  const applied = () =>
    names.every((n) => {
      const l = snap.namespaceObject(n)?.metadata.labels ?? {};
      return Object.entries(want).every(([k, v]) => (v === null ? l[k] === undefined : l[k] === v));
    });
  for (const t0 = Date.now(); !applied() && Date.now() - t0 < 5000;) {
    cluster.watcher.flush();
    await new Promise((r) => setTimeout(r, 50));
  }
  const stale = names.flatMap((n) => restartCandidates(snap, n, false).workloads);
  if (stale.length === 0 || opts.restart === 'no') return;
  let choice: MoveOptions['restart'] = opts.restart;
  if (!choice) {
    const RESTART_NOW = vscode.l10n.t('Restart Now');
    const pick = await vscode.window.showInformationMessage(
      vscode.l10n.t('{0}: done. Running pods keep their old sidecar until restarted ({1} workload(s)).', built.plan.title, stale.length),
      RESTART_NOW,
      vscode.l10n.t('Later'),
    );
    choice = pick === RESTART_NOW ? 'all' : 'no';
  }
  if (choice === 'no') return;
  await restartWorkloadsWithUi(s, cluster.context, names, choice === 'stale', undefined, { assumeYes: opts.assumeYes });
}

export const moveNamespace: CommandModule = {
  id: 'istioRevisions.namespace.move',
  run: (s, node?: NsNode, nodes?: NsNode[], opts?: MoveOptions) => relabelWithUi(s, undefined, node, nodes, opts),
};

export const enableInjection: CommandModule = {
  id: 'istioRevisions.namespace.enableInjection',
  run: (s, node?: NsNode, nodes?: NsNode[], opts?: MoveOptions) => relabelWithUi(s, { kind: 'enableDefault' }, node, nodes, opts),
};

export const disableInjection: CommandModule = {
  id: 'istioRevisions.namespace.disableInjection',
  run: (s, node?: NsNode, nodes?: NsNode[], opts?: MoveOptions) => relabelWithUi(s, { kind: 'disable' }, node, nodes, opts),
};
