/**
 * Who is on the other end of a connection or a page request. Resolved by the server from a
 * credential before anything else runs; never sent by the client.
 */
export type Face = 'kiosk' | 'display' | 'agent' | 'manager';

export type TerminalKind = 'kiosk' | 'display';
export type AccountRole = 'agent' | 'manager';

export interface TerminalIdentity {
  kind: 'terminal';
  role: TerminalKind;
  siteId: string;
  terminalId: string;
  /** The terminal's name and place as they were when it connected. */
  name: string;
  location: string;
}

export interface AccountIdentity {
  kind: 'account';
  role: AccountRole;
  siteId: string;
  accountId: string;
  login: string;
  firstName: string;
  authSessionId: string;
  /** ISO date after which the login session is no longer valid. */
  expiresAt: string;
}

export type Identity = TerminalIdentity | AccountIdentity;

/**
 * The hosting organisation's operator: above the sites, so it has no `siteId` at all. Services
 * that act on a site take an `Identity` (or a `siteId` read from one), never this: an operator
 * cannot reach a site's sessions, calls or tickets, by construction.
 */
export interface OperatorIdentity {
  kind: 'operator';
  operatorId: string;
  login: string;
  firstName: string;
  operatorSessionId: string;
  /** ISO date after which the login session is no longer valid. */
  expiresAt: string;
}

/** The operator's login cookie: not a `Face` of a site, so no site page or socket reads it. */
export const operatorCookie = 'guichet_exploitation';

/** Cookie holding the credential for each face. Separate names let one browser be a manager and an agent. */
export const credentialCookie: Record<Face, string> = {
  kiosk: 'guichet_terminal',
  display: 'guichet_terminal',
  agent: 'guichet_agent',
  manager: 'guichet_manager'
};

export const pairingCookie = 'guichet_pairing';
/** The site this device last logged in to, for the login form of an installation with several sites. */
export const loginSiteCookie = 'guichet_site';
