/**
 * The tables as the query builder sees them: one interface per table, columns as stored
 * (snake_case; times as ISO-8601 text; flags as 0/1; JSON as text). Repositories turn rows into
 * the domain's objects themselves. `Generated` marks a column the database fills when an insert
 * leaves it out (a default, or SQLite's row id).
 *
 * Written by hand from the migrations (`server/migrations/`); `schema.spec.ts` compares it with
 * the migrated database, so a migration that changes a table must change it too.
 */
import type { Generated } from 'kysely';

export interface AccountsTable {
  id: string;
  site_id: string;
  role: 'agent' | 'manager';
  login: string;
  first_name: string;
  secret_hash: string;
  active: Generated<number>;
  created_at: string;
  secret_length: number | null;
}

export interface AgentPresenceTable {
  account_id: string;
  status: 'available' | 'busy' | 'break';
  before_call: 'available' | 'busy' | 'break' | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  site_id: string;
  session_id: string;
  session_reference: string;
  account_id: string | null;
  actor_name: string;
  action: 'accept' | 'view' | 'edit' | 'note' | 'handover' | 'release' | 'end' | 'stopped' | 'lost' | 'export' | 'erase';
  detail: Generated<string>;
  at: string;
}

export interface AuthSessionsTable {
  token_hash: string;
  id: string;
  account_id: string;
  created_at: string;
  expires_at: string;
}

export interface CountersTable {
  id: string;
  site_id: string;
  name: string;
  services: Generated<string>;
  position: Generated<number>;
  /** The request id of the counter's last « next » (migration 0017). */
  last_next_request: string | null;
}

export interface HelpCallsTable {
  id: string;
  site_id: string;
  session_id: string | null;
  terminal_id: string | null;
  request_id: string;
  reason: 'help' | 'review';
  service: string | null;
  status: 'ringing' | 'accepted' | 'done' | 'cancelled' | 'unanswered';
  stage: Generated<0 | 1>;
  unanswered_reason: 'no_agent' | 'closed' | 'timeout' | null;
  created_at: string;
  ringing_since: string;
  answered_at: string | null;
  ended_at: string | null;
  agent_id: string | null;
  target_agent_id: string | null;
  handover_from: string | null;
}

export interface KioskSessionsTable {
  id: string;
  site_id: string;
  terminal_id: string | null;
  reference: string;
  status: 'active' | 'ended';
  version: number;
  state: string;
  started_at: string;
  ended_at: string | null;
  end_reason: 'finished' | 'inactivity' | 'agent' | null;
}

export interface LoginLimitsTable {
  key: string;
  login: string | null;
  points: number;
  window_ends_at: number;
  blocked_until: number | null;
  strikes: Generated<number>;
  last_blocked_at: number | null;
}

export interface OperatorsTable {
  id: string;
  login: string;
  first_name: string;
  secret_hash: string;
  active: Generated<number>;
  created_at: string;
}

export interface OperatorSessionsTable {
  token_hash: string;
  id: string;
  operator_id: string;
  created_at: string;
  expires_at: string;
}

export interface PairingsTable {
  id: string;
  secret_hash: string;
  code: string;
  kind: 'kiosk' | 'display';
  created_at: string;
  expires_at: string;
  claimed_at: string | null;
  terminal_id: string | null;
  delivered_at: string | null;
}

export interface PrintJobsTable {
  id: string;
  site_id: string;
  printer_id: string | null;
  kind: 'ticket' | 'summary_receipt' | 'summary_a4' | 'test_page';
  ticket_id: string | null;
  session_id: string | null;
  terminal_id: string | null;
  document: string;
  copy: Generated<number>;
  status: 'queued' | 'waiting' | 'printed' | 'uncertain' | 'cancelled';
  fault: string | null;
  attempts: Generated<number>;
  next_attempt_at: string;
  created_at: string;
  printed_at: string | null;
}

export interface PrinterFaultsTable {
  id: Generated<number>;
  site_id: string;
  printer_id: string | null;
  fault: string;
  started_at: string;
  ended_at: string | null;
}

export interface PrintersTable {
  id: string;
  site_id: string;
  terminal_id: string | null;
  kind: 'receipt' | 'a4';
  name: string;
  uri: string;
  created_at: string;
}

export interface ProcedureVersionsTable {
  site_id: string;
  procedure_id: string;
  version: number;
  source: string;
  created_at: string;
  created_by: string | null;
}

export interface ProceduresTable {
  site_id: string;
  id: string;
  published_version: number | null;
  position: number;
  created_at: string;
}

export interface SchemaMigrationsTable {
  version: Generated<number>;
  name: string;
  checksum: string;
  applied_at: string;
}

export interface ServicesTable {
  site_id: string;
  id: string;
  prefix: string;
  name: string;
  opening_hours: Generated<string>;
  position: Generated<number>;
  regular_streak: Generated<number>;
}

export interface SessionPatchesTable {
  session_id: string;
  version: number;
  patch_id: string | null;
  patch: string;
  created_at: string;
}

export interface SiteLogosTable {
  site_id: string;
  mime: 'image/png' | 'image/jpeg';
  data: Buffer;
  hash: string;
  updated_at: string;
}

export interface SitesTable {
  id: string;
  name: string;
  address: Generated<string>;
  phone: Generated<string>;
  timezone: Generated<string>;
  is_demo: Generated<number>;
  created_at: string;
  call_widen_seconds: Generated<number>;
  call_give_up_seconds: Generated<number>;
  reception_hint: Generated<string>;
  opening_hours: Generated<string>;
  priority_every: Generated<number>;
  announce_locale: string | null;
  retention_days: Generated<number>;
  kiosk_languages: Generated<string>;
  kiosk_idle_seconds: number | null;
  kiosk_countdown_seconds: number | null;
  closed_days: Generated<string>;
  closed_message: Generated<string>;
  pin_min_length: Generated<4 | 6>;
  suspended_at: string | null;
  suspended_reason: Generated<string>;
}

export interface TerminalTokensTable {
  token_hash: string;
  terminal_id: string;
  created_at: string;
  last_used_at: string | null;
  replaced_until: string | null;
}

export interface TerminalsTable {
  id: string;
  site_id: string;
  kind: 'kiosk' | 'display';
  name: string;
  location: Generated<string>;
  paired_at: string;
  last_seen_at: string | null;
  revoked_at: string | null;
  software_version: string | null;
}

export interface TicketCallsTable {
  seq: Generated<number>;
  site_id: string;
  ticket_id: string;
  counter_id: string | null;
  counter_name: string;
  recall: Generated<number>;
  at: string;
}

/** The last number given per site, service and day (migration 0014). */
export interface TicketNumbersTable {
  site_id: string;
  service: string;
  day: string;
  last: number;
}

export interface TicketsTable {
  id: string;
  site_id: string;
  service: string;
  day: string;
  number: number;
  label: string;
  priority: Generated<0 | 1>;
  status: 'waiting' | 'called' | 'done' | 'absent' | 'cancelled';
  terminal_id: string | null;
  request_id: string;
  locale: string;
  created_at: string;
  queue_service: string | null;
  queued_at: string | null;
  counter_id: string | null;
  target_counter_id: string | null;
  called_at: string | null;
  finished_at: string | null;
}

/** Which node runs what must run once (`site:<id>`, `global`); see migration 0016. */
export interface LeasesTable {
  name: string;
  node_id: string;
  /** The database's clock on PostgreSQL (timestamptz); unused on SQLite. */
  expires_at: string;
}

export interface Database {
  accounts: AccountsTable;
  agent_presence: AgentPresenceTable;
  audit_log: AuditLogTable;
  auth_sessions: AuthSessionsTable;
  counters: CountersTable;
  help_calls: HelpCallsTable;
  kiosk_sessions: KioskSessionsTable;
  leases: LeasesTable;
  login_limits: LoginLimitsTable;
  operator_sessions: OperatorSessionsTable;
  operators: OperatorsTable;
  pairings: PairingsTable;
  print_jobs: PrintJobsTable;
  printer_faults: PrinterFaultsTable;
  printers: PrintersTable;
  procedure_versions: ProcedureVersionsTable;
  procedures: ProceduresTable;
  schema_migrations: SchemaMigrationsTable;
  services: ServicesTable;
  session_patches: SessionPatchesTable;
  site_logos: SiteLogosTable;
  sites: SitesTable;
  terminal_tokens: TerminalTokensTable;
  terminals: TerminalsTable;
  ticket_calls: TicketCallsTable;
  ticket_numbers: TicketNumbersTable;
  tickets: TicketsTable;
}
