/**
 * The l10n bundle and src/ui agree: every `l10n.t('…')` message is a key of l10n/bundle.l10n.json
 * (regenerate it with `npx @vscode/l10n-dev export --outDir ./l10n ./src/ui`), no key is left over,
 * and each key's placeholders are {0}..{n} without gaps. Reads the source text; no vscode.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const root = path.resolve(__dirname, '../..');
const bundle: Record<string, string> = JSON.parse(fs.readFileSync(path.join(root, 'l10n/bundle.l10n.json'), 'utf8'));

function files(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? files(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []));
}

/** The first argument of every `l10n.t(` / `vscode.l10n.t(` call: its text, or where a call passes something else. */
function messages(): { text?: string; where: string }[] {
  const out: { text?: string; where: string }[] = [];
  for (const f of files(path.join(root, 'src/ui'))) {
    const src = ts.createSourceFile(f, fs.readFileSync(f, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node): void => {
      if (ts.isCallExpression(n) && /(^|\.)l10n\.t$/.test(n.expression.getText(src))) {
        const a = n.arguments[0];
        const where = `${path.relative(root, f)}:${src.getLineAndCharacterOfPosition(n.getStart(src)).line + 1}`;
        out.push({ text: a && (ts.isStringLiteral(a) || ts.isNoSubstitutionTemplateLiteral(a)) ? a.text : undefined, where });
      }
      ts.forEachChild(n, visit);
    };
    visit(src);
  }
  return out;
}

describe('l10n bundle', () => {
  const used = messages();

  it('every l10n.t message in src/ui is a literal and a key of l10n/bundle.l10n.json', () => {
    assert.ok(used.length > 100, `only ${used.length} l10n.t calls found`);
    assert.deepEqual(
      used.filter((m) => m.text === undefined).map((m) => m.where),
      [],
      'the first argument of l10n.t must be a string literal',
    );
    assert.deepEqual(
      used.filter((m) => !(m.text! in bundle)).map((m) => `${m.where}: ${m.text}`),
      [],
      'missing from the bundle: npx @vscode/l10n-dev export --outDir ./l10n ./src/ui',
    );
  });

  it('the bundle has no key that no source uses', () => {
    const texts = new Set(used.map((m) => m.text));
    assert.deepEqual(
      Object.keys(bundle).filter((k) => !texts.has(k)),
      [],
    );
  });

  it('placeholders are {0}..{n} without gaps', () => {
    for (const k of Object.keys(bundle)) {
      const nums = [...new Set([...k.matchAll(/\{(\d+)\}/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);
      assert.deepEqual(
        nums,
        nums.map((_, i) => i),
        k,
      );
    }
  });
});
