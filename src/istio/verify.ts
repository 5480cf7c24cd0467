/**
 * "Verify Injection with the Cluster": the cluster's own answer to what a restart
 * would give a workload now, set against the model's prediction.
 *
 * The answer comes from a server-side dry-run create of the workload's pod template
 * (POST pods?dryRun=All): the API server runs the mutating webhooks on a dry run (Istio's
 * declare `sideEffects: None`), so the returned pod is exactly what the real istiod injects
 * — revision, proxy image, native sidecar or not — and nothing is stored. This module
 * builds that request's body and reads the answer; src/k8s sends it.
 */
import { decideInjection, NATIVE_SIDECAR_ANNOTATION } from './injectpolicy';
import { describeOutcome, type InjectionOutcome } from './injection';
import { PROXY_CONTAINER, REV_ANNOTATION, STATUS_ANNOTATION } from './labels';
import { RESTARTABLE, workloadKey, type RestartableKind, type WorkloadId } from './rollout';
import type { ClusterSnapshot } from './snapshot';
import type { Labels, Pod } from './types';
import { imageTag } from './version';

/** A workload whose pod template is dry-run (the restartable kinds). */
export type VerifyTarget = WorkloadId;
export const verifyKey = workloadKey;

/** What the cluster answered (or the model predicts) for a pod created now. */
export interface InjectionAnswer {
  injected: boolean;
  revision?: string;
  proxyImage?: string;
  proxyVersion?: string;
  /** istio-proxy among initContainers (restartPolicy Always). */
  native?: boolean;
}

/** The dry-run Pod for a workload's pod template (`spec.template` of its object as read from the API). */
export function dryRunPodBody(target: VerifyTarget, template: { metadata?: { labels?: Labels; annotations?: Labels }; spec?: unknown } | undefined): unknown {
  if (!template || !template.spec) throw new Error(`${target.kind} ${target.namespace}/${target.name} has no pod template`);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${target.name.slice(0, 40)}-verify-`,
      namespace: target.namespace,
      labels: template.metadata?.labels ?? {},
      annotations: template.metadata?.annotations ?? {},
    },
    spec: template.spec,
  };
}

/** Reads what the webhooks did to a (dry-run) pod. */
export function readInjectionAnswer(pod: Pod): InjectionAnswer {
  const ann = pod.metadata.annotations ?? {};
  const init = (pod.spec?.initContainers ?? []).find((c) => c.name === PROXY_CONTAINER);
  const main = (pod.spec?.containers ?? []).find((c) => c.name === PROXY_CONTAINER);
  const proxy = init ?? main;
  const injected = ann[STATUS_ANNOTATION] !== undefined;
  if (!injected) return { injected: false };
  let revision: string | undefined = ann[REV_ANNOTATION];
  if (!revision) {
    try {
      revision = (JSON.parse(ann[STATUS_ANNOTATION]) as { revision?: string }).revision;
    } catch {
      /* no revision in the status */
    }
  }
  return { injected, revision, proxyImage: proxy?.image, proxyVersion: imageTag(proxy?.image), native: !!init };
}

export interface Verification {
  target: VerifyTarget;
  predicted: InjectionAnswer & { outcome: InjectionOutcome };
  /** The cluster's answer; undefined when it could not be asked (see `error`). */
  cluster?: InjectionAnswer;
  error?: string;
  /** Prediction and answer agree on injected, revision and proxy version. */
  agrees?: boolean;
  difference?: string;
  at: string;
}

/** The model's prediction for a pod created now from this template. */
export function predictTemplate(
  snap: ClusterSnapshot,
  target: VerifyTarget,
  template: { metadata?: { labels?: Labels; annotations?: Labels }; spec?: { hostNetwork?: boolean } } | undefined,
): Verification['predicted'] {
  const cp = snap.controlPlane;
  const nsObj = snap.namespaceObject(target.namespace);
  const pod = {
    metadata: { name: '', namespace: target.namespace, labels: template?.metadata?.labels ?? {}, annotations: template?.metadata?.annotations ?? {} },
    spec: { hostNetwork: template?.spec?.hostNetwork },
  };
  const outcome = decideInjection(cp.webhooks, nsObj?.metadata.labels ?? {}, pod, target.namespace, (r) => cp.revisionByName.get(r)?.injector);
  if (outcome.kind !== 'injected') return { injected: false, outcome };
  const rev = cp.revisionByName.get(outcome.revision);
  const na = pod.metadata.annotations[NATIVE_SIDECAR_ANNOTATION];
  return {
    injected: true,
    outcome,
    revision: outcome.revision,
    proxyVersion: rev?.proxyVersion ?? rev?.version,
    native: na === 'true' ? true : na === 'false' ? false : rev?.nativeSidecars === 'enabled' ? true : rev?.nativeSidecars === 'disabled' ? false : undefined,
  };
}

/** Sets agrees/difference from a prediction and the cluster's answer. */
export function compareAnswer(v: Verification): Verification {
  const c = v.cluster;
  if (!c) return { ...v, agrees: undefined };
  const p = v.predicted;
  const say = (a: InjectionAnswer) => (a.injected ? `${a.revision ?? 'a sidecar'}${a.proxyVersion ? ` (${a.proxyVersion})` : ''}` : 'no sidecar');
  let difference: string | undefined;
  if (p.injected !== c.injected || (p.injected && (p.revision !== c.revision || (p.proxyVersion && c.proxyVersion && p.proxyVersion !== c.proxyVersion)))) {
    difference = `predicted ${p.injected ? say(p) : `no sidecar (${describeOutcome(p.outcome)})`}, the cluster injects ${say(c)}`;
  }
  return { ...v, agrees: difference === undefined, difference };
}

/** One line for a verification, e.g. `1-8-0 (1.8.0), native sidecar — as predicted`. */
export function describeVerification(v: Verification): string {
  if (!v.cluster) return `not asked: ${v.error ?? 'unknown'}; prediction ${v.predicted.injected ? v.predicted.revision : 'no sidecar'}`;
  const c = v.cluster;
  const what = c.injected
    ? `${c.revision ?? '?'} (${c.proxyVersion ?? '?'})${c.native === undefined ? '' : c.native ? ', native sidecar' : ', sidecar container'}`
    : 'no sidecar';
  return v.agrees ? `${what} — as predicted` : `${what} — differs: ${v.difference}`;
}

/** Restartable workloads owning pods in `namespaces`: what "Verify Injection" asks about. */
export function verifyTargets(snap: ClusterSnapshot, namespaces: readonly string[]): VerifyTarget[] {
  const seen = new Map<string, VerifyTarget>();
  for (const ns of namespaces) {
    for (const p of snap.proxies(ns)) {
      if (p.role === 'nodeAgent' || p.role === 'managedGateway') continue;
      const kind = p.workload.kind as RestartableKind;
      if (!RESTARTABLE.includes(kind)) continue;
      const t = { kind, namespace: ns, name: p.workload.name };
      seen.set(verifyKey(t), t);
    }
  }
  return [...seen.values()].sort((a, b) => verifyKey(a).localeCompare(verifyKey(b)));
}

/**
 * True when the cluster's answer differs from what a workload's pods run now, so a restart
 * changes them (restart-only-stale can use this instead of the prediction).
 */
export function clusterWouldChange(v: Verification, running: readonly { injected: boolean; injectedRevision?: string; proxyVersion?: string }[]): boolean {
  const c = v.cluster;
  if (!c) return false;
  return running.some(
    (p) =>
      p.injected !== c.injected ||
      (c.injected && ((c.revision !== undefined && p.injectedRevision !== c.revision) || (c.proxyVersion !== undefined && p.proxyVersion !== c.proxyVersion))),
  );
}

/** Without the workload object: the labels and annotations its running pods carry (what the prediction can use). */
export function templateOfRunningPods(
  snap: ClusterSnapshot,
  t: VerifyTarget,
): { metadata: { labels: Labels; annotations: Labels }; spec: { hostNetwork?: boolean } } | undefined {
  const p = snap.proxies(t.namespace).find((x) => x.workload.kind === t.kind && x.workload.name === t.name);
  if (!p) return undefined;
  const pod = snap.pod(t.namespace, p.name);
  if (!pod) return undefined;
  const { 'pod-template-hash': _h, 'controller-revision-hash': _c, 'pod-template-generation': _g, ...labels } = pod.metadata.labels ?? {};
  return { metadata: { labels, annotations: pod.metadata.annotations ?? {} }, spec: { hostNetwork: pod.spec?.hostNetwork } };
}
