-- Sites, terminals (kiosks and displays) and their device tokens, pairing requests,
-- accounts (agents and managers) and login sessions.
-- Every row that belongs to a site says so; nothing crosses sites.

CREATE TABLE sites (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  address TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  timezone TEXT NOT NULL DEFAULT 'Europe/Paris',
  is_demo INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);

CREATE TABLE terminals (
  id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('kiosk', 'display')),
  name TEXT NOT NULL,
  location TEXT NOT NULL DEFAULT '',
  paired_at TEXT NOT NULL,
  last_seen_at TEXT,
  revoked_at TEXT
);
CREATE INDEX terminals_site ON terminals(site_id);

-- Only a SHA-256 of each device token is kept: the token itself lives on the terminal.
CREATE TABLE terminal_tokens (
  token_hash TEXT PRIMARY KEY,
  terminal_id TEXT NOT NULL REFERENCES terminals(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL
);
CREATE INDEX terminal_tokens_terminal ON terminal_tokens(terminal_id);

-- A pairing request from an unpaired terminal. The terminal knows its secret (cookie);
-- a manager enters the short code. Single use: claimed once, delivered once.
CREATE TABLE pairings (
  id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL UNIQUE,
  code TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('kiosk', 'display')),
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  claimed_at TEXT,
  terminal_id TEXT REFERENCES terminals(id) ON DELETE CASCADE,
  delivered_at TEXT
);
CREATE INDEX pairings_code ON pairings(code);

CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('agent', 'manager')),
  login TEXT NOT NULL UNIQUE COLLATE NOCASE,
  first_name TEXT NOT NULL,
  -- argon2id of the agent's PIN or the manager's password
  secret_hash TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL
);
CREATE INDEX accounts_site ON accounts(site_id);

CREATE TABLE auth_sessions (
  token_hash TEXT PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX auth_sessions_account ON auth_sessions(account_id);
