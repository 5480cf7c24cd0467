/** Label and annotation keys Istio uses for revisions, tags and injection (see ISTIO.md §1–§4). */
export const REV_LABEL = 'istio.io/rev';
export const TAG_LABEL = 'istio.io/tag';
export const INJECTION_LABEL = 'istio-injection';
export const INJECT_POD_LABEL = 'sidecar.istio.io/inject';
export const STATUS_ANNOTATION = 'sidecar.istio.io/status';
export const REV_ANNOTATION = 'istio.io/rev';
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
