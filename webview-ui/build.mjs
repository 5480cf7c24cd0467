// Bundles the Proxy status page (webview-ui/src) for the browser: one IIFE script and
// one stylesheet in media/webview/, the only folder the webview may load from.
// `--production` minifies; `--watch` rebuilds on change; `--outdir <dir>` writes elsewhere
// (test/webview/panel.test.ts builds into test-output/).
import * as esbuild from 'esbuild';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

export function options({ production = false, outdir = path.join(root, 'media', 'webview') } = {}) {
  return {
    // main.ts imports proxyStatus.css, so esbuild writes proxyStatus.css beside proxyStatus.js.
    entryPoints: { proxyStatus: path.join(here, 'src', 'main.ts') },
    outdir,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: ['chrome114'],
    minify: production,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    tsconfig: path.join(here, 'tsconfig.json'),
  };
}

export async function build(opts = {}) {
  return esbuild.build(options(opts));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const production = process.argv.includes('--production');
  const i = process.argv.indexOf('--outdir');
  const outdir = i > 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]) : undefined;
  if (process.argv.includes('--watch')) {
    await (await esbuild.context(options({ production, outdir }))).watch();
  } else {
    await build({ production, outdir });
  }
}
