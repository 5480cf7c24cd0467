// Bundles the extension (dist/extension.js, `vscode` external) and the CLI (dist/cli.js).
// `--production` minifies; `--watch` rebuilds on change; `--metafile` writes dist/meta.json for size checks.
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const metafile = process.argv.includes('--metafile');

const path = require('path');

/**
 * Size plugins: node-fetch is replaced by Node's built-in fetch/Headers, and the
 * generated API client that client-node's config.js imports (but KubeConfig's auth
 * path never uses) is left out. See scripts/shims/.
 */
const slim = {
  name: 'slim',
  setup(build) {
    build.onResolve({ filter: /^node-fetch$/ }, () => ({ path: path.join(__dirname, 'scripts/shims/node-fetch.js') }));
    build.onResolve({ filter: /^\.\/gen\/index\.js$/ }, (args) => {
      if (!args.importer.endsWith(`${path.sep}client-node${path.sep}dist${path.sep}config.js`)) return undefined;
      return { path: path.join(__dirname, 'scripts/shims/client-node-gen.js') };
    });
  },
};

/**
 * Modules the extension loads from their own file on first use, so the extension host parses only the
 * rest when it loads the extension: client-node's KubeConfig (with its YAML, JSONPath, proxy-agent and
 * OIDC dependencies, ~300 KiB; src/k8s/kubeconfig.ts requires it lazily) as dist/kube-config.js, and
 * `yaml` (~110 KiB, needed once a manifest is linted, an injector ConfigMap read or a Helm manifest
 * parsed; src/istio/yaml.ts) as dist/yaml.js.
 */
const KUBE_CONFIG = '@kubernetes/client-node/dist/config.js';
const apart = [
  { filter: /^@kubernetes\/client-node\/dist\/config\.js$/, file: 'kube-config.js', entry: require.resolve(KUBE_CONFIG) },
  { filter: /^yaml$/, file: 'yaml.js', entry: require.resolve('yaml') },
];
const loadedApart = {
  name: 'loaded-apart',
  setup(build) {
    for (const a of apart) build.onResolve({ filter: a.filter }, () => ({ path: `./${a.file}`, external: true }));
  },
};

const common = {
  plugins: [slim],
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
  metafile,
  // client-node ships ESM that reaches optional cloud/auth helpers we never call at load time.
  mainFields: ['module', 'main'],
};

async function main() {
  const builds = [
    {
      ...common,
      entryPoints: ['src/extension.ts'],
      outfile: 'dist/extension.js',
      external: ['vscode'],
      plugins: [slim, loadedApart],
      // when the extension host starts and ends evaluating the bundle: activate() reports both
      banner: { js: 'var __istioRevisionsLoadStart = performance.now();' },
      footer: { js: 'var __istioRevisionsLoadEnd = performance.now();' },
    },
    ...apart.map((a) => ({ ...common, entryPoints: [a.entry], outfile: `dist/${a.file}` })),
    { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } },
  ];
  if (watch) {
    for (const b of builds) await (await esbuild.context(b)).watch();
    return;
  }
  const results = await Promise.all(builds.map((b) => esbuild.build(b)));
  if (metafile) require('fs').writeFileSync('dist/meta.json', JSON.stringify(results[0].metafile));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
