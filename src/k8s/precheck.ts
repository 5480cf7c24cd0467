/** Gathers the inputs of the native precheck from a cluster. */
import { installPermissions, precheckItems, type PrecheckItem } from '../istio/precheck';
import type { ClusterClient } from './client';
import { checkPermissions } from './executor';
import { describeK8sError } from './result';

export async function runPrecheck(client: ClusterClient, targetIstioVersion: string, istioNamespace: string, signal?: AbortSignal): Promise<PrecheckItem[]> {
  const [ver, perms, crd] = await Promise.all([
    client.request<{ gitVersion?: string }>({ path: '/version', verb: 'get', resource: 'version', signal }),
    checkPermissions(client, installPermissions(istioNamespace), signal),
    client.request<{ metadata?: { annotations?: Record<string, string> } }>({
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gateways.gateway.networking.k8s.io', verb: 'get', resource: 'customresourcedefinitions', name: 'gateways.gateway.networking.k8s.io', signal,
    }),
  ]);
  const ann = crd.ok ? crd.value.metadata?.annotations ?? {} : undefined;
  return precheckItems({
    targetIstioVersion,
    kubernetesVersion: ver.ok ? ver.value.gitVersion : undefined,
    kubernetesVersionError: ver.ok ? undefined : describeK8sError(ver.error),
    denied: perms.ok ? perms.value.map((d) => d.permission) : [],
    permissionError: perms.ok ? undefined : describeK8sError(perms.error),
    gatewayApi: crd.ok ? { version: ann?.['gateway.networking.k8s.io/bundle-version'], channel: ann?.['gateway.networking.k8s.io/channel'] } : null,
  });
}
