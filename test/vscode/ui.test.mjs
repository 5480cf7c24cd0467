// UI test: the packaged extension (.vsix) installed in code-server (real VS Code workbench),
// driven by Debian Chromium through playwright-core, against the local cluster's `seed` scenario.
//   1. open the Istio Revisions container, expand the cluster, read revisions, tags and namespaces
//      from the rows (test-ns must show → 1-7-6, ns-c → 1-8-0, …: seedExpectations() of test/cluster/seed.mjs);
//   2. right-click test-ns → "Move to Revision or Tag…" → pick canary → confirm "Move";
//      read the namespace through the API: istio.io/rev=canary and no istio-injection;
//   3. further UI checks when the build has the feature (UI_CHECKS: the proxy-status panel, read
//      through the webview frames).
// Screenshots go to test-output/vscode/. Exit code 0 = every check passed.
//
//   node test/vscode/ui.test.mjs [--cluster-dir D] [--vsix dist/istio-revisions.vsix] [--keep]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  CONTAINER_TITLE,
  ensureSetup,
  exitOnSignals,
  keepTmp,
  launchBrowser,
  log,
  mkTmp,
  OUTPUT_DIR,
  ROOT,
  runFromPalette,
  secs,
  sleep,
  startCodeServer,
  tail,
  waitForWorkbench,
  widenSidebar,
} from './lib.mjs';
import { seedExpectations } from '../cluster/seed.mjs';

const seed = seedExpectations();
const SIDEBAR = '[id="workbench.parts.sidebar"]';

class CheckFailed extends Error {}
function check(cond, msg) {
  if (!cond) throw new CheckFailed(msg);
}

async function poll(what, fn, timeoutMs = 20_000, everyMs = 250) {
  const t0 = Date.now();
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - t0 > timeoutMs)
      throw new CheckFailed(`timed out after ${timeoutMs / 1000} s waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await sleep(everyMs);
  }
}

// ---- the tree as the workbench renders it ------------------------------------------

/** Every rendered row of the sidebar tree: { level, label, description, expanded }. */
export async function readTreeRows(page) {
  return page.locator(`${SIDEBAR} .monaco-list-row`).evaluateAll((els) =>
    els
      .map((el) => ({
        level: Number(el.getAttribute('aria-level') ?? 0),
        label: (el.querySelector('.label-name')?.textContent ?? '').trim(),
        description: (el.querySelector('.label-description')?.textContent ?? '').trim(),
        expanded: el.getAttribute('aria-expanded'),
        top: el.getBoundingClientRect().top,
      }))
      .sort((a, b) => a.top - b.top),
  );
}

/** Rows grouped under their level-2 group ("Control planes", …): Map group → [{label, description}]. */
export function groupRows(rows) {
  const groups = new Map();
  let current;
  for (const r of rows) {
    if (r.level === 2) {
      current = [];
      groups.set(r.label, current);
    } else if (r.level === 3 && current) current.push(r);
  }
  return groups;
}

function rowLocator(page, label, level) {
  return page
    .locator(`${SIDEBAR} .monaco-list-row[aria-level="${level}"]`)
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) }) })
    .first();
}

/** Right-click the tree row `label` at `level` and choose `item` from its context menu. */
async function contextMenu(page, label, level, item) {
  await rowLocator(page, label, level).click({ button: 'right' });
  const entry = page.locator('.monaco-menu .action-item', { hasText: item }).first();
  await entry.waitFor({ state: 'visible' });
  await entry.hover();
  await entry.locator('.action-label').click();
}

/** Loads the workbench on `workspace`, opens the Istio Revisions view and expands the cluster node. */
async function openClusterTree(page, server, workspace) {
  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
  await waitForWorkbench(page);
  const icon = page.locator(`.activitybar .action-item a[aria-label^="${CONTAINER_TITLE}"]`);
  await icon.waitFor({ state: 'visible', timeout: 30_000 });
  await icon.click();
  const clusterRow = rowLocator(page, seed.context, 1);
  await clusterRow.waitFor({ state: 'visible', timeout: 30_000 });
  if ((await clusterRow.getAttribute('aria-expanded')) === 'false') await clusterRow.click();
  await widenSidebar(page);
}

/** Results, screenshots and the step runner of one UI run; a failed step leaves `failure-<prefix><n>.png`. */
function recorder(getPage, failurePrefix) {
  const results = [];
  const screenshots = [];
  const shot = async (name, locator) => {
    const file = path.join(OUTPUT_DIR, name);
    await (locator ?? getPage()).screenshot({ path: file });
    screenshots.push(path.relative(ROOT, file));
    log('ui', `screenshot ${path.relative(ROOT, file)}`);
  };
  const step = async (title, fn) => {
    const s0 = Date.now();
    try {
      await fn();
      results.push({ title, ok: true });
      log('ui', `✔ ${title} (${secs(s0)} s)`);
      return true;
    } catch (e) {
      results.push({ title, ok: false, error: e });
      log('ui', `✘ ${title} (${secs(s0)} s)\n    ${e instanceof CheckFailed ? e.message : (e.stack ?? e)}`);
      if (getPage()) await shot(`failure-${failurePrefix}${results.length}.png`).catch(() => {});
      return false;
    }
  };
  const skip = (title, why) => {
    results.push({ title, skipped: true });
    log('ui', `- ${title} (skipped: ${why})`);
  };
  return { results, screenshots, shot, step, skip };
}

/** Checks the rows against the seed's expectations; returns a list of failures (empty = the tree is right). */
export function compareWithSeed(groups) {
  const fails = [];
  const find = (g, label) => (groups.get(g) ?? []).find((r) => r.label === label);
  for (const [name, want] of Object.entries(seed.revisions)) {
    const r = find('Control planes', name);
    if (!r) fails.push(`revision row ${name} missing`);
    else if (!r.description.startsWith(want.version) || want.default !== /(^| · )default( · |$)/.test(r.description))
      fails.push(`revision ${name}: "${r.description}"`);
  }
  for (const [tag, rev] of Object.entries(seed.tags)) {
    const r = find('Tags', tag);
    if (!r) fails.push(`tag row ${tag} missing`);
    else if (!r.description.startsWith(`→ ${rev}`)) fails.push(`tag ${tag}: "${r.description}", expected "→ ${rev}"`);
  }
  for (const [ns, want] of Object.entries(seed.namespaces)) {
    const r = find('Namespaces', ns);
    const expected = `${want.labels} → ${want.revision} · ${want.pods} pods`;
    if (!r) fails.push(`namespace row ${ns} missing`);
    else if (!r.description.startsWith(expected)) fails.push(`namespace ${ns}: "${r.description}", expected "${expected}"`);
  }
  return fails;
}

// ---- the cluster, through its API --------------------------------------------------

async function clusterApi(clusterDir) {
  const cluster = await import(path.join(ROOT, 'test/cluster/cluster.mjs'));
  const state = cluster.readState(clusterDir);
  return {
    state,
    async nsLabels(name) {
      const r = await cluster.apiRequest(state, 'GET', `/api/v1/namespaces/${name}`);
      if (r.status !== 200) throw new Error(`GET namespace ${name}: HTTP ${r.status}`);
      return r.json.metadata.labels ?? {};
    },
    async json(p) {
      const r = await cluster.apiRequest(state, 'GET', p);
      if (r.status !== 200) throw new Error(`GET ${p}: HTTP ${r.status}`);
      return r.json;
    },
    /** HTTP status of GET path (200: the object exists). */
    async status(p) {
      return (await cluster.apiRequest(state, 'GET', p)).status;
    },
    async patchNsLabels(name, labels) {
      const r = await cluster.apiRequest(
        state,
        'PATCH',
        `/api/v1/namespaces/${name}`,
        { metadata: { labels } },
        { contentType: 'application/merge-patch+json' },
      );
      if (r.status !== 200) throw new Error(`PATCH namespace ${name}: HTTP ${r.status} ${r.text}`);
    },
  };
}

// ---- further UI checks: one entry per feature, run when package.json contributes its command ----

/** Contributed command → palette title ("Istio: Show Proxy Status"), with package.nls.json's strings. */
function paletteTitle(id) {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const nlsFile = path.join(ROOT, 'package.nls.json');
  const nls = fs.existsSync(nlsFile) ? JSON.parse(fs.readFileSync(nlsFile, 'utf8')) : {};
  const str = (v) => (typeof v === 'string' && /^%[\w.-]+%$/.test(v) ? (nls[v.slice(1, -1)] ?? v) : v);
  const c = (pkg.contributes?.commands ?? []).find((x) => x.command === id);
  return c ? `${c.category ? `${str(c.category)}: ` : ''}${str(c.title)}` : undefined;
}

export const UI_CHECKS = [
  {
    title: 'blocked uninstall of 1-7-6: Enter changes nothing, forcing needs the typed name, the plan preview closes without asking',
    requires: { commands: ['istioRevisions.revision.uninstall'] },
    async run({ page, shot, api }) {
      const DEPLOY = '/apis/apps/v1/namespaces/istio-system/deployments/istiod-1-7-6';
      const MWC = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-sidecar-injector-1-7-6';
      check((await api.status(DEPLOY)) === 200 && (await api.status(MWC)) === 200, 'istiod-1-7-6 is not installed before the check');
      const dialog = page.locator('.monaco-dialog-box');
      const qp = page.locator('.quick-input-widget');
      const start = async () => {
        await runFromPalette(page, paletteTitle('istioRevisions.revision.uninstall'));
        const row = qp
          .locator('.monaco-list-row')
          .filter({ has: page.locator('.label-name', { hasText: /^\s*1-7-6\s*$/ }) })
          .first();
        await row.waitFor({ state: 'visible' });
        await row.click();
        await dialog.waitFor({ state: 'visible' });
        const text = await dialog.innerText();
        check(/still in use/.test(text), `the blocked dialog does not say "still in use": ${text.slice(0, 200)}`);
        return text;
      };
      // 1. Enter on the blocked dialog, then Enter on the name box: nothing runs.
      const text = await start();
      log(
        'ui',
        `  blocked: ${text
          .split('\n')
          .filter((l) => l.trim())
          .slice(0, 4)
          .join(' | ')}`,
      );
      await shot('uninstall-blocked.png');
      await page.keyboard.press('Enter');
      await dialog.waitFor({ state: 'hidden' });
      const input = qp.locator('input');
      await input.waitFor({ state: 'visible' });
      await page.keyboard.press('Enter'); // empty: the box refuses
      await sleep(300);
      check(await input.isVisible(), 'Enter on the empty name box closed it');
      await input.fill('1-7');
      await sleep(300);
      const msg = await qp.innerText();
      check(/Type "1-7-6" exactly to confirm/.test(msg), `no validation message for a wrong name: ${msg.slice(0, 200)}`);
      await shot('uninstall-type-name.png');
      await page.keyboard.press('Enter');
      await sleep(300);
      check(await input.isVisible(), 'Enter with a wrong name closed the box');
      await page.keyboard.press('Escape');
      await sleep(500);
      check((await api.status(DEPLOY)) === 200 && (await api.status(MWC)) === 200, 'something was deleted although the name was never typed');
      // 2. Typed name → the plan confirmation, whose Enter button previews; the preview closes without a save prompt.
      await start();
      await dialog.locator('.monaco-button', { hasText: /^Force Uninstall…$/ }).click();
      await input.waitFor({ state: 'visible' });
      await input.fill('1-7-6');
      await page.keyboard.press('Enter');
      await poll(
        'the plan confirmation',
        async () => {
          const t = await dialog.innerText();
          if (!/Uninstall/.test(t)) throw new CheckFailed(t);
          return t;
        },
        15_000,
      );
      await page.keyboard.press('Enter'); // first button of a destructive plan: Preview Requests
      const tab = page.locator('.tabs-container .tab', { hasText: /Uninstall/ }).first();
      await tab.waitFor({ state: 'visible', timeout: 15_000 });
      await dialog.waitFor({ state: 'visible' }); // the confirmation comes back after the preview
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      check((await api.status(DEPLOY)) === 200 && (await api.status(MWC)) === 200, 'something was deleted by previewing');
      await shot('uninstall-plan-preview.png');
      await runFromPalette(page, 'View: Close All Editors');
      await tab.waitFor({ state: 'hidden', timeout: 10_000 });
      await sleep(500);
      check(!(await dialog.isVisible()), 'closing the plan preview asked something');
    },
  },
  {
    title: 'proxy-status panel opens from the palette and shows the seed distribution',
    requires: { commands: ['istioRevisions.proxyStatus.show'] },
    async run({ page, shot }) {
      await runFromPalette(page, paletteTitle('istioRevisions.proxyStatus.show'));
      const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      // Seed: 13 proxies: 10 on 1-7-6 (ns-a, ns-b and test-ns × 3 — test-ns keeps its old sidecars after the move — plus the gateway), 3 on 1-8-0 (ns-c).
      const want = [/1-7-6[^\n]*\b10 prox/, /1-8-0[^\n]*\b3 prox/];
      const text = await poll(
        'the panel to show 10 proxies on 1-7-6 and 3 on 1-8-0',
        async () => {
          const t = await frame.locator('body').innerText({ timeout: 2000 });
          const missing = want.filter((re) => !re.test(t));
          if (missing.length) throw new CheckFailed(`no ${missing.join(', ')} in: ${t.slice(0, 400).replace(/\n/g, ' | ')}`);
          return t;
        },
        30_000,
      );
      log(
        'ui',
        `panel text (first lines):\n    ${text
          .split('\n')
          .filter((l) => l.trim())
          .slice(0, 25)
          .join('\n    ')}`,
      );
      await sleep(500);
      await shot('proxy-status.png');
      // The same panel in a light theme: the page uses the theme's colours only.
      await selectColorTheme(page, 'Light Modern', 'vs');
      await sleep(1000);
      await shot('proxy-status-light.png');
      await selectColorTheme(page, 'Dark Modern', 'vs-dark');
      await runFromPalette(page, 'View: Close All Editors');
    },
  },
  {
    title: "the extension's details page (Extensions view → Istio Revisions) shows the listing: name, icon, description, categories",
    requires: { commands: [] },
    async run({ page, shot }) {
      const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
      const nls = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.nls.json'), 'utf8'));
      const displayName = nls.displayName;
      await runFromPalette(page, 'Extensions: Show Installed Extensions');
      const row = page.locator('.extensions-viewlet .monaco-list-row', { hasText: displayName }).first();
      await row.waitFor({ state: 'visible', timeout: 20_000 });
      // VS Code's own activation time for the extension (the clock on its row: load + activate, measured by the host).
      const activation = /(\d+)\s*ms/.exec(await row.innerText())?.[1];
      log('ui', `  activation time reported by VS Code: ${activation ?? '(not shown)'} ms`);
      if (activation) fs.writeFileSync(path.join(OUTPUT_DIR, 'activation-ms.txt'), `${activation}\n`);
      await row.click();
      const editor = page.locator('.extension-editor');
      await poll('the details page', async () => (await editor.locator('.name').first().innerText({ timeout: 2000 })).includes(displayName), 20_000);
      const header = await editor.locator('.header').first().innerText();
      check(header.includes(nls.description.slice(0, 40)), `the details header has no description: ${header.replace(/\s+/g, ' ')}`);
      const icon = editor.locator('.header img.icon').first();
      await poll('the icon to load', () => icon.evaluate((img) => img.complete && img.naturalWidth >= 128), 10_000);
      const iconSrc = await icon.getAttribute('src');
      check(!/defaultIcon|default-icon/i.test(iconSrc ?? ''), `the details page shows the default icon: ${iconSrc}`);
      const page2 = await editor.innerText();
      const cats = (pkg.categories ?? []).filter((c) => !page2.includes(c));
      check(cats.length === 0, `categories not shown on the details page: ${cats.join(', ')}`);
      log(
        'ui',
        `  details header: ${header
          .split('\n')
          .filter((l) => l.trim())
          .slice(0, 6)
          .join(' | ')}`,
      );
      await page.mouse.move(700, 850);
      await sleep(1000);
      await shot('extension-details.png');
      await runFromPalette(page, 'View: Close All Editors');
    },
  },
];

/** Switches the colour theme through the theme picker and waits for the workbench's class (vs, vs-dark). */
async function selectColorTheme(page, label, cls) {
  await runFromPalette(page, 'Preferences: Color Theme');
  const input = page.locator('.quick-input-widget input');
  await input.fill(label);
  const row = page
    .locator('.quick-input-widget .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${label}\\s*$`) }) })
    .first();
  await row.waitFor({ state: 'visible' });
  await row.click();
  await poll(`the ${label} theme`, () => page.locator(`.monaco-workbench.${cls}`).count(), 10_000);
}

// ---- the run ---------------------------------------------------------------------

/**
 * opts: { setup, clusterDir, vsix, keep }
 * Returns { ok, passed, failed, seconds, screenshots }.
 */
export async function runUiTest(opts) {
  const t0 = Date.now();
  const setup = opts.setup ?? ensureSetup();
  const vsix = opts.vsix ?? path.join(ROOT, 'dist/istio-revisions.vsix');
  if (!fs.existsSync(vsix)) throw new Error(`${vsix} missing: run npm run package first`);
  const api = await clusterApi(opts.clusterDir);
  const dir = mkTmp('istio-revisions-ui-');
  const workspace = path.join(dir, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  let server;
  let context;
  let page;
  const { results, screenshots, shot, step, skip } = recorder(() => page, '');

  try {
    server = await startCodeServer({ setup, dir, folder: workspace, vsix, env: { KUBECONFIG: api.state.kubeconfig } });
    context = await launchBrowser(setup, dir);
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);

    await step('a manifest opened in a fresh window, the sidebar never touched: the extension activates on YAML and its diagnostics appear', async () => {
      fs.writeFileSync(
        path.join(workspace, 'shop-namespace.yaml'),
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    istio-injection: enabled\n    istio.io/rev: canary\n',
      );
      await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
      await waitForWorkbench(page);
      await page.keyboard.press('F1'); // the palette; without the leading '>' it is Quick Open
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible' });
      await input.fill('shop-namespace.yaml');
      const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'shop-namespace.yaml' }).first();
      await row.waitFor({ state: 'visible' });
      await row.click();
      const problems = page.locator('[id="status.problems"]');
      const label = await poll(
        'the status bar to count the IR001 warning',
        async () => {
          const t = `${await problems.getAttribute('aria-label').catch(() => '')} ${await problems.innerText().catch(() => '')}`;
          if (!/Warnings: [1-9]|\b0\s+[1-9]\b/.test(t)) throw new CheckFailed(`problems: "${t.trim()}"`);
          return t;
        },
        30_000,
      );
      log('ui', `  problems after opening the manifest: ${label.replace(/\s+/g, ' ').trim()}`);
      await shot('diagnostics-fresh-window.png');
      // The quick fixes of IR001, on the istio-injection line (line 6): Ctrl+G 6, Home, Ctrl+.
      await page.locator('.monaco-editor textarea').first().focus();
      await page.keyboard.press('Control+G');
      await page.keyboard.type('6');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Home');
      await page.keyboard.press('Control+.');
      const fixes = page.locator('.action-widget').first();
      const fixText = await poll(
        'the IR001 quick fixes',
        async () => {
          const t = await fixes.innerText({ timeout: 2000 });
          if (!/Remove istio-injection/.test(t)) throw new CheckFailed(`quick-fix menu: ${t.replace(/\s+/g, ' ')}`);
          return t;
        },
        15_000,
      );
      log(
        'ui',
        `  quick fixes: ${fixText
          .split('\n')
          .filter((l) => l.trim())
          .join(' | ')}`,
      );
      await shot('diagnostics-quick-fix.png');
      await page.keyboard.press('Escape');
      await runFromPalette(page, 'View: Close All Editors');
    });

    const treeOk = await step('workbench loads; the Istio Revisions tree shows the seed scenario', async () => {
      await openClusterTree(page, server, workspace);
      const groups = await poll(
        'the tree rows to match the seed scenario',
        async () => {
          const g = groupRows(await readTreeRows(page));
          const fails = compareWithSeed(g);
          if (fails.length) throw new CheckFailed(fails.join('; '));
          return g;
        },
        45_000,
      );
      // Gateways start collapsed: expand them for the picture.
      const gwRow = rowLocator(page, 'Gateways', 2);
      if ((await gwRow.getAttribute('aria-expanded')) === 'false') {
        await gwRow.click();
        await sleep(300);
      }
      for (const [g, rs] of groupRows(await readTreeRows(page))) log('ui', `  ${g}: ${rs.map((r) => `${r.label} (${r.description})`).join(' | ')}`);
      const ns = (n) => groups.get('Namespaces').find((r) => r.label === n).description;
      check(ns('test-ns').includes('→ 1-7-6'), `test-ns: "${ns('test-ns')}" does not show → 1-7-6`);
      check(ns('ns-c').includes('→ 1-8-0'), `ns-c: "${ns('ns-c')}" does not show → 1-8-0`);
      await page.mouse.move(700, 850); // no hover tooltip in the picture
      await sleep(300);
      await shot('tree.png');
      await shot('tree-sidebar.png', page.locator(SIDEBAR));
    });

    if (!treeOk) skip('right-click test-ns → Move to Revision or Tag… → canary → Move', 'the tree is not right');
    else {
      await step('right-click test-ns → Move to Revision or Tag… → canary → Move reaches the cluster', async () => {
        const before = await api.nsLabels('test-ns');
        check(before['istio-injection'] === 'enabled' && before['istio.io/rev'] === undefined, `test-ns is not in the seed state: ${JSON.stringify(before)}`);
        await contextMenu(page, 'test-ns', 3, 'Move to Revision or Tag…');
        // QuickPick of tags and revisions: the row labelled exactly "canary".
        const qp = page.locator('.quick-input-widget');
        await qp.waitFor({ state: 'visible' });
        const canary = qp
          .locator('.monaco-list-row')
          .filter({ has: page.locator('.label-name', { hasText: /^\s*canary\s*$/ }) })
          .first();
        await canary.waitFor({ state: 'visible' });
        await canary.click();
        // Modal confirmation with the plan; the button "Move".
        const dialog = page.locator('.monaco-dialog-box');
        await dialog.waitFor({ state: 'visible' });
        log(
          'ui',
          `  confirm: ${(await dialog.innerText())
            .split('\n')
            .filter((l) => l.trim())
            .slice(0, 6)
            .join(' | ')}`,
        );
        await shot('move-dialog.png');
        await dialog.locator('.monaco-button', { hasText: /^Move$/ }).click();
        await dialog.waitFor({ state: 'hidden' });
        const after = await poll(
          'test-ns to carry istio.io/rev=canary in the cluster',
          async () => {
            const l = await api.nsLabels('test-ns');
            if (l['istio.io/rev'] !== 'canary') throw new CheckFailed(`labels ${JSON.stringify(l)}`);
            return l;
          },
          15_000,
        );
        check(after['istio-injection'] === undefined, `istio-injection still set on test-ns: ${JSON.stringify(after)}`);
        log('ui', `  cluster: test-ns labels ${JSON.stringify(after)}`);
        // The tree follows the cluster.
        await poll(
          'the test-ns row to show istio.io/rev=canary → 1-8-0',
          async () => {
            const r = (groupRows(await readTreeRows(page)).get('Namespaces') ?? []).find((x) => x.label === 'test-ns');
            if (!r?.description.startsWith('istio.io/rev=canary → 1-8-0')) throw new CheckFailed(`row: "${r?.description}"`);
            return true;
          },
          20_000,
        );
        // The plan's progress notification closes, then the follow-up "Restart Now / Later" offer comes
        // (test-ns's pods still run 1-7-6): answer Later, nothing is restarted.
        const later = page.locator('.notifications-toasts .monaco-button', { hasText: /^Later$/ }).first();
        try {
          await later.waitFor({ state: 'visible', timeout: 15_000 });
          await later.click();
        } catch {
          const toasts = await page
            .locator('.notifications-toasts .notification-toast')
            .allInnerTexts()
            .catch(() => []);
          log('ui', `  note: no "Later" button within 15 s; notifications: ${JSON.stringify(toasts.map((t) => t.replace(/\s+/g, ' ')))}`);
        }
        // The plan's progress toast closes once the plan is done.
        const progressToast = page.locator('.notifications-toasts .notification-toast', { hasText: 'Move test-ns' });
        const t1 = Date.now();
        await progressToast
          .first()
          .waitFor({ state: 'hidden', timeout: 10_000 })
          .then(() => log('ui', `  progress notification closed ${secs(t1)} s after "Later"`))
          .catch(async () =>
            log(
              'ui',
              `  note: progress notification still shown 10 s after the move: ${JSON.stringify((await progressToast.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ')))}`,
            ),
          );
        await page.mouse.move(700, 850);
        await sleep(300);
        await shot('tree-after-move.png');
      });
    }

    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const contributed = new Set((pkg.contributes?.commands ?? []).map((c) => c.command));
    for (const c of UI_CHECKS) {
      const missing = (c.requires.commands ?? []).filter((id) => !contributed.has(id));
      if (missing.length) {
        skip(c.title, `package.json does not contribute ${missing.join(', ')}`);
        continue;
      }
      await step(c.title, () => c.run({ page, shot, api, server }));
    }
  } catch (e) {
    results.push({ title: 'UI test harness', ok: false, error: e });
    log('ui', `✘ harness: ${e.stack ?? e}`);
    if (server) console.log(tail(server.logFile));
  } finally {
    // Put test-ns back as the seed scenario has it.
    await api.patchNsLabels('test-ns', { 'istio.io/rev': null, 'istio-injection': 'enabled' }).catch((e) => log('ui', `restore test-ns failed: ${e.message}`));
    await context?.close().catch(() => {});
    await server?.stop();
    if (!opts.keep) fs.rmSync(dir, { recursive: true, force: true });
    else {
      keepTmp(dir);
      log('ui', `kept ${dir}`);
    }
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.filter((r) => r.ok === false).length;
  const skipped = results.filter((r) => r.skipped).length;
  console.log(`ui: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  // A skipped check is a failure: everything it needs is in the build the test command packages.
  return { ok: failed === 0 && skipped === 0 && passed > 0, passed, failed, skipped, seconds: Number(secs(t0)), screenshots };
}

/**
 * One scenario's run in the real workbench: code-server with the .vsix on the cluster in
 * opts.clusterDir, Chromium, the step recorder; `body` gets { page, server, workspace, api, shot, step }.
 * ok when no step failed and `expected` passed.
 */
async function withWorkbench(opts, { name, expected, env = {}, settings }, body) {
  const t0 = Date.now();
  const setup = opts.setup ?? ensureSetup();
  const vsix = opts.vsix ?? path.join(ROOT, 'dist/istio-revisions.vsix');
  const api = await clusterApi(opts.clusterDir);
  const dir = mkTmp(`istio-revisions-ui-${name}-`);
  const workspace = path.join(dir, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  let server;
  let context;
  let page;
  const { results, screenshots, shot, step } = recorder(() => page, `${name}-`);
  try {
    server = await startCodeServer({
      setup,
      dir,
      folder: workspace,
      vsix,
      env: { KUBECONFIG: api.state.kubeconfig, ...env },
      ...(settings ? { settings } : {}),
    });
    context = await launchBrowser(setup, dir);
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
    await body({ page, server, workspace, api, shot, step });
  } catch (e) {
    results.push({ title: `${name} UI harness`, ok: false, error: e });
    log('ui', `✘ ${name} harness: ${e.stack ?? e}`);
    if (server) console.log(tail(server.logFile));
  } finally {
    await context?.close().catch(() => {});
    await server?.stop();
    if (!opts.keep) fs.rmSync(dir, { recursive: true, force: true });
    else keepTmp(dir);
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.filter((r) => r.ok === false).length;
  return { ok: failed === 0 && passed === expected, passed, failed, skipped: 0, seconds: Number(secs(t0)), screenshots };
}

/**
 * The ambient scenario in the real workbench: the Node agents group (ztunnel and istio-cni,
 * nodes 3/3), waypoints under Gateways, and the ztunnel action: "Upgrade ztunnel Node by Node…"
 * on an unprepared DaemonSet offers "Prepare…", whose plan sets updateStrategy OnDelete.
 * opts: { setup, clusterDir, vsix, keep }
 */
export async function runAmbientUiTest(opts) {
  return withWorkbench(opts, { name: 'ambient', expected: 3 }, async ({ page, server, workspace, api, shot, step }) => {
    const treeOk = await step('ambient: the Node agents group shows ztunnel and istio-cni on 3/3 nodes; waypoints under Gateways', async () => {
      await openClusterTree(page, server, workspace);
      for (const g of ['Node agents', 'Gateways']) {
        const row = rowLocator(page, g, 2);
        await row.waitFor({ state: 'visible', timeout: 45_000 });
        if ((await row.getAttribute('aria-expanded')) === 'false') {
          await row.click();
          await sleep(300);
        }
      }
      const groups = await poll(
        'Node agents: ztunnel and istio-cni 3/3; Gateways: the two waypoints',
        async () => {
          const g = groupRows(await readTreeRows(page));
          const agents = g.get('Node agents') ?? [];
          const z = agents.find((r) => r.label === 'ztunnel');
          const cni = agents.find((r) => r.label === 'istio-cni');
          if (!z?.description.includes('nodes 3/3 updated') || !z.description.startsWith('1.30.1 · 1-30-1') || !cni?.description.includes('nodes 3/3 updated'))
            throw new CheckFailed(`Node agents rows: ${JSON.stringify(agents)}`);
          const gws = g.get('Gateways') ?? [];
          const wa = gws.find((r) => r.label === 'amb-a/waypoint');
          const wb = gws.find((r) => r.label === 'amb-b/waypoint');
          if (
            !wa?.description.startsWith('waypoint · runs 1-30-1 × 1 · follows 1-30-1') ||
            !wb?.description.startsWith('waypoint · runs 1-31-0 × 1 · follows 1-31-0')
          )
            throw new CheckFailed(`Gateways rows: ${JSON.stringify(gws)}`);
          return g;
        },
        45_000,
      );
      for (const [name, rs] of groups) log('ui', `  ${name}: ${rs.map((r) => `${r.label} (${r.description})`).join(' | ')}`);
      await page.mouse.move(700, 850);
      await sleep(300);
      await shot('ambient-tree.png');
    });
    if (treeOk) {
      await step(
        'ambient: right-click ztunnel → Upgrade ztunnel Node by Node… on an unprepared DaemonSet offers Prepare…, whose plan sets updateStrategy OnDelete',
        async () => {
          const DS = '/apis/apps/v1/namespaces/istio-system/daemonsets/ztunnel';
          check((await api.json(DS)).spec.updateStrategy.type === 'RollingUpdate', 'ztunnel is not RollingUpdate before the check');
          await contextMenu(page, 'ztunnel', 3, 'Upgrade ztunnel Node by Node…');
          const dialog = page.locator('.monaco-dialog-box');
          await dialog.waitFor({ state: 'visible' });
          const warn = await dialog.innerText();
          check(/updateStrategy RollingUpdate/.test(warn) && /Prepare it first/.test(warn), `unexpected dialog: ${warn.slice(0, 300)}`);
          await shot('ztunnel-not-prepared.png');
          await dialog.locator('.monaco-button', { hasText: /^Prepare…$/ }).click();
          await poll(
            'the Prepare plan confirmation',
            async () => {
              const t = await dialog.innerText();
              if (!/Prepare istio-system\/ztunnel for a node-by-node upgrade/.test(t)) throw new CheckFailed(t.slice(0, 300));
              return t;
            },
            15_000,
          );
          await shot('ztunnel-prepare.png');
          await dialog.locator('.monaco-button', { hasText: /^Prepare$/ }).click();
          await poll('updateStrategy OnDelete in the cluster', async () => (await api.json(DS)).spec.updateStrategy.type === 'OnDelete', 15_000);
        },
      );
      await step(
        "ambient: the new ztunnel applied (istioctl's rendering for 1-31-0) replaces nothing; Upgrade ztunnel Node by Node… rolls it, the tree showing nodes x/3 throughout",
        async () => {
          const cluster = await import(path.join(ROOT, 'test/cluster/cluster.mjs'));
          const { parseAllDocuments } = await import('yaml');
          const rendered = cluster.istioctl(api.state, [
            'manifest',
            'generate',
            '--set',
            'profile=ambient',
            '--set',
            'revision=1-31-0',
            '--set',
            'hub=docker.io/istio',
            '--set',
            'tag=1.31.0',
          ]);
          const ds = parseAllDocuments(rendered)
            .map((d) => d.toJS())
            .find((o) => o?.kind === 'DaemonSet' && o.metadata.name === 'ztunnel');
          ds.spec.updateStrategy = { type: 'OnDelete' };
          cluster.kubectl(api.state, ['apply', '--server-side', '--force-conflicts', '--field-manager=istioctl', '-f', '-'], { input: JSON.stringify(ds) });
          // the DaemonSet controller records the new template as a second ControllerRevision (asynchronously)
          await poll(
            'the new version recorded as a second ControllerRevision',
            async () => {
              const revs = (await api.json('/apis/apps/v1/namespaces/istio-system/controllerrevisions')).items.filter((r) =>
                r.metadata.name.startsWith('ztunnel-'),
              );
              if (revs.length !== 2) throw new CheckFailed(`ControllerRevisions: ${revs.map((r) => r.metadata.name).join(', ')}`);
              return true;
            },
            15_000,
          );
          const ztunnelRow = async () => (groupRows(await readTreeRows(page)).get('Node agents') ?? []).find((r) => r.label === 'ztunnel')?.description ?? '';
          await sleep(1500);
          const before = await ztunnelRow();
          check(before.startsWith('1.30.1 · 1-30-1 · nodes 3/3 updated'), `after applying the new version (OnDelete): "${before}"`);
          // One node first, headless (as a pipeline would): the tree must show the stable mid-upgrade state.
          const one = spawnSync(
            process.execPath,
            [path.join(ROOT, 'dist/cli.js'), 'ztunnel', 'roll', '--max-nodes', '1', '--yes', '--kubeconfig', api.state.kubeconfig, '--context', seed.context],
            { encoding: 'utf8', timeout: 120_000 },
          );
          check(one.status === 0, `istio-revisions ztunnel roll --max-nodes 1: exit ${one.status}: ${one.stderr}`);
          const mid = await poll(
            'the tree at 1/3 nodes',
            async () => {
              const d = await ztunnelRow();
              if (!d.startsWith('1.31.0 · 1-30-1 → 1-31-0 · nodes 1/3 updated (1.30.1 on 2)')) throw new CheckFailed(d);
              return d;
            },
            20_000,
          );
          log('ui', `  tree after one node: ztunnel ${mid}`);
          const bar = await poll(
            'the status bar naming ztunnel 1/3',
            async () => {
              const t = (await page.locator('.statusbar-item').allInnerTexts()).map((x) => x.replace(/\s+/g, ' ').trim()).find((x) => /ztunnel 1\/3/.test(x));
              if (!t) throw new CheckFailed(JSON.stringify(await page.locator('.statusbar-item').allInnerTexts()));
              return t;
            },
            15_000,
          );
          log('ui', `  status bar: ${bar}`);
          await page.mouse.move(700, 850);
          await shot('ztunnel-rolling.png');
          // The rest from the tree: right-click → Upgrade ztunnel Node by Node… → the plan lists the 2 nodes left.
          await contextMenu(page, 'ztunnel', 3, 'Upgrade ztunnel Node by Node…');
          const dialog = page.locator('.monaco-dialog-box');
          const planText = await poll(
            'the node-by-node plan confirmation',
            async () => {
              const t = await dialog.innerText();
              if (!/Upgrade istio-system\/ztunnel node by node/.test(t)) throw new CheckFailed(t.slice(0, 300));
              return t;
            },
            15_000,
          );
          check(/1 of 3 nodes already run the new ztunnel; replaces it on the other 2/.test(planText), `plan: ${planText.slice(0, 400)}`);
          await shot('ztunnel-node-by-node-plan.png');
          await dialog.locator('.monaco-button', { hasText: /^Upgrade Node by Node$/ }).click();
          const toasts = async () =>
            (
              await page
                .locator('.notification-list-item-message')
                .allInnerTexts()
                .catch(() => [])
            ).map((t) => t.replace(/\s+/g, ' '));
          const seen = [mid];
          await poll(
            'ztunnel at 1.31.0 on 3/3 nodes in the tree',
            async () => {
              const d = await ztunnelRow();
              if (seen[seen.length - 1] !== d) seen.push(d);
              return d.startsWith('1.31.0 · 1-31-0 · nodes 3/3 updated');
            },
            90_000,
            100,
          ).catch(async (e) => {
            throw new CheckFailed(`${e.message}; tree: ${seen.join(' → ')}; notifications: ${JSON.stringify(await toasts())}`);
          });
          log('ui', `  tree during the roll: ${seen.join(' → ')}`);
          // The tree turns 3/3 as soon as the last new pod is Ready; the uncordon follows it, and the run ends with its notification.
          const done = await poll(
            'the completion notification',
            async () => {
              const t = (await toasts()).find((m) => /upgraded on every node/.test(m));
              if (!t) throw new CheckFailed(JSON.stringify(await toasts()));
              return t;
            },
            30_000,
          );
          log('ui', `  notification: ${done}`);
          const nodes = await api.json('/api/v1/nodes');
          check(
            nodes.items.every((n) => !n.spec.unschedulable),
            `a node was left cordoned after "${done}": ${nodes.items
              .filter((n) => n.spec.unschedulable)
              .map((n) => n.metadata.name)
              .join(', ')}`,
          );
          await page.mouse.move(700, 850);
          await sleep(300);
          await shot('ambient-tree-after-ztunnel.png');
        },
      );
    }
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  exitOnSignals();
  const arg = (n) => {
    const i = process.argv.indexOf(n);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const cluster = await import(path.join(ROOT, 'test/cluster/cluster.mjs'));
  const r = await runUiTest({ clusterDir: arg('--cluster-dir') ?? cluster.DEFAULT_DIR, vsix: arg('--vsix'), keep: process.argv.includes('--keep') });
  log('ui', `${r.ok ? 'PASSED' : 'FAILED'} in ${r.seconds} s`);
  process.exit(r.ok ? 0 : 1);
}

/**
 * The helm scenario in the real workbench: revisions show the Helm release they came from, and
 * "New Revision Tag…" on a Helm-installed revision confirms a plan rendered from the revision's
 * chart (helm template, the release's values) and creates exactly that tag.
 * opts: { setup, clusterDir, vsix, keep }
 */
export async function runHelmUiTest(opts) {
  const cluster = await import(path.join(ROOT, 'test/cluster/cluster.mjs'));
  const scenarios = await import(path.join(ROOT, 'test/cluster/scenarios.mjs'));
  const charts = scenarios.istioChartDir();
  const state = cluster.readState(opts.clusterDir);
  return withWorkbench(
    opts,
    {
      name: 'helm',
      expected: 2,
      env: cluster.helmEnv(state),
      settings: {
        'istioRevisions.helmPath': path.join(state.binDir, 'helm'),
        'istioRevisions.helmCharts': { istiod: path.join(charts, 'istio-control/istio-discovery'), base: path.join(charts, 'base') },
      },
    },
    async ({ page, server, workspace, api, shot, step }) => {
      const treeOk = await step('helm: each revision shows the Helm release it was installed by', async () => {
        await openClusterTree(page, server, workspace);
        const cps = rowLocator(page, 'Control planes', 2);
        await cps.waitFor({ state: 'visible', timeout: 45_000 });
        if ((await cps.getAttribute('aria-expanded')) === 'false') {
          await cps.click();
          await sleep(300);
        }
        const rows = await poll(
          'revision rows naming their releases',
          async () => {
            const r = groupRows(await readTreeRows(page)).get('Control planes') ?? [];
            const canary = r.find((x) => x.label === 'canary');
            const def = r.find((x) => x.label === 'default');
            if (!canary?.description.includes('Helm istiod-canary') || !def?.description.includes('Helm istiod')) throw new CheckFailed(JSON.stringify(r));
            return r;
          },
          45_000,
        );
        log('ui', `  Control planes: ${rows.map((r) => `${r.label} (${r.description})`).join(' | ')}`);
        await page.mouse.move(700, 850);
        await sleep(300);
        await shot('helm-tree.png');
      });
      if (treeOk) {
        await step('helm: New Revision Tag… on canary confirms the plan rendered from its chart (helm template) and creates that tag', async () => {
          const tags = rowLocator(page, 'Tags', 2);
          await contextMenu(page, 'Tags', 2, 'New Revision Tag…');
          const input = page.locator('.quick-input-widget input');
          await input.waitFor({ state: 'visible' });
          await input.fill('prod-stable');
          await page.keyboard.press('Enter');
          const pick = page.locator('.quick-input-widget .monaco-list-row', { hasText: /^\s*canary/ }).first();
          await pick.waitFor({ state: 'visible' });
          await pick.click();
          const dialog = page.locator('.monaco-dialog-box');
          const text = await poll(
            'the Helm plan confirmation',
            async () => {
              const t = await dialog.innerText();
              if (!/Set tag prod-stable → canary \(Helm\)/.test(t)) throw new CheckFailed(t.slice(0, 300));
              return t;
            },
            30_000,
          );
          check(
            /helm get values istiod-canary -n istio-system -o json \| helm template istiod .*revisionTags=\{prod-stable\}.* \| kubectl apply -f -/.test(
              text.replace(/\s+/g, ' '),
            ),
            `confirmation: ${text.slice(0, 600)}`,
          );
          await shot('helm-tag-plan.png');
          await dialog.locator('.monaco-button', { hasText: /^Create Tag$/ }).click();
          const mwc = await poll(
            'MWC istio-revision-tag-prod-stable in the cluster',
            async () => api.json('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-revision-tag-prod-stable'),
            30_000,
          );
          check(mwc.metadata.labels['istio.io/rev'] === 'canary' && mwc.metadata.labels.release === 'istiod', `labels: ${JSON.stringify(mwc.metadata.labels)}`);
          if ((await tags.getAttribute('aria-expanded')) === 'false') {
            await tags.click();
            await sleep(300);
          }
          await poll(
            'the tag row prod-stable → canary',
            async () => {
              const r = (groupRows(await readTreeRows(page)).get('Tags') ?? []).find((x) => x.label === 'prod-stable');
              if (!r?.description.startsWith('→ canary')) throw new CheckFailed(`row: ${JSON.stringify(r)}`);
              return true;
            },
            20_000,
          );
          await page.mouse.move(700, 850);
          await sleep(300);
          await shot('helm-tree-after-tag.png');
        });
      }
    },
  );
}
