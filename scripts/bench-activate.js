// Measures loading and activating the bundled extension with a stub `vscode` module
// (every API is a no-op that returns disposables/emitters), a cluster configured via
// KUBECONFIG, until activate() returns — before the first list comes back.
// Usage: node scripts/bench-activate.js dist/extension.js <kubeconfig>
const Module = require('module');
const [, , bundle, kubeconfig] = process.argv;
process.env.KUBECONFIG = kubeconfig;

const disposable = { dispose() {} };
function stub(name) {
  const fn = function () {
    return stub(`${name}()`);
  };
  return new Proxy(fn, {
    get(_t, p) {
      if (p === 'then') return undefined;
      if (p === 'dispose') return () => {};
      if (p === 'event') return () => disposable;
      if (p === Symbol.toPrimitive) return () => name;
      return stub(`${name}.${String(p)}`);
    },
    set() {
      return true;
    },
    defineProperty() {
      return true;
    },
    construct() {
      return stub(`new ${name}`);
    },
    apply() {
      return stub(`${name}()`);
    },
  });
}
class EventEmitter {
  constructor() {
    this.event = () => disposable;
  }
  fire() {}
  dispose() {}
}
// esbuild's interop copies the module's own properties, so every namespace is listed.
const vscode = {
  EventEmitter,
  Disposable: class {
    constructor(f) {
      this.dispose = f;
    }
    static from() {
      return disposable;
    }
  },
  workspace: new Proxy(
    { getConfiguration: () => ({ get: (_k, d) => d, update: async () => {} }), onDidChangeConfiguration: () => disposable },
    { get: (t, p) => t[p] ?? stub(`workspace.${String(p)}`) },
  ),
  commands: new Proxy({ executeCommand: async () => undefined, registerCommand: () => disposable }, { get: (t, p) => t[p] ?? stub(`commands.${String(p)}`) }),
};
for (const k of [
  'window',
  'languages',
  'env',
  'extensions',
  'l10n',
  'Uri',
  'RelativePattern',
  'ThemeIcon',
  'ThemeColor',
  'MarkdownString',
  'TreeItem',
  'TreeItemCollapsibleState',
  'StatusBarAlignment',
  'ProgressLocation',
  'ViewColumn',
  'CodeActionKind',
  'CodeAction',
  'CodeLens',
  'Diagnostic',
  'DiagnosticSeverity',
  'Range',
  'Position',
  'Hover',
  'WorkspaceEdit',
  'QuickPickItemKind',
  'ConfigurationTarget',
  'CancellationError',
  'Location',
]) {
  vscode[k] = stub(k);
}

const origResolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'vscode' ? 'vscode' : origResolve.call(this, request, ...rest);
};
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscode };

const t0 = performance.now();
const ext = require(require('path').resolve(bundle));
const tLoad = performance.now();
const ctx = { subscriptions: [], extensionUri: stub('uri'), extensionPath: process.cwd(), globalState: stub('gs'), workspaceState: stub('ws') };
ext.activate(ctx);
const t1 = performance.now();
console.log(JSON.stringify({ loadMs: tLoad - t0, activateMs: t1 - t0 }));
process.exit(0);
