/** The user's helm for Helm-installed revisions: its output streamed to its own channel, against the plan's context. */
import * as vscode from 'vscode';
import type { HelmOptions } from '../tools/helm';
import type { ClusterManager } from './clusters';
import { readSettings } from './settings';

let channel: vscode.OutputChannel | undefined;
export function helmChannel(): vscode.OutputChannel {
  channel ??= vscode.window.createOutputChannel('Istio Revisions: helm');
  return channel;
}

/** Options for reading and rendering (quiet) or running plan steps (streamed to the channel). */
export function helmOptionsFor(clusters: ClusterManager, context: string, stream = false): HelmOptions {
  const s = readSettings();
  return {
    bin: s.helmPath,
    kubeconfig: clusters.kubeconfig?.paths ?? [],
    context,
    timeoutMs: Math.max(300_000, s.requestTimeoutSeconds * 1000),
    ...(stream ? { onLine: (line: string) => helmChannel().appendLine(line) } : {}),
  };
}
