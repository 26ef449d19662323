/** JSON calls to the Guichet HTTP API. Errors come back as the shared ErrorBody, never thrown raw. */
import { isErrorBody, type ErrorBody } from '$shared/errors';

export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ErrorBody | 'network' };

export async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiResult<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin'
    });
  } catch {
    return { ok: false, error: 'network' };
  }
  const json: unknown = await response.json().catch(() => null);
  if (response.ok) return { ok: true, data: json as T };
  const error = (json as { error?: unknown } | null)?.error;
  return { ok: false, error: isErrorBody(error) ? error : 'network' };
}
