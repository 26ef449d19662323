/** Data access for `help_calls`. Accepting is one conditional UPDATE: the first agent wins, atomically. */
import { sql, type ExpressionBuilder, type Insertable, type Selectable } from 'kysely';
import type { Executor } from '../db/executor';
import { changed, first, prepare } from '../db/prepared';
import type { Database, HelpCallsTable } from '../db/schema';

type CallStatus = 'ringing' | 'accepted' | 'done' | 'cancelled' | 'unanswered';
export type UnansweredReason = 'no_agent' | 'closed' | 'timeout';

type CallRow = Selectable<HelpCallsTable>;

/** The first key of the advisory locks calls are written under (`awaitCreated`): "GUIC" in ASCII. */
const creationLocks = 0x47554943;

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

/** A call as it is first written: not yet answered, handed over or widened. */
type NewCall = Omit<HelpCall, 'stage' | 'answeredAt' | 'agentId' | 'targetAgentId' | 'handoverFrom'>;

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

export function createHelpCallsRepository(ex: Executor) {
  const calls = () => ex.db().selectFrom('help_calls').selectAll();
  const one = (row: CallRow | undefined) => (row ? toCall(row) : null);
  /** A conditional write's outcome: did this command's UPDATE match the row? */
  const won = (result: { numUpdatedRows: bigint }) => result.numUpdatedRows === 1n;
  const literal = <S extends CallStatus>(status: S) => sql.lit<S>(status);
  // The partial indexes (`help_calls_open`, `help_calls_joined`) hold for these constant statuses:
  // written as literals, not parameters, so that a planner can see the index applies.
  const ringing = literal('ringing');

  // The statements of each call and each keystroke, compiled once (`prepared.ts`).
  const byId = prepare(ex, (db, p: { id: string }) => db.selectFrom('help_calls').selectAll().where('id', '=', p.id));
  // What a "call" from a kiosk must know first, in one read: is it a replay, is a call still open.
  const requestOrOpen = prepare(ex, (db, p: { sessionId: string; requestId: string }) =>
    db
      .selectFrom('help_calls')
      .selectAll()
      .where('session_id', '=', p.sessionId)
      .where((w) => w.or([w('request_id', '=', p.requestId), w('status', 'in', [ringing, literal('accepted')])]))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
  );
  const openForSession = prepare(ex, (db, p: { sessionId: string }) =>
    db
      .selectFrom('help_calls')
      .selectAll()
      .where('session_id', '=', p.sessionId)
      .where('status', 'in', [ringing, literal('accepted')])
      .orderBy('created_at', 'desc')
      .limit(1)
  );
  const joinedBy = prepare(ex, (db, p: { agentId: string }) =>
    db.selectFrom('help_calls').selectAll().where('agent_id', '=', p.agentId).where('status', '=', literal('accepted')).limit(1)
  );
  const joinedSession = prepare(ex, (db, p: { agentId: string }) =>
    db
      .selectFrom('help_calls')
      .select('session_id')
      .where('agent_id', '=', p.agentId)
      .where('status', '=', literal('accepted'))
      .limit(1)
  );
  const callValues = (call: NewCall): Insertable<HelpCallsTable> => ({
    id: call.id,
    site_id: call.siteId,
    session_id: call.sessionId,
    terminal_id: call.terminalId,
    request_id: call.requestId,
    reason: call.reason,
    service: call.service,
    status: call.status,
    stage: 0,
    unanswered_reason: call.unansweredReason,
    created_at: call.createdAt,
    ringing_since: call.ringingSince,
    ended_at: call.endedAt
  });
  const insertCall = prepare(ex, (db, call: NewCall) => db.insertInto('help_calls').values(callValues(call)));
  /**
   * A kiosk's call, written only if it is new: no call of the session already made by this request
   * (a replay, refused by the unique index on (session_id, request_id)) and none still open. One
   * statement, where a read then a write took two round trips. The caller holds the session's lock:
   * the statement starts after any other command of the session has committed, and sees its call.
   * A call that rings before it is written (`rings`, see `awaitCreated`) first takes, in the same
   * statement, the lock an early accept waits on, held until its transaction ends: before the
   * insert, which may have to wait for another transaction writing the same request.
   */
  const insertNew = (rings: boolean) =>
    prepare(ex, (db, call: NewCall) => {
      const values = callValues(call);
      const columns = Object.keys(values) as (keyof typeof values)[];
      // The same values as a plain insert (`callValues`), as a SELECT that the guard can filter.
      // `stage` as a literal: a parameter there would be text to PostgreSQL, not an integer.
      const row = (eb: ExpressionBuilder<Database, never>) =>
        columns.map((c) => (c === 'stage' ? sql.lit(values.stage).as(c) : eb.val(values[c]).as(c)));
      const source =
        rings && ex.engine === 'postgres'
          ? db
              .selectFrom(
                sql<void>`(SELECT pg_advisory_xact_lock(${sql.lit(creationLocks)}, hashtext(${call.id})))`.as('creating')
              )
              .select(row)
          : db.selectNoFrom(row);
      return db
        .insertInto('help_calls')
        .columns(columns)
        .expression(
          source.where((eb) =>
            eb.not(
              eb.exists(
                db
                  .selectFrom('help_calls')
                  .select(sql.lit(1).as('open'))
                  .where('session_id', '=', call.sessionId)
                  .where('status', 'in', [ringing, literal('accepted')])
              )
            )
          )
        )
        .onConflict((oc) => oc.columns(['session_id', 'request_id']).doNothing());
    });
  const insertNewRinging = insertNew(true);
  const insertNewClosed = insertNew(false);
  const awaitCreation = prepare(ex, (db, p: { id: string }) =>
    db.selectNoFrom(sql<void>`pg_advisory_xact_lock_shared(${sql.lit(creationLocks)}, hashtext(${p.id}))`.as('created'))
  );
  const closeCall = prepare(
    ex,
    (db, p: { id: string; status: 'done' | 'cancelled' | 'unanswered'; at: string; reason: UnansweredReason | null }) =>
      db
        .updateTable('help_calls')
        .set({
          status: p.status,
          unanswered_reason: p.reason,
          ended_at: p.at,
          agent_id: null,
          target_agent_id: null,
          handover_from: null
        })
        .where('id', '=', p.id)
        .where('status', 'in', [ringing, literal('accepted')])
  );

  return {
    async insert(call: NewCall): Promise<void> {
      await insertCall(call);
    },
    /**
     * A kiosk's call, if new (see `insertNew`): false if this request made one already or a call
     * of the session is still open (`findRequestOrOpen` then says which). A ringing one rings
     * before its transaction commits: an early accept waits for it (`awaitCreated`).
     */
    async insertIfNew(call: NewCall & { sessionId: string }): Promise<boolean> {
      return (await changed(call.status === 'ringing' ? insertNewRinging(call) : insertNewClosed(call))) === 1;
    },
    findById: async (id: string) => one(await first(byId({ id }))),
    /**
     * The call this request made already (a replay), and the session's open call, in one read.
     * The unique index on (session_id, request_id) makes this a search of one session's calls.
     */
    async findRequestOrOpen(sessionId: string, requestId: string): Promise<{ replay: HelpCall | null; open: HelpCall | null }> {
      const rows = (await requestOrOpen({ sessionId, requestId })).rows;
      const replay = rows.find((r) => r.request_id === requestId);
      const open = rows.find((r) => r.status === 'ringing' || r.status === 'accepted');
      return { replay: one(replay), open: one(open) };
    },
    /**
     * On PostgreSQL, waits until the transaction writing call `id` (if one is) has ended: the call
     * rings as soon as it is written, and an agent's accept may come before it is committed, when
     * it is not yet seen. Then it is. Nothing to wait for on SQLite, where that transaction kept
     * every other command off the connection until it ended.
     */
    async awaitCreated(id: string): Promise<void> {
      if (ex.engine === 'postgres') await awaitCreation({ id });
    },
    findOpenForSession: async (sessionId: string) => one(await first(openForSession({ sessionId }))),
    findLastForSession: async (sessionId: string) =>
      one(await calls().where('session_id', '=', sessionId).orderBy('created_at', 'desc').limit(1).executeTakeFirst()),
    findJoinedBy: async (agentId: string) => one(await first(joinedBy({ agentId }))),
    /** The session of the call this agent is joined to, if any: the check made on each of their changes. */
    async joinedSessionOf(agentId: string): Promise<string | null> {
      return (await first(joinedSession({ agentId })))?.session_id ?? null;
    },
    listOpen: async () =>
      (
        await calls()
          .where('status', 'in', [ringing, literal('accepted')])
          .execute()
      ).map(toCall),
    listRinging: async (siteId: string) =>
      (await calls().where('site_id', '=', siteId).where('status', '=', ringing).orderBy('created_at').execute()).map(toCall),
    /** A session's calls, oldest first (a citizen's export of their session). */
    listForSession: async (sessionId: string) =>
      (await calls().where('session_id', '=', sessionId).orderBy('created_at').execute()).map(toCall),
    /** True when this agent got the call; false when it was taken, closed, or meant for a colleague. */
    async accept(id: string, siteId: string, agentId: string, at: string): Promise<boolean> {
      const result = await ex
        .db()
        .updateTable('help_calls')
        .set({
          status: 'accepted',
          agent_id: agentId,
          target_agent_id: null,
          answered_at: sql<string>`COALESCE(answered_at, ${at})`
        })
        .where('id', '=', id)
        .where('site_id', '=', siteId)
        .where('status', '=', ringing)
        .where((w) => w.or([w('target_agent_id', 'is', null), w('target_agent_id', '=', agentId)]))
        .executeTakeFirstOrThrow();
      return won(result);
    },
    async widen(id: string): Promise<boolean> {
      const result = await ex
        .db()
        .updateTable('help_calls')
        .set({ stage: 1, target_agent_id: null })
        .where('id', '=', id)
        .where('status', '=', ringing)
        .executeTakeFirstOrThrow();
      return won(result);
    },
    async ringAgain(id: string, at: string, targetAgentId: string | null, handoverFrom: string | null): Promise<boolean> {
      const result = await ex
        .db()
        .updateTable('help_calls')
        .set({
          status: 'ringing',
          stage: 0,
          ringing_since: at,
          agent_id: null,
          target_agent_id: targetAgentId,
          handover_from: handoverFrom
        })
        .where('id', '=', id)
        .where('status', '=', literal('accepted'))
        .executeTakeFirstOrThrow();
      return won(result);
    },
    async close(
      id: string,
      status: 'done' | 'cancelled' | 'unanswered',
      at: string,
      unansweredReason: UnansweredReason | null = null
    ): Promise<boolean> {
      return (await changed(closeCall({ id, status, at, reason: unansweredReason }))) === 1;
    },
    /** Answered calls of a site made in [from, to): for the "usual time to answer" estimate. */
    async answeredBetween(siteId: string, from: string, to: string): Promise<{ createdAt: string; answeredAt: string }[]> {
      const rows = await ex
        .db()
        .selectFrom('help_calls')
        .select(['created_at', 'answered_at'])
        .where('site_id', '=', siteId)
        .where('created_at', '>=', from)
        .where('created_at', '<', to)
        .where('answered_at', 'is not', null)
        .execute();
      return rows.map((r) => ({ createdAt: r.created_at, answeredAt: r.answered_at! }));
    }
  };
}
