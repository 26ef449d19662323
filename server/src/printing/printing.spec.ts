/**
 * Tickets and printing against the real server: the demo site's receipt printer is a real ESC/POS
 * listener on loopback (status requests answered byte for byte), the kiosk and the tablets real
 * socket.io clients. What was printed is decoded from the bytes the printer received.
 */
import { sql } from 'kysely';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DecodedReceipt } from '../../../printers/escpos/decoder';
import { startVirtualPrinter, type VirtualPrinter } from '../../../printers/virtual-printer';
import type { PrinterView, PrintJobView } from '../../../shared/schemas/print';
import { collect, ok, openHall, rid, type Hall } from '../testing/hall';
import { snapshot, value } from '../testing/fixtures';
import { command, connect, startTestServer, type TestServer } from '../testing/test-server';
import { credentialCookie } from '../../../shared/identity';

let server: TestServer;
let hall: Hall;
let printer: VirtualPrinter;

beforeEach(async () => {
  // Printers here are listeners on loopback, which the server refuses unless told otherwise.
  server = await startTestServer({ GUICHET_LOOPBACK_PRINTERS: '1' });
  hall = await openHall(server, { procedureId: 'carte-identite-passeport' });
  printer = server.virtualPrinters!.device;
});
afterEach(async () => {
  await server.close();
});

const take = (requestId = rid(), extra: Record<string, unknown> = {}) =>
  command(hall.kiosk, 'ticket:take', { requestId, service: 'titres', locale: 'fr', ...extra });
const printed = () => printer.receipts().filter((r) => r.cut !== null);
const textOf = (receipt: DecodedReceipt) =>
  receipt.lines.flatMap((l) => (l.kind === 'text' ? [l.text] : l.kind === 'qr' ? [`QR:${l.data}`] : [])).join('\n');
/** Waits for the job event that says this job reached `status`. */
async function jobReaches(events: PrintJobView[], id: string, status: PrintJobView['status']) {
  await expect.poll(() => events.find((j) => j.id === id && j.status === status), { timeout: 8000 }).toBeTruthy();
}
/**
 * Lets the retry loop pass its backoff: the server's clock is manual, so the test moves it and
 * runs the every-second retry itself, then waits for the printer loops it started.
 */
async function afterBackoff(ms = 31_000) {
  server.clock.advance(ms);
  await server.app.services.printing.tick();
  await server.app.services.printing.idle();
}

describe('taking a ticket', () => {
  it('prints the ticket once: site, service, big number, people ahead, French accents, QR and cut', async () => {
    const jobs = collect<PrintJobView>(hall.kiosk, 'print:job');
    const ticket = ok(await take());
    expect(ticket).toMatchObject({ label: 'T-001', service: 'titres', peopleAhead: 0, priority: false });
    await jobReaches(jobs, ticket.print.id, 'printed');
    const [receipt] = printed();
    expect(printed()).toHaveLength(1);
    const text = textOf(receipt!);
    expect(text).toContain('Mairie de Démoville');
    expect(text).toContain("Carte d'identité ou passeport");
    expect(text).toContain('Votre numéro');
    expect(text).toContain('Personne avant vous');
    const number = receipt!.lines.find((l) => l.kind === 'text' && l.text === 'T-001');
    expect(number).toMatchObject({ align: 'center', width: 4, height: 4, bold: true });
    expect(text).toMatch(/QR:GUICHET T-001 \d{4}-\d{2}-\d{2}/);
    expect(receipt!.cut).not.toBeNull();
    // The printer was asked its state before the job and after it, on the job's connection.
    const job = printer.jobs().at(-1)!;
    expect(job.statusRequests.map((s) => s.n)).toEqual([1, 2, 4, 1, 2, 4]);
  });

  it('numbers follow each other; a replayed command gives the same ticket and prints nothing more', async () => {
    const jobs = collect<PrintJobView>(hall.kiosk, 'print:job');
    const requestId = rid();
    const first = ok(await take(requestId));
    const second = ok(await take());
    expect(second).toMatchObject({ label: 'T-002', peopleAhead: 1 });
    const replay = ok(await take(requestId));
    expect(replay.id).toBe(first.id);
    expect(replay.label).toBe('T-001');
    await jobReaches(jobs, second.print.id, 'printed');
    await server.app.services.printing.idle();
    expect(printed().map((r) => textOf(r).includes('T-001'))).toEqual([true, false]);
    expect(await value(server.store, sql`SELECT COUNT(*) FROM tickets`)).toBe(2);
  });

  it('a priority ticket (after an unanswered call) goes before the others and says so', async () => {
    ok(await take());
    const priority = ok(await take(rid(), { priority: true }));
    expect(priority).toMatchObject({ label: 'T-002', priority: true, peopleAhead: 0 });
    await server.app.services.printing.idle();
    expect(textOf(printed().at(-1)!)).toContain('Prioritaire');
  });

  it('an unknown service is refused, naming the field, and takes no number', async () => {
    const before = await snapshot(server.store);
    const refused = await take(rid(), { service: 'nowhere' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_payload', issues: [{ path: 'service' }] } });
    const malformed = await command(hall.kiosk, 'ticket:take', { requestId: rid(), service: 'Bad Service!' });
    expect(malformed).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect(await snapshot(server.store)).toEqual(before);
  });
});

describe('printer faults lose nothing and print nothing twice', () => {
  it('out of paper before the ticket: the number is on screen, staff are told, it prints once when paper is back', async () => {
    const jobs = collect<PrintJobView>(hall.kiosk, 'print:job');
    const atDesk = collect<PrinterView>(hall.marie, 'printer:status');
    printer.setState({ paperEnd: true });
    const ticket = ok(await take());
    expect(ticket.label).toBe('T-001');
    await jobReaches(jobs, ticket.print.id, 'waiting');
    expect(jobs.find((j) => j.id === ticket.print.id)).toMatchObject({ fault: 'paper_end' });
    await expect.poll(() => atDesk.at(-1)).toMatchObject({ fault: 'paper_end', waitingJobs: 1 });
    expect(printed()).toHaveLength(0);

    printer.setState({ paperEnd: false });
    await afterBackoff();
    await jobReaches(jobs, ticket.print.id, 'printed');
    await expect.poll(() => atDesk.at(-1)?.fault).toBeNull();
    expect(printed()).toHaveLength(1);
    expect(textOf(printed()[0]!)).not.toContain('DUPLICATA');
  });

  it('paper runs out during the ticket: the job is uncertain and a copy marked DUPLICATA follows, same number', async () => {
    const jobs = collect<PrintJobView>(hall.kiosk, 'print:job');
    printer.runOutAfterBytes(40);
    const ticket = ok(await take());
    await jobReaches(jobs, ticket.print.id, 'uncertain');
    // The copy waits for the paper: the printer says it ran out.
    await expect.poll(() => jobs.find((j) => j.ticketLabel === 'T-001' && j.copy === 1), { timeout: 8000 }).toBeTruthy();
    expect(printer.state().paperEnd).toBe(true);
    printer.setState({ paperEnd: false });
    await afterBackoff();
    await expect.poll(() => jobs.find((j) => j.copy === 1 && j.status === 'printed'), { timeout: 8000 }).toBeTruthy();
    const last = printed().at(-1)!;
    expect(textOf(last)).toContain('DUPLICATA');
    expect(textOf(last)).toContain('T-001');
    expect(await value(server.store, sql`SELECT COUNT(*) FROM tickets`)).toBe(1);
  });

  it('printer unreachable, then back: the ticket waits and prints once', async () => {
    const jobs = collect<PrintJobView>(hall.kiosk, 'print:job');
    await printer.setMode('refuse');
    const ticket = ok(await take());
    await jobReaches(jobs, ticket.print.id, 'waiting');
    expect(jobs.find((j) => j.id === ticket.print.id)?.fault).toBe('unreachable');
    await printer.setMode('ok');
    await afterBackoff();
    await jobReaches(jobs, ticket.print.id, 'printed');
    await server.app.services.printing.idle();
    expect(printed()).toHaveLength(1);
  });

  it('a printer that does not answer its status is not sent the job', async () => {
    const jobs = collect<PrintJobView>(hall.kiosk, 'print:job');
    await printer.setMode('no_answer');
    const ticket = ok(await take());
    await jobReaches(jobs, ticket.print.id, 'waiting');
    expect(jobs.find((j) => j.id === ticket.print.id)?.fault).toBe('no_answer');
    expect(printer.jobs()).toHaveLength(0);
  });

  it('a reprint from the manager console says DUPLICATA and never takes a new number', async () => {
    const manager = await connect(server, 'manager', hall.managerToken);
    const ticket = ok(await take());
    await server.app.services.printing.idle();
    const copy = ok(await command(manager, 'print:reprint', { jobId: ticket.print.id }));
    expect(copy).toMatchObject({ kind: 'ticket', ticketLabel: 'T-001', copy: 1 });
    await server.app.services.printing.idle();
    expect(printed()).toHaveLength(2);
    expect(textOf(printed()[1]!)).toContain('DUPLICATA');
    expect(textOf(printed()[1]!)).toContain('T-001');
    expect(await command(manager, 'print:reprint', { jobId: 'no-such-job' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' }
    });
  });
});

describe('summaries', () => {
  async function answerAll() {
    ok(
      await command(hall.kiosk, 'session:patch', {
        sessionId: hall.session.id,
        patchId: rid(),
        ops: [{ op: 'answer', stepId: 'titre', value: 'cni' }]
      })
    );
  }

  it('the kiosk prints the summary receipt: procedure, the choice made, documents, reference', async () => {
    await answerAll();
    const job = ok(
      await command(hall.kiosk, 'print:summary', { requestId: rid(), sessionId: hall.session.id, format: 'receipt' })
    );
    expect(job.kind).toBe('summary_receipt');
    await server.app.services.printing.idle();
    const text = textOf(printed().at(-1)!);
    expect(text).toContain('Récapitulatif');
    expect(text).toContain("Carte d'identité ou passeport");
    expect(text).toContain("Carte d'identité");
    expect(text).toContain(hall.session.reference);
    // Once printed, the job no longer holds the answers.
    expect(await server.store.printJobs.findById(job.id)).toMatchObject({ status: 'printed', document: '' });
  });

  it('A4 in Arabic lands as a PDF on the A4 printer, in Arabic', async () => {
    ok(
      await command(hall.kiosk, 'session:patch', {
        sessionId: hall.session.id,
        patchId: rid(),
        ops: [{ op: 'locale', locale: 'ar' }]
      })
    );
    await answerAll();
    const job = ok(await command(hall.kiosk, 'print:summary', { requestId: rid(), sessionId: hall.session.id, format: 'a4' }));
    await server.app.services.printing.idle();
    expect((await server.store.printJobs.findById(job.id))?.status).toBe('printed');
    const dir = path.join(server.dataDir, 'demo-a4', (await server.store.printers.listAll())[0]!.siteId);
    // The A4 printer keeps one PDF per job, named after it: this job's, and nothing else.
    const pdf = `${job.id}.pdf`;
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.pdf'))).toEqual([pdf]);
    const text = execFileSync('pdftotext', [path.join(dir, pdf), '-'], { encoding: 'utf8' });
    expect(text).toContain('ملخص');
    expect(text).toContain(hall.session.reference);

    // The manager console lists it and serves it, to the manager only.
    const manager = await connect(server, 'manager', hall.managerToken);
    expect(ok(await command(manager, 'printer:demo-output', {})).a4.map((f) => f.name)).toContain(pdf);
    const asManager = await fetch(`${server.url}/api/demo-a4/${pdf}`, {
      headers: { cookie: `${credentialCookie.manager}=${encodeURIComponent(hall.managerToken)}` }
    });
    expect(asManager.status).toBe(200);
    expect(asManager.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await asManager.arrayBuffer())
        .subarray(0, 5)
        .toString()
    ).toBe('%PDF-');
    expect((await fetch(`${server.url}/api/demo-a4/${pdf}`)).status).toBe(401);
    const traversal = await fetch(`${server.url}/api/demo-a4/..%2Fguichet.sqlite`, {
      headers: { cookie: `${credentialCookie.manager}=${encodeURIComponent(hall.managerToken)}` }
    });
    expect(traversal.status).toBe(404);
  });

  it('an agent prints only for the session they joined', async () => {
    const refused = await command(hall.marie, 'print:summary', {
      requestId: rid(),
      sessionId: hall.session.id,
      format: 'receipt'
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const call = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }));
    ok(await command(hall.marie, 'call:accept', { callId: call.id }));
    const job = ok(
      await command(hall.marie, 'print:summary', { requestId: rid(), sessionId: hall.session.id, format: 'receipt' })
    );
    await server.app.services.printing.idle();
    expect((await server.store.printJobs.findById(job.id))?.status).toBe('printed');
    expect(textOf(printed().at(-1)!)).toContain("Avec l'aide de Marie");
  });
});

describe('the manager sets up printers', () => {
  it('adds a network receipt printer for one kiosk; its tickets go there', async () => {
    const manager = await connect(server, 'manager', hall.managerToken);
    const own = await startVirtualPrinter();
    try {
      const kioskId = (await server.store.terminals.listActiveInSite((await server.store.printers.listAll())[0]!.siteId)).find(
        (t) => t.name === 'Borne du hall'
      )!.id;
      const saved = ok(
        await command(manager, 'printer:save', {
          name: 'Imprimante de la borne',
          kind: 'receipt',
          uri: `tcp://127.0.0.1:${own.port}`,
          terminalId: kioskId
        })
      );
      expect(saved).toMatchObject({ name: 'Imprimante de la borne', kind: 'receipt', terminalId: kioskId });
      ok(await take());
      await server.app.services.printing.idle();
      expect(own.receipts().filter((r) => r.cut !== null)).toHaveLength(1);
      expect(printed()).toHaveLength(0);
    } finally {
      await own.close();
    }
  });

  it('a wrong address or a kiosk of nowhere is refused, naming the field, and nothing is saved', async () => {
    const manager = await connect(server, 'manager', hall.managerToken);
    const before = await snapshot(server.store);
    const noHost = await command(manager, 'printer:save', { name: 'X', kind: 'receipt', uri: 'tcp://', terminalId: null });
    expect(noHost).toMatchObject({ ok: false, error: { code: 'invalid_payload', issues: [{ path: 'uri' }] } });
    const wrongKind = await command(manager, 'printer:save', {
      name: 'X',
      kind: 'receipt',
      uri: 'cups-pdf://bureau',
      terminalId: null
    });
    expect(wrongKind).toMatchObject({ ok: false, error: { code: 'invalid_payload', issues: [{ path: 'uri' }] } });
    const nowhere = await command(manager, 'printer:save', {
      name: 'X',
      kind: 'a4',
      uri: 'cups-pdf://bureau',
      terminalId: 'nope'
    });
    expect(nowhere).toMatchObject({ ok: false, error: { code: 'invalid_payload', issues: [{ path: 'terminalId' }] } });
    const byKiosk = await command(hall.kiosk, 'printer:save', {
      name: 'X',
      kind: 'a4',
      uri: 'cups-pdf://bureau',
      terminalId: null
    });
    expect(byKiosk).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await snapshot(server.store)).toEqual(before);
  });
});
