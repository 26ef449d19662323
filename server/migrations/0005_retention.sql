-- How long an ended session's contents (answers, notes) are kept, in days after the day it ended.
-- 0: until the end of that day. Tickets, calls and the audit log hold no personal data and stay.
ALTER TABLE sites ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 0;
