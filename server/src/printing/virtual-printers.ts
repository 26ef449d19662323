/**
 * The demo's printers, started by the server so `npm start` runs the production path: behind
 * `virtual://receipt` a real ESC/POS listener on loopback (the same TCP driver as a hall printer,
 * status requests included), behind `virtual://a4` a folder where A4 summaries land as PDFs.
 *
 * Each site that names them gets its own: its own receipt listener and its own A4 folder
 * (`demo-a4/<site id>/`), so what one site printed is never listed or served to another. Every
 * output is tagged with the print job that made it (the PDF is named after the job), so erasing a
 * session also erases what its summaries printed here.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DecodedReceipt } from '../../../printers/escpos/decoder';
import type { PrinterDriver } from '../../../printers/driver';
import { createDriver } from '../../../printers/create-driver';
import type { PrinterAddressPolicy } from '../../../printers/address-policy';
import { faultStatus, readyStatus, type PrinterStatus } from '../../../printers/status';
import { oneAtATime } from '../../../printers/transports/one-at-a-time';
import { startVirtualPrinter, type VirtualPrinter } from '../../../printers/virtual-printer';
import type { DemoReceipt } from '../../../shared/schemas/print';
import type { VirtualPrinters } from './drivers';
import type { Printer } from './printers.repository';
import type { Store } from '../store';

const kept = 20;
const receiptUri = 'virtual://receipt';
const a4Uri = 'virtual://a4';
/** Site ids and job ids are UUIDs; anything else never becomes part of a path. */
const safeId = /^[A-Za-z0-9-]{1,64}$/;
const pdfName = /^([A-Za-z0-9-]{1,64})\.pdf$/;

function toDemoReceipt(receipt: DecodedReceipt, at: Date): DemoReceipt {
  const lines: DemoReceipt['lines'] = [];
  const qr: string[] = [];
  for (const line of receipt.lines) {
    if (line.kind === 'text') lines.push({ text: line.text, align: line.align, size: line.width, bold: line.bold });
    else if (line.kind === 'feed')
      for (let i = 0; i < line.lines; i++) lines.push({ text: '', align: 'left', size: 1, bold: false });
    else qr.push(line.data);
  }
  return { at: at.toISOString(), lines, qr };
}

/** The demo's receipt listener is on loopback, which only the server itself may point a driver at. */
const ownListener: PrinterAddressPolicy = { usbDevices: false, folderRoot: null, loopback: true, serverPort: () => null };

/** One site's receipt printer: the listener, and what it printed tagged with the job that sent it. */
interface SiteReceiptPrinter {
  device: VirtualPrinter;
  driver: PrinterDriver;
  /** Jobs go one at a time across the site's receipt printers, so a cut belongs to the job in flight. */
  exclusive: <T>(task: () => Promise<T>) => Promise<T>;
  jobInFlight: string | null;
  receipts: { jobId: string | null; receipt: DemoReceipt }[];
}

/**
 * Earlier versions wrote every site's PDFs straight into `demo-a4/` (`000001.pdf`, …), with nothing
 * saying which site or session they belong to: they could never be listed to the right manager
 * nor erased with their session, so they go.
 */
function removeUnattributedOutput(a4Root: string): void {
  fs.mkdirSync(a4Root, { recursive: true });
  for (const entry of fs.readdirSync(a4Root, { withFileTypes: true })) {
    if (!entry.isDirectory()) fs.rmSync(path.join(a4Root, entry.name), { force: true });
  }
}

async function startVirtualPrinters(dataDir: string, siteIds: string[]): Promise<VirtualPrinters> {
  const a4Root = path.resolve(dataDir, 'demo-a4');
  const receiptPrinters = new Map<string, Promise<SiteReceiptPrinter>>();
  const started = new Map<string, SiteReceiptPrinter>();
  const listeners = new Set<(siteId: string, receipt: DemoReceipt) => void>();
  let closed = false;
  /**
   * Jobs erased with their session. A job already being printed when its session was erased
   * lands after the erase: its output is dropped then. The last few thousand are enough for that.
   */
  const forgotten = new Set<string>();
  const forget = (jobId: string) => {
    forgotten.add(jobId);
    if (forgotten.size > 5000) forgotten.delete(forgotten.values().next().value!);
  };

  function receiptPrinterOf(siteId: string): Promise<SiteReceiptPrinter> {
    const known = receiptPrinters.get(siteId);
    if (known) return known;
    const starting = (async () => {
      if (closed) throw new Error('the demo printers are stopped');
      const device = await startVirtualPrinter();
      if (closed) {
        await device.close();
        throw new Error('the demo printers are stopped');
      }
      const site: SiteReceiptPrinter = {
        device,
        driver: createDriver(`tcp://${device.host}:${device.port}`, 'receipt', ownListener),
        exclusive: oneAtATime(),
        jobInFlight: null,
        receipts: []
      };
      device.onReceipt((decoded) => {
        if (site.jobInFlight && forgotten.has(site.jobInFlight)) return;
        const receipt = toDemoReceipt(decoded, new Date());
        site.receipts.unshift({ jobId: site.jobInFlight, receipt });
        site.receipts.length = Math.min(site.receipts.length, kept);
        for (const listener of listeners) listener(siteId, receipt);
      });
      started.set(siteId, site);
      return site;
    })();
    receiptPrinters.set(siteId, starting);
    // A listener that could not start is tried again at the next job, not given up for good.
    starting.catch(() => receiptPrinters.delete(siteId));
    return starting;
  }

  function receiptDriver(siteId: string): PrinterDriver {
    return {
      uri: receiptUri,
      kind: 'receipt',
      status: async () => {
        try {
          return await (await receiptPrinterOf(siteId)).driver.status();
        } catch {
          return faultStatus('unreachable');
        }
      },
      print: async (job, context) => {
        let site: SiteReceiptPrinter;
        try {
          site = await receiptPrinterOf(siteId);
        } catch {
          // Nothing was sent: the job waits, as for a printer switched off.
          return faultStatus('unreachable');
        }
        return site.exclusive(async () => {
          site.jobInFlight = context?.jobId ?? null;
          try {
            return await site.driver.print(job);
          } finally {
            site.jobInFlight = null;
          }
        });
      }
    };
  }

  const a4Dir = (siteId: string) => path.join(a4Root, siteId);

  function a4Driver(siteId: string): PrinterDriver {
    const dir = a4Dir(siteId);
    fs.mkdirSync(dir, { recursive: true });
    const status = async (): Promise<PrinterStatus> => {
      try {
        await fs.promises.access(dir, fs.constants.W_OK | fs.constants.X_OK);
        return readyStatus;
      } catch {
        return faultStatus('unreachable');
      }
    };
    return {
      uri: a4Uri,
      kind: 'a4',
      status,
      print: async (job, context) => {
        const jobId = context?.jobId && safeId.test(context.jobId) ? context.jobId : randomUUID();
        // Written under a temporary name, then renamed: a listed PDF is always whole.
        const temporary = path.join(dir, `.job-${randomBytes(6).toString('hex')}.tmp`);
        try {
          await fs.promises.writeFile(temporary, job, { flag: 'wx' });
          // Its session was erased while it printed: it is not kept.
          if (!forgotten.has(jobId)) await fs.promises.rename(temporary, path.join(dir, `${jobId}.pdf`));
        } catch {
          // Nothing was kept under the job's name: not printed, like the folder driver says it.
          const after = await status();
          return after.fault ? after : faultStatus('error');
        } finally {
          await fs.promises.rm(temporary, { force: true });
        }
        return status();
      }
    };
  }

  /** The site's PDFs, newest first; none for a site that never printed here. */
  function a4Files(siteId: string): { name: string; at: string }[] {
    if (!safeId.test(siteId)) return [];
    const dir = a4Dir(siteId);
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((name) => pdfName.test(name))
      .map((name) => ({ name, at: fs.statSync(path.join(dir, name)).mtime.toISOString() }))
      .sort((a, b) => b.at.localeCompare(a.at) || b.name.localeCompare(a.name))
      .slice(0, kept);
  }

  removeUnattributedOutput(a4Root);

  // The sites that name the demo printers at start get their receipt listener at once.
  const first = siteIds[0];
  const firstDevice = first ? (await receiptPrinterOf(first)).device : null;
  for (const siteId of siteIds.slice(1)) await receiptPrinterOf(siteId);

  return {
    get device() {
      if (!firstDevice) throw new Error('no site names the demo receipt printer');
      return firstDevice;
    },
    receiptUri,
    a4Uri,
    driverFor(printer: Printer): PrinterDriver | null {
      if (!safeId.test(printer.siteId)) return null;
      if (printer.uri === receiptUri && printer.kind === 'receipt') return receiptDriver(printer.siteId);
      if (printer.uri === a4Uri && printer.kind === 'a4') return a4Driver(printer.siteId);
      return null;
    },
    receipts: (siteId) => started.get(siteId)?.receipts.map((r) => r.receipt) ?? [],
    onReceipt: (listener) => void listeners.add(listener),
    a4Files,
    a4File(siteId, name) {
      // Only a name the listing could show: no separator, no `..`, no NUL, ever reaches the path.
      if (!safeId.test(siteId) || !pdfName.test(name)) return null;
      const file = path.join(a4Dir(siteId), name);
      return fs.existsSync(file) ? file : null;
    },
    forgetJobs(siteId, jobIds) {
      if (jobIds.length === 0 || !safeId.test(siteId)) return;
      const ids = new Set(jobIds);
      const site = started.get(siteId);
      if (site) site.receipts = site.receipts.filter((r) => !(r.jobId && ids.has(r.jobId)));
      for (const id of ids) {
        forget(id);
        if (safeId.test(id)) fs.rmSync(path.join(a4Dir(siteId), `${id}.pdf`), { force: true });
      }
    },
    async close() {
      closed = true;
      await Promise.all([...started.values()].map((s) => s.device.close()));
    }
  };
}

/** The demo printers, when a configured printer names them; each such site's receipt listener starts now. */
export async function startVirtualPrintersFor(store: Store, dataDir: string): Promise<VirtualPrinters | undefined> {
  const printers = (await store.printers.listAll()).filter((p) => p.uri.startsWith('virtual://'));
  if (printers.length === 0) return undefined;
  const receiptSites = [...new Set(printers.filter((p) => p.uri === receiptUri).map((p) => p.siteId))];
  // The demo site's listener first: it is `device`.
  const demoFirst = new Map<string, number>();
  for (const siteId of receiptSites) demoFirst.set(siteId, (await store.sites.findById(siteId))?.isDemo ? 0 : 1);
  const isDemo = (siteId: string) => demoFirst.get(siteId) ?? 1;
  return startVirtualPrinters(
    dataDir,
    receiptSites.sort((a, b) => isDemo(a) - isDemo(b))
  );
}
