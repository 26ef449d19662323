-- Printers, queue tickets and print jobs.
-- A printer belongs to a site; attached to one terminal (a kiosk's own receipt printer) or shared
-- by the site's terminals. Its URI chooses the driver: tcp://, file://, cups://, cups-pdf://, folder://.

CREATE TABLE printers (
  id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  terminal_id TEXT REFERENCES terminals(id) ON DELETE SET NULL,
  kind TEXT NOT NULL CHECK (kind IN ('receipt', 'a4')),
  name TEXT NOT NULL,
  uri TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX printers_site ON printers(site_id, kind);

-- A queue ticket. Numbers restart each site-local day, per service; a reprint never takes a new one.
CREATE TABLE tickets (
  id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  service TEXT NOT NULL,
  day TEXT NOT NULL,
  number INTEGER NOT NULL,
  label TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0 CHECK (priority IN (0, 1)),
  status TEXT NOT NULL CHECK (status IN ('waiting', 'called', 'done', 'absent', 'cancelled')),
  terminal_id TEXT REFERENCES terminals(id) ON DELETE SET NULL,
  -- The kiosk's id for the command: a replayed "take a ticket" gives the same ticket back.
  request_id TEXT NOT NULL,
  locale TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (site_id, service, day, number),
  UNIQUE (site_id, request_id)
);
CREATE INDEX tickets_waiting ON tickets(site_id, service, status, created_at);

-- What is to be printed, kept until it is. `document` is the layout's input, so a retry or a
-- duplicate prints the same thing; a summary's is erased once printed (it holds answers).
CREATE TABLE print_jobs (
  id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  printer_id TEXT REFERENCES printers(id) ON DELETE SET NULL,
  kind TEXT NOT NULL CHECK (kind IN ('ticket', 'summary_receipt', 'summary_a4')),
  ticket_id TEXT REFERENCES tickets(id) ON DELETE CASCADE,
  session_id TEXT REFERENCES kiosk_sessions(id) ON DELETE SET NULL,
  terminal_id TEXT REFERENCES terminals(id) ON DELETE SET NULL,
  document TEXT NOT NULL,
  -- 0 for the original; 1, 2… for copies, which print « DUPLICATA ».
  copy INTEGER NOT NULL DEFAULT 0,
  -- queued: to print; waiting: the printer has a fault, retried with backoff; printed: done;
  -- uncertain: sent, but the printer failed during it or the link dropped — a copy follows.
  status TEXT NOT NULL CHECK (status IN ('queued', 'waiting', 'printed', 'uncertain', 'cancelled')),
  fault TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  printed_at TEXT
);
CREATE INDEX print_jobs_pending ON print_jobs(status, next_attempt_at) WHERE status IN ('queued', 'waiting');
CREATE INDEX print_jobs_ticket ON print_jobs(ticket_id);
