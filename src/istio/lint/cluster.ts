/**
 * The cluster side of manifest linting: a small ClusterView built once per
 * snapshot change (tags, installed revisions, live namespaces with their proxies),
 * and the text hovers and CodeLenses show for an injection label.
 */
import { installedTargets } from '../controlplane';
import { describeOutcome } from '../injection';
import { decideInjection } from '../injectpolicy';
import { INJECTION_LABEL, REV_LABEL } from '../labels';
import { managedGateways } from '../ambient';
import type { ClusterSnapshot } from '../snapshot';
import type { Labels } from '../types';
import { isMap, isScalar, pairOf, written } from './parse';
import { namespaceMeta, podMetas, type MetaMaps } from './rules';
import type { ClusterView, LintContext, ManifestDoc, TextRange } from './types';

export function clusterViewFrom(snapshot: ClusterSnapshot, contextName: string): ClusterView {
  const cp = snapshot.controlPlane;
  const installed = new Set(installedTargets(cp).revisions.map((r) => r.name));
  const byRev = snapshot.proxiesByRevision();
  const revisions: ClusterView['revisions'] = new Map();
  for (const r of cp.revisions) {
    const p = byRev.get(r.name);
    revisions.set(r.name, {
      version: r.version,
      installed: installed.has(r.name),
      tags: [...r.tags],
      isDefault: r.isDefault,
      proxies: p?.proxies ?? 0,
      stale: p?.stale ?? 0,
    });
  }
  const tags: ClusterView['tags'] = new Map(cp.tags.map((t) => [t.name, { revision: t.revision, revisionInstalled: t.revisionInstalled }]));
  const namespaces: ClusterView['namespaces'] = new Map();
  for (const n of snapshot.namespaces()) {
    namespaces.set(n.name, {
      labels: { ...(snapshot.namespaceObject(n.name)?.metadata.labels ?? {}) },
      resolvedRevision: n.resolvedRevision,
      viaTag: n.viaTag,
      resolves: describeOutcome(n.resolution),
      proxies: n.stats.proxies,
      stale: n.stats.stale,
    });
  }
  const webhooks = cp.webhooks;
  return {
    context: contextName,
    defaultRevision: cp.defaultRevision,
    tags,
    revisions,
    namespaces,
    waypoints: new Set(
      managedGateways(snapshot)
        .filter((g) => g.kind === 'waypoint')
        .map((g) => `${g.namespace}/${g.gateway}`),
    ),
    // the API server's webhook selection, then what the matched revision's istiod decides
    resolve: (nsLabels, podLabels, nsName) =>
      decideInjection(webhooks, nsLabels, { metadata: { name: '', labels: podLabels ?? {} } }, nsName ?? '', (r) => cp.revisionByName.get(r)?.injector),
  };
}

/** A LintContext for the cluster `contextName` (cluster rules run); pass no snapshot for static rules only. */
export function lintContextFrom(snapshot: ClusterSnapshot | undefined, contextName: string, fileName?: string): LintContext {
  return { cluster: snapshot ? clusterViewFrom(snapshot, contextName) : undefined, fileName };
}

// ---- hover ---------------------------------------------------------------------

export interface LabelSite {
  key: typeof INJECTION_LABEL | typeof REV_LABEL;
  value: string;
  /** Key start to value end. */
  range: TextRange;
  where: 'namespace' | 'template' | 'pod';
  /** The namespace's name (Namespace docs) or the workload's metadata.namespace. */
  namespace?: string;
  /** All labels of the map the label sits in. */
  labels: Labels;
}

function sitesIn(doc: ManifestDoc, m: MetaMaps | undefined, where: LabelSite['where'], namespace: string | undefined, out: LabelSite[]): void {
  if (!m?.labels || m.labelsAlias) return;
  const labels: Labels = {};
  for (const p of m.labels.items) {
    const k = isScalar(p.key) ? String(p.key.value) : undefined;
    if (k !== undefined) labels[k] = isScalar(p.value) ? written(doc, p.value) : '';
  }
  for (const key of [INJECTION_LABEL, REV_LABEL] as const) {
    const p = pairOf(m.labels, key);
    if (!p) continue;
    const k = p.key as { range?: [number, number, number] };
    const v = p.value as { range?: [number, number, number] } | null;
    const s = doc.offset + (k.range?.[0] ?? 0);
    const e = doc.offset + (v?.range?.[1] ?? k.range?.[1] ?? 0);
    out.push({ key, value: labels[key] ?? '', range: [s, e], where, namespace, labels });
  }
}

/** Every injection label in the documents (namespace labels and pod labels). */
export function injectionLabelSites(docs: ManifestDoc[]): LabelSite[] {
  const out: LabelSite[] = [];
  for (const d of docs) {
    if (!isMap(d.root)) continue;
    sitesIn(d, namespaceMeta(d), 'namespace', d.name, out);
    for (const pm of podMetas(d)) sitesIn(d, pm, pm.where, d.namespace, out);
  }
  return out;
}

export function injectionLabelAt(docs: ManifestDoc[], offset: number): LabelSite | undefined {
  const d = docs.find((x) => offset >= x.offset && offset <= x.end);
  if (!d) return undefined;
  return injectionLabelSites([d]).find((s) => offset >= s.range[0] && offset <= s.range[1]);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Markdown lines for a hover on an injection label. */
export function describeLabelSite(site: LabelSite, view: ClusterView | undefined): string[] {
  const lines: string[] = [];
  const label = `\`${site.key}=${site.value}\``;
  if (!view) {
    lines.push(`${label}: ${staticMeaning(site)}`);
    lines.push('_No cluster is loaded: choose a cluster in the Istio Revisions view to see what this resolves to and how many proxies use it._');
    return lines;
  }
  const ctx = `cluster \`${view.context}\``;
  // What pods created under these labels get.
  const nsLabels = site.where === 'namespace' ? site.labels : (view.namespaces.get(site.namespace ?? '')?.labels ?? {});
  const podLabels = site.where === 'namespace' ? {} : site.labels;
  const outcome = view.resolve(nsLabels, podLabels, site.where === 'namespace' ? site.namespace : site.namespace);
  if (site.key === REV_LABEL) {
    const tag = view.tags.get(site.value);
    const rev = view.revisions.get(tag ? tag.revision : site.value);
    if (tag)
      lines.push(
        `${label}: tag **${site.value}** → revision **${tag.revision}**${rev?.version ? ` → Istio ${rev.version}` : ''}${tag.revisionInstalled ? '' : ' (revision not installed)'} in ${ctx}.`,
      );
    else if (rev?.installed)
      lines.push(
        `${label}: revision **${site.value}**${rev.version ? ` → Istio ${rev.version}` : ''}${rev.tags.length ? ` (tags: ${rev.tags.join(', ')})` : ''} in ${ctx}.`,
      );
    else lines.push(`${label}: names no revision or tag installed in ${ctx}.`);
    if (site.where === 'namespace' && site.labels[INJECTION_LABEL] !== undefined)
      lines.push(`Ignored here: \`${INJECTION_LABEL}=${site.labels[INJECTION_LABEL]}\` is also set and wins (IST0123).`);
    const users = [...view.namespaces].filter(([, n]) => n.labels[REV_LABEL] === site.value && n.labels[INJECTION_LABEL] === undefined);
    lines.push(usage(`labelled \`${REV_LABEL}=${site.value}\``, users));
    if (rev) lines.push(`Revision ${tag ? tag.revision : site.value} runs ${plural(rev.proxies, 'proxy', 'proxies')} in the cluster (${rev.stale} stale).`);
  } else {
    if (site.value === 'enabled') {
      const d = view.defaultRevision;
      const rev = d ? view.revisions.get(d) : undefined;
      const viaTag = view.tags.get('default');
      lines.push(
        d
          ? `${label}: the default revision → ${viaTag ? `tag **default** → ` : ''}revision **${d}**${rev?.version ? ` → Istio ${rev.version}` : ''} in ${ctx}.`
          : `${label}: ${ctx} has no default revision (no default tag or unrevisioned control plane), so nothing injects.`,
      );
    } else if (site.value === 'disabled') {
      lines.push(`${label}: pods in this namespace are not injected.`);
    } else {
      lines.push(`${label}: matches no injection webhook (only \`enabled\` and \`disabled\` mean something).`);
    }
    const users = [...view.namespaces].filter(([, n]) => n.labels[INJECTION_LABEL] === site.value);
    lines.push(usage(`labelled \`${INJECTION_LABEL}=${site.value}\``, users));
  }
  lines.push(
    `Pods created here now get: **${describeOutcome(outcome)}**${site.where !== 'namespace' && !site.namespace ? ' (namespace not set in this file: assumed unlabelled)' : ''}.`,
  );
  if (site.namespace) {
    const live = view.namespaces.get(site.namespace);
    if (live)
      lines.push(
        `Namespace \`${site.namespace}\` in the cluster: resolves to ${live.resolves} · ${plural(live.proxies, 'proxy', 'proxies')} (${live.stale} stale).`,
      );
    else lines.push(`Namespace \`${site.namespace}\` does not exist in ${ctx}.`);
  }
  return lines;
}

function usage(what: string, users: [string, { proxies: number; stale: number }][]): string {
  const proxies = users.reduce((a, [, n]) => a + n.proxies, 0);
  const stale = users.reduce((a, [, n]) => a + n.stale, 0);
  const names = users.map(([n]) => n).sort();
  const shown = names.slice(0, 8).join(', ') + (names.length > 8 ? ', …' : '');
  return `${plural(users.length, 'namespace')} ${what}${names.length ? ` (${shown})` : ''} · ${plural(proxies, 'proxy', 'proxies')} · ${stale} stale.`;
}

function staticMeaning(site: LabelSite): string {
  if (site.key === INJECTION_LABEL) {
    if (site.value === 'enabled') return 'pods are injected by the default revision (the `default` tag, or the unrevisioned control plane).';
    if (site.value === 'disabled') return 'pods are not injected.';
    return 'matches no injection webhook (only `enabled` and `disabled` mean something).';
  }
  if (site.where === 'namespace') {
    return site.labels[INJECTION_LABEL] !== undefined
      ? `ignored: \`${INJECTION_LABEL}\` is also set and wins.`
      : `pods are injected by the revision, or the revision the tag \`${site.value}\` points at.`;
  }
  return "counts only when the pod's namespace has neither `istio-injection` nor `istio.io/rev`.";
}

// ---- CodeLens ------------------------------------------------------------------

export interface NamespaceLens {
  name: string;
  /** Where the lens goes: the document's `kind` key or its first key. */
  range: TextRange;
  labels: Labels;
}

export function namespaceDocs(docs: ManifestDoc[]): NamespaceLens[] {
  const out: NamespaceLens[] = [];
  for (const d of docs) {
    if (d.kind !== 'Namespace' || !d.name || !d.root) continue;
    const kp = pairOf(d.root, 'kind') ?? d.root.items[0];
    const k = (kp?.key as { range?: [number, number, number] } | undefined)?.range;
    const m = namespaceMeta(d);
    const labels: Labels = {};
    if (m?.labels) for (const p of m.labels.items) if (isScalar(p.key)) labels[String(p.key.value)] = isScalar(p.value) ? written(d, p.value) : '';
    out.push({ name: d.name, range: k ? [d.offset + k[0], d.offset + k[1]] : [d.offset, d.offset], labels });
  }
  return out;
}

/** `1-8-0 (tag canary) · 3 proxies (1 stale)` for a Namespace document as written. */
export function describeNamespaceLens(ns: NamespaceLens, view: ClusterView): { resolves: string; live?: { proxies: number; stale: number; resolves: string } } {
  const resolves = describeOutcome(view.resolve(ns.labels, {}, ns.name));
  const live = view.namespaces.get(ns.name);
  return { resolves, live: live ? { proxies: live.proxies, stale: live.stale, resolves: live.resolves } : undefined };
}
