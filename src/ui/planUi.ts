/**
 * The one way a plan reaches the cluster from the UI: confirm (with the plan's
 * summary and warnings), optionally preview the exact requests and commands or
 * dry-run them on the server, then run with cancellable progress and report the
 * outcome — including exactly what was and was not done when it stops midway.
 */
import * as vscode from 'vscode';
import { planPermissions, renderPlan, type Plan } from '../istio';
import { checkPermissions, describeDenied, runPlan, type ClusterClient, type PlanRunResult, type ToolRunner } from '../k8s';
import { CancelledError } from './commands/registry';
import type { Logger } from './log';

/** Plan previews are read-only virtual documents: closing one asks nothing. */
export const PLAN_SCHEME = 'istio-revisions-plan';
const previews = new Map<string, string>();
let previewSeq = 0;
let provider: vscode.Disposable | undefined;

export async function showPlanPreview(plan: Plan): Promise<void> {
  provider ??= vscode.workspace.registerTextDocumentContentProvider(PLAN_SCHEME, { provideTextDocumentContent: (uri) => previews.get(uri.path) ?? '' });
  const path = `/${++previewSeq}/${plan.title.replace(/[^\w.-]+/g, '-').slice(0, 80)}.md`;
  previews.set(path, renderPlan(plan));
  if (previews.size > 20) previews.delete(previews.keys().next().value as string);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: PLAN_SCHEME, path }));
  await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
  await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
}

export interface ConfirmOptions {
  /** Label of the run button, e.g. "Move". */
  action: string;
  /** Modal confirmation (default true). Tests pass `assumeYes`. */
  assumeYes?: boolean;
  /**
   * Destructive plans: the name the user must type to run it. The dialog's first (Enter)
   * button then previews instead of running, so Enter alone changes nothing.
   */
  typeToConfirm?: string;
}

/** Asks until the user runs, dry-runs or cancels. Returns 'run' | 'dryRun'. */
export async function confirmPlan(plan: Plan, opts: ConfirmOptions): Promise<'run' | 'dryRun'> {
  if (opts.assumeYes) return 'run';
  for (;;) {
    const detail = [
      plan.summary,
      ...plan.warnings.map((w) => `⚠ ${w}`),
      '',
      ...plan.commands.slice(0, 6),
      plan.commands.length > 6 ? vscode.l10n.t('… {0} more', plan.commands.length - 6) : '',
    ].join('\n');
    const PREVIEW = vscode.l10n.t('Preview Requests');
    const DRY_RUN = vscode.l10n.t('Dry Run');
    const TYPED_ACTION = vscode.l10n.t('{0}…', opts.action);
    const buttons = opts.typeToConfirm ? [PREVIEW, DRY_RUN, TYPED_ACTION] : [opts.action, DRY_RUN, PREVIEW];
    const choice = await vscode.window.showWarningMessage(vscode.l10n.t('{0} on {1}?', plan.title, plan.cluster), { modal: true, detail }, ...buttons);
    if (choice === opts.action) return 'run';
    if (opts.typeToConfirm && choice === TYPED_ACTION) {
      const want = opts.typeToConfirm;
      const typed = await vscode.window.showInputBox({
        title: vscode.l10n.t('{0} on {1}', plan.title, plan.cluster),
        prompt: vscode.l10n.t('Type {0} to confirm', want),
        placeHolder: want,
        ignoreFocusOut: true,
        validateInput: (v) => (v === want ? undefined : vscode.l10n.t('Type "{0}" exactly to confirm', want)),
      });
      if (typed === want) return 'run';
      continue;
    }
    if (choice === DRY_RUN) return 'dryRun';
    if (choice === PREVIEW) {
      await showPlanPreview(plan);
      continue;
    }
    throw new CancelledError();
  }
}

/** Runs a plan with progress; throws (once, with a clear message) when it fails. */
export async function executePlan(client: ClusterClient, plan: Plan, log: Logger, mode: 'run' | 'dryRun', runTool?: ToolRunner): Promise<PlanRunResult> {
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: mode === 'dryRun' ? vscode.l10n.t('Dry run: {0}', plan.title) : plan.title, cancellable: true },
    async (progress, token) => {
      const ac = new AbortController();
      token.onCancellationRequested(() => ac.abort());
      progress.report({ message: vscode.l10n.t('checking permissions…') });
      const perms = await checkPermissions(client, planPermissions(plan), ac.signal);
      if (perms.ok && perms.value.length)
        return {
          ok: false,
          dryRun: mode === 'dryRun',
          done: [],
          notRun: plan.requests,
          cancelled: false,
          denied: perms.value,
          responses: [],
        } satisfies PlanRunResult;
      return runPlan(client, plan, {
        dryRun: mode === 'dryRun',
        signal: ac.signal,
        skipPermissionCheck: perms.ok,
        onProgress: (p) => progress.report({ message: p.request.description, increment: 100 / p.total }),
        runTool:
          runTool &&
          (async (step, dryRun, signal) => {
            progress.report({ message: step.description });
            return runTool(step, dryRun, signal);
          }),
      });
    },
  );
  log.info(
    `${mode === 'dryRun' ? 'dry run ' : ''}${plan.title} on ${plan.cluster}: ${result.ok ? 'ok' : result.denied ? 'refused (RBAC)' : result.cancelled ? 'cancelled' : 'failed'}; ${result.done.length}/${plan.requests.length} requests done`,
  );
  if (result.denied) throw new Error(describeDenied(plan.cluster, result.denied));
  if (result.toolFailed) {
    const done = result.done.length
      ? vscode.l10n.t('Done before it: {0}.', result.done.map((r) => r.description).join('; '))
      : vscode.l10n.t('Nothing else was changed.');
    throw new Error(
      vscode.l10n.t(
        'Cluster "{0}": {1} failed: {2}. {3} (See the output channel "Istio Revisions: helm".)',
        plan.cluster,
        result.toolFailed.step.description,
        result.toolFailed.message,
        done,
      ),
    );
  }
  if (result.failed) {
    const done = result.done.length
      ? vscode.l10n.t('Done before the failure: {0}.', result.done.map((r) => r.description).join('; '))
      : vscode.l10n.t('Nothing was changed.');
    throw new Error(vscode.l10n.t('{0}. {1}', result.failed.message, done));
  }
  if (result.cancelled) {
    const done = result.done.length ? vscode.l10n.t('Done: {0}.', result.done.map((r) => r.description).join('; ')) : vscode.l10n.t('Nothing was changed.');
    void vscode.window.showWarningMessage(
      vscode.l10n.t('{0}: cancelled after {1} of {2} request(s). {3}', plan.title, result.done.length, plan.requests.length, done),
    );
  }
  return result;
}
