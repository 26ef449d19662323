/**
 * A town hall's installation (`deploy/`): the systemd units pass `systemd-analyze verify` and stay
 * confined (`systemd-analyze security`), the Caddyfile the installer writes passes `caddy validate`,
 * and `install.sh`, run under a prefix (`--root`), writes every file with its mode, keeps the
 * settings on an upgrade, and refuses a bad hall name or an unbuilt tree without writing anything.
 *
 * The systemd and Caddy checks need those tools (CI installs them: `.ci/run`); where one is absent
 * its tests are skipped with the reason printed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../server/src/config';

const deployDir = import.meta.dirname;
const installer = path.join(deployDir, 'install.sh');
/** The units, by their path under deploy/: the server's, and the kiosk machine's (deploy/kiosk/). */
const unitPaths = ['guichet.service', 'guichet-backup.service', 'guichet-backup.timer', 'kiosk/guichet-borne.service'];
const unitFiles = unitPaths.map((p) => path.basename(p));
/** The units install.sh puts on the server (the kiosk's are install-borne.sh's, on the kiosk). */
const serverUnitFiles = unitPaths.filter((p) => !p.includes('/'));
/** Where systemd looks for a command named without its path (`ExecStart=node …`). */
const systemdPath = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function findTool(name: string, folders: string[]): string | null {
  for (const folder of folders) {
    const candidate = path.join(folder, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return null;
}
const pathFolders = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...systemdPath];
const systemdAnalyze = findTool('systemd-analyze', pathFolders);
const caddy = findTool('caddy', pathFolders);
if (!systemdAnalyze)
  console.warn('deploy tests: systemd-analyze is absent (apt-get install systemd): the unit checks are skipped.');
if (!caddy) console.warn('deploy tests: caddy is absent (apt-get install caddy): the Caddyfile check is skipped.');
const cage = findTool('cage', systemdPath);
if (systemdAnalyze && !cage) {
  console.warn(
    'deploy tests: cage is absent (apt-get install cage): the kiosk unit is verified with /bin/true in place of /usr/bin/cage.'
  );
}

const temps: string[] = [];
function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `guichet-${prefix}-`));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
});

const cEnv = { ...process.env, LC_ALL: 'C', LANG: 'C', SYSTEMD_COLORS: '0', SYSTEMD_PAGER: '' };

/**
 * The units, copied into a folder of their own, each edited by `edit`. A command the units name
 * without its path must be where systemd looks; where Node.js lives elsewhere (a version manager),
 * the copy names it by its full path, so only the unit's own settings are judged. The kiosk unit
 * runs cage, a package of the kiosk machine: where it is not installed, /bin/true stands in.
 */
function unitCopies(edit: (name: string, text: string) => string = (_name, text) => text): string {
  const dir = tempDir('units');
  for (const unitPath of unitPaths) {
    const name = path.basename(unitPath);
    let text = fs.readFileSync(path.join(deployDir, unitPath), 'utf8');
    for (const command of ['node', 'npm']) {
      if (findTool(command, systemdPath)) continue;
      const full = findTool(command, pathFolders);
      if (full) text = text.replace(new RegExp(`^ExecStart=${command} `, 'm'), `ExecStart=${full} `);
    }
    if (!cage) text = text.replace(/^ExecStart=\/usr\/bin\/cage /m, 'ExecStart=/bin/true ');
    fs.writeFileSync(path.join(dir, name), edit(name, text));
  }
  return dir;
}

/**
 * What `systemd-analyze verify` finds wrong in the units of `dir`. It exits 0 on settings it
 * ignores (an unknown key, a bad value), only printing them: any line it prints counts.
 */
function verifyProblems(dir: string): string[] {
  const result = spawnSync(systemdAnalyze!, ['verify', '--man=no', ...unitFiles.map((f) => `./${f}`)], {
    cwd: dir,
    env: cEnv,
    encoding: 'utf8'
  });
  const lines = `${result.stdout}${result.stderr}`.split('\n').filter((l) => l.trim() !== '');
  return result.status === 0 ? lines : [`exit status ${result.status}`, ...lines];
}

/** `systemd-analyze security` offline: 0 when the service's exposure is at most 2.0 ("OK"). */
function exposureCheck(dir: string, service: string): { status: number | null; output: string } {
  const result = spawnSync(systemdAnalyze!, ['security', '--offline=true', '--threshold=20', '--no-pager', `./${service}`], {
    cwd: dir,
    env: cEnv,
    encoding: 'utf8'
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe.skipIf(!systemdAnalyze)('the systemd units', () => {
  it('pass systemd-analyze verify without a single warning', () => {
    expect(verifyProblems(unitCopies())).toEqual([]);
  });

  it('fail the same check when a setting is wrong, a key unknown, a command missing or a time invalid', () => {
    const badValue = unitCopies((name, text) =>
      name === 'guichet.service' ? text.replace(/^ProtectSystem=strict$/m, 'ProtectSystem=strictest') : text
    );
    expect(verifyProblems(badValue).join('\n')).toMatch(/ProtectSystem|protect system/i);

    const unknownKey = unitCopies((name, text) =>
      name === 'guichet.service' ? text.replace(/^Restart=on-failure$/m, 'Restartt=on-failure') : text
    );
    expect(verifyProblems(unknownKey).join('\n')).toContain("Unknown key 'Restartt'");

    const missingCommand = unitCopies((name, text) =>
      name === 'guichet.service' ? text.replace(/^ExecStart=\S+/m, 'ExecStart=/usr/bin/no-such-node') : text
    );
    expect(verifyProblems(missingCommand).join('\n')).toContain('no-such-node');

    const missingCage = unitCopies((name, text) =>
      name === 'guichet-borne.service' ? text.replace(/^ExecStart=\S+/m, 'ExecStart=/usr/bin/no-such-cage') : text
    );
    expect(verifyProblems(missingCage).join('\n')).toContain('no-such-cage');

    const badTime = unitCopies((name, text) =>
      name === 'guichet-backup.timer' ? text.replace(/^OnCalendar=.*$/m, 'OnCalendar=*-*-* 25:30:00') : text
    );
    expect(verifyProblems(badTime).join('\n')).toContain('Failed to parse calendar specification');
  });

  it('start the backup from the timer, the unit systemd-analyze does not check', () => {
    const timer = fs.readFileSync(path.join(deployDir, 'guichet-backup.timer'), 'utf8');
    const unit = /^Unit=(.+)$/m.exec(timer)?.[1];
    expect(unit).toBe('guichet-backup.service');
    expect(fs.existsSync(path.join(deployDir, unit!))).toBe(true);
    expect(timer).toMatch(/^Persistent=true$/m);
    expect(timer).toMatch(/^RandomizedDelaySec=\S+$/m);
    expect(timer).toMatch(/^WantedBy=timers\.target$/m);
  });

  it('keep the server and the backup confined (exposure at most 2.0), and lose that when hardening is removed', () => {
    const dir = unitCopies();
    for (const service of ['guichet.service', 'guichet-backup.service']) {
      const check = exposureCheck(dir, service);
      expect(check.output).toContain(`Overall exposure level for ${service}`);
      expect(check.status, check.output).toBe(0);
    }
    // The same server unit without its confinement goes over the threshold: the check can fail.
    const loose = unitCopies((name, text) =>
      name === 'guichet.service'
        ? text.replace(
            /^(ProtectSystem|ProtectHome|PrivateTmp|NoNewPrivileges|CapabilityBoundingSet|SystemCallFilter|RestrictAddressFamilies|ProtectKernel\w+|IPAddress\w+)=.*$/gm,
            ''
          )
        : text
    );
    expect(exposureCheck(loose, 'guichet.service').status).not.toBe(0);
  });
});

/** A built tree as `npm run build` leaves it, reduced to what the installer copies and checks. */
function builtTree(version: string): string {
  const dir = tempDir('tree');
  fs.cpSync(deployDir, path.join(dir, 'deploy'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'guichet', version }, null, 2));
  fs.writeFileSync(path.join(dir, 'package-lock.json'), '{}\n');
  fs.mkdirSync(path.join(dir, 'build/server'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'build/server/main.js'), `// Guichet ${version}\n`);
  // What a developer's checkout also holds and a town hall's machine must not get.
  fs.mkdirSync(path.join(dir, '.git'));
  fs.writeFileSync(path.join(dir, '.git/HEAD'), 'ref: refs/heads/main\n');
  fs.mkdirSync(path.join(dir, 'node_modules/vitest'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'data/guichet.sqlite'), 'a developer’s database');
  return dir;
}

function install(args: string[]): { status: number | null; output: string } {
  const result = spawnSync('bash', [installer, ...args], { env: cEnv, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function mode(file: string): string {
  return (fs.statSync(file).mode & 0o777).toString(8);
}

/** Every file under `dir`, relative, sorted. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

describe('install.sh under a prefix (--root)', () => {
  it('passes bash -n', () => {
    const result = spawnSync('bash', ['-n', installer], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('writes the tree, the settings, the Caddyfile and the units, with their modes', () => {
    const root = tempDir('root');
    const tree = builtTree('1.0.0');
    const run = install(['--from', tree, '--root', root, '--name', 'Mairie.Saint-Andre.local', '--usb-printers']);
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain(`Files written under ${root}`);

    expect(filesUnder(root)).toEqual(
      [
        'etc/caddy/Caddyfile',
        'etc/guichet/guichet.env',
        'etc/systemd/system/guichet-backup.service',
        'etc/systemd/system/guichet-backup.timer',
        'etc/systemd/system/guichet.service',
        'opt/guichet/build/server/main.js',
        'opt/guichet/package-lock.json',
        'opt/guichet/package.json',
        ...filesUnder(deployDir).map((f) => `opt/guichet/deploy/${f}`)
      ].sort()
    );
    expect(fs.readFileSync(path.join(root, 'opt/guichet/build/server/main.js'), 'utf8')).toBe('// Guichet 1.0.0\n');
    for (const unit of serverUnitFiles) {
      expect(fs.readFileSync(path.join(root, 'etc/systemd/system', unit), 'utf8')).toBe(
        fs.readFileSync(path.join(deployDir, unit), 'utf8')
      );
      expect(mode(path.join(root, 'etc/systemd/system', unit))).toBe('644');
    }

    const env = fs.readFileSync(path.join(root, 'etc/guichet/guichet.env'), 'utf8');
    expect(env).not.toContain('@');
    for (const line of [
      'GUICHET_HOST=127.0.0.1',
      'GUICHET_PORT=3000',
      'GUICHET_DATA_DIR=/var/lib/guichet',
      'GUICHET_DEMO=0',
      'GUICHET_PUBLIC_ORIGIN=https://mairie.saint-andre.local',
      'GUICHET_TRUST_PROXY=loopback',
      'GUICHET_HALL_CA_FILE=/etc/guichet/hall-root.crt',
      'GUICHET_USB_PRINTERS=1'
    ]) {
      expect(env.split('\n')).toContain(line);
    }
    expect(mode(path.join(root, 'etc/guichet/guichet.env'))).toBe('640');
    expect(mode(path.join(root, 'etc/guichet'))).toBe('750');
    expect(mode(path.join(root, 'var/lib/guichet'))).toBe('750');
    expect(mode(path.join(root, 'opt/guichet'))).toBe('755');
    expect(mode(path.join(root, 'opt/guichet/package.json'))).toBe('644');

    const caddyfile = fs.readFileSync(path.join(root, 'etc/caddy/Caddyfile'), 'utf8');
    expect(caddyfile).not.toContain('@');
    expect(caddyfile).toContain('https://mairie.saint-andre.local {');
    expect(caddyfile).toContain('http://mairie.saint-andre.local {');
    expect(caddyfile).toContain('reverse_proxy 127.0.0.1:3000');
    expect(caddyfile).toContain('tls internal');
    expect(mode(path.join(root, 'etc/caddy/Caddyfile'))).toBe('644');

    // The server accepts the settings as written, and reads them as the installation means them.
    const settings = Object.fromEntries(
      env
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
    );
    const config = parseConfig(settings, '/opt/guichet');
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      dataDir: '/var/lib/guichet',
      databaseFile: '/var/lib/guichet/guichet.sqlite',
      demo: false,
      demoAutoPair: false,
      publicOrigin: 'https://mairie.saint-andre.local',
      secureCookies: true,
      trustProxy: ['loopback'],
      usbPrinters: true,
      kioskBuildDir: '/opt/guichet/kiosk/build',
      catalogDir: '/opt/guichet/server/catalog'
    });
  });

  it('upgrades in place: the new tree replaces the old, the settings stay as the town hall edited them', () => {
    const root = tempDir('root');
    expect(install(['--from', builtTree('1.0.0'), '--root', root, '--name', '192.168.1.10']).status).toBe(0);
    const envFile = path.join(root, 'etc/guichet/guichet.env');
    const first = fs.readFileSync(envFile, 'utf8');
    expect(first.split('\n')).toContain('GUICHET_USB_PRINTERS=0');
    // The town hall changes its settings, and the port: the Caddyfile follows the port.
    const edited = first.replace('GUICHET_PORT=3000', 'GUICHET_PORT=3100') + 'GUICHET_KIOSK_IDLE_SECONDS=120\n';
    fs.writeFileSync(envFile, edited);
    // A file the old version had and the new one has not.
    fs.writeFileSync(path.join(root, 'opt/guichet/build/server/removed.js'), '');
    // An administrator's own Caddyfile, before Guichet's: kept aside once.
    fs.writeFileSync(path.join(root, 'etc/caddy/Caddyfile'), ':80 {\n\tfile_server\n}\n');

    // No --name: read back from the settings. --usb-printers does not change a kept file.
    const upgrade = install(['--from', builtTree('1.1.0'), '--root', root, '--usb-printers']);
    expect(upgrade.status, upgrade.output).toBe(0);
    expect(upgrade.output).toContain('Keeping /etc/guichet/guichet.env');
    expect(upgrade.output).toContain('set GUICHET_USB_PRINTERS=1 in it');
    expect(fs.readFileSync(envFile, 'utf8')).toBe(edited);
    expect(fs.readFileSync(path.join(root, 'opt/guichet/build/server/main.js'), 'utf8')).toBe('// Guichet 1.1.0\n');
    expect(fs.existsSync(path.join(root, 'opt/guichet/build/server/removed.js'))).toBe(false);
    expect(fs.readFileSync(path.join(root, 'opt/guichet.previous/build/server/main.js'), 'utf8')).toBe('// Guichet 1.0.0\n');
    expect(fs.existsSync(path.join(root, 'opt/guichet.new'))).toBe(false);
    const caddyfile = fs.readFileSync(path.join(root, 'etc/caddy/Caddyfile'), 'utf8');
    expect(caddyfile).toContain('https://192.168.1.10 {');
    expect(caddyfile).toContain('reverse_proxy 127.0.0.1:3100');
    expect(fs.readFileSync(path.join(root, 'etc/caddy/Caddyfile.before-guichet'), 'utf8')).toBe(':80 {\n\tfile_server\n}\n');

    // A third run changes nothing more: the same files, the administrator's Caddyfile still aside
    // (the previous tree, now 1.1.0 too, no longer has removed.js).
    const before = filesUnder(root).filter((f) => !f.startsWith('opt/guichet.previous/'));
    expect(install(['--from', builtTree('1.1.0'), '--root', root]).status).toBe(0);
    expect(filesUnder(root)).toEqual(
      [
        ...before,
        ...before.filter((f) => f.startsWith('opt/guichet/')).map((f) => f.replace('opt/guichet/', 'opt/guichet.previous/'))
      ].sort()
    );
    expect(fs.readFileSync(envFile, 'utf8')).toBe(edited);
    expect(fs.readFileSync(path.join(root, 'etc/caddy/Caddyfile.before-guichet'), 'utf8')).toBe(':80 {\n\tfile_server\n}\n');

    // A new name on a kept file: said, not silently half-applied.
    const renamed = install(['--from', builtTree('1.1.0'), '--root', root, '--name', 'guichet.mairie.fr']);
    expect(renamed.status).toBe(0);
    expect(renamed.output).toContain('GUICHET_PUBLIC_ORIGIN=https://192.168.1.10, not https://guichet.mairie.fr');
  });

  it('refuses a hall name that is not a host name or an address, writing nothing', () => {
    const tree = builtTree('1.0.0');
    for (const name of [
      'mairie.local {\n\trespond hacked\n}',
      'mairie local',
      'mairie.local/gestion',
      '-mairie.local',
      'évry.fr',
      ''
    ]) {
      const root = tempDir('root');
      const run = install(['--from', tree, '--root', root, '--name', name]);
      expect(run.status, name).toBe(1);
      expect(run.output).toMatch(/is not a host name|give the hall's name/);
      expect(fs.readdirSync(root)).toEqual([]);
    }
  });

  it('refuses a tree that is not built, and the first installation without a name, writing nothing', () => {
    const unbuilt = builtTree('1.0.0');
    fs.rmSync(path.join(unbuilt, 'build'), { recursive: true });
    let root = tempDir('root');
    let run = install(['--from', unbuilt, '--root', root, '--name', 'mairie.local']);
    expect(run.status).toBe(1);
    expect(run.output).toContain('build/server/main.js is missing: install from a built tree (npm ci && npm run build)');
    expect(fs.readdirSync(root)).toEqual([]);

    root = tempDir('root');
    run = install(['--from', builtTree('1.0.0'), '--root', root]);
    expect(run.status).toBe(1);
    expect(run.output).toContain("give the hall's name or address: --name mairie.local");
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it.skipIf(!caddy)('writes a Caddyfile that caddy validate accepts, for a name and for an IP address', () => {
    for (const name of ['mairie.local', '192.168.1.10']) {
      const root = tempDir('root');
      expect(install(['--from', builtTree('1.0.0'), '--root', root, '--name', name]).status).toBe(0);
      // Caddy's local authority is created in a folder of the test's own.
      const home = tempDir('caddy');
      const result = spawnSync(
        caddy!,
        ['validate', '--config', path.join(root, 'etc/caddy/Caddyfile'), '--adapter', 'caddyfile'],
        {
          env: { ...cEnv, HOME: home, XDG_DATA_HOME: path.join(home, 'data'), XDG_CONFIG_HOME: path.join(home, 'config') },
          encoding: 'utf8'
        }
      );
      expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
      expect(`${result.stdout}${result.stderr}`).toContain('Valid configuration');
      // Already formatted (caddy fmt): Caddy warns at every start otherwise.
      expect(`${result.stdout}${result.stderr}`).not.toContain('not formatted');
    }
    // The same check fails on a broken copy.
    const broken = path.join(tempDir('caddy'), 'Caddyfile');
    fs.writeFileSync(
      broken,
      fs
        .readFileSync(path.join(deployDir, 'Caddyfile'), 'utf8')
        .replace(/^\ttls internal$/m, '\ttls internall')
        .replaceAll('@HALL_NAME@', 'mairie.local')
        .replaceAll('@GUICHET_PORT@', '3000')
    );
    const home = tempDir('caddy');
    const result = spawnSync(caddy!, ['validate', '--config', broken, '--adapter', 'caddyfile'], {
      env: { ...cEnv, HOME: home, XDG_DATA_HOME: path.join(home, 'data') },
      encoding: 'utf8'
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('tls');
  });
});
