/**
 * istio-revisions — the headless CLI over the extension's own model.
 *
 *   istio-revisions status    [--context C] [--kubeconfig P] [-o table|json] [--istio-namespace NS]
 *   istio-revisions check     [--context C] [--kubeconfig P] [-o table|json]
 *   istio-revisions contexts  [--kubeconfig P]
 *   istio-revisions precheck  [--istio-version 1.31.0] [-o table|json]
 *   istio-revisions move      <namespace…> --to <rev|tag> | --enable-default | --disable
 *   istio-revisions restart   <namespace…> [--stale-only] [--workload kind/name] [--batch-size N] [--on-delete report|delete-pods]
 *   istio-revisions tag       set <tag> --revision <rev> [--overwrite] | remove <tag>
 *   istio-revisions uninstall --revision <rev> [--force]
 *   istio-revisions ztunnel   prepare | roll [--max-nodes N] [--daemonset ns/name]
 *   istio-revisions upgrade   --version <v1.x.y> [--istio NAME]   (Sail: Istio.spec.version)
 *   istio-revisions lint      <files|dirs…> [--context C] [-o text|json|sarif] [--disable-rule CODE]
 *
 * Actions print their plan (-o text|yaml|json) and change nothing unless given
 * --dry-run=server (validated by the API server, not persisted) or --yes (applied).
 *
 * Exit codes: 0 success (check: nothing blocks); 1 check found blockers, an action was refused
 * before any change, lint found warnings; 2 the cluster or kubeconfig could not be read, or a
 * request failed; 64 usage error.
 */
import { buildReport, findBlockers, istioctlLine, MIN_K8S_MINOR, PRECHECK_PASSED, precheckPassed, type StatusReport } from '../istio';
import { runAction } from './actions';
import { EXIT, parseArgs, type Args } from './args';
import { runLint } from './lint';
import { clientFor, loadConfig, openSession, type Io } from './session';
import { runPrecheck } from '../k8s';
import { formatTable } from './table';

export { EXIT, parseArgs, type Io };

const USAGE = `Usage: istio-revisions <command> [options]

Read:
  status      Print revisions, tags, namespaces, proxies and gateways of a cluster
  check       Exit 1 with reasons if something still blocks finishing an upgrade
  contexts    List the kubeconfig contexts
  precheck    What istioctl x precheck checks, in its words; exit 1 on warnings or errors
      [--istio-version 1.31.0]
  lint        Check manifests (files or directories) for injection mistakes; exit 1 on warnings

Act (print the plan; --dry-run=server validates it on the server, --yes applies it):
  move <ns…> --to <revision|tag>     Label namespaces istio.io/rev=<target> (removes istio-injection)
  move <ns…> --enable-default        Label istio-injection=enabled (follow the default tag)
  move <ns…> --disable               Label istio-injection=disabled
  restart <ns…>                      Restart workloads with proxies, in batches (kubectl rollout restart)
      [--stale-only] [--workload deployment/NAME]… [--batch-size 5] [--rollout-timeout S]
      [--on-delete report|delete-pods]   OnDelete StatefulSets/DaemonSets: report (default) or delete their pods in batches
  tag set <tag> --revision <rev> [--overwrite]   as istioctl tag set; Helm revisions: rendered from the release's chart
                                                 (tag default: also the base release's defaultRevision); Sail: an IstioRevisionTag
  tag remove <tag>                               as istioctl tag remove; Sail: deletes the IstioRevisionTag
  uninstall --revision <rev> [--force]           as istioctl uninstall --revision; Helm: helm uninstall <release>;
                                                 Sail: the operator's (its countdown shown); refused while in use
  upgrade --version <v1.x.y> [--istio NAME]      Sail: set the Istio resource's spec.version
  ztunnel prepare                                updateStrategy OnDelete before applying a new ztunnel version
  ztunnel roll [--max-nodes N]                   replace ztunnel node by node: cordon, delete, wait Ready, uncordon

Options:
  --context <name>          kubeconfig context (default: current context; lint: cluster rules only with it)
  --kubeconfig <path>       kubeconfig file(s), path-list like $KUBECONFIG
  -o, --output <format>     status/check: table|json · actions: text|yaml|json · lint: text|json|sarif
  --istio-namespace <ns>    namespace of the control plane (default: istio-system)
  --timeout <seconds>       per-request timeout (default: 30)
  --helm <path>             helm for Helm-installed revisions (default: helm)
  --helm-chart <name=ref>   chart to render with, e.g. istiod=istio/istiod or base=./charts/base (repeatable)
  --dry-run=server          send the plan with dryRun=All: validated, nothing persisted
  -y, --yes                 apply the plan
  --disable-rule <CODE>     lint: switch a rule off (repeatable or comma-separated)
  -h, --help                show this help

Exit codes: 0 ok · 1 blockers / refused before any change / lint warnings · 2 cluster or request error · 64 usage
`;

export async function run(argv: string[], io: Io): Promise<number> {
  const parsed = parseArgs(argv);
  if ('error' in parsed) {
    io.err(`istio-revisions: ${parsed.error}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (parsed.help || !parsed.command) {
    (parsed.help ? io.out : io.err)(USAGE);
    return parsed.help ? EXIT.ok : EXIT.usage;
  }
  switch (parsed.command) {
    case 'status':
    case 'check':
    case 'contexts':
      return readCommand(parsed, io);
    case 'precheck':
      return precheckCommand(parsed, io);
    case 'move':
    case 'restart':
    case 'tag':
    case 'uninstall':
    case 'ztunnel':
    case 'upgrade': {
      const code = await runAction(parsed.command, parsed, io);
      if (code === EXIT.usage) io.err(`\n${USAGE}`);
      return code;
    }
    case 'lint':
      return runLint(parsed, io);
    default:
      io.err(`istio-revisions: unknown command "${parsed.command}"\n\n${USAGE}`);
      return EXIT.usage;
  }
}

async function precheckCommand(parsed: Args, io: Io): Promise<number> {
  const target = parsed.istioVersion ?? `1.${Math.max(...Object.keys(MIN_K8S_MINOR).map(Number))}.0`;
  if (!/^v?1\.\d+(\.\d+)?/.test(target)) {
    io.err(`istio-revisions: --istio-version ${target}: expected an Istio version like 1.31.0\n`);
    return EXIT.usage;
  }
  const loaded = loadConfig(parsed, io);
  if (typeof loaded === 'number') return loaded;
  const c = clientFor(parsed, io, loaded);
  if (typeof c === 'number') return c;
  const { context, client } = c;
  try {
    const items = await runPrecheck(client, target, parsed.istioNamespace);
    const passed = precheckPassed(items);
    if (parsed.output === 'json') io.out(JSON.stringify({ cluster: context, istioVersion: target, passed, items }, null, 2) + '\n');
    else {
      const shown = items.filter((i) => i.level === 'error' || i.level === 'warning');
      if (shown.length) io.out(shown.map(istioctlLine).join('\n') + '\n');
      else io.err(`${PRECHECK_PASSED}\n`);
    }
    return passed ? EXIT.ok : EXIT.blockers;
  } finally {
    client.dispose();
  }
}

async function readCommand(parsed: Args, io: Io): Promise<number> {
  const loaded = loadConfig(parsed, io);
  if (typeof loaded === 'number') return loaded;
  if (parsed.command === 'contexts') {
    const rows = loaded.contexts.map((c) => [c.name === loaded.currentContext ? '*' : '', c.name, c.cluster, c.server ?? '', c.problem ?? '']);
    if (parsed.output === 'json') io.out(JSON.stringify({ current: loaded.currentContext ?? null, contexts: loaded.contexts }, null, 2) + '\n');
    else io.out(formatTable(['CURRENT', 'NAME', 'CLUSTER', 'SERVER', 'PROBLEM'], rows) + '\n');
    return EXIT.ok;
  }
  const s = await openSession(parsed, io, loaded);
  if (typeof s === 'number') return s;
  const { context, client, watcher } = s;
  try {
    const report = buildReport(watcher.snapshot, { context, server: client.server });
    if (parsed.command === 'status') {
      io.out(parsed.output === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatStatus(report));
      return EXIT.ok;
    }
    const blockers = findBlockers(watcher.snapshot);
    if (s.incomplete.length > 0) {
      io.err(`istio-revisions: cannot decide: ${s.incomplete.join(', ')} could not be read\n`);
      return EXIT.error;
    }
    if (parsed.output === 'json')
      io.out(JSON.stringify({ apiVersion: report.apiVersion, cluster: report.cluster, ok: blockers.length === 0, blockers }, null, 2) + '\n');
    else if (blockers.length === 0) io.out(`✔ Nothing blocks finishing the upgrade on ${context}: ${report.proxies.total} proxies, none stale.\n`);
    else
      io.out(
        `✘ ${blockers.length} thing(s) block finishing the upgrade on ${context}:\n` +
          blockers.map((b) => `  - [${b.code}] ${b.object}: ${b.message}`).join('\n') +
          '\n',
      );
    return blockers.length === 0 ? EXIT.ok : EXIT.blockers;
  } finally {
    s.dispose();
  }
}

export function formatStatus(r: StatusReport): string {
  const parts: string[] = [];
  parts.push(`Cluster ${r.cluster.context}${r.cluster.server ? ` (${r.cluster.server})` : ''}`);
  if (r.migration)
    parts.push(
      `Migration: ${r.migration.from ? `${r.migration.from} → ` : ''}${r.migration.to} ${r.migration.percent}% of ${r.proxies.total} proxies, ${r.proxies.stale} stale`,
    );
  parts.push('');
  parts.push(
    r.revisions.length === 0
      ? 'No Istio control plane found.'
      : formatTable(
          ['REVISION', 'VERSION', 'READY', 'DEFAULT', 'TAGS', 'PROXIES', 'STALE', 'NAMESPACES'],
          r.revisions.map((x) => [
            x.name,
            x.version ?? '?',
            `${x.readyReplicas}/${x.replicas} ${x.readiness}`,
            x.default ? 'yes' : '',
            x.tags.join(',') || '-',
            String(x.proxies),
            String(x.staleProxies),
            String(x.namespaces.length),
          ]),
        ),
  );
  parts.push('');
  parts.push(
    r.tags.length === 0
      ? 'No Istio revision tags found.'
      : formatTable(
          ['TAG', 'REVISION', 'NAMESPACES'],
          r.tags.map((t) => [t.name, t.revisionInstalled ? t.revision : `${t.revision} (not installed)`, t.namespaces.join(',') || '-']),
        ),
  );
  parts.push('');
  parts.push(
    formatTable(
      ['NAMESPACE', 'ISTIO-INJECTION', 'ISTIO.IO/REV', 'RESOLVES TO', 'PODS', 'PROXIES', 'STALE', 'WARNINGS'],
      r.namespaces.map((n) => [
        n.name,
        n.labels['istio-injection'] ?? '-',
        n.labels['istio.io/rev'] ?? '-',
        n.labels['istio.io/dataplane-mode'] === 'ambient' && !n.resolvesTo ? 'ambient (ztunnel)' : n.resolution,
        String(n.pods),
        String(n.proxies),
        String(n.stale),
        n.warnings.map((w) => w.code).join(',') || '-',
      ]),
    ),
  );
  if (r.otherNamespaces) parts.push(`(${r.otherNamespaces} namespace(s) without injection labels or proxies not shown)`);
  if (r.gateways.some((g) => g.type !== 'gateway-api')) {
    parts.push('');
    parts.push(
      formatTable(
        ['GATEWAY', 'PODS', 'RUNS', 'FOLLOWS', 'STALE'],
        r.gateways
          .filter((g) => g.type !== 'gateway-api')
          .map((g) => [
            `${g.namespace}/${g.workload}`,
            String(g.pods),
            Object.entries(g.running)
              .map(([k, v]) => `${k}:${v}`)
              .join(',') || '-',
            g.follows,
            String(g.stale),
          ]),
      ),
    );
  }
  if (r.waypoints.length || r.gateways.some((g) => g.type === 'gateway-api')) {
    parts.push('');
    parts.push(
      formatTable(
        ['WAYPOINT/GATEWAY', 'TYPE', 'PODS', 'RUNS', 'FOLLOWS'],
        [
          ...r.waypoints.map((w) => [
            `${w.namespace}/${w.name}`,
            'waypoint',
            `${w.ready}/${w.pods}`,
            Object.entries(w.running)
              .map(([k, v]) => `${k}:${v}`)
              .join(',') || '-',
            w.followsRevision ?? 'nothing installed',
          ]),
          ...r.gateways
            .filter((g) => g.type === 'gateway-api')
            .map((g) => [
              `${g.namespace}/${g.workload}`,
              'gateway-api',
              String(g.pods),
              Object.entries(g.running)
                .map(([k, v]) => `${k}:${v}`)
                .join(',') || '-',
              g.followsRevision ?? 'nothing installed',
            ]),
        ],
      ),
    );
  }
  if (r.nodeAgents.length) {
    parts.push('');
    parts.push(
      formatTable(
        ['NODE AGENT', 'DAEMONSET', 'VERSIONS', 'UPDATED', 'REVISION', 'SKEW'],
        r.nodeAgents.map((a) => [
          a.component,
          `${a.namespace}/${a.daemonSet}`,
          a.versions.map((v) => `${v.version}×${v.nodes.length}`).join(','),
          `${a.updated}/${a.pods}`,
          a.revision ? `${a.previousRevision ? `${a.previousRevision}→` : ''}${a.revision}` : '-',
          a.skew
            .filter((x) => !x.ok)
            .map((x) => x.revision)
            .join(',') || 'ok',
        ]),
      ),
    );
  }
  return parts.join('\n') + '\n';
}

if (require.main === module) {
  run(process.argv.slice(2), { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s), env: process.env })
    .then((code) => {
      process.exitCode = code;
    })
    .catch((e) => {
      process.stderr.write(`istio-revisions: ${(e as Error).stack ?? e}\n`);
      process.exitCode = EXIT.error;
    });
}
