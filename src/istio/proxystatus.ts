/**
 * Data for the "Proxy status" panel (ISTIO.md §4), as plain JSON-safe objects so
 * the host can post them to the webview unchanged.
 *
 *  - shapeProxyStatus(): from a ClusterSnapshot (pod metadata, always available) the
 *    overall distribution by revision, one stacked bar per namespace, and one row per
 *    workload (revisions, proxy versions, stale count, pods); optionally joined with
 *    sync state from istiod.
 *  - parseSyncz(): istiod's HTTP `/debug/syncz` answer, exactly as
 *    pilot/pkg/xds/debug.go writes it (a JSON array of SyncStatus: `proxy`,
 *    `cluster_id`, `istio_version`, `cluster_sent`/`cluster_acked`, `listener_*`,
 *    `route_*`, `endpoint_*`, `extensionconfig_*`, and `resources` keyed by type URL
 *    with `sent`/`acked`/`lastError`). The per-type state follows istiod's own
 *    debugSyncStatus (pilot/pkg/xds/statusgen.go), which `istioctl proxy-status`
 *    prints: ERROR when the type has a last error, NOT SENT when nothing was sent,
 *    SYNCED when the acked nonce equals the sent one, STALE otherwise. Types a proxy
 *    does not watch are absent (istioctl prints them as IGNORED). Syncz does not name
 *    a revision: the istiod pod that answered does, through its istio.io/rev label.
 *  - filterRows() / filterNamespaces(): the panel's filters, shared by host and page.
 *
 * No vscode, no network.
 */
import { describeInstallMethod, type InstallMethodKind } from './installer';

/** The legend names the installer where actions differ from istioctl's (Helm, Sail), as the tree does. */
const shownInstaller = (k: InstallMethodKind) => k === 'helm' || k === 'sail';
import { describeVerification, type Verification } from './verify';
import { describeDegraded, type DegradedMark } from './restartLedger';
import { describeOutcome } from './injection';
import { proxyRevisionKey, type ProxyInfo } from './proxies';
import { describeSkew, managedGateways, nodeAgents } from './ambient';
import type { ClusterSnapshot, SnapshotChange } from './snapshot';

// ---- shaped data --------------------------------------------------------------

export interface RevisionCount {
  revision: string;
  count: number;
}

export interface RevisionSlice {
  /** Revision key (proxyRevisionKey): the injecting revision, or `unknown (<version>)`. */
  revision: string;
  proxies: number;
  stale: number;
  /** Installed version of the revision's istiod, when known. */
  version?: string;
  /** An istiod Deployment of this revision exists. */
  installed: boolean;
  isDefault: boolean;
  tags: string[];
  /** How the revision was installed, e.g. `Helm release istio-system/istiod-canary` (Helm and Sail revisions only). */
  installedBy?: string;
}

export interface NamespaceBar {
  namespace: string;
  pods: number;
  proxies: number;
  stale: number;
  /** Proxies per revision, largest first. */
  byRevision: RevisionCount[];
  /** Revision new pods get (if exactly one). */
  resolvedRevision?: string;
  /** How the namespace is labelled, as written (`istio.io/rev=prod`). */
  labels: string;
  viaTag?: string;
}

export type XdsSyncState = 'SYNCED' | 'NOT SENT' | 'STALE' | 'ERROR';

export interface XdsTypeSync {
  /** Short name as istioctl prints it (CDS, LDS, …) or the type URL. */
  type: string;
  state: XdsSyncState;
  sent?: string;
  acked?: string;
  lastError?: string;
  sentTime?: string;
}

/** Sync state of one proxy, as one istiod reported it. */
export interface ProxySync {
  proxyId: string;
  pod: string;
  namespace: string;
  clusterId?: string;
  istioVersion?: string;
  proxyType?: string;
  /** The istiod pod that reported it. */
  istiod: string;
  istiodNamespace: string;
  /** Control-plane revision: the istiod pod's istio.io/rev label. */
  controlPlaneRevision: string;
  types: XdsTypeSync[];
  /** Worst state over its types (ERROR > STALE > NOT SENT > SYNCED). */
  overall: XdsSyncState;
}

/** Sync of one pod's proxy, carried in a workload row. */
export interface PodSync {
  state: XdsSyncState | 'DISCONNECTED';
  istiod?: string;
  controlPlaneRevision?: string;
  /** Type → state, e.g. { CDS: 'SYNCED', LDS: 'STALE' }. */
  types?: Record<string, XdsSyncState>;
}

export interface PodRow {
  name: string;
  revision: string;
  version?: string;
  stale: boolean;
  staleReason?: string;
  ready: boolean;
  phase?: string;
  sync?: PodSync;
}

export interface WorkloadSyncSummary {
  synced: number;
  stale: number;
  notSent: number;
  error: number;
  /** Proxies no reachable istiod reported (only counted when every istiod answered). */
  disconnected: number;
  /** Proxies whose state is unknown (their istiod did not answer). */
  unknown: number;
  controlPlanes: string[];
  istiods: string[];
}

export interface WorkloadRow {
  /** Stable key: `namespace/kind/name`. */
  key: string;
  namespace: string;
  kind: string;
  name: string;
  gateway: boolean;
  pods: number;
  proxies: number;
  stale: number;
  revisions: RevisionCount[];
  versions: string[];
  /** What a pod created now would get. */
  expected: string;
  podRows: PodRow[];
  /** Present when sync data was available. */
  sync?: WorkloadSyncSummary;
  /** The cluster's answer from "Verify Injection with the Cluster", when it was asked. */
  verified?: { agrees: boolean; text: string };
  /** A restart stopped here: its new pods were refused (the revision's injector down). */
  degraded?: { revision?: string; text: string };
}

export interface ProxyStatusData {
  context: string;
  totals: { proxies: number; stale: number; pods: number; workloads: number; namespaces: number };
  revisions: RevisionSlice[];
  namespaces: NamespaceBar[];
  workloads: WorkloadRow[];
  migration?: { from?: string; to: string; percent: number };
  /** Whether rows carry sync state. */
  hasSync: boolean;
  /** Beyond sidecars (ambient, Gateway API): shown apart, never counted as proxies above. */
  dataplane?: {
    gateways: { kind: 'waypoint' | 'gateway'; namespace: string; name: string; runs: string; follows: string; rolling: number }[];
    nodeAgents: { component: string; versions: string; updated: number; pods: number; revision?: string; skew?: string }[];
  };
}

export interface ProxyStatusFilters {
  revision?: string;
  namespace?: string;
  staleOnly: boolean;
  notSynced: boolean;
  search: string;
}

export const emptyFilters = (): ProxyStatusFilters => ({ staleOnly: false, notSynced: false, search: '' });

/** Sync input to shaping: what every istiod reported, and whether all of them answered. */
export interface SyncInput {
  proxies: ProxySync[];
  /** True when every running istiod answered: an injected pod missing from all answers is disconnected. */
  complete: boolean;
}

const byCountDesc = (a: RevisionCount, b: RevisionCount) => b.count - a.count || a.revision.localeCompare(b.revision);

function labelsText(l: { injection?: string; rev?: string }): string {
  const parts: string[] = [];
  if (l.injection !== undefined) parts.push(`istio-injection=${l.injection}`);
  if (l.rev !== undefined) parts.push(`istio.io/rev=${l.rev}`);
  return parts.join(' ');
}

/** Index of sync answers by proxy id `<pod>.<namespace>`. */
export function syncIndex(proxies: readonly ProxySync[]): Map<string, ProxySync> {
  const m = new Map<string, ProxySync>();
  for (const p of proxies) m.set(`${p.pod}.${p.namespace}`, p);
  return m;
}

function podSync(p: ProxyInfo, idx: Map<string, ProxySync> | undefined, complete: boolean): PodSync | undefined {
  if (!idx || !p.injected) return undefined;
  const s = idx.get(`${p.name}.${p.namespace}`);
  if (!s) return complete && p.phase === 'Running' ? { state: 'DISCONNECTED' } : undefined;
  return {
    state: s.overall,
    istiod: s.istiod,
    controlPlaneRevision: s.controlPlaneRevision,
    types: Object.fromEntries(s.types.map((t) => [t.type, t.state])),
  };
}

/**
 * How long the panel waits before reshaping after a cluster change: at least `minMs`, and four
 * times what the last reshape took, so that reshaping a large cluster during a restart storm
 * takes at most a fifth of the extension host's time.
 */
export function reshapeDelay(lastShapeMs: number, minMs = 200): number {
  return Math.max(minMs, Math.round(4 * lastShapeMs));
}

/**
 * The order of the page's rows, the same in the extension host and in the page (which merges deltas
 * into it): one fixed locale, since the host's default locale comes from the OS and the page's from
 * VS Code's display language. Made on first use: building a collator loads its collation data
 * (~2 ms), which activation need not wait for.
 */
let collatorMade: Intl.Collator | undefined;
const collator = (): Intl.Collator => (collatorMade ??= new Intl.Collator('en'));
/** Builds the row order's collator now (the page does it when idle, before the first delta needs it). */
export function warmRowOrder(): void {
  collator();
}
/** The order of the page's workload rows. */
const byKey = (a: WorkloadRow, b: WorkloadRow) => collator().compare(a.key, b.key);

/** The workload rows of some pods (with no verification or degraded marks), and how many pods they are. */
function workloadRows(proxies: Iterable<ProxyInfo>, idx: Map<string, ProxySync> | undefined, complete: boolean): { rows: WorkloadRow[]; pods: number } {
  const rows = new Map<string, WorkloadRow & { revMap: Map<string, number>; verSet: Set<string> }>();
  let pods = 0;
  for (const p of proxies) {
    pods++;
    const key = `${p.namespace}/${p.workload.kind}/${p.workload.name}`;
    let row = rows.get(key);
    if (!row) {
      row = {
        key,
        namespace: p.namespace,
        kind: p.workload.kind,
        name: p.workload.name,
        gateway: p.gateway,
        pods: 0,
        proxies: 0,
        stale: 0,
        revisions: [],
        versions: [],
        expected: describeOutcome(p.expected),
        podRows: [],
        revMap: new Map(),
        verSet: new Set(),
      };
      rows.set(key, row);
    }
    row.pods++;
    row.gateway ||= p.gateway;
    if (!p.injected) continue;
    row.proxies++;
    if (p.stale) row.stale++;
    const rk = proxyRevisionKey(p);
    row.revMap.set(rk, (row.revMap.get(rk) ?? 0) + 1);
    if (p.proxyVersion) row.verSet.add(p.proxyVersion);
    row.podRows.push({
      name: p.name,
      revision: rk,
      version: p.proxyVersion,
      stale: p.stale,
      staleReason: p.staleReason,
      ready: p.ready,
      phase: p.phase,
      sync: podSync(p, idx, complete),
    });
  }
  const out: WorkloadRow[] = [];
  for (const r of rows.values()) {
    if (r.proxies === 0) continue; // the panel is about proxies; pods without one are in the tree
    const { revMap, verSet, ...row } = r;
    row.revisions = [...revMap].map(([revision, count]) => ({ revision, count })).sort(byCountDesc);
    row.versions = [...verSet].sort();
    row.podRows.sort((a, b) => collator().compare(a.name, b.name));
    if (idx) row.sync = summarizeSync(row.podRows);
    out.push(row);
  }
  return { rows: out, pods };
}

/**
 * Each namespace's workload rows, kept between shapes of one snapshot: a row depends only on
 * its namespace's pods (ProxyInfo) and on the sync answer, so after a change only the
 * namespaces the snapshot names in SnapshotChange.namespaces are shaped again. During a
 * restart storm that is a few dozen namespaces per shape instead of every pod.
 */
export class ProxyStatusMemo {
  private snap: ClusterSnapshot | undefined;
  private sync: SyncInput | undefined;
  private readonly byNs = new Map<string, { rows: WorkloadRow[]; pods: number }>();
  /** Tells the memo what a snapshot change touched; no change (a phase, a new cluster list) forgets all. */
  changed(change?: SnapshotChange): void {
    if (!change) this.byNs.clear();
    else for (const ns of change.namespaces) this.byNs.delete(ns);
  }
  /** The namespaces with pods, in any order; forgets everything for another snapshot or sync answer. */
  namespacesFor(snap: ClusterSnapshot, sync: SyncInput | undefined): Iterable<string> {
    if (snap !== this.snap || sync !== this.sync) {
      this.snap = snap;
      this.sync = sync;
      this.byNs.clear();
    }
    return snap.namespacesWithPods();
  }
  rowsOf(snap: ClusterSnapshot, ns: string, idx: Map<string, ProxySync> | undefined, complete: boolean): { rows: WorkloadRow[]; pods: number } {
    let r = this.byNs.get(ns);
    if (!r) {
      r = workloadRows(snap.proxies(ns), idx, complete);
      this.byNs.set(ns, r);
    }
    return r;
  }
}

// ---- updates to the page: whole, or only the namespaces whose rows changed ---------------

/** The rows of some namespaces, replacing all the page had of them (a namespace with no row here has none left). */
export interface WorkloadDelta {
  namespaces: string[];
  workloads: WorkloadRow[];
}

export type ProxyStatusUpdate =
  | { kind: 'state'; seq: number; data: ProxyStatusData }
  /** Applies to the page's state numbered `base` only; everything but the workload rows is whole. */
  | { kind: 'delta'; seq: number; base: number; data: Omit<ProxyStatusData, 'workloads'>; rows: WorkloadDelta };

/**
 * What the panel posts for each shape. The first shape, and the first after reset() (a new page,
 * a message not delivered, the page asking), goes whole; after that only the namespaces whose rows
 * are not the very objects posted last time (ProxyStatusMemo keeps unchanged rows) are sent.
 * At 10,000 proxies a whole state is ~1.2 MB to serialize (the storm bench: 1,226 KiB, deltas 87 KiB on average).
 */
export class ProxyStatusDeltas {
  private sent: Map<string, WorkloadRow[]> | undefined;
  private seq = 0;
  reset(): void {
    this.sent = undefined;
  }
  next(data: ProxyStatusData): ProxyStatusUpdate {
    const byNs = new Map<string, WorkloadRow[]>();
    for (const r of data.workloads) {
      const a = byNs.get(r.namespace);
      if (a) a.push(r);
      else byNs.set(r.namespace, [r]);
    }
    const prev = this.sent;
    this.sent = byNs;
    const base = this.seq++;
    if (!prev) return { kind: 'state', seq: this.seq, data };
    const namespaces: string[] = [];
    const workloads: WorkloadRow[] = [];
    for (const [ns, rows] of byNs) {
      const old = prev.get(ns);
      if (old && old.length === rows.length && old.every((r, i) => r === rows[i])) continue;
      namespaces.push(ns);
      for (const r of rows) workloads.push(r);
    }
    for (const ns of prev.keys()) if (!byNs.has(ns)) namespaces.push(ns);
    const { workloads: _all, ...rest } = data;
    return { kind: 'delta', seq: this.seq, base, data: rest, rows: { namespaces, workloads } };
  }
}

/** The page's side of a delta: `prev`'s rows of the named namespaces replaced, in the order shapeProxyStatus sorts them. */
export function applyProxyStatusDelta(prev: ProxyStatusData, data: Omit<ProxyStatusData, 'workloads'>, rows: WorkloadDelta): ProxyStatusData {
  const replaced = new Set(rows.namespaces);
  const kept = prev.workloads.filter((r) => !replaced.has(r.namespace));
  const added = [...rows.workloads].sort(byKey);
  const workloads: WorkloadRow[] = [];
  let i = 0;
  let j = 0;
  while (i < kept.length && j < added.length) workloads.push(byKey(kept[i], added[j]) <= 0 ? kept[i++] : added[j++]);
  while (i < kept.length) workloads.push(kept[i++]);
  while (j < added.length) workloads.push(added[j++]);
  return { ...data, workloads };
}

/** Shapes the snapshot for the panel. Only injected pods count as proxies; pods without one appear in `pods` only. */
export function shapeProxyStatus(
  snap: ClusterSnapshot,
  context: string,
  sync?: SyncInput,
  verificationOf?: (key: string) => Verification | undefined,
  degradedOf?: (key: string) => DegradedMark | undefined,
  /** Keeps each namespace's rows between shapes (the panel's; see ProxyStatusMemo). */
  memo?: ProxyStatusMemo,
): ProxyStatusData {
  const cp = snap.controlPlane;
  const idx = sync ? syncIndex(sync.proxies) : undefined;
  const complete = !!sync?.complete;

  const revisions: RevisionSlice[] = [...snap.proxiesByRevision()].map(([revision, v]) => {
    const r = cp.revisionByName.get(revision);
    return {
      revision,
      proxies: v.proxies,
      stale: v.stale,
      version: r?.version,
      installed: !!r && r.deployments.length > 0,
      isDefault: !!r?.isDefault,
      tags: r ? [...r.tags] : [],
      ...(r && r.deployments.length && shownInstaller(r.installedBy.kind) ? { installedBy: describeInstallMethod(r.installedBy) } : {}),
    };
  });
  // Installed revisions with no proxies yet still belong in the chart's legend.
  for (const r of cp.revisions) {
    if (r.deployments.length === 0 || revisions.some((x) => x.revision === r.name)) continue;
    revisions.push({
      revision: r.name,
      proxies: 0,
      stale: 0,
      version: r.version,
      installed: true,
      isDefault: r.isDefault,
      tags: [...r.tags],
      ...(shownInstaller(r.installedBy.kind) ? { installedBy: describeInstallMethod(r.installedBy) } : {}),
    });
  }
  revisions.sort((a, b) => b.proxies - a.proxies || a.revision.localeCompare(b.revision));

  const workloads: WorkloadRow[] = [];
  let pods = 0;
  for (const ns of memo ? memo.namespacesFor(snap, sync) : [undefined]) {
    const part = memo ? memo.rowsOf(snap, ns!, idx, complete) : workloadRows(snap.proxies(), idx, complete);
    pods += part.pods;
    for (const r of part.rows) {
      const v = verificationOf?.(r.key);
      const d = degradedOf?.(r.key);
      if (!(v?.cluster && v.agrees !== undefined) && !d) {
        workloads.push(r);
        continue;
      }
      // The memo's rows are shared between shapes: marks go on a copy.
      const row = { ...r };
      if (v?.cluster && v.agrees !== undefined) row.verified = { agrees: v.agrees, text: describeVerification(v) };
      if (d) row.degraded = { revision: d.revision, text: describeDegraded(d) };
      workloads.push(row);
    }
  }
  workloads.sort(byKey);

  const namespaces: NamespaceBar[] = [];
  for (const n of snap.namespaces()) {
    if (n.stats.proxies === 0) continue;
    namespaces.push({
      namespace: n.name,
      pods: n.stats.pods,
      proxies: n.stats.proxies,
      stale: n.stats.stale,
      byRevision: [...n.stats.byRevision].map(([revision, count]) => ({ revision, count })).sort(byCountDesc),
      resolvedRevision: n.resolvedRevision,
      labels: labelsText(n.labels),
      viaTag: n.viaTag,
    });
  }

  const totalProxies = revisions.reduce((a, r) => a + r.proxies, 0);
  const m = snap.migration();
  return {
    context,
    totals: { proxies: totalProxies, stale: revisions.reduce((a, r) => a + r.stale, 0), pods, workloads: workloads.length, namespaces: namespaces.length },
    revisions,
    namespaces,
    workloads,
    migration: m ? { from: m.from, to: m.to, percent: m.percent } : undefined,
    hasSync: !!idx,
    ...dataplaneOf(snap),
  };
}

function dataplaneOf(snap: ClusterSnapshot): Pick<ProxyStatusData, 'dataplane'> {
  const gws = managedGateways(snap);
  const agents = nodeAgents(snap);
  if (!gws.length && !agents.length) return {};
  return {
    dataplane: {
      gateways: gws.map((g) => ({
        kind: g.kind,
        namespace: g.namespace,
        name: g.gateway,
        runs: [...g.running].map(([r, n]) => `${r} × ${n}`).join(', '),
        follows: g.followsRevision ?? 'nothing installed',
        rolling: g.rolling,
      })),
      nodeAgents: agents.map((a) => ({
        component: a.component,
        versions: a.versions.map((v) => `${v.version} on ${v.nodes.length}`).join(', '),
        updated: a.updated,
        pods: a.pods,
        ...(a.revision ? { revision: a.previousRevision ? `${a.previousRevision} → ${a.revision}` : a.revision } : {}),
        ...(describeSkew(a) ? { skew: describeSkew(a) } : {}),
      })),
    },
  };
}

function summarizeSync(podRows: PodRow[]): WorkloadSyncSummary {
  const s: WorkloadSyncSummary = { synced: 0, stale: 0, notSent: 0, error: 0, disconnected: 0, unknown: 0, controlPlanes: [], istiods: [] };
  const cps = new Set<string>();
  const istiods = new Set<string>();
  for (const p of podRows) {
    const st = p.sync?.state;
    if (st === 'SYNCED') s.synced++;
    else if (st === 'STALE') s.stale++;
    else if (st === 'NOT SENT') s.notSent++;
    else if (st === 'ERROR') s.error++;
    else if (st === 'DISCONNECTED') s.disconnected++;
    else s.unknown++;
    if (p.sync?.controlPlaneRevision) cps.add(p.sync.controlPlaneRevision);
    if (p.sync?.istiod) istiods.add(p.sync.istiod);
  }
  s.controlPlanes = [...cps].sort();
  s.istiods = [...istiods].sort();
  return s;
}

/** A row is "not synced" when istiod reported one of its proxies as anything but SYNCED, or a proxy is disconnected. */
export function rowNotSynced(r: WorkloadRow): boolean {
  const s = r.sync;
  return !!s && s.stale + s.notSent + s.error + s.disconnected > 0;
}

/** The panel's filters applied to workload rows. */
export function filterRows(rows: readonly WorkloadRow[], f: ProxyStatusFilters): WorkloadRow[] {
  const q = f.search.trim().toLowerCase();
  return rows.filter((r) => {
    if (f.namespace && r.namespace !== f.namespace) return false;
    if (f.revision && !r.revisions.some((x) => x.revision === f.revision)) return false;
    if (f.staleOnly && r.stale === 0) return false;
    if (f.notSynced && !rowNotSynced(r)) return false;
    if (q) {
      const hay = [r.namespace, r.kind, r.name, r.expected, ...r.revisions.map((x) => x.revision), ...r.versions, ...r.podRows.map((p) => p.name)]
        .join('\n')
        .toLowerCase();
      if (!hay.includes(q)) return false;
    }
    return true;
  });
}

/** Namespace bars consistent with the filtered rows: a namespace is shown when one of its workloads is. */
export function filterNamespaces(bars: readonly NamespaceBar[], visibleRows: readonly WorkloadRow[], f: ProxyStatusFilters): NamespaceBar[] {
  const noFilter = !f.namespace && !f.revision && !f.staleOnly && !f.notSynced && !f.search.trim();
  if (noFilter) return [...bars];
  const keep = new Set(visibleRows.map((r) => r.namespace));
  return bars.filter((b) => keep.has(b.namespace));
}

// ---- /debug/syncz -------------------------------------------------------------

/** Type URLs (pkg/model/xds.go) and istioctl's short names (GetShortType). */
export const XDS_TYPES: Record<string, string> = {
  'type.googleapis.com/envoy.config.cluster.v3.Cluster': 'CDS',
  'type.googleapis.com/envoy.config.listener.v3.Listener': 'LDS',
  'type.googleapis.com/envoy.config.route.v3.RouteConfiguration': 'RDS',
  'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment': 'EDS',
  'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret': 'SDS',
  'type.googleapis.com/istio.networking.nds.v1.NameTable': 'NDS',
  'type.googleapis.com/istio.mesh.v1alpha1.ProxyConfig': 'PCDS',
  'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig': 'ECDS',
  'type.googleapis.com/istio.workload.Address': 'WDS',
  'type.googleapis.com/istio.workload.Workload': 'WDS',
  'type.googleapis.com/istio.security.Authorization': 'WADS',
};

/** The five per-type field pairs of SyncStatus, in istioctl's column order. */
const LEGACY_FIELDS: [string, string][] = [
  ['CDS', 'cluster'],
  ['LDS', 'listener'],
  ['EDS', 'endpoint'],
  ['RDS', 'route'],
  ['ECDS', 'extensionconfig'],
];
const TYPE_ORDER = ['CDS', 'LDS', 'EDS', 'RDS', 'ECDS', 'SDS', 'NDS', 'PCDS', 'WDS', 'WADS'];

/** istiod's debugSyncStatus (pilot/pkg/xds/statusgen.go). */
export function xdsState(sent: string | undefined, acked: string | undefined, lastError?: string): XdsSyncState {
  if (lastError) return 'ERROR';
  if (!sent) return 'NOT SENT';
  if (acked === sent) return 'SYNCED';
  return 'STALE';
}

const RANK: Record<XdsSyncState, number> = { SYNCED: 0, 'NOT SENT': 1, STALE: 2, ERROR: 3 };

/** Worst state of a proxy's types; a proxy to which nothing at all was sent is NOT SENT. */
export function overallState(types: readonly XdsTypeSync[]): XdsSyncState {
  let worst: XdsSyncState = 'SYNCED';
  let anySent = false;
  for (const t of types) {
    if (t.state !== 'NOT SENT') anySent = true;
    if (t.state !== 'NOT SENT' && RANK[t.state] > RANK[worst]) worst = t.state;
  }
  return anySent ? worst : 'NOT SENT';
}

/** `<pod>.<namespace>`: namespaces have no dots, so the last dot splits. */
export function splitProxyId(id: string): { pod: string; namespace: string } | undefined {
  const i = id.lastIndexOf('.');
  if (i <= 0 || i === id.length - 1) return undefined;
  return { pod: id.slice(0, i), namespace: id.slice(i + 1) };
}

export interface IstiodRef {
  name: string;
  namespace: string;
  /** The pod's istio.io/rev label (`default` when unset). */
  revision: string;
}

export type SynczParse = { ok: true; proxies: ProxySync[]; skipped: number } | { ok: false; error: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Parses one istiod's `/debug/syncz` answer (already JSON-decoded). Entries without a usable proxy id are skipped and counted. */
export function parseSyncz(json: unknown, istiod: IstiodRef): SynczParse {
  if (!Array.isArray(json)) return { ok: false, error: `expected a JSON array of sync statuses, got ${json === null ? 'null' : typeof json}` };
  const proxies: ProxySync[] = [];
  let skipped = 0;
  for (const e of json) {
    if (!e || typeof e !== 'object' || Array.isArray(e)) {
      skipped++;
      continue;
    }
    const o = e as Record<string, unknown>;
    const id = str(o.proxy);
    const parts = id ? splitProxyId(id) : undefined;
    if (!id || !parts) {
      skipped++;
      continue;
    }
    const types: XdsTypeSync[] = [];
    const res = o.resources;
    if (res && typeof res === 'object' && !Array.isArray(res) && Object.keys(res).length > 0) {
      for (const [url, raw] of Object.entries(res as Record<string, unknown>)) {
        if (!raw || typeof raw !== 'object') continue;
        const r = raw as Record<string, unknown>;
        const sent = str(r.sent);
        const acked = str(r.acked);
        const lastError = str(r.lastError);
        const sentTime = str(r.sentTime);
        types.push({
          type: XDS_TYPES[url] ?? url,
          state: xdsState(sent, acked, lastError),
          sent,
          acked,
          lastError,
          // Go writes a zero time.Time as 0001-01-01T00:00:00Z even with omitempty.
          sentTime: sentTime && !sentTime.startsWith('0001-') ? sentTime : undefined,
        });
      }
    } else {
      for (const [short, field] of LEGACY_FIELDS) {
        const sent = str(o[`${field}_sent`]);
        const acked = str(o[`${field}_acked`]);
        types.push({ type: short, state: xdsState(sent, acked), sent, acked });
      }
    }
    types.sort((a, b) => typeRank(a.type) - typeRank(b.type) || a.type.localeCompare(b.type));
    proxies.push({
      proxyId: id,
      pod: parts.pod,
      namespace: parts.namespace,
      clusterId: str(o.cluster_id),
      istioVersion: str(o.istio_version),
      proxyType: str(o.proxy_type),
      istiod: istiod.name,
      istiodNamespace: istiod.namespace,
      controlPlaneRevision: istiod.revision,
      types,
      overall: overallState(types),
    });
  }
  return { ok: true, proxies, skipped };
}

function typeRank(t: string): number {
  const i = TYPE_ORDER.indexOf(t);
  return i < 0 ? TYPE_ORDER.length : i;
}

// ---- sync state of each istiod (read by src/k8s/syncz.ts, shown by the panel) ----

/** One istiod asked for /debug/syncz: reached or why not. */
export interface IstiodReach {
  pod: string;
  namespace: string;
  revision: string;
  reachable: boolean;
  /** Why not, when unreachable (the API server's or the network's words). */
  reason?: string;
  proxies?: number;
}

export interface SyncStatusPayload {
  /** `loading` while a fetch is in flight. */
  state: 'loading' | 'done';
  /** ISO time of the last completed fetch. */
  fetchedAt?: string;
  istiods: IstiodReach[];
  /** Set when sync could not be asked for at all (e.g. istiod pods could not be listed). */
  error?: string;
}
