/**
 * Revision uninstall: what `istioctl uninstall --revision <rev>` of Istio 1.31 deletes
 * (operator/cmd/mesh/uninstall.go, operator/pkg/uninstall/prune.go), as a Plan, plus
 * the checklist of everything that still uses the revision — which istioctl never checks
 * (it only warns about connected proxies and gateway Deployments).
 *
 * istioctl 1.31 lists, for every kind of UNINSTALL_KINDS (cluster-wide), the objects
 * matching `uninstallSelector(rev)` and deletes each with propagationPolicy Foreground,
 * ignoring NotFound. The selector also requires
 * `install.operator.istio.io/owning-resource-namespace=istio-system`: it comes from
 * `metadata.namespace` of the built-in default profile (manifests/profiles/default.yaml),
 * which `istioctl install` stamps on what it installs (operator/pkg/install getOwnerLabels).
 * Control planes applied from `istioctl manifest generate` or Helm lack the label, and
 * `istioctl uninstall --revision` removes nothing of them ("No resources will be pruned").
 */
import { kindPath } from './apipath';
import { COMPONENT_LABEL, DEFAULT_REVISION, OWNING_RESOURCE_NAMESPACE_LABEL, REV_LABEL } from './labels';
import { shellQuote, type Plan, type PlannedRequest } from './plan';
import { managedGateways, nodeAgents } from './ambient';
import type { ClusterSnapshot, GatewayView } from './snapshot';
import type { RawMeta, RawObject } from './types';

export interface UninstallKind {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  kind: string;
}

/** prune.go NamespacedResources() followed by ClusterCPResources, in istioctl's deletion order. */
export const UNINSTALL_KINDS: readonly UninstallKind[] = [
  { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true, kind: 'Deployment' },
  { group: 'apps', version: 'v1', plural: 'daemonsets', namespaced: true, kind: 'DaemonSet' },
  { group: '', version: 'v1', plural: 'services', namespaced: true, kind: 'Service' },
  { group: '', version: 'v1', plural: 'configmaps', namespaced: true, kind: 'ConfigMap' },
  { group: '', version: 'v1', plural: 'pods', namespaced: true, kind: 'Pod' },
  { group: '', version: 'v1', plural: 'secrets', namespaced: true, kind: 'Secret' },
  { group: '', version: 'v1', plural: 'serviceaccounts', namespaced: true, kind: 'ServiceAccount' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', namespaced: true, kind: 'RoleBinding' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', namespaced: true, kind: 'Role' },
  { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', namespaced: true, kind: 'PodDisruptionBudget' },
  { group: 'autoscaling', version: 'v2', plural: 'horizontalpodautoscalers', namespaced: true, kind: 'HorizontalPodAutoscaler' },
  { group: 'networking.istio.io', version: 'v1alpha3', plural: 'envoyfilters', namespaced: true, kind: 'EnvoyFilter' },
  { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations', namespaced: false, kind: 'MutatingWebhookConfiguration' },
  {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    plural: 'validatingwebhookconfigurations',
    namespaced: false,
    kind: 'ValidatingWebhookConfiguration',
  },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', namespaced: false, kind: 'ClusterRole' },
  { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterrolebindings', namespaced: false, kind: 'ClusterRoleBinding' },
];

/** Components `uninstall --revision` prunes (prune.go includeCN; base is never pruned). */
export const UNINSTALL_COMPONENTS = ['Cni', 'EgressGateways', 'IngressGateways', 'Pilot', 'Ztunnel'] as const;
/** metadata.namespace of istioctl's built-in default profile. */
export const PROFILE_NAMESPACE = 'istio-system';

/**
 * The label selector istioctl 1.31 lists with, exactly as klabels renders it (keys sorted).
 * `default` is not special: unrevisioned installs carry istio.io/rev=default.
 */
export function uninstallSelector(revision: string): string {
  return [
    `${OWNING_RESOURCE_NAMESPACE_LABEL}=${PROFILE_NAMESPACE}`,
    `${REV_LABEL}=${revision}`,
    `${COMPONENT_LABEL} in (${UNINSTALL_COMPONENTS.join(',')})`,
    COMPONENT_LABEL,
  ].join(',');
}

/** Whether an object's labels match uninstallSelector(revision). */
export function matchesUninstallSelector(labels: Record<string, string> | undefined, revision: string): boolean {
  const l = labels ?? {};
  return (
    l[OWNING_RESOURCE_NAMESPACE_LABEL] === PROFILE_NAMESPACE &&
    l[REV_LABEL] === revision &&
    (UNINSTALL_COMPONENTS as readonly string[]).includes(l[COMPONENT_LABEL])
  );
}

export { kindPath };

export const FOREGROUND_DELETE = { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' } as const;

export function planUninstall(input: { cluster: string; revision: string; objects: { resource: UninstallKind; items: RawObject[] }[] }): Plan {
  const { cluster, revision } = input;
  const order = (r: UninstallKind) => {
    const i = UNINSTALL_KINDS.findIndex((k) => k.group === r.group && k.plural === r.plural);
    return i < 0 ? UNINSTALL_KINDS.length : i;
  };
  const groups = [...input.objects].sort((a, b) => order(a.resource) - order(b.resource));
  const requests: PlannedRequest[] = [];
  const byKind = new Map<string, string[]>();
  const gateways: string[] = [];
  for (const { resource, items } of groups) {
    // Only the kinds istioctl prunes, and only objects carrying this revision's labels: nothing shared.
    if (order(resource) >= UNINSTALL_KINDS.length) continue;
    for (const o of items) {
      const md: Partial<RawMeta> = o?.metadata ?? {};
      if (!md.name || !matchesUninstallSelector(md.labels, revision)) continue;
      const ns = resource.namespaced ? md.namespace : undefined;
      if (resource.namespaced && !ns) continue;
      requests.push({
        method: 'DELETE',
        path: kindPath(resource, ns, md.name),
        body: { ...FOREGROUND_DELETE },
        description: `Delete ${resource.kind} ${ns ? `${ns}/` : ''}${md.name}`,
        permission: { verb: 'delete', group: resource.group, resource: resource.plural, ...(ns ? { namespace: ns } : {}), name: md.name },
        dryRunnable: true,
        ignoreNotFound: true,
      });
      const list = byKind.get(resource.kind) ?? [];
      list.push(md.name);
      byKind.set(resource.kind, list);
      if (resource.kind === 'Deployment' && md.name.includes('gateway')) gateways.push(md.name);
    }
  }
  const warnings: string[] = [];
  if (requests.length === 0) warnings.push('No resources will be pruned from the cluster. Please double check the input configs');
  if (gateways.length) {
    warnings.push(
      `You are about to remove the following gateways: ${gateways.join(', ')}. To avoid downtime, reinstall the gateway(s) with a revision that is not being removed from the cluster first.`,
    );
  }
  const what = [...byKind].map(([k, names]) => `${k}: ${names.join(', ')}`).join('; ');
  return {
    title: `Uninstall revision ${revision}`,
    summary: requests.length
      ? `Delete the ${requests.length} object(s) of revision ${revision} that istioctl uninstall --revision ${revision} deletes (${what}).`
      : `Nothing of revision ${revision} carries the labels istioctl uninstall selects (${uninstallSelector(revision)}).`,
    cluster,
    requests,
    commands: [['istioctl', 'uninstall', '--revision', revision, '-y'].map(shellQuote).join(' ')],
    warnings,
  };
}

// ---------------------------------------------------------------- checklist

export type UninstallItemKind = 'namespace' | 'namespaceViaTag' | 'pods' | 'gateway' | 'waypoint' | 'nodeAgent' | 'tag' | 'default';

export interface UninstallChecklist {
  items: { kind: UninstallItemKind; object: string; message: string }[];
  blocking: boolean;
}

/** Everything that still uses `revision`: none of it is checked by istioctl uninstall. */
export function uninstallChecklist(snapshot: ClusterSnapshot, revision: string): UninstallChecklist {
  const cp = snapshot.controlPlane;
  const items: UninstallChecklist['items'] = [];
  const seenNs = new Set<string>();
  for (const ns of snapshot.namespacesLabelled(revision)) {
    seenNs.add(ns);
    items.push({
      kind: 'namespace',
      object: ns,
      message: `Namespace ${ns} is labelled ${REV_LABEL}=${revision}: its new pods would not be injected after the uninstall.`,
    });
  }
  const tags = cp.tags.filter((t) => t.revision === revision);
  for (const t of tags) {
    for (const ns of snapshot.namespacesLabelled(t.name)) {
      if (seenNs.has(ns)) continue;
      seenNs.add(ns);
      items.push({ kind: 'namespaceViaTag', object: ns, message: `Namespace ${ns} follows tag ${t.name}, which points at ${revision}: move the tag first.` });
    }
  }
  // Namespaces resolving to the revision otherwise (istio-injection=enabled through the default tag or revision).
  for (const v of snapshot.namespaces()) {
    if (seenNs.has(v.name) || v.resolvedRevision !== revision) continue;
    seenNs.add(v.name);
    if (v.viaTag) {
      items.push({
        kind: 'namespaceViaTag',
        object: v.name,
        message: `Namespace ${v.name} (${v.labels.injection !== undefined ? `istio-injection=${v.labels.injection}` : `${REV_LABEL}=${v.labels.rev}`}) is injected through tag ${v.viaTag}, which points at ${revision}.`,
      });
    } else {
      items.push({ kind: 'namespace', object: v.name, message: `New pods in namespace ${v.name} are injected by ${revision}.` });
    }
  }
  const gatewayPods = new Set<string>();
  const gws = snapshot.gateways().filter((g) => (g.running.get(revision) ?? 0) > 0);
  for (const g of gws) {
    const n = g.running.get(revision) ?? 0;
    items.push({
      kind: 'gateway',
      object: `${g.namespace}/${g.workload}`,
      message: `Gateway ${g.namespace}/${g.workload} runs ${n} proxy(ies) of ${revision}: reinstall or restart it on another revision first.`,
    });
    gatewayPods.add(`${g.namespace}/${g.workload}`);
  }
  // Waypoints and Gateway API gateways istiod deploys: the revision that controls them renders them.
  for (const g of managedGateways(snapshot)) {
    const runs = g.running.get(revision) ?? 0;
    if (g.followsRevision !== revision && runs === 0) continue;
    const what = g.kind === 'waypoint' ? 'Waypoint' : 'Gateway API gateway';
    items.push({
      kind: g.kind === 'waypoint' ? 'waypoint' : 'gateway',
      object: `${g.namespace}/${g.gateway}`,
      message:
        g.followsRevision === revision
          ? `${what} ${g.namespace}/${g.gateway} is controlled by ${revision} (${g.follows}): after the uninstall no istiod renders or configures it. Point it at another revision first (label the Gateway or its namespace, or move the tag).`
          : `${what} ${g.namespace}/${g.gateway} still runs ${runs} pod(s) of ${revision} while istiod re-renders it for ${g.followsRevision}: wait until it has rolled.`,
    });
  }
  // ztunnel is bound to one revision (XDS_ADDRESS/CA_ADDRESS → istiod-<rev>): it cannot be moved by a tag.
  for (const a of nodeAgents(snapshot)) {
    if (a.revision !== revision && a.previousRevision !== revision) continue;
    items.push({
      kind: 'nodeAgent',
      object: `${a.namespace}/${a.daemonSet}`,
      message: `${a.component} (DaemonSet ${a.namespace}/${a.daemonSet}, ${a.pods} node(s)) is bound to ${revision}: without it every ambient workload loses its certificates and configuration. Upgrade ${a.component} to another revision node by node first.`,
    });
  }
  const perNs = new Map<string, number>();
  for (const p of snapshot.proxies()) {
    if (!p.injected || p.injectedRevision !== revision) continue;
    if (p.gateway && gatewayPods.has(`${p.namespace}/${p.workload.name}`)) continue;
    perNs.set(p.namespace, (perNs.get(p.namespace) ?? 0) + 1);
  }
  for (const [ns, n] of [...perNs].sort(([a], [b]) => a.localeCompare(b))) {
    items.push({
      kind: 'pods',
      object: ns,
      message: `${n} proxy(ies) in namespace ${ns} were injected by ${revision}: they would be detached from any control plane. Restart them on another revision first.`,
    });
  }
  for (const t of tags) {
    // Tags made by `istioctl install` carry its owner labels and are pruned with the revision;
    // tags made by `istioctl tag set` (webhook and, 1.28+, Service) are left behind, dangling.
    const pruned =
      t.webhooks.length > 0 && t.webhooks.every((n) => matchesUninstallSelector(snapshot.mutatingWebhookConfiguration(n)?.metadata.labels, revision));
    const objs = [...t.webhooks.map((n) => `MutatingWebhookConfiguration ${n}`), ...t.services.map((n) => `Service ${n}`)].join(', ');
    items.push({
      kind: 'tag',
      object: t.name,
      message: pruned
        ? `Tag ${t.name} points at ${revision} and was made by istioctl install: istioctl uninstall deletes it with the revision (${objs}), and namespaces following it lose injection. Move the tag to another revision first.`
        : `Tag ${t.name} points at ${revision}; istioctl uninstall leaves it behind pointing at a removed control plane (${objs || 'no objects listed'}). Move or remove the tag first.`,
    });
  }
  const info = cp.revisionByName.get(revision);
  if (info?.isDefault || cp.defaultRevision === revision) {
    items.push({
      kind: 'default',
      object: revision === DEFAULT_REVISION ? DEFAULT_REVISION : revision,
      message: `${revision} is the default revision (istio-injection=enabled and the default validator): make another revision the default first.`,
    });
  }
  return { items, blocking: items.length > 0 };
}

/**
 * Rolling back a canary: the gateways that run it in place (their proxies are on `revision` while
 * they follow another one) are restarted after the uninstall, so they do not block it; everything
 * else on the checklist still does. Gateways are matched by namespace and workload exactly.
 */
export function rollbackChecklist(
  snapshot: ClusterSnapshot,
  revision: string,
): { check: UninstallChecklist; gateways: GatewayView[]; blocking: UninstallChecklist['items'] } {
  const gateways = snapshot.gateways().filter((g) => (g.running.get(revision) ?? 0) > 0 && g.followsRevision !== revision);
  const restarted = new Set(gateways.map((g) => `${g.namespace}/${g.workload}`));
  const check = uninstallChecklist(snapshot, revision);
  return { check, gateways, blocking: check.items.filter((i) => !(i.kind === 'gateway' && restarted.has(i.object))) };
}
