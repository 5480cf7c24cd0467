// The `seed` scenario, defined once: the local cluster builds it (scenarios.mjs), the unit
// fixtures (test/unit/fixtures.ts) and the VS Code expectations (seedExpectations, read by the
// extension-host suite and the UI test) are derived from it. No imports: every tier can load it.

export const SEED_CONTEXT = 'istio-revisions-local';

export const SEED = {
  description:
    "revisions 1-7-6 (1.7.6) and 1-8-0 (1.8.0); tags prod->1-7-6, canary->1-8-0, default->1-7-6; istioctl's istio-ingressgateway and a Gateway API gateway istio-system/edge (Gateway API CRDs applied)",
  controlPlanes: [
    { revision: '1-7-6', version: '1.7.6', profile: 'default' }, // istiod-1-7-6 + istio-ingressgateway
    { revision: '1-8-0', version: '1.8.0', profile: 'minimal' },
  ],
  tags: [
    { tag: 'prod', revision: '1-7-6', overwrite: true },
    { tag: 'canary', revision: '1-8-0', overwrite: true },
    { tag: 'default', revision: '1-7-6', overwrite: true }, // already made by the 1-7-6 install, as istioctl install does
  ],
  namespaces: [
    {
      name: 'ns-a',
      labels: { 'istio.io/rev': 'prod' },
      workloads: [
        { name: 'httpbin', replicas: 2 },
        { name: 'sleep', replicas: 1 },
      ],
    },
    {
      name: 'ns-b',
      labels: { 'istio.io/rev': 'prod' },
      workloads: [
        { name: 'httpbin', replicas: 2 },
        { name: 'sleep', replicas: 1 },
      ],
    },
    {
      name: 'ns-c',
      labels: { 'istio.io/rev': 'canary' },
      workloads: [
        { name: 'httpbin', replicas: 2 },
        { name: 'sleep', replicas: 1 },
      ],
    },
    {
      name: 'test-ns',
      labels: { 'istio-injection': 'enabled' },
      workloads: [
        { name: 'httpbin', replicas: 2 },
        { name: 'sleep', replicas: 1 },
      ],
    },
  ],
  // a Gateway API gateway (class istio) next to istioctl's istio-ingressgateway: istiod of the default revision deploys it
  gateways: [{ namespace: 'istio-system', name: 'edge' }],
};

/** The revision a namespace's labels resolve to in the seed (tags followed; istio-injection=enabled → the default tag). */
export function seedResolve(labels) {
  const tags = Object.fromEntries(SEED.tags.map((t) => [t.tag, t.revision]));
  const rev = labels['istio.io/rev'];
  if (labels['istio-injection'] === 'enabled') return tags.default;
  if (rev !== undefined) return tags[rev] ?? rev;
  return undefined;
}

/** What the tree must show for the seed: revisions, tags, namespaces (labels as the tree writes them, revision, pods), gateways. */
export function seedExpectations() {
  const def = seedResolve({ 'istio-injection': 'enabled' });
  return {
    context: SEED_CONTEXT,
    revisions: Object.fromEntries(
      SEED.controlPlanes.map((cp) => [
        cp.revision,
        {
          version: cp.version,
          default: cp.revision === def,
          tags: SEED.tags.filter((t) => t.revision === cp.revision && t.tag !== 'default').map((t) => t.tag),
        },
      ]),
    ),
    tags: Object.fromEntries(SEED.tags.map((t) => [t.tag, t.revision])),
    namespaces: Object.fromEntries(
      SEED.namespaces.map((n) => [
        n.name,
        {
          labels: Object.entries(n.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(' '),
          revision: seedResolve(n.labels),
          pods: n.workloads.reduce((sum, w) => sum + w.replicas, 0),
        },
      ]),
    ),
    // istioctl's istio-ingressgateway (the default profile's revision) and the Gateway API gateways (the default revision deploys them)
    gateways: Object.fromEntries([
      ...SEED.controlPlanes.filter((cp) => cp.profile === 'default').map((cp) => ['istio-system/istio-ingressgateway', cp.revision]),
      ...SEED.gateways.map((g) => [`${g.namespace}/${g.name}`, def]),
    ]),
  };
}
