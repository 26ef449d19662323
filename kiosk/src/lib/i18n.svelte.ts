/**
 * The current language as reactive state. In the browser Paraglide reads the language from it, so
 * every `m.…()` in a template re-renders in place when the citizen switches: nothing is remounted,
 * and the kiosk keeps its connection and its text size.
 */
import { getLocale, getTextDirection, locales, overwriteGetLocale, setLocale, type Locale } from '$lib/paraglide/runtime';
import { m } from '$lib/paraglide/messages';
import type { ErrorBody } from '$shared/errors';

class I18nState {
  locale = $state<Locale>(getLocale());
}

export const i18n = new I18nState();
// On the server each request has its own language (Paraglide's request context): left alone there.
if (typeof window !== 'undefined') overwriteGetLocale(() => i18n.locale);
export { locales, type Locale };

/**
 * Shows the page in another language. `remember: false` leaves the language cookie alone: the
 * manager's preview of a kiosk screen changes its own frame, not the console's next page.
 */
export function switchLocale(next: Locale, { remember = true }: { remember?: boolean } = {}): void {
  if (next === i18n.locale) return;
  if (remember) setLocale(next, { reload: false });
  i18n.locale = next;
  document.documentElement.lang = next;
  document.documentElement.dir = getTextDirection(next);
}

export const languageNames: Record<Locale, () => string> = {
  fr: m.language_name_fr,
  en: m.language_name_en,
  ar: m.language_name_ar
};

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

export function formatTime(iso: string): string {
  return new Intl.DateTimeFormat(i18n.locale, { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}
