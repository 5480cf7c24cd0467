import * as vscode from 'vscode';
import { PRECHECK_PASSED, precheckPassed, type PrecheckItem } from '../../istio';
import { runPrecheck } from '../../k8s';
import { checkIstioctl, runIstioctl } from '../istioctl';
import { pickCluster } from '../pick';
import { readSettings } from '../settings';
import { CancelledError, type CommandModule } from './registry';

const ICON: Record<PrecheckItem['level'], string> = { ok: '✔', info: 'ℹ', warning: '⚠', error: '✘' };

/** Native precheck plus `istioctl x precheck` when istioctl is available; a report document. */
export const precheck: CommandModule = {
  id: 'istioRevisions.cluster.precheck',
  async run(s, node?: { context?: string }, _nodes?: unknown, opts?: { targetVersion?: string; noDocument?: boolean }) {
    const cluster = await pickCluster(s.clusters, node?.context);
    const ctl = await checkIstioctl(s.clusters);
    let target = opts?.targetVersion;
    if (!target) {
      target = await vscode.window.showInputBox({
        title: vscode.l10n.t('Precheck for which Istio version?'),
        value: ctl.ok ? ctl.version : '',
        validateInput: (v) => (/^1\.\d+(\.\d+)?/.test(v.trim()) ? undefined : vscode.l10n.t('An Istio version like 1.28.0')),
      });
      if (!target) throw new CancelledError();
    }
    const items = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Precheck of {0}', cluster.context) },
      () => runPrecheck(cluster.watcher.client, target!.trim(), readSettings().istioNamespace),
    );
    let istioctlOut: string;
    if (ctl.ok) {
      const r = await runIstioctl(s.clusters, cluster.context, ['x', 'precheck'], vscode.l10n.t('istioctl x precheck on {0}', cluster.context));
      istioctlOut = r.result ? (r.result.stdout + r.result.stderr).trim() : r.ok ? '' : (r as { message: string }).message;
    } else {
      istioctlOut = vscode.l10n.t('(not run: {0})', ctl.message);
    }
    const md = [
      '# ' + vscode.l10n.t('Precheck of {0} for Istio {1}', cluster.context, target),
      '',
      ...items.map((i) => `- ${ICON[i.level]} **${i.title}** (${i.code}${i.origin ? `, ${i.origin}` : ''}): ${i.message}`),
      '',
      `**${precheckPassed(items) ? PRECHECK_PASSED : vscode.l10n.t('Issues found when checking the cluster: fix the items above before installing or upgrading.')}**`,
      '',
      '## istioctl x precheck',
      '',
      '```',
      istioctlOut || vscode.l10n.t('(no output)'),
      '```',
      '',
    ].join('\n');
    s.log.info(`precheck ${cluster.context}: ${items.map((i) => `${i.code}=${i.level}`).join(', ')}`);
    if (!opts?.noDocument) {
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: md });
      await vscode.window.showTextDocument(doc, { preview: true });
    }
    return { items, istioctl: istioctlOut, passed: precheckPassed(items) };
  },
};
