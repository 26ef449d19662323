/**
 * The HTTP side of the one port: health, the small JSON API (login, pairing), then the SvelteKit
 * app for everything else. socket.io attaches to the same server and answers /socket.io/ itself.
 */
import fs from 'node:fs';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { AppError } from '../../../shared/errors';
import {
  credentialCookie as plainCredentialCookie,
  loginSiteCookie,
  type AccountIdentity,
  type TerminalKind
} from '../../../shared/identity';
import { setRequestContext } from '../../../shared/request-context';
import { loginInput, logoutInput, type LoginInput } from '../../../shared/schemas/auth';
import { pairingStartInput } from '../../../shared/schemas/terminal';
import { speechInput } from '../../../shared/schemas/speech';
import { setupInput } from '../../../shared/schemas/account';
import { siteSetupInput } from '../../../shared/schemas/operator';
import { parseOrThrow } from '../../../shared/validation';
import type { SetupService } from '../setup/setup.service';
import type { SpeechService } from '../speech/speech.service';
import type { AuthService } from '../auth/auth.service';
import type { Config } from '../config';
import { isLoopbackHost } from '../config';
import type { PairingService } from '../pairing/pairing.service';
import type { Store } from '../store';
import type { TerminalsService } from '../terminals/terminals.service';
import { clearCookie, cookieNames, cookiesOf, secureRequest, serializeCookie, type CookieNames } from './cookies';
import { clientAddress, viaProxy } from './client-address';
import { resolveRequestContext } from './identities';
import { serveSiteLogo } from './site-logo';
import { preparePageResponse } from './page-response';
import { hallCertificatePath, serveHallCertificate } from './hall-certificate';
import { readJson, sendError, sendJson } from './json';
import { toErrorBody } from '../errors';
import type { ManagerDownloads } from './manager-downloads';
import { metricsPath, type MetricsEndpoint } from '../metrics/metrics-endpoint';
import { assertSameOrigin, formErrorLocation, formPageParams, isFormPost, readForm, seeOther } from './forms';

export type KitHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

export interface HttpDeps {
  config: Config;
  store: Store;
  auth: AuthService;
  terminals: TerminalsService;
  pairing: PairingService;
  logger: Logger;
  version: string;
  kitHandler?: KitHandler;
  speech: SpeechService;
  /** First start of a real installation: the setup code and the first manager. */
  setup: SetupService;
  /** Closes the sockets of a login session that just logged out. */
  onLogout(authSessionId: string): void;
  /** A PDF the site's demo A4 printer wrote, by name (null for any other name, another site's included). */
  demoA4File?: (siteId: string, name: string) => string | null;
  /** The manager's downloads (statistics and audit CSV, a session's JSON): see manager-downloads.ts. */
  downloads?: ManagerDownloads;
  /** The operators' API (`/api/exploitation/…`): see operator-api.ts. */
  operatorApi?: (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;
  /** `/metrics` for a Prometheus scraper on this machine or with the token: see metrics-endpoint.ts. */
  metrics?: MetricsEndpoint;
}

const tenYears = 10 * 365 * 24 * 3600;

/** `name` of the Host header, without port or IPv6 brackets. */
function hostName(host: string | undefined): string {
  return (host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
}

/** A path segment, decoded; a malformed escape (`%E0%A4%A`) is the client's mistake, not a crash. */
function decodeSegment(segment: string, what: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AppError('invalid_payload', `The ${what} in the address is not valid (malformed %-escape)`);
  }
}

/** The pages that show a login (or first-start) form, whose URL must never carry what is typed in it. */
const formPages = /^\/(agent|gestion|exploitation)(\/|$)/;
/** The setup form's fields, as named in the page and in the schema; `passwordAgain` is checked here. */
const setupFields = ['siteName', 'firstName', 'login', 'password', 'passwordAgain', 'code'] as const;

export function createHttpApp(deps: HttpDeps): RequestListener {
  const { config, store, auth, pairing, terminals, logger } = deps;
  /**
   * The cookie names and flag of one request: Secure and `__Host-` when the deployment says so or
   * when this request came over HTTPS (a trusted proxy's X-Forwarded-Proto, or TLS).
   */
  function cookieSet(req: IncomingMessage): { secure: boolean; credential: CookieNames['credential']; pairing: string } {
    const secure = secureRequest(req, config);
    const names = cookieNames(secure);
    return { secure, credential: names.credential, pairing: names.pairing };
  }

  /**
   * The cookies of a login: its credential, and the site, so that the form of an installation with
   * several sites asks for it once per device.
   */
  function loginCookies(req: IncomingMessage, face: 'agent' | 'manager', token: string, identity: AccountIdentity): string[] {
    const { secure, credential: credentialCookie } = cookieSet(req);
    const maxAge = (face === 'agent' ? config.agentSessionHours : config.managerSessionHours) * 3600;
    return [
      serializeCookie(credentialCookie[face], token, { secure, maxAgeSeconds: maxAge }),
      serializeCookie(loginSiteCookie, identity.siteId, { secure, maxAgeSeconds: tenYears })
    ];
  }

  /** The answer to a login (or to the setup that logs its manager in): who, and the cookies. */
  function sendLoggedIn(
    req: IncomingMessage,
    res: ServerResponse,
    face: 'agent' | 'manager',
    token: string,
    identity: AccountIdentity
  ): void {
    sendJson(
      res,
      200,
      {
        accountId: identity.accountId,
        role: identity.role,
        login: identity.login,
        firstName: identity.firstName,
        siteId: identity.siteId,
        expiresAt: identity.expiresAt
      },
      { 'set-cookie': loginCookies(req, face, token, identity) }
    );
  }

  /** A login without its site on a server with several: said plainly (site names are public, logins are not). */
  async function login(input: LoginInput, address: string): Promise<{ token: string; identity: AccountIdentity }> {
    if (input.siteId === undefined && (await store.sites.count()) > 1) {
      throw new AppError('invalid_payload', 'login: this server has several sites: name one (siteId)', [
        { path: 'siteId', message: 'is required when the server has several sites' }
      ]);
    }
    return auth.login(input, { address });
  }

  /** The first manager is logged in at once, so the browser lands in the console. */
  async function completeSetup(input: z.output<typeof setupInput>): Promise<{ token: string; identity: AccountIdentity }> {
    const account = await deps.setup.complete(input);
    const opened = await auth.openSession(account);
    logger.info({ siteId: opened.identity.siteId, login: opened.identity.login }, 'setup done: site and first manager created');
    return opened;
  }

  /** The login form without JavaScript: the face's page on success, or back to it with the error's code. */
  async function loginForm(req: IncomingMessage, res: ServerResponse): Promise<void> {
    assertSameOrigin(req);
    const form = await readForm(req);
    const page = form.face === 'manager' ? '/gestion' : '/agent';
    try {
      const input = parseOrThrow(
        loginInput,
        { face: form.face, login: form.login ?? '', secret: form.secret ?? '', siteId: form.siteId || undefined },
        'login'
      );
      const { token, identity } = await login(input, clientAddress(req, config));
      seeOther(res, page, loginCookies(req, input.face, token, identity));
    } catch (error) {
      seeOther(res, formErrorLocation(page, toErrorBody(error, logger, { path: '/api/auth/login' }), ['siteId']));
    }
  }

  /** The first-start form without JavaScript: the console on success, or back with the error and its fields. */
  async function setupForm(req: IncomingMessage, res: ServerResponse): Promise<void> {
    assertSameOrigin(req);
    const form = await readForm(req);
    try {
      if ((form.password ?? '') !== (form.passwordAgain ?? '')) {
        throw new AppError('invalid_payload', 'setup: the two passwords differ', [
          { path: 'passwordAgain', message: 'differs from the password' }
        ]);
      }
      const { code, siteName, firstName, login, password } = form;
      const { token, identity } = await completeSetup(
        parseOrThrow(setupInput, { code, siteName, firstName, login, password }, 'setup')
      );
      seeOther(res, '/gestion', loginCookies(req, 'manager', token, identity));
    } catch (error) {
      seeOther(res, formErrorLocation('/gestion', toErrorBody(error, logger, { path: '/api/setup' }), setupFields));
    }
  }

  /**
   * A login page asked for with anything in its query but the form's own error: a crafted or
   * mistaken `?login=…&pin=…` is neither checked nor kept, and the address bar is cleaned of it.
   */
  function cleanFormPageUrl(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    // SvelteKit's own data requests (`…/__data.json?x-sveltekit-invalidated=…`) carry its parameters.
    if (req.method !== 'GET' || !formPages.test(url.pathname) || url.pathname.endsWith('/__data.json')) return false;
    const kept = new URLSearchParams();
    let dropped = false;
    for (const [name, value] of url.searchParams) {
      if ((formPageParams as readonly string[]).includes(name)) kept.append(name, value);
      else dropped = true;
    }
    if (!dropped) return false;
    const query = kept.toString();
    seeOther(res, query ? `${url.pathname}?${query}` : url.pathname);
    return true;
  }

  async function api(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const route = `${req.method} ${path}`;
    const { secure, credential: credentialCookie, pairing: pairingCookie } = cookieSet(req);
    if (req.method === 'GET' && path.startsWith('/api/demo-a4/'))
      return await demoA4(req, res, path.slice('/api/demo-a4/'.length));
    if (route === 'GET /api/site-logo') return await serveSiteLogo(req, res, deps);
    if (route === `GET ${hallCertificatePath}`) return serveHallCertificate(res, config, logger, 'file');
    if (route === `GET ${hallCertificatePath}.json`) return serveHallCertificate(res, config, logger, 'json');
    switch (route) {
      case 'POST /api/auth/login': {
        if (isFormPost(req)) return await loginForm(req, res);
        const input = await readJson(req, loginInput, 'login');
        const { token, identity } = await login(input, clientAddress(req, config));
        sendLoggedIn(req, res, input.face, token, identity);
        return;
      }
      case 'POST /api/setup': {
        if (isFormPost(req)) return await setupForm(req, res);
        const { token, identity } = await completeSetup(await readJson(req, setupInput, 'setup'));
        sendLoggedIn(req, res, 'manager', token, identity);
        return;
      }
      case 'POST /api/setup/site': {
        // The first manager of a site an operator created, with the code the operator handed over.
        const account = await deps.setup.completeSite(await readJson(req, siteSetupInput, 'site setup'));
        const { token, identity } = await auth.openSession(account);
        logger.info({ siteId: identity.siteId }, 'site setup done: first manager created');
        sendLoggedIn(req, res, 'manager', token, identity);
        return;
      }
      case 'POST /api/auth/logout': {
        const { face } = await readJson(req, logoutInput, 'logout');
        const identity = await auth.resolve(face, cookiesOf(req)[credentialCookie[face]]);
        if (identity) {
          await auth.logout(identity.authSessionId);
          deps.onLogout(identity.authSessionId);
        }
        sendJson(res, 200, { ok: true }, { 'set-cookie': clearCookie(credentialCookie[face], secure) });
        return;
      }
      case 'POST /api/pairings': {
        const { kind } = await readJson(req, pairingStartInput, 'pairing request');
        const { secret, status } = await pairing.start(kind, cookiesOf(req)[pairingCookie], clientAddress(req, config));
        sendJson(res, 200, status, {
          'set-cookie': serializeCookie(pairingCookie, secret, { secure, maxAgeSeconds: config.pairingMinutes * 60 })
        });
        return;
      }
      case 'GET /api/pairings/current': {
        const { status, deviceToken } = await pairing.poll(cookiesOf(req)[pairingCookie]);
        const cookies = deviceToken
          ? [
              serializeCookie(credentialCookie.kiosk, deviceToken, { secure, maxAgeSeconds: tenYears }),
              clearCookie(pairingCookie, secure)
            ]
          : [];
        sendJson(res, 200, status, cookies.length ? { 'set-cookie': cookies } : {});
        return;
      }
      case 'POST /api/speech': {
        // Only paired kiosks and displays speak: the endpoint is not a public speech service.
        if (!(await terminals.resolve(cookiesOf(req)[credentialCookie.kiosk]))) {
          throw new AppError('unauthenticated', 'Speech is for paired kiosks and displays');
        }
        const { text, lang } = await readJson(req, speechInput, 'speech request');
        const wav = await deps.speech.speak(text, lang);
        res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': wav.length, 'cache-control': 'no-store' });
        res.end(wav);
        return;
      }
      default:
        throw new AppError('not_found', `No API route ${route}`);
    }
  }

  /** The demo's A4 summaries, for the site manager only: they hold what a citizen prepared. */
  async function demoA4(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const { credential: credentialCookie } = cookieSet(req);
    const manager = await auth.resolve('manager', cookiesOf(req)[credentialCookie.manager]);
    if (!manager) throw new AppError('unauthenticated', 'The printed summaries are for the site manager');
    // Another site's summary is "not found", exactly like a name that never existed; a malformed
    // escape (`%E0%A4%A`) is a bad request.
    const file = deps.demoA4File?.(manager.siteId, decodeSegment(name, 'file name')) ?? null;
    if (!file) throw new AppError('not_found', `No printed summary ${name}`);
    const pdf = fs.readFileSync(file);
    res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': pdf.length, 'cache-control': 'no-store' });
    res.end(pdf);
  }

  async function health(res: ServerResponse): Promise<void> {
    const engine = store.engine;
    try {
      const { n } = await store.executor
        .db()
        .selectFrom('schema_migrations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      const migrations = Number(n);
      // The node's name when the operator gave one: which node behind the load balancer answered.
      const node = deps.config.nodeName ? { node: deps.config.nodeName } : {};
      sendJson(res, 200, { status: 'ok', version: deps.version, ...node, database: { engine, status: 'ok', migrations } });
    } catch (error) {
      logger.error({ err: error }, 'health check: database unavailable');
      sendJson(res, 503, { status: 'error', version: deps.version, database: { engine, status: 'error' } });
    }
  }

  /** `/borne` or `/affichage`: the pages terminals load. */
  function terminalPage(req: IncomingMessage, url: URL): TerminalKind | null {
    if (req.method !== 'GET') return null;
    return url.pathname === '/borne' ? 'kiosk' : url.pathname === '/affichage' ? 'display' : null;
  }

  /**
   * The demo kiosk and display open on this machine without pairing: only a browser of this very
   * machine, talking to it directly. A reverse proxy on the same machine also connects from
   * loopback, so every sign of one turns it off: a Host that is not a loopback name, any
   * forwarding header, secure cookies (HTTPS is a proxy's job here), a trusted proxy, a server
   * listening beyond loopback. `?appairage` shows the real pairing screen instead.
   *
   * The page is answered at once, as the demo terminal: the request is given the new credential
   * (so the page is rendered for it) and the response the cookie that keeps it (no redirection
   * to the same page). Returns that cookie, or null when the demo terminal is not given.
   */
  async function demoAutoPair(req: IncomingMessage, url: URL): Promise<string | null> {
    if (!config.demoAutoPair || config.secureCookies || config.trustProxy.length > 0 || !isLoopbackHost(config.host)) return null;
    if (!isLoopbackHost(clientAddress(req, config)) || !isLoopbackHost(hostName(req.headers.host)) || viaProxy(req)) return null;
    const kind = terminalPage(req, url);
    if (!kind || url.searchParams.has('appairage')) return null;
    const { secure, credential: credentialCookie } = cookieSet(req);
    if ((await terminals.resolve(cookiesOf(req)[credentialCookie.kiosk]))?.role === kind) return null;
    const terminalId = await store.terminals.findDemoTerminalId(kind);
    if (!terminalId) return null;
    const token = await terminals.mintDemoToken(terminalId);
    // First in the header: the one read (a stale credential of the same name comes after).
    const given = `${credentialCookie.kiosk}=${encodeURIComponent(token)}`;
    req.headers.cookie = req.headers.cookie ? `${given}; ${req.headers.cookie}` : given;
    return serializeCookie(credentialCookie.kiosk, token, { secure, maxAgeSeconds: tenYears });
  }

  /**
   * A terminal's page load renews a device token older than a month: the same page again, with
   * the new cookie. Over HTTPS, a token still under the unprefixed name of plain-HTTP days is
   * moved to the `__Host-` cookie the same way, so switching to HTTPS does not unpair terminals.
   */
  async function renewTerminalToken(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (!terminalPage(req, url)) return false;
    const { secure, credential: credentialCookie } = cookieSet(req);
    const cookies = cookiesOf(req);
    const current = cookies[credentialCookie.kiosk];
    const legacy = secure && !current ? cookies[plainCredentialCookie.kiosk] : undefined;
    const token = current ? await terminals.renew(current) : legacy ? await terminals.renew(legacy, true) : null;
    if (!token) return false;
    const setCookies = [serializeCookie(credentialCookie.kiosk, token, { secure, maxAgeSeconds: tenYears })];
    if (legacy) setCookies.push(clearCookie(plainCredentialCookie.kiosk, false));
    res.writeHead(303, { location: url.pathname + url.search, 'set-cookie': setCookies, 'cache-control': 'no-store' });
    res.end();
    return true;
  }

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://guichet.invalid');
    const path = url.pathname;
    void (async () => {
      try {
        if (path === '/healthz') return health(res);
        // A refused scrape goes on like any unknown page: its 404 says nothing of the endpoint.
        if (path === metricsPath && (await deps.metrics?.(req, res, url))) return;
        if (path.startsWith('/api/') && (await deps.downloads?.(req, res, url))) return;
        if (path.startsWith('/api/exploitation/') && deps.operatorApi) return await deps.operatorApi(req, res, path);
        if (path.startsWith('/api/')) return await api(req, res, path);
        const demoCookie = await demoAutoPair(req, url);
        if (!demoCookie && (await renewTerminalToken(req, res, url))) return;
        if (cleanFormPageUrl(req, res, url)) return;
        if (demoCookie) res.setHeader('cache-control', 'no-store');
        if (!deps.kitHandler) {
          if (demoCookie) res.setHeader('set-cookie', demoCookie);
          throw new AppError('not_found', `No page ${path} (the web app is not built)`);
        }
        setRequestContext(req, await resolveRequestContext(req, deps));
        preparePageResponse(req, res, demoCookie ? [demoCookie] : []);
        deps.kitHandler(req, res, () => sendError(res, { code: 'not_found', message: `No page ${path}` }));
      } catch (error) {
        if (res.headersSent) {
          logger.error({ err: error, path }, 'error after response started');
          res.destroy();
          return;
        }
        sendError(res, toErrorBody(error, logger, { path, method: req.method }));
      }
    })();
  };
}
