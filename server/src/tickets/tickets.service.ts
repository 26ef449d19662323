/**
 * Taking a queue ticket at the kiosk: a number for the service, today, taken once (a replayed
 * command gives the same ticket back), its print job stored in the same transaction, then printed.
 * The kiosk shows the number whatever the printer does.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { AppError } from '../../../shared/errors';
import type { AccountIdentity, TerminalIdentity } from '../../../shared/identity';
import { localDate } from '../../../shared/opening-hours';
import type { ticketTakeInput, TicketView } from '../../../shared/schemas/print';
import { defaultTimeZone } from '../../../shared/calendar';
import { ticketReceipt } from '../../../printers/layouts/ticket';
import { receiptLocale } from '../../../printers/i18n';
import type { Clock } from '../clock';
import type { After } from '../events/after';
import type { PrintingService } from '../printing/printing.service';
import type { Store } from '../store';
import type { NewTicket, Ticket } from './tickets.repository';
import type { QueueService } from '../queue/queue.service';
import { waitFromDurations } from '../queue/wait-estimate';
import type { ticketIssueInput } from '../../../shared/schemas/queue';

export type TicketsService = ReturnType<typeof createTicketsService>;

export function createTicketsService({
  store,
  clock,
  printing,
  queue
}: {
  store: Store;
  clock: Clock;
  printing: PrintingService;
  queue: QueueService;
}) {
  function serviceName(siteId: string, service: string): string {
    return store.services.find(siteId, service)?.name ?? service;
  }

  function estimate(ticket: Ticket): TicketView['waitMinutes'] {
    const site = store.sites.findById(ticket.siteId);
    const counters = store.counters.listInSite(ticket.siteId).filter((c) => c.services.includes(ticket.queueService)).length;
    return waitFromDurations(queue.serviceTimes(ticket.siteId, ticket.queueService, site?.timezone ?? defaultTimeZone), {
      peopleAhead: store.tickets.peopleAhead(ticket),
      counters
    });
  }

  function view(ticket: Ticket): TicketView {
    const job = store.printJobs.listForTicket(ticket.id).at(-1);
    if (!job) throw new Error(`ticket ${ticket.id} has no print job`);
    return {
      id: ticket.id,
      label: ticket.label,
      service: ticket.service,
      serviceName: serviceName(ticket.siteId, ticket.service),
      waitMinutes: estimate(ticket),
      priority: ticket.priority,
      peopleAhead: store.tickets.peopleAhead(ticket),
      issuedAt: ticket.createdAt,
      print: printing.jobView(job)
    };
  }

  /**
   * Takes the day's next number for the service and stores its print job in the same transaction,
   * then prints. `terminalId` is the kiosk (its own printer), or null for a ticket an agent gives
   * at the desk (the hall's shared printer).
   */
  function issue(
    siteId: string,
    terminalId: string | null,
    input: { requestId: string; service: string; priority: boolean; locale: 'fr' | 'en' | 'ar' },
    options: { onlyWhenOpen: boolean },
    after: After
  ): TicketView {
    const replay = store.tickets.findByRequest(siteId, input.requestId);
    if (replay) return view(replay);
    // The kiosk gives no ticket for a closed service; an agent at the desk may.
    if (options.onlyWhenOpen) queue.assertOpen(siteId, input.service);
    const service = store.services.find(siteId, input.service);
    if (!service) {
      const known = store.services.listInSite(siteId).map((s) => s.id);
      throw new AppError('invalid_payload', `No service ${input.service} at this site`, [
        { path: 'service', message: `unknown service; one of ${known.join(', ')}` }
      ]);
    }
    const site = store.sites.findById(siteId);
    if (!site) throw new AppError('not_found', 'No such site');
    const now = clock.now();
    const day = localDate(now, site.timezone);
    const ticket = store.db.transaction(() => {
      const number = store.tickets.nextNumber(site.id, service.id, day);
      const created: NewTicket = {
        id: randomUUID(),
        siteId: site.id,
        service: service.id,
        day,
        number,
        label: `${service.prefix}-${String(number).padStart(3, '0')}`,
        priority: input.priority,
        terminalId,
        requestId: input.requestId,
        locale: input.locale,
        createdAt: now.toISOString()
      };
      store.tickets.insert(created);
      const stored = store.tickets.findById(created.id)!;
      const locale = receiptLocale(input.locale);
      printing.enqueue({
        siteId: site.id,
        terminalId,
        kind: 'ticket',
        ticketId: stored.id,
        document: {
          locale,
          receipt: ticketReceipt({
            label: stored.label,
            serviceName: service.name,
            priority: stored.priority,
            peopleAhead: store.tickets.peopleAhead(stored),
            day,
            issuedAt: now,
            siteName: site.name,
            timezone: site.timezone,
            locale,
            copy: 0
          })
        }
      });
      return stored;
    })();
    const job = store.printJobs.listForTicket(ticket.id)[0];
    // Printed once the kiosk has its number: the job's progress comes after the ack, like the counts.
    if (job) after(() => void printing.start(job));
    queue.changed(siteId, after);
    return view(ticket);
  }

  return {
    take(terminal: TerminalIdentity, input: z.output<typeof ticketTakeInput>, after: After): TicketView {
      return issue(terminal.siteId, terminal.terminalId, input, { onlyWhenOpen: true }, after);
    },
    /** An agent gives a ticket to someone at the desk: printed on the hall's shared printer. */
    issueAtDesk(agent: AccountIdentity, input: z.output<typeof ticketIssueInput>, after: After): TicketView {
      return issue(agent.siteId, null, { ...input, locale: 'fr' }, { onlyWhenOpen: false }, after);
    }
  };
}
