/**
 * The web app's static files (`<kiosk build>/client`: scripts, styles, fonts, icons), served in
 * front of the SvelteKit handler.
 *
 * The adapter's own file server lists that folder once at start, then streams a listed file
 * without listening for a read error: a file gone since (a rebuild under a running server, a
 * folder cleaned by hand) was an uncaught error, and the whole server stopped. Here every file
 * listed at start is answered here: it is opened first, then described and streamed from that
 * open file, so a file gone answers 404, any other failure 500, and the server keeps running.
 */
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import type { Logger } from 'pino';
import { sendError } from './json';
import type { KitHandler } from './http-app';

const types: Record<string, string> = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.wasm': 'application/wasm'
};

/** The precompressed copies the build writes beside each file, best first. */
const encodings = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' }
] as const;

interface Listed {
  file: string;
  /** Whether the build wrote compressed copies (the answer then varies with Accept-Encoding). */
  compressed: boolean;
}

/** URL path → file, for every file of `dir` at start (what the adapter's file server knows too). */
function listFiles(dir: string): Map<string, Listed> {
  const files = new Map<string, Listed>();
  if (!fs.existsSync(dir)) return files;
  const all = new Set(fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => f.split(path.sep).join('/')));
  for (const name of all) {
    if (name.endsWith('.br') || name.endsWith('.gz')) continue;
    const file = path.join(dir, name);
    if (!fs.statSync(file).isFile()) continue;
    const entry = { file, compressed: encodings.some((e) => all.has(name + e.suffix)) };
    files.set(`/${name}`, entry);
    // The adapter's file server also answers a page's HTML without its extension.
    if (name.endsWith('.html')) {
      const page = `/${name.slice(0, -'.html'.length)}`;
      files.set(page, entry);
      if (page === '/index' || page.endsWith('/index')) files.set(page.slice(0, -'index'.length) || '/', entry);
    }
  }
  return files;
}

/** The content codings a request accepts (`q=0` ones left out). */
export function accepted(req: IncomingMessage): Set<string> {
  const header = req.headers['accept-encoding'] ?? '';
  return new Set(
    header
      .split(',')
      .map((part) => part.trim().split(';'))
      .filter(([, q]) => !q || !/^q=0(\.0*)?$/.test(q.trim()))
      .map(([name]) => name!.trim())
  );
}

/** The compressed copy the client accepts, else the file itself; null when none can be opened. */
async function openBest(req: IncomingMessage, listed: Listed): Promise<{ handle: FileHandle; encoding: string | null } | null> {
  const names = listed.compressed ? accepted(req) : new Set<string>();
  for (const { name, suffix } of encodings) {
    if (!names.has(name)) continue;
    const handle = await fs.promises.open(listed.file + suffix, 'r').catch(() => null);
    if (handle) return { handle, encoding: name };
  }
  try {
    return { handle: await fs.promises.open(listed.file, 'r'), encoding: null };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function send(req: IncomingMessage, res: ServerResponse, pathname: string, listed: Listed): Promise<void> {
  const opened = await openBest(req, listed);
  if (!opened) return sendError(res, { code: 'not_found', message: `No file ${pathname}` });
  const { handle, encoding } = opened;
  let streaming = false;
  try {
    const stats = await handle.stat();
    // A file replaced by a folder since the start.
    if (!stats.isFile()) return sendError(res, { code: 'not_found', message: `No file ${pathname}` });
    const etag = `W/"${stats.size}-${stats.mtime.getTime()}"`;
    const headers: Record<string, string | number> = {
      'content-type': types[path.extname(listed.file).toLowerCase()] ?? 'application/octet-stream',
      'last-modified': stats.mtime.toUTCString(),
      etag,
      // Names under /_app/immutable/ change with their content; anything else is checked again.
      'cache-control': pathname.startsWith('/_app/immutable/') ? 'public,max-age=31536000,immutable' : 'no-cache'
    };
    if (listed.compressed) headers.vary = 'Accept-Encoding';
    if (encoding) headers['content-encoding'] = encoding;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    headers['content-length'] = stats.size;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    // The open file is read even if its name is removed meanwhile. A failing disk or a client
    // gone ends this response (its status is already sent) and closes the file, not the server.
    streaming = true;
    pipeline(handle.createReadStream(), res, () => undefined);
  } finally {
    if (!streaming) await handle.close();
  }
}

/**
 * The SvelteKit handler with the static files of `clientDir` answered first. A file the
 * adapter's handler still streams (a prerendered page) and that fails ends that response only.
 */
export function serveStaticFirst(kit: KitHandler, clientDir: string, logger: Logger): KitHandler {
  const files = listFiles(clientDir);
  return (req, res, next) => {
    const listed = req.method === 'GET' || req.method === 'HEAD' ? files.get(pathOf(req)) : undefined;
    if (!listed) {
      res.on('pipe', (source: Readable) =>
        source.on('error', (error: Error) => {
          logger.error({ err: error, path: req.url }, 'web app file failed while being sent');
          res.destroy();
        })
      );
      kit(req, res, next);
      return;
    }
    send(req, res, pathOf(req), listed).catch((error: unknown) => {
      logger.error({ err: error, path: req.url }, 'static file failed');
      if (res.headersSent) res.destroy();
      else sendError(res, { code: 'internal', message: 'This file could not be read' });
    });
  };
}

function pathOf(req: IncomingMessage): string {
  const pathname = new URL(req.url ?? '/', 'http://guichet.invalid').pathname;
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}
