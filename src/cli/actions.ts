/**
 * Headless actions: move, restart, tag set|remove, uninstall. Each builds the same Plan
 * the extension's commands build, prints it (text, or -o yaml|json with the requests and
 * the equivalent commands), and changes nothing unless asked: `--dry-run=server` sends it
 * with ?dryRun=All, `--yes` applies it. Permissions are checked before the first request.
 *
 * Exit codes (as `check`): 0 done (or plan printed); 1 refused before any change (still in
 * use, not permitted, nothing to do that was asked, the tool's own refusal); 2 the cluster
 * could not be read or a request failed; 64 usage.
 */
import { stringify as toYaml } from 'yaml';
import {
  describeSailRevision,
  ownedObjectEdits,
  planHelmUninstall,
  planSailUpgrade,
  tagRoute,
  nodeAgents,
  planDeletePods,
  planNodeByNode,
  planPrepareNodeAgent,
  planRelabel,
  planRestart,
  planTagRemove,
  planTagSet,
  planUninstall,
  renderPlan,
  restartCandidates,
  restartRefusal,
  restartTimestamp,
  RESTARTABLE,
  tagImpact,
  uninstallChecklist,
  workloadKey,
  type Plan,
  type RelabelTarget,
  type RestartableKind,
  type WorkloadId,
} from '../istio';
import {
  describeDenied,
  describeK8sError,
  describeRestartReport,
  fetchTagInputs,
  fetchUninstallObjects,
  ownedPodsToReplace,
  readAgentState,
  runNodeByNode,
  runPlan,
  runPodDeletes,
  runRestarts,
  type PlanRunResult,
} from '../k8s';
import { buildHelmTagPlan, helmToolRunner, type HelmOptions } from '../tools/helm';
import { EXIT, type Args } from './args';
import { openSession, type Io, type Session } from './session';

type Outcome = { code: number; plan?: Plan; result?: unknown; message?: string };

const planDoc = (plan: Plan) => ({
  title: plan.title,
  summary: plan.summary,
  cluster: plan.cluster,
  warnings: plan.warnings,
  commands: plan.commands,
  requests: plan.requests.map((r) => ({
    method: r.method,
    path: r.path,
    query: r.query,
    contentType: r.contentType,
    body: r.body,
    description: r.description,
    permission: r.permission,
  })),
  ...(plan.tools?.length
    ? { tools: plan.tools.map((t) => ({ tool: t.tool, args: t.args, dryRunArgs: t.dryRunArgs, description: t.description, permissions: t.permissions })) }
    : {}),
});

function print(args: Args, io: Io, o: Outcome): number {
  if (args.output === 'json' || args.output === 'yaml') {
    const doc = {
      apiVersion: 'istio-revisions/v1',
      kind: 'ActionResult',
      mode: args.yes ? 'apply' : args.dryRun ? 'dry-run' : 'plan',
      exitCode: o.code,
      message: o.message,
      plan: o.plan && planDoc(o.plan),
      result: o.result,
    };
    io.out(args.output === 'json' ? JSON.stringify(doc, null, 2) + '\n' : toYaml(doc));
    if (o.code !== EXIT.ok && o.message) io.err(`istio-revisions: ${o.message}\n`);
    return o.code;
  }
  if (o.plan) io.out(renderPlan(o.plan));
  if (o.message) (o.code === EXIT.ok ? io.out : io.err)(`${o.code === EXIT.ok ? '' : 'istio-revisions: '}${o.message}\n`);
  return o.code;
}

function describeRun(r: PlanRunResult, cluster: string, plan: Plan): Outcome {
  if (r.denied) return { code: EXIT.blockers, plan, result: r, message: describeDenied(cluster, r.denied) };
  if (r.toolFailed) {
    const before = r.done.length ? ` ${r.done.length} request(s) were applied before it: ${r.done.map((d) => d.description).join('; ')}.` : '';
    return { code: EXIT.error, plan, result: r, message: `Cluster "${cluster}": ${r.toolFailed.step.description} failed: ${r.toolFailed.message}${before}` };
  }
  if (r.failed) {
    const changed = r.dryRun
      ? 'Nothing was changed (dry run).'
      : r.done.length
        ? `${r.done.length} of ${plan.requests.length} request(s) were applied before it: ${r.done.map((d) => d.description).join('; ')}.`
        : 'Nothing was changed.';
    return { code: EXIT.error, plan, result: r, message: `Cluster "${cluster}": ${r.failed.request.description} failed: ${r.failed.message} ${changed}` };
  }
  if (r.cancelled) return { code: EXIT.error, plan, result: r, message: `Cancelled after ${r.done.length} of ${plan.requests.length} request(s).` };
  const tools = plan.tools?.length ? ` and ${plan.tools.length} helm step(s)` : '';
  const skipped = r.toolsSkipped?.length ? ` Not simulated: ${r.toolsSkipped.map((t) => t.description).join('; ')}.` : '';
  return {
    code: EXIT.ok,
    plan,
    result: {
      ok: true,
      dryRun: r.dryRun,
      done: r.done.length,
      ...(r.toolsDone ? { tools: r.toolsDone.map((t) => ({ args: t.step.args, output: t.output })) } : {}),
    },
    message: r.dryRun
      ? `Dry run accepted by ${cluster}: ${plan.requests.length} request(s)${tools} validated; nothing was changed.${skipped}`
      : `Done on ${cluster}: ${plan.title} (${plan.requests.length} request(s)${tools}).`,
  };
}

/** Prints the plan, or runs it (dry-run or for real) with the permission check first. */
async function planOrRun(args: Args, io: Io, s: Session, plan: Plan, signal: AbortSignal): Promise<Outcome> {
  const owned = ownedObjectEdits(plan.requests, (k, ns, n) => s.watcher.snapshot.ownedMeta(k, ns, n));
  if (owned.length)
    return {
      code: EXIT.blockers,
      plan,
      message: `Cluster "${s.context}": the plan would change what an installer owns (${owned.join('; ')}); refusing. Change it through its installer. Nothing was changed.`,
    };
  if (!args.yes && !args.dryRun)
    return {
      code: EXIT.ok,
      plan,
      message:
        plan.requests.length || plan.tools?.length
          ? 'Plan only: nothing was changed. Pass --dry-run=server to validate it on the server, --yes to apply it.'
          : undefined,
    };
  const runTool = plan.tools?.length ? helmToolRunner(helmOptions(args, io, s)) : undefined;
  return describeRun(await runPlan(s.client, plan, { dryRun: args.dryRun && !args.yes, signal, runTool }), s.context, plan);
}

function helmOptions(args: Args, io: Io, s: Session): HelmOptions {
  return {
    bin: args.helm ?? 'helm',
    kubeconfig: s.kubeconfigFiles,
    context: s.context,
    env: io.env,
    timeoutMs: args.timeoutMs > 300_000 ? args.timeoutMs : 300_000,
    onLine: (line) => {
      if (line.trim()) io.err(`helm: ${line}\n`);
    },
  };
}

/** tag set for a revision Helm installed: rendered from its chart with its values (and, for `default`, the base release's defaultRevision). */
async function helmTagSet(args: Args, io: Io, s: Session, tagName: string, revision: string, signal: AbortSignal): Promise<Outcome> {
  const built = await buildHelmTagPlan(
    s.client,
    s.watcher.snapshot,
    { ...helmOptions(args, io, s), onLine: undefined },
    { tag: tagName, revision, overwrite: !!args.overwrite, userCharts: args.helmCharts ?? {} },
    signal,
  );
  if (!built.ok) return { code: built.refused ? EXIT.blockers : EXIT.error, message: built.message };
  return planOrRun(args, io, s, built.plan, signal);
}

// ---- move -----------------------------------------------------------------------

async function move(args: Args, io: Io, s: Session, signal: AbortSignal): Promise<Outcome> {
  const names = [...new Set(args.positional)];
  const target: RelabelTarget = args.to !== undefined ? { kind: 'rev', value: args.to } : args.enableDefault ? { kind: 'enableDefault' } : { kind: 'disable' };
  const built = planRelabel(s.watcher.snapshot, s.context, names, target);
  if (!built.ok) return { code: EXIT.blockers, message: built.message }; // names the cluster itself
  return planOrRun(args, io, s, built.plan, signal);
}

// ---- restart --------------------------------------------------------------------

function parseWorkload(spec: string, namespace: string): WorkloadId | string {
  const m = /^([A-Za-z]+)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(spec);
  // kubectl's names: singular, plural and short (deploy, sts, ds)
  const SHORT: Record<string, RestartableKind> = { deploy: 'Deployment', sts: 'StatefulSet', ds: 'DaemonSet' };
  const k0 = m?.[1].toLowerCase() ?? '';
  const kind = m && (SHORT[k0] ?? RESTARTABLE.find((k) => k.toLowerCase() === k0 || `${k.toLowerCase()}s` === k0));
  if (!m || !kind) return `--workload ${spec}: expected deployment/<name>, statefulset/<name> or daemonset/<name>`;
  return { kind: kind as RestartableKind, namespace, name: m[2] };
}

async function restart(args: Args, io: Io, s: Session, signal: AbortSignal): Promise<Outcome> {
  const namespaces = [...new Set(args.positional)];
  const snap = s.watcher.snapshot;
  let workloads: WorkloadId[] = [];
  const notes: string[] = [];
  if (args.workloads?.length) {
    for (const spec of args.workloads) workloads.push(parseWorkload(spec, namespaces[0]) as WorkloadId);
  } else {
    const missing = namespaces.filter((n) => !snap.namespaceObject(n));
    if (missing.length) return { code: EXIT.blockers, message: `Cluster "${s.context}": namespace(s) not found: ${missing.join(', ')}. Nothing was changed.` };
    const seen = new Map<string, WorkloadId>();
    for (const ns of namespaces) {
      const c = restartCandidates(snap, ns, !!args.staleOnly);
      for (const w of c.workloads) seen.set(workloadKey(w), w);
      if (c.skipped.length) notes.push(`Not restartable here (restart them by hand): ${c.skipped.join(', ')}.`);
    }
    workloads = [...seen.values()];
  }
  if (workloads.length === 0)
    return { code: EXIT.ok, message: `Nothing to restart in ${namespaces.join(', ')} on ${s.context}${args.staleOnly ? ' (no stale proxies)' : ''}.` };
  const refusal = restartRefusal(snap, s.context, workloads);
  if (refusal && !args.force) return { code: EXIT.blockers, message: `${refusal} (--force restarts anyway)` };
  const batchSize = args.batchSize ?? 5;
  const at = restartTimestamp();
  const plan = planRestart(s.context, workloads, at, batchSize, notes);
  if (!args.yes && !args.dryRun)
    return { code: EXIT.ok, plan, message: 'Plan only: nothing was changed. Pass --dry-run=server to validate it on the server, --yes to apply it.' };
  const report = await runRestarts(s.client, workloads, {
    batchSize,
    at,
    signal,
    dryRun: args.dryRun && !args.yes,
    rolloutTimeoutMs: args.rolloutTimeoutMs,
    revisionOf: (w) => snap.namespace(w.namespace)?.resolvedRevision,
    onProgress: (e) => {
      if (args.output === 'text' && e.workload && e.phase === 'restarting')
        io.err(`batch ${e.batch}/${e.batches}: restarting ${e.workload.kind} ${e.workload.namespace}/${e.workload.name}\n`);
    },
  });
  const text = describeRestartReport(report);
  if (report.denied) return { code: EXIT.blockers, plan, result: report, message: describeDenied(s.context, report.denied) };
  if (report.failed) {
    const before = report.completed.length + report.inProgress.length + (report.onDelete?.length ?? 0) + (report.degraded?.length ?? 0) === 0;
    return {
      code: before ? EXIT.blockers : EXIT.error,
      plan,
      result: report,
      message: `Cluster "${s.context}": ${text}${before ? ' Nothing was changed.' : ''}`,
    };
  }
  if (report.cancelled) return { code: EXIT.error, plan, result: report, message: text };
  if (report.onDelete?.length && !report.dryRun) {
    if (args.onDelete !== 'delete-pods') {
      return {
        code: EXIT.ok,
        plan,
        result: report,
        message: `${text} Run again with --on-delete=delete-pods to delete their pods in batches, each waiting for its replacement to be ready.`,
      };
    }
    const pods = await deletePods(args, io, s, report.onDelete, batchSize, signal);
    return { code: pods.code, plan, result: { restart: report, deletePods: pods.result }, message: `${text} ${pods.message ?? ''}`.trim() };
  }
  return { code: EXIT.ok, plan, result: report, message: text };
}

/** OnDelete workloads: delete their pods in batches, each batch waiting until its replacements are ready. */
async function deletePods(args: Args, io: Io, s: Session, workloads: WorkloadId[], batchSize: number, signal: AbortSignal): Promise<Outcome> {
  const results: unknown[] = [];
  for (const w of workloads) {
    const live = await ownedPodsToReplace(s.client, w, signal);
    if (!live.ok) return { code: EXIT.error, result: results, message: describeK8sError(live.error) };
    const pods = live.value;
    if (pods.length === 0) continue;
    const plan = planDeletePods(s.context, w, pods, batchSize);
    io.err(`${plan.title}: ${plan.summary}\n`);
    const r = await runPodDeletes(s.client, w, pods, { batchSize, signal, rolloutTimeoutMs: args.rolloutTimeoutMs, onProgress: (m) => io.err(`  ${m}\n`) });
    results.push({ workload: w, ...r });
    if (!r.ok) return { code: EXIT.error, result: results, message: `Cluster "${s.context}": ${r.message}` };
  }
  return { code: EXIT.ok, result: results, message: `Pods of ${workloads.map((w) => `${w.namespace}/${w.name}`).join(', ')} replaced one batch at a time.` };
}

// ---- tag --------------------------------------------------------------------------

async function tag(args: Args, io: Io, s: Session, signal: AbortSignal): Promise<Outcome> {
  const [sub, name] = args.positional;
  const route = tagRoute(s.watcher.snapshot, s.context, name, sub === 'set' ? (args.revision ?? '') : undefined, !!args.overwrite);
  if (route.route === 'refuse') return { code: EXIT.blockers, message: route.message };
  if (route.route === 'helm') return helmTagSet(args, io, s, name, route.revision, signal);
  if (route.route === 'sail') {
    const impact = tagImpact(s.watcher.snapshot, name, sub === 'set' ? args.revision : undefined);
    if (impact.namespaces.length || impact.workloads.length) route.plan.warnings.unshift(impact.message);
    return planOrRun(args, io, s, route.plan, signal);
  }
  const inputs = await fetchTagInputs(s.client, args.istioNamespace, signal);
  if (!inputs.ok) return { code: EXIT.error, message: describeK8sError(inputs.error) };
  const snap = s.watcher.snapshot;
  const built =
    sub === 'set'
      ? planTagSet({
          cluster: s.context,
          tag: name,
          revision: args.revision ?? '',
          overwrite: !!args.overwrite,
          istioNamespace: args.istioNamespace,
          ...inputs.value,
        })
      : planTagRemove({
          cluster: s.context,
          tag: name,
          namespacesUsingTag: snap.namespacesLabelled(name),
          istioNamespace: args.istioNamespace,
          ...inputs.value,
        });
  // The tool's own wording (istioctl's), so scripts matching its errors keep working.
  if (!built.ok) return { code: EXIT.blockers, message: `Cluster "${s.context}": ${built.message}` };
  const impact = tagImpact(snap, name, sub === 'set' ? args.revision : undefined);
  if (impact.namespaces.length || impact.workloads.length) built.plan.warnings.unshift(impact.message);
  return planOrRun(args, io, s, built.plan, signal);
}

// ---- uninstall ----------------------------------------------------------------

async function uninstall(args: Args, io: Io, s: Session, signal: AbortSignal): Promise<Outcome> {
  const revision = (args.revision ?? args.positional[0])!;
  const snap = s.watcher.snapshot;
  // istioctl: "could not find target revision" — nothing is planned for a revision that is not there.
  if (!snap.controlPlane.revisionByName.has(revision))
    return { code: EXIT.blockers, message: `Cluster "${s.context}": could not find target revision ${revision}. Nothing was changed.` };
  const check = uninstallChecklist(snap, revision);
  const info = snap.controlPlane.revisionByName.get(revision)!;
  if (info.installedBy.kind === 'sail')
    return {
      code: EXIT.blockers,
      result: { inUse: check.items },
      message: sailUninstallMessage(
        s.context,
        snap,
        revision,
        check.items.map((i) => i.message),
      ),
    };
  if (info.installedBy.kind === 'helm') {
    const hp = planHelmUninstall({
      cluster: s.context,
      revision,
      installedBy: info.installedBy,
      objects: { deployments: info.deployments, services: info.services, webhooks: info.webhooks },
    });
    if (!hp.ok) return { code: EXIT.blockers, message: hp.message };
    if (check.items.length) {
      const list = check.items.map((i) => `  - ${i.message}`).join('\n');
      if (!args.force)
        return {
          code: EXIT.blockers,
          plan: hp.plan,
          result: { inUse: check.items },
          message: `Cluster "${s.context}": revision ${revision} is still in use; refusing to uninstall (pass --force to remove it anyway):\n${list}`,
        };
      hp.plan.warnings.unshift(`FORCED: still in use — ${check.items.map((i) => i.object).join(', ')}.`);
    }
    return planOrRun(args, io, s, hp.plan, signal);
  }
  const objs = await fetchUninstallObjects(s.client, revision, signal);
  if (!objs.ok) return { code: EXIT.error, message: describeK8sError(objs.error) };
  const plan = planUninstall({ cluster: s.context, revision, objects: objs.value });
  if (check.items.length) {
    const list = check.items.map((i) => `  - ${i.message}`).join('\n');
    if (!args.force)
      return {
        code: EXIT.blockers,
        plan,
        result: { inUse: check.items },
        message: `Cluster "${s.context}": revision ${revision} is still in use; refusing to uninstall (pass --force to remove it anyway):\n${list}`,
      };
    plan.warnings.unshift(`FORCED: still in use — ${check.items.map((i) => i.object).join(', ')}.`);
  }
  if (plan.requests.length === 0)
    return {
      code: EXIT.blockers,
      plan,
      message: `${plan.summary} ${plan.warnings.join(' ')} (It was probably not installed by istioctl install; remove it the way it was installed, e.g. helm uninstall.)`,
    };
  return planOrRun(args, io, s, plan, signal);
}

/** Sail: the operator removes an inactive revision itself; say when, and what holds it. */
export function sailUninstallMessage(cluster: string, snap: Session['watcher']['snapshot'], revision: string, holders: string[]): string {
  const info = snap.controlPlane.revisionByName.get(revision);
  const r = info?.installedBy.owner ? snap.sail().revisions.get(info.installedBy.owner.name) : undefined;
  const state = r ? describeSailRevision(r) : 'its IstioRevision is not readable';
  const what = r?.active
    ? 'It is the active revision of its Istio: upgrade the Istio (spec.version) to replace it.'
    : r?.updateStrategy === 'InPlace'
      ? 'With updateStrategy InPlace the operator does not prune revisions.'
      : 'The operator deletes it once nothing uses it, after the grace period.';
  return `Cluster "${cluster}": revision ${revision} is managed by the Sail operator (IstioRevision ${info?.installedBy.owner?.name ?? revision}: ${state}). ${what} Deleting its objects here would be reverted by the operator. Nothing was changed.${holders.length ? `\nStill using it:\n${holders.map((h) => `  - ${h}`).join('\n')}` : ''}`;
}

// ---- upgrade (Sail: the Istio resource's spec.version) -------------------------------

async function upgrade(args: Args, io: Io, s: Session, signal: AbortSignal): Promise<Outcome> {
  const sail = s.watcher.snapshot.sail();
  if (!sail.istios.length)
    return {
      code: EXIT.blockers,
      message: `Cluster "${s.context}": no Sail operator Istio resource found; upgrade changes Istio.spec.version. With istioctl run \`istioctl install --set revision=<name>\`, with Helm \`helm install istiod-<rev> istio/istiod --set revision=<rev>\`. Nothing was changed.`,
    };
  const name = args.istio ?? (sail.istios.length === 1 ? sail.istios[0].name : undefined);
  if (!name) return { code: EXIT.usage, message: `several Istio resources (${sail.istios.map((i) => i.name).join(', ')}): pass --istio <name>` };
  const istio = sail.istios.find((i) => i.name === name);
  if (!istio)
    return {
      code: EXIT.blockers,
      message: `Cluster "${s.context}": no Istio resource named ${name} (there are: ${sail.istios.map((i) => i.name).join(', ')}). Nothing was changed.`,
    };
  const built = planSailUpgrade({ cluster: s.context, istio, version: args.version! });
  if (!built.ok) return { code: EXIT.blockers, message: built.message };
  return planOrRun(args, io, s, built.plan, signal);
}

// ---- ztunnel: node-by-node upgrade -------------------------------------------------------

async function ztunnel(args: Args, io: Io, s: Session, signal: AbortSignal): Promise<Outcome> {
  const [sub] = args.positional;
  const agents = nodeAgents(s.watcher.snapshot).filter((a) => a.component === 'ztunnel');
  const named = args.daemonSet?.split('/');
  const ds = named ? { namespace: named[0], name: named[1] } : agents[0] && { namespace: agents[0].namespace, name: agents[0].daemonSet };
  if (!ds) return { code: EXIT.blockers, message: `Cluster "${s.context}": no ztunnel DaemonSet found (no pod labelled app=ztunnel). Nothing was changed.` };
  if (!named && agents.length > 1)
    return {
      code: EXIT.usage,
      message: `several ztunnel DaemonSets (${agents.map((a) => `${a.namespace}/${a.daemonSet}`).join(', ')}): pass --daemonset namespace/name`,
    };
  const st = await readAgentState(s.client, ds, signal);
  if (!st.ok) return { code: EXIT.error, message: describeK8sError(st.error) };
  if (sub === 'prepare') return planOrRun(args, io, s, planPrepareNodeAgent(s.context, ds, st.value.strategy), signal);
  // roll
  const plan = planNodeByNode(s.context, ds, st.value.nodes);
  if (st.value.strategy !== 'OnDelete') {
    return {
      code: EXIT.blockers,
      plan,
      message: `Cluster "${s.context}": DaemonSet ${ds.namespace}/${ds.name} has updateStrategy ${st.value.strategy ?? 'RollingUpdate'}; run \`istio-revisions ztunnel prepare --yes\` before applying the new version. Nothing was changed.`,
    };
  }
  if (!args.yes)
    return {
      code: EXIT.ok,
      plan,
      message: plan.requests.length ? 'Plan only: nothing was changed. Pass --yes to roll (Ctrl-C stops after the node in progress).' : undefined,
    };
  const r = await runNodeByNode(s.client, ds, {
    signal,
    maxNodes: args.maxNodes,
    nodeTimeoutMs: args.rolloutTimeoutMs,
    onProgress: (e) => io.err(`${e.node}: ${e.step}${e.step === 'done' ? ` (${e.done}/${e.total})` : ''}\n`),
  });
  return { code: r.ok ? EXIT.ok : EXIT.error, plan, result: r, message: r.message };
}

const ACTIONS = { move, restart, tag, uninstall, ztunnel, upgrade } as const;
export type ActionName = keyof typeof ACTIONS;

/** A usage mistake, found before connecting to any cluster. */
export function usageError(name: ActionName, args: Args): string | undefined {
  const pos = args.positional;
  switch (name) {
    case 'move': {
      if (pos.length === 0) return 'move needs one or more namespaces: istio-revisions move <namespace…> --to <revision|tag>';
      const targets = [args.to !== undefined, !!args.enableDefault, !!args.disable].filter(Boolean).length;
      return targets === 1 ? undefined : 'move needs exactly one of --to <revision|tag>, --enable-default, --disable';
    }
    case 'restart': {
      if (pos.length === 0) return 'restart needs one or more namespaces: istio-revisions restart <namespace…> [--stale-only] [--workload kind/name]';
      if (args.workloads?.length && new Set(pos).size !== 1) return '--workload needs exactly one namespace';
      for (const spec of args.workloads ?? []) {
        const w = parseWorkload(spec, pos[0]);
        if (typeof w === 'string') return w;
      }
      return undefined;
    }
    case 'tag': {
      const [sub, tagName, ...extra] = pos;
      if ((sub !== 'set' && sub !== 'remove') || !tagName || extra.length)
        return 'usage: istio-revisions tag set <tag> --revision <revision> [--overwrite] | tag remove <tag>';
      if (sub === 'set' && !args.revision) return 'tag set needs --revision <revision>';
      return undefined;
    }
    case 'uninstall':
      return (args.revision ?? pos[0]) && pos.length <= (args.revision ? 0 : 1)
        ? undefined
        : 'usage: istio-revisions uninstall --revision <revision> [--force]';
    case 'upgrade':
      return args.version && pos.length === 0
        ? undefined
        : 'usage: istio-revisions upgrade --version <v1.x.y> [--istio <name>]   (Sail: sets Istio.spec.version)';
    case 'ztunnel':
      if (pos.length !== 1 || !['prepare', 'roll'].includes(pos[0]))
        return 'usage: istio-revisions ztunnel prepare | roll [--max-nodes N] [--daemonset namespace/name]';
      if (args.daemonSet !== undefined && !/^[a-z0-9-]+\/[a-z0-9-]+$/.test(args.daemonSet)) return `--daemonset ${args.daemonSet}: expected namespace/name`;
      return undefined;
  }
}

export async function runAction(name: ActionName, args: Args, io: Io): Promise<number> {
  const usage = usageError(name, args);
  if (usage) {
    io.err(`istio-revisions: ${usage}\n`);
    return EXIT.usage;
  }
  const s = await openSession(args, io);
  if (typeof s === 'number') return s;
  const ac = new AbortController();
  const onSig = () => {
    io.err('istio-revisions: interrupted — stopping after the request (or batch) in flight\n');
    ac.abort();
  };
  process.once('SIGINT', onSig);
  try {
    if (s.incomplete.length && (args.yes || args.dryRun)) {
      return print(args, io, {
        code: EXIT.error,
        message: `Cluster "${s.context}": cannot plan safely: ${s.incomplete.join(', ')} could not be read. Nothing was changed.`,
      });
    }
    const o = await ACTIONS[name](args, io, s, ac.signal);
    return print(args, io, o);
  } finally {
    process.removeListener('SIGINT', onSig);
    s.dispose();
  }
}
