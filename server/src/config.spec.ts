import { describe, expect, it } from 'vitest';
import { ConfigError, isLoopbackHost, parseConfig } from './config';

describe('parseConfig', () => {
  it('gives defaults that work on an empty machine', () => {
    const config = parseConfig({}, '/srv/guichet');
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(3000);
    expect(config.dataDir).toBe('/srv/guichet/data');
    expect(config.databaseFile).toBe('/srv/guichet/data/guichet.sqlite');
    expect(config.demo).toBe(true);
    expect(config.secureCookies).toBe(false);
  });

  it('reads and converts the variables it knows', () => {
    const config = parseConfig(
      { GUICHET_PORT: '8080', GUICHET_DATA_DIR: '/var/lib/guichet', GUICHET_DEMO: 'no', GUICHET_LOG_LEVEL: 'warn' },
      '/srv'
    );
    expect(config.port).toBe(8080);
    expect(config.dataDir).toBe('/var/lib/guichet');
    expect(config.demo).toBe(false);
    expect(config.logLevel).toBe('warn');
  });

  it('treats empty values as unset', () => {
    expect(parseConfig({ GUICHET_PORT: '' }).port).toBe(3000);
  });

  it('names every wrong variable and its value', () => {
    let caught: unknown;
    try {
      parseConfig({ GUICHET_PORT: 'eighty', GUICHET_DEMO: 'maybe' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.join('\n');
    expect(problems).toContain('GUICHET_PORT="eighty"');
    expect(problems).toContain('GUICHET_DEMO="maybe"');
    expect((caught as ConfigError).message).toMatch(/Invalid configuration/);
  });

  it('keeps printers on this machine off unless a setting allows them, and names a wrong setting', () => {
    expect(parseConfig({}, '/srv')).toMatchObject({ usbPrinters: false, folderPrinters: false, loopbackPrinters: false });
    expect(
      parseConfig({ GUICHET_USB_PRINTERS: '1', GUICHET_FOLDER_PRINTERS: 'yes', GUICHET_LOOPBACK_PRINTERS: 'true' }, '/srv')
    ).toMatchObject({ usbPrinters: true, folderPrinters: true, loopbackPrinters: true });
    expect(() => parseConfig({ GUICHET_USB_PRINTERS: 'on' })).toThrow(/GUICHET_USB_PRINTERS="on"/);
  });

  it('refuses a port out of range', () => {
    expect(() => parseConfig({ GUICHET_PORT: '70000' })).toThrow(/GUICHET_PORT/);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.4.5.6', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
    ['guichet.local', false]
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});
