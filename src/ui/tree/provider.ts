/**
 * The Clusters tree. Data lives in the ClusterManager's snapshots; this provider
 * only translates it into TreeItems, and maps each SnapshotChange to the smallest
 * set of nodes to refresh (a pod event refreshes its namespace node and the revision
 * nodes, not the whole tree). Refreshes are debounced (100 ms) and fire at most four times a second.
 */
import * as vscode from 'vscode';
import {
  describeInstallMethod,
  describeSailRevision,
  installMethodShort,
  describeOutcome,
  describeSkew,
  managedGateways,
  nodeAgents,
  describeVerification,
  describeDegraded,
  inMesh,
  isRestartable,
  summarizeWorkloads,
  verifyKey,
  type ClusterSnapshot,
  type NamespaceView,
  type Verification,
  RestartLedger,
  type RestartOutcome,
} from '../../istio';
import { describeK8sError } from '../../k8s';
import type { ClusterEntry, ClusterEvent, ClusterManager } from '../clusters';
import { contextValue } from '../contextValues';
import { readSettings } from '../settings';
import { FlushTimer } from './flushTimer';
import { ids, type GroupKind, type Node, type WorkloadSummary } from './nodes';

function groupLabel(g: GroupKind): string {
  switch (g) {
    case 'controlPlanes':
      return vscode.l10n.t('Control planes');
    case 'tags':
      return vscode.l10n.t('Tags');
    case 'namespaces':
      return vscode.l10n.t('Namespaces');
    case 'gateways':
      return vscode.l10n.t('Gateways');
    case 'nodeAgents':
      return vscode.l10n.t('Node agents');
  }
}
const GROUP_ICONS: Record<GroupKind, string> = {
  controlPlanes: 'server-process',
  tags: 'tag',
  namespaces: 'symbol-namespace',
  gateways: 'globe',
  nodeAgents: 'server-environment',
};

export class ClustersTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | Node[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly nodes = new Map<string, Node>();
  private readonly parents = new Map<string, Node | undefined>();
  private pending = new Set<string>();
  private pendingAll = false;
  private readonly subs: vscode.Disposable[] = [];
  /** For tests and benchmarks: how many node refreshes were fired. */
  refreshCount = 0;
  /** Latest "Verify Injection with the Cluster" answer per context and workload (verifyKey). */
  private readonly verifications = new Map<string, Map<string, Verification>>();

  constructor(
    private readonly clusters: ClusterManager,
    private readonly debounceMs = 100,
    /** Refreshes fire at most this often: a restart storm's thousands of pod events give at most 4 a second. */
    private readonly minIntervalMs = 250,
  ) {
    this.flushes = new FlushTimer(() => this.firePending(), this.debounceMs, this.minIntervalMs);
    this.subs.push(
      clusters.onDidChangeClusters(() => this.refreshAll()),
      clusters.onDidChangeCluster((e) => this.onClusterEvent(e)),
    );
  }

  /** Countdowns on the tree (the Sail operator's deletion of an inactive revision): one ticking timer per node. */
  private readonly ticks = new Map<string, NodeJS.Timeout>();
  private tick(id: string, ms: number): void {
    if (this.ticks.has(id)) return;
    this.ticks.set(
      id,
      setTimeout(() => {
        this.ticks.delete(id);
        this.pending.add(id);
        this.schedule();
      }, ms),
    );
  }

  dispose(): void {
    this.flushes.cancel();
    for (const t of this.ticks.values()) clearTimeout(t);
    for (const s of this.subs) s.dispose();
    this.emitter.dispose();
    this.restartsEmitter.dispose();
  }

  /** Records the cluster's answers; the workloads' nodes show where they differ from the prediction. */
  setVerifications(context: string, list: readonly Verification[]): void {
    let m = this.verifications.get(context);
    if (!m) {
      m = new Map();
      this.verifications.set(context, m);
    }
    for (const v of list) {
      m.set(verifyKey(v.target), v);
      this.pending.add(ids.workload(context, v.target.namespace, v.target.kind, v.target.name));
    }
    this.schedule();
  }

  verification(context: string, key: string): Verification | undefined {
    return this.verifications.get(context)?.get(key);
  }

  /** What stopped restarts left: degraded workloads (marked on their nodes) and those never reached. */
  readonly restarts = new RestartLedger();
  private readonly restartsEmitter = new vscode.EventEmitter<string>();
  /** Fires a context whose restart marks changed (set by a run, or healed). */
  readonly onDidChangeRestarts = this.restartsEmitter.event;

  /** Records a finished restart run; the marked workloads and the cluster node refresh. */
  recordRestart(context: string, report: RestartOutcome, at: string): void {
    const changed = this.restarts.record(context, report, at);
    this.markWorkloads(context, changed);
  }

  private markWorkloads(context: string, keys: string[]): void {
    if (!keys.length) return;
    for (const k of keys) {
      const [ns, kind, name] = k.split('/');
      this.pending.add(ids.workload(context, ns, kind, name));
    }
    this.pending.add(ids.cluster(context));
    this.schedule();
    this.restartsEmitter.fire(context);
  }

  refreshAll(): void {
    this.pendingAll = true;
    this.schedule();
  }

  private onClusterEvent(e: ClusterEvent): void {
    const ctx = e.context;
    if (e.phase) {
      this.pending.add(ids.cluster(ctx));
      this.schedule();
      return;
    }
    const ch = e.change;
    if (!ch) return;
    if ((ch.resolution || ch.namespaceLabels) && this.verifications.get(ctx)?.size) {
      // The cluster's answers were for the old revisions, tags and labels: ask again.
      for (const v of this.verifications.get(ctx)!.values()) this.pending.add(ids.workload(ctx, v.target.namespace, v.target.kind, v.target.name));
      this.verifications.delete(ctx);
    }
    if (ch.controlPlane) {
      this.pending.add(ids.group(ctx, 'controlPlanes'));
      this.pending.add(ids.group(ctx, 'tags'));
      this.pending.add(ids.group(ctx, 'namespaces'));
    }
    if (ch.namespaceList) this.pending.add(ids.group(ctx, 'namespaces'));
    if (ch.namespaceLabels) this.pending.add(ids.group(ctx, 'tags'));
    if (ch.gateways) this.pending.add(ids.group(ctx, 'gateways'));
    if (ch.nodeAgents) {
      // the group exists only while node agents run: refresh it, or the cluster node when it appears or goes
      const g = ids.group(ctx, 'nodeAgents');
      this.pending.add(this.nodes.has(g) && nodeAgentsShown(this.snap(ctx)) ? g : ids.cluster(ctx));
    }
    if (ch.namespaces.size > 0 || ch.namespaceLabels) {
      // The cluster's migration text and the Namespaces group's summary and membership follow
      // pods and labels: refresh those parents only when what they show actually changed.
      this.summaryCheck.add(ctx);
    }
    if (ch.namespaces.size > 0 && this.restarts.degradedCount(ctx)) {
      // A workload whose pods were refused can finish rolling out by itself once istiod answers again.
      const snap = this.snap(ctx);
      if (snap)
        this.markWorkloads(
          ctx,
          this.restarts.heal(ctx, (w) => snap.proxies(w.namespace).filter((p) => p.workload.kind === w.kind && p.workload.name === w.name)),
        );
    }
    if (ch.namespaces.size > 0) {
      // Proxy counts on revisions change with pods.
      for (const id of this.nodes.keys()) if (id.startsWith(`c:${ctx}/rev:`)) this.pending.add(id);
      for (const ns of ch.namespaces) {
        const id = ids.namespace(ctx, ns, 'namespaces');
        if (this.nodes.has(id)) this.pending.add(id);
        else this.pending.add(ids.group(ctx, 'namespaces')); // it may have just joined the mesh
      }
    }
    this.schedule();
  }

  private readonly flushes: FlushTimer;
  private schedule(): void {
    this.flushes.request();
  }

  /** What the cluster node and the Namespaces group last showed, per context. */
  private readonly shownSummary = new Map<string, string>();
  private readonly summaryCheck = new Set<string>();

  private summaryOf(ctx: string): { cluster: string; group: string } {
    const snap = this.snap(ctx);
    if (!snap) return { cluster: '', group: '' };
    const m = snap.migration();
    const mesh = snap.namespaces().filter(inMesh);
    return {
      cluster: m ? `${m.from}|${m.to}|${m.percent}` : '',
      group: `${mesh.map((n) => n.name).join(',')}|${mesh.reduce((a, n) => a + n.stats.stale, 0)}`,
    };
  }

  /** Fires the pending refreshes now. */
  flush(): void {
    this.flushes.now();
  }

  private firePending(): void {
    for (const ctx of this.summaryCheck) {
      const now = this.summaryOf(ctx);
      const before = this.shownSummary.get(ctx);
      if (before !== undefined) {
        const [c0, g0] = before.split('\n');
        if (c0 !== now.cluster) this.pending.add(ids.cluster(ctx));
        if (g0 !== now.group) this.pending.add(ids.group(ctx, 'namespaces'));
      }
      this.shownSummary.set(ctx, `${now.cluster}\n${now.group}`);
    }
    this.summaryCheck.clear();
    if (this.pendingAll) {
      this.pendingAll = false;
      this.pending.clear();
      this.nodes.clear();
      this.parents.clear();
      this.refreshCount++;
      this.emitter.fire(undefined);
      return;
    }
    // Drop nodes whose ancestor is refreshed anyway.
    const list = [...this.pending].filter((id) => !hasPendingAncestor(this.pending, id));
    this.pending.clear();
    const nodes = list.map((id) => this.nodes.get(id)).filter((n): n is Node => !!n);
    if (nodes.length === 0) return;
    this.refreshCount += nodes.length;
    this.emitter.fire(nodes);
  }

  private node<T extends Node>(n: T, parent?: Node): T {
    const existing = this.nodes.get(n.id) as T | undefined;
    if (existing && existing.type === n.type) {
      this.parents.set(n.id, parent);
      return Object.assign(existing, n);
    }
    this.nodes.set(n.id, n);
    this.parents.set(n.id, parent);
    return n;
  }

  getParent(n: Node): Node | undefined {
    return this.parents.get(n.id);
  }

  /** Finds a rendered node by id (for reveal). */
  findNode(id: string): Node | undefined {
    return this.nodes.get(id);
  }

  /** Walks cluster → Namespaces → namespace (→ workload), materialising nodes, and returns the deepest found. */
  locate(context: string, namespace: string, workload?: { kind?: string; name: string }): Node | undefined {
    const cluster = this.getChildren().find((n) => n.context === context);
    if (!cluster) return undefined;
    const group = this.getChildren(cluster).find((n) => n.type === 'group' && n.group === 'namespaces');
    if (!group) return cluster;
    let nsNode = this.getChildren(group).find((n) => n.type === 'namespace' && n.name === namespace);
    if (!nsNode) {
      const other = this.getChildren(group).find((n) => n.type === 'otherNamespaces');
      nsNode = other ? this.getChildren(other).find((n) => n.type === 'namespace' && n.name === namespace) : undefined;
    }
    if (!nsNode) return group;
    if (!workload) return nsNode;
    return this.getChildren(nsNode).find((n) => n.type === 'workload' && n.name === workload.name && (!workload.kind || n.kind === workload.kind)) ?? nsNode;
  }

  private entry(ctx: string): ClusterEntry | undefined {
    return this.clusters.get(ctx);
  }
  private snap(ctx: string): ClusterSnapshot | undefined {
    return this.entry(ctx)?.watcher?.snapshot;
  }

  getChildren(parent?: Node): Node[] {
    if (!parent) return this.clusters.list().map((e) => this.node({ type: 'cluster', id: ids.cluster(e.context), context: e.context }));
    const ctx = parent.context;
    switch (parent.type) {
      case 'cluster':
        return this.clusterChildren(parent);
      case 'group':
        return this.groupChildren(parent);
      case 'revision':
        return this.revisionChildren(parent);
      case 'tag': {
        const snap = this.snap(ctx);
        if (!snap) return [];
        const names = snap.namespacesLabelled(parent.name);
        if (names.length === 0)
          return [
            this.node({ type: 'info', id: `${parent.id}/none`, context: ctx, label: vscode.l10n.t('No namespace follows this tag'), icon: 'info' }, parent),
          ];
        return names.map((n) => this.node({ type: 'namespace', id: ids.namespace(ctx, n, 'tag', parent.name), context: ctx, name: n, under: 'tag' }, parent));
      }
      case 'namespace':
        return this.workloads(ctx, parent.name).map((w) =>
          this.node(
            { type: 'workload', id: ids.workload(ctx, parent.name, w.kind, w.name), context: ctx, namespace: parent.name, kind: w.kind, name: w.name },
            parent,
          ),
        );
      case 'otherNamespaces': {
        const snap = this.snap(ctx);
        return (snap?.namespaces() ?? [])
          .filter((n) => !inMesh(n))
          .map((n) => this.node({ type: 'namespace', id: ids.namespace(ctx, n.name, 'other'), context: ctx, name: n.name, under: 'other' }, parent));
      }
      default:
        return [];
    }
  }

  private clusterChildren(parent: Extract<Node, { type: 'cluster' }>): Node[] {
    const ctx = parent.context;
    const e = this.entry(ctx);
    if (!e) return [];
    if (e.configError) return [this.node({ type: 'error', id: `${parent.id}/error`, context: ctx, message: e.configError, retry: true }, parent)];
    const phase = e.watcher?.phase;
    if (phase?.phase === 'connecting' && phase.credentials)
      // A credential plugin waiting for a login: say so, and let the user stop waiting (inline Cancel).
      return [
        this.node(
          {
            type: 'info',
            id: `${parent.id}/credentials`,
            context: ctx,
            label: vscode.l10n.t('Waiting for credentials of {0}…', ctx),
            description: vscode.l10n.t('plugin "{0}"', phase.credentials),
            tooltip: vscode.l10n.t(
              'The credential plugin "{0}" of context {1} has not answered yet: it may be waiting for a login (a browser or a terminal prompt). Cancel stops waiting; Retry tries again after you have logged in.',
              phase.credentials,
              ctx,
            ),
            icon: 'loading~spin',
            credentials: true,
          },
          parent,
        ),
      ];
    if (!phase || phase.phase === 'idle' || phase.phase === 'connecting')
      return [this.node({ type: 'info', id: `${parent.id}/loading`, context: ctx, label: vscode.l10n.t('Loading…'), icon: 'loading~spin' }, parent)];
    if (phase.phase === 'error') return [this.node({ type: 'error', id: `${parent.id}/error`, context: ctx, message: phase.message, retry: true }, parent)];
    const groups: GroupKind[] = ['controlPlanes', 'tags', 'namespaces', 'gateways'];
    if (e.watcher && nodeAgents(e.watcher.snapshot).length) groups.push('nodeAgents'); // ambient only
    const out: Node[] = groups.map((g) => this.node({ type: 'group', id: ids.group(ctx, g), context: ctx, group: g }, parent));
    // Kinds the user may not list: say so, with the verb and resource.
    for (const [kind, st] of e.watcher!.kindStatus) {
      if (st.state === 'scoped') {
        out.push(
          this.node(
            {
              type: 'info',
              id: `${parent.id}/kind:${kind}`,
              context: ctx,
              label: vscode.l10n.t('Only namespace {0}', st.namespace),
              description: vscode.l10n.t('you may not list {0} cluster-wide', kind === 'Pod' ? 'pods' : kind),
              tooltip: describeK8sError(st.error),
              icon: 'lock',
            },
            parent,
          ),
        );
      } else if (st.state === 'forbidden' || st.state === 'error') {
        out.push(
          this.node({ type: 'error', id: `${parent.id}/kind:${kind}`, context: ctx, message: describeK8sError(st.error), retry: st.state === 'error' }, parent),
        );
      }
    }
    return out;
  }

  private groupChildren(parent: Extract<Node, { type: 'group' }>): Node[] {
    const ctx = parent.context;
    const snap = this.snap(ctx);
    if (!snap) return [];
    const cp = snap.controlPlane;
    switch (parent.group) {
      case 'controlPlanes':
        if (cp.revisions.length === 0)
          return [
            this.node({ type: 'info', id: `${parent.id}/none`, context: ctx, label: vscode.l10n.t('No Istio control plane found'), icon: 'info' }, parent),
          ];
        return cp.revisions.map((r) => this.node({ type: 'revision', id: ids.revision(ctx, r.name), context: ctx, name: r.name }, parent));
      case 'tags':
        if (cp.tags.length === 0)
          return [this.node({ type: 'info', id: `${parent.id}/none`, context: ctx, label: vscode.l10n.t('No revision tags'), icon: 'info' }, parent)];
        return cp.tags.map((t) => this.node({ type: 'tag', id: ids.tag(ctx, t.name), context: ctx, name: t.name }, parent));
      case 'namespaces': {
        const all = snap.namespaces();
        const showAll = readSettings().showAllNamespaces;
        const shown = showAll ? all : all.filter(inMesh);
        const out: Node[] = shown.map((n) =>
          this.node({ type: 'namespace', id: ids.namespace(ctx, n.name, 'namespaces'), context: ctx, name: n.name, under: 'namespaces' }, parent),
        );
        if (!showAll && shown.length < all.length) out.push(this.node({ type: 'otherNamespaces', id: ids.other(ctx), context: ctx }, parent));
        return out;
      }
      case 'gateways': {
        const gws = snap.gateways();
        const managed = managedGateways(snap);
        if (gws.length === 0 && managed.length === 0)
          return [this.node({ type: 'info', id: `${parent.id}/none`, context: ctx, label: vscode.l10n.t('No gateways or waypoints'), icon: 'info' }, parent)];
        return [
          ...gws.map((g) =>
            this.node(
              { type: 'gateway', id: ids.gateway(ctx, g.namespace, g.kind, g.workload), context: ctx, namespace: g.namespace, kind: g.kind, name: g.workload },
              parent,
            ),
          ),
          ...managed.map((g) =>
            this.node(
              { type: 'managedGateway', id: ids.managedGateway(ctx, g.namespace, g.gateway), context: ctx, namespace: g.namespace, name: g.gateway },
              parent,
            ),
          ),
        ];
      }
      case 'nodeAgents':
        return nodeAgents(snap).map((a) =>
          this.node({ type: 'nodeAgent', id: ids.nodeAgent(ctx, a.namespace, a.daemonSet), context: ctx, namespace: a.namespace, name: a.daemonSet }, parent),
        );
    }
  }

  private revisionChildren(parent: Extract<Node, { type: 'revision' }>): Node[] {
    const ctx = parent.context;
    const snap = this.snap(ctx);
    const r = snap?.controlPlane.revisionByName.get(parent.name);
    if (!snap || !r) return [];
    const info = (key: string, label: string, description: string, icon: string, tooltip?: string) =>
      this.node({ type: 'info', id: `${parent.id}/${key}`, context: ctx, label, description, icon, tooltip }, parent);
    const out: Node[] = [];
    const none = vscode.l10n.t('none');
    out.push(info('deploy', vscode.l10n.t('Deployments'), r.deployments.join(', ') || none, 'server-process'));
    out.push(info('svc', vscode.l10n.t('Services'), r.services.join(', ') || none, 'plug'));
    out.push(info('mwc', vscode.l10n.t('Injection webhooks'), r.webhooks.join(', ') || none, 'symbol-event'));
    const nss = snap.namespacesResolvingTo(r.name);
    out.push(info('ns', vscode.l10n.t('Namespaces'), nss.length ? `${nss.length}: ${nss.join(', ')}` : none, 'symbol-namespace'));
    return out;
  }

  workloads(ctx: string, ns: string): WorkloadSummary[] {
    const snap = this.snap(ctx);
    return snap ? summarizeWorkloads(snap.proxies(ns)) : [];
  }

  getTreeItem(n: Node): vscode.TreeItem {
    switch (n.type) {
      case 'cluster':
        return this.clusterItem(n);
      case 'group':
        return this.groupItem(n);
      case 'revision':
        return this.revisionItem(n);
      case 'tag':
        return this.tagItem(n);
      case 'namespace':
        return this.namespaceItem(n);
      case 'otherNamespaces': {
        const snap = this.snap(n.context);
        const count = (snap?.namespaces() ?? []).filter((x) => !inMesh(x)).length;
        const it = new vscode.TreeItem(vscode.l10n.t('Other namespaces'), vscode.TreeItemCollapsibleState.Collapsed);
        it.id = n.id;
        it.description = vscode.l10n.t('{0} without injection labels or proxies', count);
        it.iconPath = new vscode.ThemeIcon('folder');
        it.contextValue = contextValue('otherNamespaces');
        return it;
      }
      case 'workload':
        return this.workloadItem(n);
      case 'gateway':
        return this.gatewayItem(n);
      case 'managedGateway':
        return this.managedGatewayItem(n);
      case 'nodeAgent':
        return this.nodeAgentItem(n);
      case 'info': {
        const it = new vscode.TreeItem(n.label, vscode.TreeItemCollapsibleState.None);
        it.id = n.id;
        it.description = n.description;
        it.tooltip = n.tooltip ?? n.description;
        if (n.icon) it.iconPath = new vscode.ThemeIcon(n.icon);
        it.contextValue = contextValue('info', { credentials: n.credentials });
        return it;
      }
      case 'error': {
        const it = new vscode.TreeItem(n.message, vscode.TreeItemCollapsibleState.None);
        it.id = n.id;
        it.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
        it.tooltip = new vscode.MarkdownString().appendText(n.message).appendMarkdown(n.retry ? '\n\n' + vscode.l10n.t('Use **Retry** to try again.') : '');
        it.contextValue = contextValue('error', { error: true, retry: n.retry });
        if (n.retry) it.command = { command: 'istioRevisions.cluster.retry', title: vscode.l10n.t('Retry'), arguments: [n] };
        return it;
      }
    }
  }

  private clusterItem(n: Extract<Node, { type: 'cluster' }>): vscode.TreeItem {
    const now = this.summaryOf(n.context);
    this.shownSummary.set(n.context, `${now.cluster}\n${now.group}`);
    const e = this.entry(n.context);
    const it = new vscode.TreeItem(n.context, vscode.TreeItemCollapsibleState.Expanded);
    it.id = n.id;
    const phase = e?.watcher?.phase;
    const snap = e?.watcher?.snapshot;
    const err = !!e?.configError || phase?.phase === 'error';
    const ready = phase?.phase === 'ready';
    const reconnecting = phase?.phase === 'reconnecting';
    const mig = ready ? snap?.migration() : undefined;
    it.description = err
      ? phase?.phase === 'error' && phase.error.kind === 'cancelled'
        ? vscode.l10n.t('cancelled')
        : vscode.l10n.t('unreachable')
      : phase?.phase === 'connecting' && phase.credentials
        ? vscode.l10n.t('waiting for credentials…')
        : !ready && !reconnecting
          ? vscode.l10n.t('loading…')
          : mig
            ? `${mig.from && mig.from !== mig.to ? `${mig.from} → ` : ''}${mig.to} ${mig.percent}%` +
              (reconnecting ? ' · ' + vscode.l10n.t('reconnecting') : '')
            : reconnecting
              ? vscode.l10n.t('reconnecting')
              : vscode.l10n.t('no Istio');
    it.iconPath = new vscode.ThemeIcon(
      err ? 'vm-outline' : 'vm-active',
      err ? new vscode.ThemeColor('errorForeground') : reconnecting ? new vscode.ThemeColor('editorWarning.foreground') : undefined,
    );
    const md = new vscode.MarkdownString(`**${n.context}**\n\n`);
    if (e?.server) md.appendMarkdown(vscode.l10n.t('Server: `{0}`', e.server) + '\n\n');
    if (mig) md.appendMarkdown(vscode.l10n.t('Migration to **{0}**: {1}% of {2} proxies, {3} stale', mig.to, mig.percent, mig.proxies, mig.stale) + '\n\n');
    if (phase?.phase === 'error') md.appendText(phase.message);
    if (e?.configError) md.appendText(e.configError);
    const left = this.restarts.left(n.context).length;
    const degradedCount = this.restarts.degradedCount(n.context);
    if (left) {
      it.description += ' · ' + vscode.l10n.t('restart stopped: {0} left', left);
      md.appendMarkdown(
        '\n\n' +
          vscode.l10n.t(
            'A restart stopped: {0} workload(s) with new pods rejected, {1} in all left. **Resume Restart** restarts them once their istiod is back.',
            degradedCount,
            left,
          ),
      );
    }
    it.tooltip = md;
    it.contextValue = contextValue('cluster', {
      error: err,
      ready,
      reconnecting,
      resumable: left > 0,
      credentials: phase?.phase === 'connecting' && !!phase.credentials,
    });
    return it;
  }

  private groupItem(n: Extract<Node, { type: 'group' }>): vscode.TreeItem {
    const snap = this.snap(n.context);
    const it = new vscode.TreeItem(
      groupLabel(n.group),
      n.group === 'gateways' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded,
    );
    it.id = n.id;
    it.iconPath = new vscode.ThemeIcon(GROUP_ICONS[n.group]);
    it.contextValue = contextValue('group', { [n.group]: true });
    if (snap) {
      const cp = snap.controlPlane;
      if (n.group === 'controlPlanes')
        it.description = `${cp.revisions.length}` + (cp.defaultRevision ? ' · ' + vscode.l10n.t('default {0}', cp.defaultRevision) : '');
      if (n.group === 'tags') it.description = String(cp.tags.length);
      if (n.group === 'namespaces') {
        const nss = snap.namespaces().filter(inMesh);
        const stale = nss.reduce((a, x) => a + x.stats.stale, 0);
        it.description = vscode.l10n.t('{0} in the mesh', nss.length) + (stale ? ' · ' + vscode.l10n.t('{0} stale', stale) : '');
      }
      if (n.group === 'gateways') it.description = String(snap.gateways().length + managedGateways(snap).length);
      if (n.group === 'nodeAgents') {
        const agents = nodeAgents(snap);
        const skewed = agents.filter((a) => describeSkew(a)).length;
        it.description = agents.map((a) => `${a.component} ${a.updated}/${a.pods}`).join(' · ') + (skewed ? ' · ' + vscode.l10n.t('version skew') : '');
      }
    }
    return it;
  }

  private revisionItem(n: Extract<Node, { type: 'revision' }>): vscode.TreeItem {
    const snap = this.snap(n.context);
    const r = snap?.controlPlane.revisionByName.get(n.name);
    const it = new vscode.TreeItem(n.name, vscode.TreeItemCollapsibleState.Collapsed);
    it.id = n.id;
    if (!snap || !r) return it;
    const px = snap.proxiesByRevision().get(r.name) ?? { proxies: 0, stale: 0 };
    const parts = [r.version ?? vscode.l10n.t('version ?'), readinessText(r.readiness, r.readyReplicas, r.replicas)];
    if (r.isDefault) parts.push(vscode.l10n.t('default'));
    if (r.tags.length) parts.push(vscode.l10n.t('tags {0}', r.tags.join(', ')));
    const proxies = px.proxies === 1 ? vscode.l10n.t('{0} proxy', px.proxies) : vscode.l10n.t('{0} proxies', px.proxies);
    parts.push(px.stale ? vscode.l10n.t('{0} ({1} stale)', proxies, px.stale) : proxies);
    // istioctl is what the actions assume unless told otherwise: only the other installers are named here.
    const sailRev =
      r.installedBy.kind === 'sail' && r.installedBy.owner?.kind === 'IstioRevision' ? snap.sail().revisions.get(r.installedBy.owner.name) : undefined;
    if (r.installedBy.kind === 'helm' || r.installedBy.kind === 'sail') parts.push(installMethodShort(r.installedBy));
    if (sailRev) {
      parts.push(sailRev.active ? vscode.l10n.t('active') : vscode.l10n.t('inactive'));
      if (sailRev.deletionAt)
        parts.push(
          sailRev.deletionInSeconds ? vscode.l10n.t('operator deletes it in {0} s', sailRev.deletionInSeconds) : vscode.l10n.t('operator deleting it'),
        );
      if (sailRev.deletionInSeconds) this.tick(n.id, Math.min(5000, sailRev.deletionInSeconds * 1000));
      else if (!sailRev.active && sailRev.inUse) parts.push(vscode.l10n.t('in use'));
    }
    it.description = parts.join(' · ');
    const color =
      r.readiness === 'ready'
        ? 'testing.iconPassed'
        : r.readiness === 'degraded' || r.readiness === 'scaledToZero'
          ? 'editorWarning.foreground'
          : 'errorForeground';
    it.iconPath = new vscode.ThemeIcon(
      r.isDefault ? 'star-full' : 'server-process',
      new vscode.ThemeColor(r.readiness === 'absent' ? 'disabledForeground' : color),
    );
    const md = new vscode.MarkdownString(
      (r.isDefault ? vscode.l10n.t('**Revision {0}** (default)', r.name) : vscode.l10n.t('**Revision {0}**', r.name)) + '\n\n',
    );
    const row = (label: string, value: string) => `| ${label} | ${value} |\n`;
    const version = r.version ?? vscode.l10n.t('unknown');
    md.appendMarkdown(
      '| | |\n|---|---|\n' + row(vscode.l10n.t('Istio version'), r.versionSource ? vscode.l10n.t('{0} (from {1})', version, r.versionSource) : version),
    );
    md.appendMarkdown(
      row('istiod', vscode.l10n.t('{0}/{1} ready ({2})', r.readyReplicas, r.replicas, r.readiness)) +
        row(vscode.l10n.t('Tags'), r.tags.join(', ') || '—') +
        row(vscode.l10n.t('Proxies'), vscode.l10n.t('{0} ({1} stale)', px.proxies, px.stale)),
    );
    md.appendMarkdown(row(vscode.l10n.t('Webhooks'), r.webhooks.join(', ') || '—'));
    const method = describeInstallMethod(r.installedBy);
    md.appendMarkdown(row(vscode.l10n.t('Installed by'), r.installedBy.from ? vscode.l10n.t('{0} (read from {1})', method, r.installedBy.from) : method));
    if (sailRev) md.appendMarkdown(row(vscode.l10n.t('Sail operator'), describeSailRevision(sailRev)));
    it.tooltip = md;
    it.contextValue = contextValue('revision', {
      default: r.isDefault,
      tagged: r.tags.length > 0,
      [r.readiness]: true,
      hasProxies: px.proxies > 0,
      [r.installedBy.kind]: true,
    });
    return it;
  }

  private tagItem(n: Extract<Node, { type: 'tag' }>): vscode.TreeItem {
    const snap = this.snap(n.context);
    const t = snap?.controlPlane.tagByName.get(n.name);
    const it = new vscode.TreeItem(n.name, vscode.TreeItemCollapsibleState.Collapsed);
    it.id = n.id;
    if (!snap || !t) return it;
    const followers = snap.namespacesLabelled(t.name);
    const version = snap.controlPlane.revisionByName.get(t.revision)?.version;
    const tagParts = [
      `→ ${t.revision}${version ? ` (${version})` : ''}`,
      followers.length === 1 ? vscode.l10n.t('{0} namespace', followers.length) : vscode.l10n.t('{0} namespaces', followers.length),
    ];
    if (!t.revisionInstalled) tagParts.push(vscode.l10n.t('revision missing'));
    // Its injector's webhook fails closed: pods created in the followers now are refused.
    const target = snap.controlPlane.revisionByName.get(t.revision);
    const injectorDown = !!target && t.revisionInstalled && (target.readiness === 'scaledToZero' || target.readiness === 'notReady');
    if (injectorDown) tagParts.push(vscode.l10n.t('istiod down'));
    it.description = tagParts.join(' · ');
    it.iconPath = new vscode.ThemeIcon(
      'tag',
      t.revisionInstalled && !t.conflict && !injectorDown ? undefined : new vscode.ThemeColor(injectorDown ? 'editorWarning.foreground' : 'errorForeground'),
    );
    const md = new vscode.MarkdownString(
      (version
        ? vscode.l10n.t('**Tag {0}** → revision **{1}** (Istio {2})', t.name, t.revision, version)
        : vscode.l10n.t('**Tag {0}** → revision **{1}**', t.name, t.revision)) + '\n\n',
    );
    if (!t.revisionInstalled)
      md.appendMarkdown(vscode.l10n.t('$(error) Revision {0} is not installed: pods in namespaces following this tag are not injected.', t.revision) + '\n\n');
    if (t.conflict) md.appendMarkdown(`$(warning) ${t.conflict}\n\n`);
    if (injectorDown)
      md.appendMarkdown(
        '$(warning) ' +
          vscode.l10n.t(
            'Revision {0} has no ready istiod ({1}): new pods in namespaces following this tag are rejected. Do not restart workloads there until it is back.',
            t.revision,
            target.readiness === 'scaledToZero' ? vscode.l10n.t('scaled to zero') : vscode.l10n.t('0 of {0} ready', target.replicas),
          ) +
          '\n\n',
      );
    md.appendMarkdown(
      vscode.l10n.t('Webhook: {0}', t.webhooks.join(', ') || '—') +
        (t.services.length ? '  \n' + vscode.l10n.t('Service: {0}', t.services.join(', ')) : '') +
        '\n\n' +
        vscode.l10n.t('Namespaces: {0}', followers.join(', ') || '—') +
        '\n\n' +
        vscode.l10n.t('Made by: {0}', describeInstallMethod(t.installedBy)),
    );
    md.supportThemeIcons = true;
    it.tooltip = md;
    it.contextValue = contextValue('tag', {
      default: t.name === 'default',
      missingRevision: !t.revisionInstalled,
      followed: followers.length > 0,
      injectorDown,
    });
    return it;
  }

  private namespaceItem(n: Extract<Node, { type: 'namespace' }>): vscode.TreeItem {
    const snap = this.snap(n.context);
    const v = snap?.namespace(n.name);
    const hasChildren = !!v && v.stats.pods > 0 && n.under !== 'tag';
    const it = new vscode.TreeItem(n.name, hasChildren ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    it.id = n.id;
    if (!v) return it;
    it.description = namespaceDescription(v);
    if (!v.labelsKnown) {
      it.iconPath = new vscode.ThemeIcon('lock');
      it.tooltip = new vscode.MarkdownString(
        vscode.l10n.t('**Namespace {0}**', v.name) +
          '\n\n' +
          vscode.l10n.t("You may not read this namespace's labels, so the revision its new pods get is unknown.") +
          '\n\n' +
          vscode.l10n.t(
            'Pods: {0} · proxies: {1} · running: {2}',
            v.stats.pods,
            v.stats.proxies,
            [...v.stats.byRevision].map(([r, c]) => `${r} × ${c}`).join(', ') || '—',
          ),
      );
      it.contextValue = contextValue('namespace', { labelsUnknown: true, proxies: v.stats.proxies > 0 });
      return it;
    }
    const worst = v.warnings.find((w) => w.code !== 'pinnedRevision');
    const ambient = v.labels.dataplaneMode === 'ambient' && !v.resolvedRevision;
    const icon = v.terminating
      ? 'trash'
      : worst
        ? 'warning'
        : v.stats.stale > 0
          ? 'history'
          : v.resolvedRevision
            ? 'pass'
            : ambient
              ? 'circle-large-filled'
              : 'circle-outline';
    const color = worst
      ? 'editorWarning.foreground'
      : v.stats.stale > 0
        ? 'editorWarning.foreground'
        : v.resolvedRevision || ambient
          ? 'testing.iconPassed'
          : 'disabledForeground';
    it.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
    const md = new vscode.MarkdownString(vscode.l10n.t('**Namespace {0}**', v.name) + '\n\n');
    const labelText = `${v.labels.injection !== undefined ? `\`istio-injection=${v.labels.injection}\`` : ''} ${v.labels.rev !== undefined ? `\`istio.io/rev=${v.labels.rev}\`` : ''}`;
    md.appendMarkdown(
      vscode.l10n.t('Labels: {0}', labelText + (v.labels.injection === undefined && v.labels.rev === undefined ? vscode.l10n.t('none') : '')) + '\n\n',
    );
    const outcome = describeOutcome(v.resolution);
    md.appendMarkdown(
      (v.resolution.kind === 'injected'
        ? vscode.l10n.t('New pods: **{0}** via {1} ({2})', outcome, v.resolution.via.configName, v.resolution.via.reason)
        : v.resolution.kind === 'none'
          ? vscode.l10n.t('New pods: **{0}** — {1}', outcome, v.resolution.reason)
          : vscode.l10n.t('New pods: **{0}**', outcome)) + '\n\n',
    );
    md.appendMarkdown(
      vscode.l10n.t('Pods: {0} · proxies: {1} · stale: {2}', v.stats.pods, v.stats.proxies, v.stats.stale) +
        (v.stats.missing ? ' · ' + vscode.l10n.t('without sidecar: {0}', v.stats.missing) : '') +
        '\n\n',
    );
    if (v.stats.byRevision.size) md.appendMarkdown(vscode.l10n.t('Running: {0}', [...v.stats.byRevision].map(([r, c]) => `${r} × ${c}`).join(', ')) + '\n\n');
    for (const w of v.warnings) md.appendMarkdown(`$(warning) ${escapeMd(w.message)}\n\n`);
    md.supportThemeIcons = true;
    it.tooltip = md;
    it.contextValue = contextValue('namespace', {
      labelled: v.labels.injection !== undefined || v.labels.rev !== undefined,
      rev: v.labels.rev !== undefined,
      injection: v.labels.injection !== undefined,
      stale: v.stats.stale > 0,
      proxies: v.stats.proxies > 0,
      ...Object.fromEntries(v.warnings.map((w) => [w.code, true])),
    });
    return it;
  }

  private workloadItem(n: Extract<Node, { type: 'workload' }>): vscode.TreeItem {
    const w = this.workloads(n.context, n.namespace).find((x) => x.kind === n.kind && x.name === n.name);
    const it = new vscode.TreeItem(n.name, vscode.TreeItemCollapsibleState.None);
    it.id = n.id;
    if (!w) return it;
    const revs = [...w.byRevision].map(([r, c]) => `${r} × ${c}`).join(', ');
    const wlParts = [n.kind, podCount(w.pods), revs || vscode.l10n.t('no sidecar')];
    if (w.stale) wlParts.push(vscode.l10n.t('{0} stale', w.stale));
    it.description = wlParts.join(' · ');
    it.iconPath = new vscode.ThemeIcon(w.stale ? 'history' : 'symbol-class', w.stale ? new vscode.ThemeColor('editorWarning.foreground') : undefined);
    const md = new vscode.MarkdownString(`**${n.kind} ${n.namespace}/${n.name}**\n\n`);
    for (const p of w.proxies.slice(0, 20)) {
      const line = `- \`${p.name}\`: ${p.injectedRevision ?? '?'} (${p.proxyVersion ?? '?'})`;
      md.appendMarkdown((p.stale ? vscode.l10n.t('{0} — stale: {1}', line, escapeMd(p.staleReason ?? '')) : line) + '\n');
    }
    if (w.proxies.length > 20) md.appendMarkdown('- ' + vscode.l10n.t('… {0} more', w.proxies.length - 20) + '\n');
    const v = this.verification(n.context, `${n.namespace}/${n.kind}/${n.name}`);
    if (v?.cluster) {
      md.appendMarkdown('\n' + vscode.l10n.t('**Asked the cluster** ({0}): {1}', v.at, escapeMd(describeVerification(v))) + '\n');
      if (!v.agrees) {
        it.description += ' · ' + vscode.l10n.t('cluster differs');
        it.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('editorWarning.foreground'));
      } else {
        it.description += ' · ' + vscode.l10n.t('verified');
      }
    } else if (v?.error) {
      md.appendMarkdown('\n' + vscode.l10n.t('**Could not ask the cluster**: {0}', escapeMd(v.error)) + '\n');
    }
    const degraded = this.restarts.degraded(n.context, `${n.namespace}/${n.kind}/${n.name}`);
    if (degraded) {
      // The restart stopped here: new pods refused while the old ones still serve.
      it.description += ' · ' + vscode.l10n.t('new pods rejected');
      it.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
      md.appendMarkdown(
        '\n' +
          vscode.l10n.t('**Restart stopped** ({0}): {1}', degraded.at, escapeMd(describeDegraded(degraded))) +
          ' ' +
          vscode.l10n.t('Use **Resume Restart** on the cluster when it is back.') +
          '\n',
      );
    }
    it.tooltip = md;
    const restartable = isRestartable(n.kind);
    it.contextValue = contextValue('workload', {
      stale: w.stale > 0,
      restartable,
      [n.kind.toLowerCase()]: true,
      differs: v?.agrees === false,
      degraded: !!degraded,
    });
    return it;
  }

  private gatewayItem(n: Extract<Node, { type: 'gateway' }>): vscode.TreeItem {
    const g = this.snap(n.context)
      ?.gateways()
      .find((x) => x.namespace === n.namespace && x.workload === n.name && x.kind === n.kind);
    const it = new vscode.TreeItem(`${n.namespace}/${n.name}`, vscode.TreeItemCollapsibleState.None);
    it.id = n.id;
    if (!g) return it;
    const runs = [...g.running].map(([r, c]) => `${r} × ${c}`).join(', ') || vscode.l10n.t('no sidecar');
    it.description = vscode.l10n.t('runs {0} · follows {1}', runs, g.follows) + (g.stale ? ' · ' + vscode.l10n.t('{0} stale', g.stale) : '');
    it.iconPath = new vscode.ThemeIcon('globe', g.stale ? new vscode.ThemeColor('editorWarning.foreground') : undefined);
    it.tooltip = new vscode.MarkdownString(
      [
        vscode.l10n.t('**Gateway {0}** ({1})', `${n.namespace}/${n.name}`, n.kind),
        vscode.l10n.t('Runs: {0}', runs),
        vscode.l10n.t('Follows: {0}', g.follows),
        vscode.l10n.t('Gateways are upgraded in place: restart them after moving the revision they follow.'),
      ].join('\n\n'),
    );
    it.contextValue = contextValue('gateway', { stale: g.stale > 0, restartable: isRestartable(n.kind) });
    return it;
  }
  private managedGatewayItem(n: Extract<Node, { type: 'managedGateway' }>): vscode.TreeItem {
    const g = this.snap(n.context) && managedGateways(this.snap(n.context)!).find((x) => x.namespace === n.namespace && x.gateway === n.name);
    const it = new vscode.TreeItem(`${n.namespace}/${n.name}`, vscode.TreeItemCollapsibleState.None);
    it.id = n.id;
    if (!g) return it;
    const runs = [...g.running].map(([r, c]) => `${r} × ${c}`).join(', ') || vscode.l10n.t('no pod');
    const kind = g.kind === 'waypoint' ? vscode.l10n.t('waypoint') : 'Gateway API';
    const mgParts = [kind, vscode.l10n.t('runs {0} · follows {1}', runs, g.followsRevision ?? vscode.l10n.t('nothing installed'))];
    if (g.rolling) mgParts.push(vscode.l10n.t('{0} rolling', g.rolling));
    it.description = mgParts.join(' · ');
    it.iconPath = new vscode.ThemeIcon(
      g.kind === 'waypoint' ? 'debug-step-over' : 'globe',
      !g.followsRevision ? new vscode.ThemeColor('editorError.foreground') : g.rolling ? new vscode.ThemeColor('editorWarning.foreground') : undefined,
    );
    const name = `${n.namespace}/${n.name}`;
    it.tooltip = new vscode.MarkdownString(
      [
        g.kind === 'waypoint'
          ? vscode.l10n.t('**Waypoint {0}** (class {1}, Deployment {2} made by istiod)', name, g.gatewayClass ?? '?', g.workload)
          : vscode.l10n.t('**Gateway API gateway {0}** (class {1}, Deployment {2} made by istiod)', name, g.gatewayClass ?? '?', g.workload),
        vscode.l10n.t('Runs: {0}', runs + (g.versions.length ? ` (${g.versions.join(', ')})` : '')),
        vscode.l10n.t('Follows: {0}', g.follows),
        vscode.l10n.t('istiod re-renders it when the revision it follows changes: moving the tag rolls it at once, no restart needed.'),
      ].join('\n\n'),
    );
    it.contextValue = contextValue('managedGateway', { [g.kind]: true, rolling: g.rolling > 0, orphaned: !g.followsRevision });
    return it;
  }

  private nodeAgentItem(n: Extract<Node, { type: 'nodeAgent' }>): vscode.TreeItem {
    const a = this.snap(n.context) && nodeAgents(this.snap(n.context)!).find((x) => x.namespace === n.namespace && x.daemonSet === n.name);
    const it = new vscode.TreeItem(a?.component ?? n.name, vscode.TreeItemCollapsibleState.None);
    it.id = n.id;
    if (!a) return it;
    const skew = describeSkew(a);
    const newest = a.versions[0]?.version ?? '?';
    const older = a.versions
      .slice(1)
      .map((v) => vscode.l10n.t('{0} on {1}', v.version, v.nodes.length))
      .join(', ');
    const bound = a.revision ? ` · ${a.previousRevision ? `${a.previousRevision} → ` : ''}${a.revision}` : '';
    const agentParts = [`${newest}${bound}`, vscode.l10n.t('nodes {0}/{1} updated', a.updated, a.pods) + (older ? ` (${older})` : '')];
    if (a.ready < a.pods) agentParts.push(vscode.l10n.t('{0}/{1} ready', a.ready, a.pods));
    if (skew) agentParts.push(vscode.l10n.t('version skew'));
    if (a.updateStrategy === 'OnDelete') agentParts.push('OnDelete');
    it.description = agentParts.join(' · ');
    it.iconPath = new vscode.ThemeIcon(
      'server-environment',
      skew ? new vscode.ThemeColor('editorError.foreground') : a.versions.length > 1 ? new vscode.ThemeColor('editorWarning.foreground') : undefined,
    );
    const md = new vscode.MarkdownString(vscode.l10n.t('**{0}** — DaemonSet {1}', a.component, `${a.namespace}/${a.daemonSet}`) + '\n\n');
    md.appendMarkdown(a.versions.map((v) => `- ${v.version}: ${v.nodes.join(', ')}`).join('\n') + '\n\n');
    if (a.revision)
      md.appendMarkdown(
        (a.previousRevision
          ? vscode.l10n.t(
              'Bound to revision {0} (not yet replaced pods: {1}): its istiod serves its configuration and certificates.',
              a.revision,
              a.previousRevision,
            )
          : vscode.l10n.t('Bound to revision {0}: its istiod serves its configuration and certificates.', a.revision)) + '\n\n',
      );
    md.appendMarkdown(
      skew
        ? `⚠ ${skew}\n\n`
        : vscode.l10n.t('Works with {0}.', a.skew.map((s) => `${s.revision} (${s.version})`).join(', ') || vscode.l10n.t('the installed revisions')) + '\n\n',
    );
    if (a.updateStrategy)
      md.appendMarkdown(
        (a.updateStrategy === 'OnDelete'
          ? vscode.l10n.t('updateStrategy OnDelete: a new version replaces no pod until you replace them node by node.')
          : vscode.l10n.t('updateStrategy {0}: applying a new version replaces the pods by itself.', a.updateStrategy)) + '\n\n',
      );
    md.appendMarkdown(
      vscode.l10n.t('Node agents cannot be canaried: upgrade them node by node. Restarting them all at once resets every connection on every node.'),
    );
    it.tooltip = md;
    it.contextValue = contextValue('nodeAgent', { [a.component === 'ztunnel' ? 'ztunnel' : 'cni']: true, mixed: a.versions.length > 1, skew: !!skew });
    return it;
  }
}

/** Whether some `/`-delimited prefix of `id` is itself pending (that node's refresh covers this one). */
function hasPendingAncestor(pending: ReadonlySet<string>, id: string): boolean {
  for (let i = id.indexOf('/'); i > 0; i = id.indexOf('/', i + 1)) if (pending.has(id.slice(0, i))) return true;
  return false;
}

function nodeAgentsShown(snap: ClusterSnapshot | undefined): boolean {
  return !!snap && nodeAgents(snap).length > 0;
}

export function namespaceDescription(v: NamespaceView): string {
  if (!v.labelsKnown) {
    const runs = [...v.stats.byRevision].map(([r, c]) => `${r} × ${c}`).join(', ');
    const parts = [vscode.l10n.t('labels not readable'), podCount(v.stats.pods)];
    if (runs) parts.push(vscode.l10n.t('runs {0}', runs));
    return parts.join(' · ');
  }
  const labels: string[] = [];
  if (v.labels.injection !== undefined) labels.push(`istio-injection=${v.labels.injection}`);
  if (v.labels.rev !== undefined) labels.push(`istio.io/rev=${v.labels.rev}`);
  if (v.labels.dataplaneMode !== undefined) labels.push(`dataplane-mode=${v.labels.dataplaneMode}`);
  // an ambient namespace without a sidecar label: its pods are captured by ztunnel, not injected
  const ambientOnly = v.labels.dataplaneMode === 'ambient' && v.resolution.kind === 'none';
  const target =
    v.resolution.kind === 'injected'
      ? v.resolution.revision
      : v.resolution.kind === 'ambiguous'
        ? vscode.l10n.t('ambiguous')
        : ambientOnly
          ? vscode.l10n.t('ambient (ztunnel)') + (v.labels.useWaypoint ? `, use-waypoint=${v.labels.useWaypoint}` : '')
          : vscode.l10n.t('not injected');
  const parts = [`${labels.join(' ') || vscode.l10n.t('no label')} → ${target}`, podCount(v.stats.pods)];
  if (v.stats.stale) parts.push(vscode.l10n.t('{0} stale', v.stats.stale));
  if (v.terminating) parts.push(vscode.l10n.t('terminating'));
  return parts.join(' · ');
}

function podCount(n: number): string {
  return n === 1 ? vscode.l10n.t('{0} pod', n) : vscode.l10n.t('{0} pods', n);
}

function readinessText(r: string, ready: number, want: number): string {
  switch (r) {
    case 'absent':
      return vscode.l10n.t('no istiod');
    case 'scaledToZero':
      return vscode.l10n.t('scaled to 0');
    default:
      return vscode.l10n.t('{0}/{1} ready', ready, want);
  }
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|]/g, '\\$&');
}
