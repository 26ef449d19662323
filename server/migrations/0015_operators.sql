-- Operators: the hosting organisation's people, above the sites. They create sites, suspend and
-- resume them, and see each one's health; they belong to no site and never see citizens' data.
CREATE TABLE operators (
  id TEXT PRIMARY KEY,
  -- Unique without case (the index below): compared as lower(login) everywhere.
  login TEXT NOT NULL,
  first_name TEXT NOT NULL,
  -- argon2id of the operator's password
  secret_hash TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX operators_login ON operators(lower(login));

CREATE TABLE operator_sessions (
  token_hash TEXT PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  operator_id TEXT NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX operator_sessions_operator ON operator_sessions(operator_id);

-- A suspended site's terminals and staff are refused until an operator resumes it.
ALTER TABLE sites ADD COLUMN suspended_at TEXT;
ALTER TABLE sites ADD COLUMN suspended_reason TEXT NOT NULL DEFAULT '';
