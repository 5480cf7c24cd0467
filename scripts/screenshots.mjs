// Regenerates the README's pictures from the real VS Code run:
//   1. the UI phase of the VS Code tier (the packaged extension in code-server, driven by
//      Chromium, on the local cluster's `seed` scenario) writes test-output/vscode/*.png;
//   2. the pictures the README uses are copied to media/screenshots/ (the extension's details page,
//      the listing's first screen, to docs/) and shrunk with pngquant
//      (Debian's, installed when missing), lossless optipng when pngquant is not there.
//
//   node scripts/screenshots.mjs [--no-run]      (npm run screenshots)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const from = path.join(root, 'test-output/vscode');
const to = path.join(root, 'media/screenshots');

/** README picture (or, with a path, a documentation picture) ← the UI run's screenshot. */
const PICTURES = {
  '../../docs/listing-details.png': 'extension-details.png',
  'tree.png': 'tree.png',
  'move-dialog.png': 'move-dialog.png',
  'uninstall-blocked.png': 'uninstall-blocked.png',
  'proxy-status.png': 'proxy-status.png',
  'proxy-status-light.png': 'proxy-status-light.png',
  'diagnostics-quick-fix.png': 'diagnostics-quick-fix.png',
};

const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

if (!process.argv.includes('--no-run')) {
  const r = run(process.execPath, ['test/vscode/run-all.mjs', '--only', 'seed']);
  if (r.status !== 0) console.error('[screenshots] the UI run had failures; copying what it produced');
}
if (!has('pngquant') && process.getuid?.() === 0)
  run('sh', ['-c', 'apt-get install -y -qq pngquant >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq pngquant)']);

fs.mkdirSync(to, { recursive: true });
let missing = 0;
for (const [dest, src] of Object.entries(PICTURES)) {
  const file = path.join(from, src);
  if (!fs.existsSync(file)) {
    console.error(`[screenshots] ${path.relative(root, file)} missing`);
    missing++;
    continue;
  }
  const out = path.join(to, dest);
  const before = fs.statSync(file).size;
  if (has('pngquant')) {
    const r = spawnSync('pngquant', ['--force', '--skip-if-larger', '--quality=70-95', '--strip', '--output', out, file]);
    if (r.status !== 0 && r.status !== 98 && r.status !== 99) throw new Error(`pngquant ${file}: exit ${r.status}`);
    if (!fs.existsSync(out) || r.status === 98 || r.status === 99) fs.copyFileSync(file, out);
  } else {
    fs.copyFileSync(file, out);
    if (has('optipng')) run('optipng', ['-quiet', '-o2', out]);
  }
  console.log(`[screenshots] ${path.relative(root, out)}: ${(before / 1024).toFixed(0)} KiB → ${(fs.statSync(out).size / 1024).toFixed(0)} KiB`);
}
process.exit(missing ? 1 : 0);
