/** Command-line arguments of istio-revisions: one parser for every command. */

export const EXIT = { ok: 0, blockers: 1, error: 2, usage: 64 } as const;

export type Command = 'status' | 'check' | 'contexts' | 'precheck' | 'move' | 'restart' | 'tag' | 'uninstall' | 'ztunnel' | 'lint';
export const COMMANDS: readonly Command[] = ['status', 'check', 'contexts', 'precheck', 'move', 'restart', 'tag', 'uninstall', 'ztunnel', 'lint'];

/** Output formats each command accepts; the first is the default. */
export const OUTPUTS: Record<Command, readonly string[]> = {
  status: ['table', 'json'],
  check: ['table', 'json'],
  contexts: ['table', 'json'],
  precheck: ['table', 'json'],
  move: ['text', 'yaml', 'json'],
  restart: ['text', 'yaml', 'json'],
  tag: ['text', 'yaml', 'json'],
  uninstall: ['text', 'yaml', 'json'],
  ztunnel: ['text', 'yaml', 'json'],
  lint: ['text', 'json', 'sarif'],
};

export interface Args {
  command?: string;
  /** Positional arguments after the command (namespaces, `set <tag>`, files…). */
  positional: string[];
  context?: string;
  kubeconfig?: string;
  output: string;
  istioNamespace: string;
  timeoutMs: number;
  help: boolean;
  /** move: the revision or tag to label the namespaces with. */
  to?: string;
  /** move: `istio-injection=enabled` (follow the default tag) / disable injection. */
  enableDefault?: boolean;
  disable?: boolean;
  /** precheck: the Istio version to check for (default: the newest release istioctl's table knows). */
  istioVersion?: string;
  /** tag set, uninstall. */
  revision?: string;
  overwrite?: boolean;
  /** restart: only workloads with stale proxies. */
  staleOnly?: boolean;
  /** restart: explicit workloads, kind/name (namespace from the positional namespace). */
  workloads?: string[];
  batchSize?: number;
  rolloutTimeoutMs?: number;
  /** restart: what to do with OnDelete StatefulSets/DaemonSets. */
  onDelete?: 'report' | 'delete-pods';
  /** Send the plan with ?dryRun=All: the API server validates, nothing persists. */
  dryRun?: boolean;
  /** Apply the plan (without it, actions only print their plan). */
  yes?: boolean;
  /** uninstall: proceed although the revision is still in use. */
  force?: boolean;
  /** ztunnel roll: stop after this many nodes. */
  maxNodes?: number;
  /** ztunnel: the DaemonSet, namespace/name (default: the one found). */
  daemonSet?: string;
  /** lint: rule codes switched off. */
  disableRules?: string[];
  /** upgrade (Sail): the Istio resource and the version to set. */
  istio?: string;
  version?: string;
  /** The helm binary for Helm-installed revisions (default: helm on PATH). */
  helm?: string;
  /** Helm chart references by chart name (`istiod=./charts/istiod`, `base=istio/base`). */
  helmCharts?: Record<string, string>;
}

export function parseArgs(argv: string[]): Args | { error: string } {
  const a: Args = { positional: [], output: '', istioNamespace: 'istio-system', timeoutMs: 30_000, help: false };
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    const eq = t.startsWith('--') ? t.indexOf('=') : -1;
    const flag = eq > 0 ? t.slice(0, eq) : t;
    const val = (): string | undefined => (eq > 0 ? t.slice(eq + 1) : argv[++i]);
    const need = (name: string): string | { error: string } => {
      const v = val();
      return v ? v : { error: `${name} needs a value` };
    };
    const seconds = (name: string): number | { error: string } => {
      const v = Number(val());
      return Number.isFinite(v) && v > 0 ? v * 1000 : { error: `${name} needs a positive number of seconds` };
    };
    let r: string | number | { error: string } | undefined;
    switch (flag) {
      case '-h':
      case '--help':
        a.help = true;
        break;
      case '--context':
        r = need('--context');
        if (typeof r === 'string') a.context = r;
        break;
      case '--kubeconfig':
        r = need('--kubeconfig');
        if (typeof r === 'string') a.kubeconfig = r;
        break;
      case '--istio-namespace':
      case '--istioNamespace':
        r = need('--istio-namespace');
        if (typeof r === 'string') a.istioNamespace = r;
        break;
      case '--timeout':
        r = seconds('--timeout');
        if (typeof r === 'number') a.timeoutMs = r;
        break;
      case '--rollout-timeout':
        r = seconds('--rollout-timeout');
        if (typeof r === 'number') a.rolloutTimeoutMs = r;
        break;
      case '-o':
      case '--output':
        r = need('--output');
        if (typeof r === 'string') a.output = r;
        break;
      case '--istio-version':
        r = need('--istio-version');
        if (typeof r === 'string') a.istioVersion = r;
        break;
      case '--to':
        r = need('--to');
        if (typeof r === 'string') a.to = r;
        break;
      case '-r':
      case '--revision':
        r = need('--revision');
        if (typeof r === 'string') a.revision = r;
        break;
      case '--workload':
        r = need('--workload');
        if (typeof r === 'string') (a.workloads ??= []).push(r);
        break;
      case '--disable-rule':
        r = need('--disable-rule');
        if (typeof r === 'string') (a.disableRules ??= []).push(...r.split(',').filter(Boolean));
        break;
      case '--batch-size': {
        const v = Number(val());
        if (!Number.isInteger(v) || v < 1) return { error: '--batch-size needs a whole number ≥ 1' };
        a.batchSize = v;
        break;
      }
      case '--istio':
        r = need('--istio');
        if (typeof r === 'string') a.istio = r;
        break;
      case '--version':
        r = need('--version');
        if (typeof r === 'string') a.version = r;
        break;
      case '--helm':
        r = need('--helm');
        if (typeof r === 'string') a.helm = r;
        break;
      case '--helm-chart': {
        r = need('--helm-chart');
        if (typeof r !== 'string') break;
        const eq = r.indexOf('=');
        if (eq <= 0 || eq === r.length - 1)
          return { error: `--helm-chart ${r}: expected <chart name>=<chart reference or directory>, e.g. istiod=istio/istiod` };
        (a.helmCharts ??= {})[r.slice(0, eq)] = r.slice(eq + 1);
        break;
      }
      case '--daemonset':
        r = need('--daemonset');
        if (typeof r === 'string') a.daemonSet = r;
        break;
      case '--max-nodes': {
        const v = Number(val());
        if (!Number.isInteger(v) || v < 1) return { error: '--max-nodes needs a whole number ≥ 1' };
        a.maxNodes = v;
        break;
      }
      case '--on-delete': {
        const v = val();
        if (v !== 'report' && v !== 'delete-pods') return { error: `--on-delete must be report or delete-pods, not "${v ?? ''}"` };
        a.onDelete = v;
        break;
      }
      case '--dry-run': {
        // kubectl's spelling: --dry-run=server (the only kind that reaches the cluster); bare --dry-run means server too.
        const v = eq > 0 ? t.slice(eq + 1) : 'server';
        if (v !== 'server') return { error: `--dry-run supports only "server" (the API server validates the plan without persisting it), not "${v}"` };
        a.dryRun = true;
        break;
      }
      case '--enable-default':
        a.enableDefault = true;
        break;
      case '--disable':
        a.disable = true;
        break;
      case '--overwrite':
        a.overwrite = true;
        break;
      case '--stale-only':
        a.staleOnly = true;
        break;
      case '-y':
      case '--yes':
        a.yes = true;
        break;
      case '--force':
        a.force = true;
        break;
      default:
        if (t.startsWith('-') && t !== '-') return { error: `unknown option ${t}` };
        if (!a.command) a.command = t;
        else a.positional.push(t);
    }
    if (r !== undefined && typeof r === 'object') return r;
  }
  if (a.command && (COMMANDS as readonly string[]).includes(a.command)) {
    const cmd = a.command as Command;
    const allowed = OUTPUTS[cmd];
    if (!a.output) a.output = allowed[0];
    else if (!allowed.includes(a.output)) return { error: `unknown output format "${a.output}" for ${cmd} (use ${allowed.join(', ')})` };
    if (['status', 'check', 'contexts', 'precheck'].includes(cmd) && a.positional.length) return { error: `unexpected argument ${a.positional[0]}` };
  } else if (!a.output) a.output = 'table';
  return a;
}
