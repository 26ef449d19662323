/**
 * Starts the real application on a free port over a real store, with a manual clock, for
 * integration tests: a SQLite file in a temporary folder, or, when GUICHET_TEST_DATABASE_URL is set
 * (the `postgres` vitest project), a PostgreSQL database of its own on the run's cluster. Clients
 * are real socket.io clients over real HTTP.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io as connectClient, type Socket } from 'socket.io-client';
import { createApplication, type Application } from '../app';
import type { KitHandler } from '../http/http-app';
import type { VirtualPrinters } from '../printing/drivers';
import { startVirtualPrintersFor } from '../printing/virtual-printers';
import { ManualClock } from '../clock';
import { parseConfig, type Config } from '../config';
import { openStore } from '../db/open-store';
import { createLogger } from '../logger';
import { seedDemoIfEmpty } from '../demo/seed-demo';
import { createStore, type Store } from '../store';
import { createTestDatabase, databaseUrl, dropTestDatabase, testDatabaseUrl } from './test-databases';
import { loadCatalog, shippedCatalogDir } from '../procedures/catalog';
import type {
  ClientToServerEvents,
  CommandInput,
  CommandName,
  CommandResults,
  ServerToClientEvents
} from '../../../shared/contract';
import type { Ack } from '../../../shared/errors';
import { credentialCookie, type Face } from '../../../shared/identity';

export type TestClient = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface TestServer {
  url: string;
  app: Application;
  store: Store;
  clock: ManualClock;
  config: Config;
  dataDir: string;
  /** The demo's printers (receipt over TCP, A4 in a folder), when the site has them. */
  virtualPrinters: VirtualPrinters | undefined;
  close(options?: { keepData: boolean }): Promise<void>;
}

/** In the data folder, on PostgreSQL: the name of the folder's database. */
const testDatabaseFile = 'test-database';

/** Clients opened against each test server, closed with it. */
const trackedClients = new WeakMap<TestServer, TestClient[]>();

/** The test procedures of the browser suite (one has a sensitive field). */
export const testCatalogDir = path.resolve(import.meta.dirname, '../../../e2e/catalog');

export async function startTestServer(
  env: Record<string, string> = {},
  options: { catalogDirs?: string[]; dataDir?: string; kitHandler?: KitHandler } = {}
): Promise<TestServer> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-test-'));
  // On PostgreSQL the data folder names its database: a restart on the same folder finds it again.
  const clusterUrl = env.GUICHET_DATABASE_URL ? null : testDatabaseUrl();
  let database: string | null = null;
  if (clusterUrl) {
    const nameFile = path.join(dataDir, testDatabaseFile);
    database = fs.existsSync(nameFile) ? fs.readFileSync(nameFile, 'utf8') : await createTestDatabase(clusterUrl);
    fs.writeFileSync(nameFile, database);
  }
  const config = parseConfig({
    ...(clusterUrl && database ? { GUICHET_DATABASE_URL: databaseUrl(clusterUrl, database) } : {}),
    GUICHET_DATA_DIR: dataDir,
    GUICHET_PORT: '0',
    GUICHET_LOG_LEVEL: process.env.TEST_LOG ?? 'silent',
    ...env
  });
  const clock = new ManualClock(new Date());
  const opened = await openStore(config);
  const store = createStore(opened.executor, opened.sqlite ?? null);
  if (config.demo && (await seedDemoIfEmpty(store, clock))) {
    // The demo's opening hours would make help calls depend on when the tests run; tests that
    // are about hours set their own.
    const demoSiteId = (await store.sites.listAll())[0]!.id;
    await store.sites.setOpeningHours(demoSiteId, {});
  }
  const catalog = (options.catalogDirs ?? [shippedCatalogDir]).flatMap((dir) => loadCatalog(dir).entries);
  // The demo site's printers are real: an ESC/POS listener on loopback and a folder for A4.
  const virtualPrinters = await startVirtualPrintersFor(store, dataDir);
  const app = await createApplication({
    config,
    store,
    clock,
    logger: createLogger(config.logLevel),
    catalog,
    virtualPrinters,
    kitHandler: options.kitHandler
  });
  const address = await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${address.port}`;
  const clients: TestClient[] = [];
  const server: TestServer = {
    url,
    app,
    store,
    clock,
    config,
    dataDir,
    virtualPrinters,
    async close(options = { keepData: false }) {
      for (const c of clients) c.disconnect();
      await app.close();
      await virtualPrinters?.close();
      await opened.close();
      // Kept to start another server on the same data (a restart).
      if (!options.keepData) {
        if (clusterUrl && database) await dropTestDatabase(clusterUrl, database);
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    }
  };
  trackedClients.set(server, clients);
  return server;
}

/** Logs in over HTTP (at the given site, or the site of the only account with this login) and returns the login token. */
export async function login(
  server: TestServer,
  face: 'agent' | 'manager',
  loginName: string,
  secret: string,
  siteId?: string
): Promise<string> {
  // A person picks their site in the form; the tests' logins are unique enough to pick it for them.
  // A server in another process (restart tests) has no store here: it has one site.
  const matches = (await (server.store as Store | undefined)?.accounts.listByLogin(loginName)) ?? [];
  siteId ??= matches.length === 1 ? matches[0]!.siteId : undefined;
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ face, login: loginName, secret, siteId })
  });
  if (res.status !== 200) throw new Error(`login ${loginName} failed: ${res.status} ${await res.text()}`);
  const cookie = res.headers.get('set-cookie') ?? '';
  const token = /=([^;]+)/.exec(cookie)?.[1];
  if (!token) throw new Error('no login cookie');
  return decodeURIComponent(token);
}

/** A socket.io client for a face; resolves once connected or rejects with the server's refusal. */
export function connect(server: TestServer, face: Face, token?: string, via: 'auth' | 'cookie' = 'auth'): Promise<TestClient> {
  const client: TestClient = connectClient(server.url, {
    auth: via === 'auth' && token ? { face, token } : { face },
    extraHeaders:
      via === 'cookie' && token
        ? {
            cookie: `${credentialCookie[face]}=${token}`
          }
        : {},
    transports: ['websocket'],
    reconnection: false,
    forceNew: true
  });
  trackedClients.get(server)?.push(client);
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('connect_error', (err) => {
      client.disconnect();
      reject(err);
    });
  });
}

/** Sends a command and waits (bounded) for its ack. */
export async function command<K extends CommandName>(
  client: TestClient,
  name: K,
  payload: CommandInput<K> | unknown
): Promise<Ack<CommandResults[K]>> {
  const withTimeout = client.timeout(5000);
  const emit = withTimeout.emitWithAck as unknown as (event: string, payload: unknown) => Promise<Ack<CommandResults[K]>>;
  return emit.call(withTimeout, name, payload);
}

/** Resolves with the next event of that name, or rejects after `ms`. */
export function nextEvent<E extends keyof ServerToClientEvents>(
  client: TestClient,
  event: E,
  ms = 5000
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${String(event)} within ${ms} ms`)), ms);
    const listener = (payload: Parameters<ServerToClientEvents[E]>[0]) => {
      clearTimeout(timer);
      resolve(payload);
    };
    // socket.io's typed `once` needs the listener cast through its own generic.
    (client.once as (ev: string, fn: (p: unknown) => void) => void)(event, listener as (p: unknown) => void);
  });
}

/** A terminal paired the real way: start, claim by a manager, poll for the device token. */
export async function pairTerminal(
  server: TestServer,
  managerToken: string,
  kind: 'kiosk' | 'display',
  name: string
): Promise<string> {
  const start = await fetch(`${server.url}/api/pairings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind })
  });
  const pairingCookie = (start.headers.get('set-cookie') ?? '').split(';')[0]!;
  const { code } = (await start.json()) as { code: string };
  const manager = await connect(server, 'manager', managerToken);
  const claimed = await command(manager, 'pairing:claim', { code, name });
  manager.disconnect();
  if (!claimed.ok) throw new Error(`claim failed: ${claimed.error.message}`);
  const poll = await fetch(`${server.url}/api/pairings/current`, { headers: { cookie: pairingCookie } });
  const cookies = poll.headers.getSetCookie();
  const terminalCookie = cookies.find((c) => c.startsWith('guichet_terminal='));
  if (!terminalCookie) throw new Error('no terminal cookie after pairing');
  return decodeURIComponent(terminalCookie.split(';')[0]!.split('=')[1]!);
}
