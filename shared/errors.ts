/**
 * The fixed list of expected errors. Every command ack and every HTTP error body carries one of
 * these codes; the UIs translate the code, the message is for logs and developers (English) and
 * names what is wrong.
 */
export const errorCodes = [
  'invalid_payload',
  'unauthenticated',
  'forbidden',
  'not_found',
  'unknown_command',
  'login_failed',
  'too_many_attempts',
  'pairing_code_invalid',
  'pairing_expired',
  'call_taken',
  'call_closed',
  'session_closed',
  'already_joined',
  'handover_to_self',
  'service_closed',
  'setup_code_invalid',
  'setup_done',
  'site_suspended',
  'login_taken',
  'last_manager',
  'session_active',
  'pin_too_short',
  'rate_limited',
  'session_full',
  'too_many_connections',
  'internal'
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface ErrorIssue {
  /** Dotted path of the field inside the payload, e.g. `name` or `hours.0.open`. */
  path: string;
  message: string;
  /** For a problem inside a file the payload carries (a procedure): its 1-based line, when known. */
  line?: number | null;
  /** For such a problem: what is wrong and its details, for the console to say in its language. */
  problem?: { code: string; params: Record<string, string> };
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  issues?: ErrorIssue[];
  /** For `too_many_attempts`: how many seconds until a new attempt is counted again. */
  retryAfterSeconds?: number;
  /** For `rate_limited`: how long to wait before the same request can succeed. */
  retryAfterMs?: number;
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

/** An expected failure: it reaches the client as-is. Anything else is logged and becomes `internal`. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly issues?: ErrorIssue[];
  readonly retryAfterSeconds?: number;
  readonly retryAfterMs?: number;
  constructor(
    code: ErrorCode,
    message: string,
    issues?: ErrorIssue[],
    extra: { retryAfterSeconds?: number; retryAfterMs?: number } = {}
  ) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.issues = issues;
    this.retryAfterSeconds = extra.retryAfterSeconds;
    this.retryAfterMs = extra.retryAfterMs;
  }
  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.issues) body.issues = this.issues;
    if (this.retryAfterSeconds !== undefined) body.retryAfterSeconds = this.retryAfterSeconds;
    if (this.retryAfterMs !== undefined) body.retryAfterMs = this.retryAfterMs;
    return body;
  }
}

export function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorBody).code === 'string' &&
    (errorCodes as readonly string[]).includes((value as ErrorBody).code)
  );
}
