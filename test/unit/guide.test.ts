import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterSnapshot, guideState, istioctlLine, minKubernetesFor, precheckItems, precheckPassed } from '../../src/istio';
import { istioctlClientVersion, runTool } from '../../src/tools/process';
import { istiod, ns, pod, revisionMwc, tagMwc } from './fixtures';

function snap(): ClusterSnapshot {
  const s = new ClusterSnapshot();
  s.replace('Deployment', [istiod('1-7-6', '1.7.6'), istiod('1-8-0', '1.8.0')]);
  s.replace('MutatingWebhookConfiguration', [revisionMwc('1-7-6'), revisionMwc('1-8-0'), tagMwc('prod', '1-7-6'), tagMwc('canary', '1-8-0')]);
  s.replace('Namespace', [ns('ns-a', { 'istio.io/rev': 'prod' }), ns('ns-c', { 'istio.io/rev': 'canary' })]);
  s.replace('Pod', [
    pod('ns-a', 'web', { injectedBy: '1-7-6', version: '1.7.6', name: 'a1' }),
    pod('ns-c', 'web', { injectedBy: '1-8-0', version: '1.8.0', name: 'c1' }),
  ]);
  return s;
}
const states = (s: ClusterSnapshot) => Object.fromEntries(guideState(s).steps.map((x) => [x.id, x.state]));

describe('guided upgrade state, read from the cluster', () => {
  it('mid-upgrade: installed, namespaces and tags still on the old revision', () => {
    const s = snap();
    const g = guideState(s);
    assert.deepEqual([g.from, g.to, g.next], ['1-7-6', '1-8-0', 'moveNamespaces']);
    assert.deepEqual(states(s), {
      precheck: 'optional',
      install: 'done',
      moveNamespaces: 'todo',
      restart: 'todo',
      gateways: 'done',
      moveTags: 'todo',
      uninstall: 'todo',
    });
  });
  it('resumes at restart once the namespaces moved, at tags once restarted', () => {
    const s = snap();
    s.apply({ kind: 'Namespace', type: 'MODIFIED', object: ns('ns-a', { 'istio.io/rev': 'canary' }, '2') });
    assert.equal(guideState(s).next, 'restart');
    s.apply({ kind: 'Pod', type: 'DELETED', object: pod('ns-a', 'web', { name: 'a1' }) });
    s.apply({ kind: 'Pod', type: 'ADDED', object: pod('ns-a', 'web', { injectedBy: '1-8-0', version: '1.8.0', name: 'a2' }) });
    assert.equal(guideState(s).next, 'moveTags');
    s.apply({
      kind: 'MutatingWebhookConfiguration',
      type: 'MODIFIED',
      object: { ...tagMwc('prod', '1-8-0'), metadata: { ...tagMwc('prod', '1-8-0').metadata, resourceVersion: '2' } },
    });
    assert.equal(guideState(s).next, 'uninstall');
  });
  it('one revision only: install is next', () => {
    const s = new ClusterSnapshot();
    s.replace('Deployment', [istiod('1-7-6', '1.7.6')]);
    assert.equal(guideState(s).next, 'install');
  });
});

describe('precheck rules (istioctl x precheck of 1.31)', () => {
  it("minimum Kubernetes per Istio minor: istioctl's MinK8SVersion of each release branch", () => {
    const table = Object.fromEntries(
      ['1.20.8', '1.21.0', '1.23.6', '1.24.3', '1.25.0', '1.27.1', '1.28.2', '1.29.0', '1.30.1', '1.31.0', '1.33.0', '1.19.0'].map((v) => [
        v,
        minKubernetesFor(v),
      ]),
    );
    assert.deepEqual(table, {
      '1.20.8': '1.25',
      '1.21.0': '1.26',
      '1.23.6': '1.26',
      '1.24.3': '1.28',
      '1.25.0': '1.29',
      '1.27.1': '1.29',
      '1.28.2': '1.30',
      '1.29.0': '1.30',
      '1.30.1': '1.32',
      '1.31.0': '1.32',
      '1.33.0': '1.32',
      '1.19.0': '1.25',
    });
  });
  it("items, verdict and istioctl's wording", () => {
    const ok = precheckItems({ targetIstioVersion: '1.28.0', kubernetesVersion: 'v1.35.4', denied: [], gatewayApiCrds: [] });
    assert.equal(precheckPassed(ok), true);
    assert.deepEqual(
      ok.map((i) => i.level),
      ['ok', 'ok'],
      'no Gateway API CRDs: nothing to say, as istioctl',
    );
    const bad = precheckItems({
      targetIstioVersion: '1.31.0',
      kubernetesVersion: 'v1.31.2',
      denied: [{ permission: { verb: 'create', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' }, reason: '' }],
      gatewayApiCrds: [
        { name: 'gateways.gateway.networking.k8s.io', kind: 'Gateway', served: ['v1alpha2'] },
        { name: 'grpcroutes.gateway.networking.k8s.io', kind: 'GRPCRoute', served: ['v1alpha2'] },
        { name: 'httproutes.gateway.networking.k8s.io', kind: 'HTTPRoute', served: ['v1beta1', 'v1alpha2'] },
        { name: 'referencegrants.gateway.networking.k8s.io', kind: 'ReferenceGrant', served: ['v1beta1'] },
        { name: 'tcproutes.gateway.networking.k8s.io', kind: 'TCPRoute', served: ['v1alpha2'] },
      ],
    });
    assert.equal(precheckPassed(bad), false);
    assert.deepEqual(bad.map(istioctlLine), [
      'Error [IST0142] (Cluster) The Kubernetes Version "v1.31.2" is lower than the minimum version: 1.32',
      'Error [IST0141] (Cluster) Missing required permission to create resource customresourcedefinitions (permission denied)',
      'Error [IST0156] (CustomResourceDefinition gateways.gateway.networking.k8s.io) The Gateway API CRD version v1alpha2 is lower than the minimum version: v1beta1',
      'Warning [IST0172] (CustomResourceDefinition gateways.gateway.networking.k8s.io) The Gateway API CRD version v1alpha2 is lower than the minimum version: v1',
      'Warning [IST0172] (CustomResourceDefinition grpcroutes.gateway.networking.k8s.io) The Gateway API CRD version v1alpha2 is lower than the minimum version: v1',
      'Warning [IST0172] (CustomResourceDefinition httproutes.gateway.networking.k8s.io) The Gateway API CRD version v1alpha2,v1beta1 is lower than the minimum version: v1',
    ]);
    const unread = precheckItems({ targetIstioVersion: '1.31.0', kubernetesVersionError: 'connection refused', denied: [], gatewayApiCrds: [] });
    assert.deepEqual(unread.map(istioctlLine)[0], 'Error [IST0142] (Cluster) failed to get the Kubernetes version: connection refused');
  });
});

describe('running istioctl', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tool-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const script = (name: string, body: string, mode = 0o755) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, `#!/bin/sh\n${body}\n`);
    fs.chmodSync(p, mode);
    return p;
  };

  it('missing binary: named, not found', async () => {
    const r = await runTool(path.join(dir, 'nope'), ['version']);
    assert.deepEqual(r, { ok: false, message: `${path.join(dir, 'nope')}: not found` });
  });
  it('non-executable binary', async () => {
    const p = script('noexec', 'echo hi', 0o644);
    const r = await runTool(p, []);
    assert.deepEqual(r, { ok: false, message: `${p}: not executable (permission denied)` });
  });
  it('non-zero exit carries stderr', async () => {
    const p = script('fails', 'echo "Error: could not find target revision" >&2; exit 1');
    const r = await runTool(p, ['uninstall', '--revision', 'x']);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.message, `${p} uninstall exited with 1: Error: could not find target revision`);
  });
  it('streams lines and passes arguments as an array (no shell interpretation)', async () => {
    const p = script('echoargs', 'for a in "$@"; do echo "[$a]"; done');
    const lines: string[] = [];
    const r = await runTool(p, ['a b', '$(id)', ';rm -rf /'], { onLine: (l) => lines.push(l) });
    assert.ok(r.ok);
    assert.deepEqual(lines, ['[a b]', '[$(id)]', '[;rm -rf /]']);
  });
  it('cancel kills the process and says so', async () => {
    const p = script('sleeps', 'sleep 30');
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const t0 = Date.now();
    const r = await runTool(p, [], { signal: ac.signal });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.result?.cancelled, true);
    assert.ok(Date.now() - t0 < 10_000);
  });
  it('garbage instead of version JSON', async () => {
    const p = script('garbage', 'echo "<html>proxy error</html>"');
    const v = await istioctlClientVersion(p);
    assert.deepEqual(v, { ok: false, message: `${p} printed something that is not istioctl's version JSON: <html>proxy error</html>\n` });
    const good = script('good', `echo '{"clientVersion":{"version":"1.31.0","revision":"x"}}'`);
    assert.deepEqual(await istioctlClientVersion(good), { ok: true, version: '1.31.0' });
  });
});
