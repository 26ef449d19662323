/**
 * `npm run bench:calls`: the real Guichet server (its own process, SQLite file, demo site) with N
 * kiosks and M agent tablets connected over socket.io, against a bare socket.io relay with the same
 * N and M, in one run, on loopback.
 *
 * - ring: a kiosk sends `call:create` → each available tablet receives `call:ring` (every delivery
 *   is a sample); baseline: a kiosk emits to the relay, which broadcasts to every agent.
 * - edit: one side of a joined pair sends `session:patch` → the other side receives
 *   `session:patched`; baseline: one side emits, the relay forwards to the peer.
 *
 * Both run for the whole benchmark and are measured in turns, one call or one edit each, so the
 * machine's slower moments fall on both. Each ratio compares Guichet's p99 with the relay's p99
 * for the same pattern (the relay's ring p99 is `relay_p99_ms`). Prints the detail,
 * then ends with `bench calls: …`. Flags: --kiosks N --agents M --calls K --edits E.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { io as connectClient, type Socket } from 'socket.io-client';
import { systemClock } from '../server/src/clock';
import { openDatabase } from '../server/src/db/database';
import { seedDemoIfEmpty } from '../server/src/demo/seed-demo';
import { hashToken, newToken } from '../server/src/auth/tokens';
import { createStore } from '../server/src/store';
import { freePort, spawnServer, waitFor } from '../server/src/testing/processes';
import type { ClientToServerEvents, ServerToClientEvents } from '../shared/contract';
import type { Ack } from '../shared/errors';

type GuichetClient = Socket<ServerToClientEvents, ClientToServerEvents>;

const root = path.resolve(import.meta.dirname, '..');
const flag = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number`);
  return value;
};
const kiosks = Math.min(flag('kiosks', 500), 2000);
const agents = Math.min(flag('agents', 50), 200);
const calls = Math.min(flag('calls', 300), 2000);
const edits = Math.min(flag('edits', 5000), 20000);
const pairs = Math.min(agents, kiosks, 50);
const warmup = 20;
const deliveryTimeoutMs = 3000;
const target = 1.5;

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

function open<S extends Socket>(url: string, auth: Record<string, string>): Promise<S> {
  const socket = connectClient(url, { auth, transports: ['websocket'], forceNew: true, reconnection: false }) as S;
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

async function send<T>(socket: GuichetClient, event: string, payload: unknown): Promise<T> {
  const emit = socket.timeout(10_000).emitWithAck as unknown as (e: string, p: unknown) => Promise<Ack<T>>;
  const ack = await emit.call(socket.timeout(10_000), event, payload);
  if (!ack.ok) throw new Error(`${event} refused: ${ack.error.code} ${ack.error.message}`);
  return ack.data;
}

/** False during the warm-up rounds. */
let measuring = false;

/** Waits until `expected` deliveries of one message were recorded, or the timeout. */
class Deliveries {
  private waiting = new Map<string, { start: number; left: number; done: () => void }>();
  readonly samples: number[] = [];
  expect(key: string, count: number): { start: (t: number) => void; done: Promise<void> } {
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const entry = { start: 0, left: count, done: resolve };
    this.waiting.set(key, entry);
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      resolve();
    }, deliveryTimeoutMs);
    return {
      start: (t) => (entry.start = t),
      done: done.then(() => clearTimeout(timer))
    };
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

/** One system under test, connected and ready: Guichet or the bare relay. */
interface Target {
  rings: Deliveries;
  edits: Deliveries;
  /** One call from kiosk `i % N`, waited for on every tablet. */
  ring(i: number): Promise<void>;
  /** Joins the pairs that will type into each other's session. */
  joinPairs(): Promise<void>;
  /** Edit `e`: alternately from each side of pair `e % pairs`, waited for on the other side. */
  edit(e: number): Promise<void>;
  rssMb(): number;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- Guichet
async function startGuichet(): Promise<Target> {
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
  const db = openDatabase(path.join(dir, 'data/guichet.sqlite'));
  const store = createStore(db);
  await seedDemoIfEmpty(store, systemClock);
  const siteId = db.prepare('SELECT id FROM sites').pluck().get() as string;
  store.sites.setOpeningHours(siteId, {});
  const now = new Date().toISOString();
  const expires = new Date(Date.now() + 86_400_000).toISOString();
  const kioskTokens: string[] = [];
  const agentTokens: string[] = [];
  // Terminals and logins written straight into the store: pairing 500 kiosks or hashing 50 PINs
  // would measure the set-up, not the calls.
  db.transaction(() => {
    for (let i = 0; i < kiosks; i++) {
      const id = randomUUID();
      store.terminals.insert({ id, siteId, kind: 'kiosk', name: `Borne ${i + 1}`, location: 'Hall', pairedAt: now });
      const token = newToken();
      store.terminalTokens.insert(hashToken(token), id, now);
      kioskTokens.push(token);
    }
    for (let i = 0; i < agents; i++) {
      const id = randomUUID();
      store.accounts.insert({
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
      store.authSessions.insert({
        tokenHash: hashToken(token),
        id: randomUUID(),
        accountId: id,
        createdAt: now,
        expiresAt: expires
      });
      agentTokens.push(token);
    }
  })();
  db.close();

  const port = await freePort();
  const server = spawnServer({
    GUICHET_DATA_DIR: path.join(dir, 'data'),
    GUICHET_KIOSK_BUILD: path.join(dir, 'web'),
    GUICHET_CATALOG_DIR: catalogDir,
    GUICHET_PORT: String(port),
    GUICHET_LOG_LEVEL: 'warn',
    // Edits are replayed back to back, faster than anyone types: with few pairs (--agents 2) one
    // socket would pass its command rate. The limit's check costs the same at any setting.
    GUICHET_COMMAND_BURST: '1000000',
    GUICHET_COMMANDS_PER_SECOND: '100000'
  });
  const close = async () => {
    server.proc.kill('SIGTERM');
    await server.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(() => server.output().includes('Guichet is running'), 30_000);
    const url = `http://127.0.0.1:${port}`;
    const kioskClients = await inBatches(kiosks, (i) => open<GuichetClient>(url, { face: 'kiosk', token: kioskTokens[i]! }));
    const agentClients = await inBatches(agents, (i) => open<GuichetClient>(url, { face: 'agent', token: agentTokens[i]! }));
    const sessionIds = await inBatches(kiosks, async (i) => {
      const session = await send<{ id: string }>(kioskClients[i]!, 'session:start', { requestId: randomUUID(), locale: 'fr' });
      await send(kioskClients[i]!, 'session:patch', {
        sessionId: session.id,
        patchId: randomUUID(),
        ops: [{ op: 'open', procedureId: 'essai-saisies' }]
      });
      return session.id;
    });
    const rings = new Deliveries();
    const edits = new Deliveries();
    for (const agent of agentClients) agent.on('call:ring', (card) => rings.record(card.sessionId));
    for (const c of [...kioskClients.slice(0, pairs), ...agentClients.slice(0, pairs)]) {
      c.on('session:patched', (patch) => {
        const change = patch.changes[0];
        if (change?.op === 'answer' && typeof change.value === 'string') edits.record(change.value);
      });
    }
    return {
      rings,
      edits,
      async ring(i) {
        const k = i % kiosks;
        const waiter = rings.expect(sessionIds[k]!, agents);
        waiter.start(performance.now());
        const call = await send<{ id: string }>(kioskClients[k]!, 'call:create', {
          sessionId: sessionIds[k],
          requestId: randomUUID()
        });
        await waiter.done;
        await send(kioskClients[k]!, 'call:cancel', { callId: call.id });
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
        const acked = send(sender, 'session:patch', {
          sessionId: sessionIds[p]!,
          patchId: randomUUID(),
          ops: [{ op: 'answer', stepId: 'nom', value: `edit-${e}` }]
        });
        await Promise.all([waiter.done, acked]);
      },
      rssMb: () => readRssMb(server.proc.pid!),
      async close() {
        for (const c of [...kioskClients, ...agentClients]) c.disconnect();
        await close();
      }
    };
  } catch (error) {
    await close();
    throw error;
  }
}

// ---------------------------------------------------------------- bare relay
async function startRelay(): Promise<Target> {
  const port = await freePort();
  const relay: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench/relay-server.ts', String(port)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit']
  });
  let out = '';
  relay.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await waitFor(() => out.includes('relay listening'), 30_000);
  } catch (error) {
    relay.kill('SIGTERM');
    throw error;
  }
  const url = `http://127.0.0.1:${port}`;
  const kioskClients = await inBatches(kiosks, () => open<Socket>(url, { role: 'kiosk' }));
  const agentClients = await inBatches(agents, () => open<Socket>(url, { role: 'agent' }));
  const rings = new Deliveries();
  const edits = new Deliveries();
  for (const agent of agentClients) agent.on('ring', (id: string) => rings.record(id));
  return {
    rings,
    edits,
    async ring(i) {
      const id = randomUUID();
      const waiter = rings.expect(id, agents);
      waiter.start(performance.now());
      await kioskClients[i % kiosks]!.timeout(10_000).emitWithAck('ring', id);
      await waiter.done;
    },
    async joinPairs() {
      for (let p = 0; p < pairs; p++) {
        for (const c of [kioskClients[p]!, agentClients[p]!]) {
          await c.timeout(10_000).emitWithAck('join-pair', `pair-${p}`);
          c.on('edit', (value: string) => edits.record(value));
        }
      }
    },
    async edit(e) {
      const p = e % pairs;
      const sender = e % 2 === 0 ? kioskClients[p]! : agentClients[p]!;
      const waiter = edits.expect(`edit-${e}`, 1);
      waiter.start(performance.now());
      const acked = sender.timeout(10_000).emitWithAck('edit', `pair-${p}`, `edit-${e}`);
      await Promise.all([waiter.done, acked]);
    },
    rssMb: () => readRssMb(relay.pid!),
    async close() {
      for (const c of [...kioskClients, ...agentClients]) c.disconnect();
      relay.kill('SIGTERM');
    }
  };
}

console.log(`bench calls: ${kiosks} kiosks, ${agents} agents, ${calls} calls, ${edits} edits (${pairs} joined pairs), loopback`);
// Both systems are up with the same N and M for the whole run, and measured in turns (one call or
// one edit each, the order swapped every round), so a slower moment of the machine falls on both.
const relay = await startRelay();
const guichet = await startGuichet();
let rssMb = 0;
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
} finally {
  rssMb = guichet.rssMb();
  await guichet.close();
  await relay.close();
}
const stats = (xs: number[]) => ({
  p50: percentile(xs, 50),
  p90: percentile(xs, 90),
  p99: percentile(xs, 99),
  p999: percentile(xs, 99.9),
  n: xs.length
});
const g = { ring: stats(guichet.rings.samples), edit: stats(guichet.edits.samples) };
const r = { ring: stats(relay.rings.samples), edit: stats(relay.edits.samples) };
const ringRatio = g.ring.p99 / r.ring.p99;
const editRatio = g.edit.p99 / r.edit.p99;
const line = (name: string, s: ReturnType<typeof stats>) =>
  `  ${name.padEnd(14)} p50 ${s.p50.toFixed(2).padStart(6)}  p90 ${s.p90.toFixed(2).padStart(6)}  ` +
  `p99 ${s.p99.toFixed(2).padStart(6)}  p99.9 ${s.p999.toFixed(2).padStart(6)} ms  (${s.n} deliveries)`;
console.log(line('Guichet ring', g.ring));
console.log(line('relay ring', r.ring));
console.log(line('Guichet edit', g.edit));
console.log(line('relay edit', r.edit));
console.log(
  `  ring p99 ratio ${ringRatio.toFixed(2)} (target ≤ ${target})   edit p99 ratio ${editRatio.toFixed(2)} (target ≤ ${target})`
);
console.log(`  Guichet server RSS after the run: ${rssMb.toFixed(0)} MB`);
if (g.ring.n < calls * agents || g.edit.n < edits) console.log('  warning: some deliveries did not arrive within 3 s');
console.log(
  `bench calls: kiosks=${kiosks} agents=${agents} ring_p50_ms=${round(g.ring.p50)} ring_p99_ms=${round(g.ring.p99)} ` +
    `edit_p50_ms=${round(g.edit.p50)} edit_p99_ms=${round(g.edit.p99)} relay_p99_ms=${round(r.ring.p99)} ` +
    `relay_edit_p99_ms=${round(r.edit.p99)} ring_p99_ratio=${round(ringRatio)} edit_p99_ratio=${round(editRatio)} ` +
    `server_rss_mb=${round(rssMb, 0)}`
);
process.exit(0);
