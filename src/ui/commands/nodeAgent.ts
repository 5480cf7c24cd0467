/**
 * ztunnel node by node (ambient): prepare the DaemonSet (updateStrategy OnDelete) before the
 * new version is applied, then replace it one node at a time with progress and cancel between
 * nodes. A cancelled or failed run is resumed by running the command again: what is left is
 * read from the cluster.
 */
import * as vscode from 'vscode';
import { nodeAgents, planNodeByNode, planPrepareNodeAgent } from '../../istio';
import { describeK8sError, readAgentState, runNodeByNode } from '../../k8s';
import { pickCluster } from '../pick';
import { confirmPlan, executePlan } from '../planUi';
import { CancelledError, type CommandModule, type Services } from './registry';

type AgentNode = { context?: string; namespace?: string; name?: string; type?: string };

export interface NodeAgentOptions {
  assumeYes?: boolean;
  /** Stop after this many nodes. */
  maxNodes?: number;
  /** Test seam: cancel after this many nodes (as the notification's Cancel would). */
  cancelAfterNodes?: number;
}

async function target(s: Services, node?: AgentNode) {
  const cluster = await pickCluster(s.clusters, node?.context);
  const agents = nodeAgents(cluster.watcher.snapshot).filter((a) => a.component === 'ztunnel');
  let ds = node?.namespace && node?.name ? { namespace: node.namespace, name: node.name } : undefined;
  if (!ds) {
    if (agents.length === 0) throw new Error(vscode.l10n.t('Cluster "{0}": no ztunnel found (no pod labelled app=ztunnel).', cluster.context));
    if (agents.length === 1) ds = { namespace: agents[0].namespace, name: agents[0].daemonSet };
    else {
      const p = await vscode.window.showQuickPick(
        agents.map((a) => ({ label: `${a.namespace}/${a.daemonSet}`, a })),
        { title: vscode.l10n.t('Which ztunnel?') },
      );
      if (!p) throw new CancelledError();
      ds = { namespace: p.a.namespace, name: p.a.daemonSet };
    }
  }
  const st = await readAgentState(cluster.watcher.client, ds);
  if (!st.ok) throw new Error(describeK8sError(st.error));
  return { cluster, ds, state: st.value };
}

export const prepareNodeAgent: CommandModule = {
  id: 'istioRevisions.nodeAgent.prepare',
  async run(s, node?: AgentNode, _nodes?: unknown, opts: NodeAgentOptions = {}) {
    const { cluster, ds, state } = await target(s, node);
    const plan = planPrepareNodeAgent(cluster.context, ds, state.strategy);
    if (plan.requests.length === 0) {
      void vscode.window.showInformationMessage(plan.summary);
      return { plan };
    }
    const mode = await confirmPlan(plan, { action: vscode.l10n.t('Prepare'), assumeYes: opts.assumeYes });
    const result = await executePlan(cluster.watcher.client, plan, s.log, mode);
    if (result.ok && mode === 'run')
      void vscode.window.showInformationMessage(
        vscode.l10n.t(
          '{0} now has updateStrategy OnDelete: apply the new version (helm upgrade / istioctl), then run "Upgrade ztunnel Node by Node".',
          `${ds.namespace}/${ds.name}`,
        ),
      );
    return { plan, result };
  },
};

export const upgradeNodeAgentByNode: CommandModule = {
  id: 'istioRevisions.nodeAgent.upgradeByNode',
  async run(s, node?: AgentNode, _nodes?: unknown, opts: NodeAgentOptions = {}) {
    const { cluster, ds, state } = await target(s, node);
    if (state.strategy !== 'OnDelete') {
      const PREPARE = vscode.l10n.t('Prepare…');
      const strategy = state.strategy ?? 'RollingUpdate';
      const a = opts.assumeYes
        ? undefined
        : await vscode.window.showWarningMessage(
            vscode.l10n.t(
              '{0} on {1} has updateStrategy {2}: applying a new version would replace it on every node at once. Prepare it first.',
              `${ds.namespace}/${ds.name}`,
              cluster.context,
              strategy,
            ),
            { modal: true },
            PREPARE,
          );
      if (a === PREPARE) return prepareNodeAgent.run(s, { ...node, namespace: ds.namespace, name: ds.name, context: cluster.context });
      throw new Error(vscode.l10n.t('{0} on {1} is not prepared (updateStrategy {2}, not OnDelete).', `${ds.namespace}/${ds.name}`, cluster.context, strategy));
    }
    const plan = planNodeByNode(cluster.context, ds, state.nodes);
    if (plan.requests.length === 0) {
      void vscode.window.showInformationMessage(plan.summary);
      return { plan };
    }
    const mode = await confirmPlan(plan, { action: vscode.l10n.t('Upgrade Node by Node'), assumeYes: opts.assumeYes });
    if (mode === 'dryRun') {
      const dry = await executePlan(cluster.watcher.client, plan, s.log, 'dryRun');
      if (dry.ok)
        void vscode.window.showInformationMessage(
          vscode.l10n.t('Dry run accepted by {0}: {1} request(s). Nothing was changed.', cluster.context, plan.requests.length),
        );
      return { plan, result: dry };
    }
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: plan.title, cancellable: true },
      (progress, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => {
          ac.abort();
          progress.report({ message: vscode.l10n.t('stopping after the node in progress…') });
        });
        return runNodeByNode(cluster.watcher.client, ds, {
          signal: ac.signal,
          maxNodes: opts.maxNodes,
          onProgress: (e) => {
            progress.report({
              message: vscode.l10n.t('{0}: {1} · {2}/{3} nodes', e.node, e.step, e.done, e.total),
              increment: e.step === 'done' ? 100 / e.total : undefined,
            });
            if (e.step === 'done' && opts.cancelAfterNodes !== undefined && e.done >= opts.cancelAfterNodes) ac.abort();
          },
        });
      },
    );
    s.log.info(`${plan.title} on ${cluster.context}: ${result.message}`);
    if (!result.ok && !result.cancelled) throw new Error(vscode.l10n.t('{0} on {1} stopped: {2}', plan.title, cluster.context, result.message));
    void (result.cancelled ? vscode.window.showWarningMessage(result.message) : vscode.window.showInformationMessage(result.message));
    return { plan, result };
  },
};
