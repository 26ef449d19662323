/**
 * Two sites in one installation: the manager of site A (the demo) can neither read nor change
 * anything of site B. Every manager command is listed here, either with an attempt on one of
 * B's records (refused, nothing written anywhere) or as a command that only ever touches the
 * sender's own site (its answer holds nothing of B). A new manager command fails the last test
 * until it is added to one of the two lists.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commands, type CommandName } from '../../../shared/contract';
import { snapshot } from '../testing/fixtures';
import { ok } from '../testing/hall';
import { addOtherSite, type OtherSite } from '../testing/other-site';
import {
  command,
  connect,
  login,
  startTestServer,
  testCatalogDir,
  type TestClient,
  type TestServer
} from '../testing/test-server';

let server: TestServer;
let b: OtherSite;
let managerA: TestClient;

beforeEach(async () => {
  // The other site's printer is on loopback, which the server refuses unless told otherwise.
  server = await startTestServer({ GUICHET_LOOPBACK_PRINTERS: '1' });
  b = await addOtherSite(server);
  managerA = await connect(server, 'manager', await login(server, 'manager', 'gestion', 'demoville-gestion'));
  // B's agent is locked by wrong PINs, so that an unlock from A would show in the store.
  const bAgent = (await server.store.accounts.findById(b.agentId))!.login;
  for (let i = 0; i < 6; i++) {
    await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ face: 'agent', login: bAgent, secret: '0000' })
    });
  }
});
afterEach(async () => {
  await server.close();
});

/** Commands that name a record: A tries them with B's. */
const attempts = (): { [K in CommandName]?: Record<string, unknown> } => ({
  'terminal:rename': { terminalId: b.kioskId, name: 'Prise', location: 'ailleurs' },
  'terminal:revoke': { terminalId: b.kioskId },
  'terminal:printer': { terminalId: b.kioskId, kind: 'receipt', printerId: b.printerId },
  'printer:save': { id: b.printerId, name: 'Prise', kind: 'receipt', uri: 'tcp://127.0.0.1:9', terminalId: null },
  'printer:test': { printerId: b.printerId },
  'print:reprint': { jobId: b.jobId },
  'counter:save': { id: b.counterId, name: 'Pris' },
  'account:update': { accountId: b.agentId, active: false },
  'account:reset-secret': { accountId: b.agentId, secret: '9999' },
  'account:unlock': { accountId: b.agentId },
  'procedure:get': { id: b.procedureId },
  'procedure:publish': { id: b.procedureId, version: 1 },
  'procedure:unpublish': { id: b.procedureId },
  'session:lookup': { reference: b.sessionReference },
  'session:erase': { reference: b.sessionReference }
});

const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(server.clock.now());
const ownProcedure = () =>
  fs
    .readFileSync(path.join(testCatalogDir, 'essai-saisies.yaml'), 'utf8')
    .replace(/^id: essai-saisies$/m, 'id: demarche-de-demoville');

/** A code shown by a new device, for A to claim. */
async function pairingCode(): Promise<string> {
  const res = await fetch(`${server.url}/api/pairings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'display' })
  });
  return ((await res.json()) as { code: string }).code;
}

/** Commands that only read or set the sender's own site: their answer holds nothing of B. */
const ownSiteOnly = async (): Promise<{ [K in CommandName]?: Record<string, unknown> }> => ({
  'site:get': {},
  'terminal:list': {},
  'pairing:claim': { code: await pairingCode(), name: 'Écran du guichet' },
  'site:call-settings': { widenSeconds: 30, giveUpSeconds: 90 },
  'audit:list': {},
  'print:jobs': {},
  'printer:list': {},
  'printer:demo-output': {},
  'queue:state': {},
  'site:queue-settings': { priorityEvery: 2, announceLocale: null },
  'service:save': { id: 'accueil', prefix: 'A', name: 'Accueil', openingHours: {} },
  'site:retention': { days: 3 },
  'procedure:list': {},
  'procedure:validate': { source: ownProcedure() },
  'procedure:save': { source: ownProcedure() },
  'stats:get': { from: today(), to: today() },
  'site:settings': {
    name: 'Mairie de Démoville',
    address: '1 place de la Mairie',
    phone: '01 23 45 67 89',
    receptionHint: 'à gauche en entrant',
    languages: ['fr', 'en'],
    idleSeconds: 120,
    countdownSeconds: 30,
    closedMessage: ''
  },
  'site:logo': { logo: null },
  'site:hours': { openingHours: {} },
  'site:closed-days': { days: [] },
  'account:list': {},
  'account:create': { role: 'agent', login: 'nouvelle-recrue', firstName: 'Zoé', secret: '4321' },
  // Last: from here on, A's new PINs need 6 digits.
  'site:pin-length': { minLength: 6 }
});

describe('a manager of site A and the records of site B', () => {
  it('every attempt on one of B’s records is refused as unknown and writes nothing', async () => {
    for (const [name, input] of Object.entries(attempts())) {
      const before = await snapshot(server.store);
      const ack = await command(managerA, name as CommandName, input as never);
      expect(ack.ok, `${name} reached site B`).toBe(false);
      if (!ack.ok) expect(ack.error.code, name).toBe('not_found');
      expect(await snapshot(server.store), `${name} wrote something`).toEqual(before);
    }
    // B's manager still finds everything as it was.
    expect(ok(await command(b.manager, 'terminal:list', {})).map((t) => t.name)).toContain('Borne de Voisinville');
    expect(ok(await command(b.manager, 'procedure:list', {})).find((p) => p.id === b.procedureId)?.publishedVersion).toBe(1);
  });

  it('what A reads or sets for its own site holds nothing of B, and leaves B’s site as it was', async () => {
    const bSite = () => server.store.executor.db().selectFrom('sites').selectAll().where('id', '=', b.siteId).executeTakeFirst();
    const before = await bSite();
    const bIds = [b.siteId, b.kioskId, b.agentId, b.printerId, b.counterId, b.jobId, b.procedureId, b.sessionReference];
    for (const [name, input] of Object.entries(await ownSiteOnly())) {
      const ack = await command(managerA, name as CommandName, input as never);
      expect(ack.ok, `${name}: ${JSON.stringify(ack)}`).toBe(true);
      const text = JSON.stringify(ack);
      for (const id of bIds) expect(text, `${name} answered with B's ${id}`).not.toContain(id);
      expect(text).not.toContain('Voisinville');
    }
    expect(await bSite()).toEqual(before);
  });

  it('lists every manager command in one of the two lists', async () => {
    const managerCommands = Object.entries(commands)
      .filter(([, c]) => (c.faces as readonly string[]).includes('manager'))
      .map(([name]) => name)
      .sort();
    expect([...Object.keys(attempts()), ...Object.keys(await ownSiteOnly())].sort()).toEqual(managerCommands);
  });
});
