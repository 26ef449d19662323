/**
 * Test pages asked from the console, per printer, followed to their end: printed, or waiting for a
 * fault to clear (said in words), or cut off with a copy to follow. They go through the normal
 * printing, so what is shown here is what a ticket would meet.
 */
import { m } from '$lib/paraglide/messages';
import { errorText } from '$lib/i18n.svelte';
import { faultText } from '$lib/print-words';
import type { Connection } from '$lib/socket.svelte';
import type { PrintJobView } from '$shared/schemas/print';

function testPageText(job: PrintJobView, printerName: string): string {
  const name = job.printerName ?? printerName;
  if (job.status === 'printed') return m.settings_test_page_printed({ name });
  if (job.status === 'waiting') return m.settings_test_page_waiting({ name, fault: faultText(job.fault ?? 'error') });
  if (job.status === 'uncertain') return m.settings_test_page_uncertain({ name, fault: faultText(job.fault ?? 'error') });
  return m.settings_test_page_sent({ name });
}

export class TestPages {
  /** What to say under each printer's button, by printer id. */
  results = $state<Record<string, string>>({});
  private readonly printerOfJob = new Map<string, { id: string; name: string }>();
  private readonly follow = (job: PrintJobView) => {
    const printer = this.printerOfJob.get(job.id);
    if (printer) this.results[printer.id] = testPageText(job, printer.name);
  };

  constructor(private readonly connection: Connection) {
    connection.socket.on('print:job', this.follow);
  }

  async print(printer: { id: string; name: string }): Promise<void> {
    this.results[printer.id] = m.settings_test_page_sent({ name: printer.name });
    const ack = await this.connection.command('printer:test', { printerId: printer.id });
    if (!ack.ok) {
      this.results[printer.id] = errorText(ack.error);
      return;
    }
    this.printerOfJob.set(ack.data.id, printer);
    this.results[printer.id] = testPageText(ack.data, printer.name);
  }

  close(): void {
    this.connection.socket.off('print:job', this.follow);
  }
}
