/**
 * Inside the real extension host, against the local cluster's `seed` scenario:
 * the extension activates, its tree shows the scenario, every contributed command is registered.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { seedExpectations } from '../../cluster/seed.mjs';

const seed = seedExpectations();
import { clusterTree, contributedCommands, say, dumpTree, EXTENSION_ID, extensionApi, registeredCommands, row } from './helpers';

describe('Istio Revisions in a real extension host', function () {
  this.timeout(90_000);

  it('activates and exposes { clusters, tree, ready }', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(
      ext,
      `${EXTENSION_ID} not found; installed: ${vscode.extensions.all
        .filter((e) => !e.id.startsWith('vscode.'))
        .map((e) => e.id)
        .join(', ')}`,
    );
    const api = await extensionApi();
    assert.ok(ext.isActive);
    // Reported, not asserted (speed is judged by the bench): the bundle's evaluation and activate() in this host.
    const a = api.activation;
    assert.equal(typeof a.activateMs, 'number');
    assert.equal(typeof a.loadMs, 'number', 'the bundle banner set its load start');
    assert.equal(typeof a.evalMs, 'number', 'the bundle footer set its load end');
    say(
      `      activation in this extension host: bundle evaluated in ${a.evalMs!.toFixed(1)} ms, activate() called ${a.loadMs!.toFixed(1)} ms after the bundle's first line, activate() ${a.activateMs.toFixed(1)} ms`,
    );
    // VS Code's own marks (vs/base/common/performance, kept on globalThis in the extension host): how long
    // the host took to load this extension's code, and which other extensions' code it loaded meanwhile.
    // Its "activation time" clock starts before the await that precedes the load, so others' loads count.
    const marks = (globalThis as { MonacoPerformanceMarks?: { getMarks(): { name: string; startTime: number }[] } }).MonacoPerformanceMarks?.getMarks() ?? [];
    const at = (what: string) => marks.find((m) => m.name.toLowerCase() === `code/exthost/${what}loadextensioncode/${EXTENSION_ID}`)?.startTime;
    const will = at('will');
    const did = at('did');
    if (will !== undefined && did !== undefined) {
      const before = marks
        .filter((m) => m.name.startsWith('code/extHost/didLoadExtensionCode/') && m.startTime <= will && m.startTime > will - 1000)
        .map((m) => m.name.slice('code/extHost/didLoadExtensionCode/'.length));
      say(
        `      VS Code's marks: this extension's code loaded in ${did - will} ms; other extensions' code loaded in the second before: ${before.join(', ') || 'none'}`,
      );
    } else say(`      VS Code's marks: none for this extension (${marks.length} marks)`);
    assert.ok(
      api.clusters.list().some((e) => e.context === seed.context),
      `clusters: ${api.clusters
        .list()
        .map((e) => e.context)
        .join(', ')}`,
    );
  });

  it('registers every command that package.json contributes', async () => {
    await extensionApi();
    const contributed = contributedCommands();
    assert.ok(contributed.length >= 10, `only ${contributed.length} contributed commands`);
    const registered = await registeredCommands();
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
    say(`      ${contributed.length} contributed commands, all registered`);
  });

  describe('tree for the seed scenario', () => {
    let tree: Awaited<ReturnType<typeof clusterTree>>;
    before(async () => {
      const api = await extensionApi();
      api.tree.flush();
      tree = await clusterTree(api);
      say(
        dumpTree(tree)
          .split('\n')
          .map((l) => `      ${l}`)
          .join('\n'),
      );
    });

    it('has the four groups under the cluster', () => {
      assert.deepEqual([...tree.groups.keys()], ['Control planes', 'Tags', 'Namespaces', 'Gateways']);
    });

    it('lists the revisions with version, default and tags', () => {
      const revs = tree.groups.get('Control planes')!;
      assert.deepEqual(revs.map((r) => r.label).sort(), Object.keys(seed.revisions).sort());
      for (const [name, want] of Object.entries(seed.revisions)) {
        const d = row(revs, name).description;
        assert.ok(d.startsWith(want.version), `revision ${name}: "${d}" does not start with ${want.version}`);
        assert.equal(/(^| · )default( · |$)/.test(d), want.default, `revision ${name} default marker: "${d}"`);
        for (const t of want.tags) assert.match(d, new RegExp(`tags [^·]*\\b${t}\\b`), `revision ${name} should list tag ${t}: "${d}"`);
      }
    });

    it('lists the tags with the revision each points at', () => {
      const tags = tree.groups.get('Tags')!;
      assert.deepEqual(tags.map((r) => r.label).sort(), Object.keys(seed.tags).sort());
      for (const [tag, rev] of Object.entries(seed.tags)) {
        const d = row(tags, tag).description;
        assert.ok(d.startsWith(`→ ${rev}`), `tag ${tag}: "${d}" should start with "→ ${rev}"`);
      }
    });

    it('lists the namespaces with their labels and the revision they resolve to', () => {
      const nss = tree.groups.get('Namespaces')!;
      for (const [ns, want] of Object.entries(seed.namespaces)) {
        const d = row(nss, ns).description;
        assert.ok(
          d.startsWith(`${want.labels} → ${want.revision} · ${want.pods} pods`),
          `namespace ${ns}: "${d}" should start with "${want.labels} → ${want.revision} · ${want.pods} pods"`,
        );
      }
    });

    it('lists the gateway and the revision it runs', () => {
      const gws = tree.groups.get('Gateways')!;
      for (const [gw, rev] of Object.entries(seed.gateways)) {
        const d = row(gws, gw).description;
        assert.match(d, new RegExp(`runs ${rev}\\b`), `gateway ${gw}: "${d}"`);
      }
    });
  });
});
