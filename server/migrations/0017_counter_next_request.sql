-- The request id of each counter's last « next »: a « next » sent again (a tablet that reconnected,
-- perhaps to another node) is recognised from the database, not from one process's memory, and
-- calls no second ticket. The same statement on both engines.
ALTER TABLE counters ADD COLUMN last_next_request TEXT;
