/**
 * The queue at the counters: a counter calls the next ticket (the priority rule decides which),
 * calls it again, marks it absent or done, transfers it to another service or counter keeping its
 * number, or calls one ticket out of order. Every call is numbered (`ticket_calls`) and sent to the
 * site: the display announces it, and catches up from the store after a reconnect. A counter's
 * current ticket is the one stored as 'called' there, so a restart keeps it. Nothing names an agent.
 */
import { AppError } from '../../../shared/errors';
import { randomUUID } from 'node:crypto';
import { isClosedDay, isOpen, localDate } from '../../../shared/opening-hours';
import { localize } from '../../../shared/procedures/answers';
import type { Procedure } from '../../../shared/procedures/schema';
import type { CallView, CounterView, DisplayState, QueueState, ServiceCount, ServiceView } from '../../../shared/schemas/queue';
import type { Clock } from '../clock';
import type { After } from '../events/after';
import { createKeyedLock } from '../keyed-lock';
import type { Store } from '../store';
import type { Ticket } from '../tickets/tickets.repository';
import type { Counter } from './counters.repository';
import type { Service } from './services.repository';
import type { Site } from '../sites/sites.repository';
import { defaultTimeZone } from '../../../shared/calendar';
import type { OpeningHours } from '../../../shared/schemas/site';
import { nextStreak, pickNext, type ServiceHeads } from './next-ticket';
import { createHourlyDurations } from './hourly-durations';
import type { TicketCall } from './ticket-calls.repository';

/** The reception desk: for whoever has no procedure, or was not answered by a call. */
const receptionService = 'accueil';
const recentCalls = 12;

export interface QueueNotifier {
  queueCalled(siteId: string, call: CallView): void;
  queueChanged(
    siteId: string,
    source: { state(siteId: string): Promise<QueueState>; counts(siteId: string): Promise<ServiceCount[]> },
    listChanged?: boolean
  ): void;
}

export type QueueService = ReturnType<typeof createQueueService>;

export function createQueueService({ store, clock, notifier }: { store: Store; clock: Clock; notifier: QueueNotifier }) {
  async function today(siteId: string): Promise<string> {
    const site = await store.sites.findById(siteId);
    return localDate(clock.now(), site?.timezone ?? defaultTimeZone);
  }

  /**
   * A service is open by its own hours, or the site's when it has none (none at all: always); on
   * one of the site's closed days, nothing is open.
   */
  function isServiceOpen(service: Service, site: Site | null): boolean {
    const timezone = site?.timezone ?? defaultTimeZone;
    if (site && isClosedDay(site.closedDays, clock.now(), timezone)) return false;
    const hours = Object.keys(service.openingHours).length > 0 ? service.openingHours : (site?.openingHours ?? {});
    return Object.keys(hours).length === 0 || isOpen(hours, clock.now(), timezone);
  }

  async function serviceViews(siteId: string): Promise<ServiceView[]> {
    const counts = await store.tickets.waitingCounts(siteId, await today(siteId));
    const site = await store.sites.findById(siteId);
    return (await store.services.listInSite(siteId)).map((s) => ({
      id: s.id,
      prefix: s.prefix,
      name: s.name,
      waiting: counts.get(s.id)?.waiting ?? 0,
      priorityWaiting: counts.get(s.id)?.priority ?? 0,
      openingHours: s.openingHours,
      open: isServiceOpen(s, site)
    }));
  }

  /** The terminals' share of the queue: counts and whether each service is open, nothing else. */
  async function counts(siteId: string): Promise<ServiceCount[]> {
    return (await serviceViews(siteId)).map(({ id, waiting, priorityWaiting, open }) => ({ id, waiting, priorityWaiting, open }));
  }

  function counterViewOf(counter: Counter, current: Ticket | null): CounterView {
    return {
      id: counter.id,
      name: counter.name,
      services: counter.services,
      current: current
        ? {
            id: current.id,
            label: current.label,
            service: current.service,
            priority: current.priority,
            calledAt: current.calledAt ?? ''
          }
        : null
    };
  }

  async function counterView(counter: Counter): Promise<CounterView> {
    return counterViewOf(counter, await store.tickets.currentAt(counter.id));
  }

  async function state(siteId: string): Promise<QueueState> {
    const site = await store.sites.findById(siteId);
    // One query for every counter's current ticket, not one per counter.
    const current = await store.tickets.currentInSite(siteId);
    const services = await serviceViews(siteId);
    return {
      services,
      counters: (await store.counters.listInSite(siteId)).map((c) => counterViewOf(c, current.get(c.id) ?? null)),
      priorityEvery: site?.priorityEvery ?? 2
    };
  }

  async function callView(call: TicketCall): Promise<CallView> {
    const ticket = await store.tickets.findById(call.ticketId);
    const service = ticket ? await store.services.find(call.siteId, ticket.queueService) : null;
    return {
      seq: call.seq,
      ticketId: call.ticketId,
      label: ticket?.label ?? '',
      service: ticket?.queueService ?? '',
      serviceName: service?.name ?? ticket?.queueService ?? '',
      counterName: call.counterName,
      recall: call.recall,
      at: call.at
    };
  }

  async function counterAt(siteId: string, counterId: string): Promise<Counter> {
    const counter = await store.counters.findById(counterId);
    // Another site's counter is "not found": its existence is not ours to reveal.
    if (!counter || counter.siteId !== siteId) throw new AppError('not_found', `No counter ${counterId} at this site`);
    return counter;
  }

  async function currentAt(counter: Counter): Promise<Ticket> {
    const current = await store.tickets.currentAt(counter.id);
    if (!current) throw new AppError('not_found', `${counter.name} has no ticket called`);
    return current;
  }

  function announce(counter: Counter, ticket: Ticket, recall: boolean): Promise<TicketCall> {
    return store.ticketCalls.add({
      siteId: counter.siteId,
      ticketId: ticket.id,
      counterId: counter.id,
      counterName: counter.name,
      recall,
      at: clock.now().toISOString()
    });
  }

  /** Each service's times at the counter at this hour, for the kiosk's wait (see hourly-durations.ts). */
  const serviceTimes = createHourlyDurations({
    clock,
    load: async (key, from, to) => {
      const [siteId = '', service = ''] = key.split('\u0000');
      return (await store.tickets.serviceSeconds(siteId, service, from, to)).map((t) => ({ at: t.calledAt, seconds: t.seconds }));
    }
  });
  const serviceTimesKey = (siteId: string, service: string) => `${siteId}\u0000${service}`;

  /** Done with a ticket: a finished one adds its time at the counter to its service's. */
  async function closeTicket(ticket: Ticket, status: 'done' | 'absent'): Promise<void> {
    const at = clock.now().toISOString();
    // In a transaction (the caller's, or its own), the time is counted as the close commits: a
    // rolled-back `next` leaves the figures as they were, and no read of the hour can see the
    // closed ticket before it is counted (it would be counted twice).
    await store.transaction(async () => {
      if (!(await store.tickets.close(ticket.id, status, at)) || status !== 'done' || !ticket.calledAt) return;
      const calledAt = ticket.calledAt;
      const timezone = (await store.sites.findById(ticket.siteId))?.timezone ?? defaultTimeZone;
      store.executor.afterCommit(() =>
        serviceTimes.add(serviceTimesKey(ticket.siteId, ticket.queueService), timezone, {
          at: calledAt,
          seconds: (Date.parse(at) - Date.parse(calledAt)) / 1000
        })
      );
    });
  }

  /** Done with the counter's current ticket, if any, before it calls another. */
  async function closeCurrent(counter: Counter, status: 'done' | 'absent'): Promise<void> {
    const current = await store.tickets.currentAt(counter.id);
    if (current) await closeTicket(current, status);
  }

  /**
   * A counter's commands one at a time: each reads the counter's current ticket, then closes,
   * calls or moves it, and a second one in between (a double tap, a replayed `counter:next`) would
   * act on what the first is about to change.
   */
  const counterLock = createKeyedLock();

  /**
   * After the ack, a call is announced at once (each one is said aloud); the queue itself goes out
   * coalesced, built when it is sent, so a burst of changes costs one state and one broadcast per room.
   * `view`: the call, built while the ticket is as the command left it.
   */
  function publish(siteId: string, view: CallView | null, after: After, listChanged = false): void {
    after(() => {
      if (view) notifier.queueCalled(siteId, view);
      notifier.queueChanged(siteId, { state, counts }, listChanged);
    });
  }

  /**
   * Today's waiting tickets of every service of these sites (each in its own time zone), in three
   * reads whatever the number of sites: what /metrics shows.
   */
  async function waitingEverywhere(sites: readonly { id: string; timezone: string }[]): Promise<[string, string, number][]> {
    const now = clock.now();
    const today = new Map(sites.map((s) => [s.id, localDate(now, s.timezone)]));
    const counts = new Map<string, number>();
    for (const row of await store.tickets.waitingCountsIn([...today.keys()])) {
      if (today.get(row.siteId) === row.day) counts.set(`${row.siteId} ${row.service}`, row.waiting);
    }
    return (await store.services.listAll())
      .filter((s) => today.has(s.siteId))
      .map((s) => [s.siteId, s.id, counts.get(`${s.siteId} ${s.id}`) ?? 0]);
  }

  return {
    state,
    serviceViews,
    waitingEverywhere,
    /** The hour's sorted service times of a site's service (seconds). */
    serviceTimes(siteId: string, service: string, timezone: string): Promise<readonly number[]> {
      return serviceTimes.sorted(serviceTimesKey(siteId, service), timezone);
    },
    counts,

    /** Refuses a ticket for a service closed now (the kiosk; an agent at the desk may still give one). */
    async assertOpen(siteId: string, serviceId: string): Promise<void> {
      const service = await store.services.find(siteId, serviceId);
      if (service && !isServiceOpen(service, await store.sites.findById(siteId))) {
        throw new AppError('service_closed', `${service.name} is closed now`);
      }
    },

    /** The manager adds or changes a service. Its letter must be free: numbers must not collide. */
    async saveService(
      siteId: string,
      input: { id: string; prefix: string; name: string; openingHours: OpeningHours },
      after: After
    ): Promise<ServiceView> {
      // The letter checked and written together: two managers cannot both take the same one.
      await store.transaction(async () => {
        const services = await store.services.listInSite(siteId);
        const taken = services.find((s) => s.prefix === input.prefix && s.id !== input.id);
        if (taken) {
          throw new AppError('invalid_payload', `Letter ${input.prefix} is already ${taken.name}'s`, [
            { path: 'prefix', message: `already used by ${taken.name}` }
          ]);
        }
        if (services.some((s) => s.id === input.id)) await store.services.update({ siteId, ...input });
        else await store.services.insert({ siteId, ...input, position: services.length });
      });
      publish(siteId, null, after, true);
      return (await serviceViews(siteId)).find((s) => s.id === input.id)!;
    },

    /** The manager adds a counter or renames one; two counters never share a name (it is what is said). */
    async saveCounter(siteId: string, input: { id?: string; name: string }, after: After): Promise<CounterView> {
      // The name checked and written together, as the letter of a service.
      const counter = await store.transaction(async () => {
        const existing = await store.counters.listInSite(siteId);
        if (existing.some((c) => c.name.toLowerCase() === input.name.toLowerCase() && c.id !== input.id)) {
          throw new AppError('invalid_payload', `A counter is already called ${input.name}`, [
            { path: 'name', message: 'another counter has this name' }
          ]);
        }
        if (input.id) {
          const found = await counterAt(siteId, input.id);
          await store.counters.rename(found.id, input.name);
          return { ...found, name: input.name };
        }
        const created: Counter = { id: randomUUID(), siteId, name: input.name, services: [], position: existing.length };
        await store.counters.insert(created);
        return created;
      });
      publish(siteId, null, after);
      return counterView(counter);
    },

    /**
     * Gives the site a service for every procedure's service (and the reception desk) that has
     * none yet, with a free letter: the kiosk works before anyone configures the queue.
     */
    async ensureServices(siteId: string, procedures: Procedure[]): Promise<void> {
      const names = new Map<string, string>([[receptionService, 'Accueil']]);
      for (const p of procedures) if (!names.has(p.service)) names.set(p.service, localize(p.title, 'fr'));
      // Read in the transaction: the letters taken are those of the services as written.
      await store.transaction(async () => {
        const existing = await store.services.listInSite(siteId);
        const used = new Set(existing.map((s) => s.prefix));
        let position = existing.length;
        for (const [id, name] of names) {
          if (existing.some((s) => s.id === id)) continue;
          const letters = `${id.replace(/[^a-z]/g, '').toUpperCase()}ABCDEFGHIJKLMNOPQRSTUVWXYZ`;
          const prefix = [...letters].find((l) => !used.has(l));
          if (!prefix) continue;
          used.add(prefix);
          await store.services.insert({ siteId, id, prefix, name, position: position++ });
        }
      });
    },

    /** The day changed: yesterday's tickets still waiting are closed; numbers restart. */
    async expireOldTickets(): Promise<void> {
      for (const site of await store.sites.listAll()) {
        await store.tickets.expireBefore(site.id, localDate(clock.now(), site.timezone));
      }
    },

    setServices(siteId: string, counterId: string, services: string[], after: After): Promise<CounterView> {
      return counterLock.run(counterId, async () => {
        const counter = await counterAt(siteId, counterId);
        const known = new Set((await store.services.listInSite(siteId)).map((s) => s.id));
        const unknown = services.find((s) => !known.has(s));
        if (unknown) {
          throw new AppError('invalid_payload', `No service ${unknown} at this site`, [
            { path: 'services', message: `unknown service ${unknown}` }
          ]);
        }
        await store.counters.setServices(counter.id, [...new Set(services)]);
        publish(siteId, null, after);
        return counterView({ ...counter, services: [...new Set(services)] });
      });
    },

    /** Calls the next ticket to the counter (the current one, if any, is done). */
    next(siteId: string, counterId: string, requestId: string, after: After): Promise<CounterView> {
      return counterLock.run(counterId, async () => {
        const counter = await counterAt(siteId, counterId);
        if (counter.services.length === 0) {
          throw new AppError('invalid_payload', `${counter.name} calls from no service yet`, [
            { path: 'counterId', message: 'choose the services this counter calls from' }
          ]);
        }
        const site = await store.sites.findById(siteId);
        const day = await today(siteId);
        const outcome = await store.transaction(async () => {
          // A replay (a tablet that reconnected, perhaps to another node, and sent it again) is
          // answered with the ticket it called, never a second one. The counter's row stays locked:
          // the same counter's « next » on another node waits for this one.
          if ((await store.counters.lockForNext(counter.id)) === requestId) return 'replay' as const;
          await store.counters.setLastNext(counter.id, requestId);
          // Another counter calling from one of these services (PostgreSQL runs it alongside) waits
          // here until it has called its ticket, then picks the one after: both call someone.
          await store.services.lockForCall(siteId, counter.services);
          await closeCurrent(counter, 'done');
          // A ticket transferred to this counter goes first.
          const sent = await store.tickets.sentTo(siteId, day, counter.id);
          let chosen: { ticket: Ticket; service: string; priority: boolean } | null = sent
            ? { ticket: sent, service: sent.queueService, priority: sent.priority }
            : null;
          if (!chosen) {
            const heads: ServiceHeads<Ticket>[] = [];
            for (const id of counter.services) {
              const service = await store.services.find(siteId, id);
              if (!service) continue;
              heads.push({
                service: id,
                regular: await store.tickets.head(siteId, day, id, false, counter.id),
                priority: await store.tickets.head(siteId, day, id, true, counter.id),
                regularStreak: service.regularStreak
              });
            }
            const pick = pickNext(heads, site?.priorityEvery ?? 2);
            if (pick) {
              chosen = pick;
              const service = (await store.services.find(siteId, pick.service))!;
              await store.services.setStreak(siteId, pick.service, nextStreak(service.regularStreak, pick.priority));
            }
          }
          if (!chosen) return null;
          // A conditional update: if another counter took it in between, nothing is called twice.
          if (!(await store.tickets.call(chosen.ticket.id, counter.id, clock.now().toISOString()))) return null;
          return announce(counter, chosen.ticket, false);
        });
        if (outcome === 'replay') return counterView(counter);
        publish(siteId, outcome ? await callView(outcome) : null, after);
        return counterView(counter);
      });
    },

    recall(siteId: string, counterId: string, after: After): Promise<CounterView> {
      return counterLock.run(counterId, async () => {
        const counter = await counterAt(siteId, counterId);
        const call = await announce(counter, await currentAt(counter), true);
        publish(siteId, await callView(call), after);
        return counterView(counter);
      });
    },

    close(siteId: string, counterId: string, status: 'done' | 'absent', after: After): Promise<CounterView> {
      return counterLock.run(counterId, async () => {
        const counter = await counterAt(siteId, counterId);
        await closeTicket(await currentAt(counter), status);
        publish(siteId, null, after);
        return counterView(counter);
      });
    },

    /** Same number, to another service's queue (at its original place) or to one counter. */
    transfer(
      siteId: string,
      counterId: string,
      to: { toService?: string; toCounterId?: string },
      after: After
    ): Promise<CounterView> {
      return counterLock.run(counterId, async () => {
        const counter = await counterAt(siteId, counterId);
        const current = await currentAt(counter);
        if (to.toService) {
          if (!(await store.services.find(siteId, to.toService))) {
            throw new AppError('invalid_payload', `No service ${to.toService} at this site`, [
              { path: 'toService', message: 'unknown service' }
            ]);
          }
          await store.tickets.requeue(current.id, to.toService, null);
        } else if (to.toCounterId) {
          const target = await store.counters.findById(to.toCounterId);
          if (!target || target.siteId !== siteId || target.id === counter.id) {
            throw new AppError('invalid_payload', `No other counter ${to.toCounterId} at this site`, [
              { path: 'toCounterId', message: 'not another counter of this site' }
            ]);
          }
          await store.tickets.requeue(current.id, current.queueService, target.id);
        }
        publish(siteId, null, after);
        return counterView(counter);
      });
    },

    /** Calls one waiting ticket out of order, by its number (« T-042 »). */
    callLabel(siteId: string, counterId: string, label: string, after: After): Promise<CounterView> {
      return counterLock.run(counterId, async () => {
        const counter = await counterAt(siteId, counterId);
        // « t42 », « T-42 » and « T-042 » name the same ticket.
        const normalized = `${label[0]}-${label.replace(/\D/g, '').padStart(3, '0')}`;
        const ticket = await store.tickets.findByLabel(siteId, await today(siteId), normalized);
        if (!ticket) throw new AppError('not_found', `No ticket ${label} today`);
        if (ticket.status !== 'waiting')
          throw new AppError('invalid_payload', `Ticket ${ticket.label} is not waiting`, [
            { path: 'label', message: `ticket ${ticket.label} is ${ticket.status}` }
          ]);
        const call = await store.transaction(async () => {
          await closeCurrent(counter, 'done');
          if (!(await store.tickets.call(ticket.id, counter.id, clock.now().toISOString()))) return null;
          return announce(counter, ticket, false);
        });
        publish(siteId, call ? await callView(call) : null, after);
        return counterView(counter);
      });
    },

    async displayState(siteId: string): Promise<DisplayState> {
      const site = await store.sites.findById(siteId);
      const recent = await store.ticketCalls.listRecent(siteId, recentCalls);
      const calls: CallView[] = [];
      for (const call of recent) calls.push(await callView(call));
      return {
        recent: calls,
        services: await serviceViews(siteId),
        announceLocales: site?.announceLocale ? ['fr', site.announceLocale] : ['fr']
      };
    },

    /** Tell everyone the waiting counts changed (a ticket was taken). No store work: stays synchronous. */
    changed(siteId: string, after: After): void {
      publish(siteId, null, after);
    }
  };
}
