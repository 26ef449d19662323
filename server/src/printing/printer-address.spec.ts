/**
 * A manager's printer address against the real server: a `file://`, `folder://` or `tcp://`
 * address that would let the server write a file of the machine, or probe its own services, is
 * refused when saved (nothing stored, nothing touched) and again when a stored one is used (a
 * database from before these rules). The settings that allow more are tested switched on too.
 * There is no /dev/usb on the machines these tests run on: a real USB printer is not tried here.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startVirtualPrinter, type VirtualPrinter } from '../../../printers/virtual-printer';
import { targetRefusal } from '../../../printers/address-policy';
import { parsePrinterUri } from '../../../printers/create-driver';
import type { PrintJobView } from '../../../shared/schemas/print';
import { ok, openHall, rid, type Hall } from '../testing/hall';
import { snapshot } from '../testing/fixtures';
import { command, connect, startTestServer, type TestClient, type TestServer } from '../testing/test-server';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serverWith(env: Record<string, string> = {}): Promise<{ server: TestServer; hall: Hall; manager: TestClient }> {
  const server = await startTestServer(env);
  cleanups.push(() => server.close());
  const hall = await openHall(server);
  const manager = await connect(server, 'manager', hall.managerToken);
  return { server, hall, manager };
}

function tempFolder(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-address-'));
  cleanups.push(() => fs.rmSync(folder, { recursive: true, force: true }));
  return folder;
}

async function listener(): Promise<VirtualPrinter> {
  const printer = await startVirtualPrinter();
  cleanups.push(() => printer.close());
  return printer;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const save = (manager: TestClient, uri: string, kind: 'receipt' | 'a4' = 'receipt') =>
  command(manager, 'printer:save', { name: 'Piège', kind, uri, terminalId: null });

/** The refusal's message on `uri`, or a failure when the address was taken. */
async function refusal(manager: TestClient, uri: string, kind: 'receipt' | 'a4' = 'receipt'): Promise<string> {
  const ack = await save(manager, uri, kind);
  expect(ack, uri).toMatchObject({ ok: false, error: { code: 'invalid_payload', issues: [{ path: 'uri' }] } });
  return ack.ok ? '' : (ack.error.issues?.[0]?.message ?? '');
}

/** Waits for the status requests a save starts in the background, so none outlives the server. */
const settle = async (manager: TestClient) => void ok(await command(manager, 'printer:list', {}));

const receiptPrinterOf = async (server: TestServer) => (await server.store.printers.listAll()).find((p) => p.kind === 'receipt')!;

describe('saving a printer address, with the default settings', () => {
  it('refuses device files and folders of any kind, naming the setting, and writes nothing', async () => {
    const { server, manager } = await serverWith();
    const folder = tempFolder();
    const before = await snapshot(server.store);
    expect(await refusal(manager, `file://${folder}/x`)).toContain(
      'USB printers are off on this server (set GUICHET_USB_PRINTERS=1)'
    );
    expect(await refusal(manager, 'file:///dev/usb/lp0')).toContain('GUICHET_USB_PRINTERS=1');
    expect(await refusal(manager, 'folder:///etc', 'a4')).toContain(
      'folder printers are off on this server (set GUICHET_FOLDER_PRINTERS=1)'
    );
    expect(await refusal(manager, `folder://${server.dataDir}/prints`, 'a4')).toContain('GUICHET_FOLDER_PRINTERS=1');
    expect(await snapshot(server.store)).toEqual(before);
    expect(fs.readdirSync(folder)).toEqual([]);
    expect(fs.existsSync(path.join(server.dataDir, 'prints'))).toBe(false);
  });

  it("refuses this machine by any name, and Guichet's own port anywhere, before connecting: open or closed ports look alike", async () => {
    const { server, manager } = await serverWith();
    const open = await listener();
    const closed = await closedPort();
    const own = new URL(server.url).port;
    const before = await snapshot(server.store);
    const refusals = [
      [`tcp://127.0.0.1:${open.port}`, 'names this machine (127.0.0.1)'],
      [`tcp://localhost:${own}`, "Guichet's own port"],
      [`tcp://localhost:${open.port}`, 'names this machine (localhost)'],
      [`tcp://[::1]:${open.port}`, 'names this machine (::1)'],
      [`tcp://[::ffff:127.0.0.1]:${open.port}`, 'names this machine'],
      [`tcp://0.0.0.0:${open.port}`, 'names this machine (0.0.0.0)'],
      [`tcp://127.1:${open.port}`, 'resolves to this machine (127.0.0.1)'],
      [`tcp://2130706433:${open.port}`, 'resolves to this machine (127.0.0.1)'],
      [`tcp://192.0.2.10:${own}`, "Guichet's own port"]
    ];
    for (const [uri, problem] of refusals) {
      const message = await refusal(manager, uri!);
      expect(message, uri).toContain(problem);
      expect(message, uri).toContain('GUICHET_LOOPBACK_PRINTERS=1');
    }
    // Whether something listens there changes nothing in the answer: only the port typed differs.
    const atOpen = await refusal(manager, `tcp://127.0.0.1:${open.port}`);
    const atClosed = await refusal(manager, `tcp://127.0.0.1:${closed}`);
    expect(atOpen.replace(String(open.port), 'PORT')).toBe(atClosed.replace(String(closed), 'PORT'));
    expect(open.connections()).toEqual([]);
    expect(await snapshot(server.store)).toEqual(before);
  });

  it('still takes a printer on the hall network, and the demo printers', async () => {
    // A hall printer's address passes the rules. Checked without saving it: a saved printer is
    // asked its state at once, and these tests never send a packet off this machine.
    const policy = { usbDevices: false, folderRoot: null, loopback: false, serverPort: () => 3000 };
    expect(await targetRefusal(parsePrinterUri('tcp://192.168.1.50:9100', 'receipt'), policy)).toBeNull();
    expect(await targetRefusal(parsePrinterUri('tcp://10.0.0.7', 'receipt'), policy)).toBeNull();
    const { manager } = await serverWith();
    ok(await save(manager, 'cups-pdf://bureau', 'a4'));
    ok(await save(manager, 'virtual://receipt'));
    await settle(manager);
  });
});

describe('saving a printer address, with USB and folder printers on', () => {
  it('takes only a device under /dev/usb and a folder inside the data folder, through every link', async () => {
    const { server, manager } = await serverWith({ GUICHET_USB_PRINTERS: '1', GUICHET_FOLDER_PRINTERS: '1' });
    const folder = tempFolder();
    const target = path.join(folder, 'target');
    fs.writeFileSync(target, 'kept');
    fs.symlinkSync(target, path.join(folder, 'link'));
    fs.symlinkSync('/etc', path.join(server.dataDir, 'escape'));
    const before = await snapshot(server.store);

    expect(await refusal(manager, `file://${folder}/x`)).toContain('must be a USB printer device under /dev/usb/');
    expect(await refusal(manager, 'file:///dev/usb/../../etc/passwd')).toContain('under /dev/usb/');
    expect(await refusal(manager, 'file:///dev/usb/%2e%2e/%2e%2e/etc/passwd')).toContain('under /dev/usb/');
    expect(await refusal(manager, `file://${folder}/link`)).toContain('under /dev/usb/');
    expect(await refusal(manager, 'file:///dev/null')).toContain('under /dev/usb/');
    expect(await refusal(manager, 'folder:///etc', 'a4')).toContain("must be a folder inside Guichet's data folder");
    expect(await refusal(manager, `folder://${server.dataDir}/../..`, 'a4')).toContain('inside Guichet');
    expect(await refusal(manager, `folder://${server.dataDir}`, 'a4')).toContain('inside Guichet');
    expect(await refusal(manager, `folder://${server.dataDir}/escape/cron.d`, 'a4')).toContain('it leads to /etc/cron.d');
    expect(await snapshot(server.store)).toEqual(before);
    expect(fs.readFileSync(target, 'utf8')).toBe('kept');
    expect(fs.existsSync(path.join(folder, 'x'))).toBe(false);

    // A USB printer's address: taken even while it is unplugged (there is no /dev/usb on this machine).
    const usb = ok(await save(manager, 'file:///dev/usb/lp0'));
    expect(ok(await command(manager, 'printer:list', {})).find((p) => p.id === usb.id)?.fault).toBe('unreachable');

    const prints = path.join(server.dataDir, 'prints');
    fs.mkdirSync(prints);
    const printer = ok(await save(manager, `folder://${prints}`));
    const job = ok(await command(manager, 'printer:test', { printerId: printer.id }));
    await server.app.services.printing.idle();
    expect((await server.store.printJobs.findById(job.id))?.status).toBe('printed');
    expect(fs.readdirSync(prints)).toEqual(['000001.bin']);
    await settle(manager);
  });
});

describe('with loopback printers on', () => {
  it('a printer on this machine is saved and prints', async () => {
    const { server, manager } = await serverWith({ GUICHET_LOOPBACK_PRINTERS: '1' });
    const own = await listener();
    const printer = ok(await save(manager, `tcp://localhost:${own.port}`));
    const job = ok(await command(manager, 'printer:test', { printerId: printer.id }));
    await server.app.services.printing.idle();
    expect((await server.store.printJobs.findById(job.id))?.status).toBe('printed');
    expect(own.receipts().filter((r) => r.cut !== null)).toHaveLength(1);
    await settle(manager);
  });
});

describe('a refused address already in the database', () => {
  /** Stores the address as an old database would hold it, and prints a test page there. */
  async function printAt(server: TestServer, manager: TestClient, uri: string): Promise<PrintJobView> {
    const printer = await receiptPrinterOf(server);
    await server.store.printers.setUri(printer.id, uri);
    const job = ok(await command(manager, 'printer:test', { printerId: printer.id }));
    await server.app.services.printing.idle();
    return job;
  }

  it('is never connected to nor written: the job waits in error', async () => {
    const { server, manager } = await serverWith({ GUICHET_USB_PRINTERS: '1', GUICHET_FOLDER_PRINTERS: '1' });
    const own = await listener();
    const folder = tempFolder();
    const outside = path.join(folder, 'outside');
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, path.join(server.dataDir, 'escape'));
    fs.writeFileSync(path.join(folder, 'x'), 'kept');
    for (const uri of [
      `tcp://127.0.0.1:${own.port}`,
      // Only a name lookup says this is this machine: refused when the driver resolves it.
      `tcp://127.1:${own.port}`,
      `file://${folder}/new`,
      `file://${folder}/x`,
      'file:///dev/null',
      `folder://${folder}`,
      `folder://${server.dataDir}/escape`
    ]) {
      const job = await printAt(server, manager, uri);
      expect(await server.store.printJobs.findById(job.id), uri).toMatchObject({ status: 'waiting', fault: 'error' });
    }
    expect(own.connections()).toEqual([]);
    expect(fs.readdirSync(folder).sort()).toEqual(['outside', 'x']);
    expect(fs.readFileSync(path.join(folder, 'x'), 'utf8')).toBe('kept');
    expect(fs.readdirSync(outside)).toEqual([]);
  });
});

describe('text that reaches the printer', () => {
  it('a site name with a line feed and ESC/POS commands prints as one line, without a reset or a cut', async () => {
    const { server, hall } = await serverWith();
    const printer = server.virtualPrinters!.device;
    const take = async () => {
      const ticket = ok(await command(hall.kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' }));
      await server.app.services.printing.idle();
      expect((await server.store.printJobs.findById(ticket.print.id))?.status).toBe('printed');
      const receipt = printer.receipts().at(-1)!;
      return {
        texts: receipt.lines.flatMap((l) => (l.kind === 'text' ? [l.text] : [])),
        lineKinds: receipt.lines.map((l) => l.kind),
        events: receipt.events.map((e) => e.kind)
      };
    };
    await take();
    // The second ticket of the same kind: it starts with the reset that ends the one before.
    const plain = await take();
    expect(plain.texts[0]).toBe('Mairie de Démoville');
    // As it may already be stored (typed before any check, or an older database).
    // PostgreSQL's text cannot hold a NUL at all: there the rest of the controls are tried.
    const nul = server.store.engine === 'sqlite' ? '\x00' : '';
    await server.store.executor
      .db()
      .updateTable('sites')
      .set({ name: `Mairie\nGS V\x1b@\x1dV${nul}\r\x85\x9bX` })
      .execute();
    const crafted = await take();
    expect(crafted.texts[0]).toBe('Mairie GS V@V X');
    // The same lines and the same commands as the ticket of a plain name: nothing added by the name.
    expect(crafted.lineKinds).toEqual(plain.lineKinds);
    expect(crafted.events).toEqual(plain.events);
    expect(crafted.texts.slice(1, 4)).toEqual(plain.texts.slice(1, 4));
    expect(printer.receipts().filter((r) => r.cut !== null)).toHaveLength(3);
  });
});
