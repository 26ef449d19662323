/**
 * Leases on a real PostgreSQL: two nodes claiming the same sites at once get one holder each; a
 * node that stops cleanly hands its sites over at once; one that can no longer reach the database
 * stops trusting its leases before the other node can take them, so a site's printers are never
 * driven by both.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startPgCluster, type PgCluster } from '../../../scripts/pg-cluster';
import { systemClock } from '../clock';
import { parseConfig } from '../config';
import { openStore } from '../db/open-store';
import { seedDemoIfEmpty } from '../demo/seed-demo';
import { createLogger } from '../logger';
import { createStore, type Store } from '../store';
import { createLeaseKeeper, globalLease, type Cluster, type LeaseTimes } from './cluster';

let cluster: PgCluster;
const closers: (() => Promise<void>)[] = [];
const logger = createLogger('silent');
/** Short, so the spec does not wait for the real 6 s; the order between them is what matters. */
const times: LeaseTimes = { ttlMs: 1200, renewMs: 300, marginMs: 300 };

beforeAll(async () => {
  cluster = await startPgCluster({ durable: false });
  const first = await connect();
  await seedDemoIfEmpty(first, systemClock);
}, 60_000);
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await cluster?.stop();
});

/** A connection of its own, as each node has. */
async function connect(): Promise<Store> {
  const opened = await openStore(parseConfig({ GUICHET_DATABASE_URL: cluster.url, GUICHET_DATA_DIR: '/nonexistent' }));
  let closed = false;
  closers.push(async () => {
    if (!closed) await opened.close();
  });
  const store = createStore(opened.executor, null);
  return Object.assign(store, {
    close: async () => {
      closed = true;
      await opened.close();
    }
  });
}

/** Each test's keepers stop at its end: the next one starts with every lease free. */
const keepers: Cluster[] = [];
afterEach(async () => {
  for (const keeper of keepers.splice(0)) await keeper.close();
});

async function node(nodeId: string): Promise<{ keeper: Cluster; store: Store & { close(): Promise<void> } }> {
  const store = (await connect()) as Store & { close(): Promise<void> };
  const keeper = createLeaseKeeper({ store, nodeId, logger, times });
  keepers.push(keeper);
  return { keeper, store };
}

/** The leases of sites and the global one (each node also holds one naming itself). */
const runLeases = (holders: { name: string; nodeId: string }[]) => holders.filter((h) => !h.name.startsWith('node:'));

it('one holder per lease; a clean stop hands over at once; a cut-off node stops trusting before another takes over', async () => {
  const a = await node('a');
  const b = await node('b');
  const [siteId] = await a.store.sites.listIds();
  // Both claim at the same moment: each lease goes to one of them.
  await Promise.all([a.keeper.start(), b.keeper.start()]);
  const holders = runLeases(await a.store.leases.holders());
  expect(holders.map((h) => h.name).sort()).toEqual([globalLease, `site:${siteId}`].sort());
  for (const h of holders) {
    const keeper = h.nodeId === 'a' ? a.keeper : b.keeper;
    const other = h.nodeId === 'a' ? b.keeper : a.keeper;
    if (h.name === globalLease) expect([keeper.ownsGlobal(), other.ownsGlobal()]).toEqual([true, false]);
    else expect([keeper.ownsSite(siteId!), other.ownsSite(siteId!)]).toEqual([true, false]);
  }

  // The holder of the site stops cleanly: its leases are given back and the other takes them at
  // its next round.
  const holder = holders.find((h) => h.name === `site:${siteId}`)!.nodeId === 'a' ? a : b;
  const survivor = holder === a ? b : a;
  await holder.keeper.close();
  expect(holder.keeper.ownsSite(siteId!)).toBe(false);
  await expect.poll(() => survivor.keeper.ownsSite(siteId!)).toBe(true);
  expect(survivor.keeper.ownsGlobal()).toBe(true);

  // A third node joins; then the survivor loses the database (its connection ends, its renewals
  // fail). The newcomer takes the site only once the lease has run out, and by then the cut-off
  // node no longer trusts it: at no moment do both drive the site.
  const c = await node('c');
  await c.keeper.start();
  expect(c.keeper.ownsSite(siteId!)).toBe(false);
  await survivor.store.close();
  let both = false;
  await expect
    .poll(
      () => {
        if (survivor.keeper.ownsSite(siteId!) && c.keeper.ownsSite(siteId!)) both = true;
        return c.keeper.ownsSite(siteId!);
      },
      { interval: 20, timeout: 10_000 }
    )
    .toBe(true);
  expect(both).toBe(false);
  expect(survivor.keeper.ownsSite(siteId!)).toBe(false);
  expect(runLeases(await c.store.leases.holders()).map((h) => h.nodeId)).toEqual(['c', 'c']);
}, 60_000);

it('a site made after the last round is free until the next: the first node that needs it takes it, the other cannot', async () => {
  const d = await node('d');
  const e = await node('e');
  await Promise.all([d.keeper.start(), e.keeper.start()]);
  const siteId = randomUUID();
  await d.store.sites.insert({
    id: siteId,
    name: 'Mairie annexe',
    address: '',
    phone: '',
    timezone: 'Europe/Paris',
    isDemo: false,
    createdAt: new Date().toISOString()
  });
  const [first, second] = await Promise.all([d.keeper.take(siteId), e.keeper.take(siteId)]);
  expect([first, second].sort()).toEqual([false, true]);
  const taker = first ? d.keeper : e.keeper;
  const other = first ? e.keeper : d.keeper;
  expect([taker.ownsSite(siteId), other.ownsSite(siteId)]).toEqual([true, false]);
  expect(await taker.take(siteId)).toBe(true);
  expect(await other.take(siteId)).toBe(false);
});

it('shares the sites out: a node alone holds them all, gives the excess to nodes that join, never a site to two at once', async () => {
  const f = await node('f');
  for (let i = 0; i < 5; i++) {
    await f.store.sites.insert({
      id: randomUUID(),
      name: `Mairie déléguée ${i + 1}`,
      address: '',
      phone: '',
      timezone: 'Europe/Paris',
      isDemo: false,
      createdAt: new Date().toISOString()
    });
  }
  const siteIds = await f.store.sites.listIds();
  // When a node is told what it gives back, it no longer owns those sites but still holds their
  // leases: nobody else can have taken them while its last ticket prints.
  const given: { owned: boolean; stillHeld: boolean }[] = [];
  f.keeper.onSitesGiven(async (ids) => {
    const holders = await f.store.leases.holders();
    for (const id of ids) {
      given.push({
        owned: f.keeper.ownsSite(id),
        stillHeld: holders.some((h) => h.name === `site:${id}` && h.nodeId === 'f')
      });
    }
  });
  await f.keeper.start();
  expect(siteIds.filter((id) => f.keeper.ownsSite(id))).toHaveLength(siteIds.length);

  let both = 0;
  const owned = (keepers: Cluster[]) => keepers.map((k) => siteIds.filter((id) => k.ownsSite(id)).length);
  /** Polls until every site has one owner among `keepers`, none above its share; counts doubles. */
  const shared = async (running: Cluster[]) => {
    const share = Math.ceil(siteIds.length / running.length);
    await expect
      .poll(
        () => {
          both += siteIds.filter((id) => running.filter((k) => k.ownsSite(id)).length > 1).length;
          const counts = owned(running);
          return counts.reduce((a, b) => a + b) === siteIds.length && counts.every((n) => n <= share && n > 0);
        },
        { interval: 20, timeout: 10_000 }
      )
      .toBe(true);
  };

  const g = await node('g');
  await g.keeper.start();
  await shared([f.keeper, g.keeper]);
  expect(given.length).toBeGreaterThan(0);
  expect(given.every((x) => !x.owned && x.stillHeld)).toBe(true);

  const h = await node('h');
  await h.keeper.start();
  await shared([f.keeper, g.keeper, h.keeper]);

  // A node that stops: the two left share its sites.
  await g.keeper.close();
  await shared([f.keeper, h.keeper]);
  expect(both).toBe(0);
  expect(owned([g.keeper])).toEqual([0]);
}, 60_000);
