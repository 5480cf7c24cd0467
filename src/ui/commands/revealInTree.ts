import * as vscode from 'vscode';
import type { CommandModule } from './registry';

/** Reveals a namespace (or one of its workloads) in the tree; used by the proxy-status panel. */
export const revealInTree: CommandModule = {
  id: 'istioRevisions.tree.reveal',
  async run(s, target?: { context?: string; namespace?: string; workload?: string | { kind?: string; name: string } }) {
    if (!target?.context || !target.namespace) throw new Error(vscode.l10n.t('Nothing to reveal: a cluster and a namespace are needed.'));
    const wl = typeof target.workload === 'string' ? { name: target.workload } : target.workload;
    await vscode.commands.executeCommand('workbench.view.extension.istioRevisions');
    const node = s.tree.locate(target.context, target.namespace, wl);
    if (!node) throw new Error(vscode.l10n.t('Cluster "{0}" is not shown in the Istio Revisions view.', target.context));
    await s.treeView.reveal(node, { select: true, focus: true, expand: false });
    return node.id;
  },
};
