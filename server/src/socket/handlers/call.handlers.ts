/** Help calls from the kiosk, and what an agent does with them; agent presence. */
import type { AgentsService } from '../../agents/agents.service';
import type { CallsService } from '../../calls/calls.service';
import type { CommandHandlers } from '../types';
import { kioskOf, agentOf } from './senders';

export function createCallHandlers({
  calls,
  agents
}: {
  calls: CallsService;
  agents: AgentsService;
}): Pick<
  CommandHandlers,
  | 'call:create'
  | 'call:cancel'
  | 'call:accept'
  | 'call:release'
  | 'call:handover'
  | 'agent:state'
  | 'agent:presence'
  | 'agent:colleagues'
> {
  return {
    'call:create': (input, ctx) => calls.create(kioskOf(ctx), input, ctx.afterAck),
    'call:cancel': (input, ctx) => calls.cancel(kioskOf(ctx), input, ctx.afterAck),
    'call:accept': (input, ctx) => calls.accept(agentOf(ctx), input, ctx.afterAck),
    'call:release': (input, ctx) => calls.release(agentOf(ctx), input, ctx.afterAck),
    'call:handover': (input, ctx) => calls.handover(agentOf(ctx), input, ctx.afterAck),
    'agent:state': (_input, ctx) => calls.agentState(agentOf(ctx)),
    'agent:presence': async (input, ctx) => {
      const agent = agentOf(ctx);
      const view = await agents.setStatus(agent, input.status, ctx.afterAck);
      // Becoming available while a citizen is waiting: the card appears and rings now.
      await calls.ringPendingFor(agent, ctx.afterAck);
      return view;
    },
    'agent:colleagues': (_input, ctx) => agents.colleagues(agentOf(ctx))
  };
}
