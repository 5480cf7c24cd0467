/**
 * Tree nodes: one tagged union, a variant per kind; a node holds only its identity (cluster context
 * plus name) and reads its data from the live snapshot when rendered, so refreshing
 * a node after a watch event re-renders current data without rebuilding the tree.
 *
 *   Cluster (kubeconfig context)
 *   ├─ Control planes → Revision (version, readiness, tags, default, proxies)
 *   │                    └─ facts: Deployments, Services, webhooks, namespaces
 *   ├─ Tags → Tag (→ revision) └─ Namespace references following it
 *   ├─ Namespaces → Namespace (labels as written → resolved revision, pods, stale)
 *   │               └─ Workload (proxies per revision, stale)
 *   │  └─ Other namespaces (not in the mesh)
 *   ├─ Gateways → Gateway (runs vs follows); waypoints and Gateway API gateways istiod deploys
 *   └─ Node agents (ambient: ztunnel, istio-cni; shown when present) → version, bound revision, nodes x/y
 * A cluster that cannot be read shows one error node with Retry; the others are unaffected.
 */
import type { GatewayView, NamespaceView, RevisionInfo, TagInfo } from '../../istio';

export type GroupKind = 'controlPlanes' | 'tags' | 'namespaces' | 'gateways' | 'nodeAgents';

export type Node =
  | { type: 'cluster'; id: string; context: string }
  | { type: 'group'; id: string; context: string; group: GroupKind }
  | { type: 'revision'; id: string; context: string; name: string }
  | { type: 'tag'; id: string; context: string; name: string }
  | { type: 'namespace'; id: string; context: string; name: string; under: 'namespaces' | 'tag' | 'revision' | 'other' }
  | { type: 'otherNamespaces'; id: string; context: string }
  | { type: 'workload'; id: string; context: string; namespace: string; kind: string; name: string }
  | { type: 'gateway'; id: string; context: string; namespace: string; kind: string; name: string }
  | { type: 'managedGateway'; id: string; context: string; namespace: string; name: string }
  | { type: 'nodeAgent'; id: string; context: string; namespace: string; name: string }
  | { type: 'info'; id: string; context: string; label: string; description?: string; tooltip?: string; icon?: string; credentials?: boolean }
  | { type: 'error'; id: string; context: string; message: string; retry: boolean };

export type { WorkloadSummary } from '../../istio';

export type { GatewayView, NamespaceView, RevisionInfo, TagInfo };

/** Node ids are stable: the same cluster object always maps to the same id, so refreshes can target it. */
export const ids = {
  cluster: (ctx: string) => `c:${ctx}`,
  group: (ctx: string, g: GroupKind) => `c:${ctx}/g:${g}`,
  revision: (ctx: string, r: string) => `c:${ctx}/rev:${r}`,
  tag: (ctx: string, t: string) => `c:${ctx}/tag:${t}`,
  namespace: (ctx: string, ns: string, under: string, parent = '') => `c:${ctx}/${under}${parent ? ':' + parent : ''}/ns:${ns}`,
  other: (ctx: string) => `c:${ctx}/other`,
  workload: (ctx: string, ns: string, kind: string, name: string) => `c:${ctx}/ns:${ns}/${kind}:${name}`,
  gateway: (ctx: string, ns: string, kind: string, name: string) => `c:${ctx}/gw:${ns}/${kind}:${name}`,
  managedGateway: (ctx: string, ns: string, name: string) => `c:${ctx}/gwapi:${ns}/${name}`,
  nodeAgent: (ctx: string, ns: string, name: string) => `c:${ctx}/agent:${ns}/${name}`,
};
