/**
 * Help calls: the kiosk calls, available agents' tablets ring once, the first accept wins and joins
 * the session. If nobody accepts, the call widens to busy agents, then the kiosk is told honestly
 * that nobody could come and the call counts as unanswered (per site, service and hour — never per
 * agent). Escalation and lost tablets are handled by `tick()`, from what is stored, so a restart
 * resumes exactly where it was.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { AppError } from '../../../shared/errors';
import type { AccountIdentity, Identity, TerminalIdentity } from '../../../shared/identity';
import { isSiteOpen } from '../../../shared/opening-hours';
import { stepHeading } from '../../../shared/procedures/answers';
import type {
  AgentState,
  AgentStatus,
  CallCard,
  CallRemovedReason,
  JoinedCall,
  callCreateInput,
  callHandoverInput,
  callRefInput
} from '../../../shared/schemas/call';
import type {
  CallEstimate,
  SessionCall,
  SessionChange,
  SessionPatch,
  sessionEndInput,
  sessionRefInput
} from '../../../shared/schemas/session';
import type { AgentConnections } from '../agents/agent-connections';
import type { AgentsService } from '../agents/agents.service';
import type { Clock } from '../clock';
import type { SessionsService } from '../sessions/sessions.service';
import { immediately, type After } from '../events/after';
import type { StoredSession } from '../sessions/sessions.repository';
import type { Notifier } from '../events/notifier';
import type { Store } from '../store';
import type { Site } from '../sites/sites.repository';
import type { Terminal } from '../terminals/terminals.repository';
import type { HelpCall } from './help-calls.repository';
import type { Cluster } from '../cluster/cluster';
import { createHourlyDurations } from '../queue/hourly-durations';
import { minSamples, percentile } from '../queue/site-history';

export type CallsService = ReturnType<typeof createCallsService>;

/** What a call's card says of its terminal. */
type Place = Pick<Terminal, 'name' | 'location'>;

export function createCallsService({
  store,
  clock,
  sessions,
  agents,
  connections,
  notifier,
  graceMs,
  cluster
}: {
  store: Store;
  clock: Clock;
  sessions: SessionsService;
  agents: AgentsService;
  connections: AgentConnections;
  notifier: Notifier;
  graceMs: number;
  /** Which sites' escalation and lost tablets this node handles (all of them on SQLite). */
  cluster: Pick<Cluster, 'ownsSite'>;
}) {
  const iso = () => clock.now().toISOString();

  /** Each site's times to answer at this hour (see hourly-durations.ts), read once an hour. */
  const answerTimes = createHourlyDurations({
    clock,
    load: async (siteId, from, to) =>
      (await store.helpCalls.answeredBetween(siteId, from, to)).map((c) => ({
        at: c.createdAt,
        seconds: (Date.parse(c.answeredAt) - Date.parse(c.createdAt)) / 1000
      }))
  });

  /**
   * "Usually 1 to 3 minutes at this hour", from this site's own answered calls of the last weeks.
   * `site`: the caller's copy when it has one (reading a site parses its settings).
   */
  async function estimate(siteId: string, availableAgents?: number, siteGiven?: Site | null): Promise<CallEstimate> {
    availableAgents ??= (await agents.ringable(siteId, 0)).length;
    const site = siteGiven === undefined ? await store.sites.findById(siteId) : siteGiven;
    if (!site) return { availableAgents, usualSeconds: null };
    const waits = await answerTimes.sorted(siteId, site.timezone);
    if (waits.length < minSamples) return { availableAgents, usualSeconds: null };
    const low = Math.floor(percentile(waits, 25, 'linear') / 15) * 15;
    const high = Math.max(low + 15, Math.ceil(percentile(waits, 75, 'linear') / 15) * 15);
    return { availableAgents, usualSeconds: { low, high } };
  }

  /** `estimated` is computed only for a call still open (a closed call shows none). */
  async function callView(call: HelpCall, estimated?: CallEstimate): Promise<SessionCall | null> {
    if (call.status === 'done' || call.status === 'cancelled') return null;
    return {
      id: call.id,
      status: call.status,
      stage: call.stage,
      createdAt: call.createdAt,
      ringingSince: call.ringingSince,
      agentName: call.agentId ? ((await store.accounts.findById(call.agentId))?.firstName ?? null) : null,
      unansweredReason: call.unansweredReason,
      estimate: estimated ?? (await estimate(call.siteId))
    };
  }

  /** `terminalGiven`: the caller's copy of the call's terminal, when it has one. */
  async function card(call: HelpCall, stored: StoredSession | null, terminalGiven?: Place | null): Promise<CallCard> {
    const terminal =
      terminalGiven !== undefined ? terminalGiven : call.terminalId ? await store.terminals.findById(call.terminalId) : null;
    const procedure = stored ? await sessions.procedureOf(stored) : undefined;
    const step = procedure?.steps.find((s) => s.id === stored?.state.stepId);
    return {
      callId: call.id,
      sessionId: call.sessionId ?? '',
      terminalName: terminal?.name ?? '',
      terminalLocation: terminal?.location ?? '',
      locale: stored?.state.locale ?? 'fr',
      procedureId: stored?.state.procedureId ?? null,
      stepId: stored?.state.stepId ?? null,
      procedureTitle: procedure?.title ?? null,
      stepHeading: step ? stepHeading(step) : null,
      reason: call.reason,
      createdAt: call.createdAt,
      stage: call.stage,
      handoverFrom: call.handoverFrom
    };
  }

  /** The joined session as this agent sees it, with the version of the procedure it opened. */
  async function joinedView(agent: AccountIdentity, call: HelpCall, stored: StoredSession): Promise<JoinedCall> {
    return {
      card: await card(call, stored),
      session: await sessions.viewFor(agent, stored.state),
      procedure: (await sessions.procedureOf(stored)) ?? null
    };
  }

  async function reload(callId: string): Promise<HelpCall> {
    const call = await store.helpCalls.findById(callId);
    if (!call) throw new Error(`call ${callId} vanished`);
    return call;
  }

  async function sessionOf(call: HelpCall): Promise<StoredSession | null> {
    return call.sessionId ? await sessions.find(call.sessionId) : null;
  }

  /** Tells the kiosk (through its session) how its call stands, with any other change. */
  async function patchCall(
    call: HelpCall,
    after: After,
    extra: SessionChange[] = [],
    by: SessionPatch['by'] = { kind: 'system' },
    given?: { view: SessionCall | null; stored: StoredSession | null }
  ): Promise<void> {
    const view = given ? given.view : await callView(call);
    const stored = given ? given.stored : await sessionOf(call);
    if (!stored || stored.state.status !== 'active') return;
    await sessions.commit(stored, [...extra, { op: 'call', call: view }], by, after);
  }

  async function loadCall(siteId: string, callId: string): Promise<HelpCall> {
    const call = await store.helpCalls.findById(callId);
    if (!call || call.siteId !== siteId) throw new AppError('not_found', `No call ${callId} at this site`);
    return call;
  }

  async function loadJoined(agent: AccountIdentity, callId: string): Promise<HelpCall> {
    const call = await loadCall(agent.siteId, callId);
    if (call.status !== 'accepted' || call.agentId !== agent.accountId) {
      throw new AppError('forbidden', 'You are not joined to this call');
    }
    return call;
  }

  async function ringNow(
    call: HelpCall,
    accountIds: readonly string[],
    after: After,
    given?: StoredSession | null
  ): Promise<void> {
    const stored = given === undefined ? await sessionOf(call) : given;
    const c = await card(call, stored);
    after(() => notifier.ring(accountIds, c));
  }

  function removeCard(call: HelpCall, reason: CallRemovedReason, after: After): void {
    after(() => notifier.callRemoved(call.siteId, call.id, reason));
  }

  /** The joined agent leaves: their view closes, their status goes back to what they had. */
  async function detachAgent(
    call: HelpCall,
    agentId: string,
    reason: Parameters<Notifier['leaveSession']>[2],
    after: After
  ): Promise<void> {
    await agents.endCall(call.siteId, agentId, after);
    if (call.sessionId) {
      const sessionId = call.sessionId;
      after(() => notifier.leaveSession(agentId, sessionId, reason));
    }
  }

  /** Closes whatever call the session has open (ringing: cancelled; accepted: done). */
  async function closeOpenCall(stored: StoredSession, reason: 'ended' | 'stopped', after: After): Promise<HelpCall | null> {
    const call = await store.helpCalls.findOpenForSession(stored.id);
    if (!call) return null;
    await store.helpCalls.close(call.id, call.status === 'ringing' ? 'cancelled' : 'done', iso());
    if (call.status === 'ringing') removeCard(call, 'cancelled', after);
    if (call.agentId) await detachAgent(call, call.agentId, reason, after);
    return call;
  }

  async function ringAgain(call: HelpCall, after: After, target: string | null, handoverFrom: string | null): Promise<HelpCall> {
    await store.helpCalls.ringAgain(call.id, iso(), target, handoverFrom);
    const again = await reload(call.id);
    await ringNow(again, target ? [target] : await agents.ringable(call.siteId, 0), after);
    return again;
  }

  /**
   * A read that needs none of a command's locks (a site's settings, a terminal's name), started on
   * PostgreSQL before the command's transaction, on a connection of its own: its round trip is
   * made while the transaction makes its own, not after them. Started before the transaction asks
   * for a connection, it never waits for one that the transaction, waiting for it, holds. On
   * SQLite it is made when first needed, in the transaction: there is one connection, and no round
   * trip. Either way it is made once.
   */
  function readBeside<T>(read: () => Promise<T>): () => Promise<T> {
    if (store.engine !== 'postgres') {
      let made: Promise<T> | undefined;
      return () => (made ??= read());
    }
    const started = read();
    // Awaited only if the command gets that far: a failure before then must not go unheard.
    started.catch(() => undefined);
    return () => started;
  }

  function siteGone(): never {
    throw new AppError('not_found', 'This site no longer exists');
  }

  function callClosed(): never {
    throw new AppError('call_closed', 'This call is over: it was cancelled or it ended');
  }

  /** What a kiosk's call not written as new answers: the call of its request, or the one still open. */
  async function existingCall(sessionId: string, requestId: string): Promise<SessionCall | null> {
    const { replay, open } = await store.helpCalls.findRequestOrOpen(sessionId, requestId);
    if (replay) return (await callView(replay)) ?? callClosed();
    return open ? (await callView(open))! : null;
  }

  /**
   * The conditional write that makes the first accept win. A call rings before its transaction
   * commits (see `makeCall`): an accept that comes first does not see it yet, waits for that
   * transaction to end, and is tried once more.
   */
  async function acceptWritten(callId: string, agent: AccountIdentity, at: string): Promise<boolean> {
    // Rung here before it was written: nothing to accept until that transaction has ended. It
    // holds its own connection already, so this wait holds up nothing it needs.
    await beingWritten.get(callId);
    if (await store.helpCalls.accept(callId, agent.siteId, agent.accountId, at)) return true;
    if (await store.helpCalls.findById(callId)) return false;
    await store.helpCalls.awaitCreated(callId);
    return store.helpCalls.accept(callId, agent.siteId, agent.accountId, at);
  }

  /**
   * Writes a kiosk's new call, unless its request made one already (a replay, refused by the unique
   * index) or the session has one open: then returns that one, and null once written. A call open
   * when first tried and ended since (an escalation, on another node) lets this one be written.
   */
  async function writeNew(saved: HelpCall & { sessionId: string }): Promise<SessionCall | null> {
    if (await store.helpCalls.insertIfNew(saved)) return null;
    const existing = await existingCall(saved.sessionId, saved.requestId);
    if (existing) return existing;
    if (await store.helpCalls.insertIfNew(saved)) return null;
    return (await existingCall(saved.sessionId, saved.requestId)) ?? callClosed();
  }

  /** The cards of the calls this agent can take now: handed to them, or for their status and the call's stage. */
  async function ringingFor(agent: AccountIdentity, status: AgentStatus): Promise<CallCard[]> {
    const calls = (await store.helpCalls.listRinging(agent.siteId)).filter((c) =>
      c.targetAgentId ? c.targetAgentId === agent.accountId : status === 'available' || (c.stage === 1 && status === 'busy')
    );
    const cards: CallCard[] = [];
    for (const c of calls) cards.push(await card(c, await sessionOf(c)));
    return cards;
  }

  /** What a tablet needs after (re)connecting; reading a joined session is an access, so it is audited. */
  async function agentState(agent: AccountIdentity): Promise<AgentState> {
    const status = await agents.status(agent.accountId);
    const joinedCall = await store.helpCalls.findJoinedBy(agent.accountId);
    let joined: JoinedCall | null = null;
    if (joinedCall) {
      const stored = await sessionOf(joinedCall);
      if (stored) {
        await sessions.audit(stored, agent, 'view');
        joined = await joinedView(agent, joinedCall, stored);
      }
    }
    return {
      accountId: agent.accountId,
      status,
      procedures: await sessions.publishedProcedures(agent.siteId),
      ringing: await ringingFor(agent, status),
      joined
    };
  }

  /** An agent whose tablet is gone for good: presence announced, their joined call rings again. */
  /** The kiosk of the call a dropped agent is joined to sees them « disconnected » at once. */
  async function tellKioskAgentLost(agent: { accountId: string; firstName: string }, after: After): Promise<void> {
    await sessions.atomically(async () => {
      const call = await store.helpCalls.findJoinedBy(agent.accountId);
      const stored = call ? await sessionOf(call) : null;
      if (stored?.state.status === 'active' && stored.state.agent?.connected !== false) {
        // The call rings again only after the grace period (tick).
        await sessions.commit(
          stored,
          [{ op: 'agent', agent: { firstName: agent.firstName, connected: false } }],
          { kind: 'system' },
          after
        );
      }
    });
  }

  async function agentGone(gone: { accountId: string; siteId: string; firstName: string }, after: After): Promise<void> {
    agents.announce(gone.siteId, gone.accountId, after);
    const call = await store.helpCalls.findJoinedBy(gone.accountId);
    if (!call) return;
    const stored = await sessionOf(call);
    if (stored) {
      await sessions.audit(stored, gone, 'lost');
    }
    await detachAgent(call, gone.accountId, 'lost', after);
    const again = await ringAgain(call, after, null, null);
    await patchCall(again, after, [{ op: 'agent', agent: null }]);
  }

  /**
   * One transaction per command: its rows are written together or not at all, in one commit, and
   * no other command reads or writes the store in between (a call accepted twice, a session
   * changed under the command).
   */
  function atomic<A extends unknown[], R>(command: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return (...args) => sessions.atomically(() => command(...args));
  }

  /**
   * The terminals as a call made here last read them, on PostgreSQL: their name and place go on
   * the card. Before a terminal's first call here, as it was when it connected; null once changed
   * since (`forgetCopy`), until read again.
   */
  const knownTerminals = new Map<string, Place | null>();
  /** The site or the terminal changed since a call made here last read it. */
  class KnownChanged extends Error {}
  /**
   * On PostgreSQL a call is written from the site as this node last read it (`store.sites.lastRead`:
   * a kiosk's setup reads it when it connects) while the command's own read of the site is made
   * beside it (`readBeside`), and may ring the tablets before either answers (`ringBeforeWritten`).
   * The read is compared with the copy before the commit: a site opened or closed meanwhile rolls
   * the call back (the tablets it rang are told) and it is made again from the site read.
   */
  const knownSite = (siteId: string): Site | undefined =>
    store.engine === 'postgres' ? store.sites.lastRead(siteId) : undefined;
  function knownTerminal(t: TerminalIdentity): Place | undefined {
    if (store.engine !== 'postgres') return undefined;
    const known = knownTerminals.get(t.terminalId);
    return known === null ? undefined : (known ?? { name: t.name, location: t.location });
  }
  const samePlace = (a: Place | null, b: Place) => a !== null && a.name === b.name && a.location === b.location;

  /**
   * Calls rung from here before their row was written, until their transaction ends: an accept
   * made here waits for that (`acceptWritten`). One made on another node waits on the lock the
   * call's INSERT takes before anything else (`awaitCreated`): that INSERT leaves before the ring,
   * and an accept can only follow the ring's round trip through the database, a tablet and back.
   */
  const beingWritten = new Map<string, Promise<void>>();
  function markBeingWritten(callId: string): void {
    let ended!: () => void;
    beingWritten.set(callId, new Promise<void>((resolve) => (ended = resolve)));
    const end = () => {
      beingWritten.delete(callId);
      ended();
    };
    store.executor.afterCommit(end);
    store.executor.onRollback(end);
  }

  /**
   * The requests of the last calls made here (a kiosk's `requestId`, a UUID), oldest first: one
   * sent again (a kiosk that lost its answer, or a replay) is answered from the store, and must
   * not ring first. A request made on another node, sent again here, finds that call open in the
   * session (it rings nobody); one whose call has already ended there is the rare case that rings
   * for a moment and is taken back.
   */
  const recentRequests = new Set<string>();
  const requestsKept = 10_000;
  function rememberRequest(requestId: string): void {
    recentRequests.add(requestId);
    if (recentRequests.size > requestsKept) recentRequests.delete(recentRequests.values().next().value!);
  }

  /**
   * Writes the call and rings every tablet, on every node, before the row exists, when all that
   * decides it is known here: the site open, as last read; the terminal, as last read; no call
   * open in the session's copy; a request not seen before.
   * The INSERT is sent first (see `beingWritten`); it, the reads beside it and the commit then run
   * while the tablets ring, and what they find otherwise takes the ring back (see `makeCall`).
   */
  async function ringBeforeWritten(
    call: HelpCall & { sessionId: string },
    stored: StoredSession,
    place: Place,
    ringable: string[]
  ): Promise<SessionCall | null> {
    const ringing = await card(call, stored, place);
    markBeingWritten(call.id);
    store.executor.onRollback(() => notifier.callRemoved(call.siteId, call.id, 'cancelled'));
    const written = writeNew(call);
    notifier.ring(ringable, ringing);
    const answered = await written;
    // Rung for nothing: the call that answers is another.
    if (answered) notifier.callRemoved(call.siteId, call.id, 'cancelled');
    return answered;
  }

  async function makeCall(
    terminal: TerminalIdentity,
    input: z.output<typeof callCreateInput>,
    after: After,
    assumeSite: boolean
  ): Promise<SessionCall> {
    const siteRead = readBeside(() => store.sites.findById(terminal.siteId));
    const terminalRead = readBeside(() => store.terminals.findById(terminal.terminalId));
    /** The terminal as read now, kept as this node's copy on PostgreSQL (`knownTerminal`). */
    const placeRead = async () => {
      const read = await terminalRead();
      if (read && store.engine === 'postgres') knownTerminals.set(read.id, { name: read.name, location: read.location });
      return read;
    };
    // The session it changes is read once, not asked for its version first: on PostgreSQL from
    // the copy here, checked when the session is written, after the ring (a copy found behind
    // takes the ring back and the call is made again, the row locked first), as a keystroke is;
    // otherwise locked from the start.
    return sessions.exclusively(
      input.sessionId,
      async () => {
        const stored = await sessions.loadActive(terminal.siteId, input.sessionId);
        await sessions.assertAccess(terminal, stored);
        const known = assumeSite ? knownSite(terminal.siteId) : undefined;
        const site = known ?? (await siteRead());
        if (!site) siteGone();
        const now = clock.now();
        const at = now.toISOString();
        // An agent whose node stopped still counts (her tablet reconnects to another one in a
        // few seconds): the call rings and reaches her there. One who put her tablet away does
        // not: the citizen is told at once that nobody can come.
        const noAgent = agents.reachableCount(site.id) === 0;
        const unansweredReason = !isSiteOpen(site, now) ? 'closed' : noAgent ? 'no_agent' : null;
        const procedure = await sessions.procedureOf(stored);
        const saved: HelpCall & { sessionId: string } = {
          id: randomUUID(),
          siteId: site.id,
          sessionId: stored.id,
          terminalId: terminal.terminalId,
          requestId: input.requestId,
          reason: input.reason,
          service: procedure?.service ?? null,
          status: unansweredReason ? 'unanswered' : 'ringing',
          unansweredReason,
          createdAt: at,
          ringingSince: at,
          endedAt: unansweredReason ? at : null,
          stage: 0,
          answeredAt: null,
          agentId: null,
          targetAgentId: null,
          handoverFrom: null
        };
        // Rung first when nothing needs the store to decide it (on PostgreSQL, see
        // `ringBeforeWritten`): the INSERT's round trip then runs while the tablets ring.
        const place = assumeSite ? knownTerminal(terminal) : undefined;
        const callOpen = stored.state.call?.status === 'ringing' || stored.state.call?.status === 'accepted';
        const sentBefore = recentRequests.has(input.requestId);
        rememberRequest(input.requestId);
        const early = known && place && !unansweredReason && !callOpen && !sentBefore ? place : null;
        const answered = early
          ? await ringBeforeWritten(saved, stored, early, await agents.ringable(site.id, 0))
          : await writeNew(saved);
        if (answered) return answered;
        const read = await siteRead();
        if (!read) siteGone();
        if (known && isSiteOpen(read, now) !== isSiteOpen(known, now)) throw new KnownChanged();
        const ringable = await agents.ringable(site.id, 0);
        if (early) {
          if (!samePlace(await placeRead(), early)) throw new KnownChanged();
        } else if (!unansweredReason) {
          // The tablets are what the citizen is waiting for: they ring as soon as the call is
          // written, before the session's change and the commit, not after the ack. An accept that
          // reaches the store before the commit waits for it (`acceptWritten`); a call rolled back
          // is taken off the tablets it rang.
          notifier.ring(ringable, await card(saved, stored, await placeRead()));
          store.executor.onRollback(() => notifier.callRemoved(saved.siteId, saved.id, 'cancelled'));
        }
        const view = (await callView(saved, await estimate(site.id, ringable.length, read)))!;
        await patchCall(saved, after, [], { kind: 'citizen' }, { view, stored });
        return view;
      },
      terminal
    );
  }

  /** The round of `tick` running now, and the one waiting for it (see `tick`). */
  let ticking: Promise<void> | null = null;
  let nextTick: Promise<void> | null = null;
  let recovering: Promise<void> | null = null;

  const service = {
    estimate,

    /** A site's opening or a terminal's name or place changed, here or on another node: read it again. */
    forgetCopy({ siteId, terminalId }: { siteId?: string; terminalId?: string }): void {
      if (siteId) store.sites.forget(siteId);
      if (terminalId) knownTerminals.set(terminalId, null);
    },

    async create(terminal: TerminalIdentity, input: z.output<typeof callCreateInput>, after: After): Promise<SessionCall> {
      try {
        return await makeCall(terminal, input, after, true);
      } catch (error) {
        // Opened or closed, renamed or moved since it was last read here: made again from the
        // site and terminal as they are now.
        if (error instanceof KnownChanged) return makeCall(terminal, input, after, false);
        throw error;
      }
    },

    cancel: atomic(
      async (terminal: TerminalIdentity, input: z.output<typeof callRefInput>, after: After): Promise<{ callId: string }> => {
        const call = await loadCall(terminal.siteId, input.callId);
        if (call.terminalId !== terminal.terminalId) throw new AppError('not_found', `No call ${input.callId} on this kiosk`);
        if (call.status !== 'ringing' && call.status !== 'accepted') return { callId: call.id };
        await store.helpCalls.close(call.id, call.status === 'ringing' ? 'cancelled' : 'done', iso());
        if (call.status === 'ringing') removeCard(call, 'cancelled', after);
        const extra: SessionChange[] = [];
        if (call.agentId) {
          await detachAgent(call, call.agentId, 'stopped', after);
          extra.push({ op: 'agent', agent: null });
        }
        await patchCall(await reload(call.id), after, extra, { kind: 'citizen' });
        return { callId: call.id };
      }
    ),

    accept: atomic(async (agent: AccountIdentity, input: z.output<typeof callRefInput>, after: After): Promise<JoinedCall> => {
      const current = await store.helpCalls.findJoinedBy(agent.accountId);
      if (current && current.id !== input.callId) {
        throw new AppError('already_joined', 'Finish or hand over your current call before taking another');
      }
      if (current) {
        const stored = await sessionOf(current);
        if (stored) return joinedView(agent, current, stored);
      }
      const acceptedAt = iso();
      const won = await acceptWritten(input.callId, agent, acceptedAt);
      if (!won) {
        const call = await loadCall(agent.siteId, input.callId);
        if (call.status === 'accepted') throw new AppError('call_taken', 'A colleague has already taken this call');
        if (call.status === 'ringing') throw new AppError('forbidden', 'This call was handed to a colleague');
        throw new AppError('call_closed', 'This call is over: the citizen cancelled it or it ended');
      }
      const call = await reload(input.callId);
      const stored = await sessionOf(call);
      // Before anything is changed in memory: the transaction's rollback undoes only the store.
      if (!stored) throw new AppError('session_closed', 'This session has ended');
      const site = await store.sites.findById(call.siteId);
      // A first answer only: a call handed over keeps the time it was first answered in. Counted
      // once the accept is written (after the ack): a rolled-back one never happened.
      if (site && call.answeredAt === acceptedAt) {
        const seconds = (Date.parse(acceptedAt) - Date.parse(call.createdAt)) / 1000;
        after(() => answerTimes.add(call.siteId, site.timezone, { at: call.createdAt, seconds }));
      }
      await agents.beginCall(agent.siteId, agent.accountId, after);
      removeCard(call, 'taken', after);
      await sessions.audit(stored, agent, 'accept');
      await sessions.audit(stored, agent, 'view');
      await patchCall(call, after, [{ op: 'agent', agent: { firstName: agent.firstName, connected: true } }], {
        kind: 'agent',
        name: agent.firstName
      });
      after(() => notifier.joinSession(agent.accountId, stored.id));
      return joinedView(agent, call, stored);
    }),

    /** "Rendre la main": the agent leaves, the citizen goes on alone. */
    release: atomic(
      async (agent: AccountIdentity, input: z.output<typeof callRefInput>, after: After): Promise<{ callId: string }> => {
        const call = await loadJoined(agent, input.callId);
        await store.helpCalls.close(call.id, 'done', iso());
        const stored = await sessionOf(call);
        if (stored) await sessions.audit(stored, agent, 'release');
        await detachAgent(call, agent.accountId, 'released', after);
        await patchCall(await reload(call.id), after, [{ op: 'agent', agent: null }], { kind: 'agent', name: agent.firstName });
        return { callId: call.id };
      }
    ),

    handover: atomic(
      async (agent: AccountIdentity, input: z.output<typeof callHandoverInput>, after: After): Promise<{ callId: string }> => {
        const call = await loadJoined(agent, input.callId);
        // Checked first: choosing oneself is a mistake in the form, not an unknown colleague.
        if (input.toAccountId === agent.accountId)
          throw new AppError('handover_to_self', 'Hand the call to someone else', [
            { path: 'toAccountId', message: 'is yourself' }
          ]);
        const colleague = await store.accounts.findById(input.toAccountId);
        if (!colleague || colleague.siteId !== agent.siteId || colleague.role !== 'agent' || !colleague.active) {
          throw new AppError('not_found', `No colleague ${input.toAccountId} at this site`);
        }
        if (!connections.isConnected(colleague.id)) {
          throw new AppError('not_found', `${colleague.firstName} is not connected right now`);
        }
        const stored = await sessionOf(call);
        if (stored) await sessions.audit(stored, agent, 'handover', colleague.firstName);
        await detachAgent(call, agent.accountId, 'handed_over', after);
        const again = await ringAgain(call, after, colleague.id, agent.firstName);
        await patchCall(again, after, [{ op: 'agent', agent: null }], { kind: 'agent', name: agent.firstName });
        return { callId: call.id };
      }
    ),

    /** "Ne plus montrer mon écran" on the kiosk: the agent's view closes at once. */
    stopSharing: atomic(
      async (
        terminal: TerminalIdentity,
        input: z.output<typeof sessionRefInput>,
        after: After
      ): Promise<{ sessionId: string }> => {
        const stored = await sessions.loadActive(terminal.siteId, input.sessionId);
        await sessions.assertAccess(terminal, stored);
        const call = await store.helpCalls.findOpenForSession(stored.id);
        if (call?.status === 'accepted') {
          await sessions.audit(stored, null, 'stopped');
          await closeOpenCall(stored, 'stopped', after);
          await patchCall(await reload(call.id), after, [{ op: 'agent', agent: null }], { kind: 'citizen' });
        }
        return { sessionId: stored.id };
      }
    ),

    endSession: atomic(
      async (identity: Identity, input: z.output<typeof sessionEndInput>, after: After): Promise<{ sessionId: string }> => {
        const stored = await sessions.load(identity.siteId, input.sessionId);
        await sessions.assertAccess(identity, stored);
        if (stored.state.status === 'ended') return { sessionId: stored.id };
        const agent = identity.kind === 'account' ? identity : null;
        if (agent && input.reason !== 'agent') {
          throw new AppError('invalid_payload', 'An agent ends a session with reason "agent"', [
            { path: 'reason', message: 'must be agent' }
          ]);
        }
        if (!agent && input.reason === 'agent') {
          throw new AppError('invalid_payload', 'A kiosk ends its session with reason finished or inactivity', [
            { path: 'reason', message: 'must be finished or inactivity' }
          ]);
        }
        if (agent) await sessions.audit(stored, agent, 'end');
        await closeOpenCall(stored, 'ended', after);
        const by = agent ? ({ kind: 'agent', name: agent.firstName } as const) : ({ kind: 'citizen' } as const);
        await sessions.end(stored, input.reason, by, after);
        return { sessionId: stored.id };
      }
    ),

    agentState,

    /** Rings a tablet for the calls it can take now (after the agent says they are available). */
    async ringPendingFor(agent: AccountIdentity, after: After): Promise<void> {
      for (const c of await ringingFor(agent, await agents.status(agent.accountId)))
        after(() => notifier.ring([agent.accountId], c));
    },

    async agentConnected(agent: AccountIdentity, after: After): Promise<void> {
      const { first } = connections.connected(agent.accountId, agent.siteId, agent.firstName);
      if (first) agents.announce(agent.siteId, agent.accountId, after);
      // Read and written in one transaction, as a command: the call may be released meanwhile.
      await sessions.atomically(async () => {
        const call = await store.helpCalls.findJoinedBy(agent.accountId);
        if (!call?.sessionId) return;
        const sessionId = call.sessionId;
        after(() => notifier.joinSession(agent.accountId, sessionId));
        const stored = await sessionOf(call);
        if (stored && stored.state.agent && !stored.state.agent.connected) {
          await sessions.commit(
            stored,
            [{ op: 'agent', agent: { firstName: agent.firstName, connected: true } }],
            { kind: 'system' },
            after
          );
        }
      });
    },

    async agentDisconnected(agent: AccountIdentity, after: After): Promise<void> {
      if (!connections.disconnected(agent.accountId, clock.now().getTime())) return;
      await tellKioskAgentLost(agent, after);
    },

    /**
     * Agents whose tablets were on a node that stopped, with none anywhere else: for the sites this
     * node handles, their kiosks are told, as when a tablet drops (the node that had the socket
     * can no longer say it). Their grace period has started (`AgentConnections.nodeGone`).
     */
    async agentsLostWithNode(lost: { accountId: string; siteId: string; firstName: string }[]): Promise<void> {
      for (const agent of lost) if (cluster.ownsSite(agent.siteId)) await tellKioskAgentLost(agent, immediately);
    },

    /** After a restart: agents joined to a call get the grace period to reconnect, as after any drop. */
    recover(siteIds?: string[]): Promise<void> {
      // One at a time: a second one (other sites taken meanwhile) runs after the first.
      const run = (recovering ?? Promise.resolve()).then(() => recoverNow(siteIds ? new Set(siteIds) : null));
      const settled: Promise<void> = run.then(
        () => {
          if (recovering === settled) recovering = null;
        },
        () => {
          if (recovering === settled) recovering = null;
        }
      );
      recovering = settled;
      return run;
    },

    /**
     * Escalation and lost tablets, from the stored times: run every second, and by tests after
     * moving the clock. Rounds never overlap: called while one runs, it waits for one more round
     * after it (at most one waits), so a caller that moved the clock sees a round that read it.
     */
    tick(): Promise<void> {
      if (!ticking) {
        ticking = tickNow().finally(() => {
          ticking = null;
        });
        return ticking;
      }
      nextTick ??= ticking.then(() => {
        nextTick = null;
        return service.tick();
      });
      return nextTick;
    },

    /**
     * A deactivated agent will not come back: what the end of the grace period does for a lost
     * tablet happens now. Their joined call rings again for the others, and a call handed to them
     * rings for everyone instead.
     */
    async agentRemoved(account: { id: string; siteId: string; firstName: string }, after: After): Promise<void> {
      connections.forget(account.id);
      await agentGone({ accountId: account.id, siteId: account.siteId, firstName: account.firstName }, after);
      for (const call of await store.helpCalls.listRinging(account.siteId)) {
        if (call.targetAgentId !== account.id) continue;
        await patchCall(await ringAgain(call, after, null, null), after);
      }
    }
  };
  return service;

  /**
   * `siteIds`: the sites a node has just taken from one that stopped (all of them at a start).
   * An agent whose tablet another node still has (or that came back already) is left alone.
   */
  async function recoverNow(siteIds: Set<string> | null): Promise<void> {
    const at = clock.now().getTime();
    for (const call of await store.helpCalls.listOpen()) {
      if (call.status !== 'accepted' || !call.agentId) continue;
      if (siteIds && !siteIds.has(call.siteId)) continue;
      if (connections.isOnline(call.agentId)) continue;
      const account = await store.accounts.findById(call.agentId);
      if (!account) continue;
      connections.markLost(account.id, account.siteId, account.firstName, at);
      const stored = await sessionOf(call);
      if (stored?.state.agent?.connected) {
        await sessions.commit(
          stored,
          [{ op: 'agent', agent: { firstName: account.firstName, connected: false } }],
          { kind: 'system' },
          immediately
        );
      }
    }
  }

  async function tickNow(): Promise<void> {
    const run = immediately;
    const nowMs = clock.now().getTime();
    const failures: unknown[] = [];
    for (const listed of await store.helpCalls.listOpen()) {
      // Another node handles the sites it holds the lease of (a call escalated once, not per node).
      if (listed.status !== 'ringing' || !cluster.ownsSite(listed.siteId)) continue;
      // Each call in its own transaction, read again there: a command may have accepted or
      // cancelled it since the list was read. One that fails (its session ended on another node
      // meanwhile) does not hold back the others: the round goes on, then says it failed.
      try {
        await sessions.atomically(async () => {
          const call = await store.helpCalls.findById(listed.id);
          if (call?.status !== 'ringing') return;
          const site = await store.sites.findById(call.siteId);
          if (!site) return;
          const elapsed = nowMs - Date.parse(call.ringingSince);
          if (elapsed >= site.calls.giveUpSeconds * 1000) {
            await store.helpCalls.close(call.id, 'unanswered', iso(), 'timeout');
            removeCard(call, 'unanswered', run);
            await patchCall(await reload(call.id), run);
          } else if (call.stage === 0 && elapsed >= site.calls.widenSeconds * 1000) {
            const rungBefore = new Set(call.targetAgentId ? [call.targetAgentId] : await agents.ringable(call.siteId, 0));
            await store.helpCalls.widen(call.id);
            const widened = await reload(call.id);
            await ringNow(
              widened,
              (await agents.ringable(call.siteId, 1)).filter((id) => !rungBefore.has(id)),
              run
            );
            await patchCall(widened, run);
          }
        });
      } catch (error) {
        failures.push(error);
      }
    }
    // Another site's lost agents are its node's; forgotten here a minute after their grace.
    for (const gone of connections.expire(nowMs, graceMs, (siteId) => cluster.ownsSite(siteId), 60_000)) {
      try {
        await sessions.atomically(() => agentGone(gone, run));
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, `${failures.length} calls could not be moved on`);
  }
}
