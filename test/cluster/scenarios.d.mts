// Types of the parts of scenarios.mjs the TypeScript test suites use.
export interface IstiodProcess {
  revision: string;
  deployment: string;
  pid: number;
  ports: { https: number; grpc: number; http: number; monitoring: number; secureGRPC: number; ctrlz: number };
  ready: boolean;
  log: string;
  startedAt: string;
  restarts: number;
  env: string[] | null;
}
/** What the istiod supervisor reports (<dir>/istiod/istiods.json). */
export function istiodStatus(state: unknown): { front?: string; istiods: IstiodProcess[] };
/** Every Istio webhook routed to the istiod of its revision, and a ready istiod per revision with replicas. */
export function waitWebhooksRewired(state: unknown, timeout?: number): Promise<void>;
export function webhookUrl(state: unknown, rev: string, path: string): string;
/** The Helm charts of the pinned istio module (`$CACHE/share/istio-charts`), or one of them. */
export function istioChartDir(chart?: string): string;
/** The values file the bench adds to an Istio Helm release of revision `rev` (or `base`). */
export function helmBenchValues(state: unknown, rev: string): string;
/** The seed's Gateway API CRDs and its `edge` Gateway (deployed by istiod, rolled out). */
export function applySeedGateways(state: unknown): Promise<{ gatewayApi: string; gateways: { namespace: string; name: string }[] }>;
