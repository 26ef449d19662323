-- Indexes a month of use needs: each statement below ran on every accept, print or erase by
-- reading a whole table that grows with the site's history (found with EXPLAIN QUERY PLAN, see
-- server/src/db/query-plans.spec.ts).
-- The agent's joined call, looked up on each accept and each tablet (re)connection.
CREATE INDEX help_calls_joined ON help_calls(agent_id) WHERE status = 'accepted';
-- A session's printouts: erased with it, listed with it, and checked when a session row goes.
CREATE INDEX print_jobs_session ON print_jobs(session_id);
-- A printer's waiting jobs, retried together when it is back.
CREATE INDEX print_jobs_printer ON print_jobs(printer_id, status);
-- The manager's list of a site's latest print jobs.
CREATE INDEX print_jobs_site ON print_jobs(site_id, created_at);
-- A login, at each sign-in.
CREATE INDEX accounts_login ON accounts(login);
-- A service's finished tickets by the time they were called: the kiosk's usual wait at this hour
-- reads this hour's range on each of the last 28 days.
CREATE INDEX tickets_service_times ON tickets(site_id, queue_service, called_at) WHERE status = 'done';
