/**
 * Kubernetes LabelSelector evaluation, with the semantics the API server uses
 * for admission webhooks' namespaceSelector and objectSelector
 * (k8s.io/apimachinery/pkg/apis/meta/v1 LabelSelectorAsSelector):
 *  - a missing selector matches everything; an empty selector `{}` matches everything;
 *  - matchLabels and every matchExpression must all hold (AND);
 *  - In: key present and value listed; NotIn: key absent OR value not listed;
 *  - Exists: key present; DoesNotExist: key absent;
 *  - an unknown operator, or In/NotIn without values, makes the selector invalid;
 *    the API server refuses such a webhook, so here it matches nothing.
 */
import type { LabelSelector, Labels } from './types';

export type SelectorResult = { ok: true; matches: boolean } | { ok: false; error: string };

export function evaluateSelector(selector: LabelSelector | undefined | null, labels: Labels | undefined): SelectorResult {
  if (!selector) return { ok: true, matches: true };
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.prototype.hasOwnProperty.call(l, k) || l[k] !== v) return { ok: true, matches: false };
  }
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (values.length === 0) return { ok: false, error: `operator In on key ${req.key} needs at least one value` };
        if (!has || !values.includes(l[req.key])) return { ok: true, matches: false };
        break;
      case 'NotIn':
        if (values.length === 0) return { ok: false, error: `operator NotIn on key ${req.key} needs at least one value` };
        if (has && values.includes(l[req.key])) return { ok: true, matches: false };
        break;
      case 'Exists':
        if (values.length > 0) return { ok: false, error: `operator Exists on key ${req.key} takes no values` };
        if (!has) return { ok: true, matches: false };
        break;
      case 'DoesNotExist':
        if (values.length > 0) return { ok: false, error: `operator DoesNotExist on key ${req.key} takes no values` };
        if (has) return { ok: true, matches: false };
        break;
      default:
        return { ok: false, error: `unknown selector operator "${req.operator}" on key ${req.key}` };
    }
  }
  return { ok: true, matches: true };
}

export function selectorMatches(selector: LabelSelector | undefined | null, labels: Labels | undefined): boolean {
  const r = evaluateSelector(selector, labels);
  return r.ok && r.matches;
}

/** Renders a selector the way kubectl prints it, e.g. `istio.io/rev in (canary),!istio-injection`. */
export function formatSelector(selector: LabelSelector | undefined | null): string {
  if (!selector) return '<everything>';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) parts.push(`${k}=${v}`);
  for (const r of selector.matchExpressions ?? []) {
    const vals = (r.values ?? []).join(',');
    switch (r.operator) {
      case 'In':
        parts.push(`${r.key} in (${vals})`);
        break;
      case 'NotIn':
        parts.push(`${r.key} notin (${vals})`);
        break;
      case 'Exists':
        parts.push(r.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${r.key}`);
        break;
      default:
        parts.push(`${r.key} ${r.operator} (${vals})`);
    }
  }
  return parts.length ? parts.join(',') : '<everything>';
}
