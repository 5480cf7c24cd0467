/**
 * Istio Revisions — activation. Thin: build the services, then register the
 * tree, the status bar and the commands; everything is disposable.
 */
import * as vscode from 'vscode';
import { ClusterManager } from './ui/clusters';
import { COMMANDS } from './ui/commands';
import { registerManifestDiagnostics } from './ui/diagnostics';
import { registerProxyStatusSerializer } from './ui/proxyStatusPanel';
import { register, type Services } from './ui/commands/registry';
import { Logger } from './ui/log';
import { MigrationStatusBar } from './ui/statusBar';
import { ClustersTreeProvider } from './ui/tree/provider';

export const VIEW_ID = 'istioRevisions.clusters';

export interface ExtensionApi {
  clusters: ClusterManager;
  tree: ClustersTreeProvider;
  /** Resolves when the first kubeconfig load has finished (clusters may still be listing). */
  ready: Promise<void>;
  /**
   * Measured in the host that loaded the bundle (undefined when not bundled): `evalMs` evaluating the
   * bundle, `loadMs` from its first line to activate() (evaluation, then whatever the host does before
   * calling activate, such as preparing the extension's context), then activate() itself.
   */
  activation: { loadMs?: number; evalMs?: number; activateMs: number };
}

/** Set by the bundle's first and last lines (esbuild.js banner and footer). */
declare const __istioRevisionsLoadStart: number | undefined;
declare const __istioRevisionsLoadEnd: number | undefined;

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const t0 = performance.now();
  const loadMs = typeof __istioRevisionsLoadStart === 'number' ? t0 - __istioRevisionsLoadStart : undefined;
  const evalMs =
    typeof __istioRevisionsLoadStart === 'number' && typeof __istioRevisionsLoadEnd === 'number'
      ? __istioRevisionsLoadEnd - __istioRevisionsLoadStart
      : undefined;
  const log = new Logger();
  const clusters = new ClusterManager(log);
  const tree = new ClustersTreeProvider(clusters);
  const treeView = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: tree, showCollapseAll: true, canSelectMany: true });
  const statusBar = new MigrationStatusBar(clusters);
  const services: Services = { context, log, clusters, tree, treeView: treeView as vscode.TreeView<unknown> };
  context.subscriptions.push(log, clusters, tree, treeView, statusBar, ...COMMANDS.map((c) => register(services, c)));
  context.subscriptions.push(registerManifestDiagnostics(services), registerProxyStatusSerializer(services));
  // The kubeconfig is read (and client-node's KubeConfig loaded) just after activate() returns, not
  // inside it: nothing is shown sooner either way (the tree waits for the first lists), and the host
  // is not held while it happens.
  const ready = new Promise<void>((resolve) => setImmediate(resolve))
    .then(() => clusters.reload('activation'))
    .catch((e) => log.error(`initial load failed: ${(e as Error).stack ?? e}`));
  return { clusters, tree, ready, activation: { loadMs, evalMs, activateMs: performance.now() - t0 } };
}

export function deactivate(): void {
  /* everything is disposed through context.subscriptions */
}
