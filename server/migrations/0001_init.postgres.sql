-- The whole schema at level 13 (0001 to 0013 of the SQLite files), for a new PostgreSQL database:
-- no PostgreSQL database was ever at an earlier level, so 0002 to 0013 are empty here.
--
-- Kept as close to SQLite as the query source needs: times are ISO-8601 text, 0/1 flags integers
-- with a CHECK, JSON text; row ids are identities (BY DEFAULT, so a copy from SQLite keeps them).
-- Logins compare without case, as SQLite's COLLATE NOCASE did: through lower(login), which the
-- unique index and every query use. Columns are in the order SQLite has them after its migrations.

CREATE TABLE sites (
  id text PRIMARY KEY,
  name text NOT NULL,
  address text NOT NULL DEFAULT '',
  phone text NOT NULL DEFAULT '',
  timezone text NOT NULL DEFAULT 'Europe/Paris',
  is_demo integer NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
  created_at text NOT NULL,
  call_widen_seconds integer NOT NULL DEFAULT 45,
  call_give_up_seconds integer NOT NULL DEFAULT 120,
  -- Where the reception desk is, said by the kiosk when nobody could come.
  reception_hint text NOT NULL DEFAULT '',
  -- Weekly opening hours as JSON {"1":[["08:30","12:00"],…],…} (ISO weekday 1 = Monday); '{}' = not set.
  opening_hours text NOT NULL DEFAULT '{}',
  -- One priority ticket after this many regular ones (when one waits): nobody waits forever.
  priority_every integer NOT NULL DEFAULT 2,
  -- A second language for the display's spoken calls, after French; NULL for French only.
  announce_locale text,
  -- How long an ended session's contents are kept, in days after the day it ended (0: that day).
  retention_days integer NOT NULL DEFAULT 0,
  -- The languages offered on the kiosks (JSON list of locale codes); French is always one of them.
  kiosk_languages text NOT NULL DEFAULT '["fr","en","ar"]',
  -- Kiosk inactivity, in seconds. NULL: the server's default.
  kiosk_idle_seconds integer,
  kiosk_countdown_seconds integer,
  -- Days the whole site is closed whatever its weekly hours: JSON [{"date":"2026-11-11","label":"11 novembre"}].
  closed_days text NOT NULL DEFAULT '[]',
  -- What the kiosk says when the site is closed; '' for the default sentence in each language.
  closed_message text NOT NULL DEFAULT '',
  -- A site may require 6-digit PINs for its agents (4 to 8 digits otherwise).
  pin_min_length integer NOT NULL DEFAULT 4 CHECK (pin_min_length IN (4, 6))
);

CREATE TABLE terminals (
  id text PRIMARY KEY,
  site_id text NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('kiosk', 'display')),
  name text NOT NULL,
  location text NOT NULL DEFAULT '',
  paired_at text NOT NULL,
  last_seen_at text,
  revoked_at text,
  -- The build a terminal's page runs, as it said when it connected.
  software_version text
);
CREATE INDEX terminals_site ON terminals(site_id);

-- Only a SHA-256 of each device token is kept: the token itself lives on the terminal. Renewed
-- after a month (the old one works until replaced_until), deleted after 90 days unused.
CREATE TABLE terminal_tokens (
  token_hash text PRIMARY KEY,
  terminal_id text NOT NULL REFERENCES terminals(id) ON DELETE CASCADE,
  created_at text NOT NULL,
  last_used_at text,
  replaced_until text
);
CREATE INDEX terminal_tokens_terminal ON terminal_tokens(terminal_id);
CREATE INDEX terminal_tokens_last_used ON terminal_tokens(last_used_at);

-- A pairing request from an unpaired terminal: single use, claimed once, delivered once.
CREATE TABLE pairings (
  id text PRIMARY KEY,
  secret_hash text NOT NULL UNIQUE,
  code text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('kiosk', 'display')),
  created_at text NOT NULL,
  expires_at text NOT NULL,
  claimed_at text,
  terminal_id text REFERENCES terminals(id) ON DELETE CASCADE,
  delivered_at text
);
CREATE INDEX pairings_code ON pairings(code);

CREATE TABLE accounts (
  id text PRIMARY KEY,
  site_id text NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('agent', 'manager')),
  -- Unique per site without case (the index below): compared as lower(login) everywhere.
  login text NOT NULL,
  first_name text NOT NULL,
  -- argon2id of the agent's PIN or the manager's password
  secret_hash text NOT NULL,
  active integer NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at text NOT NULL,
  -- How many digits an agent's PIN has (never the PIN itself).
  secret_length integer
);
CREATE UNIQUE INDEX accounts_site_login ON accounts(site_id, lower(login));
CREATE INDEX accounts_site ON accounts(site_id);
-- A login, at each sign-in (whatever the site).
CREATE INDEX accounts_login ON accounts(lower(login));

CREATE TABLE auth_sessions (
  token_hash text PRIMARY KEY,
  id text NOT NULL UNIQUE,
  account_id text NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  created_at text NOT NULL,
  expires_at text NOT NULL
);
CREATE INDEX auth_sessions_account ON auth_sessions(account_id);

CREATE TABLE kiosk_sessions (
  id text PRIMARY KEY,
  site_id text NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  terminal_id text REFERENCES terminals(id) ON DELETE SET NULL,
  reference text NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'ended')),
  version integer NOT NULL,
  -- The whole state (language, procedure, step, answers, notes): personal data, purged with the session.
  state text NOT NULL,
  started_at text NOT NULL,
  ended_at text,
  end_reason text CHECK (end_reason IN ('finished', 'inactivity', 'agent'))
);
CREATE INDEX kiosk_sessions_terminal ON kiosk_sessions(terminal_id, status);
CREATE INDEX kiosk_sessions_site ON kiosk_sessions(site_id, started_at);

-- Append-only: each accepted change, by whom, so a reconnecting client gets exactly what it missed.
CREATE TABLE session_patches (
  session_id text NOT NULL REFERENCES kiosk_sessions(id) ON DELETE CASCADE,
  version integer NOT NULL,
  -- The client's id for the command: a replayed command is answered, not applied twice.
  patch_id text,
  patch text NOT NULL,
  created_at text NOT NULL,
  PRIMARY KEY (session_id, version)
);
CREATE UNIQUE INDEX session_patches_patch_id ON session_patches(session_id, patch_id) WHERE patch_id IS NOT NULL;

CREATE TABLE help_calls (
  id text PRIMARY KEY,
  site_id text NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  -- Kept when the session is purged: the call still counts in the statistics, without contents.
  session_id text REFERENCES kiosk_sessions(id) ON DELETE SET NULL,
  terminal_id text REFERENCES terminals(id) ON DELETE SET NULL,
  request_id text NOT NULL,
  reason text NOT NULL CHECK (reason IN ('help', 'review')),
  service text,
  status text NOT NULL CHECK (status IN ('ringing', 'accepted', 'done', 'cancelled', 'unanswered')),
  stage integer NOT NULL DEFAULT 0 CHECK (stage IN (0, 1)),
  unanswered_reason text CHECK (unanswered_reason IN ('no_agent', 'closed', 'timeout')),
  created_at text NOT NULL,
  ringing_since text NOT NULL,
  answered_at text,
  ended_at text,
  -- Operational links, cleared when the call ends: no table keeps a history per agent.
  agent_id text REFERENCES accounts(id) ON DELETE SET NULL,
  target_agent_id text REFERENCES accounts(id) ON DELETE SET NULL,
  handover_from text
);
CREATE UNIQUE INDEX help_calls_request ON help_calls(session_id, request_id);
CREATE INDEX help_calls_open ON help_calls(status) WHERE status IN ('ringing', 'accepted');
CREATE INDEX help_calls_site ON help_calls(site_id, created_at);
CREATE INDEX help_calls_joined ON help_calls(agent_id, session_id) WHERE status = 'accepted';

-- What each agent chose, and what to go back to after a call. No timestamps: the current state only.
CREATE TABLE agent_presence (
  account_id text PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
  status text NOT NULL CHECK (status IN ('available', 'busy', 'break')),
  before_call text CHECK (before_call IN ('available', 'busy', 'break'))
);

CREATE TABLE audit_log (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  site_id text NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  -- No foreign key: the log outlives the purged session and names it by its reference.
  session_id text NOT NULL,
  session_reference text NOT NULL,
  account_id text REFERENCES accounts(id) ON DELETE SET NULL,
  actor_name text NOT NULL,
  action text NOT NULL CHECK (action IN (
    'accept', 'view', 'edit', 'note', 'handover', 'release', 'end', 'stopped', 'lost', 'export', 'erase'
  )),
  -- Which step was edited, to whom a call was handed: never an answer's value.
  detail text NOT NULL DEFAULT '',
  at text NOT NULL
);
CREATE INDEX audit_log_site ON audit_log(site_id, id);

CREATE TABLE printers (
  id text PRIMARY KEY,
  site_id text NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  terminal_id text REFERENCES terminals(id) ON DELETE SET NULL,
  kind text NOT NULL CHECK (kind IN ('receipt', 'a4')),
  name text NOT NULL,
  uri text NOT NULL,
  created_at text NOT NULL
);
CREATE INDEX printers_site ON printers(site_id, kind);

CREATE TABLE services (
  site_id text NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  id text NOT NULL,
  prefix text NOT NULL,
  name text NOT NULL,
  opening_hours text NOT NULL DEFAULT '{}',
  position integer NOT NULL DEFAULT 0,
  -- Regular tickets called since the last priority one: what the priority rule remembers.
  regular_streak integer NOT NULL DEFAULT 0,
  PRIMARY KEY (site_id, id),
  UNIQUE (site_id, prefix)
);

CREATE TABLE counters (
  id text PRIMARY KEY,
  site_id text NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  name text NOT NULL,
  -- The services it calls from now (JSON array of service ids).
  services text NOT NULL DEFAULT '[]',
  position integer NOT NULL DEFAULT 0,
  UNIQUE (site_id, name)
);

-- A queue ticket. Numbers restart each site-local day, per service; a reprint never takes a new one.
CREATE TABLE tickets (
  id text PRIMARY KEY,
  site_id text NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  service text NOT NULL,
  day text NOT NULL,
  number integer NOT NULL,
  label text NOT NULL,
  priority integer NOT NULL DEFAULT 0 CHECK (priority IN (0, 1)),
  status text NOT NULL CHECK (status IN ('waiting', 'called', 'done', 'absent', 'cancelled')),
  terminal_id text REFERENCES terminals(id) ON DELETE SET NULL,
  -- The kiosk's id for the command: a replayed "take a ticket" gives the same ticket back.
  request_id text NOT NULL,
  locale text NOT NULL,
  created_at text NOT NULL,
  -- The queue it is in now: its own service, or the one it was transferred to.
  queue_service text,
  queued_at text,
  counter_id text REFERENCES counters(id) ON DELETE SET NULL,
  target_counter_id text REFERENCES counters(id) ON DELETE SET NULL,
  called_at text,
  finished_at text,
  UNIQUE (site_id, service, day, number),
  UNIQUE (site_id, request_id)
);
CREATE INDEX tickets_waiting ON tickets(site_id, service, status, created_at);
CREATE INDEX tickets_queue ON tickets(site_id, status, queue_service, priority, queued_at);
CREATE INDEX tickets_counter ON tickets(counter_id, status);
CREATE INDEX tickets_service_times ON tickets(site_id, queue_service, called_at) WHERE status = 'done';

-- Every announcement, in order: the display catches up from here and never shows one twice.
CREATE TABLE ticket_calls (
  seq bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  site_id text NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  ticket_id text NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  counter_id text REFERENCES counters(id) ON DELETE SET NULL,
  counter_name text NOT NULL,
  recall integer NOT NULL DEFAULT 0 CHECK (recall IN (0, 1)),
  at text NOT NULL
);
CREATE INDEX ticket_calls_site ON ticket_calls(site_id, seq);

-- What is to be printed, kept until it is; a summary's document is erased once printed.
CREATE TABLE print_jobs (
  id text PRIMARY KEY,
  site_id text NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  printer_id text REFERENCES printers(id) ON DELETE SET NULL,
  kind text NOT NULL CHECK (kind IN ('ticket', 'summary_receipt', 'summary_a4', 'test_page')),
  ticket_id text REFERENCES tickets(id) ON DELETE CASCADE,
  session_id text REFERENCES kiosk_sessions(id) ON DELETE SET NULL,
  terminal_id text REFERENCES terminals(id) ON DELETE SET NULL,
  document text NOT NULL,
  -- 0 for the original; 1, 2… for copies, which print « DUPLICATA ».
  copy integer NOT NULL DEFAULT 0,
  status text NOT NULL CHECK (status IN ('queued', 'waiting', 'printed', 'uncertain', 'cancelled')),
  fault text,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at text NOT NULL,
  created_at text NOT NULL,
  printed_at text
);
CREATE INDEX print_jobs_pending ON print_jobs(status, next_attempt_at) WHERE status IN ('queued', 'waiting');
CREATE INDEX print_jobs_ticket ON print_jobs(ticket_id);
CREATE INDEX print_jobs_session ON print_jobs(session_id);
CREATE INDEX print_jobs_printer ON print_jobs(printer_id, status);
CREATE INDEX print_jobs_site ON print_jobs(site_id, created_at);

-- When each printer stopped and was ready again. A printer, not a person: nothing names anyone.
CREATE TABLE printer_faults (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  site_id text NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  printer_id text REFERENCES printers(id) ON DELETE SET NULL,
  fault text NOT NULL,
  started_at text NOT NULL,
  -- NULL while the printer is still in fault.
  ended_at text
);
CREATE INDEX printer_faults_site ON printer_faults(site_id, started_at);
CREATE INDEX printer_faults_open ON printer_faults(printer_id) WHERE ended_at IS NULL;

-- A site's logo, apart from `sites` so reading a site never loads the image. PNG or JPEG only.
CREATE TABLE site_logos (
  site_id text PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
  mime text NOT NULL CHECK (mime IN ('image/png', 'image/jpeg')),
  data bytea NOT NULL,
  hash text NOT NULL,
  updated_at text NOT NULL
);

-- Procedures stored per site and versioned; the catalog folder is only the seed.
CREATE TABLE procedures (
  site_id text NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  id text NOT NULL,
  -- The version the kiosks offer; NULL: not on the kiosks.
  published_version integer,
  position integer NOT NULL,
  created_at text NOT NULL,
  PRIMARY KEY (site_id, id)
);

-- One row per saved version, never changed once written: a session keeps using its version.
CREATE TABLE procedure_versions (
  site_id text NOT NULL,
  procedure_id text NOT NULL,
  version integer NOT NULL CHECK (version >= 1),
  source text NOT NULL,
  created_at text NOT NULL,
  -- The manager's first name; NULL for the versions imported from the catalog folder.
  created_by text,
  PRIMARY KEY (site_id, procedure_id, version),
  FOREIGN KEY (site_id, procedure_id) REFERENCES procedures(site_id, id) ON DELETE CASCADE
);

-- The same message as SQLite's RAISE(ABORT, …), so both engines refuse alike.
CREATE FUNCTION procedure_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'procedure versions are immutable: save a new version';
END;
$$;
CREATE TRIGGER procedure_versions_immutable BEFORE UPDATE ON procedure_versions
  FOR EACH ROW EXECUTE FUNCTION procedure_versions_immutable();

-- Failed logins, counted in the database so that a restart does not forget them.
CREATE TABLE login_limits (
  key text PRIMARY KEY,
  -- The login (lower case) the counter is about, when it is about one.
  login text,
  points integer NOT NULL,
  -- Milliseconds since the epoch: beyond an integer's range.
  window_ends_at bigint NOT NULL,
  blocked_until bigint,
  strikes integer NOT NULL DEFAULT 0,
  last_blocked_at bigint
);
CREATE INDEX login_limits_login ON login_limits(login) WHERE login IS NOT NULL;
