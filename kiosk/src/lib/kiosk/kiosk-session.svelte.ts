/**
 * The citizen's session on the kiosk. Its contents (language, procedure, step, answers, the call,
 * the joined agent) are held by the server and mirrored here by a `SessionReplica`, so a reload, a
 * network drop or a server restart resumes the same screen. Only how it looks (text size, contrast)
 * and the current "why can't I go on" stay on the kiosk. Nothing is kept in local storage.
 */
import { answerProblem, visibleSteps, type AnswerValue, type AnswerProblem } from '$shared/procedures/answers';
import type { Procedure, Step } from '$shared/procedures/schema';
import type { SessionLocale, SessionState } from '$shared/schemas/session';
import type { Connection } from '$lib/socket.svelte';
import { SessionReplica } from '$lib/session/session-replica.svelte';

export type Screen = 'idle' | 'catalog' | 'step' | 'end';
export type TextSize = 0 | 1 | 2;

/** Where the step the session points at is, among the steps now shown (it may have been hidden). */
function stepIndex(procedure: Procedure, steps: Step[], stepId: string | null): number {
  const i = steps.findIndex((s) => s.id === stepId);
  if (i >= 0 || steps.length === 0) return Math.max(i, 0);
  const order = procedure.steps.findIndex((s) => s.id === stepId);
  const after = steps.findIndex((s) => procedure.steps.indexOf(s) > order);
  return after >= 0 ? after : steps.length - 1;
}

export class KioskSession {
  readonly replica: SessionReplica;
  /** What the kiosks offer now, by id, in the site's order. */
  #procedures = $state.raw<ReadonlyMap<string, Procedure>>(new Map());
  /**
   * The version the session opened when the kiosks offer another one (a newer version was
   * published, or the procedure withdrawn): the session keeps it to the end.
   */
  #pinned = $state.raw<Procedure | null>(null);
  #problem = $state.raw<AnswerProblem | null>(null);
  #textSize = $state<TextSize>(0);
  #highContrast = $state(false);
  /**
   * A session this kiosk ended while the server could not hear it: ended again on the next
   * connection, never resumed. Plain: nothing is drawn from it.
   */
  #endingId: string | null = null;

  get procedures(): ReadonlyMap<string, Procedure> {
    return this.#procedures;
  }
  get problem(): AnswerProblem | null {
    return this.#problem;
  }
  get textSize(): TextSize {
    return this.#textSize;
  }
  get highContrast(): boolean {
    return this.#highContrast;
  }

  // Getters over the replica's state: read during rendering, they are as reactive as the state.
  get state() {
    return this.replica.state;
  }
  get screen(): Screen {
    return this.state && this.state.status === 'active' ? this.state.screen : 'idle';
  }
  /** The exact version the session opened, from what the kiosks offer or the kept one. */
  get procedure(): Procedure | null {
    const id = this.state?.procedureId;
    const version = this.state?.procedureVersion;
    if (!id) return null;
    const offered = this.procedures.get(id);
    if (offered && offered.version === version) return offered;
    const pinned = this.#pinned;
    return pinned?.id === id && pinned.version === version ? pinned : null;
  }
  get answers() {
    return this.state?.answers ?? {};
  }
  get returnToReview(): boolean {
    return this.state?.returnToReview ?? false;
  }
  get steps(): Step[] {
    const procedure = this.procedure;
    return procedure ? visibleSteps(procedure, this.answers) : [];
  }
  get index(): number {
    const procedure = this.procedure;
    return procedure ? stepIndex(procedure, this.steps, this.state?.stepId ?? null) : 0;
  }
  get step(): Step | null {
    return this.steps[this.index] ?? null;
  }
  get call() {
    return this.state?.status === 'active' ? this.state.call : null;
  }
  get agent() {
    return this.state?.status === 'active' ? this.state.agent : null;
  }

  /** Without a connection the session lives on this page only (the manager's preview). */
  constructor(private readonly connection: Connection | null) {
    this.replica = new SessionReplica(connection, (id) => this.procedures.get(id));
  }

  /**
   * Takes the list the kiosks offer now. The version the session uses is kept when it leaves the
   * list: the session goes on with it.
   */
  setPublished(procedures: readonly Procedure[]): void {
    const current = this.procedure;
    this.#procedures = new Map(procedures.map((p) => [p.id, p]));
    if (current && this.#procedures.get(current.id)?.version !== current.version) this.#pinned = current;
  }

  /** Keeps the version a session opened (sent with the setup or the joined call); null keeps none. */
  pin(procedure: Procedure | null): void {
    this.#pinned = procedure;
  }

  /** Starts the session on the server (or gets the one going on). */
  async start(locale: SessionLocale): Promise<boolean> {
    if (this.state?.status === 'active') return true;
    if (!this.connection) return false;
    const ack = await this.connection.command('session:start', { requestId: crypto.randomUUID(), locale });
    if (ack.ok) this.replica.load(ack.data);
    return ack.ok;
  }

  open(procedure: Procedure): void {
    this.#problem = null;
    this.replica.send([{ op: 'open', procedureId: procedure.id }]);
  }

  answer(stepId: string, value: AnswerValue | undefined): void {
    this.#problem = null;
    this.replica.send([{ op: 'answer', stepId, value: value ?? null }]);
  }

  setLocale(locale: SessionLocale): void {
    if (this.state && this.state.status === 'active' && this.state.locale !== locale) {
      this.replica.send([{ op: 'locale', locale }]);
    }
  }

  /** Moves on when the current answer is acceptable; otherwise says why (shown and spoken). */
  next(today: string): void {
    const step = this.step;
    if (!step) return;
    if (step.kind === 'question') {
      const problem = answerProblem(step, this.answers[step.id], today);
      if (problem) {
        this.#problem = problem;
        return;
      }
    }
    this.#problem = null;
    const target = this.returnToReview ? this.steps.at(-1) : this.steps[this.index + 1];
    if (target) this.replica.send([{ op: 'goto', stepId: target.id, returnToReview: false }]);
  }

  back(): void {
    this.#problem = null;
    const previous = this.steps[this.index - 1];
    this.replica.send([previous ? { op: 'goto', stepId: previous.id, returnToReview: false } : { op: 'catalog' }]);
  }

  /** From the review: change one answer, then come straight back. */
  edit(stepId: string): void {
    this.#problem = null;
    this.replica.send([{ op: 'goto', stepId, returnToReview: true }]);
  }

  finish(): void {
    this.replica.send([{ op: 'finish' }]);
  }

  /**
   * Ends the session on the server ("Tout effacer" or the inactivity wipe) and forgets it here.
   * Resolves true once the server knows; until then the session is remembered as ending, so a
   * reconnection ends it again instead of resuming it (see `resume`).
   */
  async end(reason: 'finished' | 'inactivity'): Promise<boolean> {
    const sessionId = this.replica.id;
    this.#endingId = sessionId;
    this.replica.load(null);
    this.resetLook();
    const known = !sessionId || !this.connection || (await this.#sendEnd(sessionId, reason));
    if (known) this.#endingId = null;
    return known;
  }

  /**
   * Takes the session the server has going on for this kiosk, after a (re)connection. One this
   * kiosk ended while the server could not hear it is ended again, not resumed. Returns whether
   * the session was resumed (the page then takes its language).
   */
  resume(current: SessionState | null): boolean {
    if (current && current.id === this.#endingId) {
      this.#endingId = null;
      void this.#endAgain(current.id);
      return false;
    }
    this.replica.load(current);
    return true;
  }

  async #endAgain(sessionId: string): Promise<void> {
    await this.#sendEnd(sessionId, 'finished');
    this.replica.load(null);
  }

  /** The one place the kiosk sends `session:end`: true when the server knows (a refusal too, except no answer). */
  async #sendEnd(sessionId: string, reason: 'finished' | 'inactivity'): Promise<boolean> {
    if (!this.connection) return true;
    const ack = await this.connection.command('session:end', { sessionId, reason });
    return ack.ok || ack.error.code !== 'internal';
  }

  /** Text size: normal, large, largest, then back to normal. */
  nextTextSize(): TextSize {
    this.#textSize = ((this.#textSize + 1) % 3) as TextSize;
    return this.#textSize;
  }

  toggleContrast(): void {
    this.#highContrast = !this.#highContrast;
  }

  /** Forgets the last "why can't I go on" (the screen it was about is gone). */
  clearProblem(): void {
    this.#problem = null;
  }

  resetLook(): void {
    this.#problem = null;
    this.#textSize = 0;
    this.#highContrast = false;
  }
}
