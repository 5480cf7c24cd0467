/**
 * Ambient mode and Gateway API on the `ambient` scenario (own cluster): two ambient revisions
 * installed from the real istioctl's rendering, ztunnel and istio-cni on 3 kwok nodes, waypoints
 * made by the real `istioctl waypoint apply` and deployed by the real istiod of their revision,
 * a Gateway API ingress following its namespace. The model is checked against the cluster, and a
 * tag move with the real istioctl is checked against the impact preview made beforehand.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  managedGateways, nodeAgents, restartCandidates, tagImpact, uninstallChecklist, ambientNamespaces, buildReport, findBlockers,
} from '../../src/istio';
import { ClusterClient, ClusterWatcher, configForContext, loadKubeconfigs } from '../../src/k8s';
import { runTool } from '../../src/tools/process';
import { waitFor } from './helpers';

const CONTEXT = 'istio-revisions-local';

describe('ambient and Gateway API (own ambient cluster)', function () {
  this.timeout(600_000);
  let c: { dir: string; kubeconfig: string; binDir: string; stop(): Promise<void> };
  let w: ClusterWatcher;
  const istioctl = async (args: string[]) => {
    const r = await runTool(path.join(c.binDir, 'istioctl'), [...args, '--context', CONTEXT], { env: { ...process.env, KUBECONFIG: c.kubeconfig, HOME: path.join(c.dir, 'home') } });
    if (!r.ok) throw new Error(r.message);
    return r.result.stdout;
  };
  const kubectlJson = async (args: string[]) => {
    const r = await runTool(path.join(c.binDir, 'kubectl'), [...args, '-o', 'json', '--kubeconfig', c.kubeconfig], {});
    if (!r.ok) throw new Error(r.message);
    return JSON.parse(r.result.stdout);
  };

  before(async () => {
    const m = await import('../cluster/cluster.mjs');
    const started = await m.startCluster({ scenario: 'ambient', quiet: !process.env.ISTIO_REVISIONS_VERBOSE });
    c = { dir: started.dir, kubeconfig: started.kubeconfig, binDir: started.binDir, stop: () => started.stop() };
    const cfg = configForContext(loadKubeconfigs([c.kubeconfig]), CONTEXT);
    if (!cfg.ok) throw new Error(cfg.message);
    w = new ClusterWatcher(new ClusterClient(CONTEXT, cfg.config), { batchMs: 5 });
    assert.equal((await w.start(true)).phase, 'ready');
  });
  after(async () => { w?.dispose(); w?.client.dispose(); await c?.stop(); });

  it('node agents: ztunnel bound to 1-30-1 and istio-cni, 3/3 nodes, within the supported skew of both revisions', () => {
    const agents = nodeAgents(w.snapshot);
    assert.deepEqual(agents.map((a) => [a.component, a.daemonSet, a.revision ?? null, a.pods, a.ready, a.updated]),
      [['istio-cni', 'istio-cni-node', null, 3, 3, 3], ['ztunnel', 'ztunnel', '1-30-1', 3, 3, 3]]);
    const z = agents.find((a) => a.component === 'ztunnel')!;
    assert.deepEqual(z.versions, [{ version: '1.30.1', nodes: ['kwok-node-0', 'kwok-node-1', 'kwok-node-2'] }]);
    assert.deepEqual(z.skew, [{ revision: '1-30-1', version: '1.30.1', ok: true }, { revision: '1-31-0', version: '1.31.0', ok: true }]);
  });

  it('waypoints and the Gateway API ingress: followed revision (Gateway label, namespace label, default) equals the one the real istiod runs them on', async () => {
    const gws = managedGateways(w.snapshot);
    assert.deepEqual(gws.map((g) => [g.kind, `${g.namespace}/${g.gateway}`, g.followsVia, g.followsRevision, [...g.running.keys()].join(',')]), [
      ['gateway', 'ingress/ingress', 'namespace', '1-30-1', '1-30-1'],
      ['waypoint', 'amb-a/waypoint', 'default', '1-30-1', '1-30-1'],
      ['waypoint', 'amb-b/waypoint', 'gateway', '1-31-0', '1-31-0'],
    ]);
    // what istiod itself wrote on the pods it made
    for (const g of gws) {
      const pods = await kubectlJson(['get', 'pods', '-n', g.namespace, '-l', `gateway.networking.k8s.io/gateway-name=${g.gateway}`]);
      assert.deepEqual(pods.items.map((p: any) => p.metadata.annotations['istio.io/rev']), [g.followsRevision], `${g.namespace}/${g.gateway}`);
    }
    assert.deepEqual(ambientNamespaces(w.snapshot, gws).map((n) => [n.name, n.dataplaneMode, n.useWaypoint, n.waypointFound]),
      [['amb-a', 'ambient', 'waypoint', true], ['amb-b', 'ambient', 'waypoint', true]]);
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
    assert.deepEqual(report.nodeAgents.map((a) => a.component), ['istio-cni', 'ztunnel']);
    assert.deepEqual(report.waypoints.map((x) => `${x.namespace}/${x.name}→${x.followsRevision}`), ['amb-a/waypoint→1-30-1', 'amb-b/waypoint→1-31-0']);
    assert.deepEqual(report.gateways.map((g) => [g.type, g.workload]), [['gateway-api', 'ingress-istio']]);
  });

  it('the uninstall checklist of 1-30-1 names the waypoint, the Gateway API gateway and ztunnel bound to it', () => {
    const items = uninstallChecklist(w.snapshot, '1-30-1').items;
    assert.deepEqual(items.filter((i) => ['waypoint', 'gateway', 'nodeAgent'].includes(i.kind)).map((i) => `${i.kind} ${i.object}`).sort(),
      ['gateway ingress/ingress', 'nodeAgent istio-system/ztunnel', 'waypoint amb-a/waypoint']);
  });

  it('moving tag canary with the real istioctl rolls the waypoint following it (done by istiod, no restart), as the impact preview said beforehand', async () => {
    const impact = tagImpact(w.snapshot, 'canary', '1-30-1');
    assert.deepEqual(impact.rollNow, [{ kind: 'waypoint', namespace: 'amb-b', gateway: 'waypoint', from: '1-31-0', to: '1-30-1' }]);
    assert.match(impact.message, /waypoint amb-b\/waypoint/);
    assert.deepEqual(impact.workloads.map((x) => `${x.namespace}/${x.name}`), ['side/httpbin'], 'the sidecar workload needs a restart; the waypoint does not');
    const before = (await kubectlJson(['get', 'pods', '-n', 'amb-b', '-l', 'gateway.networking.k8s.io/gateway-name=waypoint'])).items.map((p: any) => p.metadata.uid);
    await istioctl(['tag', 'set', 'canary', '--revision', '1-30-1', '--overwrite', '-y']);
    try {
      // the real istiod of 1-30-1 takes the Gateway over and re-renders its Deployment: new pods on 1-30-1
      const rolled = await waitFor('the amb-b waypoint re-rendered by 1-30-1', async () => {
        w.flush();
        const g = managedGateways(w.snapshot).find((x) => x.namespace === 'amb-b');
        return g && g.followsRevision === '1-30-1' && g.rolling === 0 && [...g.running.keys()].join() === '1-30-1' && g.pods === 1 ? g : undefined;
      }, 120_000);
      assert.deepEqual(rolled.versions, ['1.30.1']);
      const pods = (await kubectlJson(['get', 'pods', '-n', 'amb-b', '-l', 'gateway.networking.k8s.io/gateway-name=waypoint'])).items;
      assert.ok(pods.every((p: any) => !before.includes(p.metadata.uid) && p.metadata.annotations['istio.io/rev'] === '1-30-1'), 'new pods, made by 1-30-1');
      // the sidecar workload, as predicted, still runs 1-31-0 until restarted
      assert.deepEqual(w.snapshot.proxies('side').filter((p) => p.injected).map((p) => [p.injectedRevision, p.stale]), [['1-31-0', true]]);
    } finally {
      await istioctl(['tag', 'set', 'canary', '--revision', '1-31-0', '--overwrite', '-y']);
    }
  });
});
