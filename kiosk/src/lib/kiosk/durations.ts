/** "45 s", "2 min": short durations for waits, in the current language. */
import { m } from '../paraglide/messages';

export function formatDuration(seconds: number): string {
  if (seconds < 60) return m.duration_seconds({ n: String(Math.max(0, Math.round(seconds))) });
  return m.duration_minutes({ n: String(Math.round(seconds / 60)) });
}
