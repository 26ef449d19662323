/** Data access for `terminals` (kiosks and hall displays). */
import type { Db } from '../db/database';
import type { TerminalKind } from '../../../shared/identity';

interface TerminalRow {
  id: string;
  site_id: string;
  kind: TerminalKind;
  name: string;
  location: string;
  paired_at: string;
  last_seen_at: string | null;
  revoked_at: string | null;
  software_version: string | null;
}

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

export function createTerminalsRepository(db: Db) {
  const insert = db.prepare(
    'INSERT INTO terminals (id, site_id, kind, name, location, paired_at) VALUES (@id, @siteId, @kind, @name, @location, @pairedAt)'
  );
  const byId = db.prepare('SELECT * FROM terminals WHERE id = ?');
  const activeInSite = db.prepare('SELECT * FROM terminals WHERE site_id = ? AND revoked_at IS NULL ORDER BY kind, name');
  const rename = db.prepare('UPDATE terminals SET name = ?, location = ? WHERE id = ?');
  const revoke = db.prepare('UPDATE terminals SET revoked_at = ? WHERE id = ?');
  const seen = db.prepare('UPDATE terminals SET last_seen_at = ? WHERE id = ?');
  const setVersion = db.prepare('UPDATE terminals SET software_version = ? WHERE id = ?');
  const demoOfKind = db.prepare(
    `SELECT t.id FROM terminals t JOIN sites s ON s.id = t.site_id
     WHERE s.is_demo = 1 AND t.kind = ? AND t.revoked_at IS NULL ORDER BY t.paired_at LIMIT 1`
  );

  return {
    insert(terminal: Omit<Terminal, 'lastSeenAt' | 'revokedAt' | 'softwareVersion'>): void {
      insert.run(terminal);
    },
    findById(id: string): Terminal | null {
      const row = byId.get(id) as TerminalRow | undefined;
      return row ? toTerminal(row) : null;
    },
    listActiveInSite(siteId: string): Terminal[] {
      return (activeInSite.all(siteId) as TerminalRow[]).map(toTerminal);
    },
    rename(id: string, name: string, location: string): void {
      rename.run(name, location, id);
    },
    revoke(id: string, at: string): void {
      revoke.run(at, id);
    },
    markSeen(id: string, at: string): void {
      seen.run(at, id);
    },
    setSoftwareVersion(id: string, version: string): void {
      setVersion.run(version, id);
    },
    /** The demo site's terminal of a kind, if this store has the demo site. */
    findDemoTerminalId(kind: TerminalKind): string | null {
      return (demoOfKind.get(kind) as { id: string } | undefined)?.id ?? null;
    }
  };
}
