/**
 * Everything the server tells clients about sessions, calls and presence, in one place over the
 * rooms. Services call it after the ack (or from the escalation tick). The one exception is a
 * co-editing change, sent to the other side before its write (see `SessionsService.patch`).
 */
import type { Procedure } from '../../../shared/procedures/schema';
import type { AgentPresenceView, CallCard, CallRemovedReason } from '../../../shared/schemas/call';
import type { DemoReceipt, PrinterView, PrintJobView } from '../../../shared/schemas/print';
import type { CallView, QueueState, ServiceCount } from '../../../shared/schemas/queue';
import type { SessionClosedReason, SessionFocus, SessionPatch, SessionState } from '../../../shared/schemas/session';
import type { SiteInfo } from '../../../shared/schemas/site';
import type { TerminalView } from '../../../shared/schemas/terminal';
import { createCoalescer } from './coalescer';
import { rooms, type GuichetServer } from './types';

/** At most one queue update and one presence update per room in this time. */
export const broadcastWindowMs = 150;

/** Where a coalesced queue update is built from, when it goes out (not when the change happened). */
export interface QueueSource {
  state(siteId: string): QueueState;
  counts(siteId: string): ServiceCount[];
}

export interface Notifier {
  /** The full patch to the kiosk, the agents' version (sensitive values withheld) to joined tablets. */
  sessionPatched(terminalId: string | null, full: SessionPatch, forAgents: SessionPatch, exceptSocketId?: string): void;
  /** A change already sent could not be written: the clients that got it take the server's state back. */
  sessionReset(terminalId: string | null, full: SessionState, forAgents: SessionState, exceptSocketId: string): void;
  sessionFocus(terminalId: string | null, focus: SessionFocus, exceptSocketId: string): void;
  joinSession(accountId: string, sessionId: string): void;
  /** Removes the agent's tablets from the session and tells them why: their view closes at once. */
  leaveSession(accountId: string, sessionId: string, reason: SessionClosedReason): void;
  ring(accountIds: readonly string[], card: CallCard): void;
  callRemoved(siteId: string, callId: string, reason: CallRemovedReason): void;
  /** An agent's presence changed: the site's staff hear it with the other changes of the same moment. */
  presenceChanged(siteId: string, accountId: string, view: (accountId: string) => AgentPresenceView): void;
  /**
   * A terminal came online or went offline: the site's staff hear it with the others of the same
   * moment (`view` null: revoked meanwhile, nothing to say).
   */
  terminalSeen(siteId: string, terminalId: string, view: (siteId: string, terminalId: string) => TerminalView | null): void;
  /** A printer's fault or recovery: the staff, and the site's terminals (a kiosk whose ticket waits). */
  printerStatus(siteId: string, view: PrinterView): void;
  /** A job's progress: the kiosk that asked, and the staff. */
  printJob(siteId: string, terminalId: string | null, view: PrintJobView): void;
  demoReceipt(siteId: string, receipt: DemoReceipt): void;
  /** A ticket called to a counter: the display announces it; everyone at the site may show it. */
  queueCalled(siteId: string, call: CallView): void;
  /**
   * The site's queue changed: its staff get the whole queue, its terminals the waiting counts, once
   * for a burst of changes. `listChanged`: a service was added or renamed (terminals reload the list).
   */
  queueChanged(siteId: string, source: QueueSource, listChanged?: boolean): void;
  /** Drops the broadcasts still waiting for their window: the server is stopping. */
  close(): void;
  /** What the site's kiosks offer changed: its kiosks, tablets and consoles get the new list. */
  proceduresChanged(siteId: string, procedures: Procedure[]): void;
  /** The site's settings changed: every face at the site (kiosks, displays, staff). */
  siteUpdated(siteId: string, site: SiteInfo): void;
}

export function createNotifier(io: GuichetServer, onError: (error: unknown) => void = () => {}): Notifier {
  const coalescer = createCoalescer(broadcastWindowMs, onError);
  const listChangedSites = new Set<string>();
  const presenceChanges = new Map<string, Set<string>>();
  const terminalsSeen = new Map<string, Set<string>>();
  const roomSize = (room: string) => io.sockets.adapter.rooms.get(room)?.size ?? 0;

  return {
    sessionPatched(terminalId, full, forAgents, exceptSocketId) {
      if (full === forAgents) {
        // Nothing withheld: one packet, encoded once, to the kiosk and the joined tablets.
        const all = io.to([rooms.session(full.sessionId), ...(terminalId ? [rooms.terminal(terminalId)] : [])]);
        (exceptSocketId ? all.except(exceptSocketId) : all).emit('session:patched', full);
        return;
      }
      const toKiosk = terminalId ? io.to(rooms.terminal(terminalId)) : null;
      const toAgents = io.to(rooms.session(full.sessionId));
      if (exceptSocketId) {
        toKiosk?.except(exceptSocketId).emit('session:patched', full);
        toAgents.except(exceptSocketId).emit('session:patched', forAgents);
      } else {
        toKiosk?.emit('session:patched', full);
        toAgents.emit('session:patched', forAgents);
      }
    },
    sessionReset(terminalId, full, forAgents, exceptSocketId) {
      if (terminalId) io.to(rooms.terminal(terminalId)).except(exceptSocketId).emit('session:reset', full);
      io.to(rooms.session(full.id)).except(exceptSocketId).emit('session:reset', forAgents);
    },
    sessionFocus(terminalId, focus, exceptSocketId) {
      const targets = [rooms.session(focus.sessionId), ...(terminalId ? [rooms.terminal(terminalId)] : [])];
      io.to(targets).except(exceptSocketId).volatile.emit('session:focus', focus);
    },
    joinSession(accountId, sessionId) {
      io.in(rooms.account(accountId)).socketsJoin(rooms.session(sessionId));
    },
    leaveSession(accountId, sessionId, reason) {
      io.in(rooms.account(accountId)).socketsLeave(rooms.session(sessionId));
      io.to(rooms.account(accountId)).emit('session:closed', { sessionId, reason });
    },
    ring(accountIds, card) {
      if (accountIds.length === 0) return;
      io.to(accountIds.map(rooms.account)).emit('call:ring', card);
    },
    callRemoved(siteId, callId, reason) {
      io.to(rooms.staff(siteId)).emit('call:removed', { callId, reason });
    },
    presenceChanged(siteId, accountId, view) {
      const changed = presenceChanges.get(siteId) ?? new Set<string>();
      changed.add(accountId);
      presenceChanges.set(siteId, changed);
      coalescer.mark(`presence:${siteId}`, () => {
        const ids = presenceChanges.get(siteId) ?? new Set<string>();
        presenceChanges.delete(siteId);
        // Each agent once, as they are now: 500 arrivals are one packet per tablet, not 500.
        if (ids.size > 0) io.to(rooms.staff(siteId)).emit('agent:presences', [...ids].map(view));
      });
    },
    terminalSeen(siteId, terminalId, view) {
      const seen = terminalsSeen.get(siteId) ?? new Set<string>();
      seen.add(terminalId);
      terminalsSeen.set(siteId, seen);
      coalescer.mark(`terminals:${siteId}`, () => {
        const ids = terminalsSeen.get(siteId) ?? new Set<string>();
        terminalsSeen.delete(siteId);
        const views = [...ids].flatMap((id) => view(siteId, id) ?? []);
        if (views.length > 0) io.to(rooms.staff(siteId)).emit('terminals:seen', views);
      });
    },
    printerStatus(siteId, view) {
      io.to(rooms.site(siteId)).emit('printer:status', view);
    },
    printJob(siteId, terminalId, view) {
      io.to([rooms.staff(siteId), ...(terminalId ? [rooms.terminal(terminalId)] : [])]).emit('print:job', view);
    },
    demoReceipt(siteId, receipt) {
      io.to(rooms.staff(siteId)).emit('printer:demo-receipt', receipt);
    },
    queueCalled(siteId, call) {
      io.to(rooms.site(siteId)).emit('queue:called', call);
    },
    queueChanged(siteId, source, listChanged = false) {
      if (listChanged) listChangedSites.add(siteId);
      coalescer.mark(`queue:${siteId}`, () => {
        const listWasChanged = listChangedSites.delete(siteId);
        const staff = roomSize(rooms.staff(siteId));
        // Built only for a room someone is in: the staff's queue costs a query per counter.
        if (staff > 0) io.to(rooms.staff(siteId)).emit('queue:updated', source.state(siteId));
        if (roomSize(rooms.site(siteId)) > staff) {
          io.to(rooms.site(siteId))
            .except(rooms.staff(siteId))
            .emit('queue:counts', { services: source.counts(siteId), listChanged: listWasChanged });
        }
      });
    },
    close() {
      coalescer.close();
      listChangedSites.clear();
      presenceChanges.clear();
      terminalsSeen.clear();
    },
    proceduresChanged(siteId, procedures) {
      io.to(rooms.site(siteId)).emit('procedures:changed', { procedures });
    },
    siteUpdated(siteId, site) {
      io.to(rooms.site(siteId)).emit('site:updated', site);
    }
  };
}
