/**
 * Files the site manager downloads from the console, each for the manager's own site only:
 * - `GET /api/stats.csv?from=YYYY-MM-DD&to=YYYY-MM-DD` — the team's statistics (see
 *   statistics-csv.ts);
 * - `GET /api/audit.csv` — the whole audit log of the site (see audit-csv.ts);
 * - `GET /api/sessions/<reference>.json` — one session, at the citizen's request (see
 *   session-requests.service.ts); written to the audit log.
 * Without a manager's login they answer 401; a reference of another site is 404, like an unknown one.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../../../shared/errors';
import type { AccountIdentity } from '../../../shared/identity';
import { sessionReferenceSchema } from '../../../shared/schemas/privacy';
import { defaultTimeZone } from '../../../shared/calendar';
import { statsGetInput } from '../../../shared/schemas/statistics';
import { parseOrThrow } from '../../../shared/validation';
import { auditCsv } from '../audit/audit-csv';
import type { AuthService } from '../auth/auth.service';
import type { SessionRequestsService } from '../privacy/session-requests.service';
import { statsCsv } from '../statistics/statistics-csv';
import type { StatisticsService } from '../statistics/statistics.service';
import type { Store } from '../store';
import { credentialOf, secureRequest } from './cookies';
import type { Config } from '../config';
import { sendCsv } from './csv';

export interface ManagerDownloadsDeps {
  auth: AuthService;
  store: Store;
  statistics: StatisticsService;
  sessionRequests: SessionRequestsService;
  /** Which requests carry `__Host-` prefixed cookies (see secureRequest in cookies.ts). */
  cookieConfig: Pick<Config, 'secureCookies' | 'trustProxy' | 'proxyHeader'>;
}

/** Handles the request when it is one of these downloads (true), else leaves it (false). */
export type ManagerDownloads = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

const sessionPath = /^\/api\/sessions\/([^/]+)\.json$/;

export function createManagerDownloads({
  auth,
  store,
  statistics,
  sessionRequests,
  cookieConfig
}: ManagerDownloadsDeps): ManagerDownloads {
  async function manager(req: IncomingMessage): Promise<AccountIdentity> {
    const identity = await auth.resolve('manager', credentialOf(req, 'manager', secureRequest(req, cookieConfig)));
    if (!identity) throw new AppError('unauthenticated', 'This file is for the site manager: log in to /gestion first');
    return identity;
  }

  return async (req, res, url) => {
    if (req.method !== 'GET') return false;
    const path = url.pathname;
    if (path === '/api/stats.csv') {
      const { siteId } = await manager(req);
      const input = parseOrThrow(
        statsGetInput,
        { from: url.searchParams.get('from') ?? '', to: url.searchParams.get('to') ?? '' },
        'statistics period'
      );
      sendCsv(res, `statistiques-${input.from}-${input.to}.csv`, statsCsv(await statistics.report(siteId, input)));
      return true;
    }
    if (path === '/api/audit.csv') {
      const { siteId } = await manager(req);
      const site = await store.sites.findById(siteId);
      const entries = await store.auditLog.listAll(siteId);
      sendCsv(res, 'journal-des-acces.csv', auditCsv(entries, site?.timezone ?? defaultTimeZone));
      return true;
    }
    const match = sessionPath.exec(path);
    if (match) {
      const identity = await manager(req);
      let typed: string;
      try {
        typed = decodeURIComponent(match[1]!);
      } catch {
        throw new AppError('invalid_payload', 'The session reference in the address is not valid');
      }
      const reference = parseOrThrow(sessionReferenceSchema, typed, 'session reference');
      const body = Buffer.from(JSON.stringify(await sessionRequests.export(identity, reference), null, 2), 'utf8');
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-disposition': `attachment; filename="session-${reference.replace(' ', '-')}.json"`,
        'content-length': body.length,
        'cache-control': 'no-store'
      });
      res.end(body);
      return true;
    }
    return false;
  };
}
