/** What a site manager sets for help calls, and the audit log of agents' accesses to sessions. */
import type { Store } from '../../store';
import type { CommandHandlers } from '../types';

export function createManagerHandlers({ store }: { store: Store }): Pick<CommandHandlers, 'site:call-settings' | 'audit:list'> {
  return {
    'site:call-settings': (input, { identity }) => {
      store.sites.setCallSettings(identity.siteId, input);
      return input;
    },
    'audit:list': (input, { identity }) => store.auditLog.list(identity.siteId, input.limit, input.beforeId)
  };
}
