-- Statistics that serve the team, and citizens' requests about their session.
--
-- Printer faults: when each printer stopped (paper out, cover open, unreachable…) and when it was
-- ready again, so the statistics can say how often printing failed, per site, day and hour. A
-- printer, not a person: nothing here names anyone. The kind is not CHECKed: it is whatever the
-- driver reported (printers/status.ts), and a new kind must never stop printing.
CREATE TABLE printer_faults (
  id INTEGER PRIMARY KEY,
  site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  printer_id TEXT REFERENCES printers(id) ON DELETE SET NULL,
  fault TEXT NOT NULL,
  started_at TEXT NOT NULL,
  -- NULL while the printer is still in fault.
  ended_at TEXT
);
CREATE INDEX printer_faults_site ON printer_faults(site_id, started_at);
CREATE INDEX printer_faults_open ON printer_faults(printer_id) WHERE ended_at IS NULL;

-- The audit log also records a manager's answer to a citizen's request: their session exported
-- or erased, by its reference. SQLite cannot change a CHECK constraint in place: the table is
-- rebuilt with the same columns and rows (nothing references it).
CREATE TABLE audit_log_new (
  id INTEGER PRIMARY KEY,
  site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  -- No foreign key: the log outlives the purged session and names it by its reference.
  session_id TEXT NOT NULL,
  session_reference TEXT NOT NULL,
  account_id TEXT REFERENCES accounts(id) ON DELETE SET NULL,
  actor_name TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN (
    'accept', 'view', 'edit', 'note', 'handover', 'release', 'end', 'stopped', 'lost', 'export', 'erase'
  )),
  -- Which step was edited, to whom a call was handed: never an answer's value.
  detail TEXT NOT NULL DEFAULT '',
  at TEXT NOT NULL
);
INSERT INTO audit_log_new (id, site_id, session_id, session_reference, account_id, actor_name, action, detail, at)
  SELECT id, site_id, session_id, session_reference, account_id, actor_name, action, detail, at FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_site ON audit_log(site_id, id);
