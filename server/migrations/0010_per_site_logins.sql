-- Logins are unique per site, not across the installation: a manager creating an account must not
-- learn, through « login taken », the logins of another site. The login form names the site when
-- there are several.
--
-- SQLite cannot change a UNIQUE constraint in place: the table is rebuilt with the same columns
-- and rows, then its index is made again. Other tables reference accounts(id); the migration runner
-- turns foreign keys off while migrations run (so dropping the old table cascades nowhere) and
-- checks every reference before committing. No trigger or view names this table.
CREATE TABLE accounts_new (
  id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('agent', 'manager')),
  login TEXT NOT NULL COLLATE NOCASE,
  first_name TEXT NOT NULL,
  -- argon2id of the agent's PIN or the manager's password
  secret_hash TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  -- How many digits an agent's PIN has (never the PIN itself): see 0009.
  secret_length INTEGER,
  UNIQUE (site_id, login)
);
INSERT INTO accounts_new (id, site_id, role, login, first_name, secret_hash, active, created_at, secret_length)
  SELECT id, site_id, role, login, first_name, secret_hash, active, created_at, secret_length FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;
CREATE INDEX accounts_site ON accounts(site_id);
