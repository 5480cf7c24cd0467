/**
 * package.json and the code agree (in the spirit of vscode-pull-request-github's
 * scripts/check-commands.js): every contributed command is registered, every
 * registered command is contributed, every view has a provider, and every command
 * a menu names exists.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONTEXT_FLAGS, contextValue, type NodeKind } from '../../src/ui/contextValues';

const root = path.resolve(__dirname, '../..');
const nls: Record<string, string> = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8'));
/** package.json with its %key% placeholders replaced from package.nls.json, as VS Code shows it. */
const rawPkg = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
const pkg = JSON.parse(rawPkg, (_k, v) => (typeof v === 'string' && /^%[\w.-]+%$/.test(v) ? (nls[v.slice(1, -1)] ?? v) : v));

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every .ts/.mjs/.js file under dir, node_modules and Go sources aside. */
function sourceFilesAll(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === 'node_modules' ? [] : sourceFilesAll(p);
    return /\.(ts|mts|mjs|js)$/.test(d.name) ? [p] : [];
  });
}

/** Command ids registered through the COMMANDS list (each module declares `id: '...'`). */
function registeredCommandIds(): string[] {
  const index = fs.readFileSync(path.join(root, 'src/ui/commands/index.ts'), 'utf8');
  const listed =
    /COMMANDS: CommandModule\[\] = \[([^\]]*)\]/
      .exec(index)?.[1]
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean) ?? [];
  const ids: string[] = [];
  for (const f of sourceFiles(path.join(root, 'src/ui/commands'))) {
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(/export const (\w+): CommandModule = \{\s*id: '([^']+)'/g)) if (listed.includes(m[1])) ids.push(m[2]);
  }
  return ids.sort();
}

describe('package.json contributions match the code', () => {
  const contributed: string[] = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();

  it('every contributed command is registered, and nothing else', () => {
    assert.deepEqual(registeredCommandIds(), contributed);
  });

  it('every command named by a menu or welcome view is contributed', () => {
    const named = new Set<string>();
    for (const items of Object.values(pkg.contributes.menus) as { command: string }[][]) for (const i of items) named.add(i.command);
    for (const w of pkg.contributes.viewsWelcome) for (const m of (w.contents as string).matchAll(/\(command:([\w.]+)\)/g)) named.add(m[1]);
    for (const wt of pkg.contributes.walkthroughs ?? [])
      for (const st of wt.steps) {
        for (const m of (st.description as string).matchAll(/\(command:([\w.]+)\)/g)) named.add(m[1]);
        for (const ev of st.completionEvents ?? []) if (ev.startsWith('onCommand:')) named.add(ev.slice('onCommand:'.length));
        if (st.media?.markdown) assert.ok(fs.existsSync(path.join(root, st.media.markdown)), `${st.media.markdown} missing`);
      }
    for (const c of named) assert.ok(contributed.includes(c), `${c} is used in a menu but not contributed`);
  });

  it('every contributed view gets a tree provider in activate()', () => {
    const ext = fs.readFileSync(path.join(root, 'src/extension.ts'), 'utf8');
    const views = Object.values(pkg.contributes.views).flat() as { id: string }[];
    for (const v of views) {
      const constName = /export const (\w+) = '([^']+)'/g;
      const consts = new Map([...ext.matchAll(constName)].map((m) => [m[1], m[2]]));
      const created = [...ext.matchAll(/createTreeView\((\w+|'[^']+')/g)].map((m) => (m[1].startsWith("'") ? m[1].slice(1, -1) : consts.get(m[1])));
      assert.ok(created.includes(v.id), `view ${v.id} has no createTreeView`);
    }
  });

  it('every %placeholder% in package.json has its string in package.nls.json, and no string is unused', () => {
    const used = new Set([...rawPkg.matchAll(/"%([\w.-]+)%"/g)].map((m) => m[1]));
    assert.deepEqual(
      [...used].filter((k) => !(k in nls)),
      [],
    );
    assert.deepEqual(
      Object.keys(nls).filter((k) => !used.has(k)),
      [],
    );
  });

  it('engines.vscode and @types/vscode name the same minimum', () => {
    assert.equal(pkg.engines.vscode.replace(/^\^/, ''), pkg.devDependencies['@types/vscode']);
  });

  it('src/istio imports neither vscode nor the Kubernetes client', () => {
    for (const f of sourceFiles(path.join(root, 'src/istio'))) {
      const text = fs.readFileSync(f, 'utf8');
      assert.doesNotMatch(text, /from ['"]vscode['"]|require\(['"]vscode['"]\)/, f);
      assert.doesNotMatch(text, /@kubernetes\/client-node|from ['"]\.\.\/k8s/, f);
    }
  });

  it('every tree menu `when` clause can match an item the code produces (CONTEXT_FLAGS)', () => {
    const candidates: string[] = [];
    for (const [kind, flags] of Object.entries(CONTEXT_FLAGS) as [NodeKind, readonly string[]][]) {
      for (let mask = 0; mask < 1 << flags.length; mask++) {
        candidates.push(contextValue(kind, Object.fromEntries(flags.map((f, i) => [f, (mask & (1 << i)) !== 0]))));
      }
    }
    const menus = pkg.contributes.menus as Record<string, { command: string; when?: string }[]>;
    const clauses = Object.entries(menus).flatMap(([where, items]) => items.filter((m) => /viewItem/.test(m.when ?? '')).map((m) => ({ where, ...m })));
    assert.ok(clauses.length > 10, `only ${clauses.length} menu entries test viewItem`);
    const dead: string[] = [];
    for (const m of clauses) {
      // Each && term on viewItem must hold for the same item; a term with || alternatives needs one of them.
      const terms = m.when!.split('&&').filter((t) => /viewItem/.test(t));
      const tests = terms.map((t) => {
        const alts = [...t.matchAll(/viewItem\s*(=~|==)\s*(\/((?:\\\/|[^/])+)\/([a-z]*)|[\w.+-]+)/g)];
        assert.ok(alts.length > 0, `cannot read "${t.trim()}" in ${m.command}`);
        return (v: string) => alts.some((a) => (a[1] === '==' ? v === a[2] : new RegExp(a[3], a[4]).test(v)));
      });
      if (!candidates.some((v) => tests.every((f) => f(v)))) dead.push(`${m.where} ${m.command}: ${m.when}`);
      // Every regex alternative (split on a top-level |) must match something, or it is dead text.
      for (const t of terms) {
        for (const a of t.matchAll(/viewItem\s*=~\s*\/((?:\\\/|[^/])+)\/([a-z]*)/g)) {
          const src = a[1];
          let depth = 0;
          let start = 0;
          const parts: string[] = [];
          for (let i = 0; i < src.length; i++) {
            if (src[i] === '\\') i++;
            else if (src[i] === '(') depth++;
            else if (src[i] === ')') depth--;
            else if (src[i] === '|' && depth === 0) {
              parts.push(src.slice(start, i));
              start = i + 1;
            }
          }
          parts.push(src.slice(start));
          for (const part of parts) if (!candidates.some((v) => new RegExp(part, a[2]).test(v))) dead.push(`${m.where} ${m.command}: /${part}/ of ${m.when}`);
        }
      }
    }
    assert.deepEqual(dead, []);
  });

  it('the Settings interface and package.json declare the same istioRevisions.* keys, with the same defaults', () => {
    const text = fs.readFileSync(path.join(root, 'src/ui/settings.ts'), 'utf8');
    const block = /export interface Settings \{([^}]*)\}/.exec(text)![1];
    const keys = [...block.matchAll(/^\s*(\w+)\s*:/gm)].map((m) => m[1]).sort();
    const conf = [pkg.contributes.configuration].flat().flatMap((c: { properties: Record<string, { default?: unknown }> }) => Object.entries(c.properties));
    const declared = conf.map(([k]) => k.replace(/^istioRevisions\./, '')).sort();
    assert.deepEqual(keys, declared);
    // readSettings' fallbacks (`|| 'x'`, `?? 5`) are the declared defaults.
    let checked = 0;
    for (const m of text.matchAll(/c\.get<\w+>\('(\w+)'\)\s*(?:\|\||\?\?)\s*('[^']*'|\d+|true|false)/g)) {
      const def = conf.find(([k]) => k === `istioRevisions.${m[1]}`)?.[1].default;
      assert.deepEqual(def, JSON.parse(m[2].replace(/'/g, '"')), `default of ${m[1]}`);
      checked++;
    }
    assert.ok(checked >= 5, `only ${checked} defaults read from readSettings`);
  });

  it('layering: src/istio, src/k8s, src/tools and src/cli import nothing from src/ui or src/webview', () => {
    const imports = (text: string) => [...text.matchAll(/(?:from|import\(|require\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
    for (const layer of ['istio', 'k8s', 'tools', 'cli']) {
      for (const f of sourceFiles(path.join(root, 'src', layer))) {
        for (const spec of imports(fs.readFileSync(f, 'utf8'))) {
          if (!spec.startsWith('.')) continue;
          const target = path.relative(path.join(root, 'src'), path.resolve(path.dirname(f), spec)).split(path.sep)[0];
          assert.ok(target !== 'ui' && target !== 'webview', `${path.relative(root, f)} imports ${spec} (src/${target})`);
        }
      }
    }
  });

  it('every eslint-disable comment says why (`-- reason`)', () => {
    const files = ['src', 'test', 'scripts', 'webview-ui/src'].flatMap((d) => sourceFilesAll(path.join(root, d)));
    const bare: string[] = [];
    for (const f of files.filter((x) => !x.endsWith('contributes.test.ts'))) {
      fs.readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/eslint-disable/.test(line) && !/eslint-disable[\w-]*\s+[^\s]+.*\s--\s+\S/.test(line)) bare.push(`${path.relative(root, f)}:${i + 1}`);
        });
    }
    assert.deepEqual(bare, []);
  });

  it('src/k8s and the CLI do not import vscode', () => {
    for (const f of [...sourceFiles(path.join(root, 'src/k8s')), ...sourceFiles(path.join(root, 'src/cli'))]) {
      assert.doesNotMatch(fs.readFileSync(f, 'utf8'), /from ['"]vscode['"]/, f);
    }
  });
});
