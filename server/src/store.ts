/**
 * Every data module over one database connection. Only these modules do I/O on the store.
 * Their methods answer with promises, whichever engine is below: a statement waits its turn while
 * another command's transaction holds the connection (`db/executor.ts`).
 */
import type { Db } from './db/database';
import { createSqliteExecutor, type Executor } from './db/executor';
import { createAccountsRepository } from './accounts/accounts.repository';
import { createAuthSessionsRepository } from './auth/auth-sessions.repository';
import { createLoginLimitsRepository } from './auth/login-limits.repository';
import { createPairingsRepository } from './pairing/pairings.repository';
import { createSitesRepository } from './sites/sites.repository';
import { createSiteLogosRepository } from './sites/site-logos.repository';
import { createTerminalTokensRepository } from './terminals/terminal-tokens.repository';
import { createTerminalsRepository } from './terminals/terminals.repository';
import { createSessionsRepository } from './sessions/sessions.repository';
import { createSessionPatchesRepository } from './sessions/session-patches.repository';
import { createHelpCallsRepository } from './calls/help-calls.repository';
import { createAgentPresenceRepository } from './agents/agent-presence.repository';
import { createAuditLogRepository } from './audit/audit-log.repository';
import { createPrintersRepository } from './printing/printers.repository';
import { createPrintJobsRepository } from './printing/print-jobs.repository';
import { createTicketsRepository } from './tickets/tickets.repository';
import { createServicesRepository } from './queue/services.repository';
import { createCountersRepository } from './queue/counters.repository';
import { createTicketCallsRepository } from './queue/ticket-calls.repository';
import { createProceduresRepository } from './procedures/procedures.repository';
import { createProcedureVersionsRepository } from './procedures/procedure-versions.repository';
import { createPrinterFaultsRepository } from './printing/printer-faults.repository';
import { createStatisticsRepository } from './statistics/statistics.repository';

export type Store = ReturnType<typeof createStore>;

/** A repository whose methods answer with promises. */
export type Async<R> = {
  [K in keyof R]: R[K] extends (...args: infer A) => infer T ? (...args: A) => Promise<T> : R[K];
};

function awaited<R extends object>(executor: Executor, repository: R): Async<R> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(repository)) {
    out[name] =
      typeof value === 'function'
        ? (...args: unknown[]) => executor.turn(() => (value as (...a: unknown[]) => unknown)(...args))
        : value;
  }
  return out as Async<R>;
}

export function createStore(db: Db) {
  const executor = createSqliteExecutor(db);
  const repositories = {
    sessions: createSessionsRepository(db),
    sessionPatches: createSessionPatchesRepository(db),
    agentPresence: createAgentPresenceRepository(db),
    auditLog: createAuditLogRepository(db),
    tickets: createTicketsRepository(db),
    services: createServicesRepository(db),
    counters: createCountersRepository(db),
    ticketCalls: createTicketCallsRepository(db),
    procedures: createProceduresRepository(db),
    procedureVersions: createProcedureVersionsRepository(db),
    statistics: createStatisticsRepository(db)
  };
  type Repositories = typeof repositories;
  const wrapped = {} as { [K in keyof Repositories]: Async<Repositories[K]> };
  for (const name of Object.keys(repositories) as (keyof Repositories)[]) {
    (wrapped as Record<string, unknown>)[name] = awaited(executor, repositories[name]);
  }
  return {
    /** The SQLite connection itself: for what only SQLite has (backups, vacuum, checkpoints). */
    db,
    executor,
    /** One transaction for `fn`'s reads and writes; joins the one already open. */
    transaction: <T>(fn: () => Promise<T> | T): Promise<T> => executor.transaction(fn),
    ...wrapped,
    // Written with the query builder: already asynchronous, in the executor's turns.
    sites: createSitesRepository(executor),
    siteLogos: createSiteLogosRepository(executor),
    terminals: createTerminalsRepository(executor),
    terminalTokens: createTerminalTokensRepository(executor),
    pairings: createPairingsRepository(executor),
    accounts: createAccountsRepository(executor),
    authSessions: createAuthSessionsRepository(executor),
    loginLimits: createLoginLimitsRepository(executor),
    helpCalls: createHelpCallsRepository(executor),
    printers: createPrintersRepository(executor),
    printJobs: createPrintJobsRepository(executor),
    printerFaults: createPrinterFaultsRepository(executor)
  };
}
