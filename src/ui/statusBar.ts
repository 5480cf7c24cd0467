/** Status bar item: the migration progress of the active cluster, e.g. `1-7-6 → 1-8-0 62%`. */
import * as vscode from 'vscode';
import { describeSkew, nodeAgents } from '../istio';
import type { ClusterManager } from './clusters';

export class MigrationStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('istioRevisions.migration', vscode.StatusBarAlignment.Left, 50);
  private readonly subs: vscode.Disposable[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly clusters: ClusterManager) {
    this.item.name = vscode.l10n.t('Istio migration progress');
    this.item.command = 'workbench.view.extension.istioRevisions';
    this.subs.push(
      clusters.onDidChangeClusters(() => this.schedule()),
      clusters.onDidChangeCluster(() => this.schedule()),
    );
    this.update();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.update();
    }, 200);
  }

  update(): void {
    const e = this.clusters.active();
    const w = e?.watcher;
    if (!e || !w) {
      this.item.hide();
      return;
    }
    if (w.phase.phase === 'error') {
      this.item.text = vscode.l10n.t('$(error) Istio: {0} unreachable', e.context);
      this.item.tooltip = w.phase.message;
      this.item.show();
      return;
    }
    if (w.phase.phase !== 'ready' && w.phase.phase !== 'reconnecting') {
      this.item.hide();
      return;
    }
    const m = w.snapshot.migration();
    // Ambient: node agents mid node-by-node upgrade, or outside the supported skew.
    const agents = nodeAgents(w.snapshot);
    const rolling = agents.filter((a) => a.versions.length > 1);
    const skewed = agents.map((a) => describeSkew(a)).filter((x): x is string => !!x);
    if (!m && agents.length === 0) {
      this.item.hide();
      return;
    }
    const moving = m?.from && m.from !== m.to;
    this.item.text = m ? (moving ? `$(git-compare) ${m.from} → ${m.to} ${m.percent}%` : `$(check) ${m.to}`) : '$(check) Istio';
    if (m?.stale) this.item.text += ` $(history) ${m.stale}`;
    for (const a of rolling) this.item.text += ` $(server-environment) ${a.component} ${a.updated}/${a.pods}`;
    if (skewed.length) this.item.text += ' ' + vscode.l10n.t('$(warning) skew');
    const md = new vscode.MarkdownString(vscode.l10n.t('**Istio on {0}**', e.context) + '\n\n');
    if (m) md.appendMarkdown(vscode.l10n.t('{0}% of {1} proxies run **{2}**; {3} stale.', m.percent, m.proxies, m.to, m.stale) + '\n\n');
    for (const a of rolling) {
      const versions = a.versions.map((v) => vscode.l10n.t('{0} on {1} node(s)', v.version, v.nodes.length)).join(', ');
      md.appendMarkdown(vscode.l10n.t('{0}: {1} — upgrading node by node.', a.component, versions) + '\n\n');
    }
    for (const sk of skewed) md.appendMarkdown(`⚠ ${sk}\n\n`);
    md.appendMarkdown(vscode.l10n.t('Click to open Istio Revisions.'));
    this.item.tooltip = md;
    this.item.backgroundColor = m?.stale || skewed.length ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subs) s.dispose();
    this.item.dispose();
  }
}
