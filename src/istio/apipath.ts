/** The REST path of a resource type (collection), or of one object when `name` is given. */
export function kindPath(r: { group: string; version: string; plural: string; namespaced: boolean }, namespace?: string, name?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${r.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}
