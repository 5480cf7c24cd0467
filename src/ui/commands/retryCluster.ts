import * as vscode from 'vscode';
import type { CommandModule } from './registry';

/** Retries an unreachable cluster (from its error node), or asks which one. */
export const retryCluster: CommandModule = {
  id: 'istioRevisions.cluster.retry',
  async run(s, node?: { context?: string }) {
    let context = node?.context;
    if (!context) {
      const pick = await vscode.window.showQuickPick(
        s.clusters.list().map((e) => e.context),
        { title: vscode.l10n.t('Retry which cluster?') },
      );
      if (!pick) return;
      context = pick;
    }
    await vscode.window.withProgress({ location: { viewId: 'istioRevisions.clusters' }, title: vscode.l10n.t('Connecting to {0}', context) }, () =>
      s.clusters.retry(context!),
    );
    s.tree.refreshAll();
  },
};

/** Stops waiting for a cluster that is still connecting (a credential plugin waiting for a login); it then shows an error with Retry. */
export const cancelConnect: CommandModule = {
  id: 'istioRevisions.cluster.cancel',
  run(s, node?: { context?: string }) {
    const connecting = s.clusters.list().filter((e) => e.watcher?.phase.phase === 'connecting');
    const e = node?.context ? s.clusters.get(node.context) : connecting.length === 1 ? connecting[0] : undefined;
    if (!e?.watcher?.cancelConnect()) {
      void vscode.window.showInformationMessage(e ? vscode.l10n.t('{0} is not connecting.', e.context) : vscode.l10n.t('No cluster is waiting to connect.'));
      return false;
    }
    s.log.info(`${e.context}: connecting cancelled by the user`);
    s.tree.refreshAll();
    return true;
  },
};
