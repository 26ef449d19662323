/**
 * Printing a session's summary, from the kiosk or from the agent joined to it: on the kiosk's
 * receipt printer (short, in the citizen's language where the code page allows) or on the site's
 * A4 printer (in the citizen's language, always). The paper comes out where the citizen stands.
 */
import type { z } from 'zod';
import { AppError } from '../../../shared/errors';
import type { Identity } from '../../../shared/identity';
import type { printSummaryInput, PrintJobView } from '../../../shared/schemas/print';
import { summaryReceipt } from '../../../printers/layouts/summary-receipt';
import { summaryDocument } from '../../../printers/layouts/summary';
import { asPrintLocale, receiptLocale } from '../../../printers/i18n';
import type { Clock } from '../clock';
import type { After } from '../events/after';
import type { SessionsService } from '../sessions/sessions.service';
import { createKeyedLock } from '../keyed-lock';
import type { Store } from '../store';
import type { PrintingService } from './printing.service';

export type SummaryPrintService = ReturnType<typeof createSummaryPrintService>;

export function createSummaryPrintService({
  store,
  clock,
  sessions,
  printing
}: {
  store: Store;
  clock: Clock;
  sessions: SessionsService;
  printing: PrintingService;
}) {
  /** A replayed command (same request id) answers with the job it made, not a second paper. */
  const done = new Map<string, string>();
  /** A replay sent while the first is still being written waits for it, then finds its job in `done`. */
  const requests = createKeyedLock();

  async function print(identity: Identity, input: z.output<typeof printSummaryInput>, after: After): Promise<PrintJobView> {
    const key = `${identity.siteId}:${input.requestId}`;
    const previous = done.get(key);
    const previousJob = previous ? await store.printJobs.findById(previous) : null;
    if (previousJob) return printing.jobView(previousJob);
    const stored = await sessions.loadActive(identity.siteId, input.sessionId);
    await sessions.assertAccess(identity, stored);
    const state = stored.state;
    // The version the citizen went through, even if a newer one is on the kiosks now.
    const procedure = await sessions.procedureOf(stored);
    if (!procedure) {
      throw new AppError('invalid_payload', 'This session has no procedure to summarise', [
        { path: 'sessionId', message: 'no procedure chosen yet' }
      ]);
    }
    const site = await store.sites.findById(stored.siteId);
    if (!site) throw new AppError('not_found', 'No site for this session');
    const now = clock.now();
    const agentName = state.agent?.firstName ?? null;
    const job = await store.transaction(async () => {
      if (identity.kind === 'account') await sessions.audit(stored, identity, 'view', `print:${input.format}`);
      if (input.format === 'a4') {
        const summary = summaryDocument({
          procedure,
          answers: state.answers,
          locale: state.locale,
          site,
          reference: stored.reference,
          agentName,
          at: now,
          duplicate: false
        });
        return printing.enqueue({
          siteId: site.id,
          terminalId: stored.terminalId,
          kind: 'summary_a4',
          sessionId: stored.id,
          document: { locale: asPrintLocale(state.locale), summary }
        });
      }
      const receipt = summaryReceipt({
        procedure,
        answers: state.answers,
        locale: state.locale,
        siteName: site.name,
        timezone: site.timezone,
        reference: stored.reference,
        agentName,
        at: now,
        copy: 0
      });
      return printing.enqueue({
        siteId: site.id,
        terminalId: stored.terminalId,
        kind: 'summary_receipt',
        sessionId: stored.id,
        document: { locale: receiptLocale(state.locale), receipt }
      });
    });
    done.set(key, job.id);
    // Replays come within seconds; the oldest ids go once there are many.
    if (done.size > 1000) done.delete(done.keys().next().value!);
    after(() => void printing.start(job));
    return printing.jobView(job);
  }

  return {
    print(identity: Identity, input: z.output<typeof printSummaryInput>, after: After): Promise<PrintJobView> {
      return requests.run(`${identity.siteId}:${input.requestId}`, () => print(identity, input, after));
    }
  };
}
