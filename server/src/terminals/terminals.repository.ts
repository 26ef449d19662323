/** Data access for `terminals` (kiosks and hall displays). */
import type { Selectable } from 'kysely';
import type { Executor } from '../db/executor';
import { first, prepare } from '../db/prepared';
import type { TerminalsTable } from '../db/schema';
import type { TerminalKind } from '../../../shared/identity';

type TerminalRow = Selectable<TerminalsTable>;

export interface Terminal {
  id: string;
  siteId: string;
  kind: TerminalKind;
  name: string;
  location: string;
  pairedAt: string;
  lastSeenAt: string | null;
  revokedAt: string | null;
  /** The build its page runs, as it said when it last connected. */
  softwareVersion: string | null;
}

function toTerminal(row: TerminalRow): Terminal {
  return {
    id: row.id,
    siteId: row.site_id,
    kind: row.kind,
    name: row.name,
    location: row.location,
    pairedAt: row.paired_at,
    lastSeenAt: row.last_seen_at,
    revokedAt: row.revoked_at,
    softwareVersion: row.software_version
  };
}

export function createTerminalsRepository(ex: Executor) {
  const update = () => ex.db().updateTable('terminals');
  const placeListeners: ((terminalId: string) => void)[] = [];
  // Read for every call card and every ticket: compiled once.
  const byId = prepare(ex, (db, p: { id: string }) => db.selectFrom('terminals').selectAll().where('id', '=', p.id));

  return {
    async insert(terminal: Omit<Terminal, 'lastSeenAt' | 'revokedAt' | 'softwareVersion'>): Promise<void> {
      await ex
        .db()
        .insertInto('terminals')
        .values({
          id: terminal.id,
          site_id: terminal.siteId,
          kind: terminal.kind,
          name: terminal.name,
          location: terminal.location,
          paired_at: terminal.pairedAt
        })
        .execute();
    },
    async findById(id: string): Promise<Terminal | null> {
      const row = await first(byId({ id }));
      return row ? toTerminal(row) : null;
    },
    /** Every site's terminals not revoked, in one read (the metrics' count per site). */
    listActive: async (): Promise<Terminal[]> =>
      (await ex.db().selectFrom('terminals').selectAll().where('revoked_at', 'is', null).orderBy('id').execute()).map(toTerminal),
    async listActiveInSite(siteId: string): Promise<Terminal[]> {
      const rows = await ex
        .db()
        .selectFrom('terminals')
        .selectAll()
        .where('site_id', '=', siteId)
        .where('revoked_at', 'is', null)
        .orderBy('kind')
        .orderBy('name')
        .orderBy('id')
        .execute();
      return rows.map(toTerminal);
    },
    async rename(id: string, name: string, location: string): Promise<void> {
      await update().set({ name, location }).where('id', '=', id).execute();
      ex.afterCommit(() => {
        for (const fn of placeListeners) fn(id);
      });
    },
    /** `fn` is told, once committed, each terminal renamed or moved. */
    onPlaceChange(fn: (terminalId: string) => void): void {
      placeListeners.push(fn);
    },
    async revoke(id: string, at: string): Promise<void> {
      await update().set({ revoked_at: at }).where('id', '=', id).execute();
    },
    async markSeen(id: string, at: string): Promise<void> {
      await update().set({ last_seen_at: at }).where('id', '=', id).execute();
    },
    async setSoftwareVersion(id: string, version: string): Promise<void> {
      await update().set({ software_version: version }).where('id', '=', id).execute();
    },
    /** The demo site's terminal of a kind, if this store has the demo site. */
    async findDemoTerminalId(kind: TerminalKind): Promise<string | null> {
      const row = await ex
        .db()
        .selectFrom('terminals as t')
        .innerJoin('sites as s', 's.id', 't.site_id')
        .select('t.id')
        .where('s.is_demo', '=', 1)
        .where('t.kind', '=', kind)
        .where('t.revoked_at', 'is', null)
        .orderBy('t.paired_at')
        .orderBy('t.id')
        .limit(1)
        .executeTakeFirst();
      return row?.id ?? null;
    }
  };
}
