// A `vscode` module for running the bundled extension in plain Node (benchmarks only): every API
// is a no-op that returns disposables, except what the tree and the cluster manager need to work
// as in VS Code — events that deliver, TreeItem, ThemeIcon, ThemeColor, MarkdownString, l10n.t.
// Usage: require('./vscode-shim').install(); then require the bundle.
const Module = require('module');

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
    this.listeners = new Set();
    this.event = (fn, thisArg, disposables) => {
      const f = thisArg ? fn.bind(thisArg) : fn;
      this.listeners.add(f);
      const d = { dispose: () => this.listeners.delete(f) };
      if (Array.isArray(disposables)) disposables.push(d);
      return d;
    };
  }
  fire(e) {
    for (const f of [...this.listeners]) f(e);
  }
  dispose() {
    this.listeners.clear();
  }
}

const format = (m, args) => m.replace(/\{(\d+)\}/g, (_, i) => String(args[Number(i)]));

function install() {
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
    TreeItem: class {
      constructor(label, collapsibleState) {
        this.label = label;
        this.collapsibleState = collapsibleState;
      }
    },
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    ThemeIcon: class {
      constructor(id, color) {
        this.id = id;
        this.color = color;
      }
    },
    ThemeColor: class {
      constructor(id) {
        this.id = id;
      }
    },
    MarkdownString: class {
      constructor(value = '', supportThemeIcons = false) {
        this.value = value;
        this.supportThemeIcons = supportThemeIcons;
      }
      appendMarkdown(s) {
        this.value += s;
        return this;
      }
      appendText(s) {
        this.value += s;
        return this;
      }
      appendCodeblock(s) {
        this.value += `\n\`\`\`\n${s}\n\`\`\`\n`;
        return this;
      }
    },
    l10n: new Proxy(
      { t: (m, ...a) => (typeof m === 'string' ? format(m, Array.isArray(a[0]) ? a[0] : a) : format(m.message, m.args ?? [])) },
      { get: (t, p) => t[p] ?? stub(`l10n.${String(p)}`) },
    ),
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
    'Uri',
    'RelativePattern',
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
  return { stub, vscode };
}

module.exports = { install, stub };
