/**
 * Sync state from istiod's /debug/syncz, asked through the API server's pod proxy for
 * every running istiod pod. Never throws: an unreachable istiod gets a reason the
 * panel shows next to the pod-metadata view.
 */
import { parseSyncz, type IstiodRef, type ProxySync, type SyncInput } from '../istio/proxystatus';
import type { IstiodReach, SyncStatusPayload } from '../istio/proxystatus';
import type { ClusterClient } from './client';
import { describeK8sError, type K8sError } from './result';
import { RESOURCES } from './resources';

const SYNC_TIMEOUT_MS = 4000;

export interface SyncGather {
  payload: SyncStatusPayload;
  input?: SyncInput;
}

interface IstiodPod extends IstiodRef {
  port: string;
}

function reasonFor(e: K8sError, pod: IstiodPod): string {
  if (e.status === 401 && !/unauthorized/i.test(e.cause)) {
    // istiod answered itself (an empty 401): its debug endpoints serve only loopback or authenticated callers.
    return `Cluster "${e.cluster}": istiod ${pod.namespace}/${pod.name} refused the request (HTTP 401): its debug endpoints accept only loopback or authenticated callers, and the API server's pod proxy is neither. istioctl proxy-status port-forwards instead.`;
  }
  if (/denied destination/.test(e.cause)) {
    return `Cluster "${e.cluster}": the API server refuses to proxy to istiod ${pod.namespace}/${pod.name} (${e.cause}), so its /debug/syncz cannot be reached this way.`;
  }
  if (e.kind === 'forbidden' && /pods\/proxy/.test(e.cause))
    return `Cluster "${e.cluster}": not allowed to use the pods/proxy subresource in ${pod.namespace}: ${e.cause}`;
  return describeK8sError(e);
}

/** Asks every running istiod pod for /debug/syncz through the API server. Never throws. */
export async function gatherSync(client: ClusterClient, signal?: AbortSignal, timeoutMs = SYNC_TIMEOUT_MS): Promise<SyncGather> {
  const fetchedAt = () => new Date().toISOString();
  const list = await client.list(RESOURCES.pods, { labelSelector: 'app=istiod', fieldSelector: 'status.phase=Running', signal }, (o: any): IstiodPod => ({
    name: String(o?.metadata?.name ?? ''),
    namespace: String(o?.metadata?.namespace ?? ''),
    revision: o?.metadata?.labels?.['istio.io/rev'] || 'default',
    port: /^\d{1,5}$/.test(o?.metadata?.annotations?.['prometheus.io/port'] ?? '') ? o.metadata.annotations['prometheus.io/port'] : '15014',
  }));
  if (!list.ok) {
    return { payload: { state: 'done', fetchedAt: fetchedAt(), istiods: [], error: `Could not list istiod pods: ${describeK8sError(list.error)}` } };
  }
  const pods = list.value.items.filter((p) => p.name && p.namespace);
  if (pods.length === 0) return { payload: { state: 'done', fetchedAt: fetchedAt(), istiods: [], error: 'No running istiod pod (app=istiod) was found.' } };
  const results = await Promise.all(
    pods.map(async (pod): Promise<{ reach: IstiodReach; proxies?: ProxySync[] }> => {
      const base = { pod: pod.name, namespace: pod.namespace, revision: pod.revision };
      const r = await client.request<unknown>({
        path: `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}:${pod.port}/proxy/debug/syncz`,
        verb: 'get',
        resource: 'pods/proxy',
        namespace: pod.namespace,
        name: pod.name,
        timeoutMs,
        signal,
      });
      if (!r.ok) return { reach: { ...base, reachable: false, reason: reasonFor(r.error, pod) } };
      const parsed = parseSyncz(r.value, pod);
      if (!parsed.ok) return { reach: { ...base, reachable: false, reason: `istiod ${pod.name} answered, but not with syncz data: ${parsed.error}` } };
      return { reach: { ...base, reachable: true, proxies: parsed.proxies.length }, proxies: parsed.proxies };
    }),
  );
  const reachable = results.filter((x) => x.proxies);
  return {
    payload: { state: 'done', fetchedAt: fetchedAt(), istiods: results.map((x) => x.reach) },
    input: reachable.length ? { proxies: reachable.flatMap((x) => x.proxies!), complete: reachable.length === results.length } : undefined,
  };
}
