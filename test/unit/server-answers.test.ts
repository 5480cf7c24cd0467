/**
 * Every class of server answer that is not a working Kubernetes API server, from a real local socket:
 * the CLI's `status` says so in one line naming the cluster and the cause, exits 2, within its
 * timeout, never echoing a body and never showing a stack. (A real API server's errors — 401, 403,
 * 404 of a kind, TLS verification — are in the integration suite's bad-input cases.)
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../../src/cli/main';

const CONTEXT = 'odd-server';
const SECRET = 'BODY-MARKER-never-echoed';

interface Case {
  name: string;
  /** The server: a request handler, or a raw socket handler. */
  http?: http.RequestListener;
  raw?: (s: net.Socket) => void;
  scheme?: 'http' | 'https';
  /** What the one line must say. */
  says: RegExp;
}

const html = `<html><body><h1>Welcome</h1><p>${SECRET}</p></body></html>`;
const CASES: Case[] = [
  {
    name: 'HTML 200 on every path (a web server)',
    http: (_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end(html),
    says: /not a Kubernetes API server|an HTML page/,
  },
  {
    name: 'JSON 404 on the core paths (another JSON API)',
    http: (_q, r) => r.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'no route', detail: SECRET })),
    says: /not a Kubernetes API server|not found/,
  },
  {
    name: '503 with an HTML page (a load balancer without backends)',
    http: (_q, r) => r.writeHead(503, { 'content-type': 'text/html' }).end(html),
    says: /HTTP 503|unavailable|not a Kubernetes API/,
  },
  {
    name: '500 with a Kubernetes Status',
    http: (_q, r) =>
      r
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'etcdserver: request timed out', code: 500 })),
    says: /etcdserver: request timed out/,
  },
  {
    name: 'truncated JSON (the body cut short, then the connection closed)',
    raw: (s) =>
      s.once('data', () => {
        const body = '{"kind":"Status","apiVersion":"v1","major":"1","mi';
        s.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 400\r\n\r\n${body}`);
      }),
    says: /truncated|closed|incomplete|aborted|not JSON|socket hang up|not a Kubernetes/i,
  },
  {
    name: 'a body that drips slowly past the timeout',
    raw: (s) =>
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
        const t = setInterval(() => (s.writable ? s.write('1\r\n \r\n') : clearInterval(t)), 300);
        s.on('close', () => clearInterval(t));
      }),
    says: /not complete within|timed out/,
  },
  {
    name: 'TLS to a plain-HTTP port',
    scheme: 'https',
    http: (_q, r) => r.writeHead(200).end('{}'),
    says: /plain HTTP|TLS|SSL|wrong version|packet length/i,
  },
  {
    name: 'connection reset in the middle of an answer',
    raw: (s) =>
      s.once('data', () => {
        s.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n{"kind":"NamespaceList","items":[');
        setTimeout(() => s.resetAndDestroy(), 50);
      }),
    says: /reset|closed|socket hang up|aborted|incomplete/i,
  },
  {
    name: 'a redirect (to a login page)',
    http: (_q, r) => r.writeHead(302, { location: 'https://login.example.com/?next=/api' }).end(),
    says: /redirect|HTTP 302|login\.example\.com|not a Kubernetes/i,
  },
  {
    name: 'an empty 200 answer',
    http: (_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end(),
    says: /empty|not a Kubernetes/i,
  },
  {
    name: 'JSON that is not a Kubernetes answer (200, wrong shape)',
    http: (_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ hello: SECRET })),
    says: /not a Kubernetes|unexpected/i,
  },
  {
    name: 'a server that accepts and closes at once',
    raw: (s) => s.destroy(),
    says: /closed|socket hang up|reset/i,
  },
];

describe(`server answers: ${CASES.length} classes of servers that are not a working Kubernetes API server`, function () {
  this.timeout(30_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-revisions-answers-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const c of CASES) {
    it(c.name, async () => {
      const server = c.raw ? net.createServer(c.raw) : http.createServer(c.http);
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as AddressInfo).port;
      const kc = path.join(dir, `${port}.yaml`);
      fs.writeFileSync(
        kc,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'c', cluster: { server: `${c.scheme ?? 'http'}://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
          users: [{ name: 'u', user: { token: 't' } }],
          contexts: [{ name: CONTEXT, context: { cluster: 'c', user: 'u' } }],
          'current-context': CONTEXT,
        }),
      );
      let out = '';
      let err = '';
      const t0 = Date.now();
      try {
        const code = await run(['status', '--timeout', '2'], {
          out: (s) => {
            out += s;
          },
          err: (s) => {
            err += s;
          },
          env: { KUBECONFIG: kc, HOME: dir },
        });
        const ms = Date.now() - t0;
        const lines = err.split('\n').filter(Boolean);
        assert.equal(code, 2, `exit ${code}; out: ${out.slice(0, 200)} err: ${err}`);
        assert.equal(lines.length, 1, `not one line: ${err}`);
        assert.ok(err.includes(CONTEXT), `the cluster is not named: ${err}`);
        assert.match(err, c.says);
        assert.ok(!err.includes(SECRET) && !out.includes(SECRET), `the body was echoed: ${err}`);
        assert.doesNotMatch(err, /\n\s+at |node:internal|TypeError/, `stack or internal error: ${err}`);
        assert.ok(ms < 6000, `took ${ms} ms with --timeout 2`);
        console.log(`      → ${err.trim()} (${ms} ms)`);
      } finally {
        server.close();
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }
    });
  }
});
