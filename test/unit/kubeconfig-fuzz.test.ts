/**
 * Fuzzed kubeconfigs: every field of a valid kubeconfig mutated (other types, missing keys, empty
 * strings, huge values, unicode and control characters, duplicate names, YAML anchors, aliases and
 * merge keys, several documents), each given to the CLI's `status`. Whatever the input: no crash (the
 * CLI never throws), no hang (bounded), exit 2 or a working result, and a one-line message without a
 * stack trace. Deterministic: a fixed seed, the same mutations every run. The server address is a
 * closed local port, so no mutation reaches a cluster.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { run } from '../../src/cli/main';
import { prng } from './helpers';

const SEED = 0x15710;
const MUTATIONS = 300;

const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64');

function base(): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c1', cluster: { server: 'https://127.0.0.1:9', 'certificate-authority-data': CA } }],
    users: [{ name: 'u1', user: { token: 'abc.def.ghi' } }],
    contexts: [{ name: 'ctx', context: { cluster: 'c1', user: 'u1', namespace: 'default' } }],
    'current-context': 'ctx',
    preferences: {},
  };
}

const WEIRD: unknown[] = [
  null,
  0,
  -1,
  1e308,
  true,
  false,
  '',
  ' ',
  [],
  {},
  [[]],
  'x'.repeat(1 << 20),
  '☸️ istio ✓ 中文 \u202e',
  'a\u0000b',
  'line1\nline2',
  '${HOME}',
  '../../../../etc/passwd',
  'http://',
  'https://[::1',
  'https://127.0.0.1:99999',
  'unix:///var/run/x.sock',
  '-----BEGIN CERTIFICATE-----',
  { nested: { deeper: [1, 2, 3] } },
];

/** Every path to a leaf or an object in the document. */
function paths(o: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (o === null || typeof o !== 'object') return [prefix];
  const out: (string | number)[][] = prefix.length ? [prefix] : [];
  for (const [k, v] of Object.entries(o)) out.push(...paths(v, [...prefix, Array.isArray(o) ? Number(k) : k]));
  return out;
}

function setAt(o: Record<string, unknown>, p: (string | number)[], v: unknown, del = false): void {
  let cur: any = o;
  for (const k of p.slice(0, -1)) cur = cur[k];
  const last = p[p.length - 1];
  if (del) {
    if (Array.isArray(cur)) cur.splice(Number(last), 1);
    else delete cur[last];
  } else cur[last] = v;
}

/** One mutated kubeconfig text and what was done, from the PRNG. */
function mutate(rand: () => number, i: number): { what: string; text: string } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const doc = base();
  const kind = i % 10;
  if (kind <= 5) {
    // one field: another value, or removed
    const p = pick(paths(doc));
    if (rand() < 0.25) {
      setAt(doc, p, undefined, true);
      return { what: `delete ${p.join('.')}`, text: YAML.stringify(doc) };
    }
    const v = pick(WEIRD);
    setAt(doc, p, structuredClone(v));
    return { what: `${p.join('.')} = ${JSON.stringify(v)?.slice(0, 40)}`, text: YAML.stringify(doc) };
  }
  if (kind === 6) {
    // duplicate names: the first definition wins, as kubectl merges
    const list = pick(['clusters', 'users', 'contexts'] as const);
    const items = doc[list] as Record<string, unknown>[];
    const copy = structuredClone(items[0]);
    const p = pick(paths(copy).filter((x) => x.length > 1));
    if (p) setAt(copy, p, structuredClone(pick(WEIRD)));
    items.push(copy);
    return { what: `duplicate ${list}[0] (${p?.join('.')})`, text: YAML.stringify(doc) };
  }
  if (kind === 7) {
    // anchors, aliases and merge keys
    const texts = [
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c1\n  cluster: &c {server: "https://127.0.0.1:9"}\n- name: c2\n  cluster: *c\nusers:\n- name: u1\n  user: &u {token: t}\ncontexts:\n- name: ctx\n  context: {<<: {cluster: c1, user: u1}}\ncurrent-context: ctx\n`,
      `apiVersion: v1\nkind: Config\nclusters: &l [ {name: c1, cluster: {server: "https://127.0.0.1:9"}} ]\nusers: *l\ncontexts: *l\ncurrent-context: c1\n`,
      `a: &a ["x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d]\napiVersion: v1\nkind: Config\ncurrent-context: ctx\n`,
      `apiVersion: v1\nkind: Config\ncontexts:\n- name: ctx\n  context: *undefined_alias\n`,
      `apiVersion: v1\nkind: Config\nclusters:\n- &self {name: c1, cluster: {server: "https://127.0.0.1:9"}}\ncontexts:\n- {name: ctx, context: {<<: *self, cluster: c1, user: u1}}\nusers: [{name: u1, user: {<<: [{token: a}, {token: b}]}}]\ncurrent-context: ctx\n`,
    ];
    const t = texts[i % texts.length];
    return { what: `anchors/aliases #${i % texts.length}`, text: t };
  }
  if (kind === 8) {
    // several documents, or a document that is not a map
    const valid = YAML.stringify(base());
    const texts = [
      `${valid}---\n${valid}`,
      `---\n---\n${valid}`,
      `- ${JSON.stringify(base())}\n`,
      `"just a string"\n`,
      `42\n`,
      `${valid}...\n%garbage`,
      `\ufeff${valid}`,
    ];
    const t = texts[i % texts.length];
    return { what: `documents #${i % texts.length}`, text: t };
  }
  // kind 9: raw text damage
  const valid = YAML.stringify(base());
  const at = Math.floor(rand() * valid.length);
  const ops = [
    () => valid.slice(0, at),
    () => valid.slice(0, at) + pick(['\t', '\u0000', ':', '- ', '{', ']', '&x', '*x', '!!binary ', '"', "'", '\\']) + valid.slice(at),
    () => valid.replace(/\n/g, '\r\n'),
    () => valid.replace(/ {2}/g, '\t'),
  ];
  const op = Math.floor(rand() * ops.length);
  return { what: `text damage #${op} at ${at}`, text: ops[op]() };
}

describe(`fuzzed kubeconfigs: ${MUTATIONS} mutations, seed ${SEED.toString(16)}`, function () {
  this.timeout(300_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-revisions-fuzz-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('no crash, no hang, exit 0 or 2, one line without a stack trace, for each', async () => {
    const rand = prng(SEED);
    const problems: string[] = [];
    const codes = new Map<number, number>();
    let slowest = 0;
    for (let i = 0; i < MUTATIONS; i++) {
      const m = mutate(rand, i);
      const file = path.join(dir, `kc-${i}.yaml`);
      fs.writeFileSync(file, m.text);
      let out = '';
      let err = '';
      const t0 = Date.now();
      let code: number | 'hang' | 'crash';
      try {
        code = await Promise.race([
          run(['status', '--timeout', '2'], {
            out: (s) => {
              out += s;
            },
            err: (s) => {
              err += s;
            },
            env: { KUBECONFIG: file, HOME: dir },
          }),
          new Promise<'hang'>((r) => setTimeout(() => r('hang'), 10_000)),
        ]);
      } catch (e) {
        code = 'crash';
        err = (e as Error).stack ?? String(e);
      }
      slowest = Math.max(slowest, Date.now() - t0);
      const where = `#${i} (${m.what})`;
      if (code === 'hang' || code === 'crash') {
        problems.push(`${where}: ${code} ${err.split('\n')[0]}`);
        continue;
      }
      codes.set(code, (codes.get(code) ?? 0) + 1);
      if (code !== 0 && code !== 2) problems.push(`${where}: exit ${code}: ${err.trim()}`);
      if (code === 2) {
        const lines = err.split('\n').filter((l) => l !== '');
        if (lines.length !== 1) problems.push(`${where}: ${lines.length} lines: ${err.slice(0, 300)}`);
        if (/\n\s+at .+:\d+:\d+|node:internal|TypeError|ReferenceError|Cannot read propert/.test(err))
          problems.push(`${where}: internal error shown: ${err.slice(0, 300)}`);
      }
      if (code === 0 && !out.includes('istio-revisions/') && !out.trim()) problems.push(`${where}: exit 0 and no output`);
    }
    console.log(`      exit codes: ${[...codes].map(([c, k]) => `${c} × ${k}`).join(', ')}; slowest ${slowest} ms`);
    assert.deepEqual(problems, []);
  });
});
