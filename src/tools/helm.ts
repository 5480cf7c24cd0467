/**
 * The user's helm, for control planes Helm installed: reading a release's values, rendering
 * tag objects from a revision's chart (`helm template`, local) and running a plan's Helm steps
 * (upgrade, uninstall). Always an argument array, never a shell; the cluster's kubeconfig and
 * `--kube-context` are added here, so a step never reaches another cluster than the plan's.
 */
import { parseAllDocuments } from 'yaml';
import { helmTemplateTagArgs, type HelmChartRef, type ToolStep } from '../istio';
import type { ToolRunner } from '../k8s/executor';
import { runTool } from './process';

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
export async function helmRenderTag(o: HelmOptions, input: { release: { name: string; namespace: string }; chart: HelmChartRef; tag: string; revision: string }, signal?: AbortSignal): Promise<HelmResult<unknown[]>> {
  const values = await helmReleaseValues(o, input.release, signal);
  if (!values.ok) return values;
  const args = helmTemplateTagArgs({ namespace: input.release.namespace, chart: input.chart, tag: input.tag, revision: input.revision, withValues: true });
  // helm template renders locally; --kube-context is harmless there and keeps one code path.
  const r = await helm(o, args, values.value, signal);
  if (!r.ok) return { ok: false, message: `Cluster "${o.context}": helm template of chart ${input.chart.ref}${input.chart.version ? ` ${input.chart.version}` : ''} for tag ${input.tag} failed: ${r.message}` };
  const docs = parseAllDocuments(r.value);
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
    const args = dryRun ? step.dryRunArgs ?? step.args : step.args;
    const r = await runTool(o.bin, [...args, '--kube-context', o.context], { env: envOf(o), input: step.input, signal, onLine: o.onLine, timeoutMs: o.timeoutMs ?? 600_000 });
    if (!r.ok) {
      if (r.result?.cancelled) return { ok: false, message: `helm ${args[0]} was cancelled`, cancelled: true };
      return { ok: false, message: /: not found|not executable/.test(r.message) ? `${r.message}. ${MISSING}` : r.message };
    }
    return { ok: true, output: r.result.stdout };
  };
}
