/**
 * The deploy tests (`deploy/deploy.spec.ts`) check the systemd units with `systemd-analyze`, the
 * Caddyfile with `caddy` and the HAProxy configuration of several nodes with `haproxy`; the kiosk
 * session test (`deploy/kiosk/kiosk-launcher.spec.ts`) runs `cage`, which needs `Xwayland` to
 * start, and a session that calls `curl`; the HAProxy test (`server/src/testing/haproxy.spec.ts`)
 * runs `haproxy` and fails without it. As root, installs whichever is missing with apt; otherwise
 * says which checks the tests will skip (or fail) and the command that installs them.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const tools = [
  { command: 'systemd-analyze', aptPackage: 'systemd' },
  { command: 'caddy', aptPackage: 'caddy' },
  // Several nodes behind HAProxy (install.sh --nodes): its configuration is checked and run.
  { command: 'haproxy', aptPackage: 'haproxy' },
  { command: 'cage', aptPackage: 'cage' },
  { command: 'Xwayland', aptPackage: 'xwayland' },
  // The kiosk session checks the server's /healthz with it.
  { command: 'curl', aptPackage: 'curl' }
];
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

function found(command: string): boolean {
  const folders = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  return folders.some((folder) => {
    if (!folder) return false;
    try {
      fs.accessSync(path.join(folder, command), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function ensureDeployTools(): void {
  let missing = tools.filter((t) => !found(t.command));
  if (missing.length === 0) return;
  const packages = missing.map((t) => t.aptPackage);
  if (isRoot && found('apt-get')) {
    console.log(`The deploy tests need ${packages.join(', ')}: installing with apt…`);
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    spawnSync('apt-get', ['install', '-y', '-qq', ...packages], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    });
    missing = tools.filter((t) => !found(t.command));
  }
  if (missing.length > 0) {
    console.warn(
      `The deploy tests will skip what needs ${missing.map((t) => t.command).join(', ')}: ` +
        `install it with "sudo apt-get install ${missing.map((t) => t.aptPackage).join(' ')}".`
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) ensureDeployTools();
