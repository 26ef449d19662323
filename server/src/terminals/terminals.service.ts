/** Terminals of a site: resolving device tokens, listing, renaming and revoking. */
import { randomUUID } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import type { TerminalIdentity, TerminalKind } from '../../../shared/identity';
import type { TerminalView } from '../../../shared/schemas/terminal';
import { hashToken, newToken } from '../auth/tokens';
import type { Clock } from '../clock';
import type { Store } from '../store';
import type { Terminal } from './terminals.repository';
import type { TerminalPresence } from './terminal-presence';

export type TerminalsService = ReturnType<typeof createTerminalsService>;

export function createTerminalsService({
  store,
  clock,
  presence,
  serverVersion
}: {
  store: Store;
  clock: Clock;
  presence: TerminalPresence;
  /** This server's build: a terminal that says another one runs an old page. */
  serverVersion: string;
}) {
  function view(t: Terminal): TerminalView {
    const printerOf = (kind: 'receipt' | 'a4') =>
      t.kind === 'kiosk' ? (store.printers.findFor(t.siteId, t.id, kind)?.id ?? null) : null;
    return {
      id: t.id,
      kind: t.kind,
      name: t.name,
      location: t.location,
      online: presence.isOnline(t.id),
      lastSeenAt: t.lastSeenAt,
      pairedAt: t.pairedAt,
      version: t.softwareVersion,
      outdated: t.softwareVersion !== null && t.softwareVersion !== serverVersion,
      printers: { receipt: printerOf('receipt'), a4: printerOf('a4') }
    };
  }

  /** A terminal of the caller's site, or not_found: another site's terminal does not exist for them. */
  function requireInSite(siteId: string, terminalId: string): Terminal {
    const terminal = store.terminals.findById(terminalId);
    if (!terminal || terminal.siteId !== siteId || terminal.revokedAt) {
      throw new AppError('not_found', `No terminal ${terminalId} at this site`);
    }
    return terminal;
  }

  return {
    view,

    create(siteId: string, kind: TerminalKind, name: string, location: string): Terminal {
      const terminal = { id: randomUUID(), siteId, kind, name, location, pairedAt: clock.now().toISOString() };
      store.terminals.insert(terminal);
      return { ...terminal, lastSeenAt: null, revokedAt: null, softwareVersion: null };
    },

    /** Gives the terminal a new device token; returns the token, which is stored nowhere else. */
    mintToken(terminalId: string): string {
      const token = newToken();
      store.terminalTokens.insert(hashToken(token), terminalId, clock.now().toISOString());
      return token;
    },

    resolve(token: string | undefined): TerminalIdentity | null {
      if (!token) return null;
      const terminalId = store.terminalTokens.findTerminalId(hashToken(token));
      if (!terminalId) return null;
      const terminal = store.terminals.findById(terminalId);
      if (!terminal || terminal.revokedAt) return null;
      return { kind: 'terminal', role: terminal.kind, siteId: terminal.siteId, terminalId: terminal.id, name: terminal.name };
    },

    list(siteId: string): TerminalView[] {
      return store.terminals.listActiveInSite(siteId).map(view);
    },

    get(siteId: string, terminalId: string): TerminalView {
      return view(requireInSite(siteId, terminalId));
    },

    rename(siteId: string, terminalId: string, name: string, location: string): TerminalView {
      const terminal = requireInSite(siteId, terminalId);
      store.terminals.rename(terminal.id, name, location);
      return view({ ...terminal, name, location });
    },

    revoke(siteId: string, terminalId: string): void {
      const terminal = requireInSite(siteId, terminalId);
      store.db.transaction(() => {
        store.terminals.revoke(terminal.id, clock.now().toISOString());
        store.terminalTokens.removeForTerminal(terminal.id);
      })();
    },

    /** Connected or gone: when, and (on connection) which build its page runs, if it said. */
    markSeen(terminalId: string, softwareVersion?: string): void {
      store.terminals.markSeen(terminalId, clock.now().toISOString());
      if (softwareVersion) store.terminals.setSoftwareVersion(terminalId, softwareVersion);
    },

    /** Every kiosk and display of the site, as the console lists them (after a printer change). */
    views(siteId: string): TerminalView[] {
      return store.terminals.listActiveInSite(siteId).map(view);
    },

    /**
     * Gives a kiosk its own printer of a kind, or none (it then uses the site's shared one). Only a
     * printer of the site, of that kind, already the kiosk's or shared, can be chosen; the kiosk's
     * previous printer of that kind is shared again.
     */
    assignPrinter(siteId: string, terminalId: string, kind: 'receipt' | 'a4', printerId: string | null): void {
      const terminal = requireInSite(siteId, terminalId);
      if (terminal.kind !== 'kiosk') {
        throw new AppError('invalid_payload', `${terminal.name} is a display: it prints nothing`, [
          { path: 'terminalId', message: 'a display has no printer' }
        ]);
      }
      const printers = store.printers.listInSite(siteId).filter((p) => p.kind === kind);
      const chosen = printerId ? printers.find((p) => p.id === printerId) : null;
      if (printerId && !chosen) {
        throw new AppError('invalid_payload', `No ${kind} printer ${printerId} at this site`, [
          { path: 'printerId', message: `not a ${kind} printer of this site` }
        ]);
      }
      if (chosen && chosen.terminalId !== null && chosen.terminalId !== terminal.id) {
        throw new AppError('invalid_payload', `${chosen.name} is attached to another kiosk`, [
          { path: 'printerId', message: 'attached to another kiosk' }
        ]);
      }
      store.db.transaction(() => {
        for (const p of printers) {
          if (p.terminalId === terminal.id && p.id !== chosen?.id) store.printers.update({ ...p, terminalId: null });
        }
        if (chosen) store.printers.update({ ...chosen, terminalId: terminal.id });
      })();
    }
  };
}
