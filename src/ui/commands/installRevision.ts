import * as vscode from 'vscode';
import { checkRevisionName, installEffect, planHelmInstall, planSailUpgrade, sailVersion, type RevisionInfo, type SailIstioView } from '../../istio';
import { chartForRevision, helmToolRunner } from '../../tools/helm';
import { helmChannel, helmOptionsFor } from '../helm';
import { readSettings } from '../settings';
import { confirmPlan, executePlan } from '../planUi';
import { checkIstioctl, runIstioctl } from '../istioctl';
import { pickCluster } from '../pick';
import { CancelledError, type CommandModule, type Services } from './registry';

export interface InstallOptions {
  revision?: string;
  profile?: string;
  extraArgs?: string[];
  assumeYes?: boolean;
  /** Sail: the Istio resource and version. */ istio?: string;
  version?: string;
}

/** A control plane Helm installed: the canary is a second istiod release (Istio's Helm canary guide). */
async function installHelm(s: Services, cluster: Awaited<ReturnType<typeof pickCluster>>, beside: RevisionInfo, opts: InstallOptions) {
  const snap = cluster.watcher.snapshot;
  const existing = new Set([...snap.controlPlane.revisions.map((r) => r.name), ...snap.controlPlane.tags.map((t) => t.name)]);
  const validate = (v: string) => {
    const c = checkRevisionName(v.trim());
    if (!c.ok) return c.message + (c.suggestion ? ` Try "${c.suggestion}".` : '');
    return existing.has(v.trim()) ? `"${v.trim()}" is already a revision or tag on ${cluster.context}.` : undefined;
  };
  let revision = opts.revision;
  if (revision === undefined) {
    revision = await vscode.window.showInputBox({
      title: `Install a canary revision on ${cluster.context} (Helm)`,
      prompt: `Revision name; installed as release istiod-<name> beside ${beside.installedBy.release?.name}`,
      validateInput: validate,
    });
    if (revision === undefined) throw new CancelledError();
  }
  const err = validate(revision);
  if (err) throw new Error(err);
  let version = opts.version;
  if (version === undefined) {
    version = await vscode.window.showInputBox({
      title: 'Chart version of the canary',
      prompt: `istiod chart version (the running release has ${beside.version ?? '?'}); empty for what the chart setting gives`,
      placeHolder: '1.31.0',
    });
    if (version === undefined) throw new CancelledError();
  }
  const chart = chartForRevision(snap, beside.name, 'istiod', readSettings().helmCharts);
  const plan = planHelmInstall({
    cluster: cluster.context,
    revision: revision.trim(),
    namespace: beside.installedBy.release?.namespace ?? 'istio-system',
    chart: version.trim() && !/^[./~]/.test(chart.ref) ? { ref: chart.ref, version: version.trim().replace(/^v/, '') } : chart,
    beside: beside.installedBy.release,
  });
  const mode = await confirmPlan(plan, { action: 'Install', assumeYes: opts.assumeYes });
  helmChannel().show(true);
  const result = await executePlan(cluster.watcher.client, plan, s.log, mode, helmToolRunner(helmOptionsFor(s.clusters, cluster.context, true)));
  if (result.ok && mode === 'run')
    void vscode.window.showInformationMessage(
      `Revision ${revision.trim()} installed on ${cluster.context} (release istiod-${revision.trim()}). Next: move namespaces to it (or point a tag at it).`,
    );
  return { plan, result, mode };
}

/** A control plane the Sail operator manages: the canary is the Istio resource's new spec.version (RevisionBased). */
async function upgradeSail(s: Services, cluster: Awaited<ReturnType<typeof pickCluster>>, istios: SailIstioView[], opts: InstallOptions) {
  let istio = istios.find((i) => i.name === opts.istio) ?? (istios.length === 1 ? istios[0] : undefined);
  if (!istio) {
    const p = await vscode.window.showQuickPick(
      istios.map((i) => ({ label: i.name, description: `${i.version ?? '?'} · ${i.updateStrategy} · active ${i.activeRevision ?? '?'}`, istio: i })),
      { title: `Upgrade which Istio resource on ${cluster.context}?` },
    );
    if (!p) throw new CancelledError();
    istio = p.istio;
  }
  let version = opts.version;
  if (version === undefined) {
    version = await vscode.window.showInputBox({
      title: `Upgrade Istio ${istio.name} on ${cluster.context} (Sail operator)`,
      prompt: `New spec.version (now ${istio.version ?? '?'}; ${istio.updateStrategy === 'RevisionBased' ? 'a new IstioRevision beside the running one' : 'InPlace: upgraded in place, no canary'})`,
      placeHolder: 'v1.31.0',
      validateInput: (v) => (sailVersion(v) ? undefined : 'A Sail version: v1.30.3, or an alias such as v1.30-latest'),
    });
    if (version === undefined) throw new CancelledError();
  }
  const built = planSailUpgrade({ cluster: cluster.context, istio, version });
  if (!built.ok) throw new Error(built.message);
  const mode = await confirmPlan(built.plan, { action: 'Upgrade', assumeYes: opts.assumeYes });
  const result = await executePlan(cluster.watcher.client, built.plan, s.log, mode);
  if (result.ok && mode === 'run')
    void vscode.window.showInformationMessage(
      `Istio ${istio.name} on ${cluster.context} set to ${sailVersion(version)}: the Sail operator now makes the new revision. Next: move namespaces to it (or point a tag at it).`,
    );
  return { plan: built.plan, result, mode };
}

/** Installs a canary revision beside the running one with the user's istioctl. */
export const installRevision: CommandModule = {
  id: 'istioRevisions.revision.install',
  async run(s, node?: { context?: string }, _nodes?: unknown, opts: InstallOptions = {}) {
    const cluster = await pickCluster(s.clusters, node?.context);
    const sail = cluster.watcher.snapshot.sail();
    if (sail.istios.length) return upgradeSail(s, cluster, sail.istios, opts);
    const helmRev = cluster.watcher.snapshot.controlPlane.revisions.find((r) => r.installedBy.kind === 'helm' && r.deployments.length);
    if (helmRev) return installHelm(s, cluster, helmRev, opts);
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
        title: `Install a canary revision on ${cluster.context}`,
        prompt: `Revision name (DNS-1123 label). istioctl ${ctl.version} will be installed.`,
        value: ctl.version.replace(/\./g, '-'),
        validateInput: validate,
      });
      if (revision === undefined) throw new CancelledError();
    }
    const err = validate(revision);
    if (err) throw new Error(err);
    let profile = opts.profile;
    if (!profile) {
      const p = await vscode.window.showQuickPick(
        [
          { label: 'minimal', description: 'control plane only (recommended for a canary: gateways are not upgraded in place)' },
          { label: 'default', description: 'control plane and an ingress gateway (upgrades an existing istio-ingressgateway in place)' },
        ],
        { title: 'Installation profile' },
      );
      if (!p) throw new CancelledError();
      profile = p.label;
    }
    const args = ['install', '--set', `revision=${revision.trim()}`, '--set', `profile=${profile}`, ...(opts.extraArgs ?? []), '-y'];
    const effect = installEffect(cluster.watcher.snapshot, revision.trim());
    s.log.info(`install ${revision.trim()} on ${cluster.context}: ${effect.message}`);
    if (!opts.assumeYes) {
      const ok = await vscode.window.showWarningMessage(
        `Install revision ${revision.trim()} on ${cluster.context}?`,
        { modal: true, detail: `istioctl ${args.join(' ')} --context ${cluster.context}\n\n${effect.message}` },
        'Install',
      );
      if (ok !== 'Install') throw new CancelledError();
    }
    const r = await runIstioctl(s.clusters, cluster.context, args, `Installing revision ${revision.trim()} on ${cluster.context}`);
    if (!r.ok) {
      if (r.result?.cancelled) {
        void vscode.window.showWarningMessage(
          `Install of ${revision.trim()} cancelled; what istioctl created so far stays (see the istioctl output). Uninstall the revision to remove it.`,
        );
        return r;
      }
      throw new Error(`Install of ${revision.trim()} on ${cluster.context} failed: ${r.message}`);
    }
    void vscode.window.showInformationMessage(
      `Revision ${revision.trim()} installed on ${cluster.context}. Next: move namespaces to it (or point a tag at it).`,
    );
    return r;
  },
};
