/**
 * Terminals of a site: resolving device tokens, listing, renaming and revoking. Device tokens live
 * long but not forever: one older than a month is replaced on the terminal's next page load
 * (`renew`), and one nobody used for 90 days is purged (`purgeTokens`).
 */
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

const hourMs = 3600_000;
const dayMs = 24 * hourMs;
/** A token this old is replaced on the terminal's next page load. */
export const tokenRenewalMs = 30 * dayMs;
/** How long a replaced token still works: requests already on their way with it. */
export const tokenOverlapMs = hourMs;
/** A token unused this long is deleted (its terminal has to be paired again). */
export const tokenUnusedMs = 90 * dayMs;
/** Last use is written at most this often per token: a read, not a write, on each request. */
const touchEveryMs = hourMs;
/**
 * Automatic pairing mints a token per browser, and a browser that cannot keep its renewed cookie
 * would get a new one on each load: a terminal keeps only this many, the most recently used.
 */
export const tokensKeptPerTerminal = 20;

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
  async function view(t: Terminal): Promise<TerminalView> {
    const printerOf = async (kind: 'receipt' | 'a4') =>
      t.kind === 'kiosk' ? ((await store.printers.findFor(t.siteId, t.id, kind))?.id ?? null) : null;
    const printers = { receipt: await printerOf('receipt'), a4: await printerOf('a4') };
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
      printers
    };
  }

  /** A terminal of the caller's site, or not_found: another site's terminal does not exist for them. */
  async function requireInSite(siteId: string, terminalId: string): Promise<Terminal> {
    const terminal = await store.terminals.findById(terminalId);
    if (!terminal || terminal.siteId !== siteId || terminal.revokedAt) {
      throw new AppError('not_found', `No terminal ${terminalId} at this site`);
    }
    return terminal;
  }

  async function mintToken(terminalId: string): Promise<string> {
    const token = newToken();
    await store.terminalTokens.insert(hashToken(token), terminalId, clock.now().toISOString());
    return token;
  }

  /** The token's record and its terminal, if the token is valid now. */
  async function find(token: string | undefined) {
    if (!token) return null;
    const hash = hashToken(token);
    const record = await store.terminalTokens.find(hash);
    if (!record) return null;
    if (record.replacedUntil && record.replacedUntil <= clock.now().toISOString()) return null;
    const terminal = await store.terminals.findById(record.terminalId);
    if (!terminal || terminal.revokedAt) return null;
    return { hash, record, terminal };
  }

  async function viewsOf(siteId: string): Promise<TerminalView[]> {
    const views: TerminalView[] = [];
    for (const terminal of await store.terminals.listActiveInSite(siteId)) views.push(await view(terminal));
    return views;
  }

  return {
    view,

    async create(siteId: string, kind: TerminalKind, name: string, location: string): Promise<Terminal> {
      const terminal = { id: randomUUID(), siteId, kind, name, location, pairedAt: clock.now().toISOString() };
      await store.terminals.insert(terminal);
      return { ...terminal, lastSeenAt: null, revokedAt: null, softwareVersion: null };
    },

    /** Gives the terminal a new device token; returns the token, which is stored nowhere else. */
    mintToken,

    /**
     * A token for the demo terminal, for automatic pairing. Each browser without a valid cookie
     * gets one; the least recently used beyond the last `tokensKeptPerTerminal` are dropped, so page
     * loads without cookies cannot pile up tokens.
     */
    mintDemoToken(terminalId: string): Promise<string> {
      return store.transaction(async () => {
        const token = await mintToken(terminalId);
        await store.terminalTokens.keepMostRecent(terminalId, tokensKeptPerTerminal);
        return token;
      });
    },

    async resolve(token: string | undefined, evenSuspended = false): Promise<TerminalIdentity | null> {
      const found = await find(token);
      if (!found) return null;
      const { terminal, record, hash } = found;
      // A suspended site's terminals are refused until an operator resumes it (`evenSuspended`:
      // only to tell the terminal why).
      if (!evenSuspended && (await store.siteOperations.suspendedAt(terminal.siteId))) return null;
      const now = clock.now();
      if (now.getTime() - Date.parse(record.lastUsedAt) >= touchEveryMs)
        await store.terminalTokens.touch(hash, now.toISOString());
      return {
        kind: 'terminal',
        role: terminal.kind,
        siteId: terminal.siteId,
        terminalId: terminal.id,
        name: terminal.name,
        location: terminal.location
      };
    },

    /**
     * On a terminal's page load: a valid token older than a month (or any valid one when `force`,
     * e.g. found under a cookie name no longer used) gets a successor, returned to be set as the
     * cookie; the old one works for `tokenOverlapMs` more. Null when nothing is to be done.
     */
    renew(token: string | undefined, force = false): Promise<string | null> {
      // Checked inside the transaction: the token cannot be revoked between the check and the renewal.
      return store.transaction(async () => {
        const found = await find(token);
        if (!found) return null;
        const now = clock.now();
        if (!force && now.getTime() - Date.parse(found.record.createdAt) < tokenRenewalMs) return null;
        await store.terminalTokens.markReplaced(found.hash, new Date(now.getTime() + tokenOverlapMs).toISOString());
        const renewed = await mintToken(found.terminal.id);
        await store.terminalTokens.keepMostRecent(found.terminal.id, tokensKeptPerTerminal);
        return renewed;
      });
    },

    /** Deletes replaced tokens past their overlap and tokens unused for 90 days (not while their terminal is connected). */
    purgeTokens(): Promise<number> {
      const now = clock.now();
      return store.terminalTokens.purge(
        now.toISOString(),
        new Date(now.getTime() - tokenUnusedMs).toISOString(),
        presence.onlineIds()
      );
    },

    /** Revokes the demo site's terminals (`npm run demo:lock`): no more automatic pairing. */
    async revokeDemoTerminals(): Promise<number> {
      let revoked = 0;
      await store.transaction(async () => {
        for (const kind of ['kiosk', 'display'] as const) {
          for (let id = await store.terminals.findDemoTerminalId(kind); id; id = await store.terminals.findDemoTerminalId(kind)) {
            await store.terminals.revoke(id, clock.now().toISOString());
            await store.terminalTokens.removeForTerminal(id);
            revoked++;
          }
        }
      });
      return revoked;
    },

    list(siteId: string): Promise<TerminalView[]> {
      return viewsOf(siteId);
    },

    async get(siteId: string, terminalId: string): Promise<TerminalView> {
      return view(await requireInSite(siteId, terminalId));
    },

    async rename(siteId: string, terminalId: string, name: string, location: string): Promise<TerminalView> {
      // Checked in the same transaction as the write: a terminal revoked meanwhile is not renamed.
      const terminal = await store.transaction(async () => {
        const found = await requireInSite(siteId, terminalId);
        await store.terminals.rename(found.id, name, location);
        return found;
      });
      return view({ ...terminal, name, location });
    },

    async revoke(siteId: string, terminalId: string): Promise<void> {
      await store.transaction(async () => {
        const terminal = await requireInSite(siteId, terminalId);
        await store.terminals.revoke(terminal.id, clock.now().toISOString());
        await store.terminalTokens.removeForTerminal(terminal.id);
      });
    },

    /** Connected or gone: when, and (on connection) which build its page runs, if it said. */
    async markSeen(terminalId: string, softwareVersion?: string): Promise<void> {
      await store.terminals.markSeen(terminalId, clock.now().toISOString());
      if (softwareVersion) await store.terminals.setSoftwareVersion(terminalId, softwareVersion);
    },

    /** Every kiosk and display of the site, as the console lists them (after a printer change). */
    views: viewsOf,

    /**
     * Gives a kiosk its own printer of a kind, or none (it then uses the site's shared one). Only a
     * printer of the site, of that kind, already the kiosk's or shared, can be chosen; the kiosk's
     * previous printer of that kind is shared again.
     */
    async assignPrinter(siteId: string, terminalId: string, kind: 'receipt' | 'a4', printerId: string | null): Promise<void> {
      // The checks and the writes in one transaction: another assignment cannot slip in between.
      await store.transaction(async () => {
        const terminal = await requireInSite(siteId, terminalId);
        if (terminal.kind !== 'kiosk') {
          throw new AppError('invalid_payload', `${terminal.name} is a display: it prints nothing`, [
            { path: 'terminalId', message: 'a display has no printer' }
          ]);
        }
        const printers = (await store.printers.listInSite(siteId)).filter((p) => p.kind === kind);
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
        for (const p of printers) {
          if (p.terminalId === terminal.id && p.id !== chosen?.id) await store.printers.update({ ...p, terminalId: null });
        }
        if (chosen) await store.printers.update({ ...chosen, terminalId: terminal.id });
      });
    }
  };
}
