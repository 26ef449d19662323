/**
 * PIN guessing against the real server: attempts sent all at once, a restart in the middle, an
 * attacker on one address trying to lock an agent out, many addresses and logins at once. Each
 * test sends real HTTP requests from chosen loopback source addresses (127.0.0.x).
 */
import { sql } from 'kysely';
import { value } from '../testing/fixtures';
import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loginRules } from './login-limiter';
import { ok } from '../testing/hall';
import { command, connect, login, startTestServer, type TestServer } from '../testing/test-server';

let server: TestServer;

beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await server.close();
});

interface Answer {
  status: number;
  code: string | null;
  retryAfter: string | undefined;
  retryAfterSeconds: number | undefined;
}

/** One login attempt over HTTP, sent from `from` (any 127.x address works on loopback). */
function attempt(login: string, secret: string, from = '127.0.0.1', face: 'agent' | 'manager' = 'agent'): Promise<Answer> {
  const body = JSON.stringify({ face, login, secret });
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/auth/login',
        method: 'POST',
        localAddress: from,
        // A new connection each time: the address is the one asked for, not a pooled socket's.
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const parsed = JSON.parse(text) as { error?: { code: string; retryAfterSeconds?: number } };
          resolve({
            status: res.statusCode ?? 0,
            code: parsed.error?.code ?? null,
            retryAfter: res.headers['retry-after'],
            retryAfterSeconds: parsed.error?.retryAfterSeconds
          });
        });
      }
    );
    req.on('error', reject);
    req.end(body);
  });
}

function tally(answers: Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) counts[a.code ?? 'ok'] = (counts[a.code ?? 'ok'] ?? 0) + 1;
  return counts;
}

const wrongPins = (n: number) => Array.from({ length: n }, (_, i) => String(1235 + i).padStart(4, '0'));
const authSessions = async () => Number(await value(server.store, sql`SELECT COUNT(*) FROM auth_sessions`));

describe('a burst of wrong PINs', () => {
  it('checks no more PINs than the limit, however many arrive at once, and refuses the right one after', async () => {
    const answers = await Promise.all(wrongPins(200).map((pin) => attempt('marie', pin)));
    expect(tally(answers)).toEqual({ login_failed: loginRules.pair.points, too_many_attempts: 200 - loginRules.pair.points });
    const refused = answers.find((a) => a.code === 'too_many_attempts')!;
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.retryAfterSeconds).toBe(Number(refused.retryAfter));

    const right = await attempt('marie', '1234');
    expect(right.code).toBe('too_many_attempts');
    expect(await authSessions()).toBe(0);
  });

  it('is still refused after the server restarts on the same data', async () => {
    await Promise.all(wrongPins(20).map((pin) => attempt('marie', pin)));
    const { dataDir } = server;
    await server.close({ keepData: true });
    server = await startTestServer({}, { dataDir });

    expect((await attempt('marie', '1234')).code).toBe('too_many_attempts');
    expect((await attempt('marie', '0000')).code).toBe('too_many_attempts');
  });
});

describe('an attacker on one address', () => {
  it('cannot lock the agent out of her own tablet, even guessing for two days', async () => {
    let checked = 0;
    let elapsedMs = 0;
    // Each round: a burst, then wait exactly as long as the server says, as a patient attacker would.
    while (elapsedMs < 48 * 3_600_000) {
      const answers = await Promise.all(wrongPins(10).map((pin) => attempt('marie', pin, '127.0.0.2')));
      checked += answers.filter((a) => a.code === 'login_failed').length;
      const wait = Math.max(...answers.map((a) => a.retryAfterSeconds ?? 0));
      expect(wait).toBeGreaterThan(0);
      server.clock.advance(wait * 1000 + 1);
      elapsedMs += wait * 1000 + 1;
      // Her own tablet, on another address, logs in all along.
      const own = await attempt('marie', '1234', '127.0.0.3');
      expect(own.status).toBe(200);
    }
    // A few dozen guesses in two days, not hundreds.
    expect(checked).toBeLessThanOrEqual(2 * (loginRules.login.points - 1));
  });

  it('keeps counting its failures on other logins after a correct login from the same address', async () => {
    const failures = loginRules.address.points - 1;
    const logins = Array.from({ length: failures }, (_, i) => `inconnu-${i}`);
    expect(tally(await Promise.all(logins.map((l) => attempt(l, '0000', '127.0.0.4'))))).toEqual({ login_failed: failures });
    // A correct login from there gives back only its own point.
    expect((await attempt('karim', '5678', '127.0.0.4')).status).toBe(200);
    expect((await attempt('inconnu-last', '0000', '127.0.0.4')).code).toBe('login_failed');
    expect((await attempt('karim', '5678', '127.0.0.4')).code).toBe('too_many_attempts');
    // Karim elsewhere is not concerned.
    expect((await attempt('karim', '5678', '127.0.0.5')).status).toBe(200);
  });
});

describe('one login from many addresses', () => {
  it('locks the agent out everywhere at the login’s ceiling, until a manager unlocks the account', async () => {
    const manager = await connect(server, 'manager', await login(server, 'manager', 'gestion', 'demoville-gestion'));
    const addresses = Array.from({ length: 8 }, (_, i) => `127.0.3.${i + 1}`);
    const answers = await Promise.all(addresses.flatMap((from) => wrongPins(10).map((pin) => attempt('marie', pin, from))));
    expect(tally(answers).login_failed).toBe(loginRules.login.points);
    expect((await attempt('marie', '1234', '127.0.4.1')).code).toBe('too_many_attempts');

    const marie = ok(await command(manager, 'account:list', {})).find((a) => a.login === 'marie')!;
    expect(marie.locked).toBe(true);
    expect(ok(await command(manager, 'account:unlock', { accountId: marie.id })).locked).toBe(false);
    expect((await attempt('marie', '1234', '127.0.4.1')).status).toBe(200);
  });
});

describe('many addresses and many logins', () => {
  it('stop at the whole server’s ceiling', async () => {
    const perAddress = 25;
    const addresses = Array.from({ length: Math.ceil(loginRules.global.points / perAddress) }, (_, i) => `127.0.1.${i + 1}`);
    const answers = await Promise.all(
      addresses.flatMap((from, a) => Array.from({ length: perAddress }, (_, i) => attempt(`personne-${a}-${i}`, '0000', from)))
    );
    expect(tally(answers)).toEqual({ login_failed: loginRules.global.points });
    const right = await attempt('marie', '1234', '127.0.2.1');
    expect(right.code).toBe('too_many_attempts');
    expect(right.status).toBe(429);
  });
});
