/** Data access for `pairings`: requests from unpaired terminals, waiting for a manager's code entry. */
import { sql, type Selectable } from 'kysely';
import type { Executor } from '../db/executor';
import type { PairingsTable } from '../db/schema';
import type { TerminalKind } from '../../../shared/identity';

type PairingRow = Selectable<PairingsTable>;

export interface Pairing {
  id: string;
  secretHash: string;
  code: string;
  kind: TerminalKind;
  createdAt: string;
  expiresAt: string;
  claimedAt: string | null;
  terminalId: string | null;
  deliveredAt: string | null;
}

function toPairing(row: PairingRow): Pairing {
  return {
    id: row.id,
    secretHash: row.secret_hash,
    code: row.code,
    kind: row.kind,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    claimedAt: row.claimed_at,
    terminalId: row.terminal_id,
    deliveredAt: row.delivered_at
  };
}

/** The advisory lock of new pairing requests on PostgreSQL ('pair'). */
const requestsLock = 0x7061_6972;

export function createPairingsRepository(ex: Executor) {
  const pairings = () => ex.db().selectFrom('pairings').selectAll();
  const one = (row: PairingRow | undefined) => (row ? toPairing(row) : null);

  return {
    /**
     * Held until the transaction ends: one new pairing request at a time, so that the count of
     * open requests and the free code it reads stay true until its insert commits. On PostgreSQL
     * an advisory lock (the rows counted are not all there to lock); on SQLite the transaction
     * already has the store to itself.
     */
    async lockRequests(): Promise<void> {
      if (ex.engine === 'postgres') await sql`SELECT pg_advisory_xact_lock(${requestsLock})`.execute(ex.db());
    },
    async insert(p: Pick<Pairing, 'id' | 'secretHash' | 'code' | 'kind' | 'createdAt' | 'expiresAt'>): Promise<void> {
      await ex
        .db()
        .insertInto('pairings')
        .values({
          id: p.id,
          secret_hash: p.secretHash,
          code: p.code,
          kind: p.kind,
          created_at: p.createdAt,
          expires_at: p.expiresAt
        })
        .execute();
    },
    findBySecretHash: async (secretHash: string): Promise<Pairing | null> =>
      one(await pairings().where('secret_hash', '=', secretHash).executeTakeFirst()),
    findOpenByCode: async (code: string, now: string): Promise<Pairing | null> =>
      one(
        await pairings().where('code', '=', code).where('claimed_at', 'is', null).where('expires_at', '>', now).executeTakeFirst()
      ),
    async claim(id: string, terminalId: string, at: string): Promise<boolean> {
      // The WHERE clause makes the claim atomic: of two managers entering the same code, one wins.
      const result = await ex
        .db()
        .updateTable('pairings')
        .set({ claimed_at: at, terminal_id: terminalId })
        .where('id', '=', id)
        .where('claimed_at', 'is', null)
        .executeTakeFirstOrThrow();
      return result.numUpdatedRows === 1n;
    },
    async markDelivered(id: string, at: string): Promise<boolean> {
      const result = await ex
        .db()
        .updateTable('pairings')
        .set({ delivered_at: at })
        .where('id', '=', id)
        .where('delivered_at', 'is', null)
        .executeTakeFirstOrThrow();
      return result.numUpdatedRows === 1n;
    },
    /** Open requests (unclaimed, unexpired), and when the first of them expires. */
    async pending(now: string): Promise<{ count: number; firstExpiresAt: string | null }> {
      const row = await ex
        .db()
        .selectFrom('pairings')
        .select((eb) => [eb.fn.countAll().as('n'), eb.fn.min('expires_at').as('first')])
        .where('claimed_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirstOrThrow();
      return { count: Number(row.n), firstExpiresAt: row.first ?? null };
    },
    async purgeExpired(now: string): Promise<number> {
      const result = await ex
        .db()
        .deleteFrom('pairings')
        .where('expires_at', '<=', now)
        .where((eb) => eb.or([eb('claimed_at', 'is', null), eb('delivered_at', 'is not', null)]))
        .executeTakeFirstOrThrow();
      return Number(result.numDeletedRows);
    }
  };
}
