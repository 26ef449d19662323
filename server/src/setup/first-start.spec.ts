/**
 * The real entry point on an empty data folder without the demo: it prints a one-time setup code
 * next to its addresses, the code creates the first manager, and a later start prints none.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, spawnServer, stubWebApp, waitFor, type ServerProcess } from '../testing/processes';

let dir: string;
let running: ServerProcess | null = null;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-first-start-'));
});
afterEach(async () => {
  if (running) {
    running.proc.kill('SIGKILL');
    await running.exited;
    running = null;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(port: number): Promise<ServerProcess> {
  running = spawnServer({
    GUICHET_DATA_DIR: path.join(dir, 'data'),
    GUICHET_KIOSK_BUILD: stubWebApp(dir),
    GUICHET_PORT: String(port),
    GUICHET_DEMO: '0',
    GUICHET_LOG_LEVEL: 'info'
  });
  await waitFor(() => running!.output().includes('Guichet is running'), 20_000);
  return running;
}

async function stop(server: ServerProcess): Promise<void> {
  server.proc.kill('SIGTERM');
  expect(await server.exited).toBe(0);
  running = null;
}

const codeLine = /Setup code \(first manager account\): ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})\s+→ open (\S+)\/gestion/;

// Each test starts the real server twice; on a busy machine that takes longer than the default.
describe('first start of a real installation', { timeout: 60_000 }, () => {
  it('prints a setup code once, and never again after the first manager exists', async () => {
    const port = await freePort();
    const first = await start(port);
    const match = codeLine.exec(first.output());
    expect(match, first.output()).not.toBeNull();
    const code = match![1]!;
    expect(match![2]).toBe(`http://localhost:${port}`);
    // Also in the log, for a server started as a service whose console nobody watches. The log is
    // written asynchronously, so its line may come after the banner.
    await waitFor(() => first.output().includes(`"setupCode":"${code}"`), 10_000);
    expect(first.output()).not.toContain('Demo accounts');

    const res = await fetch(`http://127.0.0.1:${port}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        code,
        siteName: 'Mairie de Premier-Départ',
        firstName: 'Inès',
        login: 'ines',
        password: 'mot-de-passe-ines'
      })
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/^guichet_manager=/);
    await stop(first);

    const second = await start(port);
    expect(second.output()).not.toContain('Setup code');
    const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ face: 'manager', login: 'ines', secret: 'mot-de-passe-ines' })
    });
    expect(login.status).toBe(200);
    await stop(second);
  });

  it('prints a new code at each start while setup is pending: an old one no longer works', async () => {
    const port = await freePort();
    const first = await start(port);
    const old = codeLine.exec(first.output())![1]!;
    await stop(first);

    const second = await start(port);
    const current = codeLine.exec(second.output())![1]!;
    expect(current).not.toBe(old);
    const res = await fetch(`http://127.0.0.1:${port}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: old, siteName: 'Mairie', firstName: 'Inès', login: 'ines', password: 'mot-de-passe-ines' })
    });
    expect(res.status).toBe(403);
    await stop(second);
  });
});
