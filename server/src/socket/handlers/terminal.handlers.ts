/** Listing, renaming and revoking the site's kiosks and displays; pairing a new one by its code; a kiosk's printers. */
import type { PairingService } from '../../pairing/pairing.service';
import type { PrintingService } from '../../printing/printing.service';
import type { TerminalsService } from '../../terminals/terminals.service';
import { rooms, type CommandHandlers, type GuichetServer } from '../types';

/**
 * A printer was added, changed or given to a kiosk: every kiosk's printers may change (a shared
 * printer serves all the kiosks without their own), so the console gets every terminal again, and
 * every printer (each says which kiosk it serves).
 */
export async function announcePrinting(
  io: GuichetServer,
  terminals: TerminalsService,
  printing: PrintingService,
  siteId: string
): Promise<void> {
  for (const view of await terminals.views(siteId)) io.to(rooms.staff(siteId)).emit('terminal:updated', view);
  for (const view of await printing.listPrinters(siteId)) io.to(rooms.site(siteId)).emit('printer:status', view);
}

export function createTerminalHandlers({
  io,
  terminals,
  pairing,
  printing
}: {
  io: GuichetServer;
  terminals: TerminalsService;
  pairing: PairingService;
  printing: PrintingService;
}): Pick<CommandHandlers, 'terminal:list' | 'terminal:rename' | 'terminal:revoke' | 'pairing:claim' | 'terminal:printer'> {
  return {
    'terminal:list': (_input, { identity }) => terminals.list(identity.siteId),

    'terminal:rename': async (input, { identity, afterAck }) => {
      const view = await terminals.rename(identity.siteId, input.terminalId, input.name, input.location);
      afterAck(() => io.to(rooms.staff(identity.siteId)).emit('terminal:updated', view));
      return view;
    },

    'terminal:revoke': async (input, { identity, afterAck }) => {
      await terminals.revoke(identity.siteId, input.terminalId);
      afterAck(() => {
        io.to(rooms.staff(identity.siteId)).emit('terminal:removed', { terminalId: input.terminalId });
        io.to(rooms.terminal(input.terminalId)).emit('credential:revoked', { reason: 'revoked' });
        io.in(rooms.terminal(input.terminalId)).disconnectSockets(true);
      });
      return { terminalId: input.terminalId };
    },

    'pairing:claim': async (input, { identity, afterAck }) => {
      const view = await pairing.claim(identity.siteId, input);
      afterAck(() => io.to(rooms.staff(identity.siteId)).emit('terminal:updated', view));
      return view;
    },

    'terminal:printer': async (input, { identity, afterAck }) => {
      const { siteId } = identity;
      await terminals.assignPrinter(siteId, input.terminalId, input.kind, input.printerId);
      afterAck(() => announcePrinting(io, terminals, printing, siteId));
      return terminals.get(siteId, input.terminalId);
    }
  };
}
