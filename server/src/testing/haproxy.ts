/**
 * HAProxy in front of test servers, with the configuration a town hall's machine gets from
 * `install.sh --nodes N` (`deploy/haproxy.cfg`): the same timeouts, X-Forwarded-For, sticky
 * cookie, health checks and failover. Only what a test cannot or need not have differs: the
 * ports are the test's, the global section loses its user, group and chroot lines (nothing to
 * drop, and no privilege needed to run it), and gains a stats socket in a temporary folder, to
 * ask HAProxy which nodes it sees up.
 *
 * Needs the real `haproxy` (Debian's package; `scripts/ensure-deploy-tools.ts` installs it).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './processes';

const template = path.resolve(import.meta.dirname, '../../../deploy/haproxy.cfg');
/** Where Debian puts haproxy, often missing from a user's PATH. */
const systemFolders = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The haproxy binary, or null when it is not installed. */
export function findHaproxy(): string | null {
  const folders = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...systemFolders];
  for (const folder of folders) {
    const candidate = path.join(folder, 'haproxy');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return null;
}

/** `deploy/haproxy.cfg` for a test: HAProxy on `port`, node i (from 1) on `nodes[i - 1]`. */
function testConfig(text: string, port: number, nodes: number[], statsSocket: string): string {
  const lines: string[] = [];
  let section = '';
  for (const line of text.split('\n')) {
    // A section starts at the left margin; its settings are indented.
    if (/^[a-z]/.test(line)) section = line.split(/\s/)[0]!;
    if (section === 'global' && /^\s+(user|group|chroot)\s/.test(line)) continue;
    if (line.includes('@NODE@')) {
      nodes.forEach((nodePort, i) =>
        lines.push(line.replaceAll('@NODE@', String(i + 1)).replaceAll('@NODE_PORT@', String(nodePort)))
      );
      continue;
    }
    lines.push(line.replaceAll('@GUICHET_PORT@', String(port)));
    if (line === 'global') lines.push(`\tstats socket ${statsSocket} mode 600 level admin`);
  }
  const config = lines.join('\n');
  const left = /@[A-Z_]+@/.exec(config);
  if (left) throw new Error(`deploy/haproxy.cfg has a placeholder the tests do not fill in: ${left[0]}`);
  return config;
}

interface HaproxyNode {
  /** As the configuration names it: node1, node2 … (also its cookie value). */
  name: string;
  port: number;
  /** HAProxy sends it requests: its health checks pass. */
  up: boolean;
}

export interface RunningHaproxy {
  /** Where HAProxy listens, on 127.0.0.1 (Caddy's side). */
  port: number;
  /** The configuration it runs, as written. */
  configFile: string;
  /** Everything HAProxy wrote so far (its alerts, and a node going DOWN or UP). */
  output(): string;
  /** Each node as HAProxy sees it now (`show servers state` on its stats socket). */
  nodes(): Promise<HaproxyNode[]>;
  /** The client connections each HAProxy process holds now (`show info`, CurrConns). */
  connections(): Promise<number[]>;
  stop(): Promise<void>;
}

function ask(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const connection = net.createConnection(socket, () => connection.end(`${command}\n`));
    connection.setEncoding('utf8');
    connection.on('data', (chunk: string) => (answer += chunk));
    connection.on('end', () => resolve(answer));
    connection.on('error', reject);
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const connection = net.createConnection({ host: '127.0.0.1', port }, () => {
      connection.destroy();
      resolve(true);
    });
    connection.on('error', () => resolve(false));
  });
}

/** One HAProxy process: its own configuration file and stats socket, on the shared port. */
interface HaproxyProcess {
  configFile: string;
  output(): string;
  nodes(): Promise<HaproxyNode[]>;
  connections(): Promise<number>;
  stop(): Promise<void>;
}

async function startProcess(haproxy: string, port: number, nodes: number[]): Promise<HaproxyProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-haproxy-'));
  const statsSocket = path.join(dir, 'admin.sock');
  const configFile = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(configFile, testConfig(fs.readFileSync(template, 'utf8'), port, nodes, statsSocket));

  const proc = spawn(haproxy, ['-f', configFile, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    proc.on('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      resolve();
    })
  );
  const cleanUp = () => fs.rmSync(dir, { recursive: true, force: true });

  // Started once its stats socket answers: the port may already be open (another process's).
  const deadline = Date.now() + 10_000;
  while (
    !(await ask(statsSocket, 'show info').then(
      () => true,
      () => false
    ))
  ) {
    if (exitCode !== undefined || Date.now() > deadline) {
      proc.kill('SIGKILL');
      await exited;
      cleanUp();
      throw new Error(`haproxy did not start (exit ${String(exitCode)}):\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    configFile,
    output: () => out,
    async nodes() {
      const answer = await ask(statsSocket, 'show servers state guichet');
      const lines = answer.split('\n').filter((l) => l.trim() !== '');
      // "1" (the format), "# be_id be_name srv_id srv_name srv_addr srv_op_state …", then one line a server.
      const names =
        lines
          .find((l) => l.startsWith('# '))
          ?.slice(2)
          .split(' ') ?? [];
      const field = (values: string[], name: string) => values[names.indexOf(name)] ?? '';
      return lines
        .filter((l) => !l.startsWith('#') && l.includes(' '))
        .map((l) => {
          const values = l.split(' ');
          // srv_op_state: 0 stopped (down), 1 starting, 2 running, 3 stopping.
          return {
            name: field(values, 'srv_name'),
            port: Number(field(values, 'srv_port')),
            up: field(values, 'srv_op_state') === '2'
          };
        });
    },
    async connections() {
      const info = await ask(statsSocket, 'show info');
      return Number(/^CurrConns: (\d+)$/m.exec(info)?.[1] ?? NaN);
    },
    async stop() {
      if (exitCode === undefined) {
        // A hard stop: a soft one (SIGUSR1) would wait for open WebSockets to end.
        proc.kill('SIGTERM');
        const killer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      }
      cleanUp();
    }
  };
}

/**
 * Runs HAProxy in the foreground (`-db`) on a free port in front of `nodes` (their ports, on
 * 127.0.0.1); resolves once it accepts connections. Every node starts up for HAProxy, until its
 * health checks say otherwise.
 *
 * `processes` (1 by default) runs that many HAProxy processes with the same configuration on the
 * same port: HAProxy binds with SO_REUSEPORT, so the kernel shares new connections among them.
 * Only for a load larger than one process's open-file limit allows (a proxied connection holds
 * two files), as a benchmark's 11,000 sockets on a machine whose hard limit is 20,000.
 */
export async function startHaproxy({ nodes, processes = 1 }: { nodes: number[]; processes?: number }): Promise<RunningHaproxy> {
  const haproxy = findHaproxy();
  if (!haproxy) throw new Error('haproxy is not installed (apt-get install haproxy)');
  const port = await freePort();
  const started: HaproxyProcess[] = [];
  try {
    for (let i = 0; i < processes; i++) started.push(await startProcess(haproxy, port, nodes));
  } catch (error) {
    for (const p of started) await p.stop();
    throw error;
  }
  if (!(await accepts(port))) {
    for (const p of started) await p.stop();
    throw new Error(`haproxy started but does not accept connections on ${port}:\n${started.map((p) => p.output()).join('\n')}`);
  }
  const [first] = started as [HaproxyProcess, ...HaproxyProcess[]];
  return {
    port,
    configFile: first.configFile,
    output: () => started.map((p) => p.output()).join(''),
    // Up for every process: a node counts as up once each of them sends it requests.
    async nodes() {
      const views = await Promise.all(started.map((p) => p.nodes()));
      return views[0]!.map((n) => ({ ...n, up: views.every((v) => v.find((o) => o.name === n.name)?.up === true) }));
    },
    connections: () => Promise.all(started.map((p) => p.connections())),
    async stop() {
      await Promise.all(started.map((p) => p.stop()));
    }
  };
}
