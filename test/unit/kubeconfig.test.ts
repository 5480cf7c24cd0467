import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { configForContext, kubeconfigPaths, loadKubeconfigs } from '../../src/k8s';
import { usageError, type ActionName } from '../../src/cli/actions';
import { parseArgs } from '../../src/cli/main';
import { describeNonApiBody } from '../../src/k8s/result';

function kubeconfig(ctx: string, server: string, extra = ''): string {
  return `apiVersion: v1
kind: Config
current-context: ${ctx}
clusters:
- name: ${ctx}-cluster
  cluster:
    server: ${server}
    certificate-authority: ca.crt
users:
- name: ${ctx}-user
  user:
    token: secret-${ctx}
contexts:
- name: ${ctx}
  context:
    cluster: ${ctx}-cluster
    user: ${ctx}-user
${extra}`;
}

describe('kubeconfig loading (kubectl semantics)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kc-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };

  it('KUBECONFIG path-list first, else ~/.kube/config, then extra paths', () => {
    assert.deepEqual(kubeconfigPaths({ KUBECONFIG: `/a${path.delimiter}/b${path.delimiter}` }, ['/c']), ['/a', '/b', '/c']);
    assert.deepEqual(kubeconfigPaths({}, [], '/home/u'), ['/home/u/.kube/config']);
    assert.deepEqual(kubeconfigPaths({}, ['~/k.yaml'], '/home/u'), ['/home/u/.kube/config', '/home/u/k.yaml']);
  });

  it('merges files: the first to define a name and the first current-context win', () => {
    const a = write('a', kubeconfig('one', 'https://a.example:6443'));
    const b = write('b', kubeconfig('two', 'https://b.example:6443') + `- name: one\n  context:\n    cluster: two-cluster\n    user: two-user\n`);
    const l = loadKubeconfigs([a, b]);
    assert.deepEqual(l.problems, []);
    assert.equal(l.currentContext, 'one');
    assert.deepEqual(
      l.contexts.map((c) => [c.name, c.server]),
      [
        ['one', 'https://a.example:6443'],
        ['two', 'https://b.example:6443'],
      ],
    );
    // relative certificate paths resolve against their own file
    assert.equal(l.config!.getCluster('one-cluster')!.caFile, path.join(dir, 'ca.crt'));
  });

  it('reports missing, empty and malformed files by path and keeps the good ones', () => {
    const good = write('good', kubeconfig('one', 'https://a.example'));
    const empty = write('empty', '  \n');
    const bad = write('bad', 'clusters: [ {name: x');
    const l = loadKubeconfigs([path.join(dir, 'nope'), empty, bad, good]);
    assert.deepEqual(
      l.problems.map((p) => p.kind),
      ['missing', 'empty', 'malformed'],
    );
    assert.equal(l.problems[0].message, `kubeconfig ${path.join(dir, 'nope')} does not exist`);
    assert.match(l.problems[2].message, new RegExp(`^kubeconfig ${bad} is not a valid kubeconfig: `));
    assert.deepEqual(
      l.contexts.map((c) => c.name),
      ['one'],
    );
  });

  it('no file at all: no config, the problem named', () => {
    const l = loadKubeconfigs([path.join(dir, 'nope')]);
    assert.equal(l.config, undefined);
    assert.equal(l.problems[0].kind, 'missing');
  });

  it('a context naming a missing cluster or user is refused with the names', () => {
    const p = write(
      'kc',
      kubeconfig('one', 'https://a.example') +
        `- name: broken\n  context:\n    cluster: ghost\n    user: one-user\n- name: nouser\n  context:\n    cluster: one-cluster\n    user: nobody\n`,
    );
    const l = loadKubeconfigs([p]);
    const broken = configForContext(l, 'broken');
    assert.deepEqual(broken, { ok: false, message: 'context "broken" names cluster "ghost", which no kubeconfig file defines' });
    const nouser = configForContext(l, 'nouser');
    assert.deepEqual(nouser, { ok: false, message: 'context "nouser" names user "nobody", which no kubeconfig file defines' });
    const missing = configForContext(l, 'elsewhere');
    assert.equal(!missing.ok && missing.message, `context "elsewhere" is not in the kubeconfig (${p})`);
    const one = configForContext(l, 'one');
    assert.equal(one.ok && one.config.getCurrentContext(), 'one');
  });
});

describe('CLI arguments', () => {
  const base = { positional: [], istioNamespace: 'istio-system', timeoutMs: 30000, help: false };
  it('parses commands and options', () => {
    assert.deepEqual(parseArgs(['status', '--context', 'prod', '-o', 'json']), { ...base, command: 'status', context: 'prod', output: 'json' });
    assert.deepEqual(parseArgs(['check', '--timeout=5', '--istio-namespace=mesh']), {
      ...base,
      command: 'check',
      output: 'table',
      istioNamespace: 'mesh',
      timeoutMs: 5000,
    });
  });
  it('parses the actions and lint', () => {
    assert.deepEqual(parseArgs(['move', 'a', 'b', '--to', 'canary', '--dry-run=server', '-o', 'yaml']), {
      ...base,
      command: 'move',
      positional: ['a', 'b'],
      to: 'canary',
      dryRun: true,
      output: 'yaml',
    });
    assert.deepEqual(
      parseArgs(['restart', 'ns', '--workload', 'deployment/web', '--workload=statefulset/db', '--batch-size', '2', '--on-delete', 'delete-pods', '-y']),
      {
        ...base,
        command: 'restart',
        positional: ['ns'],
        workloads: ['deployment/web', 'statefulset/db'],
        batchSize: 2,
        onDelete: 'delete-pods',
        yes: true,
        output: 'text',
      },
    );
    assert.deepEqual(parseArgs(['tag', 'set', 'prod', '--revision', '1-9-0', '--overwrite']), {
      ...base,
      command: 'tag',
      positional: ['set', 'prod'],
      revision: '1-9-0',
      overwrite: true,
      output: 'text',
    });
    assert.deepEqual(parseArgs(['lint', 'k8s/', '-o', 'sarif', '--disable-rule', 'IR003,IR005']), {
      ...base,
      command: 'lint',
      positional: ['k8s/'],
      output: 'sarif',
      disableRules: ['IR003', 'IR005'],
    });
  });
  it('rejects bad input with a clear message', () => {
    assert.deepEqual(parseArgs(['status', '-o', 'yaml']), { error: 'unknown output format "yaml" for status (use table, json)' });
    assert.deepEqual(parseArgs(['lint', '-o', 'table']), { error: 'unknown output format "table" for lint (use text, json, sarif)' });
    assert.deepEqual(parseArgs(['status', '--bogus']), { error: 'unknown option --bogus' });
    assert.deepEqual(parseArgs(['status', 'extra']), { error: 'unexpected argument extra' });
    assert.deepEqual(parseArgs(['status', '--context']), { error: '--context needs a value' });
    assert.deepEqual(parseArgs(['status', '--timeout', '0']), { error: '--timeout needs a positive number of seconds' });
    assert.deepEqual(parseArgs(['move', 'a', '--dry-run=client']), {
      error: '--dry-run supports only "server" (the API server validates the plan without persisting it), not "client"',
    });
    assert.deepEqual(parseArgs(['restart', 'a', '--batch-size', '0']), { error: '--batch-size needs a whole number ≥ 1' });
  });
  it('finds usage mistakes of the actions before connecting', () => {
    const u = (argv: string[]) => {
      const a = parseArgs(argv);
      if ('error' in a) throw new Error(a.error);
      return usageError(a.command as ActionName, a);
    };
    assert.match(u(['move', 'ns'])!, /exactly one of --to/);
    assert.match(u(['move', '--to', 'x'])!, /one or more namespaces/);
    assert.match(u(['restart', 'a', 'b', '--workload', 'deployment/web'])!, /exactly one namespace/);
    assert.match(u(['restart', 'a', '--workload', 'pod/web'])!, /expected deployment\/<name>/);
    assert.match(u(['tag', 'move', 'x'])!, /usage: istio-revisions tag set/);
    assert.match(u(['tag', 'set', 'x'])!, /needs --revision/);
    assert.match(u(['uninstall'])!, /usage: istio-revisions uninstall/);
    assert.equal(u(['uninstall', '1-8-0']), undefined);
    assert.equal(u(['restart', 'a', '--workload', 'sts/db']), undefined);
  });
});

describe('answers that are not the Kubernetes API', () => {
  it('an HTML page is named, never echoed; short plain text is kept', () => {
    assert.equal(describeNonApiBody(404, '<html><body>nginx</body></html>', 'text/html'), 'HTTP 404 with an HTML page, not a Kubernetes API response');
    assert.equal(describeNonApiBody(502, '<!DOCTYPE html>…', undefined), 'HTTP 502 with an HTML page, not a Kubernetes API response');
    assert.equal(
      describeNonApiBody(503, 'error trying to reach service: dial tcp 10.0.0.1:15014: connect: connection refused\n', 'text/plain'),
      'error trying to reach service: dial tcp 10.0.0.1:15014: connect: connection refused',
    );
    assert.equal(describeNonApiBody(500, '', undefined), 'HTTP 500 with an empty body, not a Kubernetes API response');
    assert.equal(describeNonApiBody(200, 'x'.repeat(400), 'application/octet-stream'), 'HTTP 200 with a body that is not JSON, not a Kubernetes API response');
  });
});
