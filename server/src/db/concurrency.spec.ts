/**
 * Writes that arrive at the same moment, on both engines. On SQLite one command's transaction
 * keeps every other out until it ends; on PostgreSQL transactions truly run side by side (READ
 * COMMITTED), so what that exclusion guaranteed must rest on the database: the per-day ticket
 * counter's row, the unique index of open printer faults, locked manager rows, locked login
 * counters, the locked procedure row, the advisory lock of the first setup.
 *
 * On PostgreSQL (a real throwaway cluster, a fresh database per test) the two sides of each race
 * are held at a barrier inside their open transactions until both are there, so that they
 * overlap for certain; no outcome depends on timing. On SQLite the same commands are sent
 * together (a barrier inside two transactions could never be passed there: the second one waits
 * for the first to end).
 *
 * The test server does not run on PostgreSQL yet: the services are built here directly, over a
 * store made of the same repositories on the PostgreSQL executor.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors';
import type { AccountIdentity } from '../../../shared/identity';
import { readyStatus } from '../../../printers/status';
import { startPgCluster, type PgCluster } from '../../../scripts/pg-cluster';
import { createAccountsService } from '../accounts/accounts.service';
import { createLoginLimiter } from '../auth/login-limiter';
import { ManualClock } from '../clock';
import type { After } from '../events/after';
import { createPrintingService } from '../printing/printing.service';
import { createProceduresService } from '../procedures/procedures.service';
import { createQueueService } from '../queue/queue.service';
import { createSetupService } from '../setup/setup.service';
import { createSqliteStore, createStore, type Store } from '../store';
import { createTicketsService } from '../tickets/tickets.service';
import { openDatabase } from './database';
import { openStore } from './open-store';

const logger = pino({ level: 'silent' });
/** Nothing is printed nor broadcast here: what runs after an ack is dropped. */
const after: After = () => {};
const at = '2026-11-23T09:00:00.000Z';

describe.each(['sqlite', 'postgres'] as const)('concurrent writes on %s', (engine) => {
  let cluster: PgCluster | undefined;
  let admin: pg.Client | undefined;
  let databases = 0;
  let store: Store;
  let close: () => Promise<void>;
  let clock: ManualClock;
  let siteId: string;

  beforeAll(async () => {
    if (engine !== 'postgres') return;
    cluster = await startPgCluster({ durable: false });
    admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
  }, 60_000);
  afterAll(async () => {
    await admin?.end();
    await cluster?.stop();
  });

  beforeEach(async () => {
    clock = new ManualClock(at);
    if (engine === 'sqlite') {
      const db = openDatabase(':memory:');
      store = createSqliteStore(db);
      close = async () => {
        db.close();
      };
    } else {
      const name = `race_${++databases}`;
      await admin!.query(`CREATE DATABASE ${name}`);
      const url = new URL(cluster!.url);
      url.pathname = `/${name}`;
      const opened = await openStore({ databaseUrl: url.href, databaseFile: '', backupDir: '', backupsKept: 1 });
      store = createStore(opened.executor, null);
      close = () => opened.close();
    }
    siteId = randomUUID();
    await store.sites.insert({
      id: siteId,
      name: 'Mairie',
      address: '',
      phone: '',
      timezone: 'Europe/Paris',
      isDemo: false,
      createdAt: at
    });
  }, 30_000);
  afterEach(async () => {
    await close();
  });

  /**
   * Runs the commands at once. On PostgreSQL each runs inside a transaction of its own that first
   * waits until every other one is open too (the command's own transaction joins it): they overlap
   * whatever the scheduling. At most the pool's size (10) at a time.
   */
  function race<T>(commands: (() => Promise<T>)[]): Promise<PromiseSettledResult<T>[]> {
    if (engine === 'sqlite') return Promise.allSettled(commands.map((command) => command()));
    let arrived = 0;
    let release!: () => void;
    const everyone = new Promise<void>((resolve) => (release = resolve));
    return Promise.allSettled(
      commands.map((command) =>
        store.transaction(async () => {
          if (++arrived === commands.length) release();
          await everyone;
          return command();
        })
      )
    );
  }

  const fulfilled = <T>(results: PromiseSettledResult<T>[]) =>
    results.filter((r): r is PromiseFulfilledResult<T> => r.status === 'fulfilled').map((r) => r.value);
  const reasons = <T>(results: PromiseSettledResult<T>[]) =>
    results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  const codeOf = (reason: unknown) => (reason instanceof AppError ? reason.code : String(reason));

  function identity(account: { id: string; login: string; firstName: string }, role: 'agent' | 'manager'): AccountIdentity {
    return {
      kind: 'account',
      role,
      siteId,
      accountId: account.id,
      login: account.login,
      firstName: account.firstName,
      authSessionId: randomUUID(),
      expiresAt: '2026-11-24T09:00:00.000Z'
    };
  }

  async function manager(login: string) {
    const account = {
      id: randomUUID(),
      siteId,
      role: 'manager' as const,
      login,
      firstName: login,
      secretHash: 'x',
      active: true,
      createdAt: at
    };
    await store.accounts.insert(account);
    return identity(account, 'manager');
  }

  describe('ticket numbers', () => {
    function ticketsService() {
      const notifier = { queueCalled: () => {}, queueChanged: () => {}, printerStatus: () => {}, printJob: () => {} };
      const queue = createQueueService({ store, clock, notifier });
      const printing = createPrintingService({
        store,
        clock,
        logger,
        notifier,
        driverFor: (printer) => ({
          uri: printer.uri,
          kind: printer.kind,
          status: () => Promise.resolve(readyStatus),
          print: () => Promise.resolve(readyStatus)
        })
      });
      return { tickets: createTicketsService({ store, clock, printing, queue }), queue };
    }

    it('gives fifty takes of one service sent together the numbers 1 to 50, each once', async () => {
      await store.services.insert({ siteId, id: 'accueil', prefix: 'A', name: 'Accueil', position: 0 });
      const { tickets } = ticketsService();
      const desk = identity({ id: randomUUID(), login: 'marie', firstName: 'Marie' }, 'agent');
      // Fifty at once, more than the pool's connections: on PostgreSQL they queue for connections
      // and for the service's counter row, never for one another's numbers.
      const given = await Promise.all(
        Array.from({ length: 50 }, () =>
          tickets.issueAtDesk(desk, { requestId: randomUUID(), service: 'accueil', priority: false }, after)
        )
      );
      const stored = await Promise.all(given.map(async (t) => (await store.tickets.findById(t.id))!.number));
      expect(stored.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(new Set(given.map((t) => t.label)).size).toBe(50);
      // The next one follows on.
      const next = await tickets.issueAtDesk(desk, { requestId: randomUUID(), service: 'accueil', priority: false }, after);
      expect(next.label).toBe('A-051');
    }, 60_000);

    it('calls two waiting tickets to two counters pressing « next » at once, one each', async () => {
      await store.services.insert({ siteId, id: 'accueil', prefix: 'A', name: 'Accueil', position: 0 });
      for (const [i, name] of ['Guichet 1', 'Guichet 2'].entries()) {
        await store.counters.insert({ id: `g${i + 1}`, siteId, name, services: ['accueil'], position: i });
      }
      const { tickets, queue } = ticketsService();
      const desk = identity({ id: randomUUID(), login: 'marie', firstName: 'Marie' }, 'agent');
      for (let i = 0; i < 2; i++) {
        await tickets.issueAtDesk(desk, { requestId: randomUUID(), service: 'accueil', priority: false }, after);
      }
      const called = await race(['g1', 'g2'].map((counter) => () => queue.next(siteId, counter, randomUUID(), after)));
      expect(reasons(called)).toEqual([]);
      // Neither counter finds the other's ticket taken and calls no one.
      expect(
        fulfilled(called)
          .map((view) => view.current?.label)
          .sort()
      ).toEqual(['A-001', 'A-002']);
    });

    it('gives back the number of a take whose transaction fails, and restarts each day', async () => {
      const day = '2026-11-23';
      await expect(
        store.transaction(async () => {
          expect(await store.tickets.nextNumber(siteId, 'accueil', day)).toBe(1);
          throw new Error('the print job could not be stored');
        })
      ).rejects.toThrow('print job');
      expect(await store.transaction(() => store.tickets.nextNumber(siteId, 'accueil', day))).toBe(1);
      expect(await store.transaction(() => store.tickets.nextNumber(siteId, 'accueil', day))).toBe(2);
      expect(await store.transaction(() => store.tickets.nextNumber(siteId, 'etat-civil', day))).toBe(1);
      expect(await store.transaction(() => store.tickets.nextNumber(siteId, 'accueil', '2026-11-24'))).toBe(1);
      // The next day's expiry forgets the older days' counters, and only those.
      await store.tickets.expireBefore(siteId, '2026-11-24');
      expect(await store.transaction(() => store.tickets.nextNumber(siteId, 'accueil', day))).toBe(1);
      expect(await store.transaction(() => store.tickets.nextNumber(siteId, 'accueil', '2026-11-24'))).toBe(2);
    });
  });

  it('opens one fault for a printer however many reports of its outage arrive together', async () => {
    const printerId = randomUUID();
    await store.printers.insert({ id: printerId, siteId, terminalId: null, kind: 'receipt', name: 'Hall', uri: 'x' }, at);
    const opened = await race(
      Array.from({ length: 8 }, (_, i) => () => store.printerFaults.open(siteId, printerId, `fault ${i}`, at))
    );
    expect(reasons(opened)).toEqual([]);
    expect(fulfilled(opened).filter(Boolean)).toHaveLength(1);
    expect(await store.printerFaults.startedBetween(siteId, at, '2026-11-24T00:00:00.000Z')).toHaveLength(1);
    // Once it ended, the next outage opens a row again.
    expect(await store.printerFaults.close(printerId, '2026-11-23T09:05:00.000Z')).toBe(true);
    expect(await store.printerFaults.open(siteId, printerId, 'cover_open', '2026-11-23T09:10:00.000Z')).toBe(true);
    expect(await store.printerFaults.startedBetween(siteId, at, '2026-11-24T00:00:00.000Z')).toHaveLength(2);
  });

  function accountsService() {
    const limiter = createLoginLimiter({ repo: store.loginLimits, clock, transaction: store.transaction });
    return createAccountsService({
      store,
      clock,
      logger,
      loginsEnded: () => {},
      locks: {
        isLocked: (site, login) => limiter.isLocked(`${site}|${login}`),
        unlock: (site, login) => limiter.unlock(`${site}|${login}`)
      }
    });
  }

  it('keeps one active manager when the last two deactivate each other at once', async () => {
    const accounts = accountsService();
    const lea = await manager('lea');
    const tom = await manager('tom');
    const results = await race([
      () => accounts.update(lea, { accountId: tom.accountId, active: false }, after),
      () => accounts.update(tom, { accountId: lea.accountId, active: false }, after)
    ]);
    expect(fulfilled(results)).toHaveLength(1);
    expect(reasons(results).map(codeOf)).toEqual(['last_manager']);
    const active = (await store.accounts.listInSite(siteId)).filter((a) => a.role === 'manager' && a.active);
    expect(active).toHaveLength(1);
  });

  it('creates a login once when two managers create it at once, and says « taken » to the other', async () => {
    const accounts = accountsService();
    const lea = await manager('lea');
    const tom = await manager('tom');
    const input = (login: string) => ({ role: 'agent' as const, login, firstName: 'Marie', secret: '4821' });
    const created = await race([() => accounts.create(lea, input('marie')), () => accounts.create(tom, input('Marie'))]);
    expect(fulfilled(created)).toHaveLength(1);
    expect(reasons(created).map(codeOf)).toEqual(['login_taken']);
    expect((await store.accounts.listInSite(siteId)).filter((a) => a.role === 'agent')).toHaveLength(1);
  });

  it('checks no more logins than the limit when the last tries arrive together', async () => {
    const limiter = createLoginLimiter({ repo: store.loginLimits, clock, transaction: store.transaction });
    // Four of the five tries of one login from one address spent, one by one.
    for (let i = 0; i < 4; i++) expect((await limiter.consume('marie', '10.0.0.9')).ok).toBe(true);
    const tries = await race(Array.from({ length: 8 }, () => () => limiter.consume('marie', '10.0.0.9')));
    expect(reasons(tries)).toEqual([]);
    expect(fulfilled(tries).filter((t) => t.ok)).toHaveLength(1);
    const counter = await store.loginLimits.find('pair:marie|10.0.0.9');
    expect(counter?.points).toBe(5);
    expect(counter?.blockedUntil).not.toBeNull();
    // A correct secret given back at the same moment as failing tries of the same login (from
    // elsewhere): each point taken or given back is counted once.
    const right = await limiter.consume('karim', '10.0.0.1');
    if (!right.ok) throw new Error('the first try of karim was refused');
    const mixed = await race([
      () => limiter.succeeded(right),
      () => limiter.consume('karim', '10.0.0.2').then(() => undefined),
      () => limiter.consume('karim', '10.0.0.3').then(() => undefined)
    ]);
    expect(reasons(mixed)).toEqual([]);
    expect((await store.loginLimits.find('login:karim'))?.points).toBe(2);
  });

  describe('procedure versions', () => {
    function file(wording: string): string {
      return `id: essai-course
version: 1
service: essais
pictogram: documents
title: { fr: Essai ${wording}, en: Trial ${wording} }
summary: { fr: Pour les tests., en: For tests. }
steps:
  - id: motif
    kind: question
    type: one_choice
    label: { fr: Motif }
    choices:
      - { id: ${wording.toLowerCase()}, label: { fr: Choix ${wording} } }
      - { id: autre, label: { fr: Autre } }
  - id: fin
    kind: review
    title: { fr: Vérifiez }
    nextSteps: { fr: Allez au guichet ${wording}. }
`;
    }

    const procedures = () => createProceduresService({ store, clock, logger, seed: [], publishedChanged: () => {} });

    it('numbers two saves of a new procedure sent together 1 and 2', async () => {
      const service = procedures();
      const saved = await race([() => service.save(siteId, file('A'), 'Léa'), () => service.save(siteId, file('B'), 'Tom')]);
      expect(reasons(saved)).toEqual([]);
      expect(
        fulfilled(saved)
          .map((v) => v.version)
          .sort()
      ).toEqual([1, 2]);
      expect((await store.procedures.listInSite(siteId)).map((p) => p.id)).toEqual(['essai-course']);
    });

    it('numbers two saves of an existing procedure sent together apart', async () => {
      const service = procedures();
      await service.save(siteId, file('A'), 'Léa');
      const saved = await race([() => service.save(siteId, file('B'), 'Léa'), () => service.save(siteId, file('C'), 'Tom')]);
      expect(reasons(saved)).toEqual([]);
      expect(
        fulfilled(saved)
          .map((v) => v.version)
          .sort()
      ).toEqual([2, 3]);
      expect((await store.procedureVersions.latest(siteId, 'essai-course'))?.version).toBe(3);
    });
  });

  it('sets an installation up once when two first managers are sent together', async () => {
    // Two servers on one database (PostgreSQL), each with the code it printed. The secret is hashed
    // before the transaction opens, so the race is held at the start of each node's transaction:
    // each waits there until the other's is open too, then checks « no manager yet ».
    let open = 0;
    let bothOpen!: () => void;
    const meet = new Promise<void>((resolve) => (bothOpen = resolve));
    // The same store (read through its prototype: copying it would ask for its SQLite connection).
    const held: Store = Object.assign(Object.create(store) as Store, {
      transaction: <T>(fn: () => Promise<T> | T) =>
        store.transaction(async () => {
          if (++open === 2) bothOpen();
          await meet;
          return fn();
        })
    });
    const nodes = [0, 1].map(() =>
      createSetupService({ store: engine === 'postgres' ? held : store, clock, siteCreated: () => {} })
    );
    const codes = await Promise.all(nodes.map((node) => node.issueCode()));
    const form = (i: number) => ({
      code: codes[i]!,
      siteName: `Mairie ${i}`,
      timezone: 'Europe/Paris',
      login: `chef${i}`,
      firstName: 'Chef',
      password: 'un mot de passe assez long'
    });
    const done = await Promise.allSettled(nodes.map((node, i) => node.complete(form(i))));
    expect(fulfilled(done)).toHaveLength(1);
    expect(reasons(done).map(codeOf)).toEqual(['setup_done']);
    expect(await store.accounts.hasAnyManager()).toBe(true);
    const sites = (await store.sites.listAll()).filter((s) => s.id !== siteId);
    expect(sites).toHaveLength(1);
  });
});
