/**
 * Thousands of random payloads at every command and signal, from every face allowed to send it:
 * each command answers with a clear error (a known code and a message naming what is wrong), the
 * store is exactly as before, and the server still answers afterwards.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { commands, signals, type CommandName } from '../../../shared/contract';
import { errorCodes } from '../../../shared/errors';
import { snapshot } from '../testing/fixtures';
import { ok, openHall, rid, type Hall } from '../testing/hall';
import { command, connect, startTestServer, type TestClient, type TestServer } from '../testing/test-server';

let server: TestServer;
let hall: Hall;
let manager: TestClient;

beforeAll(async () => {
  // Hundreds of payloads per command from one socket at once: the per-socket rate limit (tested in
  // volume.spec.ts) is lifted so every payload reaches validation, which is what this test checks.
  server = await startTestServer({ GUICHET_COMMAND_BURST: '1000000', GUICHET_COMMANDS_PER_SECOND: '100000' });
  hall = await openHall(server, { procedureId: 'changement-adresse' });
  manager = await connect(server, 'manager', hall.managerToken);
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

function clientsFor(name: CommandName | keyof typeof signals): TestClient[] {
  const faces = (name in commands ? commands[name as CommandName] : signals[name as keyof typeof signals])
    .faces as readonly string[];
  const out: TestClient[] = [];
  if (faces.includes('kiosk')) out.push(hall.kiosk);
  if (faces.includes('agent')) out.push(hall.marie);
  if (faces.includes('manager')) out.push(manager);
  return out;
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

it('random payloads at every event: clear errors, nothing written, server alive', async () => {
  const before = snapshot(server.store);
  let sent = 0;
  for (const name of Object.keys(commands) as CommandName[]) {
    const samples = fc.sample(payloads, { numRuns: 200, seed: name.length * 7919 });
    for (const client of clientsFor(name)) {
      const acks = await Promise.all(samples.map((p) => command(client, name, p)));
      sent += acks.length;
      for (const ack of acks) {
        if (ack.ok) {
          expect(readOnly.has(name), `${name} accepted a random payload`).toBe(true);
          continue;
        }
        expect(errorCodes).toContain(ack.error.code);
        expect(ack.error.message.length).toBeGreaterThan(5);
        expect(ack.error.code).not.toBe('internal');
        if (ack.error.code === 'invalid_payload') expect(ack.error.issues?.length).toBeGreaterThan(0);
      }
    }
  }
  for (const name of Object.keys(signals) as (keyof typeof signals)[]) {
    for (const client of clientsFor(name)) {
      for (const p of fc.sample(payloads, { numRuns: 300, seed: 17 })) {
        (client.emit as (ev: string, payload: unknown) => void)(name, p);
        sent += 1;
      }
    }
  }
  // Unknown events too, including names that exist on every object's prototype.
  const names = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('toString', 'constructor', '__proto__', 'hasOwnProperty'));
  const reserved = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);
  for (const [name, payload] of fc.sample(fc.tuple(names, payloads), { numRuns: 200, seed: 3 })) {
    if (reserved.has(name) || Object.hasOwn(commands, name) || Object.hasOwn(signals, name)) continue;
    const ack = await command(hall.kiosk, name as CommandName, payload);
    sent += 1;
    expect(ack).toMatchObject({ ok: false, error: { code: 'unknown_command' } });
  }
  expect(sent).toBeGreaterThan(5000);
  expect(snapshot(server.store)).toEqual(before);
  expect(ok(await command(hall.kiosk, 'site:get', {})).name).toBe('Mairie de Démoville');
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
}, 120_000);
