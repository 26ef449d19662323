/**
 * A site's past month for `bench:calls --history N`: N answered help calls and N finished queue
 * tickets, written through the store's own repositories (the same rows and the same foreign keys
 * as in service), before the server starts on that file.
 *
 * Each call and each ticket falls on a weekday of the last 28 days (today left out, so today's
 * queue starts empty), between 08:30 and 17:00 in the site's time zone. Calls carry no session:
 * in service a month-old session is purged by the retention rule and its calls keep a NULL
 * session; their kiosk and agent are real terminals and accounts of the site.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../../server/src/store';

const DAYS = 28;
const OPEN_MINUTE = 8 * 60 + 30;
const CLOSE_MINUTE = 17 * 60;

/** Offset of `timezone` from UTC at `instant`, in minutes (Europe/Paris in winter: 60). */
function offsetMinutes(instant: Date, timezone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit'
    })
      .formatToParts(instant)
      .map((p) => [p.type, Number(p.value)])
  ) as Record<string, number>;
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return Math.round((asUtc - instant.getTime()) / 60_000);
}

/** The instant a local wall-clock time of a calendar day (`2026-11-03`) stands for in `timezone`. */
export function localInstant(day: string, minuteOfDay: number, timezone: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, 0, minuteOfDay);
  // Two passes: the offset read at the first guess is right except within an hour of a change.
  let at = wall - offsetMinutes(new Date(wall), timezone) * 60_000;
  at = wall - offsetMinutes(new Date(at), timezone) * 60_000;
  return new Date(at);
}

/** The site-local calendar day of an instant, as `YYYY-MM-DD`. */
export function localDay(instant: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    instant
  );
}

/**
 * The weekdays (Monday to Friday) among the days before `now`'s local day that lie wholly within
 * the last `DAYS` days (the window the wait estimates read), oldest first.
 */
export function openDays(now: Date, timezone: string): string[] {
  const days: string[] = [];
  const today = localDay(now, timezone);
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  for (let back = DAYS - 1; back >= 1; back--) {
    const date = new Date(Date.UTC(y, m - 1, d - back));
    const weekday = date.getUTCDay();
    if (weekday !== 0 && weekday !== 6) days.push(date.toISOString().slice(0, 10));
  }
  return days;
}

/**
 * The services the counters call from. A new site gets its services when the server first starts
 * (one per procedure's service, with a free letter): a history written before then creates those
 * its counters name, with the same letter rule, and the server adds the others beside them.
 */
async function ensureServices(store: Store, siteId: string, counters: { services: string[] }[]) {
  const existing = await store.services.listInSite(siteId);
  const used = new Set(existing.map((s) => s.prefix));
  let position = existing.length;
  for (const id of new Set(counters.flatMap((c) => c.services))) {
    if (existing.some((s) => s.id === id)) continue;
    const prefix = [...`${id.replace(/[^a-z]/g, '').toUpperCase()}ABCDEFGHIJKLMNOPQRSTUVWXYZ`].find((l) => !used.has(l));
    if (!prefix) continue;
    used.add(prefix);
    const name = id === 'accueil' ? 'Accueil' : id.charAt(0).toUpperCase() + id.slice(1).replace(/-/g, ' ');
    await store.services.insert({ siteId, id, prefix, name, position: position++ });
  }
  return store.services.listInSite(siteId);
}

/** A small seeded generator: the same history for the same N, run after run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface History {
  calls: number;
  tickets: number;
  /** The first and last instants recorded. */
  from: string;
  to: string;
}

/**
 * Records `count` answered calls and `count` finished tickets for `siteId`, in one transaction.
 * The site needs at least one kiosk, one agent account, one counter and one service (the demo
 * site has them all).
 */
export async function recordHistory(store: Store, siteId: string, count: number, now: Date): Promise<History> {
  const site = await store.sites.findById(siteId);
  if (!site) throw new Error(`No site ${siteId}`);
  const kiosks = (await store.terminals.listActiveInSite(siteId)).filter((t) => t.kind === 'kiosk');
  const agents = (await store.accounts.listInSite(siteId)).filter((a) => a.role === 'agent');
  const counters = await store.counters.listInSite(siteId);
  const services = await ensureServices(store, siteId, counters);
  if (!kiosks.length || !agents.length || !counters.length || !services.length) {
    throw new Error('The site needs a kiosk, an agent, a counter and a service to record a history');
  }
  const days = openDays(now, site.timezone);
  const rand = random(count);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  /** A moment of opening hours on one of the days, the events sorted by time within the run. */
  const moments = (n: number) =>
    Array.from({ length: n }, () => {
      const minute = OPEN_MINUTE + rand() * (CLOSE_MINUTE - OPEN_MINUTE);
      const day = pick(days);
      return { day, at: localInstant(day, Math.floor(minute), site.timezone).getTime() + Math.floor((minute % 1) * 60_000) };
    }).sort((a, b) => a.at - b.at);
  const iso = (ms: number) => new Date(ms).toISOString();
  let from = Infinity;
  let to = -Infinity;

  await store.transaction(async () => {
    for (const { at } of moments(count)) {
      const id = randomUUID();
      // Answered after 5 s to 3 min (most within the first minute), then 3 to 20 minutes together.
      const answeredAt = at + Math.floor(5_000 + rand() * rand() * 175_000);
      const endedAt = answeredAt + Math.floor(180_000 + rand() * 1_020_000);
      await store.helpCalls.insert({
        id,
        siteId,
        sessionId: null,
        terminalId: pick(kiosks).id,
        requestId: randomUUID(),
        reason: rand() < 0.8 ? 'help' : 'review',
        service: null,
        status: 'ringing',
        unansweredReason: null,
        createdAt: iso(at),
        ringingSince: iso(at),
        endedAt: null
      });
      if (!(await store.helpCalls.accept(id, siteId, pick(agents).id, iso(answeredAt))))
        throw new Error('history: accept refused');
      if (!(await store.helpCalls.close(id, 'done', iso(endedAt)))) throw new Error('history: close refused');
      from = Math.min(from, at);
      to = Math.max(to, endedAt);
    }
    const numbers = new Map<string, number>();
    for (const { day, at } of moments(count)) {
      const service = pick(services);
      const served = counters.filter((c) => c.services.length === 0 || c.services.includes(service.id));
      const counter = pick(served.length ? served : counters);
      const key = `${service.id} ${day}`;
      const number = (numbers.get(key) ?? 0) + 1;
      numbers.set(key, number);
      const id = randomUUID();
      // Called after 1 to 30 minutes in the queue, then 2 to 15 minutes at the counter.
      const calledAt = at + Math.floor(60_000 + rand() * 1_740_000);
      const finishedAt = calledAt + Math.floor(120_000 + rand() * 780_000);
      await store.tickets.insert({
        id,
        siteId,
        service: service.id,
        day,
        number,
        label: `${service.prefix}-${String(number).padStart(3, '0')}`,
        priority: rand() < 0.05,
        terminalId: pick(kiosks).id,
        requestId: randomUUID(),
        locale: 'fr',
        createdAt: iso(at)
      });
      if (!(await store.tickets.call(id, counter.id, iso(calledAt)))) throw new Error('history: call refused');
      await store.ticketCalls.add({
        siteId,
        ticketId: id,
        counterId: counter.id,
        counterName: counter.name,
        recall: false,
        at: iso(calledAt)
      });
      if (!(await store.tickets.close(id, 'done', iso(finishedAt)))) throw new Error('history: close refused');
      from = Math.min(from, at);
      to = Math.max(to, finishedAt);
    }
  });
  return { calls: count, tickets: count, from: count ? iso(from) : '', to: count ? iso(to) : '' };
}
