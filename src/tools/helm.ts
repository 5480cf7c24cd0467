/**
 * The user's helm, for control planes Helm installed: reading a release's values, rendering
 * tag objects from a revision's chart (`helm template`, local) and running a plan's Helm steps
 * (upgrade, uninstall). Always an argument array, never a shell; the cluster's kubeconfig and
 * `--kube-context` are added here, so a step never reaches another cluster than the plan's.
 */
import {
  chartOfLabel,
  helmTemplateTagArgs,
  installMethodOf,
  planHelmDefaultRevision,
  planHelmTagSet,
  resolveChart,
  tagImpact,
  type ClusterSnapshot,
  type HelmChartRef,
  type Plan,
  type ToolStep,
} from '../istio';
import type { ClusterClient } from '../k8s/client';
import type { ToolRunner } from '../k8s/executor';
import { runTool } from './process';
import { yaml } from '../istio/yaml';

export interface HelmOptions {
  bin: string;
  /** Kubeconfig files (KUBECONFIG). */
  kubeconfig: string[];
  context: string;
  env?: NodeJS.ProcessEnv;
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  timeoutMs?: number;
}

export type HelmResult<T> = { ok: true; value: T } | { ok: false; message: string };

const MISSING = 'Install helm (https://helm.sh/docs/intro/install/) or set its path (setting "istioRevisions.helmPath", CLI --helm).';

function envOf(o: HelmOptions): NodeJS.ProcessEnv {
  return { ...(o.env ?? process.env), KUBECONFIG: o.kubeconfig.join(process.platform === 'win32' ? ';' : ':') };
}

async function helm(o: HelmOptions, args: string[], input?: string, signal?: AbortSignal): Promise<HelmResult<string>> {
  const r = await runTool(o.bin, [...args, '--kube-context', o.context], { env: envOf(o), input, signal, onLine: o.onLine, timeoutMs: o.timeoutMs ?? 300_000 });
  if (!r.ok) return { ok: false, message: /: not found|not executable/.test(r.message) ? `${r.message}. ${MISSING}` : r.message };
  return { ok: true, value: r.result.stdout };
}

/** `helm get values <release> -n <ns> -o json`: the values the user gave the release (JSON, or `{}`). */
export async function helmReleaseValues(o: HelmOptions, release: { name: string; namespace: string }, signal?: AbortSignal): Promise<HelmResult<string>> {
  const r = await helm(o, ['get', 'values', release.name, '-n', release.namespace, '-o', 'json'], undefined, signal);
  if (!r.ok) return { ok: false, message: `Cluster "${o.context}": cannot read the values of Helm release ${release.namespace}/${release.name}: ${r.message}` };
  const text = r.value.trim();
  try {
    const v = text === '' || text === 'null' ? {} : JSON.parse(text);
    return { ok: true, value: JSON.stringify(v) };
  } catch {
    return { ok: false, message: `Cluster "${o.context}": helm get values ${release.name} printed something that is not JSON: ${text.slice(0, 120)}` };
  }
}

/** Renders a tag's objects from the revision's chart with the release's values. */
export async function helmRenderTag(
  o: HelmOptions,
  input: { release: { name: string; namespace: string }; chart: HelmChartRef; tag: string; revision: string },
  signal?: AbortSignal,
): Promise<HelmResult<unknown[]>> {
  const values = await helmReleaseValues(o, input.release, signal);
  if (!values.ok) return values;
  const args = helmTemplateTagArgs({ namespace: input.release.namespace, chart: input.chart, tag: input.tag, revision: input.revision, withValues: true });
  // helm template renders locally; --kube-context is harmless there and keeps one code path.
  const r = await helm(o, args, values.value, signal);
  if (!r.ok)
    return {
      ok: false,
      message: `Cluster "${o.context}": helm template of chart ${input.chart.ref}${input.chart.version ? ` ${input.chart.version}` : ''} for tag ${input.tag} failed: ${r.message}`,
    };
  const docs = yaml().parseAllDocuments(r.value);
  const objects: unknown[] = [];
  for (const d of docs) {
    if (d.errors.length) return { ok: false, message: `Cluster "${o.context}": helm template printed YAML that does not parse: ${d.errors[0].message}` };
    const js = d.toJS();
    if (js && typeof js === 'object') objects.push(js);
  }
  return { ok: true, value: objects };
}

/** A plan's Helm steps, run with this cluster's kubeconfig and context. */
export function helmToolRunner(o: HelmOptions): ToolRunner {
  return async (step: ToolStep, dryRun: boolean, signal?: AbortSignal) => {
    const args = dryRun ? (step.dryRunArgs ?? step.args) : step.args;
    const r = await runTool(o.bin, [...args, '--kube-context', o.context], {
      env: envOf(o),
      input: step.input,
      signal,
      onLine: o.onLine,
      timeoutMs: o.timeoutMs ?? 600_000,
    });
    if (!r.ok) {
      if (r.result?.cancelled) return { ok: false, message: `helm ${args[0]} was cancelled`, cancelled: true };
      return { ok: false, message: /: not found|not executable/.test(r.message) ? `${r.message}. ${MISSING}` : r.message };
    }
    return { ok: true, output: r.result.stdout };
  };
}

/** The chart a Helm revision's release was made from (helm.sh/chart of its istiod Deployment), mapped by the user's charts. */
export function chartForRevision(snap: ClusterSnapshot, revision: string, chartName: string, userCharts: Record<string, string>): HelmChartRef {
  const r = snap.controlPlane.revisionByName.get(revision);
  const dep = r?.deployments[0] ? snap.deployment(r.deployments[0]) : undefined;
  return resolveChart(chartName, chartOfLabel(dep?.metadata.labels?.['helm.sh/chart'])?.version, userCharts);
}

/** The Helm base release that made istiod-default-validator, if Helm made it. */
export async function fetchBaseRelease(client: ClusterClient, signal?: AbortSignal): Promise<{ name: string; namespace: string; chart?: string } | undefined> {
  const v = await client.request<{ metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } }>({
    path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/istiod-default-validator',
    verb: 'get',
    resource: 'validatingwebhookconfigurations.admissionregistration.k8s.io',
    name: 'istiod-default-validator',
    signal,
  });
  if (!v.ok) return undefined;
  const m = installMethodOf({ name: 'istiod-default-validator', labels: v.value?.metadata?.labels, annotations: v.value?.metadata?.annotations });
  return m.kind === 'helm' && m.release ? { ...m.release, chart: v.value?.metadata?.labels?.['helm.sh/chart'] } : undefined;
}

export type HelmTagPlanResult = { ok: true; plan: Plan } | { ok: false; message: string; refused?: boolean };

/**
 * tag set / move for a revision Helm installed: rendered from its chart with its release's values;
 * for `default` also the base release's defaultRevision. The impact (who follows the tag) leads the warnings.
 */
export async function buildHelmTagPlan(
  client: ClusterClient,
  snap: ClusterSnapshot,
  o: HelmOptions,
  input: { tag: string; revision: string; overwrite: boolean; userCharts: Record<string, string> },
  signal?: AbortSignal,
): Promise<HelmTagPlanResult> {
  const { tag, revision } = input;
  const rev = snap.controlPlane.revisionByName.get(revision);
  const release = rev?.installedBy.release;
  if (!rev || rev.installedBy.kind !== 'helm' || !release)
    return { ok: false, refused: true, message: `Cluster "${o.context}": revision ${revision} was not installed by Helm.` };
  const t = snap.controlPlane.tagByName.get(tag);
  if (t && t.revision !== revision && !input.overwrite) {
    return {
      ok: false,
      refused: true,
      message: `Cluster "${o.context}": tag ${tag} already points at ${t.revision}; pass --overwrite to move it to ${revision}. Nothing was changed.`,
    };
  }
  const chart = chartForRevision(snap, revision, 'istiod', input.userCharts);
  const rendered = await helmRenderTag(o, { release, chart, tag, revision }, signal);
  if (!rendered.ok) return rendered;
  const existing = new Set([...(t?.webhooks ?? []), ...(t?.services ?? [])]);
  const common = { cluster: o.context, tag, revision, release, chart, rendered: rendered.value as never[], existing, currentRevision: t?.revision };
  let built;
  if (tag === 'default') {
    const base = await fetchBaseRelease(client, signal);
    const baseChart = base ? resolveChart('base', chartOfLabel(base.chart)?.version, input.userCharts) : undefined;
    built = planHelmDefaultRevision({ ...common, ...(base ? { baseRelease: { name: base.name, namespace: base.namespace }, baseChart } : {}) });
  } else {
    built = planHelmTagSet(common);
  }
  if (!built.ok) return { ok: false, refused: true, message: built.message };
  const impact = tagImpact(snap, tag, revision);
  if (impact.namespaces.length || impact.workloads.length) built.plan.warnings.unshift(impact.message);
  return built;
}
