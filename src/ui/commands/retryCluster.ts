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
        { title: 'Retry which cluster?' },
      );
      if (!pick) return;
      context = pick;
    }
    await vscode.window.withProgress({ location: { viewId: 'istioRevisions.clusters' }, title: `Connecting to ${context}` }, () => s.clusters.retry(context!));
    s.tree.refreshAll();
  },
};
