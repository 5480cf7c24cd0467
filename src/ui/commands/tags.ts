/**
 * Tag commands: create, move (point at another revision), remove — producing the
 * objects `istioctl tag set/remove` produces (src/istio/tagplan.ts), after showing
 * who follows the tag and how many proxies will be stale until restarted.
 */
import * as vscode from 'vscode';
import { checkRevisionName, isRestartable, ownedObjectEdits, planTagRemove, planTagSet, tagImpact, tagRoute, type Plan } from '../../istio';
import { describeK8sError, fetchTagInputs } from '../../k8s';
import { pickCluster, pickRevisionOrTag } from '../pick';
import { buildHelmTagPlan, helmToolRunner } from '../../tools/helm';
import { helmChannel, helmOptionsFor } from '../helm';
import { confirmPlan, executePlan } from '../planUi';
import { readSettings } from '../settings';
import { CancelledError, type CommandModule, type Services } from './registry';
import { restartWorkloadsWithUi } from './restartNamespace';

export interface TagOptions {
  tag?: string;
  revision?: string;
  assumeYes?: boolean;
  /** After a move: restart the followers' workloads ('no' by default when assumeYes). */
  restart?: 'all' | 'no';
}

type TagNode = { context?: string; name?: string; type?: string };

/**
 * Tags of a revision Helm installed are rendered from its chart (src/tools/helm.ts); a revision the
 * Sail operator manages gets its tags from an IstioRevisionTag. Undefined: not for this installer.
 */
async function runForInstaller(
  s: Services,
  context: string,
  tag: string,
  revision: string | undefined,
  overwrite: boolean,
  action: string,
  assumeYes?: boolean,
  typeToConfirm?: string,
) {
  const cluster = await pickCluster(s.clusters, context);
  const snap = cluster.watcher.snapshot;
  const route = tagRoute(snap, cluster.context, tag, revision, overwrite);
  if (route.route === 'istioctl') return undefined;
  if (route.route === 'refuse') throw new Error(route.message);
  let plan: Plan;
  if (route.route === 'sail') {
    plan = route.plan;
    const impact = tagImpact(snap, tag, revision);
    if (impact.namespaces.length || impact.workloads.length) plan.warnings.unshift(impact.message);
  } else {
    const built = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t("Rendering tag {0} from the chart of revision {1}'s Helm release…", tag, route.revision),
      },
      () =>
        buildHelmTagPlan(cluster.watcher.client, snap, helmOptionsFor(s.clusters, cluster.context), {
          tag,
          revision: route.revision,
          overwrite,
          userCharts: readSettings().helmCharts,
        }),
    );
    if (!built.ok) throw new Error(built.message);
    plan = built.plan;
  }
  const mode = await confirmPlan(plan, { action, assumeYes, typeToConfirm });
  if (plan.tools?.length) helmChannel().show(true);
  const result = await executePlan(cluster.watcher.client, plan, s.log, mode, helmToolRunner(helmOptionsFor(s.clusters, cluster.context, true)));
  if (mode === 'dryRun' && result.ok)
    void vscode.window.showInformationMessage(vscode.l10n.t('Dry run accepted by {0}: {1}. Nothing was changed.', cluster.context, plan.title));
  return { cluster, plan, result, mode };
}

async function buildAndRun(
  s: Services,
  context: string,
  build: (inputs: Awaited<ReturnType<typeof fetchTagInputs>> & { ok: true }) => { ok: true; plan: Plan } | { ok: false; message: string },
  action: string,
  assumeYes?: boolean,
  extraWarnings: string[] = [],
  typeToConfirm?: string,
) {
  const cluster = await pickCluster(s.clusters, context);
  const inputs = await fetchTagInputs(cluster.watcher.client, readSettings().istioNamespace);
  if (!inputs.ok) throw new Error(describeK8sError(inputs.error));
  const built = build(inputs);
  if (!built.ok) throw new Error(vscode.l10n.t('Cluster "{0}": {1}', cluster.context, built.message));
  const owned = ownedObjectEdits(built.plan.requests, (k, ns, n) => cluster.watcher.snapshot.ownedMeta(k, ns, n));
  if (owned.length)
    throw new Error(
      vscode.l10n.t(
        'Cluster "{0}": the plan would change what an installer owns ({1}). Change it through its installer. Nothing was changed.',
        cluster.context,
        owned.join('; '),
      ),
    );
  built.plan.warnings.unshift(...extraWarnings);
  const mode = await confirmPlan(built.plan, { action, assumeYes, typeToConfirm });
  const result = await executePlan(cluster.watcher.client, built.plan, s.log, mode);
  if (mode === 'dryRun' && result.ok)
    void vscode.window.showInformationMessage(vscode.l10n.t('Dry run accepted by {0}: {1}. Nothing was changed.', cluster.context, built.plan.title));
  return { cluster, plan: built.plan, result, mode };
}

export const createTag: CommandModule = {
  id: 'istioRevisions.tag.create',
  async run(s, node?: TagNode, _nodes?: unknown, opts: TagOptions = {}) {
    const cluster = await pickCluster(s.clusters, node?.context);
    const cp = cluster.watcher.snapshot.controlPlane;
    const validate = (v: string) => {
      const c = checkRevisionName(v.trim(), 'tag');
      if (!c.ok) return c.suggestion ? vscode.l10n.t('{0} Try "{1}".', c.message, c.suggestion) : c.message;
      if (cp.tagByName.has(v.trim()))
        return vscode.l10n.t('Tag {0} already exists on {1}: use "Point Tag to Revision…" to move it.', v.trim(), cluster.context);
      if (cp.revisionByName.has(v.trim()) && v.trim() !== 'default')
        return vscode.l10n.t('"{0}" is a revision on {1}; a tag may not share its name.', v.trim(), cluster.context);
      return undefined;
    };
    let tag = opts.tag;
    if (tag === undefined) {
      tag = await vscode.window.showInputBox({
        title: vscode.l10n.t('New revision tag on {0}', cluster.context),
        prompt: vscode.l10n.t('Tag name (DNS-1123 label), e.g. prod, canary, stable'),
        validateInput: validate,
      });
      if (tag === undefined) throw new CancelledError();
    }
    tag = tag.trim();
    const err = validate(tag);
    if (err) throw new Error(err);
    const revision =
      opts.revision ?? (await pickRevisionOrTag(cluster.watcher.snapshot, vscode.l10n.t('Point tag {0} at which revision?', tag), { tags: false }));
    const action = vscode.l10n.t('Create Tag');
    const viaInstaller = await runForInstaller(s, cluster.context, tag, revision, false, action, opts.assumeYes);
    if (viaInstaller) return viaInstaller;
    const impact = tagImpact(cluster.watcher.snapshot, tag, revision);
    const warn = impact.namespaces.length
      ? [vscode.l10n.t('Namespaces already labelled istio.io/rev={0} start getting {1} for new pods: {2}.', tag, revision, impact.namespaces.join(', '))]
      : [];
    return buildAndRun(
      s,
      cluster.context,
      (i) => planTagSet({ cluster: cluster.context, tag: tag!, revision, overwrite: false, istioNamespace: readSettings().istioNamespace, ...i.value }),
      action,
      opts.assumeYes,
      warn,
    );
  },
};

export const moveTag: CommandModule = {
  id: 'istioRevisions.tag.move',
  async run(s, node?: TagNode, _nodes?: unknown, opts: TagOptions = {}) {
    const cluster = await pickCluster(s.clusters, node?.context);
    const snap = cluster.watcher.snapshot;
    const cp = snap.controlPlane;
    let tag = opts.tag ?? (node?.type === 'tag' || node?.type === undefined ? node?.name : undefined);
    if (!tag) {
      const p = await vscode.window.showQuickPick(
        cp.tags.map((t) => ({ label: t.name, description: `→ ${t.revision}` })),
        { title: vscode.l10n.t('Move which tag?') },
      );
      if (!p) throw new CancelledError();
      tag = p.label;
    }
    const current = cp.tagByName.get(tag);
    if (!current) throw new Error(vscode.l10n.t('Cluster "{0}": tag {1} does not exist.', cluster.context, tag));
    const revision =
      opts.revision ??
      (await pickRevisionOrTag(snap, vscode.l10n.t('Point tag {0} (now → {1}) at which revision?', tag, current.revision), {
        tags: false,
        exclude: [current.revision],
      }));
    if (revision === current.revision) throw new Error(vscode.l10n.t('Tag {0} already points at {1}.', tag, revision));
    const action = vscode.l10n.t('Move Tag');
    const impact = tagImpact(snap, tag, revision);
    // moving the default tag moves every istio-injection=enabled namespace: type its name
    const out =
      (await runForInstaller(s, cluster.context, tag, revision, true, action, opts.assumeYes, tag === 'default' ? tag : undefined)) ??
      (await buildAndRun(
        s,
        cluster.context,
        (i) => planTagSet({ cluster: cluster.context, tag: tag!, revision, overwrite: true, istioNamespace: readSettings().istioNamespace, ...i.value }),
        action,
        opts.assumeYes,
        [impact.message],
        tag === 'default' ? tag : undefined,
      ));
    if (!out.result.ok || out.mode === 'dryRun' || impact.workloads.length === 0) return out;
    let restart = opts.restart;
    if (!restart && !opts.assumeYes) {
      const RESTART = vscode.l10n.t('Restart Them');
      const a = await vscode.window.showInformationMessage(
        vscode.l10n.t('Tag {0} now points at {1}. {2} workload(s) keep their old sidecar until restarted.', tag, revision, impact.workloads.length),
        RESTART,
        vscode.l10n.t('Later'),
      );
      restart = a === RESTART ? 'all' : 'no';
    }
    if (restart === 'all') {
      const ws = impact.workloads.filter((w) => isRestartable(w.kind)).map((w) => ({ kind: w.kind as 'Deployment', namespace: w.namespace, name: w.name }));
      await restartWorkloadsWithUi(s, cluster.context, [...new Set(ws.map((w) => w.namespace))], undefined, ws, { assumeYes: opts.assumeYes });
    }
    return out;
  },
};

export const removeTag: CommandModule = {
  id: 'istioRevisions.tag.remove',
  async run(s, node?: TagNode, _nodes?: unknown, opts: TagOptions = {}) {
    const cluster = await pickCluster(s.clusters, node?.context);
    const snap = cluster.watcher.snapshot;
    let tag = opts.tag ?? node?.name;
    if (!tag) {
      const p = await vscode.window.showQuickPick(
        snap.controlPlane.tags.map((t) => ({ label: t.name, description: `→ ${t.revision}` })),
        { title: vscode.l10n.t('Remove which tag?') },
      );
      if (!p) throw new CancelledError();
      tag = p.label;
    }
    const impact = tagImpact(snap, tag);
    const action = vscode.l10n.t('Remove Tag');
    const viaInstaller = await runForInstaller(
      s,
      cluster.context,
      tag,
      undefined,
      false,
      action,
      opts.assumeYes,
      impact.namespaces.length || impact.workloads.length ? tag : undefined,
    );
    if (viaInstaller) return viaInstaller;
    return buildAndRun(
      s,
      cluster.context,
      (i) =>
        planTagRemove({
          cluster: cluster.context,
          tag: tag!,
          namespacesUsingTag: snap.namespacesLabelled(tag!),
          istioNamespace: readSettings().istioNamespace,
          ...i.value,
        }),
      action,
      opts.assumeYes,
      [impact.message],
      impact.namespaces.length || impact.workloads.length ? tag : undefined,
    ); // still followed: type its name
  },
};
