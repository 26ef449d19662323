-- The queue: services with their letter, counters, and each ticket's way from waiting to done.
-- Nothing here names a citizen or an agent: a counter calls a ticket, not a person.

CREATE TABLE services (
  site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  prefix TEXT NOT NULL,
  name TEXT NOT NULL,
  opening_hours TEXT NOT NULL DEFAULT '{}',
  position INTEGER NOT NULL DEFAULT 0,
  -- Regular tickets called since the last priority one: what the priority rule remembers.
  regular_streak INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (site_id, id),
  UNIQUE (site_id, prefix)
);

CREATE TABLE counters (
  id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  -- As shown and spoken: « Guichet 3 ».
  name TEXT NOT NULL,
  -- The services it calls from now, chosen at the counter (JSON array of service ids).
  services TEXT NOT NULL DEFAULT '[]',
  position INTEGER NOT NULL DEFAULT 0,
  UNIQUE (site_id, name)
);

-- One priority ticket after this many regular ones (when one waits): nobody waits forever.
ALTER TABLE sites ADD COLUMN priority_every INTEGER NOT NULL DEFAULT 2;
-- A second language for the display's spoken calls, after French; NULL for French only.
ALTER TABLE sites ADD COLUMN announce_locale TEXT;

-- The queue a ticket is in now: its own service, or the one it was transferred to. Its number and
-- letter stay those of the service that issued it (`service`), so a transfer never renumbers it.
ALTER TABLE tickets ADD COLUMN queue_service TEXT;
-- Where in its queue a ticket stands (its arrival; kept when it is transferred).
ALTER TABLE tickets ADD COLUMN queued_at TEXT;
-- The counter serving it (status 'called'), or that served it.
ALTER TABLE tickets ADD COLUMN counter_id TEXT REFERENCES counters(id) ON DELETE SET NULL;
-- Transferred to one counter: only that counter calls it next.
ALTER TABLE tickets ADD COLUMN target_counter_id TEXT REFERENCES counters(id) ON DELETE SET NULL;
ALTER TABLE tickets ADD COLUMN called_at TEXT;
ALTER TABLE tickets ADD COLUMN finished_at TEXT;
UPDATE tickets SET queued_at = created_at, queue_service = service;
CREATE INDEX tickets_queue ON tickets(site_id, status, queue_service, priority, queued_at);
CREATE INDEX tickets_counter ON tickets(counter_id, status);

-- Every announcement, in order: the display catches up from here and never shows one twice.
CREATE TABLE ticket_calls (
  seq INTEGER PRIMARY KEY,
  site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  ticket_id TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
  counter_id TEXT REFERENCES counters(id) ON DELETE SET NULL,
  counter_name TEXT NOT NULL,
  recall INTEGER NOT NULL DEFAULT 0,
  at TEXT NOT NULL
);
CREATE INDEX ticket_calls_site ON ticket_calls(site_id, seq);
