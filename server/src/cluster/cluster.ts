/**
 * Which node runs what must run once. On SQLite there is one process, which runs everything. On
 * PostgreSQL any number of identical nodes may share the database, behind a load balancer: each
 * serves any socket, but a site's printers, its calls' escalation and the purges must each be
 * driven by one node only (two nodes on one receipt printer would interleave two tickets). That
 * node holds the site's lease (`leases` table), renewed every `renewMs`; a node that dies stops
 * renewing, and another takes its sites once the lease has run out (`ttlMs`).
 *
 * A node trusts its lease until `ttlMs - marginMs` after it sent the renewal that the database
 * accepted (its own monotonic clock): by then it has stopped driving the site's printers, before
 * the database lets another node take the lease.
 *
 * The sites are shared out: each node also holds a lease of its own (`node:<id>`, renewed in the
 * same round as it claims sites, so a node whose rounds fail drops out), and takes free sites only
 * up to its share, ceil(sites / live nodes). A node holding more (it ran alone when the others
 * started) gives the excess back, as many as the others lack: it stops driving those sites, waits
 * for what is under way on them to end (`onSitesGiven`: a ticket half printed), and only then
 * deletes their leases, for the others to take at their next round. Between the two a given site
 * runs nowhere for up to `renewMs`: its escalation waits that long, its tickets stay queued.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Store } from '../store';

export interface Cluster {
  readonly nodeId: string;
  /** Several nodes may share the store (PostgreSQL): what runs once is led by leases. */
  readonly shared: boolean;
  /** Whether this node drives the site's printers, escalation and purge now. */
  ownsSite(siteId: string): boolean;
  /**
   * Takes the site's lease now if no node holds it (a site made a moment ago, before the next
   * round): answers whether this node holds it.
   */
  take(siteId: string): Promise<boolean>;
  /** Whether this node runs the jobs that are not a site's (token and login-counter purges). */
  ownsGlobal(): boolean;
  /** `fn` is told the sites this node has just taken (at start, or from a node that stopped). */
  onSitesTaken(fn: (siteIds: string[]) => Promise<void>): void;
  /**
   * `fn` is told the sites this node gives back to share them out, once it no longer owns them;
   * their leases are given back when it resolves (it waits for a print under way on them).
   */
  onSitesGiven(fn: (siteIds: string[]) => Promise<void>): void;
  /** Claims the leases a first time (resolved once that round is done), then every `renewMs`. */
  start(): Promise<void>;
  /** Stops renewing and gives the leases back, so another node takes them at once. */
  close(): Promise<void>;
}

/** One process owns the store: it runs everything, and takes every site when it starts. */
export function singleNode(nodeId: string): Cluster {
  return {
    nodeId,
    shared: false,
    ownsSite: () => true,
    take: async () => true,
    ownsGlobal: () => true,
    onSitesTaken: () => {},
    onSitesGiven: () => {},
    start: async () => {},
    close: async () => {}
  };
}

export const globalLease = 'global';
const siteLease = (siteId: string) => `site:${siteId}`;
const isSiteLease = (name: string) => name.startsWith('site:');
const siteOfLease = (name: string) => name.slice('site:'.length);
/** Held by each live node, whatever else it holds: how many nodes share the sites. */
const nodeLease = (nodeId: string) => `node:${nodeId}`;
const isNodeLease = (name: string) => name.startsWith('node:');

export interface LeaseTimes {
  /** How long a lease lasts once claimed or renewed. */
  ttlMs: number;
  /** How often a node renews its leases and claims those run out. */
  renewMs: number;
  /** Kept off the end of a lease: a node stops trusting it that long before it runs out. */
  marginMs: number;
}

/** A node dies: within `ttlMs + renewMs` (8 s) another has taken its sites. */
const defaultLeaseTimes: LeaseTimes = { ttlMs: 6000, renewMs: 2000, marginMs: 1000 };

export function createLeaseKeeper({
  store,
  nodeId,
  logger,
  times = defaultLeaseTimes
}: {
  store: Store;
  nodeId: string;
  logger: Logger;
  times?: LeaseTimes;
}): Cluster {
  let held = new Set<string>();
  /** Until when (performance.now()) the leases in `held` may be trusted. */
  let trustedUntil = 0;
  const listeners: ((siteIds: string[]) => Promise<void>)[] = [];
  const givenListeners: ((siteIds: string[]) => Promise<void>)[] = [];
  /** Leases being given back: no longer owned, not yet deleted, and not to be taken again meanwhile. */
  const giving = new Set<string>();
  let givingBack: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let closed = false;

  const holds = (name: string) => held.has(name) && performance.now() < trustedUntil;

  async function tell(taken: string[]): Promise<void> {
    logger.info({ node: nodeId, sites: taken.length }, 'sites taken');
    for (const fn of listeners) {
      try {
        await fn(taken);
      } catch (error) {
        logger.error({ err: error }, 'taking over sites failed');
      }
    }
  }

  /** Stops driving `names`, lets what is under way on them end, then deletes their leases. */
  async function giveBack(names: string[]): Promise<void> {
    for (const n of names) giving.add(n);
    held = new Set([...held].filter((n) => !giving.has(n)));
    logger.info({ node: nodeId, sites: names.length }, 'sites given back to share them out');
    try {
      for (const fn of givenListeners) {
        try {
          await fn(names.map(siteOfLease));
        } catch (error) {
          logger.error({ err: error }, 'giving sites back failed');
        }
      }
      await store.leases.release(nodeId, names);
    } finally {
      // Not renewed meanwhile: if the release failed, they run out by themselves.
      for (const n of names) giving.delete(n);
    }
  }

  /** How many of its sites this node should give back: above its share, as many as the others lack. */
  function excess(mine: number, share: number, holders: { name: string; nodeId: string }[], live: Set<string>): number {
    if (mine <= share || givingBack) return 0;
    const counts = new Map([...live].filter((n) => n !== nodeId).map((n) => [n, 0]));
    for (const h of holders) if (isSiteLease(h.name) && counts.has(h.nodeId)) counts.set(h.nodeId, counts.get(h.nodeId)! + 1);
    let lacking = 0;
    for (const count of counts.values()) lacking += Math.max(0, share - count);
    return Math.min(mine - share, lacking);
  }

  async function round(): Promise<void> {
    const siteNames = (await store.sites.listIds()).map(siteLease);
    const sentAt = performance.now();
    // What this node holds is renewed, and the global lease taken if free.
    const renewed = await store.leases.claim(nodeId, [globalLease, ...siteNames.filter((n) => held.has(n))], times.ttlMs);
    const holders = await store.leases.holders();
    const live = new Set([nodeId, ...holders.filter((h) => isNodeLease(h.name)).map((h) => h.nodeId)]);
    const share = Math.ceil(siteNames.length / live.size);
    const mine = renewed.filter(isSiteLease);
    const heldNow = new Set(holders.map((h) => h.name));
    const free = siteNames.filter((n) => !heldNow.has(n) && !giving.has(n)).slice(0, Math.max(0, share - mine.length));
    // This node's own lease goes with its claim of free sites: a node that cannot finish a round
    // stops counting as live, and its share goes to the others.
    const claimed = await store.leases.claim(nodeId, [nodeLease(nodeId), ...free], times.ttlMs);
    const now = new Set([...renewed, ...claimed]);
    // A lease this node already trusted and still holds goes on; one that was not trusted (a round
    // that failed, or a new one) is taken now.
    const wasTrusted = performance.now() < trustedUntil ? held : new Set<string>();
    held = now;
    trustedUntil = sentAt + times.ttlMs - times.marginMs;
    const taken = [...now].filter((n) => isSiteLease(n) && !wasTrusted.has(n)).map(siteOfLease);
    if (taken.length > 0) await tell(taken);
    const give = excess(mine.length, share, holders, live);
    if (give > 0 && !closed) {
      // The last ones by name: which ones does not matter, only that the choice is stable.
      const names = mine.sort().slice(-give);
      givingBack = giveBack(names)
        .catch((error: unknown) => logger.error({ err: error, node: nodeId }, 'giving sites back failed'))
        .finally(() => {
          givingBack = null;
        });
    }
  }

  const tick = () => {
    if (running || closed) return;
    running = round()
      .catch((error: unknown) => logger.error({ err: error, node: nodeId }, 'lease renewal failed'))
      .finally(() => {
        running = null;
      });
  };

  return {
    nodeId,
    shared: true,
    ownsSite: (siteId) => holds(siteLease(siteId)),
    async take(siteId) {
      const name = siteLease(siteId);
      if (holds(name)) return true;
      if (giving.has(name)) return false;
      // Within the leases already trusted: a new one lasts longer than they do from here.
      if (closed || performance.now() >= trustedUntil) return false;
      const got = (await store.leases.claim(nodeId, [name], times.ttlMs)).length > 0;
      if (got && !held.has(name)) {
        held = new Set([...held, name]);
        await tell([siteId]);
      }
      return got;
    },
    ownsGlobal: () => holds(globalLease),
    onSitesTaken: (fn) => void listeners.push(fn),
    onSitesGiven: (fn) => void givenListeners.push(fn),
    async start() {
      if (timer) return;
      tick();
      timer = setInterval(tick, times.renewMs);
      timer.unref();
      await running;
    },
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      await running;
      await givingBack;
      held = new Set();
      trustedUntil = 0;
      try {
        await store.leases.release(nodeId);
      } catch (error) {
        logger.warn({ err: error }, 'leases not given back: they run out by themselves');
      }
    }
  };
}
