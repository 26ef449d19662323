/** Data access for `terminal_tokens`: hashes of the device tokens each terminal holds. */
import type { Db } from '../db/database';

interface TerminalTokenRow {
  terminal_id: string;
  created_at: string;
  last_used_at: string;
  replaced_until: string | null;
}

export interface TerminalToken {
  terminalId: string;
  createdAt: string;
  /** Updated at most once an hour: see terminals.service.ts. */
  lastUsedAt: string;
  /** Set once a newer token replaced this one: it works until then. */
  replacedUntil: string | null;
}

export function createTerminalTokensRepository(db: Db) {
  const insert = db.prepare(
    'INSERT INTO terminal_tokens (token_hash, terminal_id, created_at, last_used_at) VALUES (?, ?, ?, ?)'
  );
  const byHash = db.prepare(
    'SELECT terminal_id, created_at, last_used_at, replaced_until FROM terminal_tokens WHERE token_hash = ?'
  );
  const touch = db.prepare('UPDATE terminal_tokens SET last_used_at = ? WHERE token_hash = ?');
  const replace = db.prepare('UPDATE terminal_tokens SET replaced_until = ? WHERE token_hash = ? AND replaced_until IS NULL');
  const removeForTerminal = db.prepare('DELETE FROM terminal_tokens WHERE terminal_id = ?');
  const keepRecent = db.prepare(
    `DELETE FROM terminal_tokens WHERE terminal_id = @terminalId AND token_hash NOT IN (
       SELECT token_hash FROM terminal_tokens WHERE terminal_id = @terminalId
       ORDER BY last_used_at DESC, created_at DESC LIMIT @keep)`
  );
  const purge = db.prepare(
    `DELETE FROM terminal_tokens
     WHERE replaced_until <= @now
        OR (last_used_at <= @unusedBefore AND terminal_id NOT IN (SELECT value FROM json_each(@spared)))`
  );

  return {
    insert(tokenHash: string, terminalId: string, at: string): void {
      insert.run(tokenHash, terminalId, at, at);
    },
    find(tokenHash: string): TerminalToken | null {
      const row = byHash.get(tokenHash) as TerminalTokenRow | undefined;
      return row
        ? {
            terminalId: row.terminal_id,
            createdAt: row.created_at,
            lastUsedAt: row.last_used_at,
            replacedUntil: row.replaced_until
          }
        : null;
    },
    touch(tokenHash: string, at: string): void {
      touch.run(at, tokenHash);
    },
    /** The token keeps working until `until`, then it is refused and purged. Once only. */
    markReplaced(tokenHash: string, until: string): void {
      replace.run(until, tokenHash);
    },
    removeForTerminal(terminalId: string): void {
      removeForTerminal.run(terminalId);
    },
    /** Deletes the terminal's tokens but the `keep` most recently used. */
    keepMostRecent(terminalId: string, keep: number): number {
      return keepRecent.run({ terminalId, keep }).changes;
    },
    /** Deletes replaced tokens past their overlap and tokens unused since `unusedBefore`, except the `spared` terminals'. */
    purge(now: string, unusedBefore: string, spared: string[]): number {
      return purge.run({ now, unusedBefore, spared: JSON.stringify(spared) }).changes;
    }
  };
}
