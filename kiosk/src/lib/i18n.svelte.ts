/**
 * The current language as reactive state. Paraglide's own getLocale() is not reactive: the root
 * layout re-renders its children under `{#key i18n.locale}` when this changes.
 */
import { getLocale, getTextDirection, locales, setLocale, type Locale } from '$lib/paraglide/runtime';
import { m } from '$lib/paraglide/messages';
import type { ErrorBody } from '$shared/errors';

class I18nState {
  locale = $state<Locale>(getLocale());
}

export const i18n = new I18nState();
export { locales, type Locale };

export function switchLocale(next: Locale): void {
  if (next === i18n.locale) return;
  setLocale(next, { reload: false });
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
export function errorText(error: Pick<ErrorBody, 'code'> | 'network'): string {
  if (error === 'network') return m.error_network();
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
    internal: m.error_internal
  };
  return messages[error.code]();
}

export function formatTime(iso: string): string {
  return new Intl.DateTimeFormat(i18n.locale, { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}
