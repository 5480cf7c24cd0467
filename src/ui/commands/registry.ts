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

/** An error whose message offers a next step: a button that runs a command. */
export class ActionableError extends Error {
  constructor(
    message: string,
    readonly action: { title: string; command: string; args: unknown[] },
  ) {
    super(message);
    this.name = 'ActionableError';
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
      const SHOW_LOG = vscode.l10n.t('Show Log');
      const action = e instanceof ActionableError ? e.action : undefined;
      void vscode.window.showErrorMessage(msg, ...(action ? [action.title] : []), SHOW_LOG).then((a) => {
        if (a === SHOW_LOG) services.log.show();
        else if (a && action) void vscode.commands.executeCommand(action.command, ...action.args);
      });
      return undefined;
    }
  });
}
