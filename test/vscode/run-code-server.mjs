// Runs the extension-host suite (test/vscode/suite, compiled to out/vscode-suite) inside the
// real VS Code extension host of code-server (TESTING.md §A): code-server started with the
// smoke-test driver, a Chromium page opened with the test-electron payload
// (extensionDevelopmentPath + extensionTestsPath as vscode-remote URIs), the result taken from
// window.codeAutomationExit. Exit code 0 = every test passed.
//
//   node test/vscode/run-code-server.mjs [--kubeconfig FILE] [--grep RE] [--no-build]
// Needs a running cluster (KUBECONFIG or --kubeconfig) and a built extension (dist/extension.js).
import fs from 'node:fs';
import path from 'node:path';
import { buildSuite } from './build.mjs';
import { ensureSetup, exitOnSignals, keepTmp, launchBrowser, log, mkTmp, OUTPUT_DIR, ROOT, secs, startCodeServer, tail } from './lib.mjs';

/**
 * opts: { setup, kubeconfig, grep, timeoutMs, keep }
 * Returns { ok, exitCode, summary, seconds, output }.
 */
export async function runExtensionHostSuite(opts) {
  const t0 = Date.now();
  const setup = opts.setup ?? ensureSetup();
  if (!fs.existsSync(path.join(ROOT, 'dist/extension.js'))) throw new Error('dist/extension.js missing: run `npm run build` (or `npm run package`) first');
  const built = await buildSuite();
  const dir = mkTmp('istio-revisions-ehost-');
  const workspace = path.join(dir, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  const logFile = path.join(dir, 'suite.log');
  const resultFile = path.join(dir, 'result.json');
  const env = {
    KUBECONFIG: opts.kubeconfig,
    ISTIO_REVISIONS_VSCODE_LOG: logFile,
    ISTIO_REVISIONS_VSCODE_RESULT: resultFile,
    ...(opts.grep ? { ISTIO_REVISIONS_VSCODE_GREP: opts.grep } : {}),
  };
  let server;
  let context;
  let printed = 0;
  const pump = () => {
    // Stream the suite's own log (written by suite/index.ts) as it grows.
    try {
      const text = fs.readFileSync(logFile, 'utf8');
      if (text.length > printed) {
        process.stdout.write(text.slice(printed));
        printed = text.length;
      }
    } catch {
      /* not yet */
    }
  };
  const pumpTimer = setInterval(pump, 300);
  try {
    server = await startCodeServer({ setup, dir, folder: workspace, env, smokeDriver: true });
    const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(ROOT)],
      ['extensionTestsPath', remote(built.index)],
    ];
    const url = `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    context = await launchBrowser(setup, dir);
    const page = context.pages()[0] ?? (await context.newPage());
    const hostLog = [];
    let resolveExit;
    const exited = new Promise((r) => {
      resolveExit = r;
    });
    await page.exposeFunction('codeAutomationExit', (code, logs) => {
      resolveExit({ code, logs });
    });
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      hostLog.push(`${type}: ${Array.isArray(args) ? args.join(' ') : args}`);
    });
    log('ehost', `opening the workbench with the test payload (suite ${path.relative(ROOT, built.index)})`);
    await page.goto(url);
    const timeoutMs = opts.timeoutMs ?? 300_000;
    const result = await Promise.race([exited, new Promise((r) => setTimeout(() => r({ code: 'timeout' }), timeoutMs))]);
    pump();
    let summary;
    try {
      summary = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
    } catch {
      summary = undefined;
    }
    const ok = result.code === 0 && !!summary && summary.failures === 0 && summary.pending === 0 && summary.passes > 0;
    if (!ok) {
      fs.mkdirSync(OUTPUT_DIR, { recursive: true });
      await page.screenshot({ path: path.join(OUTPUT_DIR, 'ehost-failure.png') }).catch(() => {});
      if (!printed) console.log(hostLog.slice(-60).join('\n'));
      if (result.code === 'timeout') console.log(`[ehost] no result after ${timeoutMs / 1000} s; code-server log:\n${tail(server.logFile)}`);
    }
    return { ok, exitCode: result.code, summary, seconds: Number(secs(t0)) };
  } finally {
    clearInterval(pumpTimer);
    await context?.close().catch(() => {});
    await server?.stop();
    if (!opts.keep) fs.rmSync(dir, { recursive: true, force: true });
    else {
      keepTmp(dir);
      log('ehost', `kept ${dir}`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  exitOnSignals();
  const arg = (n) => {
    const i = process.argv.indexOf(n);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const kubeconfig = arg('--kubeconfig') ?? process.env.KUBECONFIG;
  if (!kubeconfig) {
    console.error('KUBECONFIG or --kubeconfig is required (start one: node test/cluster/cluster.mjs start --scenario seed)');
    process.exit(2);
  }
  const r = await runExtensionHostSuite({ kubeconfig: path.resolve(kubeconfig), grep: arg('--grep'), keep: process.argv.includes('--keep') });
  log('ehost', `${r.ok ? 'PASSED' : 'FAILED'} (host exit ${r.exitCode}) in ${r.seconds} s`, r.summary ? JSON.stringify(r.summary) : '(no summary)');
  process.exit(r.ok ? 0 : 1);
}
