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
    (await pickRevisionOrTag(
      snap,
      rollback ? vscode.l10n.t('Roll back by uninstalling which (canary) revision?') : vscode.l10n.t('Uninstall which revision?'),
      { tags: false },
    ));
  const info = snap.controlPlane.revisionByName.get(revision);
  if (!info) throw new Error(vscode.l10n.t('Cluster "{0}": could not find target revision {1}.', cluster.context, revision));
  if (info.installedBy.kind === 'sail') {
    const r = info.installedBy.owner ? snap.sail().revisions.get(info.installedBy.owner.name) : undefined;
    const holders = uninstallChecklist(snap, revision).items.map((i) => `• ${i.message}`);
    void vscode.window.showInformationMessage(
      vscode.l10n.t(
        'Revision {0} on {1} is managed by the Sail operator: it removes an inactive revision itself once nothing uses it.',
        revision,
        cluster.context,
      ),
      {
        modal: true,
        detail: [
          vscode.l10n.t('IstioRevision {0}: {1}.', String(info.installedBy.owner?.name), r ? describeSailRevision(r) : vscode.l10n.t('not readable')),
          r?.active ? vscode.l10n.t('It is the active revision: upgrade the Istio resource (spec.version) to replace it.') : '',
          holders.length ? vscode.l10n.t('Still using it:') + '\n' + holders.join('\n') : vscode.l10n.t('Nothing uses it any more.'),
          vscode.l10n.t('Nothing is deleted here: the operator would recreate what its resources describe.'),
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
      if (opts.assumeYes)
        throw new Error(vscode.l10n.t('Cluster "{0}": revision {1} is still in use; refusing to uninstall:', cluster.context, revision) + '\n' + list);
      // Forcing is never one keypress away: the name must be typed (Enter alone changes nothing).
      const FORCE = vscode.l10n.t('Force Uninstall…');
      const a = await vscode.window.showErrorMessage(
        vscode.l10n.t(
          'Revision {0} on {1} is still in use ({2} item(s)). Uninstalling it now breaks injection for these:',
          revision,
          cluster.context,
          blocking.length,
        ),
        { modal: true, detail: list + '\n\n' + vscode.l10n.t("To uninstall anyway you will be asked to type the revision's name.") },
        FORCE,
      );
      if (a !== FORCE) throw new CancelledError();
      const typed = await vscode.window.showInputBox({
        title: rollback
          ? vscode.l10n.t('Force rollback of {0} on {1}', revision, cluster.context)
          : vscode.l10n.t('Force uninstall of {0} on {1}', revision, cluster.context),
        prompt: vscode.l10n.t('Type {0} to remove it although {1} item(s) still use it', revision, blocking.length),
        placeHolder: revision,
        ignoreFocusOut: true,
        validateInput: (v) => (v === revision ? undefined : vscode.l10n.t('Type "{0}" exactly to confirm', revision)),
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
      vscode.l10n.t(
        '{0} {1} (It was probably not installed by istioctl install; remove it the way it was installed, e.g. helm uninstall.)',
        plan.summary,
        plan.warnings.join(' '),
      ),
    );
  if (rollback && gateways.length)
    plan.warnings.unshift(
      vscode.l10n.t(
        'Gateways upgraded in place to {0}, to restart after the rollback: {1}.',
        revision,
        gateways.map((g) => `${g.namespace}/${g.workload}`).join(', '),
      ),
    );
  if (blocking.length) plan.warnings.unshift(vscode.l10n.t('FORCED: still in use — {0}.', blocking.map((i) => i.object).join(', ')));
  const mode = await confirmPlan(plan, {
    action: rollback ? vscode.l10n.t('Roll Back') : vscode.l10n.t('Uninstall'),
    assumeYes: opts.assumeYes,
    typeToConfirm: revision,
  });
  if (plan.tools?.length) helmChannel().show(true);
  const result = await executePlan(cluster.watcher.client, plan, s.log, mode, helmToolRunner(helmOptionsFor(s.clusters, cluster.context, true)));
  if (!result.ok || mode === 'dryRun') return { plan, result, gateways };
  if (rollback && gateways.length) {
    let restart = opts.restartGateways;
    if (!restart && !opts.assumeYes) {
      const RESTART = vscode.l10n.t('Restart Gateways');
      const a = await vscode.window.showInformationMessage(
        vscode.l10n.t('Revision {0} removed. Restart the gateways it ran in place ({1})?', revision, gateways.map((g) => g.workload).join(', ')),
        RESTART,
        vscode.l10n.t('Later'),
      );
      restart = a === RESTART ? 'all' : 'no';
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
        ? vscode.l10n.t('Revision {0} uninstalled from {1} ({2}).', revision, cluster.context, plan.tools.map((t) => `helm ${t.args.join(' ')}`).join('; '))
        : vscode.l10n.t('Revision {0} uninstalled from {1} ({2} object(s) deleted).', revision, cluster.context, plan.requests.length),
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
