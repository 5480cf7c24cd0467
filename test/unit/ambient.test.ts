import assert from 'node:assert/strict';
import { nodeAgentSupports, nodeTurnRequests, planNodeByNode, planPrepareNodeAgent, CORDONED_BY_ANNOTATION, type AgentNode } from '../../src/istio';

describe('ambient node agents (pure)', () => {
  it('skew: a 1.M node agent works with control planes 1.M and 1.M+1 only', () => {
    assert.deepEqual(['1.29.0', '1.30.1', '1.31.0', '1.32.0'].map((cp) => nodeAgentSupports('1.30.1', cp)), [false, true, true, false]);
    assert.equal(nodeAgentSupports('unknown', '1.30.0'), undefined);
  });

  const ds = { namespace: 'istio-system', name: 'ztunnel' };
  const node = (n: string, o: Partial<AgentNode> = {}): AgentNode => ({ node: n, pod: `ztunnel-${n}`, uid: `uid-${n}`, updated: false, ready: true, cordoned: false, cordonedByUs: false, ...o });

  it('prepare: one strategic patch to OnDelete, nothing when already OnDelete', () => {
    const p = planPrepareNodeAgent('c', ds, 'RollingUpdate');
    assert.deepEqual(p.requests.map((r) => [r.method, r.path, r.body]), [['PATCH', '/apis/apps/v1/namespaces/istio-system/daemonsets/ztunnel', { spec: { updateStrategy: { type: 'OnDelete', rollingUpdate: null } } }]]);
    assert.equal(planPrepareNodeAgent('c', ds, 'OnDelete').requests.length, 0);
  });

  it('roll: per outdated node cordon (marked), delete with UID precondition, uncordon; a node cordoned by someone else stays cordoned', () => {
    const p = planNodeByNode('c', ds, [node('a', { updated: true }), node('b'), node('c', { cordoned: true })]);
    assert.deepEqual(p.requests.map((r) => r.description), ['cordon node b', 'delete ztunnel pod ztunnel-b on node b', 'uncordon node b', 'delete ztunnel pod ztunnel-c on node c']);
    assert.deepEqual(p.requests[0].body, { metadata: { annotations: { [CORDONED_BY_ANNOTATION]: 'istio-system/ztunnel' } }, spec: { unschedulable: true } });
    assert.deepEqual((p.requests[1].body as any).preconditions, { uid: 'uid-b' });
    assert.match(p.summary, /1 of 3 nodes already run the new ztunnel; replaces it on the other 2 \(b, c\)/);
    assert.ok(p.warnings.some((w) => /Already cordoned by someone else, left cordoned: c/.test(w)));
    assert.deepEqual(p.commands.slice(0, 4), ['kubectl cordon b', 'kubectl delete pod ztunnel-b -n istio-system', '# wait until the new ztunnel pod on b is Ready', 'kubectl uncordon b']);
    // resuming: a node this tool cordoned is uncordoned by it
    assert.ok(nodeTurnRequests(ds, node('d', { cordoned: true, cordonedByUs: true })).uncordon);
    assert.equal(planNodeByNode('c', ds, [node('a', { updated: true })]).requests.length, 0);
  });
});
