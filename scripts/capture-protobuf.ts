/**
 * Captures the protobuf decoder's unit fixtures (test/fixtures/protobuf/) from a local cluster's real API
 * server: pages of a pod list in protobuf and the same pages in JSON, and a Status error in protobuf.
 * The pods cover what the decoder reads: sidecar and gateway pods of the seed scenario, plus pods made
 * here — terminating (a finalizer holds it), host network, init containers, no owner, unicode in a kept annotation,
 * a large annotation the model does not keep.
 *
 *   node test/cluster/cluster.mjs start --scenario seed --dir /tmp/ir-x
 *   npx tsx scripts/capture-protobuf.ts /tmp/ir-x
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';

const dir = process.argv[2];
const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as { apiserverUrl: string; adminToken: string };
const out = path.resolve(__dirname, '../test/fixtures/protobuf');
const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });
const NS = 'pb-fixture';

function call(
  method: string,
  p: string,
  accept: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ status: number; body: Buffer; type: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(
      new URL(p, state.apiserverUrl),
      {
        agent,
        method,
        headers: { Authorization: `Bearer ${state.adminToken}`, Accept: accept, ...(data ? { 'Content-Type': contentType } : {}) },
      },
      (res) => {
        const cs: Buffer[] = [];
        res.on('data', (c: Buffer) => cs.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(cs), type: String(res.headers['content-type']) }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const pod = (name: string, extra: { meta?: object; spec?: object } = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS, ...extra.meta },
  spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }], ...extra.spec },
});

async function main() {
  await call('POST', '/api/v1/namespaces', 'application/json', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const made = [
    pod('terminating', { meta: { finalizers: ['example.com/hold'], labels: { app: 'held' } } }),
    pod('host-network', { spec: { hostNetwork: true } }),
    pod('with-init', {
      meta: {
        labels: { 'app.kubernetes.io/name': 'with-init' },
        annotations: { 'sidecar.istio.io/inject': 'false', 'kubectl.kubernetes.io/restartedAt': 'ünïcødé-✓', 'example.com/big': 'x'.repeat(4000) },
      },
      spec: {
        initContainers: [{ name: 'init', image: 'registry.example/init:2' }],
        containers: [
          { name: 'app', image: 'registry.example/app:1' },
          { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.8.0' },
        ],
      },
    }),
  ];
  for (const p of made) {
    const r = await call('POST', `/api/v1/namespaces/${NS}/pods`, 'application/json', p);
    if (r.status !== 201 && r.status !== 409) throw new Error(`create ${p.metadata.name}: ${r.status} ${r.body}`);
  }
  await call('DELETE', `/api/v1/namespaces/${NS}/pods/terminating`, 'application/json');
  // Pages of 5 across all namespaces, the same in both encodings (taken again until no pod changed in between).
  for (let attempt = 0; ; attempt++) {
    const pages: { pb: Buffer; json: Buffer }[] = [];
    let cont = '';
    do {
      const q = `/api/v1/pods?limit=5${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`;
      const pb = await call('GET', q, 'application/vnd.kubernetes.protobuf');
      const json = await call('GET', q, 'application/json');
      if (!pb.type.startsWith('application/vnd.kubernetes.protobuf')) throw new Error(`no protobuf: ${pb.type}`);
      pages.push({ pb: pb.body, json: json.body });
      cont = (JSON.parse(json.body.toString()) as { metadata: { continue?: string } }).metadata.continue ?? '';
    } while (cont);
    const rvs = (b: Buffer) => (JSON.parse(b.toString()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    if (pages.every((p) => p.pb.includes(Buffer.from(rvs(p.json)))) || attempt > 5) {
      fs.rmSync(out, { recursive: true, force: true });
      fs.mkdirSync(out, { recursive: true });
      pages.forEach((p, i) => {
        fs.writeFileSync(path.join(out, `pods-${i}.pb`), p.pb);
        fs.writeFileSync(path.join(out, `pods-${i}.json`), p.json);
      });
      console.log(`${pages.length} pages`);
      break;
    }
  }
  const bad = await call('GET', '/api/v1/pods?limit=5&continue=not-a-token', 'application/vnd.kubernetes.protobuf');
  fs.writeFileSync(path.join(out, `status-${bad.status}.pb`), bad.body);
  console.log(`status ${bad.status} ${bad.type}`);
  // Let the terminating pod go, and the namespace, so the cluster is left as found.
  await call('PATCH', `/api/v1/namespaces/${NS}/pods/terminating`, 'application/json', { metadata: { finalizers: null } }, 'application/merge-patch+json');
  await call('DELETE', `/api/v1/namespaces/${NS}`, 'application/json');
  agent.destroy();
}

void main();
