/**
 * A throwaway PostgreSQL cluster in a new temporary folder, for the specs, the benches and CI:
 * made with Debian's binaries, reached over TCP on 127.0.0.1 with trust authentication, and
 * removed when stopped. PostgreSQL refuses to run as root, so when this process is root the
 * cluster belongs to the `postgres` system user the Debian package creates.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface PgClusterOptions {
  /**
   * False for tests: no fsync, no synchronous commit, no full page writes. A crash may then lose
   * or corrupt the cluster, which a throwaway one does not mind. Default true (benches measure
   * what a real server does).
   */
  durable?: boolean;
  /** How long to wait for the server to accept connections, in ms (default 30 s). */
  startTimeoutMs?: number;
}

export interface PgCluster {
  /** `postgres://guichet@127.0.0.1:PORT/guichet`: an empty database owned by `guichet`. */
  url: string;
  /** Fast shutdown (open sessions are ended), then the folder is removed. */
  stop(): Promise<void>;
}

const installRoot = '/usr/lib/postgresql';
const user = 'guichet';
const database = 'guichet';

/** The bin folder of the newest PostgreSQL installed. */
export function findPgBin(root = installRoot): string {
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v) && fs.existsSync(path.join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new Error(`PostgreSQL is not installed (no ${root}/*/bin/postgres): install Debian's postgresql package`);
  return path.join(root, versions[0]!, 'bin');
}

/** How to run a PostgreSQL binary: as `postgres` when we are root, as ourselves otherwise. */
function command(bin: string, program: string, args: string[]): [string, string[]] {
  const file = path.join(bin, program);
  if (process.getuid?.() === 0) return ['runuser', ['-u', 'postgres', '--', file, ...args]];
  return [file, args];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startPgCluster(options: PgClusterOptions = {}): Promise<PgCluster> {
  const bin = findPgBin();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-pg-'));
  const asRoot = process.getuid?.() === 0;
  try {
    if (asRoot) {
      const owner = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
      const group = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
      if (owner.status !== 0) throw new Error('Running as root, but there is no `postgres` system user to run PostgreSQL as');
      fs.chownSync(dir, Number(owner.stdout.trim()), Number(group.stdout.trim()));
    }
    const [initFile, initArgs] = command(bin, 'initdb', ['-D', dir, '--locale=C', '-E', 'UTF8', '-U', user, '--auth=trust']);
    const init = spawnSync(initFile, initArgs, { encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout || init.error?.message}`);
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const port = await freePort();
  const settings = ['listen_addresses=127.0.0.1'];
  if (options.durable === false) settings.push('fsync=off', 'synchronous_commit=off', 'full_page_writes=off');
  const [file, args] = command(bin, 'postgres', [
    '-D',
    dir,
    '-k',
    dir,
    '-p',
    String(port),
    ...settings.flatMap((s) => ['-c', s])
  ]);
  const server: ChildProcess = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  // The server logs to stderr: read it (a full pipe would stop the server) and keep the end,
  // which says why it did not start when it does not.
  let log = '';
  server.stderr!.setEncoding('utf8');
  server.stderr!.on('data', (chunk: string) => (log = (log + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));

  /** The postmaster's own pid: when run through `runuser`, the child is not the server. */
  const postmasterPid = (): number | null => {
    try {
      return Number(fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return null;
    }
  };
  const signal = (sig: NodeJS.Signals) => {
    const pid = postmasterPid();
    try {
      if (pid) process.kill(pid, sig);
      else server.kill(sig);
    } catch {
      // Already gone.
    }
  };
  // A test run that ends without stopping the cluster must not leave a server behind.
  const onExit = () => signal('SIGQUIT');
  process.once('exit', onExit);

  const stop = async () => {
    process.removeListener('exit', onExit);
    if (running) {
      signal('SIGINT');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const adminUrl = `postgres://${user}@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  try {
    for (;;) {
      if (!running) throw new Error(`PostgreSQL stopped while starting:\n${log}`);
      const client = new pg.Client({ connectionString: adminUrl });
      try {
        await client.connect();
        await client.query(`CREATE DATABASE ${database}`);
        break;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`PostgreSQL did not accept connections in time (${String(error)}):\n${log}`, { cause: error });
        await delay(50);
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `postgres://${user}@127.0.0.1:${port}/${database}`, stop };
}
