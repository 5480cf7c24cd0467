/**
 * Kubeconfig loading the way kubectl does it: the files in $KUBECONFIG (path-list,
 * merged, the first file to define a name wins, the first current-context wins),
 * else ~/.kube/config; plus extra paths from the `istioRevisions.kubeconfigPaths`
 * setting. Relative certificate paths resolve against their own file. Problems are
 * collected per file (missing, unreadable, malformed) instead of thrown, so one bad
 * file does not hide the clusters of the others.
 */
import { spawn, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';

/**
 * client-node's KubeConfig, required on first use: client-node and what it pulls in (YAML,
 * JSONPath, the SOCKS proxy agent, the OIDC client) are then evaluated when the first kubeconfig
 * is read, after activate() has returned, instead of while the extension host loads the bundle.
 */
function newKubeConfig(): KubeConfig {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately lazy (see above); esbuild wraps the module for it
  const m = require('@kubernetes/client-node/dist/config.js') as typeof import('@kubernetes/client-node/dist/config.js');
  return new m.KubeConfig();
}

export interface KubeconfigProblem {
  path: string;
  kind: 'missing' | 'unreadable' | 'malformed' | 'empty';
  message: string;
}

export interface ContextInfo {
  name: string;
  cluster: string;
  user: string;
  namespace?: string;
  server?: string;
  /** Set when the context names a cluster or user the kubeconfig lacks. */
  problem?: string;
}

export interface LoadedKubeconfig {
  paths: string[];
  problems: KubeconfigProblem[];
  contexts: ContextInfo[];
  currentContext?: string;
  /** The merged config; undefined when no file could be loaded. */
  config?: KubeConfig;
}

export function kubeconfigPaths(env: NodeJS.ProcessEnv = process.env, extra: string[] = [], home = os.homedir()): string[] {
  const out: string[] = [];
  const fromEnv = (env.KUBECONFIG ?? '').split(path.delimiter).filter((p) => p.trim() !== '');
  if (fromEnv.length > 0) out.push(...fromEnv);
  else out.push(path.join(home, '.kube', 'config'));
  for (const p of extra) if (p.trim()) out.push(p.startsWith('~') ? path.join(home, p.slice(1)) : p);
  return [...new Set(out.map((p) => path.resolve(p)))];
}

function describeFsError(p: string, e: NodeJS.ErrnoException): KubeconfigProblem {
  if (e.code === 'ENOENT') return { path: p, kind: 'missing', message: `kubeconfig ${p} does not exist` };
  if (e.code === 'EACCES' || e.code === 'EPERM') return { path: p, kind: 'unreadable', message: `kubeconfig ${p} is not readable (permission denied)` };
  if (e.code === 'EISDIR') return { path: p, kind: 'unreadable', message: `kubeconfig ${p} is a directory` };
  return { path: p, kind: 'unreadable', message: `kubeconfig ${p} cannot be read: ${e.message}` };
}

export function loadKubeconfigs(paths: string[]): LoadedKubeconfig {
  const problems: KubeconfigProblem[] = [];
  let merged: KubeConfig | undefined;
  for (const p of paths) {
    let text: string;
    try {
      text = fs.readFileSync(p, 'utf8');
    } catch (e) {
      problems.push(describeFsError(p, e as NodeJS.ErrnoException));
      continue;
    }
    if (text.trim() === '') {
      problems.push({ path: p, kind: 'empty', message: `kubeconfig ${p} is empty` });
      continue;
    }
    const kc = newKubeConfig();
    try {
      kc.loadFromString(text);
    } catch (e) {
      problems.push({ path: p, kind: 'malformed', message: `kubeconfig ${p} is not a valid kubeconfig: ${malformedCause(e)}` });
      continue;
    }
    kc.makePathsAbsolute(path.dirname(p));
    if (!merged) {
      merged = kc;
      continue;
    }
    // kubectl merge: the first file to define a name wins; the first current-context wins.
    for (const c of kc.clusters) if (!merged.clusters.some((x) => x.name === c.name)) merged.addCluster(c);
    for (const u of kc.users) if (!merged.users.some((x) => x.name === u.name)) merged.addUser(u);
    for (const c of kc.contexts) if (!merged.contexts.some((x) => x.name === c.name)) merged.addContext(c);
    if (!merged.currentContext && kc.currentContext) merged.setCurrentContext(kc.currentContext);
  }
  const contexts: ContextInfo[] = (merged?.contexts ?? []).map((c) => {
    const cluster = merged!.getCluster(c.cluster);
    const user = merged!.getUser(c.user);
    let problem: string | undefined;
    if (!cluster) problem = `context "${c.name}" names cluster "${c.cluster}", which no kubeconfig file defines`;
    else if (!user && c.user) problem = `context "${c.name}" names user "${c.user}", which no kubeconfig file defines`;
    return { name: c.name, cluster: c.cluster, user: c.user, namespace: c.namespace, server: cluster?.server, problem };
  });
  const currentContext = merged?.currentContext && contexts.some((c) => c.name === merged!.currentContext) ? merged.currentContext : undefined;
  return { paths, problems, contexts, currentContext, config: merged };
}

/** A KubeConfig whose current context is `context` (the merged config is left untouched). */
export function configForContext(loaded: LoadedKubeconfig, context: string): { ok: true; config: KubeConfig } | { ok: false; message: string } {
  const info = loaded.contexts.find((c) => c.name === context);
  if (!loaded.config || !info) return { ok: false, message: `context "${context}" is not in the kubeconfig (${loaded.paths.join(', ')})` };
  if (info.problem) return { ok: false, message: info.problem };
  const kc = newKubeConfig();
  kc.loadFromOptions({
    clusters: loaded.config.clusters,
    users: loaded.config.users,
    contexts: loaded.config.contexts,
    currentContext: context,
  });
  return { ok: true, config: kc };
}

/** client-node's parse error in one line, its internal TypeErrors said in kubeconfig terms. */
function malformedCause(e: unknown): string {
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  const field = /Cannot read propert(?:y|ies) of (?:null|undefined) \(reading '([^']+)'\)/.exec(msg)?.[1];
  if (field) return `an entry of clusters, users or contexts is empty or not a map (no "${field}")`;
  if (e instanceof TypeError) return `an entry has the wrong type (${msg})`;
  return msg;
}

// ---- exec credential plugins, bounded ----------------------------------------------

const bounded = new WeakSet<object>();

/**
 * client-node runs exec plugins with child_process.spawn and no time limit. Each of the KubeConfig's
 * exec authenticators gets a spawn that kills the plugin after `timeoutMs` (stdin is not a terminal, as
 * for kubectl run from an editor), so a hung plugin does not outlive the request that waited for it.
 */
export function boundExecPlugins(kc: KubeConfig, timeoutMs: number): void {
  // `authenticators` is not part of client-node's typed API; the exec one is found by its execFn.
  const auths = (kc as unknown as { authenticators?: unknown[] }).authenticators ?? [];
  for (const a of auths) {
    const auth = a as { execFn?: typeof spawn };
    if (typeof auth.execFn !== 'function' || bounded.has(auth)) continue;
    bounded.add(auth);
    auth.execFn = ((command: string, args: readonly string[] | undefined, opts: SpawnOptions = {}) =>
      // killed a little after the request gives up on it, so the request's own timeout message is the one shown
      spawn(command, args ?? [], {
        ...opts,
        shell: false,
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: timeoutMs + 1000,
        killSignal: 'SIGKILL',
      })) as typeof spawn;
  }
}
