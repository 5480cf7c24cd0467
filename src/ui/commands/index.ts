/** Every command the extension contributes; test/unit/contributes.test.ts checks this list against package.json. */
import { copyStatus } from './copyStatus';
import { installRevision } from './installRevision';
import { precheck } from './precheck';
import { upgradeGuide } from './upgradeGuide';
import { disableInjection, enableInjection, moveNamespace } from './moveNamespace';
import { restartNamespace, restartWorkload, resumeRestart } from './restartNamespace';
import { revealInTree } from './revealInTree';
import { showProxyStatus } from './showProxyStatus';
import { createTag, moveTag, removeTag } from './tags';
import { rollbackRevision, uninstallRevision } from './uninstallRevision';
import { openSettings } from './openSettings';
import { refresh } from './refresh';
import type { CommandModule } from './registry';
import { cancelConnect, retryCluster } from './retryCluster';
import { selectContexts } from './selectContexts';
import { showOutput } from './showOutput';
import { verifyInjectionCmd } from './verifyInjection';
import { prepareNodeAgent, upgradeNodeAgentByNode } from './nodeAgent';

export const COMMANDS: CommandModule[] = [
  refresh,
  selectContexts,
  retryCluster,
  cancelConnect,
  showOutput,
  openSettings,
  copyStatus,
  moveNamespace,
  enableInjection,
  disableInjection,
  restartNamespace,
  restartWorkload,
  resumeRestart,
  precheck,
  installRevision,
  upgradeGuide,
  revealInTree,
  createTag,
  moveTag,
  removeTag,
  uninstallRevision,
  rollbackRevision,
  showProxyStatus,
  verifyInjectionCmd,
  prepareNodeAgent,
  upgradeNodeAgentByNode,
];
