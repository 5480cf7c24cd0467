/**
 * contextValue grammar for tree items: `istio.<kind>` followed by `+flag` for each
 * state, e.g. `istio.namespace+labelled+rev+stale+bothLabels`. Menus in package.json
 * match these with regexes (`viewItem =~ /^istio\.namespace\b.*\+stale/`), so a
 * flag can be added without breaking existing `when` clauses.
 */
export type NodeKind =
  'cluster' | 'group' | 'revision' | 'tag' | 'namespace' | 'workload' | 'gateway' | 'managedGateway' | 'nodeAgent' | 'info' | 'error' | 'otherNamespaces';

export function contextValue(kind: NodeKind, flags: Record<string, boolean | undefined> = {}): string {
  const on = Object.entries(flags)
    .filter(([, v]) => v)
    .map(([k]) => k)
    .sort();
  return ['istio.' + kind, ...on].join('+');
}

export function parseContextValue(v: string): { kind: string; flags: Set<string> } {
  const [head, ...flags] = v.split('+');
  return { kind: head.replace(/^istio\./, ''), flags: new Set(flags) };
}
