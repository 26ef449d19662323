import { describe, expect, it } from 'vitest';
import { clearCookie, cookieNames, parseCookies, serializeCookie } from './cookies';

describe('cookies', () => {
  it('parses a Cookie header, first value wins', () => {
    expect(parseCookies('a=1; b=hello%20world; a=2; broken; c="q"')).toEqual({ a: '1', b: 'hello world', c: 'q' });
    expect(parseCookies(undefined)).toEqual({});
  });

  it('writes httpOnly, SameSite=Strict cookies on the whole origin', () => {
    const c = serializeCookie('guichet_agent', 'tok', { maxAgeSeconds: 3600, secure: false });
    expect(c).toBe('guichet_agent=tok; Path=/; SameSite=Strict; HttpOnly; Max-Age=3600');
    expect(serializeCookie('x', 'y', { secure: true })).toContain('Secure');
    expect(clearCookie('x', false)).toContain('Max-Age=0');
  });

  it('names the credentials __Host-… only when they are Secure', () => {
    expect(cookieNames(false)).toEqual({
      credential: { kiosk: 'guichet_terminal', display: 'guichet_terminal', agent: 'guichet_agent', manager: 'guichet_manager' },
      pairing: 'guichet_pairing'
    });
    expect(cookieNames(true)).toEqual({
      credential: {
        kiosk: '__Host-guichet_terminal',
        display: '__Host-guichet_terminal',
        agent: '__Host-guichet_agent',
        manager: '__Host-guichet_manager'
      },
      pairing: '__Host-guichet_pairing'
    });
  });
});
