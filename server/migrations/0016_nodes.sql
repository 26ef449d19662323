-- Several nodes on one PostgreSQL database (see 0016_nodes.postgres.sql). On SQLite one process
-- owns the file, hence every site: the table is here so that both engines share one schema, and
-- stays empty.
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  node_id TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
