/**
 * Further extension-host checks, one entry per feature. Each names what it `requires`
 * (registered commands, strings in the extension's bundle); a build that lacks it fails the
 * check (nothing is skipped). Adding a check = appending one entry to FURTHER_CHECKS.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import { seedExpectations } from '../../cluster/seed.mjs';

const seed = seedExpectations();
import { clusterTree, EXTENSION_ID, say, registeredCommands, row, waitFor, waitNamespaceRow } from './helpers';
import { getJson, request, type KubeTarget } from './kube';
import diagnosticsSample from '../fixtures/diagnostics.yaml';

export interface CheckContext {
  api: ExtensionApi;
  kube: KubeTarget;
  context: string;
}

export interface FurtherCheck {
  title: string;
  requires: {
    /** Command ids that must be registered. */
    commands?: string[];
    /** Strings that must occur in the extension's bundled main file (feature detection for non-command features). */
    bundle?: string[];
  };
  run(ctx: CheckContext): Promise<void>;
}

/** What of `check.requires` this build lacks (empty: run it). */
export async function missingRequirements(check: FurtherCheck): Promise<string[]> {
  const missing: string[] = [];
  if (check.requires.commands?.length) {
    const registered = await registeredCommands();
    for (const c of check.requires.commands) if (!registered.has(c)) missing.push(`command ${c}`);
  }
  if (check.requires.bundle?.length) {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    const main = ext ? path.join(ext.extensionPath, ext.packageJSON.main ?? 'dist/extension.js') : '';
    const text = main && fs.existsSync(main) ? fs.readFileSync(main, 'utf8') : '';
    for (const s of check.requires.bundle) if (!text.includes(s)) missing.push(`"${s}" in ${path.basename(main) || 'the bundle'}`);
  }
  return missing;
}

const tagRevision = async (kube: KubeTarget, tag: string): Promise<string | undefined> =>
  (await getJson(kube, `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-revision-tag-${tag}`)).metadata?.labels?.['istio.io/rev'];

/** Moves tag `prod` to 1-8-0 through the command, checks the webhook object and the tree, then moves it back. */
const tagMove: FurtherCheck = {
  title: 'istioRevisions.tag.move points prod at 1-8-0 (and back)',
  requires: { commands: ['istioRevisions.tag.move'] },
  async run({ api, kube, context }) {
    const from = seed.tags.prod;
    assert.equal(await tagRevision(kube, 'prod'), from, 'seed state: prod → 1-7-6');
    const move = (revision: string) =>
      vscode.commands.executeCommand('istioRevisions.tag.move', { context, name: 'prod', type: 'tag' }, undefined, {
        revision,
        assumeYes: true,
        restart: 'no',
      });
    try {
      await move('1-8-0');
      await waitFor('MWC istio-revision-tag-prod → 1-8-0', async () => (await tagRevision(kube, 'prod')) === '1-8-0', 15_000);
      await waitFor('tree: tag prod → 1-8-0', async () => {
        api.tree.flush();
        return row((await clusterTree(api)).groups.get('Tags'), 'prod').description.startsWith('→ 1-8-0');
      });
      await waitNamespaceRow(api, 'ns-a', 'istio.io/rev=prod → 1-8-0');
    } finally {
      if ((await tagRevision(kube, 'prod')) !== from) await move(from);
    }
    await waitFor(`MWC istio-revision-tag-prod back → ${from}`, async () => (await tagRevision(kube, 'prod')) === from, 15_000);
    await waitNamespaceRow(api, 'ns-a', `istio.io/rev=prod → ${from}`);
  },
};

/** Expected diagnostic codes on test/vscode/fixtures/diagnostics.yaml with the seed cluster active. */
export const EXPECTED_DIAGNOSTIC_CODES = ['IR001', 'IR002', 'IR006'];

const diagnostics: FurtherCheck = {
  title: `diagnostics on a sample manifest: ${EXPECTED_DIAGNOSTIC_CODES.join(', ')}`,
  requires: { bundle: ['createDiagnosticCollection'] },
  async run() {
    const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: diagnosticsSample });
    await vscode.window.showTextDocument(doc);
    try {
      const codes = await waitFor(
        `diagnostics ${EXPECTED_DIAGNOSTIC_CODES.join(', ')}`,
        () => {
          const got = vscode.languages
            .getDiagnostics(doc.uri)
            .filter((d) => d.source === 'Istio Revisions')
            .map((d) => String(typeof d.code === 'object' ? d.code.value : d.code));
          if (!EXPECTED_DIAGNOSTIC_CODES.every((c) => got.includes(c))) throw new Error(`got [${got.join(', ')}]`);
          return got;
        },
        20_000,
      );
      say(`      diagnostics: ${[...new Set(codes)].sort().join(', ')}`);
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  },
};

const proxyStatusPanel: FurtherCheck = {
  title: 'istioRevisions.proxyStatus.show opens the Proxy status webview',
  requires: { commands: ['istioRevisions.proxyStatus.show'] },
  async run({ context }) {
    const isPanel = (t: vscode.Tab) => t.input instanceof vscode.TabInputWebview && /istioRevisions\.proxyStatus/.test(t.input.viewType);
    await vscode.commands.executeCommand('istioRevisions.proxyStatus.show', { context, type: 'cluster' });
    const tab = await waitFor('a Proxy status tab', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find(isPanel), 15_000);
    say(`      panel tab: "${tab.label}"`);
    await vscode.window.tabGroups.close(tab);
  },
};

/**
 * The kubeconfig changing while the extension runs: an extra kubeconfig file (added through the
 * setting) is edited on disk; the extension reloads it by itself, reports the broken credentials
 * on that cluster only, and recovers when the file is fixed — the main cluster keeps its watches.
 */
const kubeconfigChange: FurtherCheck = {
  title: 'a kubeconfig file edited while the extension runs is reloaded; only its cluster restarts',
  requires: { commands: ['istioRevisions.refresh'] },
  async run({ api, context }) {
    const { kubeconfigPath } = await import('./kube');
    const os = await import('node:os');
    const original = fs.readFileSync(kubeconfigPath(), 'utf8');
    const tokenLine = /^(\s*)token: .*$/m.exec(original);
    assert.ok(tokenLine, 'the local kubeconfig has a token user');
    const server = /server: (\S+)/.exec(original)![1];
    const ca = /certificate-authority-data: (\S+)/.exec(original)![1];
    const token = tokenLine[0].trim().slice('token: '.length).replace(/^"|"$/g, '');
    const extra = (tok: string) =>
      `apiVersion: v1\nkind: Config\nclusters:\n- name: extra-cluster\n  cluster:\n    server: ${server}\n    certificate-authority-data: ${ca}\nusers:\n- name: extra-user\n  user:\n    token: "${tok}"\ncontexts:\n- name: ir-extra\n  context:\n    cluster: extra-cluster\n    user: extra-user\n`;
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ir-kc-')), 'extra.yaml');
    fs.writeFileSync(file, extra(token));
    const cfg = vscode.workspace.getConfiguration('istioRevisions');
    const mainWatcher = api.clusters.get(context)?.watcher;
    try {
      await cfg.update('kubeconfigPaths', [file], vscode.ConfigurationTarget.Global);
      await cfg.update('contexts', [context, 'ir-extra'], vscode.ConfigurationTarget.Global);
      await waitFor('ir-extra ready', () => api.clusters.get('ir-extra')?.watcher?.phase.phase === 'ready', 30_000);
      fs.writeFileSync(file, extra('expired-token'));
      const err: string = await waitFor(
        'ir-extra reports the rejected credentials',
        () => {
          const ph = api.clusters.get('ir-extra')?.watcher?.phase;
          return ph?.phase === 'error' ? ph.message : undefined;
        },
        30_000,
      );
      assert.match(err, /^Cluster "ir-extra": cannot list [a-z]+: unauthorized/);
      assert.equal(api.clusters.get(context)?.watcher, mainWatcher, 'the main cluster was not restarted');
      assert.equal(api.clusters.get(context)?.watcher?.phase.phase, 'ready');
      fs.writeFileSync(file, extra(token));
      await waitFor('ir-extra recovers', () => api.clusters.get('ir-extra')?.watcher?.phase.phase === 'ready', 30_000);
      say(`      kubeconfig edit → "${err.slice(0, 80)}…" → recovered`);
    } finally {
      await restoreMainCluster(api, context);
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  },
};

/**
 * A user the cluster's RBAC grants nothing (context local-readonly, no bindings): the tree
 * shows that cluster with one clear mark per kind it may not list, naming verb and resource,
 * and the other cluster is unaffected.
 */
const forbiddenMarks: FurtherCheck = {
  title: 'a user without read permissions: the tree marks each kind it may not list',
  requires: { commands: ['istioRevisions.refresh'] },
  async run({ api, context }) {
    const { rows } = await import('./helpers');
    const cfg = vscode.workspace.getConfiguration('istioRevisions');
    try {
      await cfg.update('contexts', [context, 'local-readonly'], vscode.ConfigurationTarget.Global);
      await waitFor('local-readonly loaded', () => api.clusters.get('local-readonly')?.watcher?.phase.phase === 'ready', 30_000);
      const top = await rows(api);
      const ro = top.find((r) => r.label === 'local-readonly');
      assert.ok(ro, `rows: ${top.map((r) => r.label).join(', ')}`);
      const children = await rows(api, ro.node);
      const marks = children.filter((r) => /^istio\.error\b/.test(r.contextValue)).map((r) => r.label);
      for (const res of ['mutatingwebhookconfigurations', 'deployments', 'services', 'configmaps', 'namespaces', 'pods']) {
        assert.ok(
          marks.some((m) => m.startsWith(`Cluster "local-readonly": cannot list ${res}`) && m.includes('forbidden')),
          `no mark for ${res}: ${JSON.stringify(marks)}`,
        );
      }
      assert.equal(api.clusters.get(context)?.watcher?.phase.phase, 'ready', 'the other cluster is unaffected');
      say(`      ${marks.length} marks, e.g. "${marks[0].slice(0, 90)}…"`);
    } finally {
      await restoreMainCluster(api, context);
    }
  },
};

/**
 * Verify Injection with the Cluster on ns-c (the bench's real istiod answers a dry-run create),
 * the tree marks the workloads verified, and the answer equals the pods a restart then creates.
 */
const verifyInjection: FurtherCheck = {
  title: 'istioRevisions.injection.verify asks the real istiod; a restart then creates exactly that',
  requires: { commands: ['istioRevisions.injection.verify'] },
  async run({ api, kube, context }) {
    type Answer = {
      target: { namespace: string; kind: string; name: string };
      agrees?: boolean;
      difference?: string;
      error?: string;
      cluster?: { injected: boolean; revision?: string; proxyImage?: string; native?: boolean };
    };
    const res = await vscode.commands.executeCommand<{ verifications: Answer[]; denied?: unknown }>('istioRevisions.injection.verify', {
      context,
      type: 'namespace',
      name: 'ns-c',
    });
    assert.ok(res, 'the command returned no result (it failed: see the log)');
    assert.equal(res.denied, undefined);
    assert.deepEqual(res.verifications.map((v) => v.target.name).sort(), ['httpbin', 'sleep']);
    for (const v of res.verifications) {
      assert.equal(v.agrees, true, `${v.target.name}: ${v.difference ?? v.error}`);
      assert.equal(v.cluster?.revision, seed.namespaces['ns-c'].revision);
    }
    await waitFor('workload rows of ns-c marked verified', async () => {
      api.tree.flush();
      const nsRow = row((await clusterTree(api)).groups.get('Namespaces'), 'ns-c');
      const ws = await api.tree.getChildren(nsRow.node);
      const items = await Promise.all((ws ?? []).map((n) => api.tree.getTreeItem(n)));
      if (!items.length || !items.every((it) => String(it.description).includes('verified'))) throw new Error(items.map((it) => it.description).join(' | '));
      return true;
    });
    const answer = res.verifications.find((v) => v.target.name === 'sleep')!.cluster!;
    const sleepPods = async () =>
      (await getJson(kube, '/api/v1/namespaces/ns-c/pods?labelSelector=app%3Dsleep')).items.filter((p: any) => !p.metadata.deletionTimestamp);
    const before = new Set((await sleepPods()).map((p: any) => p.metadata.name));
    await vscode.commands.executeCommand(
      'istioRevisions.workload.restart',
      { context, namespace: 'ns-c', kind: 'Deployment', name: 'sleep', type: 'workload' },
      undefined,
      { assumeYes: true },
    );
    const pod = await waitFor(
      'a new sleep pod in ns-c',
      async () => {
        const pods = await sleepPods();
        return pods.length === 1 && !before.has(pods[0].metadata.name) ? pods[0] : undefined;
      },
      60_000,
    );
    const init = (pod.spec.initContainers ?? []).find((c: any) => c.name === 'istio-proxy');
    const proxy = init ?? pod.spec.containers.find((c: any) => c.name === 'istio-proxy');
    assert.deepEqual([pod.metadata.annotations['istio.io/rev'], proxy?.image, !!init], [answer.revision, answer.proxyImage, answer.native]);
    say(`      ns-c/sleep: cluster said ${answer.revision} ${answer.proxyImage}; the restart created ${pod.metadata.name} with the same`);
  },
};

/**
 * The injector of ns-c's revision down (istiod-1-8-0 scaled to zero, so the bench stops its real istiod):
 * the tree warns on ns-c before anyone restarts, and a restart there is refused before any change.
 */
const injectorDown: FurtherCheck = {
  title: 'injector down: the tree warns on ns-c and a restart there is refused before any change',
  requires: { commands: ['istioRevisions.namespace.restart'], bundle: ['injectorDown'] },
  async run({ api, kube, context }) {
    const scale = (replicas: number) =>
      request(kube, 'PATCH', '/apis/apps/v1/namespaces/istio-system/deployments/istiod-1-8-0/scale', { spec: { replicas } }, 'application/merge-patch+json');
    const generation = async () => (await getJson(kube, '/apis/apps/v1/namespaces/ns-c/deployments/sleep')).metadata?.generation;
    const nsItem = async () => {
      api.tree.flush();
      return api.tree.getTreeItem(row((await clusterTree(api)).groups.get('Namespaces'), 'ns-c').node);
    };
    const before = await generation();
    assert.equal((await scale(0)).status, 200);
    try {
      const item = await waitFor(
        'ns-c marked injectorDown in the tree',
        async () => {
          const it = await nsItem();
          if (!String(it.contextValue).includes('+injectorDown')) throw new Error(`contextValue ${it.contextValue}`);
          return it;
        },
        30_000,
      );
      const tip = typeof item.tooltip === 'string' ? item.tooltip : ((item.tooltip as vscode.MarkdownString | undefined)?.value ?? '');
      assert.match(tip, /istiod has no ready replica/, `tooltip: ${tip}`);
      say(`      ns-c: ${item.description}`);
      const res = await vscode.commands.executeCommand('istioRevisions.namespace.restart', { context, type: 'namespace', name: 'ns-c' }, undefined, {
        onlyStale: false,
        assumeYes: true,
      });
      assert.equal(res, undefined, 'the restart ran');
      assert.equal(await generation(), before, 'sleep was patched although the restart was refused');
    } finally {
      assert.equal((await scale(1)).status, 200);
    }
    await waitFor('the warning to clear', async () => !String((await nsItem()).contextValue).includes('+injectorDown') || undefined, 60_000);
  },
};

/**
 * The injector dies in the middle of a batched restart (batches of one: ns-c/sleep, ns-c/httpbin, ns-a/sleep).
 * sleep's rollout is held open by minReadySeconds; once its new pod is admitted, istiod-1-8-0 is scaled to
 * zero. httpbin's new pods are then rejected: the run stops there, httpbin is marked in the tree (and the
 * cluster offers Resume Restart); a resume while istiod is still down is refused before any change; once it
 * is back, the resume restarts what is left and the marks clear.
 */
const injectorDownMidRestart: FurtherCheck = {
  title: 'injector down mid-restart: the run stops, the tree marks the rejected workload, Resume Restart finishes once istiod is back',
  requires: { commands: ['istioRevisions.workload.restart', 'istioRevisions.restart.resume'], bundle: ['new pods rejected'] },
  async run({ api, kube, context }) {
    const dep = (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;
    const scale = (replicas: number) =>
      request(kube, 'PATCH', '/apis/apps/v1/namespaces/istio-system/deployments/istiod-1-8-0/scale', { spec: { replicas } }, 'application/merge-patch+json');
    const minReady = (seconds: number) => request(kube, 'PATCH', dep('ns-c', 'sleep'), { spec: { minReadySeconds: seconds } }, 'application/merge-patch+json');
    const item = async (ns: string, name: string) => {
      api.tree.flush();
      const n = api.tree.locate(context, ns, { kind: 'Deployment', name });
      assert.ok(n && n.type === 'workload', `no workload node ${ns}/${name}`);
      return api.tree.getTreeItem(n);
    };
    const clusterItem = async () => {
      api.tree.flush();
      return api.tree.getTreeItem((await clusterTree(api)).cluster.node);
    };
    const order = [
      { namespace: 'ns-c', name: 'sleep' },
      { namespace: 'ns-c', name: 'httpbin' },
      { namespace: 'ns-a', name: 'sleep' },
    ].map((w) => ({ context, type: 'workload', kind: 'Deployment', ...w }));
    // The model calls istiod ready from its Deployment; the real one may still be starting after the check before: wait until it injects.
    await injectorServes(kube);
    assert.equal((await minReady(20)).status, 200);
    const sleepBefore = (await getJson(kube, dep('ns-c', 'sleep'))).metadata.generation as number;
    let restarted = false;
    try {
      const run = vscode.commands.executeCommand('istioRevisions.workload.restart', order[0], order, {
        assumeYes: true,
        batchSize: 1,
        rolloutTimeoutMs: 120_000,
      });
      // sleep's new pod admitted (by the live istiod) before the injector goes
      await waitFor(
        "ns-c/sleep's new pod created",
        async () => {
          const d = await getJson(kube, dep('ns-c', 'sleep'));
          return (
            d.metadata.generation > sleepBefore &&
            d.status?.observedGeneration === d.metadata.generation &&
            (d.status?.updatedReplicas ?? 0) >= 1 &&
            (d.status?.replicas ?? 0) > 1
          );
        },
        30_000,
      );
      assert.equal((await scale(0)).status, 200);
      const t0 = Date.now();
      assert.equal(await run, undefined, 'the restart reported success although the injector is down');
      const stoppedAfter = (Date.now() - t0) / 1000;
      const httpbin = await waitFor(
        'ns-c/httpbin marked degraded',
        async () => {
          const it = await item('ns-c', 'httpbin');
          return String(it.contextValue).includes('+degraded') ? it : undefined;
        },
        10_000,
      );
      assert.match(String(httpbin.description), /new pods rejected/);
      const tip = (httpbin.tooltip as vscode.MarkdownString).value.replace(/\\(.)/g, '$1'); // unescaped markdown
      assert.match(tip, /rejected by webhook [a-z.-]*sidecar-injector\.istio\.io of revision 1-8-0/, tip);
      assert.ok(!String((await item('ns-c', 'sleep')).contextValue).includes('+degraded'), 'sleep rolled out before the injector went');
      assert.ok(!String((await item('ns-a', 'sleep')).contextValue).includes('+degraded'), 'ns-a/sleep was never reached');
      const left = api.tree.restarts.left(context).map((w) => `${w.namespace}/${w.name}`);
      assert.deepEqual(left, ['ns-c/httpbin', 'ns-a/sleep']);
      const cl = await clusterItem();
      assert.match(String(cl.contextValue), /\+resumable/);
      assert.match(String(cl.description), /restart stopped: 2 left/);
      say(`      stopped ${stoppedAfter.toFixed(1)} s after the injector went; httpbin: ${httpbin.description}`);

      // Resuming while istiod is still down is refused before any change.
      const nsaBefore = (await getJson(kube, dep('ns-a', 'sleep'))).metadata.generation;
      await waitFor('the tree to see 1-8-0 down', async () => (await nsInjectorDown(api)) || undefined, 30_000);
      assert.equal(
        await vscode.commands.executeCommand('istioRevisions.restart.resume', { context, type: 'cluster' }, undefined, { assumeYes: true }),
        undefined,
      );
      assert.equal((await getJson(kube, dep('ns-a', 'sleep'))).metadata.generation, nsaBefore, 'a refused resume changed ns-a/sleep');

      // istiod back: the resume restarts what is left (httpbin may have healed by itself meanwhile: the ReplicaSet controller retries).
      assert.equal((await scale(1)).status, 200);
      restarted = true;
      await waitFor('1-8-0 back in the tree', async () => !(await nsInjectorDown(api)) || undefined, 60_000);
      await injectorServes(kube);
      const stillLeft = api.tree.restarts.left(context).map((w) => `${w.namespace}/${w.name}`);
      assert.ok(stillLeft.includes('ns-a/sleep'), `left: ${stillLeft.join(', ')}`);
      const report = (await vscode.commands.executeCommand('istioRevisions.restart.resume', { context, type: 'cluster' }, undefined, {
        assumeYes: true,
        batchSize: 1,
        rolloutTimeoutMs: 180_000,
      })) as { completed: { namespace: string; name: string }[] } | undefined;
      assert.ok(report, 'the resume failed');
      assert.deepEqual(
        report.completed.map((w) => `${w.namespace}/${w.name}`),
        stillLeft,
      );
      await waitFor(
        'the marks to clear',
        async () => {
          const c = String((await clusterItem()).contextValue);
          const h = String((await item('ns-c', 'httpbin')).contextValue);
          return !c.includes('+resumable') && !h.includes('+degraded');
        },
        60_000,
      );
      say(`      resumed: ${report.completed.map((w) => `${w.namespace}/${w.name}`).join(', ')}`);
    } finally {
      await minReady(0);
      if (!restarted) await scale(1);
    }
  },
};

/** Until a pod created in ns-c (dry run) is admitted: the real istiod of 1-8-0 answers its webhook. */
async function injectorServes(kube: KubeTarget): Promise<void> {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'probe-', namespace: 'ns-c' },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  };
  await waitFor(
    'the injector of ns-c to answer',
    async () => (await request(kube, 'POST', '/api/v1/namespaces/ns-c/pods?dryRun=All', pod)).status === 201,
    60_000,
  );
}

async function nsInjectorDown(api: ExtensionApi): Promise<boolean> {
  api.tree.flush();
  const it = await api.tree.getTreeItem(row((await clusterTree(api)).groups.get('Namespaces'), 'ns-c').node);
  return String(it.contextValue).includes('+injectorDown');
}

/**
 * A credential plugin that waits for a login nobody gives (it sleeps): the tree says "Waiting for
 * credentials of <context>…" with Cancel; Cancel turns it into an error with Retry naming the plugin,
 * and the main cluster is untouched.
 */
const credentialsWait: FurtherCheck = {
  title: 'a credential plugin waiting for a login: the tree says so with Cancel, and Cancel leaves an error with Retry',
  requires: { commands: ['istioRevisions.cluster.cancel'], bundle: ['Waiting for credentials of'] },
  async run({ api, context }) {
    const { kubeconfigPath } = await import('./kube');
    const os = await import('node:os');
    const original = fs.readFileSync(kubeconfigPath(), 'utf8');
    const server = /server: (\S+)/.exec(original)![1];
    const ca = /certificate-authority-data: (\S+)/.exec(original)![1];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ir-login-'));
    const plugin = path.join(dir, 'fake-login');
    fs.writeFileSync(plugin, '#!/bin/sh\n# a login that waits for a browser nobody opens\nexec sleep 600\n', { mode: 0o755 });
    const file = path.join(dir, 'login.yaml');
    fs.writeFileSync(
      file,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: login-cluster\n  cluster:\n    server: ${server}\n    certificate-authority-data: ${ca}\nusers:\n- name: login-user\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: ${plugin}\n      interactiveMode: IfAvailable\ncontexts:\n- name: ir-login\n  context:\n    cluster: login-cluster\n    user: login-user\n`,
    );
    const cfg = vscode.workspace.getConfiguration('istioRevisions');
    const mainWatcher = api.clusters.get(context)?.watcher;
    const loginRow = async () => {
      api.tree.flush();
      const top = await api.tree.getChildren();
      const n = top.find((x) => x.type === 'cluster' && x.context === 'ir-login');
      assert.ok(n, 'no ir-login cluster row');
      const children = await api.tree.getChildren(n);
      return { item: await api.tree.getTreeItem(n), children: await Promise.all(children.map((c) => api.tree.getTreeItem(c))) };
    };
    try {
      await cfg.update('kubeconfigPaths', [file], vscode.ConfigurationTarget.Global);
      await cfg.update('contexts', [context, 'ir-login'], vscode.ConfigurationTarget.Global);
      const waiting = await waitFor(
        'ir-login waiting for credentials',
        async () => {
          const r = await loginRow();
          return String(r.item.contextValue).includes('+credentials') ? r : undefined;
        },
        20_000,
      );
      assert.equal(waiting.item.description, 'waiting for credentials…');
      const child = waiting.children[0];
      assert.equal(child.label, 'Waiting for credentials of ir-login…');
      assert.equal(child.description, `plugin "${plugin}"`);
      assert.match(String(child.contextValue), /^istio\.info\b.*\+credentials/);
      assert.equal(await vscode.commands.executeCommand('istioRevisions.cluster.cancel', { context: 'ir-login' }), true);
      const err = await waitFor(
        'ir-login shows the cancelled error with Retry',
        async () => {
          const r = await loginRow();
          return String(r.item.contextValue).includes('+error') ? r : undefined;
        },
        10_000,
      );
      const ph = api.clusters.get('ir-login')?.watcher?.phase;
      assert.equal(ph?.phase, 'error');
      assert.match(
        ph.phase === 'error' ? ph.message : '',
        /connecting was cancelled while waiting for the credential plugin ".*fake-login" of context "ir-login"/,
      );
      assert.ok(!/\n\s+at /.test(ph.phase === 'error' ? ph.message : ''), 'no stack trace');
      assert.equal(err.item.description, 'cancelled');
      assert.equal(api.clusters.get(context)?.watcher, mainWatcher, 'the main cluster was not restarted');
      assert.equal(api.clusters.get(context)?.watcher?.phase.phase, 'ready');
      say(`      ir-login: "${waiting.children[0].label}" → Cancel → ${ph.phase === 'error' ? ph.message.slice(0, 90) : ''}…`);
    } finally {
      await restoreMainCluster(api, context);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** Puts the settings a check changed back (contexts, kubeconfig paths) and waits until only the main cluster is shown. */
async function restoreMainCluster(api: ExtensionApi, context: string): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('istioRevisions');
  await cfg.update('contexts', undefined, vscode.ConfigurationTarget.Global);
  await cfg.update('kubeconfigPaths', undefined, vscode.ConfigurationTarget.Global);
  await waitFor(
    'back to the main cluster only',
    () =>
      api.clusters
        .list()
        .map((e) => e.context)
        .join() === context,
    30_000,
  );
}

export const FURTHER_CHECKS: FurtherCheck[] = [
  tagMove,
  diagnostics,
  proxyStatusPanel,
  kubeconfigChange,
  credentialsWait,
  forbiddenMarks,
  verifyInjection,
  injectorDown,
  injectorDownMidRestart,
];
