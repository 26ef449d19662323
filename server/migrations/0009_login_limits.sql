-- Failed logins, counted in the database so that a restart does not forget them, and so that a
-- manager can see and lift a lock. One row per counter: a login from one address, a login from
-- anywhere, one address whatever the login, the whole server (see `login-limiter.ts`).
CREATE TABLE login_limits (
  key TEXT PRIMARY KEY,
  -- The login (lower case) the counter is about, when it is about one: to list and clear its locks.
  login TEXT,
  -- Attempts counted in the current window: failures, and attempts still being checked.
  points INTEGER NOT NULL,
  -- Times are milliseconds since the epoch: the limiter compares them, nobody reads them.
  window_ends_at INTEGER NOT NULL,
  blocked_until INTEGER,
  -- How many times the counter was blocked lately: each block lasts longer (progressive back-off).
  strikes INTEGER NOT NULL DEFAULT 0,
  last_blocked_at INTEGER
);
CREATE INDEX login_limits_login ON login_limits(login) WHERE login IS NOT NULL;

-- A site may require 6-digit PINs for its agents (4 to 8 digits otherwise).
ALTER TABLE sites ADD COLUMN pin_min_length INTEGER NOT NULL DEFAULT 4 CHECK (pin_min_length IN (4, 6));
-- How many digits an agent's PIN has (never the PIN itself), so the console can point out the PINs
-- that are shorter than the site now requires. NULL until the PIN is set or used again.
ALTER TABLE accounts ADD COLUMN secret_length INTEGER;
