/**
 * A client's copy of a kiosk session, kept equal to the server's: the confirmed state at a version,
 * plus this client's own changes not yet confirmed, shown at once. Patches from the other side are
 * applied in version order; a gap (a missed patch) asks the server for what is missing, and a
 * reconnect resends what was never confirmed under the same ids, so nothing is lost or doubled.
 *
 * Without a connection (the manager's preview of a procedure) the copy is the only one: each change
 * is applied at once by the same code that shows a change before the server confirms it, and
 * nothing leaves the page.
 */
import type { Procedure } from '$shared/procedures/schema';
import type { SessionFocus, SessionOp, SessionPatch, SessionState } from '$shared/schemas/session';
import { applyChanges, optimisticChanges } from '$shared/session/apply';
import type { Connection } from '$lib/socket.svelte';
import type { ErrorCode } from '$shared/errors';

interface Pending {
  patchId: string;
  ops: SessionOp[];
}

export class SessionReplica {
  /** What the screen shows: the confirmed state with this client's pending changes on top. */
  state = $state<SessionState | null>(null);
  /** Where the other side is typing, for a few seconds after they last did. */
  remoteFocus = $state<SessionFocus | null>(null);
  /**
   * How many changes an agent has made to the session's contents (answers, steps, notes; not
   * joining or leaving): the kiosk's « Marie arrive » becomes « Marie est avec vous » at the first.
   */
  agentEdits = $state(0);
  /** Why the server last refused one of this client's changes (e.g. the session is full), until one is accepted. */
  refused = $state<ErrorCode | null>(null);
  private confirmed: SessionState | null = null;
  private focusTimer: ReturnType<typeof setTimeout> | undefined;
  private lastFocus = { stepId: null as string | null, at: 0 };
  private pending: Pending[] = [];
  private syncing = false;
  private resendTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly connection: Connection | null,
    /** What opening a procedure opens (the version the kiosks offer). */
    private readonly publishedOf: (procedureId: string) => Procedure | undefined
  ) {
    if (!connection) return;
    connection.socket.on('session:patched', (patch) => this.receive(patch));
    // A change from the other side that the server then failed to keep: its state replaces ours,
    // even though its version is lower than the change we had applied.
    connection.socket.on('session:reset', (state) => {
      if (state.id !== this.confirmed?.id) return;
      this.confirmed = state;
      this.render();
    });
    connection.socket.on('session:focus', (focus) => {
      if (focus.sessionId !== this.id) return;
      this.forgetRemoteFocus();
      this.remoteFocus = focus.stepId ? focus : null;
      this.focusTimer = setTimeout(() => (this.remoteFocus = null), 5000);
    });
  }

  /**
   * « Marie modifie … » is true while the other side types; once this side changes something
   * itself (types, moves on, finishes) it is old news and would only mislead, so it goes.
   */
  private forgetRemoteFocus(): void {
    clearTimeout(this.focusTimer);
    this.remoteFocus = null;
  }

  /** Tells the other side where this one is typing: on a new field, then at most every 2 s. */
  private focus(stepId: string): void {
    const id = this.id;
    const now = Date.now();
    const socket = this.connection?.socket;
    // Only while connected: sent later it would be stale. Not volatile, which drops it whenever
    // the previous frame (often the keystroke itself) is still being written.
    if (!id || !socket?.connected || (stepId === this.lastFocus.stepId && now - this.lastFocus.at < 2000)) return;
    this.lastFocus = { stepId, at: now };
    socket.emit('session:focus', { sessionId: id, stepId });
  }

  get id(): string | null {
    return this.confirmed?.id ?? null;
  }

  /** Takes the server's whole state (start, resume, catch-up) and resends anything not confirmed. */
  load(state: SessionState | null): void {
    this.confirmed = state;
    if (!state) {
      this.pending = [];
      this.forgetRemoteFocus();
    }
    this.render();
    if (state) for (const p of this.pending) void this.push(p);
  }

  /** Sends operations; the screen shows them at once. */
  send(ops: SessionOp[]): void {
    if (!this.confirmed) return;
    this.forgetRemoteFocus();
    if (!this.connection) {
      const confirmed = this.confirmed;
      this.confirmed = applyChanges(confirmed, optimisticChanges(ops, this.publishedOf), confirmed.version + 1);
      this.render();
      return;
    }
    const pending: Pending = { patchId: crypto.randomUUID(), ops };
    this.pending.push(pending);
    for (const op of ops) if (op.op === 'answer') this.focus(op.stepId);
    this.render();
    void this.push(pending);
  }

  private async push(pending: Pending): Promise<void> {
    const sessionId = this.confirmed?.id;
    if (!sessionId || !this.connection) return;
    // Not retried one by one: a refused patch is resent with all the others, in order (below).
    const ack = await this.connection.command(
      'session:patch',
      { sessionId, patchId: pending.patchId, ops: pending.ops },
      { retry: false }
    );
    if (ack.ok) {
      this.pending = this.pending.filter((p) => p !== pending);
      this.refused = null;
      this.receive(ack.data);
    } else if (ack.error.code === 'rate_limited') {
      // Never applied: kept, and everything still pending is sent again in order once the server
      // allows it (already applied ones are answered by their id), so the last keystroke stays last.
      this.resendLater(ack.error.retryAfterMs ?? 1000);
    } else if (ack.error.code !== 'internal') {
      // Refused (the session ended, the agent left, a wrong value): drop it and show the server's truth.
      this.pending = this.pending.filter((p) => p !== pending);
      this.refused = ack.error.code;
      await this.catchUp();
    }
    // 'internal' is also what a timeout gives: kept, resent after the reconnect.
  }

  private resendLater(ms: number): void {
    if (this.resendTimer) return;
    this.resendTimer = setTimeout(() => {
      this.resendTimer = undefined;
      for (const p of this.pending) void this.push(p);
    }, ms);
  }

  private receive(patch: SessionPatch): void {
    const base = this.confirmed;
    if (!base || patch.sessionId !== base.id || patch.version <= base.version) return;
    if (patch.version > base.version + 1) {
      void this.catchUp();
      return;
    }
    this.confirmed = applyChanges(base, patch.changes, patch.version);
    if (patch.by.kind === 'agent' && patch.changes.some((c) => c.op !== 'agent' && c.op !== 'call')) this.agentEdits++;
    this.render();
  }

  /** Asks for what this copy is missing: the patches after its version, or the whole state. */
  async catchUp(): Promise<void> {
    const base = this.confirmed;
    if (!base || this.syncing || !this.connection) return;
    this.syncing = true;
    try {
      const ack = await this.connection.command('session:sync', { sessionId: base.id, version: base.version });
      if (!ack.ok) {
        if (ack.error.code === 'not_found' || ack.error.code === 'forbidden') this.load(null);
        return;
      }
      if (ack.data.kind === 'snapshot') this.confirmed = ack.data.state;
      else for (const patch of ack.data.patches) this.receive(patch);
      this.render();
    } finally {
      this.syncing = false;
    }
  }

  private render(): void {
    let view = this.confirmed;
    if (view) {
      for (const p of this.pending) view = applyChanges(view, optimisticChanges(p.ops, this.publishedOf), view.version);
    }
    this.state = view;
  }
}
