/**
 * `npm run bench:print`: the real Guichet server (its own process, SQLite file, demo site) with its
 * receipt printer pointed at a protocol-level ESC/POS printer in this process, on loopback.
 *
 * - ticket: a kiosk sends `ticket:take` → the printer receives the ticket's cut (its last byte),
 *   one ticket at a time, N tickets (status asked before and after each, as in production).
 * - baseline: the same ticket bytes written straight to the same printer over a fresh TCP
 *   connection, without Guichet (no store, no status requests): the floor of the transport.
 * - pdf: generating the A4 summary (French and Arabic), median of repeated runs.
 *
 * Ends with `bench print: …`. Flags: --tickets N (default 200).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../server/src/clock';
import { openDatabase } from '../server/src/db/database';
import { seedDemoIfEmpty } from '../server/src/demo/seed-demo';
import { createSqliteStore } from '../server/src/store';
import { freePort, startServerIn } from '../server/src/testing/processes';
import { command, connect, login, pairTerminal, type TestServer } from '../server/src/testing/test-server';
import { startVirtualPrinter } from '../printers/virtual-printer';
import { encodeReceipt } from '../printers/escpos/encode';
import { ticketReceipt } from '../printers/layouts/ticket';
import { summaryDocument } from '../printers/layouts/summary';
import { renderSummaryPdf } from '../printers/pdf/summary-pdf';
import { loadCatalog, shippedCatalogDir } from '../server/src/procedures/catalog';

const flag = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number`);
  return value;
};
const tickets = Math.min(flag('tickets', 200), 2000);
const warmup = 10;
const pdfRuns = 30;

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
};
const round = (x: number) => Number(x.toFixed(2));

const printer = await startVirtualPrinter();
let cutAt = 0;
printer.onReceipt(() => (cutAt = performance.now()));
const waitForCut = async (since: number) => {
  const end = Date.now() + 10_000;
  while (cutAt <= since) {
    if (Date.now() > end) throw new Error('the printer received no cut within 10 s');
    await new Promise((r) => setImmediate(r));
  }
  return cutAt;
};

// ---------------------------------------------------------------- Guichet
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-bench-print-'));
const db = openDatabase(path.join(dir, 'data/guichet.sqlite'));
const store = createSqliteStore(db);
await seedDemoIfEmpty(store, systemClock);
// The demo's opening hours would make tickets depend on the hour the benchmark runs.
await store.sites.setOpeningHours((await store.sites.listAll())[0]!.id, {});
const receiptPrinter = (await store.printers.listAll()).find((p) => p.kind === 'receipt')!;
await store.printers.setUri(receiptPrinter.id, `tcp://127.0.0.1:${printer.port}`);
db.close();
const port = await freePort();
// The printer is a listener on loopback, which a server refuses unless told otherwise.
const server = await startServerIn(dir, port, { GUICHET_LOOPBACK_PRINTERS: '1' });
const guichet: number[] = [];
try {
  const target = { url: `http://127.0.0.1:${port}` } as TestServer;
  const managerToken = await login(target, 'manager', 'gestion', 'demoville-gestion');
  const kioskToken = await pairTerminal(target, managerToken, 'kiosk', 'Borne du hall');
  const kiosk = await connect(target, 'kiosk', kioskToken);
  for (let i = 0; i < warmup + tickets; i++) {
    const start = performance.now();
    const ack = await command(kiosk, 'ticket:take', { requestId: randomUUID(), service: 'titres', locale: 'fr' });
    if (!ack.ok) throw new Error(`ticket refused: ${ack.error.code}`);
    const end = await waitForCut(start);
    if (i >= warmup) guichet.push(end - start);
  }
  kiosk.disconnect();
} finally {
  server.proc.kill('SIGTERM');
  await server.exited;
  fs.rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- baseline: bytes straight to the printer
const bytes = encodeReceipt(
  ticketReceipt({
    label: 'T-001',
    serviceName: "Carte d'identité ou passeport",
    priority: false,
    peopleAhead: 3,
    day: '2026-11-23',
    issuedAt: new Date(),
    siteName: 'Mairie de Démoville',
    timezone: 'Europe/Paris',
    locale: 'fr',
    copy: 0
  })
);
const baseline: number[] = [];
for (let i = 0; i < warmup + tickets; i++) {
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect(printer.port, '127.0.0.1', () => socket.end(bytes, () => resolve()));
    socket.on('error', reject);
  });
  const end = await waitForCut(start);
  if (i >= warmup) baseline.push(end - start);
}
await printer.close();

// ---------------------------------------------------------------- A4 summary PDF
const procedure = loadCatalog(shippedCatalogDir).procedures.find((p) => p.id === 'carte-identite-passeport')!;
const site = {
  name: 'Mairie de Démoville',
  address: '1 place de la Mairie, 00000 Démoville',
  phone: '01 23 45 67 89',
  timezone: 'Europe/Paris',
  openingHours: {
    '1': [
      ['08:30', '12:00'],
      ['13:30', '17:00']
    ] as [string, string][]
  }
};
const pdfTimes: Record<string, number[]> = { fr: [], ar: [] };
for (const locale of ['fr', 'ar'] as const) {
  const doc = summaryDocument({
    procedure,
    answers: { titre: 'cni' },
    locale,
    site,
    reference: 'K7Q-3MX',
    agentName: 'Marie',
    at: new Date(),
    duplicate: false
  });
  for (let i = 0; i < 3 + pdfRuns; i++) {
    const start = performance.now();
    await renderSummaryPdf(doc);
    if (i >= 3) pdfTimes[locale]!.push(performance.now() - start);
  }
}

const p50 = percentile(guichet, 50);
const p95 = percentile(guichet, 95);
const pdfMs = percentile([...pdfTimes.fr!, ...pdfTimes.ar!], 50);
console.log(`bench print: ${tickets} tickets, one at a time, loopback`);
console.log(`  Guichet ticket    p50 ${p50.toFixed(2)} ms   p95 ${p95.toFixed(2)} ms   (take a ticket → cut at the printer)`);
console.log(
  `  bytes only        p50 ${percentile(baseline, 50).toFixed(2)} ms   p95 ${percentile(baseline, 95).toFixed(2)} ms   (same bytes, straight to the printer)`
);
console.log(
  `  A4 summary PDF    median ${pdfMs.toFixed(2)} ms   (fr ${percentile(pdfTimes.fr!, 50).toFixed(2)} ms, ar ${percentile(pdfTimes.ar!, 50).toFixed(2)} ms)`
);
console.log('  targets: ticket p95 < 150 ms, PDF < 150 ms');
console.log(
  `bench print: tickets=${tickets} ticket_p50_ms=${round(p50)} ticket_p95_ms=${round(p95)} ` +
    `baseline_p50_ms=${round(percentile(baseline, 50))} baseline_p95_ms=${round(percentile(baseline, 95))} pdf_ms=${round(pdfMs)}`
);
process.exit(0);
