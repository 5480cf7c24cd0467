// The package check of the test command, run after `npm run package`:
//   - `vsce ls` lists exactly what the installed extension loads (no source, test, screenshot or
//     development file ships), and the .vsix stays under 1 MB;
//   - the listing's fields: a 128×128 PNG icon, repository, bugs, homepage, categories, keywords,
//     gallery banner, qna, and a CHANGELOG entry for the version;
//   - every picture the README references exists, is relative (vsce rewrites it to the
//     repository), is a PNG under 400 KB and is not shipped; no picture in media/screenshots is
//     left unreferenced.
// Prints the `vsce ls` output and one line per failure; exit 1 on any failure.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const rel = (p) => path.relative(root, p);
const fails = [];
const fail = (msg) => fails.push(msg);
const MAX_VSIX = 1024 * 1024;
const MAX_PICTURE = 400 * 1024;

// ---- what ships -------------------------------------------------------------------
const vsce = spawnSync(path.join(root, 'node_modules/.bin/vsce'), ['ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' });
if (vsce.status !== 0) {
  console.error(vsce.stderr);
  process.exit(1);
}
const shipped = vsce.stdout
  .split('\n')
  .map((l) => l.trim())
  .filter(Boolean)
  .sort();
console.log(`[package] vsce ls (${shipped.length} files):\n  ${shipped.join('\n  ')}`);

const listDir = (d) => (fs.existsSync(path.join(root, d)) ? fs.readdirSync(path.join(root, d)).map((f) => `${d}/${f}`) : []);
const expected = [
  'package.json',
  'package.nls.json',
  'README.md',
  'CHANGELOG.md',
  'LICENSE',
  'dist/extension.js',
  'dist/kube-config.js',
  'dist/yaml.js',
  'dist/cli.js',
  'media/istio.svg',
  'media/icon.png',
  ...listDir('media/webview'),
  ...listDir('media/walkthrough'),
  ...listDir('l10n'),
].sort();
for (const f of shipped) if (!expected.includes(f)) fail(`${f} ships in the .vsix but the extension does not load it (.vscodeignore)`);
for (const f of expected) if (!shipped.includes(f)) fail(`${f} is missing from the .vsix`);
for (const f of shipped) if (/(^|\/)(src|test|scripts|webview-ui|node_modules)\/|\.map$|\.ts$|^\.|\/\./.test(f)) fail(`development file ${f} ships`);

const vsix = path.join(root, 'dist/istio-revisions.vsix');
if (!fs.existsSync(vsix)) fail(`${rel(vsix)} missing: run npm run package first`);
else {
  const size = fs.statSync(vsix).size;
  console.log(`[package] ${rel(vsix)}: ${(size / 1024).toFixed(0)} KiB (limit ${MAX_VSIX / 1024} KiB)`);
  if (size > MAX_VSIX) fail(`the .vsix is ${(size / 1024).toFixed(0)} KiB, over 1 MB`);
}

// ---- the listing's fields ---------------------------------------------------------
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const png = (file) => {
  const b = fs.readFileSync(file);
  if (b.length < 24 || b.readUInt32BE(0) !== 0x89504e47) return undefined;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), bytes: b.length };
};
if (!pkg.icon) fail('package.json has no icon');
else if (!fs.existsSync(path.join(root, pkg.icon))) fail(`icon ${pkg.icon} does not exist`);
else {
  const p = png(path.join(root, pkg.icon));
  if (!p) fail(`icon ${pkg.icon} is not a PNG (the Marketplace refuses SVG icons)`);
  else if (p.width < 128 || p.width !== p.height) fail(`icon ${pkg.icon} is ${p.width}×${p.height}, not square ≥ 128`);
}
if (!/^https:\/\//.test(pkg.repository?.url ?? '')) fail('package.json has no https repository.url');
if (!/^https:\/\//.test(pkg.bugs?.url ?? '')) fail('package.json has no bugs.url');
if (!/^https:\/\//.test(pkg.homepage ?? '')) fail('package.json has no homepage');
if (!pkg.galleryBanner?.color) fail('package.json has no galleryBanner');
if (!('qna' in pkg)) fail('package.json says nothing about qna');
for (const c of ['Visualization', 'Linters']) if (!(pkg.categories ?? []).includes(c)) fail(`category ${c} missing`);
if ((pkg.keywords ?? []).length < 5 || pkg.keywords.length > 30) fail(`keywords: ${pkg.keywords?.length ?? 0} (5–30)`);
const changelog = fs.existsSync(path.join(root, 'CHANGELOG.md')) ? fs.readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8') : '';
if (!new RegExp(`^## \\[?${pkg.version.replace(/\./g, '\\.')}\\]?`, 'm').test(changelog)) fail(`CHANGELOG.md has no entry "## ${pkg.version}"`);

// ---- the README's pictures --------------------------------------------------------
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const refs = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)[^)]*\)|<img[^>]+src="([^"]+)"/g)].map((m) => m[1] ?? m[2]);
if (!refs.length) fail('the README shows no picture');
for (const r of refs) {
  if (/^[a-z]+:/i.test(r)) {
    fail(`README picture ${r} is absolute: reference it relatively so it also shows from a checkout`);
    continue;
  }
  const file = path.join(root, r);
  if (!fs.existsSync(file)) {
    fail(`README picture ${r} does not exist (npm run screenshots)`);
    continue;
  }
  const p = png(file);
  if (!p) fail(`README picture ${r} is not a PNG`);
  else if (p.bytes > MAX_PICTURE)
    fail(`README picture ${r} is ${(p.bytes / 1024).toFixed(0)} KiB, over ${MAX_PICTURE / 1024} KiB (npm run screenshots shrinks it)`);
  if (shipped.includes(r.replace(/^\.\//, ''))) fail(`README picture ${r} ships in the .vsix`);
}
for (const f of listDir('media/screenshots')) if (!refs.some((r) => r.replace(/^\.\//, '') === f)) fail(`${f} is not referenced by the README`);
console.log(`[package] README pictures: ${refs.length} (${refs.join(', ')})`);

if (fails.length) {
  console.error(`[package] ${fails.length} problem(s):\n  ${fails.join('\n  ')}`);
  process.exit(1);
}
console.log('[package] listing, contents and size ok');
