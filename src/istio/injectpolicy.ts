/**
 * What istiod decides after one of its webhooks matched a pod (ISTIO.md §9),
 * read from istio/istio pkg/kube/inject/inject.go `injectRequired` (1.31):
 *
 *   1. hostNetwork pods are never injected;
 *   2. pods in kube-system, kube-public, kube-node-lease and local-path-storage
 *      are never injected (initializer.go `IgnoredNamespaces`), even when a
 *      webhook's selectors matched;
 *   3. the pod's `sidecar.istio.io/inject` label, else the annotation of the same
 *      name (the label wins when present, even empty): "true"/"false" decide,
 *      anything else falls back to the defaults below;
 *   4. defaults: the first non-empty `neverInjectSelector` matching the pod's
 *      labels → no; else the first `alwaysInjectSelector` → yes; else the
 *      injector config's `policy` (enabled → yes, disabled → no);
 *   5. a `policy` other than enabled/disabled turns injection off entirely,
 *      even for an explicit "true".
 *
 * Also here: the injector config and values a revision's ConfigMap
 * (`istio-sidecar-injector[-<rev>]`, keys `config` and `values`) carries, the
 * proxy image istiod puts into pods (`inject.go` ProxyImage), and the
 * native-sidecar decision (`webhook.go` DetectNativeSidecar). Pure functions.
 */
import { resolveInjection, type InjectionOutcome, type InjectionWebhook } from './injection';
import { INJECT_POD_LABEL } from './labels';
import { evaluateSelector } from './selector';
import type { InjectorConfig, LabelSelector, Labels, Pod } from './types';

export type { InjectorConfig } from './types';
import { imageTag } from './version';

/** initializer.go IgnoredNamespaces. */
export const IGNORED_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage'];
export const NATIVE_SIDECAR_ANNOTATION = 'sidecar.istio.io/nativeSidecar';
export const TEMPLATES_ANNOTATION = 'inject.istio.io/templates';
export const PROXY_IMAGE_ANNOTATION = 'sidecar.istio.io/proxyImage';

export type IstiodDecision = { inject: true; reason: string } | { inject: false; reason: string };

/**
 * `injectRequired` for a pod in `namespace`. `cfg` undefined (ConfigMap not read)
 * is treated as Istio's chart default (`policy: enabled`, no selectors).
 */
export function istiodInjectDecision(pod: Pick<Pod, 'metadata' | 'spec'>, namespace: string, cfg: InjectorConfig | undefined): IstiodDecision {
  if (pod.spec?.hostNetwork) return { inject: false, reason: 'hostNetwork pod: istiod never injects it' };
  if (IGNORED_NAMESPACES.includes(namespace)) return { inject: false, reason: `namespace ${namespace} is one istiod never injects into` };
  const labels = pod.metadata.labels ?? {};
  const annotations = pod.metadata.annotations ?? {};
  let value = annotations[INJECT_POD_LABEL];
  let source = 'annotation';
  if (Object.prototype.hasOwnProperty.call(labels, INJECT_POD_LABEL)) {
    value = labels[INJECT_POD_LABEL];
    source = 'label';
  }
  let useDefault = false;
  let inject = false;
  let why = '';
  if (value === 'true') {
    inject = true;
    why = `pod ${source} ${INJECT_POD_LABEL}=true`;
  } else if (value === 'false') {
    inject = false;
    why = `pod ${source} ${INJECT_POD_LABEL}=false`;
  } else useDefault = true;
  if (useDefault) {
    const never = firstMatching(cfg?.neverInjectSelector ?? [], labels);
    if (never !== undefined) {
      inject = false;
      useDefault = false;
      why = `pod labels match the injector's neverInjectSelector #${never + 1}`;
    }
  }
  if (useDefault) {
    const always = firstMatching(cfg?.alwaysInjectSelector ?? [], labels);
    if (always !== undefined) {
      inject = true;
      useDefault = false;
      why = `pod labels match the injector's alwaysInjectSelector #${always + 1}`;
    }
  }
  const policy = cfg ? cfg.policy : 'enabled';
  if (policy === 'enabled') {
    return useDefault ? { inject: true, reason: 'injector policy enabled' } : inject ? { inject: true, reason: why } : { inject: false, reason: why };
  }
  if (policy === 'disabled') {
    if (useDefault) return { inject: false, reason: `injector policy disabled and no ${INJECT_POD_LABEL}=true on the pod` };
    return inject ? { inject: true, reason: why } : { inject: false, reason: why };
  }
  return {
    inject: false,
    reason: `injector policy ${policy === undefined ? '(missing)' : JSON.stringify(policy)} is neither enabled nor disabled: istiod injects nothing`,
  };
}

function firstMatching(selectors: readonly LabelSelector[], labels: Labels): number | undefined {
  for (let i = 0; i < selectors.length; i++) {
    const s = selectors[i];
    if (!s || (Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0)) continue; // empty selector: skipped
    const r = evaluateSelector(s, labels);
    if (r.ok && r.matches) return i;
  }
  return undefined;
}

/** The image istiod puts into `istio-proxy` (inject.go ProxyImage; the chart template's image rule). */
export function injectedProxyImage(cfg: InjectorConfig | undefined, podAnnotations?: Record<string, string>): string | undefined {
  const override = podAnnotations?.[PROXY_IMAGE_ANNOTATION];
  if (override) return override;
  if (!cfg) return undefined;
  const image = cfg.proxyImage || 'proxyv2';
  if (image.includes('/')) return image;
  if (!cfg.hub || !cfg.tag) return undefined;
  const suffix = cfg.variant ? `-${cfg.variant}` : '';
  return `${cfg.hub}/${image}:${cfg.tag}${suffix}`;
}

/** The proxy version pods injected now get: the tag of the image istiod would inject. */
export function injectedProxyVersion(cfg: InjectorConfig | undefined): string | undefined {
  return imageTag(injectedProxyImage(cfg));
}

export type NativeSidecarMode = 'enabled' | 'disabled' | 'auto';

/** `ENABLE_NATIVE_SIDECARS` of istiod's process env (features/pilot.go): true/false, else auto. */
export function nativeSidecarMode(env: string | undefined): NativeSidecarMode {
  const v = (env ?? '').toLowerCase();
  if (v === 'true') return 'enabled';
  if (v === 'false') return 'disabled';
  return 'auto';
}

/**
 * Whether istiod puts istio-proxy into initContainers (restartPolicy Always): the pod's
 * `sidecar.istio.io/nativeSidecar` annotation, else istiod's mode; `auto` is native when every
 * node's kubelet is ≥ 1.33 (or the pod's own node's), which `kubeletMinors` gives when known.
 * Returns undefined when `auto` and the nodes are not known.
 */
export function predictNativeSidecar(
  podAnnotations: Record<string, string> | undefined,
  mode: NativeSidecarMode,
  kubeletMinors?: readonly (number | undefined)[],
): boolean | undefined {
  const a = podAnnotations?.[NATIVE_SIDECAR_ANNOTATION];
  if (a === 'true') return true;
  if (a === 'false') return false;
  if (mode === 'enabled') return true;
  if (mode === 'disabled') return false;
  if (!kubeletMinors) return undefined;
  return kubeletMinors.every((m) => m !== undefined && m >= 33);
}

/** Minor version of a kubelet version string (`v1.36.3` → 36), undefined when unparsable (istiod then says not native). */
export function kubeletMinor(version: string | undefined): number | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(version ?? '');
  return m ? Number(m[2]) : undefined;
}

// ---------------------------------------------------------------- ConfigMap parsing

/**
 * Reads `policy`, `neverInjectSelector`, `alwaysInjectSelector` and `defaultTemplates` from the
 * injector ConfigMap's `config` (YAML, mostly templates) and the image fields from `values`
 * (JSON). Only the top-level blocks of those keys are parsed, with `parseYaml` (the `yaml`
 * package, passed in so this module stays free of it).
 */
export function parseInjectorConfig(config: string | undefined, values: string | undefined, parseYaml: (text: string) => unknown): InjectorConfig {
  const out: InjectorConfig = { neverInjectSelector: [], alwaysInjectSelector: [] };
  if (config !== undefined) {
    const blocks = topLevelBlocks(config, ['policy', 'neverInjectSelector', 'alwaysInjectSelector', 'defaultTemplates']);
    let parsed: Record<string, unknown> = {};
    try {
      const p = parseYaml(blocks);
      if (p && typeof p === 'object') parsed = p as Record<string, unknown>;
    } catch {
      parsed = {};
    }
    out.policy = typeof parsed.policy === 'string' ? parsed.policy : parsed.policy === undefined ? undefined : String(parsed.policy);
    out.neverInjectSelector = selectorList(parsed.neverInjectSelector);
    out.alwaysInjectSelector = selectorList(parsed.alwaysInjectSelector);
    if (Array.isArray(parsed.defaultTemplates)) out.defaultTemplates = parsed.defaultTemplates.map(String);
  }
  if (values !== undefined) {
    try {
      const v = JSON.parse(values) as { global?: { hub?: unknown; tag?: unknown; variant?: unknown; proxy?: { image?: unknown } } };
      const g = v?.global ?? {};
      if (typeof g.hub === 'string' && g.hub) out.hub = g.hub;
      if ((typeof g.tag === 'string' && g.tag) || typeof g.tag === 'number') out.tag = String(g.tag);
      if (typeof g.variant === 'string' && g.variant) out.variant = g.variant;
      if (typeof g.proxy?.image === 'string' && g.proxy.image) out.proxyImage = g.proxy.image;
    } catch {
      /* not JSON: no image fields */
    }
  }
  return out;
}

function selectorList(v: unknown): LabelSelector[] {
  if (!Array.isArray(v)) return [];
  return v.filter((s) => s && typeof s === 'object') as LabelSelector[];
}

/** The lines of the given top-level keys (a key at column 0 and the indented lines under it). */
export function topLevelBlocks(yamlText: string, keys: readonly string[]): string {
  const out: string[] = [];
  let keep = false;
  for (const line of yamlText.split('\n')) {
    if (/^[^\s#-][^:]*:/.test(line)) keep = keys.includes(line.slice(0, line.indexOf(':')).trim());
    else if (/^\S/.test(line) && !line.startsWith('-') && !line.startsWith('#')) keep = false;
    if (keep) out.push(line);
  }
  return out.join('\n');
}

// ---------------------------------------------------------------- the whole decision

/**
 * What a pod created now gets: the API server's webhook selection (resolveInjection), then
 * the matched revision's istiod (istiodInjectDecision). A webhook match istiod declines is
 * `none`, with `skippedBy` naming the revision whose webhook matched.
 */
export function decideInjection(
  webhooks: readonly InjectionWebhook[],
  nsLabels: Labels | undefined,
  pod: Pick<Pod, 'metadata' | 'spec'>,
  nsName: string,
  injectorOf: (revision: string) => InjectorConfig | undefined,
): InjectionOutcome {
  const o = resolveInjection(webhooks, nsLabels, pod.metadata.labels, nsName);
  if (o.kind !== 'injected') return o;
  const d = istiodInjectDecision(pod, nsName, injectorOf(o.revision));
  if (d.inject) return o;
  return {
    kind: 'none',
    matches: [],
    reason: `the webhook of ${o.revision}${o.via.tag ? ` (tag ${o.via.tag})` : ''} matches, but istiod skips the pod: ${d.reason}`,
    skippedBy: { revision: o.revision, tag: o.via.tag, webhook: `${o.via.configName}/${o.via.webhookName}` },
  };
}
