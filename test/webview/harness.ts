/**
 * The Proxy status page in a real browser, shared by the Chromium tests and the webview bench:
 * Debian's Chromium driven by playwright-core, the page bundle built into `<outDir>/media`,
 * served on loopback with the host's own HTML and CSP (renderPanelHtml), and a stub
 * acquireVsCodeApi that records what the page posts (`window.__posted`).
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { renderPanelHtml } from '../../src/webview/protocol';
import CHROMIUM_ARGS from '../chromium-args.json';

const root = path.resolve(__dirname, '../..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface PageHarness {
  origin: string;
  /** A fresh browser context on the page (the previous one closed), with `savedState` as the webview's state; CSP violations and page errors go to `problems`. */
  open(savedState?: unknown, problems?: string[], viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function startPageHarness(outDir: string): Promise<PageHarness> {
  let pw: typeof import('playwright-core');
  try {
    pw = await import('playwright-core');
  } catch {
    // scripts/test.sh installs both (npm ci, apt-get install chromium): their absence is a failure, not a skip.
    throw new Error('playwright-core is not installed (run npm ci)');
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  const media = path.join(outDir, 'media');
  fs.mkdirSync(media, { recursive: true });
  const b = spawnSync(process.execPath, [path.join(root, 'webview-ui', 'build.mjs'), '--outdir', media], { encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`page build failed: ${b.stderr}`);

  let origin = '';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/') {
      // The host's own HTML and CSP, with a fresh nonce, as a webview would get it.
      const html = renderPanelHtml({
        nonce: crypto.randomBytes(16).toString('base64url'),
        cspSource: origin,
        title: 'Proxy status — local',
        scriptUri: `${origin}/media/proxyStatus.js`,
        styleUri: `${origin}/media/proxyStatus.css`,
      });
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
      return;
    }
    const file = path.join(media, path.basename(url.pathname));
    if (url.pathname.startsWith('/media/') && fs.existsSync(file)) {
      res.writeHead(200, { 'Content-Type': file.endsWith('.css') ? 'text/css' : 'text/javascript' }).end(fs.readFileSync(file));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const browser: Browser = await pw.chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  let ctx: BrowserContext | undefined;
  return {
    origin,
    async open(savedState, problems = [], viewport = { width: 1100, height: 1300 }) {
      await ctx?.close();
      ctx = await browser.newContext({ viewport });
      const page = await ctx.newPage();
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      // acquireVsCodeApi as VS Code provides it, recording posts (init scripts are not subject to the page's CSP).
      // A string, not a function: tsx's transform would add helpers the browser does not have.
      await page.addInitScript(`(() => {
        const st = ${JSON.stringify(savedState ?? null)};
        window.__posted = [];
        window.__state = st;
        window.acquireVsCodeApi = () => ({
          postMessage: (m) => { window.__posted.push(JSON.parse(JSON.stringify(m))); },
          getState: () => window.__state,
          setState: (s) => { window.__state = JSON.parse(JSON.stringify(s)); },
        });
      })();`);
      await page.goto(origin + '/');
      return page;
    },
    async close() {
      await ctx?.close();
      await browser.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
