/**
 * Injection resolution: which control-plane revision injects a pod created in a
 * namespace with given labels, decided the way the API server decides it.
 *
 * Rather than re-coding Istio's precedence rules (istio-injection beats
 * istio.io/rev, namespace label beats pod label, …), every injection webhook of
 * every Istio MutatingWebhookConfiguration is evaluated with real LabelSelector
 * semantics against the namespace labels and the pod labels — as istioctl's
 * `x check-inject` does. The precedence then falls out of the selectors Istio
 * renders. A webhook deactivated by a `default` tag (`istio.io/deactivated=never-match`
 * on both selectors) matches nothing because no object carries that label.
 */
import { DATAPLANE_MODE_LABEL, DEFAULT_REVISION, DEACTIVATED_LABEL, INJECTION_LABEL, NEVER_MATCH, REV_LABEL, TAG_LABEL } from './labels';
import { evaluateSelector, formatSelector } from './selector';
import type { Labels, MutatingWebhook, MutatingWebhookConfiguration } from './types';

/** One Istio injection webhook, flattened out of its MWC. */
export interface InjectionWebhook {
  configName: string;
  webhookName: string;
  /** Revision the webhook injects for: the MWC's istio.io/rev label, `default` when absent. */
  revision: string;
  /** Set when the MWC is a revision tag's (label istio.io/tag). */
  tag?: string;
  deactivated: boolean;
  webhook: MutatingWebhook;
}

export interface InjectionMatch {
  configName: string;
  webhookName: string;
  revision: string;
  tag?: string;
  /** Human explanation, e.g. `namespace istio.io/rev=prod`. */
  reason: string;
}

export type InjectionOutcome =
  | { kind: 'injected'; revision: string; via: InjectionMatch; matches: InjectionMatch[] }
  | { kind: 'ambiguous'; revisions: string[]; matches: InjectionMatch[] }
  | { kind: 'none'; reason: string; matches: []; skippedBy?: { revision: string; tag?: string; webhook: string } };

export function isIstioMwc(mwc: MutatingWebhookConfiguration): boolean {
  return (mwc.webhooks ?? []).some((w) => w.name.endsWith('istio.io'));
}

function appliesToPodCreate(w: MutatingWebhook): boolean {
  if (!w.rules || w.rules.length === 0) return true;
  return w.rules.some(
    (r) => (r.resources ?? []).some((res) => res === 'pods' || res === '*') && (r.operations ?? []).some((op) => op === 'CREATE' || op === '*'),
  );
}

export function isDeactivated(w: MutatingWebhook): boolean {
  const never = (s: MutatingWebhook['namespaceSelector']) => !!s && s.matchLabels?.[DEACTIVATED_LABEL] === NEVER_MATCH;
  return never(w.namespaceSelector) && never(w.objectSelector);
}

/** Extracts the injection webhooks of all Istio MWCs. */
export function injectionWebhooks(mwcs: Iterable<MutatingWebhookConfiguration>): InjectionWebhook[] {
  const out: InjectionWebhook[] = [];
  for (const mwc of mwcs) {
    if (!isIstioMwc(mwc)) continue;
    const labels = mwc.metadata.labels ?? {};
    const revision = labels[REV_LABEL] || DEFAULT_REVISION;
    const tag = labels[TAG_LABEL] || undefined;
    for (const w of mwc.webhooks ?? []) {
      if (!w.name.endsWith('istio.io') || !appliesToPodCreate(w)) continue;
      out.push({ configName: mwc.metadata.name, webhookName: w.name, revision, tag, deactivated: isDeactivated(w), webhook: w });
    }
  }
  out.sort((a, b) => (a.configName + '/' + a.webhookName).localeCompare(b.configName + '/' + b.webhookName));
  return out;
}

function explain(w: MutatingWebhook, nsLabels: Labels, podLabels: Labels): string {
  const keys = new Set<string>();
  for (const sel of [w.namespaceSelector, w.objectSelector]) {
    for (const e of sel?.matchExpressions ?? []) if (e.operator === 'In') keys.add(e.key);
    for (const k of Object.keys(sel?.matchLabels ?? {})) keys.add(k);
  }
  const parts: string[] = [];
  for (const k of keys) {
    if (k in nsLabels && (w.namespaceSelector?.matchExpressions ?? []).some((e) => e.key === k && e.operator === 'In'))
      parts.push(`namespace ${k}=${nsLabels[k]}`);
    if (k in podLabels && (w.objectSelector?.matchExpressions ?? []).some((e) => e.key === k && e.operator === 'In')) parts.push(`pod ${k}=${podLabels[k]}`);
  }
  return parts.length ? parts.join(', ') : `selectors ${formatSelector(w.namespaceSelector)} / ${formatSelector(w.objectSelector)}`;
}

/**
 * Resolves injection for a pod with `podLabels` created in a namespace with `nsLabels`.
 * `nsName` adds the `kubernetes.io/metadata.name` label the API server sets on every namespace.
 */
export function resolveInjection(
  webhooks: readonly InjectionWebhook[],
  nsLabels: Labels | undefined,
  podLabels: Labels | undefined,
  nsName?: string,
): InjectionOutcome {
  const ns: Labels = { ...(nsLabels ?? {}) };
  if (nsName && !ns['kubernetes.io/metadata.name']) ns['kubernetes.io/metadata.name'] = nsName;
  const pod = podLabels ?? {};
  const matches: InjectionMatch[] = [];
  for (const w of webhooks) {
    if (w.deactivated) continue;
    const nsr = evaluateSelector(w.webhook.namespaceSelector, ns);
    if (!nsr.ok || !nsr.matches) continue;
    const obr = evaluateSelector(w.webhook.objectSelector, pod);
    if (!obr.ok || !obr.matches) continue;
    matches.push({ configName: w.configName, webhookName: w.webhookName, revision: w.revision, tag: w.tag, reason: explain(w.webhook, ns, pod) });
  }
  if (matches.length === 0) return { kind: 'none', reason: noMatchReason(webhooks, ns, pod), matches: [] };
  if (matches.length === 1) return { kind: 'injected', revision: matches[0].revision, via: matches[0], matches };
  const revisions = [...new Set(matches.map((m) => m.revision))].sort();
  return { kind: 'ambiguous', revisions, matches };
}

function noMatchReason(webhooks: readonly InjectionWebhook[], ns: Labels, pod: Labels): string {
  if (webhooks.length === 0) return 'no Istio injection webhook is installed';
  if (pod['sidecar.istio.io/inject'] === 'false') return 'pod label sidecar.istio.io/inject=false';
  const inj = ns[INJECTION_LABEL];
  if (inj !== undefined && inj !== 'enabled') return `namespace label ${INJECTION_LABEL}=${inj}`;
  const rev = ns[REV_LABEL];
  if (rev !== undefined && inj === undefined) return `namespace label ${REV_LABEL}=${rev} names no installed revision or tag`;
  if (inj === 'enabled') return `${INJECTION_LABEL}=enabled but no active default webhook (no default revision or default tag)`;
  if (pod[REV_LABEL] !== undefined) return `pod label ${REV_LABEL}=${pod[REV_LABEL]} names no installed revision or tag`;
  return 'no injection label on the namespace or the pod';
}

/** The value a namespace asked for, as written: `istio-injection=enabled`, `istio.io/rev=canary`, both, or none. */
export interface InjectionLabels {
  injection?: string;
  rev?: string;
  both: boolean;
  /** Ambient: istio.io/dataplane-mode, istio.io/use-waypoint (absent when not set). */
  dataplaneMode?: string;
  useWaypoint?: string;
}

export function injectionLabels(labels: Labels | undefined): InjectionLabels {
  const injection = labels?.[INJECTION_LABEL];
  const rev = labels?.[REV_LABEL];
  const dataplaneMode = labels?.[DATAPLANE_MODE_LABEL];
  const useWaypoint = labels?.['istio.io/use-waypoint'];
  return {
    injection,
    rev,
    both: injection !== undefined && rev !== undefined,
    ...(dataplaneMode !== undefined ? { dataplaneMode } : {}),
    ...(useWaypoint !== undefined ? { useWaypoint } : {}),
  };
}

/** Short text for an outcome, e.g. `1-8-0 (tag canary)`, `ambiguous: 1-7-6, 1-8-0`, `not injected`. */
export function describeOutcome(o: InjectionOutcome): string {
  switch (o.kind) {
    case 'injected':
      return o.via.tag ? `${o.revision} (tag ${o.via.tag})` : o.revision;
    case 'ambiguous':
      return `ambiguous: ${o.revisions.join(', ')}`;
    case 'none':
      return 'not injected';
  }
}
