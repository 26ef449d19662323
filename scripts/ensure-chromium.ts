/**
 * The browser tests run in Debian's Chromium (Playwright cannot download its own browsers here).
 * Installs it with apt when running as root; otherwise stops with the one command to run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function ensureChromium(): void {
  if (fs.existsSync(chromiumPath)) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(
      `Chromium is missing (${chromiumPath}). Install it once, then run npm test again:\n\n  sudo apt-get install -y chromium\n`
    );
    process.exit(1);
  }
  console.log('Chromium is missing: installing it with apt (Debian package "chromium")…');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  });
  if (install.status !== 0 || !fs.existsSync(chromiumPath)) {
    console.error('Could not install Chromium. Run: sudo apt-get install -y chromium');
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) ensureChromium();
