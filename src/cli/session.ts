/** A CLI command's connection to one cluster: kubeconfig, context, client and a started watcher. */
import { ClusterClient, ClusterWatcher, configForContext, describeK8sError, kubeconfigPaths, loadKubeconfigs, type LoadedKubeconfig } from '../k8s';
import { EXIT, type Args } from './args';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  env: NodeJS.ProcessEnv;
}

export function loadConfig(args: Args, io: Io): LoadedKubeconfig | number {
  const env = args.kubeconfig ? { ...io.env, KUBECONFIG: args.kubeconfig } : io.env;
  const loaded = loadKubeconfigs(kubeconfigPaths(env));
  for (const p of loaded.problems) if (loaded.config) io.err(`warning: ${p.message}\n`);
  if (!loaded.config) {
    io.err(`istio-revisions: no usable kubeconfig: ${loaded.problems.map((p) => p.message).join('; ') || 'nothing found'}\n`);
    return EXIT.error;
  }
  return loaded;
}

export interface Session {
  context: string;
  client: ClusterClient;
  watcher: ClusterWatcher;
  /** Kinds that could not be read (the snapshot misses them). */
  incomplete: string[];
  /** The kubeconfig files this session read (for helm). */
  kubeconfigFiles: string[];
  dispose(): void;
}

/** The context's client (not yet connected). A number is the exit code of a failure, already reported. */
export function clientFor(args: Args, io: Io, l: LoadedKubeconfig): { context: string; client: ClusterClient } | number {
  const context = args.context ?? l.currentContext;
  if (!context) {
    io.err('istio-revisions: the kubeconfig has no current context; pass --context\n');
    return EXIT.error;
  }
  const cfg = configForContext(l, context);
  if (!cfg.ok) {
    io.err(`istio-revisions: ${cfg.message}\n`);
    return EXIT.error;
  }
  return { context, client: new ClusterClient(context, cfg.config, undefined, args.timeoutMs) };
}

/** Connects and lists once; prints warnings for what could not be read. A number is the exit code of a failure. */
export async function openSession(args: Args, io: Io, loaded?: LoadedKubeconfig): Promise<Session | number> {
  const l = loaded ?? loadConfig(args, io);
  if (typeof l === 'number') return l;
  const c = clientFor(args, io, l);
  if (typeof c === 'number') return c;
  const { context, client } = c;
  const scopeNamespace = l.contexts.find((c) => c.name === context)?.namespace;
  const watcher = new ClusterWatcher(client, { istioNamespace: args.istioNamespace, scopeNamespace });
  const dispose = () => {
    watcher.dispose();
    client.dispose();
  };
  try {
    const phase = await watcher.start(false);
    if (phase.phase === 'error') {
      io.err(`istio-revisions: ${phase.message}\n`);
      dispose();
      return EXIT.error;
    }
  } catch (e) {
    dispose();
    throw e;
  }
  const incomplete = [...watcher.kindStatus].filter(([, s]) => s.state !== 'ok' && s.state !== 'absent');
  for (const [, s] of incomplete) {
    if (s.state === 'scoped') io.err(`warning: ${describeK8sError(s.error)}; showing namespace ${s.namespace} only\n`);
    else if ('error' in s) io.err(`warning: ${describeK8sError(s.error)}\n`);
  }
  const env = args.kubeconfig ? { ...io.env, KUBECONFIG: args.kubeconfig } : io.env;
  return { context, client, watcher, incomplete: incomplete.map(([k]) => k), kubeconfigFiles: kubeconfigPaths(env), dispose };
}
