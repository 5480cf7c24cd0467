import * as vscode from 'vscode';
import { checkRevisionName, installEffect } from '../../istio';
import { checkIstioctl, runIstioctl } from '../istioctl';
import { pickCluster } from '../pick';
import { CancelledError, type CommandModule } from './registry';

export interface InstallOptions { revision?: string; profile?: string; extraArgs?: string[]; assumeYes?: boolean }

/** Installs a canary revision beside the running one with the user's istioctl. */
export const installRevision: CommandModule = {
  id: 'istioRevisions.revision.install',
  async run(s, node?: { context?: string }, _nodes?: unknown, opts: InstallOptions = {}) {
    const cluster = await pickCluster(s.clusters, node?.context);
    const ctl = await checkIstioctl(s.clusters);
    if (!ctl.ok) throw new Error(ctl.message);
    const existing = new Set(cluster.watcher.snapshot.controlPlane.revisions.map((r) => r.name));
    const tags = new Set(cluster.watcher.snapshot.controlPlane.tags.map((t) => t.name));
    const validate = (v: string) => {
      const c = checkRevisionName(v.trim());
      if (!c.ok) return c.message + (c.suggestion ? ` Try "${c.suggestion}".` : '');
      if (existing.has(v.trim())) return `Revision ${v.trim()} is already installed on ${cluster.context}.`;
      if (tags.has(v.trim())) return `"${v.trim()}" is a tag on ${cluster.context}; a revision may not share its name.`;
      return undefined;
    };
    let revision = opts.revision;
    if (revision === undefined) {
      revision = await vscode.window.showInputBox({
        title: `Install a canary revision on ${cluster.context}`, prompt: `Revision name (DNS-1123 label). istioctl ${ctl.version} will be installed.`,
        value: ctl.version.replace(/\./g, '-'), validateInput: validate,
      });
      if (revision === undefined) throw new CancelledError();
    }
    const err = validate(revision);
    if (err) throw new Error(err);
    let profile = opts.profile;
    if (!profile) {
      const p = await vscode.window.showQuickPick([
        { label: 'minimal', description: 'control plane only (recommended for a canary: gateways are not upgraded in place)' },
        { label: 'default', description: 'control plane and an ingress gateway (upgrades an existing istio-ingressgateway in place)' },
      ], { title: 'Installation profile' });
      if (!p) throw new CancelledError();
      profile = p.label;
    }
    const args = ['install', '--set', `revision=${revision.trim()}`, '--set', `profile=${profile}`, ...(opts.extraArgs ?? []), '-y'];
    const effect = installEffect(cluster.watcher.snapshot, revision.trim());
    s.log.info(`install ${revision.trim()} on ${cluster.context}: ${effect.message}`);
    if (!opts.assumeYes) {
      const ok = await vscode.window.showWarningMessage(`Install revision ${revision.trim()} on ${cluster.context}?`, { modal: true, detail: `istioctl ${args.join(' ')} --context ${cluster.context}\n\n${effect.message}` }, 'Install');
      if (ok !== 'Install') throw new CancelledError();
    }
    const r = await runIstioctl(s.clusters, cluster.context, args, `Installing revision ${revision.trim()} on ${cluster.context}`);
    if (!r.ok) {
      if (r.result?.cancelled) { void vscode.window.showWarningMessage(`Install of ${revision.trim()} cancelled; what istioctl created so far stays (see the istioctl output). Uninstall the revision to remove it.`); return r; }
      throw new Error(`Install of ${revision.trim()} on ${cluster.context} failed: ${r.message}`);
    }
    void vscode.window.showInformationMessage(`Revision ${revision.trim()} installed on ${cluster.context}. Next: move namespaces to it (or point a tag at it).`);
    return r;
  },
};
