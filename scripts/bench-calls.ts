/**
 * `npm run bench:calls`: the real Guichet server (built, run as in production: `node
 * --v8-pool-size=2 --max-semi-space-size=2 build/server/main.js` with MALLOC_ARENA_MAX=2, its own
 * SQLite file, the demo site) with N kiosks and M agent tablets connected over socket.io, against a bare socket.io relay
 * (run the same way) with the same N and M, in one run, on loopback.
 *
 * - ring: a kiosk sends `call:create` → each available tablet receives `call:ring` (every delivery
 *   is a sample); baseline: a kiosk emits to the relay, which broadcasts to every agent.
 * - edit: one side of a joined pair sends `session:patch` → the other side receives
 *   `session:patched`; baseline: one side emits, the relay forwards to the peer.
 * - burst: 200 kiosks send `ticket:take` in the same tick; each sample is one kiosk's emit → ack.
 *   Baseline: 200 kiosks emit to the relay, which sends a message as large as Guichet's queue state
 *   to every socket, then acks each.
 *
 * Two phases, each with a fresh server and a fresh relay: first an empty history, then the site's
 * month (`--history N` answered calls and N finished tickets over the last 28 days, written into
 * the SQLite file before the server starts; 20,000 by default, 0 for one phase only). Rings and
 * edits are measured in turns, one call or one edit each, so the machine's slower moments fall on
 * both systems; the burst comes at the end of the last phase, then the server's memory is read
 * with every kiosk and agent still connected. Each ratio compares Guichet's p99 with the relay's
 * p99 for the same pattern in the same phase.
 *
 * `--store postgres` measures the same phases twice: on SQLite as above, then with the server on
 * PostgreSQL (GUICHET_DATABASE_URL, a throwaway durable cluster: fsync on, and
 * `synchronous_commit = off` for Guichet's role, as docs/shared-server.md advises; one new
 * database per phase, the history written through the store the same way). Each engine's figures
 * are compared with the relay measured beside it; the last line carries both, PostgreSQL's keys
 * suffixed `_pg`. The cluster is removed at the end, on a failure or on Ctrl-C too.
 *
 * Prints the detail, then ends with `bench calls: …` and exits 1 when a target is missed (see
 * callsTargets). Flags: --kiosks N (≤ 5000) --agents M (≤ 500) --calls K (1000) --edits E (20000)
 * --history H --burst B --store sqlite|postgres. Extra node flags for both processes, to profile them: BENCH_NODE_FLAGS
 * (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as esbuild from 'esbuild';
import pg from 'pg';
import { io as connectClient, type Socket } from 'socket.io-client';
import { systemClock } from '../server/src/clock';
import { openDatabase } from '../server/src/db/database';
import { openStore } from '../server/src/db/open-store';
import { seedDemoIfEmpty } from '../server/src/demo/seed-demo';
import { hashToken, newToken } from '../server/src/auth/tokens';
import { createSqliteStore, createStore, type Store } from '../server/src/store';
import { freePort, waitFor } from '../server/src/testing/processes';
import type { ClientToServerEvents, ServerToClientEvents } from '../shared/contract';
import type { Ack } from '../shared/errors';
import { recordHistory } from './bench/history';
import { callsTargets, overTargets, type BenchStore } from './bench-targets';
import { startPgCluster, type PgCluster } from './pg-cluster';

type GuichetClient = Socket<ServerToClientEvents, ClientToServerEvents>;

const root = path.resolve(import.meta.dirname, '..');
const flag = (name: string, fallback: number, max: number, min = 1) => {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
  return Math.min(value, max);
};
const kiosks = flag('kiosks', 500, 5000);
const agents = flag('agents', 50, 500);
const calls = flag('calls', 1000, 2000);
const edits = flag('edits', 20000, 50000);
const history = flag('history', 20000, 100_000, 0);
const burst = Math.min(flag('burst', 200, 5000), kiosks);
const pairs = Math.min(agents, kiosks, 50);
const storeArg = process.argv.indexOf('--store');
const store = (storeArg >= 0 ? process.argv[storeArg + 1] : 'sqlite') as BenchStore;
if (store !== 'sqlite' && store !== 'postgres') throw new Error('--store must be sqlite or postgres');
const warmup = 20;
const burstRounds = 2;
const deliveryTimeoutMs = 3000;
const ackTimeoutMs = 30_000;

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
};
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

async function inBatches<T>(count: number, make: (i: number) => Promise<T>, size = 50): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += size) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(size, count - i) }, (_, j) => make(i + j)))));
  }
  return out;
}

/** What went wrong on one system: refused or timed-out acks, deliveries that never came, drops. */
class Faults {
  failed = 0;
  missed = 0;
  disconnects = 0;
  /** Set before the bench closes its own sockets: those are not drops. */
  closing = false;
  watch(socket: Socket): void {
    socket.on('disconnect', () => {
      if (!this.closing) this.disconnects++;
    });
  }
  get errors(): number {
    return this.failed + this.missed + this.disconnects;
  }
}

function open<S extends Socket>(url: string, auth: Record<string, string>, faults: Faults): Promise<S> {
  const socket = connectClient(url, { auth, transports: ['websocket'], forceNew: true, reconnection: false }) as S;
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      faults.watch(socket);
      resolve(socket);
    });
    socket.once('connect_error', reject);
  });
}

async function send<T>(socket: Socket, event: string, payload: unknown): Promise<T> {
  const timed = socket.timeout(ackTimeoutMs);
  const ack = (await timed.emitWithAck(event, payload)) as Ack<T>;
  if (!ack.ok) throw new Error(`${event} refused: ${ack.error.code} ${ack.error.message}`);
  return ack.data;
}

/** `send`, with a refusal or a timeout counted rather than thrown: the run goes on. */
async function attempt<T>(faults: Faults, run: () => Promise<T>): Promise<T | null> {
  try {
    return await run();
  } catch {
    faults.failed++;
    return null;
  }
}

/** False during the warm-up rounds. */
let measuring = false;

/** Waits until `expected` deliveries of one message were recorded, or the timeout. */
class Deliveries {
  private waiting = new Map<string, { start: number; left: number; done: () => void }>();
  readonly samples: number[] = [];
  constructor(private faults: Faults) {}
  expect(key: string, count: number): { start: (t: number) => void; done: Promise<void> } {
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const entry = { start: 0, left: count, done: resolve };
    this.waiting.set(key, entry);
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      if (measuring) this.faults.missed++;
      resolve();
    }, deliveryTimeoutMs);
    return {
      start: (t) => (entry.start = t),
      done: done.then(() => clearTimeout(timer))
    };
  }
  /** A key nobody waits for any more (its sender's ack failed). */
  forget(key: string): void {
    this.waiting.get(key)?.done();
    this.waiting.delete(key);
  }
  record(key: string): void {
    const now = performance.now();
    const entry = this.waiting.get(key);
    if (!entry) return;
    if (measuring) this.samples.push(now - entry.start);
    if (--entry.left === 0) {
      this.waiting.delete(key);
      entry.done();
    }
  }
}

function readRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Newest modification time of the files under `dir`. */
function newest(dir: string): number {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) latest = Math.max(latest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return latest;
}

/**
 * The built server, as `npm start` runs it: built when there is no build yet, or when the server's
 * sources changed since (the bench measures the code in the tree, never an older build).
 */
function ensureBuiltServer(): string {
  const main = path.join(root, 'build/server/main.js');
  const sources = Math.max(...['server/src', 'server/migrations', 'shared'].map((d) => newest(path.join(root, d))));
  if (!fs.existsSync(main) || fs.statSync(main).mtimeMs < sources) {
    console.log('Building the server (npm run build:server)…');
    const build = spawnSync('npm', ['run', 'build:server', '--silent'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
  return main;
}

/** The relay as plain JavaScript beside the build, so it too runs on node alone, without a loader. */
async function builtRelay(): Promise<string> {
  const out = path.join(root, 'build/bench/relay-server.mjs');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const source = fs.readFileSync(path.join(root, 'scripts/bench/relay-server.ts'), 'utf8');
  const { code } = await esbuild.transform(source, { loader: 'ts', format: 'esm', platform: 'node', target: 'node20' });
  fs.writeFileSync(out, code);
  return out;
}

/** Node as deploy/guichet.service runs it: two V8 helper threads, two malloc arenas. */
function spawnNode(script: string, args: string[], env: Record<string, string>): { proc: ChildProcess; output: () => string } {
  const proc = spawn(
    process.execPath,
    [
      '--v8-pool-size=2',
      '--max-semi-space-size=2',
      ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      script,
      ...args
    ],
    {
      cwd: root,
      env: { PATH: process.env.PATH, MALLOC_ARENA_MAX: '2', ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    }
  );
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { proc, output: () => out };
}

/**
 * What must go when the bench ends early (a failure, Ctrl-C): running servers and relays, their
 * folders, the PostgreSQL cluster, newest first. Each runs once; a second `cleanUp` (the signal's
 * and the failing run's, at the same time) waits for the same work rather than exiting before it.
 */
const cleanups: (() => Promise<void>)[] = [];

function onCleanup(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | null = null;
  const once = () => (done ??= fn());
  cleanups.push(once);
  return once;
}

async function cleanUp(): Promise<void> {
  for (const fn of [...cleanups].reverse()) await fn().catch((error: unknown) => console.error(error));
}

// Ctrl-C reaches the bench more than once (from the terminal, and relayed by npm and tsx): the
// first starts the clean-up, the others wait for it. A listener stays, or the process would end
// at the next one with the cluster still there.
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.log(`\n${signal}: stopping the servers and removing their data…`);
    void cleanUp().finally(() => process.exit(128 + (signal === 'SIGINT' ? 2 : 15)));
  });
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  await exited;
}

/** One system under test, connected and ready: Guichet or the bare relay. */
interface Target {
  faults: Faults;
  /** From the first agent's connection to the last one's, after the kiosks (50 at a time). */
  agentsConnectMs: number;
  rings: Deliveries;
  edits: Deliveries;
  /** Emit → ack of each ticket of the bursts. */
  burstAcks: number[];
  /** One call from kiosk `i % N`, waited for on every tablet. */
  ring(i: number): Promise<void>;
  /** Joins the pairs that will type into each other's session. */
  joinPairs(): Promise<void>;
  /** Edit `e`: alternately from each side of pair `e % pairs`, waited for on the other side. */
  edit(e: number): Promise<void>;
  /** Kiosks 0 to B−1 take a ticket in the same tick; resolves once every ack came (or failed). */
  burst(round: number): Promise<void>;
  rssMb(): number;
  close(): Promise<void>;
}

/** Sends one command from many sockets in the same tick and records each emit → ack time. */
function emitAll(
  sockets: Socket[],
  event: string,
  payload: (i: number) => unknown,
  faults: Faults,
  samples: number[]
): Promise<void> {
  return new Promise((resolve) => {
    let left = sockets.length;
    sockets.forEach((socket, i) => {
      const start = performance.now();
      socket.timeout(ackTimeoutMs).emit(event, payload(i), (err: Error | null, ack?: Ack<unknown>) => {
        if (err || !ack?.ok) faults.failed++;
        else samples.push(performance.now() - start);
        if (--left === 0) resolve();
      });
    });
  });
}

/**
 * The last ring card and session patch Guichet's clients received. The relay carries a copy of
 * each beside its own id, so both systems move messages of the same size: the baseline is the
 * same fan-out without Guichet's work, not a smaller message. (Guichet takes the first turn of
 * the warm-up, so the relay always has one to copy.)
 */
const messages: { ring: unknown; edit: unknown } = { ring: null, edit: null };

// ---------------------------------------------------------------- Guichet
/**
 * Guichet's built server with the demo site, open at any hour, `historyCount` calls and tickets of
 * history, and the bench's terminals and agents: on its own SQLite file, or on the empty
 * PostgreSQL database `databaseUrl` names.
 */
async function startGuichet(
  main: string,
  historyCount: number,
  databaseUrl: string | null
): Promise<Target & { queueState(): Promise<unknown> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-bench-calls-'));
  fs.mkdirSync(path.join(dir, 'web'));
  fs.writeFileSync(
    path.join(dir, 'web/handler.js'),
    'export const handler = (req, res) => { res.writeHead(404); res.end(); };\n'
  );
  // The shipped procedures ask only choices; the test procedure has a text field to type into.
  const catalogDir = path.join(dir, 'catalog');
  fs.mkdirSync(catalogDir);
  for (const file of fs.readdirSync(path.join(root, 'server/catalog'))) {
    fs.copyFileSync(path.join(root, 'server/catalog', file), path.join(catalogDir, file));
  }
  fs.copyFileSync(path.join(root, 'e2e/catalog/essai-saisies.yaml'), path.join(catalogDir, 'essai-saisies.yaml'));
  // The same set-up through the store on either engine; on PostgreSQL it also runs the migrations.
  let store: Store;
  let closeStore: () => Promise<void>;
  if (databaseUrl) {
    const opened = await openStore({ databaseUrl, databaseFile: '', backupDir: '', backupsKept: 0 });
    store = createStore(opened.executor, null);
    closeStore = () => opened.close();
  } else {
    const db = openDatabase(path.join(dir, 'data/guichet.sqlite'));
    store = createSqliteStore(db);
    closeStore = async () => {
      db.close();
    };
  }
  await seedDemoIfEmpty(store, systemClock);
  const siteId = (await store.sites.listAll())[0]!.id;
  // Open at any hour and on any day the bench runs: a call rings, a kiosk takes a ticket.
  await store.sites.setOpeningHours(siteId, {});
  await store.sites.setClosedDays(siteId, []);
  if (historyCount > 0) {
    const t0 = performance.now();
    const h = await recordHistory(store, siteId, historyCount, new Date());
    console.log(
      `  history: ${h.calls} answered calls and ${h.tickets} finished tickets, ${h.from.slice(0, 10)} → ${h.to.slice(0, 10)} ` +
        `(${((performance.now() - t0) / 1000).toFixed(1)} s)`
    );
  }
  const now = new Date().toISOString();
  const expires = new Date(Date.now() + 86_400_000).toISOString();
  const kioskTokens: string[] = [];
  const agentTokens: string[] = [];
  // Terminals and logins written straight into the store: pairing 500 kiosks or hashing 50 PINs
  // would measure the set-up, not the calls.
  await store.transaction(async () => {
    for (let i = 0; i < kiosks; i++) {
      const id = randomUUID();
      await store.terminals.insert({ id, siteId, kind: 'kiosk', name: `Borne ${i + 1}`, location: 'Hall', pairedAt: now });
      const token = newToken();
      await store.terminalTokens.insert(hashToken(token), id, now);
      kioskTokens.push(token);
    }
    for (let i = 0; i < agents; i++) {
      const id = randomUUID();
      await store.accounts.insert({
        id,
        siteId,
        role: 'agent',
        login: `bench-agent-${i}`,
        firstName: `Agent ${i}`,
        secretHash: 'no-login-in-this-benchmark',
        active: true,
        createdAt: now
      });
      const token = newToken();
      await store.authSessions.insert({
        tokenHash: hashToken(token),
        id: randomUUID(),
        accountId: id,
        createdAt: now,
        expiresAt: expires
      });
      agentTokens.push(token);
    }
  });
  await closeStore();

  const port = await freePort();
  const server = spawnNode(main, [], {
    GUICHET_DATA_DIR: path.join(dir, 'data'),
    GUICHET_KIOSK_BUILD: path.join(dir, 'web'),
    GUICHET_CATALOG_DIR: catalogDir,
    GUICHET_PORT: String(port),
    GUICHET_LOG_LEVEL: 'warn',
    // Edits are replayed back to back, faster than anyone types: with few pairs (--agents 2) one
    // socket would pass its command rate. The limit's check costs the same at any setting.
    GUICHET_COMMAND_BURST: '1000000',
    GUICHET_COMMANDS_PER_SECOND: '100000',
    ...(databaseUrl ? { GUICHET_DATABASE_URL: databaseUrl } : {})
  });
  const faults = new Faults();
  let clients: Socket[] = [];
  const close = onCleanup(async () => {
    faults.closing = true;
    for (const c of clients) c.disconnect();
    await stop(server.proc);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  try {
    await waitFor(() => server.output().includes('Guichet is running'), 30_000);
    const url = `http://127.0.0.1:${port}`;
    const kioskClients = await inBatches(kiosks, (i) =>
      open<GuichetClient>(url, { face: 'kiosk', token: kioskTokens[i]! }, faults)
    );
    const agentsFrom = performance.now();
    const agentClients = await inBatches(agents, (i) =>
      open<GuichetClient>(url, { face: 'agent', token: agentTokens[i]! }, faults)
    );
    const agentsConnectMs = performance.now() - agentsFrom;
    clients = [...kioskClients, ...agentClients];
    const sessionIds = await inBatches(kiosks, async (i) => {
      const session = await send<{ id: string }>(kioskClients[i]!, 'session:start', { requestId: randomUUID(), locale: 'fr' });
      await send(kioskClients[i]!, 'session:patch', {
        sessionId: session.id,
        patchId: randomUUID(),
        ops: [{ op: 'open', procedureId: 'essai-saisies' }]
      });
      return session.id;
    });
    const rings = new Deliveries(faults);
    const edits = new Deliveries(faults);
    const burstAcks: number[] = [];
    for (const agent of agentClients) {
      agent.on('call:ring', (card) => {
        messages.ring = card;
        rings.record(card.sessionId);
      });
    }
    for (const c of [...kioskClients.slice(0, pairs), ...agentClients.slice(0, pairs)]) {
      c.on('session:patched', (patch) => {
        const change = patch.changes[0];
        if (change?.op !== 'answer' || typeof change.value !== 'string') return;
        messages.edit = patch;
        edits.record(change.value);
      });
    }
    return {
      faults,
      agentsConnectMs,
      rings,
      edits,
      burstAcks,
      async ring(i) {
        const k = i % kiosks;
        const waiter = rings.expect(sessionIds[k]!, agents);
        waiter.start(performance.now());
        const call = await attempt(faults, () =>
          send<{ id: string }>(kioskClients[k]!, 'call:create', { sessionId: sessionIds[k], requestId: randomUUID() })
        );
        if (!call) return rings.forget(sessionIds[k]!);
        await waiter.done;
        await attempt(faults, () => send(kioskClients[k]!, 'call:cancel', { callId: call.id }));
      },
      async joinPairs() {
        for (let p = 0; p < pairs; p++) {
          const call = await send<{ id: string }>(kioskClients[p]!, 'call:create', {
            sessionId: sessionIds[p],
            requestId: randomUUID()
          });
          await send(agentClients[p]!, 'call:accept', { callId: call.id });
        }
      },
      async edit(e) {
        const p = e % pairs;
        const sender = e % 2 === 0 ? kioskClients[p]! : agentClients[p]!;
        const waiter = edits.expect(`edit-${e}`, 1);
        waiter.start(performance.now());
        // What is measured is the other side receiving the change. The turn also waits for the
        // sender's ack (the write is done), as between two keystrokes: no work spills onto the
        // next sample, of either system.
        const acked = attempt(faults, () =>
          send(sender, 'session:patch', {
            sessionId: sessionIds[p]!,
            patchId: randomUUID(),
            ops: [{ op: 'answer', stepId: 'nom', value: `edit-${e}` }]
          })
        );
        await Promise.all([waiter.done, acked]);
      },
      burst: () =>
        emitAll(
          kioskClients.slice(0, burst),
          'ticket:take',
          () => ({ requestId: randomUUID(), service: 'accueil', priority: false, locale: 'fr' }),
          faults,
          burstAcks
        ),
      /** The queue's state as an agent receives it: the size of the relay's burst message. */
      queueState: () => send(agentClients[0]!, 'queue:state', {}),
      rssMb: () => readRssMb(server.proc.pid!),
      close
    };
  } catch (error) {
    console.error(server.output());
    await close();
    throw error;
  }
}

// ---------------------------------------------------------------- bare relay
async function startRelay(script: string): Promise<Target & { setState(state: unknown): Promise<void> }> {
  const port = await freePort();
  const relay = spawnNode(script, [String(port)], {});
  const faults = new Faults();
  let clients: Socket[] = [];
  const close = onCleanup(async () => {
    faults.closing = true;
    for (const c of clients) c.disconnect();
    await stop(relay.proc);
  });
  try {
    await waitFor(() => relay.output().includes('relay listening'), 30_000);
    const url = `http://127.0.0.1:${port}`;
    const kioskClients = await inBatches(kiosks, () => open<Socket>(url, { role: 'kiosk' }, faults));
    const agentsFrom = performance.now();
    const agentClients = await inBatches(agents, () => open<Socket>(url, { role: 'agent' }, faults));
    const agentsConnectMs = performance.now() - agentsFrom;
    clients = [...kioskClients, ...agentClients];
    const rings = new Deliveries(faults);
    const edits = new Deliveries(faults);
    const burstAcks: number[] = [];
    for (const agent of agentClients) agent.on('ring', (ring: { id: string }) => rings.record(ring.id));
    return {
      faults,
      agentsConnectMs,
      rings,
      edits,
      burstAcks,
      async ring(i) {
        const id = randomUUID();
        const waiter = rings.expect(id, agents);
        waiter.start(performance.now());
        await kioskClients[i % kiosks]!.timeout(ackTimeoutMs).emitWithAck('ring', { id, like: messages.ring });
        await waiter.done;
      },
      async joinPairs() {
        for (let p = 0; p < pairs; p++) {
          for (const c of [kioskClients[p]!, agentClients[p]!]) {
            await c.timeout(ackTimeoutMs).emitWithAck('join-pair', `pair-${p}`);
            c.on('edit', (edit: { value: string }) => edits.record(edit.value));
          }
        }
      },
      async edit(e) {
        const p = e % pairs;
        const sender = e % 2 === 0 ? kioskClients[p]! : agentClients[p]!;
        const waiter = edits.expect(`edit-${e}`, 1);
        waiter.start(performance.now());
        const acked = sender.timeout(ackTimeoutMs).emitWithAck('edit', `pair-${p}`, { value: `edit-${e}`, like: messages.edit });
        await Promise.all([waiter.done, acked]);
      },
      burst: () => emitAll(kioskClients.slice(0, burst), 'ticket', () => randomUUID(), faults, burstAcks),
      async setState(state) {
        await agentClients[0]!.timeout(ackTimeoutMs).emitWithAck('set-state', state);
      },
      rssMb: () => readRssMb(relay.proc.pid!),
      close
    };
  } catch (error) {
    await close();
    throw error;
  }
}

const stats = (xs: number[]) => ({
  p50: percentile(xs, 50),
  p90: percentile(xs, 90),
  p99: percentile(xs, 99),
  p999: percentile(xs, 99.9),
  n: xs.length
});
type Stats = ReturnType<typeof stats>;
const detail = (name: string, s: Stats) =>
  `  ${name.padEnd(14)} p50 ${s.p50.toFixed(2).padStart(8)}  p90 ${s.p90.toFixed(2).padStart(8)}  ` +
  `p99 ${s.p99.toFixed(2).padStart(8)}  p99.9 ${s.p999.toFixed(2).padStart(8)} ms  (${s.n} samples)`;

interface PhaseResult {
  g: { ring: Stats; edit: Stats; burst: Stats | null; faults: Faults };
  r: { ring: Stats; edit: Stats; burst: Stats | null; faults: Faults };
  stateBytes: number;
  rssMb: number;
  relayRssMb: number;
  agentsConnectMs: number;
  relayAgentsConnectMs: number;
}

/** One fresh server and one fresh relay, measured in turns; the burst when asked. */
async function phase(
  main: string,
  relayScript: string,
  historyCount: number,
  withBurst: boolean,
  databaseUrl: string | null
): Promise<PhaseResult> {
  console.log(`phase: ${databaseUrl ? 'PostgreSQL' : 'SQLite'}, history ${historyCount}`);
  const relay = await startRelay(relayScript);
  const guichet = await startGuichet(main, historyCount, databaseUrl).catch(async (error: unknown) => {
    await relay.close();
    throw error;
  });
  let rssMb: number;
  let relayRssMb: number;
  let stateBytes = 0;
  try {
    for (let i = 0; i < warmup + calls; i++) {
      measuring = i >= warmup;
      for (const t of i % 2 === 0 ? [guichet, relay] : [relay, guichet]) await t.ring(i);
    }
    await guichet.joinPairs();
    await relay.joinPairs();
    for (let e = 0; e < warmup + edits; e++) {
      measuring = e >= warmup;
      for (const t of e % 2 === 0 ? [guichet, relay] : [relay, guichet]) await t.edit(e);
    }
    if (withBurst) {
      const state = await guichet.queueState();
      stateBytes = Buffer.byteLength(JSON.stringify(state));
      await relay.setState(state);
      for (let b = 0; b < burstRounds; b++) {
        for (const t of b % 2 === 0 ? [guichet, relay] : [relay, guichet]) await t.burst(b);
      }
    }
    // Every kiosk and agent still connected, after the measures.
    rssMb = guichet.rssMb();
    relayRssMb = relay.rssMb();
  } finally {
    await guichet.close();
    await relay.close();
  }
  const side = (t: Target) => ({
    ring: stats(t.rings.samples),
    edit: stats(t.edits.samples),
    burst: withBurst ? stats(t.burstAcks) : null,
    faults: t.faults
  });
  const result = {
    g: side(guichet),
    r: side(relay),
    stateBytes,
    rssMb,
    relayRssMb,
    agentsConnectMs: guichet.agentsConnectMs,
    relayAgentsConnectMs: relay.agentsConnectMs
  };
  console.log(detail('Guichet ring', result.g.ring));
  console.log(detail('relay ring', result.r.ring));
  console.log(detail('Guichet edit', result.g.edit));
  console.log(detail('relay edit', result.r.edit));
  const bytes = (x: unknown) => Buffer.byteLength(JSON.stringify(x));
  console.log(
    `  relay messages: ring ${bytes(messages.ring)} bytes, edit ${bytes(messages.edit)} bytes (copies of Guichet's card and patch), beside their ids`
  );
  if (result.g.burst && result.r.burst) {
    console.log(detail('Guichet burst', result.g.burst));
    console.log(detail('relay burst', result.r.burst));
    console.log(`  relay burst message: ${stateBytes} bytes (Guichet's queue state) to ${kiosks + agents} sockets`);
  }
  console.log(
    `  ring p99 ratio ${(result.g.ring.p99 / result.r.ring.p99).toFixed(2)}   edit p99 ratio ${(result.g.edit.p99 / result.r.edit.p99).toFixed(2)}`
  );
  const f = result.g.faults;
  console.log(
    `  Guichet: ${f.failed} acks refused or timed out, ${f.missed} deliveries missing after ${deliveryTimeoutMs / 1000} s, ` +
      `${f.disconnects} disconnects; relay: ${result.r.faults.errors}`
  );
  console.log(
    `  ${agents} agents connected in ${guichet.agentsConnectMs.toFixed(0)} ms (relay ${relay.agentsConnectMs.toFixed(0)} ms), ` +
      `each arrival announced to the others`
  );
  console.log(`  server RSS ${rssMb.toFixed(0)} MB, relay RSS ${relayRssMb.toFixed(0)} MB`);
  return result;
}

/**
 * The throwaway cluster for `--store postgres`: durable like a real server, with Guichet's role
 * set as docs/shared-server.md advises. Each phase gets a new database, created by the role.
 */
async function startPostgres(): Promise<{
  cluster: PgCluster;
  version: string;
  synchronousCommit: string;
  database(name: string): Promise<string>;
}> {
  const started = await startPgCluster({ durable: true });
  const cluster = { url: started.url, stop: onCleanup(() => started.stop()) };
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  try {
    const role = new URL(cluster.url).username;
    // A commit does not wait for the disk, as on SQLite with synchronous=NORMAL: a crash may lose
    // the last fraction of a second of commits, never consistency. New sessions take it.
    await admin.query(`ALTER ROLE ${role} SET synchronous_commit = off`);
    const { rows } = await admin.query<{ server_version: string }>('SHOW server_version');
    // As the server's own connections will see it (the setting applies to new sessions).
    const session = new pg.Client({ connectionString: cluster.url });
    await session.connect();
    const synchronousCommit = await session
      .query<{ synchronous_commit: string }>('SHOW synchronous_commit')
      .finally(() => session.end());
    return {
      cluster,
      version: rows[0]!.server_version,
      synchronousCommit: synchronousCommit.rows[0]!.synchronous_commit,
      async database(name) {
        const client = new pg.Client({ connectionString: cluster.url });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE ${name}`);
        } finally {
          await client.end();
        }
        const url = new URL(cluster.url);
        url.pathname = `/${name}`;
        return url.toString();
      }
    };
  } finally {
    await admin.end();
  }
}

/** One engine's phases: the empty store, then the month of history (when asked). */
async function measure(main: string, relayScript: string, database: (phase: string) => Promise<string | null>) {
  const fresh = await phase(main, relayScript, 0, history === 0, await database('fresh'));
  const month = history > 0 ? await phase(main, relayScript, history, true, await database('month')) : null;
  return { fresh, month };
}

/** The last line's figures for one engine's phases. */
function figuresOf({ fresh, month }: { fresh: PhaseResult; month: PhaseResult | null }): Record<string, number> {
  const last = month ?? fresh;
  return {
    kiosks,
    agents,
    history,
    ring_p50_ms: round(fresh.g.ring.p50),
    ring_p99_ms: round(fresh.g.ring.p99),
    edit_p50_ms: round(fresh.g.edit.p50),
    edit_p99_ms: round(fresh.g.edit.p99),
    relay_p99_ms: round(fresh.r.ring.p99),
    relay_edit_p99_ms: round(fresh.r.edit.p99),
    ring_p99_ratio: round(fresh.g.ring.p99 / fresh.r.ring.p99),
    edit_p99_ratio: round(fresh.g.edit.p99 / fresh.r.edit.p99),
    ...(month
      ? {
          ring_p99_ms_hist: round(month.g.ring.p99),
          edit_p99_ms_hist: round(month.g.edit.p99),
          relay_p99_ms_hist: round(month.r.ring.p99),
          ring_p99_ratio_hist: round(month.g.ring.p99 / month.r.ring.p99),
          edit_p99_ratio_hist: round(month.g.edit.p99 / month.r.edit.p99)
        }
      : {}),
    burst_ack_p99_ms: round(last.g.burst!.p99, 1),
    relay_burst_ack_p99_ms: round(last.r.burst!.p99, 1),
    burst_ratio: round(last.g.burst!.p99 / last.r.burst!.p99),
    errors: fresh.g.faults.errors + (month?.g.faults.errors ?? 0),
    disconnects: fresh.g.faults.disconnects + (month?.g.faults.disconnects ?? 0),
    server_rss_mb: round(last.rssMb, 0),
    relay_rss_mb: round(last.relayRssMb, 0),
    agents_connect_ms: round(last.agentsConnectMs, 0),
    relay_agents_connect_ms: round(last.relayAgentsConnectMs, 0)
  };
}

let status = 1;
try {
  console.log(
    `bench calls: ${kiosks} kiosks, ${agents} agents, ${calls} calls, ${edits} edits (${pairs} joined pairs), ` +
      `burst of ${burst} tickets, history 0 then ${history}, loopback, store ${store === 'postgres' ? 'SQLite then PostgreSQL' : 'SQLite'}`
  );
  const main = ensureBuiltServer();
  const relayScript = await builtRelay();
  const postgres = store === 'postgres' ? await startPostgres() : null;
  if (postgres) {
    console.log(
      `PostgreSQL ${postgres.version}: a throwaway cluster on loopback, fsync on, ` +
        `synchronous_commit = ${postgres.synchronousCommit} for Guichet's role (ALTER ROLE … SET, as docs/shared-server.md advises)`
    );
  }
  const figures: Record<string, number | string> = { store, ...figuresOf(await measure(main, relayScript, async () => null)) };
  if (postgres) {
    let n = 0;
    const onPostgres = figuresOf(await measure(main, relayScript, (name) => postgres.database(`bench_${++n}_${name}`)));
    for (const [key, value] of Object.entries(onPostgres)) figures[`${key}_pg`] = value;
  }
  // A figure over its target fails the run (after the last line), so a regression cannot pass unseen.
  const missed = overTargets(figures as Record<string, number>, callsTargets({ kiosks, agents, history }, store));
  if (missed.length > 0) console.log(`Over target: ${missed.join(', ')}`);
  console.log(
    `bench calls: ${Object.entries(figures)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`
  );
  status = missed.length > 0 ? 1 : 0;
} catch (error) {
  console.error(error);
} finally {
  await cleanUp();
}
process.exit(status);
