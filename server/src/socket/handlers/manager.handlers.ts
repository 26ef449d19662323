/** What a site manager sets for help calls and the queue, and the audit log of agents' accesses to sessions. */
import type { QueueService } from '../../queue/queue.service';
import type { Store } from '../../store';
import type { CommandHandlers } from '../types';

export function createManagerHandlers({
  store,
  queue
}: {
  store: Store;
  queue: QueueService;
}): Pick<
  CommandHandlers,
  'site:call-settings' | 'audit:list' | 'site:queue-settings' | 'service:save' | 'counter:save' | 'site:retention'
> {
  return {
    'site:call-settings': async (input, { identity }) => {
      await store.sites.setCallSettings(identity.siteId, input);
      return input;
    },
    'audit:list': (input, { identity }) => store.auditLog.list(identity.siteId, input.limit, input.beforeId),
    'site:queue-settings': async (input, { identity, afterAck }) => {
      await store.sites.setQueueSettings(identity.siteId, input);
      queue.changed(identity.siteId, afterAck);
      return input;
    },
    'service:save': (input, { identity, afterAck }) => queue.saveService(identity.siteId, input, afterAck),
    'counter:save': (input, { identity, afterAck }) => queue.saveCounter(identity.siteId, input, afterAck),
    'site:retention': async (input, { identity }) => {
      await store.sites.setRetention(identity.siteId, input.days);
      return input;
    }
  };
}
