/**
 * Entry of the extension-host suite, in @vscode/test-electron's convention: the host
 * loads this file (extensionTestsPath) and awaits run(); a rejection is a failed run.
 * The same file runs under test-electron (where VS Code can be downloaded) and under
 * code-server's smoke-test driver (test/vscode/run-code-server.mjs).
 *
 * Env: ISTIO_REVISIONS_VSCODE_GREP (mocha grep), ISTIO_REVISIONS_VSCODE_LOG (also append
 * the output to this file), ISTIO_REVISIONS_VSCODE_RESULT (write a JSON summary here).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';

// Resolved from the repository's node_modules at run time (esbuild leaves it external).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- external to the bundle, resolved at run time
const Mocha = require('mocha') as typeof import('mocha');

export function run(): Promise<void> {
  const logFile = process.env.ISTIO_REVISIONS_VSCODE_LOG;
  const resultFile = process.env.ISTIO_REVISIONS_VSCODE_RESULT;
  // Mocha's reporters print through Base.consoleLog; the tests' own console.log calls too (patched below).
  const origLog = console.log.bind(console);
  const emit = (...args: unknown[]) => {
    if (logFile) {
      try {
        fs.appendFileSync(logFile, util.format(...args) + '\n');
      } catch {
        /* keep going */
      }
    }
    origLog(...args);
  };
  const base = (Mocha as any).reporters.Base;
  const origBaseLog = base.consoleLog;
  base.consoleLog = emit;
  const origConsoleLog = console.log;
  console.log = emit;
  const restore = () => {
    base.consoleLog = origBaseLog;
    console.log = origConsoleLog;
  };
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    reporter: 'spec',
    timeout: 60_000,
    slow: 5_000,
    grep: process.env.ISTIO_REVISIONS_VSCODE_GREP || undefined,
    forbidOnly: true,
    forbidPending: true,
  });
  const dir = __dirname;
  // extension.test.js first (activation and the untouched seed tree), then actions, then the rest.
  const order = (f: string) => {
    const i = ['extension.test.js', 'actions.test.js'].indexOf(f);
    return i < 0 ? 99 : i;
  };
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.test.js'))
    .sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  for (const f of files) mocha.addFile(path.join(dir, f));
  const t0 = Date.now();
  return new Promise<void>((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const stats = runner.stats ?? { passes: 0, failures, pending: 0, tests: 0 };
        const summary = { passes: stats.passes, failures: stats.failures, pending: stats.pending, tests: stats.tests, ms: Date.now() - t0, files };
        if (resultFile) {
          try {
            fs.writeFileSync(resultFile, JSON.stringify(summary, null, 2));
          } catch {
            /* reported below */
          }
        }
        emit(`${summary.passes} passed, ${summary.failures} failed, ${summary.pending} skipped`);
        restore();
        if (failures > 0) reject(new Error(`${failures} test(s) failed`));
        else if (summary.passes === 0) reject(new Error('no test ran'));
        else if (summary.pending > 0)
          reject(new Error(`${summary.pending} test(s) skipped or pending: every check's precondition is provided by the test command`));
        else resolve();
      });
    } catch (e) {
      restore();
      reject(e);
    }
  });
}
