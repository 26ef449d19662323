/**
 * Taking a queue ticket at the kiosk: a number for the service, today, taken once (a replayed
 * command gives the same ticket back), its print job stored in the same transaction, then printed.
 * The kiosk shows the number whatever the printer does.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { AppError } from '../../../shared/errors';
import type { TerminalIdentity } from '../../../shared/identity';
import { localDate } from '../../../shared/opening-hours';
import type { Procedure } from '../../../shared/procedures/schema';
import { localize } from '../../../shared/procedures/answers';
import type { ticketTakeInput, TicketView } from '../../../shared/schemas/print';
import { ticketReceipt } from '../../../printers/layouts/ticket';
import { receiptLocale } from '../../../printers/i18n';
import type { Clock } from '../clock';
import type { PrintingService } from '../printing/printing.service';
import type { Store } from '../store';
import type { Ticket } from './tickets.repository';

/** The reception desk: for whoever has no procedure, or was not answered by a call. */
export const receptionService = 'accueil';
const receptionName = { fr: 'Accueil', en: 'Reception', ar: 'الاستقبال' } as const;

export type TicketsService = ReturnType<typeof createTicketsService>;

export function createTicketsService({
  store,
  clock,
  procedures,
  printing
}: {
  store: Store;
  clock: Clock;
  procedures: Procedure[];
  printing: PrintingService;
}) {
  // Services in a fixed order: the reception desk, then the catalog's services as they come.
  const services = [receptionService, ...new Set(procedures.map((p) => p.service))].filter((s, i, all) => all.indexOf(s) === i);
  const prefixes = new Map<string, string>();
  for (const service of services) {
    const letters = `${service.replace(/[^a-z]/g, '').toUpperCase()}ABCDEFGHIJKLMNOPQRSTUVWXYZ`;
    const free = [...letters].find((l) => ![...prefixes.values()].includes(l)) ?? 'Z';
    prefixes.set(service, free);
  }

  function serviceName(service: string, locale: string): string {
    if (service === receptionService) return receptionName[locale as keyof typeof receptionName] ?? receptionName.fr;
    const procedure = procedures.find((p) => p.service === service);
    return procedure ? localize(procedure.title, locale) : service;
  }

  function view(ticket: Ticket, locale: string): TicketView {
    const job = store.printJobs.listForTicket(ticket.id).at(-1);
    if (!job) throw new Error(`ticket ${ticket.id} has no print job`);
    return {
      id: ticket.id,
      label: ticket.label,
      service: ticket.service,
      serviceName: serviceName(ticket.service, locale),
      priority: ticket.priority,
      peopleAhead: store.tickets.peopleAhead(ticket),
      issuedAt: ticket.createdAt,
      print: printing.jobView(job)
    };
  }

  return {
    services,
    serviceName,

    take(terminal: TerminalIdentity, input: z.output<typeof ticketTakeInput>): TicketView {
      const replay = store.tickets.findByRequest(terminal.siteId, input.requestId);
      if (replay) return view(replay, input.locale);
      if (!prefixes.has(input.service)) {
        throw new AppError('invalid_payload', `No service ${input.service} at this site`, [
          { path: 'service', message: `unknown service; one of ${services.join(', ')}` }
        ]);
      }
      const site = store.sites.findById(terminal.siteId);
      if (!site) throw new AppError('not_found', 'This kiosk has no site');
      const now = clock.now();
      const day = localDate(now, site.timezone);
      const ticket = store.db.transaction(() => {
        const number = store.tickets.nextNumber(site.id, input.service, day);
        const created: Omit<Ticket, 'status'> = {
          id: randomUUID(),
          siteId: site.id,
          service: input.service,
          day,
          number,
          label: `${prefixes.get(input.service)}-${String(number).padStart(3, '0')}`,
          priority: input.priority,
          terminalId: terminal.terminalId,
          requestId: input.requestId,
          locale: input.locale,
          createdAt: now.toISOString()
        };
        store.tickets.insert(created);
        const stored = { ...created, status: 'waiting' as const };
        const locale = receiptLocale(input.locale);
        printing.enqueue({
          siteId: site.id,
          terminalId: terminal.terminalId,
          kind: 'ticket',
          ticketId: stored.id,
          document: {
            locale,
            receipt: ticketReceipt({
              label: stored.label,
              serviceName: serviceName(stored.service, locale),
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
      if (job) void printing.start(job);
      return view(ticket, input.locale);
    }
  };
}
