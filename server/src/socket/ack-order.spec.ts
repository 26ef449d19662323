/**
 * "Broadcast after the ack", for every family of commands: the client that sends a command and also
 * hears the broadcast it causes gets its ack first, so "done" never comes after what it changed.
 * The order is what arrives on one socket (socket.io keeps order per socket), recorded as it comes:
 * no clock is involved.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandName, ServerToClientEvents } from '../../../shared/contract';
import type { Ack } from '../../../shared/errors';
import { ok, openHall, rid, type Hall } from '../testing/hall';
import { command, connect, startTestServer, type TestClient, type TestServer } from '../testing/test-server';

let server: TestServer;
let hall: Hall;
let manager: TestClient;

beforeEach(async () => {
  server = await startTestServer();
  hall = await openHall(server);
  manager = await connect(server, 'manager', hall.managerToken);
});
afterEach(async () => {
  await server.close();
});

/**
 * Sends `name` from `client` and records, on that socket, the ack and each `event` as they arrive
 * (the ack from its own callback, not from a resolved promise, which could run after later packets).
 * Resolves once both are in, with the order and the ack.
 */
async function sendAndHear(
  client: TestClient,
  name: CommandName,
  payload: unknown,
  event: keyof ServerToClientEvents
): Promise<{ order: string[]; ack: Ack<unknown> }> {
  const order: string[] = [];
  const heard = () => order.push(event);
  (client.on as (ev: string, fn: () => void) => void)(event, heard);
  const emit = client.timeout(5000).emit as unknown as (
    ev: string,
    payload: unknown,
    callback: (err: Error | null, ack: Ack<unknown>) => void
  ) => void;
  const ack = await new Promise<Ack<unknown>>((resolve, reject) =>
    emit.call(client.timeout(5000), name, payload, (err, response) => {
      if (err) return reject(err);
      order.push('ack');
      resolve(response);
    })
  );
  await expect.poll(() => order.includes(event), { timeout: 5000 }).toBe(true);
  (client.off as (ev: string, fn: () => void) => void)(event, heard);
  return { order, ack };
}

/** The ack first, then only the broadcast (as many times as it came). */
function expectAckFirst({ order, ack }: { order: string[]; ack: Ack<unknown> }, event: string): void {
  ok(ack);
  expect([...new Set(order)]).toEqual(['ack', event]);
}

async function takeTicket(): Promise<void> {
  ok(await command(hall.kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' }));
}

async function counterNamed(name: string): Promise<string> {
  const state = ok(await command(hall.marie, 'queue:state', {}));
  return state.counters.find((c) => c.name === name)!.id;
}

describe('the sender hears its ack before the broadcast its command causes', () => {
  it('session: the kiosk ends its session, then hears the patch that ends it', async () => {
    const heard = await sendAndHear(
      hall.kiosk,
      'session:end',
      { sessionId: hall.session.id, reason: 'finished' },
      'session:patched'
    );
    expectAckFirst(heard, 'session:patched');
  });

  it('call: the agent who accepts a call, then hears its card taken off the staff’s lists', async () => {
    const created = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }));
    const heard = await sendAndHear(hall.marie, 'call:accept', { callId: created.id }, 'call:removed');
    expectAckFirst(heard, 'call:removed');
  });

  it('agent presence: the agent who goes on a break, then hears the staff’s presences', async () => {
    const heard = await sendAndHear(hall.marie, 'agent:presence', { status: 'break' }, 'agent:presences');
    expectAckFirst(heard, 'agent:presences');
  });

  it('ticket: the kiosk that takes a ticket, then hears the waiting counts', async () => {
    const heard = await sendAndHear(
      hall.kiosk,
      'ticket:take',
      { requestId: rid(), service: 'titres', locale: 'fr' },
      'queue:counts'
    );
    expectAckFirst(heard, 'queue:counts');
  });

  it('counter: the agent who calls the next ticket, then hears it announced', async () => {
    await takeTicket();
    const counterId = await counterNamed('Guichet 2');
    const heard = await sendAndHear(hall.marie, 'counter:next', { counterId, requestId: rid() }, 'queue:called');
    expectAckFirst(heard, 'queue:called');
  });

  it('counter: the agent who calls the ticket again, then hears it announced again', async () => {
    await takeTicket();
    const counterId = await counterNamed('Guichet 2');
    ok(await command(hall.marie, 'counter:next', { counterId, requestId: rid() }));
    const heard = await sendAndHear(hall.marie, 'counter:recall', { counterId }, 'queue:called');
    expectAckFirst(heard, 'queue:called');
  });

  it('queue: the manager who adds a counter, then hears the staff’s queue', async () => {
    const heard = await sendAndHear(manager, 'counter:save', { name: 'Guichet 9' }, 'queue:updated');
    expectAckFirst(heard, 'queue:updated');
  });

  it('site settings: the manager who changes the PIN length, then hears the site updated', async () => {
    const heard = await sendAndHear(manager, 'site:pin-length', { minLength: 6 }, 'site:updated');
    expectAckFirst(heard, 'site:updated');
  });

  it('printing: the kiosk that takes a ticket, then hears its print job', async () => {
    const heard = await sendAndHear(
      hall.kiosk,
      'ticket:take',
      { requestId: rid(), service: 'titres', locale: 'fr' },
      'print:job'
    );
    expectAckFirst(heard, 'print:job');
  });

  it('printers: the manager who asks the printers, then hears their status', async () => {
    const heard = await sendAndHear(manager, 'printer:list', {}, 'printer:status');
    expectAckFirst(heard, 'printer:status');
  });

  it('pairing: the manager who claims a code, then hears the new terminal', async () => {
    const start = await fetch(`${server.url}/api/pairings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'display' })
    });
    const { code } = (await start.json()) as { code: string };
    const heard = await sendAndHear(manager, 'pairing:claim', { code, name: 'Écran du hall' }, 'terminal:updated');
    expectAckFirst(heard, 'terminal:updated');
  });

  it('terminal: the manager who renames a kiosk, then hears it renamed', async () => {
    const [kiosk] = ok(await command(manager, 'terminal:list', {}));
    const heard = await sendAndHear(
      manager,
      'terminal:rename',
      { terminalId: kiosk!.id, name: 'Borne de l’entrée' },
      'terminal:updated'
    );
    expectAckFirst(heard, 'terminal:updated');
  });

  it('account: the manager who deactivates an agent, then hears the agent leave', async () => {
    const karim = (await server.store.accounts.listByLogin('karim'))[0]!;
    const heard = await sendAndHear(manager, 'account:update', { accountId: karim.id, active: false }, 'agent:presences');
    expectAckFirst(heard, 'agent:presences');
  });
});
