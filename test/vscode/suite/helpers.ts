/**
 * Helpers of the extension-host suite: the activated extension's API, waiting, and the
 * tree read the way the workbench reads it (getChildren + getTreeItem).
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/extension';

export const EXTENSION_ID = 'istio-revisions.istio-revisions';
/** The kubeconfig context of the local cluster (test/cluster); override with ISTIO_REVISIONS_E2E_CONTEXT. */
export const CONTEXT = process.env.ISTIO_REVISIONS_E2E_CONTEXT || 'istio-revisions-local';

/**
 * Prints a line into the suite's output. Goes through mocha's Base.consoleLog, which
 * suite/index.ts points at its log (a plain console.log in the extension host goes to the
 * host's own console, not to the runner).
 */
export function say(...args: unknown[]): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the mocha instance the host runs, found at run time
  const base = (require('mocha') as any).reporters?.Base;
  (base?.consoleLog ?? console.log)(...args);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value (returned) or `timeoutMs` passes (then throws with `what` and the last value/error). */
export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 20_000, everyMs = 200): Promise<NonNullable<T>> {
  const t0 = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    }
    await sleep(everyMs);
  }
}

let cached: ExtensionApi | undefined;

/** Activates the extension (once) and waits for the first kubeconfig load and for CONTEXT to be ready. */
export async function extensionApi(): Promise<ExtensionApi> {
  if (cached) return cached;
  const ext = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this extension host`);
  const api = ext.isActive ? ext.exports : await ext.activate();
  assert.ok(api && api.tree && api.clusters && api.ready, 'activate() returned no { clusters, tree, ready } API');
  await api.ready;
  await waitFor(
    `cluster ${CONTEXT} to be ready`,
    () => {
      const e = api.clusters.get(CONTEXT);
      const phase = e?.watcher?.phase;
      if (phase?.phase === 'error') throw new Error(`cluster ${CONTEXT}: ${phase.message}`);
      return phase?.phase === 'ready';
    },
    60_000,
  );
  cached = api;
  return api;
}

export interface Row {
  label: string;
  description: string;
  contextValue: string;
  node: any;
}

function labelOf(it: vscode.TreeItem): string {
  const l = it.label;
  return typeof l === 'string' ? l : (l?.label ?? '');
}

export async function rows(api: ExtensionApi, parent?: any): Promise<Row[]> {
  const children = (await api.tree.getChildren(parent)) ?? [];
  const out: Row[] = [];
  for (const node of children) {
    const it = await api.tree.getTreeItem(node);
    out.push({ label: labelOf(it), description: typeof it.description === 'string' ? it.description : '', contextValue: it.contextValue ?? '', node });
  }
  return out;
}

/** The tree under the cluster row of `context`: { cluster row, groups: label → rows }. */
export async function clusterTree(api: ExtensionApi, context = CONTEXT): Promise<{ cluster: Row; groups: Map<string, Row[]> }> {
  const top = await rows(api);
  const cluster = top.find((r) => r.label === context);
  assert.ok(cluster, `no cluster row "${context}"; rows: ${top.map((r) => r.label).join(', ')}`);
  const groups = new Map<string, Row[]>();
  for (const g of await rows(api, cluster.node)) {
    let children = await rows(api, g.node);
    // Namespaces not in the mesh sit under "Other namespaces".
    const other = children.find((r) => r.label === 'Other namespaces');
    if (other) children = [...children.filter((r) => r !== other), ...(await rows(api, other.node))];
    groups.set(g.label, children);
  }
  return { cluster, groups };
}

export function dumpTree(t: { cluster: Row; groups: Map<string, Row[]> }): string {
  const lines = [`${t.cluster.label} — ${t.cluster.description}`];
  for (const [g, rs] of t.groups) {
    lines.push(`  ${g}`);
    for (const r of rs) lines.push(`    ${r.label} — ${r.description}`);
  }
  return lines.join('\n');
}

export function row(rs: Row[] | undefined, label: string): Row {
  const r = (rs ?? []).find((x) => x.label === label);
  assert.ok(r, `no row "${label}"; rows: ${(rs ?? []).map((x) => x.label).join(', ')}`);
  return r;
}

/** Waits until the namespace row `name` is described with `expected` (a substring). */
export async function waitNamespaceRow(api: ExtensionApi, name: string, expected: string, timeoutMs = 20_000): Promise<Row> {
  return waitFor(
    `namespace row ${name} to show "${expected}"`,
    async () => {
      api.tree.flush();
      const t = await clusterTree(api);
      const r = (t.groups.get('Namespaces') ?? []).find((x) => x.label === name);
      if (!r) throw new Error(`no row ${name}`);
      if (!r.description.includes(expected)) throw new Error(`row ${name}: "${r.description}"`);
      return r;
    },
    timeoutMs,
  );
}

/** The command ids the extension's package.json contributes. */
export function contributedCommands(): string[] {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  return ((ext?.packageJSON?.contributes?.commands ?? []) as Array<{ command: string }>).map((c) => c.command);
}

export async function registeredCommands(): Promise<Set<string>> {
  return new Set(await vscode.commands.getCommands(true));
}
