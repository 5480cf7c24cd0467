/** The user's istioctl, run with an argument array against a chosen context, output streamed to its own channel. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { istioctlClientVersion, runTool, type RunOutcome } from '../tools/process';
import type { ClusterManager } from './clusters';
import { readSettings } from './settings';

let channel: vscode.OutputChannel | undefined;
export function istioctlChannel(): vscode.OutputChannel {
  channel ??= vscode.window.createOutputChannel('Istio Revisions: istioctl');
  return channel;
}

export function istioctlEnv(clusters: ClusterManager): NodeJS.ProcessEnv {
  const paths = clusters.kubeconfig?.paths ?? [];
  return { ...process.env, KUBECONFIG: paths.join(path.delimiter) };
}

export function istioctlPath(): string {
  return readSettings().istioctlPath;
}

/** The tool's own message, then how to get istioctl. */
function missingHelp(message: string): string {
  return vscode.l10n.t(
    '{0}. Install istioctl (https://istio.io/latest/docs/setup/install/istioctl/) or set "istioRevisions.istioctlPath" to its full path.',
    message,
  );
}

export async function checkIstioctl(clusters: ClusterManager): Promise<{ ok: true; version: string } | { ok: false; message: string }> {
  const v = await istioctlClientVersion(istioctlPath(), istioctlEnv(clusters));
  if (!v.ok && /not found|not executable/.test(v.message)) return { ok: false, message: missingHelp(v.message) };
  return v;
}

/** Runs istioctl with progress and cancel; throws with its stderr when it fails. */
export async function runIstioctl(clusters: ClusterManager, context: string, args: string[], title: string): Promise<RunOutcome> {
  const bin = istioctlPath();
  const full = [...args, '--context', context];
  const out = istioctlChannel();
  out.show(true);
  out.appendLine(`$ ${[bin, ...full].join(' ')}`);
  const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
    const ac = new AbortController();
    token.onCancellationRequested(() => ac.abort());
    return runTool(bin, full, {
      env: istioctlEnv(clusters),
      signal: ac.signal,
      onLine: (line) => {
        out.appendLine(line);
        if (line.trim()) progress.report({ message: line.trim().slice(0, 120) });
      },
    });
  });
  out.appendLine(r.ok ? vscode.l10n.t('✔ done') : `✘ ${r.message}`);
  if (!r.ok && /: not found|not executable/.test(r.message)) throw new Error(missingHelp(r.message));
  return r;
}
