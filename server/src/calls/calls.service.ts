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
import type { HelpCall } from './help-calls.repository';
import { createHourlyDurations } from '../queue/hourly-durations';
import { minSamples, percentile } from '../queue/site-history';

export type CallsService = ReturnType<typeof createCallsService>;

export function createCallsService({
  store,
  clock,
  sessions,
  agents,
  connections,
  notifier,
  graceMs
}: {
  store: Store;
  clock: Clock;
  sessions: SessionsService;
  agents: AgentsService;
  connections: AgentConnections;
  notifier: Notifier;
  graceMs: number;
}) {
  const iso = () => clock.now().toISOString();

  /** Each site's times to answer at this hour (see hourly-durations.ts), read once an hour. */
  const answerTimes = createHourlyDurations({
    clock,
    load: (siteId, from, to) =>
      store.helpCalls
        .answeredBetween(siteId, from, to)
        .map((c) => ({ at: c.createdAt, seconds: (Date.parse(c.answeredAt) - Date.parse(c.createdAt)) / 1000 }))
  });

  /**
   * "Usually 1 to 3 minutes at this hour", from this site's own answered calls of the last weeks.
   * `site`: the caller's copy when it has one (reading a site parses its settings).
   */
  function estimate(
    siteId: string,
    availableAgents = agents.ringable(siteId, 0).length,
    site = store.sites.findById(siteId)
  ): CallEstimate {
    if (!site) return { availableAgents, usualSeconds: null };
    const waits = answerTimes.sorted(siteId, site.timezone);
    if (waits.length < minSamples) return { availableAgents, usualSeconds: null };
    const low = Math.floor(percentile(waits, 25, 'linear') / 15) * 15;
    const high = Math.max(low + 15, Math.ceil(percentile(waits, 75, 'linear') / 15) * 15);
    return { availableAgents, usualSeconds: { low, high } };
  }

  /** `estimated` is computed only for a call still open (a closed call shows none). */
  function callView(call: HelpCall, estimated?: CallEstimate): SessionCall | null {
    if (call.status === 'done' || call.status === 'cancelled') return null;
    return {
      id: call.id,
      status: call.status,
      stage: call.stage,
      createdAt: call.createdAt,
      ringingSince: call.ringingSince,
      agentName: call.agentId ? (store.accounts.findById(call.agentId)?.firstName ?? null) : null,
      unansweredReason: call.unansweredReason,
      estimate: estimated ?? estimate(call.siteId)
    };
  }

  function card(call: HelpCall, stored: StoredSession | null): CallCard {
    const terminal = call.terminalId ? store.terminals.findById(call.terminalId) : null;
    const procedure = stored ? sessions.procedureOf(stored) : undefined;
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
  function joinedView(agent: AccountIdentity, call: HelpCall, stored: StoredSession): JoinedCall {
    return {
      card: card(call, stored),
      session: sessions.viewFor(agent, stored.state),
      procedure: sessions.procedureOf(stored) ?? null
    };
  }

  function reload(callId: string): HelpCall {
    const call = store.helpCalls.findById(callId);
    if (!call) throw new Error(`call ${callId} vanished`);
    return call;
  }

  function sessionOf(call: HelpCall): StoredSession | null {
    return call.sessionId ? sessions.find(call.sessionId) : null;
  }

  /** Tells the kiosk (through its session) how its call stands, with any other change. */
  function patchCall(
    call: HelpCall,
    after: After,
    extra: SessionChange[] = [],
    by: SessionPatch['by'] = { kind: 'system' },
    view: SessionCall | null = callView(call),
    stored: StoredSession | null = sessionOf(call)
  ): void {
    if (!stored || stored.state.status !== 'active') return;
    sessions.commit(stored, [...extra, { op: 'call', call: view }], by, after);
  }

  function loadCall(siteId: string, callId: string): HelpCall {
    const call = store.helpCalls.findById(callId);
    if (!call || call.siteId !== siteId) throw new AppError('not_found', `No call ${callId} at this site`);
    return call;
  }

  function loadJoined(agent: AccountIdentity, callId: string): HelpCall {
    const call = loadCall(agent.siteId, callId);
    if (call.status !== 'accepted' || call.agentId !== agent.accountId) {
      throw new AppError('forbidden', 'You are not joined to this call');
    }
    return call;
  }

  function ringNow(call: HelpCall, accountIds: readonly string[], after: After, stored = sessionOf(call)): void {
    const c = card(call, stored);
    after(() => notifier.ring(accountIds, c));
  }

  function removeCard(call: HelpCall, reason: CallRemovedReason, after: After): void {
    after(() => notifier.callRemoved(call.siteId, call.id, reason));
  }

  /** The joined agent leaves: their view closes, their status goes back to what they had. */
  function detachAgent(call: HelpCall, agentId: string, reason: Parameters<Notifier['leaveSession']>[2], after: After): void {
    agents.endCall(call.siteId, agentId, after);
    if (call.sessionId) {
      const sessionId = call.sessionId;
      after(() => notifier.leaveSession(agentId, sessionId, reason));
    }
  }

  /** Closes whatever call the session has open (ringing: cancelled; accepted: done). */
  function closeOpenCall(stored: StoredSession, reason: 'ended' | 'stopped', after: After): HelpCall | null {
    const call = store.helpCalls.findOpenForSession(stored.id);
    if (!call) return null;
    store.helpCalls.close(call.id, call.status === 'ringing' ? 'cancelled' : 'done', iso());
    if (call.status === 'ringing') removeCard(call, 'cancelled', after);
    if (call.agentId) detachAgent(call, call.agentId, reason, after);
    return call;
  }

  function ringAgain(call: HelpCall, after: After, target: string | null, handoverFrom: string | null): HelpCall {
    store.helpCalls.ringAgain(call.id, iso(), target, handoverFrom);
    const again = reload(call.id);
    ringNow(again, target ? [target] : agents.ringable(call.siteId, 0), after);
    return again;
  }

  /** The cards of the calls this agent can take now: handed to them, or for their status and the call's stage. */
  function ringingFor(agent: AccountIdentity, status: AgentStatus): CallCard[] {
    return store.helpCalls
      .listRinging(agent.siteId)
      .filter((c) =>
        c.targetAgentId ? c.targetAgentId === agent.accountId : status === 'available' || (c.stage === 1 && status === 'busy')
      )
      .map((c) => card(c, sessionOf(c)));
  }

  /** What a tablet needs after (re)connecting; reading a joined session is an access, so it is audited. */
  function agentState(agent: AccountIdentity): AgentState {
    const status = agents.status(agent.accountId);
    const joinedCall = store.helpCalls.findJoinedBy(agent.accountId);
    let joined: JoinedCall | null = null;
    if (joinedCall) {
      const stored = sessionOf(joinedCall);
      if (stored) {
        sessions.audit(stored, agent, 'view');
        joined = joinedView(agent, joinedCall, stored);
      }
    }
    return {
      accountId: agent.accountId,
      status,
      procedures: sessions.publishedProcedures(agent.siteId),
      ringing: ringingFor(agent, status),
      joined
    };
  }

  /** An agent whose tablet is gone for good: presence announced, their joined call rings again. */
  function agentGone(gone: { accountId: string; siteId: string; firstName: string }, after: After): void {
    agents.announce(gone.siteId, gone.accountId, after);
    const call = store.helpCalls.findJoinedBy(gone.accountId);
    if (!call) return;
    const stored = sessionOf(call);
    if (stored) {
      sessions.audit(stored, gone, 'lost');
    }
    detachAgent(call, gone.accountId, 'lost', after);
    const again = ringAgain(call, after, null, null);
    patchCall(again, after, [{ op: 'agent', agent: null }]);
  }

  /** One transaction per command: its rows are written together or not at all, in one commit. */
  function atomic<A extends unknown[], R>(command: (...args: A) => R): (...args: A) => R {
    return (...args) => sessions.atomically(() => command(...args));
  }

  return {
    estimate,

    create: atomic((terminal: TerminalIdentity, input: z.output<typeof callCreateInput>, after: After): SessionCall => {
      const stored = sessions.loadActive(terminal.siteId, input.sessionId);
      sessions.assertAccess(terminal, stored);
      const replay = store.helpCalls.findByRequest(stored.id, input.requestId);
      if (replay) {
        const view = callView(replay);
        if (!view) throw new AppError('call_closed', 'This call is over: it was cancelled or it ended');
        return view;
      }
      const open = store.helpCalls.findOpenForSession(stored.id);
      if (open) return callView(open)!;
      const site = store.sites.findById(terminal.siteId);
      if (!site) throw new AppError('not_found', 'This site no longer exists');
      const at = iso();
      const unansweredReason = !isSiteOpen(site, clock.now())
        ? 'closed'
        : agents.connectedCount(site.id) === 0
          ? 'no_agent'
          : null;
      const procedure = sessions.procedureOf(stored);
      const saved: HelpCall = {
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
      store.helpCalls.insert(saved);
      const ringable = agents.ringable(site.id, 0);
      // Rung first (after the ack): the tablets are what the citizen is waiting for.
      if (!unansweredReason) ringNow(saved, ringable, after, stored);
      const view = callView(saved, estimate(site.id, ringable.length, site))!;
      patchCall(saved, after, [], { kind: 'citizen' }, view, stored);
      return view;
    }),

    cancel: atomic((terminal: TerminalIdentity, input: z.output<typeof callRefInput>, after: After): { callId: string } => {
      const call = loadCall(terminal.siteId, input.callId);
      if (call.terminalId !== terminal.terminalId) throw new AppError('not_found', `No call ${input.callId} on this kiosk`);
      if (call.status !== 'ringing' && call.status !== 'accepted') return { callId: call.id };
      store.helpCalls.close(call.id, call.status === 'ringing' ? 'cancelled' : 'done', iso());
      if (call.status === 'ringing') removeCard(call, 'cancelled', after);
      const extra: SessionChange[] = [];
      if (call.agentId) {
        detachAgent(call, call.agentId, 'stopped', after);
        extra.push({ op: 'agent', agent: null });
      }
      patchCall(reload(call.id), after, extra, { kind: 'citizen' });
      return { callId: call.id };
    }),

    accept: atomic((agent: AccountIdentity, input: z.output<typeof callRefInput>, after: After): JoinedCall => {
      const current = store.helpCalls.findJoinedBy(agent.accountId);
      if (current && current.id !== input.callId) {
        throw new AppError('already_joined', 'Finish or hand over your current call before taking another');
      }
      if (current) {
        const stored = sessionOf(current);
        if (stored) return joinedView(agent, current, stored);
      }
      const acceptedAt = iso();
      const won = store.helpCalls.accept(input.callId, agent.siteId, agent.accountId, acceptedAt);
      if (!won) {
        const call = loadCall(agent.siteId, input.callId);
        if (call.status === 'accepted') throw new AppError('call_taken', 'A colleague has already taken this call');
        if (call.status === 'ringing') throw new AppError('forbidden', 'This call was handed to a colleague');
        throw new AppError('call_closed', 'This call is over: the citizen cancelled it or it ended');
      }
      const call = reload(input.callId);
      const stored = sessionOf(call);
      // Before anything is changed in memory: the transaction's rollback undoes only the store.
      if (!stored) throw new AppError('session_closed', 'This session has ended');
      const site = store.sites.findById(call.siteId);
      // A first answer only: a call handed over keeps the time it was first answered in. Counted
      // once the accept is written (after the ack): a rolled-back one never happened.
      if (site && call.answeredAt === acceptedAt) {
        const seconds = (Date.parse(acceptedAt) - Date.parse(call.createdAt)) / 1000;
        after(() => answerTimes.add(call.siteId, site.timezone, { at: call.createdAt, seconds }));
      }
      agents.beginCall(agent.siteId, agent.accountId, after);
      removeCard(call, 'taken', after);
      sessions.audit(stored, agent, 'accept');
      sessions.audit(stored, agent, 'view');
      patchCall(call, after, [{ op: 'agent', agent: { firstName: agent.firstName, connected: true } }], {
        kind: 'agent',
        name: agent.firstName
      });
      after(() => notifier.joinSession(agent.accountId, stored.id));
      return joinedView(agent, call, stored);
    }),

    /** "Rendre la main": the agent leaves, the citizen goes on alone. */
    release: atomic((agent: AccountIdentity, input: z.output<typeof callRefInput>, after: After): { callId: string } => {
      const call = loadJoined(agent, input.callId);
      store.helpCalls.close(call.id, 'done', iso());
      const stored = sessionOf(call);
      if (stored) sessions.audit(stored, agent, 'release');
      detachAgent(call, agent.accountId, 'released', after);
      patchCall(reload(call.id), after, [{ op: 'agent', agent: null }], { kind: 'agent', name: agent.firstName });
      return { callId: call.id };
    }),

    handover: atomic((agent: AccountIdentity, input: z.output<typeof callHandoverInput>, after: After): { callId: string } => {
      const call = loadJoined(agent, input.callId);
      // Checked first: choosing oneself is a mistake in the form, not an unknown colleague.
      if (input.toAccountId === agent.accountId)
        throw new AppError('handover_to_self', 'Hand the call to someone else', [
          { path: 'toAccountId', message: 'is yourself' }
        ]);
      const colleague = store.accounts.findById(input.toAccountId);
      if (!colleague || colleague.siteId !== agent.siteId || colleague.role !== 'agent' || !colleague.active) {
        throw new AppError('not_found', `No colleague ${input.toAccountId} at this site`);
      }
      if (!connections.isConnected(colleague.id)) {
        throw new AppError('not_found', `${colleague.firstName} is not connected right now`);
      }
      const stored = sessionOf(call);
      if (stored) sessions.audit(stored, agent, 'handover', colleague.firstName);
      detachAgent(call, agent.accountId, 'handed_over', after);
      const again = ringAgain(call, after, colleague.id, agent.firstName);
      patchCall(again, after, [{ op: 'agent', agent: null }], { kind: 'agent', name: agent.firstName });
      return { callId: call.id };
    }),

    /** "Ne plus montrer mon écran" on the kiosk: the agent's view closes at once. */
    stopSharing: atomic(
      (terminal: TerminalIdentity, input: z.output<typeof sessionRefInput>, after: After): { sessionId: string } => {
        const stored = sessions.loadActive(terminal.siteId, input.sessionId);
        sessions.assertAccess(terminal, stored);
        const call = store.helpCalls.findOpenForSession(stored.id);
        if (call?.status === 'accepted') {
          sessions.audit(stored, null, 'stopped');
          closeOpenCall(stored, 'stopped', after);
          patchCall(reload(call.id), after, [{ op: 'agent', agent: null }], { kind: 'citizen' });
        }
        return { sessionId: stored.id };
      }
    ),

    endSession: atomic((identity: Identity, input: z.output<typeof sessionEndInput>, after: After): { sessionId: string } => {
      const stored = sessions.load(identity.siteId, input.sessionId);
      sessions.assertAccess(identity, stored);
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
      if (agent) sessions.audit(stored, agent, 'end');
      closeOpenCall(stored, 'ended', after);
      const by = agent ? ({ kind: 'agent', name: agent.firstName } as const) : ({ kind: 'citizen' } as const);
      sessions.end(stored, input.reason, by, after);
      return { sessionId: stored.id };
    }),

    agentState,

    /** Rings a tablet for the calls it can take now (after the agent says they are available). */
    ringPendingFor(agent: AccountIdentity, after: After): void {
      for (const c of ringingFor(agent, agents.status(agent.accountId))) after(() => notifier.ring([agent.accountId], c));
    },

    agentConnected(agent: AccountIdentity, after: After): void {
      const { first } = connections.connected(agent.accountId, agent.siteId, agent.firstName);
      if (first) agents.announce(agent.siteId, agent.accountId, after);
      const call = store.helpCalls.findJoinedBy(agent.accountId);
      if (!call?.sessionId) return;
      const sessionId = call.sessionId;
      after(() => notifier.joinSession(agent.accountId, sessionId));
      const stored = sessionOf(call);
      if (stored && stored.state.agent && !stored.state.agent.connected) {
        sessions.commit(
          stored,
          [{ op: 'agent', agent: { firstName: agent.firstName, connected: true } }],
          { kind: 'system' },
          after
        );
      }
    },

    agentDisconnected(agent: AccountIdentity, after: After): void {
      if (!connections.disconnected(agent.accountId, clock.now().getTime())) return;
      const call = store.helpCalls.findJoinedBy(agent.accountId);
      const stored = call ? sessionOf(call) : null;
      if (stored?.state.status === 'active') {
        // The kiosk is told at once; the call rings again only after the grace period (tick).
        sessions.commit(
          stored,
          [{ op: 'agent', agent: { firstName: agent.firstName, connected: false } }],
          { kind: 'system' },
          after
        );
      }
    },

    /** After a restart: agents joined to a call get the grace period to reconnect, as after any drop. */
    recover(): void {
      const at = clock.now().getTime();
      for (const call of store.helpCalls.listOpen()) {
        if (call.status !== 'accepted' || !call.agentId) continue;
        const account = store.accounts.findById(call.agentId);
        if (!account) continue;
        connections.markLost(account.id, account.siteId, account.firstName, at);
        const stored = sessionOf(call);
        if (stored?.state.agent?.connected) {
          sessions.commit(
            stored,
            [{ op: 'agent', agent: { firstName: account.firstName, connected: false } }],
            { kind: 'system' },
            immediately
          );
        }
      }
    },

    /** Escalation and lost tablets, from the stored times: run every second, and by tests after moving the clock. */
    tick(): void {
      const run = immediately;
      const nowMs = clock.now().getTime();
      for (const call of store.helpCalls.listOpen()) {
        if (call.status !== 'ringing') continue;
        const site = store.sites.findById(call.siteId);
        if (!site) continue;
        const elapsed = nowMs - Date.parse(call.ringingSince);
        if (elapsed >= site.calls.giveUpSeconds * 1000) {
          store.helpCalls.close(call.id, 'unanswered', iso(), 'timeout');
          removeCard(call, 'unanswered', run);
          patchCall(reload(call.id), run);
        } else if (call.stage === 0 && elapsed >= site.calls.widenSeconds * 1000) {
          const rungBefore = new Set(call.targetAgentId ? [call.targetAgentId] : agents.ringable(call.siteId, 0));
          store.helpCalls.widen(call.id);
          const widened = reload(call.id);
          ringNow(
            widened,
            agents.ringable(call.siteId, 1).filter((id) => !rungBefore.has(id)),
            run
          );
          patchCall(widened, run);
        }
      }
      for (const gone of connections.expire(nowMs, graceMs)) agentGone(gone, run);
    },

    /**
     * A deactivated agent will not come back: what the end of the grace period does for a lost
     * tablet happens now. Their joined call rings again for the others, and a call handed to them
     * rings for everyone instead.
     */
    agentRemoved(account: { id: string; siteId: string; firstName: string }, after: After): void {
      connections.forget(account.id);
      agentGone({ accountId: account.id, siteId: account.siteId, firstName: account.firstName }, after);
      for (const call of store.helpCalls.listRinging(account.siteId)) {
        if (call.targetAgentId !== account.id) continue;
        patchCall(ringAgain(call, after, null, null), after);
      }
    }
  };
}
