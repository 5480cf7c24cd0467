/**
 * The Proxy status page at scale, measured in the page itself (Chromium, test/webview/harness):
 * 10,000 proxies in 500 namespaces and 500 workloads (half the namespaces mid-move, half
 * their proxies stale), the data shaped by the extension's own shapeProxyStatus.
 *
 * Each figure is the page's own time from dispatching a host message to the end of the
 * synchronous render plus style and layout (`handler`), and to the next animation frame
 * (`frame`). The message's structured clone into the page is not included.
 *
 * `npx tsx scripts/bench-webview.ts [--runs N]`, or as part of `npm run bench`.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { ProxyStatusDeltas, ProxyStatusMemo, shapeProxyStatus, type ProxyStatusData } from '../src/istio/proxystatus';
import { updateMessage, type HostMessage } from '../src/webview/protocol';
import { largeSnapshot, pod } from '../test/unit/fixtures';
import { startPageHarness } from '../test/webview/harness';

// page.evaluate callbacks run in the browser; this tsconfig has no DOM lib.
declare const window: any;
declare const document: any;
declare const requestAnimationFrame: (cb: () => void) => void;

export interface PageTiming {
  handler: number[];
  frame: number[];
}
export interface WebviewBench {
  proxies: number;
  namespaces: number;
  workloads: number;
  firstRender: PageTiming;
  updateOne: PageTiming;
  /** The same change as the panel posts it: a delta with only that namespace's rows. */
  updateDelta: PageTiming;
  search: PageTiming;
  revisionFilter: PageTiming;
  /** "Show 50 more workloads" under the table. */
  showMore: PageTiming;
}

export async function benchWebview(runs = 5): Promise<WebviewBench> {
  const snap = largeSnapshot(500, 20);
  const memo = new ProxyStatusMemo();
  const deltas = new ProxyStatusDeltas();
  const whole = deltas.next(shapeProxyStatus(snap, 'bench', undefined, undefined, undefined, memo));
  if (whole.kind !== 'state') throw new Error('the first update is not a whole state');
  const data: ProxyStatusData = whole.data;
  // The same change live: large-0001's ten pods on 1-7-6 replaced by pods on 1-8-0, as the panel posts it.
  for (let p = 10; p < 20; p++) {
    const id = p.toString(36).padStart(5, '0');
    memo.changed(snap.apply({ kind: 'Pod', type: 'DELETED', object: pod('large-0001', 'app-1', { name: `app-1-5d9f7c6b8-${id}` }) }));
    memo.changed(
      snap.apply({ kind: 'Pod', type: 'ADDED', object: pod('large-0001', 'app-1', { injectedBy: '1-8-0', version: '1.8.0', name: `app-1-7c8d9e0f1-${id}` }) }),
    );
  }
  const d = deltas.next(shapeProxyStatus(snap, 'bench', undefined, undefined, undefined, memo));
  if (d.kind !== 'delta' || d.rows.namespaces.join() !== 'large-0001')
    throw new Error(`the change's delta names ${d.kind === 'delta' ? d.rows.namespaces.join() : 'a whole state'}`);
  const delta = updateMessage(d, 'bench');
  // One workload changes: the stale half of large-0001's pods restarted onto 1-8-0.
  const updated: ProxyStatusData = shapeProxyStatus(largeSnapshot(500, 20, new Set([1])), 'bench');
  const state = (d: ProxyStatusData, seq?: number): HostMessage => ({ type: 'state', context: 'bench', data: d, seq });
  const filters = (search: string): HostMessage => ({ type: 'filters', filters: { staleOnly: false, notSynced: false, search } });

  const harness = await startPageHarness(path.join(os.tmpdir(), 'istio-revisions-bench-webview'));
  const problems: string[] = [];
  const out: WebviewBench = {
    proxies: data.workloads.reduce((a, w) => a + w.proxies, 0),
    namespaces: data.namespaces.length,
    workloads: data.workloads.length,
    firstRender: { handler: [], frame: [] },
    updateOne: { handler: [], frame: [] },
    updateDelta: { handler: [], frame: [] },
    search: { handler: [], frame: [] },
    revisionFilter: { handler: [], frame: [] },
    showMore: { handler: [], frame: [] },
  };
  try {
    for (let i = 0; i < runs + 1; i++) {
      const page = await harness.open(undefined, problems);
      // In the page: dispatch as VS Code delivers a host message, then force style and layout. The
      // message is handed to the page beforehand: a large evaluate argument's own cost through the
      // DevTools protocol (and its garbage) would otherwise land in the next frame.
      const measure = async (m: HostMessage | { select: string; value: string } | { click: string }) => {
        await page.evaluate((msg: any) => {
          window.__next = msg;
        }, m as unknown);
        await page.waitForTimeout(300);
        return page.evaluate(
          () =>
            new Promise<{ handler: number; frame: number }>((resolve) => {
              const msg = window.__next;
              window.__next = undefined;
              const t0 = performance.now();
              if (msg.click) document.querySelector(msg.click).click();
              else if (msg.select) {
                const sel = document.querySelector(msg.select);
                sel.value = msg.value;
                sel.dispatchEvent(new Event('change'));
              } else window.dispatchEvent(new MessageEvent('message', { data: msg }));
              void document.body.offsetHeight;
              const t1 = performance.now();
              requestAnimationFrame(() => resolve({ handler: t1 - t0, frame: performance.now() - t0 }));
            }),
        );
      };
      const rec = (t: PageTiming, x: { handler: number; frame: number }) => {
        if (i === 0) return; // the first page warms Chromium up
        t.handler.push(x.handler);
        t.frame.push(x.frame);
      };
      rec(out.firstRender, await measure(state(data, whole.seq)));
      // The page shows a first page of rows (50) and of namespace bars (50); the rest behind "Show more".
      const rows = await page.$$eval('#rows tr', (trs) => trs.length);
      const count = await page.textContent('#row-count');
      if (rows !== 50 || count !== `${out.workloads} of ${out.workloads} workloads · the first 50 shown`)
        throw new Error(`the page rendered ${rows} rows ("${count}"), not the first 50 of ${out.workloads}`);
      const staleApp1 = () => page.$eval('#rows tr[data-key="large-0001/Deployment/app-1"]', (tr) => tr.classList.contains('is-stale'));
      if (!(await staleApp1())) throw new Error('large-0001/app-1 is not stale before the change');
      rec(out.updateDelta, await measure(delta));
      if (await staleApp1()) throw new Error('the delta did not reach large-0001/app-1');
      rec(out.updateOne, await measure(state(updated)));
      rec(out.search, await measure(filters('app-42')));
      const shown = await page.$$eval('#rows tr', (trs) => trs.length);
      if (shown !== 11) throw new Error(`search "app-42" left ${shown} rows, not 11 (app-42, app-420 … app-429)`);
      await measure(filters(''));
      rec(out.revisionFilter, await measure({ select: '#f-revision', value: '1-8-0' }));
      rec(out.showMore, await measure({ click: '#rows-more' }));
      const more = await page.$$eval('#rows tr', (trs) => trs.length);
      if (more !== 100) throw new Error(`Show more left ${more} rows, not 100`);
    }
  } finally {
    await harness.close();
  }
  if (problems.length) throw new Error(`page problems: ${problems.join('; ')}`);
  return out;
}

if (require.main === module) {
  const i = process.argv.indexOf('--runs');
  benchWebview(i > 0 ? Number(process.argv[i + 1]) : 5)
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
