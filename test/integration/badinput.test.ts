/**
 * Bad input gets a clear error that names the cluster, the object and the cause,
 * and nothing half-done. Each case asserts the exact user-facing outcome. Cases that
 * need a cluster use the real local one (seed); the "slow server" is a real socket
 * that accepts and never answers.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkRevisionName, planRelabel, planTagRemove, planTagSet, planUninstall } from '../../src/istio';
import { describeRestartReport, fetchTagInputs, fetchUninstallObjects, runPlan, runRestarts, type ClusterWatcher } from '../../src/k8s';
import { run } from '../../src/cli/main';
import { lintText } from '../../src/istio/lint';
import { parsePageMessage } from '../../src/webview/protocol';
import { istioctlClientVersion, runTool } from '../../src/tools/process';
import { clusterState, CONTEXT, kubectl, startWatcher, waitFor, disposeWatcher } from './helpers';

const cases: string[] = [];
function bad(name: string, fn: () => Promise<void> | void): void {
  cases.push(name);
  it(name, fn);
}

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(args, {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
    },
    env,
  });
  return { code, out, err };
}

describe('bad input: clear errors, nothing half-done', function () {
  this.timeout(60_000);
  let tmp: string;
  let good: string;
  let w: ClusterWatcher;
  let st: ReturnType<typeof clusterState>;
  const kc = (name: string, text: string) => {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, text);
    return p;
  };
  /** The local cluster's kubeconfig with one change to the server, token or CA. */
  const variant = (name: string, edit: (text: string) => string) => kc(name, edit(fs.readFileSync(good, 'utf8')));

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'badinput-'));
    st = clusterState();
    good = st.kubeconfig;
    w = await startWatcher();
  });
  after(() => {
    disposeWatcher(w);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  after(() => console.log(`      (${cases.length} bad-input cases in this file)`));

  // ---- kubeconfig -------------------------------------------------------------------------
  bad('missing kubeconfig', async () => {
    const p = path.join(tmp, 'nope');
    const r = await cli(['status'], { KUBECONFIG: p });
    assert.equal(r.code, 2);
    assert.equal(r.err, `istio-revisions: no usable kubeconfig: kubeconfig ${p} does not exist\n`);
  });
  bad('empty kubeconfig', async () => {
    const p = kc('empty', '\n\n');
    const r = await cli(['status'], { KUBECONFIG: p });
    assert.equal(r.err, `istio-revisions: no usable kubeconfig: kubeconfig ${p} is empty\n`);
  });
  bad('malformed kubeconfig', async () => {
    const p = kc('malformed', 'apiVersion: v1\nclusters: [ {name: x\n');
    const r = await cli(['status'], { KUBECONFIG: p });
    assert.equal(r.code, 2);
    assert.match(r.err, new RegExp(`^istio-revisions: no usable kubeconfig: kubeconfig ${p} is not a valid kubeconfig: `));
  });
  bad('unreadable kubeconfig (a directory)', async () => {
    const r = await cli(['status'], { KUBECONFIG: tmp });
    assert.equal(r.err, `istio-revisions: no usable kubeconfig: kubeconfig ${tmp} is a directory\n`);
  });
  bad('a YAML file that is not a kubeconfig', async () => {
    const p = kc('deploy.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n');
    const r = await cli(['status'], { KUBECONFIG: p });
    assert.equal(r.code, 2);
    assert.equal(r.err, 'istio-revisions: the kubeconfig has no current context; pass --context\n');
  });
  bad('a context naming a missing cluster', async () => {
    const p = variant('ghost-cluster', (t) => t + '\n');
    const text = fs.readFileSync(p, 'utf8').replace(/contexts:\n/, 'contexts:\n- name: ghost\n  context:\n    cluster: nowhere\n    user: admin\n');
    fs.writeFileSync(p, text);
    const r = await cli(['status', '--context', 'ghost'], { KUBECONFIG: p });
    assert.equal(r.err, 'istio-revisions: context "ghost" names cluster "nowhere", which no kubeconfig file defines\n');
  });
  bad('a context naming a missing user', async () => {
    const p = variant('ghost-user', (t) =>
      t.replace(/contexts:\n/, 'contexts:\n- name: nouser\n  context:\n    cluster: istio-revisions-local\n    user: nobody\n'),
    );
    const r = await cli(['status', '--context', 'nouser'], { KUBECONFIG: p });
    assert.equal(r.err, 'istio-revisions: context "nouser" names user "nobody", which no kubeconfig file defines\n');
  });
  bad('a context that is not in the kubeconfig', async () => {
    const r = await cli(['status', '--context', 'prod-eu'], { KUBECONFIG: good });
    assert.equal(r.err, `istio-revisions: context "prod-eu" is not in the kubeconfig (${good})\n`);
  });

  // ---- credentials and reachability ------------------------------------------------------
  bad('invalid token (401) names the cluster and says the credentials were rejected', async () => {
    const p = variant('badtoken', (t) => t.replace(/token: "?[^"\n]+"?/, 'token: "not-a-valid-token"'));
    const r = await cli(['status', '--context', CONTEXT], { KUBECONFIG: p });
    assert.equal(r.code, 2);
    assert.match(
      r.err,
      /^istio-revisions: Cluster "istio-revisions-local": cannot list [a-z]+: unauthorized \(credentials rejected or expired\) — Unauthorized\n$/,
    );
  });
  bad('unreachable server (connection refused) names the cluster and the address', async () => {
    const p = variant('refused', (t) => t.replace(/server: \S+/, 'server: https://127.0.0.1:1'));
    const r = await cli(['status', '--context', CONTEXT], { KUBECONFIG: p });
    assert.equal(r.code, 2);
    assert.match(
      r.err,
      /^istio-revisions: Cluster "istio-revisions-local": cannot list [a-z]+: cluster unreachable — connection refused by https:\/\/127\.0\.0\.1:1\n$/,
    );
  });
  bad('slow server: timeout with the cluster named', async () => {
    const sockets: net.Socket[] = [];
    const srv = net.createServer((s) => {
      sockets.push(s);
    }); // accepts, never answers
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      const p = variant('slow', (t) => t.replace(/server: \S+/, `server: https://127.0.0.1:${port}`));
      const t0 = Date.now();
      const r = await cli(['status', '--context', CONTEXT, '--timeout', '1'], { KUBECONFIG: p });
      assert.equal(r.code, 2);
      assert.match(
        r.err,
        new RegExp(
          `^istio-revisions: Cluster "istio-revisions-local": cannot list [a-z]+: timed out — no response from https://127\\.0\\.0\\.1:${port} within 1 s\\n$`,
        ),
      );
      assert.ok(Date.now() - t0 < 10_000);
    } finally {
      for (const s of sockets) s.destroy();
      srv.close();
    }
  });
  bad('a web server that is not a Kubernetes API server (HTML 404 pages): named as such, exit 2, the page never echoed', async () => {
    const pki = path.join(clusterState().dir, 'pki');
    const srv = https.createServer({ cert: fs.readFileSync(path.join(pki, 'istiod.crt')), key: fs.readFileSync(path.join(pki, 'istiod.key')) }, (_req, res) => {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<html><body><h1>404 Not Found</h1><hr>nginx</body></html>');
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      const p = variant('notk8s', (t) => t.replace(/server: \S+/, `server: https://127.0.0.1:${port}`));
      for (const cmd of ['status', 'check']) {
        const r = await cli([cmd, '--context', CONTEXT], { KUBECONFIG: p });
        assert.equal(r.code, 2, r.err);
        assert.equal(
          r.err,
          `istio-revisions: Cluster "istio-revisions-local": https://127.0.0.1:${port} is not a Kubernetes API server (GET /version: HTTP 404 with an HTML page, not a Kubernetes API response); check the server URL of this context in the kubeconfig.\n`,
        );
        assert.doesNotMatch(r.err + r.out, /<html|nginx/);
      }
    } finally {
      srv.close();
    }
  });
  bad('wrong CA: TLS verification failure is named', async () => {
    const other = fs.readFileSync(good, 'utf8').match(/certificate-authority-data: (\S+)/);
    assert.ok(other);
    // a CA that did not sign the server certificate: the client certificate's own data is a certificate, but not a CA of the server
    const cert = fs.readFileSync(good, 'utf8').match(/client-certificate-data: (\S+)/);
    assert.ok(cert, 'the local kubeconfig has a client-certificate user');
    const p = variant('wrongca', (t) => t.replace(/certificate-authority-data: \S+/, `certificate-authority-data: ${cert![1]}`));
    const r = await cli(['status', '--context', CONTEXT], { KUBECONFIG: p });
    assert.equal(r.code, 2);
    assert.match(r.err, /Cluster "istio-revisions-local": cannot list [a-z]+: cluster unreachable — TLS verification of https:\/\/127\.0\.0\.1:\d+ failed/);
  });
  bad('a cluster entry without a server URL', async () => {
    const p = variant('noserver', (t) => t.replace(/\n\s+server: \S+/, ''));
    const r = await cli(['status', '--context', CONTEXT], { KUBECONFIG: p });
    assert.equal(r.code, 2);
    assert.equal(r.err, `istio-revisions: no usable kubeconfig: kubeconfig ${p} is not a valid kubeconfig: clusters[0].cluster.server is missing\n`);
  });

  // ---- names --------------------------------------------------------------------------------
  for (const [what, name, msg] of [
    ['tag', 'Prod', '"Prod" is not a valid tag name: upper-case letters are not allowed.'],
    ['tag', '1.8.0', '"1.8.0" is not a valid tag name: dots are not allowed (write 1-8-0, not 1.8.0).'],
    ['tag', 'x'.repeat(64), `The tag name "${'x'.repeat(64)}" is 64 characters; at most 63 are allowed.`],
    ['tag', '', 'The tag name is empty.'],
    ['revision', 'Canary', '"Canary" is not a valid revision name: upper-case letters are not allowed.'],
    ['revision', '1.28.0', '"1.28.0" is not a valid revision name: dots are not allowed (write 1-8-0, not 1.8.0).'],
    ['revision', 'r'.repeat(70), `The revision name "${'r'.repeat(70)}" is 70 characters; at most 63 are allowed.`],
    ['revision', '', 'The revision name is empty.'],
  ] as const) {
    bad(`invalid ${what} name ${JSON.stringify(name.length > 10 ? name.slice(0, 6) + '…' : name)}`, () => {
      const c = checkRevisionName(name, what);
      assert.equal(c.ok, false);
      assert.equal(!c.ok && c.message, msg);
    });
  }
  bad('tag set with an invalid name is refused by the plan too (nothing sent)', async () => {
    const i = await fetchTagInputs(w.client, 'istio-system');
    assert.ok(i.ok);
    const r = planTagSet({ cluster: CONTEXT, tag: 'Prod', revision: '1-8-0', overwrite: false, istioNamespace: 'istio-system', ...i.value });
    assert.deepEqual(r, { ok: false, message: '"Prod" is not a valid tag name: upper-case letters are not allowed. Try "prod".' });
  });

  // ---- tags, revisions, namespaces that are not what the user thinks ------------------------
  bad('a tag that already exists (without overwrite)', async () => {
    const i = await fetchTagInputs(w.client, 'istio-system');
    assert.ok(i.ok);
    const r = planTagSet({ cluster: CONTEXT, tag: 'prod', revision: '1-8-0', overwrite: false, istioNamespace: 'istio-system', ...i.value });
    assert.deepEqual(r, { ok: false, message: 'revision tag "prod" already exists, and --overwrite is false' });
  });
  bad('a tag pointed at a revision that does not exist', async () => {
    const i = await fetchTagInputs(w.client, 'istio-system');
    assert.ok(i.ok);
    const r = planTagSet({ cluster: CONTEXT, tag: 'next', revision: '1-9-9', overwrite: false, istioNamespace: 'istio-system', ...i.value });
    assert.deepEqual(r, { ok: false, message: 'cannot modify tag: cannot find MutatingWebhookConfiguration or Service with revision "1-9-9"' });
  });
  bad('removing a tag that does not exist', async () => {
    const i = await fetchTagInputs(w.client, 'istio-system');
    assert.ok(i.ok);
    const r = planTagRemove({ cluster: CONTEXT, tag: 'nightly', namespacesUsingTag: [], ...i.value });
    assert.deepEqual(r, { ok: false, message: 'cannot remove tag "nightly": cannot find MutatingWebhookConfiguration or Service for tag' });
  });
  bad('moving a namespace to a revision that does not exist', () => {
    const r = planRelabel(w.snapshot, CONTEXT, ['ns-a'], { kind: 'rev', value: '1-9-9' });
    assert.deepEqual(r, {
      ok: false,
      message: 'Cluster "istio-revisions-local": "1-9-9" is neither an installed revision nor a tag; pods in the namespace would not be injected.',
    });
  });
  bad('uninstalling a revision that does not exist deletes nothing', async () => {
    const objs = await fetchUninstallObjects(w.client, '1-9-9');
    assert.ok(objs.ok);
    const plan = planUninstall({ cluster: CONTEXT, revision: '1-9-9', objects: objs.value });
    assert.deepEqual(plan.requests, []);
    assert.deepEqual(plan.warnings, ['No resources will be pruned from the cluster. Please double check the input configs']);
  });
  bad('a namespace deleted between listing and acting: named, nothing else changed', async () => {
    await kubectl(['create', 'namespace', 'doomed']);
    await waitFor('doomed listed', () => w.snapshot.namespace('doomed'));
    const built = planRelabel(w.snapshot, CONTEXT, ['doomed', 'ns-b'], { kind: 'rev', value: 'canary' });
    assert.ok(built.ok);
    await kubectl(['delete', 'namespace', 'doomed', '--wait=true']);
    const res = await runPlan(w.client, built.plan);
    assert.equal(res.ok, false);
    assert.deepEqual(res.done, []);
    assert.equal(res.failed?.message, 'Cluster "istio-revisions-local": cannot patch namespaces/doomed: not found — namespaces "doomed" not found');
    assert.equal(
      JSON.parse(await kubectl(['get', 'ns', 'ns-b', '-o', 'json'])).metadata.labels['istio.io/rev'],
      'prod',
      'the second namespace was not touched',
    );
  });
  bad('a workload deleted between listing and restarting is reported by name', async () => {
    const rep = await runRestarts(w.client, [{ kind: 'Deployment', namespace: 'ns-a', name: 'gone' }], { batchSize: 1, skipPermissionCheck: true });
    assert.equal(rep.failed?.reason, 'Deployment ns-a/gone no longer exists');
    assert.equal(describeRestartReport(rep), '0 restarted; failed: ns-a/gone — Deployment ns-a/gone no longer exists.');
  });

  // ---- istioctl -------------------------------------------------------------------------------
  const script = (name: string, body: string, mode = 0o755) => {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, `#!/bin/sh\n${body}\n`);
    fs.chmodSync(p, mode);
    return p;
  };
  bad('istioctl missing', async () => {
    assert.deepEqual(await istioctlClientVersion(path.join(tmp, 'istioctl-nope')), { ok: false, message: `${path.join(tmp, 'istioctl-nope')}: not found` });
  });
  bad('istioctl not executable', async () => {
    const p = script('istioctl-noexec', 'exit 0', 0o644);
    assert.deepEqual(await istioctlClientVersion(p), { ok: false, message: `${p}: not executable (permission denied)` });
  });
  bad('istioctl exiting non-zero: its stderr is shown', async () => {
    const p = script('istioctl-fail', 'echo "Error: failed to apply manifests: context deadline exceeded" >&2; exit 2');
    const r = await runTool(p, ['install', '--set', 'revision=x', '-y']);
    assert.equal(!r.ok && r.message, `${p} install exited with 2: Error: failed to apply manifests: context deadline exceeded`);
  });
  bad('istioctl printing garbage', async () => {
    const p = script('istioctl-garbage', 'printf "\\033[31mpanic: runtime error\\033[0m\\n"');
    const v = await istioctlClientVersion(p);
    assert.equal(v.ok, false);
    assert.match(!v.ok ? v.message : '', /printed something that is not istioctl's version JSON/);
  });

  // ---- workspace files ---------------------------------------------------------------------
  bad('malformed YAML: a syntax diagnostic, and the valid documents are still checked', () => {
    const text =
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    istio-injection: enabled\n    istio.io/rev: canary\n---\nkind: Namespace\nmetadata: {name: b, labels: {istio.io/rev: [unclosed\n';
    const f = lintText(text, {}, []);
    assert.equal(f[0].code, 'IR001', 'the valid first document is still checked');
    assert.ok(f.length >= 2 && f.slice(1).every((x) => x.code === 'IR000'), JSON.stringify(f.map((x) => x.code)));
    assert.match(f[1].message, /^YAML syntax error: .+ This document is not checked by Istio Revisions\.$/);
    assert.ok(f[1].range[0] > text.indexOf('---'), 'the syntax error points into the second document');
  });
  bad('a non-YAML file (binary garbage) does not break linting', () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)).toString('latin1');
    assert.doesNotThrow(() => lintText(garbage, {}, []));
    assert.deepEqual(
      lintText('{"kind": "Namespace", "metadata": {"name": "x", "labels": {"istio-injection": "maybe"}}}', {}, []).map((x) => x.code),
      ['IR007'],
    );
  });
  bad('a huge manifest (6 MB) is skipped with a message saying so', () => {
    const doc = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: "' + 'x'.repeat(6_000_000) + '"\n';
    const t0 = Date.now();
    const f = lintText(doc, {}, []);
    assert.ok(Date.now() - t0 < 2000);
    assert.deepEqual(
      f.map((x) => [x.code, x.severity, x.message]),
      [['IR000', 'info', 'This file is 6.0 MB; Istio Revisions checks files up to 5 MB and skipped it.']],
    );
  });
  bad('an empty manifest has no findings', () => {
    assert.deepEqual(lintText('', {}, []), []);
    assert.deepEqual(lintText('---\n---\n', {}, []), []);
  });

  // ---- webview messages ----------------------------------------------------------------------
  bad('a malformed webview message is rejected', () => {
    assert.deepEqual(parsePageMessage('hello'), { ok: false, error: 'message must be an object' });
    assert.deepEqual(parsePageMessage({ type: 'reveal', namespace: 5 }), { ok: false, error: 'reveal: namespace is not a namespace name' });
  });
  bad('an oversized webview message is rejected', () => {
    assert.deepEqual(parsePageMessage({ type: 'setFilters', filters: { search: 'x'.repeat(70_000) } }), {
      ok: false,
      error: 'message larger than 65536 bytes',
    });
  });
  bad('an unknown webview message type is rejected', () => {
    assert.deepEqual(parsePageMessage({ type: 'runShell', command: 'rm -rf /' }), { ok: false, error: 'unknown message type "runShell"' });
  });

  // ---- pods with broken annotations -------------------------------------------------------
  bad('a pod with malformed sidecar.istio.io/status JSON: reported, the model keeps working', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'broken-status', namespace: 'default', annotations: { 'sidecar.istio.io/status': '{"revision": "1-7-6",' } },
      spec: { containers: [{ name: 'app', image: 'busybox' }] },
    };
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify(pod) });
    try {
      const p = await waitFor('broken pod seen', () => w.snapshot.proxies('default').find((x) => x.name === 'broken-status'));
      // In a namespace no webhook selects, istiod never sees the pod: the broken annotation stays the only signal.
      assert.equal(p.statusError, 'annotation sidecar.istio.io/status is not valid JSON');
      assert.equal(p.injected, true);
      const r = await cli(['status', '-o', 'json', '--context', CONTEXT], { KUBECONFIG: good });
      assert.equal(r.code, 0, r.err);
      assert.ok(JSON.parse(r.out).namespaces.some((n: { name: string }) => n.name === 'default'));
    } finally {
      await kubectl(['delete', 'pod', 'broken-status', '-n', 'default', '--wait=false']);
    }
  });
});
