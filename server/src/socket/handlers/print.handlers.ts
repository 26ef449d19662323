/** Tickets and printing: take a ticket, print a summary, reprint (« DUPLICATA »), printers' state. */
import { AppError } from '../../../../shared/errors';
import type { CommandPayload } from '../../../../shared/contract';
import type { DemoOutput, PrinterView } from '../../../../shared/schemas/print';
import type { PrintingService } from '../../printing/printing.service';
import type { PrintJob } from '../../printing/print-jobs.repository';
import type { SummaryPrintService } from '../../printing/summary-print.service';
import type { Store } from '../../store';
import type { TicketsService } from '../../tickets/tickets.service';
import type { CommandHandlers } from '../types';
import { kioskOf } from './senders';

export function createPrintHandlers({
  store,
  tickets,
  printing,
  summaries,
  demoOutput,
  savePrinter,
  printTestPage,
  printersChanged
}: {
  store: Store;
  tickets: TicketsService;
  printing: PrintingService;
  summaries: SummaryPrintService;
  /** What the site's demo printers printed, for its manager console; empty without them. */
  demoOutput: (siteId: string) => DemoOutput;
  savePrinter: (siteId: string, input: CommandPayload<'printer:save'>) => Promise<PrinterView>;
  printTestPage: (siteId: string, printerId: string) => Promise<PrintJob>;
  /** A printer was added or moved: the printers and the kiosks' printers as the console lists them. */
  printersChanged: (siteId: string) => void | Promise<void>;
}): Pick<
  CommandHandlers,
  | 'ticket:take'
  | 'print:summary'
  | 'print:reprint'
  | 'print:jobs'
  | 'printer:list'
  | 'printer:demo-output'
  | 'printer:save'
  | 'printer:test'
> {
  return {
    'ticket:take': (input, ctx) => tickets.take(kioskOf(ctx), input, ctx.afterAck),
    'print:summary': (input, { identity, afterAck }) => summaries.print(identity, input, afterAck),
    'print:reprint': async (input, { identity, afterAck }) => {
      const copy = await printing.reprint(identity.siteId, input.jobId);
      if (!copy) throw new AppError('not_found', `No print job ${input.jobId} to reprint at this site`);
      afterAck(() => void printing.start(copy));
      return printing.jobView(copy);
    },
    'print:jobs': async (_input, { identity }) =>
      Promise.all((await store.printJobs.listRecent(identity.siteId, 30)).map(printing.jobView)),
    'printer:list': (_input, { identity, afterAck }) => printing.refresh(identity.siteId, afterAck),
    'printer:demo-output': (_input, { identity }) => demoOutput(identity.siteId),
    'printer:save': async (input, { identity, afterAck }) => {
      const view = await savePrinter(identity.siteId, input);
      // Asked at once: everyone sees whether the new address answers.
      afterAck(async () => {
        void printing.refresh(identity.siteId);
        await printersChanged(identity.siteId);
      });
      return view;
    },
    'printer:test': async (input, { identity, afterAck }) => {
      const job = await printTestPage(identity.siteId, input.printerId);
      afterAck(() => void printing.start(job));
      return printing.jobView(job);
    }
  };
}
