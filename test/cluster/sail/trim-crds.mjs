// Regenerates test/cluster/sail/crds.yaml: the Sail operator's CRDs for Istio, IstioRevision and
// IstioRevisionTag (sailoperator.io/v1, from istio-ecosystem/sail-operator chart/crds/), with the
// Helm `values` schema under spec (hundreds of KB of Istio's values) replaced by
// x-kubernetes-preserve-unknown-fields (keeping values.revision and values.global.istioNamespace,
// which the CEL rules read). Everything else — versions, scope, printer columns, enums,
// defaults, CEL validation rules, the status subresource and schema — is the operator's own.
// Usage: node test/cluster/sail/trim-crds.mjs <sail-operator checkout> [commit]
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { parse, stringify } from 'yaml';

const [repo, commit = 'HEAD'] = process.argv.slice(2);
if (!repo) {
  console.error('usage: trim-crds.mjs <sail-operator git dir or checkout> [commit]');
  process.exit(64);
}
const read = (f) =>
  fs.existsSync(path.join(repo, f))
    ? fs.readFileSync(path.join(repo, f), 'utf8')
    : execFileSync('git', ['--git-dir', repo, 'show', `${commit}:${f}`], { encoding: 'utf8', maxBuffer: 64 << 20 });
const rev = (() => {
  try {
    return execFileSync('git', ['--git-dir', repo, 'rev-parse', commit], { encoding: 'utf8' }).trim();
  } catch {
    return commit;
  }
})();
const out = [];
for (const plural of ['istios', 'istiorevisions', 'istiorevisiontags']) {
  const crd = parse(read(`chart/crds/sailoperator.io_${plural}.yaml`));
  for (const v of crd.spec.versions) {
    const spec = v.schema?.openAPIV3Schema?.properties?.spec;
    if (spec?.properties?.values) {
      // the fields the CEL rules read stay typed (values.revision, values.global.istioNamespace)
      const vals = spec.properties.values;
      spec.properties.values = {
        type: 'object',
        'x-kubernetes-preserve-unknown-fields': true,
        description: `${vals.description ?? ''} (schema trimmed for the test bench)`.trim(),
        properties: {
          ...(vals.properties?.revision ? { revision: vals.properties.revision } : {}),
          global: {
            type: 'object',
            'x-kubernetes-preserve-unknown-fields': true,
            properties: { istioNamespace: vals.properties?.global?.properties?.istioNamespace ?? { type: 'string' } },
          },
        },
      };
    }
  }
  out.push(stringify(crd, { lineWidth: 0 }));
}
const header = `# Sail operator CRDs (sailoperator.io/v1 Istio, IstioRevision, IstioRevisionTag) from\n# github.com/istio-ecosystem/sail-operator ${rev} chart/crds/ (Apache License 2.0),\n# spec.values schema trimmed by test/cluster/sail/trim-crds.mjs. Do not edit by hand.\n`;
fs.writeFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'crds.yaml'), header + out.map((d) => `---\n${d}`).join(''));
console.error(`wrote crds.yaml from ${rev}`);
