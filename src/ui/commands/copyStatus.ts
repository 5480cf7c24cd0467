import * as vscode from 'vscode';
import { buildReport } from '../../istio';
import type { CommandModule } from './registry';

/** Copies the same JSON `istio-revisions status -o json` prints. */
export const copyStatus: CommandModule = {
  id: 'istioRevisions.status.copy',
  async run(s, node?: { context?: string }) {
    const e = node?.context ? s.clusters.get(node.context) : s.clusters.active();
    if (!e?.watcher || e.watcher.phase.phase !== 'ready') throw new Error(vscode.l10n.t('Cluster "{0}" is not loaded yet.', e?.context ?? '?'));
    const report = buildReport(e.watcher.snapshot, { context: e.context, server: e.server });
    await vscode.env.clipboard.writeText(JSON.stringify(report, null, 2));
    void vscode.window.showInformationMessage(vscode.l10n.t('Status of {0} copied as JSON.', e.context));
  },
};
