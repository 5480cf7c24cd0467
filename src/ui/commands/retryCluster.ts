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
