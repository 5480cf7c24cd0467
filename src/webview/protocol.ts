/**
 * The one message contract between the Proxy status host (src/ui/proxyStatusPanel.ts)
 * and its page (webview-ui/). Both import these types; the host validates every page
 * message with parsePageMessage() and drops what does not fit (unknown type, wrong
 * field types, unknown fields, names that are not Kubernetes names, > 64 KiB).
 * No vscode and no Node APIs here: the page bundles this file too.
 */
import type { IstiodReach, ProxyStatusData, ProxyStatusFilters, ProxyStatusUpdate, SyncStatusPayload, WorkloadDelta } from '../istio/proxystatus';

export type { IstiodReach, SyncStatusPayload };

export const VIEW_TYPE = 'istioRevisions.proxyStatus';
export const MAX_MESSAGE_BYTES = 64 * 1024;

// ---- host → page ----------------------------------------------------------------

export type HostMessage =
  /** The whole state; `seq` numbers it for the deltas that follow (absent: no delta applies). */
  | { type: 'state'; context: string; data: ProxyStatusData; clusterError?: string; seq?: number }
  /** Only the namespaces whose rows changed (applyProxyStatusDelta), for the page holding state `base`; else it asks `resync`. */
  | { type: 'delta'; context: string; seq: number; base: number; data: Omit<ProxyStatusData, 'workloads'>; rows: WorkloadDelta; clusterError?: string }
  | { type: 'syncStatus'; sync: SyncStatusPayload }
  | { type: 'filters'; filters: ProxyStatusFilters };

/** The host message of one of ProxyStatusDeltas' updates. */
export function updateMessage(u: ProxyStatusUpdate, context: string, clusterError?: string): HostMessage {
  return u.kind === 'state'
    ? { type: 'state', context, data: u.data, clusterError, seq: u.seq }
    : { type: 'delta', context, seq: u.seq, base: u.base, data: u.data, rows: u.rows, clusterError };
}

// ---- page → host ----------------------------------------------------------------

export type PageMessage =
  | { type: 'ready' }
  | { type: 'reveal'; namespace: string; workload?: { kind: string; name: string } }
  | { type: 'restartStale'; namespace: string }
  | { type: 'moveNamespace'; namespace: string }
  | { type: 'setFilters'; filters: ProxyStatusFilters }
  | { type: 'refreshSync' }
  /** The page got a delta for a state it does not hold: send the whole state. */
  | { type: 'resync' };

export type ParseResult<T> = { ok: true; msg: T } | { ok: false; error: string };

const NS_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const NAME_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const KIND_RE = /^[A-Za-z][A-Za-z0-9]{0,62}$/;
/** Revision keys: revision names, or `unknown (<version>)` for proxies only their image names. */
const REVISION_RE = /^[A-Za-z0-9][-A-Za-z0-9_.() ]{0,252}$/;
const MAX_SEARCH = 256;

/** UTF-8 length of a string, without TextEncoder (not in every lib this file is checked against). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function onlyKeys(o: Record<string, unknown>, allowed: string[]): string | undefined {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  return extra.length ? `unexpected field(s) ${extra.join(', ')}` : undefined;
}

export function isNamespaceName(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 63 && NS_RE.test(v);
}

function isObjectName(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 253 && NAME_RE.test(v);
}

/** Validates filters (from the page or from saved state); returns a clean copy. */
export function parseFilters(v: unknown): ParseResult<ProxyStatusFilters> {
  if (!isObj(v)) return { ok: false, error: 'filters must be an object' };
  const extra = onlyKeys(v, ['revision', 'namespace', 'staleOnly', 'notSynced', 'search']);
  if (extra) return { ok: false, error: `filters: ${extra}` };
  const out: ProxyStatusFilters = { staleOnly: false, notSynced: false, search: '' };
  if (v.revision !== undefined && v.revision !== null && v.revision !== '') {
    if (typeof v.revision !== 'string' || !REVISION_RE.test(v.revision)) return { ok: false, error: 'filters.revision is not a revision name' };
    out.revision = v.revision;
  }
  if (v.namespace !== undefined && v.namespace !== null && v.namespace !== '') {
    if (!isNamespaceName(v.namespace)) return { ok: false, error: 'filters.namespace is not a namespace name' };
    out.namespace = v.namespace;
  }
  for (const k of ['staleOnly', 'notSynced'] as const) {
    if (v[k] === undefined) continue;
    if (typeof v[k] !== 'boolean') return { ok: false, error: `filters.${k} must be a boolean` };
    out[k] = v[k] as boolean;
  }
  if (v.search !== undefined) {
    if (typeof v.search !== 'string' || v.search.length > MAX_SEARCH)
      return { ok: false, error: `filters.search must be a string of at most ${MAX_SEARCH} characters` };
    out.search = v.search;
  }
  return { ok: true, msg: out };
}

/** Validates one message from the page. */
export function parsePageMessage(raw: unknown): ParseResult<PageMessage> {
  let text: string | undefined;
  try {
    text = JSON.stringify(raw);
  } catch (e) {
    return { ok: false, error: `not serializable: ${(e as Error).message}` };
  }
  if (text === undefined) return { ok: false, error: 'empty message' };
  if (text.length > MAX_MESSAGE_BYTES || utf8Length(text) > MAX_MESSAGE_BYTES) return { ok: false, error: `message larger than ${MAX_MESSAGE_BYTES} bytes` };
  if (!isObj(raw)) return { ok: false, error: 'message must be an object' };
  const t = raw.type;
  if (typeof t !== 'string') return { ok: false, error: 'message has no type' };
  const bad = (error: string): ParseResult<PageMessage> => ({ ok: false, error: `${t}: ${error}` });
  switch (t) {
    case 'ready':
    case 'refreshSync':
    case 'resync': {
      const extra = onlyKeys(raw, ['type']);
      return extra ? bad(extra) : { ok: true, msg: { type: t } };
    }
    case 'restartStale':
    case 'moveNamespace': {
      const extra = onlyKeys(raw, ['type', 'namespace']);
      if (extra) return bad(extra);
      if (!isNamespaceName(raw.namespace)) return bad('namespace is not a namespace name');
      return { ok: true, msg: { type: t, namespace: raw.namespace } };
    }
    case 'reveal': {
      const extra = onlyKeys(raw, ['type', 'namespace', 'workload']);
      if (extra) return bad(extra);
      if (!isNamespaceName(raw.namespace)) return bad('namespace is not a namespace name');
      if (raw.workload === undefined) return { ok: true, msg: { type: 'reveal', namespace: raw.namespace } };
      const w = raw.workload;
      if (!isObj(w) || onlyKeys(w, ['kind', 'name'])) return bad('workload must be { kind, name }');
      if (typeof w.kind !== 'string' || !KIND_RE.test(w.kind)) return bad('workload.kind is not a kind');
      if (!isObjectName(w.name)) return bad('workload.name is not an object name');
      return { ok: true, msg: { type: 'reveal', namespace: raw.namespace, workload: { kind: w.kind, name: w.name } } };
    }
    case 'setFilters': {
      const extra = onlyKeys(raw, ['type', 'filters']);
      if (extra) return bad(extra);
      const f = parseFilters(raw.filters);
      return f.ok ? { ok: true, msg: { type: 'setFilters', filters: f.msg } } : bad(f.error);
    }
    default:
      return { ok: false, error: `unknown message type ${JSON.stringify(t.slice(0, 40))}` };
  }
}

/** Light check of host messages on the page side (the host is trusted, but the page should not crash on a stray message). */
export function isHostMessage(v: unknown): v is HostMessage {
  if (!isObj(v)) return false;
  switch (v.type) {
    case 'state':
      return typeof v.context === 'string' && isObj(v.data) && Array.isArray((v.data as Record<string, unknown>).workloads);
    case 'delta':
      return (
        typeof v.context === 'string' &&
        typeof v.seq === 'number' &&
        typeof v.base === 'number' &&
        isObj(v.data) &&
        isObj(v.rows) &&
        Array.isArray((v.rows as Record<string, unknown>).namespaces) &&
        Array.isArray((v.rows as Record<string, unknown>).workloads)
      );
    case 'syncStatus':
      return isObj(v.sync) && Array.isArray((v.sync as Record<string, unknown>).istiods);
    case 'filters':
      return isObj(v.filters);
    default:
      return false;
  }
}

/** What the page saves with setState and the serializer restores. */
export interface PageState {
  context: string;
  filters: ProxyStatusFilters;
}

export function parsePageState(v: unknown): PageState | undefined {
  if (!isObj(v) || typeof v.context !== 'string' || v.context.length === 0 || v.context.length > 253) return undefined;
  const f = v.filters === undefined ? undefined : parseFilters(v.filters);
  return { context: v.context, filters: f?.ok ? f.msg : { staleOnly: false, notSynced: false, search: '' } };
}

// ---- the page's document ---------------------------------------------------------

const escAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The page's HTML (kept here, free of vscode, so a unit test can check it). The CSP
 * allows only the bundled script carrying this load's nonce, the bundled stylesheet
 * and local images: no inline script or style, no eval, no remote origin.
 */
export function renderPanelHtml(o: { nonce: string; cspSource: string; scriptUri: string; styleUri: string; title: string }): string {
  const csp = `default-src 'none'; img-src ${o.cspSource} data:; style-src ${o.cspSource}; script-src 'nonce-${o.nonce}';`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escAttr(o.styleUri)}">
<title>${escAttr(o.title)}</title>
</head>
<body>
<main id="app" aria-busy="true"><p class="notice">Loading proxy status…</p></main>
<script nonce="${escAttr(o.nonce)}" src="${escAttr(o.scriptUri)}"></script>
</body>
</html>
`;
}
