/**
 * ClusterWatcher keeps a ClusterSnapshot of one cluster live: it lists every
 * watched kind concurrently (paginated), then watches each from the list's
 * resourceVersion. A watch the server closes resumes from the last version seen;
 * a `410 Gone` re-lists that kind (the snapshot's replace() yields no duplicates);
 * a network failure backs off and re-lists. Events are batched (a few ms) and
 * applied together; listeners get the SnapshotChange to refresh only what changed.
 * A kind the user may not list is marked forbidden; the rest still works.
 */
import { ClusterSnapshot, mergeChanges, noChange, type Kind, type KindMap, type SnapshotChange, type WatchEvent } from '../istio';
import type { ClusterClient } from './client';
import { Emitter } from './emitter';
import { pruneConfigMap, pruneDaemonSet, pruneDeployment, pruneMwc, pruneNamespace, prunePod, pruneSail, pruneService } from './prune';
import { podListStream, type ProtobufListDecoder } from './protobuf';
import { describeK8sError, type K8sError } from './result';
import { RESOURCES, type ResourceType } from './resources';

export interface SourceSpec {
  kind: Kind;
  resource: ResourceType;
  namespace?: string;
  labelSelector?: string;
  prune: (raw: any) => any;
  /** Lists read as protobuf by this decoder, which yields what `prune` does (built-in kinds; watches stay JSON). */
  protobuf?: ProtobufListDecoder<any>;
  /** A kind that may not exist (a CRD): 404 or 403 leave it out quietly (state `absent`). */
  optional?: boolean;
}

export function sourcesFor(istioNamespace: string): SourceSpec[] {
  // Control-plane kinds first: applying them before pods avoids re-analysing pods twice.
  return [
    { kind: 'MutatingWebhookConfiguration', resource: RESOURCES.mutatingwebhookconfigurations, prune: pruneMwc },
    // istiod Deployments may live outside the Istio namespace; the label finds them all.
    { kind: 'Deployment', resource: RESOURCES.deployments, labelSelector: 'app=istiod', prune: pruneDeployment },
    // Revision and tag Services, and the injector ConfigMaps, live in the Istio namespace.
    { kind: 'Service', resource: RESOURCES.services, namespace: istioNamespace, prune: pruneService },
    { kind: 'ConfigMap', resource: RESOURCES.configmaps, namespace: istioNamespace, prune: pruneConfigMap },
    { kind: 'Namespace', resource: RESOURCES.namespaces, prune: pruneNamespace },
    // Pods need spec (the istio-proxy image gives the proxy version), so no metadata-only list here.
    // The largest list by far: read as protobuf, where what the model does not read is stepped over (protobuf.ts).
    { kind: 'Pod', resource: RESOURCES.pods, prune: prunePod, protobuf: podListStream },
    // Node agents' DaemonSets (ztunnel, istio-cni): their update strategy. Optional: a user who may not list them still sees the rest.
    { kind: 'DaemonSet', resource: RESOURCES.daemonsets, prune: pruneDaemonSet, optional: true },
    // The Sail operator's resources, where its CRDs are installed.
    { kind: 'Istio', resource: RESOURCES.istios, prune: pruneSail, optional: true },
    { kind: 'IstioRevision', resource: RESOURCES.istiorevisions, prune: pruneSail, optional: true },
    { kind: 'IstioRevisionTag', resource: RESOURCES.istiorevisiontags, prune: pruneSail, optional: true },
  ];
}

export type KindStatus =
  | { state: 'ok' }
  | { state: 'forbidden'; error: K8sError }
  | { state: 'error'; error: K8sError }
  | { state: 'pending' }
  /** An optional kind (a CRD) that is not installed or not readable: left out, nothing to report. */
  | { state: 'absent'; error: K8sError }
  /** Not listable cluster-wide, so only the context's namespace is listed and watched. */
  | { state: 'scoped'; namespace: string; error: K8sError };

export type ClusterPhase =
  | { phase: 'idle' }
  /** `credentials`: the credential plugin's command, while the first lists wait on it (a login, a slow cloud CLI). */
  | { phase: 'connecting'; credentials?: string }
  | { phase: 'ready' }
  | { phase: 'reconnecting'; error: K8sError }
  | { phase: 'error'; error: K8sError; message: string };

export interface WatcherOptions {
  istioNamespace?: string;
  /** Milliseconds to gather watch events before applying them; 0 applies on the next tick. */
  batchMs?: number;
  pageSize?: number;
  log?: (msg: string) => void;
  /**
   * The kubeconfig context's namespace. A user who may not list pods cluster-wide
   * (a namespace-scoped role) still sees this namespace's pods.
   */
  scopeNamespace?: string;
}

const FATAL_FOR_CLUSTER = new Set<K8sError['kind']>(['unreachable', 'timeout', 'unauthorized', 'config', 'server']);

export class ClusterWatcher {
  readonly snapshot = new ClusterSnapshot();
  private readonly changeEmitter = new Emitter<SnapshotChange>();
  private readonly phaseEmitter = new Emitter<ClusterPhase>();
  readonly onDidChange = this.changeEmitter.event;
  readonly onDidChangePhase = this.phaseEmitter.event;
  private _phase: ClusterPhase = { phase: 'idle' };
  readonly kindStatus = new Map<Kind, KindStatus>();
  private ac?: AbortController;
  private pending: WatchEvent[] = [];
  private flushTimer?: NodeJS.Timeout;
  private readonly sources: SourceSpec[];
  private generation = 0;

  constructor(
    readonly client: ClusterClient,
    private readonly opts: WatcherOptions = {},
  ) {
    this.sources = sourcesFor(opts.istioNamespace ?? 'istio-system');
  }

  get context(): string {
    return this.client.context;
  }
  get phase(): ClusterPhase {
    return this._phase;
  }

  private setPhase(p: ClusterPhase): void {
    this._phase = p;
    this.phaseEmitter.fire(p);
  }

  /** Lists everything once. With `watch`, keeps the snapshot live until stop(). Resolves after the first list. */
  async start(watch = true): Promise<ClusterPhase> {
    this.stop();
    const gen = ++this.generation;
    const ac = new AbortController();
    this.ac = ac;
    this.setPhase({ phase: 'connecting' });
    for (const s of this.sources) this.kindStatus.set(s.kind, { state: 'pending' });
    const credentials = this.client.onDidWaitForCredentials((command) => {
      if (gen === this.generation && this._phase.phase === 'connecting')
        this.setPhase(command ? { phase: 'connecting', credentials: command } : { phase: 'connecting' });
    });
    const lists = await Promise.all(this.sources.map((s) => this.listSource(s, ac.signal))).finally(() => credentials.dispose());
    if (gen !== this.generation) return this._phase;
    const required = this.sources.filter((s) => !s.optional).length;
    const failures = lists.filter((l, i) => !l.ok && !this.sources[i].optional) as { ok: false; error: K8sError }[];
    const fatal = failures.find((f) => FATAL_FOR_CLUSTER.has(f.error.kind));
    if (fatal && failures.length === required) {
      this.setPhase({ phase: 'error', error: fatal.error, message: describeK8sError(fatal.error) });
      return this._phase;
    }
    if (failures.length === required && failures.every((f) => f.error.notApi || f.error.kind === 'notFound')) {
      // Nothing listable and every answer a 404 or not the API's: is this a Kubernetes API server at all?
      const v = await this.client.request<{ gitVersion?: string }>({ path: '/version', verb: 'get', resource: 'version', signal: ac.signal });
      if (gen !== this.generation) return this._phase;
      if (!v.ok || typeof v.value?.gitVersion !== 'string') {
        const why = v.ok ? 'GET /version answered without a gitVersion' : `GET /version: ${v.error.cause}`;
        const error = {
          ...failures[0].error,
          cause: `${this.client.server} is not a Kubernetes API server (${why}); check the server URL of this context in the kubeconfig`,
        };
        this.setPhase({ phase: 'error', error, message: `Cluster "${this.client.context}": ${error.cause}.` });
        return this._phase;
      }
    }
    // Namespace-scoped users: fall back to the context's namespace for kinds listed cluster-wide.
    const sources = [...this.sources];
    const scope = this.opts.scopeNamespace;
    if (scope) {
      await Promise.all(
        sources.map(async (s, i) => {
          const l = lists[i];
          if (l.ok || l.error.kind !== 'forbidden' || s.namespace || s.kind !== 'Pod') return;
          const scoped: SourceSpec = { ...s, namespace: scope };
          const r = await this.listSource(scoped, ac.signal);
          if (!r.ok) return;
          sources[i] = scoped;
          lists[i] = r;
          this.kindStatus.set(s.kind, { state: 'scoped', namespace: scope, error: l.error });
        }),
      );
      if (gen !== this.generation) return this._phase;
    }
    let change = noChange();
    lists.forEach((l, i) => {
      const s = sources[i];
      if (l.ok) {
        change = mergeChanges(change, this.snapshot.replace(s.kind, l.items as KindMap[typeof s.kind][]));
        if (this.kindStatus.get(s.kind)?.state !== 'scoped') this.kindStatus.set(s.kind, { state: 'ok' });
      } else if (s.optional && (l.error.kind === 'notFound' || l.error.kind === 'forbidden')) {
        this.kindStatus.set(s.kind, { state: 'absent', error: l.error });
      } else {
        this.kindStatus.set(s.kind, l.error.kind === 'forbidden' ? { state: 'forbidden', error: l.error } : { state: 'error', error: l.error });
      }
    });
    change = mergeChanges(change, this.snapshot.setNamespacesReadable(this.kindStatus.get('Namespace')?.state === 'ok'));
    this.setPhase({ phase: 'ready' });
    this.changeEmitter.fire({ ...change, namespaceList: true, namespaceLabels: true, controlPlane: true, gateways: true });
    if (watch) {
      lists.forEach((l, i) => {
        if (l.ok) void this.watchLoop(sources[i], l.resourceVersion, ac.signal, gen);
      });
    }
    return this._phase;
  }

  /**
   * Gives up connecting (a credential plugin waiting for a login the user will not give now): the
   * cluster shows an error with Retry. False when it was not connecting.
   */
  cancelConnect(): boolean {
    if (this._phase.phase !== 'connecting') return false;
    const command = this._phase.credentials;
    this.stop();
    const cause = command
      ? `connecting was cancelled while waiting for the credential plugin "${command}" of context "${this.client.context}"; log in with it (e.g. kubectl --context ${this.client.context} get ns), then retry`
      : 'connecting was cancelled';
    const error: K8sError = { kind: 'cancelled', cluster: this.client.context, verb: 'list', resource: 'clusters', cause };
    this.setPhase({ phase: 'error', error, message: `Cluster "${this.client.context}": ${cause}.` });
    return true;
  }

  stop(): void {
    this.generation++;
    this.ac?.abort();
    this.ac = undefined;
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    this.pending = [];
  }

  dispose(): void {
    this.stop();
    this.changeEmitter.dispose();
    this.phaseEmitter.dispose();
  }

  private async listSource(
    s: SourceSpec,
    signal: AbortSignal,
  ): Promise<{ ok: true; items: unknown[]; resourceVersion: string } | { ok: false; error: K8sError }> {
    const r = await this.client.list(
      s.resource,
      { namespace: s.namespace, labelSelector: s.labelSelector, limit: this.opts.pageSize ?? 500, signal },
      s.prune,
      s.protobuf,
    );
    if (!r.ok) return r;
    return { ok: true, items: r.value.items, resourceVersion: r.value.resourceVersion };
  }

  private async watchLoop(s: SourceSpec, rv: string, signal: AbortSignal, gen: number): Promise<void> {
    let backoff = 500;
    while (!signal.aborted && gen === this.generation) {
      const h = this.client.watch(s.resource, { namespace: s.namespace, labelSelector: s.labelSelector, resourceVersion: rv }, s.prune, (type, object) => {
        if (gen === this.generation) this.enqueue({ kind: s.kind, type, object } as WatchEvent);
      });
      const onAbort = () => h.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      const res = await h.done;
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted || gen !== this.generation) return;
      if (res.ok) {
        rv = res.value.resourceVersion;
        backoff = 500;
        continue;
      }
      if (res.error.kind === 'cancelled') return;
      if (res.error.kind !== 'gone') {
        this.opts.log?.(`watch of ${s.resource.plural} on ${this.context} failed: ${describeK8sError(res.error)}; retrying in ${backoff} ms`);
        if (this._phase.phase === 'ready') this.setPhase({ phase: 'reconnecting', error: res.error });
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 30_000);
      } else {
        this.opts.log?.(`watch of ${s.resource.plural} on ${this.context}: resource version expired, re-listing`);
      }
      if (signal.aborted || gen !== this.generation) return;
      const l = await this.listSource(s, signal);
      if (signal.aborted || gen !== this.generation) return;
      if (!l.ok) {
        if (l.error.kind === 'forbidden') {
          // Permission revoked: what was known of this kind can no longer be kept current, so it goes.
          this.kindStatus.set(s.kind, { state: 'forbidden', error: l.error });
          this.flush();
          const cleared = this.snapshot.replace(s.kind, []);
          if (s.kind === 'Namespace') Object.assign(cleared, mergeChanges(cleared, this.snapshot.setNamespacesReadable(false)));
          this.setPhase({ phase: 'ready' });
          this.changeEmitter.fire({ ...cleared, namespaceList: true, controlPlane: cleared.controlPlane });
          return;
        }
        continue;
      }
      this.flush();
      const change = this.snapshot.replace(s.kind, l.items as never);
      rv = l.resourceVersion;
      if (this.kindStatus.get(s.kind)?.state !== 'scoped') this.kindStatus.set(s.kind, { state: 'ok' });
      if (this._phase.phase === 'reconnecting') this.setPhase({ phase: 'ready' });
      this.changeEmitter.fire(change);
    }
  }

  private enqueue(ev: WatchEvent): void {
    this.pending.push(ev);
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flush(), this.opts.batchMs ?? 20);
  }

  /** Applies queued events now. */
  flush(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (this.pending.length === 0) return;
    const evs = this.pending;
    this.pending = [];
    const change = this.snapshot.applyMany(evs);
    this.changeEmitter.fire(change);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
