import { kindPath } from '../istio/apipath';

/** API paths of the resources the extension reads and writes. */
export interface ResourceType {
  /** Plural, as in RBAC and URLs. */
  plural: string;
  kind: string;
  group: string;
  version: string;
  namespaced: boolean;
}

export const RESOURCES = {
  namespaces: { plural: 'namespaces', kind: 'Namespace', group: '', version: 'v1', namespaced: false },
  pods: { plural: 'pods', kind: 'Pod', group: '', version: 'v1', namespaced: true },
  services: { plural: 'services', kind: 'Service', group: '', version: 'v1', namespaced: true },
  configmaps: { plural: 'configmaps', kind: 'ConfigMap', group: '', version: 'v1', namespaced: true },
  deployments: { plural: 'deployments', kind: 'Deployment', group: 'apps', version: 'v1', namespaced: true },
  statefulsets: { plural: 'statefulsets', kind: 'StatefulSet', group: 'apps', version: 'v1', namespaced: true },
  daemonsets: { plural: 'daemonsets', kind: 'DaemonSet', group: 'apps', version: 'v1', namespaced: true },
  mutatingwebhookconfigurations: {
    plural: 'mutatingwebhookconfigurations',
    kind: 'MutatingWebhookConfiguration',
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    namespaced: false,
  },
  istios: { plural: 'istios', kind: 'Istio', group: 'sailoperator.io', version: 'v1', namespaced: false },
  istiorevisions: { plural: 'istiorevisions', kind: 'IstioRevision', group: 'sailoperator.io', version: 'v1', namespaced: false },
  istiorevisiontags: { plural: 'istiorevisiontags', kind: 'IstioRevisionTag', group: 'sailoperator.io', version: 'v1', namespaced: false },
  validatingwebhookconfigurations: {
    plural: 'validatingwebhookconfigurations',
    kind: 'ValidatingWebhookConfiguration',
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    namespaced: false,
  },
} as const satisfies Record<string, ResourceType>;

export type ResourceName = keyof typeof RESOURCES;

export function resourcePath(r: ResourceType, opts: { namespace?: string; name?: string } = {}): string {
  return kindPath(r, opts.namespace, opts.name);
}
