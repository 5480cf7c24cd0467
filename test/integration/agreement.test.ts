/**
 * Agreement with the real istiod: 35 pod situations (namespace labels × pod labels ×
 * pod annotations × hostNetwork × Kubernetes system namespaces × each revision's injector
 * `policy` / `neverInjectSelector` / `alwaysInjectSelector` × native sidecars), created on
 * the bench where the API server evaluates Istio's webhooks and the real istiod of the
 * matched revision decides and injects. For every pod, what the model predicts (resolves
 * to, stale, missing) equals what istiod did — before and after `istioctl tag set default`
 * moves the default tag, where the prediction made before the restart must equal the pod
 * a restart then gets.
 *
 * The seed's injector ConfigMaps are edited for the suite (and restored):
 * 1-7-6 → policy enabled, neverInjectSelector batch=true; 1-8-0 → policy disabled,
 * alwaysInjectSelector always=yes.
 */
import assert from 'node:assert/strict';
import { decideInjection, kubeletMinor, predictNativeSidecar, type Pod } from '../../src/istio';
import { RESOURCES, resourcePath, type ClusterWatcher } from '../../src/k8s';
import { run } from '../../src/cli/main';
import { clusterState, CONTEXT, istioctl, startWatcher, waitFor, disposeWatcher } from './helpers';

type Rev = string | null;
interface Case {
  ns: string | Record<string, string>; // a system namespace by name, else the labels of a fresh namespace
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  hostNetwork?: boolean;
  /** What istiod injects with the default tag on 1-7-6, then on 1-8-0. */
  expect: [Rev, Rev];
}

const INJ = { 'istio-injection': 'enabled' };
const PROD = { 'istio.io/rev': 'prod' };
const CANARY = { 'istio.io/rev': 'canary' };
const CASES: Case[] = [
  { ns: INJ, expect: ['1-7-6', null] },
  { ns: INJ, annotations: { 'sidecar.istio.io/inject': 'false' }, expect: [null, null] },
  { ns: INJ, labels: { 'sidecar.istio.io/inject': 'false' }, expect: [null, null] },
  { ns: INJ, labels: { 'sidecar.istio.io/inject': 'true' }, annotations: { 'sidecar.istio.io/inject': 'false' }, expect: ['1-7-6', '1-8-0'] },
  { ns: INJ, hostNetwork: true, expect: [null, null] },
  { ns: INJ, labels: { batch: 'true' }, expect: [null, null] },
  { ns: INJ, labels: { always: 'yes' }, expect: ['1-7-6', '1-8-0'] },
  { ns: PROD, expect: ['1-7-6', '1-7-6'] },
  { ns: PROD, labels: { batch: 'true' }, expect: [null, null] },
  { ns: PROD, annotations: { 'sidecar.istio.io/inject': 'false' }, expect: [null, null] },
  { ns: PROD, annotations: { 'sidecar.istio.io/inject': 'maybe' }, expect: ['1-7-6', '1-7-6'] },
  { ns: CANARY, expect: [null, null] },
  { ns: CANARY, labels: { always: 'yes' }, expect: ['1-8-0', '1-8-0'] },
  { ns: CANARY, labels: { 'sidecar.istio.io/inject': 'true' }, expect: ['1-8-0', '1-8-0'] },
  { ns: CANARY, annotations: { 'sidecar.istio.io/inject': 'true' }, expect: ['1-8-0', '1-8-0'] },
  { ns: CANARY, labels: { batch: 'true', always: 'yes' }, expect: ['1-8-0', '1-8-0'] },
  { ns: CANARY, labels: { 'sidecar.istio.io/inject': 'true' }, hostNetwork: true, expect: [null, null] },
  { ns: { 'istio.io/rev': '1-8-0' }, expect: [null, null] },
  { ns: {}, labels: { 'istio.io/rev': 'canary' }, expect: [null, null] },
  { ns: {}, labels: { 'istio.io/rev': 'canary', 'sidecar.istio.io/inject': 'true' }, expect: ['1-8-0', '1-8-0'] },
  { ns: {}, labels: { 'sidecar.istio.io/inject': 'true' }, expect: ['1-7-6', '1-8-0'] },
  { ns: {}, expect: [null, null] },
  { ns: { 'istio-injection': 'disabled' }, labels: { 'sidecar.istio.io/inject': 'true' }, expect: [null, null] },
  { ns: 'kube-system', labels: { 'istio.io/rev': 'canary', 'sidecar.istio.io/inject': 'true' }, expect: [null, null] },
  { ns: 'kube-system', labels: { 'istio.io/rev': 'prod' }, expect: [null, null] },
  { ns: 'kube-public', labels: { 'sidecar.istio.io/inject': 'true' }, expect: [null, null] },
  { ns: 'kube-node-lease', labels: { 'sidecar.istio.io/inject': 'true' }, expect: [null, null] },
  { ns: { ...INJ, ...CANARY }, expect: ['1-7-6', null] },
  { ns: { ...INJ, ...CANARY }, labels: { batch: 'true' }, expect: [null, null] },
  { ns: { 'istio.io/rev': 'default' }, expect: ['1-7-6', null] },
  { ns: PROD, annotations: { 'sidecar.istio.io/nativeSidecar': 'true' }, expect: ['1-7-6', '1-7-6'] },
  { ns: PROD, annotations: { 'sidecar.istio.io/nativeSidecar': 'false' }, expect: ['1-7-6', '1-7-6'] },
  { ns: CANARY, labels: { always: 'yes' }, annotations: { 'sidecar.istio.io/inject': 'false' }, expect: [null, null] },
  { ns: PROD, labels: { 'sidecar.istio.io/inject': '' }, annotations: { 'sidecar.istio.io/inject': 'false' }, expect: ['1-7-6', '1-7-6'] },
  { ns: INJ, labels: { 'istio.io/rev': 'canary' }, expect: ['1-7-6', null] },
];

const INJECTOR_KEYS = ['policy', 'neverInjectSelector', 'alwaysInjectSelector'];
/** The injector `config` with its policy and selector blocks replaced (the rest, templates, untouched). */
function withPolicy(config: string, block: string): string {
  const out: string[] = [];
  let drop = false;
  for (const line of config.split('\n')) {
    if (/^[^\s#-][^:]*:/.test(line)) drop = INJECTOR_KEYS.includes(line.slice(0, line.indexOf(':')).trim());
    if (!drop) out.push(line);
  }
  return `${block.trim()}\n${out.join('\n')}`;
}
const POLICY_1_7_6 = 'policy: enabled\nneverInjectSelector:\n- matchLabels:\n    batch: "true"\nalwaysInjectSelector: []';
const POLICY_1_8_0 = 'policy: disabled\nneverInjectSelector: []\nalwaysInjectSelector:\n- matchLabels:\n    always: "yes"';

describe('agreement with the real istiod (35 pod situations × 2 default-tag positions)', function () {
  this.timeout(600_000);
  let w: ClusterWatcher;
  let api: (method: string, p: string, body?: unknown, o?: { contentType?: string }) => Promise<{ status: number; json: any; text: string }>;
  const original = new Map<string, string>();
  const namespaces: string[] = [];
  const created: { ns: string; name: string }[] = [];
  let movedDefault = false;

  const cmPath = (rev: string) => `/api/v1/namespaces/istio-system/configmaps/istio-sidecar-injector-${rev}`;
  async function setConfig(rev: string, config: string): Promise<void> {
    const r = await api('PATCH', cmPath(rev), { data: { config } }, { contentType: 'application/merge-patch+json' });
    assert.equal(r.status, 200, `patch injector ConfigMap of ${rev}: ${r.text}`);
  }
  /** A server-side dry-run create runs the webhooks: what istiod injects right now. */
  async function dryRun(ns: string, labels: Record<string, string>): Promise<Rev> {
    const r = await api('POST', `${resourcePath(RESOURCES.pods, { namespace: ns })}?dryRun=All`, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { generateName: 'dry-', labels },
      spec: { containers: [{ name: 'app', image: 'docker.io/library/busybox:1.36' }] },
    });
    if (r.status !== 201) throw new Error(`dry-run in ${ns}: ${r.status} ${r.text}`);
    return r.json.metadata.annotations?.['istio.io/rev'] ?? null;
  }
  const nsOf = (c: Case, i: number) => (typeof c.ns === 'string' ? c.ns : `agree-${String(i).padStart(2, '0')}`);
  const podName = (i: number) => `agree-${String(i).padStart(2, '0')}`;
  async function createPod(c: Case, i: number): Promise<Pod> {
    const ns = nsOf(c, i);
    const r = await api('POST', resourcePath(RESOURCES.pods, { namespace: ns }), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: podName(i), labels: { app: 'agree', ...(c.labels ?? {}) }, annotations: c.annotations ?? {} },
      spec: {
        hostNetwork: c.hostNetwork || undefined,
        terminationGracePeriodSeconds: 0,
        containers: [{ name: 'app', image: 'docker.io/library/busybox:1.36' }],
      },
    });
    assert.equal(r.status, 201, `create pod ${ns}/${podName(i)}: ${r.text}`);
    return r.json as Pod;
  }
  const actualRev = (p: Pod): Rev => (p.metadata.annotations?.['sidecar.istio.io/status'] ? (p.metadata.annotations?.['istio.io/rev'] ?? 'unknown') : null);
  const isNative = (p: Pod) => (p.spec?.initContainers ?? []).some((c) => c.name === 'istio-proxy');
  async function kubeletMinors(): Promise<(number | undefined)[]> {
    const r = await api('GET', '/api/v1/nodes');
    return r.json.items.map((n: any) => kubeletMinor(n.status?.nodeInfo?.kubeletVersion));
  }
  /** The model's prediction for a pod with this case's labels and annotations, created now. */
  function predict(c: Case, i: number): Rev {
    const cp = w.snapshot.controlPlane;
    const ns = nsOf(c, i);
    const nsLabels = w.snapshot.namespaceObject(ns)?.metadata.labels ?? {};
    const o = decideInjection(
      cp.webhooks,
      nsLabels,
      { metadata: { name: podName(i), labels: { app: 'agree', ...(c.labels ?? {}) }, annotations: c.annotations ?? {} }, spec: { hostNetwork: c.hostNetwork } },
      ns,
      (r) => cp.revisionByName.get(r)?.injector,
    );
    return o.kind === 'injected' ? o.revision : null;
  }
  const modelOf = (c: Case, i: number) => w.snapshot.proxies(nsOf(c, i)).find((p) => p.name === podName(i));

  before(async () => {
    const { apiRequest } = await import('../cluster/cluster.mjs');
    const st = clusterState();
    api = (method, p, body, o) => apiRequest(st, method, p, body, o);
    w = await startWatcher();
    for (const [rev, block] of [
      ['1-7-6', POLICY_1_7_6],
      ['1-8-0', POLICY_1_8_0],
    ]) {
      const cm = await api('GET', cmPath(rev));
      assert.equal(cm.status, 200, cm.text);
      original.set(rev, cm.json.data.config);
      await setConfig(rev, withPolicy(cm.json.data.config, block));
    }
    for (const [i, c] of CASES.entries()) {
      if (typeof c.ns === 'string') continue;
      const name = nsOf(c, i);
      const r = await api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: c.ns } });
      assert.ok(r.status === 201 || r.status === 409, `create namespace ${name}: ${r.text}`);
      namespaces.push(name);
    }
    // istiod reloads its injector ConfigMap through a watch: wait until both revisions decide with the new config
    await waitFor(
      'istiod of 1-8-0 and 1-7-6 use the edited injector config',
      async () =>
        (await dryRun('agree-12', { always: 'yes' })) === '1-8-0' &&
        (await dryRun('agree-11', {})) === null &&
        (await dryRun('agree-08', { batch: 'true' })) === null &&
        (await dryRun('agree-07', {})) === '1-7-6',
      60_000,
    );
    await waitFor(
      'model has read the edited injector config',
      () =>
        w.snapshot.controlPlane.revisionByName.get('1-8-0')?.injector?.policy === 'disabled' &&
        w.snapshot.controlPlane.revisionByName.get('1-7-6')?.injector?.neverInjectSelector.length === 1,
      30_000,
    );
  });

  after(async () => {
    try {
      if (movedDefault) await istioctl(['tag', 'set', 'default', '--revision', '1-7-6', '--overwrite', '-y']);
      for (const [rev, config] of original) await setConfig(rev, config);
      if (original.size === 0) return;
      for (const { ns, name } of created)
        if (!namespaces.includes(ns)) await api('DELETE', `${resourcePath(RESOURCES.pods, { namespace: ns })}/${name}?gracePeriodSeconds=0`);
      for (const ns of namespaces) await api('DELETE', `/api/v1/namespaces/${ns}`);
      await waitFor(
        'agreement namespaces gone and the injector config restored',
        async () =>
          namespaces.every((n) => !w.snapshot.namespace(n)) &&
          (await dryRun('test-ns', {})) === '1-7-6' &&
          w.snapshot.controlPlane.revisionByName.get('1-8-0')?.injector?.policy === 'enabled',
        120_000,
      );
    } finally {
      disposeWatcher(w);
    }
  });

  it('before the default tag moves: every prediction equals what istiod injected, nothing stale or missing', async () => {
    const minors = await kubeletMinors();
    const rows: string[] = [];
    for (const [i, c] of CASES.entries()) {
      const predicted = predict(c, i);
      const pod = await createPod(c, i);
      created.push({ ns: nsOf(c, i), name: podName(i) });
      const actual = actualRev(pod);
      rows.push(`${i}: predicted ${predicted} actual ${actual}`);
      assert.equal(actual, c.expect[0], `case ${i} ${JSON.stringify(c)}: the real istiod injected ${actual}`);
      assert.equal(predicted, actual, `case ${i} ${JSON.stringify(c)}: the model predicted ${predicted}, istiod injected ${actual}`);
      if (actual) {
        const rev = w.snapshot.controlPlane.revisionByName.get(actual)!;
        assert.equal(predictNativeSidecar(c.annotations, rev.nativeSidecars, minors), isNative(pod), `case ${i}: native sidecar`);
        assert.equal(
          pod.spec?.containers?.concat(pod.spec?.initContainers ?? []).find((x) => x.name === 'istio-proxy')?.image,
          `docker.io/istio/proxyv2:${rev.proxyVersion}`,
          `case ${i}: proxy image from the injector values`,
        );
      }
    }
    await waitFor('the watcher sees every agreement pod', () => CASES.every((c, i) => modelOf(c, i)), 60_000);
    for (const [i, c] of CASES.entries()) {
      const m = modelOf(c, i)!;
      assert.deepEqual(
        [m.stale, m.missingProxy, m.injected ? m.injectedRevision : null],
        [false, false, c.expect[0]],
        `case ${i} ${JSON.stringify(c)}: model ${JSON.stringify({ stale: m.staleReason, missing: m.missingProxy, expected: m.expected })}`,
      );
    }
    // the CLI, on the same cluster: nothing stale or missing in any agreement namespace
    let out = '';
    let err = '';
    const io = {
      out: (s: string) => {
        out += s;
      },
      err: (s: string) => {
        err += s;
      },
      env: { KUBECONFIG: clusterState().kubeconfig },
    };
    assert.equal(await run(['status', '-o', 'json', '--context', CONTEXT], io), 0, err);
    const report = JSON.parse(out);
    for (const n of report.namespaces.filter((x: any) => x.name.startsWith('agree-'))) {
      assert.deepEqual([n.name, n.stale, n.missingProxies], [n.name, 0, 0]);
    }
    const injected = CASES.filter((c) => c.expect[0]).length;
    assert.ok(injected >= 15 && CASES.length - injected >= 15, `a balanced set: ${injected} injected of ${CASES.length}`);
  });

  it('after `istioctl tag set default --revision 1-8-0`: the predicted stale/missing pods are exactly those a restart changes', async () => {
    movedDefault = true;
    await istioctl(['tag', 'set', 'default', '--revision', '1-8-0', '--overwrite', '-y']);
    await waitFor('default tag on 1-8-0 in the model', () => w.snapshot.controlPlane.defaultRevision === '1-8-0', 30_000);
    const { waitWebhooksRewired } = await import('../cluster/scenarios.mjs');
    await waitWebhooksRewired(clusterState());
    const before = CASES.map((c, i) => {
      const m = modelOf(c, i)!;
      return {
        predicted: m.expected.kind === 'injected' ? m.expected.revision : null,
        stale: m.stale,
        missing: m.missingProxy,
        was: m.injected ? (m.injectedRevision ?? null) : null,
      };
    });
    // restart = delete and create the same pod again; the new pod is what istiod decides now
    for (const [i, c] of CASES.entries()) {
      const r = await api('DELETE', `${resourcePath(RESOURCES.pods, { namespace: nsOf(c, i) })}/${podName(i)}?gracePeriodSeconds=0`);
      assert.ok(r.status === 200 || r.status === 202, r.text);
    }
    await waitFor(
      'old agreement pods gone',
      async () => {
        for (const [i, c] of CASES.entries())
          if ((await api('GET', `${resourcePath(RESOURCES.pods, { namespace: nsOf(c, i) })}/${podName(i)}`)).status !== 404) return false;
        return true;
      },
      60_000,
    );
    for (const [i, c] of CASES.entries()) {
      const actual = actualRev(await createPod(c, i));
      const b = before[i];
      assert.equal(actual, c.expect[1], `case ${i} ${JSON.stringify(c)}: after the move the real istiod injected ${actual}`);
      assert.equal(b.predicted, actual, `case ${i} ${JSON.stringify(c)}: predicted ${b.predicted} before the restart, the restart got ${actual}`);
      assert.equal(b.stale, b.was !== null && b.was !== actual, `case ${i}: stale flag (was ${b.was}, now ${actual})`);
      assert.equal(b.missing, b.was === null && actual !== null, `case ${i}: missing-proxy flag (was ${b.was}, now ${actual})`);
    }
    const changed = before.filter((b, i) => b.was !== CASES[i].expect[1]).length;
    assert.ok(changed >= 5, `the move changes ${changed} pods`);
  });
});
