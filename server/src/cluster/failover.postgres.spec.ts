/**
 * Two nodes on one PostgreSQL behind HAProxy, and the one holding the site dies (SIGKILL), all
 * real and on loopback: the cluster, the two server processes, the HAProxy of `deploy/`, an
 * ESC/POS printer at protocol level, and the kiosk's and the tablet's own socket.io clients, which
 * reconnect by themselves through HAProxy to the node that is left.
 *
 * What must hold: a call rung from one node rings the tablet on the other; the joined session goes
 * on after the kill with every answer; the ticket that waited for paper is printed exactly once, by
 * the node that took the site's lease; the ticket numbers taken on both nodes are unique and have
 * no gap.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { startPgCluster, type PgCluster } from '../../../scripts/pg-cluster';
import { startVirtualPrinter, type VirtualPrinter } from '../../../printers/virtual-printer';
import { systemClock } from '../clock';
import { parseConfig } from '../config';
import { openStore } from '../db/open-store';
import { seedDemoIfEmpty } from '../demo/seed-demo';
import { createStore, type Store } from '../store';
import { callFromNewSession, ok, patchWith, rid } from '../testing/hall';
import { startHaproxy, type RunningHaproxy } from '../testing/haproxy';
import { connectReconnecting, reconnected } from '../testing/reconnecting-client';
import { freePort, startServerIn, waitFor, type ServerProcess } from '../testing/processes';
import { command, connect, login, pairTerminal, type TestClient, type TestServer } from '../testing/test-server';

let cluster: PgCluster;
let dir: string;
let printer: VirtualPrinter;
let haproxy: RunningHaproxy | null = null;
const nodes: { name: string; port: number; server: ServerProcess | null }[] = [];
const clients: TestClient[] = [];
/** Every node started, dead or alive, for the failure report. */
const all: { name: string; output: () => string }[] = [];
let failed = false;
/** The test's own connection to the database, to read the leases and the stored tickets. */
let store: Store;
let closeStore: () => Promise<void>;
let siteId: string;

beforeAll(async () => {
  cluster = await startPgCluster({ durable: false });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-failover-'));
  printer = await startVirtualPrinter({ state: { paperEnd: true } });
  const opened = await openStore(parseConfig({ GUICHET_DATABASE_URL: cluster.url, GUICHET_DATA_DIR: dir }));
  store = createStore(opened.executor, null);
  closeStore = () => opened.close();
  await seedDemoIfEmpty(store, systemClock);
  siteId = (await store.sites.listAll())[0]!.id;
  // The demo's opening hours would make calls and tickets depend on the hour the test runs.
  await store.sites.setOpeningHours(siteId, {});
  const receipt = (await store.printers.listAll()).find((p) => p.kind === 'receipt')!;
  await store.printers.setUri(receipt.id, `tcp://127.0.0.1:${printer.port}`);
}, 60_000);

afterAll(async () => {
  if (failed) {
    await new Promise((r) => setTimeout(r, 500));
    for (const node of all) console.error(`--- ${node.name}\n${node.output()}`);
    console.error(`--- haproxy\n${haproxy?.output() ?? ''}`);
  }
  for (const c of clients.splice(0)) c.disconnect();
  for (const node of nodes) node.server?.proc.kill('SIGKILL');
  await haproxy?.stop();
  await closeStore?.();
  await printer?.close();
  await cluster?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function startNode(name: string): Promise<void> {
  const port = await freePort();
  const server = await startServerIn(path.join(dir, name), port, {
    GUICHET_DATABASE_URL: cluster.url,
    GUICHET_NODE_NAME: name,
    // The printer is a listener on loopback, which a server refuses unless told otherwise.
    GUICHET_LOOPBACK_PRINTERS: '1'
  });
  nodes.push({ name, port, server });
  all.push({ name, output: () => server.output() });
}

/** How many sockets of this face a node has (its own /metrics, asked directly on loopback). */
async function socketsOn(node: { port: number }, face: 'kiosk' | 'agent'): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${node.port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`guichet_node_sockets{face="${face}"}`));
  return Number(line?.split(' ')[1] ?? 0);
}

async function nodeOf(face: 'kiosk' | 'agent'): Promise<string> {
  for (const node of nodes) if (node.server && (await socketsOn(node, face)) > 0) return node.name;
  throw new Error(`no node has a ${face} socket`);
}

/** A reconnecting client, closed after the test. */
async function reconnectingClient(url: string, face: 'kiosk' | 'agent' | 'manager', token: string): Promise<TestClient> {
  const client = await connectReconnecting(url, face, token);
  clients.push(client);
  return client;
}

const answer = (client: TestClient, sessionId: string, stepId: string, value: string) =>
  command(client, 'session:patch', { sessionId, patchId: rid(), ops: [{ op: 'answer', stepId, value }] });

const siteHolder = async () => (await store.leases.holders()).find((l) => l.name === `site:${siteId}`)?.nodeId ?? null;

it('a node dies mid-session: the call, the session, the waiting ticket and the numbers go on on the other', async () => {
  // What the nodes and HAProxy said, to find out why (once they have written it out).
  onTestFailed(() => {
    failed = true;
  });
  // node-1 starts alone, so it takes every site; node-2 then finds them held.
  await startNode('node-1');
  await startNode('node-2');
  expect(await siteHolder()).toBe('node-1');
  haproxy = await startHaproxy({ nodes: nodes.map((n) => n.port) });
  const front = { url: `http://127.0.0.1:${haproxy.port}` } as TestServer;

  const managerToken = await login(front, 'manager', 'gestion', 'demoville-gestion');
  const kioskToken = await pairTerminal(front, managerToken, 'kiosk', 'Borne du hall');
  const marieToken = await login(front, 'agent', 'marie', '1234');
  const kiosk = await reconnectingClient(front.url, 'kiosk', kioskToken);
  // HAProxy shares new connections in turn: a tablet that lands beside the kiosk connects again.
  let marie = await reconnectingClient(front.url, 'agent', marieToken);
  for (let i = 0; i < 4 && (await nodeOf('agent')) === (await nodeOf('kiosk')); i++) {
    marie.disconnect();
    await expect.poll(async () => (await Promise.all(nodes.map((n) => socketsOn(n, 'agent')))).every((n) => n === 0)).toBe(true);
    marie = await reconnectingClient(front.url, 'agent', marieToken);
  }
  const kioskNode = await nodeOf('kiosk');
  const marieNode = await nodeOf('agent');
  expect(kioskNode).not.toBe(marieNode);

  // A call from the kiosk's node rings the tablet on the other.
  const { session, call, ring } = await callFromNewSession(kiosk, marie, 'fr', 'changement-adresse');
  expect(ring.callId).toBe(call.id);
  ok(await command(marie, 'call:accept', { callId: call.id }));
  const seenByMarie = patchWith(marie, { op: 'answer', stepId: 'demarche', value: 'arrivee' });
  ok(await answer(kiosk, session.id, 'demarche', 'arrivee'));
  await seenByMarie;
  const seenByKiosk = patchWith(kiosk, { op: 'answer', stepId: 'logement', value: 'locataire' });
  ok(await answer(marie, session.id, 'logement', 'locataire'));
  await seenByKiosk;

  // Tickets taken on both nodes, while the printer has no paper: the first waits.
  const direct = await Promise.all(
    nodes.map((n) => connect({ url: `http://127.0.0.1:${n.port}` } as TestServer, 'kiosk', kioskToken))
  );
  clients.push(...direct);
  const labels: string[] = [];
  for (const k of [direct[0]!, direct[1]!, direct[1]!, direct[0]!]) {
    labels.push(ok(await command(k, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' })).label);
  }
  // node-1 drives the printer: it asked it and learnt there is no paper.
  await waitFor(() => printer.connections().some((c) => c.statusRequests.length > 0), 10_000);
  expect(printer.receipts()).toHaveLength(0);

  // node-1, which holds the site, dies.
  const owner = nodes.find((n) => n.name === 'node-1')!;
  const both = Promise.all([reconnected(kiosk), reconnected(marie)].filter((_, i) => [kioskNode, marieNode][i] === 'node-1'));
  await new Promise<void>((resolve) => {
    owner.server!.proc.once('exit', () => resolve());
    owner.server!.proc.kill('SIGKILL');
  });
  owner.server = null;
  await both;
  expect(await nodeOf('kiosk')).toBe('node-2');
  expect(await nodeOf('agent')).toBe('node-2');

  // The joined session goes on, with every answer, from both sides.
  const resumed = ok(await command(kiosk, 'kiosk:setup', {})).session!;
  expect(resumed).toMatchObject({
    id: session.id,
    answers: { demarche: 'arrivee', logement: 'locataire' },
    call: { id: call.id, status: 'accepted', agentName: 'Marie' }
  });
  const joined = ok(await command(marie, 'agent:state', {})).joined!;
  expect(joined.session.answers).toEqual({ demarche: 'arrivee', logement: 'locataire' });
  const atKiosk = patchWith(kiosk, { op: 'answer', stepId: 'logement', value: 'proprietaire' });
  ok(await answer(marie, session.id, 'logement', 'proprietaire'));
  await atKiosk;

  // The site's lease moves to node-2 once node-1's has run out (at most 6 s, renewed every 2 s).
  await expect.poll(siteHolder, { timeout: 15_000 }).toBe('node-2');
  labels.push(ok(await command(kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' })).label);

  // Paper is back; the staff's « check the printers » goes through HAProxy to node-2.
  printer.setState({ paperEnd: false });
  const manager = await reconnectingClient(front.url, 'manager', managerToken);
  ok(await command(manager, 'printer:list', {}));
  const printed = () =>
    printer
      .receipts()
      .filter((r) => r.cut !== null)
      .map((r) => r.lines.map((l) => (l.kind === 'text' ? l.text : '')).join('\n'));
  await waitFor(() => labels.every((label) => printed().some((t) => t.includes(label))), 20_000);

  // Unique and without a gap, whichever node took them.
  expect(labels).toEqual(['T-001', 'T-002', 'T-003', 'T-004', 'T-005']);
  // Each printed exactly once, none as a copy.
  const texts = printed();
  for (const label of labels) expect(texts.filter((t) => t.includes(label))).toHaveLength(1);
  expect(texts.filter((t) => t.includes('DUPLICATA'))).toHaveLength(0);
  expect(texts).toHaveLength(labels.length);
}, 120_000);
