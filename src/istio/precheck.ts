/**
 * Native precheck (upgrade step 1), after istioctl's `x precheck` (ISTIO.md §6):
 * the Kubernetes version against the target Istio release's minimum (IST0142),
 * the permissions an install needs (IST0141, via SelfSubjectAccessReview), and the
 * Gateway API CRDs' bundle version. Pure: the k8s layer gathers the inputs.
 */
import type { Permission } from './plan';
import { compareVersions } from './version';

export type CheckLevel = 'ok' | 'info' | 'warning' | 'error';

export interface PrecheckItem {
  code: string;
  level: CheckLevel;
  title: string;
  message: string;
}

/** Minimum Kubernetes minor per Istio minor (from istioctl's precheck of each release line). */
export function minKubernetesFor(istioVersion: string): string {
  const [maj, min] = istioVersion.split('.').map((x) => Number.parseInt(x, 10));
  if (maj !== 1 || !Number.isFinite(min)) return '1.30';
  if (min >= 30) return '1.32';
  if (min >= 28) return '1.30';
  if (min >= 26) return '1.29';
  if (min >= 24) return '1.28';
  return '1.27';
}

/** The permissions `istioctl install` needs (istioctl/pkg/precheck/precheck.go checkCanCreateResources). */
export function installPermissions(istioNamespace: string): Permission[] {
  const cluster: [string, string][] = [
    ['', 'namespaces'], ['rbac.authorization.k8s.io', 'clusterroles'], ['rbac.authorization.k8s.io', 'clusterrolebindings'],
    ['apiextensions.k8s.io', 'customresourcedefinitions'], ['admissionregistration.k8s.io', 'mutatingwebhookconfigurations'],
    ['admissionregistration.k8s.io', 'validatingwebhookconfigurations'],
  ];
  const ns: [string, string][] = [
    ['rbac.authorization.k8s.io', 'roles'], ['rbac.authorization.k8s.io', 'rolebindings'], ['', 'serviceaccounts'], ['', 'services'], ['apps', 'deployments'], ['', 'configmaps'],
  ];
  return [
    ...cluster.map(([group, resource]) => ({ verb: 'create' as const, group, resource })),
    ...ns.map(([group, resource]) => ({ verb: 'create' as const, group, resource, namespace: istioNamespace })),
  ];
}

export interface PrecheckInput {
  targetIstioVersion: string;
  kubernetesVersion?: string;
  kubernetesVersionError?: string;
  denied: Permission[];
  permissionError?: string;
  /** bundle-version annotation of the Gateway API CRDs found (gateways.gateway.networking.k8s.io). */
  gatewayApi?: { version?: string; channel?: string } | null;
}

export function precheckItems(input: PrecheckInput): PrecheckItem[] {
  const items: PrecheckItem[] = [];
  const min = minKubernetesFor(input.targetIstioVersion);
  if (input.kubernetesVersion) {
    const v = input.kubernetesVersion.replace(/^v/, '').split(/[-+]/)[0];
    const ok = compareVersions(v, min) >= 0;
    items.push({ code: 'IST0142', level: ok ? 'ok' : 'error', title: 'Kubernetes version', message: ok ? `Kubernetes ${input.kubernetesVersion} meets Istio ${input.targetIstioVersion}'s minimum ${min}.` : `Kubernetes ${input.kubernetesVersion} is older than ${min}, the minimum for Istio ${input.targetIstioVersion}.` });
  } else {
    items.push({ code: 'IST0142', level: 'warning', title: 'Kubernetes version', message: `Could not read the server version: ${input.kubernetesVersionError ?? 'unknown error'}.` });
  }
  if (input.permissionError) {
    items.push({ code: 'IST0141', level: 'warning', title: 'Permissions', message: `Could not check permissions: ${input.permissionError}.` });
  } else if (input.denied.length) {
    const list = input.denied.map((p) => `${p.verb} ${p.group ? `${p.resource}.${p.group}` : p.resource}${p.namespace ? ` in ${p.namespace}` : ''}`).join(', ');
    items.push({ code: 'IST0141', level: 'error', title: 'Permissions', message: `Missing permissions to install: ${list}.` });
  } else {
    items.push({ code: 'IST0141', level: 'ok', title: 'Permissions', message: 'You may create everything an install needs.' });
  }
  if (input.gatewayApi === null || input.gatewayApi === undefined) {
    items.push({ code: 'GatewayAPI', level: 'info', title: 'Gateway API CRDs', message: 'Gateway API CRDs are not installed (only needed for Gateway API resources).' });
  } else {
    const v = input.gatewayApi.version ?? 'unknown';
    const old = input.gatewayApi.version && compareVersions(input.gatewayApi.version.replace(/^v/, ''), '1.2.0') < 0;
    items.push({ code: 'IST0156', level: old ? 'warning' : 'ok', title: 'Gateway API CRDs', message: `Gateway API ${v}${input.gatewayApi.channel ? ` (${input.gatewayApi.channel} channel)` : ''}${old ? ' is older than v1.2.0, which current Istio releases expect.' : ' installed.'}` });
  }
  return items;
}

export function precheckPassed(items: PrecheckItem[]): boolean {
  return !items.some((i) => i.level === 'error' || i.level === 'warning');
}
