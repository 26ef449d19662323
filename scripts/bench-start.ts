/**
 * `npm run bench:start`: how long Guichet takes to answer after a start, and the memory it holds
 * idle, for `npm start` on a built tree beside the former way (tsx running the TypeScript
 * sources), in one run, on loopback.
 *
 * Each way starts RUNS times, alternating, on its own data folder that a first, uncounted start
 * created (the demo's creation hashes its PINs: that is a first start's cost, not a restart's).
 * Ready: from the spawn to the first 200 of /healthz. Idle RSS: VmRSS of the serving process
 * (not npm's or tsx's launcher) 15 s after it is ready, when a server nobody uses has settled: the
 * start's own writes (expired tickets, purges) wake the WAL checkpoint worker, which stops after
 * 10 s with nothing to do. The RSS 2 s after ready is printed beside it. Ends with one line:
 * `bench start: ready_ms=… idle_rss_mb=… tsx_ready_ms=… tsx_idle_rss_mb=…`, and exits 1 when the
 * built start misses a target (ready in under 2 s, idle RSS at most 80 MB).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../server/src/testing/processes';

const root = path.resolve(import.meta.dirname, '..');
const RUNS = 5;
const EARLY_MS = 2000;
const SETTLE_MS = 15_000;
const targets = { readyMs: 2000, idleRssMb: 80 };

interface Way {
  name: string;
  command: string;
  args: string[];
  /** Part of the serving process's command line (the deepest process that has it serves). */
  marker: string;
  dataDir: string;
}

interface Sample {
  readyMs: number;
  rssMb: number;
  /** 2 s after ready, the checkpoint worker still up. */
  earlyRssMb: number;
  /** Of that, the process's own memory (the rest maps files: node's executable, shared libraries). */
  anonMb: number;
  treeRssMb: number;
}

if (!fs.existsSync(path.join(root, 'build/server/main.js')) || !fs.existsSync(path.join(root, 'kiosk/build/handler.js'))) {
  console.log('Building (npm run build)…');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-bench-start-'));
const ways: Way[] = [
  {
    name: 'npm start (built)',
    command: 'npm',
    args: ['start', '--silent'],
    marker: 'scripts/start.mjs',
    dataDir: path.join(work, 'built')
  },
  {
    name: 'tsx server/src/main.ts',
    command: path.join(root, 'node_modules/.bin/tsx'),
    args: ['server/src/main.ts'],
    marker: 'server/src/main.ts',
    dataDir: path.join(work, 'tsx')
  }
];

function processes(): Map<number, { ppid: number; cmdline: string }> {
  const all = new Map<number, { ppid: number; cmdline: string }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      all.set(Number(entry), { ppid, cmdline });
    } catch {
      // The process ended while being read.
    }
  }
  return all;
}

/** `pid` and its descendants, parents first. */
function tree(pid: number): { pid: number; cmdline: string }[] {
  const all = processes();
  const found = [{ pid, cmdline: all.get(pid)?.cmdline ?? '' }];
  for (let i = 0; i < found.length; i++) {
    for (const [child, info] of all) if (info.ppid === found[i]!.pid) found.push({ pid: child, cmdline: info.cmdline });
  }
  return found;
}

function rssMb(pid: number, field = 'VmRSS'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]) / 1024;
}

async function healthy(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1000) })).status === 200;
  } catch {
    return false;
  }
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // The whole group: npm, its shell and the server; tsx and its child.
  process.kill(-child.pid!, 'SIGTERM');
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function start(way: Way): Promise<Sample> {
  const port = await freePort();
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !key.startsWith('GUICHET_')) env[key] = value;
  Object.assign(env, { GUICHET_DATA_DIR: way.dataDir, GUICHET_PORT: String(port), GUICHET_LOG_LEVEL: 'warn' });
  const began = performance.now();
  const child = spawn(way.command, way.args, { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  let exitCode: number | null = null;
  child.on('exit', (code) => (exitCode = code));
  try {
    while (!(await healthy(port))) {
      if (exitCode !== null) throw new Error(`${way.name} stopped with ${exitCode} before answering`);
      if (performance.now() - began > 60_000) throw new Error(`${way.name} did not answer within 60 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const readyMs = performance.now() - began;
    await new Promise((r) => setTimeout(r, EARLY_MS));
    const servingPid = () => {
      const serving = tree(child.pid!)
        .filter((p) => p.cmdline.includes(way.marker))
        .at(-1);
      if (!serving) throw new Error(`${way.name}: no process runs ${way.marker}`);
      return serving.pid;
    };
    const earlyRssMb = rssMb(servingPid());
    await new Promise((r) => setTimeout(r, SETTLE_MS - EARLY_MS));
    const serving = servingPid();
    const treeRssMb = tree(child.pid!).reduce((sum, p) => sum + rssMb(p.pid), 0);
    return { readyMs, rssMb: rssMb(serving), earlyRssMb, anonMb: rssMb(serving, 'RssAnon'), treeRssMb };
  } finally {
    await stop(child);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (n: number) => Math.round(n * 10) / 10;

try {
  const samples = new Map<Way, Sample[]>(ways.map((w) => [w, []]));
  for (const way of ways) {
    const first = await start(way);
    console.log(`${way.name}: first start (creates the demo) ready in ${Math.round(first.readyMs)} ms`);
  }
  for (let run = 0; run < RUNS; run++) for (const way of ways) samples.get(way)!.push(await start(way));
  const results = ways.map((way) => {
    const s = samples.get(way)!;
    const result = {
      readyMs: Math.round(median(s.map((x) => x.readyMs))),
      rssMb: round(median(s.map((x) => x.rssMb))),
      earlyRssMb: round(median(s.map((x) => x.earlyRssMb))),
      anonMb: round(median(s.map((x) => x.anonMb))),
      treeRssMb: round(median(s.map((x) => x.treeRssMb)))
    };
    console.log(
      `${way.name}: ready ${result.readyMs} ms, idle RSS ${result.rssMb} MB (${result.anonMb} MB of its own, the rest mapped files; with its launchers ${result.treeRssMb} MB; ${result.earlyRssMb} MB 2 s after ready); ` +
        `median of ${RUNS}: ${s.map((x) => Math.round(x.readyMs)).join(', ')} ms`
    );
    return result;
  });
  const [built, tsx] = results as [(typeof results)[0], (typeof results)[0]];
  console.log(
    `bench start: ready_ms=${built.readyMs} idle_rss_mb=${built.rssMb} tsx_ready_ms=${tsx.readyMs} tsx_idle_rss_mb=${tsx.rssMb}`
  );
  if (built.readyMs >= targets.readyMs || built.rssMb > targets.idleRssMb) process.exitCode = 1;
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
