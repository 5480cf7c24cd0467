/**
 * Namespace relabel plans (upgrade step 4): remove `istio-injection` and set
 * `istio.io/rev=<rev or tag>` in ONE merge patch per namespace, guarded by the
 * namespace's resourceVersion, so a namespace is never left half-labelled and a
 * concurrent edit is detected rather than overwritten.
 */
import { describeOutcome } from './injection';
import { decideInjection } from './injectpolicy';
import { INJECTION_LABEL, REV_LABEL } from './labels';
import { MERGE_PATCH, shellQuote, type Plan, type PlannedRequest } from './plan';
import type { ClusterSnapshot } from './snapshot';

export type RelabelTarget = { kind: 'rev'; value: string } | { kind: 'enableDefault' } | { kind: 'disable' };

export function targetLabels(t: RelabelTarget): Record<string, string | null> {
  switch (t.kind) {
    case 'rev':
      return { [INJECTION_LABEL]: null, [REV_LABEL]: t.value };
    case 'enableDefault':
      return { [INJECTION_LABEL]: 'enabled', [REV_LABEL]: null };
    case 'disable':
      return { [INJECTION_LABEL]: 'disabled', [REV_LABEL]: null };
  }
}

export function describeTarget(t: RelabelTarget): string {
  switch (t.kind) {
    case 'rev':
      return `istio.io/rev=${t.value}`;
    case 'enableDefault':
      return 'istio-injection=enabled';
    case 'disable':
      return 'istio-injection=disabled';
  }
}

function kubectlLabelArgs(ns: string, t: RelabelTarget): string {
  const l = targetLabels(t);
  const parts = Object.entries(l).map(([k, v]) => (v === null ? `${k}-` : `${k}=${v}`));
  return ['kubectl', 'label', 'namespace', ns, ...parts, '--overwrite'].map(shellQuote).join(' ');
}

export type RelabelPlanResult = { ok: true; plan: Plan } | { ok: false; message: string };

/** Builds the relabel plan for `namespaces` from the live snapshot (which supplies resourceVersions and the impact). */
export function planRelabel(snapshot: ClusterSnapshot, cluster: string, namespaces: string[], target: RelabelTarget): RelabelPlanResult {
  if (namespaces.length === 0) return { ok: false, message: 'No namespace chosen.' };
  const requests: PlannedRequest[] = [];
  const warnings: string[] = [];
  const cp = snapshot.controlPlane;
  if (target.kind === 'rev') {
    const isTag = cp.tagByName.has(target.value);
    const rev = cp.revisionByName.get(target.value);
    if (!isTag && !(rev && (rev.deployments.length || rev.webhooks.length))) {
      return {
        ok: false,
        message: `Cluster "${cluster}": "${target.value}" is neither an installed revision nor a tag; pods in the namespace would not be injected.`,
      };
    }
  }
  const labels = targetLabels(target);
  let staleAfter = 0;
  let unchanged = 0;
  for (const name of namespaces) {
    const ns = snapshot.namespaceObject(name);
    if (!ns) return { ok: false, message: `Cluster "${cluster}": namespace ${name} does not exist (or is not loaded yet).` };
    const current = ns.metadata.labels ?? {};
    const same = Object.entries(labels).every(([k, v]) => (v === null ? current[k] === undefined : current[k] === v));
    if (same) {
      unchanged++;
      continue;
    }
    // What the namespace will resolve to, and which running proxies that makes stale.
    const next = { ...current };
    for (const [k, v] of Object.entries(labels)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    const injectorOf = (r: string) => cp.revisionByName.get(r)?.injector;
    const outcome = decideInjection(cp.webhooks, next, { metadata: { name: '', labels: {} } }, name, injectorOf);
    for (const p of snapshot.proxies(name)) {
      if (!p.injected) continue;
      // each pod with its own labels, annotations and hostNetwork, as the webhooks and istiod will see it
      const pod = snapshot.pod(name, p.name);
      const o = pod ? decideInjection(cp.webhooks, next, pod, name, injectorOf) : outcome;
      const want = o.kind === 'injected' ? o.revision : undefined;
      if (p.injectedRevision !== want) staleAfter++;
    }
    requests.push({
      method: 'PATCH',
      path: `/api/v1/namespaces/${encodeURIComponent(name)}`,
      contentType: MERGE_PATCH,
      body: { metadata: { resourceVersion: ns.metadata.resourceVersion, labels } },
      description: `namespace ${name}: ${describeTarget(target)}${labels[INJECTION_LABEL] === null && current[INJECTION_LABEL] !== undefined ? `, remove ${INJECTION_LABEL}` : ''}${labels[REV_LABEL] === null && current[REV_LABEL] !== undefined ? `, remove ${REV_LABEL}` : ''} → new pods: ${describeOutcome(outcome)}`,
      permission: { verb: 'patch', group: '', resource: 'namespaces', name },
      dryRunnable: true,
      retryOnConflict: true,
      expectLabels: Object.fromEntries(Object.keys(labels).map((k) => [k, current[k] ?? null])),
    });
    if (outcome.kind !== 'injected')
      warnings.push(`New pods in ${name} will ${outcome.kind === 'none' ? 'not be injected' : `match several webhooks (${describeOutcome(outcome)})`}.`);
  }
  if (requests.length === 0)
    return {
      ok: false,
      message: `${namespaces.length === 1 ? `Namespace ${namespaces[0]} already has` : 'All chosen namespaces already have'} ${describeTarget(target)}.`,
    };
  if (staleAfter > 0)
    warnings.push(
      `${staleAfter} running prox${staleAfter === 1 ? 'y' : 'ies'} will be stale until their workloads are restarted (relabelling affects new pods only).`,
    );
  if (unchanged) warnings.push(`${unchanged} namespace(s) already labelled ${describeTarget(target)} are left alone.`);
  const names = requests.map((r) => r.permission.name as string);
  return {
    ok: true,
    plan: {
      title: names.length === 1 ? `Move ${names[0]} to ${describeTarget(target)}` : `Move ${names.length} namespaces to ${describeTarget(target)}`,
      summary: `Sets ${describeTarget(target)} on ${names.join(', ')} in one request per namespace (injection labels changed together, guarded by resourceVersion).`,
      cluster,
      requests,
      commands: names.map((n) => kubectlLabelArgs(n, target)),
      warnings,
    },
  };
}
