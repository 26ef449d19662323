/** The queue at the counters, the kiosk's list of services, and the hall display's state. */
import type { QueueService } from '../../queue/queue.service';
import type { TicketsService } from '../../tickets/tickets.service';
import type { CommandHandlers } from '../types';
import { agentOf } from './senders';

export function createQueueHandlers({
  queue,
  tickets
}: {
  queue: QueueService;
  tickets: TicketsService;
}): Pick<
  CommandHandlers,
  | 'queue:state'
  | 'queue:services'
  | 'counter:services'
  | 'counter:next'
  | 'counter:recall'
  | 'counter:absent'
  | 'counter:finish'
  | 'counter:transfer'
  | 'counter:call'
  | 'ticket:issue'
  | 'display:state'
> {
  return {
    'queue:state': (_input, { identity }) => queue.state(identity.siteId),
    'queue:services': (_input, { identity }) => queue.serviceViews(identity.siteId),
    'counter:services': (input, { identity, afterAck }) =>
      queue.setServices(identity.siteId, input.counterId, input.services, afterAck),
    'counter:next': (input, { identity, afterAck }) => queue.next(identity.siteId, input.counterId, input.requestId, afterAck),
    'counter:recall': (input, { identity, afterAck }) => queue.recall(identity.siteId, input.counterId, afterAck),
    'counter:absent': (input, { identity, afterAck }) => queue.close(identity.siteId, input.counterId, 'absent', afterAck),
    'counter:finish': (input, { identity, afterAck }) => queue.close(identity.siteId, input.counterId, 'done', afterAck),
    'counter:transfer': (input, { identity, afterAck }) => queue.transfer(identity.siteId, input.counterId, input, afterAck),
    'counter:call': (input, { identity, afterAck }) => queue.callLabel(identity.siteId, input.counterId, input.label, afterAck),
    'ticket:issue': (input, ctx) => tickets.issueAtDesk(agentOf(ctx), input, ctx.afterAck),
    'display:state': (_input, { identity }) => queue.displayState(identity.siteId)
  };
}
