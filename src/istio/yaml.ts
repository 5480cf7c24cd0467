/**
 * The `yaml` package, loaded on first use. The extension's bundle keeps it in its own file
 * (dist/yaml.js, see esbuild.js), so the extension host does not read and compile its ~110 KiB
 * when the extension activates — only when a manifest is first linted, an injector ConfigMap read
 * or a Helm manifest parsed.
 */
let mod: typeof import('yaml') | undefined;

export function yaml(): typeof import('yaml') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (see above)
  return (mod ??= require('yaml') as typeof import('yaml'));
}
