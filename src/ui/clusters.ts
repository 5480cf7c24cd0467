/**
 * ClusterManager: the one place that knows which clusters are shown and keeps a
 * ClusterWatcher per shown kubeconfig context. It is also the refresh manager:
 * manual refresh, kubeconfig file changes and settings changes all come here,
 * debounced, and reload only what changed (a kubeconfig whose content did not
 * change does not restart the watches).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SnapshotChange } from '../istio';
import { ClusterClient, ClusterWatcher, configForContext, kubeconfigPaths, loadKubeconfigs, type ClusterPhase, type LoadedKubeconfig } from '../k8s';
import type { Logger } from './log';
import { readSettings, SECTION } from './settings';

export type KubeconfigState = 'ok' | 'none' | 'invalid' | 'noContexts';

export interface ClusterEntry {
  context: string;
  server?: string;
  watcher?: ClusterWatcher;
  /** Set when the context cannot even be configured (missing cluster or user). */
  configError?: string;
  /** What the entry was built from; a reload restarts it only when this changes. */
  fingerprint?: string;
}

export interface ClusterEvent {
  context: string;
  change?: SnapshotChange;
  phase?: ClusterPhase;
}

export class ClusterManager implements vscode.Disposable {
  private readonly entries = new Map<string, ClusterEntry>();
  private loaded?: LoadedKubeconfig;
  private fingerprint = '';
  private readonly disposables: vscode.Disposable[] = [];
  private fileWatchers: vscode.Disposable[] = [];
  private reloadTimer?: NodeJS.Timeout;
  private readonly _onDidChangeClusters = new vscode.EventEmitter<void>();
  private readonly _onDidChangeCluster = new vscode.EventEmitter<ClusterEvent>();
  readonly onDidChangeClusters = this._onDidChangeClusters.event;
  readonly onDidChangeCluster = this._onDidChangeCluster.event;
  state: KubeconfigState = 'none';

  constructor(
    private readonly log: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SECTION))
          this.scheduleReload(
            'settings changed',
            e.affectsConfiguration(`${SECTION}.istioNamespace`) || e.affectsConfiguration(`${SECTION}.requestTimeoutSeconds`),
          );
      }),
    );
  }

  get kubeconfig(): LoadedKubeconfig | undefined {
    return this.loaded;
  }

  list(): ClusterEntry[] {
    return [...this.entries.values()];
  }

  get(context: string): ClusterEntry | undefined {
    return this.entries.get(context);
  }

  /** The cluster the status bar and palette commands act on by default: the first shown, ready one. */
  active(): ClusterEntry | undefined {
    const l = this.list();
    return l.find((e) => e.watcher?.phase.phase === 'ready') ?? l[0];
  }

  scheduleReload(reason: string, force = false): void {
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      void this.reload(reason, force);
    }, 250);
  }

  /** Re-reads kubeconfig and settings; restarts watchers whose configuration changed (all of them with `force`). */
  async reload(reason: string, force = false): Promise<void> {
    const settings = readSettings();
    const paths = kubeconfigPaths(this.env, settings.kubeconfigPaths);
    const loaded = loadKubeconfigs(paths);
    this.loaded = loaded;
    this.watchFiles(paths);
    for (const p of loaded.problems) this.log.warn(p.message);
    const fp = hashFiles(paths) + JSON.stringify([settings.contexts, settings.istioNamespace, settings.requestTimeoutSeconds]);
    const changed = force || fp !== this.fingerprint;
    this.fingerprint = fp;
    this.log.info(`reload (${reason}): ${loaded.contexts.length} context(s) from ${paths.join(', ')}${changed ? '' : ', unchanged'}`);

    this.state = !loaded.config ? (loaded.problems.some((p) => p.kind !== 'missing') ? 'invalid' : 'none') : loaded.contexts.length === 0 ? 'noContexts' : 'ok';
    await vscode.commands.executeCommand('setContext', 'istioRevisions.kubeconfigState', this.state);

    const wanted =
      this.state !== 'ok' ? [] : settings.contexts.length > 0 ? settings.contexts : loaded.currentContext ? [loaded.currentContext] : [loaded.contexts[0].name];
    if (!changed && sameKeys(this.entries, wanted)) return;

    // Restart only the clusters whose own configuration (context, cluster, user entries,
    // Istio namespace, timeout) changed; the others keep their watches.
    const fingerprints = new Map(wanted.map((ctx) => [ctx, contextFingerprint(loaded, ctx, settings.istioNamespace, settings.requestTimeoutSeconds)]));
    for (const [ctx, e] of this.entries) {
      if (!wanted.includes(ctx) || force || e.fingerprint !== fingerprints.get(ctx)) {
        this.disposeEntry(e);
        this.entries.delete(ctx);
      }
    }
    for (const ctx of wanted) {
      if (this.entries.has(ctx)) continue;
      const e = this.createEntry(ctx, settings.istioNamespace, settings.requestTimeoutSeconds);
      e.fingerprint = fingerprints.get(ctx);
      this.entries.set(ctx, e);
    }
    // keep the order of `wanted`
    const ordered = wanted.map((c) => this.entries.get(c)!).filter(Boolean);
    this.entries.clear();
    for (const e of ordered) this.entries.set(e.context, e);
    this._onDidChangeClusters.fire();
    await Promise.all(ordered.filter((e) => e.watcher && e.watcher.phase.phase === 'idle').map((e) => this.start(e)));
  }

  private createEntry(context: string, istioNamespace: string, timeoutSeconds: number): ClusterEntry {
    const loaded = this.loaded!;
    const cfg = configForContext(loaded, context);
    if (!cfg.ok) {
      this.log.error(`cluster ${context}: ${cfg.message}`);
      return { context, configError: cfg.message };
    }
    const client = new ClusterClient(context, cfg.config, { debug: (m) => this.log.debug(`[${context}] ${m}`) }, timeoutSeconds * 1000);
    const scopeNamespace = loaded.contexts.find((c) => c.name === context)?.namespace;
    const watcher = new ClusterWatcher(client, { istioNamespace, scopeNamespace, log: (m) => this.log.warn(m) });
    const entry: ClusterEntry = { context, server: client.server, watcher };
    (entry as { subs?: vscode.Disposable[] }).subs = [
      watcher.onDidChange((change) => this._onDidChangeCluster.fire({ context, change })),
      watcher.onDidChangePhase((phase) => {
        if (phase.phase === 'error') this.log.error(phase.message);
        this._onDidChangeCluster.fire({ context, phase });
      }),
    ];
    return entry;
  }

  private async start(e: ClusterEntry): Promise<void> {
    const t0 = Date.now();
    const phase = await e.watcher!.start(true);
    if (phase.phase === 'ready')
      this.log.info(
        `cluster ${e.context}: ${e.watcher!.snapshot.podCount} pods, ${e.watcher!.snapshot.controlPlane.revisions.length} revision(s) loaded in ${Date.now() - t0} ms`,
      );
  }

  async retry(context: string): Promise<void> {
    const e = this.entries.get(context);
    if (!e) return;
    if (!e.watcher) {
      await this.reload(`retry ${context}`, true);
      return;
    }
    await this.start(e);
  }

  private disposeEntry(e: ClusterEntry): void {
    for (const s of (e as { subs?: vscode.Disposable[] }).subs ?? []) s.dispose();
    e.watcher?.dispose();
    e.watcher?.client.dispose();
  }

  private watchFiles(paths: string[]): void {
    for (const w of this.fileWatchers) w.dispose();
    this.fileWatchers = paths.map((p) => {
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(p)), path.basename(p)));
      const onChange = () => this.scheduleReload(`kubeconfig ${p} changed`);
      w.onDidChange(onChange);
      w.onDidCreate(onChange);
      w.onDidDelete(onChange);
      return w;
    });
  }

  dispose(): void {
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    for (const e of this.entries.values()) this.disposeEntry(e);
    this.entries.clear();
    for (const w of this.fileWatchers) w.dispose();
    for (const d of this.disposables) d.dispose();
    this._onDidChangeClusters.dispose();
    this._onDidChangeCluster.dispose();
  }
}

function contextFingerprint(loaded: LoadedKubeconfig, context: string, istioNamespace: string, timeout: number): string {
  const kc = loaded.config;
  const ctx = kc?.getContextObject(context);
  const h = crypto.createHash('sha256');
  h.update(JSON.stringify([ctx ?? null, ctx ? kc!.getCluster(ctx.cluster) : null, ctx ? kc!.getUser(ctx.user) : null, istioNamespace, timeout]));
  return h.digest('hex');
}

function hashFiles(paths: string[]): string {
  const h = crypto.createHash('sha256');
  for (const p of paths) {
    try {
      h.update(fs.readFileSync(p));
    } catch {
      h.update(`missing:${p}`);
    }
  }
  return h.digest('hex');
}

function sameKeys(m: Map<string, unknown>, keys: string[]): boolean {
  return m.size === keys.length && keys.every((k) => m.has(k));
}
