import assert from 'node:assert/strict';
import {
  ClusterSnapshot,
  nodeAgents,
  nodeAgentSupports,
  nodeTurnRequests,
  planNodeByNode,
  planPrepareNodeAgent,
  CORDONED_BY_ANNOTATION,
  type AgentNode,
} from '../../src/istio';

describe('ambient node agents (pure)', () => {
  it('skew: a 1.M node agent works with control planes 1.M and 1.M+1 only', () => {
    assert.deepEqual(
      ['1.29.0', '1.30.1', '1.31.0', '1.32.0'].map((cp) => nodeAgentSupports('1.30.1', cp)),
      [false, true, true, false],
    );
    assert.equal(nodeAgentSupports('unknown', '1.30.0'), undefined);
  });

  const ds = { namespace: 'istio-system', name: 'ztunnel' };
  const node = (n: string, o: Partial<AgentNode> = {}): AgentNode => ({
    node: n,
    pod: `ztunnel-${n}`,
    uid: `uid-${n}`,
    updated: false,
    ready: true,
    cordoned: false,
    cordonedByUs: false,
    ...o,
  });

  it('prepare: one strategic patch to OnDelete, nothing when already OnDelete', () => {
    const p = planPrepareNodeAgent('c', ds, 'RollingUpdate');
    assert.deepEqual(
      p.requests.map((r) => [r.method, r.path, r.body]),
      [['PATCH', '/apis/apps/v1/namespaces/istio-system/daemonsets/ztunnel', { spec: { updateStrategy: { type: 'OnDelete', rollingUpdate: null } } }]],
    );
    assert.equal(planPrepareNodeAgent('c', ds, 'OnDelete').requests.length, 0);
  });

  it('roll: per outdated node cordon (marked), delete with UID precondition, uncordon; a node cordoned by someone else stays cordoned', () => {
    const p = planNodeByNode('c', ds, [node('a', { updated: true }), node('b'), node('c', { cordoned: true })]);
    assert.deepEqual(
      p.requests.map((r) => r.description),
      ['cordon node b', 'delete ztunnel pod ztunnel-b on node b', 'uncordon node b', 'delete ztunnel pod ztunnel-c on node c'],
    );
    assert.deepEqual(p.requests[0].body, { metadata: { annotations: { [CORDONED_BY_ANNOTATION]: 'istio-system/ztunnel' } }, spec: { unschedulable: true } });
    assert.deepEqual((p.requests[1].body as any).preconditions, { uid: 'uid-b' });
    assert.match(p.summary, /1 of 3 nodes already run the new ztunnel; replaces it on the other 2 \(b, c\)/);
    assert.ok(p.warnings.some((w) => /Already cordoned by someone else, left cordoned: c/.test(w)));
    assert.deepEqual(p.commands.slice(0, 4), [
      'kubectl cordon b',
      'kubectl delete pod ztunnel-b -n istio-system',
      '# wait until the new ztunnel pod on b is Ready',
      'kubectl uncordon b',
    ]);
    // resuming: a node this tool cordoned is uncordoned by it
    assert.ok(nodeTurnRequests(ds, node('d', { cordoned: true, cordonedByUs: true })).uncordon);
    assert.equal(planNodeByNode('c', ds, [node('a', { updated: true })]).requests.length, 0);
  });
});

describe('node agents: update strategy from the DaemonSet (pure)', () => {
  const ztunnelPod = (node: string) => ({
    metadata: {
      name: `ztunnel-${node}`,
      namespace: 'istio-system',
      uid: `u-${node}`,
      labels: { app: 'ztunnel', 'sidecar.istio.io/inject': 'false' },
      annotations: { 'istio.io/rev': '1-30-1' },
      ownerReferences: [{ kind: 'DaemonSet', name: 'ztunnel', controller: true }],
    },
    spec: { nodeName: node, containers: [{ name: 'istio-proxy', image: 'docker.io/istio/ztunnel:1.30.1' }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  });
  const ds = (name: string, labels: Record<string, string>, type?: string) => ({
    kind: 'DaemonSet' as const,
    metadata: { name, namespace: name === 'kube-proxy' ? 'kube-system' : 'istio-system', labels },
    spec: { template: { metadata: { labels } }, ...(type ? { updateStrategy: { type } } : {}) },
  });

  it('OnDelete read from the ztunnel DaemonSet; unknown without it; other DaemonSets are not kept', () => {
    const s = new ClusterSnapshot();
    s.replace('Pod', [ztunnelPod('a'), ztunnelPod('b')] as never);
    assert.equal(nodeAgents(s)[0].updateStrategy, undefined, 'DaemonSets not readable: unknown, not guessed');
    const change = s.replace('DaemonSet', [ds('ztunnel', { app: 'ztunnel' }, 'OnDelete'), ds('kube-proxy', { 'k8s-app': 'kube-proxy' })] as never);
    assert.equal(change.nodeAgents, true);
    assert.equal(change.controlPlane, false, 'a DaemonSet never rebuilds the control plane');
    assert.equal(nodeAgents(s)[0].updateStrategy, 'OnDelete');
    assert.equal(s.daemonSet('kube-system/kube-proxy'), undefined);
    s.apply({ kind: 'DaemonSet', type: 'MODIFIED', object: ds('ztunnel', { app: 'ztunnel' }) as never });
    assert.equal(nodeAgents(s)[0].updateStrategy, 'RollingUpdate', 'the API default when unset');
  });
});
