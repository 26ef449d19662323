/**
 * `folder:///path/to/dir`: for development and demonstrations, each job becomes a numbered file
 * (`000001.bin` for ESC/POS bytes, `000001.pdf` for a PDF). The folder is always ready, unless it is
 * missing or cannot be written to ('unreachable').
 *
 * A job is written to a temporary name first and then linked to its number: a file with a number is
 * always whole. One driver writes its jobs one after the other, so their numbers follow the order of
 * the calls.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { PrinterDriver, PrinterKind } from '../driver';
import { faultStatus, readyStatus, type PrinterStatus } from '../status';
import { oneAtATime } from './one-at-a-time';

const numbered = /^(\d+)\.(?:bin|pdf)$/;

export const isPdf = (job: Buffer): boolean => job.subarray(0, 5).toString('latin1') === '%PDF-';

export class FolderDriver implements PrinterDriver {
  constructor(
    readonly uri: string,
    readonly kind: PrinterKind,
    readonly folder: string
  ) {}

  /** One job or status request at a time on this printer. */
  private readonly exclusive = oneAtATime();

  async status(): Promise<PrinterStatus> {
    try {
      const stat = await fs.stat(this.folder);
      if (!stat.isDirectory()) return faultStatus('unreachable');
      await fs.access(this.folder, fs.constants.W_OK | fs.constants.X_OK);
      return readyStatus;
    } catch {
      return faultStatus('unreachable');
    }
  }

  private async nextNumber(): Promise<number> {
    let last = 0;
    for (const name of await fs.readdir(this.folder)) {
      const match = numbered.exec(name);
      if (match?.[1]) last = Math.max(last, Number(match[1]));
    }
    return last + 1;
  }

  /** Writes the job and resolves with the path of its file. */
  private async write(job: Buffer): Promise<string> {
    const extension = isPdf(job) ? 'pdf' : 'bin';
    const temporary = path.join(this.folder, `.job-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
    await fs.writeFile(temporary, job, { flag: 'wx' });
    try {
      for (let number = await this.nextNumber(); ; number++) {
        const file = path.join(this.folder, `${String(number).padStart(6, '0')}.${extension}`);
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
      const before = await this.status();
      if (before.fault) return before;
      try {
        await this.write(job);
      } catch {
        // Nothing numbered was written (see the top of the file): the job was not printed.
        const after = await this.status();
        return after.fault ? after : faultStatus('error');
      }
      return this.status();
    });
  }
}
