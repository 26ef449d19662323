-- Several nodes on one database. What must run once (a site's printers, escalation timers and
-- purges) runs on the node holding its lease: `site:<id>` for a site, `global` for the jobs of
-- every site. A node renews its leases every few seconds; a lease past `expires_at` (the
-- database's clock, never a node's) may be taken by another node.
CREATE TABLE leases (
  name text PRIMARY KEY,
  node_id text NOT NULL,
  expires_at timestamptz NOT NULL
);

-- The socket.io adapter's table (@socket.io/postgres-adapter): a broadcast too large for a
-- NOTIFY (8,000 bytes) is stored here and its id notified; rows older than 30 s are deleted by
-- the adapter. Not one of the query builder's tables.
CREATE TABLE socket_io_attachments (
  id bigserial UNIQUE,
  created_at timestamptz DEFAULT now(),
  payload bytea
);
