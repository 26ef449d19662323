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

  it('backs up into the data folder by default, keeping a week of nightly backups', () => {
    const config = parseConfig({ GUICHET_DATA_DIR: '/var/lib/guichet' }, '/srv');
    expect(config.backupDir).toBe('/var/lib/guichet/backups');
    expect(config.backupsKept).toBe(7);
    const moved = parseConfig({ GUICHET_BACKUP_DIR: 'copies', GUICHET_BACKUPS_KEPT: '3' }, '/srv');
    expect(moved.backupDir).toBe('/srv/copies');
    expect(moved.backupsKept).toBe(3);
    expect(() => parseConfig({ GUICHET_BACKUPS_KEPT: '0' })).toThrow(/GUICHET_BACKUPS_KEPT="0"/);
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

  it('reads a metrics token only when it is long enough, and never repeats it in an error', () => {
    expect(parseConfig({}).metricsToken).toBeNull();
    const token = 'f'.repeat(32);
    expect(parseConfig({ GUICHET_METRICS_TOKEN: token }).metricsToken).toBe(token);
    let caught: unknown;
    try {
      parseConfig({ GUICHET_METRICS_TOKEN: 'short-secret' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as ConfigError).message;
    expect(message).toContain('GUICHET_METRICS_TOKEN=(hidden, 12 characters): at least 32 characters');
    expect(message).not.toContain('short-secret');
    expect(() => parseConfig({ GUICHET_METRICS_TOKEN: `${'a'.repeat(20)} ${'b'.repeat(20)}` })).toThrow(/without spaces/);
  });

  it('keeps SQLite unless a PostgreSQL URL is given, and never repeats the URL in an error', () => {
    expect(parseConfig({}, '/srv').databaseUrl).toBeNull();
    const url = 'postgres://guichet:s3cret@db.example:5432/guichet';
    expect(parseConfig({ GUICHET_DATABASE_URL: url }).databaseUrl).toBe(url);
    expect(parseConfig({ GUICHET_DATABASE_URL: 'postgresql://db/guichet' }).databaseUrl).toBe('postgresql://db/guichet');
    let caught: unknown;
    try {
      parseConfig({ GUICHET_DATABASE_URL: 'mysql://guichet:s3cret@db/guichet' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as ConfigError).message;
    expect(message).toContain('GUICHET_DATABASE_URL=(hidden, 33 characters): a postgres:// or postgresql:// URL');
    expect(message).not.toContain('s3cret');
  });

  it('has volume limits far above honest use, each one settable', () => {
    expect(parseConfig({}).limits).toEqual({
      commandsPerSecond: 30,
      commandBurst: 200,
      connectionsPerCredential: 8,
      sessionMaxBytes: 512 * 1024,
      sessionPatchesKept: 200,
      pairingsPerMinute: 20,
      pairingsPendingMax: 50,
      speechTimeoutMs: 10_000,
      procedureParseTimeoutMs: 5_000
    });
    expect(parseConfig({ GUICHET_COMMAND_BURST: '500', GUICHET_SESSION_MAX_KB: '64' }).limits).toMatchObject({
      commandBurst: 500,
      sessionMaxBytes: 64 * 1024
    });
    expect(() => parseConfig({ GUICHET_CONNECTIONS_PER_CREDENTIAL: '0' })).toThrow(/GUICHET_CONNECTIONS_PER_CREDENTIAL="0"/);
  });

  it('refuses a port out of range', () => {
    expect(() => parseConfig({ GUICHET_PORT: '70000' })).toThrow(/GUICHET_PORT/);
  });
});

describe('edge settings', () => {
  it('trusts no proxy and allows no extra host by default', () => {
    const config = parseConfig({});
    expect(config.trustProxy).toEqual([]);
    expect(config.allowedHosts).toEqual([]);
    expect(config.publicOrigin).toBeNull();
  });

  it('turns secure cookies on for an https public origin, and refuses to turn them off then', () => {
    const config = parseConfig({ GUICHET_PUBLIC_ORIGIN: 'https://Guichet.Mairie.fr/' });
    expect(config.publicOrigin).toBe('https://guichet.mairie.fr');
    expect(config.secureCookies).toBe(true);
    expect(parseConfig({ GUICHET_PUBLIC_ORIGIN: 'http://guichet.local:3000' }).secureCookies).toBe(false);
    expect(() => parseConfig({ GUICHET_PUBLIC_ORIGIN: 'https://a.fr', GUICHET_SECURE_COOKIES: 'no' })).toThrow(
      /GUICHET_SECURE_COOKIES="no"/
    );
  });

  it('names a wrong origin, host or proxy', () => {
    expect(() => parseConfig({ GUICHET_PUBLIC_ORIGIN: 'https://a.fr/guichet' })).toThrow(/GUICHET_PUBLIC_ORIGIN/);
    expect(() => parseConfig({ GUICHET_ALLOWED_HOSTS: 'guichet.local, http://a.fr' })).toThrow(/GUICHET_ALLOWED_HOSTS/);
    expect(() => parseConfig({ GUICHET_TRUST_PROXY: 'true' })).toThrow(/GUICHET_TRUST_PROXY="true": name the proxy/);
    expect(() => parseConfig({ GUICHET_TRUST_PROXY: '10.0.0.0/33' })).toThrow(/GUICHET_TRUST_PROXY/);
  });

  it('reads lists of hosts and proxies', () => {
    const config = parseConfig({
      GUICHET_ALLOWED_HOSTS: 'Guichet.local, [::1]:3000',
      GUICHET_TRUST_PROXY: 'loopback, 10.0.0.0/8'
    });
    expect(config.allowedHosts).toEqual(['guichet.local', '[::1]:3000']);
    expect(config.trustProxy).toEqual(['loopback', '10.0.0.0/8']);
    expect(parseConfig({ GUICHET_TRUST_PROXY: 'off' }).trustProxy).toEqual([]);
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
