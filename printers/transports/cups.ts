/**
 * A printer behind CUPS: `cups://QUEUE` for a receipt printer (ESC/POS bytes passed through untouched,
 * `lp -o raw`) and `cups-pdf://QUEUE` for an A4 printer (the PDF handed to CUPS, which converts it for
 * the printer). Commands run with `execFile` and argument arrays, never through a shell.
 *
 * The status is the queue's, from `lpstat -l -p QUEUE` and `lpstat -a QUEUE`: a queue that is disabled
 * (paused) or rejects jobs is 'queue_paused', and the printer's own alerts that CUPS passes on
 * (door open, media empty, offline, media low) are read too. `lp` exits 0 on a paused queue, the job
 * just waits there, so the status is asked before the job and again after it.
 *
 * A job accepted by CUPS is only queued: the printer may still fail on it later, and CUPS then shows
 * that in the queue's status, not to this driver.
 */
import { execFile } from 'node:child_process';
import type { PrinterDriver, PrinterKind } from '../driver';
import { faultStatus, type PrinterFault, type PrinterStatus } from '../status';

export type CupsFormat = 'raw' | 'pdf';

export interface CupsDriverOptions {
  /** How long one `lp` or `lpstat` may take, in ms. Default 10000. */
  commandTimeoutMs?: number;
}

const defaultCommandTimeoutMs = 10_000;

interface CommandResult {
  ok: boolean;
  /** Killed because it took longer than the timeout. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** Runs a CUPS command in the C locale (its messages are parsed), with `input` on its standard input. */
export function runCupsCommand(
  command: string,
  args: string[],
  options: { input?: Buffer; timeoutMs?: number } = {}
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      {
        env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
        timeout: options.timeoutMs ?? defaultCommandTimeoutMs,
        maxBuffer: 1024 * 1024,
        encoding: 'utf8'
      },
      (error, stdout, stderr) => {
        resolve({ ok: !error, timedOut: Boolean(error?.killed), stdout, stderr });
      }
    );
    // The command may exit before reading everything (an unknown queue): that is its answer, not a crash.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input);
  });
}

/** What the printer's alerts (printer-state-reasons) say, worst first. */
function alertFault(alerts: string[]): PrinterFault | null {
  const has = (prefixes: string[]) => alerts.some((alert) => prefixes.some((prefix) => alert.startsWith(prefix)));
  if (has(['door-open', 'cover-open'])) return 'cover_open';
  if (has(['media-empty', 'media-needed'])) return 'paper_end';
  if (has(['offline'])) return 'offline';
  return null;
}

/**
 * Reads `lpstat -l -p QUEUE` and `lpstat -a QUEUE` (C locale). A fault the printer reports comes
 * before the paused queue: whoever resumes the queue has to fix the printer first.
 */
export function parseLpstat(printer: string, accepting: string): PrinterStatus {
  const alerts =
    /^\s*Alerts:(.*)$/m
      .exec(printer)?.[1]
      ?.split(/[\s,]+/)
      .filter((alert) => alert !== '' && alert !== 'none') ?? [];
  const paused =
    /^printer \S+ disabled/m.test(printer) || alerts.includes('paused') || /^\S+ not accepting requests/m.test(accepting);
  const fault = alertFault(alerts) ?? (paused ? 'queue_paused' : null);
  return { fault, paperNearEnd: alerts.some((alert) => alert.startsWith('media-low')) };
}

export class CupsDriver implements PrinterDriver {
  private readonly timeoutMs: number;
  /** The CUPS job id of the last job `lp` accepted (e.g. `guichet-pdf-12`), for logs and for `cancel`. */
  lastJobId: string | null = null;

  constructor(
    readonly uri: string,
    readonly kind: PrinterKind,
    readonly queue: string,
    readonly format: CupsFormat,
    options: CupsDriverOptions = {}
  ) {
    this.timeoutMs = options.commandTimeoutMs ?? defaultCommandTimeoutMs;
  }

  async status(): Promise<PrinterStatus> {
    try {
      const [printer, accepting] = await Promise.all([
        runCupsCommand('lpstat', ['-l', '-p', this.queue], { timeoutMs: this.timeoutMs }),
        runCupsCommand('lpstat', ['-a', this.queue], { timeoutMs: this.timeoutMs })
      ]);
      if (printer.timedOut || accepting.timedOut) return faultStatus('no_answer');
      // No such queue, no scheduler, or no CUPS at all.
      if (!printer.ok || !accepting.ok) return faultStatus('unreachable');
      return parseLpstat(printer.stdout, accepting.stdout);
    } catch {
      return faultStatus('error');
    }
  }

  async print(job: Buffer): Promise<PrinterStatus> {
    const before = await this.status();
    // Not sent: `lp` would queue it into a paused queue and still exit 0.
    if (before.fault) return before;
    const args = ['-d', this.queue, '-t', this.kind === 'a4' ? 'Guichet A4' : 'Guichet receipt'];
    if (this.format === 'raw') args.push('-o', 'raw');
    const lp = await runCupsCommand('lp', args, { input: job, timeoutMs: this.timeoutMs });
    if (lp.timedOut) {
      throw new Error(`${this.uri}: lp did not finish in ${this.timeoutMs} ms: the job may have been queued`);
    }
    if (!lp.ok) {
      // CUPS refused the job (it never keeps a job whose upload failed): nothing will print.
      const after = await this.status();
      return after.fault ? after : faultStatus('error');
    }
    this.lastJobId = /request id is (\S+)/.exec(lp.stdout)?.[1] ?? null;
    return this.status();
  }
}
