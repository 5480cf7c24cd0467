/** Status bar item: the migration progress of the active cluster, e.g. `1-7-6 → 1-8-0 62%`. */
import * as vscode from 'vscode';
import type { ClusterManager } from './clusters';

export class MigrationStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('istioRevisions.migration', vscode.StatusBarAlignment.Left, 50);
  private readonly subs: vscode.Disposable[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly clusters: ClusterManager) {
    this.item.name = 'Istio migration progress';
    this.item.command = 'workbench.view.extension.istioRevisions';
    this.subs.push(clusters.onDidChangeClusters(() => this.schedule()), clusters.onDidChangeCluster(() => this.schedule()));
    this.update();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => { this.timer = undefined; this.update(); }, 200);
  }

  update(): void {
    const e = this.clusters.active();
    const w = e?.watcher;
    if (!e || !w) { this.item.hide(); return; }
    if (w.phase.phase === 'error') {
      this.item.text = `$(error) Istio: ${e.context} unreachable`;
      this.item.tooltip = w.phase.message;
      this.item.show();
      return;
    }
    if (w.phase.phase !== 'ready' && w.phase.phase !== 'reconnecting') { this.item.hide(); return; }
    const m = w.snapshot.migration();
    if (!m) { this.item.hide(); return; }
    const moving = m.from && m.from !== m.to;
    this.item.text = moving ? `$(git-compare) ${m.from} → ${m.to} ${m.percent}%` : `$(check) ${m.to}`;
    if (m.stale) this.item.text += ` $(history) ${m.stale}`;
    const md = new vscode.MarkdownString(`**Istio on ${e.context}**\n\n`);
    md.appendMarkdown(`${m.percent}% of ${m.proxies} proxies run **${m.to}**; ${m.stale} stale.\n\nClick to open Istio Revisions.`);
    this.item.tooltip = md;
    this.item.backgroundColor = m.stale ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subs) s.dispose();
    this.item.dispose();
  }
}
