/**
 * Full raw API objects shaped exactly as Istio 1.31 renders them (istio-discovery chart
 * templates mutatingwebhook.yaml, validatingwebhookconfiguration.yaml, service.yaml,
 * revision-tags-*.yaml via `istioctl manifest generate` / `istioctl tag set`), with the
 * fields the API server adds (matchPolicy, timeoutSeconds, resourceVersion, uid).
 * The GOLDEN_* objects are the real istioctl's output (test/fixtures/golden, test/cluster/golden.mjs).
 */
import { injectorSelectors } from './fixtures';
import goldenCanonical from '../fixtures/golden/canonical-1-8-0.json';
import goldenValidatorBefore from '../fixtures/golden/default-validator-before.json';
import goldenTagDefault from '../fixtures/golden/tag-default.json';
import goldenTagStaging from '../fixtures/golden/tag-staging.json';

const ISTIO_NS = 'istio-system';
let uidSeq = 0;
const uid = () => `00000000-0000-4000-8000-${String(++uidSeq).padStart(12, '0')}`;

export interface ChartOpts {
  /** Injection URL (istiodRemote / rewired); otherwise service istiod[-rev]. */
  url?: string;
  caBundle?: string;
  version?: string;
  /** Labels `istioctl install` adds (operator.istio.io/managed, version, owning-resource-namespace). */
  installedByIstioctl?: boolean;
  annotations?: Record<string, string>;
  deactivated?: boolean;
  reinvocationPolicy?: string;
  rv?: string;
}

export function chartLabels(version: string): Record<string, string> {
  return {
    'app.kubernetes.io/instance': 'istio',
    'app.kubernetes.io/managed-by': 'Helm',
    'app.kubernetes.io/name': 'istiod',
    'app.kubernetes.io/part-of': 'istio',
    'app.kubernetes.io/version': version,
    'helm.sh/chart': `istiod-${version}`,
    release: 'istio',
  };
}

function installLabels(o: ChartOpts): Record<string, string> {
  return o.installedByIstioctl
    ? { 'install.operator.istio.io/owning-resource-namespace': ISTIO_NS, 'operator.istio.io/managed': 'Reconcile', 'operator.istio.io/version': '1.31.0' }
    : {};
}

const NEVER = () => ({ matchLabels: { 'istio.io/deactivated': 'never-match' } });

function injectorHook(prefix: string, svc: string, o: ChartOpts, namespaceSelector: any, objectSelector: any): any {
  const clientConfig: any = o.url ? { url: o.url } : { service: { name: svc, namespace: ISTIO_NS, path: '/inject', port: 443 } };
  if (o.caBundle) clientConfig.caBundle = o.caBundle;
  return {
    admissionReviewVersions: ['v1'],
    clientConfig,
    failurePolicy: 'Fail',
    matchPolicy: 'Equivalent',
    name: `${prefix}sidecar-injector.istio.io`,
    namespaceSelector: o.deactivated ? NEVER() : namespaceSelector,
    objectSelector: o.deactivated ? NEVER() : objectSelector,
    reinvocationPolicy: o.reinvocationPolicy ?? 'Never',
    rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: '*' }],
    sideEffects: 'None',
    timeoutSeconds: 10,
  };
}

/** Webhooks for revision-or-tag `value` (+ the istio-injection / object ones for the default revision or tag). */
export function injectorHooks(value: string, svc: string, isDefault: boolean, o: ChartOpts = {}): any[] {
  return injectorSelectors(value, isDefault).map((r) => injectorHook(r.prefix, svc, o, r.namespaceSelector, r.objectSelector));
}

/** Canonical injector MWC of a revision (`rev` undefined: the unrevisioned control plane, 4 webhooks). */
export function fullRevisionMwc(rev?: string, o: ChartOpts = {}): any {
  const r = rev ?? 'default';
  const svc = rev ? `istiod-${rev}` : 'istiod';
  const metadata: any = {
    name: rev ? `istio-sidecar-injector-${rev}` : 'istio-sidecar-injector',
    labels: {
      app: 'sidecar-injector',
      ...chartLabels(o.version ?? '1.0.0'),
      'install.operator.istio.io/owning-resource': 'unknown',
      'istio.io/rev': r,
      'operator.istio.io/component': 'Pilot',
      ...installLabels(o),
    },
    resourceVersion: o.rv ?? '101',
    uid: uid(),
    generation: 1,
    creationTimestamp: '2026-11-01T00:00:00Z',
  };
  if (o.annotations) metadata.annotations = { ...o.annotations };
  return { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata, webhooks: injectorHooks(r, svc, !rev, o) };
}

/** A tag MWC as `istioctl tag set <tag> --revision <rev>` leaves it. */
export function fullTagMwc(tag: string, rev: string, o: ChartOpts = {}): any {
  const svc = rev === 'default' ? 'istiod' : `istiod-${rev}`;
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: {
      name: `istio-revision-tag-${tag}`,
      labels: { app: 'sidecar-injector', ...chartLabels(o.version ?? '1.0.0'), 'istio.io/rev': rev, 'istio.io/tag': tag },
      resourceVersion: o.rv ?? '201',
      uid: uid(),
      generation: 1,
      creationTimestamp: '2026-11-01T00:00:00Z',
    },
    webhooks: injectorHooks(tag, svc, tag === 'default', o),
  };
}

function servicePorts(): any[] {
  return [
    { name: 'grpc-xds', port: 15010, protocol: 'TCP', targetPort: 15010 },
    { name: 'https-dns', port: 15012, protocol: 'TCP', targetPort: 15012 },
    { name: 'https-webhook', port: 443, protocol: 'TCP', targetPort: 15017 },
    { name: 'http-monitoring', port: 15014, protocol: 'TCP', targetPort: 15014 },
  ];
}

export function fullIstiodService(rev?: string, o: ChartOpts = {}): any {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: rev ? `istiod-${rev}` : 'istiod',
      namespace: ISTIO_NS,
      labels: {
        app: 'istiod',
        istio: 'pilot',
        ...chartLabels(o.version ?? '1.0.0'),
        'install.operator.istio.io/owning-resource': 'unknown',
        'istio.io/rev': rev ?? 'default',
        'operator.istio.io/component': 'Pilot',
        ...installLabels(o),
      },
      resourceVersion: o.rv ?? '102',
      uid: uid(),
      creationTimestamp: '2026-11-01T00:00:00Z',
    },
    spec: {
      clusterIP: '10.0.0.10',
      clusterIPs: ['10.0.0.10'],
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: servicePorts(),
      selector: rev ? { app: 'istiod', 'istio.io/rev': rev } : { app: 'istiod', istio: 'pilot' },
      sessionAffinity: 'None',
      type: 'ClusterIP',
    },
    status: { loadBalancer: {} },
  };
}

export function fullTagService(tag: string, rev: string, o: ChartOpts = {}): any {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: `istiod-revision-tag-${tag}`,
      namespace: ISTIO_NS,
      labels: { app: 'istiod', istio: 'pilot', ...chartLabels(o.version ?? '1.0.0'), 'istio.io/rev': rev, 'istio.io/tag': tag },
      resourceVersion: o.rv ?? '202',
      uid: uid(),
      creationTimestamp: '2026-11-01T00:00:00Z',
    },
    spec: {
      clusterIP: '10.0.0.20',
      clusterIPs: ['10.0.0.20'],
      internalTrafficPolicy: 'Cluster',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      ports: servicePorts(),
      selector: { app: 'istiod', 'istio.io/rev': rev },
      sessionAffinity: 'None',
      type: 'ClusterIP',
    },
    status: { loadBalancer: {} },
  };
}

/** The rules, side effects and timeout both validation webhooks carry (the chart's validatingwebhookconfiguration.yaml). */
const VALIDATION_RULES = {
  rules: [
    {
      apiGroups: ['security.istio.io', 'networking.istio.io', 'telemetry.istio.io', 'extensions.istio.io'],
      apiVersions: ['*'],
      operations: ['CREATE', 'UPDATE'],
      resources: ['*'],
      scope: '*',
    },
  ],
  sideEffects: 'None',
  timeoutSeconds: 10,
};

/** Per-revision validator `istio-validator[-rev]-istio-system` (validatingwebhookconfiguration.yaml). */
export function fullRevisionValidator(rev?: string, o: ChartOpts = {}): any {
  const r = rev ?? 'default';
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: {
      name: rev ? `istio-validator-${rev}-${ISTIO_NS}` : `istio-validator-${ISTIO_NS}`,
      labels: {
        app: 'istiod',
        istio: 'istiod',
        ...chartLabels(o.version ?? '1.0.0'),
        'istio.io/rev': r,
        ...installLabels(o),
        ...(o.installedByIstioctl ? { 'operator.istio.io/component': 'Pilot' } : {}),
      },
      resourceVersion: o.rv ?? '103',
      uid: uid(),
      generation: 1,
    },
    webhooks: [
      {
        admissionReviewVersions: ['v1'],
        clientConfig: o.url
          ? { url: o.url, caBundle: o.caBundle }
          : { service: { name: rev ? `istiod-${rev}` : 'istiod', namespace: ISTIO_NS, path: '/validate', port: 443 } },
        failurePolicy: 'Ignore',
        matchPolicy: 'Equivalent',
        name: 'rev.validation.istio.io',
        namespaceSelector: {},
        objectSelector: { matchExpressions: [{ key: 'istio.io/rev', operator: 'In', values: [r] }] },
        ...VALIDATION_RULES,
      },
    ],
  };
}

/** `istiod-default-validator` as a default tag leaves it. */
export function fullDefaultValidator(rev: string, o: ChartOpts & { failurePolicy?: string } = {}): any {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: {
      name: 'istiod-default-validator',
      labels: { app: 'istiod', istio: 'istiod', ...chartLabels(o.version ?? '1.0.0'), 'istio.io/rev': rev, 'istio.io/tag': 'default' },
      resourceVersion: o.rv ?? '203',
      uid: uid(),
      generation: 1,
    },
    webhooks: [
      {
        admissionReviewVersions: ['v1'],
        clientConfig: o.url
          ? { url: o.url.replace(/\/inject.*$/, '/validate'), caBundle: o.caBundle }
          : { service: { name: rev === 'default' ? 'istiod' : `istiod-${rev}`, namespace: ISTIO_NS, path: '/validate', port: 443 } },
        failurePolicy: o.failurePolicy ?? 'Ignore',
        matchPolicy: 'Equivalent',
        name: 'validation.istio.io',
        namespaceSelector: {},
        objectSelector: { matchExpressions: [{ key: 'istio.io/rev', operator: 'DoesNotExist' }] },
        ...VALIDATION_RULES,
      },
    ],
  };
}

/** The seed scenario's control plane (revisions 1-7-6, 1-8-0; tags prod→1-7-6, canary→1-8-0, default→1-7-6), as raw lists. */
export function seedObjects(o: ChartOpts = { caBundle: 'Q0EtQlVORExF' }): { mwcs: any[]; vwcs: any[]; services: any[] } {
  return {
    mwcs: [
      fullRevisionMwc('1-7-6', { ...o, version: '1.7.6' }),
      fullRevisionMwc('1-8-0', { ...o, version: '1.8.0' }),
      fullTagMwc('prod', '1-7-6', { ...o, version: '1.7.6' }),
      fullTagMwc('canary', '1-8-0', { ...o, version: '1.8.0' }),
      fullTagMwc('default', '1-7-6', { ...o, version: '1.7.6' }),
    ],
    vwcs: [
      fullRevisionValidator('1-7-6', { version: '1.7.6' }),
      fullRevisionValidator('1-8-0', { version: '1.8.0' }),
      fullDefaultValidator('1-7-6', { version: '1.7.6' }),
    ],
    services: [
      fullIstiodService('1-7-6', { version: '1.7.6' }),
      fullIstiodService('1-8-0', { version: '1.8.0' }),
      fullTagService('prod', '1-7-6'),
      fullTagService('canary', '1-8-0'),
      fullTagService('default', '1-7-6'),
    ],
  };
}

// ---------------------------------------------------------------- golden istioctl output

// The real istioctl's output on the seed scenario, regenerated by `node test/cluster/golden.mjs`
// (caBundle and the injector URL's origin replaced by constants consistently in inputs and outputs).
export const GOLDEN_CANONICAL_1_8_0: any = goldenCanonical;
export const GOLDEN_DEFAULT_VALIDATOR_BEFORE: any = goldenValidatorBefore;
/** `istioctl tag generate staging --revision 1-8-0`: [MWC, Service]. */
export const GOLDEN_TAG_STAGING: any[] = goldenTagStaging;
/** `istioctl tag generate default --revision 1-8-0 --overwrite`: [MWC, VWC, Service]. */
export const GOLDEN_TAG_DEFAULT: any[] = goldenTagDefault;
