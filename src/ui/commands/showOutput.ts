import type { CommandModule } from './registry';

export const showOutput: CommandModule = {
  id: 'istioRevisions.output.show',
  run(s) {
    s.log.show();
  },
};
