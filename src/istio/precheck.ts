/**
 * Native precheck (upgrade step 1): what `istioctl x precheck` of the target release checks
 * (istioctl/pkg/precheck/precheck.go, release-1.31; ISTIO.md §6), with its codes and wording:
 * - IST0142 the server's Kubernetes minor against istioctl's MinK8SVersion
 *   (istioctl/pkg/install/k8sversion/version.go) of the target Istio minor;
 * - IST0141 one SelfSubjectAccessReview per resource an install creates;
 * - IST0156 / IST0172 the Gateway API CRDs' *served* versions (checkGatewayAPIs): no
 *   served v1beta1 on Gateway/GatewayClass/HTTPRoute/ReferenceGrant is an error, no served
 *   v1 on Gateway/GatewayClass/HTTPRoute/GRPCRoute a warning. No CRDs: nothing to say.
 * Pure: the k8s layer gathers the inputs.
 */
import type { Permission } from './plan';

export type CheckLevel = 'ok' | 'info' | 'warning' | 'error';

export interface PrecheckItem {
  code: string;
  level: CheckLevel;
  title: string;
  message: string;
  /** istioctl's origin of the message: `Cluster` or `CustomResourceDefinition <name>`. */
  origin?: string;
}

/**
 * istioctl's MinK8SVersion on each release branch (istioctl/pkg/install/k8sversion/version.go):
 * the minimum Kubernetes minor `istioctl x precheck` of that Istio minor accepts.
 */
export const MIN_K8S_MINOR: Readonly<Record<number, number>> = {
  20: 25,
  21: 26,
  22: 26,
  23: 26,
  24: 28,
  25: 29,
  26: 29,
  27: 29,
  28: 30,
  29: 30,
  30: 32,
  31: 32,
};
const KNOWN_MINORS = Object.keys(MIN_K8S_MINOR)
  .map(Number)
  .sort((a, b) => a - b);

/** Minimum Kubernetes (`1.NN`) for an Istio version; releases newer than the table use its last entry. */
export function minKubernetesFor(istioVersion: string): string {
  const [maj, min] = istioVersion
    .replace(/^v/, '')
    .split('.')
    .map((x) => Number.parseInt(x, 10));
  const last = KNOWN_MINORS[KNOWN_MINORS.length - 1];
  if (maj !== 1 || !Number.isFinite(min)) return `1.${MIN_K8S_MINOR[last]}`;
  const m = Math.max(KNOWN_MINORS[0], Math.min(min, last));
  return `1.${MIN_K8S_MINOR[m]}`;
}

/** The permissions `istioctl install` needs (istioctl/pkg/precheck/precheck.go checkCanCreateResources). */
export function installPermissions(istioNamespace: string): Permission[] {
  const cluster: [string, string][] = [
    ['', 'namespaces'],
    ['rbac.authorization.k8s.io', 'clusterroles'],
    ['rbac.authorization.k8s.io', 'clusterrolebindings'],
    ['apiextensions.k8s.io', 'customresourcedefinitions'],
    ['admissionregistration.k8s.io', 'mutatingwebhookconfigurations'],
    ['admissionregistration.k8s.io', 'validatingwebhookconfigurations'],
  ];
  const ns: [string, string][] = [
    ['rbac.authorization.k8s.io', 'roles'],
    ['', 'serviceaccounts'],
    ['', 'services'],
    ['apps', 'deployments'],
    ['', 'configmaps'],
  ];
  return [
    ...cluster.map(([group, resource]) => ({ verb: 'create' as const, group, resource })),
    ...ns.map(([group, resource]) => ({ verb: 'create' as const, group, resource, namespace: istioNamespace })),
  ];
}

/** A Gateway API CRD as checkGatewayAPIs sees it. */
export interface GatewayApiCrd {
  /** metadata.name, e.g. gateways.gateway.networking.k8s.io */
  name: string;
  /** spec.names.kind */
  kind: string;
  /** spec.versions[].name where served */
  served: string[];
}

export interface PrecheckInput {
  targetIstioVersion: string;
  kubernetesVersion?: string;
  kubernetesVersionError?: string;
  /** Denied permissions, with the review's reason. */
  denied: (Permission | { permission: Permission; reason?: string })[];
  permissionError?: string;
  /** CRDs of group gateway.networking.k8s.io (empty: none installed); undefined when they could not be listed. */
  gatewayApiCrds?: GatewayApiCrd[];
  gatewayApiError?: string;
}

const V1BETA1_KINDS = ['Gateway', 'GatewayClass', 'HTTPRoute', 'ReferenceGrant'];
const V1_KINDS = ['Gateway', 'GatewayClass', 'HTTPRoute', 'GRPCRoute'];

export function precheckItems(input: PrecheckInput): PrecheckItem[] {
  const items: PrecheckItem[] = [];
  const min = minKubernetesFor(input.targetIstioVersion);
  const minMinor = Number(min.split('.')[1]);
  if (input.kubernetesVersion) {
    const minor = Number.parseInt(input.kubernetesVersion.replace(/^v/, '').split('.')[1] ?? '', 10);
    if (!Number.isFinite(minor)) {
      items.push({
        code: 'IST0142',
        level: 'error',
        origin: 'Cluster',
        title: 'Kubernetes version',
        message: `could not parse the Kubernetes version ${JSON.stringify(input.kubernetesVersion)}`,
      });
    } else {
      const ok = minor >= minMinor;
      items.push({
        code: 'IST0142',
        level: ok ? 'ok' : 'error',
        origin: 'Cluster',
        title: 'Kubernetes version',
        message: ok
          ? `Kubernetes ${input.kubernetesVersion} meets Istio ${input.targetIstioVersion}'s minimum ${min}.`
          : `The Kubernetes Version ${JSON.stringify(input.kubernetesVersion)} is lower than the minimum version: ${min}`,
      });
    }
  } else {
    items.push({
      code: 'IST0142',
      level: 'error',
      origin: 'Cluster',
      title: 'Kubernetes version',
      message: `failed to get the Kubernetes version: ${input.kubernetesVersionError ?? 'no version returned'}`,
    });
  }
  if (input.permissionError) {
    items.push({
      code: 'IST0141',
      level: 'error',
      origin: 'Cluster',
      title: 'Permissions',
      message: `Missing required permission to create resources (${input.permissionError})`,
    });
  } else if (input.denied.length) {
    for (const d of input.denied) {
      const p = 'permission' in d ? d.permission : d;
      const reason = ('permission' in d && d.reason) || 'permission denied';
      items.push({
        code: 'IST0141',
        level: 'error',
        origin: 'Cluster',
        title: 'Permissions',
        message: `Missing required permission to create resource ${p.resource} (${reason})`,
      });
    }
  } else {
    items.push({ code: 'IST0141', level: 'ok', origin: 'Cluster', title: 'Permissions', message: 'You may create everything an install needs.' });
  }
  if (input.gatewayApiCrds === undefined) {
    items.push({
      code: 'IST0156',
      level: 'error',
      origin: 'Cluster',
      title: 'Gateway API CRDs',
      message: `could not list CustomResourceDefinitions: ${input.gatewayApiError ?? 'unknown error'}`,
    });
  } else {
    const before = items.length;
    for (const crd of [...input.gatewayApiCrds].sort((a, b) => a.name.localeCompare(b.name))) {
      const has = crd.served.length ? [...crd.served].sort().join(',') : 'none';
      const origin = `CustomResourceDefinition ${crd.name}`;
      if (V1BETA1_KINDS.includes(crd.kind) && !crd.served.includes('v1beta1')) {
        items.push({
          code: 'IST0156',
          level: 'error',
          origin,
          title: 'Gateway API CRDs',
          message: `The Gateway API CRD version ${has} is lower than the minimum version: v1beta1`,
        });
      }
      if (V1_KINDS.includes(crd.kind) && !crd.served.includes('v1')) {
        items.push({
          code: 'IST0172',
          level: 'warning',
          origin,
          title: 'Gateway API CRDs',
          message: `The Gateway API CRD version ${has} is lower than the minimum version: v1`,
        });
      }
    }
    if (items.length === before && input.gatewayApiCrds.length) {
      items.push({
        code: 'IST0156',
        level: 'ok',
        title: 'Gateway API CRDs',
        message: `${input.gatewayApiCrds.length} Gateway API CRD(s) serve the versions Istio needs.`,
      });
    }
  }
  return items;
}

/** An item as `istioctl x precheck` prints it: `Error [IST0142] (Cluster) The Kubernetes Version …`. */
export function istioctlLine(i: PrecheckItem): string {
  const level = i.level === 'error' ? 'Error' : i.level === 'warning' ? 'Warning' : 'Info';
  return `${level} [${i.code}]${i.origin ? ` (${i.origin})` : ''} ${i.message}`;
}

/** istioctl's verdict line when nothing is found. */
export const PRECHECK_PASSED = '✔ No issues found when checking the cluster. Istio is safe to install or upgrade!';

export function precheckPassed(items: PrecheckItem[]): boolean {
  return !items.some((i) => i.level === 'error' || i.level === 'warning');
}
