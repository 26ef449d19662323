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

export function createTerminalsService({ store, clock, presence }: { store: Store; clock: Clock; presence: TerminalPresence }) {
  function view(t: Terminal): TerminalView {
    return {
      id: t.id,
      kind: t.kind,
      name: t.name,
      location: t.location,
      online: presence.isOnline(t.id),
      lastSeenAt: t.lastSeenAt,
      pairedAt: t.pairedAt
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
      return { ...terminal, lastSeenAt: null, revokedAt: null };
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

    markSeen(terminalId: string): void {
      store.terminals.markSeen(terminalId, clock.now().toISOString());
    }
  };
}
