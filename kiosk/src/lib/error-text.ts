/** The sentence shown for each error code a command or a login can answer with. */
import { m } from '$lib/paraglide/messages';
import type { ErrorBody } from '$shared/errors';

/** The citizen-facing sentence for an error code. */
export function errorText(error: Pick<ErrorBody, 'code' | 'retryAfterSeconds'> | 'network'): string {
  if (error === 'network') return m.error_network();
  // A refused login says when to try again, in whole minutes.
  if (error.code === 'too_many_attempts' && error.retryAfterSeconds !== undefined) {
    return m.error_too_many_attempts_wait({ minutes: String(Math.max(1, Math.ceil(error.retryAfterSeconds / 60))) });
  }
  const messages: Record<ErrorBody['code'], () => string> = {
    invalid_payload: m.error_invalid_payload,
    unauthenticated: m.error_unauthenticated,
    forbidden: m.error_forbidden,
    not_found: m.error_not_found,
    unknown_command: m.error_unknown_command,
    login_failed: m.error_login_failed,
    too_many_attempts: m.error_too_many_attempts,
    pairing_code_invalid: m.error_pairing_code_invalid,
    pairing_expired: m.error_pairing_expired,
    call_taken: m.error_call_taken,
    service_closed: m.error_service_closed,
    call_closed: m.error_call_closed,
    session_closed: m.error_session_closed,
    already_joined: m.error_already_joined,
    handover_to_self: m.error_handover_to_self,
    setup_code_invalid: m.error_setup_code_invalid,
    setup_done: m.error_setup_done,
    site_suspended: m.error_site_suspended,
    login_taken: m.error_login_taken,
    last_manager: m.error_last_manager,
    session_active: m.error_session_active,
    pin_too_short: m.error_pin_too_short,
    rate_limited: m.error_rate_limited,
    session_full: m.error_session_full,
    too_many_connections: m.error_too_many_connections,
    internal: m.error_internal
  };
  return messages[error.code]();
}
