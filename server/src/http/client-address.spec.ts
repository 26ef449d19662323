/** Which address a request comes from, with and without trusted proxies (table-driven). */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config';
import { clientAddress, isDirectFromLoopback, normalizeAddress } from './client-address';

const request = (peer: string, headers: Record<string, string> = {}) =>
  ({ socket: { remoteAddress: peer }, headers }) as unknown as IncomingMessage;

describe('clientAddress', () => {
  const direct = parseConfig({});
  const behindLoopback = parseConfig({ GUICHET_TRUST_PROXY: 'loopback' });
  const twoProxies = parseConfig({ GUICHET_TRUST_PROXY: '127.0.0.1,10.0.0.0/8' });
  const forwarded = parseConfig({ GUICHET_TRUST_PROXY: 'loopback', GUICHET_PROXY_HEADER: 'forwarded' });
  const realIp = parseConfig({ GUICHET_TRUST_PROXY: 'loopback', GUICHET_PROXY_HEADER: 'x-real-ip' });

  it.each([
    [
      'no proxy trusted: the peer, headers ignored',
      direct,
      request('::ffff:127.0.0.1', { 'x-forwarded-for': '6.6.6.6' }),
      '127.0.0.1'
    ],
    [
      'a trusted proxy: the address it appended',
      behindLoopback,
      request('127.0.0.1', { 'x-forwarded-for': '192.168.1.20' }),
      '192.168.1.20'
    ],
    [
      'a forged entry on the left is not believed',
      behindLoopback,
      request('127.0.0.1', { 'x-forwarded-for': '127.0.0.1, 192.168.1.20' }),
      '192.168.1.20'
    ],
    [
      'a forged loopback entry is not the client',
      behindLoopback,
      request('::1', { 'x-forwarded-for': '6.6.6.6, 203.0.113.9' }),
      '203.0.113.9'
    ],
    [
      'a peer that is no proxy: its own address',
      behindLoopback,
      request('192.168.1.30', { 'x-forwarded-for': '127.0.0.1' }),
      '192.168.1.30'
    ],
    ['a trusted proxy that sent no header: the proxy', behindLoopback, request('127.0.0.1'), '127.0.0.1'],
    [
      'two trusted hops are skipped',
      twoProxies,
      request('127.0.0.1', { 'x-forwarded-for': '6.6.6.6, 192.168.1.20, 10.1.2.3' }),
      '192.168.1.20'
    ],
    [
      'Forwarded for= with port and IPv6',
      forwarded,
      request('127.0.0.1', { forwarded: 'for=6.6.6.6, for="[2001:db8::17]:4711";proto=https' }),
      '2001:db8::17'
    ],
    [
      'Forwarded ignores X-Forwarded-For',
      forwarded,
      request('127.0.0.1', { 'x-forwarded-for': '6.6.6.6', forwarded: 'for=192.0.2.60' }),
      '192.0.2.60'
    ],
    ['X-Real-IP', realIp, request('127.0.0.1', { 'x-real-ip': '192.168.1.20' }), '192.168.1.20']
  ])('%s', (_name, config, req, expected) => {
    expect(clientAddress(req, config)).toBe(expected);
  });
});

describe('normalizeAddress', () => {
  it.each([
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['1.2.3.4:5678', '1.2.3.4'],
    ['[::1]:80', '::1'],
    ['"[2001:DB8::1]"', '2001:db8::1'],
    [' unknown ', 'unknown']
  ])('%s → %s', (raw, expected) => {
    expect(normalizeAddress(raw)).toBe(expected);
  });
});

describe('isDirectFromLoopback', () => {
  const direct = parseConfig({});
  const behindLoopback = parseConfig({ GUICHET_TRUST_PROXY: 'loopback' });
  const behindLan = parseConfig({ GUICHET_TRUST_PROXY: '192.168.1.5' });

  it.each([
    ['a program of this machine (IPv4)', direct, request('127.0.0.1'), true],
    ['a program of this machine (IPv6)', direct, request('::1'), true],
    ['a program of this machine (IPv4-mapped, another loopback address)', direct, request('::ffff:127.0.0.2'), true],
    ['a proxy elsewhere is trusted, this request is direct', behindLan, request('127.0.0.1'), true],
    ['another machine', direct, request('192.168.1.20'), false],
    ['another machine claiming loopback in a header', direct, request('192.168.1.20', { 'x-forwarded-for': '127.0.0.1' }), false],
    ['a proxy of this machine: X-Forwarded-For', direct, request('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' }), false],
    ['a proxy of this machine: only X-Forwarded-Proto', direct, request('127.0.0.1', { 'x-forwarded-proto': 'https' }), false],
    ['a proxy of this machine: Forwarded', direct, request('::1', { forwarded: 'for=203.0.113.9' }), false],
    ['a proxy of this machine: X-Real-IP', direct, request('127.0.0.1', { 'x-real-ip': '203.0.113.9' }), false],
    ['a proxy of this machine: Via', direct, request('127.0.0.1', { via: '1.1 proxy' }), false],
    ['loopback is a trusted proxy, even without headers', behindLoopback, request('127.0.0.1'), false],
    ['no peer address at all', direct, request(''), false]
  ])('%s', (_name, config, req, expected) => {
    expect(isDirectFromLoopback(req, config)).toBe(expected);
  });
});
