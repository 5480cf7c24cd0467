/**
 * The Proxy status page. Plain DOM, no framework: four sections re-rendered from one
 * state (data from the host, sync reachability, filters). Workload rows are keyed by
 * `namespace/kind/name` and rebuilt only when their content changed; the rest is small
 * enough to rebuild. Filters (and the cluster context) are saved with setState so they survive
 * hide/show and a window reload (the host's serializer reads the same state).
 * Every message to the host is one of protocol.ts's PageMessage shapes.
 */
import './proxyStatus.css';
import {
  applyProxyStatusDelta,
  warmRowOrder,
  emptyFilters,
  filterNamespaces,
  filterRows,
  rowNotSynced,
  type NamespaceBar,
  type ProxyStatusData,
  type ProxyStatusFilters,
  type WorkloadRow,
} from '../../src/istio/proxystatus';
import { isHostMessage, parsePageState, type PageMessage, type PageState, type SyncStatusPayload } from '../../src/webview/protocol';
import { overallChart, patternDefs, RevisionSlots, stackedBar, swatch } from './chart';
import { clear, h } from './dom';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const saved = parsePageState(vscode.getState());

/**
 * A page of namespace bars and of rows: about two screens of each; the rest one click away. A table
 * is laid out whole whenever its rows change, so the page size is what a filter costs: at 500
 * workloads, 100 rows took ~46 ms to filter and 50 take ~28 (scripts/bench-webview.ts).
 */
const PAGE = { namespaces: 50, rows: 50 };

const model: {
  context: string;
  data?: ProxyStatusData;
  /** The number of the host's state `data` is (deltas build on it); undefined: none applies. */
  seq?: number;
  /** A resync was asked for: deltas are dropped without asking again until the whole state comes. */
  resyncAsked?: boolean;
  clusterError?: string;
  sync?: SyncStatusPayload;
  filters: ProxyStatusFilters;
  selected?: string;
  /** How many namespace bars and workload rows are shown: a page at a time on a large cluster, reset when the filters change. */
  shown: { namespaces: number; rows: number };
} = {
  context: saved?.context ?? '',
  filters: saved?.filters ?? emptyFilters(),
  shown: { ...PAGE },
};

const slots = new RevisionSlots();

function send(msg: PageMessage): void {
  vscode.postMessage(msg);
}

function save(): void {
  if (!model.context) return;
  const st: PageState = { context: model.context, filters: model.filters };
  vscode.setState(st);
}

// ---- layout (built once) ----------------------------------------------------------

const app = document.getElementById('app') ?? document.body.appendChild(h('main', { id: 'app' }));
clear(app);
app.removeAttribute('aria-busy');
app.appendChild(patternDefs());

const heading = h('h1', {}, 'Proxy status');
const summary = h('p', { class: 'summary', id: 'summary' });
const banner = h('div', { class: 'banners', id: 'banners', role: 'status', 'aria-live': 'polite' });
const syncBox = h('div', { class: 'sync', id: 'sync' });
const refreshBtn = h('button', { type: 'button', id: 'refresh-sync', class: 'secondary' }, 'Refresh sync state');
refreshBtn.addEventListener('click', () => send({ type: 'refreshSync' }));

const overallBox = h('div', { class: 'overall-box', id: 'overall' });
const legend = h('ul', { class: 'legend', id: 'legend' });

const fRevision = h('select', { id: 'f-revision', 'aria-label': 'Revision' });
const fNamespace = h('select', { id: 'f-namespace', 'aria-label': 'Namespace' });
const fStale = h('input', { type: 'checkbox', id: 'f-stale' });
const fNotSynced = h('input', { type: 'checkbox', id: 'f-notsynced' });
const fNotSyncedNote = h('span', { class: 'muted', id: 'f-notsynced-note' });
const fSearch = h('input', { type: 'search', id: 'f-search', placeholder: 'Search workloads, pods, versions', 'aria-label': 'Search', maxlength: 256 });
const fClear = h('button', { type: 'button', id: 'f-clear', class: 'secondary' }, 'Clear filters');

const nsList = h('ul', { class: 'namespaces', id: 'namespaces' });
const nsEmpty = h('p', { class: 'muted', id: 'namespaces-empty' });
const tbody = h('tbody', { id: 'rows' });
const table = h(
  'table',
  { class: 'workloads', id: 'workloads', 'aria-label': 'Workloads with proxies' },
  h(
    'thead',
    {},
    h(
      'tr',
      {},
      h('th', { scope: 'col' }, 'Namespace'),
      h('th', { scope: 'col' }, 'Workload'),
      h('th', { scope: 'col' }, 'Revision'),
      h('th', { scope: 'col' }, 'Proxy version'),
      h('th', { scope: 'col', class: 'num' }, 'Stale'),
      h('th', { scope: 'col' }, 'Sync'),
      h('th', { scope: 'col', class: 'num' }, 'Pods'),
    ),
  ),
  tbody,
);
const rowsEmpty = h('p', { class: 'muted', id: 'rows-empty' });
const dataplaneSection = h('section', { 'aria-labelledby': 'h-dp', id: 'dataplane', hidden: 'hidden' }, h('h2', { id: 'h-dp' }, 'Beyond sidecars'));
const dpList = h('ul', { class: 'dataplane', id: 'dataplane-list' });
dataplaneSection.appendChild(dpList);
const rowCount = h('p', { class: 'muted', id: 'row-count' });
const nsMore = h('button', { type: 'button', class: 'secondary more', id: 'namespaces-more', hidden: 'hidden' });
nsMore.addEventListener('click', () => {
  model.shown.namespaces += PAGE.namespaces;
  render();
});
const rowsMore = h('button', { type: 'button', class: 'secondary more', id: 'rows-more', hidden: 'hidden' });
rowsMore.addEventListener('click', () => {
  model.shown.rows += PAGE.rows;
  render();
});

/** The "Show N more" button under a paged list; hidden when everything is shown. */
function moreButton(btn: HTMLButtonElement, hiddenCount: number, page: number, what: string): void {
  btn.hidden = hiddenCount <= 0;
  btn.textContent = hiddenCount > 0 ? `Show ${Math.min(page, hiddenCount)} more ${what} (${hiddenCount} not shown)` : '';
}

app.append(
  h('header', {}, heading, summary),
  banner,
  h('section', { 'aria-labelledby': 'h-sync', class: 'sync-section' }, h('h2', { id: 'h-sync' }, 'Sync with istiod'), syncBox, refreshBtn),
  h('section', { 'aria-labelledby': 'h-overall' }, h('h2', { id: 'h-overall' }, 'Proxies by revision'), overallBox, legend),
  h(
    'section',
    { 'aria-labelledby': 'h-filters', class: 'filters' },
    h('h2', { id: 'h-filters', class: 'visually-hidden' }, 'Filters'),
    h('label', {}, 'Revision ', fRevision),
    h('label', {}, 'Namespace ', fNamespace),
    h('label', { class: 'check' }, fStale, ' Stale only'),
    h('label', { class: 'check' }, fNotSynced, ' Not synced', fNotSyncedNote),
    fSearch,
    fClear,
  ),
  h('section', { 'aria-labelledby': 'h-ns' }, h('h2', { id: 'h-ns' }, 'Namespaces'), nsList, nsMore, nsEmpty),
  h('section', { 'aria-labelledby': 'h-wl' }, h('h2', { id: 'h-wl' }, 'Workloads'), rowCount, table, rowsMore, rowsEmpty),
  dataplaneSection,
);

/** Waypoints, Gateway API gateways and node agents: not sidecars, not counted above, never restarted from here. */
function renderDataplane(d: ProxyStatusData): void {
  const dp = d.dataplane;
  clear(dpList);
  if (!dp) {
    dataplaneSection.setAttribute('hidden', 'hidden');
    return;
  }
  dataplaneSection.removeAttribute('hidden');
  for (const a of dp.nodeAgents) {
    dpList.appendChild(
      h(
        'li',
        { 'data-agent': a.component },
        h('strong', {}, a.component),
        ` node agent · ${a.versions} · nodes ${a.updated}/${a.pods} updated`,
        a.revision ? h('span', { class: 'muted' }, ` · bound to ${a.revision}`) : undefined,
        a.skew ? h('span', { class: 'stale-text' }, ` · ${a.skew}`) : undefined,
      ),
    );
  }
  for (const g of dp.gateways) {
    dpList.appendChild(
      h(
        'li',
        { 'data-gateway': `${g.namespace}/${g.name}` },
        h('strong', {}, `${g.namespace}/${g.name}`),
        ` ${g.kind === 'waypoint' ? 'waypoint' : 'Gateway API gateway'} · runs ${g.runs || 'no pod'} · follows ${g.follows}`,
        g.rolling ? h('span', { class: 'stale-text' }, ` · ${g.rolling} rolling`) : undefined,
      ),
    );
  }
}

// ---- filters ---------------------------------------------------------------------

function setFilters(f: ProxyStatusFilters, notify: boolean): void {
  model.filters = f;
  model.shown = { ...PAGE };
  save();
  if (notify) send({ type: 'setFilters', filters: f });
  render();
}

fRevision.addEventListener('change', () => setFilters({ ...model.filters, revision: fRevision.value || undefined }, true));
fNamespace.addEventListener('change', () => setFilters({ ...model.filters, namespace: fNamespace.value || undefined }, true));
fStale.addEventListener('change', () => setFilters({ ...model.filters, staleOnly: fStale.checked }, true));
fNotSynced.addEventListener('change', () => setFilters({ ...model.filters, notSynced: fNotSynced.checked }, true));
let searchTimer: number | undefined;
fSearch.addEventListener('input', () => {
  if (searchTimer) clearTimeout(searchTimer);
  searchTimer = window.setTimeout(() => setFilters({ ...model.filters, search: fSearch.value.slice(0, 256) }, true), 120);
});
fClear.addEventListener('click', () => setFilters(emptyFilters(), true));

function fillSelect(sel: HTMLSelectElement, allLabel: string, values: { value: string; label: string }[], current?: string): void {
  const want = [{ value: '', label: allLabel }, ...values];
  if (current && !values.some((v) => v.value === current)) want.push({ value: current, label: `${current} (none now)` });
  const same = sel.options.length === want.length && want.every((w, i) => sel.options[i].value === w.value && sel.options[i].text === w.label);
  if (!same) {
    clear(sel);
    for (const w of want) sel.appendChild(h('option', { value: w.value }, w.label));
  }
  sel.value = current ?? '';
}

// ---- rendering -----------------------------------------------------------------------

const plural = (n: number, one: string, many = one + 's') => `${n} ${n === 1 ? one : many}`;

function renderHeader(d: ProxyStatusData | undefined): void {
  heading.textContent = model.context ? `Proxy status — ${model.context}` : 'Proxy status';
  if (!d) {
    summary.textContent = 'Waiting for the cluster…';
    return;
  }
  const t = d.totals;
  const parts = [plural(t.proxies, 'proxy', 'proxies'), `${t.stale} stale`, plural(t.workloads, 'workload'), plural(t.namespaces, 'namespace')];
  if (d.migration && d.migration.from && d.migration.from !== d.migration.to)
    parts.push(`migration ${d.migration.from} → ${d.migration.to} ${d.migration.percent}%`);
  summary.textContent = parts.join(' · ');
}

function renderBanners(): void {
  clear(banner);
  const add = (cls: string, text: string) => banner.appendChild(h('p', { class: `banner ${cls}` }, text));
  if (model.clusterError) add('error', model.clusterError);
  const d = model.data;
  if (d && d.totals.proxies === 0) {
    add(
      'info',
      `No proxies in cluster "${model.context}": no pod has an istio-proxy sidecar${d.totals.pods ? ` (${plural(d.totals.pods, 'pod')} without one)` : ''}.`,
    );
  }
  const sy = model.sync;
  if (sy && sy.state === 'done') {
    const down = sy.istiods.filter((i) => !i.reachable);
    if (sy.error || (down.length && down.length === sy.istiods.length)) {
      add(
        'warning',
        `Sync state is not available${sy.error ? `: ${sy.error}` : ' (no istiod answered, see below)'}. Showing what pod metadata tells: injected revision, proxy version, stale.`,
      );
    } else if (down.length) {
      add('warning', `${plural(down.length, 'istiod')} did not answer: proxies connected to ${down.length === 1 ? 'it' : 'them'} show no sync state.`);
    }
  }
}

function renderSync(): void {
  clear(syncBox);
  const sy = model.sync;
  if (!sy || (sy.state === 'loading' && sy.istiods.length === 0)) {
    syncBox.appendChild(h('p', { class: 'muted' }, 'Asking each istiod for /debug/syncz…'));
    refreshBtn.disabled = true;
    return;
  }
  refreshBtn.disabled = sy.state === 'loading';
  if (sy.error) syncBox.appendChild(h('p', {}, sy.error));
  if (sy.istiods.length) {
    const ul = h('ul', { class: 'istiods' });
    for (const i of sy.istiods) {
      ul.appendChild(
        h(
          'li',
          { class: i.reachable ? 'ok' : 'down' },
          h('span', { class: 'state' }, i.reachable ? 'reachable' : 'unreachable'),
          ' ',
          h('strong', {}, `${i.namespace}/${i.pod}`),
          ` (revision ${i.revision})`,
          i.reachable ? ` — ${plural(i.proxies ?? 0, 'proxy', 'proxies')} connected` : ` — ${i.reason ?? 'no answer'}`,
        ),
      );
    }
    syncBox.appendChild(ul);
  }
  syncBox.appendChild(
    h('p', { class: 'muted' }, sy.state === 'loading' ? 'Refreshing…' : sy.fetchedAt ? `Asked at ${new Date(sy.fetchedAt).toLocaleTimeString()}.` : ''),
  );
}

function renderOverall(d: ProxyStatusData): void {
  clear(overallBox);
  overallBox.appendChild(overallChart(slots, d.revisions, d.totals.proxies));
  clear(legend);
  for (const r of d.revisions) {
    const pct = d.totals.proxies ? Math.round((r.proxies * 100) / d.totals.proxies) : 0;
    const active = model.filters.revision === r.revision;
    const btn = h(
      'button',
      {
        type: 'button',
        class: `link${active ? ' active' : ''}`,
        'aria-pressed': active ? 'true' : 'false',
        'data-revision': r.revision,
        title: active ? 'Show all revisions' : `Show only workloads running ${r.revision}`,
      },
      r.revision,
    );
    btn.addEventListener('click', () => setFilters({ ...model.filters, revision: active ? undefined : r.revision }, true));
    const notes = [
      r.version ? `Istio ${r.version}` : '',
      r.isDefault ? 'default' : '',
      r.tags.length ? `tags ${r.tags.join(', ')}` : '',
      r.installed ? '' : 'not installed',
      r.installedBy ?? '',
    ]
      .filter(Boolean)
      .join(' · ');
    legend.appendChild(
      h(
        'li',
        { 'data-revision': r.revision },
        swatch(slots, r.revision),
        btn,
        h('span', { class: 'count' }, ` ${plural(r.proxies, 'proxy', 'proxies')} (${pct}%)`),
        r.stale ? h('span', { class: 'stale-text' }, ` · ${r.stale} stale`) : undefined,
        notes ? h('span', { class: 'muted' }, ` · ${notes}`) : undefined,
      ),
    );
  }
}

function buildNamespace(b: NamespaceBar): HTMLLIElement {
  const name = h(
    'button',
    { type: 'button', class: 'link ns-name', 'data-namespace': b.namespace, title: `Reveal ${b.namespace} in the Istio Revisions view` },
    b.namespace,
  );
  name.addEventListener('click', () => send({ type: 'reveal', namespace: b.namespace }));
  const restart = h(
    'button',
    {
      type: 'button',
      class: 'secondary restart',
      'data-namespace': b.namespace,
      disabled: b.stale === 0,
      title: b.stale ? `Restart the workloads of ${b.namespace} whose pods run a stale proxy` : 'No stale proxies here',
    },
    'Restart stale workloads',
  );
  restart.addEventListener('click', () => send({ type: 'restartStale', namespace: b.namespace }));
  const move = h(
    'button',
    { type: 'button', class: 'secondary move', 'data-namespace': b.namespace, title: `Relabel ${b.namespace} to another revision or tag` },
    'Move namespace…',
  );
  move.addEventListener('click', () => send({ type: 'moveNamespace', namespace: b.namespace }));
  const parts = b.byRevision.map((r) => `${r.revision} ${r.count}`).join(', ');
  return h(
    'li',
    { 'data-namespace': b.namespace },
    h(
      'div',
      { class: 'ns-head' },
      name,
      h('span', { class: 'muted' }, ` ${b.labels || 'no injection label'} → ${b.resolvedRevision ?? 'not injected'}${b.viaTag ? ` (tag ${b.viaTag})` : ''}`),
    ),
    stackedBar(slots, b.byRevision, b.proxies, { label: `${b.namespace}: ${parts}` }),
    h(
      'div',
      { class: 'ns-foot' },
      h('span', {}, `${parts}${b.stale ? '' : ' · none stale'}`),
      b.stale ? h('span', { class: 'stale-text' }, ` · ${b.stale} stale`) : undefined,
      h('span', { class: 'actions' }, restart, move),
    ),
  );
}

// Keyed namespace bars, rebuilt only when their content (or the revision colours) changed.
const nsCache = new Map<string, Keyed<HTMLLIElement, NamespaceBar>>();

interface Keyed<E extends Element, V extends object> {
  el: E;
  value: V;
  /** What else the element shows (revision colours, sync availability). */
  ctx: string;
}

/** JSON of a value the page got from the host, computed once per object (values are never changed in place). */
const sigs = new WeakMap<object, string>();
function sigOf(v: object): string {
  let t = sigs.get(v);
  if (t === undefined) sigs.set(v, (t = JSON.stringify(v)));
  return t;
}

/**
 * Keyed children of `parent` in `items` order: an element is rebuilt only when its value changed
 * (the same object, or one of equal JSON, is not: a delta from the host keeps the objects of
 * unchanged namespaces, a filter keeps them all), moved only when out of place, removed when gone.
 */
function keyedList<E extends Element, V extends object>(
  parent: Element,
  cache: Map<string, Keyed<E, V>>,
  items: readonly V[],
  keyOf: (v: V) => string,
  ctx: string,
  build: (v: V) => E,
): void {
  const seen = new Set<string>();
  let prev: Element | null = null;
  for (const v of items) {
    const key = keyOf(v);
    seen.add(key);
    let c = cache.get(key);
    if (!c || c.ctx !== ctx || (c.value !== v && sigOf(c.value) !== sigOf(v))) {
      const el = build(v);
      if (c) c.el.replaceWith(el);
      c = { el, value: v, ctx };
      cache.set(key, c);
    } else c.value = v;
    const want: Element | null = prev ? prev.nextElementSibling : parent.firstElementChild;
    if (want !== c.el) parent.insertBefore(c.el, want);
    prev = c.el;
  }
  for (const [k, c] of cache)
    if (!seen.has(k)) {
      c.el.remove();
      cache.delete(k);
    }
}

function renderNamespaces(bars: NamespaceBar[]): void {
  moreButton(nsMore, bars.length - model.shown.namespaces, PAGE.namespaces, 'namespaces');
  keyedList(nsList, nsCache, bars.slice(0, model.shown.namespaces), (b) => b.namespace, slots.key, buildNamespace);
  nsEmpty.textContent = bars.length ? '' : model.data && model.data.namespaces.length ? 'No namespace matches the filters.' : 'No namespace has proxies.';
}

// Keyed rows: a row is rebuilt only when its content (or sync availability) changed.
const rowCache = new Map<string, Keyed<HTMLTableRowElement, WorkloadRow>>();

function syncCell(r: WorkloadRow): HTMLTableCellElement {
  const td = h('td', { class: 'sync-cell' });
  const s = r.sync;
  if (!s) {
    td.appendChild(h('span', { class: 'muted', title: 'No istiod answered: sync state unknown' }, '—'));
    return td;
  }
  const parts: [number, string, string][] = [
    [s.synced, 'SYNCED', 'ok'],
    [s.stale, 'STALE', 'warn'],
    [s.notSent, 'NOT SENT', 'warn'],
    [s.error, 'ERROR', 'err'],
    [s.disconnected, 'DISCONNECTED', 'err'],
    [s.unknown, 'unknown', 'muted'],
  ];
  for (const [n, label, cls] of parts) if (n) td.appendChild(h('span', { class: `badge ${cls}` }, `${n} ${label}`));
  const detail = r.podRows.map(
    (p) =>
      `${p.name}: ${
        p.sync
          ? `${p.sync.state}${p.sync.istiod ? ` via ${p.sync.istiod} (${p.sync.controlPlaneRevision})` : ''}${
              p.sync.types
                ? ' — ' +
                  Object.entries(p.sync.types)
                    .map(([t, v]) => `${t} ${v}`)
                    .join(', ')
                : ''
            }`
          : 'unknown'
      }`,
  );
  td.setAttribute('title', detail.join('\n'));
  if (s.controlPlanes.length) td.appendChild(h('span', { class: 'muted' }, ` via ${s.controlPlanes.join(', ')}`));
  return td;
}

function buildRow(r: WorkloadRow): HTMLTableRowElement {
  const revs = h('td', {});
  for (const x of r.revisions) {
    revs.appendChild(h('span', { class: 'rev' }, swatch(slots, x.revision), ` ${x.revision}${r.revisions.length > 1 ? ` ×${x.count}` : ''}`));
  }
  const staleTitle = r.podRows
    .filter((p) => p.stale)
    .map((p) => `${p.name}: ${p.staleReason ?? 'stale'}`)
    .join('\n');
  const tr = h(
    'tr',
    {
      tabindex: 0,
      'data-key': r.key,
      'data-namespace': r.namespace,
      class: `${r.stale ? 'is-stale ' : ''}${rowNotSynced(r) ? 'not-synced ' : ''}${r.degraded ? 'is-degraded' : ''}`.trim(),
      'aria-label': `${r.kind} ${r.namespace}/${r.name}: ${r.revisions.map((x) => x.revision).join(', ')}, ${r.stale} stale.${r.degraded ? ` ${r.degraded.text}` : ''} Press Enter to reveal.`,
    },
    h('td', {}, r.namespace),
    h(
      'td',
      {},
      h('span', { class: 'kind' }, r.kind),
      ' ',
      r.name,
      r.gateway ? ' ' : undefined,
      r.gateway ? h('span', { class: 'badge muted' }, 'gateway') : undefined,
      r.verified ? ' ' : undefined,
      r.verified
        ? h(
            'span',
            { class: `badge ${r.verified.agrees ? 'muted' : 'warn'}`, title: `Asked the cluster: ${r.verified.text}` },
            r.verified.agrees ? 'verified' : 'cluster differs',
          )
        : undefined,
      r.degraded ? ' ' : undefined,
      r.degraded ? h('span', { class: 'badge err', title: r.degraded.text }, 'new pods rejected') : undefined,
    ),
    revs,
    h('td', {}, r.versions.join(', ') || '?'),
    h('td', { class: `num${r.stale ? ' stale-text' : ''}`, title: staleTitle || undefined }, String(r.stale)),
    syncCell(r),
    h('td', { class: 'num' }, r.pods === r.proxies ? String(r.pods) : `${r.proxies}/${r.pods}`),
  );
  return tr;
}

function activate(tr: HTMLTableRowElement): void {
  const key = tr.getAttribute('data-key');
  const row = model.data?.workloads.find((w) => w.key === key);
  if (!row) return;
  selectRow(key!);
  send({ type: 'reveal', namespace: row.namespace, workload: { kind: row.kind, name: row.name } });
}

function selectRow(key: string): void {
  model.selected = key;
  for (const { el } of rowCache.values()) el.setAttribute('aria-selected', el.getAttribute('data-key') === key ? 'true' : 'false');
}

tbody.addEventListener('click', (e) => {
  const tr = (e.target as Element).closest('tr');
  if (tr && tbody.contains(tr)) activate(tr as HTMLTableRowElement);
});
tbody.addEventListener('keydown', (e) => {
  const tr = (e.target as Element).closest('tr') as HTMLTableRowElement | null;
  if (!tr) return;
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    activate(tr);
  } else if (e.key === 'ArrowDown') {
    e.preventDefault();
    (tr.nextElementSibling as HTMLElement | null)?.focus();
  } else if (e.key === 'ArrowUp') {
    e.preventDefault();
    (tr.previousElementSibling as HTMLElement | null)?.focus();
  }
});

function renderRows(rows: WorkloadRow[], hasSync: boolean): void {
  const hiddenRows = rows.length - model.shown.rows;
  moreButton(rowsMore, hiddenRows, PAGE.rows, 'workloads');
  keyedList(
    tbody,
    rowCache,
    rows.slice(0, model.shown.rows),
    (r) => r.key,
    `${hasSync ? 1 : 0}|${slots.key}`,
    (r) => {
      const tr = buildRow(r);
      tr.setAttribute('aria-selected', model.selected === r.key ? 'true' : 'false');
      return tr;
    },
  );
  const total = model.data?.workloads.length ?? 0;
  rowCount.textContent = total ? `${rows.length} of ${plural(total, 'workload')}${hiddenRows > 0 ? ` · the first ${model.shown.rows} shown` : ''}` : '';
  rowsEmpty.textContent = rows.length ? '' : total ? 'No workload matches the filters.' : 'No workload has a proxy.';
}

function renderFilters(d: ProxyStatusData): void {
  const f = model.filters;
  fillSelect(
    fRevision,
    'All revisions',
    d.revisions.map((r) => ({ value: r.revision, label: `${r.revision} (${r.proxies})` })),
    f.revision,
  );
  fillSelect(
    fNamespace,
    'All namespaces',
    d.namespaces.map((n) => ({ value: n.namespace, label: n.namespace })),
    f.namespace,
  );
  fStale.checked = f.staleOnly;
  fNotSynced.checked = f.notSynced;
  fNotSynced.disabled = !d.hasSync && !f.notSynced;
  fNotSyncedNote.textContent = d.hasSync ? '' : ' (needs sync state from istiod)';
  if (document.activeElement !== fSearch) fSearch.value = f.search;
}

function render(): void {
  const d = model.data;
  renderHeader(d);
  renderBanners();
  renderSync();
  if (!d) return;
  slots.update(d.revisions.map((r) => r.revision));
  renderFilters(d);
  renderOverall(d);
  const rows = filterRows(d.workloads, model.filters);
  renderNamespaces(filterNamespaces(d.namespaces, rows, model.filters));
  renderRows(rows, d.hasSync);
  renderDataplane(d);
}

// ---- messages ---------------------------------------------------------------------

window.addEventListener('message', (ev: MessageEvent) => {
  const m = ev.data;
  if (!isHostMessage(m)) return;
  switch (m.type) {
    case 'state':
      model.context = m.context;
      model.data = m.data;
      model.seq = m.seq;
      model.resyncAsked = false;
      // Deltas merge rows in the host's collation order: load its data while idle, not on the first delta.
      requestIdleCallback(warmRowOrder);
      model.clusterError = m.clusterError;
      save();
      break;
    case 'delta':
      if (!model.data || model.seq === undefined || m.base !== model.seq || m.context !== model.context) {
        // Not the state this delta builds on (a message was lost): ask for the whole state, once.
        model.seq = undefined;
        if (!model.resyncAsked) send({ type: 'resync' });
        model.resyncAsked = true;
        return;
      }
      model.data = applyProxyStatusDelta(model.data, m.data, m.rows);
      model.seq = m.seq;
      model.clusterError = m.clusterError;
      break;
    case 'syncStatus':
      model.sync = m.sync;
      break;
    case 'filters':
      model.filters = { ...emptyFilters(), ...m.filters };
      save();
      break;
  }
  render();
});

render();
send({ type: 'ready' });
