/**
 * Pods read as protobuf (src/k8s/protobuf.ts) against pages captured from a real API server in both
 * encodings (test/fixtures/protobuf/, scripts/capture-protobuf.ts): the decoder must yield exactly
 * what prunePod makes of the JSON. Damaged bodies fail with a ProtobufError, never another error;
 * and the client reads protobuf pages, a JSON answer to the same request, and a protobuf Status.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import {
  type ClusterClient,
  continueFromProtobufHead,
  decodePodList,
  decodeStatus,
  describeK8sError,
  PROTOBUF,
  ProtobufError,
  podListStream,
  prunePod,
  RESOURCES,
} from '../../src/k8s';
import { localClient, prng } from './helpers';

const dir = path.join(__dirname, '../fixtures/protobuf');
const pages = fs
  .readdirSync(dir)
  .filter((f) => /^pods-\d+\.pb$/.test(f))
  .sort()
  .map((f) => ({
    pb: fs.readFileSync(path.join(dir, f)),
    json: JSON.parse(fs.readFileSync(path.join(dir, f.replace('.pb', '.json')), 'utf8')) as {
      metadata: { resourceVersion: string; continue?: string };
      items: unknown[];
    },
  }));

async function serve(handler: http.RequestListener): Promise<{ client: ClusterClient; close: () => void; accepts: string[] }> {
  const accepts: string[] = [];
  const server = http.createServer((req, res) => {
    accepts.push(String(req.headers.accept));
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = localClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'pb');
  return {
    client,
    accepts,
    close: () => {
      client.dispose();
      server.close();
    },
  };
}

describe('pods as protobuf', () => {
  it('the fixtures hold what the decoder must read', () => {
    assert.ok(pages.length >= 2, 'several pages');
    const pods = pages.flatMap((p) => p.json.items) as any[];
    const has = (what: string, f: (p: any) => boolean) => assert.ok(pods.some(f), `a pod with ${what}`);
    has('a deletionTimestamp', (p) => p.metadata.deletionTimestamp);
    has('hostNetwork', (p) => p.spec.hostNetwork);
    has('init containers', (p) => p.spec.initContainers?.length);
    has('a sidecar status annotation', (p) => p.metadata.annotations?.['sidecar.istio.io/status']);
    has('a controller owner', (p) => p.metadata.ownerReferences?.some((o: any) => o.controller));
    has('no owner', (p) => !p.metadata.ownerReferences);
    has('a non-ASCII kept annotation', (p) => /[^ -~]/.test(p.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'] ?? ''));
    has('a large annotation the model drops', (p) => (p.metadata.annotations?.['example.com/big'] ?? '').length > 1000);
    has('managedFields', (p) => p.metadata.managedFields?.length);
  });

  it('each captured page decodes to exactly what prunePod makes of the same page in JSON', () => {
    for (const [i, p] of pages.entries()) {
      const d = decodePodList(p.pb);
      assert.deepStrictEqual(d.items, p.json.items.map(prunePod), `page ${i}`);
      assert.equal(d.resourceVersion, p.json.metadata.resourceVersion);
      assert.equal(d.continue, p.json.metadata.continue ?? '');
    }
  });

  it('a cut or damaged body fails with a ProtobufError, never another error (1,000 cuts, 2,000 damaged bodies, fixed seed)', () => {
    const rand = prng(17);
    const body = pages[0].pb;
    let cuts = 0;
    for (let n = 0; n < 1000; n++) {
      const len = n < 200 ? n : Math.floor(rand() * body.length);
      assert.throws(() => decodePodList(body.subarray(0, len)), ProtobufError, `cut at ${len}`);
      cuts++;
    }
    let decoded = 0;
    let refused = 0;
    for (let n = 0; n < 2000; n++) {
      const b = Buffer.from(pages[n % pages.length].pb);
      for (let k = 1 + Math.floor(rand() * 4); k > 0; k--) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      try {
        decodePodList(b);
        decoded++;
      } catch (e) {
        assert.ok(e instanceof ProtobufError, `damaged body ${n}: ${(e as Error).stack}`);
        refused++;
      }
    }
    assert.equal(cuts, 1000);
    assert.equal(decoded + refused, 2000);
    assert.ok(refused > 0 && decoded > 0, `both outcomes seen (${decoded} decoded, ${refused} refused)`);
  });

  it('a page pushed in pieces of any size (1 byte to 3 KiB) reads the same; the next token is handed on once the metadata is in', () => {
    const rand = prng(5);
    for (const [i, p] of pages.entries()) {
      for (let round = 0; round < 20; round++) {
        const tokens: { token: string; at: number }[] = [];
        let pushed = 0;
        const st = podListStream((token) => tokens.push({ token, at: pushed }));
        const max = round === 0 ? 1 : 1 + Math.floor(rand() * 3072);
        for (let o = 0; o < p.pb.length;) {
          const n = Math.min(p.pb.length - o, 1 + Math.floor(rand() * max));
          pushed += n;
          st.push(p.pb.subarray(o, o + n));
          o += n;
        }
        const d = st.finish();
        assert.deepStrictEqual(d.items, p.json.items.map(prunePod), `page ${i}, round ${round}`);
        const want = p.json.metadata.continue;
        assert.deepEqual(
          tokens.map((t) => t.token),
          want ? [want] : [],
        );
        if (want) assert.ok(tokens[0].at < p.pb.length / 4, `token handed on after ${tokens[0].at} of ${p.pb.length} bytes`);
      }
    }
  });

  it("continueFromProtobufHead: nothing until the head holds the list's metadata, then its token ('' on the last page)", () => {
    const first = pages[0];
    const token = first.json.metadata.continue!;
    assert.ok(token);
    const latin1 = first.pb.toString('latin1');
    // The token, then at most remainingItemCount (a tag and a varint) close the metadata.
    const tokenEnd = latin1.indexOf(Buffer.from(token).toString('latin1')) + token.length;
    let n = 0;
    while (continueFromProtobufHead(latin1.slice(0, n)) === undefined) n++;
    assert.ok(n >= tokenEnd && n <= tokenEnd + 11, `read from a head of ${n} bytes, the token ends at ${tokenEnd}`);
    assert.equal(continueFromProtobufHead(latin1.slice(0, n)), token);
    assert.equal(continueFromProtobufHead(latin1), token);
    const last = pages[pages.length - 1];
    assert.equal(continueFromProtobufHead(last.pb.toString('latin1')), '');
    assert.equal(continueFromProtobufHead('{"kind":"PodList","metadata":{"continue":"x"}'), undefined, 'JSON is not protobuf');
  });

  it('a protobuf Status: its message and reason', () => {
    const st = decodeStatus(fs.readFileSync(path.join(dir, 'status-400.pb')));
    assert.equal(st?.reason, 'BadRequest');
    assert.match(st?.message ?? '', /continue/);
    assert.equal(decodeStatus(Buffer.from('{"kind":"Status"}')), undefined);
  });

  it('the client asks for protobuf, reads the pages (next page from the head) and gets what the JSON path gets', async () => {
    const byToken = new Map<string, Buffer>([['', pages[0].pb]]);
    pages.forEach((p, i) => p.json.metadata.continue && byToken.set(p.json.metadata.continue, pages[i + 1].pb));
    const s = await serve((req, res) => {
      const body = byToken.get(new URL(req.url ?? '/', 'http://x').searchParams.get('continue') ?? '');
      res.writeHead(body ? 200 : 410, { 'content-type': PROTOBUF }).end(body ?? fs.readFileSync(path.join(dir, 'status-400.pb')));
    });
    try {
      const r = await s.client.list(RESOURCES.pods, {}, prunePod, podListStream);
      assert.ok(r.ok, r.ok ? '' : describeK8sError(r.error));
      assert.deepStrictEqual(
        r.value.items,
        pages.flatMap((p) => p.json.items.map(prunePod)),
      );
      assert.equal(r.value.resourceVersion, pages[pages.length - 1].json.metadata.resourceVersion);
      assert.equal(s.accepts.length, pages.length);
      assert.ok(
        s.accepts.every((a) => a.startsWith(PROTOBUF) && a.includes('application/json')),
        s.accepts.join(' | '),
      );
    } finally {
      s.close();
    }
  });

  it('a server that answers JSON to the protobuf request is read as JSON', async () => {
    const s = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...pages[0].json, metadata: {} })));
    try {
      const r = await s.client.list(RESOURCES.pods, {}, prunePod, podListStream);
      assert.ok(r.ok, r.ok ? '' : describeK8sError(r.error));
      assert.deepStrictEqual(r.value.items, pages[0].json.items.map(prunePod));
    } finally {
      s.close();
    }
  });

  it('a protobuf Status error is said in its own words; a cut protobuf page in one line naming the cluster', async () => {
    const status = fs.readFileSync(path.join(dir, 'status-400.pb'));
    const s = await serve((req, res) => {
      if (new URL(req.url ?? '/', 'http://x').searchParams.get('labelSelector') === 'bad') res.writeHead(400, { 'content-type': PROTOBUF }).end(status);
      else res.writeHead(200, { 'content-type': PROTOBUF }).end(pages[1].pb.subarray(0, 5000));
    });
    try {
      const bad = await s.client.list(RESOURCES.pods, { labelSelector: 'bad' }, prunePod, podListStream);
      assert.ok(!bad.ok);
      assert.equal(bad.error.kind, 'invalid');
      assert.match(describeK8sError(bad.error), /continue/);
      assert.equal(bad.error.notApi, undefined);
      const cut = await s.client.list(RESOURCES.pods, {}, prunePod, podListStream);
      assert.ok(!cut.ok);
      const msg = describeK8sError(cut.error);
      assert.match(msg, /pb/);
      assert.match(msg, /protobuf body that could not be read/);
      assert.doesNotMatch(msg, /\n/);
    } finally {
      s.close();
    }
  });
});
