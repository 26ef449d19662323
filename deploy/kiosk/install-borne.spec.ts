/**
 * The kiosk machine's installation (deploy/kiosk/): install-borne.sh, run under a prefix (--root),
 * writes the session script, the settings, Chromium's policy locked to the hall's server, the
 * console lock and the unit, and refuses an address that is not a plain http(s) URL without
 * writing anything; the session script gives Chromium the kiosk's flags, the display's autoplay
 * only on the display, and no debugging port or unsandboxed mode unless asked. The real session
 * under cage is kiosk-launcher.spec.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../server/src/testing/processes';

const kioskDir = import.meta.dirname;
const installer = path.join(kioskDir, 'install-borne.sh');
const sessionScript = path.join(kioskDir, 'guichet-borne-session.sh');
const cEnv = { ...process.env, LC_ALL: 'C', LANG: 'C' };

const temps: string[] = [];
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `guichet-${prefix}-`));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

function install(args: string[]): { status: number | null; output: string } {
  const result = spawnSync('bash', [installer, ...args], { env: cEnv, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function mode(file: string): string {
  return (fs.statSync(file).mode & 0o777).toString(8);
}

function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

describe('install-borne.sh under a prefix (--root)', () => {
  it('passes bash -n, as does the session script', () => {
    for (const script of [installer, sessionScript]) {
      const result = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    }
  });

  it('writes the session, the settings, the policy locked to the hall, the console lock and the unit', () => {
    const root = tempDir('borne');
    const run = install(['--url', 'https://mairie.local/borne', '--root', root]);
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain(`Files written under ${root}`);
    expect(filesUnder(root)).toEqual(
      [
        'etc/chromium/policies/managed/guichet.json',
        'etc/guichet-borne/borne.env',
        'etc/sysctl.d/90-guichet-borne.conf',
        'etc/systemd/logind.conf.d/guichet-borne.conf',
        'etc/systemd/system/guichet-borne.service',
        'usr/local/lib/guichet/borne-hors-ligne.html',
        'usr/local/lib/guichet/guichet-borne-session.sh',
        ...(fs.existsSync(path.join(kioskDir, '../../docs/borne-et-affichage.md'))
          ? ['usr/local/share/doc/guichet-borne/borne-et-affichage.md']
          : [])
      ].sort()
    );
    expect(mode(path.join(root, 'usr/local/lib/guichet/guichet-borne-session.sh'))).toBe('755');
    expect(mode(path.join(root, 'var/lib/guichet-borne'))).toBe('750');
    expect(fs.readFileSync(path.join(root, 'etc/systemd/system/guichet-borne.service'), 'utf8')).toBe(
      fs.readFileSync(path.join(kioskDir, 'guichet-borne.service'), 'utf8')
    );
    // The unit runs the session script where the installer put it.
    const unit = fs.readFileSync(path.join(kioskDir, 'guichet-borne.service'), 'utf8');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/cage -d -- \/usr\/local\/lib\/guichet\/guichet-borne-session\.sh$/m);
    expect(unit).toMatch(/^User=guichet-borne$/m);
    expect(unit).toMatch(/^TTYPath=\/dev\/tty1$/m);
    expect(unit).toMatch(/^Restart=always$/m);
    // No -s: cage keeps VT switching off.
    expect(unit).not.toMatch(/cage[^\n]* -s /);

    const env = fs.readFileSync(path.join(root, 'etc/guichet-borne/borne.env'), 'utf8').split('\n');
    expect(env).toContain('GUICHET_URL=https://mairie.local/borne');
    expect(env).toContain('GUICHET_DISPLAY=0');

    const policy = JSON.parse(fs.readFileSync(path.join(root, 'etc/chromium/policies/managed/guichet.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(policy.URLBlocklist).toEqual(['*']);
    expect(policy.URLAllowlist).toEqual(['https://mairie.local', 'file:///usr/local/lib/guichet/borne-hors-ligne.html']);
    expect(policy).toMatchObject({
      DeveloperToolsAvailability: 2,
      BrowserSignin: 0,
      PasswordManagerEnabled: false,
      TranslateEnabled: false,
      AutofillAddressEnabled: false,
      IncognitoModeAvailability: 1,
      DownloadRestrictions: 3,
      PrintingEnabled: false
    });

    expect(fs.readFileSync(path.join(root, 'etc/sysctl.d/90-guichet-borne.conf'), 'utf8')).toMatch(/^kernel\.sysrq = 0$/m);
    const logind = fs.readFileSync(path.join(root, 'etc/systemd/logind.conf.d/guichet-borne.conf'), 'utf8');
    expect(logind).toMatch(/^NAutoVTs=0$/m);
    expect(logind).toMatch(/^ReserveVT=0$/m);
  });

  it('sets the display up with autoplay, for an address with a port, and installs the hall certificate', () => {
    const root = tempDir('borne');
    const cert = path.join(tempDir('cert'), 'hall-root.crt');
    fs.writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const run = install(['--url', 'http://192.168.1.10:8080/affichage', '--display', '--ca', cert, '--root', root]);
    expect(run.status, run.output).toBe(0);
    const env = fs.readFileSync(path.join(root, 'etc/guichet-borne/borne.env'), 'utf8').split('\n');
    expect(env).toContain('GUICHET_URL=http://192.168.1.10:8080/affichage');
    expect(env).toContain('GUICHET_DISPLAY=1');
    const policy = JSON.parse(fs.readFileSync(path.join(root, 'etc/chromium/policies/managed/guichet.json'), 'utf8')) as {
      URLAllowlist: string[];
    };
    expect(policy.URLAllowlist[0]).toBe('http://192.168.1.10:8080');
    expect(fs.readFileSync(path.join(root, 'usr/local/share/ca-certificates/guichet-hall-root.crt'), 'utf8')).toBe(
      fs.readFileSync(cert, 'utf8')
    );
  });

  it('refuses an address that is not a plain http(s) URL, and a file that is not a certificate, writing nothing', () => {
    for (const url of [
      'https://mairie.local"],"URLBlocklist":[],"x":["',
      'https://mairie.local/borne\nGUICHET_DISPLAY=1',
      'https://mairie.local/borne;reboot',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'mairie.local/borne',
      ''
    ]) {
      const root = tempDir('borne');
      const run = install(['--url', url, '--root', root]);
      expect(run.status, url).toBe(1);
      expect(run.output).toMatch(/is not an address like https:\/\/mairie\.local\/borne|give the page to show/);
      expect(fs.readdirSync(root)).toEqual([]);
    }
    const notCert = path.join(tempDir('cert'), 'hall-root.crt');
    fs.writeFileSync(notCert, 'hello\n');
    const root = tempDir('borne');
    const run = install(['--url', 'https://mairie.local/borne', '--ca', notCert, '--root', root]);
    expect(run.status).toBe(1);
    expect(run.output).toContain('is not a PEM certificate');
    expect(fs.readdirSync(root)).toEqual([]);
  });
});

/**
 * The flags the session script gives Chromium, read from a stand-in browser that writes its
 * arguments and exits (the real Chromium under cage: kiosk-launcher.spec.ts).
 */
async function chromiumArgs(env: Record<string, string>): Promise<{ args: string[]; output: string }> {
  const dir = tempDir('session');
  const argsFile = path.join(dir, 'args');
  const fake = path.join(dir, 'chromium');
  fs.writeFileSync(
    fake,
    `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > "${argsFile}.tmp"\nmv "${argsFile}.tmp" "${argsFile}"\n`
  );
  fs.chmodSync(fake, 0o755);
  const port = await freePort();
  const child = spawn('bash', [sessionScript], {
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      GUICHET_URL: `http://127.0.0.1:${port}/borne`,
      GUICHET_BORNE_CHROMIUM: fake,
      GUICHET_BORNE_CHECK_SECONDS: '1',
      ...env
    },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const end = Date.now() + 15_000;
    while (!fs.existsSync(argsFile)) {
      if (Date.now() > end) throw new Error(`the session never started the browser:\n${output}`);
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return { args: fs.existsSync(argsFile) ? fs.readFileSync(argsFile, 'utf8').split('\n').filter(Boolean) : [], output };
}

describe('the session script', () => {
  it('starts Chromium in kiosk mode on Wayland, its own profile, no pinch or swipe, no debugging, sandboxed', async () => {
    const profile = path.join(tempDir('profile'), 'profile');
    const { args } = await chromiumArgs({ GUICHET_BORNE_PROFILE: profile });
    for (const flag of [
      '--kiosk',
      '--ozone-platform=wayland',
      `--user-data-dir=${profile}`,
      '--noerrdialogs',
      '--disable-pinch',
      '--overscroll-history-navigation=0',
      '--disable-features=TranslateUI,OverscrollHistoryNavigation,TouchpadOverscrollHistoryNavigation',
      '--disable-session-crashed-bubble',
      '--no-first-run'
    ]) {
      expect(args).toContain(flag);
    }
    // Incognito would lose the pairing cookie at every restart.
    expect(args).not.toContain('--incognito');
    expect(args.some((a) => a.startsWith('--remote-debugging'))).toBe(false);
    expect(args).not.toContain('--no-sandbox');
    expect(args).not.toContain('--autoplay-policy=no-user-gesture-required');
    // The server does not answer: the local offline page, last.
    expect(args.at(-1)).toBe(`file://${path.join(kioskDir, 'borne-hors-ligne.html')}`);
  });

  it('adds autoplay on the display, and the debugging port and unsandboxed mode only when asked', async () => {
    const { args } = await chromiumArgs({
      GUICHET_DISPLAY: '1',
      GUICHET_BORNE_DEBUG_PORT: '9333',
      GUICHET_BORNE_NO_SANDBOX: '1'
    });
    expect(args).toContain('--autoplay-policy=no-user-gesture-required');
    expect(args).toContain('--remote-debugging-port=9333');
    expect(args).toContain('--remote-debugging-address=127.0.0.1');
    expect(args).toContain('--no-sandbox');
  });

  it('refuses a page that is not an http(s) address', () => {
    const result = spawnSync('bash', [sessionScript], {
      env: { PATH: process.env.PATH, HOME: tempDir('session'), GUICHET_URL: 'file:///etc/passwd' },
      encoding: 'utf8'
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('GUICHET_URL=file:///etc/passwd is not an http(s) address');
  });
});
