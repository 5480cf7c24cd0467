/**
 * Conformance with the real istioctl (1.31 source build of the local cluster):
 * for each case, istioctl runs on a state, the objects it leaves are snapshotted,
 * the state is restored, the extension's CLI (`istio-revisions tag|uninstall … --yes`,
 * the plans of src/istio/tagplan.ts, uninstall.ts run by src/k8s/executor.ts) runs on the
 * identical state, and the objects it leaves must be equal. Every case is a row of the
 * conformance table the suite prints.
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
import { UNINSTALL_KINDS, kindPath } from '../../src/istio';
import type { ClusterClient } from '../../src/k8s';
import { cli, client, clusterState, kubectl, recordConformance, waitFor } from './helpers';

const NS = 'istio-system';
const MWC = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';
const VWC = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
const SVC = `/api/v1/namespaces/${NS}/services`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function runIstioctl(args: string[]): { status: number; stdout: string; stderr: string } {
  const st = clusterState();
  const r = spawnSync(path.join(st.binDir, 'istioctl'), [...args, '--kubeconfig', st.kubeconfig], {
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, HOME: path.join(st.dir, 'home'), KUBECONFIG: st.kubeconfig },
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
  for (const m of await listRaw(c, MWC))
    out[`MutatingWebhookConfiguration/${m.metadata.name}`] = normalize({
      ...m,
      kind: 'MutatingWebhookConfiguration',
      apiVersion: 'admissionregistration.k8s.io/v1',
    });
  for (const v of await listRaw(c, VWC))
    out[`ValidatingWebhookConfiguration/${v.metadata.name}`] = normalize({
      ...v,
      kind: 'ValidatingWebhookConfiguration',
      apiVersion: 'admissionregistration.k8s.io/v1',
    });
  for (const s of await listRaw(c, SVC)) out[`Service/${s.metadata.name}`] = normalize({ ...s, kind: 'Service', apiVersion: 'v1' });
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** Snapshot once the injector's rewiring has settled (two equal reads in a row). */
async function settledSnapshot(c: ClusterClient): Promise<Snap> {
  let prev = await snapshot(c);
  for (let i = 0; i < 30; i++) {
    await sleep(600);
    const cur = await snapshot(c);
    try {
      assert.deepEqual(cur, prev);
      return cur;
    } catch {
      prev = cur;
    }
  }
  return prev;
}

/** Raw objects (for restore), keyed kind/name. */
async function rawState(c: ClusterClient): Promise<Record<string, { path: string; obj: any }>> {
  const out: Record<string, { path: string; obj: any }> = {};
  for (const m of await listRaw(c, MWC))
    out[`MutatingWebhookConfiguration/${m.metadata.name}`] = {
      path: MWC,
      obj: { ...m, kind: 'MutatingWebhookConfiguration', apiVersion: 'admissionregistration.k8s.io/v1' },
    };
  for (const v of await listRaw(c, VWC))
    out[`ValidatingWebhookConfiguration/${v.metadata.name}`] = {
      path: VWC,
      obj: { ...v, kind: 'ValidatingWebhookConfiguration', apiVersion: 'admissionregistration.k8s.io/v1' },
    };
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
      if (body.spec) {
        delete body.spec.clusterIP;
        delete body.spec.clusterIPs;
      }
      await must(c, { method: 'POST', path: p, body, verb: 'create', resource: k });
    }
  }
  await settledSnapshot(c);
}

function diffKeys(a: Snap, b: Snap): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/** Runs istioctl and then the extension's CLI from the same state; returns both results and the state before. */
async function compare(c: ClusterClient, istioctlArgs: string[], cliArgs: string[]): Promise<{ before: Snap; byIstioctl: Snap; byPlan: Snap; plan: any }> {
  const seedRaw = await rawState(c);
  const before = await settledSnapshot(c);
  const r = runIstioctl(istioctlArgs);
  assert.equal(r.status, 0, `istioctl ${istioctlArgs.join(' ')}: ${r.stderr}`);
  const byIstioctl = await settledSnapshot(c);
  await restore(c, seedRaw);
  assert.deepEqual(await settledSnapshot(c), before, 'restore did not bring the state back');
  const ours = cli([...cliArgs, '--yes', '-o', 'json']);
  assert.equal(ours.status, 0, `istio-revisions ${cliArgs.join(' ')}: ${ours.stderr}`);
  const byPlan = await settledSnapshot(c);
  await restore(c, seedRaw);
  return { before, byIstioctl, byPlan, plan: ours.json.plan };
}

/** The objects a run changed, for the table. */
function changedSummary(before: Snap, after: Snap): string {
  const d = diffKeys(before, after).map(
    (k) =>
      `${k in after ? (k in before ? '~' : '+') : '-'}${k.replace(/^(MutatingWebhookConfiguration|ValidatingWebhookConfiguration)\//, (_m, kind: string) => (kind.startsWith('M') ? 'MWC/' : 'VWC/'))}`,
  );
  return d.length ? d.sort().join(', ') : 'no change';
}

function assertSame(res: { before: Snap; byIstioctl: Snap; byPlan: Snap }, expectChanged: string[], what: string): void {
  const tool = changedSummary(res.before, res.byIstioctl);
  const ours = changedSummary(res.before, res.byPlan);
  recordConformance({ area: 'tag', case: what, tool, extension: ours, agree: JSON.stringify(res.byPlan) === JSON.stringify(res.byIstioctl) });
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
    const res = await compare(
      c,
      ['tag', 'set', 'staging', '--revision', '1-8-0', '-y', '--istioNamespace', NS],
      ['tag', 'set', 'staging', '--revision', '1-8-0'],
    );
    assert.deepEqual(
      res.plan.requests.map((r: any) => [r.method, r.query?.fieldManager]),
      [
        ['PATCH', 'istio-ci'],
        ['PATCH', 'istio-ci'],
      ],
      'server-side apply as istioctl',
    );
    assertSame(res, ['MutatingWebhookConfiguration/istio-revision-tag-staging', 'Service/istiod-revision-tag-staging'], 'tag set staging --revision 1-8-0');
    // clientConfig (URL + caBundle) was copied from the canonical webhook of 1-8-0
    assert.deepEqual(
      firstInjectorClientConfig(res.byPlan['MutatingWebhookConfiguration/istio-revision-tag-staging']),
      firstInjectorClientConfig(res.before['MutatingWebhookConfiguration/istio-sidecar-injector-1-8-0']),
    );
  });

  it('tag set prod --revision 1-8-0 --overwrite (move): same MWC and Service', async () => {
    const res = await compare(
      c,
      ['tag', 'set', 'prod', '--revision', '1-8-0', '--overwrite', '-y', '--istioNamespace', NS],
      ['tag', 'set', 'prod', '--revision', '1-8-0', '--overwrite'],
    );
    assert.deepEqual(
      res.plan.requests.map((r: any) => r.method),
      ['PATCH', 'PATCH'],
    );
    assertSame(res, ['MutatingWebhookConfiguration/istio-revision-tag-prod', 'Service/istiod-revision-tag-prod'], 'tag set prod --revision 1-8-0 --overwrite');
    assert.equal(res.byPlan['MutatingWebhookConfiguration/istio-revision-tag-prod'].metadata.labels['istio.io/rev'], '1-8-0');
  });

  it('tag set default --revision 1-8-0 --overwrite: same tag MWC, default validator and Service', async () => {
    const res = await compare(
      c,
      ['tag', 'set', 'default', '--revision', '1-8-0', '--overwrite', '-y', '--istioNamespace', NS],
      ['tag', 'set', 'default', '--revision', '1-8-0', '--overwrite'],
    );
    assertSame(
      res,
      [
        'MutatingWebhookConfiguration/istio-revision-tag-default',
        'ValidatingWebhookConfiguration/istiod-default-validator',
        'Service/istiod-revision-tag-default',
      ],
      'tag set default --revision 1-8-0 --overwrite',
    );
  });

  it('tag set without --overwrite / named like a revision / unknown revision; tag remove of a missing tag: same refusals, nothing changed', async () => {
    const cases: string[][] = [
      ['tag', 'set', 'prod', '--revision', '1-8-0'],
      ['tag', 'set', '1-7-6', '--revision', '1-8-0'],
      ['tag', 'set', 'qa', '--revision', '9-9-9'],
      ['tag', 'remove', 'nope'],
    ];
    const before = await settledSnapshot(c);
    for (const k of cases) {
      const r = runIstioctl([...k, '-y', '--istioNamespace', NS]);
      const ours = cli([...k, '--yes']);
      const theirs = r.stderr.trim().split('\n').pop() ?? '';
      const said = /istio-revisions: Cluster "[^"]+": (.*)/.exec(ours.stderr)?.[1] ?? ours.stderr;
      recordConformance({
        area: 'tag',
        case: k.join(' '),
        tool: `exit ${r.status}: ${theirs}`,
        extension: `exit ${ours.status}: ${said}`,
        agree: r.status !== 0 && ours.status === 1 && r.stderr.includes(said),
      });
      assert.notEqual(r.status, 0);
      assert.equal(ours.status, 1, ours.stderr);
      assert.ok(r.stderr.includes(said), `istioctl said ${JSON.stringify(r.stderr)}, the extension said ${JSON.stringify(said)}`);
    }
    assert.deepEqual(await settledSnapshot(c), before);
  });

  it('tag remove canary: same objects left', async () => {
    const res = await compare(c, ['tag', 'remove', 'canary', '-y', '--istioNamespace', NS], ['tag', 'remove', 'canary']);
    assert.ok(res.plan.warnings.some((w: string) => w.includes('ns-c')));
    assertSame(res, ['MutatingWebhookConfiguration/istio-revision-tag-canary', 'Service/istiod-revision-tag-canary'], 'tag remove canary');
  });

  it('tag remove default: MWC, Service and (1.31) the default validator go', async () => {
    const res = await compare(c, ['tag', 'remove', 'default', '-y', '--istioNamespace', NS], ['tag', 'remove', 'default']);
    assertSame(
      res,
      [
        'MutatingWebhookConfiguration/istio-revision-tag-default',
        'ValidatingWebhookConfiguration/istiod-default-validator',
        'Service/istiod-revision-tag-default',
      ],
      'tag remove default',
    );
  });
});

describe('conformance with istioctl 1.31: uninstall --revision (4 situations)', function () {
  this.timeout(900_000);
  let c: ClusterClient;
  before(() => {
    c = client();
  });

  /** Every object of the uninstall kinds (cluster-wide), by kind/namespace/name. */
  const inventory = async (rev: string): Promise<string[]> => {
    const out: string[] = [];
    for (const k of UNINSTALL_KINDS) {
      const items = await listRaw(c, kindPath(k)).catch(() => [] as any[]);
      for (const o of items) {
        if (k.kind === 'Pod' && !o.metadata.name.startsWith(rev === 'default' ? 'istiod-' : `istiod-${rev}`)) continue; // workload pods churn independently
        // pods get new random names when recreated: identify them by their ReplicaSet
        const name = k.kind === 'Pod' ? `${o.metadata.generateName ?? o.metadata.name}*` : o.metadata.name;
        out.push(`${k.kind}/${o.metadata.namespace ?? ''}/${name}${o.metadata.deletionTimestamp ? ' (terminating)' : ''}`);
      }
    }
    return out.sort();
  };
  const settledInventory = async (rev: string): Promise<string[]> => {
    let prev = await inventory(rev);
    for (let i = 0; i < 120; i++) {
      await sleep(1000);
      const cur = await inventory(rev);
      if (JSON.stringify(cur) === JSON.stringify(prev) && !cur.some((x) => x.endsWith('(terminating)'))) return cur;
      prev = cur;
    }
    return prev;
  };
  const delta = (from: string[], to: string[]) => {
    const gone = from.filter((x) => !to.includes(x)).map((x) => `-${x.replace(/^(\w+)\/[^/]*\//, '$1/')}`);
    const added = to.filter((x) => !from.includes(x)).map((x) => `+${x.replace(/^(\w+)\/[^/]*\//, '$1/')}`);
    return [...gone, ...added];
  };
  const brief = (d: string[]) =>
    d.length === 0
      ? 'nothing deleted'
      : `${d.length} object(s) deleted (${d
          .filter((x) => /MutatingWebhook|Deployment/.test(x))
          .map((x) => x.slice(1))
          .join(', ')}${d.length > 3 ? ', …' : ''})`;

  it('a revision installed by istioctl install, with a tag from the install (revisionTags) and one from tag set: refused while in use, then the same objects deleted as istioctl; the tag-set tag is left behind by both', async () => {
    const REV = '1-9-0';
    const install = () => {
      const r = runIstioctl([
        'install',
        '--set',
        `revision=${REV}`,
        '--set',
        'profile=minimal',
        '--set',
        'hub=docker.io/istio',
        '--set',
        'tag=1.9.0',
        '--set',
        'values.revisionTags[0]=qa9',
        '-y',
      ]);
      assert.equal(r.status, 0, `istioctl install: ${r.stderr}`);
    };
    install();
    const tagged = runIstioctl(['tag', 'set', 'staging9', '--revision', REV, '-y', '--istioNamespace', NS]);
    assert.equal(tagged.status, 0, tagged.stderr);
    try {
      const installed = await settledInventory(REV);
      assert.ok(installed.includes('MutatingWebhookConfiguration//istio-revision-tag-qa9'), 'the install made tag qa9');
      assert.ok(installed.includes('MutatingWebhookConfiguration//istio-revision-tag-staging9'), 'tag set made tag staging9');
      const r = runIstioctl(['uninstall', '--revision', REV, '-y']);
      assert.equal(r.status, 0, `istioctl uninstall: ${r.stderr}`);
      const byIstioctl = await settledInventory(REV);

      install();
      assert.deepEqual(await settledInventory(REV), installed, 'reinstall reproduces the same objects');
      // The extension refuses while tag staging9 still points at the revision (istioctl checks nothing).
      const refused = cli(['uninstall', '--revision', REV, '--yes']);
      assert.equal(refused.status, 1, refused.stderr);
      assert.match(refused.stderr, /still in use; refusing to uninstall/);
      assert.match(refused.stderr, /staging9/);
      assert.deepEqual(await inventory(REV), installed, 'the refusal changed nothing');
      recordConformance({
        area: 'uninstall',
        case: `${REV} still pointed at by tag staging9 (no --force)`,
        tool: 'istioctl checks nothing: deletes',
        extension: `exit 1, refused: ${/staging9[^\n]*/.exec(refused.stderr)?.[0].slice(0, 80)}`,
        agree: true,
      });
      const ours = cli(['uninstall', '--revision', REV, '--force', '--yes', '-o', 'json']);
      assert.equal(ours.status, 0, ours.stderr);
      assert.ok(ours.json.plan.requests.every((q: any) => q.method === 'DELETE' && q.body.propagationPolicy === 'Foreground'));
      const byPlan = await settledInventory(REV);
      recordConformance({
        area: 'uninstall',
        case: `${REV} (istioctl install; tag qa9 from the install, staging9 from tag set), --force`,
        tool: brief(delta(installed, byIstioctl)),
        extension: brief(delta(installed, byPlan)),
        agree: JSON.stringify(byPlan) === JSON.stringify(byIstioctl),
      });
      assert.deepEqual(byPlan, byIstioctl);
      // Nothing shared went: what disappeared all carried the revision's uninstall labels.
      const gone = installed.filter((x) => !byPlan.includes(x));
      assert.ok(gone.some((x) => x.startsWith(`Deployment/${NS}/istiod-${REV}`)));
      assert.ok(gone.includes('MutatingWebhookConfiguration//istio-revision-tag-qa9'), 'the install-made tag is pruned');
      assert.ok(
        byPlan.includes('MutatingWebhookConfiguration//istio-revision-tag-staging9') && byPlan.includes(`Service/${NS}/istiod-revision-tag-staging9`),
        'the tag-set tag is left behind by both',
      );
      assert.ok(
        gone.every((x) => x.includes(REV) || x.includes('qa9')),
        `deleted: ${gone.join(', ')}`,
      );
    } finally {
      runIstioctl(['uninstall', '--revision', REV, '-y']);
      runIstioctl(['tag', 'remove', 'staging9', '-y', '--istioNamespace', NS]);
    }
  });

  it('a revision that does not exist: both refuse with "could not find target revision", nothing changed', async () => {
    const before = await inventory('9-9-9');
    const r = runIstioctl(['uninstall', '--revision', '9-9-9', '-y']);
    const ours = cli(['uninstall', '--revision', '9-9-9', '--yes']);
    recordConformance({
      area: 'uninstall',
      case: '9-9-9 (not installed)',
      tool: `exit ${r.status}: ${(r.stderr.trim().split('\n').pop() ?? '').slice(0, 80)}`,
      extension: `exit ${ours.status}: ${ours.stderr.trim().slice(0, 100)}`,
      agree: r.status !== 0 && ours.status === 1 && /could not find target revision/.test(r.stderr) && /could not find target revision/.test(ours.stderr),
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /could not find target revision/);
    assert.equal(ours.status, 1);
    assert.match(ours.stderr, /could not find target revision 9-9-9/);
    assert.deepEqual(await inventory('9-9-9'), before);
  });

  it('the unrevisioned control plane (revision "default"), installed by istioctl install: the same objects deleted', async () => {
    const REV = 'default';
    const install = () => {
      const r = runIstioctl(['install', '--set', 'profile=minimal', '--set', 'hub=docker.io/istio', '--set', 'tag=1.9.1', '-y']);
      assert.equal(r.status, 0, `istioctl install: ${r.stderr}`);
    };
    const restoreDefaultTag = async () => {
      for (let i = 0; i < 120 && (await listRaw(c, MWC, 'istio.io/tag=default,istio.io/rev=default')).length; i++) await sleep(1000);
      const t = runIstioctl(['tag', 'set', 'default', '--revision', '1-7-6', '--overwrite', '-y', '--istioNamespace', NS]);
      assert.equal(t.status, 0, t.stderr);
    };
    try {
      install();
      const installed = await settledInventory(REV);
      assert.ok(installed.includes(`Deployment/${NS}/istiod`), installed.join(', '));
      const r = runIstioctl(['uninstall', '--revision', REV, '-y']);
      assert.equal(r.status, 0, `istioctl uninstall: ${r.stderr}`);
      const byIstioctl = await settledInventory(REV);
      install();
      assert.deepEqual(await settledInventory(REV), installed, 'reinstall reproduces the same objects');
      const ours = cli(['uninstall', '--revision', REV, '--force', '--yes', '-o', 'json']);
      assert.equal(ours.status, 0, ours.stderr);
      const byPlan = await settledInventory(REV);
      recordConformance({
        area: 'uninstall',
        case: 'default (unrevisioned istioctl install), --force',
        tool: brief(delta(installed, byIstioctl)),
        extension: brief(delta(installed, byPlan)),
        agree: JSON.stringify(byPlan) === JSON.stringify(byIstioctl),
      });
      assert.deepEqual(byPlan, byIstioctl);
      assert.ok(!byPlan.includes(`Deployment/${NS}/istiod`));
    } finally {
      runIstioctl(['uninstall', '--revision', REV, '-y']);
      await restoreDefaultTag();
      const { waitWebhooksRewired } = await import('../cluster/scenarios.mjs');
      const { readState } = await import('../cluster/cluster.mjs');
      await waitWebhooksRewired(readState(process.env.ISTIO_REVISIONS_TEST_DIR));
    }
  });
});

describe('conformance with kubectl: restart (6 workload situations) and OnDelete pods replaced in batches', function () {
  this.timeout(900_000);
  const TOOL = 'rc-kubectl';
  const OURS = 'rc-extension';
  const tpl = (app: string) => ({
    selector: { matchLabels: { app } },
    template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'app', image: 'busybox' }] } },
  });
  const objects = (ns: string) => [
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { replicas: 2, ...tpl('web') } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'paused', namespace: ns }, spec: { replicas: 1, ...tpl('paused') } }, // paused once its pod runs
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'part', namespace: ns },
      spec: { serviceName: 'part', replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } }, ...tpl('part') },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: ns },
      spec: { serviceName: 'db', replicas: 2, updateStrategy: { type: 'OnDelete' }, ...tpl('db') },
    },
    { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'node-agent', namespace: ns }, spec: { ...tpl('node-agent') } },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'od-agent', namespace: ns },
      spec: { updateStrategy: { type: 'OnDelete' }, ...tpl('od-agent') },
    },
  ];
  const pods = async (ns: string, app: string): Promise<{ name: string; uid: string; ready: boolean; node?: string }[]> =>
    JSON.parse(await kubectl(['get', 'pods', '-n', ns, '-l', `app=${app}`, '-o', 'json']))
      .items.filter((p: any) => !p.metadata.deletionTimestamp)
      .map((p: any) => ({
        name: p.metadata.name,
        uid: p.metadata.uid,
        node: p.spec.nodeName,
        ready: !!p.status?.conditions?.some((x: any) => x.type === 'Ready' && x.status === 'True'),
      }));
  const restartedAt = async (ns: string, kindName: string) =>
    JSON.parse(await kubectl(['get', kindName, '-n', ns, '-o', 'json'])).spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'] as
      string | undefined;
  /** Which pods were replaced, by slot (StatefulSet ordinal name / DaemonSet node / Deployment: count). */
  const replaced = (kind: string, before: { name: string; uid: string; node?: string }[], after: { name: string; uid: string; node?: string }[]) => {
    const uids = new Set(after.map((p) => p.uid));
    const gone = before.filter((p) => !uids.has(p.uid));
    if (kind === 'Deployment') return `${gone.length}/${before.length}`;
    return (
      gone
        .map((p) => (kind === 'DaemonSet' ? `node ${p.node}` : p.name.replace(/^.*-(\d+)$/, '#$1')))
        .sort()
        .join(',') || 'none'
    );
  };

  before(async () => {
    for (const ns of [TOOL, OURS]) {
      await kubectl(['create', 'namespace', ns]);
      await kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects(ns) }) });
    }
    await waitFor(
      'every pod of both copies Ready',
      async () => {
        for (const ns of [TOOL, OURS]) {
          const want: Record<string, number> = { web: 2, paused: 1, part: 3, db: 2 };
          for (const [app, n] of Object.entries(want)) {
            const p = await pods(ns, app);
            if (p.length !== n || !p.every((x) => x.ready)) return false;
          }
          for (const app of ['node-agent', 'od-agent']) {
            const p = await pods(ns, app);
            if (p.length === 0 || !p.every((x) => x.ready)) return false;
          }
        }
        return true;
      },
      180_000,
    );
    for (const ns of [TOOL, OURS]) await kubectl(['rollout', 'pause', 'deployment/paused', '-n', ns]);
  });
  after(async () => {
    for (const ns of [TOOL, OURS]) await kubectl(['delete', 'namespace', ns, '--wait=false'], { allowFail: true });
  });

  const cases: { kind: string; name: string; app: string; situation: string }[] = [
    { kind: 'Deployment', name: 'web', app: 'web', situation: 'Deployment (RollingUpdate)' },
    { kind: 'Deployment', name: 'paused', app: 'paused', situation: 'paused Deployment' },
    { kind: 'StatefulSet', name: 'part', app: 'part', situation: 'StatefulSet RollingUpdate, partition 2 of 3' },
    { kind: 'StatefulSet', name: 'db', app: 'db', situation: 'StatefulSet OnDelete' },
    { kind: 'DaemonSet', name: 'node-agent', app: 'node-agent', situation: 'DaemonSet RollingUpdate' },
    { kind: 'DaemonSet', name: 'od-agent', app: 'od-agent', situation: 'DaemonSet OnDelete' },
  ];

  for (const k of cases) {
    it(`${k.situation}: kubectl rollout restart + rollout status vs istio-revisions restart`, async () => {
      const ref = `${k.kind.toLowerCase()}/${k.name}`;
      // The real tool on its copy.
      const toolBefore = await pods(TOOL, k.app);
      const st = clusterState();
      const kc = (args: string[]) =>
        spawnSync(path.join(st.binDir, 'kubectl'), [...args, '--kubeconfig', st.kubeconfig], { encoding: 'utf8', timeout: 150_000 });
      const restartRun = kc(['rollout', 'restart', ref, '-n', TOOL]);
      const rr = { ok: restartRun.status === 0, out: `${restartRun.stdout}${restartRun.stderr}` };
      const status = rr.ok ? kc(['rollout', 'status', ref, '-n', TOOL, '--timeout=120s']) : undefined;
      const toolAfter = await pods(TOOL, k.app);
      const toolAt = await restartedAt(TOOL, ref);
      // The extension on its identical copy.
      const oursBefore = await pods(OURS, k.app);
      const ours = cli(['restart', OURS, '--workload', ref, '--yes', '-o', 'json', '--rollout-timeout', '120']);
      const oursAfter = await pods(OURS, k.app);
      const oursAt = await restartedAt(OURS, ref);

      const toolSays =
        !/can't restart paused/.test(rr.out) && rr.ok
          ? `restarted; status exit ${status?.status}${status?.status ? ` (${(status.stderr || '').trim().split('\n').pop()})` : ''}; replaced ${replaced(k.kind, toolBefore, toolAfter)}`
          : `refused: ${(/can't restart paused deployment[^\n]*/.exec(rr.out) ?? [rr.out.trim().split('\n').pop()])[0]}`;
      const r = ours.json?.result ?? {};
      const oursSays =
        ours.status === 1 && r.failed
          ? `refused: ${r.failed.reason.replace(/^.*?: /, '')}`
          : `${r.completed?.length ? 'restarted, rollout complete' : r.onDelete?.length ? 'template updated; reported OnDelete, not restarted' : JSON.stringify(r)}; replaced ${replaced(k.kind, oursBefore, oursAfter)}`;
      const agree = replaced(k.kind, toolBefore, toolAfter) === replaced(k.kind, oursBefore, oursAfter) && (toolAt === undefined) === (oursAt === undefined);
      recordConformance({ area: 'restart', case: k.situation, tool: toolSays, extension: oursSays, agree });

      assert.equal(replaced(k.kind, oursBefore, oursAfter), replaced(k.kind, toolBefore, toolAfter), 'the same pods were replaced');
      assert.equal(oursAt === undefined, toolAt === undefined, 'the template was annotated by both or by neither');
      if (oursAt) assert.match(oursAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'restartedAt as kubectl writes it (RFC 3339, seconds)');
      if (k.name === 'paused') {
        assert.match(rr.out, /can't restart paused deployment \(run rollout resume first\)/);
        assert.equal(ours.status, 1, ours.stderr);
        assert.match(ours.stderr, /can't restart paused deployment \(run rollout resume first\)/);
      } else if (k.name === 'db' || k.name === 'od-agent') {
        assert.notEqual(status?.status, 0, 'kubectl rollout status refuses OnDelete');
        assert.match(status?.stderr ?? '', /only available for RollingUpdate strategy type/);
        assert.equal(ours.status, 0, ours.stderr);
        assert.deepEqual(r.completed, [], 'never reported restarted');
        assert.deepEqual(
          r.onDelete.map((x: any) => x.name),
          [k.name],
        );
        assert.match(ours.json.message, /--on-delete=delete-pods/);
      } else {
        assert.equal(status?.status, 0, status?.stderr);
        assert.equal(ours.status, 0, ours.stderr);
        assert.deepEqual(
          r.completed.map((x: any) => x.name),
          [k.name],
        );
      }
    });
  }

  for (const k of [
    { kind: 'StatefulSet', name: 'db', app: 'db' },
    { kind: 'DaemonSet', name: 'od-agent', app: 'od-agent' },
  ]) {
    it(`${k.kind} OnDelete, the user's way: kubectl delete pod + wait Ready, one at a time, vs --on-delete=delete-pods`, async () => {
      const ref = `${k.kind.toLowerCase()}/${k.name}`;
      const toolBefore = await pods(TOOL, k.app);
      for (const p of toolBefore) {
        await kubectl(['delete', 'pod', p.name, '-n', TOOL]);
        await waitFor(
          `replacement of ${p.name} Ready`,
          async () => (await pods(TOOL, k.app)).some((x) => x.ready && x.uid !== p.uid && (k.kind === 'DaemonSet' ? x.node === p.node : x.name === p.name)),
          120_000,
        );
      }
      const toolAfter = await pods(TOOL, k.app);
      const oursBefore = await pods(OURS, k.app);
      const ours = cli([
        'restart',
        OURS,
        '--workload',
        ref,
        '--on-delete',
        'delete-pods',
        '--batch-size',
        '1',
        '--yes',
        '-o',
        'json',
        '--rollout-timeout',
        '120',
      ]);
      const oursAfter = await pods(OURS, k.app);
      const agree = replaced(k.kind, toolBefore, toolAfter) === replaced(k.kind, oursBefore, oursAfter) && oursAfter.every((p) => p.ready);
      recordConformance({
        area: 'restart',
        case: `${k.kind} OnDelete: pods deleted in batches of 1`,
        tool: `kubectl delete pod + wait: replaced ${replaced(k.kind, toolBefore, toolAfter)}`,
        extension: `exit ${ours.status}: replaced ${replaced(k.kind, oursBefore, oursAfter)}, all Ready`,
        agree,
      });
      assert.equal(ours.status, 0, ours.stderr);
      assert.equal(replaced(k.kind, oursBefore, oursAfter), replaced(k.kind, toolBefore, toolAfter));
      assert.ok(oursAfter.length === oursBefore.length && oursAfter.every((p) => p.ready), JSON.stringify(oursAfter));
      assert.ok(ours.json.plan.commands.some((c: string) => c.startsWith('kubectl rollout restart')));
      assert.match(ours.stderr, /Replace the pods of/);
    });
  }
});

describe('conformance with istioctl 1.31: x precheck, on the bench and with the Gateway API CRDs at several served versions', function () {
  this.timeout(600_000);
  const GROUP = 'gateway.networking.k8s.io';
  const crd = (plural: string, kind: string, versions: { name: string; served: boolean }[]) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${plural}.${GROUP}`,
      annotations: { [`${GROUP}/bundle-version`]: 'v0.0.0-test', 'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/1538' },
    },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: versions.map((v, i) => ({
        ...v,
        storage: i === 0,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      })),
    },
  });
  const states: { name: string; crds: ReturnType<typeof crd>[] }[] = [
    { name: 'no Gateway API CRDs', crds: [] },
    {
      name: 'Gateway API v1 (Gateway, HTTPRoute serve v1 and v1beta1)',
      crds: [
        crd('gateways', 'Gateway', [
          { name: 'v1', served: true },
          { name: 'v1beta1', served: true },
        ]),
        crd('httproutes', 'HTTPRoute', [
          { name: 'v1', served: true },
          { name: 'v1beta1', served: true },
        ]),
      ],
    },
    {
      name: 'Gateway API v0.8-like (v1beta1 served, no v1)',
      crds: [
        crd('gateways', 'Gateway', [
          { name: 'v1beta1', served: true },
          { name: 'v1alpha2', served: true },
        ]),
        crd('referencegrants', 'ReferenceGrant', [{ name: 'v1beta1', served: true }]),
      ],
    },
    {
      name: 'Gateway API v0.5-like (only v1alpha2 served; v1beta1 defined but not served)',
      crds: [
        crd('gateways', 'Gateway', [
          { name: 'v1alpha2', served: true },
          { name: 'v1beta1', served: false },
        ]),
        crd('grpcroutes', 'GRPCRoute', [{ name: 'v1alpha2', served: true }]),
        crd('tcproutes', 'TCPRoute', [{ name: 'v1alpha2', served: true }]),
      ],
    },
  ];
  // The seed has the current Gateway API CRDs (and their safe-upgrades admission policy, which refuses
  // older versions): every state starts from none, and the seed's are put back afterwards.
  const removeAll = async () => {
    const names = (await kubectl(['get', 'crd', '-o', 'name'])).split('\n').filter((n) => n.endsWith(`.${GROUP}`));
    await kubectl(['delete', 'validatingadmissionpolicybinding,validatingadmissionpolicy', `safe-upgrades.${GROUP}`, '--ignore-not-found']);
    if (names.length) await kubectl(['delete', ...names, '--wait=true']);
  };
  after(async () => {
    await removeAll();
    const { waitWebhooksRewired, applySeedGateways } = await import('../cluster/scenarios.mjs');
    const { readState } = await import('../cluster/cluster.mjs');
    const st = readState(process.env.ISTIO_REVISIONS_TEST_DIR);
    await applySeedGateways(st);
    await waitWebhooksRewired(st);
  });

  for (const st of states) {
    it(`${st.name}: the same findings, wording and exit code`, async () => {
      await removeAll();
      if (st.crds.length) {
        await kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: st.crds }) });
        await kubectl(['wait', '--for=condition=Established', ...st.crds.map((c) => `crd/${c.metadata.name}`), '--timeout=60s']);
      }
      const r = runIstioctl(['x', 'precheck']);
      const ours = cli(['precheck', '--istio-version', '1.31.0']);
      const lines = (s: string) =>
        s
          // eslint-disable-next-line no-control-regex -- istioctl's ANSI colour codes
          .replace(/\x1b\[[0-9;]*m/g, '')
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => /^(Error|Warning|Info) \[IST\d+\]/.test(l))
          .sort();
      const passedLine = (s: string) => s.includes('✔ No issues found when checking the cluster. Istio is safe to install or upgrade!');
      const theirs = lines(r.stdout);
      const mine = lines(ours.stdout);
      recordConformance({
        area: 'precheck',
        case: st.name,
        tool: `exit ${r.status}: ${theirs.length ? theirs.map((l) => l.replace(/\(CustomResourceDefinition ([a-z]+)\.[^)]*\)/, '($1)').replace(/ The Gateway API CRD version /, ' ')).join('; ') : passedLine(r.stderr) ? '✔ No issues found' : r.stderr.trim().slice(0, 80)}`,
        extension: `exit ${ours.status}: ${mine.length ? `${mine.length} finding(s), same text` : passedLine(ours.stderr) ? '✔ No issues found' : ours.stderr.trim().slice(0, 80)}`,
        agree: JSON.stringify(theirs) === JSON.stringify(mine) && (r.status === 0) === (ours.status === 0) && passedLine(r.stderr) === passedLine(ours.stderr),
      });
      assert.deepEqual(mine, theirs, `istioctl:\n${r.stdout}${r.stderr}\nours:\n${ours.stdout}${ours.stderr}`);
      assert.equal(ours.status === 0, r.status === 0, `exit codes: istioctl ${r.status}, ours ${ours.status}`);
      assert.equal(passedLine(ours.stderr), passedLine(r.stderr));
    });
  }
});

describe("conformance with istioctl 1.31 analyze: IR001 cites IST0123 exactly where Istio's analyzer reports it", function () {
  this.timeout(120_000);
  const combos: Record<string, string>[] = [
    { 'istio-injection': 'enabled', 'istio.io/rev': 'canary' },
    { 'istio-injection': 'disabled', 'istio.io/rev': 'canary' },
    { 'istio.io/rev': 'canary', 'istio.io/dataplane-mode': 'ambient' },
    { 'istio-injection': 'enabled', 'istio.io/dataplane-mode': 'ambient' },
    { 'istio-injection': 'disabled', 'istio.io/dataplane-mode': 'ambient' },
    { 'istio-injection': 'enabled', 'istio.io/rev': 'canary', 'istio.io/dataplane-mode': 'ambient' },
    { 'istio.io/rev': 'canary', 'istio.io/dataplane-mode': 'none' },
    { 'istio.io/dataplane-mode': 'ambient' },
    { 'istio.io/rev': 'canary' },
  ];
  it('the same namespaces flagged, over every label combination', async () => {
    const docs = combos.map((l, i) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `combo-${i}`, labels: l } }));
    // The injection analyzer reads live Namespaces only (it is skipped for files): the namespaces are created for it.
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs }) });
    let r: { status: number; stdout: string; stderr: string };
    try {
      r = runIstioctl(['analyze', '-A']);
    } finally {
      await kubectl(['delete', 'namespace', ...docs.map((d) => d.metadata.name), '--wait=false']);
    }
    const theirs = new Set([...(r.stdout + r.stderr).matchAll(/\[IST0123\] \(Namespace (combo-\d+)/g)].map((m) => m[1]));
    // The extension's side: `istio-revisions lint` on the same Namespaces as manifest files.
    const fs = await import('node:fs');
    const dir = fs.mkdtempSync(path.join(clusterState().dir, 'ist0123-'));
    docs.forEach((d) => fs.writeFileSync(path.join(dir, `${d.metadata.name}.yaml`), JSON.stringify(d) + '\n'));
    const ours = cli(['lint', dir, '-o', 'json'], { context: null });
    assert.ok(ours.json, ours.stderr);
    for (const [i, l] of combos.entries()) {
      const name = `combo-${i}`;
      const findings = ours.json.findings.filter((f: any) => f.code === 'IR001' && path.basename(f.file) === `${name}.yaml`);
      const cites = findings.some((f: any) => /IST0123/.test(f.message));
      recordConformance({
        area: 'lint',
        case: Object.entries(l)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
        tool: theirs.has(name) ? 'IST0123' : 'nothing',
        extension: findings.length ? `IR001${cites ? ' (IST0123)' : ' (own wording, no IST0123)'}` : 'nothing',
        agree: theirs.has(name) === cites,
      });
      assert.equal(
        cites,
        theirs.has(name),
        `${name} ${JSON.stringify(l)}: istioctl analyze ${theirs.has(name) ? 'reports' : 'does not report'} IST0123; IR001 says ${JSON.stringify(findings.map((f: any) => f.message))}\n${r.stdout}${r.stderr}`,
      );
    }
    assert.ok(theirs.size >= 4, `istioctl analyze reported IST0123 for ${[...theirs].join(', ')}:\n${r.stdout}${r.stderr}`);
  });
});
