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
      await cfg.update('contexts', undefined, vscode.ConfigurationTarget.Global);
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

export const FURTHER_CHECKS: FurtherCheck[] = [tagMove, diagnostics, proxyStatusPanel, kubeconfigChange, forbiddenMarks, verifyInjection, injectorDown];
