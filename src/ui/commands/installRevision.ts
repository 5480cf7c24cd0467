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
    if (!c.ok) return c.suggestion ? vscode.l10n.t('{0} Try "{1}".', c.message, c.suggestion) : c.message;
    return existing.has(v.trim()) ? vscode.l10n.t('"{0}" is already a revision or tag on {1}.', v.trim(), cluster.context) : undefined;
  };
  let revision = opts.revision;
  if (revision === undefined) {
    revision = await vscode.window.showInputBox({
      title: vscode.l10n.t('Install a canary revision on {0} (Helm)', cluster.context),
      prompt: vscode.l10n.t('Revision name; installed as release istiod-<name> beside {0}', String(beside.installedBy.release?.name)),
      validateInput: validate,
    });
    if (revision === undefined) throw new CancelledError();
  }
  const err = validate(revision);
  if (err) throw new Error(err);
  let version = opts.version;
  if (version === undefined) {
    version = await vscode.window.showInputBox({
      title: vscode.l10n.t('Chart version of the canary'),
      prompt: vscode.l10n.t('istiod chart version (the running release has {0}); empty for what the chart setting gives', beside.version ?? '?'),
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
  const mode = await confirmPlan(plan, { action: vscode.l10n.t('Install'), assumeYes: opts.assumeYes });
  helmChannel().show(true);
  const result = await executePlan(cluster.watcher.client, plan, s.log, mode, helmToolRunner(helmOptionsFor(s.clusters, cluster.context, true)));
  if (result.ok && mode === 'run')
    void vscode.window.showInformationMessage(
      vscode.l10n.t(
        'Revision {0} installed on {1} (release istiod-{0}). Next: move namespaces to it (or point a tag at it).',
        revision.trim(),
        cluster.context,
      ),
    );
  return { plan, result, mode };
}

/** A control plane the Sail operator manages: the canary is the Istio resource's new spec.version (RevisionBased). */
async function upgradeSail(s: Services, cluster: Awaited<ReturnType<typeof pickCluster>>, istios: SailIstioView[], opts: InstallOptions) {
  let istio = istios.find((i) => i.name === opts.istio) ?? (istios.length === 1 ? istios[0] : undefined);
  if (!istio) {
    const p = await vscode.window.showQuickPick(
      istios.map((i) => ({
        label: i.name,
        description: vscode.l10n.t('{0} · {1} · active {2}', i.version ?? '?', i.updateStrategy, i.activeRevision ?? '?'),
        istio: i,
      })),
      { title: vscode.l10n.t('Upgrade which Istio resource on {0}?', cluster.context) },
    );
    if (!p) throw new CancelledError();
    istio = p.istio;
  }
  let version = opts.version;
  if (version === undefined) {
    version = await vscode.window.showInputBox({
      title: vscode.l10n.t('Upgrade Istio {0} on {1} (Sail operator)', istio.name, cluster.context),
      prompt: vscode.l10n.t(
        'New spec.version (now {0}; {1})',
        istio.version ?? '?',
        istio.updateStrategy === 'RevisionBased'
          ? vscode.l10n.t('a new IstioRevision beside the running one')
          : vscode.l10n.t('InPlace: upgraded in place, no canary'),
      ),
      placeHolder: 'v1.31.0',
      validateInput: (v) => (sailVersion(v) ? undefined : vscode.l10n.t('A Sail version: v1.30.3, or an alias such as v1.30-latest')),
    });
    if (version === undefined) throw new CancelledError();
  }
  const built = planSailUpgrade({ cluster: cluster.context, istio, version });
  if (!built.ok) throw new Error(built.message);
  const mode = await confirmPlan(built.plan, { action: vscode.l10n.t('Upgrade'), assumeYes: opts.assumeYes });
  const result = await executePlan(cluster.watcher.client, built.plan, s.log, mode);
  if (result.ok && mode === 'run')
    void vscode.window.showInformationMessage(
      vscode.l10n.t(
        'Istio {0} on {1} set to {2}: the Sail operator now makes the new revision. Next: move namespaces to it (or point a tag at it).',
        istio.name,
        cluster.context,
        String(sailVersion(version)),
      ),
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
      if (!c.ok) return c.suggestion ? vscode.l10n.t('{0} Try "{1}".', c.message, c.suggestion) : c.message;
      if (existing.has(v.trim())) return vscode.l10n.t('Revision {0} is already installed on {1}.', v.trim(), cluster.context);
      if (tags.has(v.trim())) return vscode.l10n.t('"{0}" is a tag on {1}; a revision may not share its name.', v.trim(), cluster.context);
      return undefined;
    };
    let revision = opts.revision;
    if (revision === undefined) {
      revision = await vscode.window.showInputBox({
        title: vscode.l10n.t('Install a canary revision on {0}', cluster.context),
        prompt: vscode.l10n.t('Revision name (DNS-1123 label). istioctl {0} will be installed.', ctl.version),
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
          // the labels are istioctl profile names: passed on as they are
          { label: 'minimal', description: vscode.l10n.t('control plane only (recommended for a canary: gateways are not upgraded in place)') },
          { label: 'default', description: vscode.l10n.t('control plane and an ingress gateway (upgrades an existing istio-ingressgateway in place)') },
        ],
        { title: vscode.l10n.t('Installation profile') },
      );
      if (!p) throw new CancelledError();
      profile = p.label;
    }
    const args = ['install', '--set', `revision=${revision.trim()}`, '--set', `profile=${profile}`, ...(opts.extraArgs ?? []), '-y'];
    const effect = installEffect(cluster.watcher.snapshot, revision.trim());
    s.log.info(`install ${revision.trim()} on ${cluster.context}: ${effect.message}`);
    if (!opts.assumeYes) {
      const INSTALL = vscode.l10n.t('Install');
      const ok = await vscode.window.showWarningMessage(
        vscode.l10n.t('Install revision {0} on {1}?', revision.trim(), cluster.context),
        { modal: true, detail: `istioctl ${args.join(' ')} --context ${cluster.context}\n\n${effect.message}` },
        INSTALL,
      );
      if (ok !== INSTALL) throw new CancelledError();
    }
    const r = await runIstioctl(s.clusters, cluster.context, args, vscode.l10n.t('Installing revision {0} on {1}', revision.trim(), cluster.context));
    if (!r.ok) {
      if (r.result?.cancelled) {
        void vscode.window.showWarningMessage(
          vscode.l10n.t(
            'Install of {0} cancelled; what istioctl created so far stays (see the istioctl output). Uninstall the revision to remove it.',
            revision.trim(),
          ),
        );
        return r;
      }
      throw new Error(vscode.l10n.t('Install of {0} on {1} failed: {2}', revision.trim(), cluster.context, r.message));
    }
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Revision {0} installed on {1}. Next: move namespaces to it (or point a tag at it).', revision.trim(), cluster.context),
    );
    return r;
  },
};
