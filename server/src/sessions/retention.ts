/**
 * The retention purge: an ended session's contents (answers, notes, its patches, its summaries
 * waiting to print) are deleted once the site's retention is over — by default at the end of the
 * day it ended. Help calls and tickets keep their rows (they hold no personal data); the audit log
 * keeps the session's reference, never its contents.
 */
import { localDate } from '../../../shared/opening-hours';
import type { Clock } from '../clock';
import type { Store } from '../store';

/** The site-local date `days` before `date` (YYYY-MM-DD). */
function daysBefore(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

/** What an erase leaves to do once committed: the files its printouts left behind, by print job. */
export interface ErasedSession {
  siteId: string;
  printJobIds: string[];
}

/**
 * Run after the transaction that erased sessions: their printouts' files go, and the database's
 * log is emptied so the old versions of the erased rows leave the disk (see `truncateWal`).
 */
export type AfterErase = (erased: ErasedSession[]) => Promise<void> | void;

/**
 * Deletes one session's contents: its state and patches (the row itself), and the text of its
 * summaries not yet printed. The retention purge and a citizen's request to erase both come here.
 * Call inside a transaction when erasing several; then pass what it returns to `AfterErase`.
 */
export function eraseSessionContents(store: Store, sessionId: string): ErasedSession | null {
  return store.db.transaction(() => {
    const session = store.sessions.findById(sessionId);
    if (!session) return null;
    // Read before the row goes: the jobs then lose their link to the session.
    const printJobIds = store.printJobs.listForSession(sessionId).map((j) => j.id);
    store.printJobs.dropForSession(sessionId);
    store.sessions.remove(sessionId);
    return { siteId: session.siteId, printJobIds };
  })();
}

export function purgeExpiredSessions(store: Store, clock: Clock, afterErase?: AfterErase): number {
  const erased: ErasedSession[] = [];
  for (const site of store.sites.listAll()) {
    const today = localDate(clock.now(), site.timezone);
    // Kept while the day it ended is within `retentionDays` of today.
    const keepFrom = daysBefore(today, site.retentionDays);
    const expired = store.sessions
      .listEnded(site.id)
      .filter((s) => s.endedAt && localDate(new Date(s.endedAt), site.timezone) < keepFrom);
    if (expired.length === 0) continue;
    store.db.transaction(() => {
      for (const session of expired) {
        const done = eraseSessionContents(store, session.id);
        if (done) erased.push(done);
      }
    })();
  }
  if (erased.length > 0) afterErase?.(erased);
  return erased.length;
}
