/**
 * The console's list of terminals against the real server: each terminal's software version as its
 * page said when it connected (an older build than the server's is flagged), and a kiosk's printer
 * chosen from the console, with another site's terminals and printers out of reach.
 */
import { io as connectClient } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TerminalView } from '../../../shared/schemas/terminal';
import { addSite, fixturePassword, snapshot } from '../testing/fixtures';
import { collect, ok, rid } from '../testing/hall';
import { command, connect, login, pairTerminal, startTestServer, type TestClient, type TestServer } from '../testing/test-server';
import { version as serverVersion } from '../version';

let server: TestServer;
let manager: TestClient;
let managerToken: string;

beforeEach(async () => {
  // The printers set up here are on loopback, which the server refuses unless told otherwise.
  server = await startTestServer({ GUICHET_LOOPBACK_PRINTERS: '1' });
  managerToken = await login(server, 'manager', 'gestion', 'demoville-gestion');
  manager = await connect(server, 'manager', managerToken);
});
afterEach(async () => {
  await server.close();
});

/** A kiosk's page connecting with the build it runs, as the browser does in its handshake. */
function connectKiosk(token: string, version: unknown): Promise<TestClient> {
  const client: TestClient = connectClient(server.url, {
    auth: { face: 'kiosk', token, version },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true
  });
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('connect_error', reject);
  });
}

const listed = async (id: string) => ok(await command(manager, 'terminal:list', {})).find((t) => t.id === id)!;

describe('software version', () => {
  it('is stored when the page connects and listed; a build other than the server’s is to be reloaded', async () => {
    const token = await pairTerminal(server, managerToken, 'kiosk', 'Borne du hall');
    const seen = collect<TerminalView[]>(manager, 'terminals:seen');
    const old = await connectKiosk(token, '0.0.1');
    await expect.poll(() => seen.flat().find((t) => t.version === '0.0.1')).toMatchObject({ online: true, outdated: true });
    const id = seen.flat()[0]!.id;
    expect(await listed(id)).toMatchObject({ version: '0.0.1', outdated: true, online: true });
    expect((await server.store.terminals.findById(id))?.softwareVersion).toBe('0.0.1');
    old.disconnect();

    // Reloaded: the page now runs the server's build.
    const fresh = await connectKiosk(token, serverVersion);
    await expect.poll(async () => (await listed(id)).version).toBe(serverVersion);
    expect(await listed(id)).toMatchObject({ outdated: false, online: true });
    fresh.disconnect();
  });

  it('a version that cannot be read is ignored, never a reason to refuse the terminal', async () => {
    const token = await pairTerminal(server, managerToken, 'kiosk', 'Borne du hall');
    const client = await connectKiosk(token, 'x'.repeat(500));
    expect(client.connected).toBe(true);
    const [kiosk] = ok(await command(manager, 'terminal:list', {})).filter((t) => t.name === 'Borne du hall');
    expect(kiosk).toMatchObject({ version: null, outdated: false });
    client.disconnect();
  });
});

describe('a kiosk’s printer', () => {
  it('is the site’s shared one until the kiosk gets its own; giving it back shares it again', async () => {
    const token = await pairTerminal(server, managerToken, 'kiosk', 'Borne de l’étage');
    const kiosk = await connect(server, 'kiosk', token);
    const [terminal] = ok(await command(manager, 'terminal:list', {})).filter((t) => t.name === 'Borne de l’étage');
    const printers = ok(await command(manager, 'printer:list', {}));
    const hall = printers.find((p) => p.kind === 'receipt')!;
    expect(terminal!.printers).toEqual({ receipt: hall.id, a4: printers.find((p) => p.kind === 'a4')!.id });

    // A second receipt printer, shared for now; the kiosk gets it as its own.
    const own = ok(
      await command(manager, 'printer:save', {
        name: 'Ticket étage',
        kind: 'receipt',
        uri: 'tcp://127.0.0.1:9',
        terminalId: null
      })
    );
    const updates = collect<TerminalView>(manager, 'terminal:updated');
    const assigned = ok(
      await command(manager, 'terminal:printer', { terminalId: terminal!.id, kind: 'receipt', printerId: own.id })
    );
    expect(assigned.printers.receipt).toBe(own.id);
    expect((await server.store.printers.findById(own.id))?.terminalId).toBe(terminal!.id);
    // The latest update counts: the console's refresh after the printer was saved may arrive first.
    await expect.poll(() => updates.filter((t) => t.id === terminal!.id).at(-1)?.printers.receipt).toBe(own.id);
    // The demo kiosk keeps the hall's printer.
    const demoKiosk = ok(await command(manager, 'terminal:list', {})).find((t) => t.name === 'Borne de démonstration')!;
    expect(demoKiosk.printers.receipt).toBe(hall.id);
    // Its tickets now go to its own printer.
    const ticket = ok(await command(kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' }));
    expect((await server.store.printJobs.findById(ticket.print.id))?.printerId).toBe(own.id);

    const back = ok(await command(manager, 'terminal:printer', { terminalId: terminal!.id, kind: 'receipt', printerId: null }));
    expect((await server.store.printers.findById(own.id))?.terminalId).toBeNull();
    expect(back.printers.receipt).not.toBeNull();
  });

  it('refuses a printer of another kind, one attached to another kiosk, a display, and anything of another site', async () => {
    await pairTerminal(server, managerToken, 'kiosk', 'Borne A');
    await pairTerminal(server, managerToken, 'kiosk', 'Borne B');
    await pairTerminal(server, managerToken, 'display', 'Écran');
    const terminals = ok(await command(manager, 'terminal:list', {}));
    const a = terminals.find((t) => t.name === 'Borne A')!;
    const b = terminals.find((t) => t.name === 'Borne B')!;
    const display = terminals.find((t) => t.name === 'Écran')!;
    const printers = ok(await command(manager, 'printer:list', {}));
    const a4 = printers.find((p) => p.kind === 'a4')!;
    const mine = ok(
      await command(manager, 'printer:save', { name: 'Ticket B', kind: 'receipt', uri: 'tcp://127.0.0.1:9', terminalId: b.id })
    );
    const site = await addSite(server.store, server.clock, 'Bourg');
    const managerB = await connect(server, 'manager', await login(server, 'manager', site.managerLogin, fixturePassword));
    const before = await snapshot(server.store);

    const refusals: [TestClient, Record<string, unknown>, string, string][] = [
      [manager, { terminalId: a.id, kind: 'receipt', printerId: a4.id }, 'invalid_payload', 'printerId'],
      [manager, { terminalId: a.id, kind: 'receipt', printerId: mine.id }, 'invalid_payload', 'printerId'],
      [manager, { terminalId: display.id, kind: 'receipt', printerId: null }, 'invalid_payload', 'terminalId'],
      [manager, { terminalId: a.id, kind: 'paper', printerId: null }, 'invalid_payload', 'kind'],
      [managerB, { terminalId: a.id, kind: 'receipt', printerId: null }, 'not_found', ''],
      [managerB, { terminalId: site.kioskId, kind: 'receipt', printerId: mine.id }, 'invalid_payload', 'printerId']
    ];
    for (const [client, payload, code, path] of refusals) {
      const refused = await command(client, 'terminal:printer', payload);
      expect(refused, JSON.stringify(payload)).toMatchObject({ ok: false, error: { code } });
      if (path) expect(!refused.ok && refused.error.issues?.map((i) => i.path)).toContain(path);
    }
    // Site B's manager does not even see site A's terminals.
    expect(ok(await command(managerB, 'terminal:list', {})).map((t) => t.name)).toEqual([`Borne Bourg`]);
    expect(await snapshot(server.store)).toEqual(before);
  });
});
