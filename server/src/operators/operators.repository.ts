/**
 * Data access for operators (the hosting organisation's people), their login sessions, the
 * sites' suspension, and the few counts an operator sees of each site. Nothing here reads a
 * citizen's answers, a name, a ticket label or a log line: only counts and times.
 */
import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/executor';
import type { OperatorsTable } from '../db/schema';

export interface Operator {
  id: string;
  login: string;
  firstName: string;
  secretHash: string;
  active: boolean;
  createdAt: string;
}

export interface OperatorSession {
  tokenHash: string;
  id: string;
  operatorId: string;
  createdAt: string;
  expiresAt: string;
}

export interface SiteSummary {
  id: string;
  name: string;
  timezone: string;
  isDemo: boolean;
  createdAt: string;
  suspendedAt: string | null;
  suspendedReason: string;
}

/** Counts read from the store, per site (the in-memory ones, connections, come from the services). */
export interface StoredSiteFigures {
  callsRinging: number;
  ticketsWaiting: number;
  printJobsPending: number;
  printerFaultsOpen: number;
  managers: number;
  lastActivityAt: string | null;
}

function toOperator(row: Selectable<OperatorsTable>): Operator {
  return {
    id: row.id,
    login: row.login,
    firstName: row.first_name,
    secretHash: row.secret_hash,
    active: row.active === 1,
    createdAt: row.created_at
  };
}

/** `{ site_id: n }` rows as a map. */
function bySite(rows: { site_id: string; n: number | string | bigint }[]): Map<string, number> {
  return new Map(rows.map((r) => [r.site_id, Number(r.n)]));
}

export function createOperatorsRepository(ex: Executor) {
  return {
    async insert(operator: Operator): Promise<void> {
      await ex
        .db()
        .insertInto('operators')
        .values({
          id: operator.id,
          login: operator.login,
          first_name: operator.firstName,
          secret_hash: operator.secretHash,
          active: operator.active ? 1 : 0,
          created_at: operator.createdAt
        })
        .execute();
    },
    /** Logins are compared without case, like the unique index `operators_login`. */
    async findByLogin(login: string): Promise<Operator | null> {
      const row = await ex
        .db()
        .selectFrom('operators')
        .selectAll()
        .where(sql<string>`lower(login)`, '=', login.toLowerCase())
        .executeTakeFirst();
      return row ? toOperator(row) : null;
    },
    async findById(id: string): Promise<Operator | null> {
      const row = await ex.db().selectFrom('operators').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toOperator(row) : null;
    },
    async count(): Promise<number> {
      const row = await ex
        .db()
        .selectFrom('operators')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    }
  };
}

export function createOperatorSessionsRepository(ex: Executor) {
  return {
    async insert(session: OperatorSession): Promise<void> {
      await ex
        .db()
        .insertInto('operator_sessions')
        .values({
          token_hash: session.tokenHash,
          id: session.id,
          operator_id: session.operatorId,
          created_at: session.createdAt,
          expires_at: session.expiresAt
        })
        .execute();
    },
    async findByTokenHash(tokenHash: string): Promise<OperatorSession | null> {
      const row = await ex
        .db()
        .selectFrom('operator_sessions')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return row
        ? {
            tokenHash: row.token_hash,
            id: row.id,
            operatorId: row.operator_id,
            createdAt: row.created_at,
            expiresAt: row.expires_at
          }
        : null;
    },
    async remove(id: string): Promise<void> {
      await ex.db().deleteFrom('operator_sessions').where('id', '=', id).execute();
    },
    async purgeExpired(now: string): Promise<number> {
      const result = await ex.db().deleteFrom('operator_sessions').where('expires_at', '<=', now).executeTakeFirstOrThrow();
      return Number(result.numDeletedRows);
    }
  };
}

export function createSiteOperationsRepository(ex: Executor) {
  return {
    /** Every site, with what an operator may know of it (public name, time zone, suspension). */
    async listSummaries(): Promise<SiteSummary[]> {
      const rows = await ex
        .db()
        .selectFrom('sites')
        .select(['id', 'name', 'timezone', 'is_demo', 'created_at', 'suspended_at', 'suspended_reason'])
        .orderBy('name')
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        timezone: r.timezone,
        isDemo: r.is_demo === 1,
        createdAt: r.created_at,
        suspendedAt: r.suspended_at,
        suspendedReason: r.suspended_reason
      }));
    },
    /** When the site was suspended, or null when it is served (or does not exist). */
    async suspendedAt(siteId: string): Promise<string | null> {
      const row = await ex.db().selectFrom('sites').select('suspended_at').where('id', '=', siteId).executeTakeFirst();
      return row?.suspended_at ?? null;
    },
    /** Suspends a served site; false when it does not exist or is already suspended. */
    async suspend(siteId: string, at: string, reason: string): Promise<boolean> {
      const result = await ex
        .db()
        .updateTable('sites')
        .set({ suspended_at: at, suspended_reason: reason })
        .where('id', '=', siteId)
        .where('suspended_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /** Resumes a suspended site; false when it does not exist or is not suspended. */
    async resume(siteId: string): Promise<boolean> {
      const result = await ex
        .db()
        .updateTable('sites')
        .set({ suspended_at: null, suspended_reason: '' })
        .where('id', '=', siteId)
        .where('suspended_at', 'is not', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /** Each site's counts: one grouped query per table, whatever the number of sites. */
    async storedFigures(): Promise<Map<string, StoredSiteFigures>> {
      const db = ex.db();
      const count = sql<number>`count(*)`.as('n');
      const ringing = bySite(
        await db
          .selectFrom('help_calls')
          .select(['site_id', count])
          .where('status', '=', sql.lit('ringing'))
          .groupBy('site_id')
          .execute()
      );
      const waiting = bySite(
        await db
          .selectFrom('tickets')
          .select(['site_id', count])
          .where('status', '=', sql.lit('waiting'))
          .groupBy('site_id')
          .execute()
      );
      const pending = bySite(
        await db
          .selectFrom('print_jobs')
          .select(['site_id', count])
          .where('status', 'in', [sql.lit<'queued'>('queued'), sql.lit<'waiting'>('waiting')])
          .groupBy('site_id')
          .execute()
      );
      const faults = bySite(
        await db
          .selectFrom('printer_faults')
          .select(['site_id', count])
          .where('ended_at', 'is', null)
          .groupBy('site_id')
          .execute()
      );
      const managers = bySite(
        await db
          .selectFrom('accounts')
          .select(['site_id', count])
          .where('role', '=', sql.lit('manager'))
          .where('active', '=', 1)
          .groupBy('site_id')
          .execute()
      );
      // The last sign of life: a terminal seen, a session started, a ticket taken (times only).
      const latest = new Map<string, string>();
      const keepLatest = (rows: { site_id: string; at: string | null }[]) => {
        for (const { site_id, at } of rows) if (at && at > (latest.get(site_id) ?? '')) latest.set(site_id, at);
      };
      keepLatest(
        await db
          .selectFrom('terminals')
          .select(['site_id', (eb) => eb.fn.max('last_seen_at').as('at')])
          .groupBy('site_id')
          .execute()
      );
      keepLatest(
        await db
          .selectFrom('kiosk_sessions')
          .select(['site_id', (eb) => eb.fn.max('started_at').as('at')])
          .groupBy('site_id')
          .execute()
      );
      keepLatest(
        await db
          .selectFrom('tickets')
          .select(['site_id', (eb) => eb.fn.max('created_at').as('at')])
          .groupBy('site_id')
          .execute()
      );
      const ids = (await db.selectFrom('sites').select('id').execute()).map((r) => r.id);
      return new Map(
        ids.map((id) => [
          id,
          {
            callsRinging: ringing.get(id) ?? 0,
            ticketsWaiting: waiting.get(id) ?? 0,
            printJobsPending: pending.get(id) ?? 0,
            printerFaultsOpen: faults.get(id) ?? 0,
            managers: managers.get(id) ?? 0,
            lastActivityAt: latest.get(id) ?? null
          }
        ])
      );
    }
  };
}
