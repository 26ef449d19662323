/**
 * The console's test page against the real server and the demo's printers: on the receipt printer
 * (a real ESC/POS listener) it prints the site, the printer, the accents and the euro sign in the
 * printer's code page and a QR code; on the A4 printer a one-page PDF; a printer fault is met like
 * any job's (the manager sees it, it prints when the printer is back); another site's printer
 * cannot be reached.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DecodedReceipt } from '../../../printers/escpos/decoder';
import { testPageCharacters } from '../../../printers/layouts/test-page';
import type { VirtualPrinter } from '../../../printers/virtual-printer';
import type { PrinterView, PrintJobView } from '../../../shared/schemas/print';
import { addSite, fixturePassword, snapshot } from '../testing/fixtures';
import { collect, ok } from '../testing/hall';
import { command, connect, login, startTestServer, type TestClient, type TestServer } from '../testing/test-server';

let server: TestServer;
let manager: TestClient;
let printer: VirtualPrinter;
let printers: PrinterView[];

beforeEach(async () => {
  server = await startTestServer();
  manager = await connect(server, 'manager', await login(server, 'manager', 'gestion', 'demoville-gestion'));
  printer = server.virtualPrinters!.device;
  printers = ok(await command(manager, 'printer:list', {}));
});
afterEach(async () => {
  await server.close();
});

const receiptPrinter = () => printers.find((p) => p.kind === 'receipt')!;
const a4Printer = () => printers.find((p) => p.kind === 'a4')!;
const printed = () => printer.receipts().filter((r) => r.cut !== null);
const textLines = (receipt: DecodedReceipt) => receipt.lines.flatMap((l) => (l.kind === 'text' ? [l.text] : []));
async function jobReaches(events: PrintJobView[], id: string, status: PrintJobView['status']) {
  await expect.poll(() => events.find((j) => j.id === id && j.status === status), { timeout: 8000 }).toBeTruthy();
}

describe('a test page', () => {
  it('on the receipt printer: site, printer, date, accents and euro sign decoded from the bytes, a QR code, cut', async () => {
    const jobs = collect<PrintJobView>(manager, 'print:job');
    const job = ok(await command(manager, 'printer:test', { printerId: receiptPrinter().id }));
    expect(job).toMatchObject({ kind: 'test_page', status: 'queued', printerName: 'Imprimante du hall (démo)' });
    await jobReaches(jobs, job.id, 'printed');

    expect(printed()).toHaveLength(1);
    const receipt = printed()[0]!;
    const lines = textLines(receipt);
    expect(lines).toContain('Page de test Guichet');
    expect(lines).toContain('Mairie de Démoville');
    expect(lines).toContain('Imprimante : Imprimante du hall (démo)');
    expect(lines).toContain(testPageCharacters);
    expect(lines.join('\n')).toMatch(/\d{4}/);
    const accents = receipt.lines.find((l) => l.kind === 'text' && l.text === testPageCharacters);
    expect(accents?.kind === 'text' && accents.runs.map((r) => r.codePage)).toEqual(['PC858']);
    const qr = receipt.lines.find((l) => l.kind === 'qr');
    expect(qr).toMatchObject({ kind: 'qr', data: expect.stringMatching(/^GUICHET TEST \d{4}-\d{2}-\d{2}T/) });
    expect(receipt.cut).not.toBeNull();
    // It is listed with the site's print jobs, as a test page.
    expect(ok(await command(manager, 'print:jobs', {})).find((j) => j.id === job.id)).toMatchObject({
      kind: 'test_page',
      status: 'printed'
    });
  });

  it('on the A4 printer: a one-page PDF with the same text', async () => {
    const jobs = collect<PrintJobView>(manager, 'print:job');
    const job = ok(await command(manager, 'printer:test', { printerId: a4Printer().id }));
    await jobReaches(jobs, job.id, 'printed');
    const dir = path.join(server.dataDir, 'demo-a4', (await server.store.printers.listAll())[0]!.siteId);
    // The A4 printer keeps one PDF per job, named after it: this job's, and nothing else.
    const pdf = `${job.id}.pdf`;
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.pdf'))).toEqual([pdf]);
    const file = path.join(dir, pdf);
    expect(execFileSync('pdfinfo', [file], { encoding: 'utf8' })).toMatch(/^Pages:\s+1$/m);
    // Lines wrap where the layout wants: the words are compared, not the line breaks.
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('Page de test Guichet');
    expect(text).toContain('Mairie de Démoville');
    expect(text).toContain('Imprimante : Imprimante A4 (démo)');
    for (const c of ['é', 'è', 'à', 'ç', '€']) expect(text).toContain(c);
  });

  it('meets a fault like any job: the manager sees « paper out », it prints once the paper is back', async () => {
    const jobs = collect<PrintJobView>(manager, 'print:job');
    const states = collect<PrinterView>(manager, 'printer:status');
    printer.setState({ paperEnd: true });
    const job = ok(await command(manager, 'printer:test', { printerId: receiptPrinter().id }));
    await jobReaches(jobs, job.id, 'waiting');
    expect(jobs.find((j) => j.id === job.id && j.status === 'waiting')).toMatchObject({ fault: 'paper_end' });
    await expect.poll(() => states.at(-1)).toMatchObject({ fault: 'paper_end' });
    expect(printed()).toHaveLength(0);

    printer.setState({ paperEnd: false });
    server.clock.advance(31_000);
    await jobReaches(jobs, job.id, 'printed');
    expect(printed()).toHaveLength(1);
  });

  it('an unknown printer, or another site’s, is not found; only a manager asks for one', async () => {
    const b = await addSite(server.store, server.clock, 'Bourg');
    const managerB = await connect(server, 'manager', await login(server, 'manager', b.managerLogin, fixturePassword));
    const agent = await connect(server, 'agent', await login(server, 'agent', 'marie', '1234'));
    const before = await snapshot(server.store);
    expect(await command(managerB, 'printer:test', { printerId: receiptPrinter().id })).toMatchObject({
      ok: false,
      error: { code: 'not_found' }
    });
    expect(await command(manager, 'printer:test', { printerId: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' }
    });
    expect(await command(manager, 'printer:test', {})).toMatchObject({
      ok: false,
      error: { code: 'invalid_payload', issues: [{ path: 'printerId' }] }
    });
    expect(await command(agent, 'printer:test', { printerId: receiptPrinter().id })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' }
    });
    await server.app.services.printing.idle();
    expect(await snapshot(server.store)).toEqual(before);
    expect(printer.jobs()).toHaveLength(0);
  });
});
