/**
 * The HAProxy configuration of several nodes (`deploy/haproxy.cfg`), run by the real haproxy in
 * front of two small servers that name themselves: it balances, keeps a device on its node with
 * its cookie, passes WebSockets and long polling, tells Guichet the device's address, checks
 * /healthz in a way Guichet accepts, and takes a failing or stopped node out within seconds.
 */
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as SocketServer } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config';
import { clientAddress } from '../http/client-address';
import { refusal } from '../http/edge';
import { findHaproxy, startHaproxy, type RunningHaproxy } from './haproxy';

if (!findHaproxy()) throw new Error('These tests run the real haproxy: apt-get install haproxy (npm test installs it as root).');

/** Guichet behind Caddy and HAProxy, as install.sh sets it up. */
const config = parseConfig({ GUICHET_TRUST_PROXY: 'loopback', GUICHET_PUBLIC_ORIGIN: 'https://mairie.local' });

/** What a node saw of a request. */
interface Seen {
  node: string;
  host: string | undefined;
  forwardedFor: string | undefined;
  forwardedProto: string | undefined;
  cookie: string | undefined;
  /** As Guichet reads it (server/src/http/client-address.ts). */
  client: string;
}

interface Node {
  name: string;
  port: number;
  /** /healthz answers 503 while false, as Guichet does when its database fails. */
  healthy: boolean;
  /** /healthz answers this late, as a node busy taking back a dead node's devices may. */
  healthDelayMs: number;
  /** The health checks HAProxy made, and whether Guichet's edge lets each through. */
  checks: { host: string | undefined; refused: boolean }[];
  close(): Promise<void>;
}

function seen(node: string, req: IncomingMessage): Seen {
  return {
    node,
    host: req.headers.host,
    forwardedFor: req.headers['x-forwarded-for'] as string | undefined,
    forwardedProto: req.headers['x-forwarded-proto'] as string | undefined,
    cookie: req.headers.cookie,
    client: clientAddress(req, config)
  };
}

/** A plain HTTP server and a socket.io server on one port, both answering with their name. */
async function startNode(name: string): Promise<Node> {
  const server = http.createServer();
  const node: Node = {
    name,
    port: 0,
    healthy: true,
    healthDelayMs: 0,
    checks: [],
    close: () =>
      new Promise<void>((resolve) => {
        void sockets.close();
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
  server.on('request', (req, res) => {
    if (req.url?.startsWith('/socket.io/')) return;
    if (req.url === '/healthz') {
      node.checks.push({ host: req.headers.host, refused: refusal(req, config) !== null });
      const status = node.healthy ? 200 : 503;
      setTimeout(() => res.writeHead(status).end(), node.healthDelayMs);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(seen(name, req)));
  });
  const sockets = new SocketServer(server, { transports: ['polling', 'websocket'] });
  sockets.on('connection', (socket) => {
    socket.on('who', (ack: (answer: Seen) => void) => ack(seen(name, socket.request)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  node.port = (server.address() as AddressInfo).port;
  return node;
}

let haproxy: RunningHaproxy | null = null;
let nodes: Node[] = [];
const clients: Socket[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await haproxy?.stop();
  haproxy = null;
  await Promise.all(nodes.map((n) => n.close()));
  nodes = [];
});

async function startTwo(): Promise<{ haproxy: RunningHaproxy; url: string; a: Node; b: Node }> {
  nodes = [await startNode('a'), await startNode('b')];
  haproxy = await startHaproxy({ nodes: nodes.map((n) => n.port) });
  return { haproxy, url: `http://127.0.0.1:${haproxy.port}`, a: nodes[0]!, b: nodes[1]! };
}

/** A GET through HAProxy; node:http, not fetch, which would not send a Host header of its own. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ seen: Seen; setCookie: string | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`${url}: ${res.statusCode} ${body}`));
          resolve({ seen: JSON.parse(body) as Seen, setCookie: res.headers['set-cookie']?.join('\n') });
        });
      })
      .on('error', reject);
  });
}

/** Asks the node a socket is connected to for what it saw. */
function who(client: Socket): Promise<Seen> {
  return client.timeout(5_000).emitWithAck('who') as Promise<Seen>;
}

function connected(client: Socket): Promise<void> {
  clients.push(client);
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('connect_error', reject);
  });
}

/** Polls `check` until it holds; throws after 15 s (a deadline, not a timing assertion). */
async function eventually(check: () => Promise<boolean> | boolean): Promise<void> {
  const end = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('still not so after 15 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('HAProxy in front of several nodes (deploy/haproxy.cfg)', () => {
  it('balances requests without a cookie over both nodes, and gives each a cookie naming its node', async () => {
    const { url } = await startTwo();
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await get(`${url}/borne`));
    expect(new Set(answers.map((a) => a.seen.node))).toEqual(new Set(['a', 'b']));
    for (const { seen, setCookie } of answers) {
      expect(setCookie).toBe(`guichet_node=node${seen.node === 'a' ? 1 : 2}; path=/; HttpOnly`);
    }
  });

  it('keeps a device that sends its cookie on its node, and never shows the node that cookie', async () => {
    const { url } = await startTwo();
    for (let i = 0; i < 4; i++) {
      const { seen, setCookie } = await get(`${url}/borne`, { cookie: 'guichet_node=node2; other=1' });
      expect(seen.node).toBe('b');
      expect(seen.cookie).toBe('other=1');
      expect(setCookie).toBeUndefined();
    }
  });

  it("adds its hop to the device's X-Forwarded-For, so Guichet still reads the device's address", async () => {
    const { url } = await startTwo();
    // As Caddy sends it: the device's address, https, the hall's name.
    const { seen } = await get(`${url}/borne`, {
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-proto': 'https',
      host: 'mairie.local'
    });
    expect(seen).toMatchObject({
      forwardedFor: '203.0.113.7, 127.0.0.1',
      forwardedProto: 'https',
      host: 'mairie.local',
      client: '203.0.113.7'
    });
    // Without a header before it, HAProxy's own hop still says a proxy relayed the request.
    const direct = await get(`${url}/borne`);
    expect(direct.seen.forwardedFor).toBe('127.0.0.1');
  });

  it('passes WebSocket upgrades, and keeps long polling on one node with its cookie', async () => {
    const { url } = await startTwo();
    const headers = { 'x-forwarded-for': '203.0.113.7' };
    const ws = connect(url, { transports: ['websocket'], extraHeaders: headers, reconnection: false });
    await connected(ws);
    expect(ws.io.engine.transport.name).toBe('websocket');
    expect(await who(ws)).toMatchObject({ forwardedFor: '203.0.113.7, 127.0.0.1', client: '203.0.113.7' });

    // Long polling is many requests, which only the node holding the session knows: the cookie
    // HAProxy inserted on the first one (kept by socket.io-client's jar) brings every other there.
    const polling = connect(url, { transports: ['polling'], withCredentials: true, extraHeaders: headers, reconnection: false });
    await connected(polling);
    expect(polling.io.engine.transport.name).toBe('polling');
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await who(polling));
    expect(new Set(answers.map((a) => a.node)).size).toBe(1);
    expect(answers[0]).toMatchObject({ client: '203.0.113.7' });
  });

  it("checks each node's /healthz with a Host that Guichet's edge lets through", async () => {
    const { haproxy, a, b } = await startTwo();
    await eventually(() => a.checks.length >= 2 && b.checks.length >= 2);
    for (const check of [...a.checks, ...b.checks]) expect(check).toEqual({ host: 'localhost', refused: false });
    expect((await haproxy.nodes()).map(({ name, up }) => ({ name, up }))).toEqual([
      { name: 'node1', up: true },
      { name: 'node2', up: true }
    ]);
  });

  it('takes a node whose health fails out, cutting its WebSockets, and sends its devices to the other', async () => {
    const { haproxy, url, b } = await startTwo();
    // A device on node b, whose socket.io client reconnects by itself, as the kiosk's does.
    const device = connect(url, {
      transports: ['websocket'],
      extraHeaders: { cookie: 'guichet_node=node2' },
      reconnectionDelay: 100,
      reconnectionDelayMax: 200
    });
    await connected(device);
    expect((await who(device)).node).toBe('b');
    const cut = new Promise<string>((resolve) => device.once('disconnect', resolve));

    // Its database fails: /healthz answers 503, while the process and its sockets stay up.
    b.healthy = false;
    await eventually(async () => (await haproxy.nodes()).find((n) => n.name === 'node2')?.up === false);
    expect(await cut).toBe('transport close');
    expect(haproxy.output()).toContain('guichet/node2 is DOWN');
    // It comes back, its cookie still naming node2, and HAProxy sends it to node a.
    await eventually(() => device.connected);
    expect((await who(device)).node).toBe('a');
    for (let i = 0; i < 4; i++) expect((await get(`${url}/borne`, { cookie: 'guichet_node=node2' })).seen.node).toBe('a');

    // Healthy again: back in.
    b.healthy = true;
    await eventually(async () => (await haproxy.nodes()).every((n) => n.up));
  });

  it('keeps a node that answers its checks late in, with its WebSockets', async () => {
    const { haproxy, url, b } = await startTwo();
    const device = connect(url, { transports: ['websocket'], extraHeaders: { cookie: 'guichet_node=node2' } });
    await connected(device);
    expect((await who(device)).node).toBe('b');
    let cut = false;
    device.once('disconnect', () => (cut = true));

    // Node b answers each check after 1.5 s, longer than the 1 s between checks: busy, not down.
    b.healthDelayMs = 1_500;
    const from = b.checks.length;
    // A check starts once the one before has ended: three late answers, one more than the
    // failures that would take it out.
    await eventually(() => b.checks.length >= from + 4);
    expect((await haproxy.nodes()).map(({ name, up }) => ({ name, up }))).toEqual([
      { name: 'node1', up: true },
      { name: 'node2', up: true }
    ]);
    expect(haproxy.output()).not.toContain('guichet/node2 is DOWN');
    expect(cut).toBe(false);
    expect((await who(device)).node).toBe('b');
  });

  it('sends everything to the other node once one is stopped', async () => {
    const { haproxy, url, a } = await startTwo();
    await a.close();
    // A request meant for the stopped node (its cookie, or its turn) goes to the other.
    await eventually(async () => {
      const answers = [];
      for (let i = 0; i < 6; i++)
        answers.push((await get(`${url}/borne`, i % 2 ? { cookie: 'guichet_node=node1' } : {})).seen.node);
      return answers.every((n) => n === 'b');
    });
    await eventually(async () => (await haproxy.nodes()).find((n) => n.name === 'node1')?.up === false);
  });

  it('runs several processes on one port when asked, the kernel sharing connections among them', async () => {
    nodes = [await startNode('a'), await startNode('b')];
    haproxy = await startHaproxy({ nodes: nodes.map((n) => n.port), processes: 2 });
    const url = `http://127.0.0.1:${haproxy.port}`;
    const sockets = Array.from({ length: 30 }, () => connect(url, { transports: ['websocket'], reconnection: false }));
    await Promise.all(sockets.map(connected));
    const answers = await Promise.all(sockets.map(who));
    expect(new Set(answers.map((a) => a.node))).toEqual(new Set(['a', 'b']));
    // Each process holds some of the 30 WebSockets (SO_REUSEPORT spreads them by address and port).
    const held = await haproxy.connections();
    expect(held).toHaveLength(2);
    expect(held.every((n) => n > 0)).toBe(true);
    expect((await haproxy.nodes()).map((n) => n.up)).toEqual([true, true]);
  });
});
