/**
 * Plans for control planes installed with Helm, in the words of Istio's "Canary upgrade with
 * Helm" guide — never a raw change to what a release owns:
 *
 * - tag set / move: the revision's own chart renders the tag objects
 *   (`helm template <release> <chart> -s templates/revision-tags-mwc.yaml -s templates/revision-tags-svc.yaml
 *    --set revisionTags={<tag>} --set revision=<rev> -n <ns>`), applied as `kubectl apply -f -` does.
 *   The release's own values go along (`helm get values <release> -o json | … -f -`), so a tag's webhook
 *   has the injection URL, path and CA the revision's own webhook has.
 * - default revision: the `default` tag the same way, then the base release's
 *   `helm upgrade <base> <chart> --reuse-values --set defaultRevision=<rev> --skip-crds`
 *   (the chart moves `istiod-default-validator`).
 * - uninstall: `helm uninstall <release> -n <ns>`; Helm deletes what the release made, and the
 *   release record with it.
 *
 * Rendering runs helm (src/tools/helm.ts); the objects it printed come in here as data.
 */
import { APPLY_PATCH } from './tagplan';
import { shellQuote, type Permission, type Plan, type PlannedRequest, type ToolStep } from './plan';
import type { InstallMethod } from './installer';

/** `kubectl apply`'s field manager for server-side apply of what `helm template` printed. */
export const KUBECTL_FIELD_MANAGER = 'kubectl';

export interface HelmChartRef {
  /** What helm is given: a repo chart (`istio/istiod`), an OCI reference or a local directory. */
  ref: string;
  /** `--version` for repo and OCI charts; undefined for a directory. */
  version?: string;
}

/** `helm.sh/chart: istiod-1.31.0` → { name: istiod, version: 1.31.0 }. */
export function chartOfLabel(label: string | undefined): { name: string; version: string } | undefined {
  const m = label ? /^(.+)-(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)$/.exec(label) : null;
  return m ? { name: m[1], version: m[2] } : undefined;
}

/**
 * The chart to render with: the user's mapping (a setting / `--helm-chart name=ref`), else the
 * Istio repository's chart of the same name at the version the release runs (`istio/<name> --version <v>`).
 */
export function resolveChart(name: string, version: string | undefined, userCharts: Record<string, string>): HelmChartRef {
  const given = userCharts[name];
  if (given) return /^[./~]/.test(given) ? { ref: given } : { ref: given, ...(version ? { version } : {}) };
  return { ref: `istio/${name}`, ...(version ? { version } : {}) };
}

/** The release name `helm template` renders tags under: the guide's (`helm template istiod istio/istiod …`); it only sets labels. */
export const TAG_TEMPLATE_RELEASE = 'istiod';

export function helmTemplateTagArgs(input: { namespace: string; chart: HelmChartRef; tag: string; revision: string; withValues: boolean }): string[] {
  return [
    'template',
    TAG_TEMPLATE_RELEASE,
    input.chart.ref,
    ...(input.chart.version ? ['--version', input.chart.version] : []),
    '-s',
    'templates/revision-tags-mwc.yaml',
    '-s',
    'templates/revision-tags-svc.yaml',
    '--set',
    `revisionTags={${input.tag}}`,
    '--set',
    `revision=${input.revision === 'default' ? '' : input.revision}`,
    '-n',
    input.namespace,
    ...(input.withValues ? ['-f', '-'] : []),
  ];
}

const cmd = (words: string[]) => words.map(shellQuote).join(' ');

interface RenderedObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

function applyRequest(o: RenderedObject, namespace: string, existing: boolean): PlannedRequest | string {
  const name = o.metadata?.name;
  if (!name) return `a rendered ${o.kind ?? 'object'} has no name`;
  if (o.kind === 'MutatingWebhookConfiguration') {
    return {
      method: 'PATCH',
      path: `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${encodeURIComponent(name)}`,
      query: { fieldManager: KUBECTL_FIELD_MANAGER, force: 'true' },
      contentType: APPLY_PATCH,
      body: o,
      description: `${existing ? 'Update' : 'Create'} MutatingWebhookConfiguration ${name} (rendered by helm template, applied as kubectl apply)`,
      permission: {
        verb: existing ? 'patch' : 'create',
        group: 'admissionregistration.k8s.io',
        resource: 'mutatingwebhookconfigurations',
        ...(existing ? { name } : {}),
      },
      dryRunnable: true,
    };
  }
  if (o.kind === 'Service') {
    const ns = o.metadata?.namespace ?? namespace;
    const body = { ...o, metadata: { ...o.metadata, namespace: ns } };
    return {
      method: 'PATCH',
      path: `/api/v1/namespaces/${encodeURIComponent(ns)}/services/${encodeURIComponent(name)}`,
      query: { fieldManager: KUBECTL_FIELD_MANAGER, force: 'true' },
      contentType: APPLY_PATCH,
      body,
      description: `${existing ? 'Update' : 'Create'} Service ${name} in ${ns} (rendered by helm template, applied as kubectl apply)`,
      permission: { verb: existing ? 'patch' : 'create', group: '', resource: 'services', namespace: ns, ...(existing ? { name } : {}) },
      dryRunnable: true,
    };
  }
  return `helm template printed a ${o.kind ?? 'document without kind'} (${name}); a tag is a MutatingWebhookConfiguration and a Service`;
}

export interface HelmTagSetInput {
  cluster: string;
  tag: string;
  revision: string;
  /** The revision's release (installedBy of the revision). */
  release: { name: string; namespace: string };
  chart: HelmChartRef;
  /** What `helm template` printed, parsed. */
  rendered: RenderedObject[];
  /** Names of objects of the tag that exist now (MWC names, `ns/name` of Services). */
  existing: Set<string>;
  /** The tag points elsewhere now. */
  currentRevision?: string;
}

export type HelmPlanResult = { ok: true; plan: Plan } | { ok: false; message: string };

export function planHelmTagSet(input: HelmTagSetInput): HelmPlanResult {
  const { cluster, tag, revision, release } = input;
  const mwc = input.rendered.filter((o) => o.kind === 'MutatingWebhookConfiguration');
  if (!mwc.length)
    return {
      ok: false,
      message: `Cluster "${cluster}": helm template of ${release.name}'s chart rendered no tag webhook for ${tag} (is the chart older than revision tags, or global.operatorManageWebhooks set?). Nothing was changed.`,
    };
  const requests: PlannedRequest[] = [];
  for (const o of input.rendered) {
    const key = o.kind === 'Service' ? `${o.metadata?.namespace ?? release.namespace}/${o.metadata?.name}` : String(o.metadata?.name);
    const r = applyRequest(o, release.namespace, input.existing.has(key));
    if (typeof r === 'string') return { ok: false, message: `Cluster "${cluster}": ${r}. Nothing was changed.` };
    requests.push(r);
  }
  const template = helmTemplateTagArgs({ namespace: release.namespace, chart: input.chart, tag, revision, withValues: true });
  const moving = input.currentRevision && input.currentRevision !== revision;
  return {
    ok: true,
    plan: {
      title: `${moving ? 'Move' : 'Set'} tag ${tag} → ${revision} (Helm)`,
      summary: `${moving ? `Moves tag ${tag} from ${input.currentRevision} to ${revision}` : `Creates tag ${tag} → ${revision}`} on ${cluster} the Helm way: the chart of release ${release.namespace}/${release.name} renders the tag's webhook and Service with the release's values, applied as kubectl apply.`,
      cluster,
      requests,
      commands: [
        `helm get values ${shellQuote(release.name)} -n ${shellQuote(release.namespace)} -o json | helm ${cmd(template)} | kubectl apply -f - --context ${shellQuote(cluster)}`,
      ],
      warnings: [],
    },
  };
}

function helmStep(args: string[], description: string, permissions: Permission[], dryRun: boolean): ToolStep {
  return { tool: 'helm', args, description, permissions, ...(dryRun ? { dryRunArgs: [...args, '--dry-run=server'] } : {}) };
}

export interface HelmDefaultInput extends HelmTagSetInput {
  /** The base release (owner of istiod-default-validator), when Helm made it. */
  baseRelease?: { name: string; namespace: string };
  baseChart?: HelmChartRef;
}

/** The default revision the Helm way: tag `default` from the revision's chart, then the base release's defaultRevision. */
export function planHelmDefaultRevision(input: HelmDefaultInput): HelmPlanResult {
  const tagPlan = planHelmTagSet({ ...input, tag: 'default' });
  if (!tagPlan.ok) return tagPlan;
  const plan = tagPlan.plan;
  plan.title = `Make ${input.revision} the default revision (Helm)`;
  if (input.baseRelease && input.baseChart) {
    const b = input.baseRelease;
    const args = [
      'upgrade',
      b.name,
      input.baseChart.ref,
      ...(input.baseChart.version ? ['--version', input.baseChart.version] : []),
      '-n',
      b.namespace,
      '--reuse-values',
      '--set',
      `defaultRevision=${input.revision}`,
      '--skip-crds',
    ];
    plan.tools = [
      helmStep(
        args,
        `Upgrade base release ${b.namespace}/${b.name}: defaultRevision=${input.revision} (moves istiod-default-validator)`,
        [
          { verb: 'patch', group: 'admissionregistration.k8s.io', resource: 'validatingwebhookconfigurations', name: 'istiod-default-validator' },
          { verb: 'list', group: '', resource: 'secrets', namespace: b.namespace },
          { verb: 'create', group: '', resource: 'secrets', namespace: b.namespace },
        ],
        true,
      ),
    ];
    plan.commands.push(`helm ${cmd(args)} --kube-context ${shellQuote(input.cluster)}`);
    plan.summary += ` Then the base release ${b.namespace}/${b.name} gets defaultRevision=${input.revision}, which moves istiod-default-validator (validation of Istio config) to ${input.revision}.`;
  } else {
    plan.warnings.push('istiod-default-validator was not installed by a Helm base release: it is left as it is.');
  }
  return { ok: true, plan };
}

export interface HelmUninstallInput {
  cluster: string;
  revision: string;
  installedBy: InstallMethod;
  /** What the release made that the model sees (Deployments, Services, ConfigMaps as ns/name; webhooks by name). */
  objects: { deployments: string[]; services: string[]; webhooks: string[] };
}

export function planHelmUninstall(input: HelmUninstallInput): HelmPlanResult {
  const rel = input.installedBy.release;
  if (input.installedBy.kind !== 'helm' || !rel)
    return { ok: false, message: `Cluster "${input.cluster}": revision ${input.revision} was not installed by Helm.` };
  const nsOf = (k: string) => k.split('/')[0];
  const namespaces = [...new Set([rel.namespace, ...input.objects.deployments.map(nsOf), ...input.objects.services.map(nsOf)])].sort();
  const perms: Permission[] = [
    ...namespaces.flatMap((ns) => [
      { verb: 'delete', group: 'apps', resource: 'deployments', namespace: ns } as Permission,
      { verb: 'delete', group: '', resource: 'services', namespace: ns } as Permission,
      { verb: 'delete', group: '', resource: 'configmaps', namespace: ns } as Permission,
    ]),
    { verb: 'delete', group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations' },
    { verb: 'delete', group: 'admissionregistration.k8s.io', resource: 'validatingwebhookconfigurations' },
    { verb: 'delete', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
    { verb: 'delete', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
    // Helm's release record
    { verb: 'list', group: '', resource: 'secrets', namespace: rel.namespace },
    { verb: 'delete', group: '', resource: 'secrets', namespace: rel.namespace },
  ];
  const args = ['uninstall', rel.name, '-n', rel.namespace];
  return {
    ok: true,
    plan: {
      title: `Uninstall revision ${input.revision} (helm uninstall ${rel.name})`,
      summary: `Removes revision ${input.revision} from ${input.cluster} with helm uninstall of release ${rel.namespace}/${rel.name}: Helm deletes every object the release made (${[...input.objects.deployments.map((d) => `Deployment ${d}`), ...input.objects.webhooks.map((w) => `MutatingWebhookConfiguration ${w}`)].join(', ') || 'its objects'}, and the rest of the release) and the release record; nothing outside the release is touched.`,
      cluster: input.cluster,
      requests: [],
      tools: [{ tool: 'helm', args, dryRunArgs: [...args, '--dry-run'], description: `helm uninstall ${rel.name} -n ${rel.namespace}`, permissions: perms }],
      commands: [`helm ${cmd(args)} --kube-context ${shellQuote(input.cluster)}`],
      warnings: [],
    },
  };
}

/**
 * A canary the Helm way (Istio's Helm canary guide): a second istiod release beside the running one,
 * `helm install istiod-<rev> <chart> -n <ns> --set revision=<rev>`. Values the user gave the running
 * release are not copied (a canary is configured on purpose); the plan says which release it sits beside.
 */
export function planHelmInstall(input: {
  cluster: string;
  revision: string;
  namespace: string;
  chart: HelmChartRef;
  beside?: { name: string; namespace: string };
}): Plan {
  const release = `istiod-${input.revision}`;
  const args = [
    'install',
    release,
    input.chart.ref,
    ...(input.chart.version ? ['--version', input.chart.version] : []),
    '-n',
    input.namespace,
    '--set',
    `revision=${input.revision}`,
  ];
  const ns = input.namespace;
  return {
    title: `Install canary revision ${input.revision} (helm install ${release})`,
    summary: `Installs revision ${input.revision} on ${input.cluster} as Helm release ${ns}/${release}${input.beside ? `, beside ${input.beside.namespace}/${input.beside.name}` : ''}: its istiod, injector webhook (matching istio.io/rev=${input.revision} only) and validator. No namespace moves until you relabel it or point a tag at ${input.revision}.`,
    cluster: input.cluster,
    requests: [],
    tools: [
      {
        tool: 'helm',
        args,
        dryRunArgs: [...args, '--dry-run=server'],
        description: `helm install ${release} -n ${ns}`,
        permissions: [
          { verb: 'create', group: 'apps', resource: 'deployments', namespace: ns },
          { verb: 'create', group: '', resource: 'services', namespace: ns },
          { verb: 'create', group: '', resource: 'configmaps', namespace: ns },
          { verb: 'create', group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations' },
          { verb: 'create', group: 'admissionregistration.k8s.io', resource: 'validatingwebhookconfigurations' },
          { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
          { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
          { verb: 'create', group: '', resource: 'secrets', namespace: ns },
        ],
      },
    ],
    commands: [`helm ${cmd(args)} --kube-context ${shellQuote(input.cluster)}`],
    warnings: [],
  };
}
