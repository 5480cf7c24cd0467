/**
 * ClusterSnapshot: the live Istio model of one cluster.
 *
 * It holds the pruned objects the k8s layer lists and watches, and the facts
 * derived from them, and updates both incrementally:
 *  - a pod event re-analyses that pod only and adjusts its namespace's counters (O(1));
 *  - a namespace label change re-analyses the pods of that namespace only;
 *  - a control-plane change (webhook, istiod Deployment/Service, injector ConfigMap)
 *    rebuilds the small control-plane view, and re-analyses all pods only when the
 *    injection webhooks or revision versions actually changed.
 * Every mutation returns a SnapshotChange naming what changed, so the tree can
 * refresh the smallest affected nodes.
 */
import { buildControlPlane, injectorConfigMapRevision, isIstiodDeployment, isIstiodService, type ControlPlane, type RevisionInfo } from './controlplane';
import { describeOutcome, injectionLabels, type InjectionLabels, type InjectionOutcome } from './injection';
import { decideInjection } from './injectpolicy';
import { INJECT_POD_LABEL, INJECTION_LABEL, ist0123Labels, REV_LABEL, STATUS_ANNOTATION } from './labels';
import { analyzePod, isNodeAgentPod, proxyRevisionKey, type ProxyInfo } from './proxies';
import type { InjectorConfig, Kind, KindMap, Labels, Namespace, ObjectMeta, WatchEvent } from './types';
import { buildSailView, type SailView } from './sail';
import { compareVersions } from './version';

export interface SnapshotChange {
  controlPlane: boolean;
  /** Namespaces whose view changed (labels, pods, resolution). */
  namespaces: Set<string>;
  /** The set of namespaces itself changed (added or removed). */
  namespaceList: boolean;
  /** Some namespace's labels changed (tag followers may differ). */
  namespaceLabels: boolean;
  gateways: boolean;
  /** Node agent pods (ztunnel, istio-cni) changed. */
  nodeAgents?: boolean;
  /** What pods would get changed: webhooks, tags, revision versions or injector configs (not only status). */
  resolution?: boolean;
}

export const noChange = (): SnapshotChange => ({ controlPlane: false, namespaces: new Set(), namespaceList: false, namespaceLabels: false, gateways: false });

export function mergeChanges(a: SnapshotChange, b: SnapshotChange): SnapshotChange {
  return {
    controlPlane: a.controlPlane || b.controlPlane,
    namespaces: new Set([...a.namespaces, ...b.namespaces]),
    namespaceList: a.namespaceList || b.namespaceList,
    namespaceLabels: a.namespaceLabels || b.namespaceLabels,
    gateways: a.gateways || b.gateways,
    ...(a.nodeAgents || b.nodeAgents ? { nodeAgents: true } : {}),
    resolution: a.resolution || b.resolution || undefined,
  };
}

export interface NamespaceStats {
  pods: number;
  proxies: number;
  stale: number;
  missing: number;
  byRevision: Map<string, number>;
}

export type NamespaceWarningCode =
  'bothLabels' | 'unknownTarget' | 'invalidInjectionValue' | 'ambiguous' | 'tagMissingRevision' | 'pinnedRevision' | 'skippedByIstiod' | 'injectorDown';

export interface NamespaceWarning {
  code: NamespaceWarningCode;
  message: string;
}

/** A namespace as the snapshot sees it now. Views are kept and handed out again until something they show changes: read them, never change them. */
export interface NamespaceView {
  name: string;
  labels: InjectionLabels;
  resolution: InjectionOutcome;
  /** Revision new pods get, if exactly one. */
  resolvedRevision?: string;
  /** Tag the namespace follows, when its istio.io/rev names a tag. */
  viaTag?: string;
  stats: NamespaceStats;
  warnings: NamespaceWarning[];
  terminating: boolean;
  /** False when the user may not read the Namespace object: labels and resolution are unknown. */
  labelsKnown: boolean;
}

export interface GatewayView {
  namespace: string;
  workload: string;
  kind: string;
  pods: number;
  /** Revisions the gateway's proxies run now, with counts. */
  running: Map<string, number>;
  /** What the gateway's pods resolve to now. */
  follows: string;
  followsRevision?: string;
  stale: number;
  /** istioctl's built-in gateway (runs proxyv2 itself), not one injected with the gateway template. */
  builtIn: boolean;
}

export interface MigrationProgress {
  from?: string;
  to: string;
  percent: number;
  proxies: number;
  stale: number;
}

/** A namespace is in the mesh when it carries an injection label or runs (or should run) proxies — or its labels cannot be read. */
export function inMesh(n: NamespaceView): boolean {
  return (
    !n.labelsKnown ||
    n.labels.injection !== undefined ||
    n.labels.rev !== undefined ||
    n.labels.dataplaneMode === 'ambient' ||
    n.stats.proxies > 0 ||
    n.stats.missing > 0
  );
}

const emptyStats = (): NamespaceStats => ({ pods: 0, proxies: 0, stale: 0, missing: 0, byRevision: new Map() });

const metaKey = (m: ObjectMeta) => (m.namespace ? `${m.namespace}/${m.name}` : m.name);

export class ClusterSnapshot {
  private readonly objects: { [K in Kind]: Map<string, KindMap[K]> } = {
    Namespace: new Map(),
    Pod: new Map(),
    MutatingWebhookConfiguration: new Map(),
    Deployment: new Map(),
    Service: new Map(),
    ConfigMap: new Map(),
    DaemonSet: new Map(),
    Istio: new Map(),
    IstioRevision: new Map(),
    IstioRevisionTag: new Map(),
  };
  private readonly podsByNs = new Map<string, Set<string>>();
  private readonly proxyInfo = new Map<string, ProxyInfo>();
  /** The few pods that are node agents, gateways or istiod-managed gateways (dataplanePods()). */
  private readonly dataplane = new Map<string, ProxyInfo>();
  private readonly nsStats = new Map<string, NamespaceStats>();
  private readonly revProxies = new Map<string, { proxies: number; stale: number }>();
  private cp: ControlPlane;
  private resolutionFingerprint = '';
  /** False when Namespace objects cannot be listed: namespaces are known from their pods only. */
  private namespacesReadable = true;
  /**
   * A namespace's view apart from its pod counts, for the Namespace object and control plane it
   * was made from: it depends on nothing else, and the tree, the status bar and the page ask for
   * every namespace's view several times a second while pods churn. Objects are replaced, never
   * changed in place, so identity is the key.
   */
  private readonly viewCache = new Map<string, { ns: Namespace; cp: ControlPlane; view: Omit<NamespaceView, 'stats'>; full?: NamespaceView; stats?: number }>();
  /** Bumped whenever a namespace's pod counts change: a view with the same number is still current. */
  private readonly statsVersion = new Map<string, number>();
  /**
   * What the webhooks and istiod decide for a pod (decideInjection) depends on the control plane,
   * the namespace's name and labels, and of the pod only on its labels, hostNetwork and its
   * sidecar.istio.io/inject annotation. Pods of one workload share all of those, so the outcome is
   * kept per namespace (for its labels object and the control plane) by those pod fields.
   */
  private readonly decisions = new Map<string, { labels: Labels | undefined; cp: ControlPlane; byPod: Map<string, InjectionOutcome> }>();
  /** namespaceNames(), until a namespace comes or goes. */
  private sortedNames: string[] | undefined;

  constructor() {
    this.cp = buildControlPlane({ deployments: [], services: [], configMaps: [], mwcs: [] });
  }

  // ---- mutation -------------------------------------------------------

  /** Applies one watch event. */
  apply(ev: WatchEvent): SnapshotChange {
    return this.applyMany([ev]);
  }

  /** Applies a batch of events, rebuilding the control plane at most once. */
  applyMany(events: Iterable<WatchEvent>): SnapshotChange {
    const change = noChange();
    let cpDirty = false;
    const podEvents: WatchEvent<'Pod'>[] = [];
    const nsEvents: WatchEvent<'Namespace'>[] = [];
    for (const ev of events) {
      switch (ev.kind) {
        case 'Pod':
          podEvents.push(ev as WatchEvent<'Pod'>);
          break;
        case 'Namespace':
          nsEvents.push(ev as WatchEvent<'Namespace'>);
          break;
        case 'DaemonSet':
          if (this.storeDaemonSet(ev as WatchEvent<'DaemonSet'>)) change.nodeAgents = true;
          break;
        default:
          if (this.storeControlPlaneObject(ev)) cpDirty = true;
      }
    }
    if (cpDirty) this.rebuildControlPlane(change);
    for (const ev of nsEvents) this.applyNamespace(ev, change);
    for (const ev of podEvents) this.applyPod(ev, change);
    return change;
  }

  /** Replaces every object of a kind (initial list or re-list after a dropped watch). */
  replace<K extends Kind>(kind: K, items: Iterable<KindMap[K]>): SnapshotChange {
    const incoming = new Map<string, KindMap[K]>();
    for (const it of items) incoming.set(metaKey(it.metadata), it);
    const events: WatchEvent[] = [];
    const current = this.objects[kind] as Map<string, KindMap[K]>;
    for (const [k, obj] of current) if (!incoming.has(k)) events.push({ kind, type: 'DELETED', object: obj });
    for (const [k, obj] of incoming) {
      const old = current.get(k);
      if (old && old.metadata.resourceVersion && old.metadata.resourceVersion === obj.metadata.resourceVersion) continue;
      events.push({ kind, type: old ? 'MODIFIED' : 'ADDED', object: obj });
    }
    return this.applyMany(events);
  }

  /** Node agents' DaemonSets only (the k8s layer lists them all); no control-plane rebuild. */
  private storeDaemonSet(ev: WatchEvent<'DaemonSet'>): boolean {
    const k = metaKey(ev.object.metadata);
    const relevant = isNodeAgentPod(ev.object.metadata.labels) || isNodeAgentPod(ev.object.spec?.template?.metadata?.labels);
    if (ev.type === 'DELETED' || !relevant) return this.objects.DaemonSet.delete(k);
    this.objects.DaemonSet.set(k, ev.object);
    return true;
  }

  /** A node agent's DaemonSet, by `namespace/name`, when DaemonSets are readable. */
  daemonSet(key: string): KindMap['DaemonSet'] | undefined {
    return this.objects.DaemonSet.get(key);
  }

  private storeControlPlaneObject(ev: WatchEvent): boolean {
    const map = this.objects[ev.kind] as Map<string, unknown>;
    const k = metaKey(ev.object.metadata);
    // Only keep objects the control-plane view reads; the k8s layer may hand us more.
    const relevant =
      ev.kind === 'MutatingWebhookConfiguration' ||
      (ev.kind === 'Deployment' && isIstiodDeployment(ev.object as KindMap['Deployment'])) ||
      (ev.kind === 'Service' && isIstiodService(ev.object as KindMap['Service'])) ||
      (ev.kind === 'ConfigMap' && injectorConfigMapRevision(ev.object as KindMap['ConfigMap']) !== undefined) ||
      ev.kind === 'Istio' ||
      ev.kind === 'IstioRevision' ||
      ev.kind === 'IstioRevisionTag';
    if (ev.type === 'DELETED' || !relevant) return map.delete(k) || false;
    map.set(k, ev.object);
    return true;
  }

  private rebuildControlPlane(change: SnapshotChange): void {
    this.cp = buildControlPlane({
      deployments: this.objects.Deployment.values(),
      services: this.objects.Service.values(),
      configMaps: this.objects.ConfigMap.values(),
      mwcs: this.objects.MutatingWebhookConfiguration.values(),
    });
    change.controlPlane = true;
    change.gateways = true;
    const fp = JSON.stringify([
      this.cp.webhooks.map((w) => [w.configName, w.webhookName, w.revision, w.tag, w.deactivated, w.webhook.namespaceSelector, w.webhook.objectSelector]),
      this.cp.revisions.map((r) => [r.name, r.version, r.proxyVersion, r.injector]),
    ]);
    if (fp !== this.resolutionFingerprint) {
      this.resolutionFingerprint = fp;
      change.resolution = true;
      for (const ns of this.podsByNs.keys()) this.reanalyzeNamespace(ns);
      for (const ns of this.objects.Namespace.keys()) change.namespaces.add(ns);
      for (const ns of this.podsByNs.keys()) change.namespaces.add(ns);
    }
  }

  private applyNamespace(ev: WatchEvent<'Namespace'>, change: SnapshotChange): void {
    const name = ev.object.metadata.name;
    const old = this.objects.Namespace.get(name);
    if (ev.type === 'DELETED') {
      if (!old) return;
      this.objects.Namespace.delete(name);
      this.viewCache.delete(name);
      this.decisions.delete(name);
      this.sortedNames = undefined;
      change.namespaceList = true;
      change.namespaceLabels = true;
      change.namespaces.add(name);
      return;
    }
    this.objects.Namespace.set(name, ev.object);
    if (!old) {
      change.namespaceList = true;
      this.sortedNames = undefined;
    }
    change.namespaces.add(name);
    if (!old || !sameLabels(old.metadata.labels, ev.object.metadata.labels)) {
      change.namespaceLabels = true;
      this.reanalyzeNamespace(name);
      change.gateways = true;
    }
  }

  private applyPod(ev: WatchEvent<'Pod'>, change: SnapshotChange): void {
    const pod = ev.object;
    const k = metaKey(pod.metadata);
    const ns = pod.metadata.namespace ?? 'default';
    change.namespaces.add(ns);
    const old = this.proxyInfo.get(k);
    if (old) this.account(old, -1);
    // A terminating or finished pod runs no proxy any more: it leaves the model now.
    const gone = ev.type === 'DELETED' || !!pod.metadata.deletionTimestamp || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    if (gone) {
      this.objects.Pod.delete(k);
      this.proxyInfo.delete(k);
      this.dataplane.delete(k);
      this.podsByNs.get(ns)?.delete(k);
      if (old?.gateway || old?.role === 'managedGateway') change.gateways = true;
      if (old?.role === 'nodeAgent') change.nodeAgents = true;
      return;
    }
    this.objects.Pod.set(k, pod);
    let set = this.podsByNs.get(ns);
    if (!set) {
      set = new Set();
      this.podsByNs.set(ns, set);
    }
    set.add(k);
    const info = this.analyze(pod);
    this.setInfo(k, info);
    this.account(info, +1);
    if (info.gateway || old?.gateway || info.role === 'managedGateway' || old?.role === 'managedGateway') change.gateways = true;
    if (info.role === 'nodeAgent' || old?.role === 'nodeAgent') change.nodeAgents = true;
  }

  /** Tells the snapshot whether Namespace objects are readable (RBAC); re-analyses pods when that changes. */
  setNamespacesReadable(readable: boolean): SnapshotChange {
    const change = noChange();
    if (readable === this.namespacesReadable) return change;
    this.namespacesReadable = readable;
    for (const ns of this.podsByNs.keys()) {
      this.reanalyzeNamespace(ns);
      change.namespaces.add(ns);
    }
    change.namespaceList = true;
    return change;
  }

  private analyze(pod: KindMap['Pod']): ProxyInfo {
    const ns = pod.metadata.namespace ?? 'default';
    const obj = this.objects.Namespace.get(ns);
    const labels = obj ? obj.metadata.labels : this.namespacesReadable ? undefined : null;
    return analyzePod(
      pod,
      labels,
      this.cp.webhooks,
      (r) => {
        const ri = this.cp.revisionByName.get(r);
        return ri?.proxyVersion ?? ri?.version;
      },
      (t) => this.cp.tagByName.get(t)?.revision,
      undefined, // the injector is read by the decision memo below
      (p) => this.decide(p, ns, labels ?? undefined),
    );
  }

  /** The injector (ConfigMap values, policy) of a revision of the current control plane. */
  private readonly injectorOf = (r: string): InjectorConfig | undefined => this.cp.revisionByName.get(r)?.injector;

  private decide(pod: KindMap['Pod'], ns: string, nsLabels: Labels | undefined): InjectionOutcome {
    let d = this.decisions.get(ns);
    if (!d || d.labels !== nsLabels || d.cp !== this.cp) {
      d = { labels: nsLabels, cp: this.cp, byPod: new Map() };
      this.decisions.set(ns, d);
    }
    const key = decisionKey(pod);
    let o = d.byPod.get(key);
    if (!o) {
      o = decideInjection(this.cp.webhooks, nsLabels, pod, ns, this.injectorOf);
      // Pods with labels of their own (a StatefulSet's pod-name) never share: keep the memo small.
      if (d.byPod.size >= 256) d.byPod.clear();
      d.byPod.set(key, o);
    }
    return o;
  }

  private reanalyzeNamespace(ns: string): void {
    for (const k of this.podsByNs.get(ns) ?? []) {
      const pod = this.objects.Pod.get(k);
      if (!pod) continue;
      const old = this.proxyInfo.get(k);
      if (old) this.account(old, -1);
      const info = this.analyze(pod);
      this.setInfo(k, info);
      this.account(info, +1);
    }
  }

  private setInfo(k: string, info: ProxyInfo): void {
    this.proxyInfo.set(k, info);
    if (info.gateway || info.role === 'nodeAgent' || info.role === 'managedGateway') this.dataplane.set(k, info);
    else this.dataplane.delete(k);
  }

  private account(p: ProxyInfo, sign: 1 | -1): void {
    this.statsVersion.set(p.namespace, (this.statsVersion.get(p.namespace) ?? 0) + 1);
    let s = this.nsStats.get(p.namespace);
    if (!s) {
      s = emptyStats();
      this.nsStats.set(p.namespace, s);
    }
    s.pods += sign;
    if (p.missingProxy) s.missing += sign;
    if (!p.injected) return;
    s.proxies += sign;
    if (p.stale) s.stale += sign;
    const rk = proxyRevisionKey(p);
    const n = (s.byRevision.get(rk) ?? 0) + sign;
    if (n === 0) s.byRevision.delete(rk);
    else s.byRevision.set(rk, n);
    let r = this.revProxies.get(rk);
    if (!r) {
      r = { proxies: 0, stale: 0 };
      this.revProxies.set(rk, r);
    }
    r.proxies += sign;
    if (p.stale) r.stale += sign;
    if (r.proxies === 0) this.revProxies.delete(rk);
  }

  // ---- queries ----------------------------------------------------------

  get controlPlane(): ControlPlane {
    return this.cp;
  }

  get podCount(): number {
    return this.objects.Pod.size;
  }

  /** Proxies (injected pods) per revision key, with stale counts. */
  proxiesByRevision(): Map<string, { proxies: number; stale: number }> {
    return new Map([...this.revProxies].map(([k, v]) => [k, { ...v }]));
  }

  proxies(namespace?: string): ProxyInfo[] {
    if (namespace === undefined) return [...this.proxyInfo.values()];
    return [...(this.podsByNs.get(namespace) ?? [])].map((k) => this.proxyInfo.get(k)!).filter(Boolean);
  }

  /**
   * The pods that are node agents (ztunnel, istio-cni), gateways or gateways istiod manages: what
   * the Gateways and Node agents views read, without walking every pod of the cluster.
   */
  dataplanePods(): Iterable<ProxyInfo> {
    return this.dataplane.values();
  }

  /** A MutatingWebhookConfiguration by name (as listed: metadata and webhooks). */
  mutatingWebhookConfiguration(name: string): KindMap['MutatingWebhookConfiguration'] | undefined {
    return this.objects.MutatingWebhookConfiguration.get(name);
  }

  /** The Sail operator's resources, when its CRDs are installed (src/istio/sail.ts). */
  sail(now = Date.now()): SailView {
    return buildSailView(
      { istios: [...this.objects.Istio.values()], revisions: [...this.objects.IstioRevision.values()], tags: [...this.objects.IstioRevisionTag.values()] },
      now,
    );
  }

  /** Metadata of a watched control-plane object (webhook configurations, istiod Services and Deployments), for ownership checks. */
  ownedMeta(kind: 'MutatingWebhookConfiguration' | 'Service' | 'Deployment', namespace: string | undefined, name: string): ObjectMeta | undefined {
    const key = namespace ? `${namespace}/${name}` : name;
    return (this.objects[kind] as Map<string, { metadata: ObjectMeta }>).get(key)?.metadata;
  }

  /** A watched Deployment (istiod's), by `namespace/name`. */
  deployment(key: string): KindMap['Deployment'] | undefined {
    return this.objects.Deployment.get(key);
  }

  /** The (pruned) pod object. */
  pod(namespace: string, name: string): KindMap['Pod'] | undefined {
    return this.objects.Pod.get(`${namespace}/${name}`);
  }

  /** Names of the namespaces that hold pods now (or did: a namespace's last pod leaving keeps it), unsorted. */
  namespacesWithPods(): Iterable<string> {
    return this.podsByNs.keys();
  }

  namespaceNames(): string[] {
    if (this.namespacesReadable) return [...(this.sortedNames ??= [...this.objects.Namespace.keys()].sort())];
    const names = new Set(this.objects.Namespace.keys());
    for (const [ns, pods] of this.podsByNs) if (pods.size > 0) names.add(ns);
    return [...names].sort();
  }

  namespaceObject(name: string): Namespace | undefined {
    return this.objects.Namespace.get(name);
  }

  namespace(name: string): NamespaceView | undefined {
    const ns = this.objects.Namespace.get(name);
    if (!ns) return !this.namespacesReadable && (this.podsByNs.get(name)?.size ?? 0) > 0 ? this.unreadableView(name) : undefined;
    return this.viewOf(ns);
  }

  namespaces(): NamespaceView[] {
    return this.namespaceNames().map((n) => {
      const o = this.objects.Namespace.get(n);
      return o ? this.viewOf(o) : this.unreadableView(n);
    });
  }

  /** A namespace known only from its pods: the user may not read the Namespace object. */
  private unreadableView(name: string): NamespaceView {
    const stats = this.nsStats.get(name) ?? emptyStats();
    return {
      name,
      labels: { both: false },
      resolution: { kind: 'none', reason: `the labels of namespace ${name} cannot be read (no permission)`, matches: [] },
      stats: { ...stats, byRevision: new Map(stats.byRevision) },
      warnings: [],
      terminating: false,
      labelsKnown: false,
    };
  }

  private viewOf(ns: Namespace): NamespaceView {
    const name = ns.metadata.name;
    let c = this.viewCache.get(name);
    if (!c || c.ns !== ns || c.cp !== this.cp) {
      c = { ns, cp: this.cp, view: this.viewWithoutStats(ns) };
      this.viewCache.set(name, c);
    }
    const version = this.statsVersion.get(name) ?? 0;
    if (!c.full || c.stats !== version) {
      const stats = this.nsStats.get(name) ?? emptyStats();
      c.full = { ...c.view, stats: { ...stats, byRevision: new Map(stats.byRevision) } };
      c.stats = version;
    }
    return c.full;
  }

  private viewWithoutStats(ns: Namespace): Omit<NamespaceView, 'stats'> {
    const name = ns.metadata.name;
    const labels = injectionLabels(ns.metadata.labels);
    const resolution = decideInjection(this.cp.webhooks, ns.metadata.labels, { metadata: { name: '', namespace: name, labels: {} } }, name, this.injectorOf);
    const warnings: NamespaceWarning[] = [];
    let viaTag: string | undefined;
    if (resolution.kind === 'injected' && resolution.via.tag) viaTag = resolution.via.tag;
    if (labels.both) {
      warnings.push({
        code: 'bothLabels',
        message: `Both ${INJECTION_LABEL}=${labels.injection} and ${REV_LABEL}=${labels.rev} are set: ${INJECTION_LABEL} wins and ${REV_LABEL} is ignored${ist0123Labels(name, ns.metadata.labels ?? {}).length ? ' (IST0123)' : ''}.`,
      });
    }
    if (labels.injection !== undefined && labels.injection !== 'enabled' && labels.injection !== 'disabled') {
      warnings.push({
        code: 'invalidInjectionValue',
        message: `${INJECTION_LABEL}=${labels.injection} is neither "enabled" nor "disabled": no webhook selects it, so pods are not injected.`,
      });
    }
    if (labels.rev !== undefined && !labels.both) {
      const tag = this.cp.tagByName.get(labels.rev);
      const rev = this.cp.revisionByName.get(labels.rev);
      if (tag && !tag.revisionInstalled) {
        warnings.push({ code: 'tagMissingRevision', message: `Tag ${tag.name} points at revision ${tag.revision}, which is not installed.` });
      } else if (!tag && !(rev && (rev.deployments.length || rev.webhooks.length))) {
        warnings.push({ code: 'unknownTarget', message: `${REV_LABEL}=${labels.rev} names no installed revision or tag: new pods are not injected.` });
      } else if (!tag && rev && rev.tags.length > 0) {
        warnings.push({
          code: 'pinnedRevision',
          message: `Pinned to revision ${rev.name} while tag ${rev.tags.join(', ')} points at it: following the tag avoids a relabel on the next upgrade.`,
        });
      }
    }
    if (resolution.kind === 'none' && resolution.skippedBy) {
      warnings.push({
        code: 'skippedByIstiod',
        message: `The injection webhook of ${resolution.skippedBy.revision} selects this namespace, but ${resolution.reason.replace(/^.*istiod skips the pod: /, 'istiod injects nothing here: ')}.`,
      });
    }
    if (resolution.kind === 'injected') {
      // Istio's injection webhooks fail closed (failurePolicy Fail): with no istiod answering, new pods are refused.
      const rev = this.cp.revisionByName.get(resolution.revision);
      if (rev && (rev.readiness === 'scaledToZero' || rev.readiness === 'notReady')) {
        warnings.push({
          code: 'injectorDown',
          message: `New pods here are rejected: they go to revision ${rev.name}${viaTag ? ` (tag ${viaTag})` : ''}, whose istiod has no ready replica (${rev.readiness === 'scaledToZero' ? 'scaled to zero' : `0 of ${rev.replicas} ready`}), and its injection webhook fails closed. Do not restart workloads here until it is back.`,
        });
      }
    }
    if (resolution.kind === 'ambiguous') {
      warnings.push({
        code: 'ambiguous',
        message: `More than one injection webhook matches (${resolution.matches.map((m) => m.configName).join(', ')}): ${describeOutcome(resolution)}.`,
      });
    }
    return {
      name,
      labels,
      resolution,
      resolvedRevision: resolution.kind === 'injected' ? resolution.revision : undefined,
      viaTag,
      warnings,
      terminating: ns.status?.phase === 'Terminating' || !!ns.metadata.deletionTimestamp,
      labelsKnown: true,
    };
  }

  /** Namespaces that follow a revision or tag name through their istio.io/rev label (as istioctl tag list counts them). */
  namespacesLabelled(value: string): string[] {
    const out: string[] = [];
    for (const ns of this.objects.Namespace.values()) if (ns.metadata.labels?.[REV_LABEL] === value) out.push(ns.metadata.name);
    return out.sort();
  }

  /** Namespaces whose new pods would be injected by `revision`, directly or through a tag. */
  namespacesResolvingTo(revision: string): string[] {
    return this.namespaces()
      .filter((n) => n.resolvedRevision === revision)
      .map((n) => n.name);
  }

  gateways(): GatewayView[] {
    const by = new Map<string, GatewayView>();
    for (const p of this.dataplane.values()) {
      if (!p.gateway) continue;
      const k = `${p.namespace}/${p.workload.kind}/${p.workload.name}`;
      let g = by.get(k);
      if (!g) {
        g = {
          namespace: p.namespace,
          workload: p.workload.name,
          kind: p.workload.kind,
          pods: 0,
          running: new Map(),
          follows: describeOutcome(p.expected),
          followsRevision: p.expected.kind === 'injected' ? p.expected.revision : undefined,
          stale: 0,
          builtIn: this.pod(p.namespace, p.name)?.metadata.annotations?.[STATUS_ANNOTATION] === undefined,
        };
        by.set(k, g);
      }
      g.pods++;
      if (p.injected) {
        const rk = proxyRevisionKey(p);
        g.running.set(rk, (g.running.get(rk) ?? 0) + 1);
      }
      if (p.stale) g.stale++;
    }
    return [...by.values()].sort((a, b) => `${a.namespace}/${a.workload}`.localeCompare(`${b.namespace}/${b.workload}`));
  }

  /**
   * Migration progress toward the newest installed revision (by Istio version):
   * the share of proxies already running it. Undefined when nothing is installed.
   */
  migration(): MigrationProgress | undefined {
    const installed = this.cp.revisions.filter((r) => r.deployments.length > 0);
    if (installed.length === 0) return undefined;
    const byVersion = [...installed].sort((a, b) => compareRevisions(a, b));
    const to = byVersion[byVersion.length - 1];
    let total = 0;
    let stale = 0;
    let onTarget = 0;
    let fromName: string | undefined;
    let fromCount = -1;
    for (const [rk, v] of this.revProxies) {
      total += v.proxies;
      stale += v.stale;
      if (rk === to.name) onTarget += v.proxies;
      else if (v.proxies > fromCount) {
        fromName = rk;
        fromCount = v.proxies;
      }
    }
    return { from: fromName, to: to.name, percent: total === 0 ? 100 : Math.floor((onTarget * 100) / total), proxies: total, stale };
  }
}

function compareRevisions(a: RevisionInfo, b: RevisionInfo): number {
  if (a.version && b.version) {
    const c = compareVersions(a.version, b.version);
    if (c !== 0) return c;
  } else if (a.version || b.version) {
    return a.version ? 1 : -1;
  }
  return a.name.localeCompare(b.name);
}

/** The pod fields decideInjection reads besides the namespace and the control plane. */
function decisionKey(pod: KindMap['Pod']): string {
  let k = pod.spec?.hostNetwork ? 'h' : '-';
  const a = pod.metadata.annotations?.[INJECT_POD_LABEL];
  k += a === undefined ? '~' : JSON.stringify(a);
  const l = pod.metadata.labels;
  if (l) for (const n in l) k += `${n}\u0001${l[n]}\u0002`;
  return k;
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  const kb = Object.keys(b ?? {});
  if (ka.length !== kb.length) return false;
  for (const k of ka) if ((a ?? {})[k] !== (b ?? {})[k]) return false;
  return true;
}
