/** Gathers the inputs of the native precheck from a cluster (what istioctl x precheck reads). */
import { installPermissions, precheckItems, type GatewayApiCrd, type PrecheckItem } from '../istio/precheck';
import type { ClusterClient } from './client';
import { checkPermissions } from './executor';
import { describeK8sError } from './result';

interface Crd {
  metadata: { name: string };
  spec: { group: string; names: { kind: string }; versions?: { name: string; served: boolean }[] };
}

export async function runPrecheck(client: ClusterClient, targetIstioVersion: string, istioNamespace: string, signal?: AbortSignal): Promise<PrecheckItem[]> {
  const [ver, perms, crds] = await Promise.all([
    client.request<{ gitVersion?: string }>({ path: '/version', verb: 'get', resource: 'version', signal }),
    checkPermissions(client, installPermissions(istioNamespace), signal),
    client.request<{ items: Crd[] }>({
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      verb: 'list',
      resource: 'customresourcedefinitions.apiextensions.k8s.io',
      signal,
    }),
  ]);
  const gw: GatewayApiCrd[] | undefined = crds.ok
    ? crds.value.items
        .filter((c) => c.spec?.group === 'gateway.networking.k8s.io')
        .map((c) => ({ name: c.metadata.name, kind: c.spec.names.kind, served: (c.spec.versions ?? []).filter((v) => v.served).map((v) => v.name) }))
    : undefined;
  return precheckItems({
    targetIstioVersion,
    kubernetesVersion: ver.ok ? ver.value.gitVersion : undefined,
    kubernetesVersionError: ver.ok ? undefined : describeK8sError(ver.error),
    denied: perms.ok ? perms.value : [],
    permissionError: perms.ok ? undefined : describeK8sError(perms.error),
    gatewayApiCrds: gw,
    gatewayApiError: crds.ok ? undefined : describeK8sError(crds.error),
  });
}
