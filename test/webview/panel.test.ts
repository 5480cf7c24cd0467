/**
 * The Proxy status page in a real browser (./harness: Debian's Chromium driven by
 * playwright-core, the host's own HTML and CSP, a recording acquireVsCodeApi). Host
 * messages carry the `seed` scenario's data as shapeProxyStatus shapes it. Screenshots in
 * light, dark and high-contrast themes go to test-output/webview/. A missing Chromium or
 * playwright-core fails the suite (the test command installs both).
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { ClusterSnapshot, compareAnswer, RestartLedger, type Verification } from '../../src/istio';
import { parseSyncz, ProxyStatusDeltas, ProxyStatusMemo, shapeProxyStatus, type ProxyStatusData } from '../../src/istio/proxystatus';
import { parsePageMessage, updateMessage, type HostMessage, type SyncStatusPayload } from '../../src/webview/protocol';
import { largeSnapshot, ns, pod, seedSnapshotFull } from '../unit/fixtures';
import { startPageHarness, type PageHarness } from './harness';

// Callbacks given to page.evaluate run in the browser; the root tsconfig has no DOM lib.
declare const window: any;
declare const document: any;

const root = path.resolve(__dirname, '../..');
const outDir = path.join(root, 'test-output', 'webview');

/** The seed scenario (test/cluster/scenarios.mjs): four namespaces × (httpbin ×2, sleep ×1), istioctl's ingress gateway on 1-7-6. */
const UNREACHABLE: SyncStatusPayload = {
  state: 'done',
  fetchedAt: '2026-11-27T10:00:00.000Z',
  istiods: [
    {
      pod: 'istiod-1-7-6-6b7f9c-x1',
      namespace: 'istio-system',
      revision: '1-7-6',
      reachable: false,
      reason:
        'Cluster "local": cannot get pods/proxy/istiod-1-7-6-6b7f9c-x1 in namespace istio-system: server error — dial tcp 10.0.0.9:15014: connect: connection refused',
    },
    {
      pod: 'istiod-1-8-0-5c4d8b-y2',
      namespace: 'istio-system',
      revision: '1-8-0',
      reachable: false,
      reason: 'Cluster "local": cannot get pods/proxy/istiod-1-8-0-5c4d8b-y2 in namespace istio-system: timed out',
    },
  ],
};

/** VS Code sets these on the webview's <html> element; a subset of the real default themes. */
const THEMES: Record<string, { body: string; vars: Record<string, string> }> = {
  light: {
    body: 'vscode-light',
    vars: {
      foreground: '#3b3b3b',
      'editor-background': '#ffffff',
      descriptionForeground: '#717171',
      'font-family': 'sans-serif',
      'font-size': '13px',
      'charts-blue': '#1a85ff',
      'charts-orange': '#d18616',
      'charts-green': '#388a34',
      'charts-purple': '#652d90',
      'charts-yellow': '#bf8803',
      'charts-red': '#e51400',
      'charts-lines': '#a8a8a8',
      'button-background': '#005fb8',
      'button-foreground': '#ffffff',
      'button-hoverBackground': '#0258a8',
      'button-secondaryBackground': '#e5e5e5',
      'button-secondaryForeground': '#3b3b3b',
      'input-background': '#ffffff',
      'input-foreground': '#3b3b3b',
      'input-border': '#cecece',
      'dropdown-background': '#ffffff',
      'dropdown-foreground': '#3b3b3b',
      focusBorder: '#005fb8',
      'textLink-foreground': '#005fb8',
      'list-hoverBackground': '#f2f2f2',
      'list-activeSelectionBackground': '#e8e8e8',
      'list-activeSelectionForeground': '#000000',
      'editorWarning-foreground': '#bf8803',
      errorForeground: '#f85149',
      'editorInfo-foreground': '#1a85ff',
      'textBlockQuote-background': '#f8f8f8',
      'panel-border': '#e5e5e5',
      'badge-background': '#cccccc',
      'badge-foreground': '#3b3b3b',
    },
  },
  dark: {
    body: 'vscode-dark',
    vars: {
      foreground: '#cccccc',
      'editor-background': '#1f1f1f',
      descriptionForeground: '#9d9d9d',
      'font-family': 'sans-serif',
      'font-size': '13px',
      'charts-blue': '#3794ff',
      'charts-orange': '#d18616',
      'charts-green': '#89d185',
      'charts-purple': '#b180d7',
      'charts-yellow': '#cca700',
      'charts-red': '#f14c4c',
      'charts-lines': '#808080',
      'button-background': '#0078d4',
      'button-foreground': '#ffffff',
      'button-hoverBackground': '#026ec1',
      'button-secondaryBackground': '#313131',
      'button-secondaryForeground': '#cccccc',
      'input-background': '#313131',
      'input-foreground': '#cccccc',
      'input-border': '#3c3c3c',
      'dropdown-background': '#313131',
      'dropdown-foreground': '#cccccc',
      focusBorder: '#0078d4',
      'textLink-foreground': '#4daafc',
      'list-hoverBackground': '#2a2d2e',
      'list-activeSelectionBackground': '#04395e',
      'list-activeSelectionForeground': '#ffffff',
      'editorWarning-foreground': '#cca700',
      errorForeground: '#f85149',
      'editorInfo-foreground': '#3794ff',
      'textBlockQuote-background': '#2b2b2b',
      'panel-border': '#2b2b2b',
      'badge-background': '#616161',
      'badge-foreground': '#f8f8f8',
    },
  },
  'high-contrast': {
    body: 'vscode-high-contrast',
    vars: {
      foreground: '#ffffff',
      'editor-background': '#000000',
      descriptionForeground: '#ffffff',
      'font-family': 'sans-serif',
      'font-size': '13px',
      contrastBorder: '#6fc3df',
      'charts-blue': '#3794ff',
      'charts-orange': '#d18616',
      'charts-green': '#89d185',
      'charts-purple': '#b180d7',
      'charts-yellow': '#ffff00',
      'charts-red': '#f14c4c',
      'charts-lines': '#ffffff',
      'button-background': '#000000',
      'button-foreground': '#ffffff',
      'button-border': '#6fc3df',
      'button-secondaryBackground': '#000000',
      'button-secondaryForeground': '#ffffff',
      'input-background': '#000000',
      'input-foreground': '#ffffff',
      'input-border': '#6fc3df',
      'dropdown-background': '#000000',
      'dropdown-foreground': '#ffffff',
      focusBorder: '#f38518',
      'textLink-foreground': '#21a6ff',
      'list-hoverBackground': '#000000',
      'list-activeSelectionBackground': '#000000',
      'list-activeSelectionForeground': '#ffffff',
      'editorWarning-foreground': '#ffd370',
      errorForeground: '#f48771',
      'editorInfo-foreground': '#3794ff',
      'textBlockQuote-background': '#000000',
      'panel-border': '#6fc3df',
      'badge-background': '#000000',
      'badge-foreground': '#ffffff',
    },
  },
};

const seedSnapshot = () => seedSnapshotFull();

describe('Proxy status page in Chromium', function () {
  this.timeout(120_000);
  let harness: PageHarness;
  let page: Page;
  const problems: string[] = [];
  let seed: ProxyStatusData;

  before(async () => {
    harness = await startPageHarness(outDir);
    seed = shapeProxyStatus(seedSnapshot(), 'local');
  });

  after(async () => {
    await harness?.close();
  });

  async function open(savedState?: unknown): Promise<void> {
    page = await harness.open(savedState, problems);
  }

  const posted = async (): Promise<any[]> => page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted);
  const clearPosted = () =>
    page.evaluate(() => {
      (window as unknown as { __posted: unknown[] }).__posted = [];
    });
  const hostPost = (m: HostMessage) => page.evaluate((msg) => window.postMessage(msg, '*'), m as unknown);
  const rowKeys = () => page.$$eval('#rows tr', (trs) => trs.map((t) => t.getAttribute('data-key')));

  async function theme(name: string): Promise<void> {
    const t = THEMES[name];
    // The way VS Code applies a theme: CSS variables on <html> via CSSOM (allowed by the CSP) and a body class.
    await page.evaluate((t) => {
      const st = document.documentElement.style;
      for (let i = st.length - 1; i >= 0; i--) if (st[i].startsWith('--vscode-')) st.removeProperty(st[i]);
      for (const [k, v] of Object.entries(t.vars)) st.setProperty(`--vscode-${k}`, v);
      document.body.className = t.body;
    }, t);
  }

  it('posts ready on load, then renders the chart, namespace bars and table from a state message', async () => {
    await open();
    await theme('dark');
    assert.deepEqual(await posted(), [{ type: 'ready' }]);
    await hostPost({ type: 'filters', filters: { staleOnly: false, notSynced: false, search: '' } });
    await hostPost({ type: 'state', context: 'local', data: seed });
    await hostPost({ type: 'syncStatus', sync: UNREACHABLE });
    await page.waitForSelector('#rows tr');

    assert.equal(await page.textContent('h1'), 'Proxy status — local');
    // Overall chart: one segment per revision, widths proportional (10 of 13 on 1-7-6).
    const segs = await page.$$eval('#overall svg.bar rect.seg', (rs) =>
      rs.map((r) => ({ cls: r.getAttribute('class'), w: Number(r.getAttribute('width')), t: r.textContent })),
    );
    assert.equal(segs.length, 2);
    assert.equal(segs[0].t, '1-7-6: 10 (77%)');
    assert.equal(segs[1].t, '1-8-0: 3 (23%)');
    assert.ok(Math.abs(segs[0].w - 769.23) < 0.1, String(segs[0].w));
    assert.notEqual(segs[0].cls, segs[1].cls, 'revisions get different pattern classes');
    const legend = await page.$$eval('#legend li', (ls) => ls.map((l) => l.textContent?.replace(/\s+/g, ' ').trim()));
    assert.match(legend[0]!, /^1-7-6 10 proxies \(77%\) · Istio 1\.7\.6 · default · tags default, prod$/);
    assert.match(legend[1]!, /^1-8-0 3 proxies \(23%\) · Istio 1\.8\.0 · tags canary$/);
    // Patterns, not only hue: the two revisions' patterns differ in shape.
    const pats = await page.$$eval('pattern', (ps) => ps.map((p) => p.innerHTML));
    assert.equal(new Set(pats.map((p) => p.replace(/rev-bg-\d/, ''))).size, pats.length);

    assert.deepEqual(await page.$$eval('#namespaces > li', (ls) => ls.map((l) => l.getAttribute('data-namespace'))), [
      'istio-system',
      'ns-a',
      'ns-b',
      'ns-c',
      'test-ns',
    ]);
    assert.deepEqual(await rowKeys(), [
      'istio-system/Deployment/istio-ingressgateway',
      'ns-a/Deployment/httpbin',
      'ns-a/Deployment/sleep',
      'ns-b/Deployment/httpbin',
      'ns-b/Deployment/sleep',
      'ns-c/Deployment/httpbin',
      'ns-c/Deployment/sleep',
      'test-ns/Deployment/httpbin',
      'test-ns/Deployment/sleep',
    ]);
    const nsC = await page.$eval('#rows tr[data-key="ns-c/Deployment/httpbin"]', (tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim()));
    assert.deepEqual(nsC, ['ns-c', 'Deployment httpbin', '1-8-0', '1.8.0', '0', '—', '2']);

    // Unreachable istiod: said so, with the reasons, and the metadata view is still there.
    const banners = await page.textContent('#banners');
    assert.match(banners!, /Sync state is not available .*Showing what pod metadata tells/);
    const sync = await page.textContent('#sync');
    assert.match(sync!, /unreachable istio-system\/istiod-1-7-6-6b7f9c-x1 \(revision 1-7-6\) — .*connection refused/);
    assert.match(sync!, /istiod-1-8-0-5c4d8b-y2 .*timed out/);
    assert.equal(await page.isDisabled('#f-notsynced'), true);
    await page.screenshot({ path: path.join(outDir, 'proxy-status-dark.png'), fullPage: true });
    await theme('light');
    await page.screenshot({ path: path.join(outDir, 'proxy-status-light.png'), fullPage: true });
    await theme('high-contrast');
    await page.screenshot({ path: path.join(outDir, 'proxy-status-high-contrast.png'), fullPage: true });
    assert.deepEqual(problems, [], 'no CSP violations or page errors');
  });

  it('filters: revision, namespace, stale only, search; each change is posted as setFilters', async () => {
    await theme('light');
    await clearPosted();
    await page.selectOption('#f-revision', '1-8-0');
    assert.deepEqual(await rowKeys(), ['ns-c/Deployment/httpbin', 'ns-c/Deployment/sleep']);
    assert.deepEqual(await page.$$eval('#namespaces > li', (ls) => ls.map((l) => l.getAttribute('data-namespace'))), ['ns-c']);
    await page.selectOption('#f-revision', '');
    await page.selectOption('#f-namespace', 'ns-a');
    assert.deepEqual(await rowKeys(), ['ns-a/Deployment/httpbin', 'ns-a/Deployment/sleep']);
    await page.selectOption('#f-namespace', '');
    await page.fill('#f-search', 'sleep');
    await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 4);
    assert.deepEqual(await rowKeys(), ['ns-a/Deployment/sleep', 'ns-b/Deployment/sleep', 'ns-c/Deployment/sleep', 'test-ns/Deployment/sleep']);
    await page.fill('#f-search', '');
    await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 9);
    await page.check('#f-stale');
    assert.deepEqual(await rowKeys(), [], 'seed: nothing stale');
    assert.match((await page.textContent('#rows-empty'))!, /No workload matches the filters/);
    await page.uncheck('#f-stale');
    // Clicking a legend entry filters by that revision, clicking again clears it.
    await page.click('#legend button[data-revision="1-7-6"]');
    assert.equal((await rowKeys()).length, 7);
    await page.click('#legend button[data-revision="1-7-6"]');
    assert.equal((await rowKeys()).length, 9);

    const msgs = await posted();
    assert.ok(msgs.length >= 8);
    for (const m of msgs) {
      assert.equal(m.type, 'setFilters');
      assert.ok(parsePageMessage(m).ok, JSON.stringify(m));
    }
    assert.deepEqual(msgs[0].filters, { staleOnly: false, notSynced: false, search: '', revision: '1-8-0' });
    // Filters are kept with setState (what the serializer restores), with the context.
    const st = await page.evaluate(() => (window as unknown as { __state: unknown }).__state);
    assert.deepEqual(st, { context: 'local', filters: { staleOnly: false, notSynced: false, search: '' } });
  });

  it('clicks and Enter post reveal; namespace actions post restartStale and moveNamespace', async () => {
    await clearPosted();
    await page.click('#rows tr[data-key="ns-b/Deployment/httpbin"] td:nth-child(2)');
    await page.focus('#rows tr[data-key="ns-c/Deployment/sleep"]');
    await page.keyboard.press('Enter');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.click('#namespaces button.ns-name[data-namespace="ns-a"]');
    await page.click('#namespaces button.move[data-namespace="test-ns"]');
    assert.equal(await page.isDisabled('#namespaces button.restart[data-namespace="ns-a"]'), true, 'no stale proxies: restart disabled');
    const msgs = await posted();
    assert.deepEqual(msgs, [
      { type: 'reveal', namespace: 'ns-b', workload: { kind: 'Deployment', name: 'httpbin' } },
      { type: 'reveal', namespace: 'ns-c', workload: { kind: 'Deployment', name: 'sleep' } },
      { type: 'reveal', namespace: 'test-ns', workload: { kind: 'Deployment', name: 'httpbin' } },
      { type: 'reveal', namespace: 'ns-a' },
      { type: 'moveNamespace', namespace: 'test-ns' },
    ]);
    for (const m of msgs) assert.ok(parsePageMessage(m).ok);
    assert.equal(await page.getAttribute('#rows tr[data-key="test-ns/Deployment/httpbin"]', 'aria-selected'), 'true');
  });

  it('live update after relabel + partial restart: keyed rows, only changed rows re-rendered; restart stale posts', async () => {
    await page.$$eval('#rows tr', (trs) =>
      trs.forEach((t) => {
        (t as unknown as { __mark: string }).__mark = t.getAttribute('data-key')!;
      }),
    );
    const s = seedSnapshot();
    s.apply({ kind: 'Namespace', type: 'MODIFIED', object: ns('ns-a', { 'istio.io/rev': 'canary' }, '2') });
    s.apply({ kind: 'Pod', type: 'DELETED', object: pod('ns-a', 'httpbin', { name: 'httpbin-5d9f7c6b8-ns-a1' }) });
    s.apply({ kind: 'Pod', type: 'ADDED', object: pod('ns-a', 'httpbin', { injectedBy: '1-8-0', version: '1.8.0', name: 'httpbin-7f8e9d0c1-ns-a3' }) });
    // istiod 1-8-0 answers this time (shaped exactly as Istio writes /debug/syncz).
    const parsed = parseSyncz(
      [
        {
          cluster_id: 'Kubernetes',
          proxy: 'httpbin-7f8e9d0c1-ns-a3.ns-a',
          proxy_type: 'sidecar',
          istio_version: '1.8.0',
          cluster_sent: 'a',
          cluster_acked: 'a',
          listener_sent: 'b',
          listener_acked: 'b',
          resources: {
            'type.googleapis.com/envoy.config.cluster.v3.Cluster': { sent: 'a', acked: 'a', sentTime: '2026-11-27T10:00:00Z' },
            'type.googleapis.com/envoy.config.listener.v3.Listener': { sent: 'b', acked: 'a', sentTime: '2026-11-27T10:00:00Z' },
          },
        },
      ],
      { name: 'istiod-1-8-0-5c4d8b-y2', namespace: 'istio-system', revision: '1-8-0' },
    );
    assert.ok(parsed.ok);
    const data = shapeProxyStatus(s, 'local', { proxies: parsed.proxies, complete: false });
    await hostPost({ type: 'state', context: 'local', data });
    await hostPost({
      type: 'syncStatus',
      sync: {
        ...UNREACHABLE,
        istiods: [UNREACHABLE.istiods[0], { pod: 'istiod-1-8-0-5c4d8b-y2', namespace: 'istio-system', revision: '1-8-0', reachable: true, proxies: 1 }],
      },
    });
    await page.waitForFunction(() => document.querySelector('#rows tr[data-key="ns-a/Deployment/httpbin"]')?.textContent?.includes('1-8-0'));

    const marks = await page.$$eval('#rows tr', (trs) => trs.map((t) => [t.getAttribute('data-key'), (t as unknown as { __mark?: string }).__mark ?? null]));
    const kept = marks.filter(([, m]) => m).map(([k]) => k);
    const rebuilt = marks.filter(([, m]) => !m).map(([k]) => k);
    // Every row carries sync now (hasSync changed) — so all were rebuilt once; check keying on the next update instead.
    assert.equal(kept.length + rebuilt.length, 9);
    await page.$$eval('#rows tr', (trs) =>
      trs.forEach((t) => {
        (t as unknown as { __mark: string }).__mark = t.getAttribute('data-key')!;
      }),
    );
    s.apply({ kind: 'Pod', type: 'ADDED', object: pod('ns-b', 'sleep', { injectedBy: '1-7-6', version: '1.7.6', name: 'sleep-5d9f7c6b8-ns-b2' }) });
    await hostPost({ type: 'state', context: 'local', data: shapeProxyStatus(s, 'local', { proxies: parsed.proxies, complete: false }) });
    await page.waitForFunction(() => document.querySelector('#rows tr[data-key="ns-b/Deployment/sleep"] td:last-child')?.textContent === '2');
    const after = await page.$$eval('#rows tr', (trs) => trs.map((t) => [t.getAttribute('data-key'), (t as unknown as { __mark?: string }).__mark ?? null]));
    assert.deepEqual(
      after.filter(([, m]) => !m).map(([k]) => k),
      ['ns-b/Deployment/sleep'],
      'only the changed row was re-rendered',
    );

    const httpbinCells = await page.$eval('#rows tr[data-key="ns-a/Deployment/httpbin"]', (tr) =>
      [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim()),
    );
    assert.match(httpbinCells[2]!, /1-7-6 ×1\s*1-8-0 ×1/);
    assert.equal(httpbinCells[4], '1', 'one stale pod left');
    assert.match(httpbinCells[5]!, /1 STALE.*1 unknown.*via 1-8-0/);
    assert.equal(await page.isDisabled('#f-notsynced'), false, 'sync data present: not-synced filter enabled');
    await page.check('#f-notsynced');
    assert.deepEqual(await rowKeys(), ['ns-a/Deployment/httpbin']);
    await page.uncheck('#f-notsynced');
    await page.check('#f-stale');
    assert.deepEqual(await rowKeys(), ['ns-a/Deployment/httpbin', 'ns-a/Deployment/sleep']);
    await clearPosted();
    await page.click('#namespaces button.restart[data-namespace="ns-a"]');
    assert.deepEqual(
      (await posted()).filter((m) => m.type !== 'setFilters'),
      [{ type: 'restartStale', namespace: 'ns-a' }],
    );
    await page.uncheck('#f-stale');
    await theme('dark');
    await page.screenshot({ path: path.join(outDir, 'proxy-status-migrating-dark.png'), fullPage: true });
    await theme('light');
    await page.screenshot({ path: path.join(outDir, 'proxy-status-migrating-light.png'), fullPage: true });
    assert.deepEqual(problems, []);
  });

  it("marks workloads with the cluster's answer from Verify Injection: verified, or cluster differs (with why)", async () => {
    const s = seedSnapshot();
    const answer = (name: string, revision: string): Verification =>
      compareAnswer({
        target: { kind: 'Deployment', namespace: 'ns-c', name },
        at: '2026-12-02T10:00:00Z',
        predicted: {
          injected: true,
          revision: '1-8-0',
          proxyVersion: '1.8.0',
          outcome: { kind: 'none', reason: '', matches: [] },
        } as Verification['predicted'],
        cluster: { injected: true, revision, proxyVersion: revision === '1-8-0' ? '1.8.0' : '1.7.6', proxyImage: 'docker.io/istio/proxyv2:x', native: false },
      });
    const vs = new Map([
      ['ns-c/Deployment/httpbin', answer('httpbin', '1-8-0')],
      ['ns-c/Deployment/sleep', answer('sleep', '1-7-6')],
    ]);
    await hostPost({ type: 'state', context: 'local', data: shapeProxyStatus(s, 'local', undefined, (k) => vs.get(k)) });
    await page.waitForSelector('#rows tr[data-key="ns-c/Deployment/sleep"] .badge.warn');
    const badge = (key: string) =>
      page.$eval(`#rows tr[data-key="${key}"] td:nth-child(2) .badge:last-child`, (b) => [b.textContent, b.getAttribute('title'), b.className]);
    const [okText, okTitle, okClass] = await badge('ns-c/Deployment/httpbin');
    assert.deepEqual([okText, okClass], ['verified', 'badge muted']);
    assert.match(okTitle!, /^Asked the cluster: 1-8-0 \(1\.8\.0\), sidecar container — as predicted$/);
    const [badText, badTitle] = await badge('ns-c/Deployment/sleep');
    assert.equal(badText, 'cluster differs');
    assert.match(badTitle!, /predicted 1-8-0 \(1\.8\.0\), the cluster injects 1-7-6 \(1\.7\.6\)/);
    assert.equal(await page.$('#rows tr[data-key="ns-a/Deployment/httpbin"] .badge'), null, 'no badge where the cluster was not asked');
    await hostPost({ type: 'state', context: 'local', data: seed });
    await page.waitForFunction(() => !document.querySelector('#rows .badge.warn'));
    assert.deepEqual(problems, []);
  });

  it('marks a workload whose restart stopped because its new pods were rejected (injector down), with why, for screen readers too', async () => {
    const s = seedSnapshot();
    const ledger = new RestartLedger();
    ledger.record(
      'local',
      {
        completed: [],
        notRestarted: [{ kind: 'Deployment', namespace: 'ns-c', name: 'httpbin' }],
        degraded: [
          {
            workload: { kind: 'Deployment', namespace: 'ns-c', name: 'sleep' },
            rejectedBy: { webhook: 'rev.namespace.sidecar-injector.istio.io', revision: '1-8-0', cause: 'connection refused' },
          },
        ],
        dryRun: false,
      },
      '2026-12-02T10:00:00Z',
    );
    await hostPost({ type: 'state', context: 'local', data: shapeProxyStatus(s, 'local', undefined, undefined, (k) => ledger.degraded('local', k)) });
    const row = '#rows tr[data-key="ns-c/Deployment/sleep"]';
    await page.waitForSelector(`${row} .badge.err`);
    const [text, title, cls] = await page.$eval(`${row} .badge.err`, (b) => [b.textContent, b.getAttribute('title'), b.className]);
    assert.equal(text, 'new pods rejected');
    assert.match(title!, /rejected by webhook rev\.namespace\.sidecar-injector\.istio\.io of revision 1-8-0 \(connection refused\): its istiod is down/);
    assert.equal(cls, 'badge err', "drawn in the theme's error colour");
    assert.match((await page.$eval(row, (r) => r.getAttribute('aria-label')))!, /new pods are rejected by webhook/i);
    assert.equal(await page.$('#rows tr[data-key="ns-c/Deployment/httpbin"] .badge.err'), null, 'never reached is not marked');
    await hostPost({ type: 'state', context: 'local', data: seed });
    await page.waitForFunction(() => !document.querySelector('#rows .badge.err'));
    assert.deepEqual(problems, []);
  });

  it('restores filters from saved state after a reload, and ignores stray messages', async () => {
    await open({ context: 'local', filters: { revision: '1-8-0', staleOnly: false, notSynced: false, search: '' } });
    assert.deepEqual(await posted(), [{ type: 'ready' }]);
    await hostPost({ type: 'state', context: 'local', data: seed });
    await page.waitForSelector('#rows tr');
    assert.deepEqual(await rowKeys(), ['ns-c/Deployment/httpbin', 'ns-c/Deployment/sleep']);
    assert.equal(await page.inputValue('#f-revision'), '1-8-0');
    await page.evaluate(() => {
      window.postMessage({ type: 'state' }, '*');
      window.postMessage('junk', '*');
      window.postMessage({ type: 'evil', html: '<img src=x onerror=alert(1)>' }, '*');
    });
    await page.waitForTimeout(50);
    assert.deepEqual(await rowKeys(), ['ns-c/Deployment/httpbin', 'ns-c/Deployment/sleep']);
    assert.deepEqual(problems, []);
  });

  it('ambient: waypoints, Gateway API gateways and node agents are listed apart from the sidecars, hidden when there are none', async () => {
    assert.equal(await page.$eval('#dataplane', (e) => e.hasAttribute('hidden')), true, 'seed: nothing beyond sidecars');
    const data: ProxyStatusData = {
      ...seed,
      dataplane: {
        nodeAgents: [{ component: 'ztunnel', versions: '1.31.0 on 1, 1.30.1 on 2', updated: 1, pods: 3, revision: '1-30-1 → 1-31-0' }],
        gateways: [{ kind: 'waypoint', namespace: 'amb-b', name: 'waypoint', runs: '1-31-0 × 1', follows: '1-31-0', rolling: 0 }],
      },
    };
    await hostPost({ type: 'state', context: 'local', data });
    await page.waitForFunction(() => !document.querySelector('#dataplane')?.hasAttribute('hidden'));
    const items = await page.$$eval('#dataplane-list li', (ls) => ls.map((l) => l.textContent?.replace(/\s+/g, ' ').trim()));
    assert.deepEqual(items, [
      'ztunnel node agent · 1.31.0 on 1, 1.30.1 on 2 · nodes 1/3 updated · bound to 1-30-1 → 1-31-0',
      'amb-b/waypoint waypoint · runs 1-31-0 × 1 · follows 1-31-0',
    ]);
    // the sidecar chart is unchanged: node agents and waypoints are not proxies there
    assert.equal(await page.$$eval('#overall svg.bar rect.seg', (rs) => rs.length), 2);
    await hostPost({ type: 'state', context: 'local', data: seed });
    await page.waitForFunction(() => document.querySelector('#dataplane')?.hasAttribute('hidden'));
  });

  it('a large cluster: the first 50 namespaces and 50 workloads, the rest behind "Show more" (keyboard too), paging reset by a filter', async () => {
    await open();
    await hostPost({ type: 'filters', filters: { staleOnly: false, notSynced: false, search: '' } });
    await hostPost({ type: 'state', context: 'local', data: shapeProxyStatus(largeSnapshot(130, 2), 'local') });
    await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 50);
    assert.equal(await page.textContent('#row-count'), '130 of 130 workloads · the first 50 shown');
    assert.equal(await page.textContent('#rows-more'), 'Show 50 more workloads (80 not shown)');
    assert.equal(await page.$$eval('#namespaces > li', (ls) => ls.length), 50);
    assert.equal(await page.textContent('#namespaces-more'), 'Show 50 more namespaces (80 not shown)');
    // keyboard: the button is reachable and Enter shows the next page, then the rest
    await page.focus('#rows-more');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 100);
    assert.equal(await page.textContent('#rows-more'), 'Show 30 more workloads (30 not shown)');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 130);
    assert.equal(await page.$eval('#rows-more', (b) => b.hidden), true);
    assert.equal(await page.textContent('#row-count'), '130 of 130 workloads');
    // the rows kept their order: the first page was not rebuilt out of place
    const keys = await rowKeys();
    assert.equal(keys[0], 'large-0000/Deployment/app-0');
    assert.equal(keys[129], 'large-0129/Deployment/app-129');
    await page.click('#namespaces-more');
    assert.equal(await page.$$eval('#namespaces > li', (ls) => ls.length), 100);
    // a filter starts from the first page again: 65 workloads on 1-8-0 (the odd namespaces)
    await page.selectOption('#f-revision', '1-8-0');
    await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 50);
    assert.equal(await page.textContent('#rows-more'), 'Show 15 more workloads (15 not shown)');
    assert.equal(await page.$$eval('#namespaces > li', (ls) => ls.length), 50);
    assert.equal(await page.textContent('#namespaces-more'), 'Show 15 more namespaces (15 not shown)');
    assert.deepEqual(problems, []);
  });

  it("deltas: only the changed namespace's row is rebuilt (the others are the same elements); a delta for a state the page does not hold asks resync and changes nothing", async () => {
    await open();
    await hostPost({ type: 'filters', filters: { staleOnly: false, notSynced: false, search: '' } });
    const s = largeSnapshot(130, 2);
    const memo = new ProxyStatusMemo();
    const deltas = new ProxyStatusDeltas();
    const first = deltas.next(shapeProxyStatus(s, 'local', undefined, undefined, undefined, memo));
    assert.equal(first.kind, 'state');
    await hostPost({ type: 'state', context: 'local', data: shapeProxyStatus(s, 'local'), seq: first.seq });
    await page.waitForFunction(() => document.querySelectorAll('#rows tr').length === 50);
    // mark every row element, then move large-0002 to canary: its one pod on 1-7-6 of two becomes stale
    await page.$$eval('#rows tr', (trs) => trs.forEach((t) => t.setAttribute('data-mark', '1')));
    memo.changed(s.apply({ kind: 'Namespace', type: 'MODIFIED', object: ns('large-0002', { 'istio.io/rev': 'canary' }, '2') }));
    const u = deltas.next(shapeProxyStatus(s, 'local', undefined, undefined, undefined, memo));
    assert.ok(u.kind === 'delta');
    if (u.kind !== 'delta') return;
    assert.deepEqual(u.rows.namespaces, ['large-0002']);
    await hostPost(updateMessage(u, 'local'));
    await page.waitForFunction(() => document.querySelector('#rows tr[data-key="large-0002/Deployment/app-2"]')?.classList.contains('is-stale'));
    const unmarked = await page.$$eval('#rows tr:not([data-mark])', (trs) => trs.map((t) => t.getAttribute('data-key')));
    assert.deepEqual(unmarked, ['large-0002/Deployment/app-2']);
    assert.equal(await page.$$eval('#rows tr', (trs) => trs.length), 50);
    assert.equal(await page.textContent('#row-count'), '130 of 130 workloads · the first 50 shown');
    // a delta built on a state the page never got (one was lost): resync asked, nothing applied
    await clearPosted();
    memo.changed(s.apply({ kind: 'Namespace', type: 'MODIFIED', object: ns('large-0004', { 'istio.io/rev': 'canary' }, '2') }));
    deltas.next(shapeProxyStatus(s, 'local', undefined, undefined, undefined, memo)); // lost on the way
    memo.changed(s.apply({ kind: 'Namespace', type: 'MODIFIED', object: ns('large-0006', { 'istio.io/rev': 'canary' }, '2') }));
    const late = deltas.next(shapeProxyStatus(s, 'local', undefined, undefined, undefined, memo));
    assert.ok(late.kind === 'delta');
    if (late.kind !== 'delta') return;
    await hostPost(updateMessage(late, 'local'));
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'resync'));
    assert.deepEqual(await posted(), [{ type: 'resync' }]);
    // a further delta in flight before the whole state comes is dropped without asking again
    memo.changed(s.apply({ kind: 'Namespace', type: 'MODIFIED', object: ns('large-0008', { 'istio.io/rev': 'canary' }, '2') }));
    await hostPost(updateMessage(deltas.next(shapeProxyStatus(s, 'local', undefined, undefined, undefined, memo)), 'local'));
    await page.evaluate(() => new Promise((r) => setTimeout(r, 100)));
    assert.deepEqual(await posted(), [{ type: 'resync' }], 'resync asked once');
    assert.ok(parsePageMessage({ type: 'resync' }).ok);
    assert.equal(await page.$eval('#rows tr[data-key="large-0006/Deployment/app-6"]', (t) => t.classList.contains('is-stale')), false);
    // the whole state the host then sends is shown
    await hostPost({ type: 'state', context: 'local', data: shapeProxyStatus(s, 'local'), seq: 99 });
    await page.waitForFunction(() => document.querySelector('#rows tr[data-key="large-0006/Deployment/app-6"]')?.classList.contains('is-stale'));
    assert.deepEqual(problems, []);
  });

  it('an empty cluster says why', async () => {
    const empty = shapeProxyStatus(new ClusterSnapshot(), 'local');
    await hostPost({ type: 'state', context: 'local', data: empty, clusterError: 'Cluster "local": cannot list pods: timed out' });
    await page.waitForFunction(() => /No proxies/.test(document.querySelector('#banners')?.textContent ?? ''));
    const text = await page.textContent('#banners');
    assert.match(text!, /cannot list pods: timed out/);
    assert.match(text!, /No proxies in cluster "local"/);
  });
});
