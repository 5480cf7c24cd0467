// The floor of a model build: exactly the lists the model reads (the watcher's sources, same page size,
// all kinds concurrently, pages in sequence), bytes received and nothing parsed — each page's `continue`
// token is read from its head, where `metadata` precedes `items`. Run as its own process by the bench, so
// it is timed the way the CLI's `status -o json` is (process start included).
//
//   node scripts/bench-floor.mjs <apiserver-url> <token> [istio-namespace] [page-size]
// Prints {"bytes":N,"pages":N,"ms":N} (also to $TMPDIR/istio-revisions-bench-floor.json).
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

const [server, token, istioNs = 'istio-system', limitArg = '500'] = process.argv.slice(2);
const limit = Number(limitArg);
// The watcher's sources (src/k8s/watcher.ts sourcesFor), in its order; optional kinds answer 404 on a bench without them.
const LISTS = [
  '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
  '/apis/apps/v1/deployments?labelSelector=app%3Distiod',
  `/api/v1/namespaces/${istioNs}/services`,
  `/api/v1/namespaces/${istioNs}/configmaps`,
  '/api/v1/namespaces',
  '/api/v1/pods',
  '/apis/apps/v1/daemonsets',
  '/apis/sailoperator.io/v1/istios',
  '/apis/sailoperator.io/v1/istiorevisions',
  '/apis/sailoperator.io/v1/istiorevisiontags',
];
const agent = new https.Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false });

function page(p, cont) {
  const u = new URL(p, server);
  u.searchParams.set('limit', String(limit));
  if (cont) u.searchParams.set('continue', cont);
  return new Promise((resolve, reject) => {
    const req = https.get(u, { agent, headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } }, (res) => {
      let bytes = 0;
      let head = '';
      res.on('data', (c) => {
        bytes += c.length;
        if (head.length < 4096) head += c.toString('latin1', 0, Math.min(c.length, 4096));
      });
      res.on('end', () =>
        resolve({ bytes, next: res.statusCode === 200 ? /"continue":"([^"]+)"/.exec(head.slice(0, head.indexOf('"items"') >>> 0))?.[1] : undefined }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

const t0 = performance.now();
let bytes = 0;
let pages = 0;
await Promise.all(
  LISTS.map(async (p) => {
    let cont;
    do {
      const r = await page(p, cont);
      bytes += r.bytes;
      pages++;
      cont = r.next;
    } while (cont);
  }),
);
const out = JSON.stringify({ bytes, pages, ms: Math.round(performance.now() - t0) });
process.stdout.write(`${out}\n`);
fs.writeFileSync(path.join(os.tmpdir(), 'istio-revisions-bench-floor.json'), out); // read by the bench (its timer discards stdout)
agent.destroy();
