/**
 * The demo printers' output belongs to the site that printed it: a manager of another site in the
 * same installation neither lists Démoville's receipts and A4 PDFs, nor receives them live, nor
 * downloads a PDF by its name (404, like a name that never existed), whatever the name is made of.
 * A site that names the demo printers itself gets its own listener and its own folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DemoReceipt } from '../../../shared/schemas/print';
import { credentialCookie } from '../../../shared/identity';
import { fixturePassword } from '../testing/fixtures';
import { collect, ok, openHall, rid, type Hall } from '../testing/hall';
import { addOtherSite, type OtherSite } from '../testing/other-site';
import { command, connect, login, startTestServer, type TestClient, type TestServer } from '../testing/test-server';

let server: TestServer;
let hall: Hall;
let b: OtherSite;
let managerA: TestClient;
let managerBToken: string;

beforeEach(async () => {
  // Voisinville's own printer is a loopback listener.
  server = await startTestServer({ GUICHET_LOOPBACK_PRINTERS: '1' });
  hall = await openHall(server, { procedureId: 'carte-identite-passeport' });
  b = await addOtherSite(server);
  managerBToken = await login(server, 'manager', 'voisinville-manager', fixturePassword);
  managerA = await connect(server, 'manager', hall.managerToken);
});
afterEach(async () => {
  await server.close();
});

const pdfAs = (token: string, name: string) =>
  fetch(`${server.url}/api/demo-a4/${name}`, { headers: { cookie: `${credentialCookie.manager}=${encodeURIComponent(token)}` } });
const receiptText = (r: DemoReceipt) => [...r.lines.map((l) => l.text), ...r.qr].join('\n');

/** Démoville's kiosk prints its summary on the demo receipt printer and as an A4 PDF. */
async function demovillePrints(): Promise<string> {
  ok(
    await command(hall.kiosk, 'session:patch', {
      sessionId: hall.session.id,
      patchId: rid(),
      ops: [{ op: 'answer', stepId: 'titre', value: 'cni' }]
    })
  );
  ok(await command(hall.kiosk, 'print:summary', { requestId: rid(), sessionId: hall.session.id, format: 'receipt' }));
  const a4 = ok(await command(hall.kiosk, 'print:summary', { requestId: rid(), sessionId: hall.session.id, format: 'a4' }));
  await server.app.services.printing.idle();
  return `${a4.id}.pdf`;
}

describe('the demo printers’ output and the sites', () => {
  it('another site’s manager lists nothing of Démoville’s, receives nothing live, and gets 404 for its PDF', async () => {
    const liveAtB = collect<DemoReceipt>(b.manager, 'printer:demo-receipt');
    const liveAtA = collect<DemoReceipt>(managerA, 'printer:demo-receipt');
    const pdf = await demovillePrints();

    // Démoville's manager sees both, live and listed, and reads the PDF.
    await expect.poll(() => liveAtA.some((r) => receiptText(r).includes(hall.session.reference))).toBe(true);
    const own = ok(await command(managerA, 'printer:demo-output', {}));
    expect(own.receipts.some((r) => receiptText(r).includes(hall.session.reference))).toBe(true);
    expect(own.a4.map((f) => f.name)).toEqual([pdf]);
    expect((await pdfAs(hall.managerToken, pdf)).status).toBe(200);

    // Voisinville's manager: nothing listed, nothing received, the name is unknown.
    expect(ok(await command(b.manager, 'printer:demo-output', {}))).toEqual({ receipts: [], a4: [] });
    expect(liveAtB).toEqual([]);
    const stolen = await pdfAs(managerBToken, pdf);
    const unknown = await pdfAs(managerBToken, `${rid()}.pdf`);
    expect(stolen.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(((await stolen.json()) as { error: { code: string } }).error.code).toBe(
      ((await unknown.json()) as { error: { code: string } }).error.code
    );
  });

  it('a name that is not a plain PDF name reaches no file, for either manager', async () => {
    const pdf = await demovillePrints();
    const demoSiteId = (await server.store.printers.listAll()).find((p) => p.uri === 'virtual://a4')!.siteId;
    const names = [
      `..%2F${demoSiteId}%2F${pdf}`,
      `%2E%2E%2F${demoSiteId}%2F${pdf}`,
      `..%2F..%2Fguichet.sqlite`,
      `${demoSiteId}%2F${pdf}`,
      `${pdf}%00`,
      `%00${pdf}`,
      `..`,
      `${pdf.slice(0, -4)}%2Epdf%2F`
    ];
    for (const name of names) {
      expect((await pdfAs(managerBToken, name)).status, name).toBe(404);
      expect((await pdfAs(hall.managerToken, name)).status, name).toBe(404);
    }
    // A malformed escape is a bad request, for either manager: it names no file either.
    expect((await pdfAs(managerBToken, `%E0%A4%A`)).status).toBe(400);
    expect((await pdfAs(hall.managerToken, `%E0%A4%A`)).status).toBe(400);
    // The server still serves the right name to the right manager.
    expect((await pdfAs(hall.managerToken, pdf)).status).toBe(200);
  });

  it('a site that names the demo printers gets its own: its test pages are its own, not Démoville’s', async () => {
    const demoReceiptsBefore = server.virtualPrinters!.device.receipts().length;
    const receipt = ok(
      await command(b.manager, 'printer:save', {
        name: 'Démo ticket',
        kind: 'receipt',
        uri: 'virtual://receipt',
        terminalId: null
      })
    );
    const a4 = ok(
      await command(b.manager, 'printer:save', { name: 'Démo A4', kind: 'a4', uri: 'virtual://a4', terminalId: null })
    );
    await server.app.services.printing.idle();
    const receiptJob = ok(await command(b.manager, 'printer:test', { printerId: receipt.id }));
    const a4Job = ok(await command(b.manager, 'printer:test', { printerId: a4.id }));
    await server.app.services.printing.idle();
    expect((await server.store.printJobs.findById(receiptJob.id))?.status).toBe('printed');
    expect((await server.store.printJobs.findById(a4Job.id))?.status).toBe('printed');

    const atB = ok(await command(b.manager, 'printer:demo-output', {}));
    expect(atB.receipts).toHaveLength(1);
    expect(atB.a4.map((f) => f.name)).toEqual([`${a4Job.id}.pdf`]);
    expect((await pdfAs(managerBToken, `${a4Job.id}.pdf`)).status).toBe(200);
    // Démoville's printer printed nothing of it, its console lists nothing of it, its manager gets 404.
    expect(server.virtualPrinters!.device.receipts()).toHaveLength(demoReceiptsBefore);
    expect(ok(await command(managerA, 'printer:demo-output', {}))).toEqual({ receipts: [], a4: [] });
    expect((await pdfAs(hall.managerToken, `${a4Job.id}.pdf`)).status).toBe(404);
  });

  it('PDFs an earlier version left in the shared folder, of no known site or session, are removed at start', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-test-'));
    const shared = path.join(dataDir, 'demo-a4');
    fs.mkdirSync(shared);
    fs.writeFileSync(path.join(shared, '000001.pdf'), '%PDF-1.7 ancien récapitulatif');
    fs.writeFileSync(path.join(shared, '000002.bin'), 'ancien ticket');
    const restarted = await startTestServer({ GUICHET_LOOPBACK_PRINTERS: '1' }, { dataDir });
    try {
      expect(fs.readdirSync(shared).filter((name) => !fs.statSync(path.join(shared, name)).isDirectory())).toEqual([]);
      const managerToken = await login(restarted, 'manager', 'gestion', 'demoville-gestion');
      const console = await connect(restarted, 'manager', managerToken);
      expect(ok(await command(console, 'printer:demo-output', {})).a4).toEqual([]);
    } finally {
      await restarted.close();
    }
  });
});
