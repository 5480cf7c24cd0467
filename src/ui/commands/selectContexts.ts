import * as vscode from 'vscode';
import { updateSetting, readSettings } from '../settings';
import type { CommandModule } from './registry';

/** Chooses which kubeconfig contexts the tree shows (multi-select). */
export const selectContexts: CommandModule = {
  id: 'istioRevisions.contexts.select',
  async run(s) {
    const loaded = s.clusters.kubeconfig;
    if (!loaded || loaded.contexts.length === 0) {
      const problems = loaded?.problems.map((p) => p.message).join('; ');
      throw new Error(problems ? vscode.l10n.t('No kubeconfig contexts found: {0}.', problems) : vscode.l10n.t('No kubeconfig contexts found.'));
    }
    const shown = new Set(s.clusters.list().map((e) => e.context));
    const items = loaded.contexts.map((c) => ({
      label: c.name,
      description: c.name === loaded.currentContext ? vscode.l10n.t('(current)') : undefined,
      detail: c.problem ? `$(warning) ${c.problem}` : `${c.cluster} · ${c.server ?? vscode.l10n.t('no server')}`,
      picked: shown.has(c.name),
    }));
    const picked = await vscode.window.showQuickPick(items, {
      canPickMany: true,
      title: vscode.l10n.t('Clusters shown in Istio Revisions'),
      placeHolder: vscode.l10n.t('None selected = the current context'),
    });
    if (!picked) return;
    const names = picked.map((p) => p.label);
    const current = readSettings().contexts;
    if (JSON.stringify(current) === JSON.stringify(names)) return;
    await updateSetting('contexts', names);
    await s.clusters.reload('contexts chosen');
  },
};
