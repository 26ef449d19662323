/**
 * A town hall's installation (`deploy/`): the systemd units pass `systemd-analyze verify` and stay
 * confined (`systemd-analyze security`), the Caddyfile the installer writes passes `caddy validate`
 * and its HAProxy configuration (several nodes) `haproxy -c`, and `install.sh`, run under a prefix
 * (`--root`), writes every file with its mode, keeps the settings on an upgrade, and refuses a bad
 * hall name, an unbuilt tree or several nodes without PostgreSQL without writing anything.
 *
 * The systemd, Caddy and HAProxy checks need those tools (CI installs them: `.ci/run`); where one
 * is absent its tests are skipped with the reason printed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../server/src/config';
import { findHaproxy } from '../server/src/testing/haproxy';

const deployDir = import.meta.dirname;
const installer = path.join(deployDir, 'install.sh');
/** The template of the nodes' units (install.sh --nodes N): guichet@1.service … guichet@N.service. */
const nodeUnit = 'guichet@.service';
/** The units, by their path under deploy/: the server's, and the kiosk machine's (deploy/kiosk/). */
const unitPaths = ['guichet.service', nodeUnit, 'guichet-backup.service', 'guichet-backup.timer', 'kiosk/guichet-borne.service'];
const unitFiles = unitPaths.map((p) => path.basename(p));
/**
 * The units install.sh puts on the server for a single node (the kiosk's are install-borne.sh's,
 * on the kiosk); the nodes' template comes on top with several.
 */
const serverUnitFiles = unitPaths.filter((p) => !p.includes('/') && p !== nodeUnit);
/** What systemd-analyze is given for a unit: a template is checked as one of its instances. */
const checkedAs = (unit: string) => (unit === nodeUnit ? 'guichet@1.service' : unit);
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
const haproxy = findHaproxy();
if (!systemdAnalyze)
  console.warn('deploy tests: systemd-analyze is absent (apt-get install systemd): the unit checks are skipped.');
if (!caddy) console.warn('deploy tests: caddy is absent (apt-get install caddy): the Caddyfile check is skipped.');
if (!haproxy) console.warn('deploy tests: haproxy is absent (apt-get install haproxy): the HAProxy check is skipped.');
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
 * ignores (an unknown key, a bad value), only printing them: any line it prints counts. A
 * template is verified as an instance (`./guichet@1.service`): systemd-analyze finds no such file
 * and loads the template beside it, with %i = 1.
 */
function verifyProblems(dir: string): string[] {
  const result = spawnSync(systemdAnalyze!, ['verify', '--man=no', ...unitFiles.map((f) => `./${checkedAs(f)}`)], {
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

    // The template is checked too, as its instance guichet@1.
    const badTemplate = unitCopies((name, text) =>
      name === nodeUnit ? text.replace(/^StateDirectory=.*$/m, 'StateDirectory=../node-%i') : text
    );
    expect(verifyProblems(badTemplate).join('\n')).toContain('StateDirectory= path is not normalized, ignoring: ../node-1');

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
    for (const service of ['guichet.service', checkedAs(nodeUnit), 'guichet-backup.service']) {
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

/** install.sh with `env` on top of this process's environment, less any database URL it has. */
function install(args: string[], env: Record<string, string> = {}): { status: number | null; output: string } {
  const inherited: NodeJS.ProcessEnv = { ...cEnv };
  delete inherited.GUICHET_DATABASE_URL;
  const result = spawnSync('bash', [installer, ...args], { env: { ...inherited, ...env }, encoding: 'utf8' });
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

const databaseUrl = 'postgres://guichet:s3cr%22t@db.example.internal:5432/guichet';

/** The settings of a file, as systemd reads an EnvironmentFile (the lines that set something). */
function settingsIn(file: string): Record<string, string> {
  return Object.fromEntries(
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
  );
}

/** The `server` lines of a HAProxy configuration, trimmed. */
function serverLines(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('server '));
}

describe('install.sh --nodes N under a prefix (--root)', () => {
  it("writes each node's settings and the template of their unit, HAProxy's configuration, and the database URL", () => {
    const root = tempDir('root');
    const run = install(['--from', builtTree('1.0.0'), '--root', root, '--name', 'mairie.local', '--nodes', '2'], {
      GUICHET_DATABASE_URL: databaseUrl
    });
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('2 nodes on ports 3001-3002, HAProxy on 3000');

    expect(filesUnder(root)).toEqual(
      [
        'etc/caddy/Caddyfile',
        'etc/guichet/guichet.env',
        'etc/guichet/node-1.env',
        'etc/guichet/node-2.env',
        'etc/haproxy/haproxy.cfg',
        ...[...serverUnitFiles, nodeUnit].map((unit) => `etc/systemd/system/${unit}`),
        'opt/guichet/build/server/main.js',
        'opt/guichet/package-lock.json',
        'opt/guichet/package.json',
        ...filesUnder(deployDir).map((f) => `opt/guichet/deploy/${f}`)
      ].sort()
    );
    const installedUnit = path.join(root, 'etc/systemd/system', nodeUnit);
    expect(fs.readFileSync(installedUnit, 'utf8')).toBe(fs.readFileSync(path.join(deployDir, nodeUnit), 'utf8'));
    expect(mode(installedUnit)).toBe('644');

    // The settings, with the database every node shares; then each node's own over them.
    const envFile = path.join(root, 'etc/guichet/guichet.env');
    const env = fs.readFileSync(envFile, 'utf8').split('\n');
    expect(env).toContain(`GUICHET_DATABASE_URL=${databaseUrl}`);
    expect(env).not.toContain('#GUICHET_DATABASE_URL=');
    expect(mode(envFile)).toBe('640');
    for (const i of [1, 2]) {
      const nodeFile = path.join(root, `etc/guichet/node-${i}.env`);
      expect(settingsIn(nodeFile)).toEqual({
        GUICHET_PORT: `${3000 + i}`,
        GUICHET_DATA_DIR: `/var/lib/guichet/node-${i}`,
        GUICHET_NODE_NAME: `node-${i}`
      });
      expect(mode(nodeFile)).toBe('640');
      expect(mode(path.join(root, `var/lib/guichet/node-${i}`))).toBe('750');
      expect(parseConfig({ ...settingsIn(envFile), ...settingsIn(nodeFile) }, '/opt/guichet')).toMatchObject({
        host: '127.0.0.1',
        port: 3000 + i,
        dataDir: `/var/lib/guichet/node-${i}`,
        nodeName: `node-${i}`,
        databaseUrl,
        publicOrigin: 'https://mairie.local',
        trustProxy: ['loopback']
      });
    }

    // Caddy forwards to 3000 as with one node: HAProxy is there now.
    expect(fs.readFileSync(path.join(root, 'etc/caddy/Caddyfile'), 'utf8')).toContain('reverse_proxy 127.0.0.1:3000');

    // HAProxy's configuration is the template with its ports filled in, the server line once a node.
    const haproxyCfg = path.join(root, 'etc/haproxy/haproxy.cfg');
    expect(mode(haproxyCfg)).toBe('644');
    const written = fs.readFileSync(haproxyCfg, 'utf8');
    expect(written).not.toContain('@');
    expect(serverLines(haproxyCfg)).toEqual([
      'server node1 127.0.0.1:3001 cookie node1',
      'server node2 127.0.0.1:3002 cookie node2'
    ]);
    const template = fs.readFileSync(path.join(deployDir, 'haproxy.cfg'), 'utf8');
    expect(written.split('\n').filter((line) => !line.trim().startsWith('server '))).toEqual(
      template
        .replaceAll('@GUICHET_PORT@', '3000')
        .split('\n')
        .filter((line) => !line.includes('@NODE@'))
    );
    expect(written).toContain('\tbind 127.0.0.1:3000\n');
  });

  it('keeps the nodes on an upgrade, follows --nodes up and down, and goes back to one node', () => {
    const root = tempDir('root');
    // An administrator's own HAProxy configuration: kept aside once.
    fs.mkdirSync(path.join(root, 'etc/haproxy'), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc/haproxy/haproxy.cfg'), 'global\n\tdaemon\n');
    const nodeFiles = () => filesUnder(path.join(root, 'etc/guichet')).filter((f) => f.startsWith('node-'));
    const haproxyCfg = path.join(root, 'etc/haproxy/haproxy.cfg');
    const unitFile = path.join(root, 'etc/systemd/system', nodeUnit);

    let run = install(['--from', builtTree('1.0.0'), '--root', root, '--name', 'mairie.local', '--nodes', '2'], {
      GUICHET_DATABASE_URL: databaseUrl
    });
    expect(run.status, run.output).toBe(0);
    expect(fs.readFileSync(`${haproxyCfg}.before-guichet`, 'utf8')).toBe('global\n\tdaemon\n');
    const env = fs.readFileSync(path.join(root, 'etc/guichet/guichet.env'), 'utf8');

    // An upgrade without --nodes (nor the URL: guichet.env has it) keeps the two nodes.
    run = install(['--from', builtTree('1.1.0'), '--root', root]);
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('2 nodes on ports 3001-3002');
    expect(nodeFiles()).toEqual(['node-1.env', 'node-2.env']);

    run = install(['--from', builtTree('1.1.0'), '--root', root, '--nodes', '3']);
    expect(run.status, run.output).toBe(0);
    expect(nodeFiles()).toEqual(['node-1.env', 'node-2.env', 'node-3.env']);
    expect(settingsIn(path.join(root, 'etc/guichet/node-3.env')).GUICHET_PORT).toBe('3003');
    expect(serverLines(haproxyCfg)).toHaveLength(3);

    run = install(['--from', builtTree('1.1.0'), '--root', root, '--nodes', '2']);
    expect(run.status, run.output).toBe(0);
    expect(nodeFiles()).toEqual(['node-1.env', 'node-2.env']);
    expect(serverLines(haproxyCfg)).toEqual([
      'server node1 127.0.0.1:3001 cookie node1',
      'server node2 127.0.0.1:3002 cookie node2'
    ]);

    // Back to one node: guichet.service on 3000 again, the nodes' files gone; the settings stay.
    run = install(['--from', builtTree('1.1.0'), '--root', root, '--nodes', '1']);
    expect(run.status, run.output).toBe(0);
    expect(nodeFiles()).toEqual([]);
    expect(fs.existsSync(unitFile)).toBe(false);
    expect(fs.existsSync(path.join(root, 'etc/systemd/system/guichet.service'))).toBe(true);
    expect(fs.readFileSync(path.join(root, 'etc/caddy/Caddyfile'), 'utf8')).toContain('reverse_proxy 127.0.0.1:3000');
    expect(fs.readFileSync(path.join(root, 'etc/guichet/guichet.env'), 'utf8')).toBe(env);
    expect(fs.readFileSync(`${haproxyCfg}.before-guichet`, 'utf8')).toBe('global\n\tdaemon\n');

    // And it stays so.
    run = install(['--from', builtTree('1.1.0'), '--root', root]);
    expect(run.status, run.output).toBe(0);
    expect(run.output).not.toContain('nodes on ports');
    expect(nodeFiles()).toEqual([]);
  });

  it('refuses several nodes without a PostgreSQL URL, or a number of nodes out of range, writing nothing', () => {
    const tree = builtTree('1.0.0');
    const cases: [string[], Record<string, string>, string][] = [
      [['--nodes', '2'], {}, 'several nodes share one PostgreSQL database: give its URL on the first installation'],
      ...[
        'sqlite:/var/lib/guichet/guichet.sqlite',
        'postgres://guichet:a b@db/guichet',
        'postgres://guichet:"x"@db/guichet',
        "postgres://guichet:it's@db/guichet",
        'postgres://guichet:a\\b@db/guichet'
      ].map((url): [string[], Record<string, string>, string] => [
        ['--nodes', '2'],
        { GUICHET_DATABASE_URL: url },
        'is not a postgres:// URL on one line'
      ]),
      ...['0', '17', 'two', '-1', ''].map((n): [string[], Record<string, string>, string] => [
        ['--nodes', n],
        { GUICHET_DATABASE_URL: databaseUrl },
        'give a number of nodes from 1 to 16'
      ])
    ];
    for (const [args, env, message] of cases) {
      const root = tempDir('root');
      const run = install(['--from', tree, '--root', root, '--name', 'mairie.local', ...args], env);
      expect(run.status, `${args.join(' ')} ${JSON.stringify(env)}`).toBe(1);
      expect(run.output).toContain(message);
      expect(fs.readdirSync(root)).toEqual([]);
    }

    // Settings kept from one node, without a database URL: the URL goes in them first.
    const root = tempDir('root');
    expect(install(['--from', tree, '--root', root, '--name', 'mairie.local']).status).toBe(0);
    const before = filesUnder(root);
    const run = install(['--from', tree, '--root', root, '--nodes', '2'], { GUICHET_DATABASE_URL: databaseUrl });
    expect(run.status).toBe(1);
    expect(run.output).toContain('add GUICHET_DATABASE_URL=postgres://… to /etc/guichet/guichet.env');
    expect(filesUnder(root)).toEqual(before);
  });

  it.skipIf(!haproxy)('writes a HAProxy configuration that haproxy -c accepts', () => {
    const root = tempDir('root');
    const run = install(['--from', builtTree('1.0.0'), '--root', root, '--name', 'mairie.local', '--nodes', '3'], {
      GUICHET_DATABASE_URL: databaseUrl
    });
    expect(run.status, run.output).toBe(0);
    const written = path.join(root, 'etc/haproxy/haproxy.cfg');
    const result = spawnSync(haproxy!, ['-c', '-f', written], { env: cEnv, encoding: 'utf8' });
    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain('Configuration file is valid');
    // Not a single warning either.
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/WARNING|ALERT/);

    // The same check fails on a broken copy.
    const broken = path.join(tempDir('haproxy'), 'haproxy.cfg');
    fs.writeFileSync(broken, fs.readFileSync(written, 'utf8').replace('balance roundrobin', 'balance roundrobinn'));
    const refused = spawnSync(haproxy!, ['-c', '-f', broken], { env: cEnv, encoding: 'utf8' });
    expect(refused.status).not.toBe(0);
    expect(`${refused.stdout}${refused.stderr}`).toContain('balance only supports');
  });
});
