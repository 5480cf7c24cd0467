// The extension-host suite (test/vscode/suite) in a desktop VS Code downloaded by
// @vscode/test-electron, for machines that can download VS Code. The same suite, the same
// result file and the same pass rule as the code-server runner (run-code-server.mjs), which
// run-all.mjs uses when no download is possible (ISTIO_REVISIONS_VSCODE=electron|code-server
// forces one).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildSuite } from './build.mjs';
import { keepTmp, log, mkTmp, ROOT, secs } from './lib.mjs';

const RELEASES = 'https://update.code.visualstudio.com/api/releases/stable';

/**
 * Which runner the extension-host suite uses: `electron` when VS Code can be downloaded (and, on
 * Linux, a display or Xvfb is there), else `code-server`. Returns { runner, why }.
 */
export async function chooseRunner() {
  const forced = process.env.ISTIO_REVISIONS_VSCODE;
  if (forced === 'electron' || forced === 'code-server') return { runner: forced, why: 'ISTIO_REVISIONS_VSCODE' };
  try {
    const r = await fetch(RELEASES, { signal: AbortSignal.timeout(5000) });
    if (!r.ok) return { runner: 'code-server', why: `${RELEASES}: HTTP ${r.status}` };
  } catch (e) {
    return { runner: 'code-server', why: `VS Code cannot be downloaded here (${RELEASES}: ${e.cause?.code ?? e.message})` };
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !hasXvfb())
    return { runner: 'code-server', why: 'no DISPLAY and no Xvfb (apt-get install xvfb)' };
  return { runner: 'electron', why: 'VS Code can be downloaded' };
}

function hasXvfb() {
  return spawnSync('sh', ['-c', 'command -v Xvfb'], { stdio: 'ignore' }).status === 0;
}

/** opts: { kubeconfig, grep, keep }. Returns { ok, exitCode, summary, seconds }. */
export async function runExtensionHostSuiteElectron(opts) {
  const t0 = Date.now();
  const { runTests } = await import('@vscode/test-electron');
  const built = await buildSuite();
  const dir = mkTmp('istio-revisions-electron-');
  const workspace = path.join(dir, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  const resultFile = path.join(dir, 'result.json');
  let xvfb;
  const env = {
    KUBECONFIG: opts.kubeconfig,
    ISTIO_REVISIONS_VSCODE_RESULT: resultFile,
    ...(opts.grep ? { ISTIO_REVISIONS_VSCODE_GREP: opts.grep } : {}),
  };
  if (process.platform === 'linux' && !process.env.DISPLAY) {
    xvfb = spawn('Xvfb', [':99', '-screen', '0', '1400x900x24'], { stdio: 'ignore' });
    env.DISPLAY = ':99';
  }
  let exitCode;
  try {
    log('ehost', `desktop VS Code through @vscode/test-electron (suite ${path.relative(ROOT, built.index)})`);
    exitCode = await runTests({
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: built.index,
      extensionTestsEnv: env,
      launchArgs: [workspace, '--disable-extensions', '--user-data-dir', path.join(dir, 'user-data'), '--no-sandbox'],
    }).catch((e) => e?.code ?? 1);
  } finally {
    xvfb?.kill();
    if (opts.keep) keepTmp(dir);
  }
  let summary;
  try {
    summary = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
  } catch {
    summary = undefined;
  }
  if (!opts.keep) fs.rmSync(dir, { recursive: true, force: true });
  const ok = exitCode === 0 && !!summary && summary.failures === 0 && summary.pending === 0 && summary.passes > 0;
  return { ok, exitCode, summary, seconds: Number(secs(t0)) };
}
