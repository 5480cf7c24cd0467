/**
 * istio-revisions — the headless CLI over the extension's own model.
 *
 *   istio-revisions status [--context C] [--kubeconfig P] [-o table|json] [--istio-namespace NS]
 *   istio-revisions check  [--context C] [--kubeconfig P] [-o table|json]
 *   istio-revisions contexts [--kubeconfig P]
 *
 * Exit codes: 0 success (check: nothing blocks); 1 check found blockers;
 * 2 the cluster or kubeconfig could not be read; 64 usage error.
 */
import { buildReport, findBlockers, type StatusReport } from '../istio';
import { ClusterClient, ClusterWatcher, configForContext, describeK8sError, kubeconfigPaths, loadKubeconfigs } from '../k8s';
import { formatTable } from './table';

export const EXIT = { ok: 0, blockers: 1, error: 2, usage: 64 } as const;

interface Args {
  command?: string;
  context?: string;
  kubeconfig?: string;
  output: 'table' | 'json';
  istioNamespace: string;
  timeoutMs: number;
  help: boolean;
}

const USAGE = `Usage: istio-revisions <status|check|contexts> [options]

Commands:
  status     Print revisions, tags, namespaces, proxies and gateways of a cluster
  check      Exit 1 with reasons if something still blocks finishing an upgrade
  contexts   List the kubeconfig contexts

Options:
  --context <name>          kubeconfig context (default: current context)
  --kubeconfig <path>       kubeconfig file(s), path-list like $KUBECONFIG
  -o, --output table|json   output format (default: table)
  --istio-namespace <ns>    namespace of the control plane (default: istio-system)
  --timeout <seconds>       per-request timeout (default: 30)
  -h, --help                show this help
`;

export function parseArgs(argv: string[]): Args | { error: string } {
  const a: Args = { output: 'table', istioNamespace: 'istio-system', timeoutMs: 30_000, help: false };
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    const val = (): string | undefined => {
      const eq = t.indexOf('=');
      if (t.startsWith('--') && eq > 0) return t.slice(eq + 1);
      return argv[++i];
    };
    const flag = t.startsWith('--') && t.includes('=') ? t.slice(0, t.indexOf('=')) : t;
    switch (flag) {
      case '-h': case '--help': a.help = true; break;
      case '--context': a.context = val(); if (!a.context) return { error: '--context needs a value' }; break;
      case '--kubeconfig': a.kubeconfig = val(); if (!a.kubeconfig) return { error: '--kubeconfig needs a value' }; break;
      case '--istio-namespace': { const v = val(); if (!v) return { error: '--istio-namespace needs a value' }; a.istioNamespace = v; break; }
      case '--timeout': {
        const v = Number(val());
        if (!Number.isFinite(v) || v <= 0) return { error: '--timeout needs a positive number of seconds' };
        a.timeoutMs = v * 1000;
        break;
      }
      case '-o': case '--output': {
        const v = val();
        if (v !== 'table' && v !== 'json') return { error: `unknown output format "${v ?? ''}" (use table or json)` };
        a.output = v;
        break;
      }
      default:
        if (t.startsWith('-')) return { error: `unknown option ${t}` };
        if (a.command) return { error: `unexpected argument ${t}` };
        a.command = t;
    }
  }
  return a;
}

export interface Io { out: (s: string) => void; err: (s: string) => void; env: NodeJS.ProcessEnv }

export async function run(argv: string[], io: Io): Promise<number> {
  const parsed = parseArgs(argv);
  if ('error' in parsed) { io.err(`istio-revisions: ${parsed.error}\n\n${USAGE}`); return EXIT.usage; }
  if (parsed.help || !parsed.command) { (parsed.help ? io.out : io.err)(USAGE); return parsed.help ? EXIT.ok : EXIT.usage; }
  if (!['status', 'check', 'contexts'].includes(parsed.command)) { io.err(`istio-revisions: unknown command "${parsed.command}"\n\n${USAGE}`); return EXIT.usage; }

  const env = parsed.kubeconfig ? { ...io.env, KUBECONFIG: parsed.kubeconfig } : io.env;
  const loaded = loadKubeconfigs(kubeconfigPaths(env));
  for (const p of loaded.problems) if (loaded.config) io.err(`warning: ${p.message}\n`);
  if (!loaded.config) {
    io.err(`istio-revisions: no usable kubeconfig: ${loaded.problems.map((p) => p.message).join('; ') || 'nothing found'}\n`);
    return EXIT.error;
  }
  if (parsed.command === 'contexts') {
    const rows = loaded.contexts.map((c) => [c.name === loaded.currentContext ? '*' : '', c.name, c.cluster, c.server ?? '', c.problem ?? '']);
    if (parsed.output === 'json') io.out(JSON.stringify({ current: loaded.currentContext ?? null, contexts: loaded.contexts }, null, 2) + '\n');
    else io.out(formatTable(['CURRENT', 'NAME', 'CLUSTER', 'SERVER', 'PROBLEM'], rows) + '\n');
    return EXIT.ok;
  }
  const context = parsed.context ?? loaded.currentContext;
  if (!context) { io.err('istio-revisions: the kubeconfig has no current context; pass --context\n'); return EXIT.error; }
  const cfg = configForContext(loaded, context);
  if (!cfg.ok) { io.err(`istio-revisions: ${cfg.message}\n`); return EXIT.error; }
  const client = new ClusterClient(context, cfg.config, undefined, parsed.timeoutMs);
  const scopeNamespace = loaded.contexts.find((c) => c.name === context)?.namespace;
  const watcher = new ClusterWatcher(client, { istioNamespace: parsed.istioNamespace, scopeNamespace });
  try {
    const phase = await watcher.start(false);
    if (phase.phase === 'error') { io.err(`istio-revisions: ${phase.message}\n`); return EXIT.error; }
    const incomplete = [...watcher.kindStatus].filter(([, s]) => s.state !== 'ok');
    for (const [, s] of incomplete) {
      if (s.state === 'scoped') io.err(`warning: ${describeK8sError(s.error)}; showing namespace ${s.namespace} only\n`);
      else if ('error' in s) io.err(`warning: ${describeK8sError(s.error)}\n`);
    }
    const report = buildReport(watcher.snapshot, { context, server: client.server });
    if (parsed.command === 'status') {
      io.out(parsed.output === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatStatus(report));
      return EXIT.ok;
    }
    const blockers = findBlockers(watcher.snapshot);
    if (incomplete.length > 0) {
      io.err(`istio-revisions: cannot decide: ${incomplete.map(([k]) => k).join(', ')} could not be read\n`);
      return EXIT.error;
    }
    if (parsed.output === 'json') io.out(JSON.stringify({ apiVersion: report.apiVersion, cluster: report.cluster, ok: blockers.length === 0, blockers }, null, 2) + '\n');
    else if (blockers.length === 0) io.out(`✔ Nothing blocks finishing the upgrade on ${context}: ${report.proxies.total} proxies, none stale.\n`);
    else io.out(`✘ ${blockers.length} thing(s) block finishing the upgrade on ${context}:\n` + blockers.map((b) => `  - [${b.code}] ${b.object}: ${b.message}`).join('\n') + '\n');
    return blockers.length === 0 ? EXIT.ok : EXIT.blockers;
  } finally {
    watcher.dispose();
    client.dispose();
  }
}

export function formatStatus(r: StatusReport): string {
  const parts: string[] = [];
  parts.push(`Cluster ${r.cluster.context}${r.cluster.server ? ` (${r.cluster.server})` : ''}`);
  if (r.migration) parts.push(`Migration: ${r.migration.from ? `${r.migration.from} → ` : ''}${r.migration.to} ${r.migration.percent}% of ${r.proxies.total} proxies, ${r.proxies.stale} stale`);
  parts.push('');
  parts.push(r.revisions.length === 0 ? 'No Istio control plane found.' : formatTable(['REVISION', 'VERSION', 'READY', 'DEFAULT', 'TAGS', 'PROXIES', 'STALE', 'NAMESPACES'],
    r.revisions.map((x) => [x.name, x.version ?? '?', `${x.readyReplicas}/${x.replicas} ${x.readiness}`, x.default ? 'yes' : '', x.tags.join(',') || '-', String(x.proxies), String(x.staleProxies), String(x.namespaces.length)])));
  parts.push('');
  parts.push(r.tags.length === 0 ? 'No Istio revision tags found.' : formatTable(['TAG', 'REVISION', 'NAMESPACES'],
    r.tags.map((t) => [t.name, t.revisionInstalled ? t.revision : `${t.revision} (not installed)`, t.namespaces.join(',') || '-'])));
  parts.push('');
  parts.push(formatTable(['NAMESPACE', 'ISTIO-INJECTION', 'ISTIO.IO/REV', 'RESOLVES TO', 'PODS', 'PROXIES', 'STALE', 'WARNINGS'],
    r.namespaces.map((n) => [n.name, n.labels['istio-injection'] ?? '-', n.labels['istio.io/rev'] ?? '-', n.resolution, String(n.pods), String(n.proxies), String(n.stale), n.warnings.map((w) => w.code).join(',') || '-'])));
  if (r.otherNamespaces) parts.push(`(${r.otherNamespaces} namespace(s) without injection labels or proxies not shown)`);
  if (r.gateways.length) {
    parts.push('');
    parts.push(formatTable(['GATEWAY', 'PODS', 'RUNS', 'FOLLOWS', 'STALE'],
      r.gateways.map((g) => [`${g.namespace}/${g.workload}`, String(g.pods), Object.entries(g.running).map(([k, v]) => `${k}:${v}`).join(',') || '-', g.follows, String(g.stale)])));
  }
  return parts.join('\n') + '\n';
}

if (require.main === module) {
  run(process.argv.slice(2), { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s), env: process.env })
    .then((code) => { process.exitCode = code; })
    .catch((e) => { process.stderr.write(`istio-revisions: ${(e as Error).stack ?? e}\n`); process.exitCode = EXIT.error; });
}
