/**
 * Control-plane discovery: revisions and tags from istiod Deployments, Services,
 * injector ConfigMaps and MutatingWebhookConfigurations (ISTIO.md §1, §3), the way
 * istioctl's `tag list` / revision listing finds them.
 */
import { APP_LABEL, DEFAULT_REVISION, INJECTION_LABEL, ISTIOD_APP, OPERATOR_VERSION_LABEL, REV_LABEL, TAG_LABEL, VERSION_LABEL } from './labels';
import { injectionWebhooks, isIstioMwc, resolveInjection, type InjectionWebhook } from './injection';
import { installMethodOfAll, type InstallMethod } from './installer';
import { injectedProxyVersion, nativeSidecarMode, type NativeSidecarMode } from './injectpolicy';
import type { ConfigMap, Deployment, InjectorConfig, MutatingWebhookConfiguration, ObjectMeta, Service } from './types';
import { imageTag, versionFromInjectorValues } from './version';

export type Readiness = 'ready' | 'degraded' | 'notReady' | 'scaledToZero' | 'absent';

export interface RevisionInfo {
  name: string;
  version?: string;
  versionSource?: 'image' | 'values' | 'label';
  readiness: Readiness;
  replicas: number;
  readyReplicas: number;
  /** `namespace/name` of istiod Deployments of this revision. */
  deployments: string[];
  services: string[];
  /** Canonical (non-tag) injector MWCs of this revision. */
  webhooks: string[];
  /** Tags pointing at this revision, sorted. */
  tags: string[];
  /** True when `istio-injection=enabled` resolves to this revision (directly or through the `default` tag). */
  isDefault: boolean;
  /** What istiod decides with after a webhook matched (ConfigMap istio-sidecar-injector[-<rev>]). */
  injector?: InjectorConfig;
  /** Version of the proxy image pods injected now get (injector values), which can differ from istiod's own. */
  proxyVersion?: string;
  /** istiod's ENABLE_NATIVE_SIDECARS (process env of its Deployment). */
  nativeSidecars: NativeSidecarMode;
  /** How it was installed (istiod Deployment first, then webhooks, Services). */
  installedBy: InstallMethod;
}

export interface TagInfo {
  name: string;
  /** Revision the tag points at (istio.io/rev of its webhook or Service). */
  revision: string;
  webhooks: string[];
  services: string[];
  /** False when no istiod Deployment or canonical webhook of `revision` exists. */
  revisionInstalled: boolean;
  /** Set when the tag's webhook and Service disagree on the revision. */
  conflict?: string;
  /** How its objects were made (webhooks first, then Services). */
  installedBy: InstallMethod;
}

export interface ControlPlane {
  revisions: RevisionInfo[];
  tags: TagInfo[];
  webhooks: InjectionWebhook[];
  /** What `istio-injection=enabled` resolves to, if anything. */
  defaultRevision?: string;
  revisionByName: Map<string, RevisionInfo>;
  tagByName: Map<string, TagInfo>;
}

const key = (m: { namespace?: string; name: string }) => (m.namespace ? `${m.namespace}/${m.name}` : m.name);

function istiodRevision(labels: Record<string, string> | undefined): string {
  return labels?.[REV_LABEL] || DEFAULT_REVISION;
}

export function isIstiodDeployment(d: Deployment): boolean {
  return d.metadata.labels?.[APP_LABEL] === ISTIOD_APP;
}

export function isIstiodService(s: Service): boolean {
  return s.metadata.labels?.[APP_LABEL] === ISTIOD_APP || s.metadata.labels?.[TAG_LABEL] !== undefined;
}

/** Revision of an injector ConfigMap (`istio-sidecar-injector[-<rev>]`), or undefined if it is not one. */
export function injectorConfigMapRevision(cm: ConfigMap): string | undefined {
  const name = cm.metadata.name;
  if (name === 'istio-sidecar-injector') return cm.metadata.labels?.[REV_LABEL] || DEFAULT_REVISION;
  if (name.startsWith('istio-sidecar-injector-')) return cm.metadata.labels?.[REV_LABEL] || name.slice('istio-sidecar-injector-'.length);
  return undefined;
}

function pilotImage(d: Deployment): string | undefined {
  const cs = d.spec?.template?.spec?.containers ?? [];
  return (cs.find((c) => c.name === 'discovery') ?? cs[0])?.image;
}

export function buildControlPlane(given: {
  deployments: Iterable<Deployment>;
  services: Iterable<Service>;
  configMaps: Iterable<ConfigMap>;
  mwcs: Iterable<MutatingWebhookConfiguration>;
}): ControlPlane {
  // Services are read twice (revisions, then tags): the snapshot passes one-shot iterators.
  const input = { ...given, services: [...given.services] };
  const revs = new Map<string, RevisionInfo>();
  const rev = (name: string): RevisionInfo => {
    let r = revs.get(name);
    if (!r) {
      r = {
        name,
        readiness: 'absent',
        replicas: 0,
        readyReplicas: 0,
        deployments: [],
        services: [],
        webhooks: [],
        tags: [],
        isDefault: false,
        nativeSidecars: 'auto',
        installedBy: { kind: 'manifest' },
      };
      revs.set(name, r);
      evidence.set(name, []);
    }
    return r;
  };
  const labelVersion = new Map<string, string>();
  const evidence = new Map<string, { meta: ObjectMeta; from: string }[]>();

  for (const d of input.deployments) {
    if (!isIstiodDeployment(d)) continue;
    const r = rev(istiodRevision(d.metadata.labels));
    r.deployments.push(key(d.metadata));
    evidence.get(r.name)!.push({ meta: d.metadata, from: `Deployment ${key(d.metadata)}` });
    const want = d.spec?.replicas ?? 1;
    r.replicas += want;
    r.readyReplicas += Math.min(d.status?.readyReplicas ?? 0, want);
    const env = (d.spec?.template?.spec?.containers ?? []).find((c) => c.name === 'discovery')?.env?.find((e) => e.name === 'ENABLE_NATIVE_SIDECARS');
    if (env) r.nativeSidecars = nativeSidecarMode(env.value);
    const v = imageTag(pilotImage(d));
    if (v && !r.version) {
      r.version = v;
      r.versionSource = 'image';
    }
    const lv = d.metadata.labels?.[VERSION_LABEL] ?? d.metadata.labels?.[OPERATOR_VERSION_LABEL];
    if (lv) labelVersion.set(r.name, lv);
  }
  for (const s of input.services) {
    const l = s.metadata.labels ?? {};
    if (l[APP_LABEL] !== ISTIOD_APP || l[TAG_LABEL] !== undefined) continue;
    const r = rev(istiodRevision(l));
    r.services.push(key(s.metadata));
    evidence.get(r.name)!.push({ meta: s.metadata, from: `Service ${key(s.metadata)}` });
  }
  const mwcList = [...input.mwcs].filter(isIstioMwc);
  for (const m of mwcList) {
    const l = m.metadata.labels ?? {};
    if (l[TAG_LABEL] !== undefined) continue;
    const r = rev(istiodRevision(l));
    r.webhooks.push(m.metadata.name);
    evidence.get(r.name)!.push({ meta: m.metadata, from: `MutatingWebhookConfiguration ${m.metadata.name}` });
    const lv = l[VERSION_LABEL] ?? l[OPERATOR_VERSION_LABEL];
    if (lv && !labelVersion.has(r.name)) labelVersion.set(r.name, lv);
  }
  for (const cm of input.configMaps) {
    const rn = injectorConfigMapRevision(cm);
    if (!rn) continue;
    const r = revs.get(rn);
    if (!r) continue;
    if (cm.injectorConfig) {
      r.injector = cm.injectorConfig;
      r.proxyVersion = injectedProxyVersion(cm.injectorConfig);
    }
    if (r.version) continue;
    const v = versionFromInjectorValues(cm.data?.values);
    if (v) {
      r.version = v;
      r.versionSource = 'values';
    }
  }
  for (const r of revs.values()) {
    // Deployments first, then webhooks, then Services (the order pushed above is Deployments, Services, webhooks).
    const ev = evidence.get(r.name)!;
    r.installedBy = installMethodOfAll([
      ...ev.filter((e) => e.from.startsWith('Deployment')),
      ...ev.filter((e) => e.from.startsWith('Mutating')),
      ...ev.filter((e) => e.from.startsWith('Service')),
    ]);
    if (!r.version && labelVersion.has(r.name)) {
      r.version = labelVersion.get(r.name);
      r.versionSource = 'label';
    }
    if (r.deployments.length === 0) r.readiness = 'absent';
    else if (r.replicas === 0) r.readiness = 'scaledToZero';
    else if (r.readyReplicas >= r.replicas) r.readiness = 'ready';
    else if (r.readyReplicas === 0) r.readiness = 'notReady';
    else r.readiness = 'degraded';
  }

  // Tags: MWCs labelled istio.io/tag, and (Istio 1.28+) Services labelled istio.io/tag.
  const tags = new Map<string, TagInfo>();
  const tagEvidence = new Map<string, { meta: ObjectMeta; from: string }[]>();
  const tag = (name: string, revision: string): TagInfo => {
    let t = tags.get(name);
    if (!t) {
      t = { name, revision, webhooks: [], services: [], revisionInstalled: false, installedBy: { kind: 'manifest' } };
      tags.set(name, t);
      tagEvidence.set(name, []);
    } else if (t.revision !== revision && !t.conflict) t.conflict = `objects of tag ${name} point at both ${t.revision} and ${revision}`;
    return t;
  };
  for (const m of mwcList) {
    const l = m.metadata.labels ?? {};
    if (l[TAG_LABEL] === undefined) continue;
    tag(l[TAG_LABEL], l[REV_LABEL] || DEFAULT_REVISION).webhooks.push(m.metadata.name);
    tagEvidence.get(l[TAG_LABEL])!.push({ meta: m.metadata, from: `MutatingWebhookConfiguration ${m.metadata.name}` });
  }
  for (const s of input.services) {
    const l = s.metadata.labels ?? {};
    if (l[TAG_LABEL] === undefined) continue;
    const target = l[REV_LABEL] || s.spec?.selector?.[REV_LABEL] || DEFAULT_REVISION;
    tag(l[TAG_LABEL], target).services.push(key(s.metadata));
    tagEvidence.get(l[TAG_LABEL])!.push({ meta: s.metadata, from: `Service ${key(s.metadata)}` });
  }
  for (const t of tags.values()) {
    t.installedBy = installMethodOfAll(tagEvidence.get(t.name)!);
    const r = revs.get(t.revision);
    t.revisionInstalled = !!r && (r.deployments.length > 0 || r.webhooks.length > 0);
    if (r) r.tags.push(t.name);
  }

  const webhooks = injectionWebhooks(mwcList);
  const def = resolveInjection(webhooks, { [INJECTION_LABEL]: 'enabled' }, {});
  const defaultRevision = def.kind === 'injected' ? def.revision : undefined;
  if (defaultRevision && revs.has(defaultRevision)) revs.get(defaultRevision)!.isDefault = true;

  const revisions = [...revs.values()].sort((a, b) => a.name.localeCompare(b.name));
  for (const r of revisions) {
    r.tags.sort();
    r.deployments.sort();
    r.services.sort();
    r.webhooks.sort();
  }
  const tagList = [...tags.values()].sort((a, b) => a.name.localeCompare(b.name));
  return {
    revisions,
    tags: tagList,
    webhooks,
    defaultRevision,
    revisionByName: new Map(revisions.map((r) => [r.name, r])),
    tagByName: new Map(tagList.map((t) => [t.name, t])),
  };
}

/** Installed revision or tag names, tags first (what a label value may name). */
export function installedTargets(cp: ControlPlane): { tags: TagInfo[]; revisions: RevisionInfo[] } {
  return { tags: cp.tags, revisions: cp.revisions.filter((r) => r.deployments.length > 0 || r.webhooks.length > 0) };
}
