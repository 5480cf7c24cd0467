/**
 * Uninstall a revision (upgrade step 8) and roll back (step 9). First the checklist
 * of everything still using the revision — istioctl checks none of it; refused while
 * anything is listed unless the user forces it in a modal that names what will break.
 * Then exactly the objects `istioctl uninstall --revision` deletes, foreground.
 */
import * as vscode from 'vscode';
import {
  describeSailRevision,
  isRestartable,
  planHelmUninstall,
  planUninstall,
  rollbackChecklist,
  uninstallChecklist,
  type Plan,
  type WorkloadId,
} from '../../istio';
import { helmToolRunner } from '../../tools/helm';
import { helmChannel, helmOptionsFor } from '../helm';
import { describeK8sError, fetchUninstallObjects } from '../../k8s';
import { pickCluster, pickRevisionOrTag } from '../pick';
import { confirmPlan, executePlan } from '../planUi';
import { CancelledError, type CommandModule, type Services } from './registry';
import { restartWorkloadsWithUi } from './restartNamespace';

export interface UninstallOptions {
  revision?: string;
  /** Proceed although the checklist lists users of the revision. */
  force?: boolean;
  assumeYes?: boolean;
  /** Rollback: restart the gateways upgraded in place afterwards ('all') or not. */
  restartGateways?: 'all' | 'no';
}

type RevNode = { context?: string; name?: string; type?: string };

export async function uninstallWithUi(s: Services, node: RevNode | undefined, opts: UninstallOptions, rollback: boolean) {
  const cluster = await pickCluster(s.clusters, node?.context);
  const snap = cluster.watcher.snapshot;
  const revision =
    opts.revision ??
    node?.name ??
    (await pickRevisionOrTag(snap, rollback ? 'Roll back by uninstalling which (canary) revision?' : 'Uninstall which revision?', { tags: false }));
  const info = snap.controlPlane.revisionByName.get(revision);
  if (!info) throw new Error(`Cluster "${cluster.context}": could not find target revision ${revision}.`);
  if (info.installedBy.kind === 'sail') {
    const r = info.installedBy.owner ? snap.sail().revisions.get(info.installedBy.owner.name) : undefined;
    const holders = uninstallChecklist(snap, revision).items.map((i) => `• ${i.message}`);
    void vscode.window.showInformationMessage(
      `Revision ${revision} on ${cluster.context} is managed by the Sail operator: it removes an inactive revision itself once nothing uses it.`,
      {
        modal: true,
        detail: [
          `IstioRevision ${info.installedBy.owner?.name}: ${r ? describeSailRevision(r) : 'not readable'}.`,
          r?.active ? 'It is the active revision: upgrade the Istio resource (spec.version) to replace it.' : '',
          holders.length ? `Still using it:\n${holders.join('\n')}` : 'Nothing uses it any more.',
          'Nothing is deleted here: the operator would recreate what its resources describe.',
        ]
          .filter(Boolean)
          .join('\n\n'),
      },
    );
    return { plan: undefined, result: undefined, gateways: [] };
  }
  // Gateways whose proxies the canary runs in place: they need a restart after a rollback.
  const { gateways, blocking } = rollback ? rollbackChecklist(snap, revision) : { gateways: [], blocking: uninstallChecklist(snap, revision).items };
  if (blocking.length > 0) {
    const list = blocking.map((i) => `• ${i.message}`).join('\n');
    if (!opts.force) {
      if (opts.assumeYes) throw new Error(`Cluster "${cluster.context}": revision ${revision} is still in use; refusing to uninstall:\n${list}`);
      // Forcing is never one keypress away: the name must be typed (Enter alone changes nothing).
      const a = await vscode.window.showErrorMessage(
        `Revision ${revision} on ${cluster.context} is still in use (${blocking.length} item(s)). Uninstalling it now breaks injection for these:`,
        { modal: true, detail: `${list}\n\nTo uninstall anyway you will be asked to type the revision's name.` },
        'Force Uninstall…',
      );
      if (a !== 'Force Uninstall…') throw new CancelledError();
      const typed = await vscode.window.showInputBox({
        title: `Force ${rollback ? 'rollback' : 'uninstall'} of ${revision} on ${cluster.context}`,
        prompt: `Type ${revision} to remove it although ${blocking.length} item(s) still use it`,
        placeHolder: revision,
        ignoreFocusOut: true,
        validateInput: (v) => (v === revision ? undefined : `Type "${revision}" exactly to confirm`),
      });
      if (typed !== revision) throw new CancelledError();
    }
    s.log.warn(`uninstall ${revision} on ${cluster.context} forced despite: ${blocking.map((i) => i.object).join(', ')}`);
  }
  let plan: Plan;
  if (info.installedBy.kind === 'helm') {
    const hp = planHelmUninstall({
      cluster: cluster.context,
      revision,
      installedBy: info.installedBy,
      objects: { deployments: info.deployments, services: info.services, webhooks: info.webhooks },
    });
    if (!hp.ok) throw new Error(hp.message);
    plan = hp.plan;
  } else {
    const objs = await fetchUninstallObjects(cluster.watcher.client, revision);
    if (!objs.ok) throw new Error(describeK8sError(objs.error));
    plan = planUninstall({ cluster: cluster.context, revision, objects: objs.value });
  }
  if (plan.requests.length === 0 && !plan.tools?.length)
    throw new Error(
      `${plan.summary} ${plan.warnings.join(' ')} (It was probably not installed by istioctl install; remove it the way it was installed, e.g. helm uninstall.)`,
    );
  if (rollback && gateways.length)
    plan.warnings.unshift(
      `Gateways upgraded in place to ${revision}, to restart after the rollback: ${gateways.map((g) => `${g.namespace}/${g.workload}`).join(', ')}.`,
    );
  if (blocking.length) plan.warnings.unshift(`FORCED: still in use — ${blocking.map((i) => i.object).join(', ')}.`);
  const mode = await confirmPlan(plan, { action: rollback ? 'Roll Back' : 'Uninstall', assumeYes: opts.assumeYes, typeToConfirm: revision });
  if (plan.tools?.length) helmChannel().show(true);
  const result = await executePlan(cluster.watcher.client, plan, s.log, mode, helmToolRunner(helmOptionsFor(s.clusters, cluster.context, true)));
  if (!result.ok || mode === 'dryRun') return { plan, result, gateways };
  if (rollback && gateways.length) {
    let restart = opts.restartGateways;
    if (!restart && !opts.assumeYes) {
      const a = await vscode.window.showInformationMessage(
        `Revision ${revision} removed. Restart the gateways it ran in place (${gateways.map((g) => g.workload).join(', ')})?`,
        'Restart Gateways',
        'Later',
      );
      restart = a === 'Restart Gateways' ? 'all' : 'no';
    }
    if (restart === 'all') {
      const ws: WorkloadId[] = gateways
        .filter((g) => isRestartable(g.kind))
        .map((g) => ({ kind: g.kind as WorkloadId['kind'], namespace: g.namespace, name: g.workload }));
      await restartWorkloadsWithUi(s, cluster.context, [...new Set(ws.map((w) => w.namespace))], undefined, ws, { assumeYes: opts.assumeYes });
    }
  } else {
    void vscode.window.showInformationMessage(
      plan.tools?.length
        ? `Revision ${revision} uninstalled from ${cluster.context} (${plan.tools.map((t) => `helm ${t.args.join(' ')}`).join('; ')}).`
        : `Revision ${revision} uninstalled from ${cluster.context} (${plan.requests.length} object(s) deleted).`,
    );
  }
  return { plan, result, gateways };
}

export const uninstallRevision: CommandModule = {
  id: 'istioRevisions.revision.uninstall',
  run: (s, node?: RevNode, _nodes?: unknown, opts: UninstallOptions = {}) => uninstallWithUi(s, node, opts, false),
};

export const rollbackRevision: CommandModule = {
  id: 'istioRevisions.revision.rollback',
  run: (s, node?: RevNode, _nodes?: unknown, opts: UninstallOptions = {}) => uninstallWithUi(s, node, opts, true),
};
