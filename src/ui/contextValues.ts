/**
 * contextValue grammar for tree items: `istio.<kind>` followed by `+flag` for each
 * state, e.g. `istio.namespace+labelled+rev+stale+bothLabels`. Menus in package.json
 * match these with regexes (`viewItem =~ /^istio\.namespace\b.*\+stale/`), so a
 * flag can be added without breaking existing `when` clauses.
 */
export type NodeKind =
  'cluster' | 'group' | 'revision' | 'tag' | 'namespace' | 'workload' | 'gateway' | 'managedGateway' | 'nodeAgent' | 'info' | 'error' | 'otherNamespaces';

/** Every flag each kind of item can carry; `contextValue` accepts no other, and a unit test checks every menu `when` clause against them. */
export const CONTEXT_FLAGS = {
  cluster: ['error', 'ready', 'reconnecting', 'resumable', 'credentials'],
  group: ['controlPlanes', 'tags', 'namespaces', 'gateways', 'nodeAgents'],
  // readiness and install method: one of each
  revision: [
    'default',
    'tagged',
    'hasProxies',
    'ready',
    'degraded',
    'notReady',
    'scaledToZero',
    'absent',
    'sail',
    'helm',
    'istioctl',
    'helmTemplate',
    'manifest',
  ],
  tag: ['default', 'missingRevision', 'followed', 'injectorDown'],
  namespace: [
    'labelled',
    'rev',
    'injection',
    'stale',
    'proxies',
    'labelsUnknown',
    'bothLabels',
    'unknownTarget',
    'invalidInjectionValue',
    'ambiguous',
    'tagMissingRevision',
    'pinnedRevision',
    'skippedByIstiod',
    'injectorDown',
  ],
  // the workload's kind, lower-cased
  workload: ['stale', 'restartable', 'differs', 'degraded', 'deployment', 'statefulset', 'daemonset', 'replicaset', 'job', 'cronjob', 'pod'],
  gateway: ['stale', 'restartable'],
  managedGateway: ['waypoint', 'gateway', 'rolling', 'orphaned'],
  nodeAgent: ['ztunnel', 'cni', 'mixed', 'skew'],
  info: ['credentials'],
  error: ['error', 'retry'],
  otherNamespaces: [],
} as const satisfies Record<NodeKind, readonly string[]>;

export type ContextFlag<K extends NodeKind> = (typeof CONTEXT_FLAGS)[K][number];

export function contextValue<K extends NodeKind>(kind: K, flags: Partial<Record<ContextFlag<K>, boolean | undefined>> = {}): string {
  const on = Object.entries(flags)
    .filter(([, v]) => v)
    .map(([k]) => k)
    .sort();
  return ['istio.' + kind, ...on].join('+');
}

export function parseContextValue(v: string): { kind: string; flags: Set<string> } {
  const [head, ...flags] = v.split('+');
  return { kind: head.replace(/^istio\./, ''), flags: new Set(flags) };
}
