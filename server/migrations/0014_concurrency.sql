-- What one SQLite connection used to guarantee by running one command at a time, said by the
-- schema itself, so that it holds where transactions run side by side (PostgreSQL). The same
-- statements on both engines.

-- The last number given per site, service and day. A take bumps its row (INSERT … ON CONFLICT
-- DO UPDATE … RETURNING) in the transaction that inserts the ticket: takes of one service wait for
-- each other on that row, never read the same last number, and a take that fails gives its number
-- back with its rollback (no gap).
CREATE TABLE ticket_numbers (
  site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  service TEXT NOT NULL,
  day TEXT NOT NULL,
  last INTEGER NOT NULL,
  PRIMARY KEY (site_id, service, day)
);
INSERT INTO ticket_numbers (site_id, service, day, last)
  SELECT site_id, service, day, MAX(number) FROM tickets GROUP BY site_id, service, day;

-- One open outage per printer, enforced: a report of a printer already down inserts nothing
-- (ON CONFLICT DO NOTHING), however many arrive at once. Any second open row a database may hold
-- is closed first, at the moment it opened.
UPDATE printer_faults SET ended_at = started_at
  WHERE ended_at IS NULL
    AND id NOT IN (SELECT MIN(id) FROM printer_faults WHERE ended_at IS NULL GROUP BY printer_id);
DROP INDEX printer_faults_open;
CREATE UNIQUE INDEX printer_faults_open ON printer_faults(printer_id) WHERE ended_at IS NULL;

-- Logins are compared as lower(login) on every engine: the index that comparison can use. Made
-- with the first PostgreSQL schema already, hence IF NOT EXISTS.
CREATE UNIQUE INDEX IF NOT EXISTS accounts_site_login ON accounts(site_id, lower(login));
CREATE INDEX IF NOT EXISTS accounts_login ON accounts(lower(login));
