/**
 * Manifest parsing for the lint rules: documents, node lookup and text edits.
 *
 * Speed: parsing a 5,000-line file with `yaml` takes tens of milliseconds, so the
 * file is first cut into documents at `---` lines (a `---` at column 0 always ends
 * a YAML document, even inside a block scalar), and only the documents that can
 * matter — ones that mention an injection label, the inject annotation, a revision,
 * or are Namespaces — are parsed, each with `yaml`'s parseAllDocuments. Node
 * ranges are relative to the document's chunk; `abs()` turns them into file offsets.
 * A malformed document only loses its own diagnostics (it gets IR000); the others
 * are checked as usual.
 */
import type { Alias, Document, Node, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { yaml } from '../yaml';
import type { Labels } from '../types';
import type { ManifestDoc, TextEdit, TextRange } from './types';

export interface Chunk {
  index: number;
  start: number;
  end: number;
}

const DOC_MARKER = /^---(?=[ \t\r\n]|$)/gm;

/** Splits a file into document chunks at `---` lines. */
export function chunks(text: string): Chunk[] {
  const out: Chunk[] = [];
  let start = 0;
  DOC_MARKER.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = DOC_MARKER.exec(text))) {
    if (m.index > start) out.push({ index: out.length, start, end: m.index });
    start = m.index;
    DOC_MARKER.lastIndex = m.index + 3;
  }
  if (start < text.length || out.length === 0) out.push({ index: out.length, start, end: text.length });
  return out;
}

/** Documents that can produce a finding, a hover or a CodeLens. */
export const RELEVANT =
  /istio-injection|istio\.io\/rev|istio\.io\/use-waypoint|istio\.io\/dataplane-mode|istio-waypoint|sidecar\.istio\.io\/inject|[Rr]evision|^kind:[ \t]*["']?Namespace\b/m;

export interface ParsedFile {
  docs: ManifestDoc[];
  /** Syntax errors of the parsed documents: [absolute range, message]. */
  errors: { range: TextRange; message: string }[];
}

export interface ParseOptions {
  fileName?: string;
  /** Which documents to parse (default RELEVANT); null parses all. */
  filter?: RegExp | null;
}

const HELM_FILE = /(^|[\\/])values[^\\/]*\.ya?ml$/i;
/** Top-level keys of the values of Istio's charts (istiod, base, istio-discovery). */
const ISTIO_VALUES_KEYS = new Set(['revisionTags', 'defaultRevision', 'global', 'pilot', 'meshConfig', 'sidecarInjectorWebhook', 'istiodRemote', 'istio_cni']);

/**
 * Parsed documents by chunk text. Editing one document of a large file re-parses
 * only that document; node ranges are chunk-relative, so a cached parse stays
 * valid when the chunk moves. Rules never mutate the documents.
 */
const cache = new Map<string, Document.Parsed[]>();
const CACHE_MAX_ENTRIES = 4000;
const CACHE_MAX_CHUNK = 200_000;

function parseChunk(src: string): Document.Parsed[] {
  const hit = cache.get(src);
  if (hit) return hit;
  const parsed = yaml().parseAllDocuments(src, { prettyErrors: false, uniqueKeys: false }) as unknown as Document.Parsed[];
  const docs = Array.isArray(parsed) ? parsed : [];
  if (src.length <= CACHE_MAX_CHUNK) {
    if (cache.size >= CACHE_MAX_ENTRIES) cache.clear();
    cache.set(src, docs);
  }
  return docs;
}

/** Drops cached parses (tests, memory pressure). */
export function clearParseCache(): void {
  cache.clear();
}

export function parseManifest(text: string, opts: ParseOptions = {}): ParsedFile {
  const filter = opts.filter === undefined ? RELEVANT : opts.filter;
  const docs: ManifestDoc[] = [];
  const errors: ParsedFile['errors'] = [];
  const helmByName = !!opts.fileName && HELM_FILE.test(opts.fileName);
  let index = 0;
  for (const c of chunks(text)) {
    const src = text.slice(c.start, c.end);
    if (filter && !filter.test(src)) {
      index++;
      continue;
    }
    let parsed: Document.Parsed[];
    try {
      parsed = parseChunk(src);
    } catch (e) {
      errors.push({ range: [c.start, Math.min(c.end, c.start + 1)], message: `YAML could not be parsed: ${(e as Error).message}` });
      index++;
      continue;
    }
    if (parsed.length === 0) {
      index++;
      continue;
    }
    for (const d of parsed) {
      const dStart = c.start + (d.range?.[0] ?? 0);
      const dEnd = c.start + (d.range?.[2] ?? src.length);
      if (d.errors.length > 0) {
        for (const e of d.errors.slice(0, 3)) errors.push({ range: errorRange(text, c, src, e.pos), message: e.message.split('\n')[0] });
        index++;
        continue;
      }
      const md: ManifestDoc = { index: index++, offset: c.start, end: Math.max(dEnd, dStart), text, doc: d, helmValues: false };
      const root = d.contents;
      if (isMap(root)) {
        md.root = root;
        md.apiVersion = str(get(root, 'apiVersion'));
        md.kind = str(get(root, 'kind'));
        const meta = mapAt(root, 'metadata');
        md.name = str(get(meta, 'name'));
        md.namespace = str(get(meta, 'namespace'));
        // A values file by its name (values*.yaml) with a `revision`, or by keys only Istio's charts use.
        const keys = root.items.map((p) => keyOf(p) ?? '');
        md.helmValues = !md.kind && !md.apiVersion && keys.some((k) => ISTIO_VALUES_KEYS.has(k) || (helmByName && k === 'revision'));
      }
      docs.push(md);
    }
  }
  return { docs, errors };
}

/** An error's range inside its chunk; one at the very end (an unclosed `{`) points at the last line instead. */
function errorRange(text: string, c: Chunk, src: string, pos: [number, number] | undefined): TextRange {
  const last = c.start + Math.max(0, src.trimEnd().length - 1);
  let s = c.start + (pos?.[0] ?? 0);
  let e = c.start + (pos?.[1] ?? 0);
  if (s > last) {
    s = lineStart(text, last);
    while (s < last && (text[s] === ' ' || text[s] === '\t')) s++;
    e = last + 1;
  }
  const eol = text.indexOf('\n', s);
  e = Math.min(Math.max(e, s + 1), eol < 0 ? text.length : Math.max(eol, s + 1), text.length);
  return [Math.min(s, text.length), e];
}

// ---- node helpers ------------------------------------------------------

export function keyOf(p: Pair): string | undefined {
  const k = p.key as Node | null;
  if (isScalar(k)) return k.value === null || k.value === undefined ? undefined : String(k.value);
  return undefined;
}

/** Follows an alias to its anchored node. */
export function deref(doc: ManifestDoc | undefined, n: unknown): unknown {
  if (doc && isAlias(n)) return n.resolve(doc.doc) ?? undefined;
  return n;
}

export function pairOf(map: unknown, key: string): Pair<Node, Node | null> | undefined {
  if (!isMap(map)) return undefined;
  for (const p of map.items) if (keyOf(p) === key) return p as Pair<Node, Node | null>;
  return undefined;
}

export function get(map: unknown, key: string): unknown {
  return pairOf(map, key)?.value ?? undefined;
}

export function mapAt(map: unknown, ...path: string[]): YAMLMap | undefined {
  let cur: unknown = map;
  for (const k of path) {
    cur = get(cur, k);
    if (!isMap(cur)) return undefined;
  }
  return isMap(cur) ? cur : undefined;
}

export function str(n: unknown): string | undefined {
  if (isScalar(n) && n.value !== null && n.value !== undefined && typeof n.value !== 'object') return String(n.value);
  return undefined;
}

/** The scalar's value as the user wrote it (`1.10` stays `1.10`, not the number 1.1). */
export function written(doc: ManifestDoc, n: Scalar): string {
  if (typeof n.value === 'string') return n.value;
  if (n.value === null || n.value === undefined) return '';
  const r = n.range;
  if (r && (n.type === 'PLAIN' || n.type === undefined)) return doc.text.slice(doc.offset + r[0], doc.offset + r[1]);
  return String(n.value);
}

export function abs(doc: ManifestDoc, n: { range?: [number, number, number] | null } | null | undefined): TextRange {
  const r = n?.range;
  if (!r) return [doc.offset, doc.offset];
  return [doc.offset + r[0], doc.offset + r[1]];
}

/** From the start of the key to the end of the value. */
export function pairRange(doc: ManifestDoc, p: Pair): TextRange {
  const k = abs(doc, p.key as Node);
  const v = p.value ? abs(doc, p.value as Node) : k;
  return [k[0], Math.max(k[1], v[1])];
}

/** Labels of a map as strings (what the API server would store). */
export function labelsOf(doc: ManifestDoc, map: unknown): Labels {
  const out: Labels = {};
  const m = deref(doc, map);
  if (!isMap(m)) return out;
  for (const p of m.items) {
    const k = keyOf(p);
    if (k === undefined) continue;
    const v = deref(doc, p.value);
    out[k] = isScalar(v) ? written(doc, v) : '';
  }
  return out;
}

// yaml's node guards, through the lazily loaded module (see ../yaml.ts).
export const isMap = <K = unknown, V = unknown>(n: unknown): n is YAMLMap<K, V> => yaml().isMap(n);
export const isScalar = <T = unknown>(n: unknown): n is Scalar<T> => yaml().isScalar(n);
export const isSeq = <T = unknown>(n: unknown): n is YAMLSeq<T> => yaml().isSeq(n);
export const isAlias = (n: unknown): n is Alias => yaml().isAlias(n);

// ---- edits -------------------------------------------------------------

const NOT_PLAIN_STRING =
  /^(?:true|false|yes|no|y|n|on|off|null|~|[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(?:inf|nan))$/i;

/** Text for a scalar replacing `range`, keeping the quote style; quotes what YAML would not read as a string. */
export function scalarText(text: string, range: TextRange, value: string): string {
  const q = text[range[0]];
  if (q === '"') return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  if (q === "'") return `'${value.replace(/'/g, "''")}'`;
  return NOT_PLAIN_STRING.test(value) || value === '' || /[:#{}[\],&*!|>'"%@`]/.test(value) ? `"${value}"` : value;
}

export function replaceScalar(doc: ManifestDoc, n: Node, value: string): TextEdit {
  const r = abs(doc, n);
  return { range: r, newText: scalarText(doc.text, r, value) };
}

function lineStart(text: string, at: number): number {
  return text.lastIndexOf('\n', at - 1) + 1;
}

function lineEndIncl(text: string, at: number): number {
  const i = text.indexOf('\n', at);
  return i < 0 ? text.length : i + 1;
}

function isBlockPair(doc: ManifestDoc, p: Pair): boolean {
  const k = abs(doc, p.key as Node)[0];
  return doc.text.slice(lineStart(doc.text, k), k).trim() === '';
}

/**
 * Removes one pair of `map`, touching only its own text: its line(s) in a block map,
 * or the item and one separating comma in a flow map. When it is the map's only
 * pair and `parent` is given, the parent pair goes instead (no empty `annotations:`).
 */
export function removePair(doc: ManifestDoc, map: YAMLMap, p: Pair, parent?: { map: YAMLMap; pair: Pair }): TextEdit {
  const text = doc.text;
  if (map.items.length === 1 && parent) return removePair(doc, parent.map, parent.pair);
  if (!map.flow && isBlockPair(doc, p)) {
    const r = pairRange(doc, p);
    const end = r[1] > 0 && text[r[1] - 1] === '\n' ? r[1] : lineEndIncl(text, r[1]);
    return { range: [lineStart(text, r[0]), end], newText: '' };
  }
  const i = map.items.indexOf(p);
  const r = pairRange(doc, p);
  if (i + 1 < map.items.length) return { range: [r[0], abs(doc, map.items[i + 1].key as Node)[0]], newText: '' };
  if (i > 0) {
    const prev = pairRange(doc, map.items[i - 1]);
    return { range: [prev[1], r[1]], newText: '' };
  }
  return { range: abs(doc, map), newText: '{}' };
}

/** Adds `key: "value"` to a labels-like map (block or flow). */
export function addPair(doc: ManifestDoc, map: YAMLMap, key: string, value: string): TextEdit | undefined {
  const text = doc.text;
  const entry = `${key}: "${value}"`;
  if (map.flow) {
    const r = abs(doc, map);
    const close = text.lastIndexOf('}', r[1]);
    if (close < r[0]) return undefined;
    return { range: [close, close], newText: map.items.length ? `, ${entry}` : entry };
  }
  const last = map.items[map.items.length - 1];
  if (!last) return undefined;
  const k = abs(doc, last.key as Node)[0];
  const indent = text.slice(lineStart(text, k), k);
  if (indent.trim() !== '') return undefined;
  const le = pairRange(doc, last)[1];
  const at = le > 0 && text[le - 1] === '\n' ? le : lineEndIncl(text, le);
  const nl = at === text.length && !text.endsWith('\n') ? '\n' : '';
  return { range: [at, at], newText: `${nl}${indent}${entry}\n` };
}

/** Adds `labels:\n  key: "value"` as the first key of a block metadata map. */
export function addLabelsMap(doc: ManifestDoc, meta: YAMLMap, key: string, value: string): TextEdit | undefined {
  if (meta.flow || meta.items.length === 0) return undefined;
  const first = meta.items[0];
  const k = abs(doc, first.key as Node)[0];
  const ls = lineStart(doc.text, k);
  const indent = doc.text.slice(ls, k);
  if (indent.trim() !== '') return undefined;
  return { range: [ls, ls], newText: `${indent}labels:\n${indent}  ${key}: "${value}"\n` };
}

/** Sorts edits and merges an insertion with a deletion starting at the same offset. */
export function normalizeEdits(edits: TextEdit[]): TextEdit[] {
  const sorted = [...edits].sort((a, b) => a.range[0] - b.range[0] || a.range[1] - b.range[1]);
  const out: TextEdit[] = [];
  for (const e of sorted) {
    const prev = out[out.length - 1];
    if (prev && prev.range[0] === e.range[0] && prev.range[0] === prev.range[1]) {
      out[out.length - 1] = { range: [e.range[0], e.range[1]], newText: prev.newText + e.newText };
    } else {
      out.push(e);
    }
  }
  return out;
}

/** Applies non-overlapping edits to a text (what the editor does with a fix). */
export function applyEdits(text: string, edits: TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.range[0] - a.range[0] || b.range[1] - a.range[1])) {
    out = out.slice(0, e.range[0]) + e.newText + out.slice(e.range[1]);
  }
  return out;
}
