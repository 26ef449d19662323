/**
 * The CUPS driver against a real CUPS scheduler with the two test queues of `scripts/ensure-cups.ts`:
 * `guichet-pdf` (cups-pdf backend: the PDF goes through CUPS' filters and comes back as a file) and
 * `guichet-raw` (socket backend to 127.0.0.1:9109, where the test listens like a network printer).
 * What it cannot show: a physical printer's own faults (paper, cover) as CUPS reports them, which only
 * the lpstat parsing test covers, with lpstat's text.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import iconv from 'iconv-lite';
import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import {
  cupsPdfOutput,
  cupsPdfQueue,
  cupsProblem,
  cupsRawPort,
  cupsRawQueue,
  cupsSetupMessage,
  cupsTool
} from '../../scripts/ensure-cups';
import { createDriver } from '../create-driver';
import { summaryDocument } from '../layouts/summary';
import { renderSummaryPdf } from '../pdf/summary-pdf';
import { loadCatalog, shippedCatalogDir } from '../../server/src/procedures/catalog';
import { CupsDriver, parseLpstat, runCupsCommand } from './cups';

/** CUPS queues are allowed whatever the policy. */
const noLocalPrinters = { usbDevices: false, folderRoot: null, loopback: false, serverPort: () => null };

/** Fails the test, not skips it, when CUPS is not set up, saying how to set it up. */
function requireCups(): void {
  const problem = cupsProblem();
  if (problem) throw new Error(cupsSetupMessage(problem));
}

async function run(tool: string, args: string[], input?: Buffer) {
  return runCupsCommand(cupsTool(tool), args, { input, timeoutMs: 20_000 });
}

const fonts = path.resolve(import.meta.dirname, '../fonts');
const frenchText = "Pièce d'identité, récépissé";
const arabicWord = 'إيصال';

function makePdf(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', info: { Title: 'Récépissé' } });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.font(path.join(fonts, 'AtkinsonHyperlegible-Regular.ttf')).fontSize(16).text(frenchText);
    doc.font(path.join(fonts, 'DejaVuSans.ttf')).fontSize(16).text(arabicWord, { align: 'right' });
    doc.end();
  });
}

/** Waits until CUPS no longer lists the job among the unfinished ones. */
async function waitForJob(queue: string, jobId: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await run('lpstat', ['-W', 'not-completed', '-o', queue]);
    if (!pending.stdout.split('\n').some((line) => line.startsWith(`${jobId} `))) return;
    if (Date.now() > deadline) throw new Error(`CUPS job ${jobId} still not done after ${timeoutMs} ms:\n${pending.stdout}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const jobNumber = (jobId: string | null): string => /-(\d+)$/.exec(jobId ?? '')?.[1] ?? 'none';

describe('CUPS driver, PDF queue (cups-pdf://guichet-pdf)', () => {
  it('prints a PDF: the file CUPS produces has the French accents and the Arabic word', { timeout: 60_000 }, async () => {
    requireCups();
    const driver = createDriver(`cups-pdf://${cupsPdfQueue}`, 'a4', noLocalPrinters) as CupsDriver;
    expect(await driver.status()).toEqual({ fault: null, paperNearEnd: false });
    const status = await driver.print(await makePdf());
    expect(status).toEqual({ fault: null, paperNearEnd: false });
    expect(driver.lastJobId).toMatch(new RegExp(`^${cupsPdfQueue}-\\d+$`));
    const jobId = driver.lastJobId ?? '';
    await waitForJob(cupsPdfQueue, jobId);

    const suffix = `-job_${jobNumber(jobId)}.pdf`;
    const files = fs.readdirSync(cupsPdfOutput);
    const file = files.find((name) => name.endsWith(suffix));
    expect(file, `no file ending in ${suffix} in ${cupsPdfOutput} (${files.join(', ')})`).toBeDefined();
    const output = path.join(cupsPdfOutput, file ?? '');
    const text = await run('pdftotext', ['-enc', 'UTF-8', output, '-']);
    fs.rmSync(output, { force: true });
    expect(text.ok, text.stderr).toBe(true);
    expect(text.stdout).toContain(frenchText);
    expect(text.stdout).toContain(arabicWord);
  });

  it('prints the A4 summary, in French and in Arabic, and reads it back', { timeout: 90_000 }, async () => {
    requireCups();
    const procedure = loadCatalog(shippedCatalogDir).procedures.find((p) => p.id === 'carte-identite-passeport')!;
    const driver = createDriver(`cups-pdf://${cupsPdfQueue}`, 'a4', noLocalPrinters) as CupsDriver;
    const read: Record<string, string> = {};
    for (const locale of ['fr', 'ar'] as const) {
      const pdf = await renderSummaryPdf(
        summaryDocument({
          procedure,
          answers: { titre: 'cni', motif: 'perte' },
          locale,
          site: {
            name: 'Mairie de Démoville',
            address: '1 place de la Mairie, 00000 Démoville',
            phone: '01 23 45 67 89',
            timezone: 'Europe/Paris',
            openingHours: { '1': [['08:30', '12:00']] }
          },
          reference: 'K7Q-3MX',
          agentName: 'Marie',
          at: new Date('2026-11-23T14:40:00Z'),
          duplicate: false
        })
      );
      expect(await driver.print(pdf)).toEqual({ fault: null, paperNearEnd: false });
      await waitForJob(cupsPdfQueue, driver.lastJobId ?? '');
      const suffix = `-job_${jobNumber(driver.lastJobId)}.pdf`;
      const file = fs.readdirSync(cupsPdfOutput).find((name) => name.endsWith(suffix));
      expect(file, `no file ending in ${suffix} in ${cupsPdfOutput}`).toBeDefined();
      const output = path.join(cupsPdfOutput, file ?? '');
      const text = await run('pdftotext', ['-enc', 'UTF-8', output, '-']);
      fs.rmSync(output, { force: true });
      expect(text.ok, text.stderr).toBe(true);
      // Embedding marks around right-to-left lines are not text.
      read[locale] = text.stdout.replace(/[\u202a-\u202e]/g, '');
    }
    expect(read.fr).toContain('Récapitulatif');
    expect(read.fr).toContain("Carte d'identité ou passeport");
    expect(read.fr).toContain('Papiers à apporter');
    expect(read.fr).toContain('K7Q-3MX');
    // cups-pdf turns what it receives into PostScript and back into a PDF: the page is the same,
    // but that round trip keeps only part of the Arabic text layer (joined letter forms lose their
    // Unicode). The title and the reference come back whole; the summary's own PDF, before CUPS,
    // reads back exactly (see ../pdf/summary-pdf.spec.ts).
    expect(read.ar).toContain('ملخص');
    expect(read.ar).toContain('K7Q-3MX');
    expect(read.ar).toContain('Mairie de Démoville');
  });

  it(
    'reports queue_paused on a paused queue, where lp itself still exits 0, and queues nothing',
    { timeout: 60_000 },
    async () => {
      requireCups();
      const driver = createDriver(`cups-pdf://${cupsPdfQueue}`, 'a4', noLocalPrinters) as CupsDriver;
      const pdf = await makePdf();
      expect((await run('cupsdisable', [cupsPdfQueue])).ok).toBe(true);
      try {
        expect(await driver.status()).toEqual({ fault: 'queue_paused', paperNearEnd: false });

        // Why the status is asked: lp accepts the job into the paused queue and exits 0.
        const lp = await run('lp', ['-d', cupsPdfQueue, '-t', 'paused queue check'], pdf);
        expect(lp.ok, lp.stderr).toBe(true);
        const held = /request id is (\S+)/.exec(lp.stdout)?.[1] ?? '';
        expect(held).toMatch(new RegExp(`^${cupsPdfQueue}-\\d+$`));
        expect((await run('cancel', [held])).ok).toBe(true);

        expect(await driver.print(pdf)).toEqual({ fault: 'queue_paused', paperNearEnd: false });
        expect(driver.lastJobId).toBeNull();
        expect((await run('lpstat', ['-W', 'not-completed', '-o', cupsPdfQueue])).stdout.trim()).toBe('');
      } finally {
        await run('cupsenable', [cupsPdfQueue]);
      }
      expect(await driver.status()).toEqual({ fault: null, paperNearEnd: false });
    }
  );

  it('reports queue_paused when the queue rejects jobs, and does not send', { timeout: 30_000 }, async () => {
    requireCups();
    const driver = createDriver(`cups-pdf://${cupsPdfQueue}`, 'a4', noLocalPrinters) as CupsDriver;
    expect((await run('cupsreject', [cupsPdfQueue])).ok).toBe(true);
    try {
      expect(await driver.status()).toEqual({ fault: 'queue_paused', paperNearEnd: false });
      expect((await driver.print(await makePdf())).fault).toBe('queue_paused');
      expect(driver.lastJobId).toBeNull();
    } finally {
      await run('cupsaccept', [cupsPdfQueue]);
    }
    expect(await driver.status()).toEqual({ fault: null, paperNearEnd: false });
  });

  it('reports unreachable for a queue that does not exist', async () => {
    requireCups();
    const driver = createDriver('cups-pdf://guichet-no-such-queue', 'a4', noLocalPrinters) as CupsDriver;
    expect(await driver.status()).toEqual({ fault: 'unreachable', paperNearEnd: false });
    expect((await driver.print(await makePdf())).fault).toBe('unreachable');
    expect(driver.lastJobId).toBeNull();
  });
});

describe('CUPS driver, raw queue (cups://guichet-raw)', () => {
  it('passes ESC/POS bytes to the printer untouched', { timeout: 60_000 }, async () => {
    requireCups();
    // Jobs an interrupted run left behind would reach this listener first.
    await run('cancel', ['-a', cupsRawQueue]);
    const connections: Buffer[] = [];
    let received: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (received = resolve));
    const printer = net.createServer((socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', () => undefined);
      // The socket backend closes its side once the job is sent, then waits for the printer to close.
      socket.on('end', () => {
        connections.push(Buffer.concat(chunks));
        socket.end();
        received();
      });
    });
    await new Promise<void>((resolve, reject) => {
      printer.once('error', (error) =>
        reject(new Error(`cannot listen on 127.0.0.1:${cupsRawPort} for the raw queue: ${error.message}`))
      );
      printer.listen(cupsRawPort, '127.0.0.1', resolve);
    });
    try {
      const job = Buffer.concat([
        Buffer.from([0x1b, 0x40, 0x1b, 0x74, 0x13]),
        iconv.encode("Pièce d'identité, récépissé\n", 'cp858'),
        Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
        Buffer.from([0x1b, 0x64, 0x03, 0x1d, 0x56, 0x00])
      ]);
      const driver = createDriver(`cups://${cupsRawQueue}`, 'receipt', noLocalPrinters) as CupsDriver;
      expect(await driver.print(job)).toEqual({ fault: null, paperNearEnd: false });
      expect(driver.lastJobId).toMatch(new RegExp(`^${cupsRawQueue}-\\d+$`));
      await Promise.race([
        done,
        new Promise((_, reject) => setTimeout(() => reject(new Error('the raw queue sent nothing within 45 s')), 45_000))
      ]);
      expect(connections).toHaveLength(1);
      expect(connections[0]?.equals(job), `received ${connections[0]?.toString('hex')}`).toBe(true);
    } finally {
      await new Promise<void>((resolve) => printer.close(() => resolve()));
    }
  });
});

describe('lpstat parsing', () => {
  // lpstat's own text (C locale); the alerts are the printer-state-reasons a real printer sends,
  // which the test queues cannot produce.
  const idle = (alerts: string) =>
    `printer hall is idle.  enabled since Mon Nov 23 15:34:54 2026\n\tForm mounted:\n\tAlerts: ${alerts}\n\tLocation: \n`;
  const accepting = 'hall accepting requests since Mon Nov 23 15:34:54 2026\n';

  it('reads the queue state and the printer alerts', () => {
    expect(parseLpstat(idle('none'), accepting)).toEqual({ fault: null, paperNearEnd: false });
    expect(parseLpstat(idle('media-low-report'), accepting)).toEqual({ fault: null, paperNearEnd: true });
    expect(parseLpstat(idle('media-empty-error media-needed'), accepting).fault).toBe('paper_end');
    expect(parseLpstat(idle('door-open-error'), accepting).fault).toBe('cover_open');
    expect(parseLpstat(idle('offline-report'), accepting).fault).toBe('offline');
    expect(
      parseLpstat(
        'printer hall disabled since Mon Nov 23 15:35:27 2026 -\n\tPaused\n\tForm mounted:\n\tAlerts: paused\n',
        accepting
      ).fault
    ).toBe('queue_paused');
    expect(
      parseLpstat(idle('none'), 'hall not accepting requests since Mon Nov 23 15:35:27 2026 -\n\tRejecting Jobs\n').fault
    ).toBe('queue_paused');
  });
});
