/**
 * How a revision or a tag was installed, read from its objects' metadata — so every
 * action can speak the installer's language (istioctl, Helm, the Sail operator) and
 * never change behind an installer's back what it owns.
 *
 * - Sail operator: a controller ownerReference of kind IstioRevision (objects of a
 *   revision) or IstioRevisionTag (objects of a tag). The operator renders Istio's charts
 *   with the Helm library, so these objects also carry Helm's release annotations; the
 *   owner decides (istio-ecosystem/sail-operator pkg/helm/postrenderer.go addOwnerReference).
 * - Helm: the annotations `meta.helm.sh/release-name` / `-namespace` that `helm install`
 *   and `helm upgrade` stamp on every object of a release (helm pkg/action setMetadataVisitor).
 * - istioctl: `install.operator.istio.io/owning-resource-namespace`, which `istioctl install`
 *   adds (operator/pkg/install getOwnerLabels). Istio's charts themselves render
 *   `install.operator.istio.io/owning-resource: unknown` and `app.kubernetes.io/managed-by: Helm`
 *   for every installer, so neither of those decides anything.
 * - `helm template … | kubectl apply -f -` (the Helm guide's revision tags): the chart's
 *   `release=<name>` label but no release annotations — applied objects, in no release.
 * - Anything else: plain manifests (`istioctl manifest generate | kubectl apply`, GitOps, `istioctl tag set`).
 */
import { OWNING_RESOURCE_NAMESPACE_LABEL } from './labels';
import type { ObjectMeta } from './types';

export const HELM_RELEASE_NAME_ANNOTATION = 'meta.helm.sh/release-name';
export const HELM_RELEASE_NAMESPACE_ANNOTATION = 'meta.helm.sh/release-namespace';
export const SAIL_API_VERSION = 'sailoperator.io/v1';

export type InstallMethodKind = 'sail' | 'helm' | 'istioctl' | 'helmTemplate' | 'manifest';

export interface InstallMethod {
  kind: InstallMethodKind;
  /** Helm (and Sail, whose operator makes a release per revision): the release. */
  release?: { name: string; namespace: string };
  /** Sail: the resource that owns the objects. */
  owner?: { kind: 'IstioRevision' | 'IstioRevisionTag'; name: string };
  /** helmTemplate: the chart's `release` label. */
  renderedAs?: string;
  /** The object the method was read from, e.g. `Deployment istio-system/istiod-canary`. */
  from?: string;
}

/** The method one object's metadata shows. */
export function installMethodOf(meta: ObjectMeta | undefined, from?: string): InstallMethod {
  if (!meta) return { kind: 'manifest' };
  const a = meta.annotations ?? {};
  const l = meta.labels ?? {};
  const base = from ? { from } : {};
  const releaseName = a[HELM_RELEASE_NAME_ANNOTATION];
  const release = releaseName ? { name: releaseName, namespace: a[HELM_RELEASE_NAMESPACE_ANNOTATION] ?? meta.namespace ?? '' } : undefined;
  const sail = meta.ownerReferences?.find((o) => o.controller && (o.kind === 'IstioRevision' || o.kind === 'IstioRevisionTag'));
  if (sail)
    return { kind: 'sail', owner: { kind: sail.kind as 'IstioRevision' | 'IstioRevisionTag', name: sail.name }, ...(release ? { release } : {}), ...base };
  if (release) return { kind: 'helm', release, ...base };
  if (l[OWNING_RESOURCE_NAMESPACE_LABEL] !== undefined) return { kind: 'istioctl', ...base };
  if (l['release'] && l['app.kubernetes.io/managed-by'] === 'Helm') return { kind: 'helmTemplate', renderedAs: l['release'], ...base };
  return { kind: 'manifest', ...base };
}

/**
 * The method of a set of objects (a revision's Deployments, webhooks and Services; a tag's
 * webhooks and Services): the first object that says more than "manifest" decides, in the
 * order given (istiod Deployment first).
 */
export function installMethodOfAll(objects: { meta: ObjectMeta; from: string }[]): InstallMethod {
  for (const o of objects) {
    const m = installMethodOf(o.meta, o.from);
    if (m.kind !== 'manifest') return m;
  }
  return objects.length ? { kind: 'manifest', from: objects[0].from } : { kind: 'manifest' };
}

/** Short words for the tree and the webview, e.g. `Helm release istio-system/istiod-canary`. */
export function describeInstallMethod(m: InstallMethod): string {
  switch (m.kind) {
    case 'sail':
      return `Sail operator (${m.owner!.kind} ${m.owner!.name})`;
    case 'helm':
      return `Helm release ${m.release!.namespace}/${m.release!.name}`;
    case 'istioctl':
      return 'istioctl install';
    case 'helmTemplate':
      return `helm template (${m.renderedAs}) applied with kubectl`;
    case 'manifest':
      return 'applied manifests';
  }
}

/** One word for narrow places (tree descriptions). */
export function installMethodShort(m: InstallMethod): string {
  switch (m.kind) {
    case 'sail':
      return 'Sail';
    case 'helm':
      return `Helm ${m.release!.name}`;
    case 'istioctl':
      return 'istioctl';
    case 'helmTemplate':
      return 'helm template';
    case 'manifest':
      return 'manifests';
  }
}

/**
 * Requests of a plan that would change, behind its installer's back, an object a Helm release or
 * the Sail operator owns (a webhook configuration, an istiod Service or Deployment the model knows):
 * Helm would report drift or undo it, the operator reverts it. Each entry names the object and its owner.
 */
export function ownedObjectEdits(
  requests: readonly { method: string; path: string }[],
  lookup: (kind: 'MutatingWebhookConfiguration' | 'Service' | 'Deployment', namespace: string | undefined, name: string) => ObjectMeta | undefined,
): string[] {
  const out: string[] = [];
  for (const r of requests) {
    let m: RegExpExecArray | null;
    let found: { kind: 'MutatingWebhookConfiguration' | 'Service' | 'Deployment'; namespace?: string; name: string } | undefined;
    if ((m = /^\/apis\/admissionregistration\.k8s\.io\/v1\/mutatingwebhookconfigurations\/([^/?]+)$/.exec(r.path)))
      found = { kind: 'MutatingWebhookConfiguration', name: decodeURIComponent(m[1]) };
    else if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/?]+)$/.exec(r.path)))
      found = { kind: 'Service', namespace: decodeURIComponent(m[1]), name: decodeURIComponent(m[2]) };
    else if ((m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/?]+)$/.exec(r.path)))
      found = { kind: 'Deployment', namespace: decodeURIComponent(m[1]), name: decodeURIComponent(m[2]) };
    if (!found) continue;
    const meta = lookup(found.kind, found.namespace, found.name);
    const im = installMethodOf(meta);
    if (im.kind !== 'helm' && im.kind !== 'sail') continue;
    const owner = im.kind === 'sail' ? `the Sail operator (${im.owner!.kind} ${im.owner!.name})` : `Helm release ${im.release!.namespace}/${im.release!.name}`;
    out.push(`${r.method} ${found.kind} ${found.namespace ? `${found.namespace}/` : ''}${found.name}, owned by ${owner}`);
  }
  return out;
}
