/**
 * The current language as reactive state. In the browser Paraglide reads the language from it, so
 * every `m.…()` in a template re-renders in place when the citizen switches: nothing is remounted,
 * and the kiosk keeps its connection and its text size.
 */
import { getLocale, getTextDirection, locales, overwriteGetLocale, setLocale, type Locale } from '$lib/paraglide/runtime';
import { m } from '$lib/paraglide/messages';

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

// Only the agent's and manager's pages show error codes: in a module of its own, so that the kiosk's
// first load does not carry every error's sentence in three languages.
export { errorText } from './error-text';

export function formatTime(iso: string): string {
  return new Intl.DateTimeFormat(i18n.locale, { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}
