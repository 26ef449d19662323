-- Operators: the hosting organisation's people, above the sites. They create sites, suspend and
-- resume them, and see each one's health; they belong to no site and never see citizens' data.
CREATE TABLE operators (
  id text PRIMARY KEY,
  -- Unique without case (the index below): compared as lower(login) everywhere.
  login text NOT NULL,
  first_name text NOT NULL,
  -- argon2id of the operator's password
  secret_hash text NOT NULL,
  active integer NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at text NOT NULL
);
CREATE UNIQUE INDEX operators_login ON operators(lower(login));

CREATE TABLE operator_sessions (
  token_hash text PRIMARY KEY,
  id text NOT NULL UNIQUE,
  operator_id text NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
  created_at text NOT NULL,
  expires_at text NOT NULL
);
CREATE INDEX operator_sessions_operator ON operator_sessions(operator_id);

-- A suspended site's terminals and staff are refused until an operator resumes it.
ALTER TABLE sites ADD COLUMN suspended_at text;
ALTER TABLE sites ADD COLUMN suspended_reason text NOT NULL DEFAULT '';
