import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CharacterSet, PrinterTypes, ThermalPrinter } from 'node-thermal-printer';
import { DLE_EOT, parseDleEot } from './status';
import type { DecodedReceipt } from './escpos/decoder';
import { startVirtualPrinter, type VirtualPrinter, type VirtualPrinterOptions } from './virtual-printer';

const started: VirtualPrinter[] = [];
const clients: net.Socket[] = [];
afterEach(async () => {
  // Clients first: closing a printer resets the connections still open.
  for (const socket of clients.splice(0)) socket.destroy();
  await Promise.all(started.splice(0).map((printer) => printer.close()));
});

async function start(options?: VirtualPrinterOptions): Promise<VirtualPrinter> {
  const printer = await startVirtualPrinter(options);
  started.push(printer);
  return printer;
}

function connect(printer: VirtualPrinter): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(printer.port, printer.host);
    clients.push(socket);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Everything the socket receives until it closes, and the error it closed with, if any. */
function received(socket: net.Socket): Promise<{ data: Buffer; error: NodeJS.ErrnoException | null }> {
  const chunks: Buffer[] = [];
  let error: NodeJS.ErrnoException | null = null;
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', (e) => (error = e));
  return new Promise((resolve) => socket.once('close', () => resolve({ data: Buffer.concat(chunks), error })));
}

function readBytes(socket: net.Socket, count: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (data.length < count) return;
      socket.off('data', onData);
      resolve(data);
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/** Sends `bytes` on a new connection and reads `count` answer bytes. */
async function ask(printer: VirtualPrinter, bytes: Buffer, count: number): Promise<Buffer> {
  const socket = await connect(printer);
  socket.write(bytes);
  const answer = await readBytes(socket, count);
  socket.end();
  return answer;
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const statusRequest = Buffer.concat([DLE_EOT(1), DLE_EOT(2), DLE_EOT(4)]);
const GS_R_1 = Buffer.from([0x1d, 0x72, 0x01]);

/** A ticket as node-thermal-printer builds it, and the length of its first part (title line included). */
function ticket(number = 'A 042'): { bytes: Buffer; titleEnd: number } {
  const printer = new ThermalPrinter({
    type: PrinterTypes.EPSON,
    interface: '',
    width: 48,
    characterSet: CharacterSet.PC858_EURO
  });
  printer.alignCenter();
  printer.bold(true);
  printer.println('Mairie de Bègles');
  const titleEnd = printer.getBuffer().length;
  printer.bold(false);
  printer.setTextSize(2, 2);
  printer.println(number);
  printer.setTextSize(0, 0);
  printer.alignLeft();
  printer.println("Pièce d'identité - timbre 25 €");
  printer.alignCenter();
  printer.printQR('https://guichet.example/r/7KQ2', { cellSize: 6 });
  printer.cut();
  return { bytes: Buffer.from(printer.getBuffer()), titleEnd };
}

const texts = (receipt: DecodedReceipt | undefined) => receipt?.lines.flatMap((l) => (l.kind === 'text' ? [l.text] : []));

describe('virtual printer status answers', () => {
  it.each([
    ['ready', {}, [0x12, 0x12, 0x12], { fault: null, paperNearEnd: false }],
    ['paper near end', { paperNearEnd: true }, [0x12, 0x12, 0x1e], { fault: null, paperNearEnd: true }],
    ['paper end', { paperEnd: true }, [0x1a, 0x32, 0x7e], { fault: 'paper_end', paperNearEnd: true }],
    ['cover open', { coverOpen: true }, [0x1a, 0x16, 0x12], { fault: 'cover_open', paperNearEnd: false }],
    ['offline', { online: false }, [0x1a, 0x12, 0x12], { fault: 'offline', paperNearEnd: false }]
  ])('answers DLE EOT 1, 2 and 4 when %s', async (_name, state, bytes, status) => {
    const printer = await start({ state });
    const answer = await ask(printer, statusRequest, 3);
    expect([...answer]).toEqual(bytes);
    expect(parseDleEot(answer[0]!, answer[1]!, answer[2]!)).toEqual(status);
  });

  it('answers GS r 1 from the paper sensors, with the state changed between two requests on one connection', async () => {
    const printer = await start();
    const socket = await connect(printer);
    const answers: number[] = [];
    for (const state of [{}, { paperNearEnd: true }, { paperEnd: true }]) {
      printer.setState({ paperNearEnd: false, paperEnd: false, ...state });
      socket.write(GS_R_1);
      answers.push(...(await readBytes(socket, 1)));
    }
    socket.end();
    expect(answers).toEqual([0x00, 0x03, 0x0f]);
  });

  it('never answers in no_answer mode, but records the request', async () => {
    const printer = await start({ mode: 'no_answer' });
    const socket = await connect(printer);
    const reply = received(socket);
    socket.write(statusRequest);
    await waitFor(() => printer.connections()[0]?.statusRequests.length === 3, 'the requests to arrive');
    // The printer answers as it reads a request, so any answer was written before it recorded the
    // requests; the connection keeps order, so it arrives before the close that ends `reply`.
    socket.end();
    expect((await reply).data.length).toBe(0);
    expect(printer.connections()[0]?.data.length).toBe(0);
    expect(printer.connections()[0]?.statusRequests).toEqual([
      { command: 'DLE EOT', n: 1, answer: null },
      { command: 'DLE EOT', n: 2, answer: null },
      { command: 'DLE EOT', n: 4, answer: null }
    ]);
  });

  it('refuses connections in refuse mode, resets the open ones, and listens again on the same port', async () => {
    const printer = await start();
    const open = await connect(printer);
    const openEnd = received(open);
    await printer.setMode('refuse');
    expect((await openEnd).error?.code).toBe('ECONNRESET');
    await expect(connect(printer)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    await printer.setMode('ok');
    expect([...(await ask(printer, DLE_EOT(1), 1))]).toEqual([0x12]);
  });

  it('refuses connections once closed', async () => {
    const printer = await startVirtualPrinter();
    await printer.close();
    await expect(connect(printer)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('virtual printer jobs', () => {
  it('answers a status request in the middle of a job and keeps the job without it', async () => {
    const printer = await start();
    const { bytes, titleEnd } = ticket();
    const socket = await connect(printer);
    socket.write(Buffer.concat([bytes.subarray(0, titleEnd), DLE_EOT(4), bytes.subarray(titleEnd)]));
    expect([...(await readBytes(socket, 1))]).toEqual([0x12]);
    const closed = received(socket);
    socket.end();
    await closed;
    await waitFor(() => printer.jobs()[0]?.open === false, 'the job to end');

    const [job] = printer.jobs();
    expect(job?.data.equals(bytes)).toBe(true);
    expect(job?.printed.equals(bytes)).toBe(true);
    expect(job?.statusRequests).toEqual([{ command: 'DLE EOT', n: 4, answer: 0x12 }]);
    expect(texts(printer.receipts()[0])).toEqual(['Mairie de Bègles', 'A 042', "Pièce d'identité - timbre 25 €"]);
  });

  it('takes DLE EOT bytes inside a QR payload for data, sent one byte at a time', async () => {
    // Cover open: DLE EOT 1 answers 0x1a, DLE EOT 2 answers 0x16, so a wrong answer shows.
    const printer = await start({ state: { coverOpen: true } });
    const payload = Buffer.from('ID\x10\x04\x01X', 'latin1');
    const k = payload.length + 3;
    const job = Buffer.concat([
      Buffer.from([0x1d, 0x28, 0x6b, k, 0x00, 0x31, 0x50, 0x30]),
      payload,
      Buffer.from([0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30])
    ]);
    const socket = await connect(printer);
    const reply = received(socket);
    for (const byte of [...job, ...DLE_EOT(2)]) {
      socket.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    socket.end();
    expect([...(await reply).data]).toEqual([0x16]);
    await waitFor(() => printer.connections()[0]?.open === false, 'the connection to end');
    expect(printer.connections()[0]?.data.equals(job)).toBe(true);
    expect(printer.connections()[0]?.statusRequests).toEqual([{ command: 'DLE EOT', n: 2, answer: 0x16 }]);
  });

  it('keeps one job per connection; a connection that only asks the status is no job', async () => {
    const printer = await start();
    const first = ticket('A 001').bytes;
    const second = ticket('A 002').bytes;
    const ended: number[] = [];
    printer.onJob((job) => ended.push(job.id));

    await ask(printer, statusRequest, 3);
    const socket = await connect(printer);
    socket.end(first);
    await ask(printer, Buffer.concat([DLE_EOT(1), second, DLE_EOT(4)]), 2);
    await waitFor(() => ended.length === 2, 'both jobs to end');

    expect(printer.connections()).toHaveLength(3);
    expect(printer.jobs().map((job) => job.id)).toEqual([2, 3]);
    expect(printer.jobs().map((job) => job.data.equals(job.id === 2 ? first : second))).toEqual([true, true]);
    expect(printer.receipts().map((r) => texts(r)?.[1])).toEqual(['A 001', 'A 002']);
  });

  it('fires a receipt event at the cut, while the connection is still open', async () => {
    const printer = await start();
    const receipt = new Promise<DecodedReceipt>((resolve) => printer.onReceipt(resolve));
    const socket = await connect(printer);
    socket.write(ticket().bytes);
    const printed = await receipt;
    expect(printed.cut).toBe('full');
    expect(texts(printed)).toEqual(['Mairie de Bègles', 'A 042', "Pièce d'identité - timbre 25 €"]);
    expect(printed.lines.find((l) => l.kind === 'qr')).toMatchObject({ data: 'https://guichet.example/r/7KQ2' });
    expect(printer.connections()[0]?.open).toBe(true);
    expect(printer.receipts()).toEqual([printed]);
    socket.end();
  });

  it('runs out of paper after a number of job bytes, in the middle of a job', async () => {
    const printer = await start();
    const { bytes, titleEnd } = ticket();
    let cuts = 0;
    printer.onReceipt(() => cuts++);
    printer.runOutAfterBytes(titleEnd);

    // Asked before the job, then right after its first titleEnd bytes: the paper ends exactly there.
    const sent = [DLE_EOT(4), bytes.subarray(0, titleEnd), DLE_EOT(4), bytes.subarray(titleEnd)];
    const answers = await ask(printer, Buffer.concat(sent), 2);
    expect([...answers]).toEqual([0x12, 0x7e]);
    expect(printer.state().paperEnd).toBe(true);
    await waitFor(() => printer.jobs()[0]?.open === false, 'the job to end');
    const [job] = printer.jobs();
    expect(job?.data.equals(bytes)).toBe(true);
    expect(job?.printed.equals(bytes.subarray(0, titleEnd))).toBe(true);
    // The title printed, the cut did not.
    expect(printer.receipts().map((r) => [texts(r), r.cut])).toEqual([[['Mairie de Bègles'], null]]);
    expect(cuts).toBe(0);

    // A new roll: the next ticket is a receipt of its own, the torn one stays in the history.
    printer.setState({ paperEnd: false });
    await ask(printer, Buffer.concat([ticket('A 043').bytes, DLE_EOT(4)]), 1);
    expect(printer.receipts().map((r) => [texts(r), r.cut])).toEqual([
      [['Mairie de Bègles'], null],
      [['Mairie de Bègles', 'A 043', "Pièce d'identité - timbre 25 €"], 'full']
    ]);
    expect(cuts).toBe(1);
  });

  it('prints text up to the byte where the paper runs out, and a command only if it arrived whole', async () => {
    const { bytes, titleEnd } = ticket();
    const printed: Buffer[] = [];
    // titleEnd - 4: inside « Mairie de Bègles\n »; 1: inside the ESC t 19 the ticket starts with.
    for (const n of [titleEnd - 4, 1]) {
      const printer = await start();
      printer.runOutAfterBytes(n);
      await ask(printer, Buffer.concat([bytes, DLE_EOT(4)]), 1);
      await waitFor(() => printer.jobs()[0]?.open === false, 'the job to end');
      printed.push(printer.jobs()[0]!.printed);
    }
    expect(printed.map((b) => b.toString('latin1'))).toEqual([bytes.subarray(0, titleEnd - 4).toString('latin1'), '']);
  });

  it('runs out of paper after a number of receipts', async () => {
    const printer = await start();
    const cut: DecodedReceipt[] = [];
    printer.onReceipt((receipt) => cut.push(receipt));
    printer.runOutAfterReceipts(1);
    const answers = await ask(printer, Buffer.concat([ticket('A 001').bytes, ticket('A 002').bytes, DLE_EOT(4)]), 1);
    expect([...answers]).toEqual([0x7e]);
    expect(cut.map((r) => texts(r)?.[1])).toEqual(['A 001']);
    expect(printer.receipts()).toEqual(cut);
  });
});
