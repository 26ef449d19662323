/** Data access for `pairings`: requests from unpaired terminals, waiting for a manager's code entry. */
import type { Db } from '../db/database';
import type { TerminalKind } from '../../../shared/identity';

interface PairingRow {
  id: string;
  secret_hash: string;
  code: string;
  kind: TerminalKind;
  created_at: string;
  expires_at: string;
  claimed_at: string | null;
  terminal_id: string | null;
  delivered_at: string | null;
}

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

export function createPairingsRepository(db: Db) {
  const insert = db.prepare(
    'INSERT INTO pairings (id, secret_hash, code, kind, created_at, expires_at) VALUES (@id, @secretHash, @code, @kind, @createdAt, @expiresAt)'
  );
  const bySecret = db.prepare('SELECT * FROM pairings WHERE secret_hash = ?');
  const openByCode = db.prepare('SELECT * FROM pairings WHERE code = ? AND claimed_at IS NULL AND expires_at > ?');
  // The WHERE clause makes the claim atomic: of two managers entering the same code, one wins.
  const claim = db.prepare('UPDATE pairings SET claimed_at = ?, terminal_id = ? WHERE id = ? AND claimed_at IS NULL');
  const deliver = db.prepare('UPDATE pairings SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL');
  const pending = db.prepare(
    'SELECT COUNT(*) AS n, MIN(expires_at) AS first FROM pairings WHERE claimed_at IS NULL AND expires_at > ?'
  );
  const purge = db.prepare('DELETE FROM pairings WHERE expires_at <= ? AND (claimed_at IS NULL OR delivered_at IS NOT NULL)');

  return {
    insert(p: Pick<Pairing, 'id' | 'secretHash' | 'code' | 'kind' | 'createdAt' | 'expiresAt'>): void {
      insert.run(p);
    },
    findBySecretHash(secretHash: string): Pairing | null {
      const row = bySecret.get(secretHash) as PairingRow | undefined;
      return row ? toPairing(row) : null;
    },
    findOpenByCode(code: string, now: string): Pairing | null {
      const row = openByCode.get(code, now) as PairingRow | undefined;
      return row ? toPairing(row) : null;
    },
    claim(id: string, terminalId: string, at: string): boolean {
      return claim.run(at, terminalId, id).changes === 1;
    },
    markDelivered(id: string, at: string): boolean {
      return deliver.run(at, id).changes === 1;
    },
    /** Open requests (unclaimed, unexpired), and when the first of them expires. */
    pending(now: string): { count: number; firstExpiresAt: string | null } {
      const row = pending.get(now) as { n: number; first: string | null };
      return { count: row.n, firstExpiresAt: row.first };
    },
    purgeExpired(now: string): number {
      return purge.run(now).changes;
    }
  };
}
