/**
 * The site's printers and recent print jobs, for the staff (agent tablet and manager console):
 * a fault is shown the moment the server learns it, and a ticket can be reprinted as a duplicate.
 */
import type { Connection } from '$lib/socket.svelte';
import type { DemoOutput, DemoReceipt, PrinterView, PrintJobView } from '$shared/schemas/print';

export class StaffPrinters {
  printers = $state<PrinterView[]>([]);
  jobs = $state<PrintJobView[]>([]);
  demo = $state<DemoReceipt[]>([]);
  a4 = $state<DemoOutput['a4']>([]);

  private readonly onConnect = () => void this.refresh();
  private readonly onStatus = (printer: PrinterView) => {
    const i = this.printers.findIndex((p) => p.id === printer.id);
    this.printers = i >= 0 ? this.printers.with(i, printer) : [...this.printers, printer];
  };
  private readonly onJob = (job: PrintJobView) => {
    if (!this.options.jobs) return;
    const i = this.jobs.findIndex((j) => j.id === job.id);
    this.jobs = i >= 0 ? this.jobs.with(i, job) : [job, ...this.jobs].slice(0, 30);
    // A new A4 page from the demo printer (a summary, a test page): its file is listed at once.
    if (this.options.demo && (job.kind === 'summary_a4' || job.kind === 'test_page') && job.status === 'printed') {
      void this.refreshDemo();
    }
  };
  private readonly onDemoReceipt = (receipt: DemoReceipt) => {
    if (this.options.demo) this.demo = [receipt, ...this.demo].slice(0, 20);
  };

  constructor(
    private readonly connection: Connection,
    private readonly options: { jobs: boolean; demo: boolean }
  ) {
    connection.socket.on('connect', this.onConnect);
    connection.socket.on('printer:status', this.onStatus);
    connection.socket.on('print:job', this.onJob);
    connection.socket.on('printer:demo-receipt', this.onDemoReceipt);
  }

  /** Stops following (a console page left: the connection stays for the next page). */
  close(): void {
    this.connection.socket.off('connect', this.onConnect);
    this.connection.socket.off('printer:status', this.onStatus);
    this.connection.socket.off('print:job', this.onJob);
    this.connection.socket.off('printer:demo-receipt', this.onDemoReceipt);
  }

  get faults(): PrinterView[] {
    return this.printers.filter((p) => p.fault !== null || p.paperNearEnd);
  }

  async refresh(): Promise<void> {
    const list = await this.connection.command('printer:list', {});
    if (list.ok) this.printers = list.data;
    if (this.options.jobs) {
      const jobs = await this.connection.command('print:jobs', {});
      if (jobs.ok) this.jobs = jobs.data;
    }
    if (this.options.demo) await this.refreshDemo();
  }

  private async refreshDemo(): Promise<void> {
    const demo = await this.connection.command('printer:demo-output', {});
    if (demo.ok) {
      this.demo = demo.data.receipts;
      this.a4 = demo.data.a4;
    }
  }

  async reprint(jobId: string): Promise<boolean> {
    const ack = await this.connection.command('print:reprint', { jobId });
    return ack.ok;
  }
}
