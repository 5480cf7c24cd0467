/**
 * Paginated lists overlap with the transfer: the next page is asked for as soon as the current
 * page's head (its metadata, written before its items) names it. Checked against a local HTTP
 * server that holds each page's items back until the next page has been asked for.
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeK8sError, continueFromHead, RESOURCES } from '../../src/k8s';
import { localClient } from './helpers';

const CONTEXT = 'pages';

describe('paginated lists', () => {
  it('continueFromHead reads the token from a list head, and nothing from anything else', () => {
    assert.equal(
      continueFromHead('{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"42","continue":"eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDJ9"},'),
      'eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6NDJ9',
    );
    assert.equal(continueFromHead('{"kind":"PodList","metadata":{"resourceVersion":"42"},'), undefined);
    assert.equal(continueFromHead('{"kind":"PodList","metadata":{"continue":""},'), undefined);
    // escaped characters are decoded as JSON
    assert.equal(continueFromHead('{"metadata":{"continue":"a\\u003db"},'), 'a=b');
    // a continue that is not the list's (inside an item) is not taken
    assert.equal(continueFromHead('{"kind":"X","spec":{"continue":"no"},'), undefined);
  });

  it("asks for the next page while the current one's items are still on the way; items come back in order", async function () {
    this.timeout(10_000);
    const events: string[] = [];
    const waiting = new Map<number, () => void>();
    const server = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const page = Number(u.searchParams.get('continue') ?? '0');
      events.push(`request ${page}`);
      waiting.get(page - 1)?.(); // the previous page's items may now follow
      res.writeHead(200, { 'content-type': 'application/json' });
      const next = page < 2 ? `,"continue":"${page + 1}"` : '';
      res.write(`{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7"${next}},`);
      const rest = () => {
        events.push(`items ${page}`);
        res.end(`"items":[{"metadata":{"name":"p${page}a"}},{"metadata":{"name":"p${page}b"}}]}`);
      };
      // pages 0 and 1 hold their items until the next page is asked for (at most 2 s)
      if (page < 2) {
        const t = setTimeout(rest, 2000);
        waiting.set(page, () => {
          clearTimeout(t);
          rest();
        });
      } else rest();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const c = localClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, CONTEXT);
    try {
      const t0 = Date.now();
      const r = await c.list(RESOURCES.pods, {}, (x: { metadata: { name: string } }) => x.metadata.name);
      assert.ok(r.ok, r.ok ? '' : describeK8sError(r.error));
      assert.deepEqual(r.value.items, ['p0a', 'p0b', 'p1a', 'p1b', 'p2a', 'p2b']);
      assert.equal(r.value.resourceVersion, '7');
      assert.deepEqual(events, ['request 0', 'request 1', 'items 0', 'request 2', 'items 1', 'items 2']);
      assert.ok(Date.now() - t0 < 1500, `the held items were released by the next request, not by the 2 s fallback (${Date.now() - t0} ms)`);
    } finally {
      c.dispose();
      server.close();
    }
  });

  it('asks for no further page once a page has failed', async () => {
    const asked: number[] = [];
    const server = http.createServer((req, res) => {
      const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('continue') ?? '0');
      asked.push(page);
      if (page === 1) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', message: 'etcdserver: request timed out', code: 500 }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`{"kind":"PodList","metadata":{"continue":"${page + 1}"},`);
      setTimeout(() => res.end(`"items":[{"metadata":{"name":"p${page}"}}]}`), 100);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const c = localClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, CONTEXT);
    try {
      const r = await c.list(RESOURCES.pods, {}, (x: { metadata: { name: string } }) => x.metadata.name);
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : describeK8sError(r.error), /etcdserver: request timed out/);
      await new Promise((res) => setTimeout(res, 300));
      assert.deepEqual(asked, [0, 1]);
    } finally {
      c.dispose();
      server.close();
    }
  });
});
