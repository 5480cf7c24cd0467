/**
 * Manifest lint rules (src/istio/lint): every rule on positive and negative samples,
 * exact ranges, fixes applied to the text, multi-document and malformed files, the
 * cluster gating, and cases derived from Istio's own analyzer test data
 * (pkg/config/analysis/analyzers/testdata/injection.yaml and the annotations analyzer).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  applyEdits,
  chunks,
  clearParseCache,
  describeLabelSite,
  describeNamespaceLens,
  injectionLabelAt,
  lintContextFrom,
  lintText,
  ist0123Labels,
  namespaceDocs,
  parseManifest,
  RULES,
  type Finding,
  type LintContext,
} from '../../src/istio/lint';
import { pod, revisionMwc, tagMwc, seedSnapshot as seedSnapshot0 } from './fixtures';

/** The `seed` scenario: revisions 1-7-6 and 1-8-0, tags prod→1-7-6, canary→1-8-0, default→1-7-6. */
const seed = (): LintContext => lintContextFrom(seedSnapshot(), 'seed');
const lint = (text: string, ctx: LintContext = {}, disabled: string[] = []) => lintText(text, ctx, disabled);
const codes = (fs_: Finding[]) => fs_.map((f) => f.code);
const at = (text: string, f: Finding) => text.slice(f.range[0], f.range[1]);
const only = (fs_: Finding[], code: string) => fs_.filter((f) => f.code === code);
const one = (fs_: Finding[], code: string): Finding => {
  const m = only(fs_, code);
  assert.equal(m.length, 1, `expected one ${code}, got ${JSON.stringify(codes(fs_))}`);
  return m[0];
};
const fixed = (text: string, f: Finding, i = 0) => applyEdits(text, f.fixes[i].edits);
/** The fixed text must still be valid YAML. */
function valid(text: string): string {
  for (const d of parseAllDocuments(text) as unknown as { errors: unknown[] }[]) assert.deepEqual(d.errors, []);
  return text;
}

const nsDoc = (name: string, labels: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels:\n${labels}`;

const seedSnapshot = () => seedSnapshot0([pod('ns-c', 'httpbin', { injectedBy: '1-7-6', version: '1.7.6', name: 'httpbin-c2' })], { gateway: false });

describe('manifest lint', () => {
  beforeEach(() => clearParseCache());

  describe('IR001 both injection labels (IST0123)', () => {
    it('flags the istio-injection pair; the preferred fix removes that line and keeps comments', () => {
      const t = nsDoc('busted', '    # injection labels\n    istio-injection: enabled   # legacy\n    istio.io/rev: canary # new\n');
      const f = one(lint(t), 'IR001');
      assert.equal(at(t, f), 'istio-injection: enabled');
      assert.equal(f.severity, 'warning');
      assert.match(f.message, /istio-injection wins and istio\.io\/rev is ignored .*IST0123/);
      assert.equal(f.fixes[0].isPreferred, true);
      assert.equal(valid(fixed(t, f)), nsDoc('busted', '    # injection labels\n    istio.io/rev: canary # new\n'));
      assert.equal(fixed(t, f, 1), nsDoc('busted', '    # injection labels\n    istio-injection: enabled   # legacy\n'));
    });

    it('names the default revision of the cluster, and says disabled blocks injection', () => {
      const t = nsDoc('busted', '    istio-injection: enabled\n    istio.io/rev: canary\n');
      assert.match(one(lint(t, seed()), 'IR001').message, /default revision \(1-7-6 in cluster seed\)/);
      const s = seedSnapshot();
      s.replace('MutatingWebhookConfiguration', [revisionMwc('1-7-6'), revisionMwc('1-8-0'), tagMwc('canary', '1-8-0')]);
      assert.match(one(lint(t, lintContextFrom(s, 'nodefault')), 'IR001').message, /cluster nodefault has no default revision, so new pods are not injected/);
      const d = nsDoc('off', '    istio-injection: disabled\n    istio.io/rev: canary\n');
      assert.match(one(lint(d), 'IR001').message, /new pods are not injected/);
      // Istio's analyzer counts istio.io/rev only beside istio-injection=enabled: no IST0123 citation here
      assert.doesNotMatch(one(lint(d), 'IR001').message, /IST0123/);
    });

    it("matches Istio's IST0123 analyzer on istio.io/dataplane-mode: flagged beside istio.io/rev or istio-injection=enabled, not beside disabled, not in istio-system", () => {
      const a = nsDoc('mixed', '    istio.io/dataplane-mode: ambient\n    istio.io/rev: canary\n');
      const f = one(lint(a), 'IR001');
      assert.equal(at(a, f), 'istio.io/rev: canary');
      assert.match(f.message, /not captured by ztunnel.*half sidecar, half ambient.*\(IST0123: istio\.io\/rev=canary, istio\.io\/dataplane-mode=ambient\)/);
      assert.equal(valid(fixed(a, f)), nsDoc('mixed', '    istio.io/dataplane-mode: ambient\n'));
      assert.equal(fixed(a, f, 1), nsDoc('mixed', '    istio.io/rev: canary\n'));
      const e = nsDoc('mixed', '    istio-injection: enabled\n    istio.io/dataplane-mode: ambient\n');
      assert.match(one(lint(e), 'IR001').message, /\(IST0123: istio-injection=enabled, istio\.io\/dataplane-mode=ambient\)/);
      const three = nsDoc('mixed', '    istio-injection: enabled\n    istio.io/rev: canary\n    istio.io/dataplane-mode: ambient\n');
      assert.match(one(lint(three), 'IR001').message, /IST0123: istio-injection=enabled, istio\.io\/rev=canary, istio\.io\/dataplane-mode=ambient/);
      assert.deepEqual(lint(nsDoc('off', '    istio-injection: disabled\n    istio.io/dataplane-mode: ambient\n')), []);
      assert.deepEqual(lint(nsDoc('amb', '    istio.io/dataplane-mode: ambient\n')), []);
      assert.deepEqual(lint(nsDoc('istio-system', '    istio.io/dataplane-mode: ambient\n    istio.io/rev: canary\n')), []);
      assert.deepEqual(
        [
          [{ 'istio-injection': 'enabled', 'istio.io/rev': 'x' }, 2],
          [{ 'istio-injection': 'disabled', 'istio.io/rev': 'x' }, 0],
          [{ 'istio.io/rev': 'x', 'istio.io/dataplane-mode': 'none' }, 2],
          [{ 'istio-injection': 'true', 'istio.io/dataplane-mode': 'ambient' }, 0],
        ].map(([l]) => ist0123Labels('ns', l as Record<string, string>).length),
        [2, 0, 2, 0],
      );
    });

    it('flow-style labels and quoted keys', () => {
      const t = 'kind: Namespace\nmetadata:\n  name: x\n  labels: {"istio-injection": enabled, \'istio.io/rev\': canary, team: a}\n';
      const f = one(lint(t), 'IR001');
      assert.equal(at(t, f), '"istio-injection": enabled');
      assert.equal(valid(fixed(t, f)), "kind: Namespace\nmetadata:\n  name: x\n  labels: {'istio.io/rev': canary, team: a}\n");
      assert.equal(fixed(t, f, 1), 'kind: Namespace\nmetadata:\n  name: x\n  labels: {"istio-injection": enabled, team: a}\n');
    });

    it('is silent with one label, and on non-Namespace objects', () => {
      assert.deepEqual(lint(nsDoc('a', '    istio.io/rev: canary\n')), []);
      assert.deepEqual(lint(nsDoc('a', '    istio-injection: enabled\n')), []);
      assert.deepEqual(lint('kind: ConfigMap\nmetadata:\n  name: a\n  labels:\n    istio-injection: enabled\n    istio.io/rev: canary\n'), []);
    });
  });

  describe('IR002 istio.io/rev naming nothing installed', () => {
    it('offers each tag, then each revision, in place of the value', () => {
      const t = nsDoc('pidgeon-test', '    istio.io/rev: pidgeon  # typo\n');
      const f = one(lint(t, seed()), 'IR002');
      assert.equal(at(t, f), 'pidgeon');
      assert.match(f.message, /names no revision or tag installed in cluster seed: .*no sidecar/);
      assert.deepEqual(
        f.fixes.map((x) => x.title),
        [
          'Use tag canary (→ 1-8-0)',
          'Use tag default (→ 1-7-6)',
          'Use tag prod (→ 1-7-6)',
          'Use revision 1-7-6 (Istio 1.7.6)',
          'Use revision 1-8-0 (Istio 1.8.0)',
        ],
      );
      assert.equal(fixed(t, f, 2), nsDoc('pidgeon-test', '    istio.io/rev: prod  # typo\n'));
    });

    it('keeps the quote style of the value', () => {
      const t = nsDoc('q', '    istio.io/rev: "pidgeon"\n');
      assert.equal(fixed(t, one(lint(t, seed()), 'IR002'), 3), nsDoc('q', '    istio.io/rev: "1-7-6"\n'));
    });

    it('checks pod templates in unlabelled namespaces', () => {
      const t =
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\n  namespace: kube-system\nspec:\n  template:\n    metadata:\n      labels:\n        istio.io/rev: 1-6-0\n';
      const f = one(lint(t, seed()), 'IR002');
      assert.equal(at(t, f), '1-6-0');
      assert.match(f.message, /these pods get no sidecar/);
    });

    it('is silent for installed tags and revisions, invalid names (IR006) and without a cluster', () => {
      for (const v of ['prod', 'canary', 'default', '1-7-6', '1-8-0'])
        assert.deepEqual(
          codes(lint(nsDoc('a', `    istio.io/rev: ${v}\n`), seed())).filter((c) => c === 'IR002'),
          [],
        );
      assert.deepEqual(codes(lint(nsDoc('a', '    istio.io/rev: 1.8.0\n'), seed())), ['IR006']);
      assert.deepEqual(lint(nsDoc('a', '    istio.io/rev: pidgeon\n')), []);
    });
  });

  describe('IR003 namespace pinned to a revision a tag points at', () => {
    it('offers the tag, named tags before default', () => {
      const t = nsDoc('pinned', '    istio.io/rev: 1-7-6\n');
      const f = one(lint(t, seed()), 'IR003');
      assert.equal(at(t, f), '1-7-6');
      assert.equal(f.severity, 'info');
      assert.deepEqual(
        f.fixes.map((x) => [x.title, !!x.isPreferred]),
        [
          ['Use tag prod', true],
          ['Use tag default', false],
        ],
      );
      assert.equal(fixed(t, f), nsDoc('pinned', '    istio.io/rev: prod\n'));
      assert.equal(one(lint(nsDoc('p', '    istio.io/rev: 1-8-0\n'), seed()), 'IR003').fixes[0].title, 'Use tag canary');
    });

    it('is silent for tags, untagged revisions and without a cluster', () => {
      assert.deepEqual(lint(nsDoc('a', '    istio.io/rev: canary\n'), seed()), []);
      assert.deepEqual(lint(nsDoc('a', '    istio.io/rev: 1-7-6\n')), []);
      const s = seedSnapshot();
      s.replace('MutatingWebhookConfiguration', [revisionMwc('1-7-6'), revisionMwc('1-8-0')]);
      assert.deepEqual(lint(nsDoc('a', '    istio.io/rev: 1-8-0\n'), lintContextFrom(s, 'untagged')), []);
    });
  });

  describe('IR004 pod-template istio.io/rev under a namespace injection label (#37088)', () => {
    const dep = (namespace: string, rev: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\n  namespace: ${namespace}\nspec:\n  template:\n    metadata:\n      labels:\n        app: w\n        istio.io/rev: ${rev}\n    spec:\n      containers: []\n`;

    it('uses a Namespace in the same file (no cluster needed)', () => {
      const t = `${nsDoc('apps', '    istio-injection: enabled\n')}---\n${dep('apps', 'canary')}`;
      const f = one(lint(t), 'IR004');
      assert.equal(at(t, f), 'istio.io/rev: canary');
      assert.equal(f.severity, 'warning');
      assert.match(f.message, /namespace apps \(in this file\) has istio-injection=enabled.*default revision/);
      assert.equal(
        valid(fixed(t, f)),
        `${nsDoc('apps', '    istio-injection: enabled\n')}---\n${dep('apps', 'canary').replace('        istio.io/rev: canary\n', '')}`,
      );
    });

    it('uses the live namespace, and says what the pods get', () => {
      const f = one(lint(dep('ns-a', 'canary'), seed()), 'IR004');
      assert.match(f.message, /namespace ns-a \(in cluster seed\) has istio\.io\/rev=prod.*pods get 1-7-6 \(tag prod\)/);
    });

    it('the file wins over the cluster; same value is only redundant', () => {
      assert.deepEqual(codes(lint(`${nsDoc('ns-a', '    team: a\n')}---\n${dep('ns-a', 'canary')}`, seed())), []);
      const f = one(lint(dep('ns-a', 'prod'), seed()), 'IR004');
      assert.equal(f.severity, 'info');
      assert.match(f.message, /redundant/);
    });

    it('is silent in unlabelled or unknown namespaces, and without metadata.namespace', () => {
      assert.deepEqual(codes(lint(dep('kube-system', 'canary'), seed())), []);
      assert.deepEqual(codes(lint(dep('elsewhere', 'canary'))), []);
      assert.deepEqual(codes(lint(dep('x', 'canary').replace('  namespace: x\n', ''), seed())), []);
    });

    it('covers CronJob job templates and bare Pods', () => {
      const cron =
        'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\n  namespace: ns-a\nspec:\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          labels: {istio.io/rev: canary}\n';
      assert.equal(at(cron, one(lint(cron, seed()), 'IR004')), 'istio.io/rev: canary');
      const p = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ns-c\n  labels:\n    istio.io/rev: prod\n';
      assert.match(one(lint(p, seed()), 'IR004').message, /pods get 1-8-0 \(tag canary\)/);
    });
  });

  describe('IR005 deprecated sidecar.istio.io/inject annotation (IST0135)', () => {
    const tpl = (meta: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\nspec:\n  template:\n    metadata:\n${meta}    spec:\n      containers: []\n`;

    it('moves the annotation to the existing labels, keeping the other annotations and comments', () => {
      const t = tpl(
        '      annotations:\n        # keep me\n        sidecar.istio.io/inject: "true"\n        prometheus.io/scrape: "true"\n      labels:\n        app: w  # app\n',
      );
      const f = one(lint(t), 'IR005');
      assert.equal(at(t, f), 'sidecar.istio.io/inject: "true"');
      assert.equal(f.severity, 'info');
      assert.equal(
        valid(fixed(t, f)),
        tpl(
          '      annotations:\n        # keep me\n        prometheus.io/scrape: "true"\n      labels:\n        app: w  # app\n        sidecar.istio.io/inject: "true"\n',
        ),
      );
    });

    it('removes a sole annotations map and creates labels when there are none', () => {
      const t = tpl('      annotations:\n        sidecar.istio.io/inject: "false"\n');
      assert.equal(valid(fixed(t, one(lint(t), 'IR005'))), tpl('      labels:\n        sidecar.istio.io/inject: "false"\n'));
      const u = tpl('      labels:\n        app: w\n      annotations:\n        sidecar.istio.io/inject: "true"\n');
      assert.equal(valid(fixed(u, one(lint(u), 'IR005'))), tpl('      labels:\n        app: w\n        sidecar.istio.io/inject: "true"\n'));
    });

    it('flow-style maps', () => {
      const t = tpl('      annotations: {sidecar.istio.io/inject: "true", a: b}\n      labels: {app: w}\n');
      assert.equal(valid(fixed(t, one(lint(t), 'IR005'))), tpl('      annotations: {a: b}\n      labels: {app: w, sidecar.istio.io/inject: "true"}\n'));
    });

    it('agrees with Istio: silent when the label says the same; warns when the label contradicts it', () => {
      assert.deepEqual(lint(tpl('      annotations:\n        sidecar.istio.io/inject: "true"\n      labels:\n        sidecar.istio.io/inject: "true"\n')), []);
      const t = tpl('      annotations:\n        sidecar.istio.io/inject: "true"\n      labels:\n        sidecar.istio.io/inject: "false"\n');
      const f = one(lint(t), 'IR005');
      assert.equal(f.severity, 'warning');
      assert.match(f.message, /ignored: the label sidecar\.istio\.io\/inject=false/);
      assert.equal(valid(fixed(t, f)), tpl('      labels:\n        sidecar.istio.io/inject: "false"\n'));
    });

    it('flags the annotation on the workload object itself (no effect there) and on bare Pods', () => {
      const t =
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\n  annotations:\n    sidecar.istio.io/inject: "true"\nspec:\n  template:\n    metadata:\n      labels: {app: w}\n';
      const f = one(lint(t), 'IR005');
      assert.match(f.message, /on the Deployment itself has no effect/);
      assert.deepEqual(f.fixes, []);
      const p = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    sidecar.istio.io/inject: "false"\n';
      assert.equal(
        valid(fixed(p, one(lint(p), 'IR005'))),
        'apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    sidecar.istio.io/inject: "false"\n  name: p\n',
      );
    });

    it('is silent for the label and for other annotations', () => {
      assert.deepEqual(lint(tpl('      labels:\n        sidecar.istio.io/inject: "true"\n      annotations:\n        proxy.istio.io/config: "{}"\n')), []);
    });
  });

  describe('IR006 invalid revision names', () => {
    it('IstioOperator spec.revision and spec.values.revisionTags', () => {
      const t =
        'apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  revision: 1.8.0 # canary\n  values:\n    revisionTags: [stable, Stable.1]\n';
      const fs_ = only(lint(t), 'IR006');
      assert.deepEqual(
        fs_.map((f) => at(t, f)),
        ['1.8.0', 'Stable.1'],
      );
      assert.equal(fs_[0].severity, 'error');
      assert.match(fs_[0].message, /IstioOperator spec\.revision: "1\.8\.0" is not a valid revision name/);
      assert.equal(fixed(t, fs_[0]), t.replace('1.8.0 #', '1-8-0 #'));
      assert.equal(fixed(t, fs_[1]), t.replace('Stable.1', 'stable-1'));
    });

    it('Helm values by file name or by keys; numbers as written', () => {
      const t = 'revision: "1.8.0"\nrevisionTags:\n  - prod\n  - canary.2\n';
      const byName = only(lint(t, { fileName: '/w/charts/values-canary.yaml' }), 'IR006');
      assert.deepEqual(
        byName.map((f) => at(t, f)),
        ['"1.8.0"', 'canary.2'],
      );
      assert.equal(fixed(t, byName[0]), t.replace('"1.8.0"', '"1-8-0"'));
      assert.equal(only(lint(t), 'IR006').length, 2, 'recognised by its top-level keys');
      const n = 'global:\n  hub: docker.io/istio\nrevision: 1.10\n';
      const f = one(lint(n), 'IR006');
      assert.match(f.message, /"1\.10"/);
      assert.equal(fixed(n, f), 'global:\n  hub: docker.io/istio\nrevision: 1-10\n');
    });

    it('label values', () => {
      const t = nsDoc('a', "    istio.io/rev: '1.8.0'\n");
      const f = one(lint(t), 'IR006');
      assert.equal(at(t, f), "'1.8.0'");
      assert.equal(fixed(t, f), nsDoc('a', "    istio.io/rev: '1-8-0'\n"));
    });

    it('is silent for valid or empty names and for other objects with a revision key', () => {
      assert.deepEqual(lint('revision: ""\nrevisionTags: [prod, canary]\nglobal: {}\n'), []);
      assert.deepEqual(lint('apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nspec:\n  revision: 1-8-0\n'), []);
      assert.deepEqual(lint('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  revision: 1.8.0\n'), []);
      // Some other tool's YAML with a `revision` key is not an Istio values file, unless it is named values*.yaml.
      assert.deepEqual(lint('name: app\nrevision: 1.2.3\n', { fileName: '/w/app/config.yaml' }), []);
      assert.equal(one(lint('revision: 1.2.3\n', { fileName: '/w/istiod/values.yaml' }), 'IR006').fixes[0].title, 'Change to 1-2-3');
    });
  });

  describe('IR008 / IR009 Gateway API and waypoints (cluster rules)', () => {
    const gw = (name: string, ns: string, cls: string, labels: string) =>
      `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n${labels ? `  labels:\n${labels}` : ''}spec:\n  gatewayClassName: ${cls}\n  listeners:\n  - {name: mesh, port: 15008, protocol: HBONE}\n`;
    it('IR008: a Gateway of an Istio class whose istio.io/rev names nothing installed; tags and revisions offered', () => {
      const t = gw('waypoint', 'amb', 'istio-waypoint', '    istio.io/rev: qa\n');
      const f = one(lint(t, seed()), 'IR008');
      assert.equal(at(t, f), 'qa');
      assert.match(f.message, /on waypoint waypoint names no revision or tag installed in cluster seed: no istiod takes it/);
      assert.deepEqual(f.fixes.map((x) => x.title).slice(0, 2), ['Use tag canary (→ 1-8-0)', 'Use tag default (→ 1-7-6)']);
      assert.deepEqual(
        lint(gw('waypoint', 'amb', 'istio-waypoint', '    istio.io/rev: canary\n'), seed()).filter((x) => x.code === 'IR008'),
        [],
      );
      assert.deepEqual(
        lint(gw('other', 'amb', 'nginx', '    istio.io/rev: qa\n'), seed()).filter((x) => x.code === 'IR008'),
        [],
        'not an Istio class: not ours',
      );
      assert.deepEqual(
        lint(t).filter((x) => x.code === 'IR008'),
        [],
        'no cluster: skipped, not guessed',
      );
    });
    it('IR009: istio.io/use-waypoint naming no waypoint in the cluster or the file; use-waypoint-namespace honoured; none is fine', () => {
      const ns = nsDoc('amb', '    istio.io/dataplane-mode: ambient\n    istio.io/use-waypoint: waypoint\n');
      const f = one(lint(ns, seed()), 'IR009');
      assert.equal(at(ns, f), 'waypoint');
      assert.match(f.message, /no waypoint waypoint runs in namespace amb in cluster seed .*istioctl waypoint apply -n amb --name waypoint/);
      assert.deepEqual(
        lint(`${ns}---\n${gw('waypoint', 'amb', 'istio-waypoint', '')}`, seed()).filter((x) => x.code === 'IR009'),
        [],
        'declared in the same file',
      );
      const other = nsDoc('amb', '    istio.io/use-waypoint: shared\n    istio.io/use-waypoint-namespace: infra\n');
      assert.match(one(lint(other, seed()), 'IR009').message, /in namespace infra/);
      assert.deepEqual(
        lint(`${other}---\n${gw('shared', 'infra', 'istio-waypoint', '')}`, seed()).filter((x) => x.code === 'IR009'),
        [],
      );
      assert.deepEqual(lint(nsDoc('amb', '    istio.io/use-waypoint: none\n'), seed()), []);
    });
  });

  describe('IR007 istio-injection value', () => {
    it('flags other values, preferring the fix their meaning suggests', () => {
      const t = nsDoc('a', '    istio-injection: true\n');
      const f = one(lint(t), 'IR007');
      assert.equal(at(t, f), 'true');
      assert.deepEqual(
        f.fixes.map((x) => [x.title, x.isPreferred]),
        [
          ['Change to enabled', true],
          ['Change to disabled', false],
        ],
      );
      assert.equal(fixed(t, f), nsDoc('a', '    istio-injection: enabled\n'));
      const g = one(lint(nsDoc('b', '    istio-injection: "off"\n')), 'IR007');
      assert.deepEqual(
        g.fixes.map((x) => x.isPreferred),
        [false, true],
      );
      assert.equal(one(lint(nsDoc('c', '    istio-injection: Enabled\n')), 'IR007').fixes[0].isPreferred, true);
    });

    it('is silent for enabled and disabled', () => {
      assert.deepEqual(lint(nsDoc('a', '    istio-injection: enabled\n')), []);
      assert.deepEqual(lint(nsDoc('a', '    istio-injection: "disabled"\n')), []);
    });
  });

  describe('files', () => {
    it('multi-document: ranges are file offsets in every document', () => {
      const a = nsDoc('one', '    istio-injection: yes\n');
      const b = nsDoc('two', '    istio-injection: nope\n');
      const t = `# leading comment\n${a}---\n# second\n${b}...\n---\n${a}`;
      const fs_ = lint(t);
      assert.deepEqual(
        fs_.map((f) => [f.code, at(t, f)]),
        [
          ['IR007', 'yes'],
          ['IR007', 'nope'],
          ['IR007', 'yes'],
        ],
      );
    });

    it('one malformed document: IR000 on it, the valid documents still checked', () => {
      const t = `${nsDoc('busted', '    istio-injection: enabled\n    istio.io/rev: canary\n')}---\nkind: Namespace\nmetadata:\n  name: half\n  labels: {istio.io/rev: prod\n---\n${nsDoc('pidgeon', '    istio.io/rev: pidgeon\n')}`;
      const fs_ = lint(t, seed());
      assert.deepEqual(codes(fs_), ['IR001', 'IR000', 'IR002']);
      assert.equal(at(t, fs_[1]), 'labels: {istio.io/rev: prod');
      assert.equal(at(t, fs_[2]), 'pidgeon');
      const ctx = seed();
      assert.deepEqual(codes(lint(t, ctx, ['IR000'])), ['IR001', 'IR002']);
    });

    it('cluster rules are skipped without a cluster; disabled codes are honoured', () => {
      const t = [nsDoc('a', '    istio.io/rev: pidgeon\n'), nsDoc('b', '    istio.io/rev: 1-7-6\n'), nsDoc('c', '    istio-injection: on\n')].join('---\n');
      assert.deepEqual(codes(lint(t, seed())), ['IR002', 'IR003', 'IR007']);
      assert.deepEqual(codes(lint(t)), ['IR007']);
      assert.deepEqual(codes(lint(t, seed(), ['IR002', 'IR007'])), ['IR003']);
      assert.deepEqual(
        RULES.map((r) => [r.code, r.needsCluster]),
        [
          ['IR001', false],
          ['IR002', true],
          ['IR003', true],
          ['IR004', false],
          ['IR005', false],
          ['IR006', false],
          ['IR007', false],
          ['IR008', true],
          ['IR009', true],
        ],
      );
    });

    it('labels through an alias: reported at the alias, no fix (the anchor is shared)', () => {
      const t =
        'common: &common\n  istio-injection: enabled\n  istio.io/rev: canary\n---\nkind: Namespace\nmetadata:\n  name: a\n  labels: &l\n    istio-injection: enabled\n    istio.io/rev: canary\n  annotations: {}\n';
      const f = one(lint(t), 'IR001');
      assert.equal(f.fixes.length, 2, 'the anchored map itself is editable');
      const u = 'kind: Namespace\nmetadata:\n  name: a\n  x: &l\n    istio-injection: enabled\n    istio.io/rev: canary\n  labels: *l\n';
      const g = one(lint(u), 'IR001');
      assert.equal(at(u, g), '*l');
      assert.deepEqual(g.fixes, []);
    });

    it('garbage and odd input never throws', () => {
      const inputs = [
        '',
        '---',
        '--- \n---\n',
        '\u0000\u0001\u0002 istio.io/rev',
        '{{ .Values.revision }}\nrevision: {{ .Values.rev }}\n',
        'kind: Namespace\nmetadata: [1, 2]\n',
        'kind: Namespace\nmetadata:\n  labels: [istio.io/rev]\n',
        'kind: Namespace\nmetadata:\n  labels:\n    ? [a]\n    : b\n    istio.io/rev:\n',
        'kind: Deployment\nspec:\n  template: *missing\n',
        '\t\tistio-injection:\t"\n',
        'revision: ' + 'x'.repeat(100_000),
        'a: b\n'.repeat(20_000) + 'istio.io/rev: 1.8.0\n',
        Array.from({ length: 2000 }, (_, i) => String.fromCharCode((i * 7919) % 65536)).join(''),
        'kind: Namespace\nmetadata:\n  name: x\n  labels:\n    istio-injection: &a enabled\n    istio.io/rev: *a\n',
      ];
      for (const t of inputs) assert.doesNotThrow(() => lint(t, seed()), JSON.stringify(t.slice(0, 40)));
      assert.deepEqual(lint(undefined as unknown as string), []);
    });

    it('chunks split only at --- lines', () => {
      const t = 'a: 1\n---\nb: "---"\n--- # c\nc: 3\n----\n';
      assert.deepEqual(
        chunks(t).map((c) => t.slice(c.start, c.end)),
        ['a: 1\n', '---\nb: "---"\n', '--- # c\nc: 3\n----\n'],
      );
    });

    it('a generated 5,000-line manifest', () => {
      const parts: string[] = [];
      let lines = 0;
      let i = 0;
      while (lines < 5000) {
        const d =
          i % 10 === 0
            ? `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-${i}\n  labels:\n    istio.io/rev: ${i % 20 === 0 ? '1.8.0' : 'pidgeon'}\n`
            : i % 10 === 5
              ? `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\n  namespace: ns-${i - 5}\nspec:\n  template:\n    metadata:\n      annotations:\n        sidecar.istio.io/inject: "true"\n      labels:\n        app: app-${i}\n        istio.io/rev: canary\n    spec:\n      containers:\n      - name: app\n        image: app:${i}\n`
              : `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-${i}\nspec:\n  selector:\n    app: svc-${i}\n  ports:\n  - name: http\n    port: 80\n`;
        parts.push(d);
        lines += d.split('\n').length;
        i++;
      }
      const t = parts.join('---\n');
      assert.ok(t.split('\n').length >= 5000);
      const nNs = Math.ceil(i / 10);
      const dotted = Math.ceil(i / 20);
      const nDep = Math.floor((i + 4) / 10);
      const fs_ = lint(t, seed());
      const count = (c: string) => only(fs_, c).length;
      assert.equal(count('IR006'), dotted);
      assert.equal(count('IR002'), nNs - dotted);
      assert.equal(count('IR005'), nDep);
      assert.equal(count('IR004'), nDep);
      assert.equal(fs_.length, nNs + 2 * nDep);
      for (const f of only(fs_, 'IR002')) assert.equal(at(t, f), 'pidgeon');
      // Linting again after a one-line edit gives the same result (cached parses stay correct when documents move).
      const edited = `# edited\n${t}`;
      const again = lint(edited, seed());
      assert.deepEqual(
        again.map((f) => [f.code, edited.slice(f.range[0], f.range[1])]),
        fs_.map((f) => [f.code, at(t, f)]),
      );
    });
  });

  describe("Istio's analyzer test data (testdata/injection.yaml)", () => {
    // The namespaces and pods of Istio's injection analyzer test, rewritten: the analyzer
    // reports IST0123 only for `busted`; its deprecated-annotation check (IST0135) fires on
    // podinjectiondisabled and stays silent on a pod that also has the label.
    const t = [
      nsDoc('default', '    istio-injection: enabled\n'),
      nsDoc('foo', '    istio-injection: disabled\n'),
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: bar\n',
      nsDoc('canary-test', '    istio.io/rev: canary\n'),
      nsDoc('pidgeon-test', '    istio.io/rev: pidgeon\n'),
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: busted\n  labels:\n    istio-injection: enabled\n    istio.io/rev: canary\n',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: podinjectiondisabled\n  namespace: default\n  annotations:\n    sidecar.istio.io/inject: "false"\nspec:\n  containers:\n  - name: server\n',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: podinjectiondisabled-label\n  namespace: default\n  labels:\n    sidecar.istio.io/inject: "false"\n',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: podinjectiondisabled-label-and-anno\n  namespace: default\n  annotations:\n    sidecar.istio.io/inject: "false"\n  labels:\n    sidecar.istio.io/inject: "false"\n',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: istiod-canary-1234567890-12345\n  namespace: istio-system\n  labels:\n    app: istiod\n    istio: pilot\n    istio.io/rev: canary\n',
    ].join('---\n');

    it('static rules agree with IST0123 / IST0135', () => {
      const fs_ = lint(t);
      assert.deepEqual(
        fs_.map((f) => [f.code, at(t, f)]),
        [
          ['IR001', 'istio-injection: enabled'],
          ['IR005', 'sidecar.istio.io/inject: "false"'],
        ],
      );
      assert.ok(t.indexOf('name: busted') < fs_[0].range[0] && fs_[0].range[0] < t.indexOf('name: podinjectiondisabled'));
    });

    it('with the seed cluster, also the revision nothing installs (pidgeon), which the analyzer does not report', () => {
      const fs_ = lint(t, seed());
      assert.deepEqual(codes(fs_), ['IR002', 'IR001', 'IR005']);
      assert.equal(at(t, fs_[0]), 'pidgeon');
    });

    it('a pod that contradicts its label: Istio is silent, IR005 warns that the annotation is ignored', () => {
      const p =
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: podinjectiondisabled-label-and-anno\n  annotations:\n    sidecar.istio.io/inject: "true"\n  labels:\n    sidecar.istio.io/inject: "false"\n';
      assert.equal(one(lint(p), 'IR005').severity, 'warning');
    });
  });

  describe('sample manifests (test/fixtures/manifests)', () => {
    const dir = path.join(__dirname, '..', 'fixtures', 'manifests');
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      it(`${file} produces the codes its header documents`, () => {
        const text = fs.readFileSync(path.join(dir, file), 'utf8');
        const expected = (key: string) =>
          (text.match(new RegExp(`^# ${key}: (.*)$`, 'm'))?.[1] ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
            .sort();
        const got = (ctx: LintContext) => codes(lintText(text, { ...ctx, fileName: path.join(dir, file) })).sort();
        assert.deepEqual(got(seed()), expected('expect'));
        assert.deepEqual(got({}), expected('expect-static'));
      });
    }
  });

  describe('cluster view, hover and CodeLens', () => {
    it('lintContextFrom builds tags, installed revisions and live namespaces', () => {
      const v = seed().cluster!;
      assert.equal(v.context, 'seed');
      assert.equal(v.defaultRevision, '1-7-6');
      assert.deepEqual(
        [...v.tags].map(([n, t]) => [n, t.revision]),
        [
          ['canary', '1-8-0'],
          ['default', '1-7-6'],
          ['prod', '1-7-6'],
        ],
      );
      assert.deepEqual(
        [...v.revisions].map(([n, r]) => [n, r.version, r.installed, r.tags, r.proxies, r.stale]),
        [
          ['1-7-6', '1.7.6', true, ['default', 'prod'], 5, 1],
          ['1-8-0', '1.8.0', true, ['canary'], 1, 0],
        ],
      );
      assert.deepEqual(v.namespaces.get('ns-c'), {
        labels: { 'kubernetes.io/metadata.name': 'ns-c', 'istio.io/rev': 'canary' },
        resolvedRevision: '1-8-0',
        viaTag: 'canary',
        resolves: '1-8-0 (tag canary)',
        proxies: 2,
        stale: 1,
      });
      assert.equal(lintContextFrom(undefined, 'none').cluster, undefined);
    });

    it('hover: tag → revision → version, namespaces, proxies and stale counts', () => {
      const t = nsDoc('ns-c', '    istio.io/rev: canary\n');
      const { docs } = parseManifest(t);
      const site = injectionLabelAt(docs, t.indexOf('canary') + 2)!;
      assert.deepEqual(
        [site.key, site.value, site.where, site.namespace, t.slice(...site.range)],
        ['istio.io/rev', 'canary', 'namespace', 'ns-c', 'istio.io/rev: canary'],
      );
      const lines = describeLabelSite(site, seed().cluster);
      assert.match(lines[0], /tag \*\*canary\*\* → revision \*\*1-8-0\*\* → Istio 1\.8\.0/);
      assert.match(lines[1], /^1 namespace labelled `istio\.io\/rev=canary` \(ns-c\) · 2 proxies · 1 stale\.$/);
      assert.match(lines.join('\n'), /Namespace `ns-c` in the cluster: resolves to 1-8-0 \(tag canary\) · 2 proxies \(1 stale\)/);
      assert.match(describeLabelSite(site, undefined).join('\n'), /No cluster is loaded/);
      assert.equal(injectionLabelAt(docs, t.indexOf('name:')), undefined);
    });

    it('hover on istio-injection=enabled names the default revision', () => {
      const t = nsDoc('test-ns', '    istio-injection: enabled\n');
      const site = injectionLabelAt(parseManifest(t).docs, t.indexOf('istio-injection'))!;
      const lines = describeLabelSite(site, seed().cluster);
      assert.match(lines[0], /tag \*\*default\*\* → revision \*\*1-7-6\*\* → Istio 1\.7\.6/);
      assert.match(lines[1], /^1 namespace labelled `istio-injection=enabled` \(test-ns\) · 1 proxy · 0 stale\.$/);
    });

    it('CodeLens data: what the file labels resolve to, and the live namespace', () => {
      const t = `${nsDoc('ns-a', '    istio.io/rev: canary\n')}---\n${nsDoc('new-ns', '    istio-injection: enabled\n')}`;
      const lenses = namespaceDocs(parseManifest(t).docs);
      assert.deepEqual(
        lenses.map((l) => [l.name, t.slice(...l.range)]),
        [
          ['ns-a', 'kind'],
          ['new-ns', 'kind'],
        ],
      );
      const v = seed().cluster!;
      assert.deepEqual(describeNamespaceLens(lenses[0], v), { resolves: '1-8-0 (tag canary)', live: { proxies: 2, stale: 0, resolves: '1-7-6 (tag prod)' } });
      assert.deepEqual(describeNamespaceLens(lenses[1], v), { resolves: '1-7-6 (tag default)', live: undefined });
    });
  });
});
