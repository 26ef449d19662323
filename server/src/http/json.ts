/** JSON in and out for the HTTP API: bodies are size-limited, parsed, then validated with zod. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { AppError, type ErrorBody, type ErrorCode } from '../../../shared/errors';
import { parseOrThrow } from '../../../shared/validation';

const maxBodyBytes = 64 * 1024;

const statusOf: Record<ErrorCode, number> = {
  invalid_payload: 400,
  unauthenticated: 401,
  login_failed: 401,
  forbidden: 403,
  not_found: 404,
  unknown_command: 404,
  pairing_code_invalid: 400,
  pairing_expired: 410,
  too_many_attempts: 429,
  call_taken: 409,
  call_closed: 409,
  session_closed: 409,
  already_joined: 409,
  handover_to_self: 400,
  service_closed: 409,
  setup_code_invalid: 403,
  setup_done: 409,
  site_suspended: 403,
  login_taken: 409,
  last_manager: 409,
  session_active: 409,
  pin_too_short: 400,
  rate_limited: 429,
  session_full: 413,
  too_many_connections: 429,
  internal: 500
};

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {}
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
    ...headers
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: ErrorBody): void {
  // A client told to wait also learns how long, in the header HTTP clients and proxies already read.
  const seconds =
    error.retryAfterSeconds ?? (error.retryAfterMs !== undefined ? Math.max(1, Math.ceil(error.retryAfterMs / 1000)) : undefined);
  const headers: Record<string, string> = seconds !== undefined ? { 'retry-after': String(seconds) } : {};
  sendJson(res, statusOf[error.code], { error }, headers);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) throw new AppError('invalid_payload', `Request body is larger than ${maxBodyBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a JSON body and validates it; `what` names it in the error. */
export async function readJson<S extends z.ZodType>(req: IncomingMessage, schema: S, what: string): Promise<z.output<S>> {
  const type = req.headers['content-type'] ?? '';
  // Requiring JSON also keeps cross-site HTML forms out (they cannot send this type without CORS).
  if (!type.toLowerCase().startsWith('application/json')) {
    throw new AppError('invalid_payload', `${what}: send the body as application/json`);
  }
  const text = await readBody(req);
  let value: unknown;
  try {
    value = text.length === 0 ? {} : JSON.parse(text);
  } catch {
    throw new AppError('invalid_payload', `${what}: the body is not valid JSON`);
  }
  return parseOrThrow(schema, value, what);
}
