/**
 * Fresh, full objects for plans that copy from them (tag set copies the canonical
 * webhook; uninstall deletes what istioctl's selector finds). Plans are never built
 * from the pruned watch cache.
 */
import { UNINSTALL_KINDS, uninstallSelector, type UninstallKind } from '../istio/uninstall';
import type { ClusterClient } from './client';
import { fail, ok, type K8sResult } from './result';
import { RESOURCES } from './resources';

const raw = (o: unknown) => o;

export interface TagInputs {
  mwcs: any[];
  vwcs: any[];
  services: any[];
}

export async function fetchTagInputs(client: ClusterClient, istioNamespace: string, signal?: AbortSignal): Promise<K8sResult<TagInputs>> {
  const [m, v, s] = await Promise.all([
    client.list(RESOURCES.mutatingwebhookconfigurations, { signal }, raw),
    client.list(RESOURCES.validatingwebhookconfigurations, { signal }, raw),
    client.list(RESOURCES.services, { namespace: istioNamespace, signal }, raw),
  ]);
  if (!m.ok) return m;
  if (!v.ok) return v;
  if (!s.ok) return s;
  return ok({ mwcs: m.value.items as any[], vwcs: v.value.items as any[], services: s.value.items as any[] });
}

/** Lists every kind istioctl uninstall prunes with its selector; a kind the server does not serve (404) is empty. */
export async function fetchUninstallObjects(
  client: ClusterClient,
  revision: string,
  signal?: AbortSignal,
): Promise<K8sResult<{ resource: UninstallKind; items: any[] }[]>> {
  const labelSelector = uninstallSelector(revision);
  const results = await Promise.all(
    UNINSTALL_KINDS.map(async (k) => {
      const res = { plural: k.plural, kind: k.kind, group: k.group, version: k.version, namespaced: k.namespaced };
      let r = await client.list(res, { labelSelector, signal }, raw);
      // A just-registered API (e.g. a CRD still being established) may answer 503 for a moment.
      for (let attempt = 0; attempt < 3 && !r.ok && r.error.kind === 'server'; attempt++) {
        await new Promise((ok) => setTimeout(ok, 500 * (attempt + 1)));
        r = await client.list(res, { labelSelector, signal }, raw);
      }
      return { k, r };
    }),
  );
  const out: { resource: UninstallKind; items: any[] }[] = [];
  for (const { k, r } of results) {
    if (!r.ok) {
      if (r.error.kind === 'notFound') {
        out.push({ resource: k, items: [] });
        continue;
      }
      return fail(r.error);
    }
    out.push({ resource: k, items: r.value.items as any[] });
  }
  return ok(out);
}
