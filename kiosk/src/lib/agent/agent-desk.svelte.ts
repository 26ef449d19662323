/**
 * The agent's tablet: their chosen availability, the calls ringing for them, and the one session
 * they have joined (mirrored by the same session replica as the kiosk). Everything is fetched again
 * after each (re)connection, so a tablet that slept or a server that restarted picks up as it was.
 */
import type { AgentPresenceView, AgentStatus, CallCard } from '$shared/schemas/call';
import type { ErrorCode } from '$shared/errors';
import type { PrintJobView } from '$shared/schemas/print';
import type { SessionClosedReason } from '$shared/schemas/session';
import type { Connection } from '$lib/socket.svelte';
import { KioskSession } from '$lib/kiosk/kiosk-session.svelte';
import { Ringer } from './ringer.svelte';

export class AgentDesk {
  status = $state<AgentStatus>('available');
  ringing = $state<CallCard[]>([]);
  joinedCard = $state<CallCard | null>(null);
  colleagues = $state<AgentPresenceView[]>([]);
  /** This agent's own account, learnt from the server: never offered as a colleague to hand a call to. */
  self = $state<string | null>(null);
  /** Why the last hand-over was refused, shown on the colleague field until the next try. */
  handoverProblem = $state<ErrorCode | null>(null);
  /** Why the joined view just closed, said once to the agent. */
  closed = $state<SessionClosedReason | null>(null);
  /** The last refused action (a call a colleague took first…). */
  problem = $state<ErrorCode | null>(null);
  loaded = $state(false);
  /** The last summary this agent sent to print, to show where the paper is. */
  printed = $state<PrintJobView | null>(null);
  readonly session: KioskSession;
  readonly ringer = new Ringer();
  private readonly rung = new Set<string>();

  constructor(private readonly connection: Connection) {
    this.session = new KioskSession(connection);
    const socket = connection.socket;
    socket.on('connect', () => void this.refresh());
    socket.on('print:job', (job) => {
      if (this.printed?.id === job.id) this.printed = job;
    });
    socket.on('call:ring', (card) => this.addCard(card));
    socket.on('procedures:changed', ({ procedures }) => this.session.setPublished(procedures));
    socket.on('call:removed', ({ callId }) => {
      this.ringing = this.ringing.filter((c) => c.callId !== callId);
    });
    socket.on('session:closed', ({ sessionId, reason }) => {
      if (this.session.replica.id !== sessionId) return;
      this.leave(reason);
    });
    // The agents whose presence changed since the last update (a burst of arrivals comes as one).
    socket.on('agent:presences', (views) => {
      const changed = new Set(views.map((v) => v.accountId));
      this.colleagues = [...this.colleagues.filter((c) => !changed.has(c.accountId)), ...views].sort((a, b) =>
        a.firstName.localeCompare(b.firstName)
      );
    });
  }

  /**
   * Who a joined call can be handed to: colleagues online now, never oneself (the presence of
   * every agent at the site is broadcast, one's own included, e.g. when accepting makes one busy).
   */
  get handoverTargets(): AgentPresenceView[] {
    return this.colleagues.filter((c) => c.online && c.accountId !== this.self);
  }

  get joined(): boolean {
    return this.joinedCard !== null && this.session.state !== null;
  }

  /** One ring per call: a card that is already shown, or was already rung on this page, does not ring again. */
  private addCard(card: CallCard): void {
    const others = this.ringing.filter((c) => c.callId !== card.callId);
    this.ringing = [...others, card].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    if (!this.rung.has(card.callId)) {
      this.rung.add(card.callId);
      this.ringer.ring();
    }
  }

  private leave(reason: SessionClosedReason | null): void {
    this.joinedCard = null;
    this.handoverProblem = null;
    this.session.replica.load(null);
    this.closed = reason;
  }

  async refresh(): Promise<void> {
    const ack = await this.connection.command('agent:state', {});
    if (!ack.ok) return;
    const state = ack.data;
    this.self = state.accountId;
    this.status = state.status;
    this.session.pin(state.joined?.procedure ?? null);
    this.session.setPublished(state.procedures);
    this.ringing = [];
    for (const card of state.ringing) this.addCard(card);
    if (state.joined) {
      this.joinedCard = state.joined.card;
      this.session.replica.load(state.joined.session);
    } else if (this.joinedCard) {
      this.leave('lost');
    }
    this.loaded = true;
    await this.loadColleagues();
  }

  async loadColleagues(): Promise<void> {
    const ack = await this.connection.command('agent:colleagues', {});
    if (ack.ok) this.colleagues = ack.data;
  }

  async setStatus(status: AgentStatus): Promise<void> {
    const ack = await this.connection.command('agent:presence', { status });
    if (ack.ok) this.status = ack.data.status;
  }

  async accept(card: CallCard): Promise<void> {
    this.problem = null;
    this.closed = null;
    const ack = await this.connection.command('call:accept', { callId: card.callId });
    this.ringing = this.ringing.filter((c) => c.callId !== card.callId);
    if (!ack.ok) {
      this.problem = ack.error.code;
      return;
    }
    this.joinedCard = ack.data.card;
    // The version the session opened, which may no longer be the one the kiosks offer.
    this.session.pin(ack.data.procedure);
    this.session.replica.load(ack.data.session);
    this.status = 'busy';
  }

  private async afterLeaving(ack: { ok: boolean }, reason: SessionClosedReason): Promise<void> {
    if (!ack.ok) return;
    this.leave(reason);
    await this.refresh();
  }

  /** Prints the joined session's summary at the kiosk (receipt) or on the site's A4 printer. */
  async print(format: 'receipt' | 'a4'): Promise<void> {
    const sessionId = this.session.replica.id;
    if (!sessionId) return;
    const ack = await this.connection.command('print:summary', { requestId: crypto.randomUUID(), sessionId, format });
    if (ack.ok) this.printed = ack.data;
    else this.problem = ack.error.code;
  }

  async release(): Promise<void> {
    const callId = this.joinedCard?.callId;
    if (callId) await this.afterLeaving(await this.connection.command('call:release', { callId }), 'released');
  }

  async handover(toAccountId: string): Promise<void> {
    const callId = this.joinedCard?.callId;
    if (!callId) return;
    this.handoverProblem = null;
    const ack = await this.connection.command('call:handover', { callId, toAccountId });
    if (!ack.ok) {
      this.handoverProblem = ack.error.code;
      // The colleague may have left meanwhile: offer who is there now.
      await this.loadColleagues();
      return;
    }
    await this.afterLeaving(ack, 'handed_over');
  }

  async endSession(): Promise<void> {
    const sessionId = this.session.replica.id;
    if (sessionId) await this.afterLeaving(await this.connection.command('session:end', { sessionId, reason: 'agent' }), 'ended');
  }

  addNote(text: string): void {
    this.session.replica.send([{ op: 'note', text }]);
  }

  goto(stepId: string): void {
    this.session.replica.send([{ op: 'goto', stepId, returnToReview: false }]);
  }
}
