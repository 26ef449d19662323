/**
 * `createApplication` wires the services, the HTTP app and the socket hub over the dependencies it
 * is given (store, clock, logger, optional SvelteKit handler). `main.ts` builds the real ones;
 * tests build them over a temporary database and a manual clock.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createAuthService } from './auth/auth.service';
import type { Clock } from './clock';
import type { Config } from './config';
import { createHttpApp, type KitHandler } from './http/http-app';
import { createPairingService } from './pairing/pairing.service';
import { createSiteHandlers } from './socket/handlers/site.handlers';
import { createTerminalHandlers } from './socket/handlers/terminal.handlers';
import { attachHub, createSocketServer } from './socket/hub';
import { immediately, rooms } from './socket/types';
import type { Store } from './store';
import type { Procedure } from '../../shared/procedures/schema';
import { TerminalPresence } from './terminals/terminal-presence';
import { createTerminalsService } from './terminals/terminals.service';
import { version } from './version';
import { createSpeechService } from './speech/speech.service';
import { AgentConnections } from './agents/agent-connections';
import { createAgentsService } from './agents/agents.service';
import { createCallsService } from './calls/calls.service';
import { createSessionsService } from './sessions/sessions.service';
import { createNotifier } from './socket/notifier';
import { createSessionHandlers } from './socket/handlers/session.handlers';
import { createCallHandlers } from './socket/handlers/call.handlers';
import { createManagerHandlers } from './socket/handlers/manager.handlers';
import { createSignalHandlers } from './socket/handlers/signal.handlers';
import { createPrintHandlers } from './socket/handlers/print.handlers';
import { createPrintingService } from './printing/printing.service';
import { createSummaryPrintService } from './printing/summary-print.service';
import { savePrinter } from './printing/printer-settings';
import { createDriverCache, type VirtualPrinters } from './printing/drivers';
import { createTicketsService } from './tickets/tickets.service';
import { createQueueService } from './queue/queue.service';
import { purgeExpiredSessions } from './sessions/retention';
import { createQueueHandlers } from './socket/handlers/queue.handlers';

export interface AppDeps {
  config: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  kitHandler?: KitHandler;
  /** The procedures offered on the kiosks (validated catalog). */
  procedures: Procedure[];
  /** The demo's printers (`virtual://…` URIs), when the server started them. */
  virtualPrinters?: VirtualPrinters;
}

export type Application = Awaited<ReturnType<typeof createApplication>>;

export function createApplication({ config, store, clock, logger, kitHandler, procedures, virtualPrinters }: AppDeps) {
  const presence = new TerminalPresence();
  const terminals = createTerminalsService({ store, clock, presence });
  const auth = createAuthService({
    store,
    clock,
    sessionHours: { agent: config.agentSessionHours, manager: config.managerSessionHours }
  });
  const pairing = createPairingService({ store, clock, terminals, pairingMinutes: config.pairingMinutes });

  const httpServer = http.createServer();
  const io = createSocketServer(httpServer);
  const notifier = createNotifier(io);
  const connections = new AgentConnections();
  const sessions = createSessionsService({ store, clock, procedures, notifier });
  const agents = createAgentsService({ store, notifier, connections });
  const calls = createCallsService({
    store,
    clock,
    sessions,
    agents,
    connections,
    notifier,
    graceMs: config.agentGraceSeconds * 1000
  });
  const printing = createPrintingService({
    store,
    clock,
    logger,
    notifier,
    driverFor: createDriverCache(virtualPrinters)
  });
  const queue = createQueueService({ store, clock, notifier });
  // Every procedure's service (and the reception desk) exists as a queue before anyone sets one up.
  for (const site of store.sites.listAll()) queue.ensureServices(site.id, procedures);
  const tickets = createTicketsService({ store, clock, printing, queue });
  const summaries = createSummaryPrintService({ store, clock, sessions, printing });
  virtualPrinters?.onReceipt((receipt) => {
    for (const printer of store.printers.listAll()) {
      if (printer.uri === virtualPrinters.receiptUri) notifier.demoReceipt(printer.siteId, receipt);
    }
  });
  // Calls that were ringing or joined when the server stopped go on from what is stored.
  calls.recover();
  let ticks = 0;
  const ticker = setInterval(() => {
    // Once a minute: yesterday's waiting tickets are closed, the day's numbers restart.
    if (ticks++ % 60 === 0) {
      try {
        queue.expireOldTickets();
      } catch (error) {
        logger.error({ err: error }, 'closing yesterday’s tickets failed');
      }
      try {
        const purged = purgeExpiredSessions(store, clock);
        if (purged > 0) logger.info({ sessions: purged }, 'retention: ended sessions purged');
      } catch (error) {
        logger.error({ err: error }, 'retention purge failed');
      }
    }
    try {
      calls.tick();
    } catch (error) {
      logger.error({ err: error }, 'call escalation tick failed');
    }
    try {
      // Jobs stored before a restart, or waiting for a printer, are tried again here.
      printing.tick();
    } catch (error) {
      logger.error({ err: error }, 'print retry tick failed');
    }
  }, 1000);
  ticker.unref();
  const onRequest = createHttpApp({
    config,
    store,
    auth,
    terminals,
    pairing,
    logger,
    version,
    kitHandler,
    speech: createSpeechService(),
    demoA4File: (name) => virtualPrinters?.a4File(name) ?? null,
    onLogout: (authSessionId) => {
      io.to(rooms.login(authSessionId)).emit('credential:revoked', { reason: 'logged_out' });
      io.in(rooms.login(authSessionId)).disconnectSockets(true);
    }
  });
  // socket.io answers its own path first; every other request comes here.
  httpServer.on('request', (req, res) => {
    if (req.url?.startsWith('/socket.io/')) return;
    onRequest(req, res);
  });
  attachHub(
    io,
    {
      auth,
      terminals,
      presence,
      clock,
      logger,
      agentConnected: (agent) => calls.agentConnected(agent, immediately),
      agentDisconnected: (agent) => calls.agentDisconnected(agent, immediately)
    },
    {
      ...createSiteHandlers({
        store,
        sessions,
        procedures,
        idleSeconds: config.kioskIdleSeconds,
        countdownSeconds: config.kioskCountdownSeconds
      }),
      ...createTerminalHandlers({ io, terminals, pairing }),
      ...createSessionHandlers({ sessions, calls }),
      ...createCallHandlers({ calls, agents }),
      ...createManagerHandlers({ store, queue }),
      ...createQueueHandlers({ queue, tickets }),
      ...createPrintHandlers({
        store,
        tickets,
        printing,
        summaries,
        demoOutput: () => ({ receipts: virtualPrinters?.receipts() ?? [], a4: virtualPrinters?.a4Files() ?? [] }),
        savePrinter: (siteId, input) => savePrinter({ store, clock, printing }, siteId, input)
      })
    },
    createSignalHandlers({ sessions, notifier })
  );

  return {
    httpServer,
    io,
    services: {
      auth,
      terminals,
      pairing,
      sessions,
      calls,
      agents,
      printing,
      tickets,
      queue,
      /** Runs the retention purge now (it also runs every minute). */
      purgeSessions: () => purgeExpiredSessions(store, clock)
    },
    listen(port: number, host: string): Promise<AddressInfo> {
      return new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          resolve(httpServer.address() as AddressInfo);
        });
      });
    },
    /** Stops accepting, closes every socket and the HTTP server. The caller closes the store. */
    async close(): Promise<void> {
      clearInterval(ticker);
      await printing.idle();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
        httpServer.closeAllConnections();
      });
    }
  };
}
