// Shared pieces of the VS Code end-to-end runners (TESTING.md §A): the set-up step, a
// code-server on loopback with its own XDG/user-data/extensions folders, Debian Chromium
// driven by playwright-core, workbench helpers, and /proc memory sampling.
// Node 20, stdlib + playwright-core only.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { freePort } from '../cluster/cluster.mjs';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const OUTPUT_DIR = path.join(ROOT, 'test-output', 'vscode');
export const EXTENSION_ID = 'istio-revisions.istio-revisions';
export const CONTAINER_TITLE = 'Istio Revisions';
export const CONTEXT = 'istio-revisions-local';

/** Debian Chromium's flags on this machine, shared with the webview harness (test/webview/harness.ts). */
export const CHROMIUM_ARGS = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/chromium-args.json'), 'utf8'));

export const log = (tag, ...a) => console.log(`[${tag}]`, ...a);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const secs = (t0) => ((Date.now() - t0) / 1000).toFixed(1);

/** Runs scripts/setup-vscode.sh (idempotent) and returns { NODE24, CODE_SERVER, CHROMIUM, seconds }. */
export function ensureSetup() {
  const t0 = Date.now();
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/setup-vscode.sh')], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`scripts/setup-vscode.sh failed (exit ${r.status})`);
  const out = Object.fromEntries(
    r.stdout
      .split('\n')
      .filter((l) => /^[A-Z0-9_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  for (const k of ['NODE24', 'CODE_SERVER', 'CHROMIUM']) if (!out[k]) throw new Error(`setup-vscode.sh did not print ${k}`);
  return { ...out, seconds: (Date.now() - t0) / 1000 };
}

function httpGet(url, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => {
      req.destroy();
      resolve(0);
    });
  });
}

// code-server runs in its own process group (detached); make sure no group outlives this process.
const LIVE_GROUPS = new Set();
const LIVE_BROWSERS = new Set();
const TMP_DIRS = new Set();
process.on('exit', () => {
  for (const pid of LIVE_GROUPS) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const d of TMP_DIRS) {
    try {
      fs.rmSync(d, { recursive: true, force: true });
    } catch {
      /* busy */
    }
  }
});

/**
 * On SIGINT/SIGTERM/SIGHUP: runs `cleanup` (at most 20 s), then exits 130; the 'exit' handler
 * above kills the code-server groups, Chromium dies with its pipe, the cluster's children follow their owner.
 */
export function exitOnSignals(cleanup = async () => {}) {
  let once = false;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, async () => {
      if (once) return;
      once = true;
      console.error(`\n[vscode] ${sig}: stopping`);
      const all = async () => {
        await Promise.all([...LIVE_BROWSERS].map((c) => c.close().catch(() => {})));
        await cleanup();
      };
      await Promise.race([all().catch((e) => console.error(e)), sleep(20_000)]);
      process.exit(130);
    });
  }
}

/** User settings that keep the workbench quiet and deterministic for a test run. */
export const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'window.commandCenter': false,
  'workbench.colorTheme': 'Default Dark Modern',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/**
 * Starts code-server on 127.0.0.1:<free port> with every folder it writes under `dir`.
 * opts: { setup, dir, folder, env, extraArgs, vsix, smokeDriver, settings, port }
 * Returns { url, port, proc, dirs, stop(), logFile }.
 */
export async function startCodeServer(opts) {
  const { setup, dir } = opts;
  const dirs = {
    xdgConfig: path.join(dir, 'xdg-config'),
    xdgData: path.join(dir, 'xdg-data'),
    xdgCache: path.join(dir, 'xdg-cache'),
    userData: path.join(dir, 'user-data'),
    extensions: path.join(dir, 'extensions'),
    home: path.join(dir, 'home'),
  };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(dirs.userData, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...(opts.settings ?? {}) }, null, 2));
  const env = {
    ...process.env,
    PATH: `${path.join(setup.NODE24, 'bin')}:${process.env.PATH}`,
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CACHE_HOME: dirs.xdgCache,
    ...(opts.env ?? {}),
  };
  delete env.NODE_OPTIONS;
  const common = ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions];
  if (opts.vsix) {
    const t0 = Date.now();
    const r = spawnSync(setup.CODE_SERVER, [...common, '--install-extension', opts.vsix, '--force'], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`code-server --install-extension failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    log('code-server', `installed ${path.basename(opts.vsix)} in ${secs(t0)} s: ${r.stdout.trim().split('\n').pop()}`);
  }
  const port = opts.port ?? (await freePort());
  const args = [
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    ...common,
  ];
  if (opts.smokeDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  args.push(...(opts.extraArgs ?? []));
  if (opts.folder) args.push(opts.folder);
  const logFile = path.join(dir, 'code-server.log');
  const out = fs.openSync(logFile, 'a');
  const t0 = Date.now();
  const proc = spawn(setup.CODE_SERVER, args, { env, stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  let exited = null;
  LIVE_GROUPS.add(proc.pid);
  proc.on('exit', (code, sig) => {
    exited = code ?? sig;
    LIVE_GROUPS.delete(proc.pid);
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (exited !== null) throw new Error(`code-server exited (${exited}) before it was healthy; log ${logFile}:\n${tail(logFile)}`);
    if ((await httpGet(`${url}/healthz`)) === 200) break;
    if (Date.now() - t0 > 60_000) throw new Error(`code-server not healthy after 60 s; log ${logFile}:\n${tail(logFile)}`);
    await sleep(200);
  }
  log('code-server', `healthy at ${url} in ${secs(t0)} s (pid ${proc.pid})`);
  const stop = async () => {
    if (exited !== null) return;
    try {
      process.kill(-proc.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    for (let i = 0; i < 50 && exited === null; i++) await sleep(100);
    if (exited === null) {
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  };
  return { url, port, proc, dirs, logFile, stop };
}

export function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Launches Debian Chromium through playwright-core with a fresh profile. */
export async function launchBrowser(setup, dir, viewport = { width: 1400, height: 900 }) {
  const { chromium } = await import('playwright-core');
  const profile = path.join(dir, 'chromium-profile');
  fs.mkdirSync(profile, { recursive: true });
  // Signals are ours (exitOnSignals): Playwright's own handlers would close the browser and leave the run waiting.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: setup.CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  LIVE_BROWSERS.add(context);
  context.on('close', () => LIVE_BROWSERS.delete(context));
  return context;
}

// ---- workbench helpers --------------------------------------------------------

export async function waitForWorkbench(page, timeout = 90_000) {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout });
  await page.locator('.activitybar').waitFor({ state: 'visible', timeout });
}

/** Drags the primary sidebar's sash so the sidebar is `width` px wide (tree descriptions readable in screenshots). */
export async function widenSidebar(page, width = 620) {
  const box = await page.locator('[id="workbench.parts.sidebar"]').boundingBox();
  if (!box || box.width >= width) return;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width + 1, y);
  await page.mouse.down();
  await page.mouse.move(box.x + width, y, { steps: 8 });
  await page.mouse.up();
}

/** Runs a command through the palette by its exact title ("Istio: Show Proxy Status"): clicks that row, not the first one. */
export async function runFromPalette(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${title}`);
  const exact = new RegExp(`^\\s*${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  const row = page
    .locator('.quick-input-widget .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: exact }) })
    .first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await row.click();
}

// ---- memory -------------------------------------------------------------------

function readProc(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    let pss = rss;
    try {
      pss = Number(/Pss:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) * 1024 || rss;
    } catch {
      /* not readable */
    }
    let exe = '';
    try {
      exe = fs.readlinkSync(`/proc/${pid}/exe`);
    } catch {
      /* kernel thread / gone */
    }
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return { pid, ppid, rss, pss, exe, cmd };
  } catch {
    return undefined;
  }
}

function classify(p) {
  if (/chrom/i.test(p.exe) || /\/chromium\b/.test(p.cmd)) return 'chromium';
  if (/code-server/.test(p.cmd) || /node-24/.test(p.exe)) return 'codeServer';
  return undefined;
}

/**
 * Samples the memory of every descendant of this process (and of the extra root pids) that is
 * code-server (its Node 24, incl. the extension host) or Chromium. Peaks are of the sums at one instant.
 */
export function startMemorySampler(intervalMs = 500, rootPids = [process.pid]) {
  const peak = { codeServerRss: 0, chromiumRss: 0, totalRss: 0, codeServerPss: 0, chromiumPss: 0, totalPss: 0, samples: 0 };
  const sample = () => {
    const all = [];
    for (const e of fs.readdirSync('/proc'))
      if (/^\d+$/.test(e)) {
        const p = readProc(Number(e));
        if (p) all.push(p);
      }
    const byPid = new Map(all.map((p) => [p.pid, p]));
    const roots = new Set(rootPids);
    const under = (p) => {
      for (let q = p, i = 0; q && i < 64; q = byPid.get(q.ppid), i++) if (roots.has(q.ppid)) return true;
      return false;
    };
    const sum = { codeServerRss: 0, chromiumRss: 0, codeServerPss: 0, chromiumPss: 0 };
    for (const p of all) {
      if (!under(p)) continue;
      const c = classify(p);
      if (!c) continue;
      sum[`${c}Rss`] += p.rss;
      sum[`${c}Pss`] += p.pss;
    }
    peak.samples++;
    for (const k of Object.keys(sum)) peak[k] = Math.max(peak[k], sum[k]);
    peak.totalRss = Math.max(peak.totalRss, sum.codeServerRss + sum.chromiumRss);
    peak.totalPss = Math.max(peak.totalPss, sum.codeServerPss + sum.chromiumPss);
  };
  const timer = setInterval(() => {
    try {
      sample();
    } catch {
      /* racing exits */
    }
  }, intervalMs);
  timer.unref();
  return {
    peak,
    stop() {
      clearInterval(timer);
      try {
        sample();
      } catch {
        /* ignore */
      }
      return peak;
    },
  };
}

export const mb = (b) => `${(b / 1024 / 1024).toFixed(0)} MB`;

/** A temp folder removed when this process exits (also on a signal), unless keepTmp() was called for it. */
export function mkTmp(prefix) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  TMP_DIRS.add(d);
  return d;
}

export function keepTmp(dir) {
  TMP_DIRS.delete(dir);
}
