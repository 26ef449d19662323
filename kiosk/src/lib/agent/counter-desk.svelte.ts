/**
 * The counter an agent works at: the queue as the server sees it (services with how many wait,
 * counters with the ticket they serve), and the actions on the counter's current ticket. Which
 * counter this screen is is a preference of the device, kept in its storage: nothing records which
 * agent sits where, and tickets never carry an agent's name. Everything is fetched again after each
 * (re)connection.
 */
import type { Ack, ErrorBody } from '$shared/errors';
import type { TicketView } from '$shared/schemas/print';
import type { CounterTicket, CounterView, QueueState, ServiceView } from '$shared/schemas/queue';
import type { Connection } from '$lib/socket.svelte';

const storageKey = 'guichet.counter';

/** What the last action did, said once to the agent. */
export type CounterNotice =
  | { kind: 'nobody_waiting' }
  | { kind: 'absent'; label: string }
  | { kind: 'finished'; label: string }
  | { kind: 'transferred'; label: string; to: string };

export type TransferTarget = { toService: string } | { toCounterId: string };

export type CounterAction = 'load' | 'services' | 'next' | 'recall' | 'absent' | 'finish' | 'transfer' | 'call' | 'issue';

/** A refused action: the server's reason, and which action it was, to say what to do. */
export type CounterProblem = Pick<ErrorBody, 'code' | 'issues'> & { action: CounterAction; label?: string };

function readStoredCounter(): string | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage.getItem(storageKey);
  } catch {
    return null;
  }
}

function storeCounter(id: string | null): void {
  try {
    if (id) localStorage.setItem(storageKey, id);
    else localStorage.removeItem(storageKey);
  } catch {
    // A browser that refuses storage still works; the choice is asked again after a reload.
  }
}

export class CounterDesk {
  services = $state<ServiceView[]>([]);
  counters = $state<CounterView[]>([]);
  /** The counter this device is, chosen by the agent; null until chosen. */
  counterId = $state<string | null>(readStoredCounter());
  loaded = $state(false);
  /** An action is on its way: a second tap is not sent twice. */
  busy = $state(false);
  /** The last refused action, with the server's reason. */
  problem = $state<CounterProblem | null>(null);
  notice = $state<CounterNotice | null>(null);
  /** The last ticket given at the desk for someone, its number shown until the next one. */
  issued = $state<TicketView | null>(null);

  constructor(private readonly connection: Connection) {
    const socket = connection.socket;
    socket.on('connect', () => void this.refresh());
    // The whole queue, sent once for a burst of changes: the last one is the server's state.
    socket.on('queue:updated', (state) => this.load(state));
    socket.on('print:job', (job) => {
      if (this.issued?.print.id === job.id) this.issued = { ...this.issued, print: job };
    });
  }

  get counter(): CounterView | null {
    return this.counters.find((c) => c.id === this.counterId) ?? null;
  }

  get current(): CounterTicket | null {
    return this.counter?.current ?? null;
  }

  /** The other counters, where a ticket can be sent. */
  get otherCounters(): CounterView[] {
    return this.counters.filter((c) => c.id !== this.counterId);
  }

  serviceName(id: string): string {
    return this.services.find((s) => s.id === id)?.name ?? id;
  }

  counterName(id: string): string {
    return this.counters.find((c) => c.id === id)?.name ?? id;
  }

  async refresh(): Promise<void> {
    const ack = await this.connection.command('queue:state', {});
    if (!ack.ok) {
      this.problem = { ...ack.error, action: 'load' };
      return;
    }
    this.load(ack.data);
  }

  private load(state: QueueState): void {
    this.services = state.services;
    this.counters = state.counters;
    // A counter removed by the site manager is forgotten on this device.
    if (this.counterId && !state.counters.some((c) => c.id === this.counterId)) this.chooseCounter(null);
    this.loaded = true;
  }

  private keep(view: CounterView): void {
    const i = this.counters.findIndex((c) => c.id === view.id);
    this.counters = i >= 0 ? this.counters.with(i, view) : [...this.counters, view];
  }

  chooseCounter(id: string | null): void {
    this.counterId = id;
    this.notice = null;
    this.problem = null;
    storeCounter(id);
  }

  /** Runs one counter command: one at a time, its answer kept, its refusal shown. */
  private async act(
    action: CounterAction,
    send: (counterId: string) => Promise<Ack<CounterView>>,
    label?: string
  ): Promise<CounterView | null> {
    const counterId = this.counterId;
    if (!counterId || this.busy) return null;
    this.busy = true;
    this.problem = null;
    this.notice = null;
    try {
      const ack = await send(counterId);
      if (!ack.ok) {
        this.problem = { code: ack.error.code, issues: ack.error.issues, action, label };
        return null;
      }
      this.keep(ack.data);
      return ack.data;
    } finally {
      this.busy = false;
    }
  }

  /** Sets the services this counter calls from. */
  async setServices(services: string[]): Promise<void> {
    const counter = this.counter;
    if (!counter) return;
    const before = counter;
    // Shown at once; put back if the server refuses.
    this.keep({ ...counter, services });
    const view = await this.act('services', (counterId) => this.connection.command('counter:services', { counterId, services }));
    if (!view) this.keep(before);
  }

  async toggleService(id: string, on: boolean): Promise<void> {
    const current = this.counter?.services ?? [];
    const next = on ? [...new Set([...current, id])] : current.filter((s) => s !== id);
    await this.setServices(next);
  }

  async next(): Promise<void> {
    const view = await this.act('next', (counterId) =>
      this.connection.command('counter:next', { counterId, requestId: crypto.randomUUID() })
    );
    if (view && view.current === null) this.notice = { kind: 'nobody_waiting' };
  }

  async recall(): Promise<void> {
    await this.act('recall', (counterId) => this.connection.command('counter:recall', { counterId }));
  }

  async absent(): Promise<void> {
    const label = this.current?.label;
    const view = await this.act('absent', (counterId) => this.connection.command('counter:absent', { counterId }));
    if (view && label) this.notice = { kind: 'absent', label };
  }

  async finish(): Promise<void> {
    const label = this.current?.label;
    const view = await this.act('finish', (counterId) => this.connection.command('counter:finish', { counterId }));
    if (view && label) this.notice = { kind: 'finished', label };
  }

  /** Sends the current ticket to another service's queue or to another counter: its number stays. */
  async transfer(target: TransferTarget): Promise<void> {
    const label = this.current?.label;
    const to = 'toService' in target ? this.serviceName(target.toService) : this.counterName(target.toCounterId);
    const view = await this.act('transfer', (counterId) => this.connection.command('counter:transfer', { counterId, ...target }));
    if (view && label) this.notice = { kind: 'transferred', label, to };
  }

  /** Calls one ticket by its number (« T-042 »), out of turn. */
  async call(label: string): Promise<boolean> {
    const view = await this.act('call', (counterId) => this.connection.command('counter:call', { counterId, label }), label);
    return view !== null;
  }

  /** Gives a ticket to someone at the desk; it prints on the hall's shared printer. */
  async issue(service: string, priority: boolean): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    this.problem = null;
    this.notice = null;
    try {
      const ack = await this.connection.command('ticket:issue', { requestId: crypto.randomUUID(), service, priority });
      if (!ack.ok) {
        this.problem = { code: ack.error.code, issues: ack.error.issues, action: 'issue' };
        return false;
      }
      this.issued = ack.data;
      return true;
    } finally {
      this.busy = false;
    }
  }
}
