/**
 * Sail operator installs, on the `sail` scenario (own cluster): the operator's CRDs and resources
 * with their statuses, each revision's objects rendered by helm as the operator renders them and
 * owned by its IstioRevision, a real istiod per revision. The operator itself is not served by the
 * Go module proxy, so where it would react (InUse turning False) the test writes its status as the
 * operator does. Checked: what is shown (revisions, tags, in-use, grace period, countdown), that
 * every action is a change to a Sail resource the API server validates with the operator's CRD
 * schema, and that no plan edits an object the operator owns.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { guideState } from '../../src/istio';
import { recordConformance, withModelOf } from './helpers';

const CONTEXT = 'istio-revisions-local';

describe('Sail operator installs (own cluster, scenario sail)', function () {
  this.timeout(600_000);
  let c: { dir: string; kubeconfig: string; state: any; stop(): Promise<void> };
  let m: typeof import('../cluster/cluster.mjs');
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [path.resolve(__dirname, '../../dist/cli.js'), ...args, '--kubeconfig', c.kubeconfig, '--context', CONTEXT], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const sailGet = async (plural: string, name: string) => await m.apiRequest(c.state, 'GET', `/apis/sailoperator.io/v1/${plural}/${name}`);
  /** Every request of every plan printed by these commands goes to a Sail resource (or a namespace's labels). */
  const requestsOf = (args: string[]) => {
    const r = cli([...args, '-o', 'json']);
    const doc = JSON.parse(r.stdout);
    return { status: r.status, doc, requests: (doc.plan?.requests ?? []) as { method: string; path: string }[], stderr: r.stderr };
  };

  before(async () => {
    m = await import('../cluster/cluster.mjs');
    const started = await m.startCluster({ scenario: 'sail', quiet: !process.env.ISTIO_REVISIONS_VERBOSE });
    c = { dir: started.dir, kubeconfig: started.kubeconfig, state: m.readState(started.dir), stop: () => started.stop() };
  });
  after(async () => {
    await c?.stop();
  });

  it('shows the revisions, the tag, in-use and the grace period as the operator reports them', () => {
    const r = cli(['status', '-o', 'json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '', 'no warning for the Sail kinds');
    const rep = JSON.parse(r.stdout);
    const by = Object.fromEntries(rep.revisions.map((x: any) => [x.name, x.installedBy]));
    assert.equal(by['default-v1-30-1'].method, 'sail');
    assert.deepEqual(by['default-v1-30-1'].owner, { kind: 'IstioRevision', name: 'default-v1-30-1' });
    assert.deepEqual(by['default-v1-30-1'].sail, {
      istio: 'default',
      updateStrategy: 'RevisionBased',
      active: false,
      inUse: true,
      inUseReason: 'ReferencedByWorkloads',
      gracePeriodSeconds: 30,
      deletionAt: null,
    });
    assert.equal(by['default-v1-30-3'].sail.active, true);
    const tag = rep.tags.find((t: any) => t.name === 'default');
    assert.equal(tag.revision, 'default-v1-30-3');
    assert.deepEqual(tag.installedBy.sail, { targetRef: { kind: 'Istio', name: 'default' }, revision: 'default-v1-30-3', inUse: true });
    // the model's resolution, judged by the real istiod: sail-b follows the default tag to default-v1-30-3
    assert.equal(rep.namespaces.find((n: any) => n.name === 'sail-b').resolvesTo, 'default-v1-30-3');
  });

  it("tags are IstioRevisionTag changes, validated by the API server with the operator's CRD; nothing the operator owns is planned", async () => {
    const set = requestsOf(['tag', 'set', 'prod', '--revision', 'default-v1-30-3']);
    assert.equal(set.status, 0, set.stderr);
    assert.deepEqual(
      set.requests.map((r) => `${r.method} ${r.path}`),
      ['POST /apis/sailoperator.io/v1/istiorevisiontags'],
    );
    const dry = cli(['tag', 'set', 'prod', '--revision', 'default-v1-30-3', '--dry-run=server']);
    assert.equal(dry.status, 0, dry.stderr);
    assert.equal((await sailGet('istiorevisiontags', 'prod')).status, 404, 'a dry run persists nothing');
    const yes = cli(['tag', 'set', 'prod', '--revision', 'default-v1-30-3', '--yes']);
    assert.equal(yes.status, 0, yes.stderr);
    assert.deepEqual((await sailGet('istiorevisiontags', 'prod')).json.spec.targetRef, { kind: 'IstioRevision', name: 'default-v1-30-3' });
    const move = requestsOf(['tag', 'set', 'default', '--revision', 'default-v1-30-1', '--overwrite']);
    assert.deepEqual(
      move.requests.map((r) => `${r.method} ${r.path}`),
      ['PATCH /apis/sailoperator.io/v1/istiorevisiontags/default'],
    );
    const rm = requestsOf(['tag', 'remove', 'prod']);
    assert.deepEqual(
      rm.requests.map((r) => `${r.method} ${r.path}`),
      ['DELETE /apis/sailoperator.io/v1/istiorevisiontags/prod'],
    );
    assert.equal(cli(['tag', 'remove', 'prod', '--yes']).status, 0);
    assert.equal((await sailGet('istiorevisiontags', 'prod')).status, 404);
    // a tag of the operator cannot point at something that is not an IstioRevision
    const bad = cli(['tag', 'set', 'default', '--revision', 'no-such', '--overwrite']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /IstioRevisionTag of the Sail operator; it can point only at an IstioRevision/);
    recordConformance({
      area: 'Sail',
      case: 'tag set / move / remove',
      tool: 'kubectl apply|patch|delete istiorevisiontag (the operator renders the webhook)',
      extension: 'POST / PATCH / DELETE istiorevisiontags only',
      agree: true,
    });
  });

  it("upgrade is the Istio resource's spec.version; the CRD's version enum is the judge", async () => {
    const plan = requestsOf(['upgrade', '--version', 'v1.31.0-beta.1']);
    assert.equal(plan.status, 0, plan.stderr);
    assert.deepEqual(
      plan.requests.map((r) => `${r.method} ${r.path}`),
      ['PATCH /apis/sailoperator.io/v1/istios/default'],
    );
    assert.match(plan.doc.plan.summary, /creates IstioRevision default-v1-31-0-beta-1 beside default-v1-30-3/);
    const bad = cli(['upgrade', '--version', 'v9.9.9', '--dry-run=server']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /spec\.version: Unsupported value: "v9\.9\.9"/);
    const ok = cli(['upgrade', '--version', 'v1.31.0-beta.1', '--dry-run=server']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal((await sailGet('istios', 'default')).json.spec.version, 'v1.30.3', 'dry run: unchanged');
  });

  it("uninstall is the operator's: refused with what holds the revision; once nothing does, the countdown the operator keeps", async () => {
    const held = cli(['uninstall', 'default-v1-30-1', '--yes']);
    assert.equal(held.status, 1);
    assert.match(held.stderr, /managed by the Sail operator .* inactive · in use \(ReferencedByWorkloads\)/);
    assert.match(held.stderr, /Namespace sail-a is labelled istio\.io\/rev=default-v1-30-1/);
    assert.match(held.stderr, /Nothing was changed/);
    // move sail-a away and restart it (the extension), then the operator's InUse flips to False
    assert.equal(cli(['move', 'sail-a', '--to', 'default-v1-30-3', '--yes']).status, 0);
    assert.equal(cli(['restart', 'sail-a', '--yes']).status, 0);
    m.kubectl(c.state, ['rollout', 'status', 'deployment', '-n', 'sail-a', '--timeout=180s']);
    const since = new Date(Date.now() - 5000).toISOString().replace(/\.\d+Z$/, 'Z');
    const r = await m.apiRequest(
      c.state,
      'PATCH',
      '/apis/sailoperator.io/v1/istiorevisions/default-v1-30-1/status',
      {
        status: {
          conditions: [
            { type: 'Ready', status: 'True', reason: 'Healthy', message: '', lastTransitionTime: since },
            { type: 'InUse', status: 'False', reason: 'NotReferencedByAnything', message: '', lastTransitionTime: since },
          ],
        },
      },
      { contentType: 'application/merge-patch+json' },
    );
    assert.equal(r.status, 200, r.text);
    const rep = JSON.parse(cli(['status', '-o', 'json']).stdout);
    const s = rep.revisions.find((x: any) => x.name === 'default-v1-30-1').installedBy.sail;
    assert.equal(s.inUse, false);
    assert.equal(Date.parse(s.deletionAt), Date.parse(since) + 30_000);
    const after = cli(['uninstall', 'default-v1-30-1', '--yes']);
    assert.equal(after.status, 1);
    assert.match(after.stderr, /the operator deletes it in \d+ s \(grace 30 s\)/);
    // nothing of the revision was touched
    assert.equal((await m.apiRequest(c.state, 'GET', '/apis/apps/v1/namespaces/istio-system/deployments/istiod-default-v1-30-1')).status, 200);
    await withModelOf(c.kubeconfig, (w) => {
      const g = guideState(w.snapshot);
      assert.equal(g.method, 'sail');
      assert.match(
        g.steps.find((x) => x.id === 'uninstall')!.detail,
        /the Sail operator removes it itself: Istio default · inactive · not in use · the operator deletes it in \d+ s/,
      );
    });
    recordConformance({
      area: 'Sail',
      case: 'uninstall an inactive revision',
      tool: 'the operator prunes it InUse-False + grace',
      extension: `refused, countdown to ${s.deletionAt}`,
      agree: true,
    });
  });
});
