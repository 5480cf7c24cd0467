/**
 * Revision-tag plans: `istioctl tag set` and `istioctl tag remove` as the Istio 1.31
 * istioctl (release-1.31, istioctl/pkg/tag/{tag,generate,util}.go) does them, built
 * as Plans from the raw objects listed from the cluster.
 *
 * What istioctl 1.31 does, and so what this module reproduces:
 *  - tag set (generate.go Generate):
 *    1. a tag named like a canonical revision (MWC `istio.io/rev=<tag>,!istio.io/tag`, or Service
 *       `istio.io/rev=<tag>,!istio.io/tag,app=istiod`) is refused unless --overwrite or tag=default;
 *    2. exactly one canonical Service and MWC of the revision must exist;
 *    3. without --overwrite, any MWC or Service labelled `istio.io/tag=<tag>` refuses;
 *    4. the tag MWC is rendered from the istio-discovery chart (revision-tags-mwc.yaml) and gets
 *       caBundle, URL or service name+path, reinvocationPolicy, labels (minus `app`) and
 *       annotations of the canonical MWC's first `*sidecar-injector.istio.io` webhook/MWC; every
 *       label containing `operator.istio.io` is dropped (user-managed tag);
 *    5. the tag Service `istiod-revision-tag-<tag>` is rendered from revision-tags-svc.yaml;
 *    6. tag `default`: the canonical `istio.io/rev=default` MWC gets never-match selectors on all
 *       its webhooks (an Update, util.go DeactivateIstioInjectionWebhook), and the
 *       `istiod-default-validator` VWC is rendered from the `default` chart with the injection
 *       URL's path replaced by /validate and the existing validator's failurePolicy kept
 *       (generate.go fixWhConfig);
 *    7. everything is applied with server-side apply, field manager `istio-ci`, force
 *       (pkg/kube/client.go ssapplyYAML).
 *  - tag remove (tag.go removeTag): error when neither an MWC nor a Service carries the tag;
 *    deletes MWCs, VWCs (1.31) and Services labelled `istio.io/tag=<tag>`; never re-activates
 *    webhooks a `default` tag deactivated.
 */
import { managedGateways } from './ambient';
import { resolveInjection, type InjectionWebhook } from './injection';
import { decideInjection } from './injectpolicy';
import { APP_LABEL, DEACTIVATED_LABEL, DEFAULT_REVISION, INJECTION_LABEL, INJECTOR_WEBHOOK_SUFFIX, NEVER_MATCH, REV_LABEL, TAG_LABEL } from './labels';
import { checkRevisionName } from './names';
import { shellQuote, type Permission, type Plan, type PlannedRequest } from './plan';
import type { ProxyInfo } from './proxies';
import type { ClusterSnapshot } from './snapshot';
import type { LabelSelector, RawMeta, RawObject, RawService, RawWebhook, RawWebhookConfiguration, WebhookClientConfig } from './types';

/** Content type of a server-side apply request (JSON is valid YAML). */
export const APPLY_PATCH = 'application/apply-patch+yaml';
/** Field manager istioctl uses for `tag set` (pkg/kube/client.go ssapplyYAML). */
export const ISTIOCTL_FIELD_MANAGER = 'istio-ci';
/**
 * Chart version compiled into istioctl (Chart.yaml `version`/`appVersion`). Source builds,
 * like the local test cluster's istioctl, keep the placeholder 1.0.0; release builds replace it.
 */
export const DEFAULT_CHART_VERSION = '1.0.0';

const ADMISSION_GROUP = 'admissionregistration.k8s.io';
const MWC_PATH = `/apis/${ADMISSION_GROUP}/v1/mutatingwebhookconfigurations`;
const VWC_PATH = `/apis/${ADMISSION_GROUP}/v1/validatingwebhookconfigurations`;
const OPERATOR_NS = 'operator.istio.io';
const DEFAULT_VALIDATOR = 'istiod-default-validator';
const NEVER_MATCH_SELECTOR = { matchLabels: { [DEACTIVATED_LABEL]: NEVER_MATCH } };

export type TagPlanResult = { ok: true; plan: Plan } | { ok: false; message: string };

export interface TagSetInput {
  cluster: string;
  tag: string;
  revision: string;
  overwrite: boolean;
  istioNamespace: string;
  /** Raw MutatingWebhookConfigurations (all of the cluster). */
  mwcs: RawWebhookConfiguration[];
  /** Raw ValidatingWebhookConfigurations (all of the cluster). */
  vwcs: RawWebhookConfiguration[];
  /** Raw Services of the istio namespace. */
  services: RawService[];
  /** Chart version compiled into the istioctl being mirrored (labels app.kubernetes.io/version, helm.sh/chart). */
  chartVersion?: string;
}

export interface TagRemoveInput {
  cluster: string;
  tag: string;
  mwcs: RawWebhookConfiguration[];
  vwcs: RawWebhookConfiguration[];
  services: RawService[];
  namespacesUsingTag: string[];
  istioNamespace?: string;
}

// ---------------------------------------------------------------- label queries (as istioctl's selectors)

const labelsOf = (o: RawObject | undefined): Record<string, string> => o?.metadata?.labels ?? {};
const has = (l: Record<string, string>, k: string) => Object.prototype.hasOwnProperty.call(l, k);

/** MWCs `istio.io/rev=<rev>,!istio.io/tag` (util.go GetWebhooksWithRevision). */
export function canonicalWebhooks(mwcs: RawWebhookConfiguration[], rev: string): RawWebhookConfiguration[] {
  return mwcs.filter((m) => {
    const l = labelsOf(m);
    return l[REV_LABEL] === rev && !has(l, TAG_LABEL);
  });
}

/** Services `istio.io/rev=<rev>,!istio.io/tag,app=istiod` in the istio namespace (util.go GetServicesWithRevision). */
export function canonicalServices(services: RawService[], rev: string, istioNamespace?: string): RawService[] {
  return inNamespace(services, istioNamespace).filter((s) => {
    const l = labelsOf(s);
    return l[REV_LABEL] === rev && !has(l, TAG_LABEL) && l[APP_LABEL] === 'istiod';
  });
}

const withTag = <T extends RawObject>(objs: T[], tag: string): T[] => objs.filter((o) => labelsOf(o)[TAG_LABEL] === tag);

function inNamespace<T extends RawObject>(objs: T[], ns?: string): T[] {
  return ns ? objs.filter((o) => !o?.metadata?.namespace || o.metadata.namespace === ns) : objs;
}

// ---------------------------------------------------------------- rendering (chart output + generate.go fix-ups)

function istioLabels(chart: string, version: string): Record<string, string> {
  // zzz_profile.yaml "istio.labels" with Release.Service=Helm, Release.Name=istio
  return {
    'app.kubernetes.io/managed-by': 'Helm',
    'app.kubernetes.io/instance': 'istio',
    'app.kubernetes.io/part-of': 'istio',
    'app.kubernetes.io/version': version,
    'helm.sh/chart': `${chart}-${version}`,
  };
}

/** generate.go generateLabels with userManaged=true: merge, then drop every label containing operator.istio.io. */
function generateLabels(rendered: Record<string, string>, current: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...rendered, ...current };
  for (const k of Object.keys(out)) if (k.includes(OPERATOR_NS)) delete out[k];
  return out;
}

interface TagWebhookConfig {
  service: string;
  /** '' when the canonical revision is `default` (templates render with an empty revision). */
  revision: string;
  url: string;
  path: string;
  caBundle: string;
  labels: Record<string, string>;
  annotations: Record<string, string> | undefined;
  reinvocationPolicy: string;
}

/** generate.go tagWebhookConfigFromCanonicalWebhook. */
function tagWebhookConfig(canon: RawWebhookConfiguration): { ok: true; cfg: TagWebhookConfig } | { ok: false; message: string } {
  let rev = labelsOf(canon)[REV_LABEL];
  if (rev === undefined) return { ok: false, message: 'failed to create tag webhook config: could not extract tag revision from webhook' };
  if (rev === DEFAULT_REVISION) rev = '';
  const w = (canon.webhooks ?? []).find((x) => typeof x?.name === 'string' && x.name.endsWith(INJECTOR_WEBHOOK_SUFFIX));
  if (!w)
    return {
      ok: false,
      message: `failed to create tag webhook config: could not find sidecar-injector webhook in canonical webhook "${canon.metadata?.name}"`,
    };
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(labelsOf(canon))) if (k !== APP_LABEL) labels[k] = v;
  const ann = canon.metadata?.annotations;
  return {
    ok: true,
    cfg: {
      service: w.clientConfig?.service?.name ?? '',
      revision: rev,
      url: w.clientConfig?.url ?? '',
      path: w.clientConfig?.service?.path ?? '',
      caBundle: w.clientConfig?.caBundle ?? '',
      labels,
      annotations: ann && Object.keys(ann).length ? { ...ann } : undefined,
      reinvocationPolicy: w.reinvocationPolicy ?? '',
    },
  };
}

function tagWebhookName(tag: string, istioNamespace: string): string {
  return istioNamespace === 'istio-system' ? `istio-revision-tag-${tag}` : `istio-revision-tag-${tag}-${istioNamespace}`;
}

/** The tag MWC exactly as `istioctl tag generate` prints it (revision-tags-mwc.yaml + generateMutatingWebhook). */
export function renderTagMwc(cfg: TagWebhookConfig, tag: string, istioNamespace: string, chartVersion = DEFAULT_CHART_VERSION): RawWebhookConfiguration {
  const clientConfig = (): WebhookClientConfig => {
    const cc: WebhookClientConfig = {};
    if (cfg.url) cc.url = cfg.url;
    else cc.service = { name: cfg.service, namespace: istioNamespace, path: cfg.path, port: 443 };
    if (cfg.caBundle) cc.caBundle = cfg.caBundle;
    return cc;
  };
  const core = (prefix: string, namespaceSelector: LabelSelector, objectSelector: LabelSelector): RawWebhook => ({
    name: `${prefix}${INJECTOR_WEBHOOK_SUFFIX}`,
    clientConfig: clientConfig(),
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    failurePolicy: 'Fail',
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    reinvocationPolicy: cfg.reinvocationPolicy || 'Never',
    namespaceSelector,
    objectSelector,
  });
  const webhooks = [
    core(
      'rev.namespace.',
      {
        matchExpressions: [
          { key: REV_LABEL, operator: 'In', values: [tag] },
          { key: INJECTION_LABEL, operator: 'DoesNotExist' },
        ],
      },
      { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }] },
    ),
    core(
      'rev.object.',
      {
        matchExpressions: [
          { key: REV_LABEL, operator: 'DoesNotExist' },
          { key: INJECTION_LABEL, operator: 'DoesNotExist' },
        ],
      },
      {
        matchExpressions: [
          { key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] },
          { key: REV_LABEL, operator: 'In', values: [tag] },
        ],
      },
    ),
  ];
  if (tag === DEFAULT_REVISION) {
    webhooks.push(
      core(
        'namespace.',
        { matchExpressions: [{ key: INJECTION_LABEL, operator: 'In', values: ['enabled'] }] },
        { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }] },
      ),
      core(
        'object.',
        {
          matchExpressions: [
            { key: INJECTION_LABEL, operator: 'DoesNotExist' },
            { key: REV_LABEL, operator: 'DoesNotExist' },
          ],
        },
        {
          matchExpressions: [
            { key: 'sidecar.istio.io/inject', operator: 'In', values: ['true'] },
            { key: REV_LABEL, operator: 'DoesNotExist' },
          ],
        },
      ),
    );
  }
  const rendered = {
    [TAG_LABEL]: tag,
    [REV_LABEL]: cfg.revision || DEFAULT_REVISION,
    'install.operator.istio.io/owning-resource': 'unknown',
    'operator.istio.io/component': 'Pilot',
    app: 'sidecar-injector',
    release: 'istio',
    'app.kubernetes.io/name': 'istiod',
    ...istioLabels('istiod', chartVersion),
  };
  const metadata: RawMeta = { name: tagWebhookName(tag, istioNamespace), labels: generateLabels(rendered, cfg.labels) };
  if (cfg.annotations) metadata.annotations = { ...cfg.annotations };
  return { apiVersion: `${ADMISSION_GROUP}/v1`, kind: 'MutatingWebhookConfiguration', metadata, webhooks };
}

/** The tag Service (revision-tags-svc.yaml + generateTagService); `revision` is the --revision argument as given. */
export function renderTagService(tag: string, revision: string, istioNamespace: string, chartVersion = DEFAULT_CHART_VERSION): RawService {
  const rendered = {
    [REV_LABEL]: revision || DEFAULT_REVISION,
    [TAG_LABEL]: tag,
    'install.operator.istio.io/owning-resource': 'unknown',
    'operator.istio.io/component': 'Pilot',
    app: 'istiod',
    istio: 'pilot',
    release: 'istio',
    'app.kubernetes.io/name': 'istiod',
    ...istioLabels('istiod', chartVersion),
  };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `istiod-revision-tag-${tag}`, namespace: istioNamespace, labels: generateLabels(rendered, {}) },
    spec: {
      ports: [
        { port: 15010, name: 'grpc-xds', protocol: 'TCP', targetPort: 0 },
        { port: 15012, name: 'https-dns', protocol: 'TCP', targetPort: 0 },
        { port: 443, name: 'https-webhook', targetPort: 15017, protocol: 'TCP' },
        { port: 15014, name: 'http-monitoring', protocol: 'TCP', targetPort: 0 },
      ],
      selector: revision ? { app: 'istiod', [REV_LABEL]: revision } : { app: 'istiod', istio: 'pilot' },
    },
  };
}

/** generate.go fixWhConfig: validation URL path /validate. */
function validationUrl(u: string): string {
  if (!u) return u;
  try {
    const parsed = new URL(u);
    parsed.pathname = '/validate';
    return parsed.toString();
  } catch {
    return u;
  }
}

/** `istiod-default-validator` as rendered for tag `default` (default chart + generateValidatingWebhook). */
export function renderDefaultValidator(
  cfg: TagWebhookConfig,
  istioNamespace: string,
  existing: RawWebhookConfiguration | undefined,
  chartVersion = DEFAULT_CHART_VERSION,
): RawWebhookConfiguration {
  const url = validationUrl(cfg.url);
  const cc: WebhookClientConfig = url
    ? { url }
    : { service: { name: cfg.revision ? `istiod-${cfg.revision}` : 'istiod', namespace: istioNamespace, path: '/validate' } };
  if (cfg.caBundle) cc.caBundle = cfg.caBundle;
  const webhook: RawWebhook = {
    name: 'validation.istio.io',
    clientConfig: cc,
    rules: [
      {
        operations: ['CREATE', 'UPDATE'],
        apiGroups: ['security.istio.io', 'networking.istio.io', 'telemetry.istio.io', 'extensions.istio.io'],
        apiVersions: ['*'],
        resources: ['*'],
      },
    ],
    failurePolicy: 'Ignore',
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    objectSelector: { matchExpressions: [{ key: REV_LABEL, operator: 'DoesNotExist' }] },
  };
  // Keep the failurePolicy istiod manages: Fail -> leave unset (server default Fail), otherwise copy.
  if (existing) {
    const ew = (existing.webhooks ?? []).find((w) => w?.name === webhook.name);
    if (ew) {
      if (ew.failurePolicy === undefined || ew.failurePolicy === 'Fail') delete webhook.failurePolicy;
      else webhook.failurePolicy = ew.failurePolicy;
    }
  }
  const rendered = {
    app: 'istiod',
    istio: 'istiod',
    [REV_LABEL]: cfg.revision || DEFAULT_REVISION,
    [TAG_LABEL]: DEFAULT_REVISION,
    'operator.istio.io/component': 'Pilot',
    'app.kubernetes.io/name': 'istiod',
    ...istioLabels('istio-default', chartVersion),
  };
  const metadata: RawMeta = { name: DEFAULT_VALIDATOR, labels: generateLabels(rendered, cfg.labels) };
  if (cfg.annotations) metadata.annotations = { ...cfg.annotations };
  return { apiVersion: `${ADMISSION_GROUP}/v1`, kind: 'ValidatingWebhookConfiguration', metadata, webhooks: [webhook] };
}

// ---------------------------------------------------------------- requests

interface Res {
  path: string;
  group: string;
  resource: string;
  kind: string;
  namespace?: string;
}

const MWC_RES: Res = { path: MWC_PATH, group: ADMISSION_GROUP, resource: 'mutatingwebhookconfigurations', kind: 'MutatingWebhookConfiguration' };
const VWC_RES: Res = { path: VWC_PATH, group: ADMISSION_GROUP, resource: 'validatingwebhookconfigurations', kind: 'ValidatingWebhookConfiguration' };
const svcRes = (ns: string): Res => ({
  path: `/api/v1/namespaces/${encodeURIComponent(ns)}/services`,
  group: '',
  resource: 'services',
  kind: 'Service',
  namespace: ns,
});

function perm(r: Res, verb: Permission['verb'], name?: string): Permission {
  const p: Permission = { verb, group: r.group, resource: r.resource };
  if (r.namespace) p.namespace = r.namespace;
  if (name) p.name = name;
  return p;
}

/**
 * Server-side apply, as istioctl sends tag objects (pkg/kube client ssapplyYAML: field manager
 * `istio-ci`, force), whether the object exists or not; when it does not, the apply creates it,
 * so the permission checked first is create.
 */
function applyRequest(r: Res, obj: RawObject, existing: RawObject | undefined): PlannedRequest {
  const name = obj.metadata.name;
  const where = r.namespace ? ` in ${r.namespace}` : '';
  return {
    method: 'PATCH',
    path: `${r.path}/${encodeURIComponent(name)}`,
    query: { fieldManager: ISTIOCTL_FIELD_MANAGER, force: 'true' },
    contentType: APPLY_PATCH,
    body: obj,
    description: `${existing ? 'Update' : 'Create'} ${r.kind} ${name}${where} (server-side apply, as istioctl)`,
    permission: perm(r, existing ? 'patch' : 'create', existing ? name : undefined),
    dryRunnable: true,
  };
}

function deleteRequest(r: Res, name: string): PlannedRequest {
  return {
    method: 'DELETE',
    path: `${r.path}/${encodeURIComponent(name)}`,
    description: `Delete ${r.kind} ${name}${r.namespace ? ` in ${r.namespace}` : ''}`,
    permission: perm(r, 'delete', name),
    dryRunnable: true,
    ignoreNotFound: true,
  };
}

function stripForUpdate(o: RawWebhookConfiguration): RawWebhookConfiguration {
  const c = structuredClone(o);
  if (c.metadata) delete c.metadata.managedFields;
  if (!c.apiVersion) c.apiVersion = `${ADMISSION_GROUP}/v1`;
  if (!c.kind) c.kind = 'MutatingWebhookConfiguration';
  return c;
}

const isNever = (s: LabelSelector | undefined) =>
  s?.matchLabels?.[DEACTIVATED_LABEL] === NEVER_MATCH && Object.keys(s.matchLabels).length === 1 && !s.matchExpressions?.length;

// ---------------------------------------------------------------- tag set

export function planTagSet(input: TagSetInput): TagPlanResult {
  const { cluster, tag, revision, overwrite } = input;
  const ns = input.istioNamespace || 'istio-system';
  const chartVersion = input.chartVersion ?? DEFAULT_CHART_VERSION;
  const fail = (message: string): TagPlanResult => ({ ok: false, message });

  const nameCheck = checkRevisionName(tag, 'tag');
  if (!nameCheck.ok) return fail(nameCheck.message + (nameCheck.suggestion ? ` Try "${nameCheck.suggestion}".` : ''));
  if (!revision) return fail('must provide a revision (--revision)');

  const services = inNamespace(input.services, ns);
  // 1. checkTagNameCollidesWithRevisionName
  if (!overwrite && tag !== DEFAULT_REVISION) {
    if (canonicalWebhooks(input.mwcs, tag).length > 0 || canonicalServices(services, tag).length > 0) {
      return fail(`cannot create revision tag "${tag}": found existing control plane revision with same name`);
    }
  }
  // 2. checkControlPlaneExistenceOrDuplicate
  const revServices = canonicalServices(services, revision);
  if (revServices.length > 1) return fail(`cannot modify tag: found multiple canonical services with revision "${revision}" in namespace "${ns}"`);
  const revWebhooks = canonicalWebhooks(input.mwcs, revision);
  if (revWebhooks.length === 0 && revServices.length === 0) {
    return fail(`cannot modify tag: cannot find MutatingWebhookConfiguration or Service with revision "${revision}"`);
  }
  if (revWebhooks.length > 1) return fail(`cannot modify tag: found multiple canonical webhooks or services with revision "${revision}"`);
  if (revWebhooks.length === 0) {
    // istioctl 1.31 indexes revWebhooks[0] here and crashes (index out of range).
    return fail(`cannot modify tag: found Service but no MutatingWebhookConfiguration with revision "${revision}" (istioctl would crash here)`);
  }
  // 3. checkTagDuplicate
  const tagWebhooks = withTag(input.mwcs, tag);
  const tagServices = withTag(services, tag);
  if (!overwrite && (tagWebhooks.length > 0 || tagServices.length > 0)) {
    return fail(`revision tag "${tag}" already exists, and --overwrite is false`);
  }
  // 4. render
  const c = tagWebhookConfig(revWebhooks[0]);
  if (!c.ok) return fail(c.message);
  const cfg = c.cfg;
  const mwc = renderTagMwc(cfg, tag, ns, chartVersion);

  const requests: PlannedRequest[] = [];
  const warnings: string[] = [];
  if (tag === DEFAULT_REVISION) {
    // DeactivateIstioInjectionWebhook: Update of the default revision's canonical MWC.
    const defaults = canonicalWebhooks(input.mwcs, DEFAULT_REVISION);
    if (defaults.length > 1) return fail('failed deactivating existing default revision: expected a single webhook for default revision');
    if (defaults.length === 1) {
      const d = stripForUpdate(defaults[0]);
      const changed = (d.webhooks ?? []).some((w) => !isNever(w.namespaceSelector) || !isNever(w.objectSelector));
      for (const w of d.webhooks ?? []) {
        w.namespaceSelector = structuredClone(NEVER_MATCH_SELECTOR);
        w.objectSelector = structuredClone(NEVER_MATCH_SELECTOR);
      }
      if (changed) {
        const name = d.metadata.name;
        requests.push({
          method: 'PUT',
          path: `${MWC_PATH}/${encodeURIComponent(name)}`,
          body: d,
          description: `Deactivate the default revision's webhooks in MutatingWebhookConfiguration ${name} (selectors istio.io/deactivated=never-match; kept for switching back)`,
          permission: perm(MWC_RES, 'update', name),
          dryRunnable: true,
        });
      }
    }
  }
  const byName = <T extends RawObject>(list: T[], name: string): T | undefined => list.find((o) => o?.metadata?.name === name);
  requests.push(applyRequest(MWC_RES, mwc, byName(input.mwcs, mwc.metadata.name)));
  if (tag === DEFAULT_REVISION) {
    const existing = byName(input.vwcs, DEFAULT_VALIDATOR);
    requests.push(applyRequest(VWC_RES, renderDefaultValidator(cfg, ns, existing, chartVersion), existing));
  }
  const svc = renderTagService(tag, revision, ns, chartVersion);
  requests.push(applyRequest(svcRes(ns), svc, byName(services, svc.metadata.name)));

  // Objects of the tag that this set does not overwrite (other names, e.g. --webhook-name) stay.
  const stray = tagWebhooks.filter((m) => m.metadata?.name !== mwc.metadata.name).map((m) => m.metadata.name);
  if (stray.length)
    warnings.push(`MutatingWebhookConfiguration ${stray.join(', ')} also carries ${TAG_LABEL}=${tag} and is left as is (istioctl does not touch it either).`);
  const prev = tagWebhooks.map((m) => labelsOf(m)[REV_LABEL]).find((r) => r && r !== revision);

  const cmd = ['istioctl', 'tag', 'set', tag, '--revision', revision];
  if (ns !== 'istio-system') cmd.push('--istioNamespace', ns);
  if (overwrite) cmd.push('--overwrite');
  cmd.push('-y');
  const moving = prev
    ? `Move tag ${tag} from ${prev} to ${revision}`
    : tagWebhooks.length || tagServices.length
      ? `Set tag ${tag} to ${revision}`
      : `Create tag ${tag} → ${revision}`;
  return {
    ok: true,
    plan: {
      title: moving,
      summary:
        tag === DEFAULT_REVISION
          ? `${moving}: istio-injection=enabled namespaces and the default validator follow ${revision}.`
          : `${moving}: namespaces labelled ${REV_LABEL}=${tag} get sidecars from ${revision} for new pods.`,
      cluster,
      requests,
      commands: [cmd.map(shellQuote).join(' ')],
      warnings,
    },
  };
}

// ---------------------------------------------------------------- tag remove

export function planTagRemove(input: TagRemoveInput): TagPlanResult {
  const { cluster, tag } = input;
  const ns = input.istioNamespace || 'istio-system';
  const services = withTag(inNamespace(input.services, input.istioNamespace), tag);
  const webhooks = withTag(input.mwcs, tag);
  if (services.length === 0 && webhooks.length === 0) {
    return { ok: false, message: `cannot remove tag "${tag}": cannot find MutatingWebhookConfiguration or Service for tag` };
  }
  const requests: PlannedRequest[] = [];
  for (const m of webhooks) requests.push(deleteRequest(MWC_RES, m.metadata.name));
  for (const v of withTag(input.vwcs, tag)) requests.push(deleteRequest(VWC_RES, v.metadata.name));
  for (const s of services) requests.push(deleteRequest(svcRes(s.metadata?.namespace ?? ns), s.metadata.name));

  const warnings: string[] = [];
  const used = [...input.namespacesUsingTag].sort();
  if (used.length) {
    warnings.push(`Caution, found ${used.length} namespace(s) still injected by tag "${tag}": ${used.join(' ')}. New pods there are no longer injected.`);
  }
  if (tag === DEFAULT_REVISION) {
    const deactivated = canonicalWebhooks(input.mwcs, DEFAULT_REVISION).filter((m) =>
      (m.webhooks ?? []).some((w) => isNever(w.namespaceSelector) && isNever(w.objectSelector)),
    );
    if (deactivated.length) {
      warnings.push(
        `The default revision's webhooks in ${deactivated.map((m) => m.metadata.name).join(', ')} stay deactivated: istio-injection=enabled namespaces get no sidecar until a new default tag is set.`,
      );
    } else {
      warnings.push('Without a default tag, istio-injection=enabled namespaces are not injected, and the istiod-default-validator is removed with the tag.');
    }
  }
  const target = webhooks.map((m) => labelsOf(m)[REV_LABEL]).find(Boolean) ?? services.map((s) => labelsOf(s)[REV_LABEL]).find(Boolean);
  return {
    ok: true,
    plan: {
      title: `Remove tag ${tag}`,
      summary: `Remove revision tag ${tag}${target ? ` (→ ${target})` : ''}: delete its webhook configuration${services.length ? ' and Service' : ''}.`,
      cluster,
      requests,
      commands: [['istioctl', 'tag', 'remove', tag, ...(ns !== 'istio-system' ? ['--istioNamespace', ns] : []), '-y'].map(shellQuote).join(' ')],
      warnings,
    },
  };
}

// ---------------------------------------------------------------- impact

export interface TagImpact {
  namespaces: string[];
  workloads: { namespace: string; kind: string; name: string }[];
  podsStaleAfter: number;
  /** Waypoints and Gateway API gateways that follow the tag: istiod re-renders them at once (no restart). */
  rollNow: { kind: 'waypoint' | 'gateway'; namespace: string; gateway: string; from?: string; to?: string }[];
  message: string;
}

/** Pod labels that made `p` match its webhook, reconstructed from the webhook kind (when the pod object is not loaded). */
function podLabelsFor(p: ProxyInfo, tag: string): Record<string, string> {
  if (p.expected.kind !== 'injected') return {};
  const wh = p.expected.via.webhookName;
  if (wh.startsWith('rev.object.')) return { [REV_LABEL]: tag };
  if (wh.startsWith('object.')) return { 'sidecar.istio.io/inject': 'true' };
  return {};
}

/**
 * Who follows tag `tag` and what happens to their proxies if the tag moves to
 * `newRevision` (or, without it, is removed).
 */
export function tagImpact(snapshot: ClusterSnapshot, tag: string, newRevision?: string): TagImpact {
  const cp = snapshot.controlPlane;
  const nsSet = new Set<string>(snapshot.namespacesLabelled(tag));
  const views = snapshot.namespaces();
  for (const v of views) {
    if (v.viaTag === tag) nsSet.add(v.name);
    if (tag === DEFAULT_REVISION && v.labels.injection === 'enabled') nsSet.add(v.name);
  }
  // Pods following the tag: in those namespaces, or matched by the tag's object webhooks anywhere.
  const followers: ProxyInfo[] = [];
  for (const p of snapshot.proxies()) {
    const viaTag = p.expected.kind === 'injected' && p.expected.via.tag === tag;
    if (viaTag || nsSet.has(p.namespace)) followers.push(p);
  }
  const withoutTag: InjectionWebhook[] = cp.webhooks.filter((w) => w.tag !== tag);
  const wl = new Map<string, { namespace: string; kind: string; name: string }>();
  let stale = 0;
  let proxies = 0;
  const running = new Map<string, number>();
  for (const p of followers) {
    if (!p.injected) continue;
    proxies++;
    wl.set(`${p.namespace}/${p.workload.kind}/${p.workload.name}`, { namespace: p.namespace, kind: p.workload.kind, name: p.workload.name });
    const rk = p.injectedRevision ?? 'unknown';
    running.set(rk, (running.get(rk) ?? 0) + 1);
    if (newRevision !== undefined) {
      if (p.injectedRevision !== newRevision) stale++;
    } else {
      const pod = snapshot.pod(p.namespace, p.name);
      const after = pod
        ? decideInjection(withoutTag, snapshot.namespaceObject(p.namespace)?.metadata.labels, pod, p.namespace, (r) => cp.revisionByName.get(r)?.injector)
        : resolveInjection(withoutTag, snapshot.namespaceObject(p.namespace)?.metadata.labels, podLabelsFor(p, tag), p.namespace);
      if (after.kind !== 'injected') stale++;
    }
  }
  const namespaces = [...nsSet].sort();
  const workloads = [...wl.values()].sort((a, b) => `${a.namespace}/${a.kind}/${a.name}`.localeCompare(`${b.namespace}/${b.kind}/${b.name}`));
  const current = cp.tagByName.get(tag)?.revision;
  const nsText = namespaces.length ? `${namespaces.length} namespace(s) (${namespaces.join(', ')})` : 'no namespace';
  const runText = [...running]
    .sort()
    .map(([r, n]) => `${n} on ${r}`)
    .join(', ');
  let message = `Tag ${tag}${current ? ` (→ ${current})` : ''} is followed by ${nsText}: ${workloads.length} workload(s), ${proxies} proxy(ies)${runText ? ` (${runText})` : ''}.`;
  if (newRevision !== undefined) {
    message += stale
      ? ` After moving it to ${newRevision}, new pods get ${newRevision}; ${stale} running proxy(ies) stay on their old revision until their workloads are restarted.`
      : ` After moving it to ${newRevision}, no running proxy needs a restart.`;
  } else {
    message += stale
      ? ` After removing it, new pods there are not injected: ${stale} proxy(ies) would lose their sidecar when restarted.`
      : ' Removing it leaves no running proxy without a control plane to re-inject it.';
  }
  // Gateways istiod deploys follow the tag through their own or their namespace's label (or the default):
  // the revision the tag points at renders them, so moving it rolls them now, without a restart.
  const rollNow = managedGateways(snapshot)
    .filter((g) => (g.followsVia === 'default' ? tag === DEFAULT_REVISION : g.followsLabel === tag))
    .map((g) => ({ kind: g.kind, namespace: g.namespace, gateway: g.gateway, from: g.followsRevision, to: newRevision }));
  if (rollNow.length) {
    const list = rollNow.map((g) => `${g.kind} ${g.namespace}/${g.gateway}`).join(', ');
    message +=
      newRevision !== undefined
        ? ` ${rollNow.length} waypoint(s)/gateway(s) follow it and roll to ${newRevision} right away, re-rendered by its istiod (no restart needed): ${list}.`
        : ` ${rollNow.length} waypoint(s)/gateway(s) follow it and would be left without a controlling istiod: ${list}.`;
  }
  return { namespaces, workloads, podsStaleAfter: stale, rollNow, message };
}
