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
