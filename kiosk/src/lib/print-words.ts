/** A print job said in words, for the staff screens. */
import { m } from '$lib/paraglide/messages';
import type { PrinterFaultCode, PrinterView, PrintJobView } from '$shared/schemas/print';

export function jobLabel(job: PrintJobView): string {
  const kind =
    job.kind === 'ticket'
      ? m.print_kind_ticket({ label: job.ticketLabel ?? '' })
      : job.kind === 'summary_a4'
        ? m.print_kind_summary_a4()
        : job.kind === 'test_page'
          ? m.print_kind_test_page()
          : m.print_kind_summary_receipt();
  return job.copy > 0 ? `${kind} (${m.print_copy({ n: String(job.copy) })})` : kind;
}

const statusWords = {
  queued: m.print_status_queued,
  waiting: m.print_status_waiting,
  printed: m.print_status_printed,
  uncertain: m.print_status_uncertain,
  cancelled: m.print_status_cancelled
} as const;

export function jobStatus(job: PrintJobView): string {
  return statusWords[job.status]();
}

const faultWords = {
  unreachable: m.printer_fault_unreachable,
  no_answer: m.printer_fault_no_answer,
  offline: m.printer_fault_offline,
  cover_open: m.printer_fault_cover_open,
  paper_end: m.printer_fault_paper_end,
  queue_paused: m.printer_fault_queue_paused,
  error: m.printer_fault_error
} as const;

/**
 * A printer's state in words, after its name: « Imprimante du hall : prête », « … n'a plus de
 * papier », « … : bientôt plus de papier », or not asked yet.
 */
export function printerStateText(printer: PrinterView): string {
  if (printer.fault) return m.printer_problem({ name: printer.name, fault: faultText(printer.fault) });
  if (printer.paperNearEnd) return m.printer_paper_low({ name: printer.name });
  return printer.checkedAt
    ? m.settings_printer_ready({ name: printer.name })
    : m.settings_printer_unchecked({ name: printer.name });
}

/** « n'a plus de papier », to follow the printer's name. */
export function faultText(fault: PrinterFaultCode): string {
  return faultWords[fault]();
}
