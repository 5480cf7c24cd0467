/**
 * Ambient mode and Gateway API on the `ambient` scenario (own cluster): two ambient revisions
 * installed from the real istioctl's rendering, ztunnel and istio-cni on 3 kwok nodes, waypoints
 * made by the real `istioctl waypoint apply` and deployed by the real istiod of their revision,
 * a Gateway API ingress following its namespace. The model is checked against the cluster, and a
 * tag move with the real istioctl is checked against the impact preview made beforehand.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  guideState,
  managedGateways,
  nodeAgents,
  restartCandidates,
  tagImpact,
  uninstallChecklist,
  ambientNamespaces,
  buildReport,
  findBlockers,
} from '../../src/istio';
import { type ClusterWatcher, runNodeByNode } from '../../src/k8s';
import { runTool } from '../../src/tools/process';
import { CONTEXT, ownIstioctl, waitFor, withOwnCluster, type OwnCluster } from './helpers';

describe('ambient and Gateway API (own ambient cluster)', function () {
  this.timeout(600_000);
  let c: OwnCluster;
  let w: ClusterWatcher;
  withOwnCluster('ambient', (cc, ww) => ([c, w] = [cc, ww]));
  const istioctl = (args: string[]) => ownIstioctl(c, args);
  const kubectlJson = async (args: string[]) => {
    const r = await runTool(path.join(c.binDir, 'kubectl'), [...args, '-o', 'json', '--kubeconfig', c.kubeconfig], {});
    if (!r.ok) throw new Error(r.message);
    return JSON.parse(r.result.stdout);
  };

  it('node agents: ztunnel bound to 1-30-1 and istio-cni, 3/3 nodes, within the supported skew of both revisions', () => {
    const agents = nodeAgents(w.snapshot);
    assert.deepEqual(
      agents.map((a) => [a.component, a.daemonSet, a.revision ?? null, a.pods, a.ready, a.updated]),
      [
        ['istio-cni', 'istio-cni-node', null, 3, 3, 3],
        ['ztunnel', 'ztunnel', '1-30-1', 3, 3, 3],
      ],
    );
    const z = agents.find((a) => a.component === 'ztunnel')!;
    assert.deepEqual(z.versions, [{ version: '1.30.1', nodes: ['kwok-node-0', 'kwok-node-1', 'kwok-node-2'] }]);
    assert.deepEqual(z.skew, [
      { revision: '1-30-1', version: '1.30.1', ok: true },
      { revision: '1-31-0', version: '1.31.0', ok: true },
    ]);
    // as istioctl rendered them: RollingUpdate, read from the DaemonSets
    assert.deepEqual(
      agents.map((a) => a.updateStrategy),
      ['RollingUpdate', 'RollingUpdate'],
    );
  });

  it('waypoints and the Gateway API ingress: followed revision (Gateway label, namespace label, default) equals the one the real istiod runs them on', async () => {
    const gws = managedGateways(w.snapshot);
    assert.deepEqual(
      gws.map((g) => [g.kind, `${g.namespace}/${g.gateway}`, g.followsVia, g.followsRevision, [...g.running.keys()].join(',')]),
      [
        ['gateway', 'ingress/ingress', 'namespace', '1-30-1', '1-30-1'],
        ['waypoint', 'amb-a/waypoint', 'default', '1-30-1', '1-30-1'],
        ['waypoint', 'amb-b/waypoint', 'gateway', '1-31-0', '1-31-0'],
      ],
    );
    // what istiod itself wrote on the pods it made
    for (const g of gws) {
      const pods = await kubectlJson(['get', 'pods', '-n', g.namespace, '-l', `gateway.networking.k8s.io/gateway-name=${g.gateway}`]);
      assert.deepEqual(
        pods.items.map((p: any) => p.metadata.annotations['istio.io/rev']),
        [g.followsRevision],
        `${g.namespace}/${g.gateway}`,
      );
    }
    assert.deepEqual(
      ambientNamespaces(w.snapshot, gws).map((n) => [n.name, n.dataplaneMode, n.useWaypoint, n.waypointFound]),
      [
        ['amb-a', 'ambient', 'waypoint', true],
        ['amb-b', 'ambient', 'waypoint', true],
      ],
    );
  });

  it('no ztunnel, istio-cni, waypoint or gateway pod is a sidecar, stale, or a restart candidate; only the sidecar namespace counts', () => {
    const all = w.snapshot.proxies();
    const special = all.filter((p) => p.role === 'nodeAgent' || p.role === 'managedGateway');
    assert.equal(special.length, 3 + 3 + 3, special.map((p) => `${p.namespace}/${p.name}`).join(', '));
    for (const p of special) assert.ok(!p.injected && !p.stale && !p.missingProxy, `${p.namespace}/${p.name}`);
    for (const ns of ['istio-system', 'amb-a', 'amb-b', 'ingress']) {
      for (const only of [true, false]) assert.deepEqual(restartCandidates(w.snapshot, ns, only).workloads, [], `${ns} restart candidates`);
    }
    const report = buildReport(w.snapshot, { context: CONTEXT });
    assert.deepEqual(report.proxies, { total: 1, stale: 0, byRevision: { '1-31-0': 1 } });
    assert.deepEqual(findBlockers(w.snapshot), []);
    assert.deepEqual(
      report.nodeAgents.map((a) => a.component),
      ['istio-cni', 'ztunnel'],
    );
    assert.deepEqual(
      report.waypoints.map((x) => `${x.namespace}/${x.name}→${x.followsRevision}`),
      ['amb-a/waypoint→1-30-1', 'amb-b/waypoint→1-31-0'],
    );
    assert.deepEqual(
      report.gateways.map((g) => [g.type, g.workload]),
      [['gateway-api', 'ingress-istio']],
    );
    // the guided upgrade takes the ambient path: node agents, then waypoints/gateways through their tag
    const g = guideState(w.snapshot);
    assert.deepEqual([g.from, g.to], ['1-30-1', '1-31-0']);
    assert.deepEqual(
      g.steps.map((x) => [x.id, x.state]),
      [
        ['precheck', 'optional'],
        ['install', 'done'],
        ['nodeAgents', 'todo'],
        ['moveNamespaces', 'todo'],
        ['restart', 'done'],
        ['gateways', 'done'],
        ['waypoints', 'todo'],
        ['moveTags', 'todo'],
        ['uninstall', 'todo'],
      ],
    );
    assert.match(g.steps.find((x) => x.id === 'nodeAgents')!.detail, /ztunnel: 1\.30\.1 on 3 \(bound to 1-30-1\)/);
    assert.match(g.steps.find((x) => x.id === 'waypoints')!.detail, /amb-a\/waypoint \(follows 1-30-1\)/);
  });

  it('the uninstall checklist of 1-30-1 names the waypoint, the Gateway API gateway and ztunnel bound to it', () => {
    const items = uninstallChecklist(w.snapshot, '1-30-1').items;
    assert.deepEqual(
      items
        .filter((i) => ['waypoint', 'gateway', 'nodeAgent'].includes(i.kind))
        .map((i) => `${i.kind} ${i.object}`)
        .sort(),
      ['gateway ingress/ingress', 'nodeAgent istio-system/ztunnel', 'waypoint amb-a/waypoint'],
    );
  });

  it('moving tag canary with the real istioctl rolls the waypoint following it (done by istiod, no restart), as the impact preview said beforehand', async () => {
    const impact = tagImpact(w.snapshot, 'canary', '1-30-1');
    assert.deepEqual(impact.rollNow, [{ kind: 'waypoint', namespace: 'amb-b', gateway: 'waypoint', from: '1-31-0', to: '1-30-1' }]);
    assert.match(impact.message, /waypoint amb-b\/waypoint/);
    assert.deepEqual(
      impact.workloads.map((x) => `${x.namespace}/${x.name}`),
      ['side/httpbin'],
      'the sidecar workload needs a restart; the waypoint does not',
    );
    const before = (await kubectlJson(['get', 'pods', '-n', 'amb-b', '-l', 'gateway.networking.k8s.io/gateway-name=waypoint'])).items.map(
      (p: any) => p.metadata.uid,
    );
    await istioctl(['tag', 'set', 'canary', '--revision', '1-30-1', '--overwrite', '-y']);
    try {
      // the real istiod of 1-30-1 takes the Gateway over and re-renders its Deployment: new pods on 1-30-1
      const rolled = await waitFor(
        'the amb-b waypoint re-rendered by 1-30-1',
        async () => {
          w.flush();
          const g = managedGateways(w.snapshot).find((x) => x.namespace === 'amb-b');
          return g && g.followsRevision === '1-30-1' && g.rolling === 0 && [...g.running.keys()].join() === '1-30-1' && g.pods === 1 ? g : undefined;
        },
        120_000,
      );
      assert.deepEqual(rolled.versions, ['1.30.1']);
      const pods = (await kubectlJson(['get', 'pods', '-n', 'amb-b', '-l', 'gateway.networking.k8s.io/gateway-name=waypoint'])).items;
      assert.ok(
        pods.every((p: any) => !before.includes(p.metadata.uid) && p.metadata.annotations['istio.io/rev'] === '1-30-1'),
        'new pods, made by 1-30-1',
      );
      // the sidecar workload, as predicted, still runs 1-31-0 until restarted
      assert.deepEqual(
        w.snapshot
          .proxies('side')
          .filter((p) => p.injected)
          .map((p) => [p.injectedRevision, p.stale]),
        [['1-31-0', true]],
      );
    } finally {
      await istioctl(['tag', 'set', 'canary', '--revision', '1-31-0', '--overwrite', '-y']);
    }
  });

  it('ztunnel node by node on 3 nodes: refused before prepare; prepare; the new version applied replaces nothing; one node, then cancelled after one, then resumed to 3/3; every node uncordoned', async () => {
    const cliRun = (args: string[]) => {
      const r = spawnSync(process.execPath, [path.resolve(__dirname, '../../dist/cli.js'), ...args, '--kubeconfig', c.kubeconfig, '--context', CONTEXT], {
        encoding: 'utf8',
        timeout: 300_000,
      });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const ztunnel = () => {
      w.flush();
      return nodeAgents(w.snapshot).find((a) => a.component === 'ztunnel')!;
    };
    const updatedOf = () => {
      const z = ztunnel();
      return `${z.versions[0].version} ${z.updated}/${z.pods}`;
    };
    const seen: string[] = [];
    const early = cliRun(['ztunnel', 'roll', '--yes']);
    assert.equal(early.status, 1, early.stderr);
    assert.match(early.stderr, /updateStrategy RollingUpdate; run `istio-revisions ztunnel prepare --yes`/);
    const prep = cliRun(['ztunnel', 'prepare', '--yes']);
    assert.equal(prep.status, 0, prep.stderr);
    assert.equal((await kubectlJson(['get', 'daemonset', 'ztunnel', '-n', 'istio-system'])).spec.updateStrategy.type, 'OnDelete');
    await waitFor('the model to show updateStrategy OnDelete (DaemonSet watch)', () => ztunnel().updateStrategy === 'OnDelete', 15_000);
    // The new version, as the real istioctl renders ztunnel for revision 1-31-0 (updateStrategy kept OnDelete, as a Helm value would).
    const rendered = await istioctl([
      'manifest',
      'generate',
      '--set',
      'profile=ambient',
      '--set',
      'revision=1-31-0',
      '--set',
      'hub=docker.io/istio',
      '--set',
      'tag=1.31.0',
    ]);
    const ds = parseAllDocuments(rendered)
      .map((d) => d.toJS())
      .find((o) => o?.kind === 'DaemonSet' && o.metadata.name === 'ztunnel');
    assert.ok(ds, 'istioctl renders the ztunnel DaemonSet');
    ds.spec.updateStrategy = { type: 'OnDelete' };
    const applied = await runTool(
      path.join(c.binDir, 'kubectl'),
      ['apply', '--server-side', '--force-conflicts', '--field-manager=istioctl', '-f', '-', '--kubeconfig', c.kubeconfig],
      { input: JSON.stringify(ds) },
    );
    assert.ok(applied.ok, applied.ok ? '' : applied.message);
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(updatedOf(), '1.30.1 3/3', 'OnDelete: applying the new version replaced no pod');
    seen.push(updatedOf());
    // the plan lists every node
    const plan = cliRun(['ztunnel', 'roll', '-o', 'json']);
    assert.equal(plan.status, 0, plan.stderr);
    const planned = JSON.parse(plan.stdout).plan;
    const descr: string[] = planned.requests.map((r: any) => r.description);
    assert.equal(descr.length, 9, descr.join('; '));
    ['kwok-node-0', 'kwok-node-1', 'kwok-node-2'].forEach((n, k) => {
      assert.equal(descr[3 * k], `cordon node ${n}`);
      assert.match(descr[3 * k + 1], new RegExp(`^delete ztunnel pod ztunnel-\\w+ on node ${n}$`));
      assert.equal(descr[3 * k + 2], `uncordon node ${n}`);
    });
    assert.ok(planned.requests.filter((r: any) => r.method === 'DELETE').every((r: any) => r.body.preconditions.uid));
    // one node
    const one = cliRun(['ztunnel', 'roll', '--max-nodes', '1', '--yes']);
    assert.equal(one.status, 0, one.stderr);
    assert.match(one.stdout, /1 node\(s\) upgraded \(kwok-node-0\); 2 left: kwok-node-1, kwok-node-2/);
    await waitFor('the model at 1/3', () => updatedOf() === '1.31.0 1/3', 30_000);
    seen.push(updatedOf());
    const mid = ztunnel();
    assert.deepEqual([mid.revision, mid.previousRevision], ['1-31-0', '1-30-1'], 'mid-upgrade: bound to both');
    // cancelled after the next node (between nodes), then resumed
    const ac = new AbortController();
    const r = await runNodeByNode(
      w.client,
      { namespace: 'istio-system', name: 'ztunnel' },
      {
        signal: ac.signal,
        onProgress: (e) => {
          if (e.step === 'done') ac.abort();
        },
      },
    );
    assert.equal(r.cancelled, true, r.message);
    assert.deepEqual([r.replaced, r.remaining], [['kwok-node-1'], ['kwok-node-2']]);
    assert.match(r.message, /Cancelled after 1 node\(s\); 1 left: kwok-node-2\. Run it again to go on\./);
    await waitFor('the model at 2/3', () => updatedOf() === '1.31.0 2/3', 30_000);
    seen.push(updatedOf());
    const rest = cliRun(['ztunnel', 'roll', '--yes']);
    assert.equal(rest.status, 0, rest.stderr);
    assert.match(rest.stdout, /ztunnel upgraded on every node \(1 replaced in this run\)/);
    await waitFor('the model at 3/3', () => updatedOf() === '1.31.0 3/3', 30_000);
    seen.push(updatedOf());
    assert.deepEqual(seen, ['1.30.1 3/3', '1.31.0 1/3', '1.31.0 2/3', '1.31.0 3/3']);
    const z = ztunnel();
    assert.deepEqual([z.revision, z.previousRevision, z.ready], ['1-31-0', undefined, 3]);
    const nodes = (await kubectlJson(['get', 'nodes'])).items;
    assert.ok(
      nodes.every((n: any) => !n.spec.unschedulable && !n.metadata.annotations?.['istio-revisions.io/cordoned-for']),
      'every node uncordoned, no marker left',
    );
    // ztunnel now bound to 1-31-0: uninstalling 1-30-1 no longer lists it; 1-31-0 does
    assert.ok(!uninstallChecklist(w.snapshot, '1-30-1').items.some((i) => i.kind === 'nodeAgent'));
    assert.ok(uninstallChecklist(w.snapshot, '1-31-0').items.some((i) => i.kind === 'nodeAgent'));
  });
});
