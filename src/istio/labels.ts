/** Label and annotation keys Istio uses for revisions, tags and injection (see ISTIO.md §1–§4). */
export const REV_LABEL = 'istio.io/rev';
export const TAG_LABEL = 'istio.io/tag';
export const INJECTION_LABEL = 'istio-injection';
/** Ambient: `istio.io/dataplane-mode=ambient` puts a namespace's pods in the ambient mesh (ztunnel). */
export const DATAPLANE_MODE_LABEL = 'istio.io/dataplane-mode';
export const INJECT_POD_LABEL = 'sidecar.istio.io/inject';
export const STATUS_ANNOTATION = 'sidecar.istio.io/status';
export const REV_ANNOTATION = 'istio.io/rev';
/** Written into a pod template by `kubectl rollout restart` (and by this extension's restart): pods created from it carry it. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';
export const DEACTIVATED_LABEL = 'istio.io/deactivated';
export const NEVER_MATCH = 'never-match';
export const APP_LABEL = 'app';
export const ISTIOD_APP = 'istiod';
export const DEFAULT_REVISION = 'default';
export const PROXY_CONTAINER = 'istio-proxy';
export const COMPONENT_LABEL = 'operator.istio.io/component';
export const VERSION_LABEL = 'app.kubernetes.io/version';
export const OPERATOR_VERSION_LABEL = 'operator.istio.io/version';
/** Suffix of the names of Istio's sidecar injection webhooks inside an MWC. */
export const INJECTOR_WEBHOOK_SUFFIX = 'sidecar-injector.istio.io';

/**
 * The labels Istio's IST0123 analyzer counts (pkg/config/analysis/analyzers/injection/injection.go,
 * 1.31): istio-injection (any value), then istio.io/rev and istio.io/dataplane-mode when there is no
 * istio-injection or it is `enabled`. More than one is IST0123; namespace istio-system is skipped.
 */
export function ist0123Labels(name: string | undefined, labels: Record<string, string>): string[] {
  if (name === 'istio-system') return [];
  const inj = labels[INJECTION_LABEL];
  const out = inj !== undefined ? [`${INJECTION_LABEL}=${inj}`] : [];
  for (const l of [REV_LABEL, DATAPLANE_MODE_LABEL]) {
    if (labels[l] !== undefined && (inj === undefined || inj === 'enabled')) out.push(`${l}=${labels[l]}`);
  }
  return out.length > 1 ? out : [];
}

/** What `istioctl install` stamps on what it installs (operator/pkg/install getOwnerLabels); its uninstall selects by it. */
export const OWNING_RESOURCE_NAMESPACE_LABEL = 'install.operator.istio.io/owning-resource-namespace';
