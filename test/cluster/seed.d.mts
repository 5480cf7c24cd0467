// Types of test/cluster/seed.mjs (the seed scenario, defined once).
export interface SeedWorkload {
  name: string;
  replicas: number;
}
export interface SeedNamespace {
  name: string;
  labels: Record<string, string>;
  workloads: SeedWorkload[];
}
export const SEED_CONTEXT: string;
export const SEED: {
  description: string;
  controlPlanes: { revision: string; version: string; profile: string }[];
  tags: { tag: string; revision: string; overwrite?: boolean }[];
  namespaces: SeedNamespace[];
  gateways: { namespace: string; name: string }[];
};
export function seedResolve(labels: Record<string, string>): string | undefined;
export interface SeedExpectations {
  context: string;
  revisions: Record<string, { version: string; default: boolean; tags: string[] }>;
  tags: Record<string, string>;
  namespaces: Record<string, { labels: string; revision: string; pods: number }>;
  gateways: Record<string, string>;
}
export function seedExpectations(): SeedExpectations;
