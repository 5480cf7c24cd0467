// Text assets bundled into the extension-host suite by test/vscode/build.mjs (esbuild `text` loader).
declare module '*.yaml' {
  const text: string;
  export default text;
}
