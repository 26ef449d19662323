/**
 * A citizen's requests about their own session, made to the site manager with the reference
 * printed on their receipt: see it exported (JSON), or have it erased now rather than at the end of
 * the retention period. Both are written to the audit log (who, which reference, when).
 *
 * Decided once:
 * - only the manager's own site is searched; another site's reference is "not found", like a
 *   reference that never existed or was already erased;
 * - a session still going on at a kiosk is refused (`session_active`): the citizen is using it, and
 *   erasing it under them would break their kiosk; it can be done as soon as it has ended;
 * - erasing deletes exactly what the retention purge deletes (state, answers, notes, changes,
 *   unprinted summaries, what the demo printers printed for it, the database log's old copies);
 *   help calls keep their row without the session, the audit log keeps the
 *   reference only.
 */
import { AppError } from '../../../shared/errors';
import type { AccountIdentity } from '../../../shared/identity';
import type { SessionExport, SessionSummary } from '../../../shared/schemas/privacy';
import { defaultTimeZone } from '../../../shared/calendar';
import type { Clock } from '../clock';
import { eraseSessionContents, type AfterErase, type ErasedSession } from '../sessions/retention';
import type { SessionRecord } from '../sessions/sessions.repository';
import type { Store } from '../store';

export type SessionRequestsService = ReturnType<typeof createSessionRequestsService>;

export function createSessionRequestsService({
  store,
  clock,
  afterErase
}: {
  store: Store;
  clock: Clock;
  /** Removes the erased session's printout files and empties the database log (see retention.ts). */
  afterErase?: AfterErase;
}) {
  async function find(siteId: string, reference: string): Promise<SessionRecord> {
    const record = await store.sessions.findByReference(siteId, reference);
    if (!record) {
      throw new AppError(
        'not_found',
        `No session with reference ${reference} at this site: it was never made here, or its contents were already erased`
      );
    }
    return record;
  }

  async function ended(siteId: string, reference: string): Promise<SessionRecord> {
    const record = await find(siteId, reference);
    if (record.status === 'active') {
      throw new AppError(
        'session_active',
        `Session ${reference} is still going on at a kiosk: it can be exported or erased once it has ended`
      );
    }
    return record;
  }

  const summaryOf = (r: SessionRecord): SessionSummary => ({
    reference: r.reference,
    status: r.status,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    procedureId: r.state.procedureId
  });

  async function audit(record: SessionRecord, manager: AccountIdentity, action: 'export' | 'erase'): Promise<void> {
    await store.auditLog.add({
      siteId: record.siteId,
      sessionId: record.id,
      sessionReference: record.reference,
      accountId: manager.accountId,
      actorName: manager.firstName,
      action,
      detail: '',
      at: clock.now().toISOString()
    });
  }

  return {
    /** What the console shows to confirm the reference: no contents, so no audit row. */
    async lookup(siteId: string, reference: string): Promise<SessionSummary> {
      return summaryOf(await find(siteId, reference));
    },

    async export(manager: AccountIdentity, reference: string): Promise<SessionExport> {
      const record = await ended(manager.siteId, reference);
      const site = await store.sites.findById(manager.siteId);
      const result: SessionExport = {
        format: 'guichet-session/1',
        exportedAt: clock.now().toISOString(),
        site: { name: site?.name ?? '', timezone: site?.timezone ?? defaultTimeZone },
        session: { ...summaryOf(record), endReason: record.endReason, state: record.state },
        changes: (await store.sessionPatches.listAll(record.id)).map(({ patch, at }) => ({
          version: patch.version,
          changes: patch.changes,
          by: patch.by,
          at
        })),
        // Listed field by field: the operational links to agents' accounts never leave the server.
        helpCalls: (await store.helpCalls.listForSession(record.id)).map((c) => ({
          reason: c.reason,
          service: c.service,
          status: c.status,
          unansweredReason: c.unansweredReason,
          createdAt: c.createdAt,
          answeredAt: c.answeredAt,
          endedAt: c.endedAt
        })),
        printouts: (await store.printJobs.listForSession(record.id)).map((j) => ({
          kind: j.kind,
          status: j.status,
          copy: j.copy,
          createdAt: j.createdAt,
          printedAt: j.printedAt
        }))
      };
      await audit(record, manager, 'export');
      return result;
    },

    async erase(manager: AccountIdentity, reference: string): Promise<{ reference: string }> {
      const record = await ended(manager.siteId, reference);
      const erased: ErasedSession | null = await store.transaction(async () => {
        await audit(record, manager, 'erase');
        return eraseSessionContents(store, record.id);
      });
      // Once committed: the files and the log go only when the rows are gone for good.
      if (erased) await afterErase?.([erased]);
      return { reference: record.reference };
    }
  };
}
