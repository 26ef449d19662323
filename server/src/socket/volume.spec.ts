/**
 * Volume limits against the real server: a socket that floods commands, a session that grows
 * without end, a credential that opens hundreds of sockets, a flood of pairing requests, and long
 * speech or a procedure file built to be slow. Each is refused with a clear code and the server
 * keeps answering everyone else.
 */
import { sql } from 'kysely';
import { rows, value } from '../testing/fixtures';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, ok, openHall, patchWith, rid } from '../testing/hall';
import { command, connect, startTestServer, testCatalogDir, type TestClient, type TestServer } from '../testing/test-server';
import { shippedCatalogDir } from '../procedures/catalog';
import type { Ack } from '../../../shared/errors';
import { credentialCookie } from '../../../shared/identity';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const start = async (env: Record<string, string> = {}) =>
  (server = await startTestServer(env, { catalogDirs: [shippedCatalogDir, testCatalogDir] }));

/** Sends without waiting for the answer; the promise is the ack. */
function send(client: TestClient, name: string, payload: unknown): Promise<Ack<unknown>> {
  return new Promise((resolve) =>
    (client.emit as (ev: string, p: unknown, ack: (a: Ack<unknown>) => void) => void)(name, payload, resolve)
  );
}

describe('commands per socket', () => {
  it('a kiosk sending 5,000 commands without waiting is slowed down; others are served; it is served again after the given time', async () => {
    const s = await start();
    const hall = await openHall(s, { procedureId: 'essai-saisies' });
    const flood = Array.from({ length: 5000 }, () =>
      send(hall.kiosk, 'session:sync', { sessionId: hall.session.id, version: hall.session.version })
    );
    // While the flood is being answered: the health check and another client are served normally.
    const health = await fetch(`${s.url}/healthz`);
    expect(health.status).toBe(200);
    expect(ok(await command(hall.marie, 'agent:state', {}))).toBeTruthy();
    const acks = await Promise.all(flood);
    const served = acks.filter((a) => a.ok).length;
    const limited = acks.filter((a) => !a.ok && a.error.code === 'rate_limited');
    expect(served).toBeGreaterThanOrEqual(s.config.limits.commandBurst);
    expect(limited.length).toBeGreaterThan(2500);
    expect(served + limited.length).toBe(5000);
    const last = limited.at(-1)!;
    if (last.ok) throw new Error('unreachable');
    expect(last.error.message).toMatch(/Too many commands/);
    expect(last.error.retryAfterMs).toBeGreaterThan(0);
    // Waiting as told is enough to be served again.
    await new Promise((r) => setTimeout(r, last.error.retryAfterMs! + 5));
    ok(await command(hall.kiosk, 'session:sync', { sessionId: hall.session.id, version: hall.session.version }));
  });

  it('signals over the limit are dropped without an error, and the socket stays usable', async () => {
    const s = await start({ GUICHET_COMMAND_BURST: '20', GUICHET_COMMANDS_PER_SECOND: '0.01' });
    const hall = await openHall(s, { procedureId: 'essai-saisies' });
    const created = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }));
    ok(await command(hall.marie, 'call:accept', { callId: created.id }));
    const relayed = collect(hall.marie, 'session:focus');
    for (let i = 0; i < 2000; i++) hall.kiosk.emit('session:focus', { sessionId: hall.session.id, stepId: 'nom' });
    // Its commands have their own bucket: a focus flood does not lock the citizen out. The agent
    // gets this patch after every focus the server relayed before it (one socket, in order).
    const seen = patchWith(hall.marie, { op: 'answer', stepId: 'nom', value: 'fin' });
    ok(
      await command(hall.kiosk, 'session:patch', {
        sessionId: hall.session.id,
        patchId: rid(),
        ops: [{ op: 'answer', stepId: 'nom', value: 'fin' }]
      })
    );
    await seen;
    expect(relayed.length).toBeGreaterThan(0);
    expect(relayed.length).toBeLessThanOrEqual(21);
    expect(hall.kiosk.connected).toBe(true);
  });

  it('made-up event names count like commands', async () => {
    const s = await start({ GUICHET_COMMAND_BURST: '20', GUICHET_COMMANDS_PER_SECOND: '0.01' });
    const kiosk = (await openHall(s)).kiosk;
    const acks = await Promise.all(Array.from({ length: 100 }, (_, i) => send(kiosk, `made:up-${i}`, {})));
    const codes = acks.map((a) => (a.ok ? 'ok' : a.error.code));
    expect(codes.filter((c) => c === 'unknown_command').length).toBeLessThanOrEqual(20);
    expect(codes.filter((c) => c === 'rate_limited').length).toBeGreaterThanOrEqual(80);
  });
});

describe('session contents', () => {
  // The command rate is lifted here: this is about what one session may store.
  const unlimited = { GUICHET_COMMAND_BURST: '1000000', GUICHET_COMMANDS_PER_SECOND: '100000' };

  it('3,000 patches keep only the recent ones: the database stays small and catching up still works', async () => {
    const s = await start({ ...unlimited, GUICHET_SESSION_PATCHES_KEPT: '100' });
    const hall = await openHall(s, { procedureId: 'essai-saisies' });
    const long = 'x'.repeat(100);
    for (let batch = 0; batch < 30; batch++) {
      const acks = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          send(hall.kiosk, 'session:patch', {
            sessionId: hall.session.id,
            patchId: rid(),
            ops: Array.from({ length: 20 }, () => ({ op: 'answer', stepId: 'nom', value: `${batch}-${i}-${long}`.slice(0, 100) }))
          })
        )
      );
      for (const ack of acks) expect(ack).toMatchObject({ ok: true });
    }
    const [{ count, bytes }] = (await rows(
      s.store,
      sql`SELECT COUNT(*) AS count, COALESCE(SUM(LENGTH(patch)), 0) AS bytes FROM session_patches WHERE session_id = ${hall.session.id}`
    )) as [{ count: number; bytes: number }];
    expect(count).toBeLessThanOrEqual(100);
    // 100 patches of 20 answers of 100 characters: about 300 KB, not the 3,000 patches' 9 MB.
    expect(bytes).toBeLessThan(500_000);
    const stored = (await s.store.sessions.findById(hall.session.id))!.state;
    expect(stored.version).toBeGreaterThan(3000);
    // A client far behind gets the whole state; one just behind gets the patches it missed.
    const far = ok(await command(hall.kiosk, 'session:sync', { sessionId: hall.session.id, version: 1 }));
    expect(far).toMatchObject({ kind: 'snapshot', state: { version: stored.version } });
    const near = ok(await command(hall.kiosk, 'session:sync', { sessionId: hall.session.id, version: stored.version - 3 }));
    expect(near.kind).toBe('patches');
  });

  it('notes past the size limit are refused with session_full and nothing is written; the session can still be finished', async () => {
    const s = await start({ ...unlimited, GUICHET_SESSION_MAX_KB: '64' });
    const hall = await openHall(s, { procedureId: 'essai-saisies' });
    const created = ok(await command(hall.kiosk, 'call:create', { sessionId: hall.session.id, requestId: rid() }));
    ok(await command(hall.marie, 'call:accept', { callId: created.id }));
    const note = 'n'.repeat(500);
    let refused: Ack<unknown> | undefined;
    for (let i = 0; i < 3000 && !refused; i++) {
      const ack = await command(hall.marie, 'session:patch', {
        sessionId: hall.session.id,
        patchId: rid(),
        ops: [{ op: 'note', text: note }]
      });
      if (!ack.ok) refused = ack;
    }
    expect(refused).toMatchObject({ ok: false, error: { code: 'session_full' } });
    if (refused?.ok !== false) throw new Error('unreachable');
    expect(refused.error.message).toMatch(/at most 65536/);
    const before = (await s.store.sessions.findById(hall.session.id))!.state;
    const bytes = Buffer.byteLength(JSON.stringify(before.answers)) + Buffer.byteLength(JSON.stringify(before.notes));
    expect(bytes).toBeLessThanOrEqual(64 * 1024);
    const again = await command(hall.marie, 'session:patch', {
      sessionId: hall.session.id,
      patchId: rid(),
      ops: [{ op: 'note', text: note }]
    });
    expect(again).toMatchObject({ ok: false, error: { code: 'session_full' } });
    expect((await s.store.sessions.findById(hall.session.id))!.state).toEqual(before);
    // What does not grow it still goes through: the citizen can move on and finish.
    ok(
      await command(hall.kiosk, 'session:patch', {
        sessionId: hall.session.id,
        patchId: rid(),
        ops: [{ op: 'goto', stepId: 'enfants' }]
      })
    );
  });
});

describe('sockets per credential', () => {
  it('300 sockets with one kiosk token: at most the cap connect, the others are told why', async () => {
    const s = await start();
    const hall = await openHall(s);
    hall.kiosk.disconnect();
    const results: (TestClient | Error)[] = [];
    for (let batch = 0; batch < 6; batch++) {
      results.push(
        ...(await Promise.all(
          Array.from({ length: 50 }, () => connect(s, 'kiosk', hall.kioskToken).catch((error: Error) => error))
        ))
      );
    }
    const connected = results.filter((r) => !(r instanceof Error)) as TestClient[];
    const refused = results.filter((r) => r instanceof Error) as (Error & { data?: { code: string; message: string } })[];
    expect(connected.length).toBe(s.config.limits.connectionsPerCredential);
    expect(refused.length).toBe(300 - connected.length);
    expect(refused[0]!.data).toMatchObject({ code: 'too_many_connections' });
    expect(refused[0]!.data!.message).toMatch(/at most 8/);
    // A socket that closes frees its place (as soon as the server has seen it go).
    connected[0]!.disconnect();
    let back: TestClient | undefined;
    for (let attempt = 0; !back && attempt < 100; attempt++) {
      back = await connect(s, 'kiosk', hall.kioskToken).catch(() => new Promise<undefined>((r) => setTimeout(r, 20)));
    }
    expect(back?.connected).toBe(true);
  });
});

describe('pairing requests', () => {
  const ask = (s: TestServer) =>
    fetch(`${s.url}/api/pairings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'kiosk' })
    });
  const pairingRows = async (s: TestServer) => Number(await value(s.store, sql`SELECT COUNT(*) FROM pairings`));

  async function flood(s: TestServer, n: number): Promise<Response[]> {
    const out: Response[] = [];
    for (let i = 0; i < n; i += 100) out.push(...(await Promise.all(Array.from({ length: Math.min(100, n - i) }, () => ask(s)))));
    return out;
  }

  it('2,000 requests from one address: only the per-address allowance makes rows, the rest get 429 rate_limited', async () => {
    const s = await start();
    const before = await pairingRows(s);
    const answers = await flood(s, 2000);
    const accepted = answers.filter((r) => r.status === 200).length;
    expect(accepted).toBe(s.config.limits.pairingsPerMinute);
    expect((await pairingRows(s)) - before).toBe(accepted);
    const refusal = answers.find((r) => r.status === 429)!;
    expect(refusal.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refusal.json()).toMatchObject({
      error: { code: 'rate_limited', message: expect.stringMatching(/this address/) }
    });
    // A minute later (the server's clock), the address may ask again.
    s.clock.advance(60_000);
    expect((await ask(s)).status).toBe(200);
  });

  it('open requests are capped in all; expired ones are purged and make room', async () => {
    const s = await start({ GUICHET_PAIRINGS_PER_MINUTE: '100000', GUICHET_PAIRINGS_PENDING_MAX: '50' });
    const answers = await flood(s, 2000);
    expect(answers.filter((r) => r.status === 200)).toHaveLength(50);
    expect(await pairingRows(s)).toBe(50);
    const refusal = answers.find((r) => r.status === 429)!;
    expect(await refusal.json()).toMatchObject({ error: { code: 'rate_limited', message: expect.stringMatching(/at most 50/) } });
    s.clock.advance((s.config.pairingMinutes + 1) * 60_000);
    expect((await ask(s)).status).toBe(200);
    expect(await pairingRows(s)).toBe(1);
  });
});

describe('long work runs beside the event loop', () => {
  it('the health check answers while five long speech requests are spoken', async () => {
    const s = await start();
    const hall = await openHall(s);
    const text = 'Bonjour, ceci est une phrase assez longue pour occuper le moteur de synthèse vocale. '
      .repeat(12)
      .slice(0, 1000);
    const speak = (words: string) =>
      fetch(`${s.url}/api/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: `${credentialCookie.kiosk}=${hall.kioskToken}` },
        body: JSON.stringify({ text: words, lang: 'fr' })
      });
    // The engine is loaded first, so what follows measures speaking, not loading.
    expect((await speak('Bonjour')).status).toBe(200);
    const order: string[] = [];
    const speeches = Array.from({ length: 5 }, (_, i) =>
      speak(`${i} ${text}`.slice(0, 1000)).then((r) => {
        order.push(`speech ${r.status}`);
        return r;
      })
    );
    await new Promise((r) => setTimeout(r, 20));
    const health = await fetch(`${s.url}/healthz`).then((r) => {
      order.push(`health ${r.status}`);
      return r;
    });
    expect(health.status).toBe(200);
    const spoken = await Promise.all(speeches);
    expect(order[0]).toBe('health 200');
    for (const r of spoken) expect(r.headers.get('content-type')).toBe('audio/wav');
    expect(order.slice(1)).toEqual(Array(5).fill('speech 200'));
  }, 60_000);

  it('a 200 KB anchor and alias file is stopped with a clear problem, and the health check answers meanwhile', async () => {
    const s = await start({ GUICHET_PROCEDURE_PARSE_TIMEOUT_MS: '300' });
    const manager = await connect(s, 'manager', (await openHall(s)).managerToken);
    // Thousands of anchors then aliases to them: each alias is looked up through the whole document.
    let source = 'id: bombe\nx:\n';
    for (let i = 0; source.length < 100_000; i++) source += `  - &a${i} v\n`;
    for (let i = 0; source.length < 199_980; i++) source += `  - *a${i}\n`;
    const order: string[] = [];
    const checked = send(manager, 'procedure:validate', { source }).then((ack) => {
      order.push('validate');
      return ack;
    });
    const saved = send(manager, 'procedure:save', { source });
    const health = await fetch(`${s.url}/healthz`).then((r) => {
      order.push('health');
      return r;
    });
    expect(health.status).toBe(200);
    const ack = await checked;
    expect(order).toEqual(['health', 'validate']);
    expect(ack).toMatchObject({ ok: true, data: { ok: false, problems: [{ path: '(file)', code: 'too_complex' }] } });
    const save = await saved;
    expect(save).toMatchObject({ ok: false, error: { code: 'invalid_payload', issues: [{ problem: { code: 'too_complex' } }] } });
    expect(await value(s.store, sql`SELECT COUNT(*) FROM procedures WHERE id = 'bombe'`)).toBe(0);
    // An expansion bomb (each level doubles the one before) is refused by the alias cap itself.
    let doubling = 'id: x\na0: &a0 [lol, lol]\n';
    for (let i = 1; i <= 12; i++) doubling += `a${i}: &a${i} [*a${i - 1}, *a${i - 1}]\n`;
    expect(await send(manager, 'procedure:validate', { source: doubling })).toMatchObject({
      ok: true,
      data: { ok: false, problems: [{ code: 'too_complex', message: expect.stringMatching(/alias count/i) }] }
    });
    // The worker that was stopped is replaced: an ordinary file is read again.
    const fine = await send(manager, 'procedure:validate', { source: 'id: x\n' });
    expect(fine).toMatchObject({ ok: true, data: { ok: false } });
    if (fine.ok) expect((fine.data as { problems: { code: string }[] }).problems[0]!.code).not.toBe('too_complex');
  }, 60_000);
});
