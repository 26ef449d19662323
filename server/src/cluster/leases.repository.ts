/**
 * Data access for `leases`: which node runs what must run once (a site's printers, escalation
 * timers and purges). PostgreSQL only (several nodes share one database there; on SQLite the one
 * process owns every site and never asks). Times are the database's clock, so nodes whose clocks
 * differ still agree on when a lease has run out.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/executor';

export function createLeasesRepository(ex: Executor) {
  const postgresOnly = () => {
    if (ex.engine !== 'postgres') throw new Error('leases are kept on PostgreSQL only');
  };
  return {
    /**
     * Takes each named lease that is free or run out, and renews those `nodeId` holds, for `ttlMs`.
     * One statement: two nodes claiming at once each get a lease or not, never both. Answers the
     * names `nodeId` holds now.
     */
    async claim(nodeId: string, names: string[], ttlMs: number): Promise<string[]> {
      postgresOnly();
      if (names.length === 0) return [];
      const { rows } = await sql<{ name: string }>`
        INSERT INTO leases (name, node_id, expires_at)
        SELECT name, ${nodeId}, now() + ${ttlMs} * interval '1 millisecond' FROM unnest(${names}::text[]) AS name
        ON CONFLICT (name) DO UPDATE SET node_id = EXCLUDED.node_id, expires_at = EXCLUDED.expires_at
        WHERE leases.node_id = EXCLUDED.node_id OR leases.expires_at < now()
        RETURNING name`.execute(ex.db());
      return rows.map((r) => r.name);
    },

    /**
     * Gives back `nodeId`'s leases (a node that stops), or only those named (a node holding more
     * than its share): another node takes them at its next round.
     */
    async release(nodeId: string, names?: string[]): Promise<void> {
      postgresOnly();
      if (names === undefined) await sql`DELETE FROM leases WHERE node_id = ${nodeId}`.execute(ex.db());
      else if (names.length > 0)
        await sql`DELETE FROM leases WHERE node_id = ${nodeId} AND name = ANY(${names}::text[])`.execute(ex.db());
    },

    /** Who holds each lease that has not run out (health and tests). */
    async holders(): Promise<{ name: string; nodeId: string }[]> {
      postgresOnly();
      const { rows } = await sql<{ name: string; node_id: string }>`
        SELECT name, node_id FROM leases WHERE expires_at >= now() ORDER BY name`.execute(ex.db());
      return rows.map((r) => ({ name: r.name, nodeId: r.node_id }));
    }
  };
}
