/**
 * Takes and calls that arrive together, now that each one awaits the store: the day's numbers
 * stay one each and in order, a replay sent while its first is still being written gives the same
 * ticket, and no ticket is called to two counters nor twice by a replayed `counter:next`.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountIdentity } from '../../../shared/identity';
import { readyStatus } from '../../../printers/status';
import { ManualClock } from '../clock';
import { openDatabase, type Db } from '../db/database';
import { seedDemoIfEmpty } from '../demo/seed-demo';
import type { After } from '../events/after';
import { createPrintingService } from '../printing/printing.service';
import { createQueueService, type QueueService } from '../queue/queue.service';
import { createSqliteStore, type Store } from '../store';
import { createTicketsService, type TicketsService } from './tickets.service';

let db: Db;
let store: Store;
let queue: QueueService;
let tickets: TicketsService;
let agent: AccountIdentity;
/** Nothing is printed nor broadcast here: what runs after an ack is dropped. */
const after: After = () => {};

beforeEach(async () => {
  db = openDatabase(':memory:');
  store = createSqliteStore(db);
  const clock = new ManualClock('2026-11-23T09:00:00Z');
  await seedDemoIfEmpty(store, clock);
  const site = (await store.sites.listAll())[0]!;
  const notifier = { queueCalled: () => {}, queueChanged: () => {}, printerStatus: () => {}, printJob: () => {} };
  queue = createQueueService({ store, clock, notifier });
  await queue.ensureServices(site.id, []);
  const printing = createPrintingService({
    store,
    clock,
    logger: pino({ level: 'silent' }),
    notifier,
    driverFor: (printer) => ({
      uri: printer.uri,
      kind: printer.kind,
      status: () => Promise.resolve(readyStatus),
      print: () => Promise.resolve(readyStatus)
    })
  });
  tickets = createTicketsService({ store, clock, printing, queue });
  agent = {
    kind: 'account',
    role: 'agent',
    siteId: site.id,
    accountId: randomUUID(),
    login: 'marie',
    firstName: 'Marie',
    authSessionId: randomUUID(),
    expiresAt: '2026-11-24T09:00:00Z'
  };
});
afterEach(() => db.close());

const give = (requestId = randomUUID()) => tickets.issueAtDesk(agent, { requestId, service: 'accueil', priority: false }, after);

describe('takes and calls at the same moment', () => {
  it('gives thirty takes sent together thirty numbers, one each, in order', async () => {
    const given = await Promise.all(Array.from({ length: 30 }, () => give()));
    const labels = given.map((t) => t.label).sort();
    expect(labels).toEqual(Array.from({ length: 30 }, (_, i) => `A-${String(i + 1).padStart(3, '0')}`));
  });

  it('answers a replay sent while the first take is written with the same ticket', async () => {
    const requestId = randomUUID();
    const [first, replay] = await Promise.all([give(requestId), give(requestId)]);
    expect(replay.id).toBe(first.id);
    expect(db.prepare('SELECT COUNT(*) FROM tickets').pluck().get()).toBe(1);
  });

  it('calls a ticket to one counter only, and once for a replayed next', async () => {
    const counters = (await store.counters.listInSite(agent.siteId)).filter((c) => c.services.includes('accueil'));
    expect(counters.length).toBeGreaterThanOrEqual(2);
    const [one, two] = counters;
    await give();
    const views = await Promise.all([
      queue.next(agent.siteId, one!.id, 'r1', after),
      queue.next(agent.siteId, two!.id, 'r2', after)
    ]);
    expect(views.filter((v) => v.current?.label === 'A-001')).toHaveLength(1);

    await give();
    await give();
    const replayed = await Promise.all([
      queue.next(agent.siteId, one!.id, 'r3', after),
      queue.next(agent.siteId, one!.id, 'r3', after)
    ]);
    expect(replayed[1].current?.id).toBe(replayed[0].current?.id);
    const statuses = db.prepare("SELECT label, status FROM tickets WHERE label != 'A-001' ORDER BY number").all();
    expect(statuses).toEqual([
      { label: 'A-002', status: 'called' },
      { label: 'A-003', status: 'waiting' }
    ]);
  });
});
