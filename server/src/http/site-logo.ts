/**
 * The site's logo, for the pages of that site's kiosks, displays and staff: `GET /api/site-logo`.
 * Which site is read from the request's credential (any face); its URL carries the image's hash
 * (`?v=…`), so a browser may keep it until the logo changes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../../../shared/errors';
import type { AuthService } from '../auth/auth.service';
import type { Config } from '../config';
import type { Store } from '../store';
import type { TerminalsService } from '../terminals/terminals.service';
import { credentialOf, secureRequest } from './cookies';

export async function serveSiteLogo(
  req: IncomingMessage,
  res: ServerResponse,
  deps: {
    auth: AuthService;
    terminals: TerminalsService;
    store: Store;
    config: Pick<Config, 'secureCookies' | 'trustProxy' | 'proxyHeader'>;
  }
): Promise<void> {
  const secure = secureRequest(req, deps.config);
  const siteId =
    (await deps.terminals.resolve(credentialOf(req, 'kiosk', secure)))?.siteId ??
    (await deps.auth.resolve('agent', credentialOf(req, 'agent', secure)))?.siteId ??
    (await deps.auth.resolve('manager', credentialOf(req, 'manager', secure)))?.siteId;
  if (!siteId) throw new AppError('unauthenticated', 'The logo is shown to the site’s terminals and staff');
  const logo = await deps.store.siteLogos.find(siteId);
  if (!logo) throw new AppError('not_found', 'This site has no logo');
  res.writeHead(200, {
    'content-type': logo.mime,
    'content-length': logo.data.length,
    // Never read as anything but the image it says it is.
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'",
    'cache-control': 'private, max-age=31536000, immutable',
    etag: `"${logo.hash}"`
  });
  res.end(logo.data);
}
