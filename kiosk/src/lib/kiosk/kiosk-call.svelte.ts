/**
 * The citizen's call for an agent, from the kiosk: calling, cancelling, closing the panel of a call
 * nobody answered, and taking the screen back from the agent. The call itself lives in the session
 * (the server's state, mirrored by the session's replica); this class owns the kiosk's commands
 * about it and what the citizen did with the panel.
 *
 * Beside `KioskSession` rather than in it: the agent's tablet and the manager's preview use the
 * same session class, and must never send a citizen's call commands.
 */
import type { Connection } from '$lib/socket.svelte';
import type { SessionLocale } from '$shared/schemas/session';
import type { KioskSession } from './kiosk-session.svelte';

export class KioskCall {
  /** The unanswered call the citizen has closed the panel of. */
  #dismissedId = $state.raw<string | null>(null);
  /** The call the citizen cancelled, so its disappearance is said as a cancellation. Plain: read when the call changes. */
  #cancelledId: string | null = null;

  constructor(
    private readonly connection: Connection,
    private readonly session: KioskSession
  ) {}

  get ringing(): boolean {
    return this.session.call?.status === 'ringing';
  }

  /** The call the panel shows: the session's, unless the citizen closed its panel. */
  get shown() {
    const call = this.session.call;
    return call && call.id !== this.#dismissedId ? call : null;
  }

  /** Whether the last call went because the citizen cancelled it. */
  get cancelledByCitizen(): boolean {
    return this.#cancelledId !== null;
  }

  /**
   * « Parler à un agent »: starts the session if need be (from the idle screen too), then calls.
   * Resolves false when nobody can be called (no server, or it refused): the view then shows the
   * way to the desk.
   */
  async create(reason: 'help' | 'review', locale: SessionLocale): Promise<boolean> {
    if (this.connection.status !== 'online' || !(await this.session.start(locale))) return false;
    const sessionId = this.session.replica.id;
    if (!sessionId) return true;
    this.#dismissedId = null;
    this.#cancelledId = null;
    const ack = await this.connection.command('call:create', { sessionId, requestId: crypto.randomUUID(), reason });
    return ack.ok;
  }

  async cancel(): Promise<void> {
    const callId = this.session.call?.id;
    if (!callId) return;
    this.#cancelledId = callId;
    await this.connection.command('call:cancel', { callId });
  }

  /** Closes the panel of the call (one nobody answered): it stays closed for that call only. */
  dismiss(): void {
    this.#dismissedId = this.session.call?.id ?? null;
  }

  /** A queue ticket instead of the call: a ringing call is cancelled, and its panel closes. */
  async giveWayToTicket(): Promise<void> {
    if (this.ringing) await this.cancel();
    this.dismiss();
  }

  /** The citizen takes the screen back: the agent no longer sees the session. */
  async stopSharing(): Promise<void> {
    const sessionId = this.session.replica.id;
    if (sessionId) await this.connection.command('session:stop-sharing', { sessionId });
  }

  /** A new citizen: nothing of the previous call's panel is remembered. */
  reset(): void {
    this.#dismissedId = null;
    this.#cancelledId = null;
  }
}
