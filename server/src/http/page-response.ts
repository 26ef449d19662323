/**
 * What the server adds to a response of the web app (SvelteKit) as it is written:
 * - its pages (HTML) compressed like its scripts and styles, brotli else gzip as the browser
 *   accepts, with `Vary: Accept-Encoding`; the status and every other header unchanged;
 * - cookies the server set before handing the request over (the demo kiosk's credential), kept
 *   beside any the app sets itself.
 */
import type { IncomingMessage, OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import zlib from 'node:zlib';
import { accepted } from './static-files';

/** Pages are made on each request: a middle brotli quality, near the best size for a fraction of the time. */
const brotliQuality = 5;

function appendVary(res: ServerResponse, value: string): void {
  const current = res.getHeader('vary');
  const list = (Array.isArray(current) ? current.join(',') : String(current ?? ''))
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (list.includes('*') || list.some((v) => v.toLowerCase() === value.toLowerCase())) return;
  res.setHeader('vary', [...list, value].join(', '));
}

function asList(header: OutgoingHttpHeader | undefined): string[] {
  if (header === undefined) return [];
  return Array.isArray(header) ? header.map(String) : [String(header)];
}

function compressor(encoding: 'br' | 'gzip'): zlib.BrotliCompress | zlib.Gzip {
  // Flushed on each write: a page SvelteKit streams in parts reaches the browser part by part.
  return encoding === 'br'
    ? zlib.createBrotliCompress({
        flush: zlib.constants.BROTLI_OPERATION_FLUSH,
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: brotliQuality }
      })
    : zlib.createGzip({ flush: zlib.constants.Z_SYNC_FLUSH });
}

/** From here on, the body written to `res` goes through `stream`, whose output goes to the client. */
function pipeBodyThrough(res: ServerResponse, stream: zlib.BrotliCompress | zlib.Gzip): void {
  const write = res.write.bind(res) as (chunk: Buffer) => boolean;
  const end = res.end.bind(res) as () => ServerResponse;
  stream.on('data', (chunk: Buffer) => {
    if (!write(chunk)) stream.pause();
  });
  res.on('drain', () => stream.resume());
  stream.on('end', () => end());
  stream.on('error', (error) => res.destroy(error));
  // SvelteKit waits for `drain` when a write says the buffer is full: the compressor's buffer here.
  stream.on('drain', () => res.emit('drain'));
  res.on('close', () => stream.destroy());
  res.write = ((...args: Parameters<typeof stream.write>) => stream.write(...args)) as typeof res.write;
  res.end = ((...args: unknown[]) => {
    (stream.end as (...a: unknown[]) => void)(...args);
    return res;
  }) as typeof res.end;
}

/**
 * Prepares `res` for the web app's answer to `req`: `cookies` are added to whatever the app sets,
 * and an HTML answer is compressed when the browser accepts it.
 */
export function preparePageResponse(req: IncomingMessage, res: ServerResponse, cookies: string[] = []): void {
  const codings = accepted(req);
  const encoding = codings.has('br') ? 'br' : codings.has('gzip') ? 'gzip' : null;
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, statusCode: number, ...rest: unknown[]) {
    // Headers given here (a plain object) join those already set, so they are all seen below.
    const last = rest.at(-1);
    if (last && typeof last === 'object' && !Array.isArray(last)) {
      rest.pop();
      for (const [name, value] of Object.entries(last as OutgoingHttpHeaders))
        if (value !== undefined) this.setHeader(name, value);
    }
    if (cookies.length > 0) this.setHeader('set-cookie', [...asList(this.getHeader('set-cookie')), ...cookies]);
    const html = String(this.getHeader('content-type') ?? '').startsWith('text/html');
    const hasBody = statusCode >= 200 && statusCode !== 204 && statusCode !== 304;
    if (html && hasBody && this.getHeader('content-encoding') === undefined) {
      appendVary(this, 'Accept-Encoding');
      if (encoding) {
        this.removeHeader('content-length');
        this.setHeader('content-encoding', encoding);
        pipeBodyThrough(this, compressor(encoding));
      }
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).call(this, statusCode, ...rest);
  } as typeof res.writeHead;
}
