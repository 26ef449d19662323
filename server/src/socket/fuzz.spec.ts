/**
 * Ten thousand random payloads at every command of the contract, from every face allowed to send
 * it, with the flood limits on as a hall runs them: each command answers with a clear error (a
 * known code and a message naming what is wrong) or, when a socket sends too fast, `rate_limited`
 * with the time to wait, after which the payload is sent again so that it still reaches
 * validation. Signals and unknown events too. Afterwards: no `internal` error, the store exactly
 * as before and intact (`PRAGMA integrity_check`), and the server still answers.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { commands, signals, type CommandName } from '../../../shared/contract';
import { errorCodes } from '../../../shared/errors';
import { snapshot } from '../testing/fixtures';
import { ok, openHall, rid, type Hall } from '../testing/hall';
import { command, connect, pairTerminal, startTestServer, type TestClient, type TestServer } from '../testing/test-server';
import type { Face } from '../../../shared/identity';
import type { Ack } from '../../../shared/errors';

let server: TestServer;
let hall: Hall;
/** Per face, the sockets the payloads are spread over: each has its own command rate. */
const pools: Record<'kiosk' | 'display' | 'agent' | 'manager', TestClient[]> = { kiosk: [], display: [], agent: [], manager: [] };
/** As many sockets per credential as the server allows by default (GUICHET_CONNECTIONS_PER_CREDENTIAL). */
const socketsPerCredential = 8;

beforeAll(async () => {
  // Default limits: the flood limits are part of what is fuzzed.
  server = await startTestServer();
  hall = await openHall(server, { procedureId: 'changement-adresse' });
  const displayToken = await pairTerminal(server, hall.managerToken, 'display', 'Écran du hall');
  const more = (face: Face, token: string, count: number) =>
    Promise.all(Array.from({ length: count }, () => connect(server, face, token)));
  pools.kiosk = [hall.kiosk, ...(await more('kiosk', hall.kioskToken, socketsPerCredential - 1))];
  pools.agent = [hall.marie, ...(await more('agent', hall.marieToken, socketsPerCredential - 1))];
  pools.manager = await more('manager', hall.managerToken, socketsPerCredential);
  pools.display = await more('display', displayToken, socketsPerCredential);
  // A live call, so there is something to get wrong.
  ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }));
});
afterAll(async () => {
  await server.close();
});

/** Random JSON, and objects shaped like the real payloads with wrong or unknown values. */
const idLike = fc.oneof(fc.string({ maxLength: 90 }), fc.uuid(), fc.constant(''), fc.integer(), fc.constant(null));
const nearValid = fc.record(
  {
    sessionId: idLike,
    callId: idLike,
    toAccountId: idLike,
    terminalId: idLike,
    patchId: idLike,
    requestId: idLike,
    code: idLike,
    name: fc.oneof(fc.string({ maxLength: 300 }), fc.integer()),
    status: fc.string({ maxLength: 12 }),
    reason: fc.string({ maxLength: 12 }),
    locale: fc.string({ maxLength: 4 }),
    version: fc.oneof(fc.integer(), fc.double(), fc.string()),
    ops: fc.array(
      fc.record(
        {
          op: fc.constantFrom('locale', 'open', 'goto', 'answer', 'note', 'finish', 'catalog', 'x'),
          stepId: idLike,
          value: fc.anything(),
          procedureId: idLike
        },
        { requiredKeys: ['op'] }
      ),
      { maxLength: 25 }
    )
  },
  { requiredKeys: [] }
);
const payloads = fc.oneof(fc.anything({ maxDepth: 3 }), nearValid, fc.constant(undefined));

function facesOf(name: CommandName | keyof typeof signals): (keyof typeof pools)[] {
  const faces = (name in commands ? commands[name as CommandName] : signals[name as keyof typeof signals])
    .faces as readonly string[];
  return (['kiosk', 'display', 'agent', 'manager'] as const).filter((face) => faces.includes(face));
}

let rateLimited = 0;

/** Sends a command; refused for going too fast, it waits the time the server gives and sends it again. */
async function send(client: TestClient, name: CommandName, payload: unknown): Promise<Ack<unknown>> {
  for (;;) {
    const ack = (await command(client, name, payload)) as Ack<unknown>;
    if (ack.ok || ack.error.code !== 'rate_limited') return ack;
    rateLimited += 1;
    expect(ack.error.retryAfterMs).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, ack.error.retryAfterMs));
  }
}

/** Commands that only read: a random payload that happens to be valid must still change nothing. */
const readOnly = new Set<string>([
  'site:get',
  'kiosk:setup',
  'terminal:list',
  'agent:state',
  'agent:colleagues',
  'audit:list',
  'print:jobs',
  'printer:list',
  'printer:demo-output',
  'queue:state',
  'queue:services',
  'display:state',
  'account:list',
  'procedure:list',
  'procedure:get',
  'procedure:validate'
]);

const totalPayloads = 10_000;

it('10,000 random payloads at every command, flood limits on: clear errors, nothing written, store intact', async () => {
  const before = await snapshot(server.store);
  const names = Object.keys(commands) as CommandName[];
  const senders = names.flatMap((name) => facesOf(name).map((face) => ({ name, face })));
  const perSender = Math.ceil(totalPayloads / senders.length);
  const sentPer = new Map<CommandName, number>();
  // Each face's payloads are shared out over its sockets, each socket sending one at a time.
  const queues = new Map<TestClient, { name: CommandName; payload: unknown }[]>();
  for (const [index, { name, face }] of senders.entries()) {
    const samples = fc.sample(payloads, { numRuns: perSender, seed: name.length * 7919 + index });
    samples.forEach((payload, i) => {
      const client = pools[face][i % pools[face].length]!;
      queues.set(client, [...(queues.get(client) ?? []), { name, payload }]);
    });
  }
  const failures: string[] = [];
  await Promise.all(
    [...queues].map(async ([client, queue]) => {
      for (const { name, payload } of queue) {
        const ack = await send(client, name, payload);
        sentPer.set(name, (sentPer.get(name) ?? 0) + 1);
        if (ack.ok) {
          if (!readOnly.has(name)) failures.push(`${name} accepted a random payload`);
          continue;
        }
        if (!(errorCodes as readonly string[]).includes(ack.error.code)) failures.push(`${name}: unknown code ${ack.error.code}`);
        if (ack.error.code === 'internal') failures.push(`${name}: internal error for ${JSON.stringify(payload)}`);
        if (ack.error.message.length <= 5) failures.push(`${name}: message «${ack.error.message}» says nothing`);
        if (ack.error.code === 'invalid_payload' && !ack.error.issues?.length)
          failures.push(`${name}: invalid_payload without issues`);
      }
    })
  );
  expect(failures).toEqual([]);
  // Every command of the contract got its share, and the limits were really on.
  for (const name of names) expect(sentPer.get(name), name).toBeGreaterThanOrEqual(perSender);
  expect([...sentPer.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(totalPayloads);
  expect(rateLimited).toBeGreaterThan(0);

  // Signals have no ack: random ones are dropped, or refused for their rate, without a trace.
  let signalsSent = 0;
  for (const name of Object.keys(signals) as (keyof typeof signals)[]) {
    for (const face of facesOf(name)) {
      for (const [i, p] of fc.sample(payloads, { numRuns: 300, seed: 17 }).entries()) {
        (pools[face][i % pools[face].length]!.emit as (ev: string, payload: unknown) => void)(name, p);
        signalsSent += 1;
      }
    }
  }
  expect(signalsSent).toBeGreaterThan(0);
  // Unknown events too, including names that exist on every object's prototype.
  const eventNames = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom('toString', 'constructor', '__proto__', 'hasOwnProperty')
  );
  const reserved = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);
  for (const [name, payload] of fc.sample(fc.tuple(eventNames, payloads), { numRuns: 200, seed: 3 })) {
    if (reserved.has(name) || Object.hasOwn(commands, name) || Object.hasOwn(signals, name)) continue;
    const ack = await send(pools.manager[0]!, name as CommandName, payload);
    expect(ack).toMatchObject({ ok: false, error: { code: 'unknown_command' } });
  }

  expect(await snapshot(server.store)).toEqual(before);
  // SQLite's own check of its file; PostgreSQL checks its pages as it reads them.
  if (server.store.sqlite) expect(server.store.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(ok(await command(hall.kiosk, 'site:get', {})).name).toBe('Mairie de Démoville');
  expect(ok(await send(pools.display[0]!, 'display:state', {}))).toBeTruthy();
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
}, 300_000);
