-- What a site manager sets without a developer: the kiosk's languages and inactivity delays, the
-- days the site is closed and what the kiosk says then, the site's logo; and what each terminal
-- reports about itself (its software version), and test pages as print jobs.

-- The languages offered on the kiosks (JSON list of locale codes); French is always one of them.
ALTER TABLE sites ADD COLUMN kiosk_languages TEXT NOT NULL DEFAULT '["fr","en","ar"]';
-- Kiosk inactivity, in seconds. NULL: the server's default (GUICHET_KIOSK_IDLE_SECONDS,
-- GUICHET_KIOSK_COUNTDOWN_SECONDS), so a site that never set them behaves as before.
ALTER TABLE sites ADD COLUMN kiosk_idle_seconds INTEGER;
ALTER TABLE sites ADD COLUMN kiosk_countdown_seconds INTEGER;
-- Days the whole site is closed whatever its weekly hours: JSON [{"date":"2026-11-11","label":"11 novembre"}].
ALTER TABLE sites ADD COLUMN closed_days TEXT NOT NULL DEFAULT '[]';
-- What the kiosk says when the site is closed; '' for the default sentence in each language.
ALTER TABLE sites ADD COLUMN closed_message TEXT NOT NULL DEFAULT '';

-- A site's logo, kept apart from `sites` so reading a site never loads the image. PNG or JPEG
-- only (an SVG can carry scripts), size-limited by the command that sets it.
CREATE TABLE site_logos (
  site_id TEXT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
  mime TEXT NOT NULL CHECK (mime IN ('image/png', 'image/jpeg')),
  data BLOB NOT NULL,
  -- SHA-256 of the bytes, shortened: the image's URL changes with it, so browsers may cache it.
  hash TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- The build a terminal's page runs, as it said when it connected: an older one than the server's
-- must be reloaded.
ALTER TABLE terminals ADD COLUMN software_version TEXT;

-- A test page is a print job like the others (faults, retries, the staff told), so the kind list
-- grows; SQLite cannot change a CHECK constraint in place, hence the table is rebuilt. No other
-- table refers to print_jobs.
CREATE TABLE print_jobs_new (
  id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  printer_id TEXT REFERENCES printers(id) ON DELETE SET NULL,
  kind TEXT NOT NULL CHECK (kind IN ('ticket', 'summary_receipt', 'summary_a4', 'test_page')),
  ticket_id TEXT REFERENCES tickets(id) ON DELETE CASCADE,
  session_id TEXT REFERENCES kiosk_sessions(id) ON DELETE SET NULL,
  terminal_id TEXT REFERENCES terminals(id) ON DELETE SET NULL,
  document TEXT NOT NULL,
  copy INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL CHECK (status IN ('queued', 'waiting', 'printed', 'uncertain', 'cancelled')),
  fault TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  printed_at TEXT
);
INSERT INTO print_jobs_new
  (id, site_id, printer_id, kind, ticket_id, session_id, terminal_id, document, copy, status, fault, attempts,
   next_attempt_at, created_at, printed_at)
SELECT id, site_id, printer_id, kind, ticket_id, session_id, terminal_id, document, copy, status, fault, attempts,
   next_attempt_at, created_at, printed_at
FROM print_jobs;
DROP TABLE print_jobs;
ALTER TABLE print_jobs_new RENAME TO print_jobs;
CREATE INDEX print_jobs_pending ON print_jobs(status, next_attempt_at) WHERE status IN ('queued', 'waiting');
CREATE INDEX print_jobs_ticket ON print_jobs(ticket_id);
