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
    'counter:services': (input, { identity }) => queue.setServices(identity.siteId, input.counterId, input.services),
    'counter:next': (input, { identity }) => queue.next(identity.siteId, input.counterId, input.requestId),
    'counter:recall': (input, { identity }) => queue.recall(identity.siteId, input.counterId),
    'counter:absent': (input, { identity }) => queue.close(identity.siteId, input.counterId, 'absent'),
    'counter:finish': (input, { identity }) => queue.close(identity.siteId, input.counterId, 'done'),
    'counter:transfer': (input, { identity }) => queue.transfer(identity.siteId, input.counterId, input),
    'counter:call': (input, { identity }) => queue.callLabel(identity.siteId, input.counterId, input.label),
    'ticket:issue': (input, ctx) => tickets.issueAtDesk(agentOf(ctx), input),
    'display:state': (_input, { identity }) => queue.displayState(identity.siteId)
  };
}
