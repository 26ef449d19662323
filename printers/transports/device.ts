/**
 * `file:///dev/usb/lp0`: an ESC/POS receipt printer on USB through the kernel's usblp driver.
 *
 * Only a character device under /dev/usb is ever opened (see `../address-policy.ts`): the path is
 * followed through its links first and must stay there, it is opened without ever creating a file,
 * and the open file must be a character device before a single byte is written. A regular file or
 * any other path counts as a refused address (`error`), never as a printer.
 *
 * The device is opened read/write and non-blocking. Status: DLE EOT 1, 2 and 4 are written and the
 * answers polled with non-blocking reads until the timeout (a blocking read would hold a thread of
 * Node's pool for as long as the printer stays silent, possibly for ever). Writes that the device
 * cannot take yet (EAGAIN) are retried until the write timeout.
 *
 * usblp accepts a write only once the previous transfer has completed, so the status request written
 * after a job also waits for the job's last bytes to reach the printer; closing the device earlier
 * could cancel them.
 *
 * usblp lets one process open the device at a time: this driver never opens it twice itself, and
 * nothing else (a CUPS usb backend, another Guichet process) may use the same device.
 */
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isInside, usbDeviceRoot } from '../address-policy';
import type { PrinterDriver, PrinterKind } from '../driver';
import { DLE_EOT, faultStatus, parseDleEot, readyStatus, type PrinterFault, type PrinterStatus } from '../status';
import { defaultStatusTimeoutMs, isDleEotAnswer } from './tcp';
import { oneAtATime } from './one-at-a-time';

export interface DeviceDriverOptions {
  /** How long to wait for each status answer, in ms. Default 1500. */
  timeoutMs?: number;
  /** How long the device may refuse job bytes (EAGAIN) before the job counts as lost, in ms. Default 15000. */
  writeTimeoutMs?: number;
  /** The folder the device must be in, after following links. Default /dev/usb; tests use /dev/pts. */
  deviceRoot?: string;
}

const defaultWriteTimeoutMs = 15_000;
const pollMs = 10;

/** The device is not there (unplugged, switched off, wrong name). */
const goneCodes = new Set(['ENOENT', 'ENODEV', 'ENXIO', 'ENOTDIR', 'EIO']);
/** The device takes bytes but cannot be read: a printer that never answers. */
const unreadableCodes = new Set(['EINVAL', 'EBADF', 'EOPNOTSUPP', 'ENOTSUP']);

const codeOf = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? '';

/** `stuck`: the device did not even take the request in time (it is still busy with earlier bytes). */
type Answer = number | 'timeout' | 'gone' | 'mute' | 'stuck';

class Device {
  private readonly pending: number[] = [];
  private readonly buffer = Buffer.alloc(64);

  private constructor(private readonly handle: FileHandle) {}

  static async open(file: string, root: string): Promise<Device | PrinterFault> {
    let real: string;
    try {
      real = await fs.promises.realpath(file);
    } catch (error) {
      return goneCodes.has(codeOf(error)) ? 'unreachable' : 'error';
    }
    if (!isInside(real, await fs.promises.realpath(root).catch(() => root), true)) return 'error';
    const { O_RDWR, O_NONBLOCK, O_NOCTTY } = fs.constants;
    let handle: FileHandle;
    try {
      // Never O_CREAT: a path that is not there stays not there.
      handle = await fs.promises.open(real, O_RDWR | O_NONBLOCK | O_NOCTTY);
    } catch (error) {
      return goneCodes.has(codeOf(error)) ? 'unreachable' : 'error';
    }
    try {
      // What was opened, whatever the path led to in the meantime: only a device may be written to.
      if ((await handle.stat()).isCharacterDevice()) return new Device(handle);
    } catch {
      // Told below.
    }
    await handle.close().catch(() => undefined);
    return 'error';
  }

  /** Writes every byte it can before the deadline; says how many went and why it stopped. */
  async write(bytes: Buffer, deadline: number): Promise<{ written: number; error: unknown }> {
    let written = 0;
    while (written < bytes.length) {
      try {
        const { bytesWritten } = await this.handle.write(bytes, written, bytes.length - written, null);
        written += bytesWritten;
        if (bytesWritten > 0) continue;
      } catch (error) {
        if (codeOf(error) !== 'EAGAIN') return { written, error };
      }
      if (Date.now() >= deadline) return { written, error: new Error('the device did not take the bytes in time') };
      await sleep(pollMs);
    }
    return { written, error: null };
  }

  private async read(): Promise<'data' | 'empty' | 'gone' | 'mute'> {
    try {
      const { bytesRead } = await this.handle.read(this.buffer, 0, this.buffer.length, null);
      for (const byte of this.buffer.subarray(0, bytesRead)) this.pending.push(byte);
      return bytesRead > 0 ? 'data' : 'empty';
    } catch (error) {
      const code = codeOf(error);
      if (code === 'EAGAIN') return 'empty';
      return unreadableCodes.has(code) ? 'mute' : 'gone';
    }
  }

  /** Forgets bytes that arrived unasked (a job may contain bytes a printer takes for a request). */
  async drain(): Promise<void> {
    this.pending.length = 0;
    for (let i = 0; i < 64 && (await this.read()) === 'data'; i++);
    this.pending.length = 0;
  }

  async query(n: 1 | 2 | 4, timeoutMs: number): Promise<Answer> {
    const deadline = Date.now() + timeoutMs;
    const sent = await this.write(DLE_EOT(n), deadline);
    if (sent.error) return goneCodes.has(codeOf(sent.error)) ? 'gone' : 'stuck';
    for (;;) {
      for (let byte = this.pending.shift(); byte !== undefined; byte = this.pending.shift()) {
        if (isDleEotAnswer(byte)) return byte;
      }
      const read = await this.read();
      if (read === 'gone' || read === 'mute') return read;
      if (read === 'data') continue;
      if (Date.now() >= deadline) return 'timeout';
      await sleep(pollMs);
    }
  }

  async status(timeoutMs: number): Promise<PrinterStatus | 'timeout' | 'gone' | 'stuck'> {
    await this.drain();
    const answers: number[] = [];
    for (const n of [1, 2, 4] as const) {
      const answer = await this.query(n, timeoutMs);
      // A device that cannot be read (a printer without a return channel) took the request: that write is all it can tell, so it counts as ready.
      if (answer === 'mute') return { ...readyStatus };
      if (typeof answer !== 'number') return answer;
      answers.push(answer);
    }
    const [printer = 0, offline = 0, paper = 0] = answers;
    return parseDleEot(printer, offline, paper);
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}

export class DeviceDriver implements PrinterDriver {
  private readonly timeoutMs: number;
  private readonly writeTimeoutMs: number;
  private readonly deviceRoot: string;
  /** One job or status request at a time on this printer. */
  private readonly exclusive = oneAtATime();

  constructor(
    readonly uri: string,
    readonly kind: PrinterKind,
    readonly path: string,
    options: DeviceDriverOptions = {}
  ) {
    this.timeoutMs = options.timeoutMs ?? defaultStatusTimeoutMs;
    this.writeTimeoutMs = options.writeTimeoutMs ?? defaultWriteTimeoutMs;
    this.deviceRoot = options.deviceRoot ?? usbDeviceRoot;
  }

  status(): Promise<PrinterStatus> {
    return this.exclusive(async () => {
      const device = await Device.open(this.path, this.deviceRoot);
      if (typeof device === 'string') return faultStatus(device);
      try {
        const status = await device.status(this.timeoutMs);
        if (status === 'gone') return faultStatus('unreachable');
        return typeof status === 'string' ? faultStatus('no_answer') : status;
      } catch {
        return faultStatus('error');
      } finally {
        await device.close();
      }
    });
  }

  print(job: Buffer): Promise<PrinterStatus> {
    return this.exclusive(async () => {
      const device = await Device.open(this.path, this.deviceRoot);
      if (typeof device === 'string') return faultStatus(device);
      try {
        const before = await device.status(this.timeoutMs);
        if (before === 'gone') return faultStatus('unreachable');
        if (typeof before === 'string') return faultStatus('no_answer');
        // Not sent: the printer has a fault now.
        if (before.fault) return before;
        const { written, error } = await device.write(job, Date.now() + this.writeTimeoutMs);
        if (error) {
          // Nothing went out: the job was not printed, the device is the problem.
          if (written === 0) return faultStatus(goneCodes.has(codeOf(error)) ? 'unreachable' : 'error');
          throw new Error(
            `${this.uri}: the job may have been printed in part (${written} of ${job.length} bytes written): ${
              (error as Error).message
            }`,
            { cause: error }
          );
        }
        const after = await device.status(this.timeoutMs);
        if (after === 'gone' || after === 'stuck') {
          throw new Error(
            after === 'gone'
              ? `${this.uri}: the device went away before it confirmed the whole job`
              : `${this.uri}: the device was still busy with the job when the wait ended`
          );
        }
        if (after === 'timeout') return faultStatus('no_answer');
        return after;
      } finally {
        await device.close();
      }
    });
  }
}
