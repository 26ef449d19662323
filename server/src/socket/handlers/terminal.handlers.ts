/** Listing, renaming and revoking the site's kiosks and displays; pairing a new one by its code. */
import type { PairingService } from '../../pairing/pairing.service';
import type { TerminalsService } from '../../terminals/terminals.service';
import { rooms, type CommandHandlers, type GuichetServer } from '../types';

export function createTerminalHandlers({
  io,
  terminals,
  pairing
}: {
  io: GuichetServer;
  terminals: TerminalsService;
  pairing: PairingService;
}): Pick<CommandHandlers, 'terminal:list' | 'terminal:rename' | 'terminal:revoke' | 'pairing:claim'> {
  return {
    'terminal:list': (_input, { identity }) => terminals.list(identity.siteId),

    'terminal:rename': (input, { identity, afterAck }) => {
      const view = terminals.rename(identity.siteId, input.terminalId, input.name, input.location);
      afterAck(() => io.to(rooms.staff(identity.siteId)).emit('terminal:updated', view));
      return view;
    },

    'terminal:revoke': (input, { identity, afterAck }) => {
      terminals.revoke(identity.siteId, input.terminalId);
      afterAck(() => {
        io.to(rooms.staff(identity.siteId)).emit('terminal:removed', { terminalId: input.terminalId });
        io.to(rooms.terminal(input.terminalId)).emit('credential:revoked', { reason: 'revoked' });
        io.in(rooms.terminal(input.terminalId)).disconnectSockets(true);
      });
      return { terminalId: input.terminalId };
    },

    'pairing:claim': (input, { identity, afterAck }) => {
      const view = pairing.claim(identity.siteId, input);
      afterAck(() => io.to(rooms.staff(identity.siteId)).emit('terminal:updated', view));
      return view;
    }
  };
}
