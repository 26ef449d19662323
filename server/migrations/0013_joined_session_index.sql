-- An agent's joined session is checked on each of their keystrokes (who may change a session):
-- the index holds the session too, so the check reads the index alone.
DROP INDEX help_calls_joined;
CREATE INDEX help_calls_joined ON help_calls(agent_id, session_id) WHERE status = 'accepted';
