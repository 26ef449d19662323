/**
 * `tcp://host:9100`: an ESC/POS receipt printer on the network (raw port 9100).
 *
 * The status is asked with the real-time requests DLE EOT 1, 2 and 4, one byte back each. `print()`
 * asks it on the connection that then carries the job, so a job never goes into a printer that has
 * just reported a fault, and asks it again after the job on that same connection: because TCP keeps
 * the order of the bytes, an answer to that last request also proves the whole job reached the printer.
 */
import net from 'node:net';
import type { TcpResolution } from '../address-policy';
import type { PrinterDriver, PrinterKind } from '../driver';
import { DLE_EOT, faultStatus, parseDleEot, type PrinterFault, type PrinterStatus } from '../status';
import { oneAtATime } from './one-at-a-time';

export interface TcpDriverOptions {
  /** How long to wait for each status answer, in ms. Default 1500. */
  timeoutMs?: number;
  /** How long to wait for the connection, in ms. Default: `timeoutMs`. */
  connectTimeoutMs?: number;
  /** How long handing a job to the network may take before it counts as lost, in ms. Default 15000. */
  writeTimeoutMs?: number;
  /**
   * Where to connect, checked before each connection (see `../address-policy.ts`): a refused address
   * is never connected to, so whether something listens there stays unknown. Default: the host as is.
   */
  resolve?: (host: string, port: number) => Promise<TcpResolution>;
}

export const defaultStatusTimeoutMs = 1500;
const defaultWriteTimeoutMs = 15_000;

/** A DLE EOT answer: bits 1 and 4 set, bits 0 and 7 clear. Anything else is not an answer. */
export const isDleEotAnswer = (byte: number): boolean => (byte & 0x93) === 0x12;

type Answer = number | 'timeout' | 'closed';

/** One connection to the printer: its incoming bytes, read one answer at a time. */
class Connection {
  private readonly incoming: number[] = [];
  private wake: (() => void) | null = null;
  closed = false;

  constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const byte of chunk) this.incoming.push(byte);
      this.notify();
    });
    const close = () => {
      this.closed = true;
      this.notify();
    };
    socket.on('error', close);
    // The printer closed its side: no answer can come any more.
    socket.on('end', close);
    socket.on('close', close);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Forgets bytes that arrived unasked (a job may contain bytes a printer takes for a request). */
  discard(): void {
    this.incoming.length = 0;
  }

  private async answer(deadline: number): Promise<Answer> {
    for (;;) {
      for (let byte = this.incoming.shift(); byte !== undefined; byte = this.incoming.shift()) {
        if (isDleEotAnswer(byte)) return byte;
      }
      if (this.closed) return 'closed';
      const left = deadline - Date.now();
      if (left <= 0) return 'timeout';
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  async query(n: 1 | 2 | 4, timeoutMs: number): Promise<Answer> {
    if (this.closed) return 'closed';
    this.socket.write(DLE_EOT(n));
    return this.answer(Date.now() + timeoutMs);
  }

  async status(timeoutMs: number): Promise<PrinterStatus | 'timeout' | 'closed'> {
    const printer = await this.query(1, timeoutMs);
    if (typeof printer !== 'number') return printer;
    const offline = await this.query(2, timeoutMs);
    if (typeof offline !== 'number') return offline;
    const paper = await this.query(4, timeoutMs);
    if (typeof paper !== 'number') return paper;
    return parseDleEot(printer, offline, paper);
  }

  /** Resolves once the kernel has taken every byte; rejects if the connection fails first. */
  send(job: Buffer, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new Error('the connection was closed before the job'));
        return;
      }
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`the printer did not take the job within ${timeoutMs} ms`));
      }, timeoutMs);
      const onClose = () => {
        cleanup();
        reject(new Error('the connection was lost while sending the job'));
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.socket.removeListener('close', onClose);
      };
      this.socket.once('close', onClose);
      this.socket.write(job, (error) => {
        cleanup();
        // After a reset, Node may still call this back without an error: the connection's state says.
        if (error) reject(error);
        else if (this.closed) reject(new Error('the connection was lost while sending the job'));
        else resolve();
      });
    });
  }

  /** Ends the connection and waits until it is closed (or 2 s), so the next one never overlaps it. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) {
        resolve();
        return;
      }
      // A printer that never closes its side must not keep the socket open.
      const timer = setTimeout(() => this.socket.destroy(), 2000);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.end();
    });
  }
}

function connect(host: string, port: number, timeoutMs: number): Promise<Connection | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(null);
    }, timeoutMs);
    // Refused, no route, unknown host: nothing listens there.
    const onError = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(null);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      resolve(new Connection(socket));
    });
  });
}

export class TcpDriver implements PrinterDriver {
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly writeTimeoutMs: number;
  private readonly resolve: TcpDriverOptions['resolve'];
  // Many network receipt printers take one connection at a time: this driver never opens two.
  /** One job or status request at a time on this printer. */
  private readonly exclusive = oneAtATime();

  constructor(
    readonly uri: string,
    readonly kind: PrinterKind,
    readonly host: string,
    readonly port: number,
    options: TcpDriverOptions = {}
  ) {
    this.timeoutMs = options.timeoutMs ?? defaultStatusTimeoutMs;
    this.connectTimeoutMs = options.connectTimeoutMs ?? this.timeoutMs;
    this.writeTimeoutMs = options.writeTimeoutMs ?? defaultWriteTimeoutMs;
    this.resolve = options.resolve;
  }

  /** A connection to the printer, or why there is none: a refused address is an error, not a printer away. */
  private async open(): Promise<Connection | PrinterFault> {
    let address = this.host;
    if (this.resolve) {
      // The name lookup counts in the connection's time, as it did when net.connect made it.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<TcpResolution>((resolve) => {
        timer = setTimeout(() => resolve({ unknown: true }), this.connectTimeoutMs);
      });
      const resolution = await Promise.race([this.resolve(this.host, this.port), late]).finally(() => clearTimeout(timer));
      if ('refused' in resolution) return 'error';
      if ('unknown' in resolution) return 'unreachable';
      address = resolution.address;
    }
    return (await connect(address, this.port, this.connectTimeoutMs)) ?? 'unreachable';
  }

  status(): Promise<PrinterStatus> {
    return this.exclusive(async () => {
      const connection = await this.open();
      if (typeof connection === 'string') return faultStatus(connection);
      try {
        const status = await connection.status(this.timeoutMs);
        // Connected, but no answer (or the printer hung up instead of answering).
        return typeof status === 'string' ? faultStatus('no_answer') : status;
      } catch {
        return faultStatus('error');
      } finally {
        await connection.close();
      }
    });
  }

  print(job: Buffer): Promise<PrinterStatus> {
    return this.exclusive(async () => {
      const connection = await this.open();
      if (typeof connection === 'string') return faultStatus(connection);
      try {
        const before = await connection.status(this.timeoutMs);
        if (typeof before === 'string') return faultStatus('no_answer');
        // Not sent: the printer has a fault now.
        if (before.fault) return before;
        connection.discard();
        try {
          await connection.send(job, this.writeTimeoutMs);
        } catch (error) {
          throw new Error(`${this.uri}: the job may have been printed in part: ${(error as Error).message}`, {
            cause: error
          });
        }
        connection.discard();
        const after = await connection.status(this.timeoutMs);
        if (after === 'closed') {
          throw new Error(`${this.uri}: the connection was lost before the printer confirmed the whole job`);
        }
        // The connection is still up, so TCP delivers the job; the printer just does not say how it is.
        if (after === 'timeout') return faultStatus('no_answer');
        return after;
      } finally {
        await connection.close();
      }
    });
  }
}
