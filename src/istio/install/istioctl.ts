/**
 * What `istioctl install --set revision=<rev>` changes besides adding the revision
 * (istio/istio operator/pkg/webhook `WebhooksToDeploy`, `detectIfTagWebhookIsNeeded`):
 * when the install is unrevisioned, or no MutatingWebhookConfiguration labelled
 * `app=sidecar-injector,istio.io/tag=default` exists (a Helm-style install, or none at all),
 * istioctl creates the `default` tag pointing at the new revision — so every namespace that
 * follows the default (`istio-injection=enabled`, `istio.io/rev=default`) resolves to it the
 * moment the install finishes — deactivates the unrevisioned control plane's own injection
 * webhooks (never-match selectors) and creates the `istiod-default-validator`.
 */
import { DEFAULT_REVISION, INJECTION_LABEL, REV_LABEL } from '../labels';
import type { ClusterSnapshot } from '../snapshot';

export interface InstallEffect {
  /** istioctl will create (or re-point) the default tag at the new revision. */
  createsDefaultTag: boolean;
  /** Namespaces whose new pods get the new revision as soon as the install finishes. */
  namespacesMoving: string[];
  /** Proxies running in those namespaces that become stale (a restart moves them). */
  proxiesStaleAfter: number;
  /** Injection webhooks of the unrevisioned control plane that get never-match selectors. */
  webhooksDeactivated: string[];
  /** `istiod-default-validator` is created or taken over. */
  validatorCreated: boolean;
  /** One paragraph for the confirmation. */
  message: string;
}

export function installEffect(snap: ClusterSnapshot, revision: string, opts: { operatorManageWebhooks?: boolean } = {}): InstallEffect {
  const rev = revision.trim() || DEFAULT_REVISION;
  const cp = snap.controlPlane;
  const defaultTagExists =
    cp.webhooks.some((w) => w.tag === DEFAULT_REVISION) || [...cp.tagByName.values()].some((t) => t.name === DEFAULT_REVISION && t.webhooks.length > 0);
  const unrevisioned = rev === DEFAULT_REVISION;
  const createsDefaultTag = !opts.operatorManageWebhooks && (!defaultTagExists || unrevisioned);
  if (!createsDefaultTag) {
    return {
      createsDefaultTag,
      namespacesMoving: [],
      proxiesStaleAfter: 0,
      webhooksDeactivated: [],
      validatorCreated: false,
      message: `A default tag exists (→ ${cp.tagByName.get(DEFAULT_REVISION)?.revision ?? '?'}): istioctl leaves it, so the running control plane keeps every namespace it injects; namespaces move only when you relabel them or move a tag.`,
    };
  }
  const moving: string[] = [];
  let stale = 0;
  for (const n of snap.namespaces()) {
    const labels = snap.namespaceObject(n.name)?.metadata.labels ?? {};
    const followsDefault = labels[INJECTION_LABEL] === 'enabled' || (labels[INJECTION_LABEL] === undefined && labels[REV_LABEL] === DEFAULT_REVISION);
    if (!followsDefault || n.resolvedRevision === rev) continue;
    moving.push(n.name);
    stale += snap.proxies(n.name).filter((p) => p.injected && p.injectedRevision !== rev).length;
  }
  const deactivated = [...new Set(cp.webhooks.filter((w) => w.revision === DEFAULT_REVISION && !w.tag && !w.deactivated).map((w) => w.configName))].sort();
  const validatorCreated = true;
  const parts = [`No default tag exists, so istioctl creates tag "default" → ${rev} (MWC istio-revision-tag-default, and istiod-default-validator).`];
  parts.push(
    moving.length
      ? `At install time ${moving.length} namespace(s) that follow the default (${moving.join(', ')}) move to ${rev}: their new pods get ${rev}${stale ? `, and ${stale} running proxy(ies) there become stale until restarted` : ''}.`
      : 'No namespace follows the default today, so none moves.',
  );
  if (deactivated.length)
    parts.push(`The unrevisioned control plane's injection webhooks (${deactivated.join(', ')}) are deactivated (never-match selectors), not deleted.`);
  return {
    createsDefaultTag,
    namespacesMoving: moving.sort(),
    proxiesStaleAfter: stale,
    webhooksDeactivated: deactivated,
    validatorCreated,
    message: parts.join(' '),
  };
}
