/** The real server entry point as a child process, for tests of start-up, shutdown and restarts. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../../..');

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  proc: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  exited: Promise<number | null>;
}

/** Runs `server/src/main.ts` with only PATH and the given variables in its environment. */
export function spawnServer(env: Record<string, string>): ServerProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

export async function waitFor(check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A stand-in for the built web app, for tests of the server alone: every page is a 404. */
export function stubWebApp(dir: string): string {
  const web = path.join(dir, 'web');
  fs.mkdirSync(web, { recursive: true });
  fs.writeFileSync(path.join(web, 'handler.js'), 'export const handler = (req, res) => { res.writeHead(404); res.end(); };\n');
  return web;
}

/** The real server on `dir/data` and a stub web app, on `port`; resolves once it is running. */
export async function startServerIn(dir: string, port: number, env: Record<string, string> = {}): Promise<ServerProcess> {
  const server = spawnServer({
    GUICHET_DATA_DIR: path.join(dir, 'data'),
    GUICHET_KIOSK_BUILD: stubWebApp(dir),
    GUICHET_PORT: String(port),
    GUICHET_LOG_LEVEL: 'warn',
    ...env
  });
  await waitFor(() => server.output().includes('Guichet is running'), 20_000);
  return server;
}
