/**
 * The operators' JSON API, under `/api/exploitation/`: their login (own cookie, own counters) and
 * the site commands. Every route but the login resolves the operator's cookie first; a site
 * manager's or agent's cookie is not an operator's and gets `unauthenticated`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../../../shared/errors';
import { operatorCookie, type OperatorIdentity } from '../../../shared/identity';
import { operatorLoginInput, operatorSiteCreateInput, operatorSiteSuspendInput } from '../../../shared/schemas/operator';
import type { Config } from '../config';
import type { OperatorsService } from '../operators/operators.service';
import { clientAddress } from './client-address';
import { clearCookie, cookiesOf, secureRequest, serializeCookie } from './cookies';
import { readJson, sendJson } from './json';

const operatorApiPrefix = '/api/exploitation/';

/** The cookie's name on this request: `__Host-` prefixed over HTTPS, like the other credentials. */
function operatorCookieName(secure: boolean): string {
  return secure ? `__Host-${operatorCookie}` : operatorCookie;
}

export function createOperatorApi({ config, operators }: { config: Config; operators: OperatorsService }) {
  async function operatorOf(req: IncomingMessage): Promise<OperatorIdentity> {
    const secure = secureRequest(req, config);
    const identity = await operators.resolve(cookiesOf(req)[operatorCookieName(secure)]);
    if (!identity) throw new AppError('unauthenticated', 'Log in as an operator at /exploitation');
    return identity;
  }

  const siteRoute = /^sites\/([^/]+)\/(suspend|resume|setup-code)$/;

  return async function operatorApi(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const rest = path.slice(operatorApiPrefix.length);
    const secure = secureRequest(req, config);
    const cookie = operatorCookieName(secure);
    if (req.method === 'POST' && rest === 'login') {
      const input = await readJson(req, operatorLoginInput, 'operator login');
      const { token, identity } = await operators.login(input, { address: clientAddress(req, config) });
      sendJson(
        res,
        200,
        { login: identity.login, firstName: identity.firstName, expiresAt: identity.expiresAt },
        { 'set-cookie': serializeCookie(cookie, token, { secure, maxAgeSeconds: config.managerSessionHours * 3600 }) }
      );
      return;
    }
    if (req.method === 'POST' && rest === 'logout') {
      const identity = await operators.resolve(cookiesOf(req)[cookie]);
      if (identity) await operators.logout(identity);
      sendJson(res, 200, { ok: true }, { 'set-cookie': clearCookie(cookie, secure) });
      return;
    }
    const operator = await operatorOf(req);
    if (req.method === 'GET' && rest === 'me') {
      sendJson(res, 200, { login: operator.login, firstName: operator.firstName, expiresAt: operator.expiresAt });
      return;
    }
    if (req.method === 'GET' && rest === 'sites') {
      sendJson(res, 200, { sites: await operators.listSites() });
      return;
    }
    if (req.method === 'POST' && rest === 'sites') {
      const input = await readJson(req, operatorSiteCreateInput, 'site');
      sendJson(res, 200, await operators.createSite(operator, input));
      return;
    }
    const match = req.method === 'POST' ? siteRoute.exec(rest) : null;
    if (match) {
      const siteId = decodeURIComponent(match[1]!);
      if (match[2] === 'suspend') {
        const { reason } = await readJson(req, operatorSiteSuspendInput, 'suspension');
        await operators.suspend(operator, siteId, reason);
        sendJson(res, 200, { ok: true });
      } else if (match[2] === 'resume') {
        await operators.resume(operator, siteId);
        sendJson(res, 200, { ok: true });
      } else {
        sendJson(res, 200, await operators.newSetupCode(operator, siteId));
      }
      return;
    }
    throw new AppError('not_found', `No API route ${req.method} ${path}`);
  };
}
