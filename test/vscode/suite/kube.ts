/**
 * A tiny Kubernetes client for the extension-host suite: reads the kubeconfig the
 * extension reads ($KUBECONFIG, first file; its current context or the one given) and
 * sends JSON requests with its token or client certificate. Independent of the
 * extension's own client on purpose: the suite checks the cluster, not the extension's view of it.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';

export interface KubeTarget {
  context: string;
  server: string;
  ca?: Buffer;
  token?: string;
  cert?: Buffer;
  key?: Buffer;
  insecure?: boolean;
}

function b64(s?: string): Buffer | undefined {
  return s ? Buffer.from(s, 'base64') : undefined;
}
function file(p: string | undefined, base: string): Buffer | undefined {
  return p ? fs.readFileSync(path.resolve(base, p)) : undefined;
}

export function kubeconfigPath(): string {
  const first = (process.env.KUBECONFIG ?? '').split(path.delimiter).find((p) => p.trim());
  return first ?? path.join(os.homedir(), '.kube', 'config');
}

export function loadTarget(context?: string): KubeTarget {
  const p = kubeconfigPath();
  const cfg = parse(fs.readFileSync(p, 'utf8'));
  const base = path.dirname(p);
  const ctxName: string = context ?? cfg['current-context'];
  const ctx = (cfg.contexts ?? []).find((c: any) => c.name === ctxName)?.context;
  if (!ctx) throw new Error(`context ${ctxName} not in ${p}`);
  const cluster = (cfg.clusters ?? []).find((c: any) => c.name === ctx.cluster)?.cluster;
  const user = (cfg.users ?? []).find((u: any) => u.name === ctx.user)?.user ?? {};
  if (!cluster) throw new Error(`cluster ${ctx.cluster} not in ${p}`);
  return {
    context: ctxName,
    server: cluster.server,
    ca: b64(cluster['certificate-authority-data']) ?? file(cluster['certificate-authority'], base),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    token: user.token,
    cert: b64(user['client-certificate-data']) ?? file(user['client-certificate'], base),
    key: b64(user['client-key-data']) ?? file(user['client-key'], base),
  };
}

export interface KubeResponse {
  status: number;
  json: any;
  text: string;
}

export function request(t: KubeTarget, method: string, urlPath: string, body?: unknown, contentType = 'application/json'): Promise<KubeResponse> {
  const url = new URL(urlPath, t.server);
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        ca: t.ca,
        cert: t.cert,
        key: t.key,
        rejectUnauthorized: !t.insecure,
        headers: {
          Accept: 'application/json',
          ...(t.token ? { Authorization: `Bearer ${t.token}` } : {}),
          ...(data ? { 'Content-Type': contentType, 'Content-Length': String(data.length) } : {}),
        },
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json, text });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: timeout`)));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

export async function getJson(t: KubeTarget, urlPath: string): Promise<any> {
  const r = await request(t, 'GET', urlPath);
  if (r.status !== 200) throw new Error(`GET ${urlPath}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  return r.json;
}

export async function namespaceLabels(t: KubeTarget, name: string): Promise<Record<string, string>> {
  return (await getJson(t, `/api/v1/namespaces/${name}`)).metadata.labels ?? {};
}

/** Sets (string) or removes (null) namespace labels in one merge patch. */
export async function patchNamespaceLabels(t: KubeTarget, name: string, labels: Record<string, string | null>): Promise<void> {
  const r = await request(t, 'PATCH', `/api/v1/namespaces/${name}`, { metadata: { labels } }, 'application/merge-patch+json');
  if (r.status !== 200) throw new Error(`PATCH namespace ${name}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
}
