// Types of cluster.mjs for the TypeScript test suites.
export interface ClusterState {
  dir: string;
  kubeconfig: string;
  binDir: string;
  apiserverUrl: string;
  adminToken: string;
  pids: Record<string, number>;
  [k: string]: unknown;
}
export interface StartedCluster {
  kubeconfig: string;
  dir: string;
  apiserverUrl: string;
  adminToken: string;
  binDir: string;
  /** 'istio-revisions-local' */
  context: string;
  /** bearer tokens of the static users: admin (system:masters), readonly, nsuser (no rights), and the components' */
  tokens: { admin: string; readonly: string; nsuser: string; [k: string]: string };
  ports: Record<string, number>;
  pids: Record<string, number>;
  timings: Record<string, number>;
  scenarioResult?: unknown;
  stop(): Promise<void>;
}
export const CACHE: string;
export const BIN_DIR: string;
export const DEFAULT_DIR: string;
export const CONTEXT: string;
export function ensureBinaries(): void;
export function readState(dir?: string): ClusterState;
export function apiRequest(
  state: unknown,
  method: string,
  path: string,
  body?: unknown,
  opts?: { contentType?: string; timeout?: number },
): Promise<{ status: number; text: string; json: any }>;
export function kubectl(state: unknown, args: string[], opts?: { input?: string; allowFail?: boolean; timeout?: number }): string;
export function istioctl(state: unknown, args: string[], opts?: { input?: string; allowFail?: boolean; timeout?: number }): string;
export function helm(state: unknown, args: string[], opts?: { input?: string; allowFail?: boolean; timeout?: number }): string;
export function helmEnv(state: unknown): Record<string, string>;
export function startCluster(opts?: {
  scenario?: string;
  dir?: string;
  nodes?: number;
  large?: { namespaces?: number; podsPerNamespace?: number };
  ownerPid?: number;
  quiet?: boolean;
}): Promise<StartedCluster>;
export function stopCluster(dir?: string, opts?: { removeDir?: boolean }): Promise<void>;
export function restartComponent(dir: string, name: string, opts?: { downMs?: number; onDown?: () => Promise<void> | void }): Promise<ClusterState>;
