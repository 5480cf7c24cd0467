/**
 * HTTP access to one cluster (one kubeconfig context).
 *
 * Authentication and TLS come from @kubernetes/client-node's KubeConfig (tokens,
 * client certificates, exec plugins, OIDC — whatever it supports), but requests go
 * through Node's own http(s) with a keep-alive agent, and responses are parsed and
 * pruned here: lists are paginated (`limit`/`continue`), may ask for metadata only
 * (`as=PartialObjectMetadataList`), and only the fields the model reads are kept.
 * Every failure comes back as a typed K8sResult naming cluster, verb and resource.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { describeNonApiBody, fail, kindForStatus, ok, type K8sError, type K8sResult } from './result';
import { boundExecPlugins } from './kubeconfig';
import { Emitter } from './emitter';
import { decodeStatus, PROTOBUF, PROTOBUF_OR_JSON, ProtobufError, type ProtobufListDecoder, type ProtobufListStream } from './protobuf';
import { resourcePath, type ResourceType } from './resources';

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** For error messages. */
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
  /** Called with the body's text so far as it arrives, until it returns true or 64 KiB have come (a list's metadata, its `continue` token). */
  onHead?: (head: string) => boolean;
  /** Given the answer's content type; a function it returns takes the body's chunks as they arrive (the body is then not kept). */
  sink?: (contentType: string) => ((chunk: Buffer) => void) | undefined;
}

/**
 * The `continue` token of a list page, read from the head of its body: an API server writes a
 * list's metadata before its items, so the next page can be asked for while this one is still
 * arriving and being parsed. Undefined when the head holds none.
 */
export function continueFromHead(head: string): string | undefined {
  const m = /"metadata":\{[^{}]*"continue":("(?:[^"\\]|\\.)*")/.exec(head);
  if (!m) return undefined;
  try {
    return (JSON.parse(m[1]) as string) || undefined;
  } catch {
    return undefined;
  }
}

/** How far into a body its head is looked for. */
const HEAD_LIMIT = 64 * 1024;

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  metadataOnly?: boolean;
  signal?: AbortSignal;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchHandle {
  /** Resolves when the watch ends: normally (server closed), by abort, or with an error. */
  done: Promise<K8sResult<{ resourceVersion: string }>>;
  abort(): void;
}

export interface ClientLogger {
  debug(msg: string): void;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** A credential plugin that has not answered after this long is said to be waited for (a login, a slow cloud CLI). */
const CREDENTIAL_WAIT_NOTICE_MS = 500;

export class ClusterClient {
  readonly server: string;
  private readonly agent: http.Agent;
  private readonly dynamicAuth: boolean;
  private staticOpts?: https.RequestOptions;
  private readonly exec?: ExecPlugin;
  private readonly credWait = new Emitter<string | undefined>();
  /** Fires the credential plugin's command while requests wait on it past a moment, and undefined once none does. */
  readonly onDidWaitForCredentials = this.credWait.event;
  private credWaiters = 0;

  constructor(
    readonly context: string,
    private readonly kc: KubeConfig,
    private readonly log?: ClientLogger,
    readonly defaultTimeoutMs = DEFAULT_TIMEOUT_MS,
  ) {
    const cluster = kc.getCurrentCluster();
    this.server = (cluster?.server ?? '').replace(/\/+$/, '');
    const user = kc.getCurrentUser();
    this.dynamicAuth = !!(user?.exec || user?.authProvider) || !!cluster?.proxyUrl;
    this.exec = execPluginOf(user);
    boundExecPlugins(kc, defaultTimeoutMs);
    this.agent = this.server.startsWith('http:') ? new http.Agent({ keepAlive: true, maxSockets: 16 }) : new https.Agent({ keepAlive: true, maxSockets: 16 });
  }

  dispose(): void {
    this.agent.destroy();
    this.credWait.dispose();
  }

  /** The credential plugin's command while a request waits on it (see onDidWaitForCredentials). */
  get waitingForCredentials(): string | undefined {
    return this.credWaiters > 0 ? this.exec?.command : undefined;
  }

  private async requestOptions(): Promise<https.RequestOptions> {
    if (this.staticOpts && !this.dynamicAuth) return { ...this.staticOpts, headers: { ...(this.staticOpts.headers as object) } };
    const opts: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    if (!this.dynamicAuth) {
      // Static credentials: keep our keep-alive agent with the same TLS material.
      const tls = { ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername };
      Object.assign((this.agent as https.Agent).options, tls);
      opts.agent = this.agent;
      this.staticOpts = opts;
    }
    return { ...opts, headers: { ...(opts.headers as object) } };
  }

  /** requestOptions(), bounded: an exec plugin that never answers (a login waiting for a browser) cannot hold a request past its timeout. */
  private boundedCredentials(timeoutMs: number, signal?: AbortSignal): Promise<https.RequestOptions> {
    return new Promise((resolve, reject) => {
      let waiting = false;
      const notice = this.exec
        ? setTimeout(() => {
            waiting = true;
            if (++this.credWaiters === 1) this.credWait.fire(this.exec?.command);
          }, CREDENTIAL_WAIT_NOTICE_MS)
        : undefined;
      const settle = () => {
        clearTimeout(timer);
        clearTimeout(notice);
        signal?.removeEventListener('abort', onAbort);
        if (waiting && --this.credWaiters === 0) this.credWait.fire(undefined);
        waiting = false;
      };
      const timer = setTimeout(() => {
        settle();
        reject(new CredentialsTimeout());
      }, timeoutMs);
      const onAbort = () => {
        settle();
        reject(new CredentialsCancelled());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.requestOptions().then(
        (v) => {
          settle();
          resolve(v);
        },
        (e: unknown) => {
          settle();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  private err(o: Pick<RequestOptions, 'verb' | 'resource' | 'namespace' | 'name'>, kind: K8sError['kind'], cause: string, status?: number): K8sError {
    return { kind, cluster: this.context, verb: o.verb, resource: o.resource, namespace: o.namespace, name: o.name, status, cause };
  }

  private url(path: string, query?: RequestOptions['query']): URL {
    const u = new URL(this.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') u.searchParams.set(k, String(v));
    return u;
  }

  /** Starts a request and hands back the response stream, or a typed error. */
  private async open(o: RequestOptions, streaming: boolean): Promise<K8sResult<http.IncomingMessage>> {
    if (!this.server) return fail(this.err(o, 'config', 'the context names no server URL'));
    const bad = serverUrlProblem(this.server);
    if (bad) return fail(this.err(o, 'config', bad));
    if (o.signal?.aborted) return fail(this.err(o, 'cancelled', 'cancelled'));
    const timeoutMs = o.timeoutMs ?? this.defaultTimeoutMs;
    // kubectl refuses an interactive-only plugin without a terminal; so do we, before running it.
    if (this.exec?.interactiveMode === 'Always')
      return fail(
        this.err(
          o,
          'config',
          `the credential plugin "${this.exec.command}" of context "${this.context}" needs an interactive terminal (interactiveMode: Always): log in with it in a terminal first (e.g. kubectl --context ${this.context} get ns), then retry`,
        ),
      );
    let base: https.RequestOptions;
    try {
      base = await this.boundedCredentials(timeoutMs, o.signal);
    } catch (e) {
      if (e instanceof CredentialsTimeout) {
        const who = this.exec ? `the credential plugin "${this.exec.command}"` : 'the credentials';
        const hint =
          this.exec && this.exec.interactiveMode !== 'Never'
            ? ` — it may be waiting for a login (a browser or a terminal prompt): log in with it in a terminal first (e.g. kubectl --context ${this.context} get ns), then retry`
            : '';
        return fail(this.err(o, 'timeout', `${who} of context "${this.context}" gave no answer within ${Math.round(timeoutMs / 1000)} s${hint}`));
      }
      if (e instanceof CredentialsCancelled) return fail(this.err(o, 'cancelled', 'cancelled'));
      const file = credentialFileError(e, this.kc);
      if (file) return fail(this.err(o, 'config', file));
      return fail(this.err(o, 'config', `credentials could not be loaded: ${credentialError(e, this.exec)}`));
    }
    // Loading credentials (exec plugins) takes time: the caller may have cancelled meanwhile.
    if (o.signal?.aborted) return fail(this.err(o, 'cancelled', 'cancelled'));
    const u = this.url(o.path, o.query);
    const body = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    const headers: Record<string, string> = { ...(base.headers as Record<string, string>), Accept: o.accept ?? 'application/json' };
    if (body !== undefined) {
      headers['Content-Type'] = o.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const lib = u.protocol === 'http:' ? http : https;
    let req: http.ClientRequest;
    try {
      req = lib.request(u, { ...base, method: o.method ?? 'GET', headers, agent: base.agent ?? this.agent });
    } catch (e) {
      // TLS material is parsed when the request is made: certificate, key or CA data that is not PEM, or a key that does not match.
      return fail(this.err(o, 'config', tlsMaterialError(e, this.context)));
    }
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: K8sResult<http.IncomingMessage>) => {
        if (!settled) {
          settled = true;
          cleanup();
          resolve(r);
        }
      };
      const onAbort = () => {
        req.destroy();
        done(fail(this.err(o, 'cancelled', 'cancelled')));
      };
      const timer = setTimeout(() => {
        req.destroy();
        done(fail(this.err(o, 'timeout', `no response from ${this.server} within ${Math.round(timeoutMs / 1000)} s`)));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
      };
      o.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (e: NodeJS.ErrnoException) => {
        const code = e.code ?? '';
        const cause =
          code === 'ECONNREFUSED'
            ? `connection refused by ${this.server}`
            : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
              ? `cannot resolve ${u.hostname}`
              : code === 'ECONNRESET'
                ? `connection to ${this.server} was reset`
                : /wrong version number|packet length too long|http request/i.test(e.message) && u.protocol === 'https:'
                  ? `${this.server} answered plain HTTP, not TLS: the server URL says https but the port speaks http`
                  : /certificate|self.signed|CERT/i.test(e.message)
                    ? `TLS verification of ${this.server} failed: ${e.message}`
                    : `${this.server}: ${e.message}`;
        done(fail(this.err(o, 'unreachable', cause)));
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          if (streaming) clearTimeout(timer);
          done(ok(res));
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const text = bytes.toString('utf8');
          let reason: string | undefined;
          let message = `HTTP ${status}`;
          let notApi = false;
          try {
            // A Status, in protobuf when a list asked for it, else JSON.
            const st =
              (String(res.headers['content-type']).startsWith(PROTOBUF) ? decodeStatus(bytes) : undefined) ??
              (JSON.parse(text) as { reason?: string; message?: string });
            reason = st.reason;
            if (st.message) message = st.message;
          } catch {
            // not a Status object: say what it was, never echo it
            notApi = true;
            const location = res.headers.location;
            message =
              status >= 300 && status < 400 && location
                ? `redirected (HTTP ${status}) to ${location.length > 80 ? `${location.slice(0, 77)}…` : location}: an API server never redirects — the server URL may point at a login page or a proxy`
                : describeNonApiBody(status, text, res.headers['content-type']);
          }
          done(fail({ ...this.err(o, kindForStatus(status, reason), message, status), ...(notApi ? { notApi } : {}) }));
        });
        res.on('error', (e) => done(fail(this.err(o, 'unreachable', cutShort(e, this.server)))));
      });
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** A request with a JSON response. */
  async request<T = unknown>(o: RequestOptions): Promise<K8sResult<T>> {
    const r = await this.requestBody(o);
    if (!r.ok) return r;
    const text = r.value.body.toString('utf8');
    if (text === '') return ok(undefined as T);
    try {
      return ok(JSON.parse(text) as T);
    } catch {
      return fail({ ...this.err(o, 'server', `the server answered ${describeNonApiBody(r.value.status, text, r.value.contentType)}`), notApi: true });
    }
  }

  /** A request's whole answer, as bytes with its content type (a protobuf list is read by its decoder, not as text). */
  private async requestBody(o: RequestOptions): Promise<K8sResult<{ body: Buffer; contentType: string; status: number }>> {
    const started = Date.now();
    const r = await this.open(o, false);
    if (!r.ok) {
      this.log?.debug(`${o.method ?? 'GET'} ${o.path} → ${r.error.kind} (${Date.now() - started} ms)`);
      return r;
    }
    const res = r.value;
    const timeoutMs = o.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        res.destroy();
        resolve(fail(this.err(o, 'timeout', `response from ${this.server} not complete within ${Math.round(timeoutMs / 1000)} s`)));
      }, timeoutMs);
      const sink = o.sink?.(String(res.headers['content-type'] ?? ''));
      let head = o.onHead && !sink ? '' : undefined;
      res.on('data', (c: Buffer) => {
        if (sink) {
          sink(c);
          return;
        }
        chunks.push(c);
        if (head === undefined) return;
        head += c.toString('latin1');
        if (o.onHead!(head) || head.length > HEAD_LIMIT) head = undefined;
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        resolve(fail(this.err(o, 'unreachable', cutShort(e, this.server))));
      });
      res.on('end', () => {
        clearTimeout(timer);
        this.log?.debug(`${o.method ?? 'GET'} ${o.path} → ${res.statusCode} (${Date.now() - started} ms)`);
        resolve(
          ok({
            body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks),
            contentType: String(res.headers['content-type'] ?? ''),
            status: res.statusCode ?? 0,
          }),
        );
      });
    });
  }

  /**
   * Lists all pages of a resource, pruning each item with `prune`. With `protobuf` (built-in kinds
   * only), the server is asked for protobuf and its pages are read by that decoder, which yields
   * what `prune` would; a server that answers JSON instead is read as JSON.
   */
  async list<T>(r: ResourceType, opts: ListOptions, prune: (raw: any) => T, protobuf?: ProtobufListDecoder<T>): Promise<K8sResult<ListResult<T>>> {
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion = '';
    const path = resourcePath(r, { namespace: opts.namespace });
    const accept = opts.metadataOnly
      ? 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json'
      : protobuf
        ? PROTOBUF_OR_JSON
        : 'application/json';
    const ctx = { verb: 'list', resource: r.plural, namespace: opts.namespace };
    type Page = { res: K8sResult<{ body: Buffer; contentType: string; status: number }>; stream?: ProtobufListStream<T> };
    // The next page is asked for as soon as this one's metadata names it (a JSON page's head, see
    // continueFromHead; a protobuf page's stream); once the list has returned (done or failed), no
    // further page is asked for.
    const prefetched = new Map<string, Promise<Page>>();
    let stopped = false;
    const prefetch = (next: string | undefined) => {
      if (next && !stopped && !prefetched.has(next)) prefetched.set(next, fetchPage(next));
    };
    const fetchPage = (c: string | undefined): Promise<Page> => {
      let stream: ProtobufListStream<T> | undefined;
      return this.requestBody({
        ...ctx,
        path,
        signal: opts.signal,
        accept,
        query: { limit: opts.limit ?? 500, continue: c, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector },
        sink: (contentType) => {
          if (!protobuf || !contentType.startsWith(PROTOBUF)) return undefined;
          const st = (stream = protobuf(prefetch));
          return (chunk) => st.push(chunk);
        },
        onHead: (h) => {
          const next = continueFromHead(h);
          prefetch(next);
          return next !== undefined || h.includes('"items":');
        },
      }).then((res) => ({ res, stream }));
    };
    const notAList = (what: string) => {
      stopped = true;
      return fail({ ...this.err(ctx, 'server', `the server answered ${what}, not a Kubernetes API response`), notApi: true });
    };
    let pending = fetchPage(undefined);
    do {
      const { res, stream } = await pending;
      if (!res.ok) {
        stopped = true;
        return res;
      }
      const { body, contentType, status } = res.value;
      let page: { resourceVersion?: string; continue?: string };
      if (stream) {
        try {
          const d = stream.finish();
          for (const it of d.items) items.push(it);
          page = { resourceVersion: d.resourceVersion, continue: d.continue };
        } catch (e) {
          if (!(e instanceof ProtobufError)) throw e;
          return notAList(`a protobuf body that could not be read (${e.message})`);
        }
      } else {
        const text = body.toString('utf8');
        if (text === '') return notAList('an empty body');
        let v: unknown;
        try {
          v = JSON.parse(text);
        } catch {
          stopped = true;
          return fail({ ...this.err(ctx, 'server', `the server answered ${describeNonApiBody(status, text, contentType)}`), notApi: true });
        }
        // A Kubernetes list is an object with an items array (null when empty); anything else is not the API's answer.
        const listItems = v && typeof v === 'object' && !Array.isArray(v) ? (v as { items?: unknown }).items : undefined;
        if (!Array.isArray(listItems) && listItems !== null) return notAList('JSON that is not a Kubernetes list (no items)');
        const m = (v as { metadata?: { resourceVersion?: string; continue?: string } }).metadata;
        page = { resourceVersion: m?.resourceVersion, continue: m?.continue };
        for (const it of listItems ?? []) items.push(prune(it));
      }
      cont = page.continue || undefined;
      resourceVersion = page.resourceVersion || resourceVersion;
      if (cont) {
        pending = prefetched.get(cont) ?? fetchPage(cont);
        prefetched.delete(cont);
      }
    } while (cont);
    stopped = true;
    return ok({ items, resourceVersion });
  }

  /**
   * Watches a resource from `resourceVersion`. Events arrive pruned. The watch ends when
   * the server closes it (resume from the returned resourceVersion), on abort, or with an
   * error (`gone` means the version expired: re-list).
   */
  watch<T>(
    r: ResourceType,
    opts: { namespace?: string; labelSelector?: string; resourceVersion: string; timeoutSeconds?: number },
    prune: (raw: any) => T,
    onEvent: (type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T) => void,
  ): WatchHandle {
    const ac = new AbortController();
    let rv = opts.resourceVersion;
    const ctx = { verb: 'watch', resource: r.plural, namespace: opts.namespace };
    const done = (async (): Promise<K8sResult<{ resourceVersion: string }>> => {
      const res = await this.open(
        {
          ...ctx,
          path: resourcePath(r, { namespace: opts.namespace }),
          signal: ac.signal,
          query: { watch: 1, resourceVersion: rv, allowWatchBookmarks: true, labelSelector: opts.labelSelector, timeoutSeconds: opts.timeoutSeconds ?? 300 },
        },
        true,
      );
      if (!res.ok) return res;
      const stream = res.value;
      if (ac.signal.aborted) {
        stream.destroy();
        return fail(this.err(ctx, 'cancelled', 'cancelled'));
      }
      return new Promise((resolve) => {
        let buf = '';
        let result: K8sResult<{ resourceVersion: string }> | undefined;
        const finish = (x: K8sResult<{ resourceVersion: string }>) => {
          if (!result) {
            result = x;
            resolve(x);
          }
        };
        ac.signal.addEventListener(
          'abort',
          () => {
            stream.destroy();
            finish(fail(this.err(ctx, 'cancelled', 'cancelled')));
          },
          { once: true },
        );
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line) continue;
            let ev: { type: WatchEventType; object: any };
            try {
              ev = JSON.parse(line);
            } catch {
              continue;
            }
            if (ev.type === 'ERROR') {
              const st = ev.object ?? {};
              const kind = kindForStatus(st.code ?? 500, st.reason);
              stream.destroy();
              finish(fail(this.err(ctx, kind, st.message ?? 'watch error', st.code)));
              return;
            }
            const newRv = ev.object?.metadata?.resourceVersion;
            if (newRv) rv = newRv;
            if (ev.type === 'BOOKMARK') continue;
            onEvent(ev.type, prune(ev.object));
          }
        });
        stream.on('end', () => finish(ok({ resourceVersion: rv })));
        stream.on('error', (e) => finish(fail(this.err(ctx, 'unreachable', e.message))));
        stream.on('close', () => finish(ok({ resourceVersion: rv })));
      });
    })();
    return { done, abort: () => ac.abort() };
  }
}

// ---- credential plugins ---------------------------------------------------------

interface ExecPlugin {
  command: string;
  interactiveMode?: string;
}

class CredentialsTimeout extends Error {}
class CredentialsCancelled extends Error {}

function execPluginOf(user: { exec?: unknown; authProvider?: unknown } | null | undefined): ExecPlugin | undefined {
  const exec = (user?.exec ?? (user?.authProvider as { config?: { exec?: unknown } } | undefined)?.config?.exec) as
    { command?: unknown; interactiveMode?: unknown } | undefined;
  if (!exec || typeof exec.command !== 'string') return undefined;
  return { command: exec.command, interactiveMode: typeof exec.interactiveMode === 'string' ? exec.interactiveMode : undefined };
}

/** One line from a failed credential load: the plugin's stderr (first line), or the cause, never a stack. */
function credentialError(e: unknown, exec?: ExecPlugin): string {
  const msg = (e instanceof Error ? e.message : String(e)).trim();
  const first = msg.split('\n').find((l) => l.trim()) ?? '';
  if (exec) {
    if ((e as { code?: string }).code === 'ENOENT') return `the credential plugin "${exec.command}" was not found (is it installed and on PATH?)`;
    if (e instanceof SyntaxError) return `the credential plugin "${exec.command}" printed something that is not an ExecCredential (${first})`;
    return `the credential plugin "${exec.command}" failed${first ? `: ${first}` : ' without a message'}`;
  }
  return first || 'unknown error';
}

/** Which TLS material of the context is unusable, in one line (Node's OpenSSL words kept as the cause). */
function tlsMaterialError(e: unknown, context: string): string {
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  const what = /PEM|no start line|bad base64|ASN1|asn1/i.test(msg)
    ? 'client certificate, key or CA data is not valid PEM'
    : /key values mismatch|KEY_VALUES_MISMATCH/i.test(msg)
      ? 'client certificate and key do not belong together'
      : 'TLS credentials cannot be used';
  return `the ${what} in the kubeconfig entry of context "${context}" (${msg})`;
}

/** Why a kubeconfig's server URL cannot be used, or undefined (kubectl wants http(s)://host[:port][/path]). */
export function serverUrlProblem(server: string): string | undefined {
  const shown = server.length > 80 ? `${server.slice(0, 77)}…` : server;
  let u: URL;
  try {
    u = new URL(server);
  } catch {
    return `the server URL "${shown}" is not a valid URL`;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return `the server URL "${shown}" is not http(s)`;
  if (!u.hostname) return `the server URL "${shown}" names no host`;
  return undefined;
}

/** An answer that broke off: Node says "aborted" (or ECONNRESET); the user is told the connection closed mid-answer. */
function cutShort(e: Error & { code?: string }, server: string): string {
  if (e.message === 'aborted' || e.code === 'ECONNRESET') return `the connection to ${server} closed before the answer was complete`;
  return e.message;
}

/**
 * A certificate, key or CA file named in the kubeconfig that cannot be read, said with the kubeconfig's
 * own field name and the path; undefined when the error is not about one of those files.
 */
function credentialFileError(e: unknown, kc: KubeConfig): string | undefined {
  const code = (e as { code?: string }).code;
  if (code !== 'ENOENT' && code !== 'EACCES' && code !== 'EISDIR' && code !== 'EPERM') return undefined;
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  const files: [string, string | undefined][] = [
    ['certificate-authority', cluster?.caFile],
    ['client-certificate', user?.certFile],
    ['client-key', user?.keyFile],
  ];
  const msg = e instanceof Error ? e.message : '';
  const which =
    files.find(([, f]) => f && msg.includes(f)) ??
    files.find(([, f]) => {
      if (!f) return false;
      try {
        return !fs.statSync(f).isFile();
      } catch {
        return true;
      }
    });
  if (!which) return undefined;
  const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory, not a file' : 'cannot be read (permission denied)';
  return `the ${which[0]} file "${which[1]}" named in the kubeconfig ${why}`;
}
