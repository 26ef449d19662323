/**
 * What the hall display shows and says, as reactive state. On every connect and reconnect it asks
 * the server for `display:state` and catches up; between those it follows `queue:called` (a call,
 * announced) and `queue:counts` (the waiting counts). Announcements play one after another.
 */
import type { Connection } from '$lib/socket.svelte';
import type { CallView, DisplayState, QueueCounts, ServiceView } from '$shared/schemas/queue';
import { catchUp, emptyLog, historyOf, receiveCall, type CallLog } from './calls';
import type { AnnounceLocale } from './announcer.svelte';

/** Calls missed during an outage shorter than this are announced after the reconnect; after a longer one, only shown. */
const missedCallsWindowMs = 120_000;
/** Announcements waiting beyond this many are dropped, oldest first: a long backlog helps nobody. */
const maxPending = 5;

export interface DisplayBoardOptions {
  /** Plays one announcement to its end; the board waits for it before playing the next. */
  play?: (call: CallView, locales: AnnounceLocale[]) => Promise<void>;
  now?: () => number;
}

export class DisplayBoard {
  /** Newest first; the first one is the current call. */
  calls = $state<CallView[]>([]);
  services = $state<ServiceView[]>([]);
  announceLocales = $state<AnnounceLocale[]>(['fr']);
  /** True once the server's state has arrived at least once. */
  loaded = $state(false);
  /** The latest call announced as new (for the screen-reader region); null until one arrives. */
  announced = $state<CallView | null>(null);
  /** Announcements waiting to play, oldest first (the one playing is not in it). */
  pending = $state<CallView[]>([]);
  /** The announcement playing now. */
  playing = $state<CallView | null>(null);

  readonly current = $derived<CallView | null>(this.calls[0] ?? null);
  /** The last calls before the current one, one per ticket. */
  readonly history = $derived(historyOf(this.calls));

  private log: CallLog = emptyLog();
  private offlineSince: number | null = null;
  private syncRequest = 0;
  private readonly connection: Pick<Connection, 'command' | 'socket'>;
  private readonly play: NonNullable<DisplayBoardOptions['play']>;
  private readonly now: () => number;

  constructor(connection: Pick<Connection, 'command' | 'socket'>, options: DisplayBoardOptions = {}) {
    this.connection = connection;
    this.play = options.play ?? (async () => {});
    this.now = options.now ?? Date.now;
  }

  /** Follows the connection; returns what stops following it. */
  start(): () => void {
    const socket = this.connection.socket;
    const onConnect = () => void this.sync();
    const onDisconnect = () => (this.offlineSince ??= this.now());
    const onCalled = (call: CallView) => this.receive(call);
    const onCounts = (counts: QueueCounts) => this.updateCounts(counts);
    socket.on('connect', onConnect);
    socket.on('disconnect', onDisconnect);
    socket.on('queue:called', onCalled);
    socket.on('queue:counts', onCounts);
    if (socket.connected) void this.sync();
    return () => {
      socket.off('connect', onConnect);
      socket.off('disconnect', onDisconnect);
      socket.off('queue:called', onCalled);
      socket.off('queue:counts', onCounts);
    };
  }

  /** Asks for the server's state and catches up; an older answer arriving late is ignored. */
  async sync(): Promise<void> {
    const request = ++this.syncRequest;
    const ack = await this.connection.command('display:state', {});
    if (request !== this.syncRequest || !ack.ok) return;
    this.applyState(ack.data);
  }

  /** The server's state after a (re)connect: the past is shown, not announced again. */
  applyState(state: DisplayState): void {
    const shortOutage = this.offlineSince !== null && this.now() - this.offlineSince < missedCallsWindowMs;
    const { log, fresh } = catchUp(this.log, state.recent, { announceMissed: shortOutage });
    this.offlineSince = null;
    this.setLog(log);
    this.services = state.services;
    if (state.announceLocales.length) this.announceLocales = state.announceLocales;
    this.loaded = true;
    for (const call of fresh) this.announce(call);
  }

  /** A call pushed live: shown and announced, unless it was already seen. */
  receive(call: CallView): void {
    const { log, fresh } = receiveCall(this.log, call);
    this.setLog(log);
    if (fresh) this.announce(fresh);
  }

  /**
   * New waiting counts. The names and letters came with the full state: a service added or renamed
   * (or one these counts do not know) asks for the full state again.
   */
  updateCounts(counts: QueueCounts): void {
    const known = new Set(this.services.map((s) => s.id));
    const same = counts.services.length === known.size && counts.services.every((c) => known.has(c.id));
    if (counts.listChanged || !same) {
      void this.sync();
      return;
    }
    const byId = new Map(counts.services.map((c) => [c.id, c]));
    this.services = this.services.map((s) => ({ ...s, ...byId.get(s.id) }));
  }

  private setLog(log: CallLog): void {
    if (log === this.log) return;
    this.log = log;
    this.calls = log.calls;
  }

  private announce(call: CallView): void {
    this.announced = call;
    // A ticket called again before its first announcement played is said once, at its new call.
    const queue = [...this.pending.filter((p) => p.ticketId !== call.ticketId), call];
    this.pending = queue.slice(-maxPending);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.playing) return;
    while (this.pending.length) {
      const [next, ...rest] = this.pending;
      this.pending = rest;
      this.playing = next!;
      try {
        await this.play(next!, this.announceLocales);
      } catch {
        // A failed announcement must not stop the ones after it.
      }
    }
    this.playing = null;
  }
}
