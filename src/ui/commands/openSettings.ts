import * as vscode from 'vscode';
import type { CommandModule } from './registry';

export const openSettings: CommandModule = {
  id: 'istioRevisions.settings.open',
  async run() {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'istioRevisions');
  },
};
