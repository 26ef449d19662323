/**
 * Every data module over the store's executor. Only these modules do I/O on the store. They are
 * written with the query builder and answer with promises, whichever engine is below; on SQLite a
 * query waits its turn while another command's transaction holds the connection (`db/executor.ts`).
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
import { createLeasesRepository } from './cluster/leases.repository';
import {
  createOperatorSessionsRepository,
  createOperatorsRepository,
  createSiteOperationsRepository
} from './operators/operators.repository';

export type Store = ReturnType<typeof createStore>;

/** The store over an SQLite connection: tests and tools that open the file themselves. */
export function createSqliteStore(db: Db): Store {
  return createStore(createSqliteExecutor(db), db);
}

/**
 * The store over either engine's executor; `sqlite` is the connection below it when the engine is
 * SQLite (null on PostgreSQL), for what only SQLite has (backups, vacuum, checkpoints).
 */
export function createStore(executor: Executor, sqlite: Db | null) {
  if ((executor.engine === 'sqlite') !== (sqlite !== null)) {
    throw new Error('createStore: the SQLite connection goes with the SQLite executor, and only with it');
  }
  return {
    engine: executor.engine,
    sqlite,
    executor,
    /** One transaction for `fn`'s reads and writes; joins the one already open. */
    transaction: <T>(fn: () => Promise<T> | T): Promise<T> => executor.transaction(fn),
    sites: createSitesRepository(executor),
    leases: createLeasesRepository(executor),
    siteLogos: createSiteLogosRepository(executor),
    terminals: createTerminalsRepository(executor),
    terminalTokens: createTerminalTokensRepository(executor),
    pairings: createPairingsRepository(executor),
    accounts: createAccountsRepository(executor),
    authSessions: createAuthSessionsRepository(executor),
    loginLimits: createLoginLimitsRepository(executor),
    sessions: createSessionsRepository(executor),
    sessionPatches: createSessionPatchesRepository(executor),
    helpCalls: createHelpCallsRepository(executor),
    agentPresence: createAgentPresenceRepository(executor),
    auditLog: createAuditLogRepository(executor),
    printers: createPrintersRepository(executor),
    printJobs: createPrintJobsRepository(executor),
    tickets: createTicketsRepository(executor),
    services: createServicesRepository(executor),
    counters: createCountersRepository(executor),
    ticketCalls: createTicketCallsRepository(executor),
    procedures: createProceduresRepository(executor),
    procedureVersions: createProcedureVersionsRepository(executor),
    printerFaults: createPrinterFaultsRepository(executor),
    statistics: createStatisticsRepository(executor),
    operators: createOperatorsRepository(executor),
    operatorSessions: createOperatorSessionsRepository(executor),
    siteOperations: createSiteOperationsRepository(executor)
  };
}
