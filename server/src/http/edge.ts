/**
 * What every request and WebSocket upgrade passes before Guichet or socket.io sees it:
 * - security headers on every response (pages, static files, API, errors, socket.io polling);
 * - the Host header must be one Guichet answers to, else 421. A page of another site that
 *   rebinds its DNS name to this machine still sends its own name as Host, so this is what stops
 *   DNS rebinding. Allowed: loopback names, this machine's own IP addresses (an IP literal cannot
 *   be rebound), GUICHET_ALLOWED_HOSTS and the host of GUICHET_PUBLIC_ORIGIN. Health probes and
 *   scrapes of /metrics that carry the metrics token may use any name;
 * - a browser's Origin, on anything but GET/HEAD/OPTIONS and on socket handshakes, must be this
 *   very host or GUICHET_PUBLIC_ORIGIN, else 403.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import type { Duplex } from 'node:stream';
import type { Config } from '../config';
import { isLoopbackHost } from '../config';
import { sendError } from './json';
import { hasMetricsToken, isMetricsUrl } from '../metrics/metrics-endpoint';

/** The metrics token only matters to plain requests: socket handshakes are checked without it. */
type EdgeConfig = Pick<Config, 'allowedHosts' | 'publicOrigin'> & Partial<Pick<Config, 'metricsToken'>>;

const securityHeaders: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // Old browsers ignore CSP frame-ancestors (set by the pages); this says the same to them.
  'x-frame-options': 'SAMEORIGIN'
};

/** `name:port` → { name, port }; `[::1]:3000` keeps its brackets in the name. Null if malformed. */
function splitHost(value: string): { name: string; port: string | null } | null {
  const match = /^([a-z0-9.-]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/.exec(value.trim().toLowerCase());
  return match ? { name: match[1]!, port: match[2] ?? null } : null;
}

/** This machine's addresses now (interfaces come and go: read each time, it is cheap). */
function isOwnAddress(ip: string): boolean {
  return Object.values(os.networkInterfaces()).some((list) =>
    (list ?? []).some((i) => i.address.replace(/%.*$/, '').toLowerCase() === ip)
  );
}

function isAllowedHost(host: string | undefined, config: EdgeConfig): boolean {
  if (!host) return false;
  const parsed = splitHost(host);
  if (!parsed) return false;
  const bare = parsed.name.replace(/^\[|\]$/g, '');
  if (isLoopbackHost(bare)) return true;
  if (net.isIP(bare) && isOwnAddress(bare)) return true;
  const entries = [...config.allowedHosts, ...(config.publicOrigin ? [new URL(config.publicOrigin).hostname] : [])];
  return entries.some((entry) => {
    const allowed = splitHost(entry);
    // A name without port allows every port: a rebinding page has another name, not another port.
    return allowed?.name === parsed.name && (allowed.port === null || allowed.port === parsed.port);
  });
}

/**
 * No Origin (not a browser, or a same-origin GET), this very host, or the public origin. A form
 * posted by one of Guichet's own pages says `Origin: null`, because every page is served with
 * `Referrer-Policy: no-referrer`; the browser's `Sec-Fetch-Site`, which no page can set, then says
 * whether the page was Guichet's own.
 */
function isAllowedOrigin(
  origin: string | undefined,
  host: string | undefined,
  fetchSite: string | string[] | undefined,
  config: EdgeConfig
): boolean {
  if (origin === undefined) return true;
  if (origin === 'null') return fetchSite === 'same-origin';
  if (config.publicOrigin && origin.toLowerCase() === config.publicOrigin) return true;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === host?.toLowerCase();
  } catch {
    return false;
  }
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

type Refusal = { status: 421 | 403; message: string };

/** Why this request may not go further, or null. `upgrade`: a WebSocket handshake. */
export function refusal(req: IncomingMessage, config: EdgeConfig, upgrade = false): Refusal | null {
  const host = req.headers.host;
  // Health probes (load balancers, containers) use whatever name they like; it says only the version.
  const health = !upgrade && (req.url === '/healthz' || req.url?.startsWith('/healthz?'));
  // A scraper names the server as its own network does (an internal DNS name, a service name). A
  // rebinding page cannot send the token, so with it the name proves nothing more; without it, a
  // scrape from loopback is held to the allowed names like any request a browser could make.
  const scrape = !upgrade && isMetricsUrl(req.url) && hasMetricsToken(req, config.metricsToken ?? null);
  if (!health && !scrape && !isAllowedHost(host, config)) {
    const shown = host ? JSON.stringify(host.slice(0, 100)) : 'no host name';
    return {
      status: 421,
      message:
        `Misdirected request: this Guichet server does not answer to ${shown}. ` +
        'If this name is yours, add it to GUICHET_ALLOWED_HOSTS or set GUICHET_PUBLIC_ORIGIN.\n'
    };
  }
  const origin = req.headers.origin;
  const checkOrigin = upgrade || !safeMethods.has(req.method ?? 'GET') || req.url?.startsWith('/socket.io/');
  if (checkOrigin && !isAllowedOrigin(origin, host, req.headers['sec-fetch-site'], config)) {
    return {
      status: 403,
      message: `Requests from pages of ${JSON.stringify(origin?.slice(0, 100))} are refused: only Guichet's own pages may send this`
    };
  }
  return null;
}

function refuse(res: ServerResponse, { status, message }: Refusal): void {
  if (status === 403) return sendError(res, { code: 'forbidden', message });
  res.writeHead(421, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(message);
}

function refuseUpgrade(socket: Duplex, { status, message }: Refusal): void {
  const reason = status === 421 ? 'Misdirected Request' : 'Forbidden';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`
  );
}

/**
 * Puts the edge in front of every listener already on the server (socket.io's and Guichet's), the
 * way socket.io itself takes over the request event. Call once, after both are attached.
 */
export function guardServer(server: Server, config: EdgeConfig): void {
  const requestListeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  const upgradeListeners = server.listeners('upgrade') as ((req: IncomingMessage, socket: Duplex, head: Buffer) => void)[];
  server.removeAllListeners('request');
  server.removeAllListeners('upgrade');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    for (const [name, value] of Object.entries(securityHeaders)) res.setHeader(name, value);
    const refused = refusal(req, config);
    if (refused) return refuse(res, refused);
    for (const listener of requestListeners) listener.call(server, req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refused = refusal(req, config, true);
    if (refused) return refuseUpgrade(socket, refused);
    for (const listener of upgradeListeners) listener.call(server, req, socket, head);
  });
}
