/**
 * Typed results of cluster calls. Every failure names the cluster (kubeconfig
 * context), the verb and the resource, so the message a user sees says which
 * cluster refused what, and why — never a bare "Error: 403".
 */
export type K8sErrorKind =
  'notFound' | 'forbidden' | 'unauthorized' | 'conflict' | 'alreadyExists' | 'invalid' | 'gone' | 'unreachable' | 'timeout' | 'cancelled' | 'server' | 'config';

export interface K8sError {
  kind: K8sErrorKind;
  cluster: string;
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
  status?: number;
  /** The server's (or the network's) own words. */
  cause: string;
  /** The answer was not a Kubernetes API response (an HTML page, a non-JSON body). */
  notApi?: boolean;
}

/**
 * Says what a non-API body was. An HTML page is never echoed (it can be huge and says nothing
 * useful); a short plain-text answer (a proxy's or a pod's own words) is kept.
 */
export function describeNonApiBody(status: number | undefined, text: string, contentType: string | undefined): string {
  const html = /html/i.test(contentType ?? '') || /^\s*</.test(text);
  const t = text.trim();
  // eslint-disable-next-line no-control-regex -- NUL..BS mark a binary body, never a server's plain-text answer
  if (!html && t && t.length <= 300 && !/[\x00-\x08]/.test(t)) return t;
  return `${status ? `HTTP ${status} with ` : ''}${html ? 'an HTML page' : t === '' ? 'an empty body' : 'a body that is not JSON'}, not a Kubernetes API response`;
}

export type K8sResult<T> = { ok: true; value: T } | { ok: false; error: K8sError };

export const ok = <T>(value: T): K8sResult<T> => ({ ok: true, value });
export const fail = <T = never>(error: K8sError): K8sResult<T> => ({ ok: false, error });

const KIND_WORDS: Record<K8sErrorKind, string> = {
  notFound: 'not found',
  forbidden: 'forbidden',
  unauthorized: 'unauthorized (credentials rejected or expired)',
  conflict: 'conflict (changed by someone else)',
  alreadyExists: 'already exists',
  invalid: 'rejected as invalid',
  gone: 'resource version expired',
  unreachable: 'cluster unreachable',
  timeout: 'timed out',
  cancelled: 'cancelled',
  server: 'server error',
  config: 'kubeconfig problem',
};

export function objectRef(e: Pick<K8sError, 'resource' | 'namespace' | 'name'>): string {
  const r = e.name ? `${e.resource}/${e.name}` : e.resource;
  return e.namespace ? `${r} in namespace ${e.namespace}` : r;
}

/** One line for the user: `Cluster "prod": cannot patch namespaces/test-ns: forbidden — <server message>`. */
export function describeK8sError(e: K8sError): string {
  const what = e.verb ? `cannot ${e.verb} ${objectRef(e)}` : objectRef(e);
  const cause = e.cause && !e.cause.toLowerCase().startsWith(KIND_WORDS[e.kind]) ? ` — ${e.cause}` : '';
  return `Cluster "${e.cluster}": ${what}: ${KIND_WORDS[e.kind]}${cause}`;
}

export class K8sRequestError extends Error {
  constructor(readonly error: K8sError) {
    super(describeK8sError(error));
    this.name = 'K8sRequestError';
  }
}

/** Maps an HTTP status (and the Status object's reason) to an error kind. */
export function kindForStatus(status: number, reason?: string): K8sErrorKind {
  if (reason === 'AlreadyExists') return 'alreadyExists';
  switch (status) {
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'notFound';
    case 409:
      return 'conflict';
    case 410:
      return 'gone';
    case 400:
    case 422:
      return 'invalid';
    case 408:
    case 504:
      return 'timeout';
    default:
      return 'server';
  }
}
