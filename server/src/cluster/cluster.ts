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
    start: async () => {},
    close: async () => {}
  };
}

export const globalLease = 'global';
const siteLease = (siteId: string) => `site:${siteId}`;

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

  async function round(): Promise<void> {
    const names = [globalLease, ...(await store.sites.listIds()).map(siteLease)];
    const sentAt = performance.now();
    const now = new Set(await store.leases.claim(nodeId, names, times.ttlMs));
    // A lease this node already trusted and still holds goes on; one that was not trusted (a round
    // that failed, or a new one) is taken now.
    const wasTrusted = performance.now() < trustedUntil ? held : new Set<string>();
    held = now;
    trustedUntil = sentAt + times.ttlMs - times.marginMs;
    const taken = [...now].filter((n) => n.startsWith('site:') && !wasTrusted.has(n)).map((n) => n.slice(5));
    if (taken.length > 0) await tell(taken);
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
