/** Resolves, from a request's cookies, who is there for each face. Used by pages and by socket.io. */
import type { IncomingMessage } from 'node:http';
import { loginSiteCookie } from '../../../shared/identity';
import type { RequestContext } from '../../../shared/request-context';
import type { AuthService } from '../auth/auth.service';
import type { Config } from '../config';
import type { Store } from '../store';
import type { SetupService } from '../setup/setup.service';
import type { TerminalsService } from '../terminals/terminals.service';
import { kioskDefaults, toSiteInfo } from '../sites/sites.repository';
import { cookiesOf, credentialOf, secureRequest } from './cookies';

export async function resolveRequestContext(
  req: IncomingMessage,
  deps: {
    auth: AuthService;
    terminals: TerminalsService;
    store: Store;
    version: string;
    setup: SetupService;
    /** The kiosk's default inactivity delays, for a site that has not set its own. */
    config: Pick<Config, 'kioskIdleSeconds' | 'kioskCountdownSeconds' | 'secureCookies' | 'trustProxy' | 'proxyHeader'>;
  }
): Promise<RequestContext> {
  const secure = secureRequest(req, deps.config);
  const terminal = await deps.terminals.resolve(credentialOf(req, 'kiosk', secure));
  const agent = await deps.auth.resolve('agent', credentialOf(req, 'agent', secure));
  const manager = await deps.auth.resolve('manager', credentialOf(req, 'manager', secure));
  const siteId = terminal?.siteId ?? agent?.siteId ?? manager?.siteId;
  const site = siteId ? await deps.store.sites.findById(siteId) : null;
  // Only a page that shows a login form needs them: a face already logged in, or a terminal, does not.
  const sites = terminal || (agent && manager) ? [] : await deps.store.sites.listAll();
  const loginSites = sites.length > 1 ? sites.map((s) => ({ id: s.id, name: s.name })) : [];
  const remembered = cookiesOf(req)[loginSiteCookie];
  return {
    terminal,
    agent,
    manager,
    site: site ? toSiteInfo(site, kioskDefaults(deps.config)) : null,
    version: deps.version,
    setupRequired: await deps.setup.pending(),
    loginSites,
    loginSiteId: loginSites.some((s) => s.id === remembered) ? remembered! : null
  };
}
