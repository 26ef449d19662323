/** Every data module over one database connection. Only these modules do I/O on the store. */
import type { Db } from './db/database';
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

export function createStore(db: Db) {
  return {
    db,
    sites: createSitesRepository(db),
    siteLogos: createSiteLogosRepository(db),
    terminals: createTerminalsRepository(db),
    terminalTokens: createTerminalTokensRepository(db),
    pairings: createPairingsRepository(db),
    accounts: createAccountsRepository(db),
    authSessions: createAuthSessionsRepository(db),
    loginLimits: createLoginLimitsRepository(db),
    sessions: createSessionsRepository(db),
    sessionPatches: createSessionPatchesRepository(db),
    helpCalls: createHelpCallsRepository(db),
    agentPresence: createAgentPresenceRepository(db),
    auditLog: createAuditLogRepository(db),
    printers: createPrintersRepository(db),
    printJobs: createPrintJobsRepository(db),
    tickets: createTicketsRepository(db),
    services: createServicesRepository(db),
    counters: createCountersRepository(db),
    ticketCalls: createTicketCallsRepository(db),
    procedures: createProceduresRepository(db),
    procedureVersions: createProcedureVersionsRepository(db),
    printerFaults: createPrinterFaultsRepository(db),
    statistics: createStatisticsRepository(db)
  };
}
