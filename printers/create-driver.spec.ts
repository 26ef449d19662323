import { describe, expect, it } from 'vitest';
import { AppError } from '../shared/errors';
import { createDriver, parsePrinterUri } from './create-driver';
import { CupsDriver } from './transports/cups';
import { DeviceDriver } from './transports/device';
import { FolderDriver } from './transports/folder';
import { TcpDriver } from './transports/tcp';

describe('createDriver', () => {
  it('chooses the driver from the URI scheme', () => {
    const tcp = createDriver('tcp://192.168.1.50:9101', 'receipt');
    expect(tcp).toBeInstanceOf(TcpDriver);
    expect(tcp).toMatchObject({ uri: 'tcp://192.168.1.50:9101', kind: 'receipt', host: '192.168.1.50', port: 9101 });

    expect(createDriver('tcp://printer.local', 'receipt')).toMatchObject({ host: 'printer.local', port: 9100 });
    expect(createDriver('tcp://[fd00::12]:9100', 'receipt')).toMatchObject({ host: 'fd00::12', port: 9100 });

    const device = createDriver('file:///dev/usb/lp0', 'receipt');
    expect(device).toBeInstanceOf(DeviceDriver);
    expect(device).toMatchObject({ path: '/dev/usb/lp0' });
    expect(createDriver('file:///dev/guichet%20receipt', 'receipt')).toMatchObject({ path: '/dev/guichet receipt' });

    const raw = createDriver('cups://Receipt_Hall-1', 'receipt');
    expect(raw).toBeInstanceOf(CupsDriver);
    expect(raw).toMatchObject({ queue: 'Receipt_Hall-1', format: 'raw', kind: 'receipt' });

    const a4 = createDriver(' cups-pdf://guichet-pdf/ ', 'a4');
    expect(a4).toBeInstanceOf(CupsDriver);
    expect(a4).toMatchObject({ uri: 'cups-pdf://guichet-pdf/', queue: 'guichet-pdf', format: 'pdf', kind: 'a4' });

    const folder = createDriver('folder:///var/lib/guichet/prints/../printed', 'a4');
    expect(folder).toBeInstanceOf(FolderDriver);
    expect(folder).toMatchObject({ folder: '/var/lib/guichet/printed' });
    expect(createDriver('folder:///tmp/receipts', 'receipt')).toBeInstanceOf(FolderDriver);
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
    expect(() => createDriver(uri, 'receipt')).toThrow(problem);
  });

  it.each([['tcp://printer.local:9100'], ['file:///dev/usb/lp0'], ['cups://guichet-raw']])(
    'refuses %j for an A4 printer, naming what an A4 printer takes',
    (uri) => {
      expect(() => createDriver(uri, 'a4')).toThrow(/A4 printer URI ".*" is for receipt printers .* cups-pdf:\/\/QUEUE/);
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
});
