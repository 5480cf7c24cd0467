/**
 * Plans: every mutation the extension makes is first a Plan — the exact API
 * requests, a one-line summary, the equivalent kubectl/istioctl commands, and the
 * permissions it needs. A plan can be previewed, dry-run on the server, checked
 * against RBAC before its first request, run with progress and cancel, and then
 * verified. Plans are plain data built by pure functions here; src/k8s/executor.ts
 * runs them.
 */

export type HttpMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type Verb = 'create' | 'update' | 'patch' | 'delete' | 'get' | 'list';

export const MERGE_PATCH = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';

/** A permission a plan needs, as a SelfSubjectAccessReview resourceAttributes. */
export interface Permission {
  verb: Verb;
  group: string;
  resource: string;
  namespace?: string;
  name?: string;
}

export interface PlannedRequest {
  method: HttpMethod;
  /** API path, e.g. /api/v1/namespaces/test-ns. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  contentType?: string;
  /** One line: what this request does. */
  description: string;
  permission: Permission;
  /** Server-side dry run (`?dryRun=All`) is meaningful for this request. */
  dryRunnable: boolean;
  /** A 404 on DELETE means the object is already gone: not an error. */
  ignoreNotFound?: boolean;
  /**
   * On 409 Conflict, re-read the object once, put its fresh resourceVersion into
   * the body's metadata and retry; a second conflict is reported.
   */
  retryOnConflict?: boolean;
  /**
   * With retryOnConflict: labels whose values (null = absent) the plan was built on. If the
   * re-read object has others, someone changed what the plan decided on: report, don't retry.
   */
  expectLabels?: Record<string, string | null>;
}

/**
 * A step run by the installer's own tool (Helm), after the plan's API requests: changes to
 * what an installer owns go through it, never behind its back. Run with an argument array
 * (never a shell), the cluster's kubeconfig and `--kube-context <cluster>` added by the runner.
 */
export interface ToolStep {
  tool: 'helm';
  args: string[];
  /** The same step as the tool's own dry run (e.g. helm's `--dry-run=server`), or undefined when it has none. */
  dryRunArgs?: string[];
  /** Sent on stdin (e.g. values for `-f -`). */
  input?: string;
  description: string;
  /** What the tool will do in the cluster, checked with SelfSubjectAccessReviews before anything runs. */
  permissions: Permission[];
}

export interface Plan {
  /** Short title for progress and confirmation, e.g. "Move test-ns to canary". */
  title: string;
  /** One line saying what will happen in the cluster. */
  summary: string;
  cluster: string;
  requests: PlannedRequest[];
  /** Equivalent commands a user could run by hand. */
  commands: string[];
  /** Things the user should know before confirming (impact, stale pods…). */
  warnings: string[];
  /** Installer steps run after the requests (Helm releases). */
  tools?: ToolStep[];
}

/** Distinct permissions of a plan, in first-use order. */
export function planPermissions(plan: Plan): Permission[] {
  const seen = new Set<string>();
  const out: Permission[] = [];
  for (const p0 of [...plan.requests.map((r) => r.permission), ...(plan.tools ?? []).flatMap((t) => t.permissions)]) {
    const p = p0;
    const k = `${p.verb}|${p.group}|${p.resource}|${p.namespace ?? ''}|${p.name ?? ''}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(p);
  }
  return out;
}

/** The preview text: summary, warnings, requests with bodies, equivalent commands. */
export function renderPlan(plan: Plan): string {
  const lines: string[] = [`# ${plan.title}`, '', `Cluster: ${plan.cluster}`, '', plan.summary, ''];
  if (plan.warnings.length) {
    lines.push('## Before you confirm', '');
    for (const w of plan.warnings) lines.push(`- ${w}`);
    lines.push('');
  }
  lines.push(`## API requests (${plan.requests.length})`, '');
  plan.requests.forEach((r, i) => {
    const q = r.query && Object.keys(r.query).length ? '?' + new URLSearchParams(r.query).toString() : '';
    lines.push(`${i + 1}. ${r.description}`, '', '```http', `${r.method} ${r.path}${q}${r.contentType ? `\nContent-Type: ${r.contentType}` : ''}`);
    if (r.body !== undefined) lines.push('', JSON.stringify(r.body, null, 2));
    lines.push('```', '');
  });
  if (plan.tools?.length) {
    lines.push(`## Installer commands (${plan.tools.length}), run after the requests`, '');
    plan.tools.forEach((t, i) => {
      lines.push(
        `${i + 1}. ${t.description}`,
        '',
        '```sh',
        [t.tool, ...t.args].map(shellQuote).join(' ') + (t.input !== undefined ? " <<'EOF'\n" + t.input.trimEnd() + '\nEOF' : ''),
        '```',
        '',
      );
    });
  }
  if (plan.commands.length) {
    lines.push('## Equivalent commands', '', '```sh', ...plan.commands, '```', '');
  }
  return lines.join('\n');
}

/** Quotes a shell word for display only (commands are never run through a shell). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
