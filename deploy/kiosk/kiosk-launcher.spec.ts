/**
 * The kiosk session for real: cage, headless (WLR_BACKENDS=headless), runs the session script
 * (deploy/kiosk/guichet-borne-session.sh), which runs Debian's Chromium in kiosk mode on the real
 * Guichet server's /borne. Chromium's remote debugging port (GUICHET_BORNE_DEBUG_PORT, a test-only
 * setting) lets the test read what the screen shows:
 *
 * - the server is down when the kiosk starts: the offline page;
 * - the server comes up: Chromium is restarted on /borne, paired (the demo pairs a kiosk on
 *   loopback), showing « Parler à un agent »;
 * - Chromium is killed: a new Chromium comes back on /borne;
 * - the server stops and comes back: a new Chromium loads /borne again (the page of an older
 *   server would ask for scripts a new version no longer has).
 *
 * Needs cage and Xwayland (Debian packages `cage` and `xwayland`; CI installs them: `.ci/run`) and
 * the built web app (npx vite build). Without cage or Xwayland it is skipped with the reason
 * printed. cage refuses to run as root: as root, the session runs as `nobody`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium as playwrightChromium } from '@playwright/test';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnServer, type ServerProcess } from '../../server/src/testing/processes';

const root = path.resolve(import.meta.dirname, '../..');
const kioskDir = import.meta.dirname;
const kitBuild = path.join(root, 'kiosk/build');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function findTool(name: string): string | null {
  const folders = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/bin', '/usr/local/bin'];
  for (const folder of folders) {
    try {
      fs.accessSync(path.join(folder, name), fs.constants.X_OK);
      return path.join(folder, name);
    } catch {
      // not in this folder
    }
  }
  return null;
}
const cage = findTool('cage');
const xwayland = findTool('Xwayland');
const missing = [!cage && 'cage', !xwayland && 'xwayland'].filter(Boolean);
if (missing.length > 0) {
  console.warn(
    `kiosk launcher test: ${missing.join(' and ')} absent (apt-get install cage xwayland): the real kiosk session test is skipped.`
  );
}

/** cage refuses to start as root (it could not drop the privilege for good): as root, nobody runs it. */
const isRoot = process.getuid?.() === 0;
const runAs = isRoot ? { uid: 65534, gid: 65534 } : null;

const flowMs = 60_000;

async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, ms = flowMs): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown = null;
  while (Date.now() < end) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}\n${sessionOutput()}`);
}

let work: string;
let profile: string;
let serverPort: number;
let debugPort: number;
let server: ServerProcess | null = null;
let session: ChildProcess | null = null;
let sessionLog = '';
function sessionOutput(): string {
  return `--- session output ---\n${sessionLog.split('\n').slice(-40).join('\n')}`;
}

function startServer(): Promise<ServerProcess> {
  const started = spawnServer({
    GUICHET_DATA_DIR: path.join(work, 'data'),
    GUICHET_KIOSK_BUILD: kitBuild,
    GUICHET_HOST: '127.0.0.1',
    GUICHET_PORT: String(serverPort),
    GUICHET_LOG_LEVEL: 'warn'
  });
  return until('the Guichet server', async () => started.output().includes('Guichet is running') && started, 40_000).catch(
    (e: Error) => {
      throw new Error(`${e.message}\n${started.output()}`);
    }
  );
}

async function stopServer(): Promise<void> {
  if (!server) return;
  const exited = server.exited;
  server.proc.kill('SIGKILL');
  await exited;
  server = null;
}

/** The running Chromium: its browser id (new at each start) and the process ids of its browser process. */
async function browserId(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${debugPort}/json/version`);
  const version = (await res.json()) as { webSocketDebuggerUrl: string };
  return version.webSocketDebuggerUrl;
}

/** The browser process (not its renderers or helpers) started with this test's profile. */
function browserPids(): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // Chromium's helpers rewrite their command line into one string: match the flags anywhere.
    if (cmdline.includes(`--user-data-dir=${profile}`) && !/(^|[\s\0])--type=/.test(cmdline)) pids.push(Number(entry));
  }
  return pids;
}

/** The names of the cookies Chromium has written to the profile so far (read from a copy of its database). */
function storedCookieNames(): string[] {
  const source = path.join(profile, 'Default/Cookies');
  if (!fs.existsSync(source)) return [];
  const copy = path.join(work, 'cookies-copy.sqlite');
  fs.copyFileSync(source, copy);
  const db = new Database(copy, { readonly: true });
  try {
    return db.prepare('SELECT name FROM cookies').pluck().all() as string[];
  } finally {
    db.close();
  }
}

/**
 * What the kiosk's screen shows: the page's address and, on /borne, that the help button is there;
 * `after` is a Chromium this one must replace (the check waits for the new one).
 */
async function screen(
  expectedPath: string,
  text: string,
  after?: string
): Promise<{ browser: string; url: string; pairing: string | undefined }> {
  return until(`Chromium showing ${expectedPath} with « ${text} »`, async () => {
    const browser = await browserId();
    if (browser === after) return null;
    const cdp = await playwrightChromium.connectOverCDP(`http://127.0.0.1:${debugPort}`, { timeout: 10_000 });
    try {
      const pages = cdp.contexts().flatMap((c) => c.pages());
      const page = pages.find((p) => new URL(p.url()).pathname.endsWith(expectedPath));
      if (!page) return null;
      if (expectedPath === '/borne') {
        await page.getByRole('button', { name: text, exact: true }).waitFor({ state: 'visible', timeout: 5_000 });
      } else {
        await page.getByText(text).waitFor({ state: 'visible', timeout: 5_000 });
      }
      // Still the same Chromium as when the check began.
      if ((await browserId()) !== browser) return null;
      const cookies = await page.context().cookies();
      return { browser, url: page.url(), pairing: cookies.find((c) => c.name === 'guichet_terminal')?.value };
    } finally {
      // Only the test's connection closes: the kiosk's own window stays.
      await cdp.close().catch(() => undefined);
    }
  });
}

beforeAll(async () => {
  if (missing.length > 0) return;
  if (!fs.existsSync(path.join(kitBuild, 'handler.js'))) {
    throw new Error('The web app is not built: run "npx vite build" before this test');
  }
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-kiosk-'));
  // Laid out as install-borne.sh installs it, in a folder the session's user can read.
  const lib = path.join(work, 'lib');
  fs.mkdirSync(lib);
  for (const file of ['guichet-borne-session.sh', 'borne-hors-ligne.html']) {
    fs.copyFileSync(path.join(kioskDir, file), path.join(lib, file));
  }
  fs.chmodSync(path.join(lib, 'guichet-borne-session.sh'), 0o755);
  const home = path.join(work, 'home');
  const runtime = path.join(work, 'runtime');
  fs.mkdirSync(home, { mode: 0o700 });
  fs.mkdirSync(runtime, { mode: 0o700 });
  profile = path.join(home, 'profile');
  fs.chmodSync(work, 0o755);
  if (runAs) {
    for (const dir of [home, runtime]) fs.chownSync(dir, runAs.uid, runAs.gid);
  }
  serverPort = await freePort();
  debugPort = await freePort();
  session = spawn(cage!, ['-d', '--', path.join(lib, 'guichet-borne-session.sh')], {
    cwd: home,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(runAs ?? {}),
    env: {
      PATH: process.env.PATH,
      HOME: home,
      XDG_RUNTIME_DIR: runtime,
      WLR_BACKENDS: 'headless',
      WLR_LIBINPUT_NO_DEVICES: '1',
      WLR_RENDERER: 'pixman',
      LIBSEAT_BACKEND: 'noop',
      GUICHET_URL: `http://127.0.0.1:${serverPort}/borne`,
      GUICHET_BORNE_CHROMIUM: chromiumPath,
      GUICHET_BORNE_CHECK_SECONDS: '1',
      GUICHET_BORNE_DEBUG_PORT: String(debugPort),
      // A container has no user namespaces for Chromium's sandbox; a kiosk machine keeps it.
      GUICHET_BORNE_NO_SANDBOX: '1'
    }
  });
  session.stdout!.on('data', (d: Buffer) => (sessionLog += d.toString()));
  session.stderr!.on('data', (d: Buffer) => (sessionLog += d.toString()));
}, 30_000);

afterAll(async () => {
  await stopServer();
  if (session?.pid) {
    // cage, the session script and Chromium share the process group started for cage.
    try {
      process.kill(-session.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const pid of profile ? browserPids() : []) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (work) {
    await new Promise((r) => setTimeout(r, 500));
    fs.rmSync(work, { recursive: true, force: true });
  }
}, 30_000);

describe.skipIf(missing.length > 0)('the kiosk session under cage', () => {
  it(
    'shows the offline page, then /borne once the server is up, comes back after Chromium is killed, and reloads after an outage',
    async () => {
      // 1. No server yet: the local offline page.
      const offline = await screen('/borne-hors-ligne.html', 'Borne momentanément indisponible');
      expect(offline.url).toBe(`file://${path.join(work, 'lib/borne-hors-ligne.html')}`);
      expect(sessionLog).toContain('starting Chromium on file://');

      // 2. The server starts: a new Chromium on /borne, paired, with the help button.
      server = await startServer();
      const first = await screen('/borne', 'Parler à un agent', offline.browser);
      expect(first.url).toBe(`http://127.0.0.1:${serverPort}/borne`);
      expect(first.browser).not.toBe(offline.browser);
      expect(first.pairing).toBeTruthy();

      // 3. Chromium is killed: the session starts another one on /borne.
      const pids = browserPids();
      expect(pids).toHaveLength(1);
      process.kill(pids[0]!, 'SIGKILL');
      const revived = await screen('/borne', 'Parler à un agent', first.browser);
      expect(revived.browser).not.toBe(first.browser);
      expect(browserPids()).not.toContain(pids[0]);

      // 4. The server goes away and comes back on the same data: Chromium is restarted on /borne.
      // First, Chromium has written the pairing to its profile (it writes cookies in batches).
      await until('the pairing cookie written to the profile', async () => storedCookieNames().includes('guichet_terminal'));
      await stopServer();
      await until('the session to notice the outage', async () => sessionLog.includes('the server does not answer'));
      // The page stays up meanwhile (the same Chromium): the web app shows it is offline.
      expect(await browserId()).toBe(revived.browser);
      server = await startServer();
      await until('the session to see the server back', async () => sessionLog.includes('the server is back'));
      const reloaded = await screen('/borne', 'Parler à un agent', revived.browser);
      expect(reloaded.url).toBe(`http://127.0.0.1:${serverPort}/borne`);
      // The new Chromium has the kiosk's pairing from its profile (the demo pairs only a browser
      // without one, so a lost cookie would show as a new token).
      expect(revived.pairing).toBeTruthy();
      expect(reloaded.pairing).toBe(revived.pairing);
    },
    4 * flowMs
  );
});
