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
 * database per phase, the history written through the store the same way, then vacuumed and
 * analysed as autovacuum keeps a database in service). Each engine's figures
 * are compared with the relay measured beside it; the last line carries both, PostgreSQL's keys
 * suffixed `_pg`. The cluster is removed at the end, on a failure or on Ctrl-C too.
 *
 * `--nodes N` (2 to 4) measures Guichet as N built nodes (GUICHET_NODE_NAME=node-i, their own
 * folders) on one durable PostgreSQL database behind HAProxy (deploy/haproxy.cfg, through
 * server/src/testing/haproxy.ts), with 10,000 kiosks and 1,000 agents over 250 sites by default
 * (40 kiosks and 4 agents a site; sites, terminals, tokens and agents written into the store before
 * the nodes start). Every client connects through HAProxy, so they spread over the nodes. A call
 * rings its own site's agents, wherever they are; each joined pair has its kiosk on one node and
 * its agent on another (placed by reading the nodes' /metrics). The baseline is the relay run as N
 * processes joined by Guichet's own adapter (server/src/cluster/adapter.ts) on a database of their
 * own, behind their own HAProxy, with the same clients and rooms per site. Both systems are up
 * at once and measured in turns, as on one node; the relay's clients live in a child process of
 * the bench (scripts/bench/turns-ipc.ts), as both sets would need twice this process's open files.
 * The relay is then closed, and `--kill-calls` (200) calls are made over 4 s and node-1 is killed
 * (SIGKILL) 1.6 s in: a create without an ack is sent again with its requestId; each acked call
 * must ring a tablet and be ended (accepted or cancelled, read back from the database), else it
 * counts in `lost_calls`. No history and no burst in this mode; the bench raises its open-file
 * limit (prlimit) for the sockets where it may, and otherwise runs HAProxy as several processes on
 * one port. Targets: nodesTargets.
 *
 * Prints the detail, then ends with `bench calls: …` and exits 1 when a target is missed (see
 * callsTargets). Flags: --kiosks N (≤ 5000; ≤ 20,000 with --nodes) --agents M (≤ 500; ≤ 2,000
 * with --nodes) --calls K (1000) --edits E (20000) --history H --burst B --store sqlite|postgres
 * --nodes N --sites S (250) --kill-calls C (200). Extra node flags for both processes, to profile
 * them: BENCH_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
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
import { startHaproxy, type RunningHaproxy } from '../server/src/testing/haproxy';
import { freePort, waitFor } from '../server/src/testing/processes';
import type { ClientToServerEvents, ServerToClientEvents } from '../shared/contract';
import type { Ack } from '../shared/errors';
import { recordHistory } from './bench/history';
import { forkTurns, serveTurns } from './bench/turns-ipc';
import { callsTargets, nodesTargets, overTargets, type BenchStore } from './bench-targets';
import { startPgCluster, type PgCluster } from './pg-cluster';

type GuichetClient = Socket<ServerToClientEvents, ClientToServerEvents>;

const root = path.resolve(import.meta.dirname, '..');
const flag = (name: string, fallback: number, max: number, min = 1) => {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
  return Math.min(value, max);
};
/** `--nodes N` (2 to 4): N Guichet nodes on one PostgreSQL behind HAProxy; 1 (no flag) otherwise. */
const nodeCount = flag('nodes', 1, 4);
if (process.argv.includes('--nodes') && nodeCount < 2) throw new Error('--nodes must be 2, 3 or 4');
const multi = nodeCount > 1;
const kiosks = multi ? flag('kiosks', 10_000, 20_000) : flag('kiosks', 500, 5000);
const agents = multi ? flag('agents', 1000, 2000) : flag('agents', 50, 500);
/** Sites of the multi-node run: kiosk k and agent a belong to site k % sites and a % sites. */
const sites = multi ? Math.min(flag('sites', 250, 1000), kiosks, agents) : 1;
/** Calls made while one node is killed (multi-node run only). */
const killCalls = multi ? flag('kill-calls', 200, 2000, 0) : 0;
const calls = flag('calls', 1000, 2000);
const edits = flag('edits', 20000, 50000);
const history = multi ? 0 : flag('history', 20000, 100_000, 0);
const burst = Math.min(flag('burst', 200, 5000), kiosks);
const pairs = Math.min(agents, kiosks, 50, multi ? sites : 50);
const storeArg = process.argv.indexOf('--store');
const store = (storeArg >= 0 ? process.argv[storeArg + 1] : multi ? 'postgres' : 'sqlite') as BenchStore;
if (store !== 'sqlite' && store !== 'postgres') throw new Error('--store must be sqlite or postgres');
if (multi && store !== 'postgres') throw new Error('--nodes runs on PostgreSQL only');
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
  /** Drops while a node is killed on purpose: counted apart, they are what is measured then. */
  killDrops = 0;
  killing = false;
  /** Set before the bench closes its own sockets: those are not drops. */
  closing = false;
  watch(socket: Socket): void {
    socket.on('disconnect', (reason) => {
      // The bench's own disconnect (a pair's agent placed again on another node) is no drop.
      if (this.closing || reason === 'io client disconnect') return;
      if (this.killing) this.killDrops++;
      else this.disconnects++;
    });
  }
  get errors(): number {
    return this.failed + this.missed + this.disconnects;
  }
}

/**
 * One client over WebSocket. Through HAProxy (`--nodes`) it reconnects by itself, as the kiosk and
 * the tablet do (socket.io's default delays), so a killed node's clients come back on another.
 */
function open<S extends Socket>(url: string, auth: Record<string, string>, faults: Faults): Promise<S> {
  const socket = connectClient(url, { auth, transports: ['websocket'], forceNew: true, reconnection: multi }) as S;
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
  // Bundled with Guichet's adapter (the multi-node relay uses it); packages stay in node_modules.
  await esbuild.build({
    entryPoints: [path.join(root, 'scripts/bench/relay-server.ts')],
    outfile: out,
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning'
  });
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
/** A server's folder: a stub web app, and the shipped catalog plus the test procedure. */
function serverDir(): { dir: string; catalogDir: string } {
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
  return { dir, catalogDir };
}

/**
 * Guichet's turns, the same on one node and on several: a ring (a call made, every tablet it rings
 * hears it, then it is cancelled and every tablet hears that too, so that no work of one turn
 * spills onto the next sample), the joined pairs, and an edit (one side's change, heard by the
 * other side and acked to the sender).
 */
function guichetTurns({
  kioskClients,
  agentClients,
  sessionIds,
  faults,
  rings,
  edits,
  ringed
}: {
  kioskClients: Socket[];
  agentClients: Socket[];
  sessionIds: string[];
  faults: Faults;
  rings: Deliveries;
  edits: Deliveries;
  /** How many tablets kiosk k's call rings. */
  ringed: (k: number) => number;
}) {
  // A cancel ends when every tablet it rang has heard it.
  const removals = new Deliveries(faults);
  for (const agent of agentClients) agent.on('call:removed', ({ callId }: { callId: string }) => removals.record(callId));
  return {
    async ring(i: number) {
      const k = i % kioskClients.length;
      const waiter = rings.expect(sessionIds[k]!, ringed(k));
      waiter.start(performance.now());
      const call = await attempt(faults, () =>
        send<{ id: string }>(kioskClients[k]!, 'call:create', { sessionId: sessionIds[k], requestId: randomUUID() })
      );
      if (!call) return rings.forget(sessionIds[k]!);
      await waiter.done;
      const removed = removals.expect(call.id, ringed(k));
      const cancelled = await attempt(faults, () => send(kioskClients[k]!, 'call:cancel', { callId: call.id }));
      if (!cancelled) return removals.forget(call.id);
      await removed.done;
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
    async edit(e: number) {
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
    }
  };
}

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
  const { dir, catalogDir } = serverDir();
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
    if (databaseUrl) {
      // A month written in seconds, not over a month: vacuumed and analysed as autovacuum keeps a
      // database in service, not measured while autovacuum works through 40,000 new rows.
      const vacuum = new pg.Client({ connectionString: databaseUrl });
      await vacuum.connect();
      await vacuum.query('VACUUM (ANALYZE)');
      await vacuum.end();
    }
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
      ...guichetTurns({ kioskClients, agentClients, sessionIds, faults, rings, edits, ringed: () => agents }),
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

// ---------------------------------------------------------------- several nodes (--nodes N)
const siteOf = (i: number) => i % sites;
/** How many agents belong to site `s` (agent a is at site a % sites). */
const agentsAt = (s: number) => Math.floor(agents / sites) + (s < agents % sites ? 1 : 0);
/** Set by planFileLimit before any HAProxy starts. */
let haproxyProcesses = 1;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * 10,000 kiosks and 1,000 agents through HAProxy: more open files than one process may have on a
 * machine whose hard limit is 20,000. The limit is raised for this process (its children inherit
 * it) where root or the hard limit allows. Otherwise the systems are measured one after the other
 * (this process holds one system's clients at a time) and HAProxy runs as several processes on one
 * port, each holding two files per client it proxies (it sets its maxconn from the limit: beyond,
 * connections would hang, not fail). Returns how many HAProxy processes to run.
 */
function planFileLimit(): number {
  const clients = kiosks + agents;
  const want = 2 * clients + 10_000;
  const raised = spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${want}:${want}`], { encoding: 'utf8' });
  if (raised.status === 0) return 1;
  const limit = Number(spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim());
  // Files for other things than clients: the nodes' database connections, logs, HAProxy's own.
  const spare = 600;
  if (clients + spare > limit) {
    throw new Error(
      `${kiosks} kiosks and ${agents} agents need ${clients + spare} open files in this process, and the limit is ${limit} ` +
        `(prlimit: ${(raised.stderr || raised.error?.message || '').trim()}): raise the hard limit or connect fewer`
    );
  }
  const processes = Math.ceil((2 * clients) / (limit - spare));
  console.log(`  open-file limit ${limit}: HAProxy runs as ${processes} processes on one port (SO_REUSEPORT)`);
  return processes;
}

/** A multi-node system, connected and ready. */
interface Nodes extends Target {
  /** Joined pairs whose kiosk and agent sit on different nodes. */
  crossPairs: number;
  /** Each node's RSS. */
  rssPerNode(): number[];
}

/**
 * Connects a pair's kiosk, then its agent on another node: HAProxy shares new connections in
 * turn, so an agent that lands beside its kiosk connects again. `nodeOf` says where a socket is.
 */
async function crossPair<S extends Socket>(
  openKiosk: () => Promise<S>,
  openAgent: () => Promise<S>,
  nodeOf: (connect: () => Promise<S>) => Promise<{ socket: S; node: number }>,
  left: () => Promise<void>
): Promise<{ kiosk: S; agent: S; cross: boolean }> {
  const kiosk = await nodeOf(openKiosk);
  let agent = await nodeOf(openAgent);
  for (let i = 0; i < 6 && agent.node === kiosk.node; i++) {
    agent.socket.disconnect();
    await left();
    agent = await nodeOf(openAgent);
  }
  return { kiosk: kiosk.socket, agent: agent.socket, cross: agent.node !== kiosk.node && agent.node >= 0 };
}

async function nodeSockets(ports: number[], face: 'kiosk' | 'agent'): Promise<number[]> {
  return Promise.all(
    ports.map(async (port) => {
      try {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const line = text.split('\n').find((l) => l.startsWith(`guichet_node_sockets{face="${face}"}`));
        return Number(line?.split(' ')[1] ?? 0);
      } catch {
        return 0;
      }
    })
  );
}

interface KillResult {
  tried: number;
  acked: number;
  rung: number;
  ended: number;
  lost: number;
  /** From the kill until every client was connected again. */
  reconnectMs: number;
  /** Calls created on the node left while the killed node's agents were still away. */
  unanswered: number;
  /** What HAProxy said of the nodes from the kill on (each process's "is DOWN" / "is UP" lines). */
  haproxySaid: string[];
}

/**
 * N built Guichet nodes on one PostgreSQL database behind HAProxy, `sites` sites seeded straight
 * into the store before they start (each with the test procedure published, open at any hour),
 * and the bench's kiosks and agents connected through HAProxy.
 */
async function startGuichetNodes(
  main: string,
  databaseUrl: string
): Promise<Nodes & { killDuring(count: number): Promise<KillResult> }> {
  const { dir, catalogDir } = serverDir();
  const opened = await openStore({ databaseUrl, databaseFile: '', backupDir: '', backupsKept: 0 });
  const seeded = createStore(opened.executor, null);
  const now = new Date().toISOString();
  const expires = new Date(Date.now() + 86_400_000).toISOString();
  const source = fs.readFileSync(path.join(catalogDir, 'essai-saisies.yaml'), 'utf8');
  const siteIds = Array.from({ length: sites }, () => randomUUID());
  const kioskTokens: string[] = [];
  const agentTokens: string[] = [];
  const t0 = performance.now();
  try {
    await seeded.transaction(async () => {
      for (const [s, id] of siteIds.entries()) {
        await seeded.sites.insert({
          id,
          name: `Mairie ${s + 1}`,
          address: `${s + 1} place de la Mairie`,
          phone: '',
          timezone: 'Europe/Paris',
          isDemo: false,
          createdAt: now,
          openingHours: {}
        });
        await seeded.procedures.insertIfAbsent({
          siteId: id,
          id: 'essai-saisies',
          publishedVersion: 1,
          position: 0,
          createdAt: now
        });
        await seeded.procedureVersions.insert({
          siteId: id,
          procedureId: 'essai-saisies',
          version: 1,
          source,
          createdAt: now,
          createdBy: null
        });
      }
      for (let i = 0; i < kiosks; i++) {
        const id = randomUUID();
        const siteId = siteIds[siteOf(i)]!;
        await seeded.terminals.insert({ id, siteId, kind: 'kiosk', name: `Borne ${i + 1}`, location: 'Hall', pairedAt: now });
        const token = newToken();
        await seeded.terminalTokens.insert(hashToken(token), id, now);
        kioskTokens.push(token);
      }
      for (let i = 0; i < agents; i++) {
        const id = randomUUID();
        await seeded.accounts.insert({
          id,
          siteId: siteIds[siteOf(i)]!,
          role: 'agent',
          login: `bench-agent-${i}`,
          firstName: `Agent ${i}`,
          secretHash: 'no-login-in-this-benchmark',
          active: true,
          createdAt: now
        });
        const token = newToken();
        await seeded.authSessions.insert({
          tokenHash: hashToken(token),
          id: randomUUID(),
          accountId: id,
          createdAt: now,
          expiresAt: expires
        });
        agentTokens.push(token);
      }
    });
  } finally {
    await opened.close();
  }
  console.log(`  seeded ${sites} sites, ${kiosks} kiosks, ${agents} agents in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const nodes: { name: string; port: number; proc: ChildProcess; output: () => string }[] = [];
  let haproxy: RunningHaproxy | null = null;
  const faults = new Faults();
  let clients: Socket[] = [];
  const close = onCleanup(async () => {
    faults.closing = true;
    for (const c of clients) c.disconnect();
    await haproxy?.stop();
    for (const n of nodes) await stop(n.proc);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  try {
    // One after the other: node-1 takes every site's lease, the others find them held.
    for (let i = 1; i <= nodeCount; i++) {
      const port = await freePort();
      const node = spawnNode(main, [], {
        GUICHET_DATA_DIR: path.join(dir, `node-${i}`),
        GUICHET_KIOSK_BUILD: path.join(dir, 'web'),
        GUICHET_CATALOG_DIR: catalogDir,
        GUICHET_PORT: String(port),
        GUICHET_LOG_LEVEL: 'warn',
        GUICHET_COMMAND_BURST: '1000000',
        GUICHET_COMMANDS_PER_SECOND: '100000',
        GUICHET_DATABASE_URL: databaseUrl,
        GUICHET_NODE_NAME: `node-${i}`
      });
      nodes.push({ name: `node-${i}`, port, ...node });
      await waitFor(() => node.output().includes('Guichet is running'), 120_000);
    }
    haproxy = await startHaproxy({ nodes: nodes.map((n) => n.port), processes: haproxyProcesses });
    const url = `http://127.0.0.1:${haproxy.port}`;
    const ports = nodes.map((n) => n.port);
    const openKiosk = (i: number) => () => open<GuichetClient>(url, { face: 'kiosk', token: kioskTokens[i]! }, faults);
    const openAgent = (i: number) => () => open<GuichetClient>(url, { face: 'agent', token: agentTokens[i]! }, faults);
    const kioskClients: GuichetClient[] = [];
    const agentClients: GuichetClient[] = [];
    // The pairs first, one socket at a time: where each lands is read from the nodes' /metrics.
    let crossPairs = 0;
    let face: 'kiosk' | 'agent' = 'kiosk';
    const nodeOf = async (connect: () => Promise<GuichetClient>) => {
      const before = await nodeSockets(ports, face);
      const socket = await connect();
      for (let t = 0; t < 100; t++) {
        const after = await nodeSockets(ports, face);
        const node = after.findIndex((n, j) => n > before[j]!);
        if (node >= 0) return { socket, node };
        await delay(20);
      }
      return { socket, node: -1 };
    };
    const agentsHere = async () => (await nodeSockets(ports, 'agent')).reduce((a, b) => a + b, 0);
    for (let p = 0; p < pairs; p++) {
      const count = p;
      const pair = await crossPair(
        async () => {
          face = 'kiosk';
          return openKiosk(p)();
        },
        async () => {
          face = 'agent';
          return openAgent(p)();
        },
        nodeOf,
        async () => {
          for (let t = 0; t < 500 && (await agentsHere()) !== count; t++) await delay(20);
        }
      );
      kioskClients[p] = pair.kiosk;
      agentClients[p] = pair.agent;
      if (pair.cross) crossPairs++;
    }
    const rest = await inBatches(kiosks - pairs, (i) => openKiosk(pairs + i)());
    rest.forEach((c, i) => (kioskClients[pairs + i] = c));
    const agentsFrom = performance.now();
    const restAgents = await inBatches(agents - pairs, (i) => openAgent(pairs + i)());
    restAgents.forEach((c, i) => (agentClients[pairs + i] = c));
    const agentsConnectMs = performance.now() - agentsFrom;
    clients = [...kioskClients, ...agentClients];
    const spread = await Promise.all(['kiosk', 'agent'].map((f) => nodeSockets(ports, f as 'kiosk' | 'agent')));
    console.log(
      `  Guichet: kiosks per node ${spread[0]!.join('/')}, agents per node ${spread[1]!.join('/')}, ${crossPairs}/${pairs} pairs across nodes`
    );
    const sessionIds = await inBatches(kiosks, async (i) => {
      const session = await send<{ id: string }>(kioskClients[i]!, 'session:start', { requestId: randomUUID(), locale: 'fr' });
      await send(kioskClients[i]!, 'session:patch', {
        sessionId: session.id,
        patchId: randomUUID(),
        ops: [{ op: 'open', procedureId: 'essai-saisies' }]
      });
      return session.id;
    });
    // 10,000 sessions started in seconds: vacuumed and analysed as autovacuum keeps a database in
    // service, not measured while autovacuum works through them (as the history is on one node).
    const vacuum = new pg.Client({ connectionString: databaseUrl });
    await vacuum.connect();
    await vacuum.query('VACUUM (ANALYZE)');
    await vacuum.end();
    const rings = new Deliveries(faults);
    const edits = new Deliveries(faults);
    /** Each call that rang, and the first tablet it rang on. */
    const rungOn = new Map<string, number>();
    agentClients.forEach((agent, a) => {
      agent.on('call:ring', (card) => {
        messages.ring = card;
        rings.record(card.sessionId);
        if (!rungOn.has(card.callId)) rungOn.set(card.callId, a);
      });
      // As the tablet does when it is back: what rings now comes with its state.
      agent.io.on('reconnect', () => {
        void send<{ ringing: { callId: string }[] }>(agent, 'agent:state', {})
          .then((state) => {
            for (const card of state.ringing) if (!rungOn.has(card.callId)) rungOn.set(card.callId, a);
          })
          .catch(() => undefined);
      });
    });
    for (const c of [...kioskClients.slice(0, pairs), ...agentClients.slice(0, pairs)]) {
      c.on('session:patched', (patch) => {
        const change = patch.changes[0];
        if (change?.op !== 'answer' || typeof change.value !== 'string') return;
        messages.edit = patch;
        edits.record(change.value);
      });
    }

    /** Retries `run` until it succeeds or `ms` have passed; whether it succeeded. */
    async function retrying<T>(ms: number, run: () => Promise<T>): Promise<T | null> {
      const deadline = performance.now() + ms;
      while (performance.now() < deadline) {
        try {
          return await run();
        } catch {
          await delay(250);
        }
      }
      return null;
    }
    const within = <T>(socket: Socket, event: string, payload: unknown, ms: number) =>
      socket
        .timeout(ms)
        .emitWithAck(event, payload)
        .then((ack: Ack<T>) => {
          if (!ack.ok) throw new Error(`${event} refused: ${ack.error.code}`);
          return ack.data;
        });

    return {
      faults,
      agentsConnectMs,
      rings,
      edits,
      burstAcks: [],
      crossPairs,
      ...guichetTurns({ kioskClients, agentClients, sessionIds, faults, rings, edits, ringed: (k) => agentsAt(siteOf(k)) }),
      burst: async () => {},
      rssMb: () =>
        Math.max(...nodes.map((n) => (n.proc.exitCode === null && n.proc.signalCode === null ? readRssMb(n.proc.pid!) : 0))),
      rssPerNode: () => nodes.map((n) => (n.proc.exitCode === null && n.proc.signalCode === null ? readRssMb(n.proc.pid!) : 0)),
      /**
       * `count` calls from as many kiosks over 4 s; node-1 is killed (SIGKILL) 1.6 s in. A create
       * without an ack is sent again with its requestId until one comes (60 s at most); each acked
       * call must ring a tablet (30 s at most), then be ended: every other one accepted by the
       * tablet it rang on (then released), the others, or one whose accept was refused, cancelled
       * by the kiosk. Read back from the database at the end: accepted, done or cancelled.
       */
      async killDuring(count) {
        const spreadMs = 4000;
        faults.killing = true;
        let killedAt = 0;
        const victim = nodes[0]!;
        const killer = delay(spreadMs * 0.4).then(() => {
          killedAt = performance.now();
          victim.proc.kill('SIGKILL');
        });
        const flow = async (j: number) => {
          await delay((j * spreadMs) / count);
          const k = pairs + ((warmup + calls + j) % (kiosks - pairs));
          const requestId = randomUUID();
          const call = await retrying(60_000, () =>
            within<{ id: string }>(kioskClients[k]!, 'call:create', { sessionId: sessionIds[k], requestId }, 5000)
          );
          if (!call) return { callId: null, rang: false };
          const deadline = performance.now() + 30_000;
          while (!rungOn.has(call.id) && performance.now() < deadline) await delay(50);
          const agent = rungOn.get(call.id);
          if (agent === undefined) return { callId: call.id, rang: false };
          let accepted = false;
          if (j % 2 === 1) {
            // A refusal (a colleague's tablet, the kiosk) ends the tries; a timeout does not.
            const deadlineAccept = performance.now() + 30_000;
            while (performance.now() < deadlineAccept) {
              try {
                await within(agentClients[agent]!, 'call:accept', { callId: call.id }, 5000);
                accepted = true;
                break;
              } catch (error) {
                if (String(error).includes('refused')) break;
                await delay(250);
              }
            }
            if (accepted) await retrying(30_000, () => within(agentClients[agent]!, 'call:release', { callId: call.id }, 5000));
          }
          if (!accepted) await retrying(30_000, () => within(kioskClients[k]!, 'call:cancel', { callId: call.id }, 5000));
          return { callId: call.id, rang: true };
        };
        const outcomes = await Promise.all(Array.from({ length: count }, (_, j) => flow(j)));
        await killer;
        await waitFor(() => clients.every((c) => c.connected), 120_000).catch(() => undefined);
        const reconnectMs = performance.now() - killedAt;
        faults.killing = false;
        const haproxySaid = (haproxy?.output() ?? '')
          .split('\n')
          .filter((l) => / is (DOWN|UP)\b/.test(l))
          // "node2 is DOWN, reason: Layer7 timeout, check duration: 1001ms", up to the counts.
          .map((l) => /Server guichet\/(\S+ is (?:DOWN|UP).*?)\s*\d+ active/.exec(l)?.[1] ?? l);
        const ids = outcomes.flatMap((o) => (o.callId ? [o.callId] : []));
        const db = new pg.Client({ connectionString: databaseUrl });
        await db.connect();
        const statuses = new Map<string, string>();
        try {
          const { rows } = await db.query<{ id: string; status: string }>(
            'SELECT id::text AS id, status FROM help_calls WHERE id::text = ANY($1)',
            [ids]
          );
          for (const r of rows) statuses.set(r.id, r.status);
        } finally {
          await db.end();
        }
        const endedStatuses = new Set(['accepted', 'done', 'cancelled']);
        const ended = outcomes.filter((o) => o.callId && o.rang && endedStatuses.has(statuses.get(o.callId) ?? '')).length;
        return {
          tried: count,
          acked: ids.length,
          rung: outcomes.filter((o) => o.rang).length,
          ended,
          lost: count - ended,
          reconnectMs,
          unanswered: [...statuses.values()].filter((s) => s === 'unanswered').length,
          haproxySaid
        };
      },
      close
    };
  } catch (error) {
    for (const n of nodes) console.error(`--- ${n.name}\n${n.output()}`);
    console.error(`--- haproxy\n${haproxy?.output() ?? ''}`);
    await close();
    throw error;
  }
}

/**
 * The relay as N nodes on its own PostgreSQL database, joined by Guichet's adapter, behind its own
 * HAProxy: the same clients, the same fan-out (a ring to its site's agents only).
 */
async function startRelayNodes(script: string, databaseUrl: string): Promise<Nodes> {
  const nodes: { port: number; proc: ChildProcess; output: () => string }[] = [];
  let haproxy: RunningHaproxy | null = null;
  const faults = new Faults();
  let clients: Socket[] = [];
  const close = onCleanup(async () => {
    faults.closing = true;
    for (const c of clients) c.disconnect();
    await haproxy?.stop();
    for (const n of nodes) await stop(n.proc);
  });
  try {
    for (let i = 1; i <= nodeCount; i++) {
      const port = await freePort();
      const relay = spawnNode(script, [String(port)], { RELAY_DATABASE_URL: databaseUrl, RELAY_NODE_NAME: `relay-${i}` });
      nodes.push({ port, ...relay });
      await waitFor(() => relay.output().includes('relay listening'), 30_000);
    }
    haproxy = await startHaproxy({ nodes: nodes.map((n) => n.port), processes: haproxyProcesses });
    const url = `http://127.0.0.1:${haproxy.port}`;
    const openKiosk = (i: number) => () => open<Socket>(url, { role: 'kiosk', site: String(siteOf(i)) }, faults);
    const openAgent = (i: number) => () => open<Socket>(url, { role: 'agent', site: String(siteOf(i)) }, faults);
    const nodeOf = async (connect: () => Promise<Socket>) => {
      const socket = await connect();
      const name = (await socket.timeout(ackTimeoutMs).emitWithAck('whoami')) as string;
      return { socket, node: Number(name.slice('relay-'.length)) - 1 };
    };
    const kioskClients: Socket[] = [];
    const agentClients: Socket[] = [];
    let crossPairs = 0;
    for (let p = 0; p < pairs; p++) {
      const pair = await crossPair(openKiosk(p), openAgent(p), nodeOf, async () => {});
      kioskClients[p] = pair.kiosk;
      agentClients[p] = pair.agent;
      if (pair.cross) crossPairs++;
    }
    const rest = await inBatches(kiosks - pairs, (i) => openKiosk(pairs + i)());
    rest.forEach((c, i) => (kioskClients[pairs + i] = c));
    const agentsFrom = performance.now();
    const restAgents = await inBatches(agents - pairs, (i) => openAgent(pairs + i)());
    restAgents.forEach((c, i) => (agentClients[pairs + i] = c));
    const agentsConnectMs = performance.now() - agentsFrom;
    clients = [...kioskClients, ...agentClients];
    console.log(`  relay: ${crossPairs}/${pairs} pairs across nodes`);
    const rings = new Deliveries(faults);
    const edits = new Deliveries(faults);
    for (const agent of agentClients) agent.on('ring', (ring: { id: string }) => rings.record(ring.id));
    return {
      faults,
      agentsConnectMs,
      rings,
      edits,
      burstAcks: [],
      crossPairs,
      async ring(i) {
        const k = i % kiosks;
        const id = randomUUID();
        const waiter = rings.expect(id, agentsAt(siteOf(k)));
        waiter.start(performance.now());
        await kioskClients[k]!.timeout(ackTimeoutMs).emitWithAck('ring', { id, like: messages.ring, site: String(siteOf(k)) });
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
      burst: async () => {},
      rssMb: () => Math.max(...nodes.map((n) => readRssMb(n.proc.pid!))),
      rssPerNode: () => nodes.map((n) => readRssMb(n.proc.pid!)),
      close
    };
  } catch (error) {
    for (const n of nodes) console.error(n.output());
    await close();
    throw error;
  }
}

/** What the relay's client process measured, sent back at the end of the turns. */
interface RelayReport {
  rings: number[];
  edits: number[];
  errors: number;
  rss: number[];
  agentsConnectMs: number;
}

/** The child process of `--nodes`: the relay's nodes and clients, driven turn by turn by the bench. */
async function serveRelayClients(databaseUrl: string, relayScript: string): Promise<void> {
  const relay = await startRelayNodes(relayScript, databaseUrl);
  serveTurns<RelayReport>(
    {
      ring(i, like) {
        measuring = i >= warmup;
        messages.ring = like;
        return relay.ring(i);
      },
      edit(e, like) {
        measuring = e >= warmup;
        messages.edit = like;
        return relay.edit(e);
      },
      joinPairs: () => relay.joinPairs(),
      report: () => ({
        rings: relay.rings.samples,
        edits: relay.edits.samples,
        errors: relay.faults.errors,
        rss: relay.rssPerNode(),
        agentsConnectMs: relay.agentsConnectMs
      })
    },
    cleanUp
  );
}

/** The multi-node run: the relay and Guichet in turns, then a node of Guichet killed under calls. */
async function measureNodes(main: string, relayScript: string): Promise<Record<string, number>> {
  const postgres = await startPostgres();
  console.log(
    `PostgreSQL ${postgres.version}: a throwaway cluster on loopback, fsync on, synchronous_commit = ${postgres.synchronousCommit} for the role`
  );
  const guichetUrl = await postgres.database('bench_nodes');
  const relayUrl = await postgres.database('bench_relay');
  const relayDb = new pg.Client({ connectionString: relayUrl });
  await relayDb.connect();
  // The adapter's table (migration 0016 makes Guichet's), for a broadcast too large for a NOTIFY.
  await relayDb
    .query('CREATE TABLE socket_io_attachments (id bigserial UNIQUE, created_at timestamptz DEFAULT now(), payload bytea)')
    .finally(() => relayDb.end());
  // Both systems up at once and measured in turns, as on one node, so the machine's slower
  // moments fall on both. The relay's clients live in a child process (see scripts/bench/turns-ipc.ts).
  const relay = await forkTurns<RelayReport>(import.meta.filename, process.argv.slice(2), {
    BENCH_RELAY_CLIENTS: relayUrl,
    BENCH_RELAY_SCRIPT: relayScript,
    BENCH_HAPROXY_PROCESSES: String(haproxyProcesses)
  });
  onCleanup(() => relay.close());
  let relayReport: RelayReport;
  let killed: KillResult;
  let rss: number[];
  const guichet = await startGuichetNodes(main, guichetUrl);
  try {
    for (let i = 0; i < warmup + calls; i++) {
      measuring = i >= warmup;
      // Guichet takes the first turn, so the relay has a card to copy (see `messages`).
      for (const t of i % 2 === 0 ? [guichet, relay] : [relay, guichet]) await t.ring(i, messages.ring);
    }
    await guichet.joinPairs();
    await relay.joinPairs();
    for (let e = 0; e < warmup + edits; e++) {
      measuring = e >= warmup;
      for (const t of e % 2 === 0 ? [guichet, relay] : [relay, guichet]) await t.edit(e, messages.edit);
    }
    measuring = false;
    rss = guichet.rssPerNode();
    relayReport = await relay.report();
    // The kill is measured with the machine to Guichet alone, as a hall's nodes would have it.
    await relay.close();
    console.log(`killing node-1 while ${killCalls} calls are made…`);
    killed = await guichet.killDuring(killCalls);
  } finally {
    await guichet.close();
  }
  const relayRss = relayReport.rss;
  const g = { ring: stats(guichet.rings.samples), edit: stats(guichet.edits.samples) };
  const r = { ring: stats(relayReport.rings), edit: stats(relayReport.edits) };
  console.log(detail('Guichet ring', g.ring));
  console.log(detail('relay ring', r.ring));
  console.log(detail('Guichet edit', g.edit));
  console.log(detail('relay edit', r.edit));
  console.log(
    `  ring p99 ratio ${(g.ring.p99 / r.ring.p99).toFixed(2)}   edit p99 ratio ${(g.edit.p99 / r.edit.p99).toFixed(2)}`
  );
  const f = guichet.faults;
  console.log(
    `  Guichet: ${f.failed} acks refused or timed out, ${f.missed} deliveries missing after ${deliveryTimeoutMs / 1000} s, ` +
      `${f.disconnects} disconnects before the kill; relay: ${relayReport.errors}`
  );
  console.log(
    `  nodes RSS ${rss.map((m) => m.toFixed(0)).join('/')} MB, relay nodes RSS ${relayRss.map((m) => m.toFixed(0)).join('/')} MB`
  );
  console.log(
    `  kill: ${killed.tried} calls, ${killed.acked} acked, ${killed.rung} rang, ${killed.ended} ended, ` +
      `${killed.unanswered} left unanswered by the server, ${f.killDrops} sockets dropped, ` +
      `all connected again ${(killed.reconnectMs / 1000).toFixed(1)} s after the kill`
  );
  // A survivor marked down too (its health checks too slow under the reconnections) would have its
  // connections cut: every process's view, in order.
  console.log(`  HAProxy: ${killed.haproxySaid.join(', ') || 'no node marked down or up'}`);
  return {
    nodes: nodeCount,
    kiosks,
    agents,
    sites,
    ring_p50_ms: round(g.ring.p50),
    ring_p99_ms: round(g.ring.p99),
    edit_p50_ms: round(g.edit.p50),
    edit_p99_ms: round(g.edit.p99),
    relay_p99_ms: round(r.ring.p99),
    relay_edit_p99_ms: round(r.edit.p99),
    ring_p99_ratio: round(g.ring.p99 / r.ring.p99),
    edit_p99_ratio: round(g.edit.p99 / r.edit.p99),
    cross_pairs: guichet.crossPairs,
    lost_calls: killed.lost,
    kill_calls: killed.tried,
    reconnect_ms: round(killed.reconnectMs, 0),
    errors: f.errors,
    disconnects: f.disconnects,
    server_rss_mb: round(Math.max(...rss), 0),
    relay_rss_mb: round(Math.max(...relayRss), 0),
    agents_connect_ms: round(guichet.agentsConnectMs, 0),
    relay_agents_connect_ms: round(relayReport.agentsConnectMs, 0)
  };
}

const relayClients = process.env.BENCH_RELAY_CLIENTS;
if (relayClients) {
  // The relay's client process of `--nodes` (see serveRelayClients): it ends when the bench leaves.
  haproxyProcesses = Number(process.env.BENCH_HAPROXY_PROCESSES);
  await serveRelayClients(relayClients, process.env.BENCH_RELAY_SCRIPT!).catch(async (error: unknown) => {
    console.error(error);
    await cleanUp();
    process.exit(1);
  });
} else {
  let status = 1;
  try {
    if (multi) {
      console.log(
        `bench calls: ${nodeCount} nodes on one PostgreSQL behind HAProxy, ${kiosks} kiosks and ${agents} agents over ${sites} sites, ` +
          `${calls} calls, ${edits} edits (${pairs} joined pairs), then ${killCalls} calls while node-1 is killed, loopback`
      );
      haproxyProcesses = planFileLimit();
    } else {
      console.log(
        `bench calls: ${kiosks} kiosks, ${agents} agents, ${calls} calls, ${edits} edits (${pairs} joined pairs), ` +
          `burst of ${burst} tickets, history 0 then ${history}, loopback, store ${store === 'postgres' ? 'SQLite then PostgreSQL' : 'SQLite'}`
      );
    }
    const main = ensureBuiltServer();
    const relayScript = await builtRelay();
    if (multi) {
      const figures = await measureNodes(main, relayScript);
      const missed = overTargets(figures, nodesTargets());
      if (missed.length > 0) console.log(`Over target: ${missed.join(', ')}`);
      console.log(
        `bench calls: ${Object.entries(figures)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`
      );
      await cleanUp();
      process.exit(missed.length > 0 ? 1 : 0);
    }
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
}
