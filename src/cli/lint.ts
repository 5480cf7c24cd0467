/**
 * `istio-revisions lint <files|dirs…>`: the manifest diagnostics headless, for pre-commit
 * hooks and CI. Static rules always; with --context also the cluster rules, against that
 * cluster's live state. Output: text (path:line:col), JSON, or SARIF 2.1.0 for code-scanning UIs.
 * Exit 1 when any finding is a warning or an error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lintContextFrom, lintText, RULES, SYNTAX_CODE, type Finding } from '../istio/lint';
import { EXIT, type Args } from './args';
import { openSession, type Io } from './session';

const YAML_FILE = /\.ya?ml$/i;
const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'dist', 'out', '.vscode-test']);

/** The YAML files named or found under the named directories, sorted, each once. */
export function collectFiles(inputs: string[]): { files: string[]; problems: string[] } {
  const files = new Set<string>();
  const problems: string[] = [];
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      problems.push(`${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(p);
      } else if (e.isFile() && YAML_FILE.test(e.name)) files.add(p);
    }
  };
  for (const i of inputs) {
    let st: fs.Stats;
    try {
      st = fs.statSync(i);
    } catch {
      problems.push(`${i}: no such file or directory`);
      continue;
    }
    if (st.isDirectory()) walk(i);
    else files.add(i);
  }
  return { files: [...files], problems };
}

interface Located extends Finding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) out.push(i + 1);
  return out;
}

function position(starts: number[], offset: number): { line: number; column: number } {
  let lo = 0,
    hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo] + 1 };
}

const failing = (f: Finding) => f.severity === 'error' || f.severity === 'warning';

export function toSarif(found: Located[], root: string): unknown {
  const codes = [SYNTAX_CODE, ...RULES.map((r) => r.code)];
  const title = (c: string) => (c === SYNTAX_CODE ? 'YAML syntax error' : (RULES.find((r) => r.code === c)?.title ?? c));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'istio-revisions',
            informationUri: 'https://istio.io/latest/docs/setup/upgrade/canary/',
            rules: codes.map((c) => ({ id: c, name: c, shortDescription: { text: title(c) } })),
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: `file://${root.endsWith('/') ? root : root + '/'}` } },
        results: found.map((f) => ({
          ruleId: f.code,
          ruleIndex: codes.indexOf(f.code),
          level: f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'note',
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: path.relative(root, path.resolve(f.file)).split(path.sep).join('/'), uriBaseId: 'SRCROOT' },
                region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn },
              },
            },
          ],
          ...(f.fixes.length ? { properties: { fixes: f.fixes.map((x) => x.title) } } : {}),
        })),
      },
    ],
  };
}

export async function runLint(args: Args, io: Io): Promise<number> {
  const inputs = args.positional.length ? args.positional : ['.'];
  const { files, problems } = collectFiles(inputs);
  if (problems.length) {
    io.err(problems.map((p) => `istio-revisions: ${p}\n`).join(''));
    return EXIT.error;
  }
  // Cluster rules only when a cluster is named: a pre-commit hook should not depend on the current context.
  let snapshot;
  let context = '';
  let dispose = () => {};
  if (args.context) {
    const s = await openSession(args, io);
    if (typeof s === 'number') return s;
    snapshot = s.watcher.snapshot;
    context = s.context;
    dispose = s.dispose;
  }
  try {
    const found: Located[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (e) {
        io.err(`istio-revisions: ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
        return EXIT.error;
      }
      const starts = lineStarts(text);
      for (const f of lintText(text, lintContextFrom(snapshot, context, file), args.disableRules ?? [])) {
        const a = position(starts, f.range[0]);
        const b = position(starts, f.range[1]);
        found.push({ ...f, file, line: a.line, column: a.column, endLine: b.line, endColumn: b.column });
      }
    }
    const bad = found.filter(failing).length;
    if (args.output === 'json') {
      io.out(
        JSON.stringify(
          { files: files.length, cluster: context || null, findings: found.map(({ range: _r, fixes, ...f }) => ({ ...f, fixes: fixes.map((x) => x.title) })) },
          null,
          2,
        ) + '\n',
      );
    } else if (args.output === 'sarif') {
      io.out(JSON.stringify(toSarif(found, process.cwd()), null, 2) + '\n');
    } else {
      for (const f of found)
        io.out(
          `${f.file}:${f.line}:${f.column}: ${f.severity} ${f.code}: ${f.message}${f.fixes.length ? ` [fix: ${f.fixes.map((x) => x.title).join(' | ')}]` : ''}\n`,
        );
      io.out(
        `${files.length} file(s) checked${context ? ` against ${context}` : ' (static rules; pass --context for the cluster rules)'}: ${bad} warning(s)/error(s), ${found.length - bad} note(s).\n`,
      );
    }
    return bad ? EXIT.blockers : EXIT.ok;
  } finally {
    dispose();
  }
}
