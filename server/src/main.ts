/**
 * Starts Guichet: one process, one port. Builds the real dependencies (config, logs, store, the
 * SvelteKit handler), seeds the demo site on an empty store, refuses to expose published demo
 * credentials to the network, and shuts down cleanly on SIGTERM/SIGINT.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createApplication } from './app';
import { systemClock } from './clock';
import { ConfigError, parseConfig, type Config } from './config';
import { openStore } from './db/open-store';
import { startCheckpointer } from './db/checkpointer';
import { assertSafeToListen, NetworkGuardError } from './demo/network-guard';
import { seedDemoIfEmpty } from './demo/seed-demo';
import { demoAccounts } from './demo/demo-data';
import type { KitHandler } from './http/http-app';
import { serveStaticFirst } from './http/static-files';
import type { Logger } from 'pino';
import { createLogger } from './logger';
import { createStore } from './store';
import { loadCatalog } from './procedures/catalog';
import { formatProblems } from '../../shared/procedures/parse';
import { startVirtualPrintersFor } from './printing/virtual-printers';

async function loadKitHandler(config: Config, logger: Logger): Promise<KitHandler> {
  const file = path.join(config.kioskBuildDir, 'handler.js');
  if (!fs.existsSync(file)) {
    throw new Error(
      `The web app is not built (${file} is missing): run "npm run build", or start with "npm start", which builds it.`
    );
  }
  const mod = (await import(pathToFileURL(file).href)) as { handler: KitHandler };
  return serveStaticFirst(mod.handler, path.join(config.kioskBuildDir, 'client'), logger);
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = parseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const opened = await openStore(config);
  // The engine only: the URL carries the database's password.
  logger.info({ engine: opened.engine }, 'store opened');
  const store = createStore(opened.executor, opened.sqlite ?? null);
  try {
    if (config.demo && (await seedDemoIfEmpty(store, systemClock))) {
      logger.info({ site: 'Mairie de Démoville' }, 'demo site created');
    }
    await assertSafeToListen(config.host, store, config.trustProxy.length > 0);
    const kitHandler = await loadKitHandler(config, logger);
    const catalog = loadCatalog(config.catalogDir);
    for (const error of catalog.errors) {
      // A broken file is refused; the other procedures are still offered.
      logger.error(
        { file: error.file, problems: error.problems },
        `procedure refused:\n${formatProblems(error.file, error.problems)}`
      );
    }
    logger.info({ procedures: catalog.procedures.map((p) => p.id) }, 'procedure catalog loaded');
    // The demo's printers run inside the server, only when a configured printer names them.
    const virtualPrinters = await startVirtualPrintersFor(store, config.dataDir);
    const app = await createApplication({
      config,
      store,
      clock: systemClock,
      logger,
      kitHandler,
      catalog: catalog.entries,
      virtualPrinters
    });
    // The WAL checkpoints are SQLite's; PostgreSQL runs its own.
    const checkpointer = opened.sqlite ? startCheckpointer(opened.sqlite, config.databaseFile, logger) : null;
    const address = await app.listen(config.port, config.host);
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const base = `http://${shownHost === '127.0.0.1' ? 'localhost' : shownHost}:${address.port}`;
    logger.info({ host: address.address, port: address.port, dataDir: config.dataDir }, 'Guichet is listening');
    const demo =
      (await store.sites.count()) > 0 && config.demo ? demoAccounts.map((a) => `${a.login} / ${a.secret}`).join(', ') : null;
    // A real installation without any manager yet: whoever reads this console creates the first one.
    const setupCode = await app.services.setup.issueCode();
    if (setupCode) logger.info({ setupCode, url: `${base}/gestion` }, 'setup code for the first manager account');
    console.log(
      [
        '',
        'Guichet is running:',
        `  Borne (kiosk)        ${base}/borne`,
        `  Agent (tablet)       ${base}/agent`,
        `  Gestion (manager)    ${base}/gestion`,
        `  Affichage (display)  ${base}/affichage`,
        demo ? `  Demo accounts: ${demo} (see README)` : '',
        setupCode ? `  Setup code (first manager account): ${setupCode}  → open ${base}/gestion` : '',
        ''
      ].join('\n')
    );

    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      const force = setTimeout(() => process.exit(1), 10_000);
      force.unref();
      app
        .close()
        .then(() => checkpointer?.stop())
        .then(() => virtualPrinters?.close())
        .then(() => opened.close())
        .then(() => {
          logger.info('stopped');
          process.exit(0);
        })
        .catch((error: unknown) => {
          logger.error({ err: error }, 'error while shutting down');
          process.exit(1);
        });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  } catch (error) {
    await opened.close();
    if (error instanceof NetworkGuardError) {
      logger.fatal(error.message);
      console.error(`\n${error.message}\n`);
      process.exit(3);
    }
    throw error;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
