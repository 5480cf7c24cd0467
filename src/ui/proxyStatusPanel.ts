/**
 * Host of the "Proxy status" webview (one panel per cluster context).
 *
 * The page (webview-ui/, bundled to media/webview/) is loaded behind a strict CSP with
 * a fresh nonce each time the HTML is generated; localResourceRoots is media/webview
 * only. Host → page messages are coalesced per type and held until the page says
 * `ready` (and again after the page is reloaded when shown); every page message goes
 * through parsePageMessage() and is dropped with a log line when it does not fit.
 *
 * Data: the metadata view (src/istio/proxystatus.ts over the live ClusterSnapshot)
 * is re-shaped on ClusterManager.onDidChangeCluster, debounced. Sync state comes from
 * each running istiod pod's `/debug/syncz` on its monitoring port, asked through the
 * API server's pod proxy subresource with a short timeout; an istiod that does not
 * answer is shown as unreachable with the reason, and the panel keeps the metadata view.
 */
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { emptyFilters, ProxyStatusDeltas, ProxyStatusMemo, reshapeDelay, shapeProxyStatus, type ProxyStatusFilters } from '../istio/proxystatus';
import { describeK8sError } from '../k8s';
import { gatherSync, type SyncGather } from '../k8s/syncz';

import { parsePageMessage, parsePageState, renderPanelHtml, updateMessage, VIEW_TYPE, type HostMessage, type PageMessage } from '../webview/protocol';
import type { Services } from './commands/registry';

export { gatherSync, type SyncGather };

export { renderPanelHtml, VIEW_TYPE };

const MEDIA = ['media', 'webview'];
const DEBOUNCE_MS = 200;
/** While at least one istiod answers, sync is re-read this often when the panel is visible. */
const SYNC_POLL_MS = 30_000;

export function newNonce(): string {
  return crypto
    .randomBytes(18)
    .toString('base64')
    .replace(/[+/=]/g, (c) => (c === '+' ? '-' : c === '/' ? '_' : ''));
}

/** The generated HTML of a panel for this webview (fresh nonce). */
export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri, context: string, nonce = newNonce()): string {
  const root = vscode.Uri.joinPath(extensionUri, ...MEDIA);
  return renderPanelHtml({
    nonce,
    cspSource: webview.cspSource,
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'proxyStatus.js')).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'proxyStatus.css')).toString(),
    title: vscode.l10n.t('Proxy status — {0}', context),
  });
}

// ---- sync gathering (no vscode) ---------------------------------------------------

// ---- the panel ----------------------------------------------------------------------

export class ProxyStatusPanel implements vscode.Disposable {
  private static readonly panels = new Map<string, ProxyStatusPanel>();

  /** Opens (or reveals) the panel of `context`, optionally with filters set. */
  static show(s: Services, context: string, filters?: Partial<ProxyStatusFilters>): ProxyStatusPanel {
    const existing = ProxyStatusPanel.panels.get(context);
    if (existing) {
      existing.panel.reveal();
      if (filters) existing.setFilters({ ...emptyFilters(), ...filters });
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, title(context), vscode.ViewColumn.Active, webviewOptions(s.context.extensionUri));
    return new ProxyStatusPanel(s, panel, context, { ...emptyFilters(), ...filters });
  }

  /** Restores a panel after a window reload, from the state the page saved. */
  static revive(s: Services, panel: vscode.WebviewPanel, state: unknown): ProxyStatusPanel | undefined {
    const st = parsePageState(state);
    if (!st) {
      s.log.warn('proxy status: a saved panel had no usable state; closing it');
      panel.dispose();
      return undefined;
    }
    const existing = ProxyStatusPanel.panels.get(st.context);
    if (existing) {
      panel.dispose();
      existing.panel.reveal();
      return existing;
    }
    panel.webview.options = webviewOptions(s.context.extensionUri);
    s.log.info(`proxy status: restored the panel of ${st.context} (filters ${JSON.stringify(st.filters)})`);
    return new ProxyStatusPanel(s, panel, st.context, st.filters);
  }

  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private debounce?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private sync?: SyncGather;
  private syncRun?: AbortController;
  private disposed = false;
  private syncWaitsForCluster = false;

  private constructor(
    private readonly s: Services,
    readonly panel: vscode.WebviewPanel,
    readonly context: string,
    private filters: ProxyStatusFilters,
  ) {
    ProxyStatusPanel.panels.set(context, this);
    panel.iconPath = vscode.Uri.joinPath(s.context.extensionUri, 'media', 'istio.svg');
    panel.title = title(context);
    panel.webview.html = panelHtml(panel.webview, s.context.extensionUri, context);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidChangeViewState((e) => {
        // A hidden page is torn down; it posts `ready` again when shown, and gets fresh state then.
        if (!e.webviewPanel.visible) this.ready = false;
        this.schedulePoll();
      }),
      s.clusters.onDidChangeCluster((e) => {
        if (e.context !== this.context) return;
        this.memo.changed(e.change);
        this.scheduleState();
      }),
      s.clusters.onDidChangeClusters(() => {
        this.memo.changed();
        this.scheduleState();
      }),
      s.tree.onDidChangeRestarts((ctx) => {
        if (ctx === this.context) this.scheduleState();
      }),
    );
  }

  /** Posts to a shown, ready page; a page that is not is sent everything when it says `ready`. */
  private post(msg: HostMessage): void {
    // A state or delta the page does not get: its rows are no longer what the next delta builds on.
    const rows = msg.type === 'state' || msg.type === 'delta';
    if (!this.ready || !this.panel.visible) {
      if (rows) this.deltas.reset();
      return;
    }
    void this.panel.webview.postMessage(msg).then((delivered) => {
      if (!delivered && rows) this.deltas.reset();
    });
  }

  private onMessage(raw: unknown): void {
    const r = parsePageMessage(raw);
    if (!r.ok) {
      this.s.log.warn(`proxy status (${this.context}): dropped a malformed page message: ${r.error}`);
      return;
    }
    void this.handle(r.msg).catch((e) => this.s.log.error(`proxy status (${this.context}): ${(e as Error).stack ?? e}`));
  }

  private async handle(m: PageMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.deltas.reset();
        this.post({ type: 'filters', filters: this.filters });
        this.postState();
        this.post({ type: 'syncStatus', sync: this.sync?.payload ?? { state: 'loading', istiods: [] } });
        if (!this.sync) void this.refreshSync();
        this.schedulePoll();
        return;
      case 'setFilters':
        this.filters = m.filters;
        return;
      case 'refreshSync':
        await this.refreshSync();
        return;
      case 'resync':
        // The page missed an update (its state is not the one the last delta built on): send it whole.
        this.deltas.reset();
        this.postState();
        return;
      case 'reveal':
        await this.command('istioRevisions.tree.reveal', { context: this.context, namespace: m.namespace, workload: m.workload });
        return;
      case 'restartStale':
        await this.command('istioRevisions.namespace.restart', { context: this.context, name: m.namespace, type: 'namespace' }, undefined, { onlyStale: true });
        return;
      case 'moveNamespace':
        await this.command('istioRevisions.namespace.move', { context: this.context, name: m.namespace, type: 'namespace' });
        return;
    }
  }

  private async command(id: string, ...args: unknown[]): Promise<void> {
    try {
      await vscode.commands.executeCommand(id, ...args);
    } catch (e) {
      // Commands registered through register() report their own errors; this is for a missing command.
      this.s.log.error(`proxy status: ${id} failed: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`${id}: ${(e as Error).message}`);
    }
  }

  setFilters(f: ProxyStatusFilters): void {
    this.filters = f;
    this.post({ type: 'filters', filters: f });
  }

  /** Each namespace's rows between reshapes: only namespaces a change names are shaped again. */
  private readonly memo = new ProxyStatusMemo();
  /** What the page has: after a whole state, only the namespaces whose rows changed are posted. */
  private readonly deltas = new ProxyStatusDeltas();

  /** Wall time of the last reshape and post (reshapeDelay spaces the next one by it). */
  private lastShapeMs = 0;

  private scheduleState(): void {
    if (this.debounce) return;
    this.debounce = setTimeout(
      () => {
        this.debounce = undefined;
        // A hidden page is torn down and asks for fresh state when shown (`ready`): nothing to reshape until then.
        if (!this.ready || !this.panel.visible) return;
        const t0 = performance.now();
        this.postState();
        this.lastShapeMs = performance.now() - t0;
      },
      reshapeDelay(this.lastShapeMs, DEBOUNCE_MS),
    );
  }

  private postState(): void {
    if (this.disposed) return;
    const e = this.s.clusters.get(this.context);
    const w = e?.watcher;
    const phase = w?.phase;
    let clusterError: string | undefined;
    if (!e)
      clusterError = vscode.l10n.t('Cluster "{0}" is not loaded: it is not (or not yet) among the shown clusters ("Istio: Choose Clusters…").', this.context);
    else if (!w) clusterError = vscode.l10n.t('Cluster "{0}" cannot be used: {1}', this.context, e.configError ?? vscode.l10n.t('not configured'));
    else if (phase?.phase === 'error') clusterError = phase.message;
    else if (phase?.phase === 'connecting' || phase?.phase === 'idle') clusterError = vscode.l10n.t('Cluster "{0}" is still loading…', this.context);
    else if (phase?.phase === 'reconnecting')
      clusterError = vscode.l10n.t('Reconnecting to "{0}": {1} — showing the last known state.', this.context, describeK8sError(phase.error));
    const data = w
      ? shapeProxyStatus(
          w.snapshot,
          this.context,
          this.sync?.input,
          (k) => this.s.tree.verification(this.context, k),
          (k) => this.s.tree.restarts.degraded(this.context, k),
          this.memo,
        )
      : {
          context: this.context,
          totals: { proxies: 0, stale: 0, pods: 0, workloads: 0, namespaces: 0 },
          revisions: [],
          namespaces: [],
          workloads: [],
          hasSync: false,
        };
    this.post(updateMessage(this.deltas.next(data), this.context, clusterError));
    // Sync was asked for before the cluster was loaded (e.g. a panel restored at startup): ask now.
    if (this.syncWaitsForCluster && w && phase?.phase === 'ready') {
      this.syncWaitsForCluster = false;
      void this.refreshSync();
    }
  }

  private async refreshSync(): Promise<void> {
    const client = this.s.clusters.get(this.context)?.watcher?.client;
    if (!client) {
      this.syncWaitsForCluster = true;
      this.sync = {
        payload: { state: 'done', fetchedAt: new Date().toISOString(), istiods: [], error: vscode.l10n.t('Cluster "{0}" is not loaded.', this.context) },
      };
      this.post({ type: 'syncStatus', sync: this.sync.payload });
      return;
    }
    this.syncRun?.abort();
    const ac = new AbortController();
    this.syncRun = ac;
    this.post({ type: 'syncStatus', sync: { ...(this.sync?.payload ?? { istiods: [] }), state: 'loading' } });
    const g = await gatherSync(client, ac.signal);
    if (ac.signal.aborted || this.disposed) return;
    this.syncRun = undefined;
    this.sync = g;
    for (const i of g.payload.istiods) if (!i.reachable) this.s.log.debug(`proxy status (${this.context}): syncz of ${i.namespace}/${i.pod}: ${i.reason}`);
    this.post({ type: 'syncStatus', sync: g.payload });
    this.postState();
    this.schedulePoll();
  }

  /** Re-reads sync while visible, and only when some istiod answered last time. */
  private schedulePoll(): void {
    if (this.pollTimer) {
      clearTimeout(this.pollTimer);
      this.pollTimer = undefined;
    }
    if (this.disposed || !this.panel.visible || !this.sync?.payload.istiods.some((i) => i.reachable)) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      void this.refreshSync();
    }, SYNC_POLL_MS);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (ProxyStatusPanel.panels.get(this.context) === this) ProxyStatusPanel.panels.delete(this.context);
    if (this.debounce) clearTimeout(this.debounce);
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.syncRun?.abort();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }

  static disposeAll(): void {
    for (const p of [...ProxyStatusPanel.panels.values()]) p.dispose();
  }
}

function title(context: string): string {
  return vscode.l10n.t('Proxy Status: {0}', context);
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, ...MEDIA)],
    retainContextWhenHidden: false,
  };
}

/** Restores Proxy status panels after a window reload. */
export function registerProxyStatusSerializer(s: Services): vscode.Disposable {
  const reg = vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
      ProxyStatusPanel.revive(s, panel, state);
    },
  });
  return {
    dispose: () => {
      reg.dispose();
      ProxyStatusPanel.disposeAll();
    },
  };
}
