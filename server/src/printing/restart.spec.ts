/**
 * A ticket waiting for a printer survives the server being killed (SIGKILL): after a restart on the
 * same data, the stored job prints once, when the printer can, with the same number. The printer
 * is a protocol-level ESC/POS listener in this test's process, named by the site's printer URI.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { systemClock } from '../clock';
import { openDatabase } from '../db/database';
import { seedDemoIfEmpty } from '../demo/seed-demo';
import { createSqliteStore } from '../store';
import { startVirtualPrinter, type VirtualPrinter } from '../../../printers/virtual-printer';
import { ok, rid } from '../testing/hall';
import { freePort, startServerIn, waitFor } from '../testing/processes';
import { command, connect, login, pairTerminal, type TestServer } from '../testing/test-server';

let dir: string;
let child: ChildProcess | null = null;
let printer: VirtualPrinter;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-print-restart-'));
  printer = await startVirtualPrinter({ state: { paperEnd: true } });
  const db = openDatabase(path.join(dir, 'data/guichet.sqlite'));
  const store = createSqliteStore(db);
  await seedDemoIfEmpty(store, systemClock);
  // The demo's opening hours would make tickets depend on the hour the test runs.
  await store.sites.setOpeningHours((await store.sites.listAll())[0]!.id, {});
  const receipt = (await store.printers.listAll()).find((p) => p.kind === 'receipt')!;
  await store.printers.setUri(receipt.id, `tcp://127.0.0.1:${printer.port}`);
  db.close();
});
afterEach(async () => {
  child?.kill('SIGKILL');
  child = null;
  await printer.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startServer(port: number): Promise<void> {
  // The printer is a listener on loopback, which a server refuses unless told otherwise.
  child = (await startServerIn(dir, port, { GUICHET_LOOPBACK_PRINTERS: '1' })).proc;
}

it('a ticket waiting for paper is printed once after the server was killed and restarted', async () => {
  const port = await freePort();
  const server = { url: `http://127.0.0.1:${port}` } as TestServer;
  await startServer(port);
  const managerToken = await login(server, 'manager', 'gestion', 'demoville-gestion');
  const kioskToken = await pairTerminal(server, managerToken, 'kiosk', 'Borne du hall');
  const kiosk = await connect(server, 'kiosk', kioskToken);
  const ticket = ok(await command(kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' }));
  expect(ticket.label).toBe('T-001');
  // The server asked the printer, learnt it has no paper, and kept the job.
  await waitFor(() => printer.connections().some((c) => c.statusRequests.length > 0), 10_000);
  expect(printer.jobs()).toHaveLength(0);
  kiosk.disconnect();

  await new Promise<void>((resolve) => {
    child!.once('exit', () => resolve());
    child!.kill('SIGKILL');
  });
  printer.setState({ paperEnd: false });
  await startServer(port);
  await waitFor(() => printer.receipts().some((r) => r.cut !== null), 20_000);
  // A later ticket on the same printer goes out after every job due before it: once it is out, a
  // second T-001 (or a copy of it) would have been too.
  const kioskAgain = await connect(server, 'kiosk', kioskToken);
  const next = ok(await command(kioskAgain, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' }));
  expect(next.label).toBe('T-002');
  const texts = () =>
    printer
      .receipts()
      .filter((r) => r.cut !== null)
      .map((r) => r.lines.map((l) => (l.kind === 'text' ? l.text : '')).join('\n'));
  await waitFor(() => texts().some((t) => t.includes('T-002')), 20_000);
  const printed = texts();
  expect(printed).toHaveLength(2);
  expect(printed[0]).toContain('T-001');
  expect(printed[0]).not.toContain('DUPLICATA');
  expect(printed[1]).toContain('T-002');
  // And the server keeps no other job for it: no copy waits for a later try.
  const manager = await connect(server, 'manager', managerToken);
  await expect
    .poll(
      async () =>
        ok(await command(manager, 'print:jobs', {}))
          .map((j) => `${j.ticketLabel} ${j.copy} ${j.status}`)
          .sort(),
      {
        timeout: 10_000
      }
    )
    .toEqual(['T-001 0 printed', 'T-002 0 printed']);
});
