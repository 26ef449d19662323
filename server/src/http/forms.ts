/**
 * The login and first-start forms posted by a browser without JavaScript (or before the page's
 * scripts ran): `application/x-www-form-urlencoded` bodies, answered with a 303 to the page. A
 * secret only ever travels in a POST body; the page URL carries at most an error code and the
 * names of the fields it concerns.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, errorCodes, type ErrorBody } from '../../../shared/errors';
import { readBody } from './json';

export function isFormPost(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

/**
 * A form body may come from any site (HTML forms cross origins without CORS): only our own pages
 * may post one, or another site could log a hall's tablet into an account of its choosing.
 * Browsers send Origin with every POST; Sec-Fetch-Site where Origin is missing.
 */
export function assertSameOrigin(req: IncomingMessage): void {
  const origin = req.headers.origin;
  const fetchSite = req.headers['sec-fetch-site'];
  let same = true;
  if (origin === 'null') {
    // Guichet's pages are served with `Referrer-Policy: no-referrer`, so a browser posts their
    // forms with `Origin: null`; `Sec-Fetch-Site` (which no page can set) tells whose page it was.
    same = fetchSite === 'same-origin';
  } else if (origin !== undefined) {
    try {
      same = new URL(origin).host === req.headers.host;
    } catch {
      same = false;
    }
  } else if (typeof fetchSite === 'string') {
    same = fetchSite === 'same-origin' || fetchSite === 'none';
  }
  if (!same) throw new AppError('forbidden', 'Forms are only accepted from this server’s own pages');
}

/** The fields of a form body, each by its first value. */
export async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  const fields: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(await readBody(req))) if (!(name in fields)) fields[name] = value;
  return fields;
}

/** The query a form page may carry back: an error code, and which of its fields it is about. */
// `installation`: /gestion shows the form of a site's first manager (code from the operator).
export const formPageParams = ['erreur', 'champ', 'installation'] as const;

/** Where a failed form sends the browser back: the page, its error code and the fields named. */
export function formErrorLocation(page: string, error: ErrorBody, fields: readonly string[] = []): string {
  const query = new URLSearchParams({ erreur: errorCodes.includes(error.code) ? error.code : 'internal' });
  // Only known field names, never what was typed in them.
  for (const issue of error.issues ?? []) if (fields.includes(issue.path)) query.append('champ', issue.path);
  return `${page}?${query.toString()}`;
}

export function seeOther(res: ServerResponse, location: string, cookies: string[] = []): void {
  res.writeHead(303, {
    location,
    'cache-control': 'no-store',
    'content-length': 0,
    ...(cookies.length > 0 ? { 'set-cookie': cookies } : {})
  });
  res.end();
}
