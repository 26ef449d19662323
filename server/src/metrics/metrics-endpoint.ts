/**
 * `GET /metrics` for a Prometheus scraper. It answers two kinds of request only:
 * - a program of this very machine talking to Guichet directly (loopback peer, no sign of a
 *   proxy: a reverse proxy on the same machine also connects from loopback, on behalf of anyone);
 * - a request with `Authorization: Bearer <GUICHET_METRICS_TOKEN>`, from anywhere.
 * Any other request goes on as if the route did not exist (the same 404 as any unknown page), so
 * the endpoint is not advertised to the hall network.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config';
import { isDirectFromLoopback } from '../http/client-address';
import type { GuichetMetrics } from './guichet-metrics';

export const metricsPath = '/metrics';

/** Handles the request when it is an allowed scrape (true), else leaves it to the next route (false). */
export type MetricsEndpoint = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * The request carries the configured bearer token. Compared as SHA-256 digests in constant time:
 * neither the token's characters nor its length show in the time an answer takes.
 */
export function hasMetricsToken(req: IncomingMessage, token: string | null): boolean {
  if (!token) return false;
  const header = req.headers.authorization;
  const given = typeof header === 'string' ? /^Bearer +(\S+) *$/i.exec(header)?.[1] : undefined;
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

/** `/metrics` with or without a query (a scraper may add its own parameters). */
export function isMetricsUrl(url: string | undefined): boolean {
  return url === metricsPath || (url?.startsWith(`${metricsPath}?`) ?? false);
}

function mayScrape(req: IncomingMessage, config: Pick<Config, 'metricsToken' | 'trustProxy' | 'proxyHeader'>): boolean {
  return hasMetricsToken(req, config.metricsToken) || isDirectFromLoopback(req, config);
}

export function createMetricsEndpoint({
  metrics,
  config
}: {
  metrics: GuichetMetrics;
  config: Pick<Config, 'metricsToken' | 'trustProxy' | 'proxyHeader'>;
}): MetricsEndpoint {
  return async (req, res, url) => {
    if (url.pathname !== metricsPath || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    if (!mayScrape(req, config)) return false;
    const { contentType, text } = await metrics.read();
    res.writeHead(200, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store'
    });
    res.end(text);
    return true;
  };
}
