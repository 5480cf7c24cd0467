import * as vscode from 'vscode';
import { guideState, type GuideStep } from '../../istio';
import { pickCluster } from '../pick';
import { CancelledError, type CommandModule } from './registry';

const ICONS: Record<GuideStep['state'], string> = { done: '$(pass-filled)', todo: '$(circle-large-outline)', blocked: '$(circle-slash)', optional: '$(info)' };

/** Follows one cluster through the canary upgrade; each step's state is read from the cluster. */
export const upgradeGuide: CommandModule = {
  id: 'istioRevisions.upgrade.guide',
  async run(s, node?: { context?: string }, _nodes?: unknown, opts?: { stateOnly?: boolean }) {
    const cluster = await pickCluster(s.clusters, node?.context);
    for (;;) {
      const g = guideState(cluster.watcher.snapshot);
      if (opts?.stateOnly) return g;
      const items = g.steps.map((st, i) => ({
        label: `${ICONS[st.state]} ${i + 1}. ${st.title}`,
        description: st.id === g.next ? vscode.l10n.t('next') : st.state === 'done' ? vscode.l10n.t('done') : '',
        detail: st.detail,
        step: st,
      }));
      const title =
        g.from && g.to
          ? vscode.l10n.t('Canary upgrade {0} → {1} on {2}', g.from, g.to, cluster.context)
          : vscode.l10n.t('Canary upgrade on {0}', cluster.context);
      const pick = await vscode.window.showQuickPick(items, {
        title,
        placeHolder: vscode.l10n.t('Pick a step to run it; states are read from the cluster'),
        matchOnDetail: true,
      });
      if (!pick) return g;
      if (pick.step.state === 'blocked') {
        void vscode.window.showInformationMessage(`${pick.step.title}: ${pick.step.detail}`);
        continue;
      }
      try {
        await vscode.commands.executeCommand(pick.step.command, {
          context: cluster.context,
          name: pick.step.id === 'uninstall' ? g.from : undefined,
          type: pick.step.id === 'uninstall' ? 'revision' : undefined,
        });
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
      await new Promise((r) => setTimeout(r, 300)); // let the watches catch up before re-reading the state
    }
  },
};
