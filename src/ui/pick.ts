/** QuickPicks the palette commands use to ask for what a tree click would have given. */
import * as vscode from 'vscode';
import type { ClusterSnapshot } from '../istio';
import type { ClusterEntry, ClusterManager } from './clusters';
import { CancelledError } from './commands/registry';

/** A ready cluster: the node's, the only one, or one the user picks. */
export async function pickCluster(clusters: ClusterManager, context?: string): Promise<ClusterEntry & { watcher: NonNullable<ClusterEntry['watcher']> }> {
  let e = context ? clusters.get(context) : undefined;
  if (context && !e)
    throw new Error(vscode.l10n.t('Cluster "{0}" is not shown in Istio Revisions any more (choose it with "Istio: Choose Clusters…").', context));
  if (!e) {
    const ready = clusters.list().filter((c) => c.watcher?.phase.phase === 'ready');
    if (ready.length === 0)
      throw new Error(
        clusters.list().length
          ? vscode.l10n.t('No cluster is loaded yet (or all are unreachable): see the Istio Revisions view.')
          : vscode.l10n.t('No cluster is configured: choose one with "Istio: Choose Clusters…".'),
      );
    if (ready.length === 1) e = ready[0];
    else {
      const p = await vscode.window.showQuickPick(
        ready.map((c) => ({ label: c.context, description: c.server })),
        { title: vscode.l10n.t('Which cluster?') },
      );
      if (!p) throw new CancelledError();
      e = clusters.get(p.label);
    }
  }
  if (!e?.watcher) throw new Error(vscode.l10n.t('Cluster "{0}" is not available: {1}', context ?? '?', e?.configError ?? vscode.l10n.t('not configured')));
  if (e.watcher.phase.phase === 'error') throw new Error(e.watcher.phase.message);
  if (e.watcher.phase.phase !== 'ready' && e.watcher.phase.phase !== 'reconnecting')
    throw new Error(vscode.l10n.t('Cluster "{0}" is still loading.', e.context));
  return e as ClusterEntry & { watcher: NonNullable<ClusterEntry['watcher']> };
}

export async function pickNamespaces(snap: ClusterSnapshot, title: string, many = true): Promise<string[]> {
  const items = snap.namespaces().map((n) => {
    const target = n.resolvedRevision ?? vscode.l10n.t('not injected');
    return {
      label: n.name,
      description:
        [n.labels.injection !== undefined ? `istio-injection=${n.labels.injection}` : '', n.labels.rev !== undefined ? `istio.io/rev=${n.labels.rev}` : '']
          .filter(Boolean)
          .join(' ') || vscode.l10n.t('no injection label'),
      detail: n.stats.stale
        ? vscode.l10n.t('{0} proxies, {1} stale → {2}', n.stats.proxies, n.stats.stale, target)
        : vscode.l10n.t('{0} proxies → {1}', n.stats.proxies, target),
    };
  });
  if (many) {
    const picked = await vscode.window.showQuickPick(items, { title, canPickMany: true, matchOnDescription: true });
    if (!picked || picked.length === 0) throw new CancelledError();
    return picked.map((p) => p.label);
  }
  const p = await vscode.window.showQuickPick(items, { title, matchOnDescription: true });
  if (!p) throw new CancelledError();
  return [p.label];
}

/** Tags first (with the revision each resolves to), then revisions. */
export async function pickRevisionOrTag(snap: ClusterSnapshot, title: string, opts: { tags?: boolean; exclude?: string[] } = {}): Promise<string> {
  const cp = snap.controlPlane;
  type Item = vscode.QuickPickItem & { value?: string };
  const items: Item[] = [];
  if (opts.tags !== false && cp.tags.length) {
    items.push({ label: vscode.l10n.t('Tags'), kind: vscode.QuickPickItemKind.Separator });
    for (const t of cp.tags) {
      if (opts.exclude?.includes(t.name)) continue;
      const v = cp.revisionByName.get(t.revision)?.version;
      const to = `→ ${t.revision}${v ? ` (${v})` : ''}`;
      items.push({
        label: `$(tag) ${t.name}`,
        value: t.name,
        description: t.revisionInstalled ? to : vscode.l10n.t('{0} — revision not installed', to),
      });
    }
  }
  items.push({ label: vscode.l10n.t('Revisions'), kind: vscode.QuickPickItemKind.Separator });
  for (const r of cp.revisions) {
    if (opts.exclude?.includes(r.name)) continue;
    items.push({
      label: `$(server-process) ${r.name}`,
      value: r.name,
      description: [
        r.version ?? vscode.l10n.t('version ?'),
        r.readiness,
        ...(r.isDefault ? [vscode.l10n.t('default')] : []),
        ...(r.tags.length ? [vscode.l10n.t('tags {0}', r.tags.join(', '))] : []),
      ].join(' · '),
    });
  }
  const p = await vscode.window.showQuickPick(items, { title, matchOnDescription: true });
  if (!p?.value) throw new CancelledError();
  return p.value;
}
