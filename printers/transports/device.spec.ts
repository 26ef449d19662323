/**
 * The device driver against stand-ins for /dev/usb/lp0:
 * - a pseudo-terminal in raw mode (made by `script` from util-linux): a real character device with
 *   separate directions, like usblp, so the non-blocking writes, the polled reads and a device that
 *   disappears mid-job (EIO) all go through the kernel. The test plays the printer on the other side,
 *   answering DLE EOT from a state.
 * - a regular file, a link and /dev/null: paths that are not a USB printer, refused without a byte.
 * The pseudo-terminals are under /dev/pts, so these drivers are told that is where devices are;
 * the drivers Guichet builds only take /dev/usb.
 * What they cannot show: usblp itself (one open at a time, EAGAIN while a USB transfer is pending, the
 * error a unidirectional printer gives on read, a printer unplugged), nor a real printer's timing.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, describe, expect, it } from 'vitest';
import { dleEotAnswer } from '../status';
import { DeviceDriver } from './device';

interface PtyPrinter {
  device: string;
  state: { online: boolean; coverOpen: boolean; paperEnd: boolean; paperNearEnd: boolean };
  silent: boolean;
  /** Called with the number of job bytes received so far. */
  onJobBytes: ((count: number) => void) | null;
  job(): Buffer;
  requests: number[];
  stop(): void;
}

const printers: PtyPrinter[] = [];
const folders: string[] = [];
afterEach(() => {
  for (const printer of printers.splice(0)) printer.stop();
  for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
});

/** A printer on the far side of a pseudo-terminal; the driver opens the terminal's device. */
function startPtyPrinter(): Promise<PtyPrinter> {
  // The shell inside puts the terminal in raw mode (no echo, no newline translation), prints its name,
  // then sleeps without reading, so every byte the driver writes reaches this process.
  const child: ChildProcessWithoutNullStreams = spawn(
    'script',
    ['--quiet', '--echo', 'never', '--command', 'stty raw -echo && tty && exec sleep 600', '/dev/null'],
    { stdio: ['pipe', 'pipe', 'pipe'] }
  );
  const job: number[] = [];
  let prefix: number[] = [];
  let header = Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    const printer: PtyPrinter = {
      device: '',
      state: { online: true, coverOpen: false, paperEnd: false, paperNearEnd: false },
      silent: false,
      onJobBytes: null,
      job: () => Buffer.from(job),
      requests: [],
      stop: () => child.kill('SIGKILL')
    };
    const timer = setTimeout(() => reject(new Error('script did not start a terminal')), 5000);
    child.on('error', reject);
    child.stdout.on('data', (chunk: Buffer) => {
      if (!printer.device) {
        header = Buffer.concat([header, chunk]);
        const end = header.indexOf(0x0a);
        if (end < 0) return;
        printer.device = header.subarray(0, end).toString().trim();
        chunk = header.subarray(end + 1);
        clearTimeout(timer);
        printers.push(printer);
        resolve(printer);
      }
      for (const byte of chunk) {
        prefix.push(byte);
        if (prefix[0] !== 0x10 || (prefix.length >= 2 && prefix[1] !== 0x04)) {
          job.push(...prefix);
          prefix = [];
        } else if (prefix.length === 3) {
          const n = prefix[2] ?? 0;
          prefix = [];
          printer.requests.push(n);
          if (!printer.silent) child.stdin.write(Buffer.from([dleEotAnswer(n, printer.state)]));
        }
      }
      if (chunk.length > 0) printer.onJobBytes?.(job.length);
    });
  });
}

const receipt = Buffer.concat([
  Buffer.from([0x1b, 0x40, 0x1b, 0x74, 0x13]),
  iconv.encode("Pièce d'identité, récépissé\n\r\n", 'cp858'),
  // Every other byte value a receipt may carry (a raster image): the terminal must pass them untouched.
  Buffer.from(Array.from({ length: 256 }, (_, i) => i).filter((i) => i !== 0x10)),
  Buffer.from([0x1b, 0x64, 0x03, 0x1d, 0x56, 0x00])
]);

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const driverFor = (device: string, options = {}) =>
  new DeviceDriver(`file://${device}`, 'receipt', device, { timeoutMs: 500, deviceRoot: '/dev/pts', ...options });

describe('device driver (file:///dev/usb/lp0), a pseudo-terminal standing in for the printer', () => {
  it('reports a ready printer from its DLE EOT answers', async () => {
    const printer = await startPtyPrinter();
    expect(await driverFor(printer.device).status()).toEqual({ fault: null, paperNearEnd: false });
    expect(printer.requests).toEqual([1, 2, 4]);
  });

  it('prints the exact bytes, with the status asked before and after', async () => {
    const printer = await startPtyPrinter();
    const status = await driverFor(printer.device).print(receipt);
    expect(status).toEqual({ fault: null, paperNearEnd: false });
    await waitFor(() => printer.job().length >= receipt.length);
    expect(printer.job().equals(receipt)).toBe(true);
    expect(printer.requests).toEqual([1, 2, 4, 1, 2, 4]);
  });

  it('does not send the job when the paper is out', async () => {
    const printer = await startPtyPrinter();
    printer.state.paperEnd = true;
    expect((await driverFor(printer.device).print(receipt)).fault).toBe('paper_end');
    expect(printer.job().length).toBe(0);
  });

  it('reports an open cover', async () => {
    const printer = await startPtyPrinter();
    printer.state.coverOpen = true;
    expect((await driverFor(printer.device).status()).fault).toBe('cover_open');
  });

  it('reports no_answer when the device stays silent, and does not send the job', async () => {
    const printer = await startPtyPrinter();
    printer.silent = true;
    const driver = driverFor(printer.device, { timeoutMs: 300 });
    expect((await driver.status()).fault).toBe('no_answer');
    expect((await driver.print(receipt)).fault).toBe('no_answer');
    expect(printer.job().length).toBe(0);
  });

  it('rejects when the device goes away in the middle of a job', async () => {
    const printer = await startPtyPrinter();
    // The printer side disappears once the job has started: writes to the terminal then fail (EIO).
    printer.onJobBytes = (count) => {
      if (count > 0) printer.stop();
    };
    const job = Buffer.alloc(4 * 1024 * 1024, 0x41);
    await expect(driverFor(printer.device).print(job)).rejects.toThrow(/may have been printed in part|went away/);
    expect(printer.job().length).toBeGreaterThan(0);
    expect(printer.job().length).toBeLessThan(job.length);
  });

  it('reports unreachable when the device does not exist (printer unplugged or switched off)', async () => {
    const driver = driverFor('/dev/usb/guichet-no-such-printer');
    expect(await driver.status()).toEqual({ fault: 'unreachable', paperNearEnd: false });
    expect((await driver.print(receipt)).fault).toBe('unreachable');
  });
});

describe('device driver, paths that are not a USB printer', () => {
  function tempFolder(): string {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'guichet-device-'));
    folders.push(folder);
    return folder;
  }

  it('refuses a regular file, even inside its device folder, and writes nothing to it', async () => {
    const folder = tempFolder();
    const file = path.join(folder, 'lp0');
    fs.writeFileSync(file, 'kept');
    const driver = driverFor(file, { deviceRoot: folder });
    expect(await driver.status()).toEqual({ fault: 'error', paperNearEnd: false });
    expect(await driver.print(receipt)).toEqual({ fault: 'error', paperNearEnd: false });
    expect(fs.readFileSync(file, 'utf8')).toBe('kept');
  });

  it('creates nothing when the path does not exist', async () => {
    const folder = tempFolder();
    const driver = driverFor(path.join(folder, 'lp0'), { deviceRoot: folder });
    expect((await driver.print(receipt)).fault).toBe('unreachable');
    expect(fs.readdirSync(folder)).toEqual([]);
  });

  it('refuses a link that leads out of the device folder, even to a real device', async () => {
    const printer = await startPtyPrinter();
    const folder = tempFolder();
    const link = path.join(folder, 'lp0');
    fs.symlinkSync(printer.device, link);
    const driver = driverFor(link, { deviceRoot: folder });
    expect((await driver.print(receipt)).fault).toBe('error');
    expect(printer.requests).toEqual([]);
    expect(printer.job().length).toBe(0);
  });

  it('refuses /dev/null and /dev/tty: character devices, but not under /dev/usb', async () => {
    for (const device of ['/dev/null', '/dev/tty']) {
      const driver = new DeviceDriver(`file://${device}`, 'receipt', device, { timeoutMs: 200 });
      expect((await driver.print(receipt)).fault, device).toBe('error');
    }
  });
});
