import { describe, expect, it } from 'vitest';
import { AppError } from '../shared/errors';
import { isInside, type PrinterAddressPolicy } from './address-policy';
import { checkPrinterAddress, createDriver, parsePrinterUri } from './create-driver';
import { CupsDriver } from './transports/cups';
import { DeviceDriver } from './transports/device';
import { FolderDriver } from './transports/folder';
import { TcpDriver } from './transports/tcp';

/** Every kind of address allowed: what the parsing alone accepts. */
const anything: PrinterAddressPolicy = { usbDevices: true, folderRoot: '/', loopback: true, serverPort: () => null };
/** The default: nothing on this machine; the server listens on 3000. */
const defaults: PrinterAddressPolicy = { usbDevices: false, folderRoot: null, loopback: false, serverPort: () => 3000 };

describe('createDriver', () => {
  it('chooses the driver from the URI scheme', () => {
    const tcp = createDriver('tcp://192.168.1.50:9101', 'receipt', anything);
    expect(tcp).toBeInstanceOf(TcpDriver);
    expect(tcp).toMatchObject({ uri: 'tcp://192.168.1.50:9101', kind: 'receipt', host: '192.168.1.50', port: 9101 });

    expect(createDriver('tcp://printer.local', 'receipt', anything)).toMatchObject({ host: 'printer.local', port: 9100 });
    expect(createDriver('tcp://[fd00::12]:9100', 'receipt', anything)).toMatchObject({ host: 'fd00::12', port: 9100 });

    const device = createDriver('file:///dev/usb/lp0', 'receipt', anything);
    expect(device).toBeInstanceOf(DeviceDriver);
    expect(device).toMatchObject({ path: '/dev/usb/lp0' });
    expect(createDriver('file:///dev/usb/guichet%20receipt', 'receipt', anything)).toMatchObject({
      path: '/dev/usb/guichet receipt'
    });

    const raw = createDriver('cups://Receipt_Hall-1', 'receipt', anything);
    expect(raw).toBeInstanceOf(CupsDriver);
    expect(raw).toMatchObject({ queue: 'Receipt_Hall-1', format: 'raw', kind: 'receipt' });

    const a4 = createDriver(' cups-pdf://guichet-pdf/ ', 'a4', anything);
    expect(a4).toBeInstanceOf(CupsDriver);
    expect(a4).toMatchObject({ uri: 'cups-pdf://guichet-pdf/', queue: 'guichet-pdf', format: 'pdf', kind: 'a4' });

    const folder = createDriver('folder:///var/lib/guichet/prints/../printed', 'a4', anything);
    expect(folder).toBeInstanceOf(FolderDriver);
    expect(folder).toMatchObject({ folder: '/var/lib/guichet/printed' });
    expect(createDriver('folder:///tmp/receipts', 'receipt', anything)).toBeInstanceOf(FolderDriver);
  });

  it.each([
    ['', 'is empty'],
    ['printer', 'is not a URI'],
    ['http://printer.local', 'unknown scheme "http:"'],
    ['tcp://', 'has no host'],
    ['tcp://printer.local:99999', 'is not a valid URI'],
    ['tcp://printer.local:0', 'port 0'],
    ['tcp://printer.local:9100/queue', 'has a path (/queue)'],
    ['tcp://admin:secret@printer.local', 'user name or password'],
    ['tcp://printer.local?timeout=3', 'query'],
    ['file://printer/dev/usb/lp0', 'names a host (printer)'],
    ['file:///dev/usb/', 'names a folder'],
    ['cups://', 'has no queue name'],
    ['cups:///guichet-raw', 'has no queue name'],
    ['cups://-o', 'queue name'],
    ['cups://guichet-raw/extra', 'has a path (/extra)'],
    ['folder://tmp/prints', 'names a host (tmp)'],
    ['cups-pdf://guichet-pdf', 'is for A4 printers']
  ])('refuses %j for a receipt printer, saying it %s', (uri, problem) => {
    expect(() => createDriver(uri, 'receipt', anything)).toThrow(problem);
  });

  it.each([['tcp://printer.local:9100'], ['file:///dev/usb/lp0'], ['cups://guichet-raw']])(
    'refuses %j for an A4 printer, naming what an A4 printer takes',
    (uri) => {
      expect(() => createDriver(uri, 'a4', anything)).toThrow(
        /A4 printer URI ".*" is for receipt printers .* cups-pdf:\/\/QUEUE/
      );
    }
  );

  it('throws an invalid_payload AppError whose issue names the uri field', () => {
    try {
      parsePrinterUri('tcp://', 'receipt');
      expect.unreachable('parsePrinterUri accepted tcp://');
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('invalid_payload');
      expect((error as AppError).message).toBe(
        'Invalid printer URI: Receipt printer URI "tcp://" has no host: write tcp://host or tcp://host:9100'
      );
      expect((error as AppError).issues).toEqual([
        { path: 'uri', message: 'Receipt printer URI "tcp://" has no host: write tcp://host or tcp://host:9100' }
      ]);
    }
  });

  it.each([
    ['file:///tmp/x', 'receipt', 'USB printers are off on this server (set GUICHET_USB_PRINTERS=1)'],
    ['folder:///srv/prints', 'a4', 'folder printers are off on this server (set GUICHET_FOLDER_PRINTERS=1)'],
    ['tcp://127.0.0.1:9100', 'receipt', 'names this machine (127.0.0.1)'],
    ['tcp://127.44.0.9', 'receipt', 'names this machine'],
    ['tcp://localhost:9100', 'receipt', 'names this machine (localhost)'],
    ['tcp://printer.localhost', 'receipt', 'names this machine'],
    ['tcp://[::1]:9100', 'receipt', 'names this machine (::1)'],
    ['tcp://[::ffff:127.0.0.1]:9100', 'receipt', 'names this machine'],
    ['tcp://0.0.0.0:9100', 'receipt', 'names this machine (0.0.0.0)'],
    ['tcp://[::]:9100', 'receipt', 'names this machine'],
    ['tcp://192.168.1.50:3000', 'receipt', "uses port 3000, Guichet's own port"]
  ] as const)('by default, refuses %j before any driver exists: it %s', (uri, kind, problem) => {
    expect(() => createDriver(uri, kind, defaults)).toThrow(problem);
  });

  it('with USB printers on, takes /dev/usb only, whatever the dots', () => {
    const usb = { ...defaults, usbDevices: true };
    expect(createDriver('file:///dev/usb/lp0', 'receipt', usb)).toBeInstanceOf(DeviceDriver);
    for (const uri of [
      'file:///dev/usb/../../etc/passwd',
      'file:///dev/usb/%2e%2e/sda',
      'file:///dev/null',
      'file:///dev/usbx/lp0'
    ]) {
      expect(() => createDriver(uri, 'receipt', usb), uri).toThrow('must be under /dev/usb/');
    }
  });
});

describe('checkPrinterAddress', () => {
  it.each([
    ['tcp://127.1:9100', 'resolves to this machine (127.0.0.1)'],
    ['tcp://2130706433:9100', 'resolves to this machine (127.0.0.1)'],
    ['tcp://0x7f.0.0.1:9100', 'resolves to this machine (127.0.0.1)'],
    ['tcp://0:9100', 'resolves to this machine (0.0.0.0)']
  ])('resolves %j and refuses it: it %s', async (uri, problem) => {
    const refused = await checkPrinterAddress(uri, 'receipt', defaults).then(
      () => null,
      (error: unknown) => error
    );
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).issues).toEqual([{ path: 'uri', message: expect.stringContaining(problem) as string }]);
  });

  it('takes a printer on the hall network, and this machine once allowed', async () => {
    expect(await checkPrinterAddress('tcp://192.168.1.50', 'receipt', defaults)).toEqual({
      transport: 'tcp',
      host: '192.168.1.50',
      port: 9100
    });
    const loopback = { ...defaults, loopback: true };
    expect(await checkPrinterAddress('tcp://localhost:3000', 'receipt', loopback)).toMatchObject({ port: 3000 });
  });
});

describe('isInside', () => {
  it.each([
    ['/dev/usb/lp0', '/dev/usb', true],
    ['/dev/usb/..lp0', '/dev/usb', true],
    ['/dev/usb', '/dev/usb', false],
    ['/dev/usbx/lp0', '/dev/usb', false],
    ['/dev/null', '/dev/usb', false],
    ['/etc/passwd', '/dev/usb', false]
  ])('%s strictly inside %s: %s', (child, root, expected) => {
    expect(isInside(child, root, true)).toBe(expected);
  });
});
