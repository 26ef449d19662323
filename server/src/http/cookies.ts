/**
 * Reading and writing the few cookies Guichet uses. All credentials are httpOnly and
 * SameSite=Strict; over HTTPS they are also Secure and named `__Host-…`, which browsers only
 * accept from this very host over HTTPS, on Path=/ and without Domain: neither a neighbouring
 * subdomain nor a plain-HTTP attacker can plant or overwrite one.
 */
import type { IncomingMessage } from 'node:http';
import { credentialCookie, pairingCookie, type Face } from '../../../shared/identity';
import type { Config } from '../config';
import { overHttps } from './client-address';

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || name in out) continue;
    const raw = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    try {
      out[name] = decodeURIComponent(raw);
    } catch {
      out[name] = raw;
    }
  }
  return out;
}

export function cookiesOf(req: IncomingMessage): Record<string, string> {
  return parseCookies(req.headers.cookie);
}

export interface CookieNames {
  credential: Record<Face, string>;
  pairing: string;
}

const prefixed = (name: string) => `__Host-${name}`;

/** The names the server writes and reads: `__Host-` prefixed when the cookies are Secure. */
export function cookieNames(secure: boolean): CookieNames {
  if (!secure) return { credential: credentialCookie, pairing: pairingCookie };
  return {
    credential: {
      kiosk: prefixed(credentialCookie.kiosk),
      display: prefixed(credentialCookie.display),
      agent: prefixed(credentialCookie.agent),
      manager: prefixed(credentialCookie.manager)
    },
    pairing: prefixed(pairingCookie)
  };
}

/**
 * Whether this request's cookies are Secure and `__Host-` named: always when the deployment says
 * so (GUICHET_SECURE_COOKIES, an https GUICHET_PUBLIC_ORIGIN), and for every request that came over
 * HTTPS (see overHttps), so a hall behind Caddy gets them without any setting.
 */
export function secureRequest(
  req: IncomingMessage,
  config: Pick<Config, 'secureCookies' | 'trustProxy' | 'proxyHeader'>
): boolean {
  return config.secureCookies || overHttps(req, config);
}

/** The credential a request carries for a face, under this deployment's cookie name. */
export function credentialOf(req: IncomingMessage, face: Face, secure: boolean): string | undefined {
  return cookiesOf(req)[cookieNames(secure).credential[face]];
}

export interface CookieOptions {
  maxAgeSeconds?: number;
  secure: boolean;
  httpOnly?: boolean;
}

export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'SameSite=Strict'];
  if (options.httpOnly !== false) parts.push('HttpOnly');
  if (options.secure) parts.push('Secure');
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`);
  return parts.join('; ');
}

export function clearCookie(name: string, secure: boolean): string {
  return serializeCookie(name, '', { maxAgeSeconds: 0, secure });
}
