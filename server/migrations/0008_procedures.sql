-- Procedures stored per site and versioned. The files of the catalog folder are only the seed: at
-- start-up each site gets, as version 1, every catalog procedure it does not have yet (published on
-- the demo site, waiting for the manager's review on a real one). From then on the site's manager
-- imports, edits and publishes them.

CREATE TABLE procedures (
  site_id TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
  -- The `id` written in the file; a new version must keep it.
  id TEXT NOT NULL,
  -- The version the kiosks offer; NULL: not on the kiosks (never published, or withdrawn).
  published_version INTEGER,
  -- Order of the tiles on the kiosk.
  position INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (site_id, id)
);

-- The file exactly as the manager wrote it, one row per saved version. A session keeps using the
-- version it started with, so a version is never changed once written (the trigger below).
CREATE TABLE procedure_versions (
  site_id TEXT NOT NULL,
  procedure_id TEXT NOT NULL,
  version INTEGER NOT NULL CHECK (version >= 1),
  source TEXT NOT NULL,
  created_at TEXT NOT NULL,
  -- The manager's first name; NULL for the versions imported from the catalog folder.
  created_by TEXT,
  PRIMARY KEY (site_id, procedure_id, version),
  FOREIGN KEY (site_id, procedure_id) REFERENCES procedures(site_id, id) ON DELETE CASCADE
);

CREATE TRIGGER procedure_versions_immutable BEFORE UPDATE ON procedure_versions
BEGIN
  SELECT RAISE(ABORT, 'procedure versions are immutable: save a new version');
END;

-- Sessions now name the version of their procedure. Those already stored used the catalog files,
-- which become version 1.
UPDATE kiosk_sessions
SET state = json_set(state, '$.procedureVersion',
  CASE WHEN json_extract(state, '$.procedureId') IS NULL THEN json('null') ELSE 1 END);
UPDATE session_patches
SET patch = json_set(patch, '$.changes', (
  SELECT json_group_array(
    CASE WHEN json_extract(c.value, '$.op') = 'open' THEN json_set(c.value, '$.version', 1) ELSE json(c.value) END)
  FROM json_each(session_patches.patch, '$.changes') AS c))
WHERE patch LIKE '%"op":"open"%';
