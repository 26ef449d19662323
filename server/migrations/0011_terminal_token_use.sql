-- Device tokens are renewed and purged: a token older than a month is replaced on the terminal's
-- next page load (the old one keeps working for a short overlap, until replaced_until), and a
-- token nobody used for 90 days is deleted. last_used_at is written at most once an hour.
ALTER TABLE terminal_tokens ADD COLUMN last_used_at TEXT;
ALTER TABLE terminal_tokens ADD COLUMN replaced_until TEXT;
-- Existing tokens count as used now: a kiosk switched off for the summer keeps its pairing.
UPDATE terminal_tokens SET last_used_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
CREATE INDEX terminal_tokens_last_used ON terminal_tokens(last_used_at);
