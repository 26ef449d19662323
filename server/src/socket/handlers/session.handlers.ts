/** The kiosk session commands: start, change, catch up, stop sharing, end. */
import type { CallsService } from '../../calls/calls.service';
import type { SessionsService } from '../../sessions/sessions.service';
import { rooms, type CommandHandlers } from '../types';
import { kioskOf } from './senders';

export function createSessionHandlers({
  sessions,
  calls
}: {
  sessions: SessionsService;
  calls: CallsService;
}): Pick<CommandHandlers, 'session:start' | 'session:patch' | 'session:sync' | 'session:end' | 'session:stop-sharing'> {
  return {
    'session:start': (input, ctx) => sessions.start(kioskOf(ctx), input),
    'session:patch': (input, ctx) =>
      sessions.patch(ctx.identity, input, ctx.socket.id, ctx.afterAck, ctx.socket.rooms.has(rooms.session(input.sessionId))),
    'session:sync': (input, ctx) => sessions.sync(ctx.identity, input),
    'session:end': (input, ctx) => calls.endSession(ctx.identity, input, ctx.afterAck),
    'session:stop-sharing': (input, ctx) => calls.stopSharing(kioskOf(ctx), input, ctx.afterAck)
  };
}
