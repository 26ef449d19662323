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
export type AfterErase = (erased: ErasedSession[]) => void | Promise<void>;

/**
 * Deletes one session's contents: its state and patches (the row itself), and the text of its
 * summaries not yet printed. The retention purge and a citizen's request to erase both come here.
 * Call inside a transaction when erasing several; then pass what it returns to `AfterErase`.
 */
export function eraseSessionContents(store: Store, sessionId: string): Promise<ErasedSession | null> {
  // Joins the caller's transaction when there is one: all the erases of a purge, or none.
  return store.transaction(async () => {
    const session = await store.sessions.findById(sessionId);
    if (!session) return null;
    // Read before the row goes: the jobs then lose their link to the session.
    const printJobIds = (await store.printJobs.listForSession(sessionId)).map((j) => j.id);
    await store.printJobs.dropForSession(sessionId);
    await store.sessions.remove(sessionId);
    return { siteId: session.siteId, printJobIds };
  });
}

export async function purgeExpiredSessions(store: Store, clock: Clock, afterErase?: AfterErase): Promise<number> {
  const erased: ErasedSession[] = [];
  for (const site of await store.sites.listAll()) {
    const today = localDate(clock.now(), site.timezone);
    // Kept while the day it ended is within `retentionDays` of today.
    const keepFrom = daysBefore(today, site.retentionDays);
    const expired = (await store.sessions.listEnded(site.id)).filter(
      (s) => s.endedAt && localDate(new Date(s.endedAt), site.timezone) < keepFrom
    );
    if (expired.length === 0) continue;
    const erasedHere: ErasedSession[] = [];
    await store.transaction(async () => {
      for (const session of expired) {
        const done = await eraseSessionContents(store, session.id);
        if (done) erasedHere.push(done);
      }
    });
    // Counted once committed: a site whose transaction failed erased nothing.
    erased.push(...erasedHere);
  }
  // After the commits: the files and the log go only once the rows are gone for good.
  if (erased.length > 0) await afterErase?.(erased);
  return erased.length;
}
