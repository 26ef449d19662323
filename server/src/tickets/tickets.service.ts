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
import { createKeyedLock } from '../keyed-lock';
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
  async function serviceName(siteId: string, service: string): Promise<string> {
    return (await store.services.find(siteId, service))?.name ?? service;
  }

  async function estimate(ticket: Ticket): Promise<TicketView['waitMinutes']> {
    const site = await store.sites.findById(ticket.siteId);
    const counters = (await store.counters.listInSite(ticket.siteId)).filter((c) =>
      c.services.includes(ticket.queueService)
    ).length;
    return waitFromDurations(await queue.serviceTimes(ticket.siteId, ticket.queueService, site?.timezone ?? defaultTimeZone), {
      peopleAhead: await store.tickets.peopleAhead(ticket),
      counters
    });
  }

  async function view(ticket: Ticket): Promise<TicketView> {
    const job = (await store.printJobs.listForTicket(ticket.id)).at(-1);
    if (!job) throw new Error(`ticket ${ticket.id} has no print job`);
    return {
      id: ticket.id,
      label: ticket.label,
      service: ticket.service,
      serviceName: await serviceName(ticket.siteId, ticket.service),
      waitMinutes: await estimate(ticket),
      priority: ticket.priority,
      peopleAhead: await store.tickets.peopleAhead(ticket),
      issuedAt: ticket.createdAt,
      print: await printing.jobView(job)
    };
  }

  /**
   * One take per request id at a time: a replay sent while the first is still being written
   * answers with its ticket instead of failing on the request id already taken.
   */
  const requests = createKeyedLock();

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
  ): Promise<TicketView> {
    return requests.run(`${siteId}\u0000${input.requestId}`, () => issueOnce(siteId, terminalId, input, options, after));
  }

  async function issueOnce(
    siteId: string,
    terminalId: string | null,
    input: { requestId: string; service: string; priority: boolean; locale: 'fr' | 'en' | 'ar' },
    options: { onlyWhenOpen: boolean },
    after: After
  ): Promise<TicketView> {
    const replay = await store.tickets.findByRequest(siteId, input.requestId);
    if (replay) return view(replay);
    // The kiosk gives no ticket for a closed service; an agent at the desk may.
    if (options.onlyWhenOpen) await queue.assertOpen(siteId, input.service);
    const service = await store.services.find(siteId, input.service);
    if (!service) {
      const known = (await store.services.listInSite(siteId)).map((s) => s.id);
      throw new AppError('invalid_payload', `No service ${input.service} at this site`, [
        { path: 'service', message: `unknown service; one of ${known.join(', ')}` }
      ]);
    }
    const site = await store.sites.findById(siteId);
    if (!site) throw new AppError('not_found', 'No such site');
    const now = clock.now();
    const day = localDate(now, site.timezone);
    // The day's counter bumped and the ticket written in one transaction: another take of the
    // service waits for this one's commit before it bumps the counter (its row is locked), and a
    // failure gives the number back.
    const ticket = await store.transaction(async () => {
      const number = await store.tickets.nextNumber(site.id, service.id, day);
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
      await store.tickets.insert(created);
      const stored = (await store.tickets.findById(created.id))!;
      const locale = receiptLocale(input.locale);
      await printing.enqueue({
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
            peopleAhead: await store.tickets.peopleAhead(stored),
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
    });
    const job = (await store.printJobs.listForTicket(ticket.id))[0];
    // Printed once the kiosk has its number: the job's progress comes after the ack, like the counts.
    if (job) after(() => void printing.start(job));
    queue.changed(siteId, after);
    return view(ticket);
  }

  return {
    take(terminal: TerminalIdentity, input: z.output<typeof ticketTakeInput>, after: After): Promise<TicketView> {
      return issue(terminal.siteId, terminal.terminalId, input, { onlyWhenOpen: true }, after);
    },
    /** An agent gives a ticket to someone at the desk: printed on the hall's shared printer. */
    issueAtDesk(agent: AccountIdentity, input: z.output<typeof ticketIssueInput>, after: After): Promise<TicketView> {
      return issue(agent.siteId, null, { ...input, locale: 'fr' }, { onlyWhenOpen: false }, after);
    }
  };
}
