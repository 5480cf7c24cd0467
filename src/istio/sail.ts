/**
 * The Sail operator's view of a control plane (sailoperator.io/v1; istio-ecosystem/sail-operator
 * api/v1, controllers/istio, pkg/revision): which IstioRevision is active for its Istio, whether it
 * is in use (its InUse condition, which the operator sets from namespaces, pods and tags), and —
 * for an inactive revision nothing uses under `updateStrategy: RevisionBased` — when the operator
 * deletes it: `InUse` False since lastTransitionTime, plus `inactiveRevisionDeletionGracePeriodSeconds`
 * (default 30; pkg/revision/prune.go PruneInactive). InPlace never prunes.
 *
 * Every change to a Sail-managed control plane is a change to these resources: the Istio's
 * `spec.version` (upgrade), an IstioRevisionTag's `spec.targetRef` (tags); the operator renders the
 * rest. Plans here never touch what it owns.
 */
import { shellQuote, MERGE_PATCH, type Plan, type PlannedRequest } from './plan';
import type { ClusterSnapshot } from './snapshot';
import type { Condition, SailResource } from './types';

export const SAIL_GROUP = 'sailoperator.io';
export const SAIL_VERSION = 'v1';
export const DEFAULT_GRACE_SECONDS = 30;

export interface SailIstioView {
  name: string;
  version?: string;
  namespace: string;
  updateStrategy: 'InPlace' | 'RevisionBased';
  gracePeriodSeconds: number;
  activeRevision?: string;
  state?: string;
}

export interface SailRevisionView {
  name: string;
  /** The Istio resource that owns it. */
  istio?: string;
  version?: string;
  namespace: string;
  active: boolean;
  ready?: boolean;
  /** The operator's InUse condition: true, false, or undefined when it has not said. */
  inUse?: boolean;
  inUseReason?: string;
  inUseMessage?: string;
  inUseSince?: string;
  updateStrategy?: 'InPlace' | 'RevisionBased';
  gracePeriodSeconds?: number;
  /** When the operator deletes it (inactive, RevisionBased, InUse False): ISO time. */
  deletionAt?: string;
  /** Seconds until then (0 when due). */
  deletionInSeconds?: number;
}

export interface SailTagView {
  name: string;
  targetKind?: string;
  targetName?: string;
  /** The revision it resolves to (status.istioRevision; set once reconciled). */
  revision?: string;
  inUse?: boolean;
}

export interface SailView {
  installed: boolean;
  istios: SailIstioView[];
  revisions: Map<string, SailRevisionView>;
  tags: Map<string, SailTagView>;
}

const cond = (r: SailResource, type: string): Condition | undefined => r.status?.conditions?.find((c) => c.type === type);
const tri = (c: Condition | undefined) => (c?.status === 'True' ? true : c?.status === 'False' ? false : undefined);

export function buildSailView(input: { istios: SailResource[]; revisions: SailResource[]; tags: SailResource[] }, now = Date.now()): SailView {
  const istios: SailIstioView[] = input.istios
    .map((i): SailIstioView => ({
      name: i.metadata.name,
      version: i.spec?.version,
      namespace: i.spec?.namespace ?? 'istio-system',
      updateStrategy: i.spec?.updateStrategy?.type === 'RevisionBased' ? 'RevisionBased' : 'InPlace',
      gracePeriodSeconds: i.spec?.updateStrategy?.inactiveRevisionDeletionGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS,
      activeRevision: i.status?.activeRevisionName,
      state: i.status?.state,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const byIstio = new Map(istios.map((i) => [i.name, i]));
  const revisions = new Map<string, SailRevisionView>();
  for (const r of input.revisions) {
    const owner = r.metadata.ownerReferences?.find((o) => o.kind === 'Istio')?.name;
    const istio = owner ? byIstio.get(owner) : undefined;
    const inUseC = cond(r, 'InUse');
    const v: SailRevisionView = {
      name: r.metadata.name,
      istio: owner,
      version: r.spec?.version,
      namespace: r.spec?.namespace ?? 'istio-system',
      active: !!istio && istio.activeRevision === r.metadata.name,
      ready: tri(cond(r, 'Ready')),
      inUse: tri(inUseC),
      inUseReason: inUseC?.reason,
      inUseMessage: inUseC?.message,
      inUseSince: inUseC?.lastTransitionTime,
      updateStrategy: istio?.updateStrategy,
      gracePeriodSeconds: istio?.gracePeriodSeconds,
    };
    if (istio && !v.active && istio.updateStrategy === 'RevisionBased' && v.inUse === false && v.inUseSince) {
      const at = Date.parse(v.inUseSince) + istio.gracePeriodSeconds * 1000;
      if (Number.isFinite(at)) {
        v.deletionAt = new Date(at).toISOString();
        v.deletionInSeconds = Math.max(0, Math.ceil((at - now) / 1000));
      }
    }
    revisions.set(v.name, v);
  }
  const tags = new Map<string, SailTagView>();
  for (const t of input.tags) {
    tags.set(t.metadata.name, {
      name: t.metadata.name,
      targetKind: t.spec?.targetRef?.kind,
      targetName: t.spec?.targetRef?.name,
      revision: t.status?.istioRevision,
      inUse: tri(cond(t, 'InUse')),
    });
  }
  return { installed: istios.length + revisions.size + tags.size > 0, istios, revisions, tags };
}

/** One line on a Sail revision: active or not, in use or not, and the operator's countdown. */
export function describeSailRevision(r: SailRevisionView): string {
  const parts = [r.istio ? `Istio ${r.istio}` : 'no Istio owner', r.active ? 'active' : 'inactive'];
  if (r.inUse === true) parts.push(`in use (${r.inUseReason ?? 'InUse'})`);
  else if (r.inUse === false) parts.push('not in use');
  if (r.deletionAt)
    parts.push(
      r.deletionInSeconds ? `the operator deletes it in ${r.deletionInSeconds} s (grace ${r.gracePeriodSeconds} s)` : 'due for deletion by the operator now',
    );
  else if (!r.active && r.updateStrategy === 'InPlace') parts.push('InPlace: the operator does not prune');
  else if (!r.active && r.inUse !== false) parts.push(`kept while in use; deleted ${r.gracePeriodSeconds ?? DEFAULT_GRACE_SECONDS} s after it is not`);
  return parts.join(' · ');
}

const sailPath = (plural: string, name?: string) => `/apis/${SAIL_GROUP}/${SAIL_VERSION}/${plural}${name ? `/${encodeURIComponent(name)}` : ''}`;

export type SailPlanResult = { ok: true; plan: Plan } | { ok: false; message: string };

/**
 * A tag on a Sail-managed revision: an IstioRevisionTag pointing at that IstioRevision (created, or
 * its spec.targetRef changed); the operator renders the webhook and Service.
 */
export function planSailTagSet(input: { cluster: string; tag: string; revision: string; existing?: SailTagView; overwrite: boolean }): SailPlanResult {
  const { cluster, tag, revision, existing } = input;
  const targetRef = { kind: 'IstioRevision', name: revision };
  if (existing && existing.targetKind === 'IstioRevision' && existing.targetName === revision)
    return { ok: false, message: `Cluster "${cluster}": IstioRevisionTag ${tag} already points at IstioRevision ${revision}. Nothing was changed.` };
  if (existing && !input.overwrite)
    return {
      ok: false,
      message: `Cluster "${cluster}": IstioRevisionTag ${tag} exists (→ ${existing.targetKind} ${existing.targetName}); pass --overwrite to point it at ${revision}. Nothing was changed.`,
    };
  const req: PlannedRequest = existing
    ? {
        method: 'PATCH',
        path: sailPath('istiorevisiontags', tag),
        contentType: MERGE_PATCH,
        body: { spec: { targetRef } },
        description: `Point IstioRevisionTag ${tag} at IstioRevision ${revision} (was ${existing.targetKind} ${existing.targetName})`,
        permission: { verb: 'patch', group: SAIL_GROUP, resource: 'istiorevisiontags', name: tag },
        dryRunnable: true,
      }
    : {
        method: 'POST',
        path: sailPath('istiorevisiontags'),
        body: { apiVersion: `${SAIL_GROUP}/${SAIL_VERSION}`, kind: 'IstioRevisionTag', metadata: { name: tag }, spec: { targetRef } },
        description: `Create IstioRevisionTag ${tag} → IstioRevision ${revision}`,
        permission: { verb: 'create', group: SAIL_GROUP, resource: 'istiorevisiontags' },
        dryRunnable: true,
      };
  const cmd = existing
    ? `kubectl patch istiorevisiontag ${shellQuote(tag)} --type merge -p ${shellQuote(JSON.stringify({ spec: { targetRef } }))} --context ${shellQuote(cluster)}`
    : `kubectl apply --context ${shellQuote(cluster)} -f - <<'EOF'\napiVersion: ${SAIL_GROUP}/${SAIL_VERSION}\nkind: IstioRevisionTag\nmetadata:\n  name: ${tag}\nspec:\n  targetRef:\n    kind: IstioRevision\n    name: ${revision}\nEOF`;
  return {
    ok: true,
    plan: {
      title: `${existing ? 'Move' : 'Set'} tag ${tag} → ${revision} (Sail)`,
      summary: `${existing ? 'Points' : 'Creates'} IstioRevisionTag ${tag} ${existing ? 'at' : '→'} IstioRevision ${revision} on ${cluster}; the Sail operator renders the tag's webhook and Service from it.`,
      cluster,
      requests: [req],
      commands: [cmd],
      warnings: [],
    },
  };
}

export function planSailTagRemove(input: { cluster: string; tag: string }): Plan {
  return {
    title: `Remove tag ${input.tag} (Sail)`,
    summary: `Deletes IstioRevisionTag ${input.tag} on ${input.cluster}; the Sail operator removes the tag's webhook and Service.`,
    cluster: input.cluster,
    requests: [
      {
        method: 'DELETE',
        path: sailPath('istiorevisiontags', input.tag),
        description: `Delete IstioRevisionTag ${input.tag}`,
        permission: { verb: 'delete', group: SAIL_GROUP, resource: 'istiorevisiontags', name: input.tag },
        dryRunnable: true,
        ignoreNotFound: true,
      },
    ],
    commands: [`kubectl delete istiorevisiontag ${shellQuote(input.tag)} --context ${shellQuote(input.cluster)}`],
    warnings: [],
  };
}

/** Sail versions are `v1.30.3` (or an alias such as `v1.30-latest`); `1.30.3` is accepted and written with the v. */
export function sailVersion(v: string): string | undefined {
  const t = v.trim();
  if (/^v?\d+\.\d+(\.\d+([-.][0-9A-Za-z.]+)?|-latest)$/.test(t)) return t.startsWith('v') ? t : `v${t}`;
  return undefined;
}

/** The upgrade the Sail way: the Istio resource's spec.version (RevisionBased: a new IstioRevision beside the old). */
export function planSailUpgrade(input: { cluster: string; istio: SailIstioView; version: string }): SailPlanResult {
  const { cluster, istio } = input;
  const version = sailVersion(input.version);
  if (!version)
    return {
      ok: false,
      message: `Cluster "${cluster}": "${input.version}" is not a Sail version (v1.30.3, or an alias such as v1.30-latest). Nothing was changed.`,
    };
  if (version === istio.version) return { ok: false, message: `Cluster "${cluster}": Istio ${istio.name} is at ${version} already. Nothing was changed.` };
  const newRev = istio.updateStrategy === 'RevisionBased' ? `${istio.name}-${version.replace(/\./g, '-')}` : istio.name;
  const body = { spec: { version } };
  return {
    ok: true,
    plan: {
      title: `Upgrade Istio ${istio.name} to ${version} (Sail)`,
      summary:
        istio.updateStrategy === 'RevisionBased'
          ? `Sets spec.version of Istio ${istio.name} to ${version} on ${cluster}: the Sail operator creates IstioRevision ${newRev} beside ${istio.activeRevision ?? 'the active one'} and makes it active; tags that target the Istio follow it. Workloads move when their namespaces point at it and they restart; the old revision is deleted ${istio.gracePeriodSeconds} s after nothing uses it.`
          : `Sets spec.version of Istio ${istio.name} to ${version} on ${cluster}: with updateStrategy InPlace the operator upgrades revision ${istio.name} in place — every proxy it injected is stale until its workload restarts, and there is no canary.`,
      cluster,
      requests: [
        {
          method: 'PATCH',
          path: sailPath('istios', istio.name),
          contentType: MERGE_PATCH,
          body,
          description: `Set spec.version of Istio ${istio.name} to ${version} (was ${istio.version ?? '?'})`,
          permission: { verb: 'patch', group: SAIL_GROUP, resource: 'istios', name: istio.name },
          dryRunnable: true,
        },
      ],
      commands: [`kubectl patch istio ${shellQuote(istio.name)} --type merge -p ${shellQuote(JSON.stringify(body))} --context ${shellQuote(cluster)}`],
      warnings:
        istio.updateStrategy === 'InPlace'
          ? ['updateStrategy is InPlace: this is not a canary upgrade. Set spec.updateStrategy.type RevisionBased first for a revision beside the running one.']
          : [],
    },
  };
}

/**
 * Which installer a tag change goes through (shared by the CLI and the UI):
 * - `sail`: the plan changes an IstioRevisionTag (the target is an IstioRevision, or the tag is the operator's);
 * - `helm`: the target revision Helm installed — its chart renders the tag (src/tools/helm.ts);
 * - `refuse`: the change would happen behind an installer's back (a Helm release's revisionTags, an
 *   operator's tag pointed at something that is not an IstioRevision);
 * - `istioctl`: what istioctl tag set/remove does.
 * `revision` undefined: a removal.
 */
export type TagRoute = { route: 'sail'; plan: Plan } | { route: 'helm'; revision: string } | { route: 'refuse'; message: string } | { route: 'istioctl' };

export function tagRoute(snap: ClusterSnapshot, cluster: string, tag: string, revision: string | undefined, overwrite: boolean): TagRoute {
  const sailTag = snap.sail().tags.get(tag);
  const rev = revision !== undefined ? snap.controlPlane.revisionByName.get(revision) : undefined;
  if (revision === undefined && sailTag) return { route: 'sail', plan: planSailTagRemove({ cluster, tag }) };
  if (revision !== undefined && (rev?.installedBy.kind === 'sail' || sailTag)) {
    if (rev?.installedBy.kind !== 'sail' || rev.installedBy.owner?.kind !== 'IstioRevision') {
      return {
        route: 'refuse',
        message: `Cluster "${cluster}": tag ${tag} is an IstioRevisionTag of the Sail operator; it can point only at an IstioRevision (${[...snap.sail().revisions.keys()].join(', ') || 'none'}), not at ${revision}. Nothing was changed.`,
      };
    }
    const built = planSailTagSet({ cluster, tag, revision: rev.installedBy.owner.name, existing: sailTag, overwrite });
    return built.ok ? { route: 'sail', plan: built.plan } : { route: 'refuse', message: built.message };
  }
  const owner = snap.controlPlane.tagByName.get(tag)?.installedBy;
  if (owner?.kind === 'helm' && owner.release) {
    return {
      route: 'refuse',
      message: `Cluster "${cluster}": tag ${tag} belongs to Helm release ${owner.release.namespace}/${owner.release.name} (its revisionTags value): change it there (helm upgrade ${owner.release.name} <chart> -n ${owner.release.namespace} --reuse-values --set revisionTags=…); a change made here would be undone by the next helm upgrade. Nothing was changed.`,
    };
  }
  if (rev?.installedBy.kind === 'helm' && rev.installedBy.release) return { route: 'helm', revision: rev.name };
  return { route: 'istioctl' };
}
