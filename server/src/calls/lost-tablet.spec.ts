/**
 * An agent's tablet gone past the grace period leaves the call exactly as an agent who releases it
 * does (their status back to what they chose, their view closed), audited as lost, and the call
 * rings for the others.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentPresenceView } from '../../../shared/schemas/call';
import { ok, openHall, patchWith, rid, type Hall } from '../testing/hall';
import { command, connect, nextEvent, startTestServer, type TestServer } from '../testing/test-server';

let server: TestServer;
let hall: Hall;

beforeEach(async () => {
  server = await startTestServer();
  hall = await openHall(server, { procedureId: 'changement-adresse' });
});
afterEach(async () => {
  await server.close();
});

describe('a tablet gone past the grace period', () => {
  it('is audited as lost, announced offline, and the agent comes back free and not joined', async () => {
    ok(await command(hall.marie, 'agent:presence', { status: 'available' }));
    const created = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }));
    ok(await command(hall.marie, 'call:accept', { callId: created.id }));
    const marieId = ok(await command(hall.karim, 'agent:colleagues', {}))[0]!.accountId;

    const dropped = patchWith(hall.kiosk, { op: 'agent', agent: { firstName: 'Marie', connected: false } });
    hall.marie.disconnect();
    await dropped;

    // Said to her colleagues once the window of presence changes closes, with her status restored.
    const announced = new Promise<AgentPresenceView>((resolve) =>
      hall.karim.on('agent:presences', (views: AgentPresenceView[]) => {
        const view = views.find((v) => v.accountId === marieId && v.status === 'available');
        if (view) resolve(view);
      })
    );
    const ring = nextEvent(hall.karim, 'call:ring');
    const forgotten = patchWith(hall.kiosk, { op: 'agent', agent: null });
    server.clock.advance(server.config.agentGraceSeconds * 1000);
    await server.app.services.calls.tick();
    expect((await ring).callId).toBe(created.id);
    await forgotten;

    const manager = await connect(server, 'manager', hall.managerToken);
    const lines = ok(await command(manager, 'audit:list', {})).map((e) => `${e.actorName} ${e.action}`);
    expect(lines[0]).toBe('Marie lost');

    // Her status is what she had chosen, not the busy of the call she left.
    expect(await announced).toMatchObject({ status: 'available', online: false });

    const marie = await connect(server, 'agent', hall.marieToken);
    const state = ok(await command(marie, 'agent:state', {}));
    expect(state).toMatchObject({ status: 'available', joined: null });
    marie.disconnect();
  });
});
