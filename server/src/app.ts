/**
 * `createApplication` wires the services, the HTTP app and the socket hub over the dependencies it
 * is given (store, clock, logger, optional SvelteKit handler). `main.ts` builds the real ones;
 * tests build them over a temporary database and a manual clock.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createAuthService } from './auth/auth.service';
import type { Clock } from './clock';
import type { Config } from './config';
import { createHttpApp, type KitHandler } from './http/http-app';
import { guardServer } from './http/edge';
import { createPairingService } from './pairing/pairing.service';
import { createSiteHandlers } from './socket/handlers/site.handlers';
import { announcePrinting, createTerminalHandlers } from './socket/handlers/terminal.handlers';
import { printTestPage } from './printing/test-page';
import { attachHub, createSocketServer } from './socket/hub';
import { immediately } from './events/after';
import { rooms } from './socket/types';
import type { Store } from './store';
import type { CatalogEntry } from './procedures/catalog';
import { createProceduresService } from './procedures/procedures.service';
import { createProcedureHandlers } from './socket/handlers/procedure.handlers';
import { TerminalPresence } from './terminals/terminal-presence';
import { createTerminalsService } from './terminals/terminals.service';
import { version } from './version';
import { createSpeechService } from './speech/speech.service';
import { AgentConnections } from './agents/agent-connections';
import { createLeaseKeeper, singleNode } from './cluster/cluster';
import { attachPostgresAdapter } from './cluster/adapter';
import { createPresenceSync } from './cluster/presence-sync';
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
import type { PrinterAddressPolicy } from '../../printers/address-policy';
import { createTicketsService } from './tickets/tickets.service';
import { createQueueService } from './queue/queue.service';
import { purgeExpiredSessions, type AfterErase } from './sessions/retention';
import { truncateWal } from './db/checkpointer';
import { createQueueHandlers } from './socket/handlers/queue.handlers';
import { createSiteSettingsService } from './sites/site-settings.service';
import { kioskDefaults } from './sites/sites.repository';
import { createSettingsHandlers } from './socket/handlers/settings.handlers';
import { createStatisticsService } from './statistics/statistics.service';
import { createSessionRequestsService } from './privacy/session-requests.service';
import { createStatisticsHandlers } from './socket/handlers/statistics.handlers';
import { createPrivacyHandlers } from './socket/handlers/privacy.handlers';
import { createManagerDownloads } from './http/manager-downloads';
import { createMetricsEndpoint } from './metrics/metrics-endpoint';
import { createGuichetMetrics } from './metrics/guichet-metrics';
import { createAccountsService } from './accounts/accounts.service';
import { createAccountHandlers } from './socket/handlers/account.handlers';
import { createSetupService } from './setup/setup.service';
import { createOperatorsService } from './operators/operators.service';
import { createOperatorApi } from './http/operator-api';
import { createTimedWorker, WorkerBusy, WorkerTimeout } from './workers/timed-worker';
import { AppError } from '../../shared/errors';
import type { ProcedureValidation } from '../../shared/schemas/procedure';
import type { SpeechLanguage } from './speech/espeak';

export interface AppDeps {
  config: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  kitHandler?: KitHandler;
  /** The catalog folder's procedures (validated): each site's seed, see `procedures.service.ts`. */
  catalog: CatalogEntry[];
  /** The demo's printers (`virtual://…` URIs), when the server started them. */
  virtualPrinters?: VirtualPrinters;
}

export type Application = Awaited<ReturnType<typeof createApplication>>;

export async function createApplication({ config, store, clock, logger, kitHandler, catalog, virtualPrinters }: AppDeps) {
  // Its changes go to the other nodes once there are (presenceSync, below, before any socket).
  const presence = new TerminalPresence((count) => presenceSync?.terminalChanged(count));
  const terminals = createTerminalsService({ store, clock, presence, serverVersion: version });
  const auth = createAuthService({
    store,
    clock,
    sessionHours: { agent: config.agentSessionHours, manager: config.managerSessionHours }
  });
  const pairing = createPairingService({
    store,
    clock,
    terminals,
    pairingMinutes: config.pairingMinutes,
    limits: { perMinute: config.limits.pairingsPerMinute, pendingMax: config.limits.pairingsPendingMax }
  });

  // Speaking and reading a procedure file are long synchronous work: each in its worker thread,
  // with a time limit, so the event loop keeps answering while they run.
  const speechWorker = createTimedWorker<{ text: string; language: SpeechLanguage }, Uint8Array>({
    module: new URL('./speech/speech.worker.ts', import.meta.url),
    name: 'speech',
    timeoutMs: config.limits.speechTimeoutMs,
    logger
  });
  const parseWorker = createTimedWorker<string, ProcedureValidation>({
    module: new URL('./procedures/procedure-parse.worker.ts', import.meta.url),
    name: 'procedure file',
    timeoutMs: config.limits.procedureParseTimeoutMs,
    logger
  });
  const speak = async (text: string, language: SpeechLanguage): Promise<Buffer> => {
    try {
      const wav = await speechWorker.run({ text, language });
      return Buffer.from(wav.buffer, wav.byteOffset, wav.byteLength);
    } catch (error) {
      if (error instanceof WorkerTimeout) {
        throw new AppError('invalid_payload', `This text takes too long to speak (over ${error.timeoutMs} ms): shorten it`, [
          { path: 'text', message: 'too long to speak in time' }
        ]);
      }
      if (error instanceof WorkerBusy)
        throw new AppError('rate_limited', 'Speech is busy: retry in a moment', undefined, { retryAfterMs: 1000 });
      throw error;
    }
  };
  const checkProcedure = async (source: string): Promise<ProcedureValidation> => {
    try {
      return await parseWorker.run(source);
    } catch (error) {
      if (error instanceof WorkerTimeout) {
        // Said as a problem of the file, like any other, so the console shows it where it shows them.
        return {
          ok: false,
          problems: [
            {
              path: '(file)',
              line: null,
              code: 'too_complex',
              params: {},
              message: `The file is too complex to read (over ${error.timeoutMs} ms, e.g. many anchors and aliases): nothing was checked`
            }
          ]
        };
      }
      if (error instanceof WorkerBusy) {
        throw new AppError('rate_limited', 'Procedure files are being checked: retry in a moment', undefined, {
          retryAfterMs: 1000
        });
      }
      throw error;
    }
  };

  // A request without Host reaches the edge, which answers it 421 like a foreign one (see edge.ts).
  const httpServer = http.createServer({ requireHostHeader: false });
  const listening = () => {
    const address = httpServer.address();
    return address && typeof address === 'object' ? address.port : null;
  };
  /** The printer addresses managers may use on this server (see `printers/address-policy.ts`). */
  const printerPolicy: PrinterAddressPolicy = {
    usbDevices: config.usbPrinters,
    folderRoot: config.folderPrinters ? config.dataDir : null,
    loopback: config.loopbackPrinters,
    serverPort: listening
  };
  const io = createSocketServer(httpServer, config);
  // On PostgreSQL other nodes may share the store: broadcasts go through the adapter to their
  // sockets too, agents' tablets are counted across nodes, and a site's printers, escalation and
  // purges run on the node holding its lease (cluster/).
  // Unnamed: the machine, the process and a few random bytes (two servers in one process, as in
  // tests, are two nodes).
  const nodeId = config.nodeName ?? `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const cluster = store.engine === 'postgres' ? createLeaseKeeper({ store, nodeId, logger }) : singleNode(nodeId);
  const adapter = cluster.shared && config.databaseUrl ? await attachPostgresAdapter(io, config.databaseUrl, logger) : null;
  const warmPresence = (accountIds: string[]): void => {
    store.agentPresence.warm(accountIds).catch((error: unknown) => {
      logger.error({ err: error }, 'reading agents’ availability failed');
    });
  };
  const presenceSync = cluster.shared
    ? createPresenceSync({
        io,
        nodeId,
        logger,
        clockMs: () => clock.now().getTime(),
        nodeLost: (lost) => {
          calls.agentsLostWithNode(lost).catch((error: unknown) => {
            logger.error({ err: error }, 'telling kiosks of agents lost with a node failed');
          });
        },
        // Read now, in one statement, rather than one agent after the other when a call rings.
        agentsHeard: warmPresence
      })
    : null;
  const notifier = createNotifier(io, (error) => logger.error({ err: error }, 'broadcast failed'), cluster.shared);
  const connections = new AgentConnections(presenceSync ? (count) => presenceSync.agentChanged(count) : undefined);
  // Before the procedures: a newly published procedure's service gets its queue (publishedChanged).
  const queue = createQueueService({ store, clock, notifier });
  const procedures = createProceduresService({
    store,
    clock,
    logger,
    seed: catalog,
    check: checkProcedure,
    publishedChanged: async (siteId, list) => {
      // A newly published procedure's service gets its queue before a citizen can take a ticket for it.
      await queue.ensureServices(siteId, list);
      notifier.proceduresChanged(siteId, list);
      if (cluster.shared) io.serverSideEmit('node:procedures', { nodeId, siteId });
    }
  });
  io.on('node:procedures', ({ siteId }) => procedures.changedElsewhere(siteId));
  const sessions = createSessionsService({
    store,
    clock,
    procedures,
    notifier,
    limits: { maxBytes: config.limits.sessionMaxBytes, patchesKept: config.limits.sessionPatchesKept }
  });
  const agents = createAgentsService({ store, notifier, connections });
  const calls = createCallsService({
    store,
    clock,
    sessions,
    agents,
    connections,
    notifier,
    graceMs: config.agentGraceSeconds * 1000,
    cluster
  });
  const printing = createPrintingService({
    store,
    clock,
    logger,
    notifier,
    driverFor: createDriverCache(virtualPrinters, printerPolicy, logger),
    owner: {
      ownsSite: (siteId) => cluster.ownsSite(siteId),
      take: (siteId) => cluster.take(siteId),
      handOff: (printerId) => io.serverSideEmit('node:print', { nodeId, printerId })
    }
  });
  // Calls ring from this node's copy of their site and terminal (sites.repository `lastRead`,
  // calls.service `knownTerminals`): a change drops it here and, on several nodes, on the others.
  const callCopyChanged = (changed: { siteId?: string; terminalId?: string }) => {
    calls.forgetCopy(changed);
    if (cluster.shared) io.serverSideEmit('node:call-copies', { nodeId, ...changed });
  };
  store.sites.onOpeningChange((siteId) => callCopyChanged({ siteId }));
  store.terminals.onPlaceChange((terminalId) => callCopyChanged({ terminalId }));
  if (cluster.shared) {
    // Each node keeps agents' availability in memory (read at every ring): a change made on one
    // is dropped from the others' copies, and read again there at once, not when a call rings.
    store.agentPresence.onChange((accountId) => io.serverSideEmit('node:agent-status', { nodeId, accountId }));
    io.on('node:agent-status', ({ accountId }) => {
      store.agentPresence.forget(accountId);
      warmPresence([accountId]);
    });
    io.on('node:call-copies', ({ siteId, terminalId }) => calls.forgetCopy({ siteId, terminalId }));
  }
  // Another node stored jobs for a printer of a site this node drives.
  io.on('node:print', ({ printerId }) => {
    printing.handedOver(printerId).catch((error: unknown) => logger.error({ err: error }, 'handed-over print failed'));
  });
  const settings = createSiteSettingsService({ store, clock, kioskDefaults: kioskDefaults(config), notifier });
  // Each site gets the catalog procedures it does not have yet; every published procedure's service
  // (and the reception desk) exists as a queue before anyone sets one up.
  for (const site of await store.sites.listAll()) {
    const imported = await procedures.seedSite(site.id);
    if (imported > 0) logger.info({ site: site.name, imported, published: site.isDemo }, 'catalog procedures imported');
    await queue.ensureServices(site.id, await procedures.published(site.id));
  }
  const tickets = createTicketsService({ store, clock, printing, queue });
  // A site made at first start (setup code) is then served like any other.
  const setup = createSetupService({
    store,
    clock,
    siteCreated: async (siteId) => {
      await procedures.seedSite(siteId);
      await queue.ensureServices(siteId, await procedures.published(siteId));
    },
    siteCodeChanged: (siteId, digest) => {
      if (cluster.shared) io.serverSideEmit('node:site-code', { nodeId, siteId, digest });
    }
  });
  io.on('node:site-code', ({ siteId, digest }) => setup.siteCodeElsewhere(siteId, digest));
  // The hosting organisation's operators: sites created, suspended and resumed (no site of their own).
  const operators = createOperatorsService({
    store,
    clock,
    sessionHours: config.managerSessionHours,
    presence,
    connections,
    setup,
    siteCreated: async (siteId) => {
      await procedures.seedSite(siteId);
      await queue.ensureServices(siteId, await procedures.published(siteId));
    },
    siteSuspended: (siteId) => {
      // Every terminal's and staff member's socket of the site: they are refused from now on.
      io.to(rooms.site(siteId)).emit('credential:revoked', { reason: 'revoked' });
      io.in(rooms.site(siteId)).disconnectSockets(true);
    }
  });
  /** Closes the sockets of login sessions that just ended (logout, deactivation, new secret). */
  const closeLogins = (authSessionIds: string[], reason: 'revoked' | 'logged_out') => {
    for (const id of authSessionIds) {
      io.to(rooms.login(id)).emit('credential:revoked', { reason });
      io.in(rooms.login(id)).disconnectSockets(true);
    }
  };
  const accounts = createAccountsService({
    store,
    clock,
    logger,
    loginsEnded: async ({ account, authSessionIds, deactivated }) => {
      closeLogins(authSessionIds, 'revoked');
      // A deactivated agent's call is not lost: it goes back to the others at once.
      if (deactivated && account.role === 'agent') {
        // Run after the ack, outside the command: a failure is logged, never left unhandled.
        try {
          await calls.agentRemoved(account, immediately);
        } catch (error) {
          logger.error({ err: error }, 'handing back a deactivated agent’s call failed');
        }
      }
    },
    locks: { isLocked: auth.isLocked, unlock: auth.unlock }
  });
  const summaries = createSummaryPrintService({ store, clock, sessions, printing });
  const statistics = createStatisticsService({ store });
  // An erased session leaves nothing behind: not its printouts in the demo printers, not the old
  // copies of its rows in the database's log.
  const cleanUpAfterErase = async (erased: Parameters<AfterErase>[0]) => {
    // The rows are already gone (committed): a file that cannot be removed is logged, not thrown.
    try {
      for (const { siteId, printJobIds } of erased) virtualPrinters?.forgetJobs(siteId, printJobIds);
      // The pages the erase freed (zeroed by secure_delete) are given back, then the WAL emptied:
      // in a turn of their own, never inside another command's open transaction.
      // On PostgreSQL the rows are gone at once; what becomes of the freed pages and the WAL is
      // the hosting organisation's vacuum and archive settings (nothing more is done here yet).
      const sqlite = store.sqlite;
      if (sqlite) {
        await store.executor.turn(() => {
          sqlite.pragma('incremental_vacuum');
          truncateWal(sqlite, logger);
        });
      }
    } catch (error) {
      logger.error({ err: error, sessions: erased.length }, 'cleaning up after an erase failed');
    }
  };
  const afterErase: AfterErase = async (erased) => {
    // Called inside the erasing transaction by mistake, it still runs only once that commits.
    if (store.executor.inTransaction()) store.executor.afterCommit(() => void cleanUpAfterErase(erased));
    else await cleanUpAfterErase(erased);
  };
  const sessionRequests = createSessionRequestsService({ store, clock, afterErase });
  // Each site's demo receipt printer is its own: what it printed goes to that site's staff only.
  virtualPrinters?.onReceipt((siteId, receipt) => notifier.demoReceipt(siteId, receipt));
  // Calls that were ringing or joined when the server stopped go on from what is stored: at once
  // with one node; with several, for each site when this node takes it (at start, or from a node
  // that stopped).
  if (cluster.shared) {
    cluster.onSitesTaken((siteIds) => calls.recover(siteIds));
    // A site given to another node: its lease is deleted only once no ticket is half printed here.
    cluster.onSitesGiven((siteIds) => printing.stoppedOn(siteIds));
  } else await calls.recover();
  /**
   * The minute jobs and each second's ticks await the store now: a run still going when the timer
   * fires again is not started twice (the round is skipped, the next one catches up).
   */
  const minuteJobs = async () => {
    // Once for all the nodes: by the one holding the global lease.
    if (!cluster.ownsGlobal()) return;
    try {
      await queue.expireOldTickets();
    } catch (error) {
      logger.error({ err: error }, 'closing yesterday’s tickets failed');
    }
    try {
      await auth.purgeLoginLimits();
      await operators.purgeExpired();
    } catch (error) {
      logger.error({ err: error }, 'purging old login counters failed');
    }
    try {
      const purged = await purgeExpiredSessions(store, clock, afterErase);
      if (purged > 0) logger.info({ sessions: purged }, 'retention: ended sessions purged');
    } catch (error) {
      logger.error({ err: error }, 'retention purge failed');
    }
    try {
      const purged = await terminals.purgeTokens();
      if (purged > 0) logger.info({ tokens: purged }, 'unused or replaced device tokens purged');
    } catch (error) {
      logger.error({ err: error }, 'device token purge failed');
    }
  };
  const callsTick = async () => {
    try {
      await calls.tick();
    } catch (error) {
      logger.error({ err: error }, 'call escalation tick failed');
    }
  };
  const printingTick = async () => {
    try {
      // Jobs stored before a restart, or waiting for a printer, are tried again here.
      await printing.tick();
    } catch (error) {
      logger.error({ err: error }, 'print retry tick failed');
    }
  };
  /** The run of each timed job still going (each job catches its own errors). */
  const running = new Map<() => Promise<void>, Promise<void>>();
  /** Starts `job` unless its previous run is still going. */
  const start = (job: () => Promise<void>) => {
    if (running.has(job)) return;
    running.set(
      job,
      job().finally(() => running.delete(job))
    );
  };
  let ticks = 0;
  const ticker = setInterval(() => {
    // Once a minute: yesterday's waiting tickets are closed, the day's numbers restart.
    if (ticks++ % 60 === 0) start(minuteJobs);
    start(callsTick);
    start(printingTick);
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
    speech: createSpeechService(speak),
    demoA4File: (siteId, name) => virtualPrinters?.a4File(siteId, name) ?? null,
    downloads: createManagerDownloads({ auth, store, statistics, sessionRequests, cookieConfig: config }),
    metrics: createMetricsEndpoint({
      metrics: createGuichetMetrics({
        store,
        presence,
        connections,
        queue,
        printing,
        databaseFile: config.databaseFile,
        version,
        socketsByFace: () => {
          const counts = { kiosk: 0, display: 0, agent: 0, manager: 0 };
          for (const socket of io.of('/').sockets.values()) {
            const role = socket.data.identity?.role;
            if (role && role in counts) counts[role as keyof typeof counts] += 1;
          }
          return counts;
        }
      }),
      config
    }),
    setup,
    operatorApi: createOperatorApi({ config, operators }),
    onLogout: (authSessionId) => closeLogins([authSessionId], 'logged_out')
  });
  // socket.io answers its own path first; every other request comes here.
  httpServer.on('request', (req, res) => {
    if (req.url?.startsWith('/socket.io/')) return;
    onRequest(req, res);
  });
  // Host allow-list, Origin and security headers in front of both socket.io and the HTTP app.
  guardServer(httpServer, config);
  attachHub(
    io,
    {
      auth,
      terminals,
      presence,
      clock,
      logger,
      cookieConfig: config,
      limits: config.limits,
      agentConnected: (agent) => calls.agentConnected(agent, immediately),
      agentDisconnected: (agent) => calls.agentDisconnected(agent, immediately),
      terminalSeen: (siteId, terminalId) =>
        notifier.terminalSeen(siteId, terminalId, async (site, id) => {
          try {
            return await terminals.get(site, id);
          } catch {
            // Revoked meanwhile: nothing to announce.
            return null;
          }
        })
    },
    {
      ...createSiteHandlers({ settings, sessions }),
      ...createProcedureHandlers({ procedures }),
      ...createSettingsHandlers({ settings, queue }),
      ...createTerminalHandlers({ io, terminals, pairing, printing }),
      ...createSessionHandlers({ sessions, calls }),
      ...createCallHandlers({ calls, agents }),
      ...createManagerHandlers({ store, queue }),
      ...createQueueHandlers({ queue, tickets }),
      ...createStatisticsHandlers({ statistics }),
      ...createPrivacyHandlers({ sessionRequests }),
      ...createAccountHandlers({ accounts }),
      ...createPrintHandlers({
        store,
        tickets,
        printing,
        summaries,
        demoOutput: (siteId) => ({
          receipts: virtualPrinters?.receipts(siteId) ?? [],
          a4: virtualPrinters?.a4Files(siteId) ?? []
        }),
        savePrinter: (siteId, input) => savePrinter({ store, clock, printing, policy: printerPolicy }, siteId, input),
        printTestPage: (siteId, printerId) => printTestPage({ store, clock, printing }, siteId, printerId),
        printersChanged: (siteId) => announcePrinting(io, terminals, printing, siteId)
      })
    },
    createSignalHandlers({ sessions, notifier })
  );
  presenceSync?.start({ agents: connections, terminals: presence });
  // The first claim is made before the node serves: a node alone holds every site at once.
  await cluster.start();

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
      accounts,
      setup,
      procedures,
      operators,
      /** Runs the retention purge now (it also runs every minute). */
      purgeSessions: () => purgeExpiredSessions(store, clock, afterErase)
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
    /** This node's name and whether it runs a site's printers and escalation now (tests, health). */
    cluster,
    async close(): Promise<void> {
      clearInterval(ticker);
      presenceSync?.close();
      // Given back first, so another node takes this one's sites at once rather than when they run out.
      await cluster.close();
      // A job still running finishes before the caller closes the store.
      await Promise.all(running.values());
      notifier.close();
      await Promise.all([speechWorker.close(), parseWorker.close()]);
      await printing.idle();
      io.disconnectSockets(true);
      await new Promise<void>((resolve, reject) => {
        io.close(() => resolve()).catch(reject);
        httpServer.closeAllConnections();
      });
      await adapter?.close();
    }
  };
}
