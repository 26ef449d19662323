/**
 * When a terminal was last seen, both ways a manager reads it: relative (« il y a 5 minutes ») to
 * notice a kiosk that went quiet, absolute (« 14:32 », or with the date when it was not today) to
 * tell a colleague.
 */
export function seenText(iso: string, now: Date, locale: string): { relative: string; absolute: string } {
  const at = new Date(iso);
  const seconds = Math.round((at.getTime() - now.getTime()) / 1000);
  const relativeFormat = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const abs = Math.abs(seconds);
  const relative =
    abs < 60
      ? relativeFormat.format(0, 'second')
      : abs < 3600
        ? relativeFormat.format(Math.round(seconds / 60), 'minute')
        : abs < 86_400
          ? relativeFormat.format(Math.round(seconds / 3600), 'hour')
          : relativeFormat.format(Math.round(seconds / 86_400), 'day');
  const sameDay = at.toDateString() === now.toDateString();
  const absolute = new Intl.DateTimeFormat(
    locale,
    sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' }
  ).format(at);
  return { relative, absolute };
}
