/**
 * Manifest lint: Istio injection and revision mistakes in workspace YAML, checked
 * against the active cluster when there is one. Pure (no vscode): `lintText` takes
 * the file text and a LintContext and returns findings with absolute offsets and
 * text-edit fixes; src/ui/diagnostics.ts turns them into diagnostics and code actions.
 */
import { parseManifest } from './parse';
import { fileNamespaces, fileWaypoints, RULES } from './rules';
import type { Finding, LintContext } from './types';

export * from './types';
export { RULES, podMetas, namespaceMeta, fileNamespaces } from './rules';
export { ist0123Labels } from '../labels';
export { parseManifest, chunks, applyEdits, clearParseCache, RELEVANT, type ParsedFile, type ParseOptions } from './parse';
export {
  clusterViewFrom,
  lintContextFrom,
  injectionLabelSites,
  injectionLabelAt,
  describeLabelSite,
  namespaceDocs,
  describeNamespaceLens,
  type LabelSite,
  type NamespaceLens,
} from './cluster';

export const SYNTAX_CODE = 'IR000';

/** Files larger than this are not linted (a generated dump, not a manifest someone edits). */
export const MAX_LINT_CHARS = 5_000_000;

/** Lints one file. Never throws: a rule that fails on odd input is skipped for that document. */
export function lintText(text: string, ctx: LintContext = {}, disabledCodes: Iterable<string> = []): Finding[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  if (text.length > MAX_LINT_CHARS) {
    return [
      {
        code: SYNTAX_CODE,
        severity: 'info',
        range: [0, 0],
        fixes: [],
        message: `This file is ${(text.length / 1e6).toFixed(1)} MB; Istio Revisions checks files up to ${MAX_LINT_CHARS / 1e6} MB and skipped it.`,
      },
    ];
  }
  const disabled = new Set(disabledCodes);
  const parsed = parseManifest(text, { fileName: ctx.fileName });
  const out: Finding[] = [];
  if (!disabled.has(SYNTAX_CODE)) {
    for (const e of parsed.errors)
      out.push({
        code: SYNTAX_CODE,
        severity: 'error',
        message: `YAML syntax error: ${e.message} This document is not checked by Istio Revisions.`,
        range: e.range,
        fixes: [],
      });
  }
  const full: LintContext = { ...ctx, file: { fileName: ctx.fileName, namespaces: fileNamespaces(parsed.docs), waypoints: fileWaypoints(parsed.docs) } };
  const rules = RULES.filter((r) => !disabled.has(r.code) && (!r.needsCluster || !!ctx.cluster));
  for (const doc of parsed.docs) {
    if (!doc.root) continue;
    for (const r of rules) {
      try {
        out.push(...r.check(doc, full));
      } catch {
        /* odd input: this rule says nothing about this document */
      }
    }
  }
  return out.sort((a, b) => a.range[0] - b.range[0] || a.code.localeCompare(b.code));
}
