/**
 * What `/metrics` says, in the Prometheus text format: the state of each site's hall right now
 * (terminals and tablets connected, calls ringing, tickets and print jobs waiting, printers by
 * state), the database's size on disk, and Node's own figures (event-loop lag, memory, CPU).
 *
 * Every Guichet figure is read when the scraper asks (a gauge's `collect`), from what the server
 * already keeps: nothing is counted on the way of a call or a ticket, so the hall never waits for
 * the metrics. Labels are the site's id and public name, the service, the terminal kind and the
 * printer state — never an agent: agents are not watched (principle 6), so tablets are a count.
 *
 * prom-client itself is loaded at the first scrape: a hall nobody scrapes does not hold it (with the
 * tracing API it brings, some 5 MB of an idle server's memory).
 */
import fs from 'node:fs';
import { sql } from 'kysely';
import type { Registry } from 'prom-client';
import { printerFaults } from '../../../shared/schemas/print';
import type { AgentConnections } from '../agents/agent-connections';
import type { PrintingService } from '../printing/printing.service';
import type { QueueService } from '../queue/queue.service';
import type { Site } from '../sites/sites.repository';
import type { Store } from '../store';
import type { TerminalPresence } from '../terminals/terminal-presence';

export interface MetricsDeps {
  store: Store;
  presence: TerminalPresence;
  connections: AgentConnections;
  queue: Pick<QueueService, 'waitingEverywhere'>;
  printing: Pick<PrintingService, 'printerStates'>;
  /** This node's open sockets by face (with several nodes, how the load balancer shares them). */
  socketsByFace: () => Record<'kiosk' | 'display' | 'agent' | 'manager', number>;
  /** The SQLite file; its `-wal` beside it (unused on PostgreSQL). */
  databaseFile: string;
  version: string;
}

/** A printer's state as a label: `unknown` until it was first asked, `ready`, or its fault. */
export const printerStates = ['ready', 'unknown', ...printerFaults] as const;

/** One server's figures in the text format, with the content type to send them under. */
export interface GuichetMetrics {
  read(): Promise<{ contentType: string; text: string }>;
}

type PromClient = typeof import('prom-client');

let processRegistry: Registry | null = null;

/**
 * Node's figures (event-loop lag, heap, CPU, handles) are the process's, whatever the number of
 * servers in it: collected once in a registry of their own, which each server's scrape merges.
 * Collecting them per server would start one more event-loop monitor and GC observer each time;
 * made at the first scrape, they cost nothing to a server nobody scrapes.
 */
function processMetrics({ Registry, collectDefaultMetrics }: PromClient): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

function fileBytes(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    // No WAL file between a truncating checkpoint and the next write: nothing on disk.
    return 0;
  }
}

/** The figures of one Guichet server: its own gauges over its store, and the process's figures. */
export function createGuichetMetrics(deps: MetricsDeps): GuichetMetrics {
  let registries: Promise<{ prom: PromClient; own: Registry }> | null = null;
  // Every gauge is per site: the list is read once per scrape, not once per gauge.
  let listing: Promise<Site[]> | null = null;
  const sites = () => (listing ??= deps.store.sites.listAll());
  return {
    async read() {
      registries ??= import('prom-client').then((prom) => ({ prom, own: serverGauges(prom, deps, sites) }));
      const { prom, own } = await registries;
      // A fresh merge per scrape: a dozen references, and each server keeps its own registry.
      const merged = prom.Registry.merge([processMetrics(prom), own]);
      listing = null;
      try {
        return { contentType: merged.contentType, text: await merged.metrics() };
      } finally {
        listing = null;
      }
    }
  };
}

/** This server's own gauges, in a registry of their own. */
function serverGauges({ Gauge, Registry }: PromClient, deps: MetricsDeps, sites: () => Promise<Site[]>): Registry {
  const { store, presence, connections, queue, printing } = deps;
  const own = new Registry();
  const registers = [own];

  new Gauge({
    name: 'guichet_build_info',
    help: 'The Guichet version this server runs (always 1).',
    labelNames: ['version'] as const,
    registers,
    collect() {
      this.reset();
      this.set({ version: deps.version }, 1);
    }
  });

  new Gauge({
    name: 'guichet_site_info',
    help: 'Each site by id, with its public name (always 1): join on `site` to show names.',
    labelNames: ['site', 'name'] as const,
    registers,
    async collect() {
      // Read first, then reset and set: a scrape never sees a gauge half filled.
      const all = await sites();
      this.reset();
      for (const site of all) this.set({ site: site.id, name: site.name }, 1);
    }
  });

  new Gauge({
    name: 'guichet_terminals_connected',
    help: 'Paired kiosks and hall displays with a live connection now, per site.',
    labelNames: ['site', 'kind'] as const,
    registers,
    async collect() {
      const [all, terminals] = await Promise.all([sites(), store.terminals.listActive()]);
      const online = terminals.filter((t) => presence.isOnline(t.id));
      this.reset();
      for (const site of all) {
        for (const kind of ['kiosk', 'display'] as const) this.set({ site: site.id, kind }, 0);
      }
      for (const t of online) if (t.kind === 'kiosk' || t.kind === 'display') this.inc({ site: t.siteId, kind: t.kind });
    }
  });

  new Gauge({
    name: 'guichet_node_sockets',
    help: 'Open socket.io connections on this node, by face (kiosk, display, agent, manager).',
    labelNames: ['face'] as const,
    registers,
    collect() {
      this.reset();
      for (const [face, n] of Object.entries(deps.socketsByFace())) this.set({ face }, n);
    }
  });

  new Gauge({
    name: 'guichet_agents_connected',
    help: "Agents' tablets connected now, per site (a count: no agent is named).",
    labelNames: ['site'] as const,
    registers,
    async collect() {
      const all = await sites();
      this.reset();
      for (const site of all) this.set({ site: site.id }, connections.connectedInSite(site.id).length);
    }
  });

  new Gauge({
    name: 'guichet_calls_ringing',
    help: 'Help calls from kiosks ringing now (not yet taken by an agent), per site.',
    labelNames: ['site'] as const,
    registers,
    async collect() {
      const [all, open] = await Promise.all([sites(), store.helpCalls.listOpen()]);
      this.reset();
      for (const site of all) this.set({ site: site.id }, 0);
      for (const call of open) if (call.status === 'ringing') this.inc({ site: call.siteId });
    }
  });

  new Gauge({
    name: 'guichet_tickets_waiting',
    help: "Today's queue tickets waiting to be called, per site and service.",
    labelNames: ['site', 'service'] as const,
    registers,
    async collect() {
      const waiting = await queue.waitingEverywhere(await sites());
      this.reset();
      for (const [site, service, n] of waiting) this.set({ site, service }, n);
    }
  });

  new Gauge({
    name: 'guichet_printers',
    help: 'Printers per site and last known state (ready, unknown: not asked yet, or the fault).',
    labelNames: ['site', 'state'] as const,
    registers,
    async collect() {
      const [all, printers] = await Promise.all([sites(), printing.printerStates()]);
      const perSite = new Map(all.map((site) => [site.id, new Map<string, number>(printerStates.map((state) => [state, 0]))]));
      for (const { siteId, state } of printers) {
        const counts = perSite.get(siteId);
        counts?.set(state, (counts.get(state) ?? 0) + 1);
      }
      this.reset();
      for (const [site, counts] of perSite) {
        for (const [state, n] of counts) this.set({ site, state }, n);
      }
    }
  });

  new Gauge({
    name: 'guichet_print_jobs_waiting',
    help: 'Print jobs not printed yet (queued, or waiting for their printer), per site.',
    labelNames: ['site'] as const,
    registers,
    async collect() {
      const pending = await store.printJobs.pendingCountsBySite();
      const all = await sites();
      this.reset();
      for (const site of all) this.set({ site: site.id }, pending.get(site.id) ?? 0);
    }
  });

  new Gauge({
    name: 'guichet_database_bytes',
    help: 'Size on disk of the database: on SQLite its main file and its write-ahead log (wal); on PostgreSQL the whole database (main).',
    labelNames: ['file'] as const,
    registers,
    async collect() {
      this.reset();
      if (deps.store.engine === 'postgres') {
        // The server's own account of its files; the WAL is the cluster's, shared with other databases.
        const { rows } = await sql<{ bytes: number }>`SELECT pg_database_size(current_database()) AS bytes`.execute(
          deps.store.executor.db()
        );
        this.set({ file: 'main' }, Number(rows[0]?.bytes ?? 0));
        return;
      }
      this.set({ file: 'main' }, fileBytes(deps.databaseFile));
      this.set({ file: 'wal' }, fileBytes(`${deps.databaseFile}-wal`));
    }
  });

  return own;
}
