/**
 * Plain shapes of the Kubernetes objects the Istio model reads.
 *
 * Only the fields the model needs are declared; everything is optional because
 * what arrives from a cluster is untrusted JSON. The k8s layer prunes list and
 * watch items down to these shapes before they reach the model, which keeps the
 * snapshot small on clusters with thousands of pods.
 */

export type Labels = Record<string, string>;

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Labels;
  annotations?: Labels;
  ownerReferences?: { kind: string; name: string; uid?: string; controller?: boolean }[];
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string; // In | NotIn | Exists | DoesNotExist (anything else is invalid)
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface WebhookClientConfig {
  url?: string;
  service?: { name: string; namespace: string; path?: string; port?: number };
  caBundle?: string;
}

export interface MutatingWebhook {
  name: string;
  clientConfig?: WebhookClientConfig;
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  rules?: { operations?: string[]; resources?: string[]; apiGroups?: string[]; apiVersions?: string[] }[];
  failurePolicy?: string;
  reinvocationPolicy?: string;
}

export interface MutatingWebhookConfiguration {
  metadata: ObjectMeta;
  webhooks?: MutatingWebhook[];
}

export interface Container {
  name: string;
  image?: string;
  /** Only the env the model reads (istiod's ENABLE_NATIVE_SIDECARS). */
  env?: { name: string; value?: string }[];
}

export interface PodTemplate {
  metadata?: { labels?: Labels; annotations?: Labels };
  spec?: { containers?: Container[]; initContainers?: Container[]; hostNetwork?: boolean };
}

export interface Deployment {
  kind?: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  metadata: ObjectMeta;
  spec?: { replicas?: number; selector?: LabelSelector; template?: PodTemplate; updateStrategy?: { type?: string } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    updatedReplicas?: number;
    // DaemonSet
    desiredNumberScheduled?: number;
    numberReady?: number;
    updatedNumberScheduled?: number;
  };
}

export interface Service {
  metadata: ObjectMeta;
  spec?: { selector?: Labels };
}

/*
 * Raw objects: full, unpruned JSON as listed from the cluster (plans copy and send them back),
 * typed only where the plans read or write; every other field is kept as `unknown`.
 */

/** Metadata of a raw object: ObjectMeta plus whatever else the server sent (managedFields, ...). */
export interface RawMeta extends ObjectMeta {
  [k: string]: unknown;
}

/** Any raw Kubernetes object. */
export interface RawObject {
  apiVersion?: string;
  kind?: string;
  metadata: RawMeta;
  [k: string]: unknown;
}

/** A raw admission webhook (mutating or validating); selectors are LabelSelector. */
export interface RawWebhook extends MutatingWebhook {
  sideEffects?: string;
  admissionReviewVersions?: string[];
  matchPolicy?: string;
  timeoutSeconds?: number;
  [k: string]: unknown;
}

/** A raw Mutating- or ValidatingWebhookConfiguration. */
export interface RawWebhookConfiguration extends RawObject {
  webhooks?: RawWebhook[];
}

/** A raw Service. */
export interface RawService extends RawObject {
  spec?: {
    selector?: Labels;
    ports?: { name?: string; port: number; protocol?: string; targetPort?: number | string }[];
    [k: string]: unknown;
  };
}

/** The parts of a revision's injector ConfigMap that decide injection. */
export interface InjectorConfig {
  /** `policy` of the `config` key; undefined when the ConfigMap has no readable `config`. */
  policy?: string;
  neverInjectSelector: LabelSelector[];
  alwaysInjectSelector: LabelSelector[];
  /** `defaultTemplates` of the `config` key (e.g. ["sidecar"]). */
  defaultTemplates?: string[];
  /** From `values`: global.hub, global.tag, global.proxy.image, global.variant. */
  hub?: string;
  tag?: string;
  proxyImage?: string;
  variant?: string;
}

export interface ConfigMap {
  metadata: ObjectMeta;
  data?: Record<string, string>;
  /** Injector ConfigMaps: `config` and `values` read at the boundary (src/k8s prune) — see injectpolicy.ts. */
  injectorConfig?: InjectorConfig;
}

export interface Namespace {
  metadata: ObjectMeta;
  status?: { phase?: string };
}

export interface Pod {
  metadata: ObjectMeta;
  spec?: { containers?: Container[]; initContainers?: Container[]; hostNetwork?: boolean; nodeName?: string };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/**
 * The Sail operator's resources (sailoperator.io/v1, cluster-scoped): Istio, IstioRevision,
 * IstioRevisionTag — only the fields the model reads (api/v1/*_types.go of the operator).
 */
export interface SailResource {
  metadata: ObjectMeta;
  spec?: {
    version?: string;
    namespace?: string;
    updateStrategy?: { type?: string; inactiveRevisionDeletionGracePeriodSeconds?: number };
    targetRef?: { kind?: string; name?: string };
    values?: { revision?: string };
  };
  status?: {
    state?: string;
    activeRevisionName?: string;
    revisions?: { total?: number; ready?: number; inUse?: number };
    istioRevision?: string;
    istiodNamespace?: string;
    conditions?: Condition[];
  };
}

/** The kinds the snapshot watches (the Sail kinds only where their CRDs are installed). */
export type Kind =
  'Namespace' | 'Pod' | 'MutatingWebhookConfiguration' | 'Deployment' | 'Service' | 'ConfigMap' | 'DaemonSet' | 'Istio' | 'IstioRevision' | 'IstioRevisionTag';

export interface KindMap {
  Namespace: Namespace;
  Pod: Pod;
  MutatingWebhookConfiguration: MutatingWebhookConfiguration;
  Deployment: Deployment;
  Service: Service;
  ConfigMap: ConfigMap;
  /** Node agents' DaemonSets (ztunnel, istio-cni): their update strategy. */
  DaemonSet: Deployment;
  Istio: SailResource;
  IstioRevision: SailResource;
  IstioRevisionTag: SailResource;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent<K extends Kind = Kind> {
  kind: K;
  type: WatchEventType;
  object: KindMap[K];
}
