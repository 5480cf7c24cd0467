import { pickCluster } from '../pick';
import { ProxyStatusPanel } from '../proxyStatusPanel';
import type { CommandModule } from './registry';

type Node = { context?: string; name?: string; type?: string };

/** Opens the Proxy status panel of a cluster; from a revision node, filtered to that revision. */
export const showProxyStatus: CommandModule = {
  id: 'istioRevisions.proxyStatus.show',
  async run(s, node?: Node) {
    const cluster = await pickCluster(s.clusters, node?.context);
    const revision = node?.type === 'revision' && node.name ? node.name : undefined;
    ProxyStatusPanel.show(s, cluster.context, revision ? { revision } : undefined);
  },
};
