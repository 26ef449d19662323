/**
 * `folder:///path/to/dir`: for development and demonstrations, each job becomes a numbered file
 * (`000001.bin` for ESC/POS bytes, `000001.pdf` for a PDF). The folder is always ready, unless it is
 * missing or cannot be written to ('unreachable'), or leads (through a link) out of the folder it must
 * stay in ('error': see `../address-policy.ts`).
 *
 * A job is written to a temporary name first and then linked to its number: a file with a number is
 * always whole. One driver writes its jobs one after the other, so their numbers follow the order of
 * the calls.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isInside } from '../address-policy';
import type { PrinterDriver, PrinterKind } from '../driver';
import { faultStatus, readyStatus, type PrinterStatus } from '../status';
import { oneAtATime } from './one-at-a-time';

const numbered = /^(\d+)\.(?:bin|pdf)$/;

const isPdf = (job: Buffer): boolean => job.subarray(0, 5).toString('latin1') === '%PDF-';

export class FolderDriver implements PrinterDriver {
  constructor(
    readonly uri: string,
    readonly kind: PrinterKind,
    readonly folder: string,
    /** The folder it must be inside, after following links (Guichet's data folder). */
    readonly root: string
  ) {}

  /** One job or status request at a time on this printer. */
  private readonly exclusive = oneAtATime();

  /** The folder's real path when it may be written to, or the fault that stops it. */
  private async check(): Promise<{ folder: string } | { fault: 'unreachable' | 'error' }> {
    let folder: string;
    try {
      folder = await fs.realpath(this.folder);
    } catch {
      return { fault: 'unreachable' };
    }
    const root = await fs.realpath(this.root).catch(() => this.root);
    if (!isInside(folder, root, true)) return { fault: 'error' };
    try {
      const stat = await fs.stat(folder);
      if (!stat.isDirectory()) return { fault: 'unreachable' };
      await fs.access(folder, fs.constants.W_OK | fs.constants.X_OK);
      return { folder };
    } catch {
      return { fault: 'unreachable' };
    }
  }

  async status(): Promise<PrinterStatus> {
    const checked = await this.check();
    return 'fault' in checked ? faultStatus(checked.fault) : readyStatus;
  }

  private async nextNumber(folder: string): Promise<number> {
    let last = 0;
    for (const name of await fs.readdir(folder)) {
      const match = numbered.exec(name);
      if (match?.[1]) last = Math.max(last, Number(match[1]));
    }
    return last + 1;
  }

  /** Writes the job and resolves with the path of its file. */
  private async write(folder: string, job: Buffer): Promise<string> {
    const extension = isPdf(job) ? 'pdf' : 'bin';
    const temporary = path.join(folder, `.job-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
    await fs.writeFile(temporary, job, { flag: 'wx' });
    try {
      for (let number = await this.nextNumber(folder); ; number++) {
        const file = path.join(folder, `${String(number).padStart(6, '0')}.${extension}`);
        try {
          await fs.link(temporary, file);
          return file;
        } catch (error) {
          // Another job took this number in the meantime: the next one.
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
      }
    } finally {
      await fs.rm(temporary, { force: true });
    }
  }

  print(job: Buffer): Promise<PrinterStatus> {
    return this.exclusive(async () => {
      const before = await this.check();
      if ('fault' in before) return faultStatus(before.fault);
      try {
        // Into the folder as checked: a link swapped in afterwards is not followed.
        await this.write(before.folder, job);
      } catch {
        // Nothing numbered was written (see the top of the file): the job was not printed.
        const after = await this.status();
        return after.fault ? after : faultStatus('error');
      }
      return this.status();
    });
  }
}
