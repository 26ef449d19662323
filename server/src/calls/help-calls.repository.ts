/** Data access for `help_calls`. Accepting is one conditional UPDATE: the first agent wins, atomically. */
import type { Db } from '../db/database';

type CallStatus = 'ringing' | 'accepted' | 'done' | 'cancelled' | 'unanswered';
export type UnansweredReason = 'no_agent' | 'closed' | 'timeout';

interface CallRow {
  id: string;
  site_id: string;
  session_id: string | null;
  terminal_id: string | null;
  request_id: string;
  reason: 'help' | 'review';
  service: string | null;
  status: CallStatus;
  stage: 0 | 1;
  unanswered_reason: UnansweredReason | null;
  created_at: string;
  ringing_since: string;
  answered_at: string | null;
  ended_at: string | null;
  agent_id: string | null;
  target_agent_id: string | null;
  handover_from: string | null;
}

export interface HelpCall {
  id: string;
  siteId: string;
  sessionId: string | null;
  terminalId: string | null;
  requestId: string;
  reason: 'help' | 'review';
  service: string | null;
  status: CallStatus;
  stage: 0 | 1;
  unansweredReason: UnansweredReason | null;
  createdAt: string;
  ringingSince: string;
  answeredAt: string | null;
  endedAt: string | null;
  agentId: string | null;
  targetAgentId: string | null;
  handoverFrom: string | null;
}

function toCall(row: CallRow): HelpCall {
  return {
    id: row.id,
    siteId: row.site_id,
    sessionId: row.session_id,
    terminalId: row.terminal_id,
    requestId: row.request_id,
    reason: row.reason,
    service: row.service,
    status: row.status,
    stage: row.stage,
    unansweredReason: row.unanswered_reason,
    createdAt: row.created_at,
    ringingSince: row.ringing_since,
    answeredAt: row.answered_at,
    endedAt: row.ended_at,
    agentId: row.agent_id,
    targetAgentId: row.target_agent_id,
    handoverFrom: row.handover_from
  };
}

export function createHelpCallsRepository(db: Db) {
  const insert = db.prepare(
    `INSERT INTO help_calls (id, site_id, session_id, terminal_id, request_id, reason, service, status, stage,
       unanswered_reason, created_at, ringing_since, ended_at)
     VALUES (@id, @siteId, @sessionId, @terminalId, @requestId, @reason, @service, @status, 0,
       @unansweredReason, @createdAt, @ringingSince, @endedAt)`
  );
  const byId = db.prepare('SELECT * FROM help_calls WHERE id = ?');
  const byRequest = db.prepare('SELECT * FROM help_calls WHERE session_id = ? AND request_id = ?');
  const openForSession = db.prepare(
    "SELECT * FROM help_calls WHERE session_id = ? AND status IN ('ringing', 'accepted') ORDER BY created_at DESC LIMIT 1"
  );
  const lastForSession = db.prepare('SELECT * FROM help_calls WHERE session_id = ? ORDER BY created_at DESC LIMIT 1');
  const open = db.prepare("SELECT * FROM help_calls WHERE status IN ('ringing', 'accepted')");
  const ringingForSite = db.prepare("SELECT * FROM help_calls WHERE site_id = ? AND status = 'ringing' ORDER BY created_at");
  const joinedBy = db.prepare("SELECT * FROM help_calls WHERE agent_id = ? AND status = 'accepted' LIMIT 1");
  const joinedSession = db
    .prepare("SELECT session_id FROM help_calls WHERE agent_id = ? AND status = 'accepted' LIMIT 1")
    .pluck();
  const accept = db.prepare(
    `UPDATE help_calls SET status = 'accepted', agent_id = @agentId, target_agent_id = NULL,
       answered_at = COALESCE(answered_at, @at)
     WHERE id = @id AND site_id = @siteId AND status = 'ringing'
       AND (target_agent_id IS NULL OR target_agent_id = @agentId)`
  );
  const widen = db.prepare("UPDATE help_calls SET stage = 1, target_agent_id = NULL WHERE id = ? AND status = 'ringing'");
  const ringAgain = db.prepare(
    `UPDATE help_calls SET status = 'ringing', stage = 0, ringing_since = @at, agent_id = NULL,
       target_agent_id = @targetAgentId, handover_from = @handoverFrom
     WHERE id = @id AND status = 'accepted'`
  );
  const close = db.prepare(
    `UPDATE help_calls SET status = @status, unanswered_reason = @unansweredReason, ended_at = @at,
       agent_id = NULL, target_agent_id = NULL, handover_from = NULL
     WHERE id = @id AND status IN ('ringing', 'accepted')`
  );
  const forSession = db.prepare('SELECT * FROM help_calls WHERE session_id = ? ORDER BY created_at');
  const answeredBetween = db.prepare(
    `SELECT created_at, answered_at FROM help_calls
     WHERE site_id = ? AND created_at >= ? AND created_at < ? AND answered_at IS NOT NULL`
  );

  const one = (row: unknown) => (row ? toCall(row as CallRow) : null);

  return {
    insert(call: Omit<HelpCall, 'stage' | 'answeredAt' | 'agentId' | 'targetAgentId' | 'handoverFrom'>): void {
      insert.run(call);
    },
    findById: (id: string) => one(byId.get(id)),
    findByRequest: (sessionId: string, requestId: string) => one(byRequest.get(sessionId, requestId)),
    findOpenForSession: (sessionId: string) => one(openForSession.get(sessionId)),
    findLastForSession: (sessionId: string) => one(lastForSession.get(sessionId)),
    findJoinedBy: (agentId: string) => one(joinedBy.get(agentId)),
    /** The session of the call this agent is joined to, if any: the check made on each of their changes. */
    joinedSessionOf: (agentId: string) => (joinedSession.get(agentId) as string | null | undefined) ?? null,
    listOpen: () => (open.all() as CallRow[]).map(toCall),
    listRinging: (siteId: string) => (ringingForSite.all(siteId) as CallRow[]).map(toCall),
    /** A session's calls, oldest first (a citizen's export of their session). */
    listForSession: (sessionId: string) => (forSession.all(sessionId) as CallRow[]).map(toCall),
    /** True when this agent got the call; false when it was taken, closed, or meant for a colleague. */
    accept(id: string, siteId: string, agentId: string, at: string): boolean {
      return accept.run({ id, siteId, agentId, at }).changes === 1;
    },
    widen(id: string): boolean {
      return widen.run(id).changes === 1;
    },
    ringAgain(id: string, at: string, targetAgentId: string | null, handoverFrom: string | null): boolean {
      return ringAgain.run({ id, at, targetAgentId, handoverFrom }).changes === 1;
    },
    close(
      id: string,
      status: 'done' | 'cancelled' | 'unanswered',
      at: string,
      unansweredReason: UnansweredReason | null = null
    ): boolean {
      return close.run({ id, status, at, unansweredReason }).changes === 1;
    },
    /** Answered calls of a site made in [from, to): for the "usual time to answer" estimate. */
    answeredBetween(siteId: string, from: string, to: string): { createdAt: string; answeredAt: string }[] {
      return (answeredBetween.all(siteId, from, to) as { created_at: string; answered_at: string }[]).map((r) => ({
        createdAt: r.created_at,
        answeredAt: r.answered_at
      }));
    }
  };
}
