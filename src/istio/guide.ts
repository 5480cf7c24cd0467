/**
 * The guided canary upgrade: which steps are done, read from the cluster itself
 * (never from memory), so the guide resumes wherever the user — or a colleague
 * with kubectl — left off. "From" is the oldest installed revision that still
 * matters; "to" the newest installed revision by Istio version.
 */
import { managedGateways, nodeAgents } from './ambient';
import type { InstallMethodKind } from './installer';
import { describeSailRevision } from './sail';
import type { ClusterSnapshot } from './snapshot';
import { compareVersions } from './version';

export type StepId = 'precheck' | 'install' | 'nodeAgents' | 'moveNamespaces' | 'restart' | 'gateways' | 'waypoints' | 'moveTags' | 'uninstall';
export type StepState = 'done' | 'todo' | 'blocked' | 'optional';

export interface GuideStep {
  id: StepId;
  title: string;
  state: StepState;
  detail: string;
  /** The command that performs the step. */
  command: string;
}

export interface GuideState {
  from?: string;
  to?: string;
  /** How the newest revision was installed: the steps speak its installer's language. */
  method?: InstallMethodKind;
  steps: GuideStep[];
  /** First step that is not done (where to resume). */
  next?: StepId;
}

export function guideState(snap: ClusterSnapshot): GuideState {
  const cp = snap.controlPlane;
  const installed = cp.revisions.filter((r) => r.deployments.length > 0);
  const sorted = [...installed].sort((a, b) => (a.version && b.version ? compareVersions(a.version, b.version) : 0) || a.name.localeCompare(b.name));
  const to = sorted[sorted.length - 1];
  const from = sorted.length > 1 ? sorted[0] : undefined;
  const byRev = snap.proxiesByRevision();
  const method = to?.installedBy.kind;
  const sail = method === 'sail' ? snap.sail() : undefined;
  const nss = snap.namespaces().filter((n) => n.labels.injection !== undefined || n.labels.rev !== undefined);
  const steps: GuideStep[] = [];
  steps.push({
    id: 'precheck',
    title: 'Precheck the cluster',
    state: 'optional',
    detail: 'Kubernetes version, permissions, Gateway API CRDs (run any time).',
    command: 'istioRevisions.cluster.precheck',
  });
  steps.push({
    id: 'install',
    title: 'Install the canary revision',
    command: 'istioRevisions.revision.install',
    state: from ? 'done' : 'todo',
    detail: from
      ? `${to!.name} (${to!.version ?? '?'}) runs beside ${from.name} (${from.version ?? '?'}).`
      : to
        ? `Only ${to.name} (${to.version ?? '?'}) is installed: ${
            method === 'helm'
              ? `install the next version as a second release (helm install istiod-<rev> istio/istiod -n ${to.installedBy.release?.namespace ?? 'istio-system'} --set revision=<rev>)`
              : method === 'sail'
                ? `set the next version on the Istio resource (spec.version; updateStrategy RevisionBased makes a revision beside it)`
                : 'install the next version as a revision beside it'
          } to start an upgrade.`
        : 'No control plane found.',
  });
  if (!from || !to) {
    for (const [id, title, command] of [
      ['moveNamespaces', 'Move namespaces', 'istioRevisions.namespace.move'],
      ['restart', 'Restart workloads', 'istioRevisions.namespace.restart'],
      ['gateways', 'Restart gateways', 'istioRevisions.workload.restart'],
      ['moveTags', 'Move tags', 'istioRevisions.tag.move'],
      ['uninstall', 'Uninstall the old revision', 'istioRevisions.revision.uninstall'],
    ] as const) {
      steps.push({
        id,
        title,
        command,
        state: to && installed.length === 1 && (byRev.get(to.name)?.stale ?? 0) === 0 && !cp.tags.some((t) => !t.revisionInstalled) ? 'done' : 'blocked',
        detail: 'Needs two revisions side by side.',
      });
    }
    return finish({ from: from?.name, to: to?.name, method, steps });
  }
  // Ambient path (Istio's ambient upgrade guide): CRDs → istiod → istio-cni → ztunnel node by node →
  // waypoints and Gateway API gateways through the tag they follow. Shown only where node agents run.
  const agents = nodeAgents(snap);
  if (agents.length) {
    const behind = agents.filter((a) => a.versions.length > 1 || (a.component === 'ztunnel' ? a.revision !== to.name : a.versions[0]?.version !== to.version));
    steps.push({
      id: 'nodeAgents',
      title: `Upgrade istio-cni and ztunnel to ${to.name}`,
      command: 'istioRevisions.nodeAgent.upgradeByNode',
      state: behind.length === 0 ? 'done' : 'todo',
      detail:
        behind.length === 0
          ? `istio-cni and ztunnel run ${to.version ?? to.name} on every node.`
          : behind
              .map(
                (a) =>
                  `${a.component}: ${a.versions.map((v) => `${v.version} on ${v.nodes.length}`).join(', ')}${a.revision ? ` (bound to ${a.revision})` : ''}`,
              )
              .join('; ') + '. istio-cni upgrades in place; ztunnel node by node (prepare, apply the new version, then roll).',
    });
  }
  const onOld = nss.filter((n) => n.resolvedRevision === from.name);
  steps.push({
    id: 'moveNamespaces',
    title: `Move namespaces to ${to.name}`,
    command: 'istioRevisions.namespace.move',
    state: onOld.length === 0 ? 'done' : 'todo',
    detail:
      onOld.length === 0
        ? `No labelled namespace resolves to ${from.name}.`
        : `${onOld.length} namespace(s) still resolve to ${from.name}: ${onOld
            .slice(0, 5)
            .map((n) => n.name)
            .join(', ')}${onOld.length > 5 ? '…' : ''}.`,
  });
  const gatewaysOld = snap.gateways().filter((g) => g.running.has(from.name));
  const gatewayPods = gatewaysOld.reduce((a, g) => a + (g.running.get(from.name) ?? 0), 0);
  const oldProxies = (byRev.get(from.name)?.proxies ?? 0) - gatewayPods;
  const stale = [...byRev.values()].reduce((a, v) => a + v.stale, 0);
  steps.push({
    id: 'restart',
    title: 'Restart workloads',
    command: 'istioRevisions.namespace.restart',
    state: oldProxies <= 0 && stale === 0 ? 'done' : 'todo',
    detail:
      oldProxies <= 0 && stale === 0
        ? 'Every sidecar runs the revision its namespace resolves to.'
        : `${Math.max(0, oldProxies)} sidecar(s) still run ${from.name}; ${stale} stale.`,
  });
  steps.push({
    id: 'gateways',
    title: 'Restart gateways',
    command: 'istioRevisions.workload.restart',
    state: gatewaysOld.length === 0 ? 'done' : 'todo',
    detail:
      gatewaysOld.length === 0
        ? `No gateway runs ${from.name}.`
        : `Still on ${from.name}: ${gatewaysOld.map((g) => `${g.namespace}/${g.workload}`).join(', ')}.`,
  });
  const managed = managedGateways(snap);
  if (managed.length) {
    const notYet = managed.filter((g) => g.followsRevision !== to.name || g.rolling > 0);
    steps.push({
      id: 'waypoints',
      title: `Waypoints and Gateway API gateways on ${to.name}`,
      command: 'istioRevisions.tag.move',
      state: notYet.length === 0 ? 'done' : 'todo',
      detail:
        notYet.length === 0
          ? `All follow and run ${to.name}.`
          : `${notYet.map((g) => `${g.namespace}/${g.gateway} (follows ${g.followsRevision ?? 'nothing'})`).join(', ')}: move the tag (or label) they follow; istiod re-renders them, no restart.`,
    });
  }
  const oldTags = cp.tags.filter((t) => t.revision === from.name);
  const how =
    method === 'helm'
      ? " (rendered from the revision's chart: helm template … revisionTags, applied; the default tag also sets the base release's defaultRevision)"
      : method === 'sail'
        ? ' (IstioRevisionTag targetRef; a tag that targets the Istio resource follows its active revision by itself)'
        : '';
  steps.push({
    id: 'moveTags',
    title: `Move tags to ${to.name}`,
    command: 'istioRevisions.tag.move',
    state: oldTags.length === 0 ? 'done' : 'todo',
    detail: oldTags.length === 0 ? `No tag points at ${from.name}.` : `Still on ${from.name}: ${oldTags.map((t) => t.name).join(', ')}${how}.`,
  });
  const sailFrom = sail && from.installedBy.owner ? sail.revisions.get(from.installedBy.owner.name) : undefined;
  steps.push({
    id: 'uninstall',
    title: `Uninstall ${from.name}`,
    command: 'istioRevisions.revision.uninstall',
    state: 'todo',
    detail:
      from.installedBy.kind === 'helm'
        ? `${from.name} is still installed: helm uninstall ${from.installedBy.release?.name} -n ${from.installedBy.release?.namespace}.`
        : from.installedBy.kind === 'sail'
          ? `${from.name} is still installed; the Sail operator removes it itself: ${sailFrom ? describeSailRevision(sailFrom) : 'its IstioRevision is not readable'}.`
          : `${from.name} is still installed.`,
  });
  return finish({ from: from.name, to: to.name, method, steps });
}

function finish(g: Omit<GuideState, 'next'>): GuideState {
  return { ...g, next: g.steps.find((s) => s.state === 'todo')?.id };
}
