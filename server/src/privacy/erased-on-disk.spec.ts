/**
 * Erased means gone from the disk, not just from the tables: after a citizen's session is erased
 * (by the manager, or by the retention purge) the database file, its WAL and shared-memory files
 * and every file of the data folder hold none of what was typed — not in free pages, not in old
 * WAL frames, not in a demo printer's PDF — and the console no longer shows its receipts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ok, openHall, rid, type Hall } from '../testing/hall';
import {
  command,
  connect,
  login,
  startTestServer,
  testCatalogDir,
  type TestClient,
  type TestServer
} from '../testing/test-server';
import { shippedCatalogDir } from '../procedures/catalog';

let server: TestServer;
let hall: Hall;
let manager: TestClient;

/** Unique per test, so a copy left by an earlier test can never make one pass or fail. */
let marker: string;

beforeEach(async () => {
  server = await startTestServer({}, { catalogDirs: [shippedCatalogDir, testCatalogDir] });
  // 10:00 in Paris, so "the end of the day" is hours away.
  server.clock.advance(Date.parse('2026-11-24T09:00:00Z') - server.clock.now().getTime());
  hall = await openHall(server, { procedureId: 'essai-saisies' });
  manager = await connect(server, 'manager', hall.managerToken);
  marker = `Zorglub-${rid().slice(0, 8)}`;
});
afterEach(async () => {
  await server.close();
});

/** Every file under the data folder (database, -wal, -shm, printer output…), read as bytes. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** Where the marker's bytes are on disk, and how many times (UTF-8, as SQLite stores our text). */
function copiesOnDisk(text: string): Record<string, number> {
  const needle = Buffer.from(text, 'utf8');
  const found: Record<string, number> = {};
  for (const file of filesUnder(server.dataDir)) {
    const bytes = fs.readFileSync(file);
    let count = 0;
    for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + 1)) count++;
    if (count > 0) found[path.relative(server.dataDir, file)] = count;
  }
  return found;
}

const pdfsOnDisk = () => filesUnder(server.dataDir).filter((f) => f.endsWith('.pdf'));
const receiptText = (receipt: { lines: { text: string }[]; qr: string[] }) =>
  [...receipt.lines.map((l) => l.text), ...receipt.qr].join('\n');

/**
 * A citizen types the marker in an ordinary and in a sensitive answer (edited a few times, so the
 * WAL holds many versions), Marie joins and writes a note with it, the summary prints as a receipt
 * and as A4 on the demo printers, and Marie ends the session.
 */
async function sessionWithMarker(): Promise<void> {
  for (const [i, suffix] of ['', '-bis', '-ter'].entries()) {
    ok(
      await command(hall.kiosk, 'session:patch', {
        sessionId: hall.session.id,
        patchId: rid(),
        ops: [
          { op: 'answer', stepId: 'nom', value: `${marker}${suffix}` },
          { op: 'answer', stepId: 'code-prive', value: `${marker}-code-${i}` }
        ]
      })
    );
  }
  const call = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }));
  ok(await command(hall.marie, 'call:accept', { callId: call.id }));
  ok(
    await command(hall.marie, 'session:patch', {
      sessionId: hall.session.id,
      patchId: rid(),
      ops: [{ op: 'note', text: `Note: ${marker} apporte son livret` }]
    })
  );
  const receipt = ok(
    await command(hall.kiosk, 'print:summary', { requestId: rid(), sessionId: hall.session.id, format: 'receipt' })
  );
  const a4 = ok(await command(hall.kiosk, 'print:summary', { requestId: rid(), sessionId: hall.session.id, format: 'a4' }));
  await server.app.services.printing.idle();
  expect((await server.store.printJobs.findById(receipt.id))?.status).toBe('printed');
  expect((await server.store.printJobs.findById(a4.id))?.status).toBe('printed');
  ok(await command(hall.marie, 'session:end', { sessionId: hall.session.id, reason: 'agent' }));

  // What the erase must remove is there now: on disk, in the console's list, as a PDF.
  expect(Object.keys(copiesOnDisk(marker)).length).toBeGreaterThan(0);
  const output = ok(await command(manager, 'printer:demo-output', {}));
  // The receipt prints choices only, never typed text: it is known by the session's reference.
  expect(output.receipts.some((r) => receiptText(r).includes(hall.session.reference))).toBe(true);
  expect(output.a4.map((f) => f.name)).toContain(`${a4.id}.pdf`);
  expect(pdfsOnDisk().map((f) => path.basename(f))).toContain(`${a4.id}.pdf`);
}

async function expectNothingLeft(): Promise<void> {
  expect(copiesOnDisk(marker)).toEqual({});
  expect(fs.statSync(`${server.config.databaseFile}-wal`).size).toBe(0);
  expect(pdfsOnDisk()).toEqual([]);
  // A fresh login: the morning's may have expired overnight.
  const console = await connect(server, 'manager', await login(server, 'manager', 'gestion', 'demoville-gestion'));
  const output = ok(await command(console, 'printer:demo-output', {}));
  expect(
    output.receipts.filter((r) => receiptText(r).includes(marker) || receiptText(r).includes(hall.session.reference))
  ).toEqual([]);
  expect(output.a4).toEqual([]);
  // The audit log keeps the reference, nothing of the contents.
  const audit = JSON.stringify(server.store.sqlite!.prepare('SELECT * FROM audit_log').all());
  expect(audit).toContain(hall.session.reference);
  expect(audit).not.toContain(marker);
}

describe('an erased session leaves nothing on disk', () => {
  it('after the manager erases it at the citizen’s request', async () => {
    await sessionWithMarker();
    expect(ok(await command(manager, 'session:erase', { reference: hall.session.reference }))).toEqual({
      reference: hall.session.reference
    });
    await expectNothingLeft();
  });

  it('after the retention purge', async () => {
    await sessionWithMarker();
    server.clock.advance(15 * 3600_000); // 01:00 the next day
    expect(await server.app.services.purgeSessions()).toBe(1);
    await expectNothingLeft();
  });

  it('another session’s printouts and answers stay', async () => {
    await sessionWithMarker();
    // A second citizen at the same kiosk, who prints an A4 summary too.
    const other = ok(await command(hall.kiosk, 'session:start', { requestId: rid(), locale: 'fr' }));
    ok(
      await command(hall.kiosk, 'session:patch', {
        sessionId: other.id,
        patchId: rid(),
        ops: [
          { op: 'open', procedureId: 'essai-saisies' },
          { op: 'answer', stepId: 'nom', value: 'Autre-Citoyen' }
        ]
      })
    );
    const kept = ok(await command(hall.kiosk, 'print:summary', { requestId: rid(), sessionId: other.id, format: 'a4' }));
    await server.app.services.printing.idle();
    ok(await command(manager, 'session:erase', { reference: hall.session.reference }));
    expect(copiesOnDisk(marker)).toEqual({});
    expect(pdfsOnDisk().map((f) => path.basename(f))).toEqual([`${kept.id}.pdf`]);
    expect((await server.store.sessions.findById(other.id))?.state.answers).toMatchObject({ nom: 'Autre-Citoyen' });
  });
});
