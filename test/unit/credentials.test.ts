/**
 * Credential paths are bounded and named: exec plugins that hang, fail, are missing, print garbage
 * or need a terminal; client certificate data that is not PEM. Each gives one line naming the
 * context and the cause, within the request timeout, and no stack trace. The plugins are real
 * processes; no request reaches a server (the address is closed).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClusterClient, describeK8sError, loadKubeconfigs, configForContext } from '../../src/k8s';

const CONTEXT = 'creds';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-revisions-creds-'));
let n = 0;

/** A kubeconfig with one context whose user is `user`, pointing at a closed port. */
function clientFor(user: Record<string, unknown>, timeoutMs = 1500, cluster: Record<string, unknown> = {}): ClusterClient {
  const file = path.join(dir, `kc-${n++}`);
  fs.writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:9', ...cluster } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: CONTEXT, context: { cluster: 'c', user: 'u' } }],
      'current-context': CONTEXT,
    }),
  );
  const cfg = configForContext(loadKubeconfigs([file]), CONTEXT);
  assert.ok(cfg.ok);
  return new ClusterClient(CONTEXT, cfg.config, undefined, timeoutMs);
}

async function firstRequest(c: ClusterClient): Promise<{ message: string; kind: string; ms: number }> {
  const t0 = Date.now();
  const r = await c.request({ path: '/version', verb: 'get', resource: 'version' });
  c.dispose();
  assert.ok(!r.ok, 'the request succeeded against a closed port');
  return { message: describeK8sError(r.error), kind: r.error.kind, ms: Date.now() - t0 };
}

const exec = (command: string, args: string[] = [], extra: Record<string, unknown> = {}) => ({
  exec: { apiVersion: 'client.authentication.k8s.io/v1', command, args, interactiveMode: 'IfAvailable', ...extra },
});

function oneLine(message: string): void {
  assert.ok(!message.includes('\n'), `more than one line: ${message}`);
  assert.doesNotMatch(message, /\bat .*\(.*:\d+:\d+\)|node:internal/, `a stack trace: ${message}`);
  assert.ok(message.includes(`Cluster "${CONTEXT}"`), `the cluster is not named: ${message}`);
}

describe('credentials: every path bounded and named', function () {
  this.timeout(20_000);
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('an exec plugin that never answers: a timeout within the request timeout, the plugin named, a login hint; the plugin is killed', async () => {
    const marker = `istio-revisions-hang-${process.pid}`;
    const r = await firstRequest(clientFor(exec('sh', ['-c', `sleep 60 # ${marker}`]), 1500));
    oneLine(r.message);
    assert.equal(r.kind, 'timeout');
    assert.ok(r.ms < 4000, `took ${r.ms} ms`);
    assert.match(r.message, /credential plugin "sh" of context "creds" gave no answer within 2 s — it may be waiting for a login/);
    await new Promise((res) => setTimeout(res, 1500)); // killed 1 s after the request gave up
    const left = spawnSync('pgrep', ['-f', marker], { encoding: 'utf8' }).stdout.trim();
    assert.equal(left, '', `the plugin still runs: pids ${left}`);
  });

  it('a plugin that waits: said within a second (its command), and said no longer once the request gives up or is cancelled', async () => {
    const c = clientFor(exec('sh', ['-c', 'sleep 30']), 3000);
    const seen: (string | undefined)[] = [];
    c.onDidWaitForCredentials((cmd) => seen.push(cmd));
    const ac = new AbortController();
    const t0 = Date.now();
    const req = c.request({ path: '/version', verb: 'get', resource: 'version', signal: ac.signal });
    await new Promise((res) => setTimeout(res, 900));
    assert.deepEqual(seen, ['sh'], 'waiting said within 0.9 s');
    assert.equal(c.waitingForCredentials, 'sh');
    ac.abort();
    const r = await req;
    c.dispose();
    assert.ok(!r.ok && r.error.kind === 'cancelled', JSON.stringify(r));
    assert.ok(Date.now() - t0 < 2000, 'the cancel took effect at once');
    assert.deepEqual(seen, ['sh', undefined]);
    assert.equal(c.waitingForCredentials, undefined);
  });

  it('a plugin that answers at once is not said to be waited for', async () => {
    const c = clientFor(exec('sh', ['-c', 'exit 3']), 3000);
    const seen: (string | undefined)[] = [];
    c.onDidWaitForCredentials((cmd) => seen.push(cmd));
    await firstRequest(c);
    await new Promise((res) => setTimeout(res, 700));
    assert.deepEqual(seen, []);
  });

  it('an exec plugin that fails: its own first stderr line', async () => {
    const r = await firstRequest(clientFor(exec('sh', ['-c', 'echo "error: the login has expired" >&2; echo more >&2; exit 1'])));
    oneLine(r.message);
    assert.equal(r.kind, 'config');
    assert.match(r.message, /credential plugin "sh" failed: error: the login has expired$/);
  });

  it('an exec plugin that is not installed', async () => {
    const r = await firstRequest(clientFor(exec('/nonexistent/gke-gcloud-auth-plugin')));
    oneLine(r.message);
    assert.match(r.message, /credential plugin "\/nonexistent\/gke-gcloud-auth-plugin" was not found/);
  });

  it('an exec plugin that prints something other than an ExecCredential', async () => {
    const r = await firstRequest(clientFor(exec('sh', ['-c', 'echo "<html>login</html>"'])));
    oneLine(r.message);
    assert.match(r.message, /credential plugin "sh" printed something that is not an ExecCredential/);
  });

  it('interactiveMode: Always without a terminal: refused before running it, as kubectl does', async () => {
    const marker = path.join(dir, 'ran');
    const r = await firstRequest(clientFor(exec('sh', ['-c', `touch ${marker}`], { interactiveMode: 'Always' })));
    oneLine(r.message);
    assert.match(r.message, /needs an interactive terminal \(interactiveMode: Always\)/);
    assert.ok(!fs.existsSync(marker), 'the plugin ran');
  });

  it('a certificate-authority file that does not exist, or is a directory: the field and the path named', async () => {
    const missing = await firstRequest(clientFor({ token: 't' }, 1500, { 'certificate-authority': path.join(dir, 'no-such-ca.crt') }));
    oneLine(missing.message);
    assert.match(missing.message, /the certificate-authority file ".*no-such-ca\.crt" named in the kubeconfig does not exist$/);
    const directory = await firstRequest(clientFor({ token: 't' }, 1500, { 'certificate-authority': dir }));
    oneLine(directory.message);
    assert.match(directory.message, /the certificate-authority file ".*" named in the kubeconfig is a directory, not a file$/);
  });

  it('a client-key file that does not exist: named', async () => {
    const cert = path.join(dir, 'c.crt');
    fs.writeFileSync(cert, 'x');
    const r = await firstRequest(clientFor({ 'client-certificate': cert, 'client-key': path.join(dir, 'gone.key') }));
    oneLine(r.message);
    assert.match(r.message, /the client-key file ".*gone\.key" named in the kubeconfig does not exist$/);
  });

  it('a client certificate and a key that do not belong together: said so', async function () {
    const key = (n: string) => {
      spawnSync('openssl', ['genrsa', '-out', path.join(dir, n), '2048'], { stdio: 'ignore' });
      return path.join(dir, n);
    };
    const k1 = key('k1.pem');
    const k2 = key('k2.pem');
    const crt = path.join(dir, 'k1.crt');
    const r0 = spawnSync('openssl', ['req', '-new', '-x509', '-key', k1, '-subj', '/CN=u', '-days', '1', '-out', crt]);
    assert.equal(r0.status, 0, 'openssl (apt-get install openssl) made no certificate');
    const r = await firstRequest(clientFor({ 'client-certificate': crt, 'client-key': k2 }));
    oneLine(r.message);
    assert.match(r.message, /client certificate and key do not belong together/);
  });

  it('client certificate data that is not PEM: one line naming the cluster, no stack', async () => {
    const r = await firstRequest(
      clientFor({
        'client-certificate-data': Buffer.from('not a certificate').toString('base64'),
        'client-key-data': Buffer.from('nor a key').toString('base64'),
      }),
    );
    oneLine(r.message);
  });
});
