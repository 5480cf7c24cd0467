// Compiles the extension-host suite (test/vscode/suite) to out/vscode-suite/ with esbuild:
// index.js + one bundle per *.test.ts, CommonJS for Node, `vscode` and `mocha` left external
// (the host provides `vscode`; mocha is required from the repository's node_modules).
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const suite = path.join(root, 'test/vscode/suite');
export const OUT_DIR = path.join(root, 'out/vscode-suite');

export async function buildSuite() {
  fs.rmSync(OUT_DIR, { recursive: true, force: true });
  const entryPoints = ['index.ts', ...fs.readdirSync(suite).filter((f) => f.endsWith('.test.ts'))].map((f) => path.join(suite, f));
  await esbuild.build({
    entryPoints,
    outdir: OUT_DIR,
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    external: ['vscode', 'mocha'],
    sourcemap: 'inline',
    sourcesContent: false,
    logLevel: 'warning',
    mainFields: ['module', 'main'],
    loader: { '.yaml': 'text' },
  });
  return { outDir: OUT_DIR, index: path.join(OUT_DIR, 'index.js'), files: entryPoints.map((e) => path.basename(e)) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await buildSuite();
  console.log(`[vscode-suite] built ${r.files.join(', ')} → ${path.relative(root, r.outDir)}/`);
}
