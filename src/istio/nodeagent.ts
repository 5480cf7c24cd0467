/**
 * Node-by-node upgrade of a node agent (ztunnel), as Istio's ambient upgrade guide and the Sail
 * operator's describe it: ztunnel cannot be canaried, and replacing a node's ztunnel resets every
 * connection of that node's ambient pods. So:
 *   1. prepare: set the DaemonSet's updateStrategy to OnDelete, so that applying the new version
 *      (helm upgrade ztunnel / istioctl) changes the template but replaces no pod;
 *   2. then per node, one at a time: cordon it, delete its ztunnel pod, wait until the new one is
 *      Ready, uncordon it. Cancellable between nodes; resumable (what is left is read from the
 *      cluster: pods not at the DaemonSet's newest ControllerRevision).
 * A node this plan cordoned carries an annotation, so a resumed run uncordons it and never
 * uncordons a node someone else cordoned.
 */
import { kindPath } from './apipath';
import { MERGE_PATCH, shellQuote, STRATEGIC_MERGE_PATCH, type Plan, type PlannedRequest } from './plan';

export const CORDONED_BY_ANNOTATION = 'istio-revisions.io/cordoned-for';

export interface DaemonSetRef {
  namespace: string;
  name: string;
}

export interface AgentNode {
  node: string;
  pod: string;
  uid: string;
  /** The pod runs the DaemonSet's newest template (its controller-revision-hash). */
  updated: boolean;
  ready: boolean;
  /** The node is unschedulable now, and whether this tool cordoned it. */
  cordoned: boolean;
  cordonedByUs: boolean;
}

const dsPath = (d: DaemonSetRef) => kindPath({ group: 'apps', version: 'v1', plural: 'daemonsets', namespaced: true }, d.namespace, d.name);
const nodePath = (n: string) => kindPath({ group: '', version: 'v1', plural: 'nodes', namespaced: false }, undefined, n);
const podPath = (ns: string, n: string) => kindPath({ group: '', version: 'v1', plural: 'pods', namespaced: true }, ns, n);

/** Step 1: updateStrategy OnDelete (what `kubectl patch ds … -p '{"spec":{"updateStrategy":{"type":"OnDelete"}}}'` does). */
export function planPrepareNodeAgent(cluster: string, ds: DaemonSetRef, currentStrategy: string | undefined): Plan {
  const already = currentStrategy === 'OnDelete';
  return {
    title: `Prepare ${ds.namespace}/${ds.name} for a node-by-node upgrade`,
    summary: already
      ? `DaemonSet ${ds.namespace}/${ds.name} already has updateStrategy OnDelete: applying a new version replaces no pod until you roll it node by node.`
      : `Sets updateStrategy OnDelete on DaemonSet ${ds.namespace}/${ds.name} (now ${currentStrategy ?? 'RollingUpdate'}): applying the new version (helm upgrade, istioctl install) then changes its template but replaces no pod; you replace them node by node.`,
    cluster,
    requests: already
      ? []
      : [
          {
            method: 'PATCH',
            path: dsPath(ds),
            contentType: STRATEGIC_MERGE_PATCH,
            body: { spec: { updateStrategy: { type: 'OnDelete', rollingUpdate: null } } },
            description: `set updateStrategy OnDelete on DaemonSet ${ds.namespace}/${ds.name}`,
            permission: { verb: 'patch', group: 'apps', resource: 'daemonsets', namespace: ds.namespace, name: ds.name },
            dryRunnable: true,
          },
        ],
    commands: already
      ? []
      : [
          [
            'kubectl',
            'patch',
            'daemonset',
            ds.name,
            '-n',
            ds.namespace,
            '--type=strategic',
            '-p',
            '{"spec":{"updateStrategy":{"type":"OnDelete","rollingUpdate":null}}}',
          ]
            .map(shellQuote)
            .join(' '),
        ],
    warnings: already ? [] : ['A Helm or istioctl upgrade of ztunnel may set updateStrategy back: check it before applying the new version.'],
  };
}

/** The requests of one node's turn (the wait between delete and uncordon is the executor's). */
export function nodeTurnRequests(ds: DaemonSetRef, n: AgentNode): { cordon?: PlannedRequest; deletePod: PlannedRequest; uncordon?: PlannedRequest } {
  const cordon: PlannedRequest | undefined = n.cordoned
    ? undefined
    : {
        method: 'PATCH',
        path: nodePath(n.node),
        contentType: MERGE_PATCH,
        body: { metadata: { annotations: { [CORDONED_BY_ANNOTATION]: `${ds.namespace}/${ds.name}` } }, spec: { unschedulable: true } },
        description: `cordon node ${n.node}`,
        permission: { verb: 'patch', group: '', resource: 'nodes', name: n.node },
        dryRunnable: true,
      };
  const ours = !n.cordoned || n.cordonedByUs;
  return {
    cordon,
    deletePod: {
      method: 'DELETE',
      path: podPath(ds.namespace, n.pod),
      body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: n.uid } },
      description: `delete ${ds.name} pod ${n.pod} on node ${n.node}`,
      permission: { verb: 'delete', group: '', resource: 'pods', namespace: ds.namespace, name: n.pod },
      dryRunnable: true,
      ignoreNotFound: true,
    },
    uncordon: ours
      ? {
          method: 'PATCH',
          path: nodePath(n.node),
          contentType: MERGE_PATCH,
          body: { metadata: { annotations: { [CORDONED_BY_ANNOTATION]: null } }, spec: { unschedulable: null } },
          description: `uncordon node ${n.node}`,
          permission: { verb: 'patch', group: '', resource: 'nodes', name: n.node },
          dryRunnable: true,
        }
      : undefined,
  };
}

/** Step 2: every node whose agent is not on the newest template, one at a time. */
export function planNodeByNode(cluster: string, ds: DaemonSetRef, nodes: readonly AgentNode[]): Plan {
  const todo = nodes.filter((n) => !n.updated);
  const done = nodes.length - todo.length;
  const requests: PlannedRequest[] = [];
  const commands: string[] = [];
  for (const n of todo) {
    const t = nodeTurnRequests(ds, n);
    if (t.cordon) {
      requests.push(t.cordon);
      commands.push(['kubectl', 'cordon', n.node].map(shellQuote).join(' '));
    }
    requests.push(t.deletePod);
    commands.push(['kubectl', 'delete', 'pod', n.pod, '-n', ds.namespace].map(shellQuote).join(' '));
    commands.push(`# wait until the new ${ds.name} pod on ${n.node} is Ready`);
    if (t.uncordon) {
      requests.push(t.uncordon);
      commands.push(['kubectl', 'uncordon', n.node].map(shellQuote).join(' '));
    }
  }
  const othersCordoned = todo.filter((n) => n.cordoned && !n.cordonedByUs).map((n) => n.node);
  return {
    title: `Upgrade ${ds.namespace}/${ds.name} node by node`,
    summary: todo.length
      ? `${done} of ${nodes.length} nodes already run the new ${ds.name}; replaces it on the other ${todo.length} (${todo.map((n) => n.node).join(', ')}) one node at a time: cordon, delete the node's ${ds.name} pod, wait for the new one to be Ready, uncordon. Cancel stops after the node in progress; run it again to resume.`
      : `All ${nodes.length} nodes already run the newest ${ds.name}: nothing to do.`,
    cluster,
    requests,
    commands,
    warnings: [
      `Replacing ${ds.name} on a node resets the connections of that node's ambient pods. Drain a node first if its workloads cannot take that.`,
      ...(othersCordoned.length ? [`Already cordoned by someone else, left cordoned: ${othersCordoned.join(', ')}.`] : []),
    ],
  };
}
