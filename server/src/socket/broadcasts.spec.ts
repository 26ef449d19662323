/**
 * Bursts against the real server: many tickets taken at once, many agents arriving at once. Each
 * room hears what it needs (staff the queue, terminals the counts), a burst is a handful of
 * broadcasts, and the last one each client hears is the server's final state.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentPresenceView } from '../../../shared/schemas/call';
import type { CallView, QueueCounts, QueueState } from '../../../shared/schemas/queue';
import type { TerminalView } from '../../../shared/schemas/terminal';
import { collect, ok, openHall, rid, type Hall } from '../testing/hall';
import { command, connect, login, pairTerminal, type TestClient, type TestServer, startTestServer } from '../testing/test-server';

let server: TestServer;
let hall: Hall;
let display: TestClient;

beforeEach(async () => {
  server = await startTestServer();
  hall = await openHall(server);
  display = await connect(server, 'display', await pairTerminal(server, hall.managerToken, 'display', 'Écran du hall'));
});
afterEach(async () => {
  await server.close();
});

const waitingFor = (services: { id: string; waiting: number }[] | undefined, id: string) =>
  services?.find((s) => s.id === id)?.waiting;

describe('a burst of tickets', () => {
  it('50 tickets taken at once: a few updates per client, counts only to terminals, the last one the final state', async () => {
    const burst = 50;
    const staffUpdates = collect<QueueState>(hall.marie, 'queue:updated');
    const kioskCounts = collect<QueueCounts>(hall.kiosk, 'queue:counts');
    const kioskFull = collect<QueueState>(hall.kiosk, 'queue:updated');
    const displayCounts = collect<QueueCounts>(display, 'queue:counts');
    const staffCounts = collect<QueueCounts>(hall.marie, 'queue:counts');

    const acks = await Promise.all(
      Array.from({ length: burst }, () =>
        command(hall.kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr', priority: false })
      )
    );
    expect(new Set(acks.map((a) => ok(a).label)).size).toBe(burst);

    await expect.poll(() => waitingFor(staffUpdates.at(-1)?.services, 'titres')).toBe(burst);
    await expect.poll(() => waitingFor(kioskCounts.at(-1)?.services, 'titres')).toBe(burst);
    await expect.poll(() => waitingFor(displayCounts.at(-1)?.services, 'titres')).toBe(burst);
    // One per window, not one per ticket.
    expect(staffUpdates.length).toBeLessThanOrEqual(3);
    expect(kioskCounts.length).toBeLessThanOrEqual(3);
    expect(displayCounts.length).toBeLessThanOrEqual(3);

    // The last update is what a client asking afresh gets.
    expect(staffUpdates.at(-1)).toEqual(ok(await command(hall.marie, 'queue:state', {})));
    const services = ok(await command(hall.kiosk, 'queue:services', {}));
    const expected = services.map(({ id, waiting, priorityWaiting, open }) => ({ id, waiting, priorityWaiting, open }));
    expect(kioskCounts.at(-1)).toEqual({ services: expected, listChanged: false });
    expect(displayCounts.at(-1)).toEqual(kioskCounts.at(-1));

    // Terminals get counts only: no ticket number, no counter; the staff get the queue, not the counts.
    expect(kioskFull).toEqual([]);
    expect(staffCounts).toEqual([]);
    for (const counts of [...kioskCounts, ...displayCounts]) {
      const text = JSON.stringify(counts);
      expect(text).not.toMatch(/T-0\d\d/);
      expect(text).not.toContain('Guichet');
      for (const s of counts.services) expect(Object.keys(s).sort()).toEqual(['id', 'open', 'priorityWaiting', 'waiting']);
    }
  });

  it('the ticket’s ack comes before the counts that include it', async () => {
    const order: string[] = [];
    hall.kiosk.on('queue:counts', (c) => order.push(`counts ${waitingFor(c.services, 'titres')}`));
    const ack = await command(hall.kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' });
    order.push('ack');
    expect(ok(ack).label).toBe('T-001');
    await expect.poll(() => order.at(-1)).toBe('counts 1');
    expect(order).toEqual(['ack', 'counts 1']);
  });

  it('the display still announces each call, its counts follow, and the counters see who is at each counter', async () => {
    const calls = collect<CallView>(display, 'queue:called');
    const counts = collect<QueueCounts>(display, 'queue:counts');
    const staffUpdates = collect<QueueState>(hall.karim, 'queue:updated');
    for (let i = 0; i < 3; i++)
      ok(await command(hall.kiosk, 'ticket:take', { requestId: rid(), service: 'titres', locale: 'fr' }));
    const state = ok(await command(hall.marie, 'queue:state', {}));
    const counter = state.counters.find((c) => c.name === 'Guichet 2')!;
    ok(await command(hall.marie, 'counter:next', { counterId: counter.id, requestId: rid() }));
    ok(await command(hall.marie, 'counter:next', { counterId: counter.id, requestId: rid() }));
    await expect.poll(() => calls.map((c) => c.label)).toEqual(['T-001', 'T-002']);
    expect(calls.map((c) => c.counterName)).toEqual(['Guichet 2', 'Guichet 2']);
    await expect.poll(() => waitingFor(counts.at(-1)?.services, 'titres')).toBe(1);
    const current = (updates: QueueState[]) => updates.at(-1)?.counters.find((c) => c.id === counter.id)?.current?.label;
    await expect.poll(() => current(staffUpdates)).toBe('T-002');
    expect(staffUpdates.at(-1)).toEqual(ok(await command(hall.karim, 'queue:state', {})));
  });

  it('a service added by the manager reaches the terminals as a changed list', async () => {
    const manager = await connect(server, 'manager', hall.managerToken);
    const counts = collect<QueueCounts>(display, 'queue:counts');
    ok(await command(manager, 'service:save', { id: 'urbanisme', prefix: 'U', name: 'Urbanisme', openingHours: {} }));
    await expect.poll(() => counts.at(-1)?.listChanged).toBe(true);
    expect(counts.at(-1)?.services.map((s) => s.id)).toContain('urbanisme');
  });
});

describe('a burst of agents arriving', () => {
  it('30 agents connecting at once: far fewer presence events than 30 × 29, and the final list is right', async () => {
    const manager = await connect(server, 'manager', hall.managerToken);
    const count = 30;
    const logins = Array.from({ length: count }, (_, i) => `agent-${i}`);
    for (const [i, name] of logins.entries()) {
      ok(await command(manager, 'account:create', { role: 'agent', login: name, firstName: `Agent ${i}`, secret: '4321' }));
    }
    const tokens = await Promise.all(logins.map((name) => login(server, 'agent', name, '4321')));

    const seenByMarie = collect<AgentPresenceView[]>(hall.marie, 'agent:presences');
    const seenByManager = collect<AgentPresenceView[]>(manager, 'agent:presences');
    const agents = await Promise.all(tokens.map((token) => connect(server, 'agent', token)));
    const seenByAgents = agents.map((agent) => collect<AgentPresenceView[]>(agent, 'agent:presences'));

    // Marie's view, built from the updates only, ends with every newcomer online.
    const latest = (events: AgentPresenceView[][]) => {
      const byId = new Map<string, AgentPresenceView>();
      for (const views of events) for (const v of views) byId.set(v.accountId, v);
      return byId;
    };
    const newcomers = (events: AgentPresenceView[][]) =>
      [...latest(events).values()].filter((v) => v.firstName.startsWith('Agent ') && v.online).length;
    await expect.poll(() => newcomers(seenByMarie)).toBe(count);
    await expect.poll(() => newcomers(seenByManager)).toBe(count);

    // Before, each arrival was one event to every other tablet: 30 to Marie, 30 × 29 among them.
    expect(seenByMarie.length).toBeLessThanOrEqual(10);
    expect(seenByManager.length).toBeLessThanOrEqual(10);
    const amongThem = seenByAgents.reduce((sum, events) => sum + events.length, 0);
    expect(amongThem).toBeLessThan((count * (count - 1)) / 4);

    // What Marie pieced together is what she gets asking afresh.
    const colleagues = ok(await command(hall.marie, 'agent:colleagues', {}));
    const pieced = latest(seenByMarie);
    for (const colleague of colleagues.filter((c) => c.firstName.startsWith('Agent '))) {
      expect(pieced.get(colleague.accountId)).toEqual(colleague);
    }
    expect(colleagues.filter((c) => c.firstName.startsWith('Agent ')).length).toBe(count);
  });
});

describe('a hall starting up', () => {
  it('12 kiosks connecting at once: the staff hear them in a few updates, all online, then all offline', async () => {
    const count = 12;
    const tokens: string[] = [];
    for (let i = 0; i < count; i++) tokens.push(await pairTerminal(server, hall.managerToken, 'kiosk', `Borne ${i}`));
    const manager = await connect(server, 'manager', hall.managerToken);
    const seen = collect<TerminalView[]>(manager, 'terminals:seen');
    const latest = () => {
      const byId = new Map<string, TerminalView>();
      for (const views of seen) for (const v of views) byId.set(v.id, v);
      return [...byId.values()].filter((v) => v.name.startsWith('Borne ') && v.name !== 'Borne du hall');
    };

    const kiosks = await Promise.all(tokens.map((token) => connect(server, 'kiosk', token)));
    await expect.poll(() => latest().filter((t) => t.online).length).toBe(count);
    // Before, one event per kiosk to every staff tablet.
    expect(seen.length).toBeLessThanOrEqual(4);
    const listed = ok(await command(manager, 'terminal:list', {}));
    for (const t of latest()) expect(listed.find((l) => l.id === t.id)).toEqual(t);

    for (const kiosk of kiosks) kiosk.disconnect();
    await expect.poll(() => latest().filter((t) => !t.online).length).toBe(count);
    expect(seen.length).toBeLessThanOrEqual(8);
  });
});
