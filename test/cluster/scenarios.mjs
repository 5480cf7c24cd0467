// Scenarios of the local test cluster (see README.md for the exact inventory).
// Control planes are rendered by the real istioctl (`istioctl manifest generate`)
// and applied with the real kubectl; tags are made by the real `istioctl tag set`.
import fs from 'node:fs';
import path from 'node:path';
import { kubectl, istioctl, helm, apiRequest, CACHE } from './cluster.mjs';
import { SEED } from './seed.mjs';

const log = (...a) => {
  if (!process.env.ISTIO_REVISIONS_QUIET) console.error('[scenario]', ...a);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ISTIO_NS = 'istio-system';
const HUB = 'docker.io/istio';

// ------------------------------------------------------------------ definitions

export const SCENARIOS = {
  none: { description: 'just the cluster (1 kwok node, istiod supervisor running, no Istio)' },
  guide: {
    description: 'Istio canary-upgrade guide: unrevisioned istiod 1.27.5 + revision canary 1.28.0',
    controlPlanes: [
      { revision: '', version: '1.27.5', profile: 'default' }, // istiod + istio-ingressgateway
      { revision: 'canary', version: '1.28.0', profile: 'minimal', after: 'workloads' },
    ],
    tags: [],
    namespaces: [{ name: 'test-ns', labels: { 'istio-injection': 'enabled' }, workloads: [{ name: 'httpbin', replicas: 2 }] }],
  },
  seed: SEED,
  ambient: {
    description:
      'ambient: revisions 1-30-1 (istiod, ztunnel, istio-cni) and 1-31-0 (istiod only: one ztunnel per cluster), tags default->1-30-1, canary->1-31-0; Gateway API CRDs; 3 nodes; ambient namespaces with waypoints (one following the default, one labelled with tag canary); a Gateway API ingress following its namespace; a sidecar namespace',
    nodes: 3,
    controlPlanes: [
      { revision: '1-30-1', version: '1.30.1', profile: 'ambient' }, // istiod-1-30-1 + ztunnel + istio-cni-node
      { revision: '1-31-0', version: '1.31.0', profile: 'ambient', sets: ['components.ztunnel.enabled=false', 'components.cni.enabled=false'] },
    ],
    tags: [{ tag: 'canary', revision: '1-31-0', overwrite: true }],
    namespaces: [
      {
        name: 'amb-a',
        labels: { 'istio.io/dataplane-mode': 'ambient' },
        workloads: [
          { name: 'httpbin', replicas: 2 },
          { name: 'sleep', replicas: 1 },
        ],
      },
      { name: 'amb-b', labels: { 'istio.io/dataplane-mode': 'ambient' }, workloads: [{ name: 'httpbin', replicas: 1 }] },
      { name: 'side', labels: { 'istio.io/rev': 'canary' }, workloads: [{ name: 'httpbin', replicas: 1 }] },
    ],
    // istioctl waypoint apply -n <ns> [--revision R] --enroll-namespace
    waypoints: [{ namespace: 'amb-a' }, { namespace: 'amb-b', revision: 'canary' }],
    // a Gateway API ingress (class istio) in a namespace labelled istio.io/rev=1-30-1
    gateways: [{ namespace: 'ingress', name: 'ingress', namespaceLabels: { 'istio.io/rev': '1-30-1' } }],
  },
  helm: {
    description:
      "Istio's Helm canary guide: releases istio-base (defaultRevision=default), istiod (unrevisioned 1.30.1), istiod-canary (revision canary, 1.31.0) and istio-ingress (gateway chart, revision canary) from the pinned istio module's charts; test-ns istio-injection=enabled, ns-canary istio.io/rev=canary",
    releases: [
      { name: 'istio-base', chart: 'base', namespace: 'istio-system', sets: ['defaultRevision=default'], benchValues: 'base' },
      { name: 'istiod', chart: 'istio-control/istio-discovery', namespace: 'istio-system', revision: '', version: '1.30.1' },
      { name: 'istiod-canary', chart: 'istio-control/istio-discovery', namespace: 'istio-system', revision: 'canary', version: '1.31.0' },
    ],
    gateway: { name: 'istio-ingress', chart: 'gateway', namespace: 'istio-ingress', revision: 'canary' },
    namespaces: [
      {
        name: 'test-ns',
        labels: { 'istio-injection': 'enabled' },
        workloads: [
          { name: 'httpbin', replicas: 2 },
          { name: 'sleep', replicas: 1 },
        ],
      },
      { name: 'ns-canary', labels: { 'istio.io/rev': 'canary' }, workloads: [{ name: 'httpbin', replicas: 1 }] },
    ],
  },
  sail: {
    description:
      "Sail operator objects as the operator leaves them (the operator is not served by the Go module proxy, so it does not run): its CRDs, Istio default (RevisionBased, grace 30 s) upgraded v1.30.1 -> v1.30.3 with IstioRevisions default-v1-30-1 (inactive, in use) and default-v1-30-3 (active), IstioRevisionTag default -> Istio default; each revision's istiod chart rendered by helm as the operator renders it (release <rev>-istiod, owner IstioRevision); sail-a pinned to default-v1-30-1, sail-b istio-injection=enabled",
    istio: { name: 'default', version: 'v1.30.3', grace: 30 },
    revisions: [
      { name: 'default-v1-30-1', version: 'v1.30.1' },
      { name: 'default-v1-30-3', version: 'v1.30.3' },
    ],
    tag: { name: 'default', target: { kind: 'Istio', name: 'default' }, revision: 'default-v1-30-3' },
    namespaces: [
      { name: 'sail-a', labels: { 'istio.io/rev': 'default-v1-30-1' }, workloads: [{ name: 'httpbin', replicas: 1 }] },
      { name: 'sail-b', labels: { 'istio-injection': 'enabled' }, workloads: [{ name: 'httpbin', replicas: 1 }] },
    ],
  },
  large: {
    description: 'N namespaces x M pods, revisions 1-29-2/1-30-1/1-31-0, tags stable->1-30-1, canary->1-31-0',
    controlPlanes: [
      { revision: '1-29-2', version: '1.29.2', profile: 'minimal', defaultTag: false }, // helm-style: no default tag
      { revision: '1-30-1', version: '1.30.1', profile: 'minimal', defaultTag: false },
      { revision: '1-31-0', version: '1.31.0', profile: 'minimal', defaultTag: false },
    ],
    tags: [
      { tag: 'stable', revision: '1-30-1', overwrite: true },
      { tag: 'canary', revision: '1-31-0', overwrite: true },
    ],
    // namespace i (large-0000 ...) gets LARGE_LABELS[i % 4]
  },
};

export const LARGE_LABELS = [
  { 'istio.io/rev': 'stable' },
  { 'istio.io/rev': 'canary' },
  { 'istio.io/rev': '1-29-2' },
  {}, // not injected
];

export function largeParams(large = {}) {
  return {
    namespaces: Number(large.namespaces ?? process.env.ISTIO_REVISIONS_LARGE_NAMESPACES ?? 50),
    podsPerNamespace: Number(large.podsPerNamespace ?? process.env.ISTIO_REVISIONS_LARGE_PODS_PER_NAMESPACE ?? 20),
    concurrency: Number(large.concurrency ?? 16),
    timeoutMs: Number(large.timeoutMs ?? 30 * 60 * 1000),
  };
}

// ------------------------------------------------------------------ YAML docs (no YAML library: helm output is regular)

export function splitDocs(yaml) {
  return yaml
    .split(/^---\s*$/m)
    .map((text) => text.trim())
    .filter((t) => /^kind:/m.test(t))
    .map((text) => {
      const kind = (text.match(/^kind:\s*(\S+)/m) || [])[1];
      const meta = text.match(/^metadata:\n((?:[ \t]+.*\n?|\s*\n)*)/m);
      let name;
      let namespace;
      if (meta) {
        name = (meta[1].match(/^ {2}name:\s*"?([^"\s]+)"?/m) || [])[1];
        namespace = (meta[1].match(/^ {2}namespace:\s*"?([^"\s]+)"?/m) || [])[1];
      }
      return { kind, name, namespace, text };
    });
}

const joinDocs = (docs) => docs.map((d) => d.text).join('\n---\n') + '\n';

// ------------------------------------------------------------------ building blocks

export function generateControlPlane(state, { revision = '', version, profile = 'default', sets = [] }) {
  const args = ['manifest', 'generate', '--set', `profile=${profile}`, '--set', `hub=${HUB}`, '--set', `tag=${version}`];
  if (revision) args.push('--set', `revision=${revision}`);
  for (const s of sets) args.push('--set', s);
  let out = istioctl(state, args);
  // istioctl built from the module zip carries charts versioned 1.0.0; a real
  // release of <version> stamps its own version there.
  out = out
    .replace(/^(\s+app\.kubernetes\.io\/version:\s*)"?1\.0\.0"?\s*$/gm, `$1"${version}"`)
    .replace(/^(\s+helm\.sh\/chart:\s*\S+)-1\.0\.0\s*$/gm, `$1-${version}`);
  return splitDocs(out);
}

// The bench routes Istio's webhooks from `service` to `url` (the istiod
// supervisor's front listener, /rev/<rev>/<path>, forwarded to that revision's
// istiod; see istiod-supervisor/main.go). Re-applying the `service` form over
// that with server-side apply would leave both set ("exactly one of url or
// service is required"), so objects we apply are routed up front, exactly as
// the supervisor would.
export function webhookUrl(state, rev, path) {
  return `https://127.0.0.1:${state.ports.istiod}/rev/${rev}${path}`;
}
export function rewireObject(state, o) {
  const caBundle = fs.readFileSync(state.pki.caCrt).toString('base64');
  const rev = o.metadata?.labels?.['istio.io/rev'] || 'default';
  if (o.kind === 'MutatingWebhookConfiguration') {
    for (const wh of o.webhooks || []) {
      if (wh.name.endsWith('sidecar-injector.istio.io'))
        wh.clientConfig = { url: webhookUrl(state, rev, wh.clientConfig?.service?.path || '/inject'), caBundle };
    }
  } else if (o.kind === 'ValidatingWebhookConfiguration' && (o.metadata.name.startsWith('istio-validator') || o.metadata.name === 'istiod-default-validator')) {
    for (const wh of o.webhooks || []) wh.clientConfig = { url: webhookUrl(state, rev, wh.clientConfig?.service?.path || '/validate'), caBundle };
  }
  return o;
}

// kubectl prints one JSON document per object, concatenated.
export function parseJSONStream(text) {
  const out = [];
  let depth = 0;
  let inStr = false;
  let esc = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inStr) {
      if (esc) esc = false;
      else if (c === '\\') esc = true;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}') {
      if (--depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
    }
  }
  return out;
}

// ownerLabels: what `istioctl install` adds to every object's metadata.labels
// (operator/pkg/install getOwnerLabels); `istioctl uninstall --revision` finds
// objects by istio.io/rev + install.operator.istio.io/owning-resource-namespace.
async function applyDocs(state, docs, { fieldManager = 'istio-operator', ownerLabels } = {}) {
  if (docs.length === 0) return;
  const base = path.join(state.dir, `apply-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  fs.writeFileSync(`${base}.yaml`, joinDocs(docs));
  let file = `${base}.yaml`;
  if (ownerLabels) {
    // YAML -> JSON with kubectl itself (no YAML library), then add labels.
    const items = parseJSONStream(kubectl(state, ['create', '--dry-run=client', '-o', 'json', '-f', file])).flatMap((o) => (o.kind === 'List' ? o.items : [o]));
    for (const o of items) {
      o.metadata.labels = { ...(o.metadata.labels || {}) };
      for (const [k, v] of Object.entries(ownerLabels)) if (o.metadata.labels[k] === undefined) o.metadata.labels[k] = v;
      rewireObject(state, o);
    }
    file = `${base}.json`;
    fs.writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  }
  kubectl(state, ['apply', '--server-side', '--force-conflicts', `--field-manager=${fieldManager}`, '-f', file]);
}

async function ensureNamespace(state, name, labels = {}) {
  const body = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
  const r = await apiRequest(state, 'POST', '/api/v1/namespaces', body);
  if (r.status === 409) {
    const p = await apiRequest(state, 'PATCH', `/api/v1/namespaces/${name}`, { metadata: { labels } }, { contentType: 'application/merge-patch+json' });
    if (p.status !== 200) throw new Error(`label namespace ${name}: ${p.status} ${p.text}`);
  } else if (r.status !== 201) throw new Error(`create namespace ${name}: ${r.status} ${r.text}`);
  await waitFor(
    `serviceaccount ${name}/default`,
    async () => (await apiRequest(state, 'GET', `/api/v1/namespaces/${name}/serviceaccounts/default`)).status === 200,
    60000,
  );
}

async function waitFor(what, fn, timeout = 120000, interval = 250) {
  const t0 = Date.now();
  let last;
  while (Date.now() - t0 < timeout) {
    try {
      if (await fn()) return;
    } catch (e) {
      last = e;
    }
    await sleep(interval);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

// What the istiod supervisor reports: { front, istiods: [{ revision, pid, ports, ready, log, ... }] }.
export function istiodStatus(state) {
  try {
    return JSON.parse(fs.readFileSync(path.join(state.dir, 'istiod', 'istiods.json'), 'utf8'));
  } catch {
    return { istiods: [] };
  }
}

// Every Istio injector webhook / validator is routed to the istiod of its
// revision, and every revision whose istiod Deployment has replicas runs a
// ready istiod (so a pod created now is injected by the real istiod).
export async function waitWebhooksRewired(state, timeout = 90000) {
  await waitFor(
    'Istio webhooks routed to a ready istiod per revision',
    async () => {
      const m = await apiRequest(state, 'GET', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations');
      const v = await apiRequest(state, 'GET', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations');
      for (const mwc of m.json.items) {
        const rev = mwc.metadata.labels?.['istio.io/rev'] || 'default';
        for (const wh of mwc.webhooks || []) {
          if (wh.name.endsWith('sidecar-injector.istio.io') && !(wh.clientConfig?.url || '').startsWith(webhookUrl(state, rev, '/'))) return false;
        }
      }
      for (const vwc of v.json.items) {
        if (!(vwc.metadata.name.startsWith('istio-validator') || vwc.metadata.name === 'istiod-default-validator')) continue;
        const rev = vwc.metadata.labels?.['istio.io/rev'] || 'default';
        const byName = `https://127.0.0.1:${state.ports.istiod}/vwc/${vwc.metadata.name}/`; // Helm's base chart (helmBenchValues)
        for (const wh of vwc.webhooks || [])
          if (!(wh.clientConfig?.url || '').startsWith(webhookUrl(state, rev, '/')) && !(wh.clientConfig?.url || '').startsWith(byName)) return false;
      }
      const deps = await apiRequest(state, 'GET', `/apis/apps/v1/namespaces/${ISTIO_NS}/deployments?labelSelector=app%3Distiod`);
      const ready = new Set(
        istiodStatus(state)
          .istiods.filter((d) => d.ready)
          .map((d) => d.revision),
      );
      for (const d of deps.json.items) {
        if (d.spec.replicas === 0) continue;
        if (!ready.has(d.metadata.labels?.['istio.io/rev'] || 'default')) return false;
      }
      return true;
    },
    timeout,
  );
  await sleep(1500); // the API server picks webhook configuration changes up asynchronously
}

async function waitRollouts(state, list, timeout = 300) {
  for (const { namespace, name } of list) {
    kubectl(state, ['-n', namespace, 'rollout', 'status', `deployment/${name}`, `--timeout=${timeout}s`]);
  }
}

// Install one control plane the way `istioctl install` would leave it, from
// `istioctl manifest generate`: CRDs first (wait Established), then the rest.
// For revisioned installs the generated default-tag objects are dropped so the
// scenario's `istioctl tag set` calls create them (as on a real cluster).
export async function installControlPlane(state, cp) {
  const t0 = Date.now();
  const docs = generateControlPlane(state, cp);
  await ensureNamespace(state, ISTIO_NS);
  const crds = docs.filter((d) => d.kind === 'CustomResourceDefinition');
  let rest = docs.filter((d) => d.kind !== 'CustomResourceDefinition');
  if (cp.revision && cp.revision !== 'default' && !cp.keepDefaultTag) {
    rest = rest.filter(
      (d) =>
        !(d.kind === 'MutatingWebhookConfiguration' && /^istio-revision-tag-/.test(d.name)) &&
        !(d.kind === 'Service' && /^istiod-revision-tag-/.test(d.name)) &&
        !(d.kind === 'ValidatingWebhookConfiguration' && d.name === 'istiod-default-validator'),
    );
  }
  const ownerLabels = {
    'operator.istio.io/managed': 'Reconcile',
    'operator.istio.io/version': cp.version,
    'install.operator.istio.io/owning-resource-namespace': ISTIO_NS,
    'istio.io/rev': cp.revision || 'default',
  };
  if (crds.length) {
    await applyDocs(state, crds, { ownerLabels });
    kubectl(state, ['wait', '--for=condition=Established', '--timeout=120s', 'crd', ...crds.map((d) => d.name)]);
  }
  await applyDocs(state, rest, { ownerLabels });
  const deployments = rest.filter((d) => d.kind === 'Deployment').map((d) => ({ namespace: d.namespace || ISTIO_NS, name: d.name }));
  await waitWebhooksRewired(state);
  // `istioctl install` (operator/pkg/webhook WebhooksToDeploy) creates the
  // default tag when the install is unrevisioned or no default tag exists yet.
  if (cp.defaultTag !== false) {
    const existing = await apiRequest(
      state,
      'GET',
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations?labelSelector=' + encodeURIComponent('app=sidecar-injector,istio.io/tag=default'),
    );
    if (!cp.revision || existing.json.items.length === 0) {
      await setTag(state, { tag: 'default', revision: cp.revision || 'default', overwrite: true });
    }
  }
  await waitRollouts(state, deployments);
  log(`control plane ${cp.revision || '(default)'} ${cp.version} installed in ${Date.now() - t0} ms: ${deployments.map((d) => d.name).join(', ')}`);
  return { ...cp, deployments: deployments.map((d) => d.name) };
}

export async function setTag(state, { tag, revision, overwrite = false }) {
  istioctl(state, [
    'tag',
    'set',
    tag,
    '--revision',
    revision,
    '-y',
    '--kubeconfig',
    state.kubeconfig,
    '--istioNamespace',
    ISTIO_NS,
    ...(overwrite ? ['--overwrite'] : []),
  ]);
  await waitWebhooksRewired(state);
}

// Workloads shaped like Istio's samples (httpbin, sleep).
export function workloadYaml(namespace, { name, replicas }) {
  const image = name === 'sleep' ? 'curlimages/curl:8.16.0' : 'docker.io/mccutchen/go-httpbin:v2.15.0';
  const port = name === 'sleep' ? 80 : 8080;
  const cmd = name === 'sleep' ? '\n        command: ["/bin/sleep", "infinity"]' : '';
  return `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${name}
  namespace: ${namespace}
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${namespace}
  labels:
    app: ${name}
    service: ${name}
spec:
  ports:
  - name: http
    port: ${name === 'sleep' ? 80 : 8000}
    targetPort: ${port}
  selector:
    app: ${name}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${namespace}
  labels:
    app: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${name}
      version: v1
  template:
    metadata:
      labels:
        app: ${name}
        version: v1
    spec:
      serviceAccountName: ${name}
      terminationGracePeriodSeconds: 0
      containers:
      - name: ${name}
        image: ${image}
        imagePullPolicy: IfNotPresent${cmd}
        ports:
        - containerPort: ${port}
`;
}

export async function createWorkloads(state, namespaces) {
  const rollouts = [];
  for (const ns of namespaces) {
    await ensureNamespace(state, ns.name, ns.labels);
    const yaml = ns.workloads.map((w) => workloadYaml(ns.name, w)).join('---\n');
    const file = path.join(state.dir, `workloads-${ns.name}.yaml`);
    fs.writeFileSync(file, yaml);
    kubectl(state, ['apply', '--server-side', '--field-manager=kubectl', '-f', file]);
    for (const w of ns.workloads) rollouts.push({ namespace: ns.name, name: w.name });
  }
  await waitRollouts(state, rollouts);
}

// Pods with their injection result: [{ namespace, name, phase, rev, status, proxyImage }]
export async function podInventory(state, namespaces) {
  const out = [];
  for (const ns of namespaces) {
    const r = await apiRequest(state, 'GET', `/api/v1/namespaces/${ns}/pods`);
    for (const p of r.json.items) {
      const proxy = [...(p.spec.containers || []), ...(p.spec.initContainers || [])].find((c) => c.name === 'istio-proxy');
      out.push({
        namespace: ns,
        name: p.metadata.name,
        app: p.metadata.labels?.app,
        phase: p.status?.phase,
        rev: p.metadata.annotations?.['istio.io/rev'],
        status: p.metadata.annotations?.['sidecar.istio.io/status'],
        proxyImage: proxy?.image,
      });
    }
  }
  return out;
}

function checkInjected(pods, expectRev) {
  for (const p of pods) {
    if (p.phase !== 'Running') throw new Error(`pod ${p.namespace}/${p.name} is ${p.phase}, not Running`);
    const want = expectRev[p.namespace];
    if (want === undefined) continue;
    if (want === null) {
      if (p.status) throw new Error(`pod ${p.namespace}/${p.name} unexpectedly injected (${p.rev})`);
      continue;
    }
    if (p.app === 'istio-ingressgateway') {
      // istioctl's gateway is not injected: it runs proxyv2 itself, with annotation istio.io/rev
      if (p.rev !== want || !p.proxyImage) throw new Error(`gateway pod ${p.name}: rev=${p.rev} image=${p.proxyImage}`);
      continue;
    }
    if (p.rev !== want || !p.status || !p.proxyImage) {
      throw new Error(`pod ${p.namespace}/${p.name}: expected injection by ${want}, got rev=${p.rev} status=${p.status} image=${p.proxyImage}`);
    }
  }
}

// ------------------------------------------------------------------ scenarios

export async function applyScenario(state, name, { large = {} } = {}) {
  const t0 = Date.now();
  let result;
  if (name === 'none') result = {};
  else if (name === 'seed') result = await seed(state);
  else if (name === 'guide') result = await guide(state);
  else if (name === 'guide-base') result = await guide(state, { canary: false });
  else if (name === 'large') result = await largeScenario(state, large);
  else if (name === 'ambient') result = await ambientScenario(state);
  else if (name === 'helm') result = await helmScenario(state);
  else if (name === 'sail') result = await sailScenario(state);
  else throw new Error(`unknown scenario ${name} (none|seed|guide|guide-base|large|ambient|helm|sail)`);
  result.ms = Date.now() - t0;
  return result;
}

/** The Gateway API CRDs (standard channel) of the gateway-api version the pinned istio uses (build.sh copies them). */
export function gatewayApiCrdDir() {
  const dir = path.join(CACHE, 'share', 'gateway-api');
  if (!fs.existsSync(path.join(dir, 'gateway.networking.k8s.io_gateways.yaml')))
    throw new Error(`${dir} has no Gateway API CRDs: run test/cluster/build.sh istioctl`);
  return fs.realpathSync(dir);
}

export async function applyGatewayApiCrds(state) {
  const dir = gatewayApiCrdDir();
  // httproutes is ~430 KB: too large for client-side apply's last-applied annotation
  kubectl(state, ['apply', '--server-side', '--field-manager=kubectl', '-f', dir]);
  const crds = fs
    .readdirSync(dir)
    .filter((f) => !f.includes('_vap_'))
    .map((f) => `crd/${f.replace(/^gateway\.networking\.k8s\.io_(.*)\.yaml$/, '$1')}.gateway.networking.k8s.io`);
  kubectl(state, ['wait', '--for=condition=Established', '--timeout=120s', ...crds]);
  return path.basename(dir);
}

/** The Helm charts of the pinned istio module (build.sh links them). */
export function istioChartDir(chart = '') {
  const dir = path.join(CACHE, 'share', 'istio-charts');
  if (!fs.existsSync(path.join(dir, 'base', 'Chart.yaml'))) throw new Error(`${dir} has no Istio charts: run test/cluster/build.sh istioctl`);
  return path.join(fs.realpathSync(dir), chart);
}

/**
 * Values the bench adds to every Istio Helm release: this cluster has no Services to route
 * webhooks through (see istiod-supervisor), so the charts render the supervisor's URL for the
 * revision directly (istiodRemote.injectionURL, base.validationURL: the charts' own values for
 * an injector outside the cluster). Re-rendering a `service:` webhook over a routed `url:` would
 * leave both set, which the API server rejects; with these values Helm and the supervisor agree.
 * Written once per cluster and revision to <dir>/helm/bench-<rev>.json; pass with `-f`.
 */
export function helmBenchValues(state, rev) {
  const file = path.join(state.dir, 'helm', `bench-${rev}.json`);
  if (!fs.existsSync(file)) {
    const ca = fs.readFileSync(state.pki.caCrt).toString('base64');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // The base chart's istiod-default-validator follows defaultRevision: its URL names the
    // configuration and the supervisor routes by its current istio.io/rev label (serveVWC), as
    // the Service istiod-<defaultRevision> would; so a Helm upgrade never changes the URL.
    const validationURL =
      rev === 'base' ? `https://127.0.0.1:${state.ports.istiod}/vwc/istiod-default-validator/validate` : webhookUrl(state, rev, '/validate');
    fs.writeFileSync(
      file,
      JSON.stringify(
        {
          ...(rev === 'base' ? {} : { istiodRemote: { injectionURL: webhookUrl(state, rev, '/inject'), injectionCABundle: ca } }),
          base: { validationURL, validationCABundle: ca },
        },
        null,
        2,
      ),
    );
  }
  return file;
}

/** `helm install` of one release of the `helm` scenario, as Istio's Helm guide runs it (plus the bench values). */
export function helmInstallArgs(state, r) {
  const args = ['install', r.name, istioChartDir(r.chart), '-n', r.namespace, '--create-namespace'];
  if (r.revision !== undefined) {
    args.push('-f', helmBenchValues(state, r.revision || 'default'));
    if (r.revision) args.push('--set', `revision=${r.revision}`);
    args.push('--set', `global.tag=${r.version}`, '--set', `global.hub=${HUB}`);
  }
  if (r.benchValues) args.push('-f', helmBenchValues(state, r.benchValues));
  for (const x of r.sets ?? []) args.push('--set', x);
  return args;
}

async function helmScenario(state) {
  const def = SCENARIOS.helm;
  const t0 = Date.now();
  for (const r of def.releases) {
    helm(state, helmInstallArgs(state, r));
    log(`helm install ${r.name} (${r.chart}${r.revision !== undefined ? `, revision "${r.revision}" ${r.version}` : ''}) in ${Date.now() - t0} ms`);
  }
  await waitWebhooksRewired(state);
  await waitRollouts(
    state,
    def.releases.filter((r) => r.revision !== undefined).map((r) => ({ namespace: r.namespace, name: r.revision ? `istiod-${r.revision}` : 'istiod' })),
  );
  await createWorkloads(state, def.namespaces);
  const g = def.gateway;
  helm(state, ['install', g.name, istioChartDir(g.chart), '-n', g.namespace, '--create-namespace', '--set', `revision=${g.revision}`]);
  await waitRollouts(state, [{ namespace: g.namespace, name: g.name }]);
  const pods = await podInventory(state, [...def.namespaces.map((n) => n.name), g.namespace]);
  checkInjected(pods, { 'test-ns': 'default', 'ns-canary': 'canary', [g.namespace]: 'canary' });
  const releases = JSON.parse(helm(state, ['list', '-A', '-o', 'json']));
  const bad = releases.filter((r) => r.status !== 'deployed');
  if (bad.length) throw new Error(`helm releases not deployed: ${bad.map((r) => `${r.namespace}/${r.name} ${r.status}`).join(', ')}`);
  return { releases: releases.map((r) => `${r.namespace}/${r.name}`), pods: pods.length };
}

// ---- sail: the operator's objects, as it leaves them ------------------------------------------

const SAIL_CRDS = path.join(path.dirname(new URL(import.meta.url).pathname), 'sail', 'crds.yaml');
const SAIL_API = '/apis/sailoperator.io/v1';

/** Stamps what the operator's Helm post-renderer and Helm itself put on every rendered object. */
function sailOwned(doc, owner, release) {
  const o = doc;
  o.metadata.labels = { ...(o.metadata.labels || {}), 'managed-by': 'sail-operator' };
  o.metadata.annotations = {
    ...(o.metadata.annotations || {}),
    'meta.helm.sh/release-name': release.name,
    'meta.helm.sh/release-namespace': release.namespace,
  };
  o.metadata.ownerReferences = [
    { apiVersion: 'sailoperator.io/v1', kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true },
  ];
  return o;
}

async function sailCreate(state, plural, body) {
  const r = await apiRequest(state, 'POST', `${SAIL_API}/${plural}`, body);
  if (r.status !== 201) throw new Error(`create ${plural}/${body.metadata.name}: ${r.status} ${r.text}`);
  return r.json;
}

async function sailStatus(state, plural, name, status) {
  const r = await apiRequest(state, 'PATCH', `${SAIL_API}/${plural}/${name}/status`, { status }, { contentType: 'application/merge-patch+json' });
  if (r.status !== 200) throw new Error(`status of ${plural}/${name}: ${r.status} ${r.text}`);
}

const cond = (type, reason, status = 'True') => ({ type, status, reason, message: '', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });

/** Renders a chart with helm and applies every object as the operator's release would leave it. */
function applyRendered(state, yamlText, owner, release) {
  const items = parseJSONStream(kubectl(state, ['create', '--dry-run=client', '-o', 'json', '-f', '-'], { input: yamlText }))
    .flatMap((o) => (o.kind === 'List' ? o.items : [o]))
    .filter((o) => o.kind !== 'CustomResourceDefinition')
    .map((o) => rewireObject(state, sailOwned(o, owner, release)));
  for (const o of items)
    if (
      !o.metadata.namespace &&
      ![
        'MutatingWebhookConfiguration',
        'ValidatingWebhookConfiguration',
        'ClusterRole',
        'ClusterRoleBinding',
        'ValidatingAdmissionPolicy',
        'ValidatingAdmissionPolicyBinding',
      ].includes(o.kind)
    )
      o.metadata.namespace = release.namespace;
  kubectl(state, ['apply', '--server-side', '--force-conflicts', '--field-manager=sail-operator', '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
  });
  return items.length;
}

async function sailScenario(state) {
  const def = SCENARIOS.sail;
  kubectl(state, ['apply', '--server-side', '--field-manager=sail-operator', '-f', SAIL_CRDS]);
  kubectl(state, [
    'wait',
    '--for=condition=Established',
    '--timeout=120s',
    'crd/istios.sailoperator.io',
    'crd/istiorevisions.sailoperator.io',
    'crd/istiorevisiontags.sailoperator.io',
  ]);
  await ensureNamespace(state, ISTIO_NS);
  await ensureNamespace(state, 'sail-operator');
  // Istio's own CRDs: the operator installs them (its chart/crds); here the base chart's.
  const baseChart = istioChartDir('base');
  const crds = helm(state, ['template', 'crds', baseChart, '--include-crds', '-n', ISTIO_NS])
    .split(/^---\s*$/m)
    .filter((d) => /^kind:\s*CustomResourceDefinition/m.test(d))
    .join('\n---\n');
  kubectl(state, ['apply', '--server-side', '--field-manager=sail-operator', '-f', '-'], { input: crds });
  const istio = await sailCreate(state, 'istios', {
    apiVersion: 'sailoperator.io/v1',
    kind: 'Istio',
    metadata: { name: def.istio.name },
    spec: {
      version: def.istio.version,
      namespace: ISTIO_NS,
      updateStrategy: { type: 'RevisionBased', inactiveRevisionDeletionGracePeriodSeconds: def.istio.grace },
    },
  });
  const revs = [];
  for (const r of def.revisions) {
    const ver = r.version.replace(/^v/, '');
    const rev = await sailCreate(state, 'istiorevisions', {
      apiVersion: 'sailoperator.io/v1',
      kind: 'IstioRevision',
      metadata: {
        name: r.name,
        ownerReferences: [
          { apiVersion: 'sailoperator.io/v1', kind: 'Istio', name: istio.metadata.name, uid: istio.metadata.uid, controller: true, blockOwnerDeletion: true },
        ],
      },
      spec: { version: r.version, namespace: ISTIO_NS, values: { revision: r.name, global: { istioNamespace: ISTIO_NS, hub: HUB, tag: ver } } },
    });
    const release = { name: `${r.name}-istiod`, namespace: ISTIO_NS };
    const rendered = helm(state, [
      'template',
      release.name,
      istioChartDir('istio-control/istio-discovery'),
      '-n',
      ISTIO_NS,
      '-f',
      helmBenchValues(state, r.name),
      '--set',
      `revision=${r.name}`,
      '--set',
      `global.tag=${ver}`,
      '--set',
      `global.hub=${HUB}`,
      '--set',
      `global.istioNamespace=${ISTIO_NS}`,
    ]);
    const n = applyRendered(state, rendered, rev, release);
    log(`IstioRevision ${r.name}: ${n} objects as release ${release.name}`);
    revs.push(rev);
  }
  // The tag: the revision-tags rendering of its target (release <tag>-revisiontags), and for `default` the base chart (release default-base).
  const t = def.tag;
  const tagObj = await sailCreate(state, 'istiorevisiontags', {
    apiVersion: 'sailoperator.io/v1',
    kind: 'IstioRevisionTag',
    metadata: { name: t.name },
    spec: { targetRef: t.target },
  });
  const tagRelease = { name: `${t.name}-revisiontags`, namespace: ISTIO_NS };
  applyRendered(
    state,
    helm(state, [
      'template',
      tagRelease.name,
      istioChartDir('istio-control/istio-discovery'),
      '-n',
      ISTIO_NS,
      '-s',
      'templates/revision-tags-mwc.yaml',
      '-s',
      'templates/revision-tags-svc.yaml',
      '-f',
      helmBenchValues(state, t.revision),
      '--set',
      `revisionTags={${t.name}}`,
      '--set',
      `revision=${t.revision}`,
    ]),
    tagObj,
    tagRelease,
  );
  if (t.name === 'default') {
    applyRendered(
      state,
      helm(state, [
        'template',
        'default-base',
        baseChart,
        '-n',
        'sail-operator',
        '-f',
        helmBenchValues(state, 'base'),
        '--set',
        `defaultRevision=${t.revision}`,
      ]),
      tagObj,
      { name: 'default-base', namespace: 'sail-operator' },
    );
  }
  await waitWebhooksRewired(state);
  await waitRollouts(
    state,
    def.revisions.map((r) => ({ namespace: ISTIO_NS, name: `istiod-${r.name}` })),
  );
  // Status as the operator reports it.
  const active = def.revisions[def.revisions.length - 1].name;
  for (const r of def.revisions) {
    await sailStatus(state, 'istiorevisions', r.name, {
      observedGeneration: 1,
      state: 'Healthy',
      conditions: [cond('Reconciled', 'Healthy'), cond('Ready', 'Healthy'), cond('DependenciesHealthy', 'Healthy'), cond('InUse', 'ReferencedByWorkloads')],
    });
  }
  await sailStatus(state, 'istios', def.istio.name, {
    observedGeneration: 1,
    state: 'Healthy',
    activeRevisionName: active,
    revisions: { total: def.revisions.length, ready: def.revisions.length, inUse: def.revisions.length },
    conditions: [cond('Reconciled', 'Healthy'), cond('Ready', 'Healthy'), cond('DependenciesHealthy', 'Healthy')],
  });
  await sailStatus(state, 'istiorevisiontags', t.name, {
    observedGeneration: 1,
    state: 'Healthy',
    istiodNamespace: ISTIO_NS,
    istioRevision: t.revision,
    conditions: [cond('Reconciled', 'Healthy'), cond('InUse', 'ReferencedByWorkloads')],
  });
  await createWorkloads(state, def.namespaces);
  const pods = await podInventory(
    state,
    def.namespaces.map((n) => n.name),
  );
  checkInjected(pods, { 'sail-a': 'default-v1-30-1', 'sail-b': 'default-v1-30-3' });
  return { istio: def.istio.name, revisions: def.revisions.map((r) => r.name), tag: t.name, pods: pods.length };
}

async function waitDaemonSets(state, list, timeout = 300) {
  for (const { namespace, name } of list) kubectl(state, ['-n', namespace, 'rollout', 'status', `daemonset/${name}`, `--timeout=${timeout}s`]);
}

async function ambientScenario(state) {
  const def = SCENARIOS.ambient;
  const gatewayApi = await applyGatewayApiCrds(state);
  const cps = [];
  for (const cp of def.controlPlanes) cps.push(await installControlPlane(state, cp));
  await waitDaemonSets(state, [
    { namespace: ISTIO_NS, name: 'ztunnel' },
    { namespace: ISTIO_NS, name: 'istio-cni-node' },
  ]);
  for (const t of def.tags) await setTag(state, t);
  await createWorkloads(state, def.namespaces);
  // Waypoints by the real istioctl; istiod's own deployment controller makes their Deployments.
  for (const w of def.waypoints) {
    istioctl(state, [
      'waypoint',
      'apply',
      '-n',
      w.namespace,
      '--enroll-namespace',
      ...(w.revision ? ['--revision', w.revision] : []),
      '--kubeconfig',
      state.kubeconfig,
    ]);
  }
  const made = [...def.waypoints.map((w) => ({ namespace: w.namespace, name: 'waypoint' })), ...(await applyGateways(state, def.gateways))];
  for (const d of made) {
    await waitFor(
      `deployment ${d.namespace}/${d.name} made by istiod`,
      async () => (await apiRequest(state, 'GET', `/apis/apps/v1/namespaces/${d.namespace}/deployments/${d.name}`)).status === 200,
    );
  }
  await waitRollouts(state, made);
  const pods = await podInventory(state, [...def.namespaces.map((n) => n.name), ISTIO_NS]);
  checkInjected(
    pods.filter((p) => p.namespace !== ISTIO_NS),
    { 'amb-a': null, 'amb-b': null, side: '1-31-0' },
  );
  return { controlPlanes: cps, tags: def.tags, gatewayApi, waypoints: def.waypoints, gateways: made, pods: pods.length };
}

/** Gateway API `Gateway`s of class istio; istiod of the revision they follow makes `<name>-istio`. Returns those Deployments. */
async function applyGateways(state, gateways) {
  for (const g of gateways) {
    if (g.namespaceLabels) await ensureNamespace(state, g.namespace, g.namespaceLabels);
    kubectl(state, ['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: g.name, namespace: g.namespace },
        spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] },
      }),
    });
  }
  const made = gateways.map((g) => ({ namespace: g.namespace, name: `${g.name}-istio` }));
  for (const d of made) {
    await waitFor(
      `deployment ${d.namespace}/${d.name} made by istiod`,
      async () => (await apiRequest(state, 'GET', `/apis/apps/v1/namespaces/${d.namespace}/deployments/${d.name}`)).status === 200,
    );
  }
  return made;
}

/**
 * The seed's Gateway API part (CRDs and the `edge` Gateway, its Deployment rolled out): at start, and to
 * restore it after a test replaced the CRDs (the precheck conformance suite installs older versions).
 */
export async function applySeedGateways(state) {
  const gatewayApi = await applyGatewayApiCrds(state);
  const gateways = await applyGateways(state, SCENARIOS.seed.gateways);
  await waitRollouts(state, gateways);
  return { gatewayApi, gateways };
}

async function seed(state) {
  const def = SCENARIOS.seed;
  const gatewayApi = await applyGatewayApiCrds(state);
  const cps = [];
  for (const cp of def.controlPlanes) cps.push(await installControlPlane(state, cp));
  for (const t of def.tags) await setTag(state, t);
  await createWorkloads(state, def.namespaces);
  const gateways = await applyGateways(state, def.gateways);
  await waitRollouts(state, gateways);
  const pods = await podInventory(state, [...def.namespaces.map((n) => n.name), ISTIO_NS]);
  checkInjected(
    pods.filter((p) => p.namespace !== ISTIO_NS || p.app === 'istio-ingressgateway'),
    { 'ns-a': '1-7-6', 'ns-b': '1-7-6', 'ns-c': '1-8-0', 'test-ns': '1-7-6', [ISTIO_NS]: '1-7-6' },
  );
  return { controlPlanes: cps, tags: def.tags, gatewayApi, gateways, pods: pods.length };
}

// `guide-base` stops before the canary install (tests install it with the real istioctl).
async function guide(state, { canary = true } = {}) {
  const def = SCENARIOS.guide;
  const cps = [];
  cps.push(await installControlPlane(state, def.controlPlanes[0]));
  await createWorkloads(state, def.namespaces);
  if (canary) cps.push(await installControlPlane(state, def.controlPlanes[1]));
  const pods = await podInventory(state, ['test-ns', ISTIO_NS]);
  checkInjected(
    pods.filter((p) => p.namespace !== ISTIO_NS || p.app === 'istio-ingressgateway'),
    { 'test-ns': 'default', [ISTIO_NS]: 'default' },
  );
  return { controlPlanes: cps, pods: pods.length };
}

async function pool(items, concurrency, fn) {
  let i = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (i < items.length) {
      const item = items[i++];
      await fn(item);
    }
  });
  await Promise.all(workers);
}

async function postOk(state, p, body) {
  for (let attempt = 0; ; attempt++) {
    const r = await apiRequest(state, 'POST', p, body);
    if (r.status === 201 || r.status === 409) return;
    if (attempt >= 20) throw new Error(`POST ${p}: ${r.status} ${r.text}`);
    await sleep(200 * (attempt + 1));
  }
}

async function largeScenario(state, large) {
  const def = SCENARIOS.large;
  const prm = largeParams(large);
  const t0 = Date.now();
  const cps = [];
  for (const cp of def.controlPlanes) cps.push(await installControlPlane(state, cp));
  for (const t of def.tags) await setTag(state, t);
  const tControl = Date.now() - t0;

  const names = Array.from({ length: prm.namespaces }, (_, i) => `large-${String(i).padStart(4, '0')}`);
  const t1 = Date.now();
  await pool(names, prm.concurrency, async (ns) => {
    const i = Number(ns.slice(6));
    await postOk(state, '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels: { ...LARGE_LABELS[i % LARGE_LABELS.length], 'istio-revisions/bench': 'large' } },
    });
  });
  // ServiceAccount admission needs the default SA
  await waitFor(
    'default serviceaccounts',
    async () => {
      const r = await apiRequest(state, 'GET', '/api/v1/serviceaccounts?fieldSelector=metadata.name%3Ddefault');
      const have = new Set(r.json.items.map((s) => s.metadata.namespace));
      return names.every((n) => have.has(n));
    },
    120000,
    500,
  );
  await pool(names, prm.concurrency, async (ns) => {
    await postOk(state, `/apis/apps/v1/namespaces/${ns}/deployments`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'workload', namespace: ns, labels: { app: 'workload' } },
      spec: {
        replicas: prm.podsPerNamespace,
        selector: { matchLabels: { app: 'workload' } },
        template: {
          metadata: { labels: { app: 'workload', version: 'v1' } },
          spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: 'docker.io/mccutchen/go-httpbin:v2.15.0' }] },
        },
      },
    });
  });
  const tCreate = Date.now() - t1;
  const want = prm.namespaces * prm.podsPerNamespace;
  let ready = 0;
  let firstThousand;
  await waitFor(
    `${want} pods available`,
    async () => {
      const r = await apiRequest(state, 'GET', '/apis/apps/v1/deployments?labelSelector=app%3Dworkload', undefined, { timeout: 60000 });
      ready = r.json.items.reduce((s, d) => s + (d.status?.availableReplicas || 0), 0);
      if (firstThousand === undefined && ready >= Math.min(1000, want)) firstThousand = Date.now() - t1;
      return ready >= want;
    },
    prm.timeoutMs,
    1000,
  );
  const tPods = Date.now() - t1;
  const res = {
    controlPlanes: cps,
    tags: def.tags,
    namespaces: prm.namespaces,
    podsPerNamespace: prm.podsPerNamespace,
    pods: want,
    ms: { controlPlanes: tControl, createObjects: tCreate, allPodsAvailable: tPods, first1000PodsAvailable: firstThousand },
  };
  log(`large: ${want} pods in ${prm.namespaces} namespaces available after ${tPods} ms (1000 after ${firstThousand} ms)`);
  return res;
}
