import type { CommandModule } from './registry';

/** Re-reads the kubeconfig and re-lists every shown cluster. */
export const refresh: CommandModule = {
  id: 'istioRevisions.refresh',
  async run(s) {
    await s.clusters.reload('manual refresh', true);
    s.tree.refreshAll();
  },
};
