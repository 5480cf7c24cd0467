/**
 * The headless actions and lint, run as users run them (dist/cli.js) against the local cluster:
 * plan-only changes nothing, --dry-run=server validates without persisting, --yes applies,
 * a user who may not patch is refused before any change, usage mistakes are found before
 * connecting; lint's static and cluster rules with text, JSON and SARIF output.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli, kubectl, waitForPermission } from './helpers';

const labels = async (ns: string) => JSON.parse(await kubectl(['get', 'namespace', ns, '-o', 'json'])).metadata.labels ?? {};

describe('CLI actions (move) as pipelines run them', function () {
  this.timeout(180_000);

  it('plan only: prints the requests and the equivalent commands, changes nothing', async () => {
    const before = await labels('test-ns');
    const r = cli(['move', 'test-ns', '--to', 'canary']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /# Move test-ns/);
    assert.match(r.stdout, /PATCH \/api\/v1\/namespaces\/test-ns/);
    assert.match(r.stdout, /kubectl label namespace test-ns/);
    assert.match(r.stdout, /Plan only: nothing was changed/);
    assert.deepEqual(await labels('test-ns'), before);
    const y = cli(['move', 'test-ns', '--to', 'canary', '-o', 'yaml']);
    assert.equal(y.status, 0, y.stderr);
    assert.match(y.stdout, /^apiVersion: istio-revisions\/v1\nkind: ActionResult\nmode: plan/);
  });

  it('--dry-run=server: validated by the API server, nothing persisted', async () => {
    const before = await labels('test-ns');
    const r = cli(['move', 'test-ns', '--to', 'canary', '--dry-run=server', '-o', 'json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.json.mode, 'dry-run');
    assert.equal(r.json.result.dryRun, true);
    assert.deepEqual(await labels('test-ns'), before);
  });

  it('--yes applies (and moves back); the result names what was done', async () => {
    const r = cli(['move', 'test-ns', '--to', 'canary', '--yes']);
    try {
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /Done on istio-revisions-local: Move test-ns/);
      const l = await labels('test-ns');
      assert.equal(l['istio.io/rev'], 'canary');
      assert.equal(l['istio-injection'], undefined);
    } finally {
      const back = cli(['move', 'test-ns', '--enable-default', '--yes']);
      assert.equal(back.status, 0, back.stderr);
    }
    const l = await labels('test-ns');
    assert.equal(l['istio-injection'], 'enabled');
    assert.equal(l['istio.io/rev'], undefined);
  });

  it('refusals before any change: a user who may not patch namespaces (exit 1, the permission named), an unknown target, a missing namespace; usage (64) before connecting', async () => {
    const before = await labels('test-ns');
    // a user who may read everything the model needs, but change nothing
    await kubectl([
      'create',
      'clusterrole',
      'ir-cli-reader',
      '--verb=get,list,watch',
      '--resource=namespaces,pods,services,configmaps,deployments.apps,mutatingwebhookconfigurations.admissionregistration.k8s.io',
    ]);
    await kubectl(['create', 'clusterrolebinding', 'ir-cli-reader', '--clusterrole=ir-cli-reader', '--user=readonly']);
    try {
      await waitForPermission('local-readonly', { verb: 'list', group: '', resource: 'pods' });
      const ro = cli(['move', 'test-ns', '--to', 'canary', '--yes'], { context: 'local-readonly' });
      assert.equal(ro.status, 1, ro.stderr);
      assert.match(ro.stderr, /Cluster "local-readonly": you may not patch namespaces\/test-ns\b.*Nothing was changed/);
    } finally {
      await kubectl(['delete', 'clusterrolebinding,clusterrole', 'ir-cli-reader']);
    }
    const unknown = cli(['move', 'test-ns', '--to', 'no-such-rev', '--yes']);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /"no-such-rev" is neither an installed revision nor a tag/);
    const missing = cli(['move', 'nope-ns', '--to', 'canary', '--yes']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /namespace nope-ns does not exist/);
    const usage = cli(['move', 'test-ns', '--yes'], { context: 'no-such-context' });
    assert.equal(usage.status, 64, 'usage is checked before the (missing) context is even looked at');
    assert.match(usage.stderr, /exactly one of --to/);
    assert.deepEqual(await labels('test-ns'), before);
  });

  it('uninstall of a revision still in use is refused with what uses it; restart of nothing says so', () => {
    const u = cli(['uninstall', '--revision', '1-7-6', '--yes']);
    assert.equal(u.status, 1);
    assert.match(u.stderr, /revision 1-7-6 is still in use; refusing to uninstall/);
    assert.match(u.stderr, /Namespace ns-a/);
    const r = cli(['restart', 'ns-a', '--stale-only', '--yes']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /Nothing to restart in ns-a .*no stale proxies/);
  });
});

describe('CLI lint: the manifest diagnostics headless', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ir-lint-'));
    fs.mkdirSync(path.join(dir, 'k8s'));
    fs.writeFileSync(
      path.join(dir, 'k8s', 'ns.yaml'),
      [
        'apiVersion: v1',
        'kind: Namespace',
        'metadata:',
        '  name: shop',
        '  labels:',
        '    istio.io/rev: no-such-rev',
        '---',
        'apiVersion: v1',
        'kind: Namespace',
        'metadata:',
        '  name: pinned',
        '  labels:',
        '    istio.io/rev: 1-8-0',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(dir, 'k8s', 'both.yml'),
      ['apiVersion: v1', 'kind: Namespace', 'metadata:', '  name: legacy', '  labels:', '    istio-injection: enabled', '    istio.io/rev: canary', ''].join(
        '\n',
      ),
    );
    fs.writeFileSync(path.join(dir, 'clean.yaml'), ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: x', ''].join('\n'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('static rules without a cluster: IR001 at its line, exit 1; the cluster rules only with --context', () => {
    const r = cli(['lint', '.'], { context: null, cwd: dir });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^k8s\/both\.yml:6:5: warning IR001: Namespace legacy has both istio-injection=enabled and istio\.io\/rev=canary/m);
    assert.doesNotMatch(r.stdout, /IR002|IR003/);
    assert.match(r.stdout, /3 file\(s\) checked \(static rules; pass --context for the cluster rules\)/);
    const c = cli(['lint', 'k8s', '-o', 'json'], { cwd: dir });
    assert.equal(c.status, 1, c.stderr);
    const codes = c.json.findings.map((f: any) => `${f.file}:${f.line}:${f.code}`).sort();
    assert.deepEqual(codes, ['k8s/both.yml:6:IR001', 'k8s/ns.yaml:13:IR003', 'k8s/ns.yaml:6:IR002'], JSON.stringify(c.json.findings, null, 1));
    assert.equal(c.json.cluster, 'istio-revisions-local');
    const clean = cli(['lint', 'clean.yaml'], { context: null, cwd: dir });
    assert.equal(clean.status, 0, clean.stdout + clean.stderr);
    const off = cli(['lint', 'k8s', '--disable-rule', 'IR001,IR002,IR003'], { cwd: dir });
    assert.equal(off.status, 0, off.stdout);
  });

  it('SARIF 2.1.0 for code-scanning UIs: rules, levels, relative URIs and regions', () => {
    const r = cli(['lint', 'k8s', '-o', 'sarif'], { cwd: dir });
    assert.equal(r.status, 1, r.stderr);
    const run = r.json.runs[0];
    assert.equal(r.json.version, '2.1.0');
    assert.equal(run.tool.driver.name, 'istio-revisions');
    assert.ok(run.tool.driver.rules.some((x: any) => x.id === 'IR002' && x.shortDescription.text));
    const ir002 = run.results.find((x: any) => x.ruleId === 'IR002');
    assert.equal(run.tool.driver.rules[ir002.ruleIndex].id, 'IR002');
    assert.equal(ir002.level, 'warning');
    assert.deepEqual(ir002.locations[0].physicalLocation.artifactLocation, { uri: 'k8s/ns.yaml', uriBaseId: 'SRCROOT' });
    assert.equal(ir002.locations[0].physicalLocation.region.startLine, 6);
    const missing = cli(['lint', 'nope.yaml'], { context: null, cwd: dir });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /nope\.yaml: no such file or directory/);
  });
});
