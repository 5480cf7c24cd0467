/**
 * Conformance with the real istioctl (1.31 source build of the local cluster):
 * for each case, istioctl runs on a state, the objects it leaves are snapshotted,
 * the state is restored, the extension's plan (src/istio/tagplan.ts, uninstall.ts)
 * is executed on the identical state, and the objects it leaves must be equal.
 *
 * Normalization drops managed metadata (resourceVersion, uid, managedFields,
 * creationTimestamp, generation) and what the API server allocates (Service
 * clusterIP(s), status). Webhook clientConfig is compared as is, after both runs
 * settle: the bench routes Istio webhooks to its loopback URL (istiod supervisor), and the
 * copies istioctl and the plan make from the canonical webhook already carry that
 * URL and caBundle — separately asserted below.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { planTagRemove, planTagSet, planUninstall, uninstallSelector, UNINSTALL_KINDS, kindPath, type Plan } from '../../src/istio';
import type { ClusterClient } from '../../src/k8s';
import { client, clusterState } from './helpers';

const NS = 'istio-system';
const MWC = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';
const VWC = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
const SVC = `/api/v1/namespaces/${NS}/services`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function runIstioctl(args: string[]): { status: number; stdout: string; stderr: string } {
  const st = clusterState();
  const r = spawnSync(path.join(st.binDir, 'istioctl'), [...args, '--kubeconfig', st.kubeconfig], {
    encoding: 'utf8', timeout: 180_000, env: { ...process.env, HOME: path.join(st.dir, 'home'), KUBECONFIG: st.kubeconfig },
  });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

async function get<T = any>(c: ClusterClient, p: string, query?: Record<string, string>): Promise<T> {
  const r = await c.request<T>({ method: 'GET', path: p, query, verb: 'get', resource: p });
  if (!r.ok) throw new Error(`GET ${p}: ${JSON.stringify(r.error)}`);
  return r.value;
}

async function listRaw(c: ClusterClient, p: string, labelSelector?: string): Promise<any[]> {
  const v = await get<{ items: any[] }>(c, p, labelSelector ? { labelSelector } : undefined);
  return v.items ?? [];
}

function normalize(o: any): any {
  const c = structuredClone(o);
  delete c.status;
  const md = c.metadata ?? {};
  for (const k of ['resourceVersion', 'uid', 'managedFields', 'creationTimestamp', 'generation', 'selfLink']) delete md[k];
  if (md.annotations && Object.keys(md.annotations).length === 0) delete md.annotations;
  if (c.kind === 'Service' || c.spec?.clusterIP !== undefined) {
    delete c.spec?.clusterIP;
    delete c.spec?.clusterIPs;
  }
  return c;
}

type Snap = Record<string, any>;

/** MWCs, VWCs and istio-system Services, normalized, keyed kind/name. */
async function snapshot(c: ClusterClient): Promise<Snap> {
  const out: Snap = {};
  for (const m of await listRaw(c, MWC)) out[`MutatingWebhookConfiguration/${m.metadata.name}`] = normalize({ ...m, kind: 'MutatingWebhookConfiguration', apiVersion: 'admissionregistration.k8s.io/v1' });
  for (const v of await listRaw(c, VWC)) out[`ValidatingWebhookConfiguration/${v.metadata.name}`] = normalize({ ...v, kind: 'ValidatingWebhookConfiguration', apiVersion: 'admissionregistration.k8s.io/v1' });
  for (const s of await listRaw(c, SVC)) out[`Service/${s.metadata.name}`] = normalize({ ...s, kind: 'Service', apiVersion: 'v1' });
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** Snapshot once the injector's rewiring has settled (two equal reads in a row). */
async function settledSnapshot(c: ClusterClient): Promise<Snap> {
  let prev = await snapshot(c);
  for (let i = 0; i < 30; i++) {
    await sleep(600);
    const cur = await snapshot(c);
    try { assert.deepEqual(cur, prev); return cur; } catch { prev = cur; }
  }
  return prev;
}

/** Raw objects (for restore), keyed kind/name. */
async function rawState(c: ClusterClient): Promise<Record<string, { path: string; obj: any }>> {
  const out: Record<string, { path: string; obj: any }> = {};
  for (const m of await listRaw(c, MWC)) out[`MutatingWebhookConfiguration/${m.metadata.name}`] = { path: MWC, obj: { ...m, kind: 'MutatingWebhookConfiguration', apiVersion: 'admissionregistration.k8s.io/v1' } };
  for (const v of await listRaw(c, VWC)) out[`ValidatingWebhookConfiguration/${v.metadata.name}`] = { path: VWC, obj: { ...v, kind: 'ValidatingWebhookConfiguration', apiVersion: 'admissionregistration.k8s.io/v1' } };
  for (const s of await listRaw(c, SVC)) out[`Service/${s.metadata.name}`] = { path: SVC, obj: { ...s, kind: 'Service', apiVersion: 'v1' } };
  return out;
}

async function must(c: ClusterClient, o: Parameters<ClusterClient['request']>[0]): Promise<void> {
  const r = await c.request(o);
  if (!r.ok && !(o.method === 'DELETE' && r.error.kind === 'notFound')) throw new Error(`${o.method} ${o.path}: ${JSON.stringify(r.error)}`);
}

/** Puts MWCs, VWCs and istio-system Services back as they were in `before`. */
async function restore(c: ClusterClient, before: Record<string, { path: string; obj: any }>): Promise<void> {
  const now = await rawState(c);
  for (const [k, { path: p, obj }] of Object.entries(now)) {
    if (!before[k]) await must(c, { method: 'DELETE', path: `${p}/${obj.metadata.name}`, verb: 'delete', resource: k });
  }
  for (const [k, { path: p, obj }] of Object.entries(before)) {
    const cur = now[k];
    if (cur && JSON.stringify(normalize(cur.obj)) === JSON.stringify(normalize(obj))) continue;
    const body = structuredClone(obj);
    delete body.metadata.managedFields;
    delete body.metadata.uid;
    delete body.metadata.creationTimestamp;
    delete body.status;
    if (cur) {
      body.metadata.resourceVersion = cur.obj.metadata.resourceVersion;
      await must(c, { method: 'PUT', path: `${p}/${obj.metadata.name}`, body, verb: 'update', resource: k });
    } else {
      delete body.metadata.resourceVersion;
      if (body.spec) { delete body.spec.clusterIP; delete body.spec.clusterIPs; }
      await must(c, { method: 'POST', path: p, body, verb: 'create', resource: k });
    }
  }
  await settledSnapshot(c);
}

/** The tiny executor: the plan's requests in order, plain. */
async function execute(c: ClusterClient, plan: Plan): Promise<void> {
  for (const r of plan.requests) {
    const res = await c.request({
      method: r.method, path: r.path, query: r.query, body: r.body, contentType: r.contentType,
      verb: r.permission.verb, resource: r.permission.resource, namespace: r.permission.namespace, name: r.permission.name,
    });
    if (!res.ok && !(r.ignoreNotFound && res.error.kind === 'notFound')) throw new Error(`${r.description}: ${JSON.stringify(res.error)}`);
  }
}

async function tagInputs(c: ClusterClient) {
  return { mwcs: await listRaw(c, MWC), vwcs: await listRaw(c, VWC), services: await listRaw(c, SVC) };
}

async function namespacesWithRev(c: ClusterClient, value: string): Promise<string[]> {
  return (await listRaw(c, '/api/v1/namespaces', `istio.io/rev=${value}`)).map((n) => n.metadata.name);
}

function diffKeys(a: Snap, b: Snap): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/** Runs istioctl and the plan from the same state; returns both results and the state before. */
async function compare(c: ClusterClient, istioctlArgs: string[], makePlan: () => Promise<Plan>): Promise<{ before: Snap; byIstioctl: Snap; byPlan: Snap; plan: Plan }> {
  const seedRaw = await rawState(c);
  const before = await settledSnapshot(c);
  const plan = await makePlan(); // planned from the identical state istioctl starts from
  const r = runIstioctl(istioctlArgs);
  assert.equal(r.status, 0, `istioctl ${istioctlArgs.join(' ')}: ${r.stderr}`);
  const byIstioctl = await settledSnapshot(c);
  await restore(c, seedRaw);
  assert.deepEqual(await settledSnapshot(c), before, 'restore did not bring the state back');
  await execute(c, plan);
  const byPlan = await settledSnapshot(c);
  await restore(c, seedRaw);
  return { before, byIstioctl, byPlan, plan };
}

function assertSame(res: { before: Snap; byIstioctl: Snap; byPlan: Snap }, expectChanged: string[]): void {
  const changed = diffKeys(res.before, res.byIstioctl).sort();
  assert.deepEqual(changed, [...expectChanged].sort(), 'objects istioctl changed');
  const d = diffKeys(res.byIstioctl, res.byPlan);
  for (const k of d) assert.deepEqual(res.byPlan[k], res.byIstioctl[k], `object ${k} differs between the plan and istioctl`);
  assert.deepEqual(res.byPlan, res.byIstioctl);
}

function firstInjectorClientConfig(mwc: any): any {
  return (mwc.webhooks ?? []).find((w: any) => w.name.endsWith('sidecar-injector.istio.io'))?.clientConfig;
}

describe('conformance with istioctl 1.31 (tag set / tag remove / uninstall --revision)', function () {
  this.timeout(600_000);
  let c: ClusterClient;

  before(async () => {
    c = client();
    const v = runIstioctl(['version', '--remote=false']);
    assert.match(v.stdout + v.stderr, /1\.31/);
  });

  it('tag set staging --revision 1-8-0 (new tag): same MWC and Service', async () => {
    const res = await compare(c, ['tag', 'set', 'staging', '--revision', '1-8-0', '-y', '--istioNamespace', NS], async () => {
      const p = planTagSet({ cluster: 'local', tag: 'staging', revision: '1-8-0', overwrite: false, istioNamespace: NS, ...(await tagInputs(c)) });
      assert.ok(p.ok, p.ok ? '' : p.message);
      assert.deepEqual(p.plan.requests.map((r) => [r.method, r.query?.fieldManager]), [['PATCH', 'istio-ci'], ['PATCH', 'istio-ci']], 'server-side apply as istioctl');
      return p.plan;
    });
    assertSame(res, ['MutatingWebhookConfiguration/istio-revision-tag-staging', 'Service/istiod-revision-tag-staging']);
    // clientConfig (URL + caBundle) was copied from the canonical webhook of 1-8-0
    assert.deepEqual(
      firstInjectorClientConfig(res.byPlan['MutatingWebhookConfiguration/istio-revision-tag-staging']),
      firstInjectorClientConfig(res.before['MutatingWebhookConfiguration/istio-sidecar-injector-1-8-0']),
    );
  });

  it('tag set prod --revision 1-8-0 --overwrite (move): same MWC and Service', async () => {
    const res = await compare(c, ['tag', 'set', 'prod', '--revision', '1-8-0', '--overwrite', '-y', '--istioNamespace', NS], async () => {
      const p = planTagSet({ cluster: 'local', tag: 'prod', revision: '1-8-0', overwrite: true, istioNamespace: NS, ...(await tagInputs(c)) });
      assert.ok(p.ok, p.ok ? '' : p.message);
      assert.deepEqual(p.plan.requests.map((r) => r.method), ['PATCH', 'PATCH']);
      return p.plan;
    });
    assertSame(res, ['MutatingWebhookConfiguration/istio-revision-tag-prod', 'Service/istiod-revision-tag-prod']);
    assert.equal(res.byPlan['MutatingWebhookConfiguration/istio-revision-tag-prod'].metadata.labels['istio.io/rev'], '1-8-0');
  });

  it('tag set default --revision 1-8-0 --overwrite: same tag MWC, default validator and Service', async () => {
    const res = await compare(c, ['tag', 'set', 'default', '--revision', '1-8-0', '--overwrite', '-y', '--istioNamespace', NS], async () => {
      const p = planTagSet({ cluster: 'local', tag: 'default', revision: '1-8-0', overwrite: true, istioNamespace: NS, ...(await tagInputs(c)) });
      assert.ok(p.ok, p.ok ? '' : p.message);
      return p.plan;
    });
    assertSame(res, ['MutatingWebhookConfiguration/istio-revision-tag-default', 'ValidatingWebhookConfiguration/istiod-default-validator', 'Service/istiod-revision-tag-default']);
  });

  it('tag set without --overwrite / named like a revision / unknown revision: same refusals', async () => {
    const cases: { args: string[]; tag: string; revision: string }[] = [
      { args: ['tag', 'set', 'prod', '--revision', '1-8-0', '-y'], tag: 'prod', revision: '1-8-0' },
      { args: ['tag', 'set', '1-7-6', '--revision', '1-8-0', '-y'], tag: '1-7-6', revision: '1-8-0' },
      { args: ['tag', 'set', 'qa', '--revision', '9-9-9', '-y'], tag: 'qa', revision: '9-9-9' },
    ];
    const before = await settledSnapshot(c);
    for (const k of cases) {
      const p = planTagSet({ cluster: 'local', tag: k.tag, revision: k.revision, overwrite: false, istioNamespace: NS, ...(await tagInputs(c)) });
      assert.equal(p.ok, false);
      const r = runIstioctl([...k.args, '--istioNamespace', NS]);
      assert.notEqual(r.status, 0);
      assert.ok(!p.ok && r.stderr.includes(p.message), `istioctl said ${JSON.stringify(r.stderr)}, plan said ${JSON.stringify(!p.ok && p.message)}`);
    }
    assert.deepEqual(await settledSnapshot(c), before);
  });

  it('tag remove canary: same objects left', async () => {
    const res = await compare(c, ['tag', 'remove', 'canary', '-y', '--istioNamespace', NS], async () => {
      const p = planTagRemove({ cluster: 'local', tag: 'canary', ...(await tagInputs(c)), namespacesUsingTag: await namespacesWithRev(c, 'canary'), istioNamespace: NS });
      assert.ok(p.ok, p.ok ? '' : p.message);
      assert.ok(p.plan.warnings.some((w) => w.includes('ns-c')));
      return p.plan;
    });
    assertSame(res, ['MutatingWebhookConfiguration/istio-revision-tag-canary', 'Service/istiod-revision-tag-canary']);
  });

  it('tag remove default: MWC, Service and (1.31) the default validator go', async () => {
    const res = await compare(c, ['tag', 'remove', 'default', '-y', '--istioNamespace', NS], async () => {
      const p = planTagRemove({ cluster: 'local', tag: 'default', ...(await tagInputs(c)), namespacesUsingTag: await namespacesWithRev(c, 'default'), istioNamespace: NS });
      assert.ok(p.ok, p.ok ? '' : p.message);
      return p.plan;
    });
    assertSame(res, ['MutatingWebhookConfiguration/istio-revision-tag-default', 'ValidatingWebhookConfiguration/istiod-default-validator', 'Service/istiod-revision-tag-default']);
  });

  it('tag remove of a missing tag: same error', async () => {
    const p = planTagRemove({ cluster: 'local', tag: 'nope', ...(await tagInputs(c)), namespacesUsingTag: [], istioNamespace: NS });
    assert.equal(p.ok, false);
    const r = runIstioctl(['tag', 'remove', 'nope', '-y', '--istioNamespace', NS]);
    assert.notEqual(r.status, 0);
    assert.ok(!p.ok && r.stderr.includes(p.message), r.stderr);
  });

  it('uninstall --revision 1-9-0 (installed by istioctl install for the test): same objects deleted, nothing shared', async () => {
    const REV = '1-9-0';
    const install = () => {
      const r = runIstioctl(['install', '--set', `revision=${REV}`, '--set', 'profile=minimal', '--set', 'hub=docker.io/istio', '--set', 'tag=1.9.0', '-y']);
      assert.equal(r.status, 0, `istioctl install: ${r.stderr}`);
    };
    /** Every object of the uninstall kinds (cluster-wide), by kind/namespace/name. */
    const inventory = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const k of UNINSTALL_KINDS) {
        const items = await listRaw(c, kindPath(k)).catch(() => [] as any[]);
        for (const o of items) {
          if (k.kind === 'Pod' && !o.metadata.name.startsWith(`istiod-${REV}`)) continue; // workload pods churn independently
          // pods get new random names when recreated: identify them by their ReplicaSet
          const name = k.kind === 'Pod' ? `${o.metadata.generateName ?? o.metadata.name}*` : o.metadata.name;
          out.push(`${k.kind}/${o.metadata.namespace ?? ''}/${name}${o.metadata.deletionTimestamp ? ' (terminating)' : ''}`);
        }
      }
      return out.sort();
    };
    const settledInventory = async (): Promise<string[]> => {
      let prev = await inventory();
      for (let i = 0; i < 120; i++) {
        await sleep(1000);
        const cur = await inventory();
        if (JSON.stringify(cur) === JSON.stringify(prev) && !cur.some((x) => x.endsWith('(terminating)'))) return cur;
        prev = cur;
      }
      return prev;
    };

    install();
    const installed = await settledInventory();
    const r = runIstioctl(['uninstall', '--revision', REV, '-y']);
    assert.equal(r.status, 0, `istioctl uninstall: ${r.stderr}`);
    const byIstioctl = await settledInventory();

    install();
    assert.deepEqual(await settledInventory(), installed, 'reinstall reproduces the same objects');
    const objects = [];
    for (const k of UNINSTALL_KINDS) objects.push({ resource: k, items: await listRaw(c, kindPath(k), uninstallSelector(REV)).catch(() => [] as any[]) });
    const plan = planUninstall({ cluster: 'local', revision: REV, objects });
    assert.ok(plan.requests.length >= 10, `plan has ${plan.requests.length} requests`);
    assert.ok(plan.requests.every((q) => q.method === 'DELETE' && (q.body as any).propagationPolicy === 'Foreground'));
    await execute(c, plan);
    const byPlan = await settledInventory();
    assert.deepEqual(byPlan, byIstioctl);
    // Nothing shared went: what disappeared all carried the revision's uninstall labels.
    const gone = installed.filter((x) => !byPlan.includes(x));
    assert.ok(gone.some((x) => x.startsWith(`Deployment/${NS}/istiod-${REV}`)));
    assert.ok(gone.every((x) => x.includes(REV)), `deleted: ${gone.join(', ')}`);
  });
});
