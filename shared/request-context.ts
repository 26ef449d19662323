/**
 * How the Node server hands what it resolved about a page request (identities per face) to the
 * SvelteKit handler, which receives the raw request as `platform.req`. A registered symbol works
 * across the two separately bundled programs without hanging untyped properties on the request.
 */
import type { IncomingMessage } from 'node:http';
import type { AccountIdentity, TerminalIdentity } from './identity';
import type { SiteInfo } from './schemas/site';
import type { LoginSite } from './schemas/auth';

export interface RequestContext {
  terminal: TerminalIdentity | null;
  agent: AccountIdentity | null;
  manager: AccountIdentity | null;
  /** The site of whichever identity is present, for page headers. */
  site: SiteInfo | null;
  version: string;
  /** No manager account exists yet: /gestion shows the first-start setup form instead of login. */
  setupRequired: boolean;
  /** The sites a login form offers, by name: empty when the installation has only one (it asks nothing). */
  loginSites: LoginSite[];
  /** The site this device last logged in to, when it is one of those. */
  loginSiteId: string | null;
}

const key = Symbol.for('guichet.request-context');

type WithContext = IncomingMessage & { [key]?: RequestContext };

export function setRequestContext(req: IncomingMessage, context: RequestContext): void {
  (req as WithContext)[key] = context;
}

export function getRequestContext(req: IncomingMessage | undefined): RequestContext | null {
  return (req as WithContext | undefined)?.[key] ?? null;
}
