-- Kiosk sessions (server-held, versioned), their patches, help calls, agents' chosen availability
-- and the audit log of every agent access to a session.
--
-- Agents are not watched: no table keeps a history per agent. `help_calls.agent_id` names the
-- agent joined *right now* and is cleared when the call ends; the audit log records accesses to
-- citizens' data (who opened which session), which is what it is for.

ALTER TABLE sites ADD COLUMN call_widen_seconds INTEGER NOT NULL DEFAULT 45;
ALTER TABLE sites ADD COLUMN call_give_up_seconds INTEGER NOT NULL DEFAULT 120;
-- Where the reception desk is, said by the kiosk when nobody could come.
ALTER TABLE sites ADD COLUMN reception_hint TEXT NOT NULL DEFAULT '';
-- Weekly opening hours as JSON {"1":[["08:30","12:00"],…],…} (ISO weekday 1 = Monday); '{}' = not set.
ALTER TABLE sites ADD COLUMN opening_hours TEXT NOT NULL DEFAULT '{}';

CREATE TABLE kiosk_sessions (
  id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  terminal_id TEXT REFERENCES terminals(id) ON DELETE SET NULL,
  reference TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'ended')),
  version INTEGER NOT NULL,
  -- The whole state (language, procedure, step, answers, notes): personal data, purged with the session.
  state TEXT NOT NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  end_reason TEXT CHECK (end_reason IN ('finished', 'inactivity', 'agent'))
);
CREATE INDEX kiosk_sessions_terminal ON kiosk_sessions(terminal_id, status);
CREATE INDEX kiosk_sessions_site ON kiosk_sessions(site_id, started_at);

-- Append-only: each accepted change, by whom, so a reconnecting client gets exactly what it missed.
CREATE TABLE session_patches (
  session_id TEXT NOT NULL REFERENCES kiosk_sessions(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  -- The client's id for the command: a replayed command is answered, not applied twice.
  patch_id TEXT,
  patch TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (session_id, version)
);
CREATE UNIQUE INDEX session_patches_patch_id ON session_patches(session_id, patch_id) WHERE patch_id IS NOT NULL;

CREATE TABLE help_calls (
  id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  -- Kept when the session is purged: the call still counts in the statistics, without contents.
  session_id TEXT REFERENCES kiosk_sessions(id) ON DELETE SET NULL,
  terminal_id TEXT REFERENCES terminals(id) ON DELETE SET NULL,
  request_id TEXT NOT NULL,
  reason TEXT NOT NULL CHECK (reason IN ('help', 'review')),
  -- The service of the procedure in progress, for counting per service.
  service TEXT,
  status TEXT NOT NULL CHECK (status IN ('ringing', 'accepted', 'done', 'cancelled', 'unanswered')),
  stage INTEGER NOT NULL DEFAULT 0 CHECK (stage IN (0, 1)),
  unanswered_reason TEXT CHECK (unanswered_reason IN ('no_agent', 'closed', 'timeout')),
  created_at TEXT NOT NULL,
  ringing_since TEXT NOT NULL,
  answered_at TEXT,
  ended_at TEXT,
  -- Operational links, cleared when the call ends (see the header).
  agent_id TEXT REFERENCES accounts(id) ON DELETE SET NULL,
  target_agent_id TEXT REFERENCES accounts(id) ON DELETE SET NULL,
  handover_from TEXT
);
CREATE UNIQUE INDEX help_calls_request ON help_calls(session_id, request_id);
CREATE INDEX help_calls_open ON help_calls(status) WHERE status IN ('ringing', 'accepted');
CREATE INDEX help_calls_site ON help_calls(site_id, created_at);

-- What each agent chose (available, busy, on a break) and what to go back to after a call.
-- No timestamps: this is the current state, not a record of anyone's day.
CREATE TABLE agent_presence (
  account_id TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
  status TEXT NOT NULL CHECK (status IN ('available', 'busy', 'break')),
  before_call TEXT CHECK (before_call IN ('available', 'busy', 'break'))
);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  -- No foreign key: the log outlives the purged session and names it by its reference.
  session_id TEXT NOT NULL,
  session_reference TEXT NOT NULL,
  account_id TEXT REFERENCES accounts(id) ON DELETE SET NULL,
  actor_name TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('accept', 'view', 'edit', 'note', 'handover', 'release', 'end', 'stopped', 'lost')),
  -- Which step was edited, to whom a call was handed: never an answer's value.
  detail TEXT NOT NULL DEFAULT '',
  at TEXT NOT NULL
);
CREATE INDEX audit_log_site ON audit_log(site_id, id);
