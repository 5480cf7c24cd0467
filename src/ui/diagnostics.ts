/**
 * Manifest diagnostics: the thin VS Code adapter of src/istio/lint.
 *
 * One DiagnosticCollection ('istio-revisions') for the YAML documents open in the
 * editor: linted on open and save, on change after a 200 ms pause, cleared on close,
 * and re-linted when the active cluster's snapshot or the settings change (the
 * cluster view is rebuilt once per change burst, not per document). Quick fixes
 * come from the findings of the last lint, matched to a diagnostic by code, range
 * and message; hovers and CodeLenses read the same pure helpers.
 */
import * as vscode from 'vscode';
import type * as LintModule from '../istio/lint';
import type { ClusterView, Finding, Severity } from '../istio/lint';

/**
 * The lint rules and the YAML parser are loaded on first use (the first YAML file
 * opened), not at activation: esbuild keeps a required module's body lazy.
 */
let lintModule: typeof LintModule | undefined;
function lint(): typeof LintModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy require keeps the rules out of activation (see above)
  return (lintModule ??= require('../istio/lint') as typeof LintModule);
}
import type { Services } from './commands/registry';
import { readSettings, SECTION } from './settings';

export const DIAGNOSTIC_SOURCE = 'Istio Revisions';
const LINT_DELAY_MS = 200;
const CLUSTER_DELAY_MS = 500;
const SCHEMES = new Set(['file', 'untitled', 'vscode-vfs', 'vscode-remote']);
const SELECTOR: vscode.DocumentSelector = [{ language: 'yaml' }, { pattern: '**/*.{yaml,yml}' }];
const NAMESPACE_DOC = /^kind:[ \t]*["']?Namespace\b/m;

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

export function isManifest(doc: vscode.TextDocument): boolean {
  if (!SCHEMES.has(doc.uri.scheme)) return false;
  return doc.languageId === 'yaml' || /\.ya?ml$/i.test(doc.uri.path);
}

interface Linted {
  version: number;
  findings: Finding[];
}

export class ManifestDiagnostics implements vscode.Disposable, vscode.CodeActionProvider, vscode.HoverProvider, vscode.CodeLensProvider {
  static readonly providedCodeActionKinds = [vscode.CodeActionKind.QuickFix];

  private readonly collection = vscode.languages.createDiagnosticCollection('istio-revisions');
  private readonly linted = new Map<string, Linted>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly subs: vscode.Disposable[] = [];
  private readonly lensEmitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensEmitter.event;
  private view: ClusterView | undefined;
  private viewKey: string | undefined;
  private viewDirty = true;
  private relintTimer?: NodeJS.Timeout;
  private pendingRelint = false;

  constructor(private readonly services: Services) {
    const ws = vscode.workspace;
    this.subs.push(
      this.collection,
      this.lensEmitter,
      ws.onDidOpenTextDocument((d) => this.lintNow(d)),
      ws.onDidSaveTextDocument((d) => this.lintNow(d)),
      ws.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length) this.schedule(e.document);
      }),
      ws.onDidCloseTextDocument((d) => this.forget(d.uri)),
      ws.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SECTION)) this.scheduleRelintAll(false);
      }),
      // Pod churn only changes hover and CodeLens counts; diagnostics depend on the control plane and namespace labels.
      services.clusters.onDidChangeCluster((ev) =>
        this.scheduleRelintAll(true, !!ev.phase || !ev.change || ev.change.controlPlane || ev.change.namespaceLabels || ev.change.namespaceList),
      ),
      services.clusters.onDidChangeClusters(() => this.scheduleRelintAll(true)),
      vscode.languages.registerCodeActionsProvider(SELECTOR, this, { providedCodeActionKinds: ManifestDiagnostics.providedCodeActionKinds }),
      vscode.languages.registerHoverProvider(SELECTOR, this),
      vscode.languages.registerCodeLensProvider(SELECTOR, this),
    );
    // Documents already open are linted just after activation, not inside it (the linter's yaml
    // parser is loaded on first use).
    const first = setImmediate(() => {
      for (const d of ws.textDocuments) this.lintNow(d);
    });
    this.subs.push({ dispose: () => clearImmediate(first) });
  }

  // ---- cluster view ---------------------------------------------------------

  /** The active cluster's view, rebuilt lazily after a change; undefined when none is ready. */
  private clusterView(): ClusterView | undefined {
    const e = this.services.clusters.active();
    const w = e?.watcher;
    const usable = !!e && !!w && (w.phase.phase === 'ready' || w.phase.phase === 'reconnecting');
    const key = usable ? e!.context : undefined;
    if (!usable) {
      this.view = undefined;
      this.viewKey = undefined;
      return undefined;
    }
    if (this.viewDirty || this.viewKey !== key || !this.view) {
      try {
        this.view = lint().clusterViewFrom(w!.snapshot, e!.context);
      } catch (err) {
        this.services.log.warn(`manifest diagnostics: cluster view of ${e!.context} failed: ${(err as Error).message}`);
        this.view = undefined;
      }
      this.viewKey = key;
      this.viewDirty = false;
    }
    return this.view;
  }

  // ---- linting ----------------------------------------------------------------

  private schedule(doc: vscode.TextDocument): void {
    if (!isManifest(doc)) return;
    const k = doc.uri.toString();
    const t = this.timers.get(k);
    if (t) clearTimeout(t);
    this.timers.set(
      k,
      setTimeout(() => {
        this.timers.delete(k);
        this.lintNow(doc);
      }, LINT_DELAY_MS),
    );
  }

  private scheduleRelintAll(clusterChanged: boolean, relint = true): void {
    if (clusterChanged) this.viewDirty = true;
    this.pendingRelint ||= relint;
    // An armed timer is kept (not pushed back), so steady pod churn cannot starve a pending re-lint.
    if (this.relintTimer) return;
    this.relintTimer = setTimeout(
      () => {
        this.relintTimer = undefined;
        const all = this.pendingRelint;
        this.pendingRelint = false;
        if (all) for (const d of vscode.workspace.textDocuments) if (isManifest(d)) this.lintNow(d);
        this.lensEmitter.fire();
      },
      clusterChanged ? CLUSTER_DELAY_MS : LINT_DELAY_MS,
    );
  }

  lintNow(doc: vscode.TextDocument): Finding[] {
    if (!isManifest(doc) || doc.isClosed) return [];
    let findings: Finding[] = [];
    try {
      findings = lint().lintText(doc.getText(), { cluster: this.clusterView(), fileName: doc.uri.path }, readSettings().disabledRules);
    } catch (err) {
      this.services.log.warn(`manifest diagnostics: ${doc.uri.path}: ${(err as Error).message}`);
    }
    this.linted.set(doc.uri.toString(), { version: doc.version, findings });
    this.collection.set(
      doc.uri,
      findings.map((f) => this.toDiagnostic(doc, f)),
    );
    return findings;
  }

  private toDiagnostic(doc: vscode.TextDocument, f: Finding): vscode.Diagnostic {
    const d = new vscode.Diagnostic(this.range(doc, f.range), f.message, SEVERITY[f.severity]);
    d.source = DIAGNOSTIC_SOURCE;
    d.code = f.code;
    return d;
  }

  private range(doc: vscode.TextDocument, r: [number, number]): vscode.Range {
    return new vscode.Range(doc.positionAt(r[0]), doc.positionAt(r[1]));
  }

  private forget(uri: vscode.Uri): void {
    const k = uri.toString();
    const t = this.timers.get(k);
    if (t) clearTimeout(t);
    this.timers.delete(k);
    this.linted.delete(k);
    this.collection.delete(uri);
  }

  // ---- quick fixes ------------------------------------------------------------

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range | vscode.Selection, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const ours = context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE && typeof d.code === 'string');
    if (ours.length === 0) return [];
    if (context.only && !vscode.CodeActionKind.QuickFix.intersects(context.only)) return [];
    const l = this.linted.get(doc.uri.toString());
    const findings = l && l.version === doc.version ? l.findings : this.lintNow(doc);
    const actions: vscode.CodeAction[] = [];
    for (const d of ours) {
      const f = findings.find((x) => x.code === d.code && x.message === d.message && this.range(doc, x.range).isEqual(d.range));
      if (!f) continue;
      for (const fix of f.fixes) {
        const a = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        a.diagnostics = [d];
        a.isPreferred = !!fix.isPreferred;
        const edit = new vscode.WorkspaceEdit();
        for (const e of fix.edits) edit.replace(doc.uri, this.range(doc, e.range), e.newText);
        a.edit = edit;
        actions.push(a);
      }
    }
    return actions;
  }

  // ---- hover --------------------------------------------------------------------

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    if (!isManifest(doc)) return undefined;
    const text = doc.getText();
    const offset = doc.offsetAt(pos);
    const { docs } = lint().parseManifest(text, { fileName: doc.uri.path });
    const site = lint().injectionLabelAt(docs, offset);
    if (!site) return undefined;
    const md = new vscode.MarkdownString(lint().describeLabelSite(site, this.clusterView()).join('\n\n'));
    return new vscode.Hover(md, this.range(doc, site.range));
  }

  // ---- CodeLens -------------------------------------------------------------------

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!isManifest(doc)) return [];
    const text = doc.getText();
    if (!NAMESPACE_DOC.test(text)) return [];
    const { docs } = lint().parseManifest(text, { fileName: doc.uri.path, filter: NAMESPACE_DOC });
    const view = this.clusterView();
    const lenses: vscode.CodeLens[] = [];
    for (const ns of lint().namespaceDocs(docs)) {
      const r = this.range(doc, ns.range);
      if (!view) {
        lenses.push(new vscode.CodeLens(r, { title: vscode.l10n.t('Istio: no cluster loaded'), command: '' }));
        continue;
      }
      const d = lint().describeNamespaceLens(ns, view);
      const live = d.live
        ? d.live.proxies === 1
          ? vscode.l10n.t('{0} proxy ({1} stale)', d.live.proxies, d.live.stale)
          : vscode.l10n.t('{0} proxies ({1} stale)', d.live.proxies, d.live.stale)
        : vscode.l10n.t('not in {0}', view.context);
      const changed = d.live && d.live.resolves !== d.resolves ? ' · ' + vscode.l10n.t('live: {0}', d.live.resolves) : '';
      lenses.push(
        new vscode.CodeLens(r, {
          title: vscode.l10n.t('Istio: {0}', d.resolves) + ' · ' + live + changed,
          command: '',
          tooltip: vscode.l10n.t('What pods created in {0} get with the labels in this file, on {1}', ns.name, view.context),
        }),
      );
      if (d.live) {
        const node = { context: view.context, name: ns.name, type: 'namespace' };
        lenses.push(
          new vscode.CodeLens(r, {
            title: vscode.l10n.t('Move…'),
            command: 'istioRevisions.namespace.move',
            arguments: [node],
            tooltip: vscode.l10n.t('Move {0} to another revision or tag on {1}', ns.name, view.context),
          }),
        );
        lenses.push(
          new vscode.CodeLens(r, {
            title: vscode.l10n.t('Restart…'),
            command: 'istioRevisions.namespace.restart',
            arguments: [node],
            tooltip: vscode.l10n.t('Restart the workloads of {0} on {1}', ns.name, view.context),
          }),
        );
      }
    }
    return lenses;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    if (this.relintTimer) clearTimeout(this.relintTimer);
    for (const s of this.subs) s.dispose();
    this.linted.clear();
  }
}

/** Registers manifest diagnostics, quick fixes, hovers and CodeLenses. */
export function registerManifestDiagnostics(services: Services): vscode.Disposable {
  return new ManifestDiagnostics(services);
}
