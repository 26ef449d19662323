/**
 * The address of the client behind a request. Without GUICHET_TRUST_PROXY it is the TCP peer,
 * whatever the headers say. With it, a request whose peer is one of the trusted proxies is read
 * from the proxy's header, walking from the right: each proxy appends the address it saw, so the
 * right-most entry that is not itself a trusted proxy is the client. Entries further left were
 * written by the client and are never believed.
 */
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Config } from '../config';
import { isLoopbackHost } from '../config';

type ProxyConfig = Pick<Config, 'trustProxy' | 'proxyHeader'>;

const trustedSets = new WeakMap<ProxyConfig, net.BlockList>();

function trustedProxies(config: ProxyConfig): net.BlockList {
  let list = trustedSets.get(config);
  if (!list) {
    list = new net.BlockList();
    for (const entry of config.trustProxy) {
      if (entry === 'loopback') {
        list.addSubnet('127.0.0.0', 8, 'ipv4');
        list.addAddress('::1', 'ipv6');
        continue;
      }
      const [address, prefix] = entry.split('/') as [string, string | undefined];
      const family = net.isIPv4(address) ? 'ipv4' : 'ipv6';
      if (prefix === undefined) list.addAddress(address, family);
      else list.addSubnet(address, Number(prefix), family);
    }
    trustedSets.set(config, list);
  }
  return list;
}

/** `::ffff:1.2.3.4` → `1.2.3.4`; `[::1]:80` → `::1`; `1.2.3.4:80` → `1.2.3.4`; quotes removed. */
export function normalizeAddress(raw: string): string {
  let value = raw.trim().replace(/^"(.*)"$/, '$1');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) value = bracketed[1]!;
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(':'));
  value = value.toLowerCase();
  return value.startsWith('::ffff:') && net.isIPv4(value.slice(7)) ? value.slice(7) : value;
}

function isTrusted(list: net.BlockList, address: string): boolean {
  const family = net.isIP(address);
  return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The addresses the proxy header lists, left to right. */
function forwardedChain(req: IncomingMessage, header: ProxyConfig['proxyHeader']): string[] {
  const value = req.headers[header];
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  if (!text.trim()) return [];
  if (header !== 'forwarded') return text.split(',').map(normalizeAddress).filter(Boolean);
  // RFC 7239: `for=192.0.2.60;proto=https, for="[2001:db8::17]:4711"`; an element without for= says nothing.
  return text
    .split(',')
    .map((element) => {
      const pair = element
        .split(';')
        .map((p) => p.trim())
        .find((p) => p.toLowerCase().startsWith('for='));
      return pair ? normalizeAddress(pair.slice(4)) : '';
    })
    .filter(Boolean);
}

export function clientAddress(req: IncomingMessage, config: Config): string {
  const peer = normalizeAddress(req.socket.remoteAddress ?? '');
  if (config.trustProxy.length === 0) return peer;
  const trusted = trustedProxies(config);
  if (!isTrusted(trusted, peer)) return peer;
  const chain = forwardedChain(req, config.proxyHeader);
  for (let i = chain.length - 1; i >= 0; i--) {
    if (!isTrusted(trusted, chain[i]!)) return chain[i]!;
  }
  // Every hop is a trusted proxy (or the proxy sent no header): the first one is the client.
  return chain[0] ?? peer;
}

/** Headers a reverse proxy adds: their presence means the request did not come from this machine's browser. */
export function viaProxy(req: IncomingMessage): boolean {
  return Object.keys(req.headers).some(
    (name) => name === 'forwarded' || name === 'via' || name === 'x-real-ip' || name.startsWith('x-forwarded-')
  );
}

/**
 * A request from a program of this very machine, straight to Guichet: the TCP peer is loopback,
 * no forwarding header says a proxy relayed it, and the peer is not one of the trusted proxies
 * (a proxy declared on loopback may relay without adding headers).
 */
export function isDirectFromLoopback(req: IncomingMessage, config: ProxyConfig): boolean {
  const peer = normalizeAddress(req.socket.remoteAddress ?? '');
  if (!isLoopbackHost(peer) || viaProxy(req)) return false;
  return config.trustProxy.length === 0 || !isTrusted(trustedProxies(config), peer);
}

/**
 * The request reached Guichet over HTTPS: on a TLS socket, or from a trusted proxy whose own
 * scheme header says https (X-Forwarded-Proto, or proto= in Forwarded when that is the proxy's
 * header). The right-most value is the one the nearest proxy wrote; the header of a peer that is
 * not a trusted proxy is never read, since anyone can send it.
 */
export function overHttps(req: IncomingMessage, config: ProxyConfig): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted === true) return true;
  if (config.trustProxy.length === 0) return false;
  if (!isTrusted(trustedProxies(config), normalizeAddress(req.socket.remoteAddress ?? ''))) return false;
  const name = config.proxyHeader === 'forwarded' ? 'forwarded' : 'x-forwarded-proto';
  const value = req.headers[name];
  const entries = (Array.isArray(value) ? value.join(',') : (value ?? '')).split(',');
  const last = entries[entries.length - 1]!.trim();
  if (name === 'x-forwarded-proto') return last.toLowerCase() === 'https';
  const proto = last
    .split(';')
    .map((p) => p.trim().toLowerCase())
    .find((p) => p.startsWith('proto='));
  return proto?.slice(6).replace(/^"(.*)"$/, '$1') === 'https';
}
