/**
 * Runs the node-by-node upgrade of a node agent (src/istio/nodeagent.ts): reads which nodes
 * still run an older template (pod controller-revision-hash vs the DaemonSet's newest
 * ControllerRevision), then one node at a time cordons, deletes the pod, waits for the new
 * one to be Ready and uncordons. Stops between nodes when cancelled; a new run resumes.
 */
import { CORDONED_BY_ANNOTATION, nodeTurnRequests, type AgentNode, type DaemonSetRef } from '../istio/nodeagent';
import type { Permission } from '../istio/plan';
import type { ClusterClient } from './client';
import { checkPermissions, describeDenied, sendPlanned } from './executor';
import { describeK8sError, type K8sResult } from './result';

interface Obj {
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
  };
}
interface DsObj extends Obj {
  spec?: { selector?: { matchLabels?: Record<string, string> }; updateStrategy?: { type?: string } };
}
interface PodObj extends Obj {
  spec?: { nodeName?: string };
  status?: { conditions?: { type: string; status: string }[] };
}
interface RevObj extends Obj {
  revision: number;
}
interface NodeObj extends Obj {
  spec?: { unschedulable?: boolean };
}

export interface AgentState {
  strategy?: string;
  /** The newest template's hash; pods carrying it are updated. */
  hash?: string;
  nodes: AgentNode[];
}

const sel = (m: Record<string, string> | undefined) =>
  Object.entries(m ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
const ready = (p: PodObj) => !p.metadata.deletionTimestamp && !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

export async function readAgentState(client: ClusterClient, ds: DaemonSetRef, signal?: AbortSignal): Promise<K8sResult<AgentState>> {
  const d = await client.request<DsObj>({
    path: `/apis/apps/v1/namespaces/${encodeURIComponent(ds.namespace)}/daemonsets/${encodeURIComponent(ds.name)}`,
    verb: 'get',
    resource: 'daemonsets.apps',
    namespace: ds.namespace,
    name: ds.name,
    signal,
  });
  if (!d.ok) return d;
  const labelSelector = sel(d.value.spec?.selector?.matchLabels);
  const owned = (o: Obj) => o.metadata.ownerReferences?.some((r) => r.controller && r.kind === 'DaemonSet' && r.name === ds.name);
  const [revs, pods, nodes] = await Promise.all([
    client.request<{ items: RevObj[] }>({
      path: `/apis/apps/v1/namespaces/${encodeURIComponent(ds.namespace)}/controllerrevisions`,
      query: { labelSelector },
      verb: 'list',
      resource: 'controllerrevisions.apps',
      namespace: ds.namespace,
      signal,
    }),
    client.request<{ items: PodObj[] }>({
      path: `/api/v1/namespaces/${encodeURIComponent(ds.namespace)}/pods`,
      query: { labelSelector },
      verb: 'list',
      resource: 'pods',
      namespace: ds.namespace,
      signal,
    }),
    client.request<{ items: NodeObj[] }>({ path: '/api/v1/nodes', verb: 'list', resource: 'nodes', signal }),
  ]);
  if (!revs.ok) return revs;
  if (!pods.ok) return pods;
  if (!nodes.ok) return nodes;
  const newest = revs.value.items.filter(owned).sort((a, b) => b.revision - a.revision)[0];
  const hash = newest?.metadata.name.startsWith(`${ds.name}-`)
    ? newest.metadata.name.slice(ds.name.length + 1)
    : newest?.metadata.labels?.['controller-revision-hash'];
  const byNode = new Map(nodes.value.items.map((n) => [n.metadata.name, n]));
  const out: AgentNode[] = pods.value.items
    .filter((p) => owned(p) && !p.metadata.deletionTimestamp && p.spec?.nodeName)
    .map((p) => {
      const n = byNode.get(p.spec!.nodeName!);
      return {
        node: p.spec!.nodeName!,
        pod: p.metadata.name,
        uid: p.metadata.uid ?? '',
        updated: !!hash && p.metadata.labels?.['controller-revision-hash'] === hash,
        ready: ready(p),
        cordoned: !!n?.spec?.unschedulable,
        cordonedByUs: n?.metadata.annotations?.[CORDONED_BY_ANNOTATION] === `${ds.namespace}/${ds.name}`,
      };
    })
    .sort((a, b) => a.node.localeCompare(b.node));
  return { ok: true, value: { strategy: d.value.spec?.updateStrategy?.type, hash, nodes: out } };
}

export interface NodeByNodeOptions {
  signal?: AbortSignal;
  /** Stop after this many nodes (then run again to go on). */
  maxNodes?: number;
  /** How long one node's new pod may take to be Ready. */
  nodeTimeoutMs?: number;
  pollMs?: number;
  onProgress?: (e: { node: string; step: 'cordon' | 'delete' | 'wait' | 'uncordon' | 'done'; done: number; total: number }) => void;
}

export interface NodeByNodeResult {
  ok: boolean;
  /** Nodes replaced in this run. */
  replaced: string[];
  /** Nodes still on an older template. */
  remaining: string[];
  cancelled: boolean;
  message: string;
}

export function agentPermissions(ds: DaemonSetRef): Permission[] {
  return [
    { verb: 'get', group: 'apps', resource: 'daemonsets', namespace: ds.namespace, name: ds.name },
    { verb: 'list', group: 'apps', resource: 'controllerrevisions', namespace: ds.namespace },
    { verb: 'list', group: '', resource: 'pods', namespace: ds.namespace },
    { verb: 'delete', group: '', resource: 'pods', namespace: ds.namespace },
    { verb: 'list', group: '', resource: 'nodes' },
    { verb: 'patch', group: '', resource: 'nodes' },
  ];
}

export async function runNodeByNode(client: ClusterClient, ds: DaemonSetRef, opts: NodeByNodeOptions = {}): Promise<NodeByNodeResult> {
  const fail = (message: string, replaced: string[] = [], remaining: string[] = []): NodeByNodeResult => ({
    ok: false,
    replaced,
    remaining,
    cancelled: false,
    message,
  });
  const perms = await checkPermissions(client, agentPermissions(ds), opts.signal);
  if (!perms.ok) return fail(describeK8sError(perms.error));
  if (perms.value.length) return fail(describeDenied(client.context, perms.value));
  let st = await readAgentState(client, ds, opts.signal);
  if (!st.ok) return fail(describeK8sError(st.error));
  if (st.value.strategy !== 'OnDelete') {
    return fail(
      `DaemonSet ${ds.namespace}/${ds.name} has updateStrategy ${st.value.strategy ?? 'RollingUpdate'}: its pods are replaced by the controller, not node by node. Prepare it (updateStrategy OnDelete) before applying the new version.`,
    );
  }
  const replaced: string[] = [];
  const remainingNow = () => (st.ok ? st.value.nodes.filter((n) => !n.updated).map((n) => n.node) : []);
  // Resume: nodes this tool cordoned whose agent is already new and Ready get uncordoned first.
  for (const n of st.value.nodes.filter((x) => x.cordonedByUs && x.updated && x.ready)) {
    const un = nodeTurnRequests(ds, n).uncordon;
    if (un) {
      const r = await sendPlanned(client, un, false, opts.signal);
      if (!r.ok) return fail(`${un.description}: ${describeK8sError(r.error)}`);
    }
  }
  const todo = st.value.nodes.filter((n) => !n.updated);
  const total = todo.length;
  for (const n of todo) {
    if (opts.signal?.aborted)
      return {
        ok: false,
        replaced,
        remaining: remainingNow(),
        cancelled: true,
        message: `Cancelled after ${replaced.length} node(s); ${remainingNow().length} left: ${remainingNow().join(', ')}. Run it again to go on.`,
      };
    if (opts.maxNodes !== undefined && replaced.length >= opts.maxNodes) break;
    const turn = nodeTurnRequests(ds, n);
    for (const [step, req] of [
      ['cordon', turn.cordon],
      ['delete', turn.deletePod],
    ] as const) {
      if (!req) continue;
      opts.onProgress?.({ node: n.node, step, done: replaced.length, total });
      const r = await sendPlanned(client, req, false);
      if (!r.ok) return fail(`${req.description}: ${describeK8sError(r.error)}`, replaced, remainingNow());
    }
    opts.onProgress?.({ node: n.node, step: 'wait', done: replaced.length, total });
    const t0 = Date.now();
    for (;;) {
      st = await readAgentState(client, ds);
      if (st.ok) {
        const now = st.value.nodes.find((x) => x.node === n.node && x.uid !== n.uid);
        if (now?.updated && now.ready) break;
      }
      if (Date.now() - t0 > (opts.nodeTimeoutMs ?? 300_000)) {
        return fail(
          `the new ${ds.name} pod on ${n.node} was not Ready within ${Math.round((opts.nodeTimeoutMs ?? 300_000) / 1000)} s; node ${n.node} is left cordoned (run again to resume, or uncordon it by hand)`,
          replaced,
          remainingNow(),
        );
      }
      await new Promise((res) => setTimeout(res, opts.pollMs ?? 250));
    }
    if (turn.uncordon) {
      opts.onProgress?.({ node: n.node, step: 'uncordon', done: replaced.length, total });
      const r = await sendPlanned(client, turn.uncordon, false);
      if (!r.ok) return fail(`${turn.uncordon.description}: ${describeK8sError(r.error)}`, replaced, remainingNow());
    }
    replaced.push(n.node);
    opts.onProgress?.({ node: n.node, step: 'done', done: replaced.length, total });
  }
  const remaining = remainingNow();
  return {
    ok: true,
    replaced,
    remaining,
    cancelled: false,
    message: remaining.length
      ? `${replaced.length} node(s) upgraded (${replaced.join(', ') || 'none'}); ${remaining.length} left: ${remaining.join(', ')}.`
      : `${ds.name} upgraded on every node (${replaced.length} replaced in this run).`,
  };
}
