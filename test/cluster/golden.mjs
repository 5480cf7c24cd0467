// Regenerates the istioctl golden objects of the unit tests (test/fixtures/golden/*.json) with the
// real istioctl on the `seed` scenario:
//   canonical-1-8-0.json           GET MutatingWebhookConfiguration istio-sidecar-injector-1-8-0 (the tag plan's input)
//   default-validator-before.json  GET ValidatingWebhookConfiguration istiod-default-validator
//   tag-staging.json               istioctl tag generate staging --revision 1-8-0        ([MWC, Service])
//   tag-default.json               istioctl tag generate default --revision 1-8-0 --overwrite ([MWC, VWC, Service])
// The bench-specific parts are replaced consistently in inputs and outputs: every caBundle by one
// constant, the supervisor's URL origin by https://127.0.0.1:15017; managedFields are dropped.
//
//   node test/cluster/golden.mjs [--dir D]    (a running seed cluster in D; else a fresh one is started and stopped)
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { apiRequest, istioctl, readState, startCluster } from './cluster.mjs';

const OUT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../fixtures/golden');
const CA = 'Q0EtQlVORExF';
const ORIGIN = 'https://127.0.0.1:15017';

function normalize(o) {
  if (Array.isArray(o)) return o.map(normalize);
  if (!o || typeof o !== 'object') return typeof o === 'string' ? o.replace(/^https:\/\/127\.0\.0\.1:\d+/, ORIGIN) : o;
  const out = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'managedFields') continue;
    out[k] = k === 'caBundle' && typeof v === 'string' && v ? CA : normalize(v);
  }
  return out;
}

async function get(state, p) {
  const r = await apiRequest(state, 'GET', p);
  if (r.status !== 200) throw new Error(`GET ${p}: HTTP ${r.status} ${r.text}`);
  return r.json;
}

const dirArg = process.argv.includes('--dir') ? path.resolve(process.argv[process.argv.indexOf('--dir') + 1]) : undefined;
const cluster = dirArg ? undefined : await startCluster({ scenario: 'seed', quiet: true });
const state = cluster ?? readState(dirArg);
try {
  const generate = (args) =>
    YAML.parseAllDocuments(istioctl(state, ['tag', 'generate', ...args]))
      .map((d) => d.toJS())
      .filter(Boolean);
  const files = {
    'canonical-1-8-0.json': await get(state, '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/istio-sidecar-injector-1-8-0'),
    'default-validator-before.json': await get(state, '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/istiod-default-validator'),
    'tag-staging.json': generate(['staging', '--revision', '1-8-0']),
    'tag-default.json': generate(['default', '--revision', '1-8-0', '--overwrite']),
  };
  fs.mkdirSync(OUT, { recursive: true });
  for (const [name, obj] of Object.entries(files)) {
    fs.writeFileSync(path.join(OUT, name), `${JSON.stringify(normalize(obj), null, 2)}\n`);
    console.log(`[golden] ${path.relative(process.cwd(), path.join(OUT, name))}`);
  }
} finally {
  await cluster?.stop();
}
