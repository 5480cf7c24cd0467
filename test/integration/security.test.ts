/**
 * Security review, written as tests: permissions of a read-only and a
 * namespace-scoped user on the real RBAC of the local cluster; child processes only
 * with argument arrays; tokens and client keys never reach the log; the kubeconfig
 * is never copied.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planRelabel, planTagSet, planUninstall, restartRequest } from '../../src/istio';
import {
  ClusterClient,
  ClusterWatcher,
  checkPermissions,
  configForContext,
  describeK8sError,
  fetchTagInputs,
  fetchUninstallObjects,
  loadKubeconfigs,
  redact,
  runPlan,
  runRestarts,
} from '../../src/k8s';
import { clusterState, CONTEXT, kubectl, startWatcher, waitForPermission, disposeWatcher } from './helpers';

const root = path.resolve(__dirname, '../..');
function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? sourceFiles(p) : /\.(ts|tsx|js|mjs)$/.test(d.name) ? [p] : [];
  });
}

describe('security', function () {
  this.timeout(120_000);

  describe('permissions on the real RBAC', () => {
    let admin: ClusterWatcher;
    before(async () => {
      admin = await startWatcher();
      await kubectl([
        'create',
        'clusterrole',
        'ir-view',
        '--verb=get,list,watch',
        '--resource=namespaces,pods,services,configmaps,deployments.apps,mutatingwebhookconfigurations.admissionregistration.k8s.io,validatingwebhookconfigurations.admissionregistration.k8s.io',
      ]);
      await kubectl(['create', 'clusterrolebinding', 'ir-view', '--clusterrole=ir-view', '--user=readonly']);
      await kubectl(['create', 'role', 'ir-ns-a', '-n', 'ns-a', '--verb=get,list,watch,patch', '--resource=pods,deployments.apps']);
      await kubectl(['create', 'rolebinding', 'ir-ns-a', '-n', 'ns-a', '--role=ir-ns-a', '--user=nsuser']);
      await waitForPermission('local-readonly', { verb: 'list', group: '', resource: 'pods' });
      await waitForPermission('local-readonly', { verb: 'list', group: 'admissionregistration.k8s.io', resource: 'validatingwebhookconfigurations' });
      await waitForPermission('local-nsuser', { verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'ns-a' });
    });
    after(async () => {
      disposeWatcher(admin);
      await kubectl(['delete', 'clusterrolebinding', 'ir-view']);
      await kubectl(['delete', 'clusterrole', 'ir-view']);
      await kubectl(['delete', 'rolebinding', 'ir-ns-a', '-n', 'ns-a']);
      await kubectl(['delete', 'role', 'ir-ns-a', '-n', 'ns-a']);
    });

    it('a read-only user sees the whole model, and every action is refused before any change', async () => {
      const ro = await startWatcher('local-readonly');
      try {
        // the six core kinds read; DaemonSets (not in this role) and the Sail operator's kinds (not installed here) are left out quietly
        assert.deepEqual(
          [...ro.kindStatus].map(([k, s]) => `${k} ${s.state}`),
          [
            'MutatingWebhookConfiguration ok',
            'Deployment ok',
            'Service ok',
            'ConfigMap ok',
            'Namespace ok',
            'Pod ok',
            'DaemonSet absent',
            'Istio absent',
            'IstioRevision absent',
            'IstioRevisionTag absent',
          ],
        );
        assert.equal(ro.snapshot.podCount, admin.snapshot.podCount);
        const rvBefore = JSON.parse(await kubectl(['get', 'ns', 'ns-a', '-o', 'json'])).metadata.resourceVersion;
        const relabel = planRelabel(ro.snapshot, 'local-readonly', ['ns-a'], { kind: 'rev', value: 'canary' });
        assert.ok(relabel.ok);
        const r1 = await runPlan(ro.client, relabel.plan);
        assert.deepEqual([r1.ok, r1.done.length, r1.denied?.length], [false, 0, 1]);
        const i = await fetchTagInputs(ro.client, 'istio-system');
        assert.ok(i.ok);
        const tag = planTagSet({ cluster: 'local-readonly', tag: 'prod', revision: '1-8-0', overwrite: true, istioNamespace: 'istio-system', ...i.value });
        assert.ok(tag.ok);
        const r2 = await runPlan(ro.client, tag.plan);
        assert.deepEqual([r2.ok, r2.done.length], [false, 0]);
        assert.ok(r2.denied!.some((d) => d.permission.resource === 'mutatingwebhookconfigurations'));
        const objs = await fetchUninstallObjects(admin.client, '1-7-6');
        assert.ok(objs.ok, !objs.ok ? describeK8sError(objs.error) : '');
        const un = planUninstall({ cluster: 'local-readonly', revision: '1-7-6', objects: objs.value });
        const r3 = await runPlan(ro.client, un);
        assert.deepEqual([r3.ok, r3.done.length], [false, 0]);
        const r4 = await runRestarts(ro.client, [{ kind: 'Deployment', namespace: 'ns-a', name: 'httpbin' }], { batchSize: 1 });
        assert.ok(r4.denied?.length);
        assert.equal(JSON.parse(await kubectl(['get', 'ns', 'ns-a', '-o', 'json'])).metadata.resourceVersion, rvBefore, 'nothing changed');
        assert.equal(
          JSON.parse(await kubectl(['get', 'mutatingwebhookconfiguration', 'istio-revision-tag-prod', '-o', 'json'])).metadata.labels['istio.io/rev'],
          '1-7-6',
        );
      } finally {
        disposeWatcher(ro);
      }
    });

    it('a namespace-scoped user: each kind it may not list is marked, naming the verb and resource', async () => {
      const u = new ClusterWatcher(clientFor('local-nsuser'));
      try {
        const phase = await u.start(false);
        assert.equal(phase.phase, 'ready', 'the cluster is reachable; what is missing is marked per kind');
        const marks = [...u.kindStatus].map(([k, s]) => [k, s.state, 'error' in s ? describeK8sError(s.error) : '']);
        // every core kind is marked forbidden, naming verb and resource; the optional kinds (DaemonSets, Sail) are left out quietly (absent), not reported
        const sailKinds = ['DaemonSet', 'Istio', 'IstioRevision', 'IstioRevisionTag'];
        for (const [kind, state] of marks) assert.equal(state, sailKinds.includes(kind) ? 'absent' : 'forbidden', `${kind}: ${JSON.stringify(marks)}`);
        const pods = marks.find(([k]) => k === 'Pod')!;
        assert.match(
          pods[2],
          /^Cluster "local-nsuser": cannot list pods: forbidden — pods is forbidden: User "nsuser" cannot list resource "pods" in API group "" at the cluster scope/,
        );
        // What it may do in ns-a is allowed; elsewhere refused — checked before any change.
        const ok = await checkPermissions(u.client, [restartRequest({ kind: 'Deployment', namespace: 'ns-a', name: 'httpbin' }, 'x').permission]);
        assert.deepEqual(ok.ok && ok.value, []);
        const denied = await checkPermissions(u.client, [restartRequest({ kind: 'Deployment', namespace: 'ns-b', name: 'httpbin' }, 'x').permission]);
        assert.equal(denied.ok && denied.value.length, 1);
        const rep = await runRestarts(
          u.client,
          [
            { kind: 'Deployment', namespace: 'ns-a', name: 'sleep' },
            { kind: 'Deployment', namespace: 'ns-b', name: 'sleep' },
          ],
          { batchSize: 1 },
        );
        assert.deepEqual(
          rep.denied?.map((d) => `${d.permission.verb} ${d.permission.resource} ${d.permission.namespace}`),
          ['patch deployments ns-b', 'get deployments ns-b'],
        );
        assert.deepEqual(rep.completed, [], 'ns-a was not restarted either: the plan is refused whole');
      } finally {
        disposeWatcher(u);
      }
    });
  });

  describe('a namespace-scoped user whose context names its namespace', () => {
    before(async () => {
      await kubectl(['create', 'role', 'ir-ns-a-read', '-n', 'ns-a', '--verb=get,list,watch', '--resource=pods']);
      await kubectl(['create', 'rolebinding', 'ir-ns-a-read', '-n', 'ns-a', '--role=ir-ns-a-read', '--user=nsuser']);
      await waitForPermission('local-nsuser', { verb: 'list', group: '', resource: 'pods', namespace: 'ns-a' });
    });
    after(async () => {
      await kubectl(['delete', 'rolebinding', 'ir-ns-a-read', '-n', 'ns-a']);
      await kubectl(['delete', 'role', 'ir-ns-a-read', '-n', 'ns-a']);
    });

    it('sees the proxies of its namespace, marked as scoped, without guessing what the unreadable labels resolve to', async () => {
      const st = clusterState();
      const text = fs.readFileSync(st.kubeconfig, 'utf8').replace(/(- name: "?local-nsuser"?\n {2}context:\n)/, '$1    namespace: ns-a\n');
      assert.ok(text.includes('namespace: ns-a'), 'the context got a namespace');
      const kc = path.join(st.dir, 'nsuser-scoped-kubeconfig');
      fs.writeFileSync(kc, text);
      const loaded = loadKubeconfigs([kc]);
      const cfg = configForContext(loaded, 'local-nsuser');
      assert.ok(cfg.ok);
      const w = new ClusterWatcher(new ClusterClient('local-nsuser', cfg.config), {
        scopeNamespace: loaded.contexts.find((c) => c.name === 'local-nsuser')!.namespace,
      });
      try {
        assert.equal((await w.start(false)).phase, 'ready');
        const pods = w.kindStatus.get('Pod')!;
        assert.equal(pods.state, 'scoped');
        assert.match(pods.state === 'scoped' ? describeK8sError(pods.error) : '', /cannot list pods: forbidden/);
        assert.equal(w.kindStatus.get('Namespace')!.state, 'forbidden');
        const v = w.snapshot.namespace('ns-a')!;
        assert.deepEqual([v.labelsKnown, v.stats.pods, v.stats.proxies, v.stats.stale], [false, 3, 3, 0]);
        assert.deepEqual([...v.stats.byRevision], [['1-7-6', 3]]);
        assert.deepEqual(w.snapshot.namespaceNames(), ['ns-a'], 'nothing outside its namespace');
      } finally {
        disposeWatcher(w);
      }
    });
  });

  describe('processes, logs and kubeconfig', () => {
    it('child processes only with argument arrays: no shell anywhere in src/', () => {
      const offenders: string[] = [];
      for (const f of sourceFiles(path.join(root, 'src'))) {
        const t = fs.readFileSync(f, 'utf8');
        if (/shell:\s*true/.test(t)) offenders.push(`${f}: shell: true`);
        // exec/execSync run through a shell: imported from child_process, or called on it (a RegExp's .exec() is not one).
        if (/import\s*\{[^}]*\b(exec|execSync)\b[^}]*\}\s*from\s*['"](node:)?child_process|child_process\)?\.(exec|execSync)\s*\(/.test(t))
          offenders.push(`${f}: exec()`);
        if (/child_process/.test(t) && !f.endsWith(path.join('tools', 'process.ts')) && !f.endsWith(path.join('k8s', 'kubeconfig.ts')))
          offenders.push(`${f}: spawns processes outside src/tools/process.ts`);
      }
      assert.deepEqual(offenders, []);
      assert.match(fs.readFileSync(path.join(root, 'src/tools/process.ts'), 'utf8'), /shell: false/);
    });

    it('the kubeconfig is never copied or written by the extension', () => {
      const writers: string[] = [];
      for (const f of sourceFiles(path.join(root, 'src'))) {
        const t = fs.readFileSync(f, 'utf8');
        if (/\b(writeFile|writeFileSync|copyFile|copyFileSync|createWriteStream|appendFile)\b/.test(t)) writers.push(f);
      }
      assert.deepEqual(writers, []);
    });

    it('tokens, client keys and certificates never reach the log, even after failed authentications', async () => {
      const st = clusterState();
      const kcText = fs.readFileSync(st.kubeconfig, 'utf8');
      const secrets = [
        ...[...kcText.matchAll(/token: "?([^"\n]+)"?/g)].map((m) => m[1]),
        ...[...kcText.matchAll(/client-key-data: (\S+)/g)].map((m) => m[1]),
        ...[...kcText.matchAll(/client-certificate-data: (\S+)/g)].map((m) => m[1]),
      ];
      assert.ok(secrets.length >= 4, 'the kubeconfig has tokens and a client key');
      const logged: string[] = [];
      const log = { debug: (m: string) => logged.push(redact(m)) };
      for (const context of [CONTEXT, 'local-certadmin']) {
        const cfg = configForContext(loadKubeconfigs([st.kubeconfig]), context);
        assert.ok(cfg.ok);
        const c = new ClusterClient(context, cfg.config, log);
        const w = new ClusterWatcher(c, { log: (m) => logged.push(redact(m)) });
        const phase = await w.start(false);
        logged.push(redact(JSON.stringify(phase)));
        const res = await c.request({ path: '/api/v1/namespaces/ns-a/secrets', verb: 'list', resource: 'secrets' });
        logged.push(redact(res.ok ? 'ok' : describeK8sError(res.error)));
        w.dispose();
        c.dispose();
      }
      // a rejected token: the error says so without repeating it
      const bad = kcText.replace(/token: "?([^"\n]+)"?/, 'token: "leaked-token-value-123"');
      const badFile = path.join(st.dir, 'bad-token-kubeconfig');
      fs.writeFileSync(badFile, bad);
      const cfg = configForContext(loadKubeconfigs([badFile]), CONTEXT);
      assert.ok(cfg.ok);
      const c = new ClusterClient(CONTEXT, cfg.config, log);
      const r = await c.request({ path: '/api/v1/pods', verb: 'list', resource: 'pods' });
      assert.equal(r.ok, false);
      logged.push(describeK8sError(!r.ok ? r.error : (undefined as never)));
      c.dispose();
      assert.ok(logged.length > 5);
      const text = logged.join('\n');
      for (const s of [...secrets, 'leaked-token-value-123']) assert.ok(!text.includes(s), `a secret reached the log: ${s.slice(0, 8)}…`);
      assert.doesNotMatch(text, /PRIVATE KEY/);
      // and redact() itself removes what might slip into a message
      assert.equal(redact('Authorization: Bearer abc.def-ghi'), 'Authorization: Bearer <redacted>');
      assert.equal(redact('user: {token: s3cr3t, client-key-data: AAAA}'), 'user: {token: <redacted>, client-key-data: <redacted>}');
    });
  });
});

function clientFor(context: string): ClusterClient {
  const cfg = configForContext(loadKubeconfigs([clusterState().kubeconfig]), context);
  if (!cfg.ok) throw new Error(cfg.message);
  return new ClusterClient(context, cfg.config);
}
