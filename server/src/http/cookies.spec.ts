import { describe, expect, it } from 'vitest';
import { clearCookie, parseCookies, serializeCookie } from './cookies';

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
});
