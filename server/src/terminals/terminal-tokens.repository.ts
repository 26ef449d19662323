/** Data access for `terminal_tokens`: hashes of the device tokens each terminal holds. */
import type { Db } from '../db/database';

export type TerminalTokensRepository = ReturnType<typeof createTerminalTokensRepository>;

export function createTerminalTokensRepository(db: Db) {
  const insert = db.prepare('INSERT INTO terminal_tokens (token_hash, terminal_id, created_at) VALUES (?, ?, ?)');
  const terminalOf = db.prepare('SELECT terminal_id AS terminalId FROM terminal_tokens WHERE token_hash = ?');
  const removeForTerminal = db.prepare('DELETE FROM terminal_tokens WHERE terminal_id = ?');

  return {
    insert(tokenHash: string, terminalId: string, at: string): void {
      insert.run(tokenHash, terminalId, at);
    },
    findTerminalId(tokenHash: string): string | null {
      return (terminalOf.get(tokenHash) as { terminalId: string } | undefined)?.terminalId ?? null;
    },
    removeForTerminal(terminalId: string): void {
      removeForTerminal.run(terminalId);
    }
  };
}
