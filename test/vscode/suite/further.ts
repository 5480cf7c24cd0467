/**
 * Further extension-host checks, one entry per feature. An entry runs when the build under
 * test has what it `requires` (registered commands, strings in the extension's bundle) and is
 * reported as pending otherwise, so a feature being built elsewhere is checked from the first
 * build that has it. Adding a check = appending one entry to FURTHER_CHECKS.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';
import seed from '../seed-expectations.json';
import { clusterTree, EXTENSION_ID, say, registeredCommands, row, waitFor, waitNamespaceRow } from './helpers';
import { getJson, type KubeTarget } from './kube';
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
    const move = (revision: string) => vscode.commands.executeCommand('istioRevisions.tag.move',
      { context, name: 'prod', type: 'tag' }, undefined, { revision, assumeYes: true, restart: 'no' });
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
      const codes = await waitFor(`diagnostics ${EXPECTED_DIAGNOSTIC_CODES.join(', ')}`, () => {
        const got = vscode.languages.getDiagnostics(doc.uri)
          .filter((d) => d.source === 'Istio Revisions')
          .map((d) => String(typeof d.code === 'object' ? d.code.value : d.code));
        if (!EXPECTED_DIAGNOSTIC_CODES.every((c) => got.includes(c))) throw new Error(`got [${got.join(', ')}]`);
        return got;
      }, 20_000);
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

export const FURTHER_CHECKS: FurtherCheck[] = [tagMove, diagnostics, proxyStatusPanel];
