/**
 * The TCP driver against the virtual printer (`../virtual-printer.ts`): a real TCP server that answers
 * DLE EOT from a state, decodes what it prints, and can stop answering or reset its connections.
 * What it cannot show: the timing and quirks of a given printer model (a full receive buffer, a
 * printer that accepts one connection and makes the next wait, DLE EOT bytes inside image data).
 */
import iconv from 'iconv-lite';
import { afterEach, describe, expect, it } from 'vitest';
import { startVirtualPrinter, type VirtualPrinter, type VirtualPrinterOptions } from '../virtual-printer';
import { TcpDriver } from './tcp';

const started: VirtualPrinter[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((printer) => printer.close()));
});

async function start(options?: VirtualPrinterOptions): Promise<VirtualPrinter> {
  const printer = await startVirtualPrinter(options);
  started.push(printer);
  return printer;
}

const driverFor = (printer: { host: string; port: number }, options = {}) =>
  new TcpDriver(`tcp://${printer.host}:${printer.port}`, 'receipt', printer.host, printer.port, { timeoutMs: 400, ...options });

const text = "Pièce d'identité, récépissé";
/** A receipt: initialise, code page PC858, text with accents, feed, full cut. */
const receipt = Buffer.concat([
  Buffer.from([0x1b, 0x40, 0x1b, 0x74, 0x13]),
  iconv.encode(`${text}\n`, 'cp858'),
  Buffer.from([0x1b, 0x64, 0x03, 0x1d, 0x56, 0x00])
]);

const requestsOf = (printer: VirtualPrinter, connection: number) =>
  printer.connections()[connection]?.statusRequests.map((request) => `${request.command} ${request.n}`);

describe('TCP driver (ESC/POS on port 9100)', () => {
  it('reports a ready printer from its three DLE EOT answers', async () => {
    const printer = await start();
    expect(await driverFor(printer).status()).toEqual({ fault: null, paperNearEnd: false });
    expect(requestsOf(printer, 0)).toEqual(['DLE EOT 1', 'DLE EOT 2', 'DLE EOT 4']);
    expect(printer.jobs()).toHaveLength(0);
  });

  it('prints on a ready printer: the exact bytes, with the status asked before and after on the same connection', async () => {
    const printer = await start();
    expect(await driverFor(printer).print(receipt)).toEqual({ fault: null, paperNearEnd: false });
    expect(printer.connections()).toHaveLength(1);
    expect(printer.jobs()[0]?.data.equals(receipt)).toBe(true);
    expect(requestsOf(printer, 0)).toEqual(['DLE EOT 1', 'DLE EOT 2', 'DLE EOT 4', 'DLE EOT 1', 'DLE EOT 2', 'DLE EOT 4']);
    const [printed] = printer.receipts();
    expect(printed?.cut).toBe('full');
    expect(printed?.lines.some((line) => line.kind === 'text' && line.text === text)).toBe(true);
  });

  it('prints when the paper is nearly out, and says so', async () => {
    const printer = await start({ state: { paperNearEnd: true } });
    expect(await driverFor(printer).print(receipt)).toEqual({ fault: null, paperNearEnd: true });
    expect(printer.jobs()[0]?.data.equals(receipt)).toBe(true);
  });

  it('does not send the job when the paper is out', async () => {
    const printer = await start({ state: { paperEnd: true } });
    const driver = driverFor(printer);
    expect((await driver.status()).fault).toBe('paper_end');
    expect((await driver.print(receipt)).fault).toBe('paper_end');
    expect(printer.jobs()).toHaveLength(0);
  });

  it('reports the paper running out during the job, after sending it', async () => {
    const printer = await start();
    printer.runOutAfterReceipts(1);
    expect(await driverFor(printer).print(receipt)).toEqual({ fault: 'paper_end', paperNearEnd: true });
    expect(printer.jobs()[0]?.data.equals(receipt)).toBe(true);
  });

  it('reports an open cover, and does not send the job', async () => {
    const printer = await start({ state: { coverOpen: true } });
    const driver = driverFor(printer);
    expect((await driver.status()).fault).toBe('cover_open');
    expect((await driver.print(receipt)).fault).toBe('cover_open');
    expect(printer.jobs()).toHaveLength(0);
  });

  it('reports an offline printer, and does not send the job', async () => {
    const printer = await start({ state: { online: false } });
    const driver = driverFor(printer);
    expect((await driver.status()).fault).toBe('offline');
    expect((await driver.print(receipt)).fault).toBe('offline');
    expect(printer.jobs()).toHaveLength(0);
  });

  it('reports no_answer when the printer accepts the connection but stays silent, and does not send the job', async () => {
    const printer = await start({ mode: 'no_answer' });
    const driver = driverFor(printer, { timeoutMs: 300 });
    const started = Date.now();
    expect((await driver.status()).fault).toBe('no_answer');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect((await driver.print(receipt)).fault).toBe('no_answer');
    expect(printer.connections()).toHaveLength(2);
    expect(printer.jobs()).toHaveLength(0);
  });

  it('reports unreachable when nothing listens on the port', async () => {
    const printer = await start({ mode: 'refuse' });
    const driver = driverFor(printer);
    expect(await driver.status()).toEqual({ fault: 'unreachable', paperNearEnd: false });
    expect((await driver.print(receipt)).fault).toBe('unreachable');
    expect(printer.connections()).toHaveLength(0);
  });

  it('rejects when the connection drops in the middle of a job', async () => {
    const printer = await start();
    // The printer is switched off once the first receipt of the job is cut.
    printer.onReceipt(() => void printer.setMode('refuse'));
    const job = Buffer.concat([receipt, Buffer.alloc(8 * 1024 * 1024, 0x41), receipt]);
    await expect(driverFor(printer).print(job)).rejects.toThrow(/may have been printed in part|connection was lost/);
    const data = printer.jobs()[0]?.data ?? Buffer.alloc(0);
    expect(data.length).toBeGreaterThanOrEqual(receipt.length);
    expect(data.length).toBeLessThan(job.length);
  });

  it('rejects when the printer hangs up right after a whole job, before confirming it', async () => {
    const printer = await start();
    printer.onReceipt(() => void printer.setMode('refuse'));
    await expect(driverFor(printer).print(receipt)).rejects.toThrow(/before the printer confirmed/);
    expect(printer.jobs()[0]?.data.equals(receipt)).toBe(true);
  });

  it('never opens two connections at once: calls made together wait for each other', async () => {
    const printer = await start({ mode: 'no_answer' });
    const driver = driverFor(printer, { timeoutMs: 300 });
    const started = Date.now();
    const results = await Promise.all([driver.print(receipt), driver.status(), driver.print(receipt)]);
    expect(results.map((result) => result.fault)).toEqual(['no_answer', 'no_answer', 'no_answer']);
    // Each waits out its own timeout: in turn, never side by side.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 290);
    expect(printer.connections()).toHaveLength(3);

    await printer.setMode('ok');
    await Promise.all([driver.print(receipt), driver.print(receipt)]);
    expect(printer.jobs().map((job) => job.data.equals(receipt))).toEqual([true, true]);
  });
});
