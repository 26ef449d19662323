/**
 * Kiosk sessions held by the server: started by a touch on the idle screen, changed by validated
 * operations from the kiosk or the joined agent, each change a numbered patch persisted with the
 * state in one transaction, then broadcast. A client that reconnects says which version it has and
 * gets what it missed (patches, or the whole state when that is shorter).
 */
import { randomInt, randomUUID } from 'node:crypto';
import { AppError } from '../../../shared/errors';
import type { AccountIdentity, Identity, TerminalIdentity } from '../../../shared/identity';
import type { Procedure } from '../../../shared/procedures/schema';
import type {
  SessionChange,
  SessionPatch,
  SessionState,
  SessionSync,
  sessionPatchInput,
  sessionStartInput,
  sessionSyncInput
} from '../../../shared/schemas/session';
import type { AuditAction } from '../../../shared/schemas/call';
import { formatPairingCode, pairingAlphabet } from '../../../shared/schemas/terminal';
import { applyChanges, newSessionState } from '../../../shared/session/apply';
import type { z } from 'zod';
import type { Clock } from '../clock';
import type { Notifier } from '../events/notifier';
import { immediately, type After } from '../events/after';
import type { Store } from '../store';
import { createKeyedLock } from '../keyed-lock';
import type { StoredSession } from './sessions.repository';
import type { ProceduresService } from '../procedures/procedures.service';
import { changesForAgents, opsToChanges, procedureOf, stateForAgents } from './session-ops';

/** Bytes of a session's answers and notes, as stored (JSON, UTF-8). */
function contentBytes(state: SessionState): number {
  return Buffer.byteLength(JSON.stringify(state.answers)) + Buffer.byteLength(JSON.stringify(state.notes));
}

/** Past this many missing patches a reconnecting client gets the whole state instead. */
const maxPatchesInSync = 100;

export type SessionsService = ReturnType<typeof createSessionsService>;

export function createSessionsService({
  store,
  clock,
  procedures,
  notifier,
  limits
}: {
  store: Store;
  clock: Clock;
  /**
   * `maxBytes`: a session's answers and notes (bytes of JSON); a change that would grow them past
   * it is refused. `patchesKept`: the most patches kept per session, older ones pruned as new ones are written.
   */
  limits: { maxBytes: number; patchesKept: number };
  /** The site's procedures: the versions sessions opened, and what the kiosks offer now. */
  procedures: Pick<ProceduresService, 'lookup' | 'ready' | 'published'>;
  notifier: Notifier;
}) {
  const pruneEvery = Math.max(1, Math.floor(limits.patchesKept / 8));

  /** Last step each agent was audited editing, so typing a name is one audit row, not one per key. */
  const lastAuditedEdit = new Map<string, string>();

  function newReference(): string {
    let code = '';
    for (let i = 0; i < 6; i++) code += pairingAlphabet[randomInt(pairingAlphabet.length)];
    return formatPairingCode(code);
  }

  /**
   * Active sessions stay in memory once read: a keystroke then costs no read and no parse. Every
   * change made here goes through `commit`, which writes the store and updates this same object.
   * On PostgreSQL other nodes (Guichet processes on the same database) change sessions too: the
   * copy may then be behind the database, which is fine for a read but never for a change, so each
   * change brings it up to date first, in place (see `serialised`).
   */
  const live = new Map<string, StoredSession>();

  /**
   * The client ids of each session's kept patches, read once when a change of it first comes in
   * here, then kept with the patches (added, pruned, dropped after their commit). A keystroke then
   * learns it is no replay without a query: on PostgreSQL one round trip less before it reaches the
   * other side. Read and changed only under the session's serialisation, as the patches are;
   * dropped, to be read again, when another node has written the session since (`catchUp`).
   */
  const patchIds = new Map<string, Map<string, number>>();

  async function knownPatchIds(sessionId: string): Promise<Map<string, number>> {
    const known = patchIds.get(sessionId);
    if (known) return known;
    const ids = new Map((await store.sessionPatches.idsOf(sessionId)).map((r) => [r.patchId, r.version]));
    patchIds.set(sessionId, ids);
    return ids;
  }

  /** Forgets a session's copy and its patch ids (ended, or rolled back to what the store holds). */
  function forget(sessionId: string): void {
    live.delete(sessionId);
    patchIds.delete(sessionId);
  }

  /**
   * One change of a session at a time: a change reads the version from the copy here, computes the
   * next one, sends it and writes it, and two of them (the kiosk and the agent typing, or a call
   * command) must not both take version N+1 now that the writes are awaited. Always taken inside
   * the change's transaction:
   * - on SQLite the open transaction already keeps every other command off the store until it
   *   ends, so nothing more is needed (and waiting there for a command that itself waits for the
   *   connection would never end);
   * - on PostgreSQL transactions run side by side, so the session's lock is taken, and held until
   *   the transaction ends, not only while the change is made: its row of `kiosk_sessions` stays
   *   locked until then, and another change let in before would wait for that row while this
   *   command, going on to a second change of the session, waited for the lock. A command that
   *   holds it already does not wait for itself. Once it has the lock, the transaction locks the
   *   session's row as well, which keeps other nodes' changes out, and brings the copy here up to
   *   date (`catchUp`).
   */
  const sessionLock = createKeyedLock();
  const heldLocks = {};
  /**
   * `given`: the copy the caller read (outside the lock) and means to change, with what to do
   * instead if the session has ended by the time the lock is taken (PostgreSQL only: on SQLite
   * the caller's transaction already kept every other change out since it read the copy).
   * `ahead`: a keystroke sent on from the copy here before its row is locked (see `goesAhead`).
   */
  function serialised<T>(
    sessionId: string,
    fn: () => Promise<T>,
    given?: { stored: StoredSession; ended: () => T },
    ahead?: Ahead
  ): Promise<T> {
    if (store.engine === 'sqlite') return store.transaction(fn);
    return store.transaction(async () => {
      const held = store.executor.transactionLocal(heldLocks, () => new Set<string>())!;
      const first = !held.has(sessionId);
      if (first) {
        const release = await acquire(sessionId);
        held.add(sessionId);
        store.executor.afterCommit(release);
        store.executor.onRollback(release);
      }
      // Still kept once the lock is ours (a rollback meanwhile drops it): the row is then locked
      // and compared at the write (`confirmAhead`), after the change went out.
      if (first && ahead && live.has(sessionId)) {
        sentAhead()!.set(sessionId, ahead);
        return fn();
      }
      const active = await catchUp(sessionId, given?.stored, first);
      if (given && !active) return given.ended();
      return fn();
    });
  }

  /**
   * Brings the copy here up to date before a change, on PostgreSQL. Several nodes (Guichet
   * processes) may serve one database: the kiosk on one, the agent's tablet on another, a replay
   * sent to whichever node the client reached. The lock above only keeps this process's changes
   * apart, and the copy here knows nothing of another node's: written from it, a change would take
   * a version that node took already (refused by the patches' unique key, the keystroke lost), or
   * be computed from a state that is no longer the session's.
   *
   * So the first change of a session in a transaction locks its row, until the transaction ends:
   * another node's change of it waits for this one, and this one for any other node's still open.
   * If the copy here is not at the version stored then, or there is none, the session is read
   * again, into the same object (whoever holds the copy sees the new state), and its patch ids are
   * read again at the next change (another node's are among them: a replay must be recognised).
   * The copy a change was given (`commit`, `end`), if no longer the one kept here (forgotten after
   * a rollback or an end since it was read), is read again too, and kept from then on.
   *
   * Returns false if the session has ended (or is gone): it is forgotten then.
   */
  async function catchUp(sessionId: string, given: StoredSession | undefined, lockRow: boolean): Promise<boolean> {
    const copy = live.get(sessionId);
    let behind = given !== undefined && given !== copy;
    let gone = false;
    if (lockRow) {
      const row = await store.sessions.lockForChange(sessionId);
      gone = !row;
      if (copy?.state.version !== row?.version || row?.status !== 'active') behind = true;
      if (copy && row && copy.state.version < row.version) contest(sessionId);
    }
    if (!behind) return true;
    patchIds.delete(sessionId);
    const fresh = gone ? null : await store.sessions.findById(sessionId);
    if (fresh && copy) Object.assign(copy, fresh);
    if (fresh && given) Object.assign(given, fresh);
    if (fresh?.state.status !== 'active') {
      forget(sessionId);
      return false;
    }
    // Set here, under the row's lock: a `find` that read the session before another node's change
    // must not leave its older copy for this change.
    live.set(sessionId, given ?? copy ?? fresh);
    return true;
  }

  /**
   * A keystroke on PostgreSQL need not wait for a round trip to the database (open the
   * transaction, lock the row) before the other side sees it, as it does not on SQLite: it is sent
   * on from the copy here, which is almost always the stored one, and checked after, before it is
   * written. Only for a copy already here, of a session no other node has changed lately, and from
   * the kiosk of the session or an agent whose socket is in its room (joined: put there by the
   * accept, taken out by the release). The store decides, under the row's lock: a copy found
   * behind (another node wrote the session) rolls the change back, the clients that got it take the
   * server's state back (`writeNext`), and the change is made again the usual way; an agent no
   * longer joined is refused the same way.
   */
  const unconfirmed = {};
  interface Ahead {
    agent: AccountIdentity | null;
    /** Set once the row is locked and compared: an error before that may come from a copy behind. */
    confirmed: boolean;
  }
  /** Sessions found changed by another node, with when that was: their changes lock first for a while. */
  const contested = new Map<string, number>();
  const contestedMs = 60_000;

  class CopyBehind extends Error {}

  function contest(sessionId: string): void {
    const now = clock.now().getTime();
    for (const [id, at] of contested) if (now - at > contestedMs) contested.delete(id);
    contested.set(sessionId, now);
  }

  function goesAhead(identity: Identity, sessionId: string, inSessionRoom: boolean): boolean {
    if (store.engine !== 'postgres' || !live.has(sessionId)) return false;
    const since = contested.get(sessionId);
    if (since !== undefined && clock.now().getTime() - since <= contestedMs) return false;
    return identity.kind === 'terminal' || (identity.role === 'agent' && inSessionRoom);
  }

  /**
   * A change of `sessionId` by `identity`, in its transaction: sent ahead from the copy here when it
   * may be (`goesAhead`), otherwise under the row's lock from the start. Sent ahead and found to
   * come from a copy behind, or refused from it before the check (a step that does not exist there
   * yet), it is rolled back and made again the usual way: the answer is the store's.
   */
  function aheadOrLocked<T>(identity: Identity, sessionId: string, inSessionRoom: boolean, change: () => Promise<T>): Promise<T> {
    const run = (ahead?: Ahead) => serialised(sessionId, change, undefined, ahead);
    if (!goesAhead(identity, sessionId, inSessionRoom)) return run();
    const ahead: Ahead = { agent: identity.kind === 'account' ? identity : null, confirmed: false };
    return run(ahead).catch((error: unknown) => {
      if (error instanceof CopyBehind || (!ahead.confirmed && error instanceof AppError)) return run();
      throw error;
    });
  }

  /** The changes the current transaction sends ahead, by session; null outside one and on SQLite. */
  function sentAhead(): Map<string, Ahead> | null {
    return store.engine === 'postgres' ? store.executor.transactionLocal(unconfirmed, () => new Map<string, Ahead>()) : null;
  }

  /** The check a change sent ahead was spared: made under the row's lock, before its write. */
  async function confirmAhead(sessionId: string, baseVersion: number): Promise<void> {
    const pending = sentAhead();
    const ahead = pending?.get(sessionId);
    if (!ahead) return;
    pending!.delete(sessionId);
    ahead.confirmed = true;
    const agent = ahead.agent;
    const row = await store.sessions.lockForChange(sessionId);
    if (row?.version !== baseVersion || row.status !== 'active') {
      contest(sessionId);
      throw new CopyBehind(`session ${sessionId} was changed elsewhere`);
    }
    if (agent && !(await isJoined(agent, sessionId))) {
      throw new AppError('forbidden', 'An agent sees a session only while joined to its call');
    }
  }

  /** Whether the current transaction holds the session's lock (and so has caught up with it). */
  function holdsHere(sessionId: string): boolean {
    return store.executor.transactionLocal(heldLocks, () => new Set<string>())?.has(sessionId) ?? false;
  }

  /**
   * On PostgreSQL another node may have changed the session since this copy was made: a read
   * (a catch-up after a reconnection, the agent's view, a printed summary) asks for the stored
   * version first, a small indexed read, and reads the session again if the copy is behind.
   * Changes do not come here: they lock the row and catch up (`catchUp`).
   */
  async function freshened(sessionId: string, cached: StoredSession): Promise<StoredSession | null> {
    const row = await store.sessions.versionOf(sessionId);
    if (row && row.status === 'active' && row.version <= cached.state.version) return cached;
    const fresh = row ? await store.sessions.findById(sessionId) : null;
    if (fresh?.state.status !== 'active') {
      if (live.get(sessionId) === cached) forget(sessionId);
      return fresh;
    }
    // Only forward: a change of this node's, written but not yet committed, is ahead of the store.
    if (fresh.state.version > cached.state.version) {
      Object.assign(cached, fresh);
      patchIds.delete(sessionId);
    }
    return cached;
  }

  /** Waits for the session's lock; resolves with what gives it back. */
  function acquire(sessionId: string): Promise<() => void> {
    return new Promise((acquired) => {
      void sessionLock.run(sessionId, () => new Promise<void>((release) => acquired(release)));
    });
  }

  async function find(sessionId: string): Promise<StoredSession | null> {
    const cached = live.get(sessionId);
    if (cached && store.engine === 'postgres' && !holdsHere(sessionId)) return freshened(sessionId, cached);
    if (cached) return cached;
    const stored = await store.sessions.findById(sessionId);
    // Another command may have read it meanwhile: everyone must share one copy, the one `commit` updates.
    const raced = live.get(sessionId);
    if (raced) return raced;
    if (stored?.state.status === 'active') live.set(sessionId, stored);
    return stored;
  }

  async function load(siteId: string, sessionId: string): Promise<StoredSession> {
    const stored = await find(sessionId);
    // Another site's session is "not found": its existence is not ours to reveal.
    if (!stored || stored.siteId !== siteId) throw new AppError('not_found', `No session ${sessionId} at this site`);
    return stored;
  }

  function sessionClosed(): never {
    throw new AppError('session_closed', 'This session has ended');
  }

  async function loadActive(siteId: string, sessionId: string): Promise<StoredSession> {
    const stored = await load(siteId, sessionId);
    if (stored.state.status !== 'active') sessionClosed();
    return stored;
  }

  async function isJoined(agent: AccountIdentity, sessionId: string): Promise<boolean> {
    return (await store.helpCalls.joinedSessionOf(agent.accountId)) === sessionId;
  }

  /** Who may read or change a session: its own kiosk, or the agent joined to it right now. */
  async function assertAccess(identity: Identity, stored: StoredSession): Promise<void> {
    if (identity.kind === 'terminal') {
      if (identity.terminalId !== stored.terminalId) throw new AppError('not_found', `No session ${stored.id} on this kiosk`);
      return;
    }
    if (identity.role !== 'agent' || !(await isJoined(identity, stored.id))) {
      throw new AppError('forbidden', 'An agent sees a session only while joined to its call');
    }
  }

  async function viewFor(identity: Identity, state: SessionState): Promise<SessionState> {
    return identity.kind === 'terminal' ? state : stateForAgents(state, await procedures.ready(identity.siteId, [state]));
  }

  /** One audit row; `agent` null means the citizen at the kiosk. */
  async function audit(
    stored: StoredSession,
    agent: Pick<AccountIdentity, 'accountId' | 'firstName'> | null,
    action: AuditAction,
    detail = ''
  ): Promise<void> {
    await store.auditLog.add({
      siteId: stored.siteId,
      sessionId: stored.id,
      sessionReference: stored.reference,
      accountId: agent?.accountId ?? null,
      actorName: agent ? agent.firstName : 'Usager',
      action,
      detail,
      at: clock.now().toISOString()
    });
  }

  /**
   * Writes the changes as the next version (state and patch in one transaction) and schedules the
   * broadcast. Returns the new state. Callers inside a larger transaction pass their own `after`.
   *
   * `sendFirst` is for co-editing: the other side gets the change before it is written, so a
   * keystroke reaches the other screen without waiting for the disk. The sender's ack still comes
   * after the write, so what a client was told is kept is kept; a change lost by a crash in between
   * is resent by its sender (it was never acked) or corrected by the catching-up of the others
   * (a copy ahead of the server gets the server's state). If the write fails, the clients that got
   * the change are sent the server's state back at once.
   *
   * Always in a transaction (the caller's, or its own): the version is read and the next one
   * written with no other command's write in between, and a rollback drops the copy kept here.
   */
  function commit(
    stored: StoredSession,
    changes: SessionChange[],
    by: SessionPatch['by'],
    after: After,
    options: {
      patchId?: string;
      exceptSocketId?: string;
      endReason?: 'finished' | 'inactivity' | 'agent';
      sendFirst?: boolean;
    } = {}
  ): Promise<SessionState> {
    return serialised(stored.id, () => writeNext(stored, changes, by, after, options), { stored, ended: sessionClosed });
  }

  async function writeNext(
    stored: StoredSession,
    changes: SessionChange[],
    by: SessionPatch['by'],
    after: After,
    options: Parameters<typeof commit>[4] = {}
  ): Promise<SessionState> {
    const lookup = await procedures.ready(stored.siteId, [stored.state]);
    const version = stored.state.version + 1;
    const before = stored.state;
    const state = applyChanges(before, changes, version);
    if (state.status === 'active') assertRoom(before, state);
    const patch: SessionPatch = { sessionId: stored.id, version, changes, by };
    const agentChanges = changesForAgents(changes, before, lookup);
    const forAgents: SessionPatch = agentChanges === changes ? patch : { ...patch, changes: [...agentChanges] };
    const send = () => notifier.sessionPatched(stored.terminalId, patch, forAgents, options.exceptSocketId);
    // Sent first only when there is a sender to leave out (it gets its ack after the write).
    const earlyExceptSocket = options.sendFirst ? options.exceptSocketId : undefined;
    if (earlyExceptSocket) {
      send();
      // Whatever fails from here to the end of the transaction (this write, the caller's next
      // one, the commit itself), the clients that got the change take the server's state back.
      store.executor.onRollback(() =>
        notifier.sessionReset(stored.terminalId, before, stateForAgents(before, lookup), earlyExceptSocket)
      );
    }
    await confirmAhead(stored.id, before.version);
    if (state.status === 'ended') await store.sessions.end(state, clock.now().toISOString(), options.endReason ?? 'finished');
    else await store.sessions.save(state);
    await store.sessionPatches.append(patch, options.patchId ?? null, clock.now().toISOString());
    const patchId = options.patchId;
    if (patchId) store.executor.afterCommit(() => patchIds.get(stored.id)?.set(patchId, version));
    // Every few versions rather than at each keystroke (one statement less per change): after
    // each prune `patchesKept - pruneEvery + 1` remain, so there are never more than `patchesKept`.
    if (version % pruneEvery === 0) {
      const oldest = version - limits.patchesKept + pruneEvery;
      await store.sessionPatches.pruneBefore(stored.id, oldest);
      store.executor.afterCommit(() => {
        const ids = patchIds.get(stored.id);
        if (ids) for (const [id, v] of ids) if (v < oldest) ids.delete(id);
      });
    }
    stored.state = state;
    // The copy here is ahead of the store until the commit: read again if it is rolled back.
    store.executor.onRollback(() => forget(stored.id));
    if (state.status === 'ended') forget(stored.id);
    // A change made outside a command (escalation, a tablet's drop) goes out once it is committed,
    // as when each write was its own transaction; a command's goes after its ack, in its order.
    if (!earlyExceptSocket) {
      if (after === immediately) store.executor.afterCommit(send);
      else after(send);
    }
    return state;
  }

  /**
   * A session's contents are bounded: a real one (a procedure's answers, a few notes) stays far
   * below the limit, a client that loops or floods stops here with the store unchanged. A change
   * that does not grow them (shortening an answer, moving on) always passes, so a full session can
   * still be finished.
   */
  function assertRoom(before: SessionState, after: SessionState): void {
    if (after.answers === before.answers && after.notes === before.notes) return;
    const size = contentBytes(after);
    if (size > limits.maxBytes && size > contentBytes(before)) {
      throw new AppError(
        'session_full',
        `This session's answers and notes would take ${size} bytes (at most ${limits.maxBytes}): nothing was changed`
      );
    }
  }

  return {
    /** The version of its procedure the session opened (kept even when a newer one is published). */
    async procedureOf(stored: StoredSession): Promise<Procedure | undefined> {
      return procedureOf(stored.state, await procedures.ready(stored.siteId, [stored.state]));
    },
    /** What the site's kiosks offer now. */
    async publishedProcedures(siteId: string): Promise<Procedure[]> {
      return procedures.published(siteId);
    },
    find,
    /**
     * Runs a command's writes in one transaction (one commit for all its rows). If it fails, the
     * sessions it changed are read again from the store: the rolled-back version must not stay in
     * memory (`commit` registers that with the transaction).
     */
    atomically<T>(command: () => Promise<T> | T): Promise<T> {
      return store.transaction(command);
    },
    /**
     * Runs a command that changes this session in one transaction that locks it first (see
     * `serialised`): its copy is brought up to date once, and every read of it in the command is
     * then the copy here, with no question to the store. Given the sender, a command that may
     * go ahead does (`aheadOrLocked`): it must then write the session (that write checks the
     * copy), and may run twice.
     */
    exclusively<T>(sessionId: string, command: () => Promise<T>, sender?: Identity): Promise<T> {
      return sender ? aheadOrLocked(sender, sessionId, false, command) : serialised(sessionId, command);
    },
    load,
    loadActive,
    assertAccess,
    viewFor,
    audit,
    commit,

    /** The kiosk's session going on, if any (resumed after a reload or a restart). */
    activeForKiosk(terminal: TerminalIdentity): Promise<StoredSession | null> {
      return store.sessions.findActiveForTerminal(terminal.terminalId);
    },

    /** Starts a session, or returns the one going on: a replayed "start" never makes two. */
    start(terminal: TerminalIdentity, input: z.output<typeof sessionStartInput>): Promise<SessionState> {
      // Read and insert in one transaction: a "start" sent twice at once still makes one session.
      return store.transaction(async () => {
        const existing = await store.sessions.findActiveForTerminal(terminal.terminalId);
        if (existing) return existing.state;
        const id = randomUUID();
        const reference = newReference();
        const state = newSessionState({ id, reference, locale: input.locale, startedAt: clock.now().toISOString() });
        const stored = { id, siteId: terminal.siteId, terminalId: terminal.terminalId, reference, state };
        await store.sessions.insert(stored);
        live.set(id, stored);
        store.executor.onRollback(() => forget(id));
        return state;
      });
    },

    /**
     * Applies a client's operations; answers with the patch as that client may see it.
     * `inSessionRoom`: the sender's socket is in the session's room (an agent joined to it).
     */
    patch(
      identity: Identity,
      input: z.output<typeof sessionPatchInput>,
      socketId: string,
      after: After,
      inSessionRoom = false
    ): Promise<SessionPatch> {
      // Under the session's lock and in one transaction: the ops are turned into changes against
      // the version they will follow, with no other change of the session in between.
      return aheadOrLocked(identity, input.sessionId, inSessionRoom, () => patchNow(identity, input, socketId, after));
    },

    sync,
    end
  };

  async function patchNow(
    identity: Identity,
    input: z.output<typeof sessionPatchInput>,
    socketId: string,
    after: After
  ): Promise<SessionPatch> {
    const stored = await loadActive(identity.siteId, input.sessionId);
    // Going ahead (decided under the lock, see `serialised`), an agent's joined call is checked
    // with the row, before the write (`confirmAhead`); otherwise now.
    const ahead = sentAhead()?.get(stored.id);
    if (!ahead?.agent) await assertAccess(identity, stored);
    const lookup = await procedures.ready(stored.siteId, [stored.state]);
    const done = (await knownPatchIds(stored.id)).has(input.patchId)
      ? await store.sessionPatches.findByPatchId(stored.id, input.patchId)
      : null;
    // A replay (the client never got its ack): same answer, nothing applied twice.
    if (done && ahead?.agent) await assertAccess(identity, stored);
    if (done)
      return identity.kind === 'terminal'
        ? done
        : { ...done, changes: [...changesForAgents(done.changes, stored.state, lookup)] };
    const agent = identity.kind === 'account' ? identity : null;
    const changes = opsToChanges(stored.state, input.ops, {
      procedures: lookup,
      agentName: agent?.firstName ?? null,
      now: clock.now().toISOString(),
      newId: () => randomUUID()
    });
    if (agent) {
      for (const change of changes) {
        const key = `${stored.id}:${agent.accountId}`;
        if (change.op === 'note') await audit(stored, agent, 'note');
        else if (change.op === 'answer' && lastAuditedEdit.get(key) !== change.stepId) {
          const stepId = change.stepId;
          lastAuditedEdit.set(key, stepId);
          // The row goes if the change is refused: the next edit of that step is audited then.
          store.executor.onRollback(() => {
            if (lastAuditedEdit.get(key) === stepId) lastAuditedEdit.delete(key);
          });
          await audit(stored, agent, 'edit', stepId);
        }
      }
    }
    const by: SessionPatch['by'] = agent ? { kind: 'agent', name: agent.firstName } : { kind: 'citizen' };
    const before = stored.state;
    const state = await commit(stored, changes, by, after, {
      patchId: input.patchId,
      exceptSocketId: socketId,
      sendFirst: true
    });
    const patch: SessionPatch = { sessionId: stored.id, version: state.version, changes, by };
    return agent ? { ...patch, changes: [...changesForAgents(changes, before, lookup)] } : patch;
  }

  async function sync(identity: Identity, input: z.output<typeof sessionSyncInput>): Promise<SessionSync> {
    const stored = await load(identity.siteId, input.sessionId);
    await assertAccess(identity, stored);
    const current = stored.state.version;
    const missing = current - input.version;
    const oldest = await store.sessionPatches.oldestVersion(stored.id);
    if (missing < 0 || missing > maxPatchesInSync || (missing > 0 && (oldest === null || oldest > input.version + 1))) {
      return { kind: 'snapshot', state: await viewFor(identity, stored.state) };
    }
    // A tablet always gets the whole state: its copy of each patch depends on what it may see,
    // and a session is a few kilobytes.
    if (identity.kind !== 'terminal') return { kind: 'snapshot', state: await viewFor(identity, stored.state) };
    return { kind: 'patches', patches: await store.sessionPatches.since(stored.id, input.version, maxPatchesInSync) };
  }

  /**
   * Marks the session ended (the caller has closed its call first). Ended from the kiosk ("Tout
   * effacer", or the citizen walked away), its contents are erased at once; ended by an agent,
   * they stay until the site's retention purge, for the printed reference.
   */
  async function end(
    stored: StoredSession,
    reason: 'finished' | 'inactivity' | 'agent',
    by: SessionPatch['by'],
    after: After
  ): Promise<void> {
    // The end and the erase with no other change of the session in between, in one transaction.
    // Ended meanwhile on another node: as for a session found ended, there is nothing to do.
    await serialised(stored.id, () => endNow(stored, reason, by, after), { stored, ended: () => undefined });
    for (const key of lastAuditedEdit.keys()) if (key.startsWith(`${stored.id}:`)) lastAuditedEdit.delete(key);
  }

  async function endNow(
    stored: StoredSession,
    reason: 'finished' | 'inactivity' | 'agent',
    by: SessionPatch['by'],
    after: After
  ): Promise<void> {
    await writeNext(stored, [{ op: 'ended' }], by, after, { endReason: reason });
    if (reason !== 'agent') {
      const erased: SessionState = {
        ...stored.state,
        screen: 'catalog',
        procedureId: null,
        procedureVersion: null,
        stepId: null,
        answers: {},
        withheld: [],
        notes: []
      };
      await store.sessions.save(erased);
      await store.sessionPatches.deleteForSession(stored.id);
      stored.state = erased;
    }
  }
}
