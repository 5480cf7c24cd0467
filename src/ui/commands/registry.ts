/**
 * Command registration. Every command goes through register(): errors reach the
 * user once, where the command started, as one message with "Show Log"; the full
 * error goes to the log. A cancelled operation is not an error.
 */
import * as vscode from 'vscode';
import type { ClusterManager } from '../clusters';
import type { Logger } from '../log';
import type { ClustersTreeProvider } from '../tree/provider';

export interface Services {
  context: vscode.ExtensionContext;
  log: Logger;
  clusters: ClusterManager;
  tree: ClustersTreeProvider;
  treeView: vscode.TreeView<unknown>;
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export interface CommandModule {
  id: string;
  run(services: Services, ...args: any[]): unknown;
}

export function register(services: Services, cmd: CommandModule): vscode.Disposable {
  return vscode.commands.registerCommand(cmd.id, async (...args: unknown[]) => {
    try {
      return await cmd.run(services, ...args);
    } catch (e) {
      if (e instanceof CancelledError || e instanceof vscode.CancellationError) return undefined;
      const msg = e instanceof Error ? e.message : String(e);
      services.log.error(`${cmd.id}: ${e instanceof Error && e.stack ? e.stack : msg}`);
      void vscode.window.showErrorMessage(msg, vscode.l10n.t('Show Log')).then((a) => {
        if (a) services.log.show();
      });
      return undefined;
    }
  });
}
