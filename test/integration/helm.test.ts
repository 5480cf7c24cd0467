/**
 * Helm installs, on two twin clusters of the `helm` scenario (Istio's Helm canary guide with the
 * pinned module's charts, real helm, real istiod per revision): on the guide twin the guide's own
 * commands run (helm, kubectl); on the other the extension's CLI does the same steps. After every
 * step the two clusters must be the same — Helm releases, webhook configurations, Istio Services
 * and Deployments, namespace labels, `istioctl tag list` — and afterwards helm reports no broken
 * release and no object names a release Helm no longer has.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { guideState, planHelmInstall } from '../../src/istio';
import { runPlan } from '../../src/k8s';
import { helmToolRunner } from '../../src/tools/helm';
import { client, recordConformance, waitFor, withModelOf } from './helpers';

const CONTEXT = 'istio-revisions-local';
type Twin = { dir: string; kubeconfig: string; binDir: string; state: any; stop(): Promise<void> };

describe('Helm installs: the extension vs the Helm guide on twin clusters (own clusters, scenario helm)', function () {
  this.timeout(900_000);
  let guide: Twin;
  let ext: Twin;
  let m: typeof import('../cluster/cluster.mjs');
  let s: typeof import('../cluster/scenarios.mjs');
  let charts: string;

  const helmOf = (t: Twin, args: string[], input?: string) => m.helm(t.state, args, { input });
  const kubectlOf = (t: Twin, args: string[], input?: string) => m.kubectl(t.state, args, { input });
  const cliOf = (t: Twin, args: string[]) => {
    const r = spawnSync(
      process.execPath,
      [
        path.resolve(__dirname, '../../dist/cli.js'),
        ...args,
        '--kubeconfig',
        t.kubeconfig,
        '--context',
        CONTEXT,
        '--helm',
        path.join(t.binDir, 'helm'),
        '--helm-chart',
        `istiod=${charts}/istio-control/istio-discovery`,
        '--helm-chart',
        `base=${charts}/base`,
      ],
      { encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...m.helmEnv(t.state) } },
    );
    return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const cliOk = (t: Twin, args: string[]) => {
    const r = cliOf(t, args);
    assert.equal(r.status, 0, `istio-revisions ${args.join(' ')}: exit ${r.status}\n${r.stderr}\n${r.stdout.slice(-2000)}`);
    return r;
  };

  /** What a cluster looks like to a user, with what differs between any two clusters (ports, CA, uids, times) taken out. */
  async function view(t: Twin): Promise<any> {
    await m.apiRequest(t.state, 'GET', '/version');
    const front = `https://127.0.0.1:${t.state.ports.istiod}`;
    const clean = (o: any): any => JSON.parse(JSON.stringify(o).split(front).join('<front>'));
    const get = async (p: string) => (await m.apiRequest(t.state, 'GET', p)).json.items as any[];
    const labels = (l: Record<string, string> | undefined) => Object.fromEntries(Object.entries(l ?? {}).sort());
    const annotations = (a: Record<string, string> | undefined) =>
      Object.fromEntries(
        Object.entries(a ?? {})
          .filter(([k]) => k.startsWith('meta.helm.sh/'))
          .sort(),
      );
    const hook = (w: any) => ({
      name: w.name,
      url: w.clientConfig?.url,
      service: w.clientConfig?.service,
      namespaceSelector: w.namespaceSelector,
      objectSelector: w.objectSelector,
      failurePolicy: w.failurePolicy,
      rules: w.rules,
    });
    const releases = JSON.parse(helmOf(t, ['list', '-A', '--deployed', '--failed', '--pending', '--uninstalling', '-o', 'json'])).map((r: any) => ({
      name: r.name,
      namespace: r.namespace,
      status: r.status,
      chart: r.chart,
      revision: r.revision,
    }));
    return clean({
      releases: releases.sort((a: any, b: any) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`)),
      mwcs: (await get('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations')).map((o) => ({
        name: o.metadata.name,
        labels: labels(o.metadata.labels),
        annotations: annotations(o.metadata.annotations),
        webhooks: (o.webhooks ?? []).map(hook),
      })),
      vwcs: (await get('/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations')).map((o) => ({
        name: o.metadata.name,
        labels: labels(o.metadata.labels),
        annotations: annotations(o.metadata.annotations),
        webhooks: (o.webhooks ?? []).map(hook),
      })),
      services: (await get('/api/v1/namespaces/istio-system/services')).map((o) => ({
        name: o.metadata.name,
        labels: labels(o.metadata.labels),
        annotations: annotations(o.metadata.annotations),
        selector: o.spec.selector,
        ports: o.spec.ports,
      })),
      deployments: (await get('/apis/apps/v1/deployments'))
        .filter((o) => o.metadata.namespace !== 'kube-system')
        .map((o) => `${o.metadata.namespace}/${o.metadata.name}`)
        .sort(),
      namespaces: (await get('/api/v1/namespaces')).map((o) => ({
        name: o.metadata.name,
        labels: Object.fromEntries(Object.entries(labels(o.metadata.labels)).filter(([k]) => k !== 'kubernetes.io/metadata.name')),
      })),
      tagList: m.istioctl(t.state, ['tag', 'list', '--kubeconfig', t.kubeconfig, '-o', 'json']),
    });
  }

  async function settle(t: Twin): Promise<void> {
    await s.waitWebhooksRewired(t.state);
  }

  async function compare(step: string, guideCommands: string, extCommand: string): Promise<any> {
    await Promise.all([settle(guide), settle(ext)]);
    const [a, b] = await Promise.all([view(guide), view(ext)]);
    const differs = Object.keys(a).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
    recordConformance({ area: 'Helm', case: step, tool: guideCommands, extension: extCommand, agree: differs.length === 0 });
    for (const k of differs) assert.deepEqual(b[k], a[k], `${step}: ${k} differs between the guide twin and the extension twin`);
    return b;
  }
  const mwc = (v: any, name: string) => v.mwcs.find((x: any) => x.name === name);

  before(async () => {
    m = await import('../cluster/cluster.mjs');
    s = await import('../cluster/scenarios.mjs');
    charts = s.istioChartDir();
    const start = async () => {
      const c = await m.startCluster({ scenario: 'helm', quiet: !process.env.ISTIO_REVISIONS_VERBOSE });
      return { dir: c.dir, kubeconfig: c.kubeconfig, binDir: c.binDir, state: m.readState(c.dir), stop: () => c.stop() };
    };
    [guide, ext] = await Promise.all([start(), start()]);
  });
  after(async () => {
    await Promise.all([guide?.stop(), ext?.stop()]);
  });

  it('the method and the release are detected (status -o json, the model)', async () => {
    const r = cliOk(ext, ['status', '-o', 'json']);
    const rep = JSON.parse(r.stdout);
    const by = Object.fromEntries(rep.revisions.map((x: any) => [x.name, x.installedBy]));
    assert.deepEqual(by.canary, {
      method: 'helm',
      release: { name: 'istiod-canary', namespace: 'istio-system' },
      owner: null,
      from: 'Deployment istio-system/istiod-canary',
    });
    assert.deepEqual(by.default, {
      method: 'helm',
      release: { name: 'istiod', namespace: 'istio-system' },
      owner: null,
      from: 'Deployment istio-system/istiod',
    });
    // the gateway chart's release (named as the guide names it) is a gateway following canary, not a workload sidecar
    assert.deepEqual(
      rep.gateways.map((g: any) => [`${g.namespace}/${g.workload}`, g.followsRevision, g.running]),
      [['istio-ingress/istio-ingress', 'canary', { canary: 1 }]],
    );
    const v = await compare('starting point (helm install istio-base, istiod, istiod-canary, istio-ingress)', "the guide's helm install commands", 'the same');
    assert.deepEqual(
      v.releases.map((r: any) => `${r.namespace}/${r.name} ${r.status}`),
      ['istio-ingress/istio-ingress deployed', 'istio-system/istio-base deployed', 'istio-system/istiod deployed', 'istio-system/istiod-canary deployed'],
    );
    assert.equal(mwc(v, 'istio-sidecar-injector-canary').annotations['meta.helm.sh/release-name'], 'istiod-canary');
  });

  it('move a namespace: kubectl label vs istio-revisions move', async () => {
    kubectlOf(guide, ['label', 'namespace', 'test-ns', 'istio-injection-', 'istio.io/rev=canary']);
    cliOk(ext, ['move', 'test-ns', '--to', 'canary', '--yes']);
    await compare(
      'move test-ns to canary',
      'kubectl label namespace test-ns istio-injection- istio.io/rev=canary',
      'istio-revisions move test-ns --to canary --yes',
    );
  });

  it('a tag the Helm way: helm template revision-tags | kubectl apply vs istio-revisions tag set', async () => {
    const plan = cliOk(ext, ['tag', 'set', 'prod-stable', '--revision', 'canary', '-o', 'json']);
    const doc = JSON.parse(plan.stdout);
    assert.match(doc.plan.title, /\(Helm\)/);
    assert.match(
      doc.plan.commands[0],
      /helm template istiod .* -s templates\/revision-tags-mwc\.yaml -s templates\/revision-tags-svc\.yaml --set 'revisionTags=\{prod-stable\}' --set revision=canary -n istio-system -f - \| kubectl apply -f -/,
    );
    const rendered = helmOf(guide, [
      'template',
      'istiod',
      `${charts}/istio-control/istio-discovery`,
      '-s',
      'templates/revision-tags-mwc.yaml',
      '-s',
      'templates/revision-tags-svc.yaml',
      '--set',
      'revisionTags={prod-stable}',
      '--set',
      'revision=canary',
      '-n',
      'istio-system',
    ]);
    kubectlOf(guide, ['apply', '-f', '-'], rendered);
    cliOk(ext, ['tag', 'set', 'prod-stable', '--revision', 'canary', '--yes']);
    const v = await compare(
      'tag prod-stable → canary',
      'helm template istiod <chart> -s templates/revision-tags-mwc.yaml -s templates/revision-tags-svc.yaml --set revisionTags={prod-stable} --set revision=canary | kubectl apply -f -',
      'istio-revisions tag set prod-stable --revision canary --yes',
    );
    const t = mwc(v, 'istio-revision-tag-prod-stable');
    assert.deepEqual(
      t.webhooks.map((w: any) => w.url),
      ['<front>/rev/canary/inject', '<front>/rev/canary/inject'],
    );
    assert.equal(t.labels['istio.io/tag'], 'prod-stable');
    assert.match(v.tagList, /prod-stable/);
    assert.ok(v.services.some((x: any) => x.name === 'istiod-revision-tag-prod-stable'));
  });

  it('the default revision the Helm way: tag default + helm upgrade istio-base --set defaultRevision vs istio-revisions tag set default', async () => {
    const rendered = helmOf(guide, [
      'template',
      'istiod',
      `${charts}/istio-control/istio-discovery`,
      '-s',
      'templates/revision-tags-mwc.yaml',
      '-s',
      'templates/revision-tags-svc.yaml',
      '--set',
      'revisionTags={default}',
      '--set',
      'revision=canary',
      '-n',
      'istio-system',
    ]);
    kubectlOf(guide, ['apply', '-f', '-'], rendered);
    helmOf(guide, ['upgrade', 'istio-base', `${charts}/base`, '-n', 'istio-system', '--reuse-values', '--set', 'defaultRevision=canary', '--skip-crds']);
    const r = cliOk(ext, ['tag', 'set', 'default', '--revision', 'canary', '--yes']);
    assert.match(r.stdout, /Done on istio-revisions-local: Make canary the default revision \(Helm\) \(2 request\(s\) and 1 helm step\(s\)\)/);
    const v = await compare(
      'default revision → canary',
      'helm template … revisionTags={default} | kubectl apply -f -; helm upgrade istio-base <chart> --reuse-values --set defaultRevision=canary --skip-crds',
      'istio-revisions tag set default --revision canary --yes',
    );
    const val = v.vwcs.find((x: any) => x.name === 'istiod-default-validator');
    assert.equal(val.labels['istio.io/rev'], 'canary');
    assert.equal(String(v.releases.find((r: any) => r.name === 'istio-base').revision), '2');
  });

  it('uninstall the old revision: refused while in use; after the restart, helm delete istiod vs istio-revisions uninstall', async () => {
    // the guided upgrade speaks Helm: its uninstall step names the release
    await withModelOf(ext.kubeconfig, (wg) => {
      const g = guideState(wg.snapshot);
      assert.equal(g.method, 'helm');
      assert.match(g.steps.find((x) => x.id === 'uninstall')!.detail, /helm uninstall istiod -n istio-system/);
    });
    const refused = cliOf(ext, ['uninstall', 'default', '--yes']);
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /revision default is still in use; refusing to uninstall/);
    assert.match(refused.stdout, /helm uninstall istiod -n istio-system/);
    // the guide: rollout restart of the moved namespace's workloads
    kubectlOf(guide, ['rollout', 'restart', 'deployment', '-n', 'test-ns']);
    kubectlOf(guide, ['rollout', 'status', 'deployment', '-n', 'test-ns', '--timeout=180s']);
    cliOk(ext, ['restart', 'test-ns', '--yes']);
    kubectlOf(ext, ['rollout', 'status', 'deployment', '-n', 'test-ns', '--timeout=180s']);
    for (const t of [guide, ext]) {
      await waitFor(
        'the old pods of test-ns gone',
        async () => {
          const pods = (await m.apiRequest(t.state, 'GET', '/api/v1/namespaces/test-ns/pods')).json.items;
          return pods.every((p: any) => p.metadata.annotations?.['istio.io/rev'] === 'canary' && !p.metadata.deletionTimestamp);
        },
        120_000,
      );
    }
    helmOf(guide, ['delete', 'istiod', '-n', 'istio-system']);
    const r = cliOk(ext, ['uninstall', 'default', '--yes']);
    assert.match(r.stdout, /Done on istio-revisions-local: Uninstall revision default \(helm uninstall istiod\)/);
    const v = await compare('uninstall revision default', 'helm delete istiod -n istio-system', 'istio-revisions uninstall default --yes');
    assert.equal(mwc(v, 'istio-sidecar-injector'), undefined);
    assert.ok(!v.deployments.includes('istio-system/istiod'));
  });

  it("a second canary the Helm way: helm install istiod-<rev> vs the extension's install plan run through the user's helm", async () => {
    helmOf(guide, ['install', 'istiod-canary2', `${charts}/istio-control/istio-discovery`, '-n', 'istio-system', '--set', 'revision=canary2']);
    const c = client(CONTEXT, 30_000, ext.kubeconfig);
    try {
      const plan = planHelmInstall({
        cluster: CONTEXT,
        revision: 'canary2',
        namespace: 'istio-system',
        chart: { ref: `${charts}/istio-control/istio-discovery` },
        beside: { name: 'istiod-canary', namespace: 'istio-system' },
      });
      const run = await runPlan(c, plan, {
        runTool: helmToolRunner({
          bin: path.join(ext.binDir, 'helm'),
          kubeconfig: [ext.kubeconfig],
          context: CONTEXT,
          env: { ...process.env, ...m.helmEnv(ext.state) },
        }),
      });
      assert.equal(run.ok, true, run.toolFailed?.message ?? run.failed?.message);
    } finally {
      c.dispose();
    }
    for (const t of [guide, ext]) m.kubectl(t.state, ['-n', 'istio-system', 'rollout', 'status', 'deployment/istiod-canary2', '--timeout=180s']);
    const v = await compare(
      'install canary2 (helm install istiod-canary2 --set revision=canary2)',
      'helm install istiod-canary2 <chart> -n istio-system --set revision=canary2',
      'planHelmInstall run through helm',
    );
    assert.ok(v.deployments.includes('istio-system/istiod-canary2'));
    assert.deepEqual(
      mwc(v, 'istio-sidecar-injector-canary2').webhooks.map((w: any) => w.url),
      ['<front>/rev/canary2/inject', '<front>/rev/canary2/inject'],
    );
  });

  it('afterwards: no broken release, no object naming a release Helm no longer has', async () => {
    const rels = JSON.parse(helmOf(ext, ['list', '-A', '--deployed', '--failed', '--pending', '--uninstalling', '-o', 'json']));
    assert.deepEqual(
      rels.filter((r: any) => r.status !== 'deployed').map((r: any) => `${r.name} ${r.status}`),
      [],
    );
    const known = new Set(rels.map((r: any) => `${r.namespace}/${r.name}`));
    const orphans: string[] = [];
    for (const p of [
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
      '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
      '/api/v1/services',
      '/api/v1/configmaps',
      '/apis/apps/v1/deployments',
      '/api/v1/serviceaccounts',
      '/apis/rbac.authorization.k8s.io/v1/clusterroles',
    ]) {
      for (const o of (await m.apiRequest(ext.state, 'GET', p)).json.items) {
        const a = o.metadata.annotations ?? {};
        if (a['meta.helm.sh/release-name'] && !known.has(`${a['meta.helm.sh/release-namespace']}/${a['meta.helm.sh/release-name']}`))
          orphans.push(`${o.kind ?? p} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      }
    }
    assert.deepEqual(orphans, []);
    // and the extension's model agrees with what is left: one revision, Helm-installed, the default
    await withModelOf(ext.kubeconfig, (w) => {
      const cp = w.snapshot.controlPlane;
      assert.deepEqual(
        cp.revisions.filter((r) => r.deployments.length).map((r) => [r.name, r.installedBy.kind, r.isDefault]),
        [
          ['canary', 'helm', true],
          ['canary2', 'helm', false],
        ],
      );
      assert.deepEqual(
        cp.tags.map((t) => [t.name, t.revision, t.installedBy.kind]),
        [
          ['default', 'canary', 'helmTemplate'],
          ['prod-stable', 'canary', 'helmTemplate'],
        ],
      );
    });
  });
});
