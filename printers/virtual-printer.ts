/**
 * A network receipt printer in software: a TCP server (like port 9100 on a real one) that answers
 * ESC/POS status requests from a state the caller sets, and keeps what it was sent. Driver tests run
 * against it with real sockets, and the demo uses it as the hall's printer, its receipts shown live
 * in the manager console.
 *
 * How it reads the stream. Every connection is read command by command with the decoder's table
 * (`readToken`), so the parameters and data of a command are never taken for anything else:
 * - DLE EOT n and GS r n found where a command starts are status requests. They are answered at once,
 *   even in the middle of a job, and are not part of the job. The same bytes inside a command's
 *   parameters or data (a QR payload, a GS ( k length, the n of ESC t n) are job data. A real Epson
 *   printer scans for DLE EOT n everywhere and may answer such bytes; Epson's manual tells senders to
 *   avoid them, and Guichet only sends requests between commands, so the command-aware rule is kept.
 *   (GS r is not real-time on a real printer: it is answered when its turn comes in the buffer.)
 *   A command whose announced parameters have not all arrived holds back what follows it, status
 *   requests included, until they have.
 * - Everything else is job data: one connection is one job, as the driver sends it.
 *
 * What it prints. Bytes received while the printer can print (online, cover closed, paper present)
 * are printed: decoded into receipts, and `onReceipt` fires at each cut. Bytes received while it
 * cannot print are kept in the job but never printed; a real printer would hold them in its buffer
 * until the fault is cleared, Guichet reprints instead, so they are dropped here.
 *
 * Modes: 'ok' answers status requests; 'no_answer' accepts connections and data but never answers;
 * 'refuse' stops listening (new connections get ECONNREFUSED, as from a host where nothing listens on
 * the port) and resets the open ones (their peer gets ECONNRESET, as when a printer is switched off
 * mid-job). Leaving 'refuse' listens again on the same port.
 */
import net from 'node:net';
import { EscPosDecoder, readToken, type DecodedReceipt, type StatusCommand } from './escpos/decoder';
import { dleEotAnswer } from './status';

interface VirtualPrinterState {
  online: boolean;
  coverOpen: boolean;
  paperEnd: boolean;
  paperNearEnd: boolean;
}

type VirtualPrinterMode = 'ok' | 'no_answer' | 'refuse';

export interface VirtualPrinterOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a free port, read back from `port`. */
  port?: number;
  state?: Partial<VirtualPrinterState>;
  mode?: VirtualPrinterMode;
}

interface StatusRequestRecord {
  command: StatusCommand;
  n: number;
  /** The byte answered; null when none was (mode 'no_answer', or a request it does not answer). */
  answer: number | null;
}

/** One connection: its job data, and the status requests it made. */
interface VirtualJob {
  /** Counts connections from 1. */
  id: number;
  /** Every byte received but the status requests. */
  data: Buffer;
  /** The part of `data` that was printed (received while the printer could print). */
  printed: Buffer;
  statusRequests: StatusRequestRecord[];
  /** Still connected. */
  open: boolean;
}

export interface VirtualPrinter {
  readonly host: string;
  readonly port: number;
  state(): VirtualPrinterState;
  /**
   * Changes the state at once, for the next bytes and status requests, on every connection. When the
   * paper runs out, the uncut receipt goes with the roll: it stays in `receipts()`, the next starts anew.
   */
  setState(patch: Partial<VirtualPrinterState>): void;
  mode(): VirtualPrinterMode;
  setMode(mode: VirtualPrinterMode): Promise<void>;
  /** The paper runs out once `n` more job bytes are received: those print, the rest do not. */
  runOutAfterBytes(n: number): void;
  /** The paper runs out right after the cut of the `n`th receipt from now. */
  runOutAfterReceipts(n: number): void;
  /** Every connection so far, including those that only asked the status. */
  connections(): VirtualJob[];
  /** The connections that sent job data. */
  jobs(): VirtualJob[];
  /**
   * What was printed: the receipts so far, then the one being printed if any. `cut: null` marks both
   * the one being printed and one left uncut when the paper ran out.
   */
  receipts(): DecodedReceipt[];
  /** Called at each cut with the receipt it completes; returns a function that unsubscribes. */
  onReceipt(listener: (receipt: DecodedReceipt) => void): () => void;
  /** Called when a connection that sent job data closes; returns a function that unsubscribes. */
  onJob(listener: (job: VirtualJob) => void): () => void;
  close(): Promise<void>;
}

/** The answer to GS r n: 1 (or 49) paper sensors, bits 0-1 near end and 2-3 paper end; 2 (or 50) drawer. */
function gsRAnswer(n: number, state: VirtualPrinterState): number | null {
  if (n === 1 || n === 49) return (state.paperNearEnd || state.paperEnd ? 0x03 : 0) | (state.paperEnd ? 0x0c : 0);
  if (n === 2 || n === 50) return 0x00;
  return null;
}

function answerTo(command: StatusCommand, n: number, state: VirtualPrinterState): number | null {
  if (command === 'GS r') return gsRAnswer(n, state);
  return n >= 1 && n <= 4 ? dleEotAnswer(n, state) : null;
}

export async function startVirtualPrinter(options: VirtualPrinterOptions = {}): Promise<VirtualPrinter> {
  const host = options.host ?? '127.0.0.1';
  let state: VirtualPrinterState = { online: true, coverOpen: false, paperEnd: false, paperNearEnd: false, ...options.state };
  let mode: VirtualPrinterMode = 'ok';
  let bytesBeforePaperEnd: number | null = null;
  let receiptsBeforePaperEnd: number | null = null;
  const decoder = new EscPosDecoder();
  const all: VirtualJob[] = [];
  const sockets = new Set<net.Socket>();
  const receiptListeners = new Set<(receipt: DecodedReceipt) => void>();
  const jobListeners = new Set<(job: VirtualJob) => void>();

  const copy = (job: VirtualJob): VirtualJob => ({ ...job, statusRequests: [...job.statusRequests] });
  /** A roll that runs out takes the uncut receipt printed on it away: the next one starts afresh. */
  function update(patch: Partial<VirtualPrinterState>): void {
    const runsOut = patch.paperEnd === true && !state.paperEnd;
    state = { ...state, ...patch };
    if (runsOut) decoder.tearOff();
  }

  const canPrint = () => state.online && !state.coverOpen && !state.paperEnd;

  function print(job: VirtualJob, bytes: Buffer): void {
    job.printed = Buffer.concat([job.printed, bytes]);
    for (const receipt of decoder.push(bytes)) {
      for (const listener of receiptListeners) listener(receipt);
      if (receiptsBeforePaperEnd !== null && --receiptsBeforePaperEnd <= 0) {
        receiptsBeforePaperEnd = null;
        update({ paperEnd: true });
      }
    }
  }

  /** Job bytes of one whole token: printed up to where the paper runs out, if it does. */
  function receive(job: VirtualJob, bytes: Buffer, splittable: boolean): void {
    job.data = Buffer.concat([job.data, bytes]);
    if (!canPrint()) return;
    if (bytesBeforePaperEnd === null || bytes.length < bytesBeforePaperEnd) {
      if (bytesBeforePaperEnd !== null) bytesBeforePaperEnd -= bytes.length;
      print(job, bytes);
      return;
    }
    // The paper runs out within these bytes: text prints up to that byte, a command only if whole.
    if (splittable || bytes.length === bytesBeforePaperEnd) print(job, bytes.subarray(0, bytesBeforePaperEnd));
    bytesBeforePaperEnd = null;
    update({ paperEnd: true });
  }

  function serve(socket: net.Socket): void {
    const job: VirtualJob = {
      id: all.length + 1,
      data: Buffer.alloc(0),
      printed: Buffer.alloc(0),
      statusRequests: [],
      open: true
    };
    all.push(job);
    sockets.add(socket);
    let pending = Buffer.alloc(0);

    socket.on('data', (chunk: Buffer) => {
      const b = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let i = 0;
      while (i < b.length) {
        const token = readToken(b, i);
        if (token.kind === 'incomplete') break;
        const bytes = b.subarray(i, i + token.length);
        if (token.kind === 'command' && token.statusRequest) {
          const { command, n } = token.statusRequest;
          const answer = mode === 'ok' ? answerTo(command, n, state) : null;
          job.statusRequests.push({ command, n, answer });
          if (answer !== null) socket.write(Buffer.from([answer]));
        } else receive(job, Buffer.from(bytes), token.kind === 'text');
        i += token.length;
      }
      pending = Buffer.from(b.subarray(i));
    });
    socket.on('error', () => {
      // The peer reset the connection: nothing to answer any more.
    });
    socket.on('close', () => {
      sockets.delete(socket);
      // A command cut off by the end of the connection was received, never printed.
      if (pending.length) job.data = Buffer.concat([job.data, pending]);
      job.open = false;
      if (job.data.length) for (const listener of jobListeners) listener(copy(job));
    });
  }

  const server = net.createServer(serve);

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });

  const stopListening = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.resetAndDestroy();
      if (!server.listening) resolve();
      else server.close(() => resolve());
    });

  await listen(options.port ?? 0);
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('The virtual printer has no TCP address');
  const port = address.port;

  let closed = false;
  async function setMode(next: VirtualPrinterMode): Promise<void> {
    if (closed) throw new Error('The virtual printer is closed');
    const previous = mode;
    mode = next;
    if (next === 'refuse' && previous !== 'refuse') await stopListening();
    if (next !== 'refuse' && previous === 'refuse') await listen(port);
  }

  await setMode(options.mode ?? 'ok');

  return {
    host,
    port,
    state: () => ({ ...state }),
    setState: update,
    mode: () => mode,
    setMode,
    runOutAfterBytes(n) {
      if (n <= 0) update({ paperEnd: true });
      else bytesBeforePaperEnd = n;
    },
    runOutAfterReceipts(n) {
      if (n <= 0) update({ paperEnd: true });
      else receiptsBeforePaperEnd = n;
    },
    connections: () => all.map(copy),
    jobs: () => all.filter((job) => job.data.length > 0).map(copy),
    receipts() {
      const current = decoder.inProgress();
      return current ? [...decoder.receipts, current] : [...decoder.receipts];
    },
    onReceipt(listener) {
      receiptListeners.add(listener);
      return () => receiptListeners.delete(listener);
    },
    onJob(listener) {
      jobListeners.add(listener);
      return () => jobListeners.delete(listener);
    },
    async close() {
      closed = true;
      mode = 'refuse';
      await stopListening();
    }
  };
}
