/**
 * The manifest rules. Each is `{ code, title, needsCluster, check(doc, ctx) }` and
 * returns findings whose message says what will happen in the cluster, with a
 * range taken from the YAML node concerned and fixes that edit only that node's
 * text (comments, anchors and formatting elsewhere are untouched). Rules that need
 * the cluster (IR002, IR003) are not run without one. Codes are stable:
 *
 *  IR000 YAML syntax error (the document is skipped)
 *  IR001 Namespace with both istio-injection and istio.io/rev (IST0123)
 *  IR002 istio.io/rev naming no installed revision or tag
 *  IR003 Namespace pinned to a revision a tag points at
 *  IR004 pod-template istio.io/rev ignored because the namespace has its own injection label (#37088)
 *  IR005 deprecated sidecar.istio.io/inject annotation (IST0135)
 *  IR006 invalid revision or tag name (IstioOperator, Helm values, label values)
 *  IR007 istio-injection value other than enabled/disabled
 *
 * Where these overlap Istio's analyzer (pkg/config/analysis/analyzers injection and
 * annotations, run on its testdata/injection.yaml in test/unit/lint.test.ts) they agree,
 * except on purpose:
 *  - IST0123 skips istio-system and system namespaces and an empty istio-injection value;
 *    IR001 does not — the webhooks' selectors treat them the same way.
 *  - The analyzer does not report an istio.io/rev naming nothing (its `pidgeon-test`);
 *    IR002 does, from the live cluster.
 *  - IST0135 looks at object metadata (Namespace/Service/Pod/Deployment), not pod
 *    templates, and is silent whenever the label is also set. IR005 checks pod templates
 *    (where the annotation takes effect), bare Pods and the workload object itself; it is
 *    silent when label and annotation agree and warns when they disagree (the label wins).
 */
import type { Node, Pair, YAMLMap } from 'yaml';
import { DATAPLANE_MODE_LABEL, INJECTION_LABEL, INJECT_POD_LABEL, ist0123Labels, REV_LABEL } from '../labels';
import { checkRevisionName } from '../names';
import { describeOutcome } from '../injection';
import type { Labels } from '../types';
import {
  abs,
  addLabelsMap,
  addPair,
  deref,
  get,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  labelsOf,
  mapAt,
  normalizeEdits,
  pairOf,
  pairRange,
  removePair,
  replaceScalar,
  str,
  written,
} from './parse';
import type { ClusterView, Finding, Fix, LintContext, ManifestDoc, Rule } from './types';

// ---- locating the maps the rules read -------------------------------------

export interface MetaMaps {
  /** The metadata map (of the object, or of the pod template). */
  meta: YAMLMap;
  labels?: YAMLMap;
  labelsPair?: Pair;
  annotations?: YAMLMap;
  annotationsPair?: Pair;
  /** Set when the labels map comes from an alias: findings point at it and offer no fix. */
  labelsAlias?: Node;
  annotationsAlias?: Node;
}

function metaMaps(doc: ManifestDoc, meta: unknown): MetaMaps | undefined {
  const m = deref(doc, meta);
  if (!isMap(m)) return undefined;
  const out: MetaMaps = { meta: m };
  const lp = pairOf(m, 'labels');
  if (lp) {
    const v = deref(doc, lp.value);
    if (isMap(v)) {
      out.labels = v;
      out.labelsPair = lp;
      if (isAlias(lp.value)) out.labelsAlias = lp.value as Node;
    }
  }
  const ap = pairOf(m, 'annotations');
  if (ap) {
    const v = deref(doc, ap.value);
    if (isMap(v)) {
      out.annotations = v;
      out.annotationsPair = ap;
      if (isAlias(ap.value)) out.annotationsAlias = ap.value as Node;
    }
  }
  return out;
}

const TEMPLATE_PATHS: Record<string, string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

export interface PodMeta extends MetaMaps {
  where: 'template' | 'pod';
}

/** The pod metadata a document creates pods with: a workload's pod template, or a bare Pod's metadata. */
export function podMetas(doc: ManifestDoc): PodMeta[] {
  if (!doc.root || !doc.kind) return [];
  if (doc.kind === 'Pod') {
    const m = metaMaps(doc, pairOf(doc.root, 'metadata')?.value);
    return m ? [{ ...m, where: 'pod' }] : [];
  }
  const path = TEMPLATE_PATHS[doc.kind];
  if (!path) return [];
  let cur: unknown = doc.root;
  for (const k of path) {
    cur = deref(doc, pairOf(cur, k)?.value);
    if (!isMap(cur)) return [];
  }
  const m = metaMaps(doc, pairOf(cur, 'metadata')?.value);
  return m ? [{ ...m, where: 'template' }] : [];
}

export function namespaceMeta(doc: ManifestDoc): MetaMaps | undefined {
  if (doc.kind !== 'Namespace' || !doc.root) return undefined;
  return metaMaps(doc, pairOf(doc.root, 'metadata')?.value);
}

function range(doc: ManifestDoc, n: Node | null | undefined, alias?: Node): [number, number] {
  return abs(doc, alias ?? n ?? undefined);
}

function finding(code: string, severity: Finding['severity'], message: string, r: [number, number], fixes: Fix[] = []): Finding {
  return { code, severity, message, range: r, fixes };
}

function valueNode(p: Pair | undefined): Node | undefined {
  const v = p?.value as Node | null | undefined;
  return v && isScalar(v) ? v : undefined;
}

function labelValue(doc: ManifestDoc, p: Pair | undefined): string | undefined {
  const v = valueNode(p);
  return v && isScalar(v) ? written(doc, v) : p ? '' : undefined;
}

const q = (k: string, v: string) => `${k}=${v}`;
const nsName = (doc: ManifestDoc) => (doc.name ? ` ${doc.name}` : '');

/** Labels a namespace ends up with: as written in this file, else as live in the cluster. */
function namespaceLabels(ctx: LintContext, ns: string | undefined): { labels: Labels; from: 'file' | 'cluster' } | undefined {
  if (!ns) return undefined;
  const f = ctx.file?.namespaces.get(ns);
  if (f) return { labels: f, from: 'file' };
  const c = ctx.cluster?.namespaces.get(ns);
  if (c) return { labels: c.labels, from: 'cluster' };
  return undefined;
}

function clusterName(c: ClusterView): string {
  return `cluster ${c.context}`;
}

// ---- IR001 -----------------------------------------------------------------

const bothLabels: Rule = {
  code: 'IR001',
  title: 'Namespace with more than one injection label (istio-injection, istio.io/rev, istio.io/dataplane-mode)',
  needsCluster: false,
  check(doc, ctx) {
    const m = namespaceMeta(doc);
    if (!m?.labels) return [];
    const inj = pairOf(m.labels, INJECTION_LABEL);
    const rev = pairOf(m.labels, REV_LABEL);
    const dm = pairOf(m.labels, DATAPLANE_MODE_LABEL);
    const injV = inj ? (labelValue(doc, inj) ?? '') : undefined;
    const revV = rev ? (labelValue(doc, rev) ?? '') : undefined;
    const dmV = dm ? (labelValue(doc, dm) ?? '') : undefined;
    const all: Record<string, string> = {};
    if (injV !== undefined) all[INJECTION_LABEL] = injV;
    if (revV !== undefined) all[REV_LABEL] = revV;
    if (dmV !== undefined) all[DATAPLANE_MODE_LABEL] = dmV;
    const analyzer = ist0123Labels(doc.name, all);
    const cite = analyzer.length ? ` (IST0123: ${analyzer.join(', ')})` : '';
    if (inj && rev && injV !== undefined && revV !== undefined) {
      const outcome =
        injV === 'enabled'
          ? ctx.cluster && !ctx.cluster.defaultRevision
            ? `${clusterName(ctx.cluster)} has no default revision, so new pods are not injected`
            : `new pods get the default revision${ctx.cluster?.defaultRevision ? ` (${ctx.cluster.defaultRevision} in ${clusterName(ctx.cluster)})` : ''}`
          : injV === 'disabled'
            ? 'new pods are not injected'
            : `no injection webhook selects ${q(INJECTION_LABEL, injV)}, so new pods are not injected`;
      const fixes: Fix[] = m.labelsAlias
        ? []
        : [
            { title: `Remove ${INJECTION_LABEL} (follow ${q(REV_LABEL, revV)})`, edits: [removePair(doc, m.labels, inj)], isPreferred: true },
            { title: `Remove ${REV_LABEL} (keep ${q(INJECTION_LABEL, injV)})`, edits: [removePair(doc, m.labels, rev)] },
          ];
      // Istio's analyzer counts istio.io/rev only beside istio-injection=enabled; with another value
      // the label is still ignored, which this rule adds in its own words (no IST0123 citation).
      return [
        finding(
          'IR001',
          'warning',
          `Namespace${nsName(doc)} has both ${q(INJECTION_LABEL, injV)} and ${q(REV_LABEL, revV)}: ${INJECTION_LABEL} wins and ${REV_LABEL} is ignored — ${outcome}${cite}.`,
          m.labelsAlias ? range(doc, m.labelsAlias) : pairRange(doc, inj),
          fixes,
        ),
      ];
    }
    // A sidecar label beside istio.io/dataplane-mode: the sidecar webhook still injects, and a pod
    // with a sidecar is left out of ambient capture. Flagged exactly where the analyzer flags it.
    if (dm && dmV !== undefined && analyzer.length) {
      const side = rev && revV !== undefined ? { pair: rev, text: q(REV_LABEL, revV) } : { pair: inj!, text: q(INJECTION_LABEL, injV ?? '') };
      const fixes: Fix[] = m.labelsAlias
        ? []
        : [
            {
              title: `Remove ${side.text.split('=')[0]} (keep ${q(DATAPLANE_MODE_LABEL, dmV)})`,
              edits: [removePair(doc, m.labels, side.pair)],
              isPreferred: dmV === 'ambient',
            },
            { title: `Remove ${DATAPLANE_MODE_LABEL} (keep sidecars: ${side.text})`, edits: [removePair(doc, m.labels, dm)] },
          ];
      return [
        finding(
          'IR001',
          'warning',
          `Namespace${nsName(doc)} has both ${q(DATAPLANE_MODE_LABEL, dmV)} and ${side.text}: the sidecar injection webhook still selects its new pods, and a pod with a sidecar is not captured by ztunnel${dmV === 'ambient' ? ', so the namespace is half sidecar, half ambient' : ''} — choose one data-plane mode${cite}.`,
          m.labelsAlias ? range(doc, m.labelsAlias) : pairRange(doc, side.pair),
          fixes,
        ),
      ];
    }
    return [];
  },
};

// ---- IR002 / IR003 ---------------------------------------------------------

interface RevLabelSite {
  doc: ManifestDoc;
  maps: MetaMaps;
  pair: Pair;
  value: string;
  where: 'namespace' | 'template' | 'pod';
}

function revLabelSites(doc: ManifestDoc): RevLabelSite[] {
  const out: RevLabelSite[] = [];
  const ns = namespaceMeta(doc);
  const add = (maps: MetaMaps | undefined, where: RevLabelSite['where']) => {
    if (!maps?.labels) return;
    const p = pairOf(maps.labels, REV_LABEL);
    if (p) out.push({ doc, maps, pair: p, value: labelValue(doc, p) ?? '', where });
  };
  add(ns, 'namespace');
  for (const pm of podMetas(doc)) add(pm, pm.where);
  return out;
}

/** True when a pod-template/pod label is overridden by its namespace's own injection label. */
function overriddenByNamespace(site: RevLabelSite, ctx: LintContext): boolean {
  if (site.where === 'namespace') return false;
  const nl = namespaceLabels(ctx, site.doc.namespace);
  return !!nl && (nl.labels[INJECTION_LABEL] !== undefined || nl.labels[REV_LABEL] !== undefined);
}

/** Installed tags then revisions, and one fix per target replacing the scalar `v` (none when `v` is absent or aliased). */
function installedTargetFixes(
  doc: ManifestDoc,
  c: ClusterView,
  v: Node | undefined,
  alias: Node | undefined,
): { tags: string[]; revs: string[]; fixes: Fix[] } {
  const tags = [...c.tags.keys()].sort();
  const revs = [...c.revisions]
    .filter(([, r]) => r.installed)
    .map(([n]) => n)
    .sort();
  const fixes: Fix[] =
    v && !alias
      ? [
          ...tags.map((t) => ({ title: `Use tag ${t} (→ ${c.tags.get(t)!.revision})`, edits: [replaceScalar(doc, v, t)] })),
          ...revs.map((r) => ({
            title: `Use revision ${r}${c.revisions.get(r)!.version ? ` (Istio ${c.revisions.get(r)!.version})` : ''}`,
            edits: [replaceScalar(doc, v, r)],
          })),
        ]
      : [];
  return { tags, revs, fixes };
}

const unknownTarget: Rule = {
  code: 'IR002',
  title: 'istio.io/rev names no installed revision or tag',
  needsCluster: true,
  check(doc, ctx) {
    const c = ctx.cluster;
    if (!c) return [];
    const out: Finding[] = [];
    for (const s of revLabelSites(doc)) {
      if (!s.value || !checkRevisionName(s.value).ok) continue; // IR006 reports it
      if (c.tags.has(s.value) || c.revisions.get(s.value)?.installed) continue;
      if (s.where === 'namespace' && pairOf(s.maps.labels, INJECTION_LABEL)) continue; // IR001: ignored anyway
      if (overriddenByNamespace(s, ctx)) continue; // IR004: ignored anyway
      const v = valueNode(s.pair);
      const { tags, revs, fixes } = installedTargetFixes(doc, c, v, s.maps.labelsAlias);
      if (fixes.length === 1) fixes[0].isPreferred = true;
      const what = s.where === 'namespace' ? `new pods in namespace${nsName(doc)}` : 'these pods';
      const known = [...tags.map((t) => `tag ${t}`), ...revs.map((r) => `revision ${r}`)].join(', ') || 'nothing';
      out.push(
        finding(
          'IR002',
          'warning',
          `${q(REV_LABEL, s.value)} names no revision or tag installed in ${clusterName(c)}: no injection webhook selects it, so ${what} get no sidecar. Installed: ${known}.`,
          range(doc, v ?? (s.pair.key as Node), s.maps.labelsAlias),
          fixes,
        ),
      );
    }
    return out;
  },
};

const pinnedRevision: Rule = {
  code: 'IR003',
  title: 'Namespace pinned to a revision that a tag points at',
  needsCluster: true,
  check(doc, ctx) {
    const c = ctx.cluster;
    if (!c) return [];
    const out: Finding[] = [];
    for (const s of revLabelSites(doc)) {
      if (s.where !== 'namespace' || !s.value || c.tags.has(s.value)) continue;
      if (pairOf(s.maps.labels, INJECTION_LABEL)) continue;
      const r = c.revisions.get(s.value);
      if (!r?.installed || r.tags.length === 0) continue;
      // Named tags first; `default` last (istio-injection=enabled is its usual spelling).
      const tags = [...r.tags].sort((a, b) => (a === 'default' ? 1 : 0) - (b === 'default' ? 1 : 0) || a.localeCompare(b));
      const v = valueNode(s.pair);
      const fixes: Fix[] =
        v && !s.maps.labelsAlias ? tags.map((t, i) => ({ title: `Use tag ${t}`, edits: [replaceScalar(doc, v, t)], isPreferred: i === 0 })) : [];
      out.push(
        finding(
          'IR003',
          'info',
          `Namespace${nsName(doc)} is pinned to revision ${s.value} while tag ${tags.join(', ')} points at it: following the tag lets the next upgrade move this namespace with \`istioctl tag set ${tags[0]} --revision <new>\` instead of a relabel.`,
          range(doc, v ?? (s.pair.key as Node), s.maps.labelsAlias),
          fixes,
        ),
      );
    }
    return out;
  },
};

// ---- IR004 -----------------------------------------------------------------

const podRevIgnored: Rule = {
  code: 'IR004',
  title: 'Pod-template istio.io/rev ignored because of a namespace injection label',
  needsCluster: false,
  check(doc, ctx) {
    const out: Finding[] = [];
    for (const s of revLabelSites(doc)) {
      if (s.where === 'namespace') continue;
      const nl = namespaceLabels(ctx, doc.namespace);
      if (!nl) continue;
      const inj = nl.labels[INJECTION_LABEL];
      const rev = nl.labels[REV_LABEL];
      if (inj === undefined && rev === undefined) continue;
      const nsLabel = inj !== undefined ? q(INJECTION_LABEL, inj) : q(REV_LABEL, rev!);
      let outcome: string;
      if (ctx.cluster) outcome = `pods get ${describeOutcome(ctx.cluster.resolve(nl.labels, {}, doc.namespace))}`;
      else if (inj === 'enabled') outcome = 'pods get the default revision';
      else if (inj !== undefined) outcome = 'pods are not injected';
      else outcome = `pods follow ${q(REV_LABEL, rev!)}`;
      const same = inj === undefined && rev === s.value;
      const where = nl.from === 'file' ? 'in this file' : `in ${ctx.cluster ? clusterName(ctx.cluster) : 'the cluster'}`;
      const fixes: Fix[] =
        s.maps.labelsAlias || !s.maps.labels
          ? []
          : [
              {
                title: `Remove the ignored pod label ${REV_LABEL}`,
                edits: [removePair(doc, s.maps.labels, s.pair, s.maps.labelsPair ? { map: s.maps.meta, pair: s.maps.labelsPair } : undefined)],
              },
            ];
      out.push(
        finding(
          'IR004',
          same ? 'info' : 'warning',
          same
            ? `Pod label ${q(REV_LABEL, s.value)} is redundant: namespace ${doc.namespace} (${where}) has ${nsLabel}, which decides injection; the webhooks ignore the pod label (istio/istio#37088).`
            : `Pod label ${q(REV_LABEL, s.value)} is ignored: namespace ${doc.namespace} (${where}) has ${nsLabel}, and a namespace injection label beats the pod label — ${outcome} (istio/istio#37088).`,
          s.maps.labelsAlias ? range(doc, s.maps.labelsAlias) : pairRange(doc, s.pair),
          fixes,
        ),
      );
    }
    return out;
  },
};

// ---- IR005 -----------------------------------------------------------------

const deprecatedInjectAnnotation: Rule = {
  code: 'IR005',
  title: 'Deprecated sidecar.istio.io/inject annotation',
  needsCluster: false,
  check(doc) {
    const out: Finding[] = [];
    for (const pm of podMetas(doc)) {
      const ap = pm.annotations ? pairOf(pm.annotations, INJECT_POD_LABEL) : undefined;
      if (!ap || !pm.annotations) continue;
      const annV = labelValue(doc, ap) ?? '';
      const labelP = pm.labels ? pairOf(pm.labels, INJECT_POD_LABEL) : undefined;
      const editable = !pm.annotationsAlias && !pm.labelsAlias;
      const removeAnn = () => removePair(doc, pm.annotations!, ap, pm.annotationsPair ? { map: pm.meta, pair: pm.annotationsPair } : undefined);
      const r = pm.annotationsAlias ? range(doc, pm.annotationsAlias) : pairRange(doc, ap);
      if (labelP) {
        const labelV = labelValue(doc, labelP) ?? '';
        if (labelV === annV) continue; // both spellings kept on purpose; Istio's analyzer is silent too
        out.push(
          finding(
            'IR005',
            'warning',
            `Annotation ${q(INJECT_POD_LABEL, annV)} is ignored: the label ${q(INJECT_POD_LABEL, labelV)} on the same pod wins. The annotation is deprecated (IST0135).`,
            r,
            editable ? [{ title: `Remove the ignored annotation ${INJECT_POD_LABEL}`, edits: [removeAnn()], isPreferred: true }] : [],
          ),
        );
        continue;
      }
      let fixes: Fix[] = [];
      if (editable) {
        const add = pm.labels
          ? addPair(doc, pm.labels, INJECT_POD_LABEL, annV)
          : pairOf(pm.meta, 'labels')
            ? undefined
            : addLabelsMap(doc, pm.meta, INJECT_POD_LABEL, annV);
        if (add) fixes = [{ title: `Move to the label ${INJECT_POD_LABEL}: "${annV}"`, edits: normalizeEdits([removeAnn(), add]), isPreferred: true }];
      }
      out.push(
        finding(
          'IR005',
          'info',
          `The annotation ${INJECT_POD_LABEL} is deprecated in favour of the pod label ${INJECT_POD_LABEL} (IST0135). It still works today, but the injection webhooks' object selectors only see the label.`,
          r,
          fixes,
        ),
      );
    }
    // On the workload object itself the annotation does nothing: only pods are injected.
    if (doc.kind && TEMPLATE_PATHS[doc.kind] && doc.root) {
      const m = metaMaps(doc, pairOf(doc.root, 'metadata')?.value);
      const ap = m?.annotations ? pairOf(m.annotations, INJECT_POD_LABEL) : undefined;
      if (ap) {
        out.push(
          finding(
            'IR005',
            'warning',
            `${INJECT_POD_LABEL} on the ${doc.kind} itself has no effect: injection is decided per pod. Put the label ${INJECT_POD_LABEL} on the pod template (${TEMPLATE_PATHS[doc.kind].join('.')}.metadata.labels) (IST0135).`,
            m!.annotationsAlias ? range(doc, m!.annotationsAlias) : pairRange(doc, ap),
          ),
        );
      }
    }
    return out;
  },
};

// ---- IR006 -----------------------------------------------------------------

function nameFinding(doc: ManifestDoc, n: unknown, what: 'revision' | 'tag', where: string, consequence: string): Finding | undefined {
  if (!isScalar(n)) return undefined;
  const value = written(doc, n);
  if (value === '') return undefined;
  const chk = checkRevisionName(value, what);
  if (chk.ok) return undefined;
  const fixes: Fix[] = chk.suggestion
    ? [{ title: `Change to ${chk.suggestion}`, edits: [replaceScalar(doc, n as Node, chk.suggestion)], isPreferred: true }]
    : [];
  return finding('IR006', 'error', `${where}: ${chk.message} ${consequence}`, abs(doc, n as Node), fixes);
}

const invalidRevisionName: Rule = {
  code: 'IR006',
  title: 'Invalid revision or tag name',
  needsCluster: false,
  check(doc) {
    const out: Finding[] = [];
    const push = (f: Finding | undefined) => {
      if (f) out.push(f);
    };
    const checkValues = (values: YAMLMap | undefined, prefix: string) => {
      if (!values) return;
      push(
        nameFinding(
          doc,
          deref(doc, pairOf(values, 'revision')?.value),
          'revision',
          `${prefix}revision`,
          'Revisions are DNS-1123 labels (they name istiod-<rev> and the istio.io/rev label value): the install is rejected.',
        ),
      );
      push(
        nameFinding(
          doc,
          deref(doc, pairOf(values, 'defaultRevision')?.value),
          'revision',
          `${prefix}defaultRevision`,
          'It must name a revision, which is a DNS-1123 label.',
        ),
      );
      const tags = deref(doc, pairOf(values, 'revisionTags')?.value);
      if (isSeq(tags)) {
        for (const t of tags.items)
          push(
            nameFinding(
              doc,
              deref(doc, t),
              'tag',
              `${prefix}revisionTags`,
              'Tags name istio-revision-tag-<tag> webhooks and are istio.io/rev values: the install is rejected.',
            ),
          );
      }
    };
    if (doc.kind === 'IstioOperator' && doc.root) {
      const spec = mapAt(doc.root, 'spec');
      if (spec) {
        push(
          nameFinding(
            doc,
            deref(doc, pairOf(spec, 'revision')?.value),
            'revision',
            'IstioOperator spec.revision',
            'istioctl install rejects it (revisions are DNS-1123 labels: they name istiod-<rev> and are the istio.io/rev value).',
          ),
        );
        const values = mapAt(spec, 'values');
        if (values) checkValues(values, 'IstioOperator spec.values.');
      }
    } else if (doc.helmValues && doc.root) {
      checkValues(doc.root, 'Helm value ');
    }
    for (const s of revLabelSites(doc)) {
      if (s.maps.labelsAlias) continue;
      push(
        nameFinding(
          doc,
          s.pair.value,
          'revision',
          `Label ${REV_LABEL}`,
          'No revision or tag can have this name, so no injection webhook ever selects it and pods get no sidecar.',
        ),
      );
    }
    return out;
  },
};

// ---- IR007 -----------------------------------------------------------------

const TRUTHY = /^(true|yes|on|y|1|enable|enabled)$/i;
const FALSY = /^(false|no|off|n|0|disable|disabled)$/i;

const invalidInjectionValue: Rule = {
  code: 'IR007',
  title: 'istio-injection value other than enabled/disabled',
  needsCluster: false,
  check(doc) {
    const m = namespaceMeta(doc);
    if (!m?.labels) return [];
    const p = pairOf(m.labels, INJECTION_LABEL);
    if (!p) return [];
    const v = labelValue(doc, p) ?? '';
    if (v === 'enabled' || v === 'disabled') return [];
    const node = valueNode(p);
    const fixes: Fix[] =
      node && !m.labelsAlias
        ? [
            { title: 'Change to enabled', edits: [replaceScalar(doc, node, 'enabled')], isPreferred: TRUTHY.test(v) },
            { title: 'Change to disabled', edits: [replaceScalar(doc, node, 'disabled')], isPreferred: FALSY.test(v) },
          ]
        : [];
    return [
      finding(
        'IR007',
        'warning',
        `${q(INJECTION_LABEL, v)} is neither "enabled" nor "disabled": no injection webhook selects it, so new pods in namespace${nsName(doc)} get no sidecar${pairOf(m.labels, REV_LABEL) ? ` — and its presence still blocks ${REV_LABEL}` : ''}.`,
        range(doc, node ?? (p.key as Node), m.labelsAlias),
        fixes,
      ),
    ];
  },
};

// ---- IR008 / IR009: Gateway API and waypoints --------------------------------------

const ISTIO_GATEWAY_CLASSES = new Set(['istio', 'istio-waypoint', 'istio-remote', 'istio-east-west']);

function istioGateway(doc: ManifestDoc): { meta: MetaMaps; cls: string } | undefined {
  if (doc.kind !== 'Gateway' || !doc.apiVersion?.startsWith('gateway.networking.k8s.io/') || !doc.root) return undefined;
  const cls = str(get(mapAt(doc.root, 'spec'), 'gatewayClassName'));
  const meta = metaMaps(doc, pairOf(doc.root, 'metadata')?.value);
  return cls && ISTIO_GATEWAY_CLASSES.has(cls) && meta ? { meta, cls } : undefined;
}

/** Waypoints declared in the documents (Gateways of class istio-waypoint), as namespace/name. */
export function fileWaypoints(docs: ManifestDoc[]): Set<string> {
  const out = new Set<string>();
  for (const d of docs) {
    const g = istioGateway(d);
    if (g?.cls === 'istio-waypoint' && d.name) out.add(`${d.namespace ?? 'default'}/${d.name}`);
  }
  return out;
}

const gatewayRevUnknown: Rule = {
  code: 'IR008',
  title: 'Gateway or waypoint istio.io/rev names no installed revision or tag',
  needsCluster: true,
  check(doc, ctx) {
    const c = ctx.cluster;
    const g = istioGateway(doc);
    if (!c || !g?.meta.labels) return [];
    const p = pairOf(g.meta.labels, REV_LABEL);
    const value = p ? labelValue(doc, p) : undefined;
    if (!p || !value || !checkRevisionName(value).ok) return []; // IR006 reports invalid names
    if (c.tags.has(value) || c.revisions.get(value)?.installed) return [];
    const v = valueNode(p);
    const { fixes } = installedTargetFixes(doc, c, v, g.meta.labelsAlias);
    const what = g.cls === 'istio-waypoint' ? 'waypoint' : 'Gateway';
    return [
      finding(
        'IR008',
        'warning',
        `${q(REV_LABEL, value)} on ${what}${doc.name ? ` ${doc.name}` : ''} names no revision or tag installed in ${clusterName(c)}: no istiod takes it (istiod's tag watcher matches only its own revision and tags), so it is never deployed or programmed.`,
        range(doc, v ?? (p.key as Node), g.meta.labelsAlias),
        fixes,
      ),
    ];
  },
};

const USE_WAYPOINT = 'istio.io/use-waypoint';
const USE_WAYPOINT_NS = 'istio.io/use-waypoint-namespace';

const waypointMissing: Rule = {
  code: 'IR009',
  title: 'istio.io/use-waypoint names no waypoint',
  needsCluster: true,
  check(doc, ctx) {
    const c = ctx.cluster;
    if (!c || !doc.root) return [];
    const sites: MetaMaps[] = [];
    const ns = namespaceMeta(doc);
    if (ns) sites.push(ns);
    else if (doc.kind === 'Service' || doc.kind === 'ServiceEntry') {
      const m = metaMaps(doc, pairOf(doc.root, 'metadata')?.value);
      if (m) sites.push(m);
    }
    for (const pm of podMetas(doc)) sites.push(pm);
    const out: Finding[] = [];
    for (const m of sites) {
      if (!m.labels) continue;
      const p = pairOf(m.labels, USE_WAYPOINT);
      const name = p ? labelValue(doc, p) : undefined;
      if (!p || !name || name === 'none') continue;
      const nsp = pairOf(m.labels, USE_WAYPOINT_NS);
      const target = (nsp && labelValue(doc, nsp)) || (doc.kind === 'Namespace' ? doc.name : doc.namespace) || 'default';
      const key = `${target}/${name}`;
      if (ctx.file?.waypoints?.has(key) || c.waypoints?.has(key)) continue;
      out.push(
        finding(
          'IR009',
          'warning',
          `${q(USE_WAYPOINT, name)}: no waypoint ${name} runs in namespace ${target} in ${clusterName(c)} and none is declared in this file, so traffic that needs it (L7 policy, HTTP routing) is not processed. Create it with \`istioctl waypoint apply -n ${target} --name ${name}\`.`,
          range(doc, valueNode(p) ?? (p.key as Node), m.labelsAlias),
        ),
      );
    }
    return out;
  },
};

export const RULES: readonly Rule[] = [
  bothLabels,
  unknownTarget,
  pinnedRevision,
  podRevIgnored,
  deprecatedInjectAnnotation,
  invalidRevisionName,
  invalidInjectionValue,
  gatewayRevUnknown,
  waypointMissing,
];

/** Labels of the Namespaces declared in the parsed documents. */
export function fileNamespaces(docs: ManifestDoc[]): Map<string, Labels> {
  const out = new Map<string, Labels>();
  for (const d of docs) {
    if (d.kind !== 'Namespace' || !d.name) continue;
    const m = namespaceMeta(d);
    out.set(d.name, m?.labels ? labelsOf(d, m.labels) : {});
  }
  return out;
}
