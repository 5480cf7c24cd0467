/** Typed access to the `istioRevisions.*` settings. */
import * as vscode from 'vscode';

export const SECTION = 'istioRevisions';

export interface Settings {
  kubeconfigPaths: string[];
  contexts: string[];
  istioNamespace: string;
  istioctlPath: string;
  helmPath: string;
  helmCharts: Record<string, string>;
  restartBatchSize: number;
  requestTimeoutSeconds: number;
  showAllNamespaces: boolean;
  disabledRules: string[];
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const strings = (k: string) => (c.get<unknown[]>(k) ?? []).filter((x): x is string => typeof x === 'string');
  return {
    kubeconfigPaths: strings('kubeconfigPaths'),
    contexts: strings('contexts'),
    istioNamespace: c.get<string>('istioNamespace') || 'istio-system',
    istioctlPath: c.get<string>('istioctlPath') || 'istioctl',
    helmPath: c.get<string>('helmPath') || 'helm',
    helmCharts: Object.fromEntries(
      Object.entries(c.get<Record<string, unknown>>('helmCharts') ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''),
    ),
    restartBatchSize: Math.max(1, Math.floor(c.get<number>('restartBatchSize') ?? 5)),
    requestTimeoutSeconds: Math.max(1, c.get<number>('requestTimeoutSeconds') ?? 30),
    showAllNamespaces: c.get<boolean>('showAllNamespaces') ?? false,
    disabledRules: strings('disabledRules'),
  };
}

export async function updateSetting<K extends keyof Settings>(key: K, value: Settings[K]): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update(key, value, vscode.ConfigurationTarget.Global);
}
