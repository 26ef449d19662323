/**
 * The notifier over socket.io's rooms: the socket layer's side of events/notifier.ts. Queue,
 * presence and terminal updates are coalesced per room (see coalescer.ts).
 */
import type { Notifier } from '../events/notifier';
import { createCoalescer } from './coalescer';
import { rooms, type GuichetServer } from './types';

/** At most one queue update and one presence update per room in this time. */
const broadcastWindowMs = 150;

/**
 * `othersMayListen`: other nodes share the rooms (several nodes), so a room empty here may have
 * sockets there; what is built only for a room someone is in is then always built.
 */
export function createNotifier(
  io: GuichetServer,
  onError: (error: unknown) => void = () => {},
  othersMayListen = false
): Notifier {
  const coalescer = createCoalescer(broadcastWindowMs, onError);
  const listChangedSites = new Set<string>();
  const roomSize = (room: string) => io.sockets.adapter.rooms.get(room)?.size ?? 0;

  /** Ids changed under `key` since its window opened: sent together, each once, when it closes. */
  const changedIds = new Map<string, Set<string>>();
  function coalesceIds(key: string, id: string, send: (ids: string[]) => void | Promise<void>): void {
    const ids = changedIds.get(key) ?? new Set<string>();
    ids.add(id);
    changedIds.set(key, ids);
    coalescer.mark(key, async () => {
      const due = changedIds.get(key);
      changedIds.delete(key);
      if (due && due.size > 0) await send([...due]);
    });
  }

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
      // Not volatile: a volatile packet is dropped whenever the socket's previous frame is still
      // being written, which is exactly when the keystroke it goes with was just relayed. Only
      // connected sockets are in the rooms, so nothing waits for a reconnection either.
      io.to(targets).except(exceptSocketId).emit('session:focus', focus);
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
      // Each agent once, as they are now: 500 arrivals are one packet per tablet, not 500.
      coalesceIds(`presence:${siteId}`, accountId, async (ids) => {
        const views = await Promise.all(ids.map(async (id) => view(id)));
        io.to(rooms.staff(siteId)).emit('agent:presences', views);
      });
    },
    terminalSeen(siteId, terminalId, view) {
      coalesceIds(`terminals:${siteId}`, terminalId, async (ids) => {
        const found = await Promise.all(ids.map(async (id) => view(siteId, id)));
        const views = found.flatMap((v) => v ?? []);
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
      coalescer.mark(`queue:${siteId}`, async () => {
        const listWasChanged = listChangedSites.delete(siteId);
        const staff = roomSize(rooms.staff(siteId));
        // Built only for a room someone is in: the staff's queue costs a query per counter.
        if (othersMayListen || staff > 0) io.to(rooms.staff(siteId)).emit('queue:updated', await source.state(siteId));
        if (othersMayListen || roomSize(rooms.site(siteId)) > staff) {
          const services = await source.counts(siteId);
          io.to(rooms.site(siteId)).except(rooms.staff(siteId)).emit('queue:counts', { services, listChanged: listWasChanged });
        }
      });
    },
    close() {
      coalescer.close();
      listChangedSites.clear();
      changedIds.clear();
    },
    proceduresChanged(siteId, procedures) {
      io.to(rooms.site(siteId)).emit('procedures:changed', { procedures });
    },
    siteUpdated(siteId, site) {
      io.to(rooms.site(siteId)).emit('site:updated', site);
    }
  };
}
